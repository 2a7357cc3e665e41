/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Endpoint selection for a service: usable endpoints only (healthy, not ejected), picked round
 * robin, at random, or least-connections by the power of two choices. */
#include <stdlib.h>

#include "gw.h"
#include "table.h"

bool gw_endpoint_usable(struct gw_endpoint *e, int64_t now_ms)
{
    return atomic_load_explicit(&e->healthy, memory_order_relaxed) &&
           atomic_load_explicit(&e->ejected_until_ms, memory_order_relaxed) <= now_ms;
}

static uint64_t cheap_random(void)
{
    static _Thread_local uint64_t x;
    if (!x)
        x = (uint64_t)gw_now_us() ^ (uint64_t)(uintptr_t)&x;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

struct gw_endpoint *gw_upstream_pick(struct gw_service *s, const struct sockaddr *client,
                                     struct gw_endpoint *avoid)
{
    struct gw_endpoint *usable[256];
    size_t n = 0;
    int64_t now = gw_now_ms();
    if (s->table_file) {
        struct gw_endpoint *t = gw_table_pick(s, client, avoid);
        if (t) {
            atomic_fetch_add_explicit(&t->picks, 1, memory_order_relaxed);
            return t;
        }
    }
    if (s->wseq && s->picker != GW_PICK_LEAST) {
        /* weighted: walk the smooth sequence (or jump into it at random) to a usable one */
        uint64_t start = s->picker == GW_PICK_RANDOM
                             ? cheap_random()
                             : atomic_fetch_add_explicit(&s->stats->rr, 1, memory_order_relaxed);
        for (size_t k = 0; k < s->n_wseq; k++) {
            struct gw_endpoint *w = s->eps[s->wseq[(start + k) % s->n_wseq]];
            if (w != avoid && gw_endpoint_usable(w, now)) {
                atomic_fetch_add_explicit(&w->picks, 1, memory_order_relaxed);
                return w;
            }
        }
    }
    for (size_t i = 0; i < s->n_eps && n < ELEMS(usable); i++)
        if (gw_endpoint_usable(s->eps[i], now) && s->eps[i] != avoid)
            usable[n++] = s->eps[i];
    if (n == 0 && avoid && gw_endpoint_usable(avoid, now))
        usable[n++] = avoid;
    if (n == 0)
        return NULL;
    struct gw_endpoint *e;
    switch (s->picker) {
    case GW_PICK_RANDOM:
        e = usable[cheap_random() % n];
        break;
    case GW_PICK_LEAST: {
        /* two distinct candidates, the less busy one wins */
        size_t i = cheap_random() % n, j = n > 1 ? (i + 1 + cheap_random() % (n - 1)) % n : i;
        struct gw_endpoint *a = usable[i], *b = usable[j];
        e = atomic_load(&a->inflight) <= atomic_load(&b->inflight) ? a : b;
        break;
    }
    default:
        e = usable[atomic_fetch_add_explicit(&s->stats->rr, 1, memory_order_relaxed) % n];
        break;
    }
    atomic_fetch_add_explicit(&e->picks, 1, memory_order_relaxed);
    return e;
}

/* Passive outlier detection: N consecutive failures eject for a while; a success resets. */
void gw_upstream_report(struct gw_service *s, struct gw_endpoint *e, bool ok)
{
    if (ok) {
        atomic_store_explicit(&e->consecutive_failures, 0, memory_order_relaxed);
        return;
    }
    int n = atomic_fetch_add(&e->consecutive_failures, 1) + 1;
    if (s->outlier_failures > 0 && n >= s->outlier_failures) {
        atomic_store(&e->ejected_until_ms, gw_now_ms() + s->outlier_eject_ms);
        atomic_store(&e->consecutive_failures, 0);
        gw_log("endpoint %s of service %s ejected after %d failures", e->name, s->name, n);
    }
}

/* Retries in flight may not exceed budget% of active requests (at least min_concurrent), so a
 * failing backend does not see its load multiplied by the retry count. */
bool gw_retry_acquire(struct gw_service *s)
{
    int active = atomic_load(&s->stats->active_requests);
    int allowed = active * s->retry_budget_percent / 100;
    if (allowed < s->retry_min_concurrent)
        allowed = s->retry_min_concurrent;
    if (atomic_fetch_add(&s->stats->active_retries, 1) >= allowed) {
        atomic_fetch_sub(&s->stats->active_retries, 1);
        return false;
    }
    atomic_fetch_add(&s->stats->retries, 1);
    return true;
}

void gw_retry_release(struct gw_service *s)
{
    atomic_fetch_sub(&s->stats->active_retries, 1);
}
