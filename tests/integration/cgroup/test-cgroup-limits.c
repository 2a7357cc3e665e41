/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resource limits applied to a real child, read back from the kernel's files. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lcont/error.h>

#include "cgtest.h"

#define MiB (1024LL * 1024)

static bool is_v2(void)
{
    return cgt_layout() == LCONT_CGROUP_LAYOUT_V2;
}

static int apply(struct lcont_cgroup *cg, const struct lcont_spec_resources *res)
{
    lcont_error *err = NULL;
    int r = lcont__cgroup_apply(cg, res, &err);
    if (r < 0)
        fprintf(stderr, "apply: %s\n", lcont_error_message(err));
    lcont_error_free(err);
    return r;
}

static int destroy(struct lcont_cgroup *cg)
{
    lcont_error *err = NULL;
    int r = lcont__cgroup_destroy(cg, &err);
    if (r < 0)
        fprintf(stderr, "destroy: %s\n", lcont_error_message(err));
    lcont_error_free(err);
    lcont__cgroup_free(cg);
    return r;
}

/* ---- memory ---- */

static int hog_64m(void *arg)
{
    size_t size = 64 * MiB;
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)arg;
    if (p == MAP_FAILED)
        return 2;
    for (size_t i = 0; i < size; i += 4096)
        p[i] = 1;
    return 0; /* still alive: the limit did not hold */
}

static int test_cgroup_memory_limit_oom_kills(void)
{
    struct lcont_cgroup *cg = cgt_create("mem");
    struct lcont_spec_resources res = { .has_memory_limit = true, .memory_limit = 32 * MiB };
    const char *path = cgt_path("mem");
    char buf[4096];
    pid_t pid;
    int status;

    CHECK(cg, "create");
    CHECK(apply(cg, &res) == 0, "apply");
    if (is_v2()) {
        CHECK(cgt_read("memory", path, "memory.max", buf, sizeof(buf)), "read memory.max");
    } else {
        CHECK(cgt_read("memory", path, "memory.limit_in_bytes", buf, sizeof(buf)),
              "read memory.limit_in_bytes");
    }
    CHECK(strcmp(buf, "33554432") == 0, "limit reads back as %s", buf);

    pid = cgt_spawn_in(cg, hog_64m, NULL);
    CHECK(pid > 0, "spawn");
    status = cgt_wait(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %#x, not SIGKILL",
          status);
    CHECK(cgt_read("memory", path, is_v2() ? "memory.events" : "memory.oom_control", buf,
                   sizeof(buf)),
          "read oom counters");
    CHECK(cgt_keyed(buf, "oom_kill") >= 1, "no oom_kill recorded: %s", buf);
    return destroy(cg);
}

static int expect_memory(const char *path, long long limit, long long swap)
{
    char buf[64], want[32];

    snprintf(want, sizeof(want), "%lld", limit);
    CHECK(cgt_read("memory", path, is_v2() ? "memory.max" : "memory.limit_in_bytes", buf,
                   sizeof(buf)),
          "read limit");
    CHECK(strcmp(buf, want) == 0, "limit %s, want %s", buf, want);
    /* v1 stores the memory+swap total; v2 the swap part alone */
    snprintf(want, sizeof(want), "%lld", is_v2() ? swap - limit : swap);
    CHECK(cgt_read("memory", path, is_v2() ? "memory.swap.max" : "memory.memsw.limit_in_bytes", buf,
                   sizeof(buf)),
          "read swap");
    CHECK(strcmp(buf, want) == 0, "swap %s, want %s", buf, want);
    return 0;
}

static int test_cgroup_memory_swap_raise_and_lower(void)
{
    struct lcont_cgroup *cg = cgt_create("swap");
    struct lcont_spec_resources res = { .has_memory_limit = true,
                                        .has_memory_swap = true,
                                        .has_memory_reservation = true };
    const char *path = cgt_path("swap");
    lcont_error *err = NULL;
    char buf[64];

    CHECK(cg, "create");
    if (!cgt_read("memory", path, is_v2() ? "memory.swap.max" : "memory.memsw.limit_in_bytes", buf,
                  sizeof(buf))) {
        fprintf(stderr, "# no swap accounting in this kernel\n");
        destroy(cg);
        return 77;
    }
    res.memory_limit = 64 * MiB, res.memory_swap = 128 * MiB, res.memory_reservation = 16 * MiB;
    CHECK(apply(cg, &res) == 0, "apply 64M/128M");
    CHECK(expect_memory(path, 64 * MiB, 128 * MiB) == 0, "64M/128M");
    CHECK(cgt_read("memory", path, is_v2() ? "memory.low" : "memory.soft_limit_in_bytes", buf,
                   sizeof(buf)),
          "read reservation");
    CHECK(atoll(buf) == 16 * MiB, "reservation %s", buf);
    /* lowering both: on v1 the limit has to go first */
    res.memory_limit = 32 * MiB, res.memory_swap = 48 * MiB;
    CHECK(apply(cg, &res) == 0, "apply 32M/48M");
    CHECK(expect_memory(path, 32 * MiB, 48 * MiB) == 0, "32M/48M");
    /* raising both: on v1 memory+swap has to go first */
    res.memory_limit = 256 * MiB, res.memory_swap = 512 * MiB;
    CHECK(apply(cg, &res) == 0, "apply 256M/512M");
    CHECK(expect_memory(path, 256 * MiB, 512 * MiB) == 0, "256M/512M");
    /* memory+swap below memory is refused with a message, not a bare EINVAL */
    res.memory_limit = 64 * MiB, res.memory_swap = 32 * MiB;
    CHECK(lcont__cgroup_apply(cg, &res, &err) == -EINVAL, "swap < limit accepted");
    CHECK(strstr(lcont_error_message(err), "memory.swap") != NULL, "message: %s",
          lcont_error_message(err));
    lcont_error_free(err);
    return destroy(cg);
}

/* ---- pids ---- */

/* Fork until it fails; exit status = forks that worked, +100 if the failure was not EAGAIN. */
static int fork_until_refused(void *arg)
{
    pid_t kids[64];
    int n = 0, err = 0;
    (void)arg;

    while (n < 64) {
        pid_t p = fork();
        if (p == 0) {
            pause();
            _exit(0);
        }
        if (p < 0) {
            err = errno;
            break;
        }
        kids[n++] = p;
    }
    for (int i = 0; i < n; i++) {
        kill(kids[i], SIGKILL);
        waitpid(kids[i], NULL, 0);
    }
    return err == EAGAIN ? n : 100 + n;
}

static int test_cgroup_pids_limit_refuses_fork(void)
{
    struct lcont_cgroup *cg = cgt_create("pids");
    struct lcont_spec_resources res = { .has_pids_limit = true, .pids_limit = 5 };
    char buf[64];
    pid_t pid;
    int status;

    CHECK(cg, "create");
    CHECK(apply(cg, &res) == 0, "apply");
    CHECK(cgt_read("pids", cgt_path("pids"), "pids.max", buf, sizeof(buf)), "read pids.max");
    CHECK(strcmp(buf, "5") == 0, "pids.max %s", buf);
    pid = cgt_spawn_in(cg, fork_until_refused, NULL);
    CHECK(pid > 0, "spawn");
    status = cgt_wait(pid);
    /* the forking process is one of the 5 tasks: 4 forks work, the 5th gets EAGAIN */
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 4, "status %#x (exit %d)", status,
          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    /* <= 0 means unlimited */
    res.pids_limit = 0;
    CHECK(apply(cg, &res) == 0, "apply 0");
    CHECK(cgt_read("pids", cgt_path("pids"), "pids.max", buf, sizeof(buf)), "read pids.max");
    CHECK(strcmp(buf, "max") == 0, "pids.max %s", buf);
    return destroy(cg);
}

/* ---- cpu ---- */

static int test_cgroup_cpu_quota_and_shares(void)
{
    struct lcont_cgroup *cg = cgt_create("cpu");
    struct lcont_spec_resources res = { .has_cpu_shares = true,
                                        .cpu_shares = 1024,
                                        .has_cpu_quota = true,
                                        .cpu_quota = 20000,
                                        .has_cpu_period = true,
                                        .cpu_period = 100000 };
    const char *path = cgt_path("cpu");
    char buf[64];

    CHECK(cg, "create");
    CHECK(apply(cg, &res) == 0, "apply");
    if (is_v2()) {
        CHECK(cgt_read("cpu", path, "cpu.max", buf, sizeof(buf)), "read cpu.max");
        CHECK(strcmp(buf, "20000 100000") == 0, "cpu.max %s", buf);
        /* runc/crun conversion: 1 + ((1024 - 2) * 9999) / 262142 */
        CHECK(cgt_read("cpu", path, "cpu.weight", buf, sizeof(buf)), "read cpu.weight");
        CHECK(strcmp(buf, "39") == 0, "cpu.weight %s", buf);
    } else {
        CHECK(cgt_read("cpu", path, "cpu.cfs_quota_us", buf, sizeof(buf)), "read quota");
        CHECK(strcmp(buf, "20000") == 0, "cfs_quota_us %s", buf);
        CHECK(cgt_read("cpu", path, "cpu.cfs_period_us", buf, sizeof(buf)), "read period");
        CHECK(strcmp(buf, "100000") == 0, "cfs_period_us %s", buf);
        CHECK(cgt_read("cpu", path, "cpu.shares", buf, sizeof(buf)), "read shares");
        CHECK(strcmp(buf, "1024") == 0, "shares %s", buf);
    }
    /* quota -1: no limit, the period stays */
    res.has_cpu_shares = false;
    res.cpu_quota = -1;
    CHECK(apply(cg, &res) == 0, "apply -1");
    if (is_v2()) {
        CHECK(cgt_read("cpu", path, "cpu.max", buf, sizeof(buf)), "read cpu.max");
        CHECK(strcmp(buf, "max 100000") == 0, "cpu.max %s", buf);
    } else {
        CHECK(cgt_read("cpu", path, "cpu.cfs_quota_us", buf, sizeof(buf)), "read quota");
        CHECK(strcmp(buf, "-1") == 0, "cfs_quota_us %s", buf);
    }
    return destroy(cg);
}

static int only_cpu0(void *arg)
{
    cpu_set_t set;
    (void)arg;
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return 2;
    return CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set) ? 0 : 1;
}

static int test_cgroup_cpuset_pins_child(void)
{
    struct lcont_cgroup *cg = cgt_create("cpuset");
    struct lcont_spec_resources res = { .cpu_cpus = (char *)"0" };
    char buf[64];
    pid_t pid;
    int status;

    CHECK(cg, "create");
    CHECK(apply(cg, &res) == 0, "apply");
    CHECK(cgt_read("cpuset", cgt_path("cpuset"),
                   is_v2() ? "cpuset.cpus.effective" : "cpuset.effective_cpus", buf, sizeof(buf)),
          "read effective cpus");
    CHECK(strcmp(buf, "0") == 0, "effective cpus %s", buf);
    pid = cgt_spawn_in(cg, only_cpu0, NULL);
    CHECK(pid > 0, "spawn");
    status = cgt_wait(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "affinity is not {0}: status %#x", status);
    return destroy(cg);
}

static int test_cgroup_write_error_names_file_and_value(void)
{
    struct lcont_cgroup *cg = cgt_create("bad");
    struct lcont_spec_resources res = { .cpu_cpus = (char *)"4095" };
    lcont_error *err = NULL;
    int r;

    CHECK(cg, "create");
    r = lcont__cgroup_apply(cg, &res, &err);
    CHECK(r < 0, "cpus 4095 accepted");
    CHECK(strstr(lcont_error_message(err), "cgroup: write cpuset.cpus=4095: ") != NULL,
          "message: %s", lcont_error_message(err));
    CHECK(lcont_error_code(err) == r, "code");
    lcont_error_free(err);
    return destroy(cg);
}

/* ---- unified ---- */

static int test_cgroup_unified_keys(void)
{
    struct lcont_cgroup *cg = cgt_create("unified");
    struct lcont_spec_kv kv = { (char *)"memory.high", (char *)"1073741824" };
    struct lcont_spec_kv bad = { (char *)"../memory.high", (char *)"1" };
    struct lcont_spec_resources res = { .unified = &kv, .n_unified = 1 };
    lcont_error *err = NULL;
    char buf[64];

    CHECK(cg, "create");
    if (is_v2()) {
        CHECK(apply(cg, &res) == 0, "apply");
        CHECK(cgt_read(NULL, cgt_path("unified"), "memory.high", buf, sizeof(buf)), "read");
        CHECK(strcmp(buf, "1073741824") == 0, "memory.high %s", buf);
    } else {
        /* hybrid: the cgroup2 side has no memory controller; v1: no cgroup2 at all */
        CHECK(lcont__cgroup_apply(cg, &res, &err) == -EINVAL, "memory.high accepted");
        CHECK(strstr(lcont_error_message(err), "'memory.high'") != NULL, "message: %s",
              lcont_error_message(err));
        lcont_error_free(err);
        err = NULL;
    }
    res.unified = &bad;
    CHECK(lcont__cgroup_apply(cg, &res, &err) == -EINVAL, "../ key accepted");
    lcont_error_free(err);
    return destroy(cg);
}

/* ---- devices ---- */

static int null_ok_zero_denied(void *arg)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    (void)arg;
    if (fd < 0)
        return 1;
    close(fd);
    fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
        return 2;
    return errno == EPERM ? 0 : 3;
}

static int test_cgroup_devices_rules(void)
{
    struct lcont_cgroup *cg = cgt_create("devices");
    struct lcont_spec_device_rule rules[] = {
        { .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm" },
        { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" },
    };
    struct lcont_spec_resources res = { .device_rules = rules, .n_device_rules = 2 };
    char buf[256];
    pid_t pid;
    int status;

    CHECK(cg, "create");
    CHECK(apply(cg, &res) == 0, "default deny + allow list refused");
    if (!is_v2()) {
        CHECK(cgt_read("devices", cgt_path("devices"), "devices.list", buf, sizeof(buf)), "read");
        CHECK(strcmp(buf, "c 1:3 rwm") == 0, "devices.list '%s'", buf);
    }
    /* on v2 the rules are an eBPF program: only a real open can tell */
    pid = cgt_spawn_in(cg, null_ok_zero_denied, NULL);
    CHECK(pid > 0, "spawn");
    status = cgt_wait(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "device access status %#x", status);
    return destroy(cg);
}

int main(void)
{
    static const struct cgt_test tests[] = {
        CGT_TEST(test_cgroup_memory_limit_oom_kills),
        CGT_TEST(test_cgroup_memory_swap_raise_and_lower),
        CGT_TEST(test_cgroup_pids_limit_refuses_fork),
        CGT_TEST(test_cgroup_cpu_quota_and_shares),
        CGT_TEST(test_cgroup_cpuset_pins_child),
        CGT_TEST(test_cgroup_write_error_names_file_and_value),
        CGT_TEST(test_cgroup_unified_keys),
        CGT_TEST(test_cgroup_devices_rules),
    };
    return cgt_main(tests, sizeof(tests) / sizeof(tests[0]));
}
