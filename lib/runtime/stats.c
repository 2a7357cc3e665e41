/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont_container_get_stats_json(): cgroup counters in the shape of the "data" member of
 * runc's `events --stats` (Go's encoding: an "omitempty" number is left out when zero):
 * per-CPU usage (v1), blkio per device, hugetlb per page size.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "core/error-internal.h"
#include "core/util.h"
#include "runtime/container-internal.h"

/* Exact 64-bit numbers: cJSON's doubles would round limits such as 2^63 - 4096. */
static void add_u64(cJSON *o, const char *key, uint64_t v)
{
    char text[24];

    snprintf(text, sizeof(text), "%" PRIu64, v);
    cJSON_AddRawToObject(o, key, text);
}

static void add_u64_omitempty(cJSON *o, const char *key, uint64_t v)
{
    if (v)
        add_u64(o, key, v);
}

/* An array of exact numbers; left out when empty ("omitempty"). */
static void add_u64_array(cJSON *o, const char *key, const uint64_t *v, size_t n)
{
    cJSON *arr;

    if (!v || n == 0 || !(arr = cJSON_AddArrayToObject(o, key)))
        return;
    for (size_t i = 0; i < n; i++) {
        char text[24];
        snprintf(text, sizeof(text), "%" PRIu64, v[i]);
        cJSON_AddItemToArray(arr, cJSON_CreateRaw(text));
    }
}

static void add_cpu(cJSON *data, const struct lcont_cgroup_stats *s)
{
    cJSON *cpu = cJSON_AddObjectToObject(data, "cpu");
    cJSON *usage = cJSON_AddObjectToObject(cpu, "usage");
    cJSON *thr = cJSON_AddObjectToObject(cpu, "throttling");

    if (!usage || !thr)
        return;
    add_u64_omitempty(usage, "total", s->cpu_usage_ns);
    add_u64_array(usage, "percpu", s->cpu_percpu_ns, s->n_cpus);
    add_u64_array(usage, "percpu_kernel", s->cpu_percpu_system_ns, s->n_cpus);
    add_u64_array(usage, "percpu_user", s->cpu_percpu_user_ns, s->n_cpus);
    add_u64(usage, "kernel", s->cpu_system_ns);
    add_u64(usage, "user", s->cpu_user_ns);
    add_u64_omitempty(thr, "periods", s->cpu_periods);
    add_u64_omitempty(thr, "throttledPeriods", s->cpu_throttled_periods);
    add_u64_omitempty(thr, "throttledTime", s->cpu_throttled_ns);
}

static void add_memory_entry(cJSON *mem, const char *key, uint64_t limit, uint64_t usage,
                             uint64_t max, uint64_t failcnt)
{
    cJSON *e = cJSON_AddObjectToObject(mem, key);

    if (!e)
        return;
    add_u64(e, "limit", limit);
    add_u64_omitempty(e, "usage", usage);
    add_u64_omitempty(e, "max", max);
    add_u64(e, "failcnt", failcnt);
}

static void add_memory(cJSON *data, const struct lcont_cgroup_stats *s)
{
    static const struct {
        const char *name;
        size_t off;
    } raw_fields[] = {
        { "cache", offsetof(struct lcont_cgroup_stats, mem_cache) },
        { "rss", offsetof(struct lcont_cgroup_stats, mem_rss) },
        { "anon", offsetof(struct lcont_cgroup_stats, mem_anon) },
        { "file", offsetof(struct lcont_cgroup_stats, mem_file) },
        { "low", offsetof(struct lcont_cgroup_stats, mem_events_low) },
        { "high", offsetof(struct lcont_cgroup_stats, mem_events_high) },
        { "max", offsetof(struct lcont_cgroup_stats, mem_events_max) },
        { "oom", offsetof(struct lcont_cgroup_stats, mem_oom) },
        { "oom_kill", offsetof(struct lcont_cgroup_stats, mem_oom_kill) },
    };
    cJSON *mem = cJSON_AddObjectToObject(data, "memory"), *raw;

    if (!mem)
        return;
    add_u64_omitempty(mem, "cache", s->mem_cache);
    add_memory_entry(mem, "usage", s->mem_limit, s->mem_usage, s->mem_max_usage, 0);
    add_memory_entry(mem, "swap", s->mem_swap_limit, s->mem_swap_usage, 0, 0);
    add_memory_entry(mem, "kernel", 0, 0, 0, 0);
    add_memory_entry(mem, "kernelTCP", 0, 0, 0, 0);
    if (!s->has_memory)
        return;
    /* always present: "oom_kill" is how a caller woken by the OOM fd tells what happened */
    raw = cJSON_AddObjectToObject(mem, "raw");
    for (size_t i = 0; raw && i < ELEMENTSOF(raw_fields); i++)
        add_u64(raw, raw_fields[i].name, *(const uint64_t *)((const char *)s + raw_fields[i].off));
}

/* runc's blkio entries: per device, ops Read, Write and Total; left out when no device. */
static void add_blkio_entries(cJSON *blkio, const char *key, const struct lcont_cgroup_stats *s,
                              bool bytes)
{
    cJSON *arr;

    if (s->n_io_devs == 0 || !(arr = cJSON_AddArrayToObject(blkio, key)))
        return;
    for (size_t d = 0; d < s->n_io_devs; d++) {
        const struct lcont_cgroup_io_dev *dev = &s->io_devs[d];
        uint64_t read = bytes ? dev->read_bytes : dev->read_ios;
        uint64_t write = bytes ? dev->write_bytes : dev->write_ios;
        const struct {
            const char *op;
            uint64_t v;
        } ops[] = { { "Read", read }, { "Write", write }, { "Total", read + write } };

        for (size_t i = 0; i < ELEMENTSOF(ops); i++) {
            cJSON *e = cJSON_CreateObject();
            if (!e)
                return;
            add_u64(e, "major", dev->major);
            add_u64(e, "minor", dev->minor);
            cJSON_AddStringToObject(e, "op", ops[i].op);
            add_u64(e, "value", ops[i].v);
            cJSON_AddItemToArray(arr, e);
        }
    }
}

static void add_blkio(cJSON *data, const struct lcont_cgroup_stats *s)
{
    cJSON *blkio = cJSON_AddObjectToObject(data, "blkio");

    if (blkio && s->has_io) {
        add_blkio_entries(blkio, "ioServiceBytesRecursive", s, true);
        add_blkio_entries(blkio, "ioServicedRecursive", s, false);
    }
}

/* runc keys hugetlb by page size ("2MB"). */
static void add_hugetlb(cJSON *data, const struct lcont_cgroup_stats *s)
{
    cJSON *huge = cJSON_AddObjectToObject(data, "hugetlb");

    for (size_t i = 0; huge && s->has_hugetlb && i < s->n_hugetlb_sizes; i++) {
        const struct lcont_cgroup_hugetlb_size *hs = &s->hugetlb_sizes[i];
        cJSON *e = cJSON_AddObjectToObject(huge, hs->size);
        if (!e)
            return;
        add_u64_omitempty(e, "usage", hs->usage);
        add_u64_omitempty(e, "max", hs->max_usage);
        add_u64(e, "failcnt", hs->failcnt);
    }
}

static char *stats_to_json(const struct lcont_cgroup_stats *s)
{
    cJSON *data = cJSON_CreateObject(), *pids;
    char *text = NULL;

    if (!data)
        return NULL;
    add_cpu(data, s);
    add_memory(data, s);
    pids = cJSON_AddObjectToObject(data, "pids");
    if (pids) {
        add_u64_omitempty(pids, "current", s->pids_current);
        add_u64_omitempty(pids, "limit", s->pids_limit);
    }
    add_blkio(data, s);
    add_hugetlb(data, s);
    text = cJSON_PrintUnformatted(data);
    cJSON_Delete(data);
    return text;
}

int lcont_container_get_stats_json(lcont_container *c, uint64_t flags, char **ret_json,
                                   lcont_error **reterr)
{
    struct lcont_cgroup_stats stats = { 0 };
    struct lcont_cgroup *cg = NULL;
    char *text;
    int dirfd, r;

    if (!c || !ret_json || flags)
        return lcont__error_set(reterr, -EINVAL, "stats: invalid arguments");
    if (lcont__context_check_owner(c->ctx) < 0)
        return lcont__error_set(reterr, -ECHILD, "stats: handle used after fork");
    dirfd = lcont__container_lock(c, "stats", reterr);
    if (dirfd < 0)
        return dirfd;
    if (!c->state.cgroup_path)
        r = lcont__error_set(reterr, -ESRCH, "container has no cgroup");
    else
        r = lcont__cgroup_open(c->state.cgroup_path, &cg, reterr);
    if (r >= 0)
        r = lcont__cgroup_get_stats(cg, &stats, reterr);
    lcont__cgroup_free(cg);
    close(dirfd);
    if (r < 0) {
        lcont__cgroup_stats_clear(&stats);
        return lcont__error_prefix(reterr, r, "stats of '%s'", c->state.id);
    }
    text = stats_to_json(&stats);
    lcont__cgroup_stats_clear(&stats);
    if (!text)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    *ret_json = text;
    return 0;
}
