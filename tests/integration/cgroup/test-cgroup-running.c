/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A running cgroup: freeze/thaw, stats, update, pids and the OOM fd, against real processes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lcont/error.h>

#include "cgtest.h"

#define MiB (1024LL * 1024)

static bool is_v2(void)
{
    return cgt_layout() == LCONT_CGROUP_LAYOUT_V2;
}

static int report(const char *what, int r, lcont_error *err)
{
    if (r < 0)
        fprintf(stderr, "%s: %s\n", what, lcont_error_message(err));
    lcont_error_free(err);
    return r;
}

static int apply(struct lcont_cgroup *cg, const struct lcont_spec_resources *res)
{
    lcont_error *err = NULL;
    return report("apply", lcont__cgroup_apply(cg, res, &err), err);
}

static int update(struct lcont_cgroup *cg, const struct lcont_spec_resources *res)
{
    lcont_error *err = NULL;
    return report("update", lcont__cgroup_update(cg, res, &err), err);
}

static int freeze(struct lcont_cgroup *cg, bool frozen)
{
    lcont_error *err = NULL;
    return report("freeze", lcont__cgroup_freeze(cg, frozen, &err), err);
}

static int kill_all(struct lcont_cgroup *cg)
{
    lcont_error *err = NULL;
    return report("kill", lcont__cgroup_kill(cg, SIGKILL, &err), err);
}

static int destroy(struct lcont_cgroup *cg)
{
    lcont_error *err = NULL;
    int r = report("destroy", lcont__cgroup_destroy(cg, &err), err);
    lcont__cgroup_free(cg);
    return r;
}

/* ---- freezer ---- */

/* Shared with the spinning child: it bumps the counter as fast as it can. */
static volatile uint64_t *counter;

static int spin(void *arg)
{
    (void)arg;
    for (;;)
        (*counter)++;
    return 0;
}

static uint64_t wait_for_progress(uint64_t from)
{
    /* no deadline: the test's own timeout catches a child that never runs */
    while (*counter == from)
        usleep(1000);
    return *counter;
}

static int test_cgroup_freeze_stops_and_thaw_resumes(void)
{
    struct lcont_cgroup *cg = cgt_create("freeze");
    lcont_error *err = NULL;
    uint64_t before;
    pid_t pid;

    CHECK(cg, "create");
    counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(counter != MAP_FAILED, "mmap");
    *counter = 0;
    pid = cgt_spawn_in(cg, spin, NULL);
    CHECK(pid > 0, "spawn");
    wait_for_progress(0);

    CHECK(lcont__cgroup_is_frozen(cg, NULL) == 0, "frozen before freeze");
    CHECK(freeze(cg, true) == 0, "freeze");
    CHECK(lcont__cgroup_is_frozen(cg, &err) == 1, "not frozen after freeze returned");
    /* the kernel says frozen: the counter must not move at all, however long we look */
    before = *counter;
    usleep(50 * 1000);
    CHECK(*counter == before, "counter moved while frozen: %llu -> %llu",
          (unsigned long long)before, (unsigned long long)*counter);
    /* freezing again is fine */
    CHECK(freeze(cg, true) == 0, "freeze twice");

    CHECK(freeze(cg, false) == 0, "thaw");
    CHECK(lcont__cgroup_is_frozen(cg, NULL) == 0, "still frozen after thaw");
    wait_for_progress(before);

    /* a paused cgroup can still be killed and removed */
    CHECK(freeze(cg, true) == 0, "freeze again");
    CHECK(kill_all(cg) == 0, "kill");
    CHECK(WIFSIGNALED(cgt_wait(pid)), "child not killed");
    munmap((void *)counter, 4096);
    return destroy(cg);
}

/* ---- stats and pids ---- */

struct family_arg {
    int ready_fd;
};

/* Touch 16 MiB, start two sleeping children, report, then wait. */
static int busy_family(void *arg)
{
    struct family_arg *a = arg;
    size_t size = 16 * MiB;
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    volatile uint64_t x = 0;

    if (p == MAP_FAILED)
        return 2;
    for (size_t i = 0; i < size; i += 4096)
        p[i] = 1;
    /* CPU time to count: v1 cpuacct.stat has a tick (10 ms) resolution */
    for (struct timespec ts = { 0 }; ts.tv_sec == 0 && ts.tv_nsec < 50000000;
         clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
        for (int i = 0; i < 100000; i++)
            x += (uint64_t)i;
    for (int k = 0; k < 2; k++)
        if (fork() == 0) {
            for (;;)
                pause();
        }
    if (write(a->ready_fd, "r", 1) != 1)
        return 3;
    for (;;)
        pause();
    return 0;
}

/* The per-CPU, per-device and per-page-size numbers add up to the totals. */
static int check_breakdown(const struct lcont_cgroup_stats *st)
{
    uint64_t sum = 0, rb = 0, wb = 0, huge = 0;
    char dir[512];

    if (cgt_dir("cpuacct", cgt_path("stats"), dir, sizeof(dir)) && !is_v2()) {
        /* one entry per possible CPU, read after cpuacct.usage while the cgroup ran */
        CHECK(st->n_cpus == (size_t)sysconf(_SC_NPROCESSORS_CONF), "%zu per-CPU entries",
              st->n_cpus);
        CHECK(st->cpu_percpu_user_ns && st->cpu_percpu_system_ns, "no per-CPU user/system");
        for (size_t i = 0; i < st->n_cpus; i++)
            sum += st->cpu_percpu_ns[i];
        CHECK(sum >= st->cpu_usage_ns && sum > 0, "per-CPU sum %llu < total %llu",
              (unsigned long long)sum, (unsigned long long)st->cpu_usage_ns);
    } else {
        CHECK(st->n_cpus == 0 && !st->cpu_percpu_ns, "per-CPU numbers on cgroup v2");
    }
    for (size_t i = 0; i < st->n_io_devs; i++) {
        rb += st->io_devs[i].read_bytes;
        wb += st->io_devs[i].write_bytes;
    }
    CHECK(rb == st->io_read_bytes && wb == st->io_write_bytes, "io per device != totals");
    for (size_t i = 0; i < st->n_hugetlb_sizes; i++) {
        huge += st->hugetlb_sizes[i].usage;
        CHECK(st->hugetlb_sizes[i].size[0] >= '1' && st->hugetlb_sizes[i].size[0] <= '9',
              "page size '%s'", st->hugetlb_sizes[i].size);
    }
    CHECK(huge == st->hugetlb_usage, "hugetlb per size != total");
    if (st->has_hugetlb) {
        bool two_mb = false;
        for (size_t i = 0; i < st->n_hugetlb_sizes; i++)
            two_mb |= strcmp(st->hugetlb_sizes[i].size, "2MB") == 0;
        CHECK(two_mb, "no 2MB page size among %zu", st->n_hugetlb_sizes);
    }
    return 0;
}

/* A process of the cgroup reads 1 MiB of a file on a disk with O_DIRECT: the reads reach the
 * disk, and are counted for that device (disks themselves may not be opened here). */
static int direct_read(void *arg)
{
    const char *path = arg;
    void *buf = NULL;
    int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);

    if (fd < 0 || posix_memalign(&buf, 4096, 1 << 20) != 0)
        return 2;
    for (size_t done = 0; done < (1 << 20);) {
        ssize_t n = pread(fd, buf, (1 << 20) - done, (off_t)done);
        if (n <= 0)
            return 3;
        done += (size_t)n;
    }
    return 0;
}

/* Whether "maj:min" is a whole disk in /sys/block (not a partition, loop or 9p/tmpfs). */
static bool is_disk(unsigned major, unsigned minor)
{
    char path[64];

    snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", major, minor);
    if (access(path, F_OK) == 0)
        return false;
    snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/device", major, minor);
    return access(path, F_OK) == 0;
}

static int test_cgroup_stats_io_per_device(void)
{
    static char data[1 << 20];
    struct lcont_cgroup *cg;
    struct lcont_cgroup_stats st;
    lcont_error *err = NULL;
    unsigned major, minor;
    struct stat sb;
    char file[64];
    pid_t pid;
    int fd, status;
    bool found = false;

    snprintf(file, sizeof(file), "/var/tmp/lcont-cgtest-io-%d", (int)getpid());
    fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0, "create %s", file);
    memset(data, 'x', sizeof(data));
    CHECK(write(fd, data, sizeof(data)) == (ssize_t)sizeof(data) && fsync(fd) == 0, "write");
    CHECK(fstat(fd, &sb) == 0, "fstat");
    close(fd);
    major = major(sb.st_dev);
    minor = minor(sb.st_dev);
    if (!is_disk(major, minor)) {
        unlink(file);
        fprintf(stderr, "# /var/tmp is not on a whole disk (%u:%u)\n", major, minor);
        return 77;
    }
    cg = cgt_create("iodev");
    CHECK(cg, "create");
    pid = cgt_spawn_in(cg, direct_read, file);
    CHECK(pid > 0, "spawn");
    status = cgt_wait(pid);
    unlink(file);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "O_DIRECT read failed: %d", status);
    CHECK(report("stats", lcont__cgroup_get_stats(cg, &st, &err), err) == 0, "get_stats");
    CHECK(st.has_io, "no io stats");
    for (size_t i = 0; i < st.n_io_devs; i++)
        if (st.io_devs[i].major == major && st.io_devs[i].minor == minor) {
            found = true;
            CHECK(st.io_devs[i].read_bytes >= (1 << 20), "%u:%u read %llu bytes", major, minor,
                  (unsigned long long)st.io_devs[i].read_bytes);
            CHECK(st.io_devs[i].read_ios >= 1, "no read ios");
        }
    CHECK(found, "device %u:%u not among %zu", major, minor, st.n_io_devs);
    CHECK(check_breakdown(&st) == 0, "breakdown");
    lcont__cgroup_stats_clear(&st);
    return destroy(cg);
}

static int test_cgroup_stats_and_pids(void)
{
    struct lcont_cgroup *cg = cgt_create("stats");
    struct lcont_spec_resources res = { .has_memory_limit = true,
                                        .memory_limit = 256 * MiB,
                                        .has_pids_limit = true,
                                        .pids_limit = 50 };
    struct lcont_cgroup_stats st;
    struct family_arg a;
    lcont_error *err = NULL;
    pid_t *pids = NULL, pid;
    size_t n = 0;
    int p[2];
    char c;

    CHECK(cg, "create");
    CHECK(apply(cg, &res) == 0, "apply");
    CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe");
    a.ready_fd = p[1];
    pid = cgt_spawn_in(cg, busy_family, &a);
    CHECK(pid > 0, "spawn");
    close(p[1]);
    CHECK(read(p[0], &c, 1) == 1, "child did not get ready");
    close(p[0]);

    CHECK(report("stats", lcont__cgroup_get_stats(cg, &st, &err), err) == 0, "get_stats");
    CHECK(st.has_cpu && st.cpu_usage_ns > 0, "cpu usage %llu", (unsigned long long)st.cpu_usage_ns);
    CHECK(st.cpu_user_ns + st.cpu_system_ns > 0, "no user/system time");
    CHECK(st.has_memory, "no memory stats");
    CHECK(st.mem_usage >= 16 * MiB, "memory usage %llu < 16 MiB", (unsigned long long)st.mem_usage);
    CHECK(st.mem_limit == 256 * MiB, "memory limit %llu", (unsigned long long)st.mem_limit);
    CHECK(st.mem_rss >= 16 * MiB, "rss/anon %llu", (unsigned long long)st.mem_rss);
    CHECK(st.has_pids && st.pids_current == 3, "pids.current %llu",
          (unsigned long long)st.pids_current);
    CHECK(st.pids_limit == 50, "pids limit %llu", (unsigned long long)st.pids_limit);
    CHECK(check_breakdown(&st) == 0, "per-CPU / per-device / per-size breakdown");
    lcont__cgroup_stats_clear(&st);

    err = NULL;
    CHECK(report("pids", lcont__cgroup_get_pids(cg, &pids, &n, &err), err) == 0, "get_pids");
    CHECK(n == 3, "%zu pids", n);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found |= pids[i] == pid;
    CHECK(found, "the spawned pid %d is not listed", (int)pid);
    free(pids);

    CHECK(kill_all(cg) == 0, "kill");
    cgt_wait(pid);
    return destroy(cg);
}

/* ---- update ---- */

static long long read_num(const char *controller, const char *file)
{
    char buf[64];
    if (!cgt_read(controller, cgt_path("update"), file, buf, sizeof(buf)))
        return -2;
    return strcmp(buf, "max") == 0 ? -1 : atoll(buf);
}

static int test_cgroup_update_changes_only_set_members(void)
{
    struct lcont_cgroup *cg = cgt_create("update");
    struct lcont_spec_resources res = { .has_memory_limit = true,
                                        .memory_limit = 64 * MiB,
                                        .has_cpu_shares = true,
                                        .cpu_shares = 512,
                                        .has_pids_limit = true,
                                        .pids_limit = 10 };
    struct lcont_spec_resources only_pids = { .has_pids_limit = true, .pids_limit = 20 };
    struct lcont_spec_resources only_mem = { .has_memory_limit = true, .memory_limit = 128 * MiB };
    const char *mem_file = is_v2() ? "memory.max" : "memory.limit_in_bytes";
    const char *cpu_file = is_v2() ? "cpu.weight" : "cpu.shares";
    long long cpu_before;

    CHECK(cg, "create");
    CHECK(apply(cg, &res) == 0, "apply");
    cpu_before = read_num("cpu", cpu_file);
    CHECK(cpu_before > 0, "read %s", cpu_file);

    CHECK(update(cg, &only_pids) == 0, "update pids");
    CHECK(read_num("pids", "pids.max") == 20, "pids.max %lld", read_num("pids", "pids.max"));
    CHECK(read_num("memory", mem_file) == 64 * MiB, "memory changed: %lld",
          read_num("memory", mem_file));
    CHECK(read_num("cpu", cpu_file) == cpu_before, "cpu changed");

    CHECK(update(cg, &only_mem) == 0, "update memory");
    CHECK(read_num("memory", mem_file) == 128 * MiB, "memory %lld", read_num("memory", mem_file));
    CHECK(read_num("pids", "pids.max") == 20, "pids changed");
    CHECK(read_num("cpu", cpu_file) == cpu_before, "cpu changed");
    return destroy(cg);
}

static int hold_16m(void *arg)
{
    struct family_arg *a = arg;
    size_t size = 16 * MiB;
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        return 2;
    for (size_t i = 0; i < size; i += 4096)
        p[i] = 1;
    if (write(a->ready_fd, "r", 1) != 1)
        return 3;
    for (;;)
        pause();
    return 0;
}

static int test_cgroup_update_check_before_update(void)
{
    struct lcont_cgroup *cg = cgt_create("update");
    struct lcont_spec_resources res = { .has_memory_limit = true, .memory_limit = 64 * MiB };
    struct lcont_spec_resources low = { .has_memory_limit = true,
                                        .memory_limit = 4 * MiB,
                                        .memory_check_before_update = true };
    const char *mem_file = is_v2() ? "memory.max" : "memory.limit_in_bytes";
    struct family_arg a;
    lcont_error *err = NULL;
    pid_t pid;
    int p[2];
    char c;

    CHECK(cg, "create");
    CHECK(apply(cg, &res) == 0, "apply");
    CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe");
    a.ready_fd = p[1];
    pid = cgt_spawn_in(cg, hold_16m, &a);
    CHECK(pid > 0, "spawn");
    close(p[1]);
    CHECK(read(p[0], &c, 1) == 1, "child did not get ready");
    close(p[0]);

    CHECK(lcont__cgroup_update(cg, &low, &err) == -EBUSY, "4 MiB under 16 MiB of usage accepted");
    CHECK(strstr(lcont_error_message(err), "current usage") != NULL, "message: %s",
          lcont_error_message(err));
    lcont_error_free(err);
    CHECK(read_num("memory", mem_file) == 64 * MiB, "limit changed anyway");
    CHECK(kill_all(cg) == 0, "kill");
    cgt_wait(pid);
    return destroy(cg);
}

/* ---- OOM fd ---- */

static int hog_64m(void *arg)
{
    size_t size = 64 * MiB;
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)arg;
    if (p == MAP_FAILED)
        return 2;
    for (size_t i = 0; i < size; i += 4096)
        p[i] = 1;
    return 0;
}

static int test_cgroup_oom_fd_wakes_up(void)
{
    struct lcont_cgroup *cg = cgt_create("oom");
    /* no swap limit: v1 counts no failcnt when memory+swap is what runs out */
    struct lcont_spec_resources res = { .has_memory_limit = true, .memory_limit = 16 * MiB };
    struct lcont_cgroup_stats st;
    lcont_error *err = NULL;
    struct pollfd pfd;
    int fd, status;
    pid_t pid;

    CHECK(cg, "create");
    CHECK(apply(cg, &res) == 0, "apply");
    fd = lcont__cgroup_open_oom_fd(cg, &err);
    CHECK(report("oom fd", fd, err) >= 0, "open_oom_fd");
    pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLPRI };
    CHECK(poll(&pfd, 1, 0) == 0, "oom fd readable before any OOM");

    pid = cgt_spawn_in(cg, hog_64m, NULL);
    CHECK(pid > 0, "spawn");
    status = cgt_wait(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %#x", status);
    /* no timeout: an OOM happened, the fd has to say so */
    CHECK(poll(&pfd, 1, -1) == 1 && (pfd.revents & (POLLIN | POLLPRI)), "oom fd not readable");
    close(fd);
    err = NULL;
    CHECK(report("stats", lcont__cgroup_get_stats(cg, &st, &err), err) == 0, "stats");
    CHECK(st.mem_oom_kill >= 1, "mem_oom_kill %llu", (unsigned long long)st.mem_oom_kill);
    CHECK(st.mem_events_max >= 1, "mem_events_max %llu", (unsigned long long)st.mem_events_max);
    return destroy(cg);
}

int main(void)
{
    static const struct cgt_test tests[] = {
        CGT_TEST(test_cgroup_freeze_stops_and_thaw_resumes),
        CGT_TEST(test_cgroup_stats_and_pids),
        CGT_TEST(test_cgroup_stats_io_per_device),
        CGT_TEST(test_cgroup_update_changes_only_set_members),
        CGT_TEST(test_cgroup_update_check_before_update),
        CGT_TEST(test_cgroup_oom_fd_wakes_up),
    };
    return cgt_main(tests, sizeof(tests) / sizeof(tests[0]));
}
