/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Read path: picking, affinity, connection counts, flow hashing. No locks, no allocation. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "service/maglev.h"
#include "service/service-internal.h"

static const struct snap_port *find_port(const struct snap *s, const char *name, uint32_t port,
                                         bool external)
{
    if (name) {
        for (size_t i = 0; i < s->n_ports; i++)
            if (strcmp(s->ports[i].name, name) == 0)
                return &s->ports[i];
        return NULL;
    }
    if (port == 0)
        return s->n_ports == 1 ? &s->ports[0] : NULL;
    for (size_t i = 0; i < s->n_ports; i++)
        if (s->ports[i].port == port || (external && s->ports[i].node_port == port))
            return &s->ports[i];
    return NULL;
}

static uint32_t pick_cum(const struct pool *p, uint64_t x)
{
    const uint64_t *cum = p->tab.cum;
    uint64_t total = cum[p->n - 1];
    uint64_t r = (uint64_t)(((unsigned __int128)x * total) >> 64);
    uint32_t lo = 0, hi = p->n - 1;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (cum[mid] > r)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static uint32_t pick_ring(const struct pool *p, uint64_t h)
{
    const struct ring_point *ring = p->tab.ring;
    uint32_t lo = 0, hi = p->n_tab;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ring[mid].hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return ring[lo == p->n_tab ? 0 : lo].member;
}

/* Weights are kept once, as the cumulative sums random choice needs. */
static uint64_t weight_of(const struct pool *p, uint32_t i)
{
    return p->tab.cum[i] - (i ? p->tab.cum[i - 1] : 0);
}

static int64_t conns_of(const struct lcont_service_table *t, const struct member *m)
{
    const struct ep_slot *slot = lcont__service_ep_slot(t, m->ep_slot);
    int64_t c = slot ? atomic_load_explicit(&slot->conns, memory_order_relaxed) : 0;
    return c < 0 ? 0 : c;
}

static uint32_t pick_member(const struct lcont_service_table *t, const struct snap *s,
                            struct pool *p, uint64_t flow_hash)
{
    uint32_t n = p->n;
    if (n == 1)
        return 0;
    switch (s->picker) {
    case LCONT_SERVICE_PICKER_WEIGHTED_RR: {
        uint64_t c = atomic_fetch_add_explicit(&p->counter, 1, memory_order_relaxed);
        return p->tab.seq ? p->tab.seq[c % p->n_tab] : (uint32_t)(c % n);
    }
    case LCONT_SERVICE_PICKER_RANDOM: {
        uint64_t c = atomic_fetch_add_explicit(&p->counter, 1, memory_order_relaxed);
        return pick_cum(p, lcont__hash_mix64(c ^ flow_hash));
    }
    case LCONT_SERVICE_PICKER_LEAST_CONN: {
        /* Power of two choices: two weighted-random candidates, fewer connections per weight wins. */
        uint64_t c = atomic_fetch_add_explicit(&p->counter, 1, memory_order_relaxed);
        uint64_t x = lcont__hash_mix64(c ^ flow_hash);
        uint32_t a = pick_cum(p, x), b = pick_cum(p, lcont__hash_mix64(x));
        if (a == b)
            b = (a + 1 + lcont__hash_range(x, n - 1)) % n;
        int64_t ca = conns_of(t, &p->m[a]);
        int64_t cb = conns_of(t, &p->m[b]);
        return (uint64_t)ca * weight_of(p, b) <= (uint64_t)cb * weight_of(p, a) ? a : b;
    }
    case LCONT_SERVICE_PICKER_MAGLEV:
        return lcont__maglev_lookup(p->tab.maglev, p->n_tab, flow_hash);
    case LCONT_SERVICE_PICKER_RING_HASH:
        return pick_ring(p, flow_hash);
    default: {
        uint64_t c = atomic_fetch_add_explicit(&p->counter, 1, memory_order_relaxed);
        return (uint32_t)(c % n);
    }
    }
}

static int member_of(const struct pool *p, uint64_t ep_id)
{
    for (uint32_t i = 0; i < p->n; i++)
        if (p->m[i].id == ep_id)
            return (int)i;
    return -1;
}

/*
 * Client-IP affinity: a 4-way set-associative cache of client -> endpoint per
 * service (affinity_capacity clients, default 4096; beyond that the least
 * recently used entry of a set is replaced, like xt_recent's bounded lists).
 * Entries are plain atomics: racing pickers may interleave fields, which at
 * worst sends a client to another usable endpoint, never to an unusable one.
 */
static uint32_t pick_affine(struct lcont_service_table *t, const struct snap *s,
                            const struct snap_port *sp, struct pool *p, const struct ipaddr *client,
                            uint64_t flow_hash)
{
    unsigned char buf[24];
    memcpy(buf, client->a, 16);
    uint32_t port = sp->port, protocol = sp->protocol; /* the key as it always was */
    memcpy(buf + 16, &port, 4);
    memcpy(buf + 20, &protocol, 4);
    uint64_t key = lcont__hash_fast(&t->key, buf, sizeof(buf)) | 1;
    const struct snap_tail *tail = lcont__service_snap_tail(s);
    struct affinity *aff = tail->aff;
    struct aff_entry *set = &aff->e[((key >> 32) & (aff->sets - 1)) * AFFINITY_WAYS];
    uint64_t now = lcont__service_now_ms(t) + 1; /* 0 marks never used */
    struct aff_entry *victim = &set[0];
    uint64_t oldest = UINT64_MAX;

    for (unsigned w = 0; w < AFFINITY_WAYS; w++) {
        struct aff_entry *e = &set[w];
        uint64_t k = atomic_load_explicit(&e->key, memory_order_acquire);
        uint64_t stamp = atomic_load_explicit(&e->stamp_ms, memory_order_relaxed);
        if (k == key) {
            victim = e;
            oldest = 0;
            if (now - stamp <= tail->affinity_timeout_ms) {
                int m = member_of(p, atomic_load_explicit(&e->ep_id, memory_order_relaxed));
                if (m >= 0) {
                    atomic_store_explicit(&e->stamp_ms, now, memory_order_relaxed);
                    return (uint32_t)m;
                }
            }
            break;
        }
        if (stamp < oldest) {
            oldest = stamp;
            victim = e;
        }
    }
    uint32_t m = pick_member(t, s, p, flow_hash);
    atomic_store_explicit(&victim->key, 0, memory_order_relaxed);
    atomic_store_explicit(&victim->ep_id, p->m[m].id, memory_order_relaxed);
    atomic_store_explicit(&victim->stamp_ms, now, memory_order_relaxed);
    atomic_store_explicit(&victim->key, key, memory_order_release);
    return m;
}

/* The fields of @out but the address. */
static void fill_head(uint64_t endpoint_id, uint64_t generation, uint16_t port, int family,
                      lcont_endpoint_pick *out)
{
    out->endpoint_id = endpoint_id;
    out->generation = generation;
    out->port = port;
    out->family = family;
    out->reserved = 0;
    memset(out->sockaddr, 0, sizeof(out->sockaddr));
}

static void fill_ipv4(uint64_t endpoint_id, uint64_t generation, uint16_t port, const void *addr,
                      lcont_endpoint_pick *out)
{
    fill_head(endpoint_id, generation, port, AF_INET, out);
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };
    memcpy(&in.sin_addr, addr, 4);
    memcpy(out->sockaddr, &in, sizeof(in));
    out->sockaddr_len = sizeof(in);
}

static void fill(const struct snap *s, const struct pool *p, uint32_t m, lcont_endpoint_pick *out)
{
    const struct member *e = &p->m[m];
    if (e->family == AF_INET) {
        fill_ipv4(e->id, s->generation, e->port, e->addr, out);
        return;
    }
    fill_head(e->id, s->generation, e->port, AF_INET6, out);
    struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(e->port) };
    memcpy(&in6.sin6_addr, e->addr, 16);
    memcpy(out->sockaddr, &in6, sizeof(in6));
    out->sockaddr_len = sizeof(in6);
}

#define RELAXED memory_order_relaxed
#define ACQUIRE memory_order_acquire

/*
 * A pick answered by slot @idx's hot line alone (service-internal.h), or false
 * when the snapshot must answer: the service is not simple or its line is
 * being rewritten, another port is asked for, or external traffic falls
 * under a Local policy. (A pick by port name goes to the snapshot without
 * reading the line: names are not in it.) The reader's half of the sequence lock:
 * the generation, the fields (acquire loads, see hot.c), the generation again.
 */
static bool pick_hot(const struct hot_line *h, uint64_t service_id, uint32_t port,
                     uint64_t flow_hash, uint64_t flags, lcont_endpoint_pick *out)
{
    bool external = (flags & LCONT_SERVICE_PICK_EXTERNAL) != 0;
    uint64_t generation = atomic_load_explicit(&h->generation, memory_order_acquire);
    if (generation == 0 ||
        atomic_load_explicit(&h->svc_seq, ACQUIRE) != (uint32_t)(service_id >> 32))
        return false;
    uint32_t node_port = atomic_load_explicit(&h->node_port, ACQUIRE);
    if (port != 0 && port != atomic_load_explicit(&h->port, ACQUIRE) &&
        !(external && node_port && port == node_port))
        return false;
    uint8_t hflags = atomic_load_explicit(&h->flags, ACQUIRE);
    if (external && (hflags & HOT_ETP_LOCAL))
        return false;
    uint32_t m = 0, n = atomic_load_explicit(&h->n, ACQUIRE);
    if (n > 1) {
        /* Counted even if the line turns out torn: a skipped turn, nothing worse. */
        uint32_t c = atomic_fetch_add_explicit((_Atomic uint32_t *)&h->counter, 1, RELAXED);
        /* Random: the member pick_cum() gives for equal weights. */
        m = (hflags & HOT_RANDOM)
                ? (uint32_t)(((unsigned __int128)lcont__hash_mix64(c ^ flow_hash) * n) >> 64)
                : c % n;
    }
    uint32_t addr = atomic_load_explicit(&h->addr[m], ACQUIRE);
    uint16_t ep_port = atomic_load_explicit(&h->ep_port, ACQUIRE);
    if (atomic_load_explicit(&h->generation, RELAXED) != generation)
        return false;
    fill_ipv4(lcont__service_ep_id(service_id, true, addr), generation, ep_port, &addr, out);
    return true;
}

int lcont_service_pick(const lcont_service_table *ct, uint64_t service_id, const char *port_name,
                       uint32_t port, const struct sockaddr *client, uint64_t flow_hash,
                       uint64_t flags, lcont_endpoint_pick *out)
{
    struct lcont_service_table *t = (struct lcont_service_table *)ct;
    if (!t || !out || out->struct_size < sizeof(*out) || (flags & ~LCONT_SERVICE_PICK_EXTERNAL))
        return -EINVAL;
    uint32_t idx = lcont__service_id_slot(service_id);
    struct svc_slot *slot = lcont__service_svc_slot(t, idx);
    if (!slot)
        return -ENOENT;
    /* A simple service is answered by its hot line: one cache line, nothing else. */
    const struct hot_line *h = lcont__service_hot_line(t, idx);
    if (h && !port_name && pick_hot(h, service_id, port, flow_hash, flags, out))
        return 0;

    _Atomic uint64_t *rc = lcont__service_read_enter(t);
    int r = 0;
    uintptr_t tagged = atomic_load(&slot->snap);
    /* Its ports, pool and members follow the header: fetch their lines together
     * (the count is in the pointer's tag) rather than one dependent miss after
     * another. */
    struct snap *s = lcont__service_snap_untag(tagged);
    for (uintptr_t i = 1; i < (tagged & SNAP_TAG_MASK); i++)
        __builtin_prefetch((const char *)s + 64 * i);
    if (!s || s->service_id != service_id) {
        r = -ENOENT;
        goto out;
    }
    if (s->headless) {
        r = -EOPNOTSUPP;
        goto out;
    }
    const struct snap_port *sp =
        find_port(s, port_name, port, (flags & LCONT_SERVICE_PICK_EXTERNAL) != 0);
    if (!sp) {
        r = -ENOENT;
        goto out;
    }
    int policy = (flags & LCONT_SERVICE_PICK_EXTERNAL) ? s->etp : s->itp;
    struct pool *p =
        (struct pool *)(policy == LCONT_SERVICE_TRAFFIC_LOCAL ? &sp->local : &sp->cluster);
    if (p->n == 0) {
        /* kube-proxy: no endpoint at all rejects; Local with remote-only endpoints drops. */
        r = policy == LCONT_SERVICE_TRAFFIC_LOCAL && sp->cluster.n ? -EHOSTUNREACH : -ECONNREFUSED;
        goto out;
    }
    struct ipaddr cip;
    uint32_t m;
    if (s->affinity && lcont__service_snap_tail(s)->aff && client &&
        lcont__service_ip_from_sockaddr(client, &cip, NULL) == 0)
        m = pick_affine(t, s, sp, p, &cip, flow_hash);
    else
        m = pick_member(t, s, p, flow_hash);
    fill(s, p, m, out);
out:
    lcont__service_read_leave(rc);
    return r;
}

uint64_t lcont_service_flow_hash(const lcont_service_table *t, const struct sockaddr *src,
                                 const struct sockaddr *dst, int protocol)
{
    struct ipaddr a, b;
    uint32_t pa, pb;
    if (!t || lcont__service_ip_from_sockaddr(src, &a, &pa) < 0 ||
        lcont__service_ip_from_sockaddr(dst, &b, &pb) < 0 || a.family != b.family)
        return 0;
    uint64_t tail = (uint64_t)pa | (uint64_t)pb << 16 | (uint64_t)(protocol & 0xff) << 32 |
                    (uint64_t)a.family << 40;
    if (a.family == AF_INET) {
        uint32_t sa, da;
        memcpy(&sa, a.a, 4);
        memcpy(&da, b.a, 4);
        uint64_t w[2] = { (uint64_t)sa | (uint64_t)da << 32, tail };
        return lcont__hash_fast_words(&t->key, w, 2);
    }
    uint64_t w[5];
    memcpy(w, a.a, 16);
    memcpy(w + 2, b.a, 16);
    w[4] = tail;
    return lcont__hash_fast_words(&t->key, w, 5);
}

static const struct ep_ref *find_ref(const struct snap *s, uint64_t endpoint_id)
{
    const struct snap_tail *tail = lcont__service_snap_tail(s);
    uint32_t lo = 0, hi = tail->n_refs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (tail->refs[mid].id < endpoint_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < tail->n_refs && tail->refs[lo].id == endpoint_id ? &tail->refs[lo] : NULL;
}

/* The endpoint is looked up in its service's current snapshot: ready or not, if it is there. */
static int conn_add(const lcont_service_table *ct, uint64_t endpoint_id, int64_t delta)
{
    struct lcont_service_table *t = (struct lcont_service_table *)ct;
    if (!t)
        return -EINVAL;
    struct svc_slot *slot = lcont__service_svc_slot(t, lcont__service_ep_id_svc_slot(endpoint_id));
    if (!slot)
        return -ENOENT;
    _Atomic uint64_t *rc = lcont__service_read_enter(t);
    const struct snap *s = lcont__service_snap_untag(atomic_load(&slot->snap));
    const struct ep_ref *ref = s ? find_ref(s, endpoint_id) : NULL;
    /* The counter's slot is reused only after this read section: the add cannot land elsewhere. */
    if (ref)
        atomic_fetch_add_explicit(&lcont__service_ep_slot(t, (uint32_t)ref->ep_slot)->conns, delta,
                                  memory_order_relaxed);
    lcont__service_read_leave(rc);
    return ref ? 0 : -ENOENT;
}

int lcont_service_conn_open(const lcont_service_table *t, uint64_t endpoint_id)
{
    return conn_add(t, endpoint_id, 1);
}

int lcont_service_conn_close(const lcont_service_table *t, uint64_t endpoint_id)
{
    return conn_add(t, endpoint_id, -1);
}
