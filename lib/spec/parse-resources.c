/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "linux.resources": memory, cpu, pids, the device rules, unified, blockIO,
 * hugepageLimits, network and rdma, into struct lcont_spec_resources. Values
 * are range-checked here; what the kernel accepts is checked by lib/cgroup.
 */
#include "spec/parse-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define RES "linux.resources"

/* ---- memory, cpu, pids ---- */

static int parse_memory(const cJSON *obj, struct lcont_spec_resources *res, lcont_error **reterr)
{
    const char *P = RES ".memory";
    bool ignored_bool = false;
    int r;

    r = lcont__spec_get_i64(obj, P, "limit", -1, INT64_MAX, &res->memory_limit, reterr);
    if (r < 0)
        return r;
    res->has_memory_limit = r > 0;
    r = lcont__spec_get_i64(obj, P, "reservation", -1, INT64_MAX, &res->memory_reservation, reterr);
    if (r < 0)
        return r;
    res->has_memory_reservation = r > 0;
    r = lcont__spec_get_i64(obj, P, "swap", -1, INT64_MAX, &res->memory_swap, reterr);
    if (r < 0)
        return r;
    res->has_memory_swap = r > 0;
    r = lcont__spec_get_u64(obj, P, "swappiness", 0, 100, &res->memory_swappiness, reterr);
    if (r < 0)
        return r;
    res->has_memory_swappiness = r > 0;
    r = lcont__spec_get_bool(obj, P, "disableOOMKiller", &res->disable_oom_killer, reterr);
    if (r < 0)
        return r;

    /* Kernel memory limits: the kernel dropped them (5.16/6.x); kept so callers can note it. */
    r = lcont__spec_get_i64(obj, P, "kernel", -1, INT64_MAX, &res->memory_kernel, reterr);
    if (r < 0)
        return r;
    res->has_memory_kernel = r > 0;
    r = lcont__spec_get_i64(obj, P, "kernelTCP", -1, INT64_MAX, &res->memory_kernel_tcp, reterr);
    if (r < 0)
        return r;
    res->has_memory_kernel_tcp = r > 0;
    r = lcont__spec_get_bool(obj, P, "checkBeforeUpdate", &res->memory_check_before_update, reterr);
    if (r < 0)
        return r;
    /* useHierarchy: always on in every kernel we support. */
    r = lcont__spec_get_bool(obj, P, "useHierarchy", &ignored_bool, reterr);
    return r < 0 ? r : 0;
}

static int parse_cpu(const cJSON *obj, struct lcont_spec_resources *res, lcont_error **reterr)
{
    const char *P = RES ".cpu";
    int r;

    r = lcont__spec_get_u64(obj, P, "shares", 0, UINT64_MAX, &res->cpu_shares, reterr);
    if (r < 0)
        return r;
    res->has_cpu_shares = r > 0;
    r = lcont__spec_get_i64(obj, P, "quota", -1, INT64_MAX, &res->cpu_quota, reterr);
    if (r < 0)
        return r;
    res->has_cpu_quota = r > 0;
    r = lcont__spec_get_u64(obj, P, "period", 0, UINT64_MAX, &res->cpu_period, reterr);
    if (r < 0)
        return r;
    res->has_cpu_period = r > 0;
    r = lcont__spec_get_i64(obj, P, "realtimeRuntime", -1, INT64_MAX, &res->cpu_realtime_runtime,
                            reterr);
    if (r < 0)
        return r;
    res->has_cpu_realtime_runtime = r > 0;
    r = lcont__spec_get_u64(obj, P, "realtimePeriod", 0, UINT64_MAX, &res->cpu_realtime_period,
                            reterr);
    if (r < 0)
        return r;
    res->has_cpu_realtime_period = r > 0;
    /* 0: default weight, 1: SCHED_IDLE for the cgroup. */
    r = lcont__spec_get_i64(obj, P, "idle", 0, 1, &res->cpu_idle, reterr);
    if (r < 0)
        return r;
    res->has_cpu_idle = r > 0;
    if ((r = lcont__spec_get_string(obj, P, "cpus", &res->cpu_cpus, reterr)) < 0 ||
        (r = lcont__spec_get_string(obj, P, "mems", &res->cpu_mems, reterr)) < 0)
        return r;
    r = lcont__spec_get_u64(obj, P, "burst", 0, UINT64_MAX, &res->cpu_burst, reterr);
    if (r < 0)
        return r;
    res->has_cpu_burst = r > 0;
    return 0;
}

static int parse_pids(const cJSON *obj, struct lcont_spec_resources *res, lcont_error **reterr)
{
    int r = lcont__spec_need_i64(obj, RES ".pids", "limit", INT64_MIN, INT64_MAX, &res->pids_limit,
                                 reterr);
    if (r < 0)
        return r;
    res->has_pids_limit = true;
    return 0;
}

/* ---- device allow list ---- */

static int parse_device_rule(const cJSON *obj, const char *path, struct lcont_spec_device_rule *d,
                             lcont_error **reterr)
{
    _cleanup_free_ char *type = NULL, *access = NULL;
    bool want[3] = { false, false, false };
    size_t n = 0;
    int r;

    r = lcont__spec_node_object(obj, path, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_need_bool(obj, path, "allow", &d->allow, reterr);
    if (r < 0)
        return r;

    d->type = 'a';
    r = lcont__spec_get_string(obj, path, "type", &type, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        if (strlen(type) != 1 || !strchr("acb", type[0]))
            return lcont__error_set(reterr, -EINVAL, "%s.type: unknown device type '%s'", path,
                                    type);
        d->type = type[0];
    }

    d->major = d->minor = -1;
    if ((r = lcont__spec_get_i64(obj, path, "major", -1, (int64_t)SPEC_U32_MAX, &d->major,
                                 reterr)) < 0 ||
        (r = lcont__spec_get_i64(obj, path, "minor", -1, (int64_t)SPEC_U32_MAX, &d->minor,
                                 reterr)) < 0)
        return r;

    /* Absent access means all of "rwm"; the stored form is always in r, w, m order. */
    r = lcont__spec_get_string(obj, path, "access", &access, reterr);
    if (r < 0)
        return r;
    if (r == 0) {
        memcpy(d->access, "rwm", 4);
        return 0;
    }
    for (const char *p = access; *p; p++) {
        const char *at = strchr("rwm", *p);
        if (!at)
            return lcont__error_set(reterr, -EINVAL,
                                    "%s.access: must be a non-empty combination of 'r', 'w', 'm'",
                                    path);
        want[at - "rwm"] = true;
    }
    if (!*access)
        return lcont__error_set(
            reterr, -EINVAL, "%s.access: must be a non-empty combination of 'r', 'w', 'm'", path);
    for (int k = 0; k < 3; k++)
        if (want[k])
            d->access[n++] = "rwm"[k];
    d->access[n] = '\0';
    return 0;
}

static int parse_device_rules(const cJSON *arr, struct lcont_spec_resources *res,
                              lcont_error **reterr)
{
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;

    res->device_rules = calloc(n ? n : 1, sizeof(*res->device_rules));
    if (!res->device_rules)
        return lcont__error_set(reterr, -ENOMEM, RES ".devices: out of memory");
    res->n_device_rules = n;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        char path[SPEC_PATH_SIZE];
        int r;
        lcont__spec_path_index(path, RES ".devices", i);
        r = parse_device_rule(c, path, &res->device_rules[i], reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- unified ---- */

/* Each key names a file in the container's cgroup directory: no slashes, no dot names. */
static bool unified_key_valid(const char *key)
{
    return *key && !strchr(key, '/') && strcmp(key, ".") != 0 && strcmp(key, "..") != 0;
}

static int parse_unified(const cJSON *obj, struct lcont_spec_resources *res, lcont_error **reterr)
{
    int r = lcont__spec_get_kv(obj, RES, "unified", &res->unified, &res->n_unified, reterr);
    if (r <= 0)
        return r;
    for (size_t i = 0; i < res->n_unified; i++)
        if (!unified_key_valid(res->unified[i].key)) {
            char path[SPEC_PATH_SIZE];
            lcont__spec_path_member(path, RES ".unified", res->unified[i].key);
            return lcont__error_set(reterr, -EINVAL, "%s: must be a cgroup file name", path);
        }
    return 0;
}

/* ---- blockIO ---- */

/* A fresh zeroed array for @n elements of @size (at least one, so NULL means out of memory). */
static void *alloc_array(size_t n, size_t size, const char *path, lcont_error **reterr)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        lcont__error_set(reterr, -ENOMEM, "%s: out of memory", path);
    return p;
}

static int get_major_minor(const cJSON *obj, const char *path, int64_t *major, int64_t *minor,
                           lcont_error **reterr)
{
    int r = lcont__spec_need_i64(obj, path, "major", INT64_MIN, INT64_MAX, major, reterr);
    if (r < 0)
        return r;
    return lcont__spec_need_i64(obj, path, "minor", INT64_MIN, INT64_MAX, minor, reterr);
}

static int get_weight(const cJSON *obj, const char *path, const char *key, bool *has, uint16_t *ret,
                      lcont_error **reterr)
{
    uint64_t v = 0;
    int r = lcont__spec_get_u64(obj, path, key, 0, 65535, &v, reterr);
    if (r < 0)
        return r;
    *has = r > 0;
    *ret = (uint16_t)v;
    return 0;
}

static int parse_weight_devices(const cJSON *obj, struct lcont_spec_resources *res,
                                lcont_error **reterr)
{
    const char *P = RES ".blockIO.weightDevice";
    const cJSON *arr = NULL;
    size_t i = 0;
    int r;

    r = lcont__spec_get_array(obj, RES ".blockIO", "weightDevice", &arr, reterr);
    if (r <= 0)
        return r;
    res->n_blkio_weight_devices = (size_t)cJSON_GetArraySize(arr);
    res->blkio_weight_devices =
        alloc_array(res->n_blkio_weight_devices, sizeof(*res->blkio_weight_devices), P, reterr);
    if (!res->blkio_weight_devices)
        return -ENOMEM;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        struct lcont_spec_blkio_weight_device *d = &res->blkio_weight_devices[i];
        char path[SPEC_PATH_SIZE];

        lcont__spec_path_index(path, P, i);
        if ((r = lcont__spec_node_object(c, path, reterr)) < 0 ||
            (r = get_major_minor(c, path, &d->major, &d->minor, reterr)) < 0 ||
            (r = get_weight(c, path, "weight", &d->has_weight, &d->weight, reterr)) < 0 ||
            (r = get_weight(c, path, "leafWeight", &d->has_leaf_weight, &d->leaf_weight, reterr)) <
                0)
            return r;
    }
    return 0;
}

static const char *const throttle_keys[LCONT_BLKIO_THROTTLE_COUNT] = {
    [LCONT_BLKIO_READ_BPS] = "throttleReadBpsDevice",
    [LCONT_BLKIO_WRITE_BPS] = "throttleWriteBpsDevice",
    [LCONT_BLKIO_READ_IOPS] = "throttleReadIOPSDevice",
    [LCONT_BLKIO_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

static int parse_throttle(const cJSON *obj, int k, struct lcont_spec_resources *res,
                          lcont_error **reterr)
{
    const cJSON *arr = NULL;
    char apath[SPEC_PATH_SIZE];
    size_t i = 0;
    int r;

    r = lcont__spec_get_array(obj, RES ".blockIO", throttle_keys[k], &arr, reterr);
    if (r <= 0)
        return r;
    lcont__spec_path_member(apath, RES ".blockIO", throttle_keys[k]);
    res->n_blkio_throttle[k] = (size_t)cJSON_GetArraySize(arr);
    res->blkio_throttle[k] =
        alloc_array(res->n_blkio_throttle[k], sizeof(*res->blkio_throttle[k]), apath, reterr);
    if (!res->blkio_throttle[k])
        return -ENOMEM;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        struct lcont_spec_blkio_throttle_device *d = &res->blkio_throttle[k][i];
        char path[SPEC_PATH_SIZE];

        lcont__spec_path_index(path, apath, i);
        if ((r = lcont__spec_node_object(c, path, reterr)) < 0 ||
            (r = get_major_minor(c, path, &d->major, &d->minor, reterr)) < 0 ||
            (r = lcont__spec_need_u64(c, path, "rate", 0, UINT64_MAX, &d->rate, reterr)) < 0)
            return r;
    }
    return 0;
}

static int parse_block_io(const cJSON *obj, struct lcont_spec_resources *res, lcont_error **reterr)
{
    const char *P = RES ".blockIO";
    int r;

    if ((r = get_weight(obj, P, "weight", &res->has_blkio_weight, &res->blkio_weight, reterr)) <
            0 ||
        (r = get_weight(obj, P, "leafWeight", &res->has_blkio_leaf_weight, &res->blkio_leaf_weight,
                        reterr)) < 0 ||
        (r = parse_weight_devices(obj, res, reterr)) < 0)
        return r;
    for (int k = 0; k < LCONT_BLKIO_THROTTLE_COUNT; k++) {
        r = parse_throttle(obj, k, res, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- hugepageLimits, network, rdma ---- */

static int parse_hugepages(const cJSON *arr, struct lcont_spec_resources *res, lcont_error **reterr)
{
    size_t i = 0;

    res->n_hugepage_limits = (size_t)cJSON_GetArraySize(arr);
    res->hugepage_limits = alloc_array(res->n_hugepage_limits, sizeof(*res->hugepage_limits),
                                       RES ".hugepageLimits", reterr);
    if (!res->hugepage_limits)
        return -ENOMEM;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        struct lcont_spec_hugepage_limit *h = &res->hugepage_limits[i];
        char path[SPEC_PATH_SIZE];
        int r;

        lcont__spec_path_index(path, RES ".hugepageLimits", i);
        if ((r = lcont__spec_node_object(c, path, reterr)) < 0 ||
            (r = lcont__spec_need_string(c, path, "pageSize", &h->page_size, reterr)) < 0 ||
            (r = lcont__spec_need_u64(c, path, "limit", 0, UINT64_MAX, &h->limit, reterr)) < 0)
            return r;
        /* becomes part of a file name: "hugetlb.<size>.max" */
        if (!*h->page_size || strchr(h->page_size, '/') || strchr(h->page_size, '.'))
            return lcont__error_set(reterr, -EINVAL, "%s.pageSize: '%s' is not a page size", path,
                                    h->page_size);
    }
    return 0;
}

static int parse_network(const cJSON *obj, struct lcont_spec_resources *res, lcont_error **reterr)
{
    const char *P = RES ".network";
    const cJSON *prios = NULL;
    uint64_t v;
    size_t i = 0;
    int r;

    r = lcont__spec_get_u64(obj, P, "classID", 0, SPEC_U32_MAX, &v, reterr);
    if (r < 0)
        return r;
    res->has_net_class_id = r > 0;
    res->net_class_id = (uint32_t)v;
    r = lcont__spec_get_array(obj, P, "priorities", &prios, reterr);
    if (r <= 0)
        return r;
    res->n_net_priorities = (size_t)cJSON_GetArraySize(prios);
    res->net_priorities = alloc_array(res->n_net_priorities, sizeof(*res->net_priorities),
                                      RES ".network.priorities", reterr);
    if (!res->net_priorities)
        return -ENOMEM;
    for (const cJSON *c = prios->child; c; c = c->next, i++) {
        struct lcont_spec_net_priority *p = &res->net_priorities[i];
        char path[SPEC_PATH_SIZE];

        lcont__spec_path_index(path, RES ".network.priorities", i);
        if ((r = lcont__spec_node_object(c, path, reterr)) < 0 ||
            (r = lcont__spec_need_string(c, path, "name", &p->name, reterr)) < 0 ||
            (r = lcont__spec_need_u64(c, path, "priority", 0, SPEC_U32_MAX, &v, reterr)) < 0)
            return r;
        p->priority = (uint32_t)v;
        /* written as "<name> <prio>" into net_prio.ifpriomap */
        if (!*p->name || p->name[strcspn(p->name, " \t\n")])
            return lcont__error_set(reterr, -EINVAL, "%s.name: '%s' is not an interface name", path,
                                    p->name);
    }
    return 0;
}

static int parse_rdma(const cJSON *obj, struct lcont_spec_resources *res, lcont_error **reterr)
{
    size_t n = 0;

    for (const cJSON *c = obj->child; c; c = c->next)
        n += !cJSON_IsNull(c);
    res->rdma_limits = alloc_array(n, sizeof(*res->rdma_limits), RES ".rdma", reterr);
    if (!res->rdma_limits)
        return -ENOMEM;
    for (const cJSON *c = obj->child; c; c = c->next) {
        struct lcont_spec_rdma_limit *l = &res->rdma_limits[res->n_rdma_limits];
        const char *name = c->string ? c->string : "";
        char path[SPEC_PATH_SIZE];
        uint64_t v;
        int r;

        lcont__spec_path_member(path, RES ".rdma", name);
        if (cJSON_IsNull(c))
            continue;
        if ((r = lcont__spec_node_object(c, path, reterr)) < 0)
            return r;
        if (!*name || name[strcspn(name, " \t\n")])
            return lcont__error_set(reterr, -EINVAL, "%s: '%s' is not an RDMA device name", path,
                                    name);
        l->device = strdup(name);
        if (!l->device)
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", path);
        res->n_rdma_limits++;
        if ((r = lcont__spec_get_u64(c, path, "hcaHandles", 0, SPEC_U32_MAX, &v, reterr)) < 0)
            return r;
        l->has_hca_handles = r > 0;
        l->hca_handles = (uint32_t)v;
        if ((r = lcont__spec_get_u64(c, path, "hcaObjects", 0, SPEC_U32_MAX, &v, reterr)) < 0)
            return r;
        l->has_hca_objects = r > 0;
        l->hca_objects = (uint32_t)v;
        if (!l->has_hca_handles && !l->has_hca_objects)
            return lcont__error_set(reterr, -EINVAL,
                                    "%s: needs at least one of hcaHandles, hcaObjects", path);
    }
    return 0;
}

/* Sections of linux.resources, in the order they are read ("unified" comes after these). */
static const struct {
    const char *key;
    bool is_array;
    int (*parse)(const cJSON *node, struct lcont_spec_resources *res, lcont_error **reterr);
} sections[] = {
    { "memory", false, parse_memory },    { "cpu", false, parse_cpu },
    { "pids", false, parse_pids },        { "devices", true, parse_device_rules },
    { "blockIO", false, parse_block_io }, { "hugepageLimits", true, parse_hugepages },
    { "network", false, parse_network },  { "rdma", false, parse_rdma },
};

/* Member @key of linux.resources, type-checked; 0 when absent, 1 when *ret was set. */
static int get_section(const cJSON *obj, const char *key, bool is_array, const cJSON **ret,
                       lcont_error **reterr)
{
    if (is_array)
        return lcont__spec_get_array(obj, RES, key, ret, reterr);
    return lcont__spec_get_object(obj, RES, key, ret, reterr);
}

int lcont__spec_parse_resources(const cJSON *obj, struct lcont_spec_resources *res,
                                lcont_error **reterr)
{
    const cJSON *sub;
    int r;

    for (size_t k = 0; k < ELEMENTSOF(sections); k++) {
        r = get_section(obj, sections[k].key, sections[k].is_array, &sub, reterr);
        if (r > 0)
            r = sections[k].parse(sub, res, reterr);
        if (r < 0)
            return r;
    }
    return parse_unified(obj, res, reterr);
}
