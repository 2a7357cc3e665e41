/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cost of one dependent random load on this machine: a pointer chase through a random cycle
 * over a buffer, on 4 KiB pages and on transparent huge pages (madvise(MADV_HUGEPAGE)), over
 * 256 MiB (DRAM) and over 16 MiB (fits the L3). It bounds what any lookup that misses every
 * cache can achieve and shows how much of it is TLB misses (docs/benchmarks.md, service table).
 *
 * usage: memory-latency [MIB...]      (default: 256 16). Prints one JSON line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define HUGE_SIZE (2u << 20)

/* A 2 MiB-aligned anonymous mapping, so that THP can back all of it. */
static void **map_buffer(size_t bytes, int huge)
{
    size_t len = bytes + HUGE_SIZE;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    char *a = (char *)(((uintptr_t)p + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1));
    if (a > p)
        munmap(p, (size_t)(a - p));
    munmap(a + bytes, (size_t)(p + len - (a + bytes)));
    (void)madvise(a, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    return (void **)a;
}

static double chase_ns(size_t bytes, int huge)
{
    size_t n = bytes / sizeof(void *), steps = 5000000;
    void **slots = map_buffer(bytes, huge);
    size_t *order = malloc(n * sizeof(*order));
    uint64_t x = 0x9e3779b97f4a7c15u;
    struct timespec t0, t1;
    void **p;

    if (!slots || !order)
        exit(1);
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
    free(order);
    p = &slots[0];
    for (size_t i = 0; i < n / 4; i++) /* warm the caches and TLB as far as they go */
        p = *p;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < steps; i++)
        p = *p;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (p == NULL)
        exit(1);
    munmap(slots, bytes);
    return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / steps;
}

int main(int argc, char **argv)
{
    static const char *const dflt[] = { "256", "16" };
    const char *const *sizes = argc > 1 ? (const char *const *)argv + 1 : dflt;
    int n = argc > 1 ? argc - 1 : 2;

    printf("{\"bench\":\"memory-latency\"");
    for (int i = 0; i < n; i++) {
        size_t mib = strtoul(sizes[i], NULL, 10);
        if (mib < 1)
            return 2;
        double small = chase_ns(mib << 20, 0), huge = chase_ns(mib << 20, 1);
        printf(",\"dependent_load_%zumib_4k_ns\":%.1f,\"dependent_load_%zumib_thp_ns\":%.1f", mib,
               small, mib, huge);
    }
    printf("}\n");
    return 0;
}
