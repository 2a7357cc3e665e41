/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Service table: pick latency with 30k services x 10 endpoints, the cost of
 * one endpoint update, and a full load of 10k x 10 (from the JSON format and
 * through the API). No peer library is installed for this; goals are from
 * issue 5.
 *
 * What the pick figures mean: every pick asks for a service drawn at random
 * (splitmix64) among all 30k, so its data is usually not in the L1/L2 and a
 * pick pays for the cache misses a real gateway pays; each pick is timed on
 * its own (a clock_gettime pair, whose median cost is subtracted) and p50/p99
 * are over 1M picks, counted in a histogram of 1 ns buckets: an array of 1M
 * samples would be 8 MB of stores during the loop, evicting the very data the
 * picks read (a gateway's own memory traffic is not the benchmark's to add).
 * The same over 1000 services shows the code path when the data is
 * cache-resident. Neither warms or prefetches anything for the
 * library. The untimed mean is this thread's CPU time over 1M picks.
 *
 * Update: a weight flip of one endpoint of a random service, timed per call
 * (20k calls), once while a listener holds the notification fd (the eventfd
 * is written on every change; the headline figure) and once with nobody
 * listening (no eventfd write). Loads are CPU time, so that other processes
 * on a shared machine do not count.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lcont/lcont.h>

#include "bench-common.h"
#include "core/hash.h"

static void ep_addr(char *buf, size_t size, size_t svc, size_t ep)
{
    size_t v = svc * 16 + ep;
    snprintf(buf, size, "10.%zu.%zu.%zu", (v >> 16) & 255, (v >> 8) & 255, v & 255);
}

static uint64_t *load_api(lcont_service_table *t, size_t nsvc, size_t neps, double *ret_ms)
{
    uint64_t *ids = malloc(nsvc * sizeof(uint64_t));
    lcont_service_port port = { .name = "http", .port = 80, .target_port = 8080 };
    char name[32], addrs[16][32];
    lcont_endpoint_desc eps[16];
    uint64_t a = cpu_ns();
    for (size_t s = 0; s < nsvc; s++) {
        lcont_service_desc d = LCONT_SERVICE_DESC_INIT;
        snprintf(name, sizeof(name), "svc-%zu", s);
        d.name = name;
        d.ports = &port;
        d.n_ports = 1;
        if (lcont_service_add(t, &d, 0, &ids[s], NULL) < 0)
            abort();
        for (size_t e = 0; e < neps; e++) {
            ep_addr(addrs[e], sizeof(addrs[e]), s, e);
            eps[e] = (lcont_endpoint_desc)LCONT_ENDPOINT_DESC_INIT;
            eps[e].address = addrs[e];
        }
        if (lcont_service_set_endpoints(t, ids[s], eps, neps, 0, NULL) < 0)
            abort();
    }
    *ret_ms = (double)(cpu_ns() - a) / 1e6;
    return ids;
}

static char *table_json(size_t nsvc, size_t neps)
{
    size_t cap = nsvc * (200 + neps * 40) + 100, len = 0;
    char *buf = malloc(cap), addr[32];
    len += (size_t)snprintf(buf + len, cap - len, "{\"services\":[");
    for (size_t s = 0; s < nsvc; s++) {
        len += (size_t)snprintf(buf + len, cap - len,
                                "%s{\"name\":\"svc-%zu\",\"ports\":[{\"name\":\"http\",\"port\":80,"
                                "\"targetPort\":8080}],\"endpoints\":[",
                                s ? "," : "", s);
        for (size_t e = 0; e < neps; e++) {
            ep_addr(addr, sizeof(addr), s, e);
            len += (size_t)snprintf(buf + len, cap - len, "%s{\"address\":\"%s\"}", e ? "," : "",
                                    addr);
        }
        len += (size_t)snprintf(buf + len, cap - len, "]}");
    }
    snprintf(buf + len, cap - len, "]}");
    return buf;
}

/* Resident set size in KiB (from /proc/self/statm). */
static long rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "re");
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* @n upserts of one endpoint each into @lat (ns); @fd >= 0: drain it every 64 calls, untimed. */
static void update_loop(lcont_service_table *t, const uint64_t *ids, size_t nsvc, size_t neps,
                        uint64_t *rng, int fd, uint64_t *lat, size_t n)
{
    char addr[32];
    for (size_t i = 0; i < n; i++) {
        *rng = lcont__hash_mix64(*rng);
        size_t s = *rng % nsvc;
        ep_addr(addr, sizeof(addr), s, (*rng >> 20) % neps);
        lcont_endpoint_desc ep = LCONT_ENDPOINT_DESC_INIT;
        ep.address = addr;
        ep.weight = 1 + (uint32_t)(i & 1);
        uint64_t b = now_ns();
        if (lcont_service_upsert_endpoint(t, ids[s], &ep, 0, NULL, NULL) < 0)
            abort();
        lat[i] = now_ns() - b;
        uint64_t v;
        if (fd >= 0 && i % 64 == 63 && read(fd, &v, sizeof(v)) != sizeof(v))
            abort(); /* 64 changes happened: the fd must be readable */
    }
}

/*
 * @n timed picks of a random service among the first @nsvc, into p50/p99 (ns).
 * With @floor, instead of a pick one load from a random 64-byte line of it
 * (@nsvc lines: the size of the hot lines), timed the same way: what the
 * memory alone costs at that moment on this shared machine.
 */
static void pick_loop(lcont_service_table *t, const uint64_t *ids, size_t nsvc, uint64_t *rng,
                      const volatile uint64_t *floor, uint64_t overhead, size_t n,
                      uint64_t *ret_p50, uint64_t *ret_p99)
{
    enum {
        BUCKETS = 100000
    }; /* 1 ns each; the last one collects the rest */
    uint32_t *hist = calloc(BUCKETS, sizeof(uint32_t));
    if (!hist)
        abort();
    for (size_t i = 0; i < n; i++) {
        *rng = lcont__hash_mix64(*rng);
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        uint64_t id = ids[*rng % nsvc];
        uint64_t a = now_ns();
        if (floor)
            p.port = (uint32_t)floor[(*rng % nsvc) * 8];
        else if (lcont_service_pick(t, id, NULL, 0, NULL, *rng, 0, &p) < 0)
            abort();
        uint64_t d = now_ns() - a;
        d = d > overhead ? d - overhead : 0;
        hist[d < BUCKETS ? d : BUCKETS - 1]++;
    }
    uint64_t seen = 0;
    *ret_p50 = *ret_p99 = BUCKETS - 1;
    for (size_t b = 0; b < BUCKETS; b++) {
        seen += hist[b];
        if (seen * 2 >= n && *ret_p50 == BUCKETS - 1)
            *ret_p50 = b;
        if (seen * 100 >= n * 99) {
            *ret_p99 = b;
            break;
        }
    }
    free(hist);
}

int main(void)
{
    enum {
        NSVC = 30000,
        NEPS = 10,
        PICKS = 1000000,
        UPDATES = 20000
    };
    lcont_service_table *t = NULL;
    if (lcont_service_table_new(0, &t, NULL) < 0)
        return 1;
    double load30k_ms;
    long rss0 = rss_kb();
    uint64_t *ids = load_api(t, NSVC, NEPS, &load30k_ms);
    double table_mib = (double)(rss_kb() - rss0) / 1024; /* ids[] included: 0.23 MiB */

    /* Timer overhead, subtracted from each sample. */
    uint64_t *lat = malloc(PICKS * sizeof(uint64_t));
    for (size_t i = 0; i < PICKS; i++) {
        uint64_t a = now_ns();
        lat[i] = now_ns() - a;
    }
    uint64_t overhead = percentile(lat, PICKS, 0.5);

    uint64_t rng = 1, p50, p99, hot50, hot99, f50[2], f99[2];
    uint64_t *floor = malloc(NSVC * 64);
    if (!floor)
        abort();
    memset(floor, 1, NSVC * 64); /* real pages, not the shared zero page */
    pick_loop(t, ids, NSVC, &rng, floor, overhead, PICKS, &f50[0], &f99[0]);
    pick_loop(t, ids, NSVC, &rng, NULL, overhead, PICKS, &p50, &p99);
    pick_loop(t, ids, NSVC, &rng, floor, overhead, PICKS, &f50[1], &f99[1]);
    free(floor);
    /* The same over 1000 services only (cache-resident): the code path without DRAM misses. */
    pick_loop(t, ids, 1000, &rng, NULL, overhead, PICKS, &hot50, &hot99);

    /* Throughput without per-pick timers, in this thread's CPU time. */
    uint64_t a = cpu_ns();
    for (size_t i = 0; i < PICKS; i++) {
        rng = lcont__hash_mix64(rng);
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        lcont_service_pick(t, ids[rng % NSVC], NULL, 0, NULL, rng, 0, &p);
    }
    double pick_avg = (double)(cpu_ns() - a) / PICKS;

    /* One endpoint changes (weight flip) in a random service: nobody listening first. */
    update_loop(t, ids, NSVC, NEPS, &rng, -1, lat, UPDATES);
    double quiet_p50 = (double)percentile(lat, UPDATES, 0.5) / 1e3;
    double quiet_p99 = (double)percentile(lat, UPDATES, 0.99) / 1e3;
    /* The same while a listener holds the notification fd (drained untimed). */
    int fd = lcont_service_table_get_notify_fd(t);
    if (fd < 0)
        abort();
    update_loop(t, ids, NSVC, NEPS, &rng, fd, lat, UPDATES);
    double upd_p50 = (double)percentile(lat, UPDATES, 0.5) / 1e3;
    double upd_p99 = (double)percentile(lat, UPDATES, 0.99) / 1e3;
    lcont_service_table_unref(t);
    free(ids);

    /* Full load of 10k x 10: from JSON (parse included) and through the API. */
    char *json = table_json(10000, NEPS);
    if (lcont_service_table_new(0, &t, NULL) < 0)
        return 1;
    a = cpu_ns();
    lcont_error *err = NULL;
    if (lcont_service_table_load_json(t, json, 0, &err) < 0) {
        fprintf(stderr, "load: %s\n", lcont_error_message(err));
        return 1;
    }
    double load_json_ms = (double)(cpu_ns() - a) / 1e6;
    lcont_service_table_unref(t);
    free(json);
    if (lcont_service_table_new(0, &t, NULL) < 0)
        return 1;
    double load_api_ms;
    free(load_api(t, 10000, NEPS, &load_api_ms));
    lcont_service_table_unref(t);

    printf("pick, 30k services x 10 endpoints, round robin, random service per pick:\n"
           "  p50 %llu ns, p99 %llu ns (timer overhead %llu ns subtracted; goal p99 <= 200 ns),"
           " mean %.1f ns untimed (CPU time)\n",
           (unsigned long long)p50, (unsigned long long)p99, (unsigned long long)overhead,
           pick_avg);
    printf("  memory alone, one random load over 30k x 64 bytes (before/after): p50 %llu/%llu ns, "
           "p99 %llu/%llu ns\n",
           (unsigned long long)f50[0], (unsigned long long)f50[1], (unsigned long long)f99[0],
           (unsigned long long)f99[1]);
    printf("pick over 1000 services (cache-resident): p50 %llu ns, p99 %llu ns\n",
           (unsigned long long)hot50, (unsigned long long)hot99);
    printf(
        "one-endpoint update: p50 %.2f us, p99 %.2f us with a listener on the notify fd (goal <= "
        "10 us); p50 %.2f us, p99 %.2f us without\n",
        upd_p50, upd_p99, quiet_p50, quiet_p99);
    printf("full load 10k x 10: JSON %.0f ms, API %.0f ms (goal <= 1000 ms); 30k x 10 API %.0f "
           "ms, %.1f MiB resident\n",
           load_json_ms, load_api_ms, load30k_ms, table_mib);
    printf("{\"bench\":\"table\",\"pick_p50_ns\":%llu,\"pick_p99_ns\":%llu,\"pick_mean_ns\":%.1f,"
           "\"pick_hot_p50_ns\":%llu,\"pick_hot_p99_ns\":%llu,\"update_p50_us\":%.2f,\"update_p99_"
           "us\":%.2f,\"update_nolisten_p50_us\":%.2f,\"update_nolisten_p99_us\":%.2f,"
           "\"load_10k_json_ms\":%.0f,\"load_10k_api_ms\":%.0f,\"memory_p99_ns\":%llu,"
           "\"table_30k_mib\":%.1f,\"peer\":null}\n",
           (unsigned long long)p50, (unsigned long long)p99, pick_avg, (unsigned long long)hot50,
           (unsigned long long)hot99, upd_p50, upd_p99, quiet_p50, quiet_p99, load_json_ms,
           load_api_ms, (unsigned long long)((f99[0] + f99[1]) / 2), table_mib);
    free(lat);
    return 0;
}
