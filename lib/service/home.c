/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshot homes (see service-internal.h). A home is written only while no
 * reader can see it. An update builds the new snapshot in an arena block,
 * swaps the slot's pointer and retires the home like any retired object (free
 * two epochs later); once that grace period is over, the current snapshot is
 * copied back into the home and the pointer swapped again. Without readers in
 * the middle of a pick, both swaps happen in the same writer call; otherwise
 * the move waits for a later one. A snapshot that does not fit stays out.
 */
#include <errno.h>
#include <stdlib.h>

#include "service/service-internal.h"

char *lcont__service_home_if_free(struct lcont_service_table *t, uint32_t idx)
{
    if (idx >= t->n_svc_slots || t->home_free_at[idx] > atomic_load(&t->epoch))
        return NULL;
    return lcont__service_home(t, idx);
}

static void wait_for_home(struct lcont_service_table *t, uint32_t idx)
{
    if (t->n_homeless == t->cap_homeless) {
        size_t cap = t->cap_homeless ? t->cap_homeless * 2 : 64;
        uint32_t *n = realloc(t->homeless, cap * sizeof(*n));
        if (!n)
            return; /* the snapshot stays out of its home: slower picks, nothing else */
        t->homeless = n;
        t->cap_homeless = cap;
    }
    t->homeless[t->n_homeless++] = idx;
}

void lcont__service_snap_replace(struct lcont_service_table *t, uint32_t idx, uintptr_t tagged)
{
    struct svc_slot *slot = lcont__service_svc_slot(t, idx);
    struct snap *n = lcont__service_snap_untag(tagged);
    if (n && n->in_home)
        t->home_free_at[idx] = UINT64_MAX;
    struct snap *old = lcont__service_snap_untag(atomic_exchange(&slot->snap, tagged));
    /* The same rule as lcont__service_reclaim: retired in epoch e, free at e + 2. */
    if (old && old->in_home)
        t->home_free_at[idx] = atomic_load(&t->epoch) + 2;
    lcont__service_retire(t, old, lcont__service_snap_free);
    if (n && !n->in_home && n->block_size <= HOME_SIZE)
        wait_for_home(t, idx);
}

size_t lcont__service_homes_settle(struct lcont_service_table *t)
{
    size_t moved = 0, kept = 0;
    for (size_t i = 0; i < t->n_homeless; i++) {
        uint32_t idx = t->homeless[i];
        struct svc_slot *slot = lcont__service_svc_slot(t, idx);
        struct snap *cur = slot ? lcont__service_snap_untag(atomic_load(&slot->snap)) : NULL;
        if (!cur || cur->in_home || cur->block_size > HOME_SIZE)
            continue; /* removed, already home, or replaced by a bigger one */
        char *home = lcont__service_home_if_free(t, idx);
        if (!home) {
            t->homeless[kept++] = idx;
            continue;
        }
        struct snap *copy = lcont__service_snap_copy(home, cur);
        t->home_free_at[idx] = UINT64_MAX;
        atomic_store(&slot->snap, lcont__service_snap_tag(copy));
        /* The picker tables now belong to the copy. */
        lcont__service_retire(t, cur, lcont__service_snap_block_free);
        moved++;
    }
    t->n_homeless = kept;
    return moved;
}
