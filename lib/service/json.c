/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The table's own JSON format: persist, load, add one service. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "service/service-internal.h"

/* ---- strict field readers ---- */

int lcont__sj_string(const cJSON *o, const char *key, bool required, const char *what,
                     const char **ret, lcont_error **reterr)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *ret = NULL;
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return lcont__error_set(reterr, -EINVAL, "%s: %s: required", what, key);
        return 0;
    }
    if (!cJSON_IsString(v))
        return lcont__error_set(reterr, -EINVAL, "%s: %s: must be a string", what, key);
    *ret = v->valuestring;
    return 1;
}

int lcont__sj_uint(const cJSON *o, const char *key, uint64_t max, const char *what, uint32_t *ret,
                   lcont_error **reterr)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
    if (d < 0 || d > (double)max || d != (double)(uint64_t)d)
        return lcont__error_set(reterr, -EINVAL, "%s: %s: must be an integer in 0..%llu", what, key,
                                (unsigned long long)max);
    *ret = (uint32_t)d;
    return 1;
}

int lcont__sj_cond(const cJSON *o, const char *key, const char *what, int *ret,
                   lcont_error **reterr)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *ret = LCONT_SERVICE_COND_UNSET;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsBool(v))
        return lcont__error_set(reterr, -EINVAL, "%s: %s: must be true, false or null", what, key);
    *ret = cJSON_IsTrue(v) ? LCONT_SERVICE_COND_TRUE : LCONT_SERVICE_COND_FALSE;
    return 1;
}

static int sj_bool(const cJSON *o, const char *key, const char *what, int *ret,
                   lcont_error **reterr)
{
    int c, r = lcont__sj_cond(o, key, what, &c, reterr);
    if (r > 0)
        *ret = c == LCONT_SERVICE_COND_TRUE;
    return r;
}

int lcont__sj_strv(const cJSON *o, const char *key, size_t max, const char *what, const char ***ret,
                   lcont_error **reterr)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key), *it;
    *ret = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    int n = cJSON_GetArraySize(v);
    if (!cJSON_IsArray(v) || n < 0 || (size_t)n > max)
        return lcont__error_set(reterr, -EINVAL, "%s: %s: must be an array of at most %zu strings",
                                what, key, max);
    const char **a = calloc((size_t)n + 1, sizeof(char *));
    if (!a)
        return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
    size_t i = 0;
    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsString(it)) {
            free(a);
            return lcont__error_set(reterr, -EINVAL, "%s: %s[%zu]: must be a string", what, key, i);
        }
        a[i++] = it->valuestring;
    }
    *ret = a;
    return 1;
}

int lcont__sj_protocol(const cJSON *o, const char *key, const char *what, int *ret,
                       lcont_error **reterr)
{
    const char *s;
    int r = lcont__sj_string(o, key, false, what, &s, reterr);
    *ret = LCONT_SERVICE_PROTO_TCP;
    if (r <= 0)
        return r;
    if (strcmp(s, "TCP") == 0)
        *ret = LCONT_SERVICE_PROTO_TCP;
    else if (strcmp(s, "UDP") == 0)
        *ret = LCONT_SERVICE_PROTO_UDP;
    else if (strcmp(s, "SCTP") == 0)
        *ret = LCONT_SERVICE_PROTO_SCTP;
    else
        return lcont__error_set(reterr, -EINVAL, "%s: %s: must be TCP, UDP or SCTP", what, key);
    return 1;
}

static const char *proto_name(int p)
{
    return p == LCONT_SERVICE_PROTO_UDP ? "UDP" : p == LCONT_SERVICE_PROTO_SCTP ? "SCTP" : "TCP";
}

/* A string field mapped onto enum values by a NULL-terminated name list. */
static int sj_enum(const cJSON *o, const char *key, const char *const *names, const char *what,
                   int *ret, lcont_error **reterr)
{
    const char *s;
    int r = lcont__sj_string(o, key, false, what, &s, reterr);
    if (r <= 0)
        return r;
    for (int i = 0; names[i]; i++)
        if (names[i][0] && strcmp(names[i], s) == 0) {
            *ret = i;
            return 1;
        }
    return lcont__error_set(reterr, -EINVAL, "%s: %s: unknown value '%s'", what, key, s);
}

static const char *const type_names[] = { "ClusterIP", "NodePort", "LoadBalancer", NULL };
static const char *const affinity_names[] = { "None", "ClientIP", NULL };
static const char *const policy_names[] = { "Cluster", "Local", NULL };
static const char *const distribution_names[] = { "Default", "PreferClose", NULL };

/* ---- endpoints ---- */

struct ep_descs {
    lcont_endpoint_desc *d;
    const char **sources;
    size_t n;
    /* per-endpoint allocations */
    lcont_endpoint_port **ports;
    const char ***zones, ***nodes;
};

static void ep_descs_free(struct ep_descs *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->ports ? e->ports[i] : NULL);
        free(e->zones ? (void *)e->zones[i] : NULL);
        free(e->nodes ? (void *)e->nodes[i] : NULL);
    }
    free(e->d);
    free(e->sources);
    free(e->ports);
    free(e->zones);
    free(e->nodes);
    memset(e, 0, sizeof(*e));
}

static int endpoint_from_json(const cJSON *o, const char *what, lcont_endpoint_desc *d,
                              lcont_endpoint_port **ret_ports, const char ***zones,
                              const char ***nodes, const char **source, lcont_error **reterr)
{
    const cJSON *hints, *ports, *it;
    int r;
    if (!cJSON_IsObject(o))
        return lcont__error_set(reterr, -EINVAL, "%s: must be an object", what);
    *d = (lcont_endpoint_desc)LCONT_ENDPOINT_DESC_INIT;
    if ((r = lcont__sj_string(o, "address", true, what, &d->address, reterr)) < 0 ||
        (r = lcont__sj_cond(o, "ready", what, &d->ready, reterr)) < 0 ||
        (r = lcont__sj_cond(o, "serving", what, &d->serving, reterr)) < 0 ||
        (r = lcont__sj_cond(o, "terminating", what, &d->terminating, reterr)) < 0 ||
        (r = lcont__sj_string(o, "node", false, what, &d->node, reterr)) < 0 ||
        (r = lcont__sj_string(o, "zone", false, what, &d->zone, reterr)) < 0 ||
        (r = lcont__sj_string(o, "targetRef", false, what, &d->target_ref, reterr)) < 0 ||
        (r = lcont__sj_string(o, "slice", false, what, source, reterr)) < 0 ||
        (r = lcont__sj_uint(o, "weight", 65535, what, &d->weight, reterr)) < 0)
        return r;
    hints = cJSON_GetObjectItemCaseSensitive(o, "hints");
    if (hints && !cJSON_IsNull(hints)) {
        if (!cJSON_IsObject(hints))
            return lcont__error_set(reterr, -EINVAL, "%s: hints: must be an object", what);
        if ((r = lcont__sj_strv(hints, "forZones", HINTS_MAX, what, zones, reterr)) < 0 ||
            (r = lcont__sj_strv(hints, "forNodes", HINTS_MAX, what, nodes, reterr)) < 0)
            return r;
        d->hint_zones = *zones;
        d->hint_nodes = *nodes;
    }
    ports = cJSON_GetObjectItemCaseSensitive(o, "ports");
    if (ports && !cJSON_IsNull(ports)) {
        int n = cJSON_GetArraySize(ports);
        if (!cJSON_IsArray(ports) || n > PORTS_MAX)
            return lcont__error_set(reterr, -EINVAL, "%s: ports: must be an array (at most %d)",
                                    what, PORTS_MAX);
        lcont_endpoint_port *p = calloc((size_t)n + 1, sizeof(*p));
        if (!p)
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
        *ret_ports = p;
        cJSON_ArrayForEach(it, ports)
        {
            if (!cJSON_IsObject(it))
                return lcont__error_set(reterr, -EINVAL, "%s: ports: must hold objects", what);
            if ((r = lcont__sj_string(it, "name", false, what, &p->name, reterr)) < 0 ||
                (r = lcont__sj_protocol(it, "protocol", what, &p->protocol, reterr)) < 0 ||
                (r = lcont__sj_uint(it, "port", 65535, what, &p->port, reterr)) < 0)
                return r;
            p++;
        }
        d->ports = *ret_ports;
        d->n_ports = (size_t)n;
    }
    return 0;
}

static int endpoints_from_json(const cJSON *arr, const char *svcname, struct ep_descs *e,
                               lcont_error **reterr)
{
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr) || n > ENDPOINTS_MAX)
        return lcont__error_set(reterr, -EINVAL, "service '%s': endpoints: must be an array",
                                svcname);
    size_t cnt = (size_t)n + 1;
    e->d = calloc(cnt, sizeof(*e->d));
    e->sources = calloc(cnt, sizeof(char *));
    e->ports = calloc(cnt, sizeof(*e->ports));
    e->zones = calloc(cnt, sizeof(*e->zones));
    e->nodes = calloc(cnt, sizeof(*e->nodes));
    if (!e->d || !e->sources || !e->ports || !e->zones || !e->nodes)
        return lcont__error_set(reterr, -ENOMEM, "service '%s': out of memory", svcname);
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char what[300];
        snprintf(what, sizeof(what), "service '%s': endpoints[%zu]", svcname, e->n);
        size_t i = e->n++;
        int r = endpoint_from_json(it, what, &e->d[i], &e->ports[i], &e->zones[i], &e->nodes[i],
                                   &e->sources[i], reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- services ---- */

struct svc_json {
    lcont_service_desc d;
    const char **vips;
    lcont_service_port *ports;
};

static int service_desc_from_json(const cJSON *o, struct svc_json *sj, lcont_error **reterr)
{
    lcont_service_desc *d = &sj->d;
    const cJSON *ports, *it;
    const char *s, *what = "service";
    int r;
    if (!cJSON_IsObject(o))
        return lcont__error_set(reterr, -EINVAL, "service: must be an object");
    *d = (lcont_service_desc)LCONT_SERVICE_DESC_INIT;
    if ((r = lcont__sj_string(o, "name", true, what, &d->name, reterr)) < 0)
        return r;
    char buf[300];
    snprintf(buf, sizeof(buf), "service '%s'", d->name);
    what = buf;
    if ((r = lcont__sj_string(o, "namespace", false, what, &d->ns, reterr)) < 0 ||
        (r = lcont__sj_strv(o, "vips", 16, what, &sj->vips, reterr)) < 0 ||
        (r = lcont__sj_string(o, "selector", false, what, &d->selector, reterr)) < 0 ||
        (r = sj_enum(o, "type", type_names, what, &d->type, reterr)) < 0 ||
        (r = sj_bool(o, "headless", what, &d->headless, reterr)) < 0 ||
        (r = lcont__sj_uint(o, "maglevSize", 1u << 24, what, &d->maglev_size, reterr)) < 0 ||
        (r = sj_enum(o, "sessionAffinity", affinity_names, what, &d->affinity, reterr)) < 0 ||
        (r = lcont__sj_uint(o, "affinityTimeout", 86400, what, &d->affinity_timeout, reterr)) < 0 ||
        (r = lcont__sj_uint(o, "affinityCapacity", AFFINITY_MAX_CAPACITY, what,
                            &d->affinity_capacity, reterr)) < 0 ||
        (r = sj_enum(o, "internalTrafficPolicy", policy_names, what, &d->internal_traffic_policy,
                     reterr)) < 0 ||
        (r = sj_enum(o, "externalTrafficPolicy", policy_names, what, &d->external_traffic_policy,
                     reterr)) < 0 ||
        (r = sj_enum(o, "trafficDistribution", distribution_names, what, &d->traffic_distribution,
                     reterr)) < 0 ||
        (r = sj_bool(o, "publishNotReadyAddresses", what, &d->publish_not_ready, reterr)) < 0 ||
        (r = lcont__sj_string(o, "picker", false, what, &s, reterr)) < 0)
        return r;
    d->vips = sj->vips;
    if (s && (d->picker = lcont__service_picker_from_name(s)) < 0)
        return lcont__error_set(reterr, -EINVAL, "%s: picker: unknown '%s'", what, s);
    ports = cJSON_GetObjectItemCaseSensitive(o, "ports");
    if (ports && !cJSON_IsNull(ports)) {
        int n = cJSON_GetArraySize(ports);
        if (!cJSON_IsArray(ports) || n > PORTS_MAX)
            return lcont__error_set(reterr, -EINVAL, "%s: ports: must be an array", what);
        sj->ports = calloc((size_t)n + 1, sizeof(*sj->ports));
        if (!sj->ports)
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
        lcont_service_port *p = sj->ports;
        cJSON_ArrayForEach(it, ports)
        {
            if (!cJSON_IsObject(it))
                return lcont__error_set(reterr, -EINVAL, "%s: ports: must hold objects", what);
            const cJSON *tp = cJSON_GetObjectItemCaseSensitive(it, "targetPort");
            if ((r = lcont__sj_string(it, "name", false, what, &p->name, reterr)) < 0 ||
                (r = lcont__sj_protocol(it, "protocol", what, &p->protocol, reterr)) < 0 ||
                (r = lcont__sj_uint(it, "port", 65535, what, &p->port, reterr)) < 0 ||
                (r = lcont__sj_uint(it, "nodePort", 65535, what, &p->node_port, reterr)) < 0)
                return r;
            if (cJSON_IsString(tp))
                p->target_port_name = tp->valuestring;
            else if ((r = lcont__sj_uint(it, "targetPort", 65535, what, &p->target_port, reterr)) <
                     0)
                return r;
            p++;
        }
        d->ports = sj->ports;
        d->n_ports = (size_t)n;
    }
    return 0;
}

int lcont__service_apply_json_obj(lcont_service_table *t, const cJSON *obj, uint64_t flags,
                                  uint64_t *ret_id, lcont_error **reterr)
{
    struct svc_json sj = { 0 };
    struct ep_descs eps = { 0 };
    uint64_t id;
    int r = service_desc_from_json(obj, &sj, reterr);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "endpoints");
    if (r >= 0 && arr && !cJSON_IsNull(arr))
        r = endpoints_from_json(arr, sj.d.name, &eps, reterr);
    if (r >= 0)
        r = lcont_service_add(t, &sj.d, flags, &id, reterr);
    if (r >= 0 && eps.d) {
        struct service *s = lcont__service_get(t, id);
        r = lcont__service_replace_endpoints(t, s, NULL, eps.d, eps.sources, eps.n, reterr);
        if (r >= 0)
            lcont__service_commit(t);
    }
    if (r >= 0 && ret_id)
        *ret_id = id;
    free(sj.vips);
    free(sj.ports);
    ep_descs_free(&eps);
    return r < 0 ? r : 0;
}

static int parse_bounded(const char *json, size_t max, cJSON **ret, lcont_error **reterr)
{
    if (!json)
        return lcont__error_set(reterr, -EINVAL, "JSON text is NULL");
    size_t len = strnlen(json, (size_t)max + 1);
    if (len > max)
        return lcont__error_set(reterr, -EFBIG, "JSON text larger than %zu bytes", max);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root)
        return lcont__error_set(reterr, -EINVAL, "invalid JSON near offset %zu",
                                end ? (size_t)(end - json) : (size_t)0);
    *ret = root;
    return 0;
}

int lcont_service_add_json(lcont_service_table *t, const char *json, uint64_t flags,
                           uint64_t *ret_id, lcont_error **reterr)
{
    cJSON *root;
    if (!t)
        return lcont__error_set(reterr, -EINVAL, "service table is NULL");
    int r = parse_bounded(json, 16u << 20, &root, reterr);
    if (r < 0)
        return r;
    r = lcont__service_apply_json_obj(t, root, flags, ret_id, reterr);
    cJSON_Delete(root);
    return r;
}

int lcont_service_table_load_json(lcont_service_table *t, const char *json, uint64_t flags,
                                  lcont_error **reterr)
{
    cJSON *root;
    const cJSON *svcs, *it;
    const char *node = NULL, *zone = NULL;
    if (!t)
        return lcont__error_set(reterr, -EINVAL, "service table is NULL");
    if (flags & ~LCONT_SERVICE_LOAD_REPLACE)
        return lcont__error_set(reterr, -EINVAL, "load: unknown flags 0x%llx",
                                (unsigned long long)flags);
    int r = parse_bounded(json, SERVICE_JSON_MAX, &root, reterr);
    if (r < 0)
        return r;
    svcs = cJSON_GetObjectItemCaseSensitive(root, "services");
    if (!cJSON_IsObject(root) || (svcs && !cJSON_IsArray(svcs))) {
        cJSON_Delete(root);
        return lcont__error_set(reterr, -EINVAL,
                                "table: must be an object with a \"services\" array");
    }
    if ((r = lcont__sj_string(root, "node", false, "table", &node, reterr)) < 0 ||
        (r = lcont__sj_string(root, "zone", false, "table", &zone, reterr)) < 0 ||
        ((node || zone) && (r = lcont_service_table_set_host(t, node, zone, reterr)) < 0)) {
        cJSON_Delete(root);
        return r;
    }
    _cleanup_free_ uint64_t *seen = calloc((size_t)cJSON_GetArraySize(svcs) + 1, sizeof(uint64_t));
    size_t n_seen = 0, i = 0;
    if (!seen) {
        cJSON_Delete(root);
        return lcont__error_set(reterr, -ENOMEM, "table: out of memory");
    }
    cJSON_ArrayForEach(it, svcs)
    {
        r = lcont__service_apply_json_obj(t, it, 0, &seen[n_seen], reterr);
        if (r < 0) {
            cJSON_Delete(root);
            return lcont__error_prefix(reterr, r, "services[%zu]: ", i);
        }
        n_seen++;
        i++;
    }
    cJSON_Delete(root);
    if (flags & LCONT_SERVICE_LOAD_REPLACE) {
        for (size_t slot = 0; slot < t->n_svc_slots; slot++) {
            struct service *s = t->services[slot];
            bool keep = false;
            for (size_t k = 0; s && !keep && k < n_seen; k++)
                keep = seen[k] == s->id;
            if (s && !keep && (r = lcont_service_remove(t, s->id, 0, reterr)) < 0)
                return r;
        }
    }
    return 0;
}

/* ---- save ---- */

static cJSON *strv_json(char *const *v)
{
    cJSON *a = cJSON_CreateArray();
    for (; a && v && *v; v++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateString(*v))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

static bool add_cond(cJSON *o, const char *key, int c)
{
    if (c == LCONT_SERVICE_COND_UNSET)
        return true;
    return cJSON_AddBoolToObject(o, key, c == LCONT_SERVICE_COND_TRUE) != NULL;
}

static bool add_opt_string(cJSON *o, const char *key, const char *s)
{
    return !s || cJSON_AddStringToObject(o, key, s);
}

static cJSON *endpoint_json(const struct ep_rec *e)
{
    cJSON *o = cJSON_CreateObject(), *ports, *hints;
    if (!o || !cJSON_AddStringToObject(o, "address", e->address) ||
        !(ports = cJSON_AddArrayToObject(o, "ports")))
        goto fail;
    for (size_t i = 0; i < e->n_ports; i++) {
        cJSON *p = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(ports, p) ||
            !cJSON_AddStringToObject(p, "name", e->ports[i].name) ||
            !cJSON_AddStringToObject(p, "protocol", proto_name(e->ports[i].protocol)) ||
            !cJSON_AddNumberToObject(p, "port", e->ports[i].port))
            goto fail;
    }
    if (!add_cond(o, "ready", e->ready) || !add_cond(o, "serving", e->serving) ||
        !add_cond(o, "terminating", e->terminating) || !add_opt_string(o, "node", e->node) ||
        !add_opt_string(o, "zone", e->zone) || !add_opt_string(o, "targetRef", e->target_ref) ||
        !add_opt_string(o, "slice", e->source) || !cJSON_AddNumberToObject(o, "weight", e->weight))
        goto fail;
    if (e->hint_zones || e->hint_nodes) {
        if (!(hints = cJSON_AddObjectToObject(o, "hints")) ||
            (e->hint_zones &&
             !cJSON_AddItemToObject(hints, "forZones", strv_json(e->hint_zones))) ||
            (e->hint_nodes && !cJSON_AddItemToObject(hints, "forNodes", strv_json(e->hint_nodes))))
            goto fail;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static cJSON *service_json(const struct service *s)
{
    const struct svc_conf *c = &s->conf;
    cJSON *o = cJSON_CreateObject(), *ports, *eps;
    if (!o || !cJSON_AddStringToObject(o, "namespace", s->ns) ||
        !cJSON_AddStringToObject(o, "name", s->name) ||
        !cJSON_AddItemToObject(o, "vips", strv_json(c->vips)) ||
        !(ports = cJSON_AddArrayToObject(o, "ports")))
        goto fail;
    for (size_t i = 0; i < c->n_ports; i++) {
        const struct svc_port_rec *p = &c->ports[i];
        cJSON *j = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(ports, j) || !cJSON_AddStringToObject(j, "name", p->name) ||
            !cJSON_AddStringToObject(j, "protocol", proto_name(p->protocol)) ||
            !cJSON_AddNumberToObject(j, "port", p->port) ||
            (p->target_port_name ? !cJSON_AddStringToObject(j, "targetPort", p->target_port_name)
                                 : !cJSON_AddNumberToObject(j, "targetPort", p->target_port)) ||
            !cJSON_AddNumberToObject(j, "nodePort", p->node_port))
            goto fail;
    }
    if (!add_opt_string(o, "selector", c->selector) ||
        !cJSON_AddStringToObject(o, "type", type_names[c->type]) ||
        !cJSON_AddBoolToObject(o, "headless", c->headless) ||
        !cJSON_AddStringToObject(o, "picker", lcont__service_picker_name(c->picker)) ||
        !cJSON_AddNumberToObject(o, "maglevSize", c->maglev_size) ||
        !cJSON_AddStringToObject(o, "sessionAffinity", affinity_names[c->affinity]) ||
        !cJSON_AddNumberToObject(o, "affinityTimeout", c->affinity_timeout) ||
        !cJSON_AddNumberToObject(o, "affinityCapacity", c->affinity_capacity) ||
        !cJSON_AddStringToObject(o, "internalTrafficPolicy", policy_names[c->itp]) ||
        !cJSON_AddStringToObject(o, "externalTrafficPolicy", policy_names[c->etp]) ||
        !cJSON_AddStringToObject(o, "trafficDistribution", distribution_names[c->distribution]) ||
        !cJSON_AddBoolToObject(o, "publishNotReadyAddresses", c->publish_not_ready) ||
        !(eps = cJSON_AddArrayToObject(o, "endpoints")))
        goto fail;
    for (size_t i = 0; i < s->n_eps; i++)
        if (!cJSON_AddItemToArray(eps, endpoint_json(&s->eps[i])))
            goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

int lcont_service_table_save_json(lcont_service_table *t, uint64_t flags, char **ret,
                                  lcont_error **reterr)
{
    if (!t || !ret || flags)
        return lcont__error_set(reterr, -EINVAL, "save: bad arguments");
    cJSON *root = cJSON_CreateObject(), *svcs;
    if (!root || !cJSON_AddStringToObject(root, "kind", "lcont-service-table") ||
        !cJSON_AddNumberToObject(root, "version", 1) ||
        !add_opt_string(root, "node", t->host_node) ||
        !add_opt_string(root, "zone", t->host_zone) ||
        !(svcs = cJSON_AddArrayToObject(root, "services")))
        goto nomem;
    for (size_t i = 0; i < t->n_svc_slots; i++)
        if (t->services[i] && !cJSON_AddItemToArray(svcs, service_json(t->services[i])))
            goto nomem;
    char *printed = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    /* cJSON may use an allocator the host installed; lcont_free() is plain free(). */
    char *s = printed ? strdup(printed) : NULL;
    cJSON_free(printed);
    if (!s)
        return lcont__error_set(reterr, -ENOMEM, "save: out of memory");
    *ret = s;
    return 0;
nomem:
    cJSON_Delete(root);
    return lcont__error_set(reterr, -ENOMEM, "save: out of memory");
}
