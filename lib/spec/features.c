/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont_spec_get_features_json(): the OCI features document (features.md, features-linux.md). */
#include "spec/parse-internal.h"

#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include <lcont/context.h>
#include <lcont/spec.h>

#include "core/util.h"

#define SPEC_OCI_VERSION_MIN "1.0.0"
#define SPEC_OCI_VERSION_MAX "1.2.0"

static void add_mount_options(struct spec_builder *b, cJSON *doc)
{
    cJSON *arr = lcont__spec_add_array(b, doc, "mountOptions");
    for (size_t i = 0; lcont__spec_mount_opts[i].name; i++)
        if (lcont__spec_mount_opts[i].kind != SPEC_MOPT_UNSUPPORTED)
            lcont__spec_add_string(b, arr, NULL, lcont__spec_mount_opts[i].name);
}

static void add_namespaces(struct spec_builder *b, cJSON *lx)
{
    /* Sorted, like runc prints them. */
    static const char *const names[] = { "cgroup", "ipc",  "mount", "network", "pid",
                                         "time",   "user", "uts",   NULL };
    lcont__spec_add_strings(b, lx, "namespaces", names);
}

static void add_capabilities(struct spec_builder *b, cJSON *lx)
{
    cJSON *arr = lcont__spec_add_array(b, lx, "capabilities");
    int last = lcont__spec_cap_last_cap();

    for (int cap = 0; cap <= last; cap++) {
        const char *name = capng_capability_to_name((unsigned)cap);
        char upper[64];
        size_t n;

        if (!name || (n = strlen(name)) + 5 > sizeof(upper))
            continue;
        memcpy(upper, "CAP_", 4);
        for (size_t i = 0; i <= n; i++)
            upper[4 + i] = (char)toupper((unsigned char)name[i]);
        lcont__spec_add_string(b, arr, NULL, upper);
    }
}

/*
 * Which seccomp filter flags libseccomp and the kernel support, by libseccomp
 * API level (see seccomp_api_get(3)).
 */
static bool seccomp_flag_supported(const char *flag, unsigned api)
{
    if (strcmp(flag, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
        return api >= 2;
    if (strcmp(flag, "SECCOMP_FILTER_FLAG_LOG") == 0)
        return api >= 3;
    if (strcmp(flag, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
        return api >= 4;
    if (strcmp(flag, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
        /* Needs libseccomp >= 2.6 (SCMP_FLTATR_CTL_WAITKILL). */
        return (SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)) && api >= 7;
    return false;
}

static void add_seccomp(struct spec_builder *b, cJSON *lx)
{
    cJSON *sc = lcont__spec_add_object(b, lx, "seccomp");
    cJSON *archs, *supported;
    unsigned api = seccomp_api_get();

    lcont__spec_add_bool(b, sc, "enabled", true);
    lcont__spec_add_strings(b, sc, "actions", lcont__spec_seccomp_action_names);
    lcont__spec_add_strings(b, sc, "operators", lcont__spec_seccomp_op_names);
    archs = lcont__spec_add_array(b, sc, "archs");
    for (size_t i = 0; lcont__spec_seccomp_arch_names[i]; i++)
        if (lcont__spec_seccomp_arch_known(lcont__spec_seccomp_arch_names[i]))
            lcont__spec_add_string(b, archs, NULL, lcont__spec_seccomp_arch_names[i]);
    lcont__spec_add_strings(b, sc, "knownFlags", lcont__spec_seccomp_flag_names);
    supported = lcont__spec_add_array(b, sc, "supportedFlags");
    for (size_t i = 0; lcont__spec_seccomp_flag_names[i]; i++)
        if (seccomp_flag_supported(lcont__spec_seccomp_flag_names[i], api))
            lcont__spec_add_string(b, supported, NULL, lcont__spec_seccomp_flag_names[i]);
}

static void add_enabled(struct spec_builder *b, cJSON *parent, const char *key, bool enabled)
{
    lcont__spec_add_bool(b, lcont__spec_add_object(b, parent, key), "enabled", enabled);
}

static void add_linux(struct spec_builder *b, cJSON *doc)
{
    cJSON *lx = lcont__spec_add_object(b, doc, "linux");
    cJSON *cg, *ext;

    add_namespaces(b, lx);
    add_capabilities(b, lx);
    cg = lcont__spec_add_object(b, lx, "cgroup");
    lcont__spec_add_bool(b, cg, "v1", true);
    lcont__spec_add_bool(b, cg, "v2", true);
    lcont__spec_add_bool(b, cg, "systemd", false);
    lcont__spec_add_bool(b, cg, "systemdUser", false);
    lcont__spec_add_bool(b, cg, "rdma", false);
    add_seccomp(b, lx);
    add_enabled(b, lx, "apparmor", false);
    add_enabled(b, lx, "selinux", false);
    add_enabled(b, lx, "intelRdt", false);
    ext = lcont__spec_add_object(b, lx, "mountExtensions");
    add_enabled(b, ext, "idmap", false);
}

int lcont_spec_get_features_json(uint64_t flags, char **ret, lcont_error **reterr)
{
    const struct scmp_version *sv = seccomp_version();
    struct spec_builder b = { false };
    cJSON *doc, *ann;
    char scmp[64];
    int r;

    if (flags != 0)
        return lcont__error_set(reterr, -EINVAL, "features: unknown flags 0x%llx",
                                (unsigned long long)flags);
    if (!ret)
        return lcont__error_set(reterr, -EINVAL, "features: ret is NULL");

    doc = cJSON_CreateObject();
    if (!doc)
        return lcont__error_set(reterr, -ENOMEM, "features: out of memory");
    lcont__spec_add_string(&b, doc, "ociVersionMin", SPEC_OCI_VERSION_MIN);
    lcont__spec_add_string(&b, doc, "ociVersionMax", SPEC_OCI_VERSION_MAX);
    lcont__spec_add_strings(&b, doc, "hooks",
                            (const char *const[]){
                                lcont__spec_hook_name(LCONT_HOOK_PRESTART),
                                lcont__spec_hook_name(LCONT_HOOK_CREATE_RUNTIME),
                                lcont__spec_hook_name(LCONT_HOOK_CREATE_CONTAINER),
                                lcont__spec_hook_name(LCONT_HOOK_START_CONTAINER),
                                lcont__spec_hook_name(LCONT_HOOK_POSTSTART),
                                lcont__spec_hook_name(LCONT_HOOK_POSTSTOP),
                                NULL,
                            });
    add_mount_options(&b, doc);
    add_linux(&b, doc);
    ann = lcont__spec_add_object(&b, doc, "annotations");
    if (sv) {
        snprintf(scmp, sizeof(scmp), "%u.%u.%u", sv->major, sv->minor, sv->micro);
        lcont__spec_add_string(&b, ann, "io.github.seccomp.libseccomp.version", scmp);
    }
    lcont__spec_add_string(&b, ann, "io.github.lcont.version", lcont_version());

    r = b.failed ? -ENOMEM : lcont__spec_print(doc, ret);
    cJSON_Delete(doc);
    if (r < 0)
        return lcont__error_set(reterr, r, "features: out of memory");
    return 0;
}
