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
#include <stdlib.h>
#include <string.h>

#include "service/maglev.h"

int lcont__maglev_build(const uint64_t *key_hashes, const uint32_t *weights, uint32_t n, uint32_t m,
                        uint32_t *table)
{
    if (n == 0 || m < 3)
        return -EINVAL;
    uint32_t *pos = malloc(n * sizeof(uint32_t) * 3);
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
    memset(table, 0xff, (size_t)m * sizeof(uint32_t));

    uint32_t filled = 0;
    while (filled < m) {
        for (uint32_t i = 0; i < n; i++) {
            if (weights && weights[i] != wmax) {
                credit[i] += weights[i];
                if (credit[i] < wmax)
                    continue;
                credit[i] -= wmax;
            }
            uint32_t c = pos[i];
            while (table[c] != MAGLEV_EMPTY) {
                c += skip[i];
                if (c >= m)
                    c -= m;
            }
            table[c] = i;
            c += skip[i];
            pos[i] = c >= m ? c - m : c;
            if (++filled == m)
                break;
        }
    }
    free(pos);
    return 0;
}
