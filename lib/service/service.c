/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writer side: service and endpoint records, validation, publication. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "service/service-internal.h"

#define SERVICE_DESC_SIZE_V0_2 sizeof(lcont_service_desc)
#define ENDPOINT_DESC_SIZE_V0_2 sizeof(lcont_endpoint_desc)

static int oom(lcont_error **reterr)
{
    return lcont__error_set(reterr, -ENOMEM, "service table: out of memory");
}

static char *strdup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* Names: printable, no spaces or '/', bounded (Kubernetes names are stricter). */
static bool name_ok(const char *s, size_t max, bool allow_empty)
{
    if (!s)
        return allow_empty;
    size_t n = strlen(s);
    if ((!allow_empty && n == 0) || n > max)
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '/' || (unsigned char)*p >= 0x7f)
            return false;
    return true;
}

static bool proto_ok(int p)
{
    return p == 0 || p == LCONT_SERVICE_PROTO_TCP || p == LCONT_SERVICE_PROTO_UDP ||
           p == LCONT_SERVICE_PROTO_SCTP;
}

static size_t strv_len_bounded(const char *const *v, size_t max)
{
    size_t n = 0;
    while (v && v[n] && n <= max)
        n++;
    return n;
}

/* ---- services ---- */

static void conf_free(struct svc_conf *c)
{
    lcont__strv_free(c->vips);
    free(c->vip_ips);
    for (size_t i = 0; i < c->n_ports; i++) {
        free(c->ports[i].name);
        free(c->ports[i].target_port_name);
    }
    free(c->ports);
    free(c->selector);
    memset(c, 0, sizeof(*c));
}

static int conf_from_desc(const lcont_service_desc *d, struct svc_conf *ret, lcont_error **reterr)
{
    struct svc_conf c = { 0 };
    const char *what = d->name;
    int r;

    if (d->type < 0 || d->type > LCONT_SERVICE_TYPE_LOAD_BALANCER)
        return lcont__error_set(reterr, -EINVAL, "service '%s': type: unknown value %d", what,
                                d->type);
    if (d->picker < 0 || d->picker > LCONT_SERVICE_PICKER_RING_HASH)
        return lcont__error_set(reterr, -EINVAL, "service '%s': picker: unknown value %d", what,
                                d->picker);
    if (d->affinity < 0 || d->affinity > LCONT_SERVICE_AFFINITY_CLIENT_IP)
        return lcont__error_set(reterr, -EINVAL, "service '%s': affinity: unknown value %d", what,
                                d->affinity);
    if (d->internal_traffic_policy < 0 || d->internal_traffic_policy > 1 ||
        d->external_traffic_policy < 0 || d->external_traffic_policy > 1)
        return lcont__error_set(reterr, -EINVAL,
                                "service '%s': traffic policy: must be Cluster or Local", what);
    if (d->traffic_distribution < 0 || d->traffic_distribution > 1)
        return lcont__error_set(reterr, -EINVAL,
                                "service '%s': traffic_distribution: unknown value %d", what,
                                d->traffic_distribution);
    if (d->headless != 0 && d->headless != 1)
        return lcont__error_set(reterr, -EINVAL, "service '%s': headless: must be 0 or 1", what);
    if (d->publish_not_ready != 0 && d->publish_not_ready != 1)
        return lcont__error_set(reterr, -EINVAL, "service '%s': publish_not_ready: must be 0 or 1",
                                what);
    uint32_t msize = d->maglev_size ? d->maglev_size : LCONT_SERVICE_MAGLEV_DEFAULT_SIZE;
    bool prime = msize >= 3 && msize <= (1u << 24);
    for (uint32_t i = 2; prime && (uint64_t)i * i <= msize; i++)
        if (msize % i == 0)
            prime = false;
    if (!prime)
        return lcont__error_set(reterr, -EINVAL,
                                "service '%s': maglev_size: %u is not a prime in 3..16777216", what,
                                msize);
    if (d->affinity_capacity > AFFINITY_MAX_CAPACITY)
        return lcont__error_set(reterr, -EINVAL,
                                "service '%s': affinity_capacity: at most %u clients", what,
                                AFFINITY_MAX_CAPACITY);
    if (d->affinity_timeout > 86400)
        return lcont__error_set(reterr, -EINVAL,
                                "service '%s': affinity_timeout: at most 86400 seconds", what);
    if (d->n_ports > PORTS_MAX || (d->n_ports && !d->ports))
        return lcont__error_set(reterr, -EINVAL, "service '%s': ports: at most %d", what,
                                PORTS_MAX);
    size_t n_vips = strv_len_bounded(d->vips, 16);
    if (n_vips > 16)
        return lcont__error_set(reterr, -EINVAL, "service '%s': vips: at most 16", what);
    if (d->headless && n_vips)
        return lcont__error_set(reterr, -EINVAL, "service '%s': a headless service has no VIPs",
                                what);

    c.type = d->type;
    c.headless = d->headless;
    c.picker = d->picker;
    c.affinity = d->affinity;
    c.maglev_size = msize;
    c.affinity_timeout =
        d->affinity_timeout ? d->affinity_timeout : LCONT_SERVICE_AFFINITY_DEFAULT_TIMEOUT;
    c.affinity_capacity = d->affinity_capacity ? d->affinity_capacity : AFFINITY_DEFAULT_CAPACITY;
    c.itp = d->internal_traffic_policy;
    c.etp = d->external_traffic_policy;
    c.distribution = d->traffic_distribution;
    c.publish_not_ready = d->publish_not_ready;

    c.vips = calloc(n_vips + 1, sizeof(char *));
    c.vip_ips = calloc(n_vips + 1, sizeof(struct ipaddr));
    c.ports = calloc(d->n_ports + 1, sizeof(*c.ports));
    if (!c.vips || !c.vip_ips || !c.ports) {
        conf_free(&c);
        return oom(reterr);
    }
    for (size_t i = 0; i < n_vips; i++) {
        r = lcont__service_parse_ip(d->vips[i], &c.vip_ips[i]);
        if (r < 0) {
            conf_free(&c);
            return lcont__error_set(reterr, -EINVAL, "service '%s': vips[%zu]: not an IP address",
                                    what, i);
        }
        for (size_t j = 0; j < i; j++)
            if (memcmp(&c.vip_ips[j], &c.vip_ips[i], sizeof(struct ipaddr)) == 0) {
                conf_free(&c);
                return lcont__error_set(reterr, -EINVAL, "service '%s': vips[%zu]: duplicate", what,
                                        i);
            }
        if (!(c.vips[i] = strdup(d->vips[i]))) {
            conf_free(&c);
            return oom(reterr);
        }
        c.n_vips++;
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        const lcont_service_port *p = &d->ports[i];
        int proto = p->protocol ? p->protocol : LCONT_SERVICE_PROTO_TCP;
        const char *bad = NULL;
        if (!name_ok(p->name, 63, true))
            bad = "name";
        else if (!proto_ok(p->protocol))
            bad = "protocol";
        else if (p->port < 1 || p->port > 65535)
            bad = "port";
        else if (p->target_port > 65535)
            bad = "target_port";
        else if (p->node_port > 65535)
            bad = "node_port";
        else if (p->target_port_name && !name_ok(p->target_port_name, 63, false))
            bad = "target_port_name";
        else if (d->n_ports > 1 && (!p->name || !*p->name))
            bad = "name (required when a service has several ports)";
        for (size_t j = 0; !bad && j < i; j++) {
            if (strcmp(c.ports[j].name, p->name ? p->name : "") == 0)
                bad = "name (duplicate)";
            else if (c.ports[j].port == p->port && c.ports[j].protocol == proto)
                bad = "port (duplicate port/protocol)";
        }
        if (bad) {
            conf_free(&c);
            return lcont__error_set(reterr, -EINVAL, "service '%s': ports[%zu].%s: invalid", what,
                                    i, bad);
        }
        struct svc_port_rec *pr = &c.ports[c.n_ports];
        pr->protocol = proto;
        pr->port = p->port;
        pr->target_port = p->target_port;
        pr->node_port = p->node_port;
        pr->name = strdup_or_empty(p->name);
        if (p->target_port_name && !(pr->target_port_name = strdup(p->target_port_name))) {
            free(pr->name);
            pr->name = NULL;
        }
        if (!pr->name) {
            conf_free(&c);
            return oom(reterr);
        }
        c.n_ports++;
    }
    if (d->selector) {
        if (strlen(d->selector) > 4096) {
            conf_free(&c);
            return lcont__error_set(reterr, -EINVAL, "service '%s': selector: too long", what);
        }
        r = lcont_service_selector_matches(d->selector, NULL, reterr);
        if (r < 0) {
            conf_free(&c);
            return lcont__error_prefix(reterr, r, "service '%s': selector: ", what);
        }
        if (!(c.selector = strdup(d->selector))) {
            conf_free(&c);
            return oom(reterr);
        }
    }
    *ret = c;
    return 0;
}

/* ---- endpoints ---- */

static void ep_rec_free(struct ep_rec *e)
{
    free(e->address);
    for (size_t i = 0; i < e->n_ports; i++)
        free(e->ports[i].name);
    free(e->ports);
    free(e->node);
    free(e->zone);
    free(e->target_ref);
    lcont__strv_free(e->hint_zones);
    lcont__strv_free(e->hint_nodes);
    free(e->source);
    memset(e, 0, sizeof(*e));
}

static int dup_opt(const char *s, char **ret)
{
    *ret = NULL;
    if (s && !(*ret = strdup(s)))
        return -ENOMEM;
    return 0;
}

static int ep_rec_from_desc(const lcont_endpoint_desc *user, const char *source, size_t index,
                            struct ep_rec *ret, lcont_error **reterr)
{
    lcont_endpoint_desc d;
    struct ep_rec e = { 0 };
    int r;

    if (!user)
        return lcont__error_set(reterr, -EINVAL, "endpoints[%zu]: NULL", index);
    r = lcont__copy_opts(&d, sizeof(d), user, user->struct_size, ENDPOINT_DESC_SIZE_V0_2);
    if (r < 0)
        return lcont__error_set(reterr, r, "endpoints[%zu]: struct_size %llu not supported", index,
                                (unsigned long long)user->struct_size);
    const char *bad = NULL;
    if (!d.address || lcont__service_parse_ip(d.address, &e.ip) < 0)
        bad = "address: not an IP address";
    else if (d.n_ports > PORTS_MAX || (d.n_ports && !d.ports))
        bad = "ports: too many";
    else if (d.ready < 0 || d.ready > 2 || d.serving < 0 || d.serving > 2 || d.terminating < 0 ||
             d.terminating > 2)
        bad = "conditions: must be LCONT_SERVICE_COND_*";
    else if (d.weight > 65535)
        bad = "weight: at most 65535";
    else if (strv_len_bounded(d.hint_zones, HINTS_MAX) > HINTS_MAX ||
             strv_len_bounded(d.hint_nodes, HINTS_MAX) > HINTS_MAX)
        bad = "hints: too many";
    else if ((d.node && strlen(d.node) > SERVICE_NAME_MAX) ||
             (d.zone && strlen(d.zone) > SERVICE_NAME_MAX) ||
             (d.target_ref && strlen(d.target_ref) > 1024))
        bad = "node, zone or target_ref: too long";
    for (size_t i = 0; !bad && i < d.n_ports; i++) {
        const lcont_endpoint_port *p = &d.ports[i];
        if (!name_ok(p->name, 63, true) || !proto_ok(p->protocol) || p->port < 1 || p->port > 65535)
            bad = "ports: invalid name, protocol or port";
    }
    if (bad)
        return lcont__error_set(reterr, -EINVAL, "endpoints[%zu] (%s): %s", index,
                                d.address ? d.address : "?", bad);

    e.ready = d.ready;
    e.serving = d.serving;
    e.terminating = d.terminating;
    e.weight = d.weight ? d.weight : 1;
    e.ep_slot = EP_SLOT_NONE;
    e.key_hash = lcont__service_backend_hash(d.address);
    /* Most endpoints name no port: no allocation for them (300k endpoints, 9 MiB). */
    if (d.n_ports && !(e.ports = calloc(d.n_ports, sizeof(*e.ports))))
        goto nomem;
    if (!(e.address = strdup(d.address)) || dup_opt(d.node, &e.node) < 0 ||
        dup_opt(d.zone, &e.zone) < 0 || dup_opt(d.target_ref, &e.target_ref) < 0 ||
        dup_opt(source, &e.source) < 0)
        goto nomem;
    if (d.hint_zones && !(e.hint_zones = lcont__strv_copy((char *const *)d.hint_zones)))
        goto nomem;
    if (d.hint_nodes && !(e.hint_nodes = lcont__strv_copy((char *const *)d.hint_nodes)))
        goto nomem;
    for (size_t i = 0; i < d.n_ports; i++) {
        struct port_rec *p = &e.ports[i];
        p->protocol = d.ports[i].protocol ? d.ports[i].protocol : LCONT_SERVICE_PROTO_TCP;
        p->port = d.ports[i].port;
        if (!(p->name = strdup_or_empty(d.ports[i].name)))
            goto nomem;
        e.n_ports++;
    }
    *ret = e;
    return 0;
nomem:
    ep_rec_free(&e);
    return oom(reterr);
}

void lcont__service_free(struct service *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_eps; i++)
        ep_rec_free(&s->eps[i]);
    free(s->eps);
    conf_free(&s->conf);
    free(s->ns);
    free(s->name);
    free(s->aff);
    free(s);
}

static void service_free_void(struct lcont_service_table *t, void *p)
{
    lcont__service_free(p);
}

static void aff_free(struct lcont_service_table *t, void *p)
{
    free(p);
}

/* Retired endpoint slots travel as the pointer, plus one (slot 0 exists). */
static void ep_slot_release_now(struct lcont_service_table *t, void *p)
{
    lcont__service_ep_slot_release(t, (uint32_t)((uintptr_t)p - 1));
}

/*
 * The id dies with the next snapshot (conn_open/close answer -ENOENT), but the
 * counter's slot is reused only once no reader of an old snapshot can still
 * reach it.
 */
static void ep_slot_retire(struct lcont_service_table *t, uint32_t ep_slot)
{
    if (ep_slot != EP_SLOT_NONE)
        lcont__service_retire(t, (void *)((uintptr_t)ep_slot + 1), ep_slot_release_now);
}

/* Open-addressing set of 32-bit tokens (0 is never a token). */
static bool token_add(uint32_t *set, size_t mask, uint32_t token)
{
    for (size_t i = lcont__hash_mix64(token) & mask;; i = (i + 1) & mask) {
        if (set[i] == token)
            return false;
        if (set[i] == 0) {
            set[i] = token;
            return true;
        }
    }
}

/*
 * Endpoint ids (see lcont__service_ep_id). An IPv4 id is its address; an IPv6
 * endpoint keeps the id it has, and a new one gets a hash of its address,
 * moved on past the tokens other IPv6 endpoints of the service hold.
 */
static int assign_ids(const struct service *s, struct ep_rec *recs, size_t n)
{
    size_t n6 = 0;
    for (size_t i = 0; i < n; i++) {
        if (recs[i].ip.family == AF_INET6) {
            n6++;
            continue;
        }
        uint32_t a;
        memcpy(&a, recs[i].ip.a, 4);
        recs[i].id = lcont__service_ep_id(s->id, true, a);
    }
    if (n6 == 0)
        return 0;
    size_t size = 16;
    while (size < 2 * n6)
        size *= 2;
    _cleanup_free_ uint32_t *set = calloc(size, sizeof(uint32_t));
    if (!set)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (recs[i].ip.family == AF_INET6 && recs[i].id)
            token_add(set, size - 1, (uint32_t)recs[i].id);
    for (size_t i = 0; i < n; i++) {
        if (recs[i].ip.family != AF_INET6 || recs[i].id)
            continue;
        uint64_t w[2];
        memcpy(w, recs[i].ip.a, 16);
        uint32_t token = (uint32_t)lcont__hash_mix64(w[0] ^ lcont__hash_mix64(w[1]));
        while (token == 0 || !token_add(set, size - 1, token))
            token++;
        recs[i].id = lcont__service_ep_id(s->id, false, token);
    }
    return 0;
}

int lcont__service_publish(lcont_service_table *t, struct service *s, lcont_error **reterr)
{
    struct snap *n;
    if (s->conf.affinity) {
        uint32_t sets = 1;
        while (sets * AFFINITY_WAYS < s->conf.affinity_capacity)
            sets *= 2;
        if (!s->aff || s->aff->sets != sets) {
            struct affinity *a =
                calloc(1, sizeof(*a) + (size_t)sets * AFFINITY_WAYS * sizeof(struct aff_entry));
            if (!a)
                return oom(reterr);
            a->sets = sets;
            /* Published snapshots may still use the old array. */
            lcont__service_retire(t, s->aff, aff_free);
            s->aff = a;
        }
    }
    int r = lcont__service_snap_build(t, s, &n);
    if (r < 0)
        return lcont__error_set(reterr, r, "service '%s/%s': build selection: out of memory", s->ns,
                                s->name);
    s->generation = n->generation;
    lcont__service_snap_replace(t, s->slot, n);
    return 0;
}

/* ---- VIP index ---- */

static uint64_t vip_hash(const lcont_service_table *t, const struct ipaddr *ip, uint32_t port,
                         int proto, unsigned char key[VIP_KEY_LEN])
{
    lcont__service_vip_key(ip, port, proto, key);
    return lcont__siphash13(&t->key, key, VIP_KEY_LEN);
}

/*
 * The VIP index holds every VIP:port/protocol, and for NodePort and
 * LoadBalancer services every node port under the wildcard address (family
 * 0), so any local address with that port finds the service.
 */
static const struct ipaddr node_any = { 0 };

static size_t index_keys(const struct svc_conf *c, size_t k, const struct ipaddr **ip,
                         uint32_t *port, int *proto)
{
    size_t nv = c->n_vips * c->n_ports;
    if (k < nv) {
        *ip = &c->vip_ips[k / c->n_ports];
        *port = c->ports[k % c->n_ports].port;
        *proto = c->ports[k % c->n_ports].protocol;
        return 1;
    }
    k -= nv;
    if (k >= c->n_ports || c->type == LCONT_SERVICE_TYPE_CLUSTER_IP || !c->ports[k].node_port)
        return k < c->n_ports ? 0 : SIZE_MAX;
    *ip = &node_any;
    *port = c->ports[k].node_port;
    *proto = c->ports[k].protocol;
    return 1;
}

static int vips_check(lcont_service_table *t, const struct svc_conf *c, uint64_t self,
                      lcont_error **reterr)
{
    unsigned char key[VIP_KEY_LEN];
    const struct ipaddr *ip;
    uint32_t port;
    int proto;
    for (size_t k = 0;; k++) {
        size_t r = index_keys(c, k, &ip, &port, &proto);
        if (r == SIZE_MAX)
            break;
        if (r == 0)
            continue;
        uint64_t h = vip_hash(t, ip, port, proto, key), owner;
        for (size_t j = 0; j < k; j++) {
            const struct ipaddr *ip2;
            uint32_t port2;
            int proto2;
            if (index_keys(c, j, &ip2, &port2, &proto2) == 1 && port2 == port && proto2 == proto &&
                memcmp(ip, ip2, sizeof(*ip)) == 0)
                return lcont__error_set(reterr, -EINVAL, "node port %u: used twice", port);
        }
        if (lcont__rhash_get(&t->by_vip, h, key, VIP_KEY_LEN, &owner) == 0 && owner != self)
            return lcont__error_set(reterr, -EEXIST, "%s port %u: used by another service",
                                    ip == &node_any ? "node" : "VIP", port);
    }
    return 0;
}

static void vips_index(lcont_service_table *t, const struct svc_conf *c, uint64_t id, bool add)
{
    unsigned char key[VIP_KEY_LEN];
    const struct ipaddr *ip;
    uint32_t port;
    int proto;
    for (size_t k = 0;; k++) {
        size_t r = index_keys(c, k, &ip, &port, &proto);
        if (r == SIZE_MAX)
            break;
        if (r == 0)
            continue;
        uint64_t h = vip_hash(t, ip, port, proto, key);
        if (add)
            lcont__rhash_put(t, &t->by_vip, h, key, VIP_KEY_LEN, id);
        else
            lcont__rhash_del(t, &t->by_vip, h, key, VIP_KEY_LEN);
    }
}

static int name_index(lcont_service_table *t, struct service *s, bool add)
{
    char key[2 * SERVICE_NAME_MAX + 2];
    size_t len = lcont__service_name_key(s->ns, s->name, key, sizeof(key));
    uint64_t h = lcont__siphash13(&t->key, key, len);
    if (add)
        return lcont__rhash_put(t, &t->by_name, h, key, (uint32_t)len, s->id);
    return lcont__rhash_del(t, &t->by_name, h, key, (uint32_t)len);
}

static int check_writer(const lcont_service_table *t, lcont_error **reterr)
{
    if (!t)
        return lcont__error_set(reterr, -EINVAL, "service table is NULL");
    if (t->owner_pid != getpid())
        return lcont__error_set(reterr, -ECHILD, "service table used after fork");
    return 0;
}

static int service_create(lcont_service_table *t, const char *ns, const char *name,
                          struct svc_conf *conf, struct service **ret, lcont_error **reterr)
{
    struct service *s = calloc(1, sizeof(*s));
    uint32_t slot;
    int r;
    if (!s || !(s->ns = strdup(ns)) || !(s->name = strdup(name))) {
        lcont__service_free(s);
        return oom(reterr);
    }
    r = lcont__service_svc_slot_alloc(t, &slot);
    if (r < 0) {
        lcont__service_free(s);
        return lcont__error_set(reterr, r, "service '%s/%s': no free slot", ns, name);
    }
    s->slot = slot;
    s->id = lcont__service_new_id(t, slot);
    s->conf = *conf;
    memset(conf, 0, sizeof(*conf));
    r = lcont__service_publish(t, s, reterr);
    if (r < 0 || (r = name_index(t, s, true)) < 0) {
        lcont__service_snap_replace(t, slot, 0);
        lcont__service_svc_slot_release(t, slot);
        /* A published snapshot may point at its affinity array: free after readers. */
        lcont__service_retire(t, s, service_free_void);
        return r == -ENOMEM ? oom(reterr) : r;
    }
    vips_index(t, &s->conf, s->id, true);
    t->services[slot] = s;
    t->n_services++;
    *ret = s;
    return 0;
}

int lcont_service_add(lcont_service_table *t, const lcont_service_desc *desc, uint64_t flags,
                      uint64_t *ret_id, lcont_error **reterr)
{
    lcont_service_desc d;
    struct svc_conf conf;
    int r = check_writer(t, reterr);
    if (r < 0)
        return r;
    if (!desc)
        return lcont__error_set(reterr, -EINVAL, "service: desc is NULL");
    if (flags & ~LCONT_SERVICE_ADD_NO_REPLACE)
        return lcont__error_set(reterr, -EINVAL, "service: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = lcont__copy_opts(&d, sizeof(d), desc, desc->struct_size, SERVICE_DESC_SIZE_V0_2);
    if (r < 0)
        return lcont__error_set(reterr, r, "service: struct_size %llu not supported",
                                (unsigned long long)desc->struct_size);
    const char *ns = d.ns ? d.ns : "default";
    if (!name_ok(d.name, SERVICE_NAME_MAX, false))
        return lcont__error_set(reterr, -EINVAL,
                                "service: name: must be 1..253 printable "
                                "characters without '/' or spaces");
    if (!name_ok(ns, 63, false))
        return lcont__error_set(reterr, -EINVAL, "service '%s': namespace: invalid", d.name);
    r = conf_from_desc(&d, &conf, reterr);
    if (r < 0)
        return r;

    struct service *s = lcont__service_find(t, ns, d.name);
    if (s) {
        if ((flags & LCONT_SERVICE_ADD_NO_REPLACE) && !s->conf.placeholder) {
            conf_free(&conf);
            return lcont__error_set(reterr, -EEXIST, "service '%s/%s': already exists", ns, d.name);
        }
        r = vips_check(t, &conf, s->id, reterr);
        if (r < 0) {
            conf_free(&conf);
            return lcont__error_prefix(reterr, r, "service '%s/%s': ", ns, d.name);
        }
        struct svc_conf old = s->conf;
        s->conf = conf;
        r = lcont__service_publish(t, s, reterr);
        if (r < 0) {
            s->conf = old;
            conf_free(&conf);
            return r;
        }
        vips_index(t, &old, s->id, false);
        vips_index(t, &s->conf, s->id, true);
        conf_free(&old);
    } else {
        r = vips_check(t, &conf, 0, reterr);
        if (r < 0) {
            conf_free(&conf);
            return lcont__error_prefix(reterr, r, "service '%s/%s': ", ns, d.name);
        }
        r = service_create(t, ns, d.name, &conf, &s, reterr);
        conf_free(&conf);
        if (r < 0)
            return r;
    }
    lcont__service_commit(t);
    if (ret_id)
        *ret_id = s->id;
    return 0;
}

int lcont__service_add_placeholder(lcont_service_table *t, const char *ns, const char *name,
                                   struct service **ret, lcont_error **reterr)
{
    struct svc_conf conf = { 0 };
    if (!name_ok(name, SERVICE_NAME_MAX, false) || !name_ok(ns, 63, false))
        return lcont__error_set(reterr, -EINVAL, "service '%s/%s': invalid name", ns, name);
    conf.vips = calloc(1, sizeof(char *));
    conf.vip_ips = calloc(1, sizeof(struct ipaddr));
    conf.ports = calloc(1, sizeof(*conf.ports));
    if (!conf.vips || !conf.vip_ips || !conf.ports) {
        conf_free(&conf);
        return oom(reterr);
    }
    conf.maglev_size = LCONT_SERVICE_MAGLEV_DEFAULT_SIZE;
    conf.affinity_timeout = LCONT_SERVICE_AFFINITY_DEFAULT_TIMEOUT;
    conf.affinity_capacity = AFFINITY_DEFAULT_CAPACITY;
    conf.placeholder = true;
    int r = service_create(t, ns, name, &conf, ret, reterr);
    conf_free(&conf);
    return r;
}

/* The preamble of a writer call on one service: the table may be written here, @flags are
 * none this call knows (@what names the call in the error), and the service exists. */
static int writer_service(lcont_service_table *t, uint64_t service_id, uint64_t flags,
                          const char *what, struct service **ret, lcont_error **reterr)
{
    int r = check_writer(t, reterr);
    if (r < 0)
        return r;
    if (flags)
        return lcont__error_set(reterr, -EINVAL, "%s: unknown flags 0x%llx", what,
                                (unsigned long long)flags);
    *ret = lcont__service_get(t, service_id);
    if (!*ret)
        return lcont__error_set(reterr, -ENOENT, "service %llu: not found",
                                (unsigned long long)service_id);
    return 0;
}

int lcont_service_remove(lcont_service_table *t, uint64_t service_id, uint64_t flags,
                         lcont_error **reterr)
{
    struct service *s;
    int r = writer_service(t, service_id, flags, "service", &s, reterr);
    if (r < 0)
        return r;
    name_index(t, s, false);
    vips_index(t, &s->conf, s->id, false);
    lcont__service_snap_replace(t, s->slot, NULL);
    for (size_t i = 0; i < s->n_eps; i++)
        ep_slot_retire(t, s->eps[i].ep_slot);
    t->services[s->slot] = NULL;
    lcont__service_svc_slot_release(t, s->slot);
    t->n_services--;
    /* Snapshots point at the affinity array: free the service after them. */
    lcont__service_retire(t, s, service_free_void);
    lcont__service_commit(t);
    return 0;
}

/* ---- endpoint lists ---- */

/*
 * The endpoint with address @address, however it is spelled ("fd00::1" and
 * "fd00:0::1" are one endpoint, as when a list is replaced). The parsed
 * addresses sit in the record array itself: no string is read.
 */
static ssize_t find_ep(const struct service *s, const char *address)
{
    struct ipaddr ip;
    if (lcont__service_parse_ip(address, &ip) < 0)
        return -1; /* every stored address parses */
    for (size_t i = 0; i < s->n_eps; i++)
        if (memcmp(&s->eps[i].ip, &ip, sizeof(ip)) == 0)
            return (ssize_t)i;
    return -1;
}

/* Address -> index map for one replace operation (open addressing, index + 1). */
struct addr_map {
    size_t mask;
    uint32_t *slot;
};

static int addr_map_init(struct addr_map *m, size_t n)
{
    size_t size = 16;
    while (size < 2 * n)
        size *= 2;
    m->mask = size - 1;
    m->slot = calloc(size, sizeof(uint32_t));
    return m->slot ? 0 : -ENOMEM;
}

static uint32_t *addr_map_find(struct addr_map *m, const struct ep_rec *recs,
                               const struct ipaddr *ip)
{
    uint64_t h = lcont__hash_mix64(((uint64_t)ip->a[0] << 56) ^ ((uint64_t)ip->a[1] << 48) ^
                                   ((uint64_t)ip->a[2] << 40) ^ ((uint64_t)ip->a[3] << 32) ^
                                   ((uint64_t)ip->a[12] << 24) ^ ((uint64_t)ip->a[13] << 16) ^
                                   ((uint64_t)ip->a[14] << 8) ^ ip->a[15] ^ (uint64_t)ip->family);
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        if (m->slot[i] == 0 || memcmp(&recs[m->slot[i] - 1].ip, ip, sizeof(*ip)) == 0)
            return &m->slot[i];
    }
}

int lcont__service_replace_endpoints(lcont_service_table *t, struct service *s, const char *source,
                                     const lcont_endpoint_desc *eps, const char *const *ep_sources,
                                     size_t n, lcont_error **reterr)
{
    if (n > ENDPOINTS_MAX || (n && !eps))
        return lcont__error_set(reterr, -EINVAL, "service '%s/%s': endpoints: at most %d", s->ns,
                                s->name, ENDPOINTS_MAX);
    size_t cap = s->n_eps + n + 1;
    struct ep_rec *recs = calloc(cap, sizeof(*recs));
    struct addr_map m = { 0 };
    size_t count = 0, n_new = SIZE_MAX; /* records below n_new are owned by recs */
    int r = 0;
    if (!recs || addr_map_init(&m, cap) < 0) {
        free(recs);
        return oom(reterr);
    }
    for (size_t i = 0; i < n; i++) {
        struct ep_rec e;
        r = ep_rec_from_desc(&eps[i], ep_sources ? ep_sources[i] : source, i, &e, reterr);
        if (r < 0)
            goto fail;
        uint32_t *slot = addr_map_find(&m, recs, &e.ip);
        if (*slot) {
            ep_rec_free(&recs[*slot - 1]); /* the last duplicate wins */
            recs[*slot - 1] = e;
        } else {
            recs[count] = e;
            *slot = (uint32_t)++count;
        }
    }
    /* Endpoints of other slices stay, unless an address moved to this one. */
    n_new = count;
    for (size_t i = 0; source && i < s->n_eps; i++) {
        struct ep_rec *o = &s->eps[i];
        if (o->source && strcmp(o->source, source) == 0)
            continue;
        uint32_t *slot = addr_map_find(&m, recs, &o->ip);
        if (*slot)
            continue;
        recs[count] = *o;
        recs[count].address = NULL; /* moved below, after success */
        *slot = (uint32_t)++count;
    }
    if (count > ENDPOINTS_MAX) {
        r = lcont__error_set(reterr, -E2BIG, "service '%s/%s': more than %d endpoints", s->ns,
                             s->name, ENDPOINTS_MAX);
        goto fail;
    }
    /* Surviving addresses keep their ids and connection counts; new ones get new ones. */
    for (size_t i = 0; i < s->n_eps; i++) {
        uint32_t *slot = addr_map_find(&m, recs, &s->eps[i].ip);
        if (*slot && *slot - 1 < n_new) {
            recs[*slot - 1].id = s->eps[i].id;
            recs[*slot - 1].ep_slot = s->eps[i].ep_slot;
        }
    }
    if (assign_ids(s, recs, count) < 0) {
        r = oom(reterr);
        goto fail;
    }
    for (size_t i = 0; i < n_new; i++)
        if (recs[i].ep_slot == EP_SLOT_NONE &&
            (r = lcont__service_ep_slot_alloc(t, &recs[i].ep_slot)) < 0) {
            for (size_t j = 0; j < i; j++)
                if (find_ep(s, recs[j].address) < 0)
                    lcont__service_ep_slot_release(t, recs[j].ep_slot);
            r = lcont__error_set(reterr, r, "service '%s/%s': no endpoint slot", s->ns, s->name);
            goto fail;
        }

    /* Commit: move kept records, drop replaced ones, release ids that went away. */
    for (size_t i = 0; i < s->n_eps; i++) {
        struct ep_rec *o = &s->eps[i];
        uint32_t *slot = addr_map_find(&m, recs, &o->ip);
        if (*slot && *slot - 1 >= n_new) {
            recs[*slot - 1] = *o; /* kept from another slice: take ownership */
            continue;
        }
        if (!*slot)
            ep_slot_retire(t, o->ep_slot);
        ep_rec_free(o);
    }
    free(s->eps);
    /* Sized for the old and new lists together: give the rest back (30k services x 10). */
    struct ep_rec *fit = count + 1 < cap ? realloc(recs, (count + 1) * sizeof(*recs)) : NULL;
    if (fit) {
        recs = fit;
        cap = count + 1;
    }
    s->eps = recs;
    s->n_eps = count;
    s->cap_eps = cap;
    free(m.slot);
    return lcont__service_publish(t, s, reterr);

fail:
    for (size_t i = 0; i < count; i++)
        if (i < n_new)
            ep_rec_free(&recs[i]); /* the rest is borrowed from s->eps */
    free(recs);
    free(m.slot);
    return r;
}

int lcont_service_set_endpoints(lcont_service_table *t, uint64_t service_id,
                                const lcont_endpoint_desc *eps, size_t n_eps, uint64_t flags,
                                lcont_error **reterr)
{
    struct service *s;
    int r = writer_service(t, service_id, flags, "endpoints", &s, reterr);
    if (r < 0)
        return r;
    r = lcont__service_replace_endpoints(t, s, NULL, eps, NULL, n_eps, reterr);
    if (r < 0)
        return r;
    lcont__service_commit(t);
    return 0;
}

int lcont_service_upsert_endpoint(lcont_service_table *t, uint64_t service_id,
                                  const lcont_endpoint_desc *ep, uint64_t flags,
                                  uint64_t *ret_endpoint_id, lcont_error **reterr)
{
    struct ep_rec e;
    struct service *s;
    int r = writer_service(t, service_id, flags, "endpoint", &s, reterr);
    if (r < 0)
        return r;
    r = ep_rec_from_desc(ep, NULL, 0, &e, reterr);
    if (r < 0)
        return r;
    ssize_t i = find_ep(s, e.address);
    if (i >= 0) {
        e.id = s->eps[i].id;
        e.ep_slot = s->eps[i].ep_slot;
        /* An upsert keeps the slice an endpoint came from. */
        e.source = TAKE_PTR(s->eps[i].source);
        ep_rec_free(&s->eps[i]);
        s->eps[i] = e;
    } else {
        if (s->n_eps >= ENDPOINTS_MAX) {
            ep_rec_free(&e);
            return lcont__error_set(reterr, -E2BIG, "service '%s/%s': more than %d endpoints",
                                    s->ns, s->name, ENDPOINTS_MAX);
        }
        if (s->n_eps == s->cap_eps) {
            size_t cap = s->cap_eps ? s->cap_eps * 2 : 8;
            struct ep_rec *n = realloc(s->eps, cap * sizeof(*n));
            if (!n) {
                ep_rec_free(&e);
                return oom(reterr);
            }
            s->eps = n;
            s->cap_eps = cap;
        }
        r = lcont__service_ep_slot_alloc(t, &e.ep_slot);
        if (r < 0) {
            ep_rec_free(&e);
            return lcont__error_set(reterr, r, "endpoint: no free slot");
        }
        s->eps[s->n_eps++] = e;
        if (assign_ids(s, s->eps, s->n_eps) < 0) {
            ep_slot_retire(t, e.ep_slot);
            ep_rec_free(&s->eps[--s->n_eps]);
            return oom(reterr);
        }
        e.id = s->eps[s->n_eps - 1].id;
    }
    r = lcont__service_publish(t, s, reterr);
    if (r < 0)
        return r;
    lcont__service_commit(t);
    if (ret_endpoint_id)
        *ret_endpoint_id = e.id;
    return 0;
}

int lcont_service_remove_endpoint(lcont_service_table *t, uint64_t service_id, const char *address,
                                  uint64_t flags, lcont_error **reterr)
{
    struct service *s;
    int r = writer_service(t, service_id, flags, "endpoint", &s, reterr);
    if (r < 0)
        return r;
    if (!address)
        return lcont__error_set(reterr, -EINVAL, "endpoint: NULL address");
    ssize_t i = find_ep(s, address);
    if (i < 0)
        return lcont__error_set(reterr, -ENOENT, "service '%s/%s': no endpoint %s", s->ns, s->name,
                                address);
    ep_slot_retire(t, s->eps[i].ep_slot);
    ep_rec_free(&s->eps[i]);
    memmove(&s->eps[i], &s->eps[i + 1], (s->n_eps - (size_t)i - 1) * sizeof(s->eps[0]));
    s->n_eps--;
    r = lcont__service_publish(t, s, reterr);
    if (r < 0)
        return r;
    lcont__service_commit(t);
    return 0;
}
