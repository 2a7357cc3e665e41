/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Table-driven: every config here must be refused with -EINVAL and exactly the
 * expected message, and the parser must not touch its output argument.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "spec/spec.h"
#include "spec-test-util.h"

struct bad_case {
    const char *path, *raw;   /* patch SPEC_TEST_BASE: set path to raw (NULL raw = delete) */
    const char *path2, *raw2; /* optional second patch */
    const char *message;
};

#define USERNS "[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"user\"}]"
#define TIMENS "[{\"type\":\"mount\"},{\"type\":\"time\"}]"
#define TIMENS_JOIN "[{\"type\":\"mount\"},{\"type\":\"time\",\"path\":\"/proc/1/ns/time\"}]"
#define MAP "[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"

static const struct bad_case cases[] = {
    /* top level */
    { "ociVersion", NULL, 0, 0, "ociVersion: missing" },
    { "ociVersion", "1", 0, 0, "ociVersion: must be a string" },
    { "root", NULL, 0, 0, "root: missing" },
    { "root", "\"rootfs\"", 0, 0, "root: must be an object" },
    { "root.path", NULL, 0, 0, "root.path: missing" },
    { "root.path", "\"\"", 0, 0, "root.path: must not be empty" },
    { "root.readonly", "\"yes\"", 0, 0, "root.readonly: must be a boolean" },
    { "hostname", "[]", 0, 0, "hostname: must be a string" },
    { "hostname", "\"box\"", "linux.namespaces", "[{\"type\":\"mount\"}]",
      "hostname: unable to set hostname without a private UTS namespace" },
    { "domainname", "\"example\"", "linux.namespaces", "[]",
      "domainname: unable to set domainname without a private UTS namespace" },
    { "annotations", "\"x\"", 0, 0, "annotations: must be an object" },
    { "annotations", "{\"a\":1}", 0, 0, "annotations.a: must be a string" },
    { "annotations", "{\"io.k8s.a\":true}", 0, 0, "annotations[\"io.k8s.a\"]: must be a string" },
    { "process", "\"sh\"", 0, 0, "process: must be an object" },
    { "linux", "[]", 0, 0, "linux: must be an object" },

    /* process */
    { "process.args", NULL, 0, 0, "process.args: missing" },
    { "process.args", "[]", 0, 0, "process.args: must be a non-empty array of strings" },
    { "process.args", "\"sh\"", 0, 0, "process.args: must be a non-empty array of strings" },
    { "process.args", "[\"sh\",1]", 0, 0, "process.args: must be a non-empty array of strings" },
    { "process.args", "[\"a\\u0000b\"]", 0, 0,
      "process.args[0]: must not contain a NUL character" },
    { "process.env", "[\"A=1\",\"B=\\u0000\"]", 0, 0,
      "process.env[1]: must not contain a NUL character" },
    { "annotations", "{\"a.b\":\"x\\u0000\"}", 0, 0,
      "annotations[\"a.b\"]: must not contain a NUL character" },
    { "linux.sysctl", "{\"k\\u0000\":\"1\"}", 0, 0,
      "linux.sysctl: member names must not contain a NUL character" },
    { "process.cwd", NULL, 0, 0, "process.cwd: missing" },
    { "process.cwd", "\"tmp\"", 0, 0, "process.cwd: must be an absolute path" },
    { "process.env", "[\"A=1\",\"NOEQUALS\"]", 0, 0,
      "process.env[1]: must be of the form KEY=value" },
    { "process.env", "[\"=x\"]", 0, 0, "process.env[0]: must be of the form KEY=value" },
    { "process.env", "{\"A\":\"1\"}", 0, 0, "process.env: must be an array of strings" },
    { "process.terminal", "\"true\"", 0, 0, "process.terminal: must be a boolean" },
    { "process.consoleSize", "{\"height\":24}", 0, 0, "process.consoleSize.width: missing" },
    { "process.consoleSize", "{\"height\":65536,\"width\":80}", 0, 0,
      "process.consoleSize.height: must be an integer in range 0..65535" },
    { "process.user", "[]", 0, 0, "process.user: must be an object" },
    { "process.user.uid", "-1", 0, 0,
      "process.user.uid: must be an integer in range 0..4294967294" },
    { "process.user.uid", "4294967295", 0, 0,
      "process.user.uid: must be an integer in range 0..4294967294" },
    { "process.user.uid", "1.5", 0, 0,
      "process.user.uid: must be an integer in range 0..4294967294" },
    { "process.user.uid", "1e3", 0, 0,
      "process.user.uid: must be an integer in range 0..4294967294" },
    { "process.user.uid", "99999999999999999999999", 0, 0,
      "process.user.uid: must be an integer in range 0..4294967294" },
    { "process.user.uid", "01", 0, 0,
      "process.user.uid: must be an integer in range 0..4294967294" },
    { "process.user.uid", "\"0\"", 0, 0,
      "process.user.uid: must be an integer in range 0..4294967294" },
    { "process.user.gid", NULL, 0, 0, "process.user.gid: missing" },
    { "process.user.umask", "512", 0, 0, "process.user.umask: must be an integer in range 0..511" },
    { "process.user.additionalGids", "[1,\"2\"]", 0, 0,
      "process.user.additionalGids[1]: must be an integer in range 0..4294967294" },
    { "process.user.username", "7", 0, 0, "process.user.username: must be a string" },
    { "process.oomScoreAdj", "1001", 0, 0,
      "process.oomScoreAdj: must be an integer in range -1000..1000" },
    { "process.oomScoreAdj", "-1001", 0, 0,
      "process.oomScoreAdj: must be an integer in range -1000..1000" },
    { "process.noNewPrivileges", "1", 0, 0, "process.noNewPrivileges: must be a boolean" },
    { "process.apparmorProfile", "false", 0, 0, "process.apparmorProfile: must be a string" },
    { "process.capabilities", "[\"CAP_KILL\"]", 0, 0, "process.capabilities: must be an object" },
    { "process.capabilities.bounding", "\"CAP_KILL\"", 0, 0,
      "process.capabilities.bounding: must be an array of strings" },
    { "process.capabilities.ambient", "[\"CAP_KILL\",null]", 0, 0,
      "process.capabilities.ambient: must be an array of strings" },
    { "process.rlimits", "{}", 0, 0, "process.rlimits: must be an array" },
    { "process.rlimits", "[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]", 0, 0,
      "process.rlimits[0].type: unknown resource 'RLIMIT_FOO'" },
    { "process.rlimits",
      "[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1},"
      "{\"type\":\"RLIMIT_NOFILE\",\"soft\":2,\"hard\":2}]",
      0, 0, "process.rlimits[1].type: duplicate resource 'RLIMIT_NOFILE'" },
    { "process.rlimits", "[{\"type\":\"RLIMIT_CORE\",\"soft\":2,\"hard\":1}]", 0, 0,
      "process.rlimits[0]: soft limit exceeds hard limit" },
    { "process.rlimits", "[{\"type\":\"RLIMIT_CORE\",\"soft\":1}]", 0, 0,
      "process.rlimits[0].hard: missing" },
    { "process.rlimits", "[{\"soft\":1,\"hard\":1}]", 0, 0, "process.rlimits[0].type: missing" },
    { "process.rlimits", "[{\"type\":\"RLIMIT_CORE\",\"soft\":18446744073709551616,\"hard\":1}]", 0,
      0, "process.rlimits[0].soft: must be an integer in range 0..18446744073709551615" },
    { "process.scheduler", "{\"nice\":1}", 0, 0, "process.scheduler.policy: missing" },
    { "process.scheduler", "{\"policy\":\"SCHED_FOO\"}", 0, 0,
      "process.scheduler.policy: unknown policy 'SCHED_FOO'" },
    { "process.scheduler", "{\"policy\":\"SCHED_OTHER\",\"nice\":20}", 0, 0,
      "process.scheduler.nice: must be an integer in range -20..19" },
    { "process.scheduler", "{\"policy\":\"SCHED_OTHER\",\"priority\":5}", 0, 0,
      "process.scheduler.priority: can only be set for SCHED_FIFO or SCHED_RR" },
    { "process.scheduler", "{\"policy\":\"SCHED_FIFO\",\"runtime\":5}", 0, 0,
      "process.scheduler: runtime/deadline/period can only be set for SCHED_DEADLINE" },
    { "process.scheduler", "{\"policy\":\"SCHED_OTHER\",\"flags\":[\"SCHED_FLAG_X\"]}", 0, 0,
      "process.scheduler.flags[0]: unknown flag 'SCHED_FLAG_X'" },
    { "process.ioPriority", "{\"class\":\"IOPRIO_CLASS_NONE\",\"priority\":0}", 0, 0,
      "process.ioPriority.class: unknown class 'IOPRIO_CLASS_NONE'" },
    { "process.ioPriority", "{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":8}", 0, 0,
      "process.ioPriority.priority: must be an integer in range 0..7" },
    { "process.ioPriority", "{\"class\":\"IOPRIO_CLASS_BE\"}", 0, 0,
      "process.ioPriority.priority: missing" },

    /* mounts */
    { "mounts", "{}", 0, 0, "mounts: must be an array" },
    { "mounts", "[\"/proc\"]", 0, 0, "mounts[0]: must be an object" },
    { "mounts", "[{\"type\":\"proc\",\"source\":\"proc\"}]", 0, 0,
      "mounts[0].destination: missing" },
    { "mounts", "[{\"destination\":5}]", 0, 0, "mounts[0].destination: must be a string" },
    { "mounts", "[{\"destination\":\"\",\"type\":\"tmpfs\"}]", 0, 0,
      "mounts[0].destination: must not be empty" },
    { "mounts", "[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[1]}]", 0, 0,
      "mounts[0].options: must be an array of strings" },
    { "mounts", "[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"ro\",\"idmap\"]}]", 0,
      0, "mounts[0].options[1]: 'idmap' is not supported" },
    { "mounts", "[{\"destination\":\"/x\",\"source\":\"/y\",\"options\":[\"rbind\",\"ridmap\"]}]",
      0, 0, "mounts[0].options[1]: 'ridmap' is not supported" },
    { "mounts",
      "[{\"destination\":\"/x\",\"source\":\"/y\",\"options\":[\"bind\"],\"uidMappings\":[]}]", 0,
      0, "mounts[0]: id-mapped mounts are not supported" },
    { "mounts", "[{\"destination\":\"/x\",\"source\":\"tmpfs\"}]", 0, 0,
      "mounts[0].type: missing (required unless the mount is a bind mount)" },
    { "mounts", "[{\"destination\":\"/x\",\"type\":\"bind\"}]", 0, 0,
      "mounts[0].source: missing (bind mounts need one)" },

    /* hooks */
    { "hooks", "[]", 0, 0, "hooks: must be an object" },
    { "hooks.prestart", "{}", 0, 0, "hooks.prestart: must be an array" },
    { "hooks.prestart", "[{\"path\":\"hook\"}]", 0, 0,
      "hooks.prestart[0].path: must be an absolute path" },
    { "hooks.createRuntime", "[{\"args\":[\"x\"]}]", 0, 0, "hooks.createRuntime[0].path: missing" },
    { "hooks.poststop", "[{\"path\":\"/bin/true\",\"timeout\":0}]", 0, 0,
      "hooks.poststop[0].timeout: must be an integer in range 1..2147483647" },
    { "hooks.startContainer", "[{\"path\":\"/bin/true\",\"env\":\"A=1\"}]", 0, 0,
      "hooks.startContainer[0].env: must be an array of strings" },

    /* namespaces and id mappings */
    { "linux.namespaces", "{}", 0, 0, "linux.namespaces: must be an array" },
    { "linux.namespaces[2].type", "\"foo\"", 0, 0,
      "linux.namespaces[2].type: unknown namespace type 'foo'" },
    { "linux.namespaces[3]", "{\"type\":\"pid\"}", 0, 0,
      "linux.namespaces[3].type: duplicate namespace type 'pid'" },
    { "linux.namespaces[0]", "{\"path\":\"/proc/1/ns/pid\"}", 0, 0,
      "linux.namespaces[0].type: missing" },
    { "linux.namespaces[0].path", "\"proc/1/ns/pid\"", 0, 0,
      "linux.namespaces[0].path: must be an absolute path" },
    { "linux.uidMappings", MAP, 0, 0,
      "linux.uidMappings: user namespace mappings specified, but user namespace isn't enabled "
      "in the config" },
    { "linux.gidMappings", MAP, 0, 0,
      "linux.gidMappings: user namespace mappings specified, but user namespace isn't enabled "
      "in the config" },
    { "linux.namespaces", USERNS, 0, 0,
      "linux.uidMappings: user namespaces enabled, but no uid mappings found" },
    { "linux.namespaces", USERNS, "linux.uidMappings", MAP,
      "linux.gidMappings: user namespaces enabled, but no gid mappings found" },
    { "linux.namespaces", USERNS, "linux.uidMappings",
      "[{\"containerID\":0,\"hostID\":1000,\"size\":0}]",
      "linux.uidMappings[0].size: must be an integer in range 1..4294967295" },
    { "linux.namespaces", USERNS, "linux.uidMappings", "[{\"containerID\":0,\"size\":1}]",
      "linux.uidMappings[0].hostID: missing" },
    { "linux.namespaces", USERNS, "linux.uidMappings",
      "[{\"containerID\":4294967295,\"hostID\":0,\"size\":2}]",
      "linux.uidMappings[0]: range goes beyond id 4294967295" },
    { "linux.timeOffsets", "{\"boottime\":{\"secs\":1}}", 0, 0,
      "linux.timeOffsets: time namespace offsets specified, but time namespace isn't enabled in "
      "the config" },
    { "linux.namespaces", TIMENS_JOIN, "linux.timeOffsets", "{\"monotonic\":{\"secs\":1}}",
      "linux.timeOffsets: cannot set offsets when joining an existing time namespace" },
    { "linux.namespaces", TIMENS, "linux.timeOffsets", "{\"boottime\":{\"nanosecs\":1000000000}}",
      "linux.timeOffsets.boottime.nanosecs: must be an integer in range 0..999999999" },
    { "linux.namespaces", TIMENS, "linux.timeOffsets", "{\"realtime\":{\"secs\":1}}",
      "linux.timeOffsets.realtime: unknown clock (must be boottime or monotonic)" },

    /* devices, paths, sysctl, propagation, personality */
    { "linux.devices", "[{\"type\":\"x\",\"path\":\"/dev/x\",\"major\":1,\"minor\":1}]", 0, 0,
      "linux.devices[0].type: unknown device type 'x'" },
    { "linux.devices", "[{\"type\":\"c\",\"path\":\"/dev/x\",\"minor\":1}]", 0, 0,
      "linux.devices[0].major: missing" },
    { "linux.devices", "[{\"type\":\"c\",\"path\":\"dev/x\",\"major\":1,\"minor\":1}]", 0, 0,
      "linux.devices[0].path: must be an absolute path" },
    { "linux.devices", "[{\"type\":\"b\",\"path\":\"/dev/x\",\"major\":-1,\"minor\":1}]", 0, 0,
      "linux.devices[0].major: must be an integer in range 0..4294967295" },
    { "linux.maskedPaths", "[\"/proc/kcore\",\"proc/keys\"]", 0, 0,
      "linux.maskedPaths[1]: must be an absolute path" },
    { "linux.readonlyPaths", "[\"/proc/sys\"]", "linux.namespaces", "[{\"type\":\"pid\"}]",
      "linux.readonlyPaths: unable to restrict sys entries without a private MNT namespace" },
    { "linux.sysctl", "{\"net.ipv4..x\":\"1\"}", 0, 0,
      "linux.sysctl[\"net.ipv4..x\"]: invalid sysctl name" },
    { "linux.sysctl", "{\"kernel.shmmax\":1}", 0, 0,
      "linux.sysctl[\"kernel.shmmax\"]: must be a string" },
    { "linux.rootfsPropagation", "\"rshare\"", 0, 0,
      "linux.rootfsPropagation: unknown propagation 'rshare'" },
    { "linux.personality", "{\"domain\":\"LINUX64\"}", 0, 0,
      "linux.personality.domain: unknown domain 'LINUX64'" },
    { "linux.personality", "{\"domain\":\"LINUX\",\"flags\":[\"NOPE\"]}", 0, 0,
      "linux.personality.flags[0]: unknown flag 'NOPE'" },
    { "linux.intelRdt", "{\"closID\":\"x\"}", 0, 0, "linux.intelRdt: not supported" },

    /* resources */
    { "linux.resources", "[]", 0, 0, "linux.resources: must be an object" },
    { "linux.resources.memory.swappiness", "101", 0, 0,
      "linux.resources.memory.swappiness: must be an integer in range 0..100" },
    { "linux.resources.memory.limit", "-2", 0, 0,
      "linux.resources.memory.limit: must be an integer in range -1..9223372036854775807" },
    { "linux.resources.memory.limit", "9223372036854775808", 0, 0,
      "linux.resources.memory.limit: must be an integer in range -1..9223372036854775807" },
    { "linux.resources.cpu.cpus", "3", 0, 0, "linux.resources.cpu.cpus: must be a string" },
    { "linux.resources.pids", "{}", 0, 0, "linux.resources.pids.limit: missing" },
    { "linux.resources.devices", "[{\"access\":\"rwm\"}]", 0, 0,
      "linux.resources.devices[0].allow: missing" },
    { "linux.resources.devices", "[{\"allow\":true,\"access\":\"rwx\"}]", 0, 0,
      "linux.resources.devices[0].access: must be a non-empty combination of 'r', 'w', 'm'" },
    { "linux.resources.devices", "[{\"allow\":true,\"access\":\"\"}]", 0, 0,
      "linux.resources.devices[0].access: must be a non-empty combination of 'r', 'w', 'm'" },
    { "linux.resources.devices", "[{\"allow\":true,\"type\":\"p\"}]", 0, 0,
      "linux.resources.devices[0].type: unknown device type 'p'" },
    { "linux.resources.devices", "[{\"allow\":true,\"major\":-2}]", 0, 0,
      "linux.resources.devices[0].major: must be an integer in range -1..4294967295" },
    { "linux.resources.unified", "{\"../cgroup.procs\":\"1\"}", 0, 0,
      "linux.resources.unified[\"../cgroup.procs\"]: must be a cgroup file name" },
    { "linux.resources.blockIO.weight", "70000", 0, 0,
      "linux.resources.blockIO.weight: must be an integer in range 0..65535" },
    { "linux.resources.blockIO.throttleReadBpsDevice", "[{\"major\":8,\"minor\":0}]", 0, 0,
      "linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing" },
    { "linux.resources.hugepageLimits", "[{\"limit\":1}]", 0, 0,
      "linux.resources.hugepageLimits[0].pageSize: missing" },
    { "linux.resources.network.priorities", "[{\"name\":\"eth0\"}]", 0, 0,
      "linux.resources.network.priorities[0].priority: missing" },
    { "linux.resources.rdma", "{\"mlx5_1\":{}}", 0, 0,
      "linux.resources.rdma.mlx5_1: needs at least one of hcaHandles, hcaObjects" },

    /* seccomp */
    { "linux.seccomp", "{\"syscalls\":[]}", 0, 0, "linux.seccomp.defaultAction: missing" },
    { "linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_FOO\"}", 0, 0,
      "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_FOO'" },
    { "linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/s\"}", 0, 0,
      "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
    { "linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}", 0, 0,
      "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE" },
    { "linux.seccomp",
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],\"action\":\"SCMP_ACT_"
      "ERRNO\"}]}",
      0, 0, "linux.seccomp.syscalls[0].names: must be a non-empty array of strings" },
    { "linux.seccomp",
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"]}]}", 0, 0,
      "linux.seccomp.syscalls[0].action: missing" },
    { "linux.seccomp",
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":"
      "\"SCMP_ACT_KILL\",\"errnoRet\":1}]}",
      0, 0,
      "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE" },
    { "linux.seccomp",
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":"
      "\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
      0, 0, "linux.seccomp.syscalls[0].args[0].index: must be an integer in range 0..5" },
    { "linux.seccomp",
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":"
      "\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_FOO\"}]}]}",
      0, 0, "linux.seccomp.syscalls[0].args[0].op: unknown operator 'SCMP_CMP_FOO'" },
    { "linux.seccomp",
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":"
      "\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":18446744073709551616,\"op\":\"SCMP_"
      "CMP_EQ\"}]}]}",
      0, 0,
      "linux.seccomp.syscalls[0].args[0].value: must be an integer in range "
      "0..18446744073709551615" },
    { "linux.seccomp",
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":"
      "\"SCMP_ACT_NOTIFY\"}]}",
      0, 0, "linux.seccomp.listenerPath: missing (SCMP_ACT_NOTIFY is used)" },
    { "linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/agent\"}", 0,
      0, "linux.seccomp.listenerPath: set, but no rule uses SCMP_ACT_NOTIFY" },
    { "linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\"m\"}", 0, 0,
      "linux.seccomp.listenerMetadata: requires listenerPath" },
    { "linux.seccomp",
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\","
      "\"SCMP_ARCH_Z80\"]}",
      0, 0, "linux.seccomp.architectures[1]: unknown architecture 'SCMP_ARCH_Z80'" },
    { "linux.seccomp",
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}", 0,
      0, "linux.seccomp.flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_NEW_LISTENER'" },
};

static void test_spec_invalid_table(void **state)
{
    size_t n = sizeof(cases) / sizeof(cases[0]);

    (void)state;
    assert_true(n >= 40);
    for (size_t i = 0; i < n; i++) {
        const struct bad_case *c = &cases[i];
        char *text = spec_test_patch(SPEC_TEST_BASE, c->path, c->raw);
        struct lcont_spec *spec = (struct lcont_spec *)0x1;
        lcont_error *err = NULL;
        int r;

        if (c->path2) {
            char *twice = spec_test_patch(text, c->path2, c->raw2);
            free(text);
            text = twice;
        }
        r = lcont__spec_parse(text, strlen(text), &spec, &err);
        if (r != -EINVAL || !err || strcmp(lcont_error_message(err), c->message) != 0)
            print_error("case %zu: %s\n  got %d '%s'\n  want '%s'\n", i, text, r,
                        lcont_error_message(err), c->message);
        assert_int_equal(r, -EINVAL);
        assert_int_equal(lcont_error_code(err), -EINVAL);
        assert_string_equal(lcont_error_message(err), c->message);
        assert_ptr_equal(spec, (struct lcont_spec *)0x1); /* untouched on failure */
        lcont_error_free(err);
        free(text);
    }
}

/* Documents that are broken as JSON, or too odd for the patch helper. */
struct bad_doc {
    const char *text;
    size_t len; /* 0: strlen */
    const char *message;
};

static void expect_doc(const char *text, size_t len, const char *message)
{
    struct lcont_spec *spec = NULL;
    lcont_error *err = NULL;
    int r = lcont__spec_parse(text, len, &spec, &err);

    if (r != -EINVAL || strcmp(lcont_error_message(err), message) != 0)
        print_error("doc '%.60s': got %d '%s', want '%s'\n", text, r, lcont_error_message(err),
                    message);
    assert_int_equal(r, -EINVAL);
    assert_string_equal(lcont_error_message(err), message);
    assert_null(spec);
    lcont_error_free(err);
}

static void test_spec_invalid_json(void **state)
{
    static const struct bad_doc docs[] = {
        { "", 0, "config.json: not valid JSON near byte 0" },
        { "{", 0, "config.json: not valid JSON near byte 1" },
        { "{\"ociVersion\":\"1.2.0\",}", 0, "config.json: not valid JSON near byte 23" },
        { "{\"a\":1} x", 0, "config.json: not valid JSON near byte 8" },
        { "[]", 0, "config.json: must be a JSON object" },
        { "\"ociVersion\"", 0, "config.json: must be a JSON object" },
        { "{\"ociVersion\\u0000x\":\"1.0.0\"}", 0,
          "config.json: member names must not contain a NUL character" },
        { "{\"ociVersion\":\"1\"}\0{\"x\":1}", 26, "config.json: not valid JSON near byte 18" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
        expect_doc(docs[i].text, docs[i].len ? docs[i].len : strlen(docs[i].text), docs[i].message);
}

/* Padding NULs after the text are accepted (callers passing sizeof a literal). */
static void test_spec_trailing_nul_accepted(void **state)
{
    static const char text[] = SPEC_TEST_BASE;
    struct lcont_spec *spec = NULL;

    (void)state;
    assert_int_equal(lcont__spec_parse(text, sizeof(text), &spec, NULL), 0);
    assert_string_equal(spec->oci_version, "1.2.0");
    lcont__spec_free(spec);
}

static void test_spec_truncated_json(void **state)
{
    char *full = strdup(SPEC_TEST_BASE);
    size_t len = strlen(full);

    (void)state;
    /* Every proper prefix of a valid document is invalid; the error points at its end. */
    for (size_t cut = 1; cut < len; cut++) {
        struct lcont_spec *spec = NULL;
        lcont_error *err = NULL;
        size_t at = SIZE_MAX;
        int r = lcont__spec_parse(full, cut, &spec, &err);
        assert_int_equal(r, -EINVAL);
        assert_null(spec);
        assert_true(
            strncmp(lcont_error_message(err), "config.json: not valid JSON near byte ", 38) == 0);
        /* cJSON's position is approximate ("near"), but never beyond the text. */
        assert_int_equal(
            sscanf(lcont_error_message(err), "config.json: not valid JSON near byte %zu", &at), 1);
        assert_true(at <= cut);
        lcont_error_free(err);
    }
    free(full);
}

static void test_spec_deeply_nested(void **state)
{
    /* cJSON refuses nesting deeper than CJSON_NESTING_LIMIT (1000) instead of recursing. */
    size_t depth = 100000;
    size_t prefix = strlen("{\"ociVersion\":\"1\",\"x\":");
    char *text = malloc(prefix + 2 * depth + 2);
    struct lcont_spec *spec = NULL;
    lcont_error *err = NULL;
    size_t at = SIZE_MAX;

    (void)state;
    memcpy(text, "{\"ociVersion\":\"1\",\"x\":", prefix);
    memset(text + prefix, '[', depth);
    memset(text + prefix + depth, ']', depth);
    strcpy(text + prefix + 2 * depth, "}");
    assert_int_equal(lcont__spec_parse(text, strlen(text), &spec, &err), -EINVAL);
    assert_null(spec);
    /* Refused at the nesting limit, not after walking 100000 levels. */
    assert_int_equal(
        sscanf(lcont_error_message(err), "config.json: not valid JSON near byte %zu", &at), 1);
    assert_true(at > prefix && at < prefix + 2000);
    lcont_error_free(err);
    free(text);
}

/* Paths built from long user keys are cut, never overflow. */
static void test_spec_long_path_truncated(void **state)
{
    size_t klen = 5000;
    char *key = malloc(klen + 1);
    char *raw = malloc(klen + 16);
    char *text;
    struct lcont_spec *spec = NULL;
    lcont_error *err = NULL;
    const char *msg;

    (void)state;
    memset(key, 'k', klen);
    key[klen] = '\0';
    snprintf(raw, klen + 16, "{\"%s\":1}", key);
    text = spec_test_patch(SPEC_TEST_BASE, "annotations", raw);
    assert_int_equal(lcont__spec_parse(text, strlen(text), &spec, &err), -EINVAL);
    msg = lcont_error_message(err);
    assert_true(strncmp(msg, "annotations.kkkk", 16) == 0);
    assert_true(strlen(msg) < 300);
    assert_non_null(strstr(msg, ": must be a string"));
    lcont_error_free(err);
    free(text);
    free(raw);
    free(key);
}

static void test_spec_error_without_reterr(void **state)
{
    struct lcont_spec *spec = NULL;

    (void)state;
    assert_int_equal(lcont__spec_parse("{", 1, &spec, NULL), -EINVAL);
    assert_int_equal(lcont__spec_parse(NULL, 0, &spec, NULL), -EINVAL);
    assert_int_equal(lcont__spec_parse(SPEC_TEST_BASE, strlen(SPEC_TEST_BASE), NULL, NULL),
                     -EINVAL);
    assert_null(spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_invalid_table),
        cmocka_unit_test(test_spec_invalid_json),
        cmocka_unit_test(test_spec_trailing_nul_accepted),
        cmocka_unit_test(test_spec_truncated_json),
        cmocka_unit_test(test_spec_deeply_nested),
        cmocka_unit_test(test_spec_long_path_truncated),
        cmocka_unit_test(test_spec_error_without_reterr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
