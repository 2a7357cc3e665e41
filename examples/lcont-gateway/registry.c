/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Named state that outlives any one config: counters keep counting and endpoint health and
 * connection pools stay put across reloads. Entries are created at config load (main thread)
 * and never freed, so workers may keep plain pointers. */
#include <stdlib.h>
#include <string.h>

#include "gw.h"

const double gw_hist_bounds[GW_HIST_BUCKETS] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                 0.01,   0.025,   0.05,   0.1,   0.5,    2.5 };

struct entry {
    char *key;
    void *obj;
    struct entry *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;

static void *lookup(const char *kind, const char *name, size_t size)
{
    size_t klen = strlen(kind) + strlen(name) + 2;
    char *key = malloc(klen);
    if (!key)
        return NULL;
    strcpy(key, kind);
    strcat(key, "/");
    strcat(key, name);
    pthread_mutex_lock(&lock);
    for (struct entry *e = entries; e; e = e->next)
        if (strcmp(e->key, key) == 0) {
            pthread_mutex_unlock(&lock);
            free(key);
            return e->obj;
        }
    struct entry *e = calloc(1, sizeof(*e));
    void *obj = calloc(1, size);
    if (!e || !obj) {
        pthread_mutex_unlock(&lock);
        free(e);
        free(obj);
        free(key);
        return NULL;
    }
    e->key = key;
    e->obj = obj;
    e->next = entries;
    entries = e;
    pthread_mutex_unlock(&lock);
    return obj;
}

struct gw_endpoint *gw_registry_endpoint(const char *service, const char *addr)
{
    char name[256];
    if (strlen(service) + strlen(addr) + 2 > sizeof(name))
        return NULL;
    strcpy(name, service);
    strcat(name, "|");
    strcat(name, addr);
    struct gw_endpoint *e = lookup("ep", name, sizeof(*e));
    if (e && e->name[0] == '\0') {
        if (gw_parse_addr(addr, &e->addr, &e->addrlen) < 0)
            return NULL;
        gw_format_addr((struct sockaddr *)&e->addr, e->name, sizeof(e->name), true);
        atomic_store(&e->healthy, 1);
    }
    return e;
}

#define NAMED(fn, type, kind)                       \
    type *fn(const char *name)                      \
    {                                               \
        type *o = lookup(kind, name, sizeof(type)); \
        if (o && !o->name)                          \
            o->name = strdup(name);                 \
        return o && o->name ? o : NULL;             \
    }

NAMED(gw_registry_service, struct gw_service_stats, "svc")
NAMED(gw_registry_route, struct gw_route_stats, "route")
NAMED(gw_registry_listener, struct gw_listener_stats, "listener")
