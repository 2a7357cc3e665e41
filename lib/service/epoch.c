/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Deferred freeing for lock-free readers (scheme described in service-internal.h). */
#include <errno.h>
#include <stdlib.h>

#include "service/service-internal.h"

static uint64_t readers_of(struct lcont_service_table *t, unsigned parity)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < EPOCH_STRIPES; i++)
        sum += atomic_load(&t->stripes[parity][i].readers);
    return sum;
}

/* Advance the epoch if no reader of the previous parity is left. */
static void try_advance(struct lcont_service_table *t)
{
    uint64_t e = atomic_load(&t->epoch);
    if (readers_of(t, (unsigned)((e + 1) & 1)) == 0)
        atomic_store(&t->epoch, e + 1);
}

int lcont__service_retire(struct lcont_service_table *t, void *p, retire_fn free_fn)
{
    if (!p)
        return 0;
    if (t->n_retired == t->cap_retired) {
        size_t cap = t->cap_retired ? t->cap_retired * 2 : 64;
        struct retired *n = realloc(t->retired, cap * sizeof(*n));
        if (!n) {
            /* Cannot defer: wait for readers to drain instead of leaking or freeing early. */
            for (;;) {
                uint64_t e = atomic_load(&t->epoch);
                try_advance(t);
                try_advance(t);
                if (atomic_load(&t->epoch) >= e + 2)
                    break;
            }
            free_fn(t, p);
            return 0;
        }
        t->retired = n;
        t->cap_retired = cap;
    }
    t->retired[t->n_retired++] = (struct retired){ p, free_fn, atomic_load(&t->epoch) };
    return 0;
}

size_t lcont__service_reclaim(struct lcont_service_table *t)
{
    if (t->n_retired == 0)
        return 0;
    try_advance(t);
    try_advance(t);
    uint64_t now = atomic_load(&t->epoch);
    size_t kept = 0;
    for (size_t i = 0; i < t->n_retired; i++) {
        struct retired *r = &t->retired[i];
        if (r->epoch + 2 <= now)
            r->free_fn(t, r->p);
        else
            t->retired[kept++] = *r;
    }
    t->n_retired = kept;
    return kept;
}

/* Table teardown: no reader can be inside any more. */
void lcont__service_reclaim_all(struct lcont_service_table *t)
{
    for (size_t i = 0; i < t->n_retired; i++)
        t->retired[i].free_fn(t, t->retired[i].p);
    free(t->retired);
    t->retired = NULL;
    t->n_retired = t->cap_retired = 0;
}
