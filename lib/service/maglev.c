/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Maglev lookup tables (Eisenbud et al., NSDI 2016, section 3.4) with
 * weights: each backend walks its own permutation of the table, given by an
 * offset and a skip derived from its name; in every round a backend claims
 * its next free slot when its weight credit allows (the heaviest backend
 * claims one per round). A backend's permutation depends only on its own
 * name, so removing one backend moves little more than its own slots.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "service/maglev.h"

/*
 * The fill loop probes random slots until every slot is taken; it is bound by
 * memory latency, so it runs on a table of the smallest entry type that
 * fits (uint16_t below 65535 backends: half the cache footprint), widened
 * at the end.
 */
#define DEFINE_FILL(name, type)                                                          \
    static void name(const uint32_t *weights, uint32_t n, uint32_t m, uint32_t wmax,     \
                     uint32_t *pos, const uint32_t *skip, uint32_t *credit, type *table) \
    {                                                                                    \
        const type empty = (type) ~(type)0;                                              \
        uint32_t filled = 0;                                                             \
        memset(table, 0xff, (size_t)m * sizeof(type));                                   \
        while (filled < m) {                                                             \
            for (uint32_t i = 0; i < n; i++) {                                           \
                if (weights && weights[i] != wmax) {                                     \
                    credit[i] += weights[i];                                             \
                    if (credit[i] < wmax)                                                \
                        continue;                                                        \
                    credit[i] -= wmax;                                                   \
                }                                                                        \
                uint32_t c = pos[i];                                                     \
                while (table[c] != empty) {                                              \
                    c += skip[i];                                                        \
                    if (c >= m)                                                          \
                        c -= m;                                                          \
                }                                                                        \
                table[c] = (type)i;                                                      \
                c += skip[i];                                                            \
                pos[i] = c >= m ? c - m : c;                                             \
                if (++filled == m)                                                       \
                    break;                                                               \
            }                                                                            \
        }                                                                                \
    }

DEFINE_FILL(fill16, uint16_t)
DEFINE_FILL(fill32, uint32_t)

int lcont__maglev_build(const uint64_t *key_hashes, const uint32_t *weights, uint32_t n, uint32_t m,
                        uint32_t *table)
{
    if (n == 0 || m < 3)
        return -EINVAL;
    bool narrow = n < UINT16_MAX;
    uint32_t *pos = malloc(n * sizeof(uint32_t) * 3 + (narrow ? (size_t)m * sizeof(uint16_t) : 0));
    if (!pos)
        return -ENOMEM;
    uint32_t *skip = pos + n, *credit = pos + 2 * n;
    uint32_t wmax = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t h = key_hashes[i];
        pos[i] = (uint32_t)(h % m);
        skip[i] = (uint32_t)(lcont__hash_mix64(h) % (m - 1)) + 1;
        credit[i] = 0;
        uint32_t w = weights ? weights[i] : 1;
        if (w > wmax)
            wmax = w;
    }
    if (wmax == 0)
        wmax = 1;
    if (narrow) {
        uint16_t *t16 = (uint16_t *)(credit + n);
        fill16(weights, n, m, wmax, pos, skip, credit, t16);
        for (uint32_t s = 0; s < m; s++)
            table[s] = t16[s];
    } else {
        fill32(weights, n, m, wmax, pos, skip, credit, table);
    }
    free(pos);
    return 0;
}
