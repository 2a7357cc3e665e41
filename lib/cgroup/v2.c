/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup v2 resources. The OCI model is written in v1 terms; the conversions
 * below are runc's (crun 1.x uses the same linear cpu formula; its newer
 * quadratic one maps 1024 to 100, we keep runc's so a config gets the same
 * weight as under runc and older crun):
 *   cpu.shares -> cpu.weight = 1 + ((shares - 2) * 9999) / 262142
 *   quota/period -> cpu.max "quota period" ("max" when quota is unset or -1)
 *   memory.swap (v1: memory+swap total) -> memory.swap.max = swap - limit
 *   memory.reservation -> memory.low
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup-internal.h"
#include "core/error-internal.h"
#include "core/util.h"

/* Controllers a container may need; enabled in every ancestor's cgroup.subtree_control. */
static const char *const wanted_controllers[] = { "cpu", "cpuset",  "memory", "pids",
                                                  "io",  "hugetlb", "rdma" };

void lcont__cgroup_v2_enable_controllers(int dir_fd)
{
    _cleanup_free_ char *available = NULL, *enabled = NULL;

    if (lcont__read_file_at(dir_fd, "cgroup.controllers", 4096, &available, NULL) < 0 ||
        lcont__read_file_at(dir_fd, "cgroup.subtree_control", 4096, &enabled, NULL) < 0)
        return;
    available[strcspn(available, "\n")] = '\0';
    enabled[strcspn(enabled, "\n")] = '\0';
    for (size_t i = 0; i < ELEMENTSOF(wanted_controllers); i++) {
        char buf[32];
        if (!lcont__cgroup_list_has(available, ' ', wanted_controllers[i]) ||
            lcont__cgroup_list_has(enabled, ' ', wanted_controllers[i]))
            continue;
        /*
         * One at a time, ignoring failures: a cgroup that holds processes
         * (e.g. the caller's own, for a relative cgroupsPath) refuses with
         * EBUSY ("no internal processes"). The container still gets its
         * directory; writing a limit of that controller then fails with an
         * error naming the file.
         */
        snprintf(buf, sizeof(buf), "+%s", wanted_controllers[i]);
        (void)lcont__write_string_at(dir_fd, "cgroup.subtree_control", buf);
    }
}

bool lcont__cgroup_v2_has_controller(const struct cg_hierarchy *h, const char *controller)
{
    _cleanup_free_ char *list = NULL;

    if (h->dirfd < 0 || lcont__read_file_at(h->dirfd, "cgroup.controllers", 4096, &list, NULL) < 0)
        return false;
    list[strcspn(list, "\n")] = '\0';
    return lcont__cgroup_list_has(list, ' ', controller);
}

/* Write, explaining a missing file: the usual cause is a controller not enabled above us. */
static int write2(struct cg_hierarchy *h, const char *file, const char *value, lcont_error **reterr)
{
    int r = lcont__cgroup_write(h, file, value, reterr);

    if (r == -ENOENT) {
        int n = (int)strcspn(file, ".");
        return lcont__error_set(reterr, r,
                                "cgroup: write %s=%s: no such file (controller '%.*s' not enabled "
                                "in the parent's cgroup.subtree_control)",
                                file, value, n, file);
    }
    return r;
}

/* "max" for -1 (unlimited), else the number. */
static int write2_limit(struct cg_hierarchy *h, const char *file, int64_t value,
                        lcont_error **reterr)
{
    char buf[32];

    if (value < 0)
        snprintf(buf, sizeof(buf), "max");
    else
        snprintf(buf, sizeof(buf), "%" PRId64, value);
    return write2(h, file, buf, reterr);
}

int lcont__cgroup_v2_memory(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                            lcont_error **reterr)
{
    /* 0 means "not set", as in runc: a zero limit would make the container unusable */
    int64_t limit = res->has_memory_limit ? res->memory_limit : 0;
    int64_t swap = res->has_memory_swap ? res->memory_swap : 0;
    int64_t low = res->has_memory_reservation ? res->memory_reservation : 0;
    bool set_swap = true;
    int r;

    /* swappiness and disable_oom_killer have no v2 counterpart: ignored, like runc and crun */
    if (!limit && !swap && !low)
        return 0;
    if (limit == -1 && swap == 0) {
        swap = -1; /* unlimited memory means unlimited memory+swap, as on v1 */
    } else if (swap == 0) {
        set_swap = false;
    } else if (swap != -1) {
        if (limit <= 0)
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.resources.memory.swap: cannot set a swap limit without "
                                    "a memory limit on cgroup v2");
        if (swap < limit)
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.resources.memory.swap (%" PRId64
                                    ") must be >= memory.limit (%" PRId64
                                    "): it is the memory+swap total",
                                    swap, limit);
        swap -= limit;
    }
    if (set_swap) {
        char buf[32];
        if (swap < 0)
            snprintf(buf, sizeof(buf), "max");
        else
            snprintf(buf, sizeof(buf), "%" PRId64, swap);
        r = lcont__cgroup_write(h, "memory.swap.max", buf, NULL);
        if (r < 0 && r != -ENOENT)
            r = lcont__error_setsys(reterr, r, "cgroup: write memory.swap.max=%s", buf);
        else if (r == -ENOENT && !lcont__cgroup_v2_has_controller(h, "memory"))
            r = write2(h, "memory.swap.max", buf, reterr); /* for the explanation */
        else if (r == -ENOENT && swap <= 0)
            r = 0; /* no swap accounting in this kernel: "max" and "0" need no file (runc) */
        else if (r == -ENOENT)
            r = lcont__error_set(
                reterr, -EOPNOTSUPP,
                "cgroup: write memory.swap.max=%s: the kernel has no swap accounting", buf);
        if (r < 0)
            return r;
    }
    if (limit) {
        r = write2_limit(h, "memory.max", limit, reterr);
        if (r < 0)
            return r;
    }
    if (low) {
        r = write2_limit(h, "memory.low", low, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

int lcont__cgroup_v2_cpu(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                         lcont_error **reterr)
{
    uint64_t period = res->has_cpu_period ? res->cpu_period : 0;
    int64_t quota = res->has_cpu_quota ? res->cpu_quota : 0;
    char buf[64];
    int r;

    if ((res->has_cpu_realtime_runtime && res->cpu_realtime_runtime != 0) ||
        (res->has_cpu_realtime_period && res->cpu_realtime_period != 0))
        return lcont__error_set(
            reterr, -EOPNOTSUPP,
            "linux.resources.cpu.realtimeRuntime/realtimePeriod: not supported on cgroup v2");
    if (res->has_cpu_shares && res->cpu_shares != 0) {
        uint64_t shares = res->cpu_shares;
        /* the kernel clamps v1 shares to [2, 262144]; do the same before converting */
        shares = shares < 2 ? 2 : shares > 262144 ? 262144 : shares;
        snprintf(buf, sizeof(buf), "%" PRIu64, 1 + ((shares - 2) * 9999) / 262142);
        r = write2(h, "cpu.weight", buf, reterr);
        if (r < 0)
            return r;
    }
    if (quota != 0 || period != 0) {
        int n = quota > 0 ? snprintf(buf, sizeof(buf), "%" PRId64, quota)
                          : snprintf(buf, sizeof(buf), "max");
        if (period != 0)
            snprintf(buf + n, sizeof(buf) - (size_t)n, " %" PRIu64, period);
        r = write2(h, "cpu.max", buf, reterr);
        if (r < 0)
            return r;
    }
    if (res->has_cpu_idle) {
        snprintf(buf, sizeof(buf), "%" PRId64, res->cpu_idle);
        r = write2(h, "cpu.idle", buf, reterr);
        if (r < 0)
            return r;
    }
    if (res->has_cpu_burst) {
        snprintf(buf, sizeof(buf), "%" PRIu64, res->cpu_burst);
        r = write2(h, "cpu.max.burst", buf, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

int lcont__cgroup_v2_cpuset(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                            lcont_error **reterr)
{
    int r;

    if (res->cpu_cpus && *res->cpu_cpus) {
        r = write2(h, "cpuset.cpus", res->cpu_cpus, reterr);
        if (r < 0)
            return r;
    }
    if (res->cpu_mems && *res->cpu_mems) {
        r = write2(h, "cpuset.mems", res->cpu_mems, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

int lcont__cgroup_v2_pids(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                          lcont_error **reterr)
{
    if (!res->has_pids_limit)
        return 0;
    return write2_limit(h, "pids.max", res->pids_limit <= 0 ? -1 : res->pids_limit, reterr);
}

int lcont__cgroup_devices_unenforced(const struct lcont_spec_resources *res, lcont_error **reterr)
{
    for (size_t i = 0; i < res->n_device_rules; i++) {
        const struct lcont_spec_device_rule *d = &res->device_rules[i];
        bool all_access = !d->access[0] || (strchr(d->access, 'r') && strchr(d->access, 'w') &&
                                            strchr(d->access, 'm'));
        if (d->allow || (d->type == 'a' && d->major == -1 && d->minor == -1 && all_access))
            continue;
        return lcont__error_set(
            reterr, -EOPNOTSUPP,
            "linux.resources.devices[%zu]: denying %c %" PRId64 ":%" PRId64
            " '%s' needs the cgroup v2 device eBPF program, which lcont does not load yet",
            i, d->type, d->major, d->minor, d->access);
    }
    return 0;
}

int lcont__cgroup_v2_apply(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                           lcont_error **reterr)
{
    int r;

    r = lcont__cgroup_v2_memory(h, res, reterr);
    if (r >= 0)
        r = lcont__cgroup_v2_cpu(h, res, reterr);
    if (r >= 0)
        r = lcont__cgroup_v2_cpuset(h, res, reterr);
    if (r >= 0)
        r = lcont__cgroup_v2_pids(h, res, reterr);
    if (r >= 0 && lcont__cgroup_wants_io(res))
        r = lcont__cgroup_v2_io(h, res, reterr);
    if (r >= 0 && res->n_hugepage_limits > 0)
        r = lcont__cgroup_hugetlb(h, res, reterr);
    if (r >= 0 && res->n_rdma_limits > 0)
        r = lcont__cgroup_rdma(h, res, reterr);
    /* network (net_cls/net_prio) has no v2 counterpart: ignored, as runc does */
    if (r >= 0 && res->n_device_rules > 0)
        r = lcont__cgroup_bpf_devices_apply(h, "", res->device_rules, res->n_device_rules, reterr);
    return r;
}

/* A key is a plain file name "<controller>.<name>"; anything else could escape the directory. */
static bool unified_key_ok(const char *key)
{
    const char *dot = strchr(key, '.');
    return dot && dot != key && dot[1] && !strchr(key, '/');
}

int lcont__cgroup_v2_apply_unified(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                                   lcont_error **reterr)
{
    _cleanup_free_ char *controllers = NULL;
    int r;

    if (res->n_unified == 0)
        return 0;
    r = lcont__cgroup_read(h, "cgroup.controllers", &controllers, reterr);
    if (r < 0)
        return r;
    for (size_t i = 0; i < res->n_unified; i++) {
        const char *key = res->unified[i].key, *value = res->unified[i].value;
        char ctrl[64];
        size_t n;

        if (!key || !value || !unified_key_ok(key))
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.resources.unified: '%s' is not a cgroup file name",
                                    key ? key : "");
        n = strcspn(key, ".");
        if (n >= sizeof(ctrl))
            n = sizeof(ctrl) - 1;
        memcpy(ctrl, key, n);
        ctrl[n] = '\0';
        if (strcmp(ctrl, "cgroup") != 0 && !lcont__cgroup_list_has(controllers, ' ', ctrl))
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.resources.unified: key '%s': controller '%s' is not "
                                    "available in the cgroup v2 tree %s (available: %s)",
                                    key, ctrl, h->mount, *controllers ? controllers : "none");
        r = lcont__cgroup_write(h, key, value, reterr);
        if (r == -ENOENT)
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.resources.unified: key '%s' is not a file of the cgroup",
                                    key);
        if (r < 0)
            return r;
    }
    return 0;
}
