/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "linux.resources": memory, cpu, pids, the device allow list and unified.
 * blockIO, hugepageLimits, network and rdma are type-checked and otherwise
 * ignored for now (the model has no place for them yet).
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
    int64_t ignored = 0;
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

    /* Deprecated or advisory: accepted when well-typed, not applied. */
    if ((r = lcont__spec_get_i64(obj, P, "kernel", -1, INT64_MAX, &ignored, reterr)) < 0 ||
        (r = lcont__spec_get_i64(obj, P, "kernelTCP", -1, INT64_MAX, &ignored, reterr)) < 0 ||
        (r = lcont__spec_get_bool(obj, P, "useHierarchy", &ignored_bool, reterr)) < 0 ||
        (r = lcont__spec_get_bool(obj, P, "checkBeforeUpdate", &ignored_bool, reterr)) < 0)
        return r;
    return 0;
}

static int parse_cpu(const cJSON *obj, struct lcont_spec_resources *res, lcont_error **reterr)
{
    const char *P = RES ".cpu";
    uint64_t burst = 0;
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
    /* burst: not in the model yet. */
    r = lcont__spec_get_u64(obj, P, "burst", 0, UINT64_MAX, &burst, reterr);
    return r < 0 ? r : 0;
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

/* ---- type-checked, not applied yet ---- */

/* An array of objects whose members are all (optional unless listed) integers. */
struct int_field {
    const char *key;
    int64_t min;
    uint64_t max;
    bool required;
};

static int check_int_fields(const cJSON *obj, const char *path, const struct int_field *fields,
                            size_t n, lcont_error **reterr)
{
    for (size_t k = 0; k < n; k++) {
        const struct int_field *f = &fields[k];
        int r;
        if (f->min < 0) {
            int64_t v;
            r = lcont__spec_get_i64(obj, path, f->key, f->min, (int64_t)f->max, &v, reterr);
        } else {
            uint64_t v;
            r = lcont__spec_get_u64(obj, path, f->key, (uint64_t)f->min, f->max, &v, reterr);
        }
        if (r < 0)
            return r;
        if (r == 0 && f->required)
            return lcont__spec_missing(reterr, path, f->key);
    }
    return 0;
}

static int check_object_array(const cJSON *parent, const char *ppath, const char *key,
                              const struct int_field *fields, size_t n, lcont_error **reterr)
{
    const cJSON *arr = NULL;
    char apath[SPEC_PATH_SIZE];
    size_t i = 0;
    int r;

    r = lcont__spec_get_array(parent, ppath, key, &arr, reterr);
    if (r <= 0)
        return r;
    lcont__spec_path_member(apath, ppath, key);
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        char path[SPEC_PATH_SIZE];
        lcont__spec_path_index(path, apath, i);
        if ((r = lcont__spec_node_object(c, path, reterr)) < 0 ||
            (r = check_int_fields(c, path, fields, n, reterr)) < 0)
            return r;
    }
    return 0;
}

static int check_block_io(const cJSON *obj, lcont_error **reterr)
{
    const char *P = RES ".blockIO";
    static const struct int_field weights[] = {
        { "weight", 0, 65535, false },
        { "leafWeight", 0, 65535, false },
    };
    static const struct int_field weight_device[] = {
        { "major", INT64_MIN, INT64_MAX, true },
        { "minor", INT64_MIN, INT64_MAX, true },
        { "weight", 0, 65535, false },
        { "leafWeight", 0, 65535, false },
    };
    static const struct int_field throttle[] = {
        { "major", INT64_MIN, INT64_MAX, true },
        { "minor", INT64_MIN, INT64_MAX, true },
        { "rate", 0, UINT64_MAX, true },
    };
    static const char *const throttles[] = { "throttleReadBpsDevice", "throttleWriteBpsDevice",
                                             "throttleReadIOPSDevice", "throttleWriteIOPSDevice" };
    int r;

    r = check_int_fields(obj, P, weights, ELEMENTSOF(weights), reterr);
    if (r < 0)
        return r;
    r = check_object_array(obj, P, "weightDevice", weight_device, ELEMENTSOF(weight_device),
                           reterr);
    if (r < 0)
        return r;
    for (size_t k = 0; k < ELEMENTSOF(throttles); k++) {
        r = check_object_array(obj, P, throttles[k], throttle, ELEMENTSOF(throttle), reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

static int check_hugepages(const cJSON *arr, lcont_error **reterr)
{
    size_t i = 0;

    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        _cleanup_free_ char *size = NULL;
        char path[SPEC_PATH_SIZE];
        uint64_t limit;
        int r;

        lcont__spec_path_index(path, RES ".hugepageLimits", i);
        if ((r = lcont__spec_node_object(c, path, reterr)) < 0)
            return r;
        r = lcont__spec_need_string(c, path, "pageSize", &size, reterr);
        if (r < 0)
            return r;
        r = lcont__spec_need_u64(c, path, "limit", 0, UINT64_MAX, &limit, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

static int check_network(const cJSON *obj, lcont_error **reterr)
{
    const char *P = RES ".network";
    const cJSON *prios = NULL;
    uint64_t v;
    size_t i = 0;
    int r;

    r = lcont__spec_get_u64(obj, P, "classID", 0, SPEC_U32_MAX, &v, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_get_array(obj, P, "priorities", &prios, reterr);
    if (r <= 0)
        return r;
    for (const cJSON *c = prios->child; c; c = c->next, i++) {
        _cleanup_free_ char *name = NULL;
        char path[SPEC_PATH_SIZE];

        lcont__spec_path_index(path, RES ".network.priorities", i);
        if ((r = lcont__spec_node_object(c, path, reterr)) < 0)
            return r;
        r = lcont__spec_need_string(c, path, "name", &name, reterr);
        if (r < 0)
            return r;
        r = lcont__spec_need_u64(c, path, "priority", 0, SPEC_U32_MAX, &v, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

static int check_rdma(const cJSON *obj, lcont_error **reterr)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        char path[SPEC_PATH_SIZE];
        uint64_t v;
        int r, a, b;

        lcont__spec_path_member(path, RES ".rdma", c->string ? c->string : "");
        if (cJSON_IsNull(c))
            continue;
        if ((r = lcont__spec_node_object(c, path, reterr)) < 0)
            return r;
        if ((a = lcont__spec_get_u64(c, path, "hcaHandles", 0, SPEC_U32_MAX, &v, reterr)) < 0)
            return a;
        if ((b = lcont__spec_get_u64(c, path, "hcaObjects", 0, SPEC_U32_MAX, &v, reterr)) < 0)
            return b;
        if (a == 0 && b == 0)
            return lcont__error_set(reterr, -EINVAL,
                                    "%s: needs at least one of hcaHandles, hcaObjects", path);
    }
    return 0;
}

/* Sections of linux.resources that are stored in the spec, in the order they are read. */
static const struct {
    const char *key;
    bool is_array;
    int (*parse)(const cJSON *node, struct lcont_spec_resources *res, lcont_error **reterr);
} applied_sections[] = {
    { "memory", false, parse_memory },
    { "cpu", false, parse_cpu },
    { "pids", false, parse_pids },
    { "devices", true, parse_device_rules },
};

/* Sections that are only type-checked, read after "unified". */
static const struct {
    const char *key;
    bool is_array;
    int (*check)(const cJSON *node, lcont_error **reterr);
} checked_sections[] = {
    { "blockIO", false, check_block_io },
    { "hugepageLimits", true, check_hugepages },
    { "network", false, check_network },
    { "rdma", false, check_rdma },
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

    for (size_t k = 0; k < ELEMENTSOF(applied_sections); k++) {
        r = get_section(obj, applied_sections[k].key, applied_sections[k].is_array, &sub, reterr);
        if (r > 0)
            r = applied_sections[k].parse(sub, res, reterr);
        if (r < 0)
            return r;
    }
    r = parse_unified(obj, res, reterr);
    if (r < 0)
        return r;
    for (size_t k = 0; k < ELEMENTSOF(checked_sections); k++) {
        r = get_section(obj, checked_sections[k].key, checked_sections[k].is_array, &sub, reterr);
        if (r > 0)
            r = checked_sections[k].check(sub, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}
