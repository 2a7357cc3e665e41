/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The less common resources (blockIO, hugetlb, network, rdma, cpu burst), device rules
 * through the v2 eBPF program, and limits on a nested cgroupsPath: written through
 * lcont__cgroup_apply and read back from the kernel's files, or enforced on a child.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lcont/error.h>

#include "cgroup/cgroup-internal.h"
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

/* apply, expecting failure with @code and @needle in the message */
static int apply_fails(struct lcont_cgroup *cg, const struct lcont_spec_resources *res, int code,
                       const char *needle)
{
    lcont_error *err = NULL;
    int r = lcont__cgroup_apply(cg, res, &err);

    CHECK(r == code, "apply returned %d, want %d (%s)", r, code,
          err ? lcont_error_message(err) : "no error");
    CHECK(strstr(lcont_error_message(err), needle) != NULL, "message '%s' lacks '%s'",
          lcont_error_message(err), needle);
    lcont_error_free(err);
    return 0;
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

/* ---- blockIO ---- */

static int test_cgroup_blkio_throttle_reads_back(void)
{
    struct lcont_cgroup *cg;
    unsigned major, minor;
    struct lcont_spec_blkio_throttle_device rbps = { 0 }, wiops = { 0 };
    struct lcont_spec_resources res = { 0 };
    char buf[512], want[128];

    if (!cgt_find_disk(&major, &minor)) {
        fprintf(stderr, "# no virtio/scsi/nvme disk to throttle\n");
        return 77;
    }
    cg = cgt_create("blkio");
    CHECK(cg, "create");
    rbps = (struct lcont_spec_blkio_throttle_device){ major, minor, 1048576 };
    wiops = (struct lcont_spec_blkio_throttle_device){ major, minor, 300 };
    res.blkio_throttle[LCONT_BLKIO_READ_BPS] = &rbps;
    res.n_blkio_throttle[LCONT_BLKIO_READ_BPS] = 1;
    res.blkio_throttle[LCONT_BLKIO_WRITE_IOPS] = &wiops;
    res.n_blkio_throttle[LCONT_BLKIO_WRITE_IOPS] = 1;
    CHECK(apply(cg, &res) == 0, "apply");
    if (is_v2()) {
        CHECK(cgt_read("io", cgt_path("blkio"), "io.max", buf, sizeof(buf)), "read io.max");
        snprintf(want, sizeof(want), "%u:%u rbps=1048576 wbps=max riops=max wiops=300", major,
                 minor);
        CHECK(strstr(buf, want) != NULL, "io.max '%s', want '%s'", buf, want);
    } else {
        CHECK(cgt_read("blkio", cgt_path("blkio"), "blkio.throttle.read_bps_device", buf,
                       sizeof(buf)),
              "read read_bps_device");
        snprintf(want, sizeof(want), "%u:%u 1048576", major, minor);
        CHECK(strcmp(buf, want) == 0, "read_bps_device '%s', want '%s'", buf, want);
        CHECK(cgt_read("blkio", cgt_path("blkio"), "blkio.throttle.write_iops_device", buf,
                       sizeof(buf)),
              "read write_iops_device");
        snprintf(want, sizeof(want), "%u:%u 300", major, minor);
        CHECK(strcmp(buf, want) == 0, "write_iops_device '%s', want '%s'", buf, want);
    }
    /* rate 0 lifts the limit again */
    rbps.rate = 0;
    res.n_blkio_throttle[LCONT_BLKIO_WRITE_IOPS] = 0;
    CHECK(apply(cg, &res) == 0, "apply rate 0");
    if (is_v2()) {
        CHECK(cgt_read("io", cgt_path("blkio"), "io.max", buf, sizeof(buf)), "read io.max");
        snprintf(want, sizeof(want), "%u:%u rbps=max", major, minor);
        CHECK(strstr(buf, want) != NULL, "io.max '%s' still limits reads", buf);
    } else {
        CHECK(cgt_read("blkio", cgt_path("blkio"), "blkio.throttle.read_bps_device", buf,
                       sizeof(buf)),
              "read read_bps_device");
        CHECK(buf[0] == '\0', "read_bps_device '%s' after rate 0", buf);
    }
    return destroy(cg);
}

static int test_cgroup_blkio_weight(void)
{
    struct lcont_cgroup *cg = cgt_create("weight");
    struct lcont_spec_resources res = { .has_blkio_weight = true, .blkio_weight = 500 };
    const char *files[] = { "blkio.weight", "blkio.bfq.weight", "io.bfq.weight", "io.weight" };
    const char *ctrl = is_v2() ? "io" : "blkio";
    char buf[128];
    int found = -1;

    CHECK(cg, "create");
    for (int k = 0; k < 4 && found < 0; k++)
        if (cgt_read(ctrl, cgt_path("weight"), files[k], buf, sizeof(buf)))
            found = k;
    if (found < 0) {
        /* no BFQ and no blk-iocost (this host: no scheduler on its disks) */
        CHECK(apply_fails(cg, &res, -EOPNOTSUPP, "weight") == 0, "weight without a file");
        return destroy(cg);
    }
    fprintf(stderr, "# weight through %s\n", files[found]);
    CHECK(apply(cg, &res) == 0, "apply");
    CHECK(cgt_read(ctrl, cgt_path("weight"), files[found], buf, sizeof(buf)), "read back");
    if (found == 3) /* io.weight: runc's conversion 1 + (500 - 10) * 9999 / 990 */
        CHECK(strcmp(buf, "default 4950") == 0, "io.weight '%s'", buf);
    else
        CHECK(strstr(buf, "500") != NULL, "%s '%s'", files[found], buf);
    return destroy(cg);
}

/* ---- hugetlb ---- */

static int test_cgroup_hugetlb_limit(void)
{
    struct lcont_cgroup *cg;
    struct lcont_spec_hugepage_limit lim = { (char *)"2MB", 4 * 2 * MiB };
    struct lcont_spec_hugepage_limit bad = { (char *)"3MB", 3 * MiB };
    struct lcont_spec_resources res = { .hugepage_limits = &lim, .n_hugepage_limits = 1 };
    char buf[64];
    struct stat st;

    if (stat("/sys/kernel/mm/hugepages/hugepages-2048kB", &st) < 0) {
        fprintf(stderr, "# no 2 MB huge pages on this machine\n");
        return 77;
    }
    cg = cgt_create("hugetlb");
    CHECK(cg, "create");
    if (!cgt_dir("hugetlb", "/", buf, sizeof(buf)) && cgt_layout() == LCONT_CGROUP_LAYOUT_V1) {
        /* plain v1 here: hugetlb is on the (hidden) cgroup2 side of this host */
        CHECK(apply_fails(cg, &res, -EOPNOTSUPP, "'hugetlb' controller is not mounted") == 0,
              "hugetlb without a controller");
        return destroy(cg);
    }
    CHECK(apply(cg, &res) == 0, "apply");
    /* v2 names on the cgroup2 tree (pure v2, or hybrid where hugetlb lives there) */
    if (cgt_read("hugetlb", cgt_path("hugetlb"), "hugetlb.2MB.limit_in_bytes", buf, sizeof(buf)) ||
        cgt_read(NULL, cgt_path("hugetlb"), "hugetlb.2MB.max", buf, sizeof(buf))) {
        CHECK(atoll(buf) == 8 * MiB, "hugetlb limit %s", buf);
    } else {
        CHECK(false, "no hugetlb limit file to read back");
    }
    res.hugepage_limits = &bad;
    CHECK(apply_fails(cg, &res, -EINVAL, "hugepageLimits[0]") == 0, "3MB pages accepted");
    return destroy(cg);
}

/* ---- network, rdma ---- */

static int test_cgroup_network_where_mounted(void)
{
    struct lcont_cgroup *cg = cgt_create("net");
    struct lcont_spec_net_priority prio = { (char *)"lo", 5 };
    struct lcont_spec_resources res = { .has_net_class_id = true,
                                        .net_class_id = 0x100001,
                                        .net_priorities = &prio,
                                        .n_net_priorities = 1 };
    char buf[256];

    CHECK(cg, "create");
    CHECK(apply(cg, &res) == 0, "apply");
    if (cgt_read("net_cls", cgt_path("net"), "net_cls.classid", buf, sizeof(buf)))
        CHECK(strcmp(buf, "1048577") == 0, "classid %s", buf);
    else
        fprintf(stderr, "# net_cls not mounted: classID ignored, as runc does\n");
    if (cgt_read("net_prio", cgt_path("net"), "net_prio.ifpriomap", buf, sizeof(buf)))
        CHECK(strstr(buf, "lo 5") != NULL, "ifpriomap %s", buf);
    return destroy(cg);
}

#define NET_MOUNT "/sys/fs/cgroup/net_cls,net_prio"

/* In a child with its own mount namespace: mount net_cls,net_prio as a v1 host has them. */
static int network_v1_mounted_child(void)
{
    char file[512], buf[256];
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return 77;
    bool made = mkdir(NET_MOUNT, 0755) == 0; /* an empty directory in the host's tmpfs */
    if (!made && errno != EEXIST)
        return 77;
    if (mount("cgroup", NET_MOUNT, "cgroup", 0, "net_cls,net_prio") < 0) {
        fprintf(stderr, "# cannot mount net_cls,net_prio: %s\n", strerror(errno));
        if (made)
            rmdir(NET_MOUNT);
        return 77;
    }
    struct lcont_cgroup *cg = cgt_create("net1");
    struct lcont_spec_net_priority prio[2] = { { (char *)"lo", 5 }, { (char *)"lo", 7 } };
    struct lcont_spec_resources res = { .has_net_class_id = true,
                                        .net_class_id = 0x100001,
                                        .net_priorities = prio,
                                        .n_net_priorities = 2 };
    int r = -1;
    if (cg && apply(cg, &res) == 0) {
        /* Read through the mount point itself: the helpers' mount list predates it. */
        snprintf(file, sizeof(file), NET_MOUNT "%s/net_cls.classid", cgt_path("net1"));
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        buf[n > 0 ? n : 0] = '\0';
        bool classid = n > 0 && atoll(buf) == 0x100001;
        if (fd >= 0)
            close(fd);
        snprintf(file, sizeof(file), NET_MOUNT "%s/net_prio.ifpriomap", cgt_path("net1"));
        fd = open(file, O_RDONLY | O_CLOEXEC);
        n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        buf[n > 0 ? n : 0] = '\0';
        if (fd >= 0)
            close(fd);
        /* The later entry for one interface wins, as in the file's own semantics. */
        bool prio_ok = strstr(buf, "lo 7") != NULL;
        if (!classid || !prio_ok)
            fprintf(stderr, "net_cls.classid or net_prio.ifpriomap wrong: '%s'\n", buf);
        r = classid && prio_ok ? 0 : -1;
    }
    if (cg && destroy(cg) < 0)
        r = -1;
    /* A v1 hierarchy outlives its mount while it has cgroups: leave none. */
    snprintf(file, sizeof(file), NET_MOUNT "%s", cgt_parent());
    if (rmdir(file) < 0 && errno != ENOENT)
        r = -1;
    umount(NET_MOUNT);
    if (made)
        rmdir(NET_MOUNT);
    return r;
}

static int test_cgroup_network_v1_mounted(void)
{
    if (is_v2())
        return 77; /* v2 has no network controllers; the values are ignored there */
    pid_t pid = fork();
    if (pid == 0)
        _exit(network_v1_mounted_child() & 0xff);
    int status = cgt_wait(pid);
    CHECK(WIFEXITED(status), "child status %d", status);
    return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

static int test_cgroup_rdma_needs_controller(void)
{
    struct lcont_cgroup *cg = cgt_create("rdma");
    struct lcont_spec_rdma_limit lim = { (char *)"lcont_nodev0", true, false, 3, 0 };
    struct lcont_spec_resources res = { .rdma_limits = &lim, .n_rdma_limits = 1 };
    char buf[64];

    CHECK(cg, "create");
    if (!cgt_dir("rdma", "/", buf, sizeof(buf)) &&
        !(cgt_read(NULL, "", "cgroup.controllers", buf, sizeof(buf)) && strstr(buf, "rdma"))) {
        CHECK(apply_fails(cg, &res, -EOPNOTSUPP, "'rdma' controller") == 0, "rdma");
        return destroy(cg);
    }
    /* the controller exists: the kernel refuses a device it does not have, and we say where */
    CHECK(apply_fails(cg, &res, -ENODEV, "linux.resources.rdma.lcont_nodev0") == 0,
          "unknown rdma device");
    return destroy(cg);
}

/* ---- cpu burst ---- */

static int test_cgroup_cpu_burst(void)
{
    struct lcont_cgroup *cg = cgt_create("burst");
    struct lcont_spec_resources res = { .has_cpu_quota = true,
                                        .cpu_quota = 50000,
                                        .has_cpu_period = true,
                                        .cpu_period = 100000,
                                        .has_cpu_burst = true,
                                        .cpu_burst = 20000 };
    char buf[64];

    CHECK(cg, "create");
    if (!cgt_read("cpu", cgt_path("burst"), is_v2() ? "cpu.max.burst" : "cpu.cfs_burst_us", buf,
                  sizeof(buf))) {
        fprintf(stderr, "# kernel without cpu burst\n");
        destroy(cg);
        return 77;
    }
    CHECK(apply(cg, &res) == 0, "apply");
    CHECK(cgt_read("cpu", cgt_path("burst"), is_v2() ? "cpu.max.burst" : "cpu.cfs_burst_us", buf,
                   sizeof(buf)),
          "read");
    CHECK(strcmp(buf, "20000") == 0, "burst %s", buf);
    return destroy(cg);
}

/* ---- devices through the eBPF program (v2, and the cgroup2 side of a hybrid host) ---- */

static const char *opened;
static int open_mode = O_RDWR;

/* exit 0 when open(@opened, @open_mode) worked, 1 on EPERM, 2 otherwise */
static int try_open(void *arg)
{
    int fd = open(opened, open_mode | O_CLOEXEC);
    (void)arg;
    if (fd >= 0)
        return 0;
    return errno == EPERM ? 1 : 2;
}

static int open_in(struct lcont_cgroup *cg, const char *path)
{
    pid_t pid;
    int status;

    opened = path;
    pid = cgt_spawn_in(cg, try_open, NULL);
    if (pid < 0)
        return -1;
    status = cgt_wait(pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Rules through lcont__cgroup_apply on v2; on hybrid straight to the cgroup2 side. */
static int set_rules(struct lcont_cgroup *cg, const struct lcont_spec_device_rule *rules, size_t n)
{
    struct lcont_spec_resources res = { .device_rules = (struct lcont_spec_device_rule *)rules,
                                        .n_device_rules = n };
    lcont_error *err = NULL;
    int r;

    if (is_v2())
        return apply(cg, &res);
    r = lcont__cgroup_bpf_devices_apply(lcont__cgroup_find_v2(cg), "", rules, n, &err);
    if (r < 0)
        fprintf(stderr, "bpf apply: %s\n", lcont_error_message(err));
    lcont_error_free(err);
    return r;
}

static int attached_programs(const char *name)
{
    char dir[512];
    uint32_t ids[16];
    union bpf_attr attr;
    int fd, r;

    if (!cgt_dir(NULL, cgt_path(name), dir, sizeof(dir)))
        return -1;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = (uint32_t)fd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
    attr.query.prog_cnt = 16;
    r = (int)syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr));
    close(fd);
    return r < 0 ? -1 : (int)attr.query.prog_cnt;
}

static int test_cgroup_devices_ebpf_program(void)
{
    struct lcont_cgroup *cg;
    const struct lcont_spec_device_rule deny_all_allow_null[] = {
        { false, 'a', -1, -1, "rwm" },
        { true, 'c', 1, 3, "rwm" },
    };
    const struct lcont_spec_device_rule deny_null[] = {
        { true, 'a', -1, -1, "rwm" },
        { false, 'c', 1, 3, "rwm" },
    };
    const struct lcont_spec_device_rule read_only_null[] = {
        { false, 'a', -1, -1, "rwm" },
        { true, 'c', 1, 3, "r" },
    };
    const struct lcont_spec_device_rule deny_write_null[] = {
        { true, 'c', -1, -1, "rwm" },
        { false, 'c', 1, 3, "w" },
    };

    if (cgt_layout() == LCONT_CGROUP_LAYOUT_V1) {
        fprintf(stderr, "# no cgroup2 tree: v1 devices controller only\n");
        return 77;
    }
    cg = cgt_create("bpfdev");
    CHECK(cg, "create");
    /* deny everything but /dev/null */
    CHECK(set_rules(cg, deny_all_allow_null, 2) == 0, "rules 1");
    CHECK(open_in(cg, "/dev/null") == 0, "/dev/null refused with the allow rule");
    CHECK(open_in(cg, "/dev/zero") == 1, "/dev/zero allowed without a rule");
    CHECK(attached_programs("bpfdev") == 1, "%d programs attached", attached_programs("bpfdev"));

    /* replaced, not added: otherwise the old program's deny of /dev/zero would remain */
    CHECK(set_rules(cg, deny_null, 2) == 0, "rules 2");
    CHECK(open_in(cg, "/dev/null") == 1, "/dev/null allowed despite the deny rule");
    CHECK(open_in(cg, "/dev/zero") == 0, "/dev/zero refused: the old program is still there");
    CHECK(attached_programs("bpfdev") == 1, "%d programs attached", attached_programs("bpfdev"));

    /* access bits: read-only null cannot be opened read-write, but read-only */
    CHECK(set_rules(cg, read_only_null, 2) == 0, "rules 3");
    CHECK(open_in(cg, "/dev/null") == 1, "/dev/null O_RDWR allowed by an 'r' rule");
    open_mode = O_RDONLY;
    CHECK(open_in(cg, "/dev/null") == 0, "/dev/null O_RDONLY refused by an 'r' rule");
    /* a deny of 'w' alone: reading still works, writing does not */
    CHECK(set_rules(cg, deny_write_null, 2) == 0, "rules 4");
    CHECK(open_in(cg, "/dev/null") == 0, "/dev/null O_RDONLY refused by a 'w' deny");
    open_mode = O_WRONLY;
    CHECK(open_in(cg, "/dev/null") == 1, "/dev/null O_WRONLY allowed despite a 'w' deny");
    open_mode = O_RDWR;
    return destroy(cg);
}

/* ---- nested cgroupsPath ---- */

static int test_cgroup_nested_path_limits(void)
{
    struct lcont_cgroup *cg = cgt_create("a/b/c");
    struct lcont_spec_resources res = {
        .has_pids_limit = true, .pids_limit = 7, .has_memory_limit = true, .memory_limit = 48 * MiB
    };
    char buf[64];

    CHECK(cg, "create");
    CHECK(apply(cg, &res) == 0, "apply");
    CHECK(cgt_read("pids", cgt_path("a/b/c"), "pids.max", buf, sizeof(buf)), "read pids.max");
    CHECK(strcmp(buf, "7") == 0, "pids.max %s", buf);
    CHECK(cgt_read("memory", cgt_path("a/b/c"), is_v2() ? "memory.max" : "memory.limit_in_bytes",
                   buf, sizeof(buf)),
          "read memory limit");
    CHECK(atoll(buf) == 48 * MiB, "memory limit %s", buf);
    return destroy(cg);
}

int main(void)
{
    static const struct cgt_test tests[] = {
        CGT_TEST(test_cgroup_blkio_throttle_reads_back),
        CGT_TEST(test_cgroup_blkio_weight),
        CGT_TEST(test_cgroup_hugetlb_limit),
        CGT_TEST(test_cgroup_network_where_mounted),
        CGT_TEST(test_cgroup_network_v1_mounted),
        CGT_TEST(test_cgroup_rdma_needs_controller),
        CGT_TEST(test_cgroup_cpu_burst),
        CGT_TEST(test_cgroup_devices_ebpf_program),
        CGT_TEST(test_cgroup_nested_path_limits),
    };
    return cgt_main(tests, sizeof(tests) / sizeof(tests[0]));
}
