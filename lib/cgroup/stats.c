/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a running cgroup: counters (cpu, memory, pids, io, hugetlb) from whichever
 * hierarchy carries each controller, its pids, and an fd that wakes up on OOM.
 * Missing files are not errors: a kernel or layout without a counter leaves it 0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "core/error-internal.h"
#include "core/util.h"

/* v1 reports "no limit" as the page counter maximum rounded to pages */
#define V1_UNLIMITED_MIN (UINT64_C(1) << 62)

/* ---- parsing helpers ---- */

/* Read @file below @h's directory; NULL when missing or unreadable. */
static char *slurp(const struct cg_hierarchy *h, const char *file)
{
    char *buf = NULL;

    if (!h || h->dirfd < 0 || lcont__read_file_at(h->dirfd, file, 1u << 20, &buf, NULL) < 0)
        return NULL;
    return buf;
}

/* One number ("max" = UINT64_MAX); false when the file is missing or not a number. */
static bool read_u64(const struct cg_hierarchy *h, const char *file, uint64_t *ret)
{
    _cleanup_free_ char *text = slurp(h, file);
    char *end;

    if (!text)
        return false;
    if (strncmp(text, "max", 3) == 0) {
        *ret = UINT64_MAX;
        return true;
    }
    errno = 0;
    *ret = strtoull(text, &end, 10);
    return end != text && errno == 0;
}

/* The value of "@key <n>" in a flat-keyed file's text; false when absent. */
static bool keyed(const char *text, const char *key, uint64_t *ret)
{
    size_t len = strlen(key);

    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, key, len) == 0 && p[len] == ' ') {
            *ret = strtoull(p + len + 1, NULL, 10);
            return true;
        }
    return false;
}

/* v1 limits: the huge "no limit" value becomes UINT64_MAX, as v2's "max". */
static uint64_t v1_limit(uint64_t v)
{
    return v >= V1_UNLIMITED_MIN ? UINT64_MAX : v;
}

/* ---- cpu ---- */

static void cpu_v2(const struct cg_hierarchy *h, struct lcont_cgroup_stats *st)
{
    _cleanup_free_ char *text = slurp(h, "cpu.stat");
    uint64_t v;

    if (!text)
        return;
    st->has_cpu = true;
    if (keyed(text, "usage_usec", &v))
        st->cpu_usage_ns = v * 1000;
    if (keyed(text, "user_usec", &v))
        st->cpu_user_ns = v * 1000;
    if (keyed(text, "system_usec", &v))
        st->cpu_system_ns = v * 1000;
    if (keyed(text, "nr_periods", &v))
        st->cpu_periods = v;
    if (keyed(text, "nr_throttled", &v))
        st->cpu_throttled_periods = v;
    if (keyed(text, "throttled_usec", &v))
        st->cpu_throttled_ns = v * 1000;
}

/* "N N N ..." (cpuacct.usage_percpu*): a new array, its length in @n; NULL when missing. */
static uint64_t *read_list(const struct cg_hierarchy *h, const char *file, size_t *n)
{
    _cleanup_free_ char *text = slurp(h, file);
    uint64_t *v = NULL;
    size_t count = 0, cap = 0;
    char *end;

    if (!text)
        return NULL;
    for (const char *p = text;; p = end) {
        uint64_t x;
        errno = 0;
        x = strtoull(p, &end, 10);
        if (end == p || errno)
            break;
        if (count == cap) {
            uint64_t *bigger = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));
            if (!bigger) {
                free(v);
                return NULL;
            }
            v = bigger;
        }
        v[count++] = x;
    }
    *n = count;
    return v;
}

static void cpu_percpu_v1(const struct cg_hierarchy *acct, struct lcont_cgroup_stats *st)
{
    size_t n = 0, n_user = 0, n_sys = 0;

    st->cpu_percpu_ns = read_list(acct, "cpuacct.usage_percpu", &n);
    if (!st->cpu_percpu_ns)
        return;
    st->n_cpus = n;
    /* Linux 4.7+: the same split per CPU; only kept when it lines up */
    st->cpu_percpu_user_ns = read_list(acct, "cpuacct.usage_percpu_user", &n_user);
    st->cpu_percpu_system_ns = read_list(acct, "cpuacct.usage_percpu_sys", &n_sys);
    if (n_user != n || n_sys != n) {
        st->cpu_percpu_user_ns = (free(st->cpu_percpu_user_ns), NULL);
        st->cpu_percpu_system_ns = (free(st->cpu_percpu_system_ns), NULL);
    }
}

static void cpu_v1(struct lcont_cgroup *cg, struct lcont_cgroup_stats *st)
{
    struct cg_hierarchy *acct = lcont__cgroup_find_v1(cg, "cpuacct");
    struct cg_hierarchy *cpu = lcont__cgroup_find_v1(cg, "cpu");
    _cleanup_free_ char *ticks = slurp(acct, "cpuacct.stat");
    _cleanup_free_ char *stat = slurp(cpu, "cpu.stat");
    long hz = sysconf(_SC_CLK_TCK);
    uint64_t v;

    if (read_u64(acct, "cpuacct.usage", &st->cpu_usage_ns)) {
        st->has_cpu = true;
        cpu_percpu_v1(acct, st);
    }
    /* cpuacct.stat counts USER_HZ ticks */
    if (ticks && hz > 0) {
        st->has_cpu = true;
        if (keyed(ticks, "user", &v))
            st->cpu_user_ns = v * (1000000000 / (uint64_t)hz);
        if (keyed(ticks, "system", &v))
            st->cpu_system_ns = v * (1000000000 / (uint64_t)hz);
    }
    if (stat) {
        st->has_cpu = true;
        if (keyed(stat, "nr_periods", &v))
            st->cpu_periods = v;
        if (keyed(stat, "nr_throttled", &v))
            st->cpu_throttled_periods = v;
        if (keyed(stat, "throttled_time", &v))
            st->cpu_throttled_ns = v;
    }
}

/* ---- memory ---- */

static void memory_v2(const struct cg_hierarchy *h, struct lcont_cgroup_stats *st)
{
    _cleanup_free_ char *stat = slurp(h, "memory.stat");
    _cleanup_free_ char *events = slurp(h, "memory.events");

    if (!read_u64(h, "memory.current", &st->mem_usage))
        return;
    st->has_memory = true;
    (void)read_u64(h, "memory.peak", &st->mem_max_usage); /* Linux >= 5.19 */
    (void)read_u64(h, "memory.max", &st->mem_limit);
    (void)read_u64(h, "memory.swap.current", &st->mem_swap_usage);
    (void)read_u64(h, "memory.swap.max", &st->mem_swap_limit);
    if (stat) {
        (void)keyed(stat, "anon", &st->mem_anon);
        (void)keyed(stat, "file", &st->mem_file);
        st->mem_rss = st->mem_anon;
        st->mem_cache = st->mem_file;
    }
    if (events) {
        (void)keyed(events, "low", &st->mem_events_low);
        (void)keyed(events, "high", &st->mem_events_high);
        (void)keyed(events, "max", &st->mem_events_max);
        (void)keyed(events, "oom", &st->mem_oom);
        (void)keyed(events, "oom_kill", &st->mem_oom_kill);
    }
}

static void memory_v1(const struct cg_hierarchy *h, struct lcont_cgroup_stats *st)
{
    _cleanup_free_ char *stat = slurp(h, "memory.stat");
    _cleanup_free_ char *oom = slurp(h, "memory.oom_control");
    uint64_t memsw_usage, memsw_limit;

    if (!read_u64(h, "memory.usage_in_bytes", &st->mem_usage))
        return;
    st->has_memory = true;
    (void)read_u64(h, "memory.max_usage_in_bytes", &st->mem_max_usage);
    if (read_u64(h, "memory.limit_in_bytes", &st->mem_limit))
        st->mem_limit = v1_limit(st->mem_limit);
    /* v1 counts memory+swap together: the swap part is the difference */
    if (read_u64(h, "memory.memsw.usage_in_bytes", &memsw_usage))
        st->mem_swap_usage = memsw_usage > st->mem_usage ? memsw_usage - st->mem_usage : 0;
    if (read_u64(h, "memory.memsw.limit_in_bytes", &memsw_limit)) {
        memsw_limit = v1_limit(memsw_limit);
        st->mem_swap_limit =
            memsw_limit == UINT64_MAX || st->mem_limit == UINT64_MAX
                ? UINT64_MAX
                : memsw_limit - (memsw_limit > st->mem_limit ? st->mem_limit : memsw_limit);
    }
    if (stat) {
        /* total_*: this cgroup and its children, like v2's numbers */
        if (!keyed(stat, "total_rss", &st->mem_rss))
            (void)keyed(stat, "rss", &st->mem_rss);
        if (!keyed(stat, "total_cache", &st->mem_cache))
            (void)keyed(stat, "cache", &st->mem_cache);
        st->mem_anon = st->mem_rss;
        st->mem_file = st->mem_cache;
    }
    /* failcnt: how often a limit was hit, the closest thing to v2's "max" event */
    if (read_u64(h, "memory.failcnt", &st->mem_events_max) &&
        read_u64(h, "memory.memsw.failcnt", &memsw_usage))
        st->mem_events_max += memsw_usage;
    if (oom) {
        (void)keyed(oom, "oom_kill", &st->mem_oom_kill);
        st->mem_oom = st->mem_oom_kill; /* v1 does not count OOM events without a kill */
    }
}

/* ---- pids ---- */

static void pids(const struct cg_hierarchy *h, struct lcont_cgroup_stats *st)
{
    if (!read_u64(h, "pids.current", &st->pids_current))
        return;
    st->has_pids = true;
    if (read_u64(h, "pids.max", &st->pids_limit) && st->pids_limit == UINT64_MAX)
        st->pids_limit = 0;
}

/* ---- io ---- */

/* The entry of device @major:@minor, added when new; NULL when out of memory. */
static struct lcont_cgroup_io_dev *io_dev(struct lcont_cgroup_stats *st, unsigned major,
                                          unsigned minor)
{
    struct lcont_cgroup_io_dev *devs;

    for (size_t i = 0; i < st->n_io_devs; i++)
        if (st->io_devs[i].major == major && st->io_devs[i].minor == minor)
            return &st->io_devs[i];
    devs = realloc(st->io_devs, (st->n_io_devs + 1) * sizeof(*devs));
    if (!devs)
        return NULL;
    st->io_devs = devs;
    devs[st->n_io_devs] = (struct lcont_cgroup_io_dev){ .major = major, .minor = minor };
    return &devs[st->n_io_devs++];
}

/* v2 io.stat: "<maj>:<min> rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" per line. */
static void io_v2(const struct cg_hierarchy *h, struct lcont_cgroup_stats *st)
{
    _cleanup_free_ char *text = slurp(h, "io.stat");
    static const char *const keys[] = { "rbytes=", "wbytes=", "rios=", "wios=" };
    static const size_t offs[] = { offsetof(struct lcont_cgroup_io_dev, read_bytes),
                                   offsetof(struct lcont_cgroup_io_dev, write_bytes),
                                   offsetof(struct lcont_cgroup_io_dev, read_ios),
                                   offsetof(struct lcont_cgroup_io_dev, write_ios) };
    uint64_t *total[] = { &st->io_read_bytes, &st->io_write_bytes, &st->io_read_ios,
                          &st->io_write_ios };

    if (!text)
        return;
    st->has_io = true;
    for (char *line = text; line && *line;) {
        char *next = strchr(line, '\n');
        struct lcont_cgroup_io_dev *dev;
        unsigned major, minor;
        if (next)
            *next++ = '\0';
        dev = sscanf(line, "%u:%u", &major, &minor) == 2 ? io_dev(st, major, minor) : NULL;
        for (char *tok = strchr(line, ' '); dev && tok; tok = strchr(tok + 1, ' '))
            for (size_t k = 0; k < ELEMENTSOF(keys); k++)
                if (lcont__str_startswith(tok + 1, keys[k])) {
                    uint64_t v = strtoull(tok + 1 + strlen(keys[k]), NULL, 10);
                    *(uint64_t *)((char *)dev + offs[k]) += v;
                    *total[k] += v;
                }
        line = next;
    }
}

/* v1 blkio.*: "<maj>:<min> Read N" / "Write N" / ... / "Total N" lines, into the device
 * entries' members at @read_off and @write_off and the totals. */
static bool blkio_read(const struct cg_hierarchy *h, const char *file,
                       struct lcont_cgroup_stats *st, size_t read_off, size_t write_off,
                       uint64_t *read, uint64_t *write)
{
    _cleanup_free_ char *text = slurp(h, file);

    if (!text)
        return false;
    for (char *line = text; line && *line;) {
        char *next = strchr(line, '\n');
        struct lcont_cgroup_io_dev *dev;
        unsigned major, minor;
        unsigned long long v;
        char op[16];
        if (next)
            *next++ = '\0';
        if (sscanf(line, "%u:%u %15s %llu", &major, &minor, op, &v) == 4 &&
            (dev = io_dev(st, major, minor))) {
            if (strcmp(op, "Read") == 0) {
                *(uint64_t *)((char *)dev + read_off) += v;
                *read += v;
            } else if (strcmp(op, "Write") == 0) {
                *(uint64_t *)((char *)dev + write_off) += v;
                *write += v;
            }
        }
        line = next;
    }
    return true;
}

static void io_v1(const struct cg_hierarchy *h, struct lcont_cgroup_stats *st)
{
    /* the throttle counters exist with every io scheduler (CFQ's blkio.io_* are gone) */
    if (blkio_read(h, "blkio.throttle.io_service_bytes_recursive", st,
                   offsetof(struct lcont_cgroup_io_dev, read_bytes),
                   offsetof(struct lcont_cgroup_io_dev, write_bytes), &st->io_read_bytes,
                   &st->io_write_bytes))
        st->has_io = true;
    if (blkio_read(h, "blkio.throttle.io_serviced_recursive", st,
                   offsetof(struct lcont_cgroup_io_dev, read_ios),
                   offsetof(struct lcont_cgroup_io_dev, write_ios), &st->io_read_ios,
                   &st->io_write_ios))
        st->has_io = true;
}

/* ---- hugetlb ---- */

/* The entry of page size @name's "<size>" in "hugetlb.<size>.<suffix>"; NULL on no memory. */
static struct lcont_cgroup_hugetlb_size *huge_size(struct lcont_cgroup_stats *st, const char *name,
                                                   const char *sfx)
{
    const char *size = name + strlen("hugetlb.");
    size_t len = (size_t)(sfx - size);
    struct lcont_cgroup_hugetlb_size *sizes;

    if (len == 0 || len >= sizeof(sizes->size) || memchr(size, '.', len))
        return NULL;
    for (size_t i = 0; i < st->n_hugetlb_sizes; i++)
        if (strncmp(st->hugetlb_sizes[i].size, size, len) == 0 &&
            st->hugetlb_sizes[i].size[len] == '\0')
            return &st->hugetlb_sizes[i];
    sizes = realloc(st->hugetlb_sizes, (st->n_hugetlb_sizes + 1) * sizeof(*sizes));
    if (!sizes)
        return NULL;
    st->hugetlb_sizes = sizes;
    sizes = &sizes[st->n_hugetlb_sizes++];
    *sizes = (struct lcont_cgroup_hugetlb_size){ 0 };
    memcpy(sizes->size, size, len);
    return sizes;
}

/* Every page size: files "hugetlb.<size>.<suffix>" of @h, per size and summed. */
static void hugetlb(const struct cg_hierarchy *h, struct lcont_cgroup_stats *st)
{
    _cleanup_close_ int fd = -1;
    DIR *d;
    struct dirent *de;

    if (h->dirfd < 0 || (fd = openat(h->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return;
    d = fdopendir(fd);
    if (!d)
        return;
    fd = -1;
    while ((de = readdir(d))) {
        const char *name = de->d_name, *sfx;
        uint64_t v;

        struct lcont_cgroup_hugetlb_size *hs;

        if (!lcont__str_startswith(name, "hugetlb.") || strstr(name, ".rsvd."))
            continue;
        sfx = strrchr(name, '.');
        if (!(hs = huge_size(st, name, sfx)))
            continue;
        if (h->v2 ? strcmp(sfx, ".current") == 0 : strcmp(sfx, ".usage_in_bytes") == 0) {
            if (read_u64(h, name, &v)) {
                st->has_hugetlb = true;
                st->hugetlb_usage += v;
                hs->usage = v;
            }
        } else if (!h->v2 && strcmp(sfx, ".max_usage_in_bytes") == 0) {
            if (read_u64(h, name, &v)) {
                st->hugetlb_max_usage += v;
                hs->max_usage = v;
            }
        } else if (!h->v2 && strcmp(sfx, ".failcnt") == 0) {
            if (read_u64(h, name, &v)) {
                st->hugetlb_failcnt += v;
                hs->failcnt = v;
            }
        } else if (h->v2 && strcmp(sfx, ".events") == 0) {
            _cleanup_free_ char *text = slurp(h, name);
            if (text && keyed(text, "max", &v)) {
                st->hugetlb_failcnt += v;
                hs->failcnt = v;
            }
        }
    }
    closedir(d);
}

/* ---- get_stats ---- */

/* Where @controller lives: its v1 hierarchy, else the cgroup2 tree if it has it there. */
static struct cg_hierarchy *controller_dir(struct lcont_cgroup *cg, const char *controller)
{
    struct cg_hierarchy *h = lcont__cgroup_find_v1(cg, controller);

    if (!h) {
        h = lcont__cgroup_find_v2(cg);
        if (h && !lcont__cgroup_v2_has_controller(h, controller))
            h = NULL;
    }
    return h && h->dirfd >= 0 ? h : NULL;
}

int lcont__cgroup_get_stats(struct lcont_cgroup *cg, struct lcont_cgroup_stats *ret,
                            lcont_error **reterr)
{
    struct lcont_cgroup_stats st = { 0 };
    struct cg_hierarchy *h;
    bool any = false;

    if (!cg || !ret)
        return lcont__error_set(reterr, -EINVAL, "cgroup: stats: invalid arguments");
    *ret = st;
    for (size_t i = 0; i < cg->n_hier; i++)
        any |= cg->hier[i].dirfd >= 0;
    if (!any)
        return lcont__error_set(reterr, -ENOENT, "cgroup: %s does not exist in any hierarchy",
                                cg->path);
    if (lcont__cgroup_find_v1(cg, "cpuacct") || lcont__cgroup_find_v1(cg, "cpu"))
        cpu_v1(cg, &st);
    else if ((h = lcont__cgroup_find_v2(cg)) && h->dirfd >= 0)
        cpu_v2(h, &st); /* cpu.stat's usage is there even without the cpu controller */
    if ((h = controller_dir(cg, "memory")))
        h->v2 ? memory_v2(h, &st) : memory_v1(h, &st);
    if ((h = controller_dir(cg, "pids")))
        pids(h, &st);
    if ((h = controller_dir(cg, "blkio")))
        io_v1(h, &st);
    else if ((h = controller_dir(cg, "io")))
        io_v2(h, &st);
    if ((h = controller_dir(cg, "hugetlb")))
        hugetlb(h, &st);
    *ret = st;
    return 0;
}

void lcont__cgroup_stats_clear(struct lcont_cgroup_stats *st)
{
    if (!st)
        return;
    free(st->cpu_percpu_ns);
    free(st->cpu_percpu_user_ns);
    free(st->cpu_percpu_system_ns);
    free(st->io_devs);
    free(st->hugetlb_sizes);
    *st = (struct lcont_cgroup_stats){ 0 };
}

/* ---- get_pids ---- */

int lcont__cgroup_get_pids(struct lcont_cgroup *cg, pid_t **ret, size_t *n_ret,
                           lcont_error **reterr)
{
    static const char *const preferred[] = { "pids", "devices", "memory", "freezer", "cpu" };
    struct cg_hierarchy *h = NULL;
    pid_t *pids = NULL;
    size_t n = 0;
    int r;

    if (!cg || !ret || !n_ret)
        return lcont__error_set(reterr, -EINVAL, "cgroup: get pids: invalid arguments");
    /* every hierarchy holds every process of the container; these are always populated */
    if (cg->layout == LCONT_CGROUP_LAYOUT_V2)
        h = lcont__cgroup_find_v2(cg);
    for (size_t k = 0; !h && k < ELEMENTSOF(preferred); k++)
        if ((h = lcont__cgroup_find_v1(cg, preferred[k])) && h->dirfd < 0)
            h = NULL;
    for (size_t i = 0; (!h || h->dirfd < 0) && i < cg->n_hier; i++)
        h = &cg->hier[i];
    if (!h || h->dirfd < 0) {
        *ret = NULL;
        *n_ret = 0;
        return 0; /* no directory anywhere: no processes */
    }
    r = lcont__cgroup_collect_pids(h->dirfd, &pids, &n);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: list processes of %s%s", h->mount, cg->path);
    *ret = pids;
    *n_ret = n;
    return 0;
}

/* ---- OOM notification ---- */

/* v1: an eventfd the memory controller signals on OOM, registered via cgroup.event_control. */
static int oom_fd_v1(struct cg_hierarchy *h, const char *path, lcont_error **reterr)
{
    _cleanup_close_ int efd = eventfd(0, EFD_CLOEXEC);
    _cleanup_close_ int ofd = -1;
    char line[64];
    int r;

    if (efd < 0)
        return lcont__error_setsys(reterr, -errno, "cgroup: eventfd");
    ofd = openat(h->dirfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
    if (ofd < 0)
        return lcont__error_setsys(reterr, -errno, "cgroup: open %s%s/memory.oom_control", h->mount,
                                   path);
    /* the kernel keeps its own reference: the oom_control fd can be closed afterwards */
    snprintf(line, sizeof(line), "%d %d", efd, ofd);
    r = lcont__cgroup_write(h, "cgroup.event_control", line, reterr);
    if (r < 0)
        return r;
    return TAKE_FD(efd);
}

/* v2: inotify on memory.events, which the kernel marks modified on every event it counts. */
static int oom_fd_v2(struct cg_hierarchy *h, const char *path, lcont_error **reterr)
{
    _cleanup_close_ int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    char file[64];

    if (ifd < 0)
        return lcont__error_setsys(reterr, -errno, "cgroup: inotify_init1");
    /* through our directory fd, so a renamed or recreated path cannot be watched by mistake */
    snprintf(file, sizeof(file), "/proc/self/fd/%d/memory.events", h->dirfd);
    if (inotify_add_watch(ifd, file, IN_MODIFY) < 0)
        return lcont__error_setsys(reterr, -errno, "cgroup: watch %s%s/memory.events", h->mount,
                                   path);
    return TAKE_FD(ifd);
}

int lcont__cgroup_open_oom_fd(struct lcont_cgroup *cg, lcont_error **reterr)
{
    struct cg_hierarchy *h;

    if (!cg)
        return lcont__error_set(reterr, -EINVAL, "cgroup: no cgroup");
    h = controller_dir(cg, "memory");
    if (!h)
        return lcont__error_set(reterr, -EOPNOTSUPP,
                                "cgroup: %s has no memory controller directory to watch for OOM",
                                cg->path);
    return h->v2 ? oom_fd_v2(h, cg->path, reterr) : oom_fd_v1(h, cg->path, reterr);
}
