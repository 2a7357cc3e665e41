/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshot building: kube-proxy's endpoint selection, per service port, into
 * a Cluster pool and a Local pool, plus each picker's precomputed data. Runs
 * in the writer only; the result is immutable once published.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "service/maglev.h"
#include "service/service-internal.h"

/* Fixed key: backend permutations must agree between processes (Maglev's point). */
static const struct lcont_hash_key backend_key = { 0x6c636f6e746d6167ULL, 0x6c6576322e303031ULL };

static const char *const picker_names[] = {
    [LCONT_SERVICE_PICKER_ROUND_ROBIN] = "round-robin",
    [LCONT_SERVICE_PICKER_WEIGHTED_RR] = "weighted-round-robin",
    [LCONT_SERVICE_PICKER_RANDOM] = "random",
    [LCONT_SERVICE_PICKER_LEAST_CONN] = "least-conn",
    [LCONT_SERVICE_PICKER_MAGLEV] = "maglev",
    [LCONT_SERVICE_PICKER_RING_HASH] = "ring-hash",
};

const char *lcont__service_picker_name(int picker)
{
    if (picker < 0 || (size_t)picker >= ELEMENTSOF(picker_names))
        return NULL;
    return picker_names[picker];
}

int lcont__service_picker_from_name(const char *s)
{
    for (size_t i = 0; s && i < ELEMENTSOF(picker_names); i++)
        if (strcmp(picker_names[i], s) == 0)
            return (int)i;
    return -EINVAL;
}

static void pool_free(struct pool *p)
{
    free(p->seq);
    free(p->maglev);
    free(p->ring);
}

void lcont__service_snap_free(void *v)
{
    struct snap *s = v;
    if (!s)
        return;
    for (size_t i = 0; i < s->n_ports; i++) {
        pool_free(&s->ports[i].cluster);
        pool_free(&s->ports[i].local);
    }
    free(s);
}

/* ---- the snapshot's single block ---- */

struct arena {
    char *base;
    size_t used, cap;
};

static void *arena_alloc(struct arena *a, size_t size)
{
    size_t at = (a->used + 15) & ~(size_t)15;
    if (at + size > a->cap)
        return NULL; /* sized in advance: cannot happen */
    a->used = at + size;
    return a->base + at;
}

/* ---- conditions (Kubernetes defaults for unset values) ---- */

static bool is_ready(const struct svc_conf *c, const struct ep_rec *e)
{
    return c->publish_not_ready || e->ready != LCONT_SERVICE_COND_FALSE;
}

static bool is_serving(const struct svc_conf *c, const struct ep_rec *e)
{
    if (c->publish_not_ready)
        return true;
    if (e->serving == LCONT_SERVICE_COND_UNSET)
        return e->ready != LCONT_SERVICE_COND_FALSE;
    return e->serving == LCONT_SERVICE_COND_TRUE;
}

static bool is_terminating(const struct ep_rec *e)
{
    return e->terminating == LCONT_SERVICE_COND_TRUE;
}

static bool strv_has(char *const *v, const char *s)
{
    for (; s && v && *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

static bool has_hints(const struct ep_rec *e)
{
    return (e->hint_zones && e->hint_zones[0]) || (e->hint_nodes && e->hint_nodes[0]);
}

/* Endpoint port serving service port @sp, or 0 when the endpoint does not serve it. */
static uint32_t resolve_port(const struct svc_port_rec *sp, const struct ep_rec *e)
{
    if (e->n_ports == 0)
        return sp->target_port ? sp->target_port : sp->port;
    for (size_t i = 0; i < e->n_ports; i++)
        if (e->ports[i].protocol == sp->protocol && strcmp(e->ports[i].name, sp->name) == 0)
            return e->ports[i].port;
    for (size_t i = 0; sp->target_port_name && i < e->n_ports; i++)
        if (e->ports[i].protocol == sp->protocol &&
            strcmp(e->ports[i].name, sp->target_port_name) == 0)
            return e->ports[i].port;
    return 0;
}

/* ---- picker data ---- */

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* Smooth weighted round robin (as nginx), unrolled into a sequence once. */
static int build_wrr(const struct snap *s, struct pool *p)
{
    uint64_t total = 0, g = 0;
    bool uniform = true;
    for (uint32_t i = 0; i < p->n; i++) {
        uint32_t w = p->m[i].weight;
        total += w;
        g = gcd64(g, w);
        if (w != p->m[0].weight)
            uniform = false;
    }
    if (uniform)
        return 0; /* plain rotation */
    uint64_t scale_num = 1, scale_den = g;
    if (total / g > WRR_SEQ_MAX) {
        scale_num = WRR_SEQ_MAX;
        scale_den = total;
    }
    int64_t *cur = calloc(p->n, sizeof(int64_t));
    int64_t *w = calloc(p->n, sizeof(int64_t));
    if (!cur || !w) {
        free(cur);
        free(w);
        return -ENOMEM;
    }
    int64_t sum = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        w[i] = (int64_t)(p->m[i].weight * scale_num / scale_den);
        if (w[i] < 1)
            w[i] = 1;
        sum += w[i];
    }
    p->seq = malloc((size_t)sum * sizeof(uint32_t));
    if (!p->seq) {
        free(cur);
        free(w);
        return -ENOMEM;
    }
    for (int64_t k = 0; k < sum; k++) {
        uint32_t best = 0;
        for (uint32_t i = 0; i < p->n; i++) {
            cur[i] += w[i];
            if (cur[i] > cur[best])
                best = i;
        }
        cur[best] -= sum;
        p->seq[k] = best;
    }
    p->n_seq = (uint32_t)sum;
    free(cur);
    free(w);
    return 0;
}

static int build_cum(struct arena *a, struct pool *p)
{
    p->cum = arena_alloc(a, p->n * sizeof(uint64_t));
    if (!p->cum)
        return -ENOMEM;
    uint64_t c = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        c += p->m[i].weight;
        p->cum[i] = c;
    }
    return 0;
}

static int build_maglev(const struct snap *s, const struct svc_conf *c, struct pool *p)
{
    uint64_t *keys = malloc(p->n * sizeof(uint64_t));
    uint32_t *w = malloc(p->n * sizeof(uint32_t));
    p->maglev = malloc((size_t)c->maglev_size * sizeof(uint32_t));
    int r = -ENOMEM;
    if (keys && w && p->maglev) {
        for (uint32_t i = 0; i < p->n; i++) {
            keys[i] = p->m[i].key_hash;
            w[i] = p->m[i].weight;
        }
        r = lcont__maglev_build(keys, w, p->n, c->maglev_size, p->maglev);
        p->maglev_size = c->maglev_size;
    }
    free(keys);
    free(w);
    return r;
}

static int ring_cmp(const void *a, const void *b)
{
    const struct ring_point *x = a, *y = b;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/*
 * Ring hash: RING_POINTS_PER_WEIGHT points per unit of weight, so an endpoint's
 * points depend on its own weight only and a removal moves exactly its flows
 * (scaled down only when the ring would exceed RING_POINTS_MAX).
 */
static int build_ring(const struct snap *s, struct pool *p)
{
    uint64_t total_w = 0;
    for (uint32_t i = 0; i < p->n; i++)
        total_w += p->m[i].weight;
    uint64_t num = RING_POINTS_PER_WEIGHT, den = 1;
    if (total_w * RING_POINTS_PER_WEIGHT > RING_POINTS_MAX) {
        num = RING_POINTS_MAX;
        den = total_w;
    }
    uint64_t npoints = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        uint64_t k = p->m[i].weight * num / den;
        npoints += k ? k : 1;
    }
    p->ring = malloc(npoints * sizeof(*p->ring));
    if (!p->ring)
        return -ENOMEM;
    uint64_t at = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        uint64_t k = p->m[i].weight * num / den;
        if (!k)
            k = 1;
        for (uint64_t j = 0; j < k; j++)
            p->ring[at++] = (struct ring_point){
                lcont__hash_mix64(p->m[i].key_hash + j * 0x9e3779b97f4a7c15ULL), i
            };
    }
    qsort(p->ring, npoints, sizeof(*p->ring), ring_cmp);
    p->n_ring = (uint32_t)npoints;
    return 0;
}

static int pool_finish(struct arena *a, const struct snap *s, const struct svc_conf *c,
                       struct pool *p)
{
    atomic_init(&p->counter, s->seed);
    if (p->n == 0)
        return 0;
    switch (c->picker) {
    case LCONT_SERVICE_PICKER_WEIGHTED_RR:
        return build_wrr(s, p);
    case LCONT_SERVICE_PICKER_RANDOM:
    case LCONT_SERVICE_PICKER_LEAST_CONN:
        return build_cum(a, p);
    case LCONT_SERVICE_PICKER_MAGLEV:
        return build_maglev(s, c, p);
    case LCONT_SERVICE_PICKER_RING_HASH:
        return build_ring(s, p);
    default:
        return 0;
    }
}

/* ---- selection ---- */

typedef bool (*ep_pred)(const lcont_service_table *t, const struct svc_conf *c,
                        const struct ep_rec *e);

static bool local(const lcont_service_table *t, const struct ep_rec *e)
{
    return t->host_node && e->node && strcmp(t->host_node, e->node) == 0;
}

static bool pred_ready(const lcont_service_table *t, const struct svc_conf *c,
                       const struct ep_rec *e)
{
    return is_ready(c, e);
}

static bool pred_serving_terminating(const lcont_service_table *t, const struct svc_conf *c,
                                     const struct ep_rec *e)
{
    return is_serving(c, e) && is_terminating(e);
}

static bool pred_hint_node(const lcont_service_table *t, const struct svc_conf *c,
                           const struct ep_rec *e)
{
    return is_ready(c, e) && strv_has(e->hint_nodes, t->host_node);
}

static bool pred_hint_zone(const lcont_service_table *t, const struct svc_conf *c,
                           const struct ep_rec *e)
{
    return is_ready(c, e) && strv_has(e->hint_zones, t->host_zone);
}

static bool pred_local_ready(const lcont_service_table *t, const struct svc_conf *c,
                             const struct ep_rec *e)
{
    return local(t, e) && is_ready(c, e);
}

static bool pred_local_serving_terminating(const lcont_service_table *t, const struct svc_conf *c,
                                           const struct ep_rec *e)
{
    return local(t, e) && is_serving(c, e) && is_terminating(e);
}

/* Members of @eligible (endpoint index -> port, 0 = not eligible) matching @pred. */
static uint32_t select_into(const lcont_service_table *t, const struct service *svc,
                            const struct snap *s, const uint32_t *eligible, ep_pred pred,
                            struct pool *p)
{
    uint32_t n = 0;
    for (size_t i = 0; i < svc->n_eps; i++)
        if (eligible[i] && pred(t, &svc->conf, &svc->eps[i])) {
            if (p) {
                const struct snap_ep *e = &s->eps[i];
                p->m[n] = (struct member){ .id = e->id,
                                           .slot = e->slot,
                                           .key_hash = e->key_hash,
                                           .family = (uint16_t)e->ip.family,
                                           .port = (uint16_t)eligible[i],
                                           .weight = e->weight };
                memcpy(p->m[n].addr, e->ip.a, 16);
            }
            n++;
        }
    if (p)
        p->n = n;
    return n;
}

static int pool_alloc(struct arena *a, struct pool *p, size_t n)
{
    p->m = arena_alloc(a, (n + 1) * sizeof(struct member));
    return p->m ? 0 : -ENOMEM;
}

/*
 * Topology hints are used only when every ready endpoint carries hints and at
 * least one hint names this node (forNodes, preferred) or zone (forZones);
 * otherwise they are ignored, as in kube-proxy.
 */
static ep_pred cluster_pred(const lcont_service_table *t, const struct service *svc,
                            const uint32_t *eligible)
{
    uint32_t ready = 0;
    bool all_hinted = true;
    for (size_t i = 0; i < svc->n_eps; i++)
        if (eligible[i] && is_ready(&svc->conf, &svc->eps[i])) {
            ready++;
            if (!has_hints(&svc->eps[i]))
                all_hinted = false;
        }
    if (ready == 0)
        return pred_serving_terminating; /* terminating fallback */
    if (all_hinted && t->host_node && select_into(t, svc, NULL, eligible, pred_hint_node, NULL) > 0)
        return pred_hint_node;
    if (all_hinted && t->host_zone && select_into(t, svc, NULL, eligible, pred_hint_zone, NULL) > 0)
        return pred_hint_zone;
    return pred_ready;
}

static int build_port(struct arena *a, const lcont_service_table *t, const struct service *svc,
                      struct snap *s, const struct svc_port_rec *sp, uint32_t *eligible,
                      struct snap_port *out)
{
    int r;
    out->protocol = sp->protocol;
    out->port = sp->port;
    out->node_port = svc->conf.type != LCONT_SERVICE_TYPE_CLUSTER_IP ? sp->node_port : 0;
    if (!(out->name = arena_alloc(a, strlen(sp->name) + 1)))
        return -ENOMEM;
    strcpy(out->name, sp->name);
    for (size_t i = 0; i < svc->n_eps; i++)
        eligible[i] = resolve_port(sp, &svc->eps[i]);

    if ((r = pool_alloc(a, &out->cluster, svc->n_eps)) < 0)
        return r;
    select_into(t, svc, s, eligible, cluster_pred(t, svc, eligible), &out->cluster);
    if ((r = pool_finish(a, s, &svc->conf, &out->cluster)) < 0)
        return r;

    /* Local pool: only needed when a policy asks for it. */
    bool want_local = svc->conf.itp == LCONT_SERVICE_TRAFFIC_LOCAL ||
                      svc->conf.etp == LCONT_SERVICE_TRAFFIC_LOCAL;
    if ((r = pool_alloc(a, &out->local, want_local ? svc->n_eps : 0)) < 0)
        return r;
    if (want_local && select_into(t, svc, s, eligible, pred_local_ready, &out->local) == 0)
        select_into(t, svc, s, eligible, pred_local_serving_terminating, &out->local);
    return pool_finish(a, s, &svc->conf, &out->local);
}

int lcont__service_snap_build(const lcont_service_table *t, const struct service *svc,
                              struct snap **ret)
{
    size_t np = svc->conf.n_ports, ne = svc->n_eps;
    /* Sized exactly (the block is what picks read; 30k services must stay compact). */
    bool local = svc->conf.itp == LCONT_SERVICE_TRAFFIC_LOCAL ||
                 svc->conf.etp == LCONT_SERVICE_TRAFFIC_LOCAL;
    bool cum = svc->conf.picker == LCONT_SERVICE_PICKER_RANDOM ||
               svc->conf.picker == LCONT_SERVICE_PICKER_LEAST_CONN;
    size_t per_pool = (ne + 1) * (sizeof(struct member) + (cum ? sizeof(uint64_t) : 0));
    size_t cap = sizeof(struct snap) + np * sizeof(struct snap_port) +
                 np * (per_pool + (local ? per_pool : sizeof(struct member))) + 16 * (3 + 5 * np);
    for (size_t i = 0; i < np; i++)
        cap += strlen(svc->conf.ports[i].name) + 1;
    struct arena a = { aligned_alloc(64, (cap + 63) & ~(size_t)63), 0, cap };
    _cleanup_free_ uint32_t *eligible = NULL;
    /* Endpoint data needed while building only: kept out of the block read by picks. */
    _cleanup_free_ struct snap_ep *eps = NULL;
    int r = -ENOMEM;
    struct snap *s = a.base ? arena_alloc(&a, sizeof(*s)) : NULL;
    if (!s) {
        free(a.base);
        return -ENOMEM;
    }
    memset(s, 0, sizeof(*s));
    s->service_id = svc->id;
    s->generation = atomic_load(&t->generation) + 1; /* as of the coming commit */
    s->picker = svc->conf.picker;
    s->affinity = svc->conf.affinity;
    s->affinity_timeout_ms = svc->conf.affinity_timeout * 1000u;
    s->itp = svc->conf.itp;
    s->etp = svc->conf.etp;
    s->headless = svc->conf.headless;
    s->seed = lcont__hash_mix64(svc->id ^ t->key.k0);
    s->aff = svc->aff;
    s->ports = arena_alloc(&a, np * sizeof(*s->ports));
    s->eps = eps = calloc(ne + 1, sizeof(*eps));
    eligible = calloc(ne + 1, sizeof(uint32_t));
    if (!eligible || !eps)
        goto fail;
    memset(s->ports, 0, np * sizeof(*s->ports));
    for (size_t i = 0; i < ne; i++) {
        const struct ep_rec *e = &svc->eps[i];
        struct snap_ep *se = &s->eps[i];
        se->id = e->id;
        se->slot = lcont__service_ep_slot(t, lcont__service_id_slot(e->id));
        se->ip = e->ip;
        se->weight = e->weight;
        se->key_hash = lcont__siphash13(&backend_key, e->address, strlen(e->address));
    }
    s->n_eps = ne;
    for (size_t i = 0; i < np; i++) {
        s->n_ports = i + 1;
        r = build_port(&a, t, svc, s, &svc->conf.ports[i], eligible, &s->ports[i]);
        if (r < 0)
            goto fail;
    }
    s->eps = NULL;
    s->n_eps = 0;
    s->block_size = (uint32_t)(a.used < UINT32_MAX ? a.used : UINT32_MAX);
    *ret = s;
    return 0;
fail:
    s->eps = NULL;
    lcont__service_snap_free(s);
    return r;
}
