/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont_spec_generate(): the default config of `runc spec` (and `runc spec --rootless`). */
#include "spec/parse-internal.h"

#include <errno.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <lcont/spec.h>

#include "core/util.h"

/* The runtime-spec version this library writes and reads. */
#define SPEC_OCI_VERSION "1.2.0"

static const char *const default_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "TERM=xterm",
    NULL,
};

static const char *const default_caps[] = {
    "CAP_AUDIT_WRITE",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    NULL,
};

static const char *const masked_paths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/proc/scsi",
    "/sys/devices/virtual/tpm",
    NULL,
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

struct default_mount {
    const char *destination, *type, *source;
    const char *options[8];
};

static const struct default_mount default_mounts[] = {
    { "/proc", "proc", "proc", { NULL } },
    { "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
    { "/dev/pts",
      "devpts",
      "devpts",
      { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
    { "/dev/shm",
      "tmpfs",
      "shm",
      { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
    { "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
    { "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
    { "/sys/fs/cgroup",
      "cgroup",
      "cgroup",
      { "nosuid", "noexec", "nodev", "relatime", "ro", NULL } },
};

/* A user namespace cannot mount a fresh sysfs without its own network namespace. */
static const struct default_mount rootless_sys = {
    "/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro", NULL }
};

/* runc adds a cgroup namespace only on a pure cgroup v2 host. */
static bool host_is_cgroup2(void)
{
    struct statfs fs;
    return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

static void add_process(struct spec_builder *b, cJSON *doc)
{
    cJSON *proc = lcont__spec_add_object(b, doc, "process");
    cJSON *user, *caps, *rlimits, *nofile;

    lcont__spec_add_bool(b, proc, "terminal", true);
    user = lcont__spec_add_object(b, proc, "user");
    lcont__spec_add_number(b, user, "uid", 0);
    lcont__spec_add_number(b, user, "gid", 0);
    lcont__spec_add_strings(b, proc, "args", (const char *const[]){ "sh", NULL });
    lcont__spec_add_strings(b, proc, "env", default_env);
    lcont__spec_add_string(b, proc, "cwd", "/");
    caps = lcont__spec_add_object(b, proc, "capabilities");
    lcont__spec_add_strings(b, caps, "bounding", default_caps);
    lcont__spec_add_strings(b, caps, "effective", default_caps);
    lcont__spec_add_strings(b, caps, "permitted", default_caps);
    rlimits = lcont__spec_add_array(b, proc, "rlimits");
    nofile = lcont__spec_add_object(b, rlimits, NULL);
    lcont__spec_add_string(b, nofile, "type", "RLIMIT_NOFILE");
    lcont__spec_add_number(b, nofile, "hard", 1024);
    lcont__spec_add_number(b, nofile, "soft", 1024);
    lcont__spec_add_bool(b, proc, "noNewPrivileges", true);
}

static void add_mount(struct spec_builder *b, cJSON *mounts, const struct default_mount *m,
                      bool rootless)
{
    cJSON *obj = lcont__spec_add_object(b, mounts, NULL);
    cJSON *opts;

    lcont__spec_add_string(b, obj, "destination", m->destination);
    lcont__spec_add_string(b, obj, "type", m->type);
    lcont__spec_add_string(b, obj, "source", m->source);
    if (!m->options[0])
        return;
    opts = lcont__spec_add_array(b, obj, "options");
    for (size_t i = 0; m->options[i]; i++) {
        /* uid=/gid= name ids the rootless user namespace does not map. */
        if (rootless && (lcont__str_startswith(m->options[i], "uid=") ||
                         lcont__str_startswith(m->options[i], "gid=")))
            continue;
        lcont__spec_add_string(b, opts, NULL, m->options[i]);
    }
}

static void add_idmap(struct spec_builder *b, cJSON *lx, const char *key, unsigned host_id)
{
    cJSON *arr = lcont__spec_add_array(b, lx, key);
    cJSON *map = lcont__spec_add_object(b, arr, NULL);
    lcont__spec_add_number(b, map, "containerID", 0);
    lcont__spec_add_number(b, map, "hostID", host_id);
    lcont__spec_add_number(b, map, "size", 1);
}

static void add_linux(struct spec_builder *b, cJSON *doc, bool rootless)
{
    static const char *const ns_root[] = { "pid", "network", "ipc", "uts", "mount", NULL };
    cJSON *lx = lcont__spec_add_object(b, doc, "linux");
    cJSON *namespaces;

    if (rootless) {
        add_idmap(b, lx, "uidMappings", (unsigned)geteuid());
        add_idmap(b, lx, "gidMappings", (unsigned)getegid());
    } else {
        cJSON *res = lcont__spec_add_object(b, lx, "resources");
        cJSON *devices = lcont__spec_add_array(b, res, "devices");
        cJSON *deny = lcont__spec_add_object(b, devices, NULL);
        lcont__spec_add_bool(b, deny, "allow", false);
        lcont__spec_add_string(b, deny, "access", "rwm");
    }

    namespaces = lcont__spec_add_array(b, lx, "namespaces");
    for (size_t i = 0; ns_root[i]; i++) {
        if (rootless && strcmp(ns_root[i], "network") == 0)
            continue;
        lcont__spec_add_string(b, lcont__spec_add_object(b, namespaces, NULL), "type", ns_root[i]);
    }
    if (host_is_cgroup2())
        lcont__spec_add_string(b, lcont__spec_add_object(b, namespaces, NULL), "type", "cgroup");
    if (rootless)
        lcont__spec_add_string(b, lcont__spec_add_object(b, namespaces, NULL), "type", "user");

    lcont__spec_add_strings(b, lx, "maskedPaths", masked_paths);
    lcont__spec_add_strings(b, lx, "readonlyPaths", readonly_paths);
}

int lcont_spec_generate(uint64_t flags, char **ret, lcont_error **reterr)
{
    cJSON *doc = NULL, *root, *mounts;
    struct spec_builder b = { false };
    bool rootless = flags & LCONT_SPEC_ROOTLESS;
    int r;

    if (flags & ~LCONT_SPEC_ROOTLESS)
        return lcont__error_set(reterr, -EINVAL, "generate config: unknown flags 0x%llx",
                                (unsigned long long)(flags & ~LCONT_SPEC_ROOTLESS));
    if (!ret)
        return lcont__error_set(reterr, -EINVAL, "generate config: ret is NULL");

    doc = cJSON_CreateObject();
    if (!doc)
        return lcont__error_set(reterr, -ENOMEM, "generate config: out of memory");
    lcont__spec_add_string(&b, doc, "ociVersion", SPEC_OCI_VERSION);
    add_process(&b, doc);
    root = lcont__spec_add_object(&b, doc, "root");
    lcont__spec_add_string(&b, root, "path", "rootfs");
    lcont__spec_add_bool(&b, root, "readonly", true);
    lcont__spec_add_string(&b, doc, "hostname", "lcont");
    mounts = lcont__spec_add_array(&b, doc, "mounts");
    for (size_t i = 0; i < ELEMENTSOF(default_mounts); i++) {
        const struct default_mount *m = &default_mounts[i];
        if (rootless && strcmp(m->destination, "/sys") == 0)
            m = &rootless_sys;
        add_mount(&b, mounts, m, rootless);
    }
    add_linux(&b, doc, rootless);

    r = b.failed ? -ENOMEM : lcont__spec_print(doc, ret);
    cJSON_Delete(doc);
    if (r < 0)
        return lcont__error_set(reterr, r, "generate config: out of memory");
    return 0;
}
