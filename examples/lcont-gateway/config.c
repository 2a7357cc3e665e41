/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The config file (YAML or JSON) into an immutable struct gw_config. Unknown keys are errors so
 * a typo does not silently turn a limit off. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw.h"
#include "table.h"

#define FAIL(...)                           \
    do {                                    \
        snprintf(err, errlen, __VA_ARGS__); \
        return -1;                          \
    } while (0)

static char *read_all(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[len] = '\0';
        *ret_len = len;
    }
    return buf;
}

cJSON *gw_read_json_or_yaml(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = read_all(path, &len);
    if (!text) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    const char *p = text;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    cJSON *j;
    err[0] = '\0';
    if (*p == '{' || *p == '[') {
        j = cJSON_Parse(text);
        if (!j)
            snprintf(err, errlen, "%s: invalid JSON near '%.20s'", path,
                     cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
    } else {
        j = gw_yaml_to_json(text, len, err, errlen);
    }
    free(text);
    return j;
}

/* Reject keys a section does not know. */
static int check_keys(const cJSON *o, const char *where, const char *const *known, char *err,
                      size_t errlen)
{
    if (!cJSON_IsObject(o))
        FAIL("%s: must be an object", where);
    for (const cJSON *c = o->child; c; c = c->next) {
        bool ok = false;
        for (size_t i = 0; known[i]; i++)
            ok |= strcmp(c->string, known[i]) == 0;
        if (!ok)
            FAIL("%s: unknown key '%s'", where, c->string);
    }
    return 0;
}

static int get_int(const cJSON *o, const char *key, int def, int min, int *ret, char *err,
                   size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        *ret = def;
        return 0;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > 1e9)
        FAIL("%s: must be a number >= %d", key, min);
    *ret = (int)v->valuedouble;
    return 0;
}

static double get_double(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *get_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

#define MAX_STATIC_ENDPOINTS 256

static int add_endpoint(struct gw_service *s, const char *addr, int weight, char *err,
                        size_t errlen)
{
    struct gw_endpoint *e = gw_registry_endpoint(s->name, addr);
    if (!e)
        FAIL("service %s: bad endpoint address '%s' (want host:port)", s->name, addr);
    for (size_t i = 0; i < s->n_eps; i++)
        if (s->eps[i] == e)
            return 0;
    if (s->n_eps == MAX_STATIC_ENDPOINTS)
        FAIL("service %s: more than %d endpoints", s->name, MAX_STATIC_ENDPOINTS);
    struct gw_endpoint **n = realloc(s->eps, (s->n_eps + 1) * sizeof(*n));
    if (!n)
        FAIL("out of memory");
    s->eps = n;
    int *w = realloc(s->weights, (s->n_eps + 1) * sizeof(*w));
    if (!w)
        FAIL("out of memory");
    s->weights = w;
    s->weights[s->n_eps] = weight;
    s->eps[s->n_eps++] = e;
    return 0;
}

/* Smooth weighted round robin (as nginx): each step every endpoint gains its weight, the
 * richest is picked and pays the total, which interleaves instead of bursting. */
static int build_wseq(struct gw_service *s)
{
    size_t total = 0;
    bool uniform = true;
    for (size_t i = 0; i < s->n_eps; i++) {
        total += (size_t)s->weights[i];
        uniform &= s->weights[i] == 1;
    }
    if (uniform || total == 0)
        return 0;
    long cur[MAX_STATIC_ENDPOINTS] = { 0 };
    s->wseq = calloc(total, sizeof(*s->wseq));
    if (!s->wseq)
        return -1;
    for (size_t k = 0; k < total; k++) {
        size_t best = 0;
        for (size_t i = 0; i < s->n_eps; i++) {
            cur[i] += s->weights[i];
            if (cur[i] > cur[best])
                best = i;
        }
        cur[best] -= (long)total;
        s->wseq[k] = (uint16_t)best;
    }
    s->n_wseq = total;
    return 0;
}

static int parse_service(struct gw_config *c, struct gw_service *s, const cJSON *j, char *err,
                         size_t errlen)
{
    static const char *const keys[] = { "name",
                                        "endpoints",
                                        "table",
                                        "picker",
                                        "health",
                                        "outlier",
                                        "retries",
                                        "circuit",
                                        "connect_timeout_ms",
                                        "response_timeout_ms",
                                        NULL };
    if (check_keys(j, "services[]", keys, err, errlen) < 0)
        return -1;
    const char *name = get_str(j, "name");
    if (!name || !*name)
        FAIL("services[]: name is required");
    s->name = strdup(name);
    s->stats = gw_registry_service(name);
    if (!s->name || !s->stats)
        FAIL("out of memory");
    const char *picker = get_str(j, "picker");
    if (!picker || !strcmp(picker, "round_robin"))
        s->picker = GW_PICK_RR;
    else if (!strcmp(picker, "random"))
        s->picker = GW_PICK_RANDOM;
    else if (!strcmp(picker, "least_connections"))
        s->picker = GW_PICK_LEAST;
    else
        FAIL("service %s: picker must be round_robin, random or least_connections", name);
    if (get_int(j, "connect_timeout_ms", 1000, 1, &s->connect_timeout_ms, err, errlen) < 0 ||
        get_int(j, "response_timeout_ms", 30000, 1, &s->response_timeout_ms, err, errlen) < 0)
        return -1;

    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(j, "endpoints");
    const cJSON *ep;
    cJSON_ArrayForEach(ep, eps)
    {
        static const char *const ekeys[] = { "address", "weight", NULL };
        int weight = 1;
        const char *a = cJSON_IsString(ep) ? ep->valuestring : get_str(ep, "address");
        if (!a)
            FAIL("service %s: endpoints[] must be \"host:port\" or {address, weight}", name);
        if (!cJSON_IsString(ep) && (check_keys(ep, "endpoints[]", ekeys, err, errlen) < 0 ||
                                    get_int(ep, "weight", 1, 1, &weight, err, errlen) < 0))
            return -1;
        if (weight > 100)
            FAIL("service %s: endpoint weight must be 1..100", name);
        if (add_endpoint(s, a, weight, err, errlen) < 0)
            return -1;
    }

    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "table");
    if (t) {
        static const char *const tkeys[] = { "file", "service", "port", NULL };
        if (check_keys(t, "table", tkeys, err, errlen) < 0)
            return -1;
        s->table_file = dup_or_null(get_str(t, "file"));
        s->table_service = dup_or_null(get_str(t, "service"));
        s->table_port = dup_or_null(get_str(t, "port"));
        if (!s->table_file || !s->table_service)
            FAIL("service %s: table needs file and service", name);
        char **addrs = NULL;
        if (gw_table_endpoints(s, &addrs, err, errlen) < 0)
            return -1;
        for (char **a = addrs; *a; a++)
            if (add_endpoint(s, *a, 1, err, errlen) < 0) {
                gw_strv_free(addrs);
                return -1;
            }
        gw_strv_free(addrs);
        size_t n = gw_strv_len(c->watch_files);
        char **w = realloc(c->watch_files, (n + 2) * sizeof(*w));
        if (!w)
            FAIL("out of memory");
        c->watch_files = w;
        w[n] = strdup(s->table_file);
        w[n + 1] = NULL;
    }
    if (!eps && !t)
        FAIL("service %s: needs endpoints or a table", name);
    if (build_wseq(s) < 0)
        FAIL("out of memory");

    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "health");
    if (h) {
        static const char *const hkeys[] = { "type",
                                             "path",
                                             "interval_ms",
                                             "timeout_ms",
                                             "expect_status",
                                             "healthy_threshold",
                                             "unhealthy_threshold",
                                             NULL };
        if (check_keys(h, "health", hkeys, err, errlen) < 0)
            return -1;
        const char *type = get_str(h, "type");
        if (!type || (strcmp(type, "tcp") && strcmp(type, "http")))
            FAIL("service %s: health.type must be tcp or http", name);
        strcpy(s->hc_type, type);
        s->hc_path = strdup(get_str(h, "path") ? get_str(h, "path") : "/");
        if (get_int(h, "interval_ms", 1000, 10, &s->hc_interval_ms, err, errlen) < 0 ||
            get_int(h, "timeout_ms", 500, 1, &s->hc_timeout_ms, err, errlen) < 0 ||
            get_int(h, "expect_status", 200, 100, &s->hc_expect, err, errlen) < 0 ||
            get_int(h, "healthy_threshold", 1, 1, &s->hc_healthy, err, errlen) < 0 ||
            get_int(h, "unhealthy_threshold", 2, 1, &s->hc_unhealthy, err, errlen) < 0)
            return -1;
    }
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "outlier");
    if (o) {
        static const char *const okeys[] = { "consecutive_failures", "ejection_ms", NULL };
        if (check_keys(o, "outlier", okeys, err, errlen) < 0 ||
            get_int(o, "consecutive_failures", 5, 1, &s->outlier_failures, err, errlen) < 0 ||
            get_int(o, "ejection_ms", 30000, 1, &s->outlier_eject_ms, err, errlen) < 0)
            return -1;
    }
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "retries");
    s->retry_attempts = 1;
    s->retry_budget_percent = 20;
    s->retry_min_concurrent = 3;
    s->retry_body_max = 65536;
    if (r) {
        static const char *const rkeys[] = { "attempts",
                                             "budget_percent",
                                             "min_concurrent",
                                             "max_body_bytes",
                                             "on_5xx",
                                             "on_timeout",
                                             NULL };
        int body_max;
        if (check_keys(r, "retries", rkeys, err, errlen) < 0 ||
            get_int(r, "attempts", 1, 0, &s->retry_attempts, err, errlen) < 0 ||
            get_int(r, "budget_percent", 20, 0, &s->retry_budget_percent, err, errlen) < 0 ||
            get_int(r, "min_concurrent", 3, 0, &s->retry_min_concurrent, err, errlen) < 0 ||
            get_int(r, "max_body_bytes", 65536, 0, &body_max, err, errlen) < 0)
            return -1;
        s->retry_body_max = (size_t)body_max;
        s->retry_5xx = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "on_5xx"));
        s->retry_timeout = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "on_timeout"));
    }
    const cJSON *cb = cJSON_GetObjectItemCaseSensitive(j, "circuit");
    if (cb) {
        static const char *const ckeys[] = { "max_connections", "max_pending", "max_requests",
                                             NULL };
        if (check_keys(cb, "circuit", ckeys, err, errlen) < 0 ||
            get_int(cb, "max_connections", 0, 0, &s->max_connections, err, errlen) < 0 ||
            get_int(cb, "max_pending", 0, 0, &s->max_pending, err, errlen) < 0 ||
            get_int(cb, "max_requests", 0, 0, &s->max_requests, err, errlen) < 0)
            return -1;
    }
    return 0;
}

struct gw_service *gw_config_service(struct gw_config *c, const char *name)
{
    for (size_t i = 0; i < c->n_services; i++)
        if (strcmp(c->services[i].name, name) == 0)
            return &c->services[i];
    return NULL;
}

static int parse_route(struct gw_config *c, struct gw_listener *l, struct gw_route *r,
                       const cJSON *j, size_t idx, char *err, size_t errlen)
{
    static const char *const keys[] = { "name", "match", "service", "rate_limit", NULL };
    if (check_keys(j, "routes[]", keys, err, errlen) < 0)
        return -1;
    const char *svc = get_str(j, "service");
    if (!svc || !(r->service = gw_config_service(c, svc)))
        FAIL("listener %s: route %zu: unknown service '%s'", l->name, idx, svc ? svc : "");
    char def[128];
    snprintf(def, sizeof(def), "%s#%zu", l->name, idx);
    r->name = strdup(get_str(j, "name") ? get_str(j, "name") : def);
    r->stats = gw_registry_route(r->name);
    if (!r->name || !r->stats)
        FAIL("out of memory");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "match");
    if (m) {
        static const char *const mkeys[] = { "host", "path_prefix", "headers", NULL };
        if (check_keys(m, "match", mkeys, err, errlen) < 0)
            return -1;
        r->host = dup_or_null(get_str(m, "host"));
        r->path_prefix = dup_or_null(get_str(m, "path_prefix"));
        const cJSON *hs = cJSON_GetObjectItemCaseSensitive(m, "headers");
        if (hs && !cJSON_IsObject(hs))
            FAIL("route %s: match.headers must map names to values (or true)", r->name);
        size_t n = (size_t)cJSON_GetArraySize(hs);
        if (n) {
            r->headers = calloc(n, sizeof(*r->headers));
            if (!r->headers)
                FAIL("out of memory");
        }
        for (const cJSON *h = hs ? hs->child : NULL; h; h = h->next) {
            struct gw_header_match *hm = &r->headers[r->n_headers++];
            hm->name = strdup(h->string);
            hm->value = cJSON_IsString(h) ? strdup(h->valuestring) : NULL;
        }
    }
    const cJSON *rl = cJSON_GetObjectItemCaseSensitive(j, "rate_limit");
    if (rl) {
        static const char *const rkeys[] = { "rps", "burst", "per_client_rps", "per_client_burst",
                                             NULL };
        if (check_keys(rl, "rate_limit", rkeys, err, errlen) < 0)
            return -1;
        if (gw_limiter_init(&r->limiter, get_double(rl, "rps"), get_double(rl, "burst"),
                            get_double(rl, "per_client_rps"),
                            get_double(rl, "per_client_burst")) < 0)
            FAIL("out of memory");
        r->has_limiter = true;
    }
    return 0;
}

static int parse_listener(struct gw_config *c, struct gw_listener *l, const cJSON *j, size_t idx,
                          char *err, size_t errlen)
{
    static const char *const keys[] = { "name",
                                        "listen",
                                        "protocol",
                                        "service",
                                        "routes",
                                        "tls",
                                        "client_timeout_ms",
                                        "idle_timeout_ms",
                                        "tunnel_timeout_ms",
                                        "max_header_bytes",
                                        "max_headers",
                                        "pipe_size",
                                        NULL };
    if (check_keys(j, "listeners[]", keys, err, errlen) < 0)
        return -1;
    const char *addr = get_str(j, "listen");
    if (!addr || gw_parse_addr(addr, &l->addr, &l->addrlen) < 0)
        FAIL("listeners[%zu]: listen must be host:port", idx);
    gw_format_addr((struct sockaddr *)&l->addr, l->addr_key, sizeof(l->addr_key), true);
    l->name = strdup(get_str(j, "name") ? get_str(j, "name") : l->addr_key);
    l->stats = l->name ? gw_registry_listener(l->name) : NULL;
    if (!l->stats)
        FAIL("out of memory");
    const char *proto = get_str(j, "protocol");
    if (!proto || !strcmp(proto, "http"))
        l->proto = GW_PROTO_HTTP;
    else if (!strcmp(proto, "tcp"))
        l->proto = GW_PROTO_TCP;
    else
        FAIL("listener %s: protocol must be tcp or http", l->name);
    int mhb, mh;
    if (get_int(j, "client_timeout_ms", 10000, 1, &l->client_timeout_ms, err, errlen) < 0 ||
        get_int(j, "idle_timeout_ms", 60000, 1, &l->idle_timeout_ms, err, errlen) < 0 ||
        get_int(j, "tunnel_timeout_ms", 3600000, 1, &l->tunnel_timeout_ms, err, errlen) < 0 ||
        get_int(j, "max_header_bytes", 16384, 256, &mhb, err, errlen) < 0 ||
        get_int(j, "max_headers", 100, 1, &mh, err, errlen) < 0 ||
        get_int(j, "pipe_size", 262144, 4096, &l->pipe_size, err, errlen) < 0)
        return -1;
    if (mhb > 65536 || mh > 256)
        FAIL("listener %s: max_header_bytes <= 65536 and max_headers <= 256", l->name);
    l->max_header_bytes = (size_t)mhb;
    l->max_headers = (size_t)mh;

    if (l->proto == GW_PROTO_TCP) {
        const char *svc = get_str(j, "service");
        if (!svc || !(l->service = gw_config_service(c, svc)))
            FAIL("listener %s: tcp needs a known service", l->name);
        if (cJSON_GetObjectItemCaseSensitive(j, "routes") ||
            cJSON_GetObjectItemCaseSensitive(j, "tls"))
            FAIL("listener %s: routes and tls are for http listeners", l->name);
        return 0;
    }
    const cJSON *routes = cJSON_GetObjectItemCaseSensitive(j, "routes");
    if (!cJSON_IsArray(routes) || cJSON_GetArraySize(routes) == 0)
        FAIL("listener %s: http needs routes", l->name);
    l->routes = calloc((size_t)cJSON_GetArraySize(routes), sizeof(*l->routes));
    if (!l->routes)
        FAIL("out of memory");
    const cJSON *r;
    cJSON_ArrayForEach(r, routes)
    {
        if (parse_route(c, l, &l->routes[l->n_routes], r, l->n_routes, err, errlen) < 0)
            return -1;
        l->n_routes++;
    }
    cJSON *tls = cJSON_GetObjectItemCaseSensitive(j, "tls");
    if (tls && gw_tls_load(l, tls, err, errlen) < 0)
        return -1;
    return 0;
}

int gw_config_load(const char *path, struct gw_config **ret, char *err, size_t errlen)
{
    cJSON *j = gw_read_json_or_yaml(path, err, errlen);
    if (!j)
        return -1;
    struct gw_config *c = calloc(1, sizeof(*c));
    if (!c) {
        cJSON_Delete(j);
        FAIL("out of memory");
    }
    atomic_init(&c->refs, 1);
    c->json = j;
    int r = -1;
    static const char *const keys[] = { "workers",
                                        "admin",
                                        "access_log",
                                        "drain_timeout_ms",
                                        "kept_bodies_max_bytes",
                                        "coalesce_us",
                                        "services",
                                        "listeners",
                                        NULL };
    const cJSON *svcs = cJSON_GetObjectItemCaseSensitive(j, "services");
    const cJSON *lsns = cJSON_GetObjectItemCaseSensitive(j, "listeners");
    const cJSON *it;
    if (check_keys(j, "config", keys, err, errlen) < 0)
        goto out;
    if (get_int(j, "workers", 1, 1, &c->workers, err, errlen) < 0 ||
        get_int(j, "drain_timeout_ms", 10000, 0, &c->drain_timeout_ms, err, errlen) < 0 ||
        get_int(j, "kept_bodies_max_bytes", 32 << 20, 0, &c->kept_bodies_max, err, errlen) < 0 ||
        get_int(j, "coalesce_us", GW_COALESCE_US_DEFAULT, 0, &c->coalesce_us, err, errlen) < 0)
        goto out;
    if (c->coalesce_us > GW_COALESCE_US_MAX) {
        snprintf(err, errlen, "coalesce_us: at most %d", GW_COALESCE_US_MAX);
        goto out;
    }
    if (c->workers > GW_MAX_WORKERS) {
        snprintf(err, errlen, "workers: at most %d", GW_MAX_WORKERS);
        goto out;
    }
    const cJSON *admin = cJSON_GetObjectItemCaseSensitive(j, "admin");
    c->admin_addr =
        dup_or_null(cJSON_IsString(admin) ? admin->valuestring : get_str(admin, "listen"));
    c->access_log = dup_or_null(get_str(j, "access_log"));
    if (!cJSON_IsArray(svcs) || !cJSON_IsArray(lsns) || cJSON_GetArraySize(lsns) == 0) {
        snprintf(err, errlen, "config: needs services and listeners arrays");
        goto out;
    }
    c->services = calloc((size_t)cJSON_GetArraySize(svcs) + 1, sizeof(*c->services));
    c->listeners = calloc((size_t)cJSON_GetArraySize(lsns), sizeof(*c->listeners));
    if (!c->services || !c->listeners) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    cJSON_ArrayForEach(it, svcs)
    {
        if (parse_service(c, &c->services[c->n_services], it, err, errlen) < 0)
            goto out;
        if (gw_config_service(c, c->services[c->n_services].name)) {
            snprintf(err, errlen, "service %s: defined twice", c->services[c->n_services].name);
            c->n_services++;
            goto out;
        }
        c->n_services++;
    }
    cJSON_ArrayForEach(it, lsns)
    {
        if (parse_listener(c, &c->listeners[c->n_listeners], it, c->n_listeners, err, errlen) < 0) {
            c->n_listeners++;
            goto out;
        }
        for (size_t k = 0; k < c->n_listeners; k++)
            if (!strcmp(c->listeners[k].addr_key, c->listeners[c->n_listeners].addr_key)) {
                snprintf(err, errlen, "listener %s: address used twice", c->listeners[k].name);
                c->n_listeners++;
                goto out;
            }
        c->n_listeners++;
    }
    r = 0;
out:
    if (r < 0) {
        gw_config_unref(c);
        return -1;
    }
    *ret = c;
    return 0;
}

struct gw_config *gw_config_ref(struct gw_config *c)
{
    atomic_fetch_add(&c->refs, 1);
    return c;
}

void gw_config_unref(struct gw_config *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    for (size_t i = 0; i < c->n_services; i++) {
        struct gw_service *s = &c->services[i];
        free(s->name);
        free(s->eps);
        free(s->weights);
        free(s->wseq);
        free(s->hc_path);
        free(s->table_file);
        free(s->table_service);
        free(s->table_port);
    }
    for (size_t i = 0; i < c->n_listeners; i++) {
        struct gw_listener *l = &c->listeners[i];
        for (size_t k = 0; k < l->n_routes; k++) {
            struct gw_route *r = &l->routes[k];
            free(r->name);
            free(r->host);
            free(r->path_prefix);
            for (size_t h = 0; h < r->n_headers; h++) {
                free(r->headers[h].name);
                free(r->headers[h].value);
            }
            free(r->headers);
            if (r->has_limiter)
                gw_limiter_done(&r->limiter);
        }
        free(l->routes);
        gw_tls_free(l);
        free(l->name);
    }
    free(c->services);
    free(c->listeners);
    free(c->admin_addr);
    free(c->access_log);
    gw_strv_free(c->watch_files);
    cJSON_Delete(c->json);
    free(c);
}
