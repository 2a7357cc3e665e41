/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hot lines, the writer's side (see service-internal.h; readers are in
 * pick.c). Every published snapshot rewrites its slot's line: the members of
 * a simple service, or generation 0 (use the snapshot) for any other.
 */
#include <string.h>
#include <sys/socket.h>

#include "service/service-internal.h"

#define RELAXED memory_order_relaxed
#define RELEASE memory_order_release

/* The snapshot's picks can be answered from a hot line alone. */
static bool hot_fits(const struct snap *s)
{
    if (!s || s->headless || s->affinity || s->n_ports != 1 ||
        s->itp != LCONT_SERVICE_TRAFFIC_CLUSTER)
        return false;
    const struct pool *p = &s->ports[0].cluster;
    if (p->n == 0 || p->n > HOT_MEMBERS)
        return false;
    switch (s->picker) {
    case LCONT_SERVICE_PICKER_ROUND_ROBIN:
        break;
    case LCONT_SERVICE_PICKER_WEIGHTED_RR:
        if (p->tab.seq)
            return false; /* unequal weights: a sequence, not a rotation */
        break;
    case LCONT_SERVICE_PICKER_RANDOM:
        for (uint32_t i = 1; i < p->n; i++)
            if (p->tab.cum[i] - p->tab.cum[i - 1] != p->tab.cum[0])
                return false; /* unequal weights */
        break;
    default:
        return false;
    }
    for (uint32_t i = 0; i < p->n; i++)
        if (p->m[i].family != AF_INET || p->m[i].port != p->m[0].port)
            return false;
    return true;
}

/*
 * The writer of a sequence lock: generation 0 first (readers that see it, or
 * see it change while they read, leave the line alone), the fields, then the
 * new generation. Every field store is a release: a reader whose acquire load
 * sees any new field also sees the 0 stored before it when it reads the
 * generation again. (On x86-64 release stores and acquire loads are plain
 * moves; unlike fences, ThreadSanitizer understands them.)
 */
static void hot_write(struct hot_line *h, const struct snap *s, bool fits)
{
    atomic_store_explicit(&h->generation, 0, RELAXED);
    if (!fits)
        return;
    const struct snap_port *sp = &s->ports[0];
    const struct pool *p = &sp->cluster;
    /* The rotation goes on where it was; a new service starts from its pool's seed. */
    if (atomic_load_explicit(&h->svc_seq, RELAXED) != (uint32_t)(s->service_id >> 32))
        atomic_store_explicit(&h->counter, (uint32_t)atomic_load_explicit(&p->counter, RELAXED),
                              RELEASE);
    atomic_store_explicit(&h->svc_seq, (uint32_t)(s->service_id >> 32), RELEASE);
    atomic_store_explicit(&h->port, sp->port, RELEASE);
    atomic_store_explicit(&h->node_port, sp->node_port, RELEASE);
    atomic_store_explicit(&h->ep_port, p->m[0].port, RELEASE);
    atomic_store_explicit(&h->n, (uint8_t)p->n, RELEASE);
    atomic_store_explicit(&h->flags,
                          (s->picker == LCONT_SERVICE_PICKER_RANDOM ? HOT_RANDOM : 0) |
                              (s->etp == LCONT_SERVICE_TRAFFIC_LOCAL ? HOT_ETP_LOCAL : 0),
                          RELEASE);
    for (uint32_t i = 0; i < HOT_MEMBERS; i++) {
        uint32_t a = 0;
        if (i < p->n)
            memcpy(&a, p->m[i].addr, 4);
        atomic_store_explicit(&h->addr[i], a, RELEASE);
    }
    atomic_store_explicit(&h->generation, s->generation, memory_order_release);
}

void lcont__service_snap_replace(struct lcont_service_table *t, uint32_t idx, struct snap *n)
{
    struct svc_slot *slot = lcont__service_svc_slot(t, idx);
    struct hot_line *h = lcont__service_hot_line(t, idx);
    bool fits = hot_fits(n);
    /* The line follows the snapshot: a pick answered by either sees this change or the last. */
    struct snap *old =
        lcont__service_snap_untag(atomic_exchange(&slot->snap, lcont__service_snap_tag(n)));
    hot_write(h, n, fits);
    lcont__service_retire(t, old, lcont__service_snap_free);
}
