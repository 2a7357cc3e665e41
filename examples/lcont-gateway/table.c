/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Upstream services backed by an lcont service table (include/lcont/service.h). */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lcont/lcont.h>
#include <lcont/service.h>

#include "table.h"

static lcont_service_table *table;

static char *slurp(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    buf[len] = '\0';
    *ret_len = len;
    return buf;
}

static void split_name(const char *full, char *ns, size_t nslen, const char **name)
{
    const char *slash = strchr(full, '/');
    if (!slash) {
        snprintf(ns, nslen, "default");
        *name = full;
        return;
    }
    snprintf(ns, nslen, "%.*s", (int)(slash - full), full);
    *name = slash + 1;
}

static int fail(lcont_error *e, int r, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, e ? lcont_error_message(e) : strerror(-r));
    lcont_error_free(e);
    return -1;
}

/* Kubernetes objects carry a "kind"; the table's own persist format is kind
 * "lcont-service-table" (or has none). */
static bool is_k8s(const cJSON *j)
{
    if (cJSON_IsArray(j))
        j = j->child;
    const cJSON *kind = j ? cJSON_GetObjectItemCaseSensitive(j, "kind") : NULL;
    return cJSON_IsString(kind) && strcmp(kind->valuestring, "lcont-service-table") != 0;
}

static int apply_file(const char *path, cJSON **ret_json, char *err, size_t errlen)
{
    lcont_error *e = NULL;
    int r;
    if (!table) {
        r = lcont_service_table_new(0, &table, &e);
        if (r < 0)
            return fail(e, r, "service table", err, errlen);
    }
    size_t len;
    char *text = slurp(path, &len);
    if (!text) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    cJSON *j = gw_read_json_or_yaml(path, err, errlen);
    if (!j) {
        free(text);
        return -1;
    }
    if (is_k8s(j))
        r = lcont_service_table_apply_k8s(table, text, len, 0, &e);
    else
        r = lcont_service_table_load_json(table, text, 0, &e);
    free(text);
    if (r < 0) {
        cJSON_Delete(j);
        return fail(e, r, path, err, errlen);
    }
    *ret_json = j;
    return 0;
}

static int push(char ***v, const char *ip, int port)
{
    char buf[GW_ADDR_LEN];
    if (strchr(ip, ':'))
        snprintf(buf, sizeof(buf), "[%s]:%d", ip, port);
    else
        snprintf(buf, sizeof(buf), "%s:%d", ip, port);
    size_t n = gw_strv_len(*v);
    char **nv = realloc(*v, (n + 2) * sizeof(*nv));
    if (!nv)
        return -1;
    *v = nv;
    nv[n] = strdup(buf);
    nv[n + 1] = NULL;
    return nv[n] ? 0 : -1;
}

/* Endpoint port: the one named @port, else the only/first one. */
static int port_of(const cJSON *ports, const char *port)
{
    const cJSON *p;
    int first = 0;
    cJSON_ArrayForEach(p, ports)
    {
        const cJSON *num = cJSON_GetObjectItemCaseSensitive(p, "port");
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(p, "name");
        if (!cJSON_IsNumber(num))
            continue;
        if (!first)
            first = num->valueint;
        if (port && cJSON_IsString(nm) && strcmp(nm->valuestring, port) == 0)
            return num->valueint;
    }
    return first;
}

static bool not_ready(const cJSON *ep)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(ep, "conditions");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(c ? c : ep, "ready");
    return cJSON_IsFalse(r) || (cJSON_IsString(r) && strcmp(r->valuestring, "false") == 0);
}

/*
 * The number of the service port named @name, when no other port of the service has that
 * number (TCP and UDP may share one), else 0. A pick by number can be answered from the
 * service's hot line; a pick by name always reads the snapshot.
 */
static uint32_t unique_port_number(const cJSON *svc, const char *name)
{
    const cJSON *ports = cJSON_GetObjectItemCaseSensitive(svc, "ports"), *p;
    int number = 0, same = 0;
    cJSON_ArrayForEach(p, ports)
    {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(p, "name");
        const cJSON *num = cJSON_GetObjectItemCaseSensitive(p, "port");
        if (cJSON_IsString(nm) && cJSON_IsNumber(num) && strcmp(nm->valuestring, name) == 0)
            number = num->valueint;
    }
    cJSON_ArrayForEach(p, ports)
    {
        const cJSON *num = cJSON_GetObjectItemCaseSensitive(p, "port");
        same += cJSON_IsNumber(num) && num->valueint == number;
    }
    return number > 0 && number <= 65535 && same == 1 ? (uint32_t)number : 0;
}

/* The persist format: {"services": [{"namespace", "name", "ports", "endpoints": [{"address",
 * "ports"}]}]} (docs/service.md). Also sets s->table_port_number. */
static int persist_addresses(const cJSON *j, const char *ns, const char *name,
                             struct gw_service *svc, char ***ret)
{
    const char *port = svc->table_port;
    const cJSON *svcs = cJSON_GetObjectItemCaseSensitive(j, "services");
    const cJSON *list = cJSON_IsArray(svcs) ? svcs : j, *s;
    cJSON_ArrayForEach(s, list)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(s, "name");
        const cJSON *sns = cJSON_GetObjectItemCaseSensitive(s, "namespace");
        if (!sns)
            sns = cJSON_GetObjectItemCaseSensitive(s, "ns");
        if (!cJSON_IsString(n) || strcmp(n->valuestring, name) != 0 ||
            strcmp(cJSON_IsString(sns) ? sns->valuestring : "default", ns) != 0)
            continue;
        if (port)
            svc->table_port_number = unique_port_number(s, port);
        const cJSON *ep;
        cJSON_ArrayForEach(ep, cJSON_GetObjectItemCaseSensitive(s, "endpoints"))
        {
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(ep, "address");
            int p = port_of(cJSON_GetObjectItemCaseSensitive(ep, "ports"), port);
            if (!cJSON_IsString(a) || !p || not_ready(ep))
                continue;
            if (push(ret, a->valuestring, p) < 0)
                return -1;
        }
    }
    return 0;
}

int gw_table_endpoints(struct gw_service *s, char ***ret, char *err, size_t errlen)
{
    cJSON *j = NULL;
    char ns[256];
    const char *name;
    if (apply_file(s->table_file, &j, err, errlen) < 0)
        return -1;
    split_name(s->table_service, ns, sizeof(ns), &name);
    int r = lcont_service_lookup(table, ns, name, &s->table_id);
    if (r < 0) {
        cJSON_Delete(j);
        snprintf(err, errlen, "service %s: %s/%s not in table %s", s->name, ns, name,
                 s->table_file);
        return -1;
    }
    cJSON_Delete(j);
    /* The endpoint list comes from the table itself (its persist form), not from our own
     * reading of the file: the library is the one parser of Kubernetes objects, JSON or
     * multi-document YAML alike. */
    char *saved = NULL;
    lcont_error *e = NULL;
    r = lcont_service_table_save_json(table, 0, &saved, &e);
    if (r < 0)
        return fail(e, r, "service table", err, errlen);
    cJSON *persisted = cJSON_Parse(saved);
    lcont_free(saved);
    char **v = calloc(1, sizeof(*v));
    if (!v || !persisted || persist_addresses(persisted, ns, name, s, &v) < 0) {
        gw_strv_free(v);
        cJSON_Delete(persisted);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cJSON_Delete(persisted);
    *ret = v;
    return 0;
}

static bool same_addr(const struct sockaddr_storage *a, const void *b, socklen_t blen)
{
    if (a->ss_family == AF_INET && blen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *x = (const void *)a, *y = b;
        return y->sin_family == AF_INET && x->sin_port == y->sin_port &&
               x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6 && blen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *x = (const void *)a, *y = b;
        return y->sin6_family == AF_INET6 && x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
    }
    return false;
}

static struct gw_endpoint *endpoint_of(struct gw_service *s, const lcont_endpoint_pick *p)
{
    for (size_t i = 0; i < s->n_eps; i++)
        if (same_addr(&s->eps[i]->addr, p->sockaddr, p->sockaddr_len))
            return s->eps[i];
    /* the table changed since this config was built: rare, take the registry's lock */
    char name[GW_ADDR_LEN];
    gw_format_addr((const struct sockaddr *)p->sockaddr, name, sizeof(name), true);
    return gw_registry_endpoint(s->name, name);
}

struct gw_endpoint *gw_table_pick(struct gw_service *s, const struct sockaddr *client,
                                  struct gw_endpoint *avoid)
{
    if (!table)
        return NULL;
    int64_t now = gw_now_ms();
    uint64_t hash = client ? lcont_service_flow_hash(table, client, client, 6) : 0;
    /* The table does not know the gateway's health verdicts: ask again a few times (round
     * robin moves on), then fall back to any usable endpoint the table still lists. */
    const char *by_name = s->table_port_number ? NULL : s->table_port;
    for (size_t attempt = 0; attempt < s->n_eps + 2; attempt++) {
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        if (lcont_service_pick(table, s->table_id, by_name, s->table_port_number, client,
                               hash + attempt, 0, &p) < 0)
            return NULL;
        struct gw_endpoint *e = endpoint_of(s, &p);
        if (e && e != avoid && gw_endpoint_usable(e, now)) {
            atomic_store_explicit(&e->table_ep_id, p.endpoint_id, memory_order_relaxed);
            return e;
        }
    }
    return NULL;
}

uint64_t gw_table_conn_open(struct gw_endpoint *e)
{
    uint64_t id = atomic_load_explicit(&e->table_ep_id, memory_order_relaxed);
    if (!table || !id || lcont_service_conn_open(table, id) < 0)
        return 0;
    return id;
}

void gw_table_conn_close(uint64_t id)
{
    if (table && id)
        lcont_service_conn_close(table, id);
}

uint64_t gw_table_generation(void)
{
    return table ? lcont_service_table_get_generation(table) : 0;
}
