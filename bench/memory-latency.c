/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cost of one dependent random load from DRAM on this machine: a pointer chase through a
 * random cycle over 256 MiB. It bounds what any lookup that misses every cache can achieve
 * (docs/benchmarks.md, service table). Prints one JSON line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void)
{
    size_t n = (256u << 20) / sizeof(void *), steps = 20000000;
    void **slots = malloc(n * sizeof(*slots));
    size_t *order = malloc(n * sizeof(*order));
    uint64_t x = 0x9e3779b97f4a7c15u;
    struct timespec t0, t1;
    void **p;

    if (!slots || !order)
        return 1;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates with xorshift */
        size_t j, t;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        j = x % (i + 1);
        t = order[i], order[i] = order[j], order[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        slots[order[i]] = &slots[order[(i + 1) % n]];
    p = &slots[order[0]];
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < steps; i++)
        p = *p;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("{\"bench\":\"memory-latency\",\"dependent_load_ns\":%.1f,\"sink\":%d}\n",
           ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / steps,
           p != NULL);
    return 0;
}
