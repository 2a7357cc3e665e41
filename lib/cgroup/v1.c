/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup v1 resources (also the v1 side of the hybrid layout). The OCI model
 * is in v1 terms, so values are written as they are; what needs care is the
 * order of writes the kernel accepts (memory vs memory+swap, cfs period vs
 * quota). On hybrid hosts a controller that lives on the cgroup2 side instead
 * is set there with the v2 conversion.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "core/error-internal.h"
#include "core/util.h"

#define MEMSW_LIMIT "memory.memsw.limit_in_bytes"
#define MEM_LIMIT "memory.limit_in_bytes"

int lcont__cgroup_v1_cpuset_inherit(int parent_fd, int dir_fd, const char *dir,
                                    lcont_error **reterr)
{
    static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

    /*
     * We copy instead of setting the parent's cgroup.clone_children, which
     * would change how every other cgroup created there behaves.
     * The caller walks from the root down, so @parent_fd is never empty.
     */
    for (size_t i = 0; i < ELEMENTSOF(files); i++) {
        _cleanup_free_ char *own = NULL, *parent = NULL;
        int r;

        r = lcont__read_file_at(dir_fd, files[i], 1u << 16, &own, NULL);
        if (r < 0)
            return lcont__error_setsys(reterr, r, "cgroup: read %s of %s", files[i], dir);
        if (own[strspn(own, " \n")] != '\0')
            continue;
        r = lcont__read_file_at(parent_fd, files[i], 1u << 16, &parent, NULL);
        if (r < 0)
            return lcont__error_setsys(reterr, r, "cgroup: read %s of the parent of %s", files[i],
                                       dir);
        parent[strcspn(parent, "\n")] = '\0';
        if (!*parent)
            return lcont__error_set(reterr, -EINVAL, "cgroup: parent of %s has an empty %s", dir,
                                    files[i]);
        r = lcont__write_string_at(dir_fd, files[i], parent);
        if (r < 0)
            return lcont__error_setsys(reterr, r, "cgroup: write %s=%s in %s", files[i], parent,
                                       dir);
    }
    return 0;
}

/* ---- memory ---- */

/* Write a memory file, explaining the two errors people actually hit. */
static int mem_write(struct cg_hierarchy *h, const char *file, int64_t value, lcont_error **reterr)
{
    int r = lcont__cgroup_write_i64(h, file, value, NULL);

    if (r == -EBUSY)
        return lcont__error_set(
            reterr, r,
            "cgroup: write %s=%" PRId64
            ": %s (the cgroup already uses more than that and the kernel could not reclaim it)",
            file, value, strerror(-r));
    if (r == -EINVAL)
        return lcont__error_set(reterr, r,
                                "cgroup: write %s=%" PRId64 ": %s (on cgroup v1 " MEM_LIMIT
                                " must not exceed " MEMSW_LIMIT ", the memory+swap total)",
                                file, value, strerror(-r));
    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: write %s=%" PRId64, file, value);
    return 0;
}

/*
 * The kernel keeps memsw >= limit at every moment: when the new memory+swap
 * total is at least the current limit, raise memsw first; otherwise (lowering)
 * the limit must go down first. Same rule as runc.
 */
static int memory_and_swap(struct cg_hierarchy *h, int64_t limit, int64_t swap,
                           lcont_error **reterr)
{
    _cleanup_free_ char *cur_text = NULL;
    bool swap_first;
    int r;

    if (limit && swap) {
        r = lcont__cgroup_read(h, MEM_LIMIT, &cur_text, reterr);
        if (r < 0)
            return r;
        swap_first = swap == -1 || (uint64_t)swap >= strtoull(cur_text, NULL, 10);
    } else {
        swap_first = false;
    }
    if (swap && swap_first && (r = mem_write(h, MEMSW_LIMIT, swap, reterr)) < 0)
        return r;
    if (limit && (r = mem_write(h, MEM_LIMIT, limit, reterr)) < 0)
        return r;
    if (swap && !swap_first && (r = mem_write(h, MEMSW_LIMIT, swap, reterr)) < 0)
        return r;
    return 0;
}

static int v1_memory(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                     lcont_error **reterr)
{
    /* 0 means "not set", as in runc: a zero limit would make the container unusable */
    int64_t limit = res->has_memory_limit ? res->memory_limit : 0;
    int64_t swap = res->has_memory_swap ? res->memory_swap : 0;
    bool have_memsw = faccessat(h->dirfd, MEMSW_LIMIT, F_OK, 0) == 0;
    int r;

    if (limit == -1 && swap == 0 && have_memsw)
        swap = -1; /* unlimited memory means unlimited memory+swap */
    if (swap && !have_memsw) {
        if (swap != -1)
            return lcont__error_set(
                reterr, -EOPNOTSUPP,
                "linux.resources.memory.swap: the kernel has no swap accounting (no " MEMSW_LIMIT
                ")");
        swap = 0; /* unlimited is what we have anyway */
    }
    if (limit > 0 && swap > 0 && swap < limit)
        return lcont__error_set(reterr, -EINVAL,
                                "linux.resources.memory.swap (%" PRId64
                                ") must be >= memory.limit (%" PRId64
                                "): it is the memory+swap total",
                                swap, limit);
    r = memory_and_swap(h, limit, swap, reterr);
    if (r < 0)
        return r;
    if (res->has_memory_reservation && res->memory_reservation != 0) {
        r = mem_write(h, "memory.soft_limit_in_bytes", res->memory_reservation, reterr);
        if (r < 0)
            return r;
    }
    if (res->has_memory_swappiness) {
        if (res->memory_swappiness > 100)
            return lcont__error_set(
                reterr, -EINVAL, "linux.resources.memory.swappiness: %" PRIu64 " is not in 0..100",
                res->memory_swappiness);
        r = lcont__cgroup_write_u64(h, "memory.swappiness", res->memory_swappiness, reterr);
        if (r < 0)
            return r;
    }
    if (res->disable_oom_killer) {
        r = lcont__cgroup_write(h, "memory.oom_control", "1", reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- cpu ---- */

static int v1_cpu(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                  lcont_error **reterr)
{
    uint64_t period = res->has_cpu_period ? res->cpu_period : 0;
    int64_t quota = res->has_cpu_quota ? res->cpu_quota : 0;
    bool period_pending = false;
    int r;

    if (res->has_cpu_shares && res->cpu_shares != 0) {
        r = lcont__cgroup_write_u64(h, "cpu.shares", res->cpu_shares, reterr);
        if (r < 0)
            return r;
    }
    if (period != 0) {
        r = lcont__cgroup_write_u64(h, "cpu.cfs_period_us", period, NULL);
        /*
         * A shorter period can be refused (EINVAL) because the *old* quota
         * over the new period exceeds the parent's bandwidth; retry after
         * the new quota is in place (as runc does).
         */
        if (r == -EINVAL && quota)
            period_pending = true;
        else if (r < 0)
            return lcont__error_setsys(reterr, r, "cgroup: write cpu.cfs_period_us=%" PRIu64,
                                       period);
    }
    if (quota != 0) {
        r = lcont__cgroup_write_i64(h, "cpu.cfs_quota_us", quota, reterr);
        if (r < 0)
            return r;
        if (period_pending) {
            r = lcont__cgroup_write_u64(h, "cpu.cfs_period_us", period, reterr);
            if (r < 0)
                return r;
        }
    }
    /* the runtime budget is checked against the period: period first */
    if (res->has_cpu_realtime_period && res->cpu_realtime_period != 0) {
        r = lcont__cgroup_write_u64(h, "cpu.rt_period_us", res->cpu_realtime_period, reterr);
        if (r < 0)
            return r;
    }
    if (res->has_cpu_realtime_runtime && res->cpu_realtime_runtime != 0) {
        r = lcont__cgroup_write_i64(h, "cpu.rt_runtime_us", res->cpu_realtime_runtime, reterr);
        if (r < 0)
            return r;
    }
    if (res->has_cpu_idle) {
        r = lcont__cgroup_write_i64(h, "cpu.idle", res->cpu_idle, reterr);
        if (r < 0)
            return r;
    }
    if (res->has_cpu_burst) {
        r = lcont__cgroup_write_u64(h, "cpu.cfs_burst_us", res->cpu_burst, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

static int v1_cpuset(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                     lcont_error **reterr)
{
    int r;

    if (res->cpu_cpus && *res->cpu_cpus) {
        r = lcont__cgroup_write(h, "cpuset.cpus", res->cpu_cpus, reterr);
        if (r < 0)
            return r;
    }
    if (res->cpu_mems && *res->cpu_mems) {
        r = lcont__cgroup_write(h, "cpuset.mems", res->cpu_mems, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

static int v1_pids(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                   lcont_error **reterr)
{
    if (res->pids_limit <= 0)
        return lcont__cgroup_write(h, "pids.max", "max", reterr);
    return lcont__cgroup_write_i64(h, "pids.max", res->pids_limit, reterr);
}

/* ---- devices ---- */

static void format_id(char *buf, size_t size, int64_t id)
{
    if (id < 0)
        snprintf(buf, size, "*");
    else
        snprintf(buf, size, "%" PRId64, id);
}

static int v1_devices(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                      lcont_error **reterr)
{
    for (size_t i = 0; i < res->n_device_rules; i++) {
        const struct lcont_spec_device_rule *d = &res->device_rules[i];
        char major[24], minor[24], line[80];
        int r;

        format_id(major, sizeof(major), d->major);
        format_id(minor, sizeof(minor), d->minor);
        snprintf(line, sizeof(line), "%c %s:%s %s", d->type, major, minor,
                 d->access[0] ? d->access : "rwm");
        r = lcont__cgroup_write(h, d->allow ? "devices.allow" : "devices.deny", line, reterr);
        if (r < 0)
            return lcont__error_prefix(reterr, r, "linux.resources.devices[%zu]", i);
    }
    return 0;
}

/* ---- dispatch per controller ---- */

typedef int (*v1_fn)(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                     lcont_error **reterr);

/*
 * Apply one controller's part: on its v1 hierarchy; else, on hybrid hosts, on
 * the cgroup2 side when it lives there; else fail, as the limit would be lost.
 */
static int apply_controller(struct lcont_cgroup *cg, const char *controller, v1_fn v1, v1_fn v2,
                            const struct lcont_spec_resources *res, lcont_error **reterr)
{
    /* the one controller whose name changed in v2 */
    const char *v2_name = strcmp(controller, "blkio") == 0 ? "io" : controller;
    struct cg_hierarchy *h = lcont__cgroup_find_v1(cg, controller);
    int r;

    if (h) {
        r = lcont__cgroup_require_dir(h, cg->path, reterr);
        return r < 0 ? r : v1(h, res, reterr);
    }
    h = lcont__cgroup_find_v2(cg);
    if (h && lcont__cgroup_v2_has_controller(h, v2_name))
        return v2(h, res, reterr);
    return lcont__error_set(
        reterr, -EOPNOTSUPP,
        "cgroup: the '%s' controller is not mounted, cannot apply linux.resources for it",
        controller);
}

int lcont__cgroup_v1_apply(struct lcont_cgroup *cg, const struct lcont_spec_resources *res,
                           lcont_error **reterr)
{
    int r;

    if (lcont__cgroup_wants_memory(res)) {
        r = apply_controller(cg, "memory", v1_memory, lcont__cgroup_v2_memory, res, reterr);
        if (r < 0)
            return r;
    }
    if (lcont__cgroup_wants_cpu(res)) {
        r = apply_controller(cg, "cpu", v1_cpu, lcont__cgroup_v2_cpu, res, reterr);
        if (r < 0)
            return r;
    }
    if (lcont__cgroup_wants_cpuset(res)) {
        r = apply_controller(cg, "cpuset", v1_cpuset, lcont__cgroup_v2_cpuset, res, reterr);
        if (r < 0)
            return r;
    }
    if (res->has_pids_limit) {
        r = apply_controller(cg, "pids", v1_pids, lcont__cgroup_v2_pids, res, reterr);
        if (r < 0)
            return r;
    }
    if (lcont__cgroup_wants_io(res)) {
        r = apply_controller(cg, "blkio", lcont__cgroup_v1_blkio, lcont__cgroup_v2_io, res, reterr);
        if (r < 0)
            return r;
    }
    if (res->n_hugepage_limits > 0) {
        r = apply_controller(cg, "hugetlb", lcont__cgroup_hugetlb, lcont__cgroup_hugetlb, res,
                             reterr);
        if (r < 0)
            return r;
    }
    if (res->n_rdma_limits > 0) {
        r = apply_controller(cg, "rdma", lcont__cgroup_rdma, lcont__cgroup_rdma, res, reterr);
        if (r < 0)
            return r;
    }
    if (lcont__cgroup_wants_net(res)) {
        r = lcont__cgroup_v1_net(cg, res, reterr);
        if (r < 0)
            return r;
    }
    if (res->n_device_rules > 0) {
        struct cg_hierarchy *h = lcont__cgroup_find_v1(cg, "devices");
        if (!h) {
            /* hybrid without a v1 devices controller: the eBPF program on the cgroup2 side */
            h = lcont__cgroup_find_v2(cg);
            if (!h)
                return lcont__cgroup_devices_unenforced(res, reterr);
            return lcont__cgroup_bpf_devices_apply(h, cg->path, res->device_rules,
                                                   res->n_device_rules, reterr);
        }
        r = lcont__cgroup_require_dir(h, cg->path, reterr);
        if (r < 0)
            return r;
        r = v1_devices(h, res, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}
