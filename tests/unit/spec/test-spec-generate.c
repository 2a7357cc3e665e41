/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont_spec_generate(), lcont_spec_validate() and the features document. */
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmocka.h>

#include <lcont/context.h>
#include <lcont/spec.h>

#include "core/util.h"
#include "spec/spec.h"
#include "spec-test-util.h"

#define BIT(n) (UINT64_C(1) << (n))

static bool host_cgroup2(void)
{
    struct statfs fs;
    return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

static char *generate(uint64_t flags)
{
    char *json = NULL;
    lcont_error *err = NULL;
    assert_int_equal(lcont_spec_generate(flags, &json, &err), 0);
    assert_null(err);
    assert_non_null(json);
    return json;
}

static struct lcont_spec *parse(const char *json)
{
    struct lcont_spec *s = NULL;
    lcont_error *err = NULL;
    int r = lcont__spec_parse(json, strlen(json), &s, &err);
    if (r < 0)
        print_error("%s\n", lcont_error_message(err));
    assert_int_equal(r, 0);
    return s;
}

static const cJSON *get(const cJSON *obj, const char *key)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!m)
        print_error("missing member '%s'\n", key);
    assert_non_null(m);
    return m;
}

static void assert_strings(const cJSON *arr, const char *const *want)
{
    size_t i = 0;
    const cJSON *c;
    assert_true(cJSON_IsArray(arr));
    cJSON_ArrayForEach(c, arr)
    {
        assert_non_null(want[i]);
        assert_true(cJSON_IsString(c));
        assert_string_equal(c->valuestring, want[i]);
        i++;
    }
    assert_null(want[i]);
}

#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void check_common_model(const struct lcont_spec *s)
{
    const uint64_t caps = BIT(CAP_AUDIT_WRITE) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE);

    assert_string_equal(s->oci_version, "1.2.0");
    assert_string_equal(s->root_path, "rootfs");
    assert_true(s->root_readonly);
    assert_string_equal(s->hostname, "lcont");
    assert_non_null(s->process);
    assert_true(s->process->terminal);
    assert_int_equal(s->process->uid, 0);
    assert_int_equal(s->process->gid, 0);
    assert_string_equal(s->process->args[0], "sh");
    assert_null(s->process->args[1]);
    assert_string_equal(s->process->cwd, "/");
    assert_string_equal(s->process->env[0],
                        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    assert_string_equal(s->process->env[1], "TERM=xterm");
    assert_true(s->process->has_caps);
    assert_int_equal(s->process->caps.bounding, caps);
    assert_int_equal(s->process->caps.effective, caps);
    assert_int_equal(s->process->caps.permitted, caps);
    assert_int_equal(s->process->caps.inheritable, 0);
    assert_int_equal(s->process->caps.ambient, 0);
    assert_null(s->process->caps.unknown);
    assert_int_equal(s->process->n_rlimits, 1);
    assert_int_equal(s->process->rlimits[0].resource, RLIMIT_NOFILE);
    assert_int_equal(s->process->rlimits[0].soft, 1024);
    assert_int_equal(s->process->rlimits[0].hard, 1024);
    assert_true(s->process->no_new_privileges);

    assert_int_equal(s->n_mounts, 7);
    assert_string_equal(s->mounts[0].destination, "/proc");
    assert_string_equal(s->mounts[1].destination, "/dev");
    assert_int_equal(s->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
    assert_string_equal(s->mounts[1].data, "mode=755,size=65536k");
    assert_string_equal(s->mounts[2].destination, "/dev/pts");
    assert_string_equal(s->mounts[3].destination, "/dev/shm");
    assert_string_equal(s->mounts[3].source, "shm");
    assert_string_equal(s->mounts[4].destination, "/dev/mqueue");
    assert_string_equal(s->mounts[4].type, "mqueue");
    assert_string_equal(s->mounts[5].destination, "/sys");
    assert_string_equal(s->mounts[6].destination, "/sys/fs/cgroup");
    assert_int_equal(s->mounts[6].flags,
                     MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);

    assert_true(s->linux_.namespaces[LCONT_NS_PID].present);
    assert_true(s->linux_.namespaces[LCONT_NS_IPC].present);
    assert_true(s->linux_.namespaces[LCONT_NS_UTS].present);
    assert_true(s->linux_.namespaces[LCONT_NS_MNT].present);
    assert_int_equal(s->linux_.namespaces[LCONT_NS_CGROUP].present, host_cgroup2());
    assert_false(s->linux_.namespaces[LCONT_NS_TIME].present);
    assert_int_equal(lcont__strv_length(s->linux_.masked_paths), 11);
    assert_string_equal(s->linux_.masked_paths[10], "/sys/devices/virtual/tpm");
    assert_int_equal(lcont__strv_length(s->linux_.readonly_paths), 5);
}

static void test_spec_generate_default(void **state)
{
    char *json = generate(0);
    struct lcont_spec *s = parse(json);
    cJSON *doc = cJSON_Parse(json);

    (void)state;
    check_common_model(s);
    assert_true(s->linux_.namespaces[LCONT_NS_NET].present);
    assert_false(s->linux_.namespaces[LCONT_NS_USER].present);
    assert_int_equal(s->linux_.n_uid_mappings, 0);
    assert_string_equal(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
    assert_string_equal(s->mounts[5].type, "sysfs");
    assert_int_equal(s->mounts[5].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
    assert_true(s->linux_.has_resources);
    assert_int_equal(s->linux_.resources.n_device_rules, 1);
    assert_false(s->linux_.resources.device_rules[0].allow);
    assert_int_equal(s->linux_.resources.device_rules[0].type, 'a');
    assert_string_equal(s->linux_.resources.device_rules[0].access, "rwm");

    /* The JSON itself: indented, runc's member order, runc's lists. */
    assert_non_null(strstr(json, "\n\t\"ociVersion\":\t\"1.2.0\""));
    assert_true(strstr(json, "\"ociVersion\"") < strstr(json, "\"process\""));
    assert_true(strstr(json, "\"process\"") < strstr(json, "\"root\""));
    assert_true(strstr(json, "\"root\"") < strstr(json, "\"mounts\""));
    assert_true(strstr(json, "\"mounts\"") < strstr(json, "\"linux\""));
    assert_null(
        cJSON_GetObjectItemCaseSensitive(get(get(doc, "process"), "capabilities"), "inheritable"));
    assert_null(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(get(doc, "mounts"), 0), "options"));
    assert_strings(get(get(doc, "linux"), "readonlyPaths"),
                   STRV("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"));
    assert_strings(get(get(doc, "linux"), "maskedPaths"),
                   STRV("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                        "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                        "/sys/devices/virtual/tpm"));
    cJSON_Delete(doc);
    lcont__spec_free(s);
    lcont_free(json);
}

static void test_spec_generate_rootless(void **state)
{
    char *json = generate(LCONT_SPEC_ROOTLESS);
    struct lcont_spec *s = parse(json);

    (void)state;
    check_common_model(s);
    assert_false(s->linux_.namespaces[LCONT_NS_NET].present);
    assert_true(s->linux_.namespaces[LCONT_NS_USER].present);
    assert_null(s->linux_.namespaces[LCONT_NS_USER].path);
    assert_int_equal(s->linux_.n_uid_mappings, 1);
    assert_int_equal(s->linux_.uid_mappings[0].container_id, 0);
    assert_int_equal(s->linux_.uid_mappings[0].host_id, geteuid());
    assert_int_equal(s->linux_.uid_mappings[0].size, 1);
    assert_int_equal(s->linux_.n_gid_mappings, 1);
    assert_int_equal(s->linux_.gid_mappings[0].host_id, getegid());
    assert_false(s->linux_.has_resources);
    /* /sys is bind mounted (a fresh sysfs needs a netns we do not own), no gid=5 on devpts. */
    assert_true(s->mounts[5].bind);
    assert_true(s->mounts[5].recursive_bind);
    assert_string_equal(s->mounts[5].source, "/sys");
    assert_int_equal(s->mounts[5].flags,
                     MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
    assert_string_equal(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620");
    assert_null(strstr(json, "gid="));
    lcont__spec_free(s);
    lcont_free(json);
}

static void test_spec_generate_bad_args(void **state)
{
    lcont_error *err = NULL;
    char *json = NULL;

    (void)state;
    assert_int_equal(lcont_spec_generate(1ULL << 5, &json, &err), -EINVAL);
    assert_string_equal(lcont_error_message(err), "generate config: unknown flags 0x20");
    assert_null(json);
    lcont_error_free(err);
    assert_int_equal(lcont_spec_generate(0, NULL, NULL), -EINVAL);
}

static void test_spec_validate_api(void **state)
{
    lcont_error *err = NULL;
    char *json = generate(0);

    (void)state;
    assert_int_equal(lcont_spec_validate(json, strlen(json), 0, &err), 0);
    assert_null(err);
    assert_int_equal(lcont_spec_validate(json, strlen(json), 1, &err), -EINVAL);
    assert_string_equal(lcont_error_message(err), "validate config: unknown flags 0x1");
    lcont_error_free(err);
    err = NULL;
    assert_int_equal(lcont_spec_validate(NULL, 0, 0, &err), -EINVAL);
    lcont_error_free(err);
    err = NULL;
    /* Cut in the middle: still -EINVAL with a message, nothing leaked. */
    assert_int_equal(lcont_spec_validate(json, strlen(json) / 2, 0, &err), -EINVAL);
    assert_non_null(strstr(lcont_error_message(err), "not valid JSON"));
    lcont_error_free(err);
    lcont_free(json);
}

static int cap_last(void)
{
    char buf[16] = "";
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return CAP_LAST_CAP;
    if (read(fd, buf, sizeof(buf) - 1) <= 0)
        buf[0] = '\0';
    close(fd);
    return buf[0] ? atoi(buf) : CAP_LAST_CAP;
}

static bool array_has(const cJSON *arr, const char *s)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, arr)
    {
        if (cJSON_IsString(c) && strcmp(c->valuestring, s) == 0)
            return true;
    }
    return false;
}

static void test_spec_features(void **state)
{
    char *json = NULL;
    lcont_error *err = NULL;
    cJSON *doc;
    const cJSON *lx, *sc, *caps, *c;
    int n = 0;

    (void)state;
    assert_int_equal(lcont_spec_get_features_json(0, &json, &err), 0);
    doc = cJSON_Parse(json);
    assert_non_null(doc);
    assert_string_equal(get(doc, "ociVersionMin")->valuestring, "1.0.0");
    assert_string_equal(get(doc, "ociVersionMax")->valuestring, "1.2.0");
    assert_strings(get(doc, "hooks"), STRV("prestart", "createRuntime", "createContainer",
                                           "startContainer", "poststart", "poststop"));
    assert_true(array_has(get(doc, "mountOptions"), "rro"));
    assert_true(array_has(get(doc, "mountOptions"), "nosymfollow"));
    assert_true(array_has(get(doc, "mountOptions"), "tmpcopyup"));
    assert_false(array_has(get(doc, "mountOptions"), "idmap"));
    assert_false(array_has(get(doc, "mountOptions"), "mode=755"));

    lx = get(doc, "linux");
    assert_strings(get(lx, "namespaces"),
                   STRV("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"));
    /* Every capability of this kernel that libcap-ng knows, by number. */
    caps = get(lx, "capabilities");
    cJSON_ArrayForEach(c, caps)
    {
        n++;
    }
    assert_int_equal(n, cap_last() + 1);
    assert_string_equal(cJSON_GetArrayItem(caps, CAP_CHOWN)->valuestring, "CAP_CHOWN");
    assert_string_equal(cJSON_GetArrayItem(caps, CAP_SYS_ADMIN)->valuestring, "CAP_SYS_ADMIN");
    assert_true(cJSON_IsTrue(get(get(lx, "cgroup"), "v1")));
    assert_true(cJSON_IsTrue(get(get(lx, "cgroup"), "v2")));
    assert_true(cJSON_IsFalse(get(get(lx, "cgroup"), "systemd")));
    assert_true(cJSON_IsFalse(get(get(lx, "cgroup"), "systemdUser")));
    assert_true(cJSON_IsFalse(get(get(lx, "cgroup"), "rdma")));
    sc = get(lx, "seccomp");
    assert_true(cJSON_IsTrue(get(sc, "enabled")));
    assert_strings(get(sc, "actions"),
                   STRV("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                        "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
                        "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"));
    assert_strings(get(sc, "operators"),
                   STRV("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
                        "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"));
    assert_true(array_has(get(sc, "archs"), "SCMP_ARCH_X86_64"));
    assert_true(array_has(get(sc, "archs"), "SCMP_ARCH_AARCH64"));
    assert_false(array_has(get(sc, "archs"), "SCMP_ARCH_Z80"));
    assert_strings(get(sc, "knownFlags"),
                   STRV("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
    cJSON_ArrayForEach(c, get(sc, "supportedFlags"))
    {
        assert_true(array_has(get(sc, "knownFlags"), c->valuestring));
    }
    assert_true(cJSON_IsFalse(get(get(lx, "apparmor"), "enabled")));
    assert_true(cJSON_IsFalse(get(get(lx, "selinux"), "enabled")));
    assert_true(cJSON_IsFalse(get(get(lx, "intelRdt"), "enabled")));
    assert_true(cJSON_IsFalse(get(get(get(lx, "mountExtensions"), "idmap"), "enabled")));
    assert_string_equal(get(get(doc, "annotations"), "io.github.lcont.version")->valuestring,
                        lcont_version());
    assert_non_null(get(get(doc, "annotations"), "io.github.seccomp.libseccomp.version"));

    /* Every name the document advertises is accepted by the parser. */
    cJSON_ArrayForEach(c, get(doc, "mountOptions"))
    {
        char raw[256];
        char *text;
        struct lcont_spec *s;
        snprintf(raw, sizeof(raw),
                 "[{\"destination\":\"/m\",\"type\":\"tmpfs\",\"source\":\"x\","
                 "\"options\":[\"%s\"]}]",
                 c->valuestring);
        text = spec_test_patch(SPEC_TEST_BASE, "mounts", raw);
        s = parse(text);
        assert_null(s->mounts[0].data); /* recognised, so never passed as mount data */
        lcont__spec_free(s);
        free(text);
    }
    cJSON_ArrayForEach(c, get(sc, "archs"))
    {
        char raw[256];
        char *text;
        snprintf(raw, sizeof(raw),
                 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"%s\"]}",
                 c->valuestring);
        text = spec_test_patch(SPEC_TEST_BASE, "linux.seccomp", raw);
        lcont__spec_free(parse(text));
        free(text);
    }

    cJSON_Delete(doc);
    lcont_free(json);

    assert_int_equal(lcont_spec_get_features_json(2, &json, &err), -EINVAL);
    assert_string_equal(lcont_error_message(err), "features: unknown flags 0x2");
    lcont_error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_generate_default),
        cmocka_unit_test(test_spec_generate_rootless),
        cmocka_unit_test(test_spec_generate_bad_args),
        cmocka_unit_test(test_spec_validate_api),
        cmocka_unit_test(test_spec_features),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
