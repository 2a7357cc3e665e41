/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_SERVICE_MAGLEV_H
#define LCONT_SERVICE_MAGLEV_H

#include <stdint.h>

#include "core/hash.h"

#define MAGLEV_EMPTY UINT32_MAX

/*
 * Fill @table (@m entries, @m prime) with backend indices 0..n-1. Backends
 * are named by @key_hashes (stable per backend); @weights may be NULL (all 1).
 * @return 0, -EINVAL, -ENOMEM.
 */
int lcont__maglev_build(const uint64_t *key_hashes, const uint32_t *weights, uint32_t n, uint32_t m,
                        uint32_t *table);

/* The backend for a flow hash. */
static inline uint32_t lcont__maglev_lookup(const uint32_t *table, uint32_t m, uint64_t hash)
{
    return table[lcont__hash_range(hash, m)];
}

#endif
