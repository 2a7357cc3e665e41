/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Valid configs: every field of the model gets the value the JSON asks for. */
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "spec/parse-internal.h"
#include "spec/spec.h"
#include "spec-test-util.h"

#ifndef SPEC_TEST_DATA
#error "SPEC_TEST_DATA must name tests/unit/spec/data"
#endif

static struct lcont_spec *parse_ok(const char *text)
{
    struct lcont_spec *spec = NULL;
    lcont_error *err = NULL;
    int r = lcont__spec_parse(text, strlen(text), &spec, &err);

    if (r < 0)
        print_error("parse failed: %s\n", lcont_error_message(err));
    assert_int_equal(r, 0);
    assert_null(err);
    assert_non_null(spec);
    return spec;
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

static void strv_equal(char **got, const char *const *want)
{
    size_t i = 0;
    assert_non_null(got);
    for (; want[i]; i++) {
        assert_non_null(got[i]);
        assert_string_equal(got[i], want[i]);
    }
    assert_null(got[i]);
}

#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define BIT(n) (UINT64_C(1) << (n))

static void check_process(const struct lcont_spec_process *p)
{
    assert_non_null(p);
    assert_true(p->terminal);
    assert_int_equal(p->console_height, 25);
    assert_int_equal(p->console_width, 80);
    assert_int_equal(p->uid, 1000);
    assert_int_equal(p->gid, 1001);
    assert_true(p->has_umask);
    assert_int_equal(p->umask, 022);
    assert_int_equal(p->n_additional_gids, 3);
    assert_int_equal(p->additional_gids[0], 5);
    assert_int_equal(p->additional_gids[1], 6);
    assert_int_equal(p->additional_gids[2], 4294967294u);
    strv_equal(p->args, STRV("/bin/sh", "-c", "echo hi"));
    strv_equal(p->env, STRV("PATH=/bin", "TERM=xterm", "EMPTY="));
    assert_string_equal(p->cwd, "/home/user");

    assert_true(p->has_caps);
    assert_int_equal(p->caps.bounding, BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_SYS_ADMIN));
    assert_int_equal(p->caps.effective, BIT(CAP_KILL));
    assert_int_equal(p->caps.inheritable, BIT(CAP_NET_RAW));
    assert_int_equal(p->caps.ambient, BIT(CAP_NET_BIND_SERVICE));
    if (cap_last() >= 40) {
        assert_int_equal(p->caps.permitted, BIT(CAP_KILL) | BIT(40));
        strv_equal(p->caps.unknown, STRV("CAP_FOO", "CHOWN"));
    } else {
        /* A kernel without CAP_CHECKPOINT_RESTORE: reported, not fatal. */
        assert_int_equal(p->caps.permitted, BIT(CAP_KILL));
        strv_equal(p->caps.unknown, STRV("CAP_CHECKPOINT_RESTORE", "CAP_FOO", "CHOWN"));
    }

    assert_int_equal(p->n_rlimits, 2);
    assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
    assert_int_equal(p->rlimits[0].soft, 1024);
    assert_int_equal(p->rlimits[0].hard, 4096);
    assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
    assert_int_equal(p->rlimits[1].soft, 0);
    assert_true(p->rlimits[1].hard == UINT64_MAX);

    assert_true(p->no_new_privileges);
    assert_string_equal(p->apparmor_profile, "lcont-default");
    assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
    assert_true(p->has_oom_score_adj);
    assert_int_equal(p->oom_score_adj, -500);

    assert_true(p->scheduler.has);
    assert_int_equal(p->scheduler.policy, 6 /* SCHED_DEADLINE */);
    assert_int_equal(p->scheduler.nice, -5);
    assert_int_equal(p->scheduler.priority, 0);
    assert_int_equal(p->scheduler.flags, 0x01 | 0x04);
    assert_int_equal(p->scheduler.runtime, 10000000);
    assert_int_equal(p->scheduler.deadline, 20000000);
    assert_int_equal(p->scheduler.period, 30000000);

    assert_true(p->io_priority.has);
    assert_int_equal(p->io_priority.class, 2);
    assert_int_equal(p->io_priority.priority, 4);
}

static void check_mounts(const struct lcont_spec *s)
{
    const struct lcont_spec_mount *m = s->mounts;

    assert_int_equal(s->n_mounts, 5);

    assert_string_equal(m[0].destination, "/proc");
    assert_string_equal(m[0].type, "proc");
    assert_string_equal(m[0].source, "proc");
    assert_null(m[0].options);
    assert_int_equal(m[0].flags, 0);
    assert_null(m[0].data);
    assert_false(m[0].bind);

    assert_int_equal(m[1].flags, MS_NOSUID | MS_STRICTATIME);
    assert_int_equal(m[1].clear_flags, 0);
    assert_string_equal(m[1].data, "mode=755,size=65536k");
    strv_equal(m[1].options, STRV("nosuid", "strictatime", "mode=755", "size=65536k"));

    /* Relative destination made absolute; the type of a bind mount is dropped. */
    assert_string_equal(m[2].destination, "/data");
    assert_null(m[2].type);
    assert_string_equal(m[2].source, "/srv/data");
    assert_true(m[2].bind);
    assert_true(m[2].recursive_bind);
    assert_int_equal(m[2].flags, MS_BIND | MS_REC | MS_RDONLY);
    assert_int_equal(m[2].propagation, MS_PRIVATE | MS_REC);
    assert_int_equal(m[2].attr_set, MOUNT_ATTR_NOEXEC);
    assert_int_equal(m[2].attr_clr, MOUNT_ATTR__ATIME);
    assert_null(m[2].data);

    assert_null(m[3].type);
    assert_true(m[3].bind);
    assert_false(m[3].recursive_bind);
    assert_int_equal(m[3].flags, MS_BIND | MS_NOSUID);
    assert_int_equal(m[3].clear_flags, MS_RDONLY);
    assert_null(m[3].data); /* tmpcopyup and defaults are not mount data */
    assert_int_equal(m[3].propagation, 0);

    /* Later options override earlier ones, like runc. */
    assert_string_equal(m[4].type, "tmpfs");
    assert_int_equal(m[4].flags, MS_RDONLY | MS_REMOUNT);
    assert_int_equal(m[4].clear_flags, MS_NOSUID | MS_NODEV);
    assert_int_equal(m[4].attr_set, MOUNT_ATTR_RDONLY);
    assert_int_equal(m[4].attr_clr, 0);
    assert_string_equal(m[4].data, "mode=1777");
}

static void check_hooks(const struct lcont_spec_hooks *h)
{
    static const char *const paths[] = { "/usr/bin/hook", "/bin/a", "/bin/c",
                                         "/bin/d",        "/bin/e", "/bin/f" };

    for (int k = 0; k < LCONT_HOOK_COUNT; k++) {
        assert_int_equal(h->n_hooks[k], k == LCONT_HOOK_CREATE_RUNTIME ? 2 : 1);
        assert_string_equal(h->hooks[k][0].path, paths[k]);
    }
    strv_equal(h->hooks[LCONT_HOOK_PRESTART][0].args, STRV("hook", "prestart"));
    strv_equal(h->hooks[LCONT_HOOK_PRESTART][0].env, STRV("A=1"));
    assert_int_equal(h->hooks[LCONT_HOOK_PRESTART][0].timeout, 5);
    assert_string_equal(h->hooks[LCONT_HOOK_CREATE_RUNTIME][1].path, "/bin/b");
    assert_int_equal(h->hooks[LCONT_HOOK_CREATE_RUNTIME][1].timeout, 0);
    assert_null(h->hooks[LCONT_HOOK_CREATE_RUNTIME][1].args);
    assert_int_equal(h->hooks[LCONT_HOOK_POSTSTOP][0].timeout, 2147483647);
}

static void check_resources(const struct lcont_spec_linux *lx)
{
    const struct lcont_spec_resources *r = &lx->resources;

    assert_true(lx->has_resources);
    assert_int_equal(r->n_device_rules, 3);
    assert_false(r->device_rules[0].allow);
    assert_int_equal(r->device_rules[0].type, 'a');
    assert_int_equal(r->device_rules[0].major, -1);
    assert_int_equal(r->device_rules[0].minor, -1);
    assert_string_equal(r->device_rules[0].access, "rwm");
    assert_true(r->device_rules[1].allow);
    assert_int_equal(r->device_rules[1].type, 'c');
    assert_int_equal(r->device_rules[1].major, 10);
    assert_int_equal(r->device_rules[1].minor, 229);
    assert_string_equal(r->device_rules[1].access, "rw"); /* "wr" normalised */
    assert_int_equal(r->device_rules[2].type, 'b');
    assert_int_equal(r->device_rules[2].major, 8);
    assert_int_equal(r->device_rules[2].minor, -1);
    assert_string_equal(r->device_rules[2].access, "m");

    assert_true(r->has_memory_limit && r->has_memory_reservation && r->has_memory_swap &&
                r->has_memory_swappiness);
    assert_int_equal(r->memory_limit, 536870912);
    assert_int_equal(r->memory_reservation, -1);
    assert_true(r->memory_swap == INT64_MAX); /* exact, not rounded through double */
    assert_int_equal(r->memory_swappiness, 60);
    assert_true(r->disable_oom_killer);

    assert_true(r->has_cpu_shares && r->has_cpu_quota && r->has_cpu_period &&
                r->has_cpu_realtime_runtime && r->has_cpu_realtime_period && r->has_cpu_idle);
    assert_int_equal(r->cpu_shares, 1024);
    assert_int_equal(r->cpu_quota, 50000);
    assert_int_equal(r->cpu_period, 100000);
    assert_int_equal(r->cpu_realtime_runtime, 950000);
    assert_int_equal(r->cpu_realtime_period, 1000000);
    assert_int_equal(r->cpu_idle, 1);
    assert_string_equal(r->cpu_cpus, "0-1");
    assert_string_equal(r->cpu_mems, "0");

    assert_true(r->has_pids_limit);
    assert_int_equal(r->pids_limit, -1);

    assert_int_equal(r->n_unified, 2);
    assert_string_equal(r->unified[0].key, "io.max");
    assert_string_equal(r->unified[0].value, "259:0 rbps=2097152");
    assert_string_equal(r->unified[1].key, "memory.high");
    assert_string_equal(r->unified[1].value, "max");
}

static void check_seccomp(const struct lcont_spec_seccomp *sc)
{
    static const enum lcont_seccomp_action actions[] = {
        LCONT_SCMP_ALLOW, LCONT_SCMP_ALLOW,        LCONT_SCMP_NOTIFY,      LCONT_SCMP_ERRNO,
        LCONT_SCMP_KILL,  LCONT_SCMP_KILL_PROCESS, LCONT_SCMP_KILL_THREAD, LCONT_SCMP_TRAP,
        LCONT_SCMP_TRACE, LCONT_SCMP_LOG,
    };

    assert_non_null(sc);
    assert_int_equal(sc->default_action, LCONT_SCMP_ERRNO);
    assert_true(sc->has_default_errno_ret);
    assert_int_equal(sc->default_errno_ret, 38);
    strv_equal(sc->architectures, STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"));
    strv_equal(sc->flags, STRV("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
    assert_string_equal(sc->listener_path, "/run/agent.sock");
    assert_string_equal(sc->listener_metadata, "meta");
    assert_int_equal(sc->n_rules, 10);
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(sc->rules[i].action, actions[i]);
    strv_equal(sc->rules[0].names, STRV("read", "write"));
    assert_false(sc->rules[0].has_errno_ret);
    assert_int_equal(sc->rules[1].n_args, 2);
    assert_int_equal(sc->rules[1].args[0].index, 0);
    assert_true(sc->rules[1].args[0].value == UINT64_MAX);
    assert_true(sc->rules[1].args[0].value_two == UINT64_C(4294967296));
    assert_int_equal(sc->rules[1].args[0].op, LCONT_SCMP_CMP_MASKED_EQ);
    assert_int_equal(sc->rules[1].args[1].index, 5);
    assert_int_equal(sc->rules[1].args[1].value, 0);
    assert_int_equal(sc->rules[1].args[1].value_two, 0);
    assert_int_equal(sc->rules[1].args[1].op, LCONT_SCMP_CMP_NE);
    assert_true(sc->rules[3].has_errno_ret);
    assert_int_equal(sc->rules[3].errno_ret, 1);
    assert_true(sc->rules[8].has_errno_ret);
    assert_int_equal(sc->rules[8].errno_ret, 2);
}

static void check_linux(const struct lcont_spec_linux *lx)
{
    assert_int_equal(lx->n_uid_mappings, 1);
    assert_int_equal(lx->uid_mappings[0].container_id, 0);
    assert_int_equal(lx->uid_mappings[0].host_id, 100000);
    assert_int_equal(lx->uid_mappings[0].size, 65536);
    assert_int_equal(lx->n_gid_mappings, 2);
    assert_int_equal(lx->gid_mappings[1].container_id, 65536);
    assert_int_equal(lx->gid_mappings[1].host_id, 1000);
    assert_int_equal(lx->gid_mappings[1].size, 1);

    assert_int_equal(lx->n_sysctls, 2);
    assert_string_equal(lx->sysctls[0].key, "net.ipv4.ip_forward");
    assert_string_equal(lx->sysctls[0].value, "1");
    assert_string_equal(lx->sysctls[1].key, "kernel/shmmax");
    assert_string_equal(lx->sysctls[1].value, "4096");

    check_resources(lx);
    assert_string_equal(lx->cgroups_path, "/lcont/box");

    for (int t = 0; t < LCONT_NS_COUNT; t++) {
        assert_true(lx->namespaces[t].present);
        if (t == LCONT_NS_NET)
            assert_string_equal(lx->namespaces[t].path, "/var/run/netns/box");
        else
            assert_null(lx->namespaces[t].path);
    }

    assert_int_equal(lx->n_devices, 4);
    assert_string_equal(lx->devices[0].path, "/dev/fuse");
    assert_int_equal(lx->devices[0].type, 'c');
    assert_int_equal(lx->devices[0].major, 10);
    assert_int_equal(lx->devices[0].minor, 229);
    assert_true(lx->devices[0].has_file_mode);
    assert_int_equal(lx->devices[0].file_mode, 0666); /* S_IFCHR stripped */
    assert_true(lx->devices[0].has_uid && lx->devices[0].has_gid);
    assert_int_equal(lx->devices[0].uid, 0);
    assert_int_equal(lx->devices[0].gid, 5);
    assert_int_equal(lx->devices[1].type, 'b');
    assert_false(lx->devices[1].has_file_mode);
    assert_false(lx->devices[1].has_uid);
    assert_int_equal(lx->devices[2].type, 'p');
    assert_int_equal(lx->devices[2].major, 0);
    assert_int_equal(lx->devices[3].type, 'u');
    assert_int_equal(lx->devices[3].minor, 2);

    check_seccomp(lx->seccomp);

    assert_int_equal(lx->rootfs_propagation, MS_SLAVE | MS_REC);
    strv_equal(lx->masked_paths, STRV("/proc/kcore", "/sys/firmware"));
    strv_equal(lx->readonly_paths, STRV("/proc/sys"));
    assert_string_equal(lx->mount_label, "system_u:object_r:container_file_t:s0");
    assert_true(lx->has_personality);
    assert_int_equal(lx->personality, PER_LINUX32 | ADDR_NO_RANDOMIZE);
    assert_true(lx->has_time_offsets);
    assert_int_equal(lx->boottime_secs, -86400);
    assert_int_equal(lx->boottime_nsecs, 500);
    assert_true(lx->monotonic_secs == INT64_MAX);
    assert_int_equal(lx->monotonic_nsecs, 999999999);
}

static void test_spec_maximal_config(void **state)
{
    struct lcont_spec *s = NULL;
    lcont_error *err = NULL;
    int r;

    (void)state;
    r = lcont__spec_load(SPEC_TEST_DATA "/maximal.json", &s, &err);
    if (r < 0)
        print_error("%s\n", lcont_error_message(err));
    assert_int_equal(r, 0);

    assert_string_equal(s->oci_version, "1.2.0");
    assert_string_equal(s->root_path, "/var/lib/c/rootfs");
    assert_true(s->root_readonly);
    assert_string_equal(s->hostname, "box");
    assert_string_equal(s->domainname, "example.org");
    check_process(s->process);
    check_mounts(s);
    check_hooks(&s->hooks);
    check_linux(&s->linux_);

    /* Duplicate keys: the last value wins, and the key is listed once. */
    assert_int_equal(s->n_annotations, 3);
    assert_string_equal(s->annotations[0].key, "org.example.key");
    assert_string_equal(s->annotations[0].value, "value");
    assert_string_equal(s->annotations[1].key, "other");
    assert_string_equal(s->annotations[2].key, "dup");
    assert_string_equal(s->annotations[2].value, "second");
    lcont__spec_free(s);
}

static void test_spec_minimal_defaults(void **state)
{
    struct lcont_spec *s = parse_ok("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}");

    (void)state;
    assert_string_equal(s->root_path, "r");
    assert_false(s->root_readonly);
    assert_null(s->hostname);
    assert_null(s->process);
    assert_int_equal(s->n_mounts, 0);
    assert_null(s->mounts);
    for (int t = 0; t < LCONT_NS_COUNT; t++)
        assert_false(s->linux_.namespaces[t].present);
    assert_false(s->linux_.has_resources);
    assert_null(s->linux_.seccomp);
    assert_int_equal(s->linux_.rootfs_propagation, 0);
    assert_int_equal(s->n_annotations, 0);
    lcont__spec_free(s);
}

/* null means "absent" (features.md says so; Go's decoder treats it the same). */
static void test_spec_null_is_absent(void **state)
{
    char *text = spec_test_patch(SPEC_TEST_BASE, "hostname", "null");
    char *t2 = spec_test_patch(text, "process.user.umask", "null");
    char *t3 = spec_test_patch(t2, "linux.seccomp", "null");
    struct lcont_spec *s = parse_ok(t3);

    (void)state;
    assert_null(s->hostname);
    assert_false(s->process->has_umask);
    assert_null(s->linux_.seccomp);
    lcont__spec_free(s);
    free(text);
    free(t2);
    free(t3);
}

static void test_spec_unknown_fields_ignored(void **state)
{
    char *text = spec_test_patch(SPEC_TEST_BASE, "process.futureField", "{\"x\":[1,2,{}]}");
    char *t2 = spec_test_patch(text, "linux.memoryPolicy", "{\"mode\":\"MPOL_BIND\"}");
    struct lcont_spec *s = parse_ok(t2);

    (void)state;
    strv_equal(s->process->args, STRV("sh"));
    lcont__spec_free(s);
    free(text);
    free(t2);
}

/* Like runc (Go), a duplicated member takes its last value; the others are not checked. */
static void test_spec_duplicate_member_last_wins(void **state)
{
    const char *text = "{\"ociVersion\":7,\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"a\","
                       "\"path\":\"b\"},\"hostname\":\"x\",\"hostname\":\"\"}";
    struct lcont_spec *s = parse_ok(text);

    (void)state;
    assert_string_equal(s->oci_version, "1.1.0");
    assert_string_equal(s->root_path, "b");
    assert_null(s->hostname); /* empty hostname = not set, so no UTS namespace needed */
    lcont__spec_free(s);
}

static void test_spec_integer_edges(void **state)
{
    /* The patch helper re-prints earlier patches through double: exact numbers go last. */
    char *t1 = spec_test_patch(SPEC_TEST_BASE, "process.user.gid", "4294967294");
    char *t2 = spec_test_patch(t1, "process.user.uid", "-0");
    char *t3 = spec_test_patch(t2, "linux.resources",
                               "{\"pids\":{\"limit\":-9223372036854775808},"
                               "\"memory\":{\"limit\":0},\"cpu\":{\"quota\":-1}}");
    struct lcont_spec *s = parse_ok(t3);

    (void)state;
    assert_true(s->linux_.resources.pids_limit == INT64_MIN);
    assert_int_equal(s->linux_.resources.memory_limit, 0);
    assert_int_equal(s->linux_.resources.cpu_quota, -1);
    assert_int_equal(s->process->uid, 0);
    assert_int_equal(s->process->gid, 4294967294u);
    lcont__spec_free(s);
    free(t1);
    free(t2);
    free(t3);
}

/* Each mount option list against what runc's parseMountOptions() produces. */
static void test_spec_mount_options(void **state)
{
    static const struct {
        const char *options;
        unsigned long flags, clear, propagation;
        uint64_t attr_set, attr_clr;
        const char *data;
    } cases[] = {
        { "[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY,
          0, 0, 0, 0, NULL },
        { "[\"ro\",\"rw\"]", 0, MS_RDONLY, 0, 0, 0, NULL },
        { "[\"rw\",\"ro\"]", MS_RDONLY, 0, 0, 0, 0, NULL },
        { "[\"sync\",\"async\",\"dirsync\"]", MS_DIRSYNC, MS_SYNCHRONOUS, 0, 0, 0, NULL },
        { "[\"mand\",\"nomand\",\"noatime\",\"atime\"]", 0, MS_MANDLOCK | MS_NOATIME, 0, 0, 0,
          NULL },
        { "[\"nodiratime\",\"relatime\",\"norelatime\",\"strictatime\"]",
          MS_NODIRATIME | MS_STRICTATIME, MS_RELATIME, 0, 0, 0, NULL },
        { "[\"nostrictatime\",\"diratime\",\"exec\",\"suid\",\"dev\"]", 0,
          MS_STRICTATIME | MS_NODIRATIME | MS_NOEXEC | MS_NOSUID | MS_NODEV, 0, 0, 0, NULL },
        { "[\"silent\",\"iversion\",\"lazytime\",\"nosymfollow\"]",
          MS_SILENT | MS_I_VERSION | MS_LAZYTIME | MS_NOSYMFOLLOW, 0, 0, 0, 0, NULL },
        { "[\"loud\",\"noiversion\",\"nolazytime\",\"symfollow\"]", 0,
          MS_SILENT | MS_I_VERSION | MS_LAZYTIME | MS_NOSYMFOLLOW, 0, 0, 0, NULL },
        { "[\"remount\",\"bind\"]", MS_REMOUNT | MS_BIND, 0, 0, 0, 0, NULL },
        { "[\"shared\"]", 0, 0, MS_SHARED, 0, 0, NULL },
        { "[\"rshared\"]", 0, 0, MS_SHARED | MS_REC, 0, 0, NULL },
        { "[\"slave\",\"rslave\"]", 0, 0, MS_SLAVE | MS_REC, 0, 0, NULL },
        { "[\"rprivate\",\"private\"]", 0, 0, MS_PRIVATE, 0, 0, NULL },
        { "[\"unbindable\"]", 0, 0, MS_UNBINDABLE, 0, 0, NULL },
        { "[\"runbindable\"]", 0, 0, MS_UNBINDABLE | MS_REC, 0, 0, NULL },
        { "[\"rro\",\"rnosuid\",\"rnodev\",\"rnoexec\",\"rnodiratime\",\"rnosymfollow\"]", 0, 0, 0,
          MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
              MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW,
          0, NULL },
        { "[\"rro\",\"rrw\",\"rnosuid\",\"rsuid\",\"rdev\",\"rexec\",\"rdiratime\",\"rsymfollow\"]",
          0, 0, 0, 0,
          MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
              MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW,
          NULL },
        /* atime modes: setting one also clears the whole MOUNT_ATTR__ATIME field */
        { "[\"rnoatime\"]", 0, 0, 0, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME, NULL },
        { "[\"rstrictatime\"]", 0, 0, 0, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME, NULL },
        { "[\"rrelatime\"]", 0, 0, 0, 0, MOUNT_ATTR__ATIME, NULL },
        { "[\"rnoatime\",\"ratime\"]", 0, 0, 0, 0, MOUNT_ATTR__ATIME, NULL },
        { "[\"rstrictatime\",\"rnostrictatime\"]", 0, 0, 0, 0, MOUNT_ATTR__ATIME, NULL },
        { "[\"rnorelatime\"]", 0, 0, 0, 0, 0, NULL },
        { "[\"mode=755\",\"nosuid\",\"size=1k\",\"uid=5\",\"x-custom\"]", MS_NOSUID, 0, 0, 0, 0,
          "mode=755,size=1k,uid=5,x-custom" },
        { "[\"defaults\",\"tmpcopyup\"]", 0, 0, 0, 0, 0, NULL },
        { "[]", 0, 0, 0, 0, 0, NULL },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char raw[512];
        char *text;
        struct lcont_spec *s;
        const struct lcont_spec_mount *m;

        snprintf(raw, sizeof(raw),
                 "[{\"destination\":\"/m\",\"type\":\"tmpfs\",\"source\":\"x\","
                 "\"options\":%s}]",
                 cases[i].options);
        text = spec_test_patch(SPEC_TEST_BASE, "mounts", raw);
        s = parse_ok(text);
        m = &s->mounts[0];
        if (m->flags != cases[i].flags || m->clear_flags != cases[i].clear ||
            m->propagation != cases[i].propagation || m->attr_set != cases[i].attr_set ||
            m->attr_clr != cases[i].attr_clr || !lcont__streq_ptr(m->data, cases[i].data))
            print_error(
                "case %zu %s: flags %#lx clear %#lx prop %#lx set %#llx clr %#llx data %s\n", i,
                cases[i].options, m->flags, m->clear_flags, m->propagation,
                (unsigned long long)m->attr_set, (unsigned long long)m->attr_clr,
                m->data ? m->data : "(null)");
        assert_int_equal(m->flags, cases[i].flags);
        assert_int_equal(m->clear_flags, cases[i].clear);
        assert_int_equal(m->propagation, cases[i].propagation);
        assert_int_equal(m->attr_set, cases[i].attr_set);
        assert_int_equal(m->attr_clr, cases[i].attr_clr);
        assert_true(lcont__streq_ptr(m->data, cases[i].data));
        assert_int_equal(m->bind, (cases[i].flags & MS_BIND) != 0);
        lcont__spec_free(s);
        free(text);
    }
}

static void test_spec_bind_mount_kinds(void **state)
{
    static const struct {
        const char *mount;
        bool recursive;
    } cases[] = {
        { "{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"/x\"}", false },
        { "{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"/x\",\"options\":[\"rbind\"]}",
          true },
        { "{\"destination\":\"/a\",\"type\":\"none\",\"source\":\"/x\",\"options\":[\"bind\"]}",
          false },
        { "{\"destination\":\"/a\",\"source\":\"/x\",\"options\":[\"rbind\",\"bind\"]}", true },
        { "{\"destination\":\"/a\",\"type\":\"tmpfs\",\"source\":\"x\",\"options\":[\"rbind\"]}",
          true },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char raw[256];
        char *text;
        struct lcont_spec *s;

        snprintf(raw, sizeof(raw), "[%s]", cases[i].mount);
        text = spec_test_patch(SPEC_TEST_BASE, "mounts", raw);
        s = parse_ok(text);
        assert_true(s->mounts[0].bind);
        assert_int_equal(s->mounts[0].recursive_bind, cases[i].recursive);
        assert_null(s->mounts[0].type);
        assert_true(s->mounts[0].flags & MS_BIND);
        lcont__spec_free(s);
        free(text);
    }
}

static void test_spec_userns_joined_without_mappings(void **state)
{
    char *text = spec_test_patch(SPEC_TEST_BASE, "linux.namespaces",
                                 "[{\"type\":\"mount\"},{\"type\":\"user\",\"path\":"
                                 "\"/proc/1/ns/user\"},{\"type\":\"time\"}]");
    char *t2 = spec_test_patch(text, "linux.timeOffsets", "{\"boottime\":{\"secs\":5}}");
    struct lcont_spec *s = parse_ok(t2);

    (void)state;
    assert_string_equal(s->linux_.namespaces[LCONT_NS_USER].path, "/proc/1/ns/user");
    assert_int_equal(s->linux_.n_uid_mappings, 0);
    assert_int_equal(s->linux_.boottime_secs, 5);
    assert_int_equal(s->linux_.monotonic_secs, 0);
    lcont__spec_free(s);
    free(text);
    free(t2);
}

static void test_spec_consolesize_ignored_without_terminal(void **state)
{
    char *text =
        spec_test_patch(SPEC_TEST_BASE, "process.consoleSize", "{\"height\":10,\"width\":20}");
    struct lcont_spec *s = parse_ok(text);

    (void)state;
    /* The spec: runtimes MUST ignore consoleSize if terminal is false or unset. */
    assert_false(s->process->terminal);
    assert_int_equal(s->process->console_height, 0);
    assert_int_equal(s->process->console_width, 0);
    lcont__spec_free(s);
    free(text);
}

static void test_spec_load_errors(void **state)
{
    char dir[] = "/tmp/lcont-spec-XXXXXX";
    char path[64];
    struct lcont_spec *s = NULL;
    lcont_error *err = NULL;
    char *big;
    int fd;

    (void)state;
    assert_int_equal(lcont__spec_load("/nonexistent/config.json", &s, &err), -ENOENT);
    assert_string_equal(lcont_error_message(err),
                        "read /nonexistent/config.json: No such file or directory");
    lcont_error_free(err);
    err = NULL;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/config.json", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    big = malloc(4 * 1024 * 1024 + 1);
    memset(big, ' ', 4 * 1024 * 1024 + 1);
    assert_int_equal(lcont__write_all(fd, big, 4 * 1024 * 1024 + 1), 0);
    close(fd);
    free(big);
    assert_int_equal(lcont__spec_load(path, &s, &err), -EFBIG);
    assert_non_null(strstr(lcont_error_message(err), "larger than 4194304 bytes"));
    lcont_error_free(err);
    assert_null(s);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_spec_names(void **state)
{
    static const struct {
        enum lcont_ns_type type;
        int flag;
        const char *proc;
    } ns[] = {
        { LCONT_NS_PID, CLONE_NEWPID, "pid" },          { LCONT_NS_NET, CLONE_NEWNET, "net" },
        { LCONT_NS_MNT, CLONE_NEWNS, "mnt" },           { LCONT_NS_IPC, CLONE_NEWIPC, "ipc" },
        { LCONT_NS_UTS, CLONE_NEWUTS, "uts" },          { LCONT_NS_USER, CLONE_NEWUSER, "user" },
        { LCONT_NS_CGROUP, CLONE_NEWCGROUP, "cgroup" }, { LCONT_NS_TIME, CLONE_NEWTIME, "time" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        char p[64];
        assert_int_equal(lcont__spec_ns_clone_flag(ns[i].type), ns[i].flag);
        assert_string_equal(lcont__spec_ns_proc_name(ns[i].type), ns[i].proc);
        /* The proc name is real: this kernel has every one of them. */
        snprintf(p, sizeof(p), "/proc/self/ns/%s", ns[i].proc);
        assert_int_equal(access(p, F_OK), 0);
    }
    assert_int_equal(lcont__spec_ns_clone_flag(LCONT_NS_COUNT), 0);
    assert_null(lcont__spec_ns_proc_name(LCONT_NS_COUNT));
    assert_null(lcont__spec_ns_proc_name((enum lcont_ns_type) - 1));

    assert_string_equal(lcont__spec_hook_name(LCONT_HOOK_PRESTART), "prestart");
    assert_string_equal(lcont__spec_hook_name(LCONT_HOOK_CREATE_RUNTIME), "createRuntime");
    assert_string_equal(lcont__spec_hook_name(LCONT_HOOK_CREATE_CONTAINER), "createContainer");
    assert_string_equal(lcont__spec_hook_name(LCONT_HOOK_START_CONTAINER), "startContainer");
    assert_string_equal(lcont__spec_hook_name(LCONT_HOOK_POSTSTART), "poststart");
    assert_string_equal(lcont__spec_hook_name(LCONT_HOOK_POSTSTOP), "poststop");
    assert_null(lcont__spec_hook_name(LCONT_HOOK_COUNT));
}

/* lookup uses bsearch: the table must stay sorted. */
static void test_spec_mount_option_table_sorted(void **state)
{
    (void)state;
    for (size_t i = 0; lcont__spec_mount_opts[i].name; i++) {
        assert_ptr_equal(lcont__spec_mount_opt_lookup(lcont__spec_mount_opts[i].name),
                         &lcont__spec_mount_opts[i]);
        if (lcont__spec_mount_opts[i + 1].name)
            assert_true(strcmp(lcont__spec_mount_opts[i].name, lcont__spec_mount_opts[i + 1].name) <
                        0);
    }
    assert_null(lcont__spec_mount_opt_lookup("mode=755"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_maximal_config),
        cmocka_unit_test(test_spec_minimal_defaults),
        cmocka_unit_test(test_spec_null_is_absent),
        cmocka_unit_test(test_spec_unknown_fields_ignored),
        cmocka_unit_test(test_spec_duplicate_member_last_wins),
        cmocka_unit_test(test_spec_integer_edges),
        cmocka_unit_test(test_spec_mount_options),
        cmocka_unit_test(test_spec_bind_mount_kinds),
        cmocka_unit_test(test_spec_userns_joined_without_mappings),
        cmocka_unit_test(test_spec_consolesize_ignored_without_terminal),
        cmocka_unit_test(test_spec_load_errors),
        cmocka_unit_test(test_spec_names),
        cmocka_unit_test(test_spec_mount_option_table_sorted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
