/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kubernetes Service and discovery.k8s.io/v1 EndpointSlice objects (JSON or YAML). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "service/service-internal.h"

#define K8S_ITEMS_MAX 100000

struct k8s_ctx {
    lcont_service_table *t;
    int applied;
};

static int meta(const cJSON *o, const char *kind, const char **ns, const char **name,
                const cJSON **ret_meta, lcont_error **reterr)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "metadata");
    if (!cJSON_IsObject(m))
        return lcont__error_set(reterr, -EINVAL, "%s: metadata: required object", kind);
    int r = lcont__sj_string(m, "name", true, kind, name, reterr);
    if (r < 0)
        return r;
    if ((r = lcont__sj_string(m, "namespace", false, kind, ns, reterr)) < 0)
        return r;
    if (!*ns || !**ns)
        *ns = "default";
    *ret_meta = m;
    return 0;
}

static const char *annotation(const cJSON *m, const char *key)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(m, "annotations");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int map_enum(const char *s, const char *const *names, const char *what, int *ret,
                    lcont_error **reterr)
{
    if (!s)
        return 0;
    for (int i = 0; names[i]; i++)
        if (strcmp(s, names[i]) == 0) {
            *ret = i;
            return 0;
        }
    return lcont__error_set(reterr, -EINVAL, "%s: unsupported value '%s'", what, s);
}

static int apply_service(struct k8s_ctx *c, const cJSON *o, lcont_error **reterr)
{
    static const char *const types[] = { "ClusterIP", "NodePort", "LoadBalancer", NULL };
    static const char *const affinities[] = { "None", "ClientIP", NULL };
    static const char *const policies[] = { "Cluster", "Local", NULL };
    lcont_service_desc d = LCONT_SERVICE_DESC_INIT;
    const cJSON *m, *spec, *ports, *sel, *it;
    const char *s, *type = NULL, *aff = NULL, *itp = NULL, *etp = NULL, *dist = NULL;
    _cleanup_free_ lcont_service_port *p = NULL;
    _cleanup_free_ const char **vips = NULL;
    _cleanup_free_ char *selector = NULL;
    char what[300];
    int r;

    if ((r = meta(o, "Service", &d.ns, &d.name, &m, reterr)) < 0)
        return r;
    snprintf(what, sizeof(what), "Service %s/%s", d.ns, d.name);
    spec = cJSON_GetObjectItemCaseSensitive(o, "spec");
    if (!cJSON_IsObject(spec))
        return lcont__error_set(reterr, -EINVAL, "%s: spec: required object", what);

    /* clusterIPs wins over clusterIP; "None" means headless. */
    if ((r = lcont__sj_strv(spec, "clusterIPs", 2, what, &vips, reterr)) < 0)
        return r;
    if (!vips) {
        if ((r = lcont__sj_string(spec, "clusterIP", false, what, &s, reterr)) < 0)
            return r;
        if (s && *s) {
            vips = calloc(2, sizeof(char *));
            if (!vips)
                return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
            vips[0] = s;
        }
    }
    if (vips && vips[0] && strcmp(vips[0], "None") == 0) {
        d.headless = 1;
        vips[0] = NULL;
    }
    d.vips = vips;

    ports = cJSON_GetObjectItemCaseSensitive(spec, "ports");
    if (ports && !cJSON_IsNull(ports)) {
        int n = cJSON_GetArraySize(ports);
        if (!cJSON_IsArray(ports) || n > PORTS_MAX)
            return lcont__error_set(reterr, -EINVAL, "%s: spec.ports: must be an array", what);
        if (!(p = calloc((size_t)n + 1, sizeof(*p))))
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
        size_t i = 0;
        cJSON_ArrayForEach(it, ports)
        {
            lcont_service_port *sp = &p[i++];
            if (!cJSON_IsObject(it))
                return lcont__error_set(reterr, -EINVAL, "%s: spec.ports: must hold objects", what);
            const cJSON *tp = cJSON_GetObjectItemCaseSensitive(it, "targetPort");
            if ((r = lcont__sj_string(it, "name", false, what, &sp->name, reterr)) < 0 ||
                (r = lcont__sj_protocol(it, "protocol", what, &sp->protocol, reterr)) < 0 ||
                (r = lcont__sj_uint(it, "port", 65535, what, &sp->port, reterr)) < 0 ||
                (r = lcont__sj_uint(it, "nodePort", 65535, what, &sp->node_port, reterr)) < 0)
                return r;
            if (cJSON_IsString(tp))
                sp->target_port_name = tp->valuestring;
            else if ((r = lcont__sj_uint(it, "targetPort", 65535, what, &sp->target_port, reterr)) <
                     0)
                return r;
        }
        d.ports = p;
        d.n_ports = (size_t)n;
    }

    /* selector: an equality map, rendered in the text form. */
    sel = cJSON_GetObjectItemCaseSensitive(spec, "selector");
    if (cJSON_IsObject(sel)) {
        size_t len = 1;
        cJSON_ArrayForEach(it, sel)
        {
            if (!cJSON_IsString(it))
                return lcont__error_set(reterr, -EINVAL, "%s: spec.selector.%s: must be a string",
                                        what, it->string);
            len += strlen(it->string) + strlen(it->valuestring) + 2;
        }
        if (!(selector = calloc(1, len)))
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
        cJSON_ArrayForEach(it, sel)
        {
            if (*selector)
                strcat(selector, ",");
            strcat(selector, it->string);
            strcat(selector, "=");
            strcat(selector, it->valuestring);
        }
        d.selector = selector;
    }

    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(spec, "sessionAffinityConfig");
    const cJSON *cip = cJSON_GetObjectItemCaseSensitive(cfg, "clientIP");
    if ((r = lcont__sj_string(spec, "type", false, what, &type, reterr)) < 0 ||
        (r = lcont__sj_string(spec, "sessionAffinity", false, what, &aff, reterr)) < 0 ||
        (r = lcont__sj_string(spec, "internalTrafficPolicy", false, what, &itp, reterr)) < 0 ||
        (r = lcont__sj_string(spec, "externalTrafficPolicy", false, what, &etp, reterr)) < 0 ||
        (r = lcont__sj_string(spec, "trafficDistribution", false, what, &dist, reterr)) < 0 ||
        (cip &&
         (r = lcont__sj_uint(cip, "timeoutSeconds", 86400, what, &d.affinity_timeout, reterr)) < 0))
        return r;
    const cJSON *pnr = cJSON_GetObjectItemCaseSensitive(spec, "publishNotReadyAddresses");
    d.publish_not_ready = cJSON_IsTrue(pnr);
    /* ExternalName services have no endpoints to route to. */
    if (type && strcmp(type, "ExternalName") == 0)
        return 0;
    if ((r = map_enum(type, types, what, &d.type, reterr)) < 0 ||
        (r = map_enum(aff, affinities, what, &d.affinity, reterr)) < 0 ||
        (r = map_enum(itp, policies, what, &d.internal_traffic_policy, reterr)) < 0 ||
        (r = map_enum(etp, policies, what, &d.external_traffic_policy, reterr)) < 0)
        return r;
    /* PreferSameZone (1.34) is the newer name of PreferClose. */
    if (dist && (strcmp(dist, "PreferClose") == 0 || strcmp(dist, "PreferSameZone") == 0 ||
                 strcmp(dist, "PreferSameNode") == 0))
        d.traffic_distribution = LCONT_SERVICE_DISTRIBUTION_PREFER_CLOSE;

    /* lcont extensions, as annotations so manifests stay valid Kubernetes. */
    if ((s = annotation(m, "lcont.io/picker")) &&
        (d.picker = lcont__service_picker_from_name(s)) < 0)
        return lcont__error_set(reterr, -EINVAL, "%s: annotation lcont.io/picker: unknown '%s'",
                                what, s);
    if ((s = annotation(m, "lcont.io/maglev-size")))
        d.maglev_size = (uint32_t)strtoul(s, NULL, 10);
    if ((s = annotation(m, "lcont.io/affinity-capacity")))
        d.affinity_capacity = (uint32_t)strtoul(s, NULL, 10);

    r = lcont_service_add(c->t, &d, 0, NULL, reterr);
    if (r < 0)
        return r;
    c->applied++;
    return 0;
}

static int slice_endpoint(const cJSON *o, const char *what, lcont_endpoint_desc *d,
                          const char ***zones, const char ***nodes, char **ref,
                          lcont_error **reterr)
{
    const cJSON *addrs, *cond, *hints, *tr;
    int r;
    if (!cJSON_IsObject(o))
        return lcont__error_set(reterr, -EINVAL, "%s: must be an object", what);
    addrs = cJSON_GetObjectItemCaseSensitive(o, "addresses");
    if (!cJSON_IsArray(addrs) || !cJSON_IsString(cJSON_GetArrayItem(addrs, 0)))
        return lcont__error_set(reterr, -EINVAL, "%s: addresses: needs at least one string", what);
    /* Consumers use the first address only (EndpointSlice API). */
    d->address = cJSON_GetArrayItem(addrs, 0)->valuestring;
    cond = cJSON_GetObjectItemCaseSensitive(o, "conditions");
    if (cond && !cJSON_IsNull(cond)) {
        if (!cJSON_IsObject(cond))
            return lcont__error_set(reterr, -EINVAL, "%s: conditions: must be an object", what);
        if ((r = lcont__sj_cond(cond, "ready", what, &d->ready, reterr)) < 0 ||
            (r = lcont__sj_cond(cond, "serving", what, &d->serving, reterr)) < 0 ||
            (r = lcont__sj_cond(cond, "terminating", what, &d->terminating, reterr)) < 0)
            return r;
    }
    if ((r = lcont__sj_string(o, "nodeName", false, what, &d->node, reterr)) < 0 ||
        (r = lcont__sj_string(o, "zone", false, what, &d->zone, reterr)) < 0)
        return r;
    hints = cJSON_GetObjectItemCaseSensitive(o, "hints");
    const char *keys[2] = { "forZones", "forNodes" };
    const char ***outs[2] = { zones, nodes };
    for (int k = 0; k < 2 && hints; k++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(hints, keys[k]), *it;
        int n = cJSON_GetArraySize(arr);
        if (!arr || cJSON_IsNull(arr))
            continue;
        if (!cJSON_IsArray(arr) || n > HINTS_MAX)
            return lcont__error_set(reterr, -EINVAL, "%s: hints.%s: must be an array", what,
                                    keys[k]);
        const char **v = calloc((size_t)n + 1, sizeof(char *));
        if (!v)
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
        *outs[k] = v;
        cJSON_ArrayForEach(it, arr)
        {
            const char *name;
            if ((r = lcont__sj_string(it, "name", true, what, &name, reterr)) < 0)
                return r;
            *v++ = name;
        }
    }
    d->hint_zones = *zones;
    d->hint_nodes = *nodes;
    tr = cJSON_GetObjectItemCaseSensitive(o, "targetRef");
    if (cJSON_IsObject(tr)) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(tr, "kind");
        const cJSON *ns = cJSON_GetObjectItemCaseSensitive(tr, "namespace");
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(tr, "name");
        if (cJSON_IsString(n) &&
            asprintf(ref, "%s/%s/%s", cJSON_IsString(k) ? k->valuestring : "Pod",
                     cJSON_IsString(ns) ? ns->valuestring : "default", n->valuestring) < 0) {
            *ref = NULL;
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
        }
        d->target_ref = *ref;
    }
    return 0;
}

static int apply_slice(struct k8s_ctx *c, const cJSON *o, lcont_error **reterr)
{
    const cJSON *m, *labels, *svcname, *ports, *eps, *it;
    const char *ns, *name, *atype;
    char what[300];
    int r;

    if ((r = meta(o, "EndpointSlice", &ns, &name, &m, reterr)) < 0)
        return r;
    snprintf(what, sizeof(what), "EndpointSlice %s/%s", ns, name);
    labels = cJSON_GetObjectItemCaseSensitive(m, "labels");
    svcname = cJSON_GetObjectItemCaseSensitive(labels, "kubernetes.io/service-name");
    if (!cJSON_IsString(svcname))
        return lcont__error_set(reterr, -EINVAL,
                                "%s: metadata.labels.kubernetes.io/service-name: required", what);
    if ((r = lcont__sj_string(o, "addressType", false, what, &atype, reterr)) < 0)
        return r;
    if (atype && strcmp(atype, "FQDN") == 0)
        return 0; /* names, not addresses: nothing to route to */

    ports = cJSON_GetObjectItemCaseSensitive(o, "ports");
    eps = cJSON_GetObjectItemCaseSensitive(o, "endpoints");
    int np = cJSON_GetArraySize(ports), ne = cJSON_GetArraySize(eps);
    if ((ports && !cJSON_IsNull(ports) && !cJSON_IsArray(ports)) || np > PORTS_MAX ||
        (eps && !cJSON_IsNull(eps) && !cJSON_IsArray(eps)) || ne > ENDPOINTS_MAX)
        return lcont__error_set(reterr, -EINVAL, "%s: ports/endpoints: must be bounded arrays",
                                what);
    _cleanup_free_ lcont_endpoint_port *p = calloc((size_t)np + 1, sizeof(*p));
    _cleanup_free_ lcont_endpoint_desc *d = calloc((size_t)ne + 1, sizeof(*d));
    _cleanup_free_ void *allocs = calloc(3 * ((size_t)ne + 1), sizeof(void *));
    if (!p || !d || !allocs)
        return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
    void **owned = allocs;
    size_t n_ports = 0, n = 0;
    cJSON_ArrayForEach(it, ports)
    {
        lcont_endpoint_port *ep = &p[n_ports];
        if (!cJSON_IsObject(it))
            return lcont__error_set(reterr, -EINVAL, "%s: ports: must hold objects", what);
        if ((r = lcont__sj_string(it, "name", false, what, &ep->name, reterr)) < 0 ||
            (r = lcont__sj_protocol(it, "protocol", what, &ep->protocol, reterr)) < 0 ||
            (r = lcont__sj_uint(it, "port", 65535, what, &ep->port, reterr)) < 0)
            return r;
        if (ep->port) /* a null port means "all ports": not routable by number */
            n_ports++;
    }
    cJSON_ArrayForEach(it, eps)
    {
        char ewhat[340];
        snprintf(ewhat, sizeof(ewhat), "%s: endpoints[%zu]", what, n);
        d[n] = (lcont_endpoint_desc)LCONT_ENDPOINT_DESC_INIT;
        d[n].ports = p;
        d[n].n_ports = n_ports;
        r = slice_endpoint(it, ewhat, &d[n], (const char ***)&owned[3 * n],
                           (const char ***)&owned[3 * n + 1], (char **)&owned[3 * n + 2], reterr);
        n++;
        if (r < 0)
            break;
    }
    if (r >= 0) {
        struct service *s = lcont__service_find(c->t, ns, svcname->valuestring);
        if (!s)
            r = lcont__service_add_placeholder(c->t, ns, svcname->valuestring, &s, reterr);
        if (r >= 0)
            r = lcont__service_replace_endpoints(c->t, s, name, d, NULL, n, reterr);
        if (r >= 0) {
            lcont__service_commit(c->t);
            c->applied++;
        }
    }
    for (size_t i = 0; i < 3 * n; i++)
        free(owned[i]);
    return r < 0 ? r : 0;
}

static int apply_object(struct k8s_ctx *c, const cJSON *o, int depth, lcont_error **reterr)
{
    const char *kind = NULL, *api = NULL;
    if (cJSON_IsNull(o))
        return 0; /* empty YAML document */
    if (!cJSON_IsObject(o))
        return lcont__error_set(reterr, -EINVAL, "object: must be a mapping");
    int r = lcont__sj_string(o, "kind", true, "object", &kind, reterr);
    if (r < 0 || (r = lcont__sj_string(o, "apiVersion", false, kind, &api, reterr)) < 0)
        return r;
    if (strcmp(kind, "List") == 0 || strcmp(kind, "ServiceList") == 0 ||
        strcmp(kind, "EndpointSliceList") == 0) {
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(o, "items"), *it;
        if (depth > 2 || !cJSON_IsArray(items) || cJSON_GetArraySize(items) > K8S_ITEMS_MAX)
            return lcont__error_set(reterr, -EINVAL, "%s: items: must be an array", kind);
        size_t i = 0;
        cJSON_ArrayForEach(it, items)
        {
            if ((r = apply_object(c, it, depth + 1, reterr)) < 0)
                return lcont__error_prefix(reterr, r, "items[%zu]: ", i);
            i++;
        }
        return 0;
    }
    if (strcmp(kind, "Service") == 0 && (!api || strcmp(api, "v1") == 0))
        return apply_service(c, o, reterr);
    if (strcmp(kind, "EndpointSlice") == 0 && (!api || strcmp(api, "discovery.k8s.io/v1") == 0))
        return apply_slice(c, o, reterr);
    return 0; /* other kinds are someone else's */
}

int lcont_service_table_apply_k8s(lcont_service_table *t, const char *text, size_t len,
                                  uint64_t flags, lcont_error **reterr)
{
    struct k8s_ctx c = { t, 0 };
    cJSON *docs = NULL;
    int r;
    if (!t || !text || flags)
        return lcont__error_set(reterr, -EINVAL, "apply: bad arguments");
    if (len > SERVICE_JSON_MAX)
        return lcont__error_set(reterr, -EFBIG, "apply: input larger than %u bytes",
                                SERVICE_JSON_MAX);
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r'))
        i++;
    if (i < len && text[i] == '{') {
        cJSON *one = cJSON_ParseWithLength(text, len);
        if (!one)
            return lcont__error_set(reterr, -EINVAL, "apply: invalid JSON");
        docs = cJSON_CreateArray();
        if (!docs) {
            cJSON_Delete(one);
            return lcont__error_set(reterr, -ENOMEM, "apply: out of memory");
        }
        cJSON_AddItemToArray(docs, one);
    } else if ((r = lcont__service_yaml_to_json(text, len, &docs, reterr)) < 0) {
        return r;
    }
    const cJSON *it;
    size_t n = 0;
    r = 0;
    cJSON_ArrayForEach(it, docs)
    {
        if ((r = apply_object(&c, it, 0, reterr)) < 0) {
            r = lcont__error_prefix(reterr, r, "document %zu: ", n);
            break;
        }
        n++;
    }
    cJSON_Delete(docs);
    return r < 0 ? r : c.applied;
}
