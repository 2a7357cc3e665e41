/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshot building: kube-proxy's endpoint selection, per service port, into
 * a Cluster pool and a Local pool, plus each picker's precomputed data. Runs
 * in the writer only; the result is immutable once published.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

uint64_t lcont__service_backend_hash(const char *address)
{
    return lcont__siphash13(&backend_key, address, strlen(address));
}

static void pool_free(lcont_service_table *t, int picker, struct pool *p)
{
    switch (picker) {
    case LCONT_SERVICE_PICKER_WEIGHTED_RR:
        lcont__arena_free(&t->arena, p->tab.seq, (size_t)p->n_tab * sizeof(uint32_t));
        break;
    case LCONT_SERVICE_PICKER_MAGLEV:
        lcont__arena_free(&t->arena, p->tab.maglev, (size_t)p->n_tab * sizeof(uint32_t));
        break;
    case LCONT_SERVICE_PICKER_RING_HASH:
        lcont__arena_free(&t->arena, p->tab.ring, (size_t)p->n_tab * sizeof(struct ring_point));
        break;
    default:
        break; /* cumulative weights live in the block */
    }
}

void lcont__service_snap_free(lcont_service_table *t, void *v)
{
    struct snap *s = v;
    if (!s)
        return;
    for (size_t i = 0; i < s->n_ports; i++) {
        pool_free(t, s->picker, &s->ports[i].cluster);
        pool_free(t, s->picker, &s->ports[i].local);
    }
    lcont__arena_free(&t->arena, s, s->block_size);
}

uintptr_t lcont__service_snap_tag(const struct snap *s)
{
    return s ? (uintptr_t)s | s->prefetch_lines : 0;
}

/* ---- building: the block is carved in order (header, ports, pools, names) ---- */

struct build {
    lcont_service_table *t;
    const struct service *svc;
    uint64_t seed;
    char *at, *end; /* the unused part of the block */
    /* per member of the pool being built: address hash (Maglev, ring), weight */
    uint64_t *keys;
    uint32_t *weights;
};

static void *block_alloc(struct build *b, size_t size)
{
    char *p = (char *)(((uintptr_t)b->at + 7) & ~(uintptr_t)7);
    if (size > (size_t)(b->end - p))
        return NULL; /* sized in advance: cannot happen */
    b->at = p + size;
    return p;
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
static int build_wrr(struct build *b, struct pool *p)
{
    uint64_t total = 0, g = 0;
    bool uniform = true;
    for (uint32_t i = 0; i < p->n; i++) {
        uint32_t w = b->weights[i];
        total += w;
        g = gcd64(g, w);
        if (w != b->weights[0])
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
        w[i] = (int64_t)(b->weights[i] * scale_num / scale_den);
        if (w[i] < 1)
            w[i] = 1;
        sum += w[i];
    }
    uint32_t *seq = lcont__arena_alloc(&b->t->arena, (size_t)sum * sizeof(uint32_t));
    if (!seq) {
        free(cur);
        free(w);
        return -ENOMEM;
    }
    p->tab.seq = seq;
    p->n_tab = (uint32_t)sum;
    for (int64_t k = 0; k < sum; k++) {
        uint32_t best = 0;
        for (uint32_t i = 0; i < p->n; i++) {
            cur[i] += w[i];
            if (cur[i] > cur[best])
                best = i;
        }
        cur[best] -= sum;
        seq[k] = best;
    }
    free(cur);
    free(w);
    return 0;
}

static int build_cum(struct build *b, struct pool *p)
{
    uint64_t *cum = block_alloc(b, p->n * sizeof(uint64_t));
    if (!cum)
        return -ENOMEM;
    uint64_t c = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        c += b->weights[i];
        cum[i] = c;
    }
    p->tab.cum = cum;
    return 0;
}

static int build_maglev(struct build *b, struct pool *p)
{
    uint32_t size = b->svc->conf.maglev_size;
    uint32_t *table = lcont__arena_alloc(&b->t->arena, (size_t)size * sizeof(uint32_t));
    if (!table)
        return -ENOMEM;
    p->tab.maglev = table;
    p->n_tab = size;
    return lcont__maglev_build(b->keys, b->weights, p->n, size, table);
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
static int build_ring(struct build *b, struct pool *p)
{
    uint64_t total_w = 0;
    for (uint32_t i = 0; i < p->n; i++)
        total_w += b->weights[i];
    uint64_t num = RING_POINTS_PER_WEIGHT, den = 1;
    if (total_w * RING_POINTS_PER_WEIGHT > RING_POINTS_MAX) {
        num = RING_POINTS_MAX;
        den = total_w;
    }
    uint64_t npoints = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        uint64_t k = b->weights[i] * num / den;
        npoints += k ? k : 1;
    }
    struct ring_point *ring = lcont__arena_alloc(&b->t->arena, npoints * sizeof(*ring));
    if (!ring)
        return -ENOMEM;
    p->tab.ring = ring;
    p->n_tab = (uint32_t)npoints;
    uint64_t at = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        uint64_t k = b->weights[i] * num / den;
        if (!k)
            k = 1;
        for (uint64_t j = 0; j < k; j++)
            ring[at++] =
                (struct ring_point){ lcont__hash_mix64(b->keys[i] + j * 0x9e3779b97f4a7c15ULL), i };
    }
    qsort(ring, npoints, sizeof(*ring), ring_cmp);
    return 0;
}

static int pool_finish(struct build *b, struct pool *p)
{
    atomic_init(&p->counter, b->seed);
    if (p->n == 0)
        return 0;
    switch (b->svc->conf.picker) {
    case LCONT_SERVICE_PICKER_WEIGHTED_RR:
        return build_wrr(b, p);
    case LCONT_SERVICE_PICKER_RANDOM:
    case LCONT_SERVICE_PICKER_LEAST_CONN:
        return build_cum(b, p);
    case LCONT_SERVICE_PICKER_MAGLEV:
        return build_maglev(b, p);
    case LCONT_SERVICE_PICKER_RING_HASH:
        return build_ring(b, p);
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

/*
 * Members of @eligible (endpoint index -> port, 0 = not eligible) matching
 * @pred, into @p when given (and their address hashes into @keys when given).
 */
static uint32_t select_into(const lcont_service_table *t, const struct service *svc,
                            const uint32_t *eligible, ep_pred pred, struct pool *p, struct build *b)
{
    uint32_t n = 0;
    for (size_t i = 0; i < svc->n_eps; i++)
        if (eligible[i] && pred(t, &svc->conf, &svc->eps[i])) {
            const struct ep_rec *e = &svc->eps[i];
            if (p) {
                struct member *m = &p->m[n];
                m->id = e->id;
                m->ep_slot = e->ep_slot;
                m->family = (uint16_t)e->ip.family;
                m->port = (uint16_t)eligible[i];
                memcpy(m->addr, e->ip.a, 16);
                b->weights[n] = e->weight;
                if (b->keys)
                    b->keys[n] = e->key_hash;
            }
            n++;
        }
    if (p)
        p->n = n;
    return n;
}

static int pool_alloc(struct build *b, struct pool *p, size_t n)
{
    p->m = block_alloc(b, n * sizeof(struct member));
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
    if (all_hinted && t->host_node && select_into(t, svc, eligible, pred_hint_node, NULL, NULL) > 0)
        return pred_hint_node;
    if (all_hinted && t->host_zone && select_into(t, svc, eligible, pred_hint_zone, NULL, NULL) > 0)
        return pred_hint_zone;
    return pred_ready;
}

static bool wants_local(const struct svc_conf *c)
{
    return c->itp == LCONT_SERVICE_TRAFFIC_LOCAL || c->etp == LCONT_SERVICE_TRAFFIC_LOCAL;
}

static bool wants_cum(const struct svc_conf *c)
{
    return c->picker == LCONT_SERVICE_PICKER_RANDOM || c->picker == LCONT_SERVICE_PICKER_LEAST_CONN;
}

static int build_port(struct build *b, const struct svc_port_rec *sp, uint32_t *eligible,
                      struct snap_port *out)
{
    const lcont_service_table *t = b->t;
    const struct service *svc = b->svc;
    int r;
    out->protocol = (uint16_t)sp->protocol;
    out->port = (uint16_t)sp->port;
    out->node_port = svc->conf.type != LCONT_SERVICE_TYPE_CLUSTER_IP ? (uint16_t)sp->node_port : 0;
    for (size_t i = 0; i < svc->n_eps; i++)
        eligible[i] = resolve_port(sp, &svc->eps[i]);

    if ((r = pool_alloc(b, &out->cluster, svc->n_eps)) < 0)
        return r;
    select_into(t, svc, eligible, cluster_pred(t, svc, eligible), &out->cluster, b);
    if ((r = pool_finish(b, &out->cluster)) < 0)
        return r;

    /* Local pool: only needed when a policy asks for it. */
    if (!wants_local(&svc->conf))
        return pool_finish(b, &out->local);
    if ((r = pool_alloc(b, &out->local, svc->n_eps)) < 0)
        return r;
    if (select_into(t, svc, eligible, pred_local_ready, &out->local, b) == 0)
        select_into(t, svc, eligible, pred_local_serving_terminating, &out->local, b);
    return pool_finish(b, &out->local);
}

/* Endpoint indexes for a snapshot build: on the stack for the usual small services. */
#define BUILD_STACK_EPS 64

static int ref_cmp(const void *a, const void *b)
{
    const struct ep_ref *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Every endpoint's id and counter, sorted, for conn_open/close (pools leave some out). */
static int build_refs(struct build *b, struct snap_tail *tail)
{
    const struct service *svc = b->svc;
    struct ep_ref *refs = block_alloc(b, svc->n_eps * sizeof(*refs));
    if (!refs)
        return -ENOMEM;
    for (size_t i = 0; i < svc->n_eps; i++)
        refs[i] = (struct ep_ref){ svc->eps[i].id, svc->eps[i].ep_slot };
    if (svc->n_eps > 32) {
        qsort(refs, svc->n_eps, sizeof(*refs), ref_cmp);
    } else { /* insertion sort: the usual handful costs a tenth of qsort's calls */
        for (size_t i = 1; i < svc->n_eps; i++) {
            struct ep_ref r = refs[i];
            size_t j = i;
            for (; j > 0 && refs[j - 1].id > r.id; j--)
                refs[j] = refs[j - 1];
            refs[j] = r;
        }
    }
    tail->refs = refs;
    tail->n_refs = (uint32_t)svc->n_eps;
    return 0;
}

int lcont__service_snap_build(lcont_service_table *t, const struct service *svc, struct snap **ret)
{
    size_t np = svc->conf.n_ports, ne = svc->n_eps;
    /* Sized exactly: nothing is wasted per snapshot of 30k services. */
    size_t per_pool = ne * (sizeof(struct member) + (wants_cum(&svc->conf) ? sizeof(uint64_t) : 0));
    size_t cap = sizeof(struct snap) + np * sizeof(struct snap_port) + sizeof(struct snap_tail) +
                 np * per_pool * (wants_local(&svc->conf) ? 2 : 1) + ne * sizeof(struct ep_ref);
    for (size_t i = 0; i < np; i++) /* every piece but the names is a multiple of 8 bytes */
        cap += (strlen(svc->conf.ports[i].name) + 1 + 7) & ~(size_t)7;
    uint32_t stack_eligible[BUILD_STACK_EPS], stack_weights[BUILD_STACK_EPS];
    _cleanup_free_ uint32_t *heap_eligible = NULL, *heap_weights = NULL;
    _cleanup_free_ uint64_t *keys = NULL;
    uint32_t *eligible = stack_eligible, *weights = stack_weights;
    if (ne > BUILD_STACK_EPS && (!(eligible = heap_eligible = malloc(ne * sizeof(uint32_t))) ||
                                 !(weights = heap_weights = malloc(ne * sizeof(uint32_t)))))
        return -ENOMEM;
    if ((svc->conf.picker == LCONT_SERVICE_PICKER_MAGLEV ||
         svc->conf.picker == LCONT_SERVICE_PICKER_RING_HASH) &&
        !(keys = malloc((ne + 1) * sizeof(uint64_t))))
        return -ENOMEM;
    if (cap > UINT32_MAX)
        return -ENOMEM;

    struct snap *s = lcont__arena_alloc(&t->arena, cap);
    if (!s)
        return -ENOMEM;
    memset(s, 0, sizeof(*s) + np * sizeof(struct snap_port));
    s->block_size = (uint32_t)cap;
    s->service_id = svc->id;
    s->generation = atomic_load(&t->generation) + 1; /* as of the coming commit */
    s->picker = (uint8_t)svc->conf.picker;
    s->affinity = (uint8_t)svc->conf.affinity;
    s->itp = (uint8_t)svc->conf.itp;
    s->etp = (uint8_t)svc->conf.etp;
    s->headless = (uint8_t)svc->conf.headless;
    s->n_ports = (uint16_t)np; /* unbuilt ports are zero: freeing them is a no-op */
    struct snap_tail *tail = (struct snap_tail *)&s->ports[np];
    *tail = (struct snap_tail){ .aff = svc->aff,
                                .affinity_timeout_ms = svc->conf.affinity_timeout * 1000u };
    struct build b = { .t = t,
                       .svc = svc,
                       .seed = lcont__hash_mix64(svc->id ^ t->key.k0),
                       .at = (char *)(tail + 1),
                       .end = (char *)s + cap,
                       .keys = keys,
                       .weights = weights };
    int r = 0;
    for (size_t i = 0; r == 0 && i < np; i++)
        r = build_port(&b, &svc->conf.ports[i], eligible, &s->ports[i]);
    /* A pick reads up to here (the id index and names are for other calls). */
    size_t lines = ((size_t)(b.at - (char *)s) + 63) / 64;
    if (r == 0)
        r = build_refs(&b, tail);
    /* Names last: a pick by number never reads them. */
    for (size_t i = 0; r == 0 && i < np; i++) {
        const char *name = svc->conf.ports[i].name;
        s->ports[i].name = block_alloc(&b, strlen(name) + 1);
        if (!s->ports[i].name)
            r = -ENOMEM;
        else
            strcpy(s->ports[i].name, name);
    }
    if (r < 0) {
        lcont__service_snap_free(t, s);
        return r;
    }
    s->prefetch_lines = (uint8_t)(lines < SNAP_PREFETCH_LINES ? lines : SNAP_PREFETCH_LINES);
    *ret = s;
    return 0;
}
