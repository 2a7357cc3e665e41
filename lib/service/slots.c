/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Chunked slot arrays: readers index them without locks; chunks are allocated
 * by the writer on demand, from the table's arena (huge pages, like the
 * snapshots they point to), and live as long as the table, so a reader never
 * touches freed slot memory. Service ids are (sequence << 32 | slot), never 0;
 * endpoint ids are built from them (lcont__service_ep_id), endpoint slots only
 * hold connection counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "service/service-internal.h"

struct ep_slot *lcont__service_ep_slot(const struct lcont_service_table *t, uint32_t idx)
{
    if (idx >= SLOT_MAX)
        return NULL;
    struct ep_slot *c =
        atomic_load_explicit(&t->ep_chunks[idx >> SLOT_CHUNK_BITS], memory_order_acquire);
    return c ? &c[idx & (SLOT_CHUNK_SIZE - 1)] : NULL;
}

uint64_t lcont__service_new_id(struct lcont_service_table *t, uint32_t idx)
{
    if (++t->id_seq == 0)
        t->id_seq = 1;
    return ((uint64_t)t->id_seq << 32) | idx;
}

static int push_free(uint32_t **arr, size_t *n, size_t *cap, uint32_t v)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        uint32_t *a = realloc(*arr, c * sizeof(*a));
        if (!a)
            return -ENOMEM;
        *arr = a;
        *cap = c;
    }
    (*arr)[(*n)++] = v;
    return 0;
}

int lcont__service_svc_slot_alloc(struct lcont_service_table *t, uint32_t *ret)
{
    if (t->n_svc_free > 0) {
        *ret = t->svc_free[--t->n_svc_free];
        return 0;
    }
    uint32_t idx = (uint32_t)t->n_svc_slots;
    if (idx >= SLOT_MAX)
        return -ENOSPC;
    /* Hot lines first: a reader that finds a slot finds its line. */
    if (!atomic_load(&t->hot_chunks[idx >> HOT_CHUNK_BITS])) {
        struct hot_line *h =
            lcont__arena_alloc(&t->arena, sizeof(struct hot_line) << HOT_CHUNK_BITS);
        if (!h)
            return -ENOMEM;
        memset(h, 0, sizeof(struct hot_line) << HOT_CHUNK_BITS);
        atomic_store_explicit(&t->hot_chunks[idx >> HOT_CHUNK_BITS], h, memory_order_release);
    }
    if (!atomic_load(&t->svc_chunks[idx >> SLOT_CHUNK_BITS])) {
        struct svc_slot *c = lcont__arena_alloc(&t->arena, SLOT_CHUNK_SIZE * sizeof(*c));
        if (!c)
            return -ENOMEM;
        memset(c, 0, SLOT_CHUNK_SIZE * sizeof(*c));
        atomic_store_explicit(&t->svc_chunks[idx >> SLOT_CHUNK_BITS], c, memory_order_release);
    }
    if (idx % SLOT_CHUNK_SIZE == 0 || !t->services) {
        struct service **s = realloc(t->services, (idx + SLOT_CHUNK_SIZE) * sizeof(*s));
        if (!s)
            return -ENOMEM;
        t->services = s;
    }
    t->services[idx] = NULL;
    t->n_svc_slots++;
    *ret = idx;
    return 0;
}

void lcont__service_svc_slot_release(struct lcont_service_table *t, uint32_t idx)
{
    /* On failure the slot is simply not reused. */
    (void)push_free(&t->svc_free, &t->n_svc_free, &t->cap_svc_free, idx);
}

int lcont__service_ep_slot_alloc(struct lcont_service_table *t, uint32_t *ret)
{
    uint32_t idx;
    if (t->n_ep_free > 0) {
        idx = t->ep_free[--t->n_ep_free];
    } else {
        idx = t->n_ep_slots;
        if (idx >= SLOT_MAX)
            return -ENOSPC;
        if (!atomic_load(&t->ep_chunks[idx >> SLOT_CHUNK_BITS])) {
            struct ep_slot *c = lcont__arena_alloc(&t->arena, SLOT_CHUNK_SIZE * sizeof(*c));
            if (!c)
                return -ENOMEM;
            for (uint32_t i = 0; i < SLOT_CHUNK_SIZE; i++)
                atomic_init(&c[i].conns, 0);
            atomic_store_explicit(&t->ep_chunks[idx >> SLOT_CHUNK_BITS], c, memory_order_release);
        }
        t->n_ep_slots++;
    }
    atomic_store(&lcont__service_ep_slot(t, idx)->conns, 0);
    *ret = idx;
    return 0;
}

void lcont__service_ep_slot_release(struct lcont_service_table *t, uint32_t idx)
{
    /* On failure the slot is simply not reused. */
    (void)push_free(&t->ep_free, &t->n_ep_free, &t->cap_ep_free, idx);
}

void lcont__service_slots_free(struct lcont_service_table *t)
{
    for (size_t i = 0; i < SLOT_CHUNKS; i++) {
        lcont__arena_free(&t->arena, atomic_load(&t->svc_chunks[i]),
                          SLOT_CHUNK_SIZE * sizeof(struct svc_slot));
        lcont__arena_free(&t->arena, atomic_load(&t->ep_chunks[i]),
                          SLOT_CHUNK_SIZE * sizeof(struct ep_slot));
    }
    for (size_t i = 0; i < SLOT_CHUNKS; i++)
        lcont__arena_free(&t->arena, atomic_load(&t->hot_chunks[i]),
                          sizeof(struct hot_line) << HOT_CHUNK_BITS);
    free(t->services);
    free(t->svc_free);
    free(t->ep_free);
}
