/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Table handle, generation and notification, lookups. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "service/service-internal.h"

void lcont__service_free(struct service *s); /* service.c */

int lcont_service_desc_init(lcont_service_desc *desc, size_t size)
{
    if (!desc || size < sizeof(uint64_t))
        return -EINVAL;
    memset(desc, 0, size);
    desc->struct_size = size;
    return 0;
}

int lcont_endpoint_desc_init(lcont_endpoint_desc *desc, size_t size)
{
    if (!desc || size < sizeof(uint64_t))
        return -EINVAL;
    memset(desc, 0, size);
    desc->struct_size = size;
    return 0;
}

static uint64_t monotonic_ms(void *userdata)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t lcont__service_now_ms(const struct lcont_service_table *t)
{
    return t->now_ms(t->now_userdata);
}

void lcont__service_table_set_clock(lcont_service_table *t, uint64_t (*now_ms)(void *),
                                    void *userdata)
{
    t->now_ms = now_ms ? now_ms : monotonic_ms;
    t->now_userdata = userdata;
}

void lcont__service_table_set_key(lcont_service_table *t, uint64_t k0, uint64_t k1)
{
    t->key.k0 = k0;
    t->key.k1 = k1;
}

static void table_free(lcont_service_table *t)
{
    for (size_t i = 0; i < t->n_svc_slots; i++) {
        struct svc_slot *slot = lcont__service_svc_slot(t, (uint32_t)i);
        if (slot)
            lcont__service_snap_free(t, lcont__service_snap_untag(atomic_load(&slot->snap)));
        if (t->services[i])
            lcont__service_free(t->services[i]);
    }
    lcont__service_reclaim_all(t);
    lcont__rhash_destroy(&t->by_name);
    lcont__rhash_destroy(&t->by_vip);
    lcont__service_slots_free(t);
    lcont__arena_destroy(&t->arena);
    if (t->notify_fd >= 0)
        close(t->notify_fd);
    free(t->host_node);
    free(t->host_zone);
    free(t);
}

int lcont_service_table_new(uint64_t flags, lcont_service_table **ret, lcont_error **reterr)
{
    if (!ret)
        return lcont__error_set(reterr, -EINVAL, "service table: ret is NULL");
    if (flags)
        return lcont__error_set(reterr, -EINVAL, "service table: unknown flags 0x%llx",
                                (unsigned long long)flags);
    lcont_service_table *t = aligned_alloc(64, (sizeof(*t) + 63) & ~(size_t)63);
    if (!t)
        return lcont__error_set(reterr, -ENOMEM, "service table: out of memory");
    memset(t, 0, sizeof(*t));
    atomic_init(&t->refs, 1);
    t->owner_pid = getpid();
    t->notify_fd = -1;
    t->now_ms = monotonic_ms;
    lcont__hash_key_random(&t->key);
    if (lcont__rhash_init(&t->by_name, 1024) < 0 || lcont__rhash_init(&t->by_vip, 1024) < 0) {
        table_free(t);
        return lcont__error_set(reterr, -ENOMEM, "service table: out of memory");
    }
    t->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (t->notify_fd < 0) {
        int r = lcont__negerrno();
        table_free(t);
        return lcont__error_setsys(reterr, r, "service table: eventfd");
    }
    *ret = t;
    return 0;
}

lcont_service_table *lcont_service_table_ref(lcont_service_table *t)
{
    if (t)
        atomic_fetch_add(&t->refs, 1);
    return t;
}

lcont_service_table *lcont_service_table_unref(lcont_service_table *t)
{
    if (t && atomic_fetch_sub(&t->refs, 1) == 1)
        table_free(t);
    return NULL;
}

static int check_writer(const lcont_service_table *t, lcont_error **reterr)
{
    if (!t)
        return lcont__error_set(reterr, -EINVAL, "service table is NULL");
    if (t->owner_pid != getpid())
        return lcont__error_set(reterr, -ECHILD, "service table used after fork");
    return 0;
}

/*
 * The eventfd write is a system call (0.4 us here, a fifth of a one-endpoint
 * update), so it is made only once someone has asked for the fd; the getter
 * makes the fd readable if changes came before it. Generation bump then flag
 * load here, flag store then generation load there (both seq_cst): at least
 * one side sees the other, so no change goes unsignalled.
 */
static void notify(struct lcont_service_table *t)
{
    uint64_t one = 1;
    /* A full counter (EAGAIN) is still readable: nothing is lost. */
    (void)!write(t->notify_fd, &one, sizeof(one));
}

void lcont__service_commit(struct lcont_service_table *t)
{
    atomic_fetch_add(&t->generation, 1);
    if (atomic_load(&t->notify_wanted))
        notify(t);
    lcont__service_reclaim(t);
}

int lcont_service_table_set_host(lcont_service_table *t, const char *node, const char *zone,
                                 lcont_error **reterr)
{
    int r = check_writer(t, reterr);
    if (r < 0)
        return r;
    _cleanup_free_ char *n = NULL, *z = NULL;
    if ((node && !(n = strdup(node))) || (zone && !(z = strdup(zone))))
        return lcont__error_set(reterr, -ENOMEM, "service table: out of memory");
    free(t->host_node);
    free(t->host_zone);
    t->host_node = TAKE_PTR(n);
    t->host_zone = TAKE_PTR(z);
    /* Local pools and topology depend on the host: reselect everything. */
    for (size_t i = 0; i < t->n_svc_slots; i++)
        if (t->services[i]) {
            r = lcont__service_publish(t, t->services[i], reterr);
            if (r < 0)
                return r;
        }
    lcont__service_commit(t);
    return 0;
}

uint64_t lcont_service_table_get_generation(const lcont_service_table *t)
{
    return t ? atomic_load(&t->generation) : 0;
}

int lcont_service_table_get_notify_fd(const lcont_service_table *t)
{
    if (!t)
        return -EINVAL;
    struct lcont_service_table *mt = (struct lcont_service_table *)t;
    if (!atomic_load(&mt->notify_wanted)) {
        atomic_store(&mt->notify_wanted, true);
        /* Changes before anyone listened: signal them once. */
        if (atomic_load(&mt->generation) > 0 && !atomic_exchange(&mt->notify_primed, true))
            notify(mt);
    }
    return t->notify_fd;
}

int lcont_service_table_reclaim(lcont_service_table *t)
{
    if (check_writer(t, NULL) < 0)
        return -EINVAL;
    size_t left = lcont__service_reclaim(t);
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

size_t lcont_service_table_get_size(const lcont_service_table *t)
{
    return t ? t->n_services : 0;
}

struct service *lcont__service_get(lcont_service_table *t, uint64_t id)
{
    uint32_t idx = lcont__service_id_slot(id);
    if (id == 0 || idx >= t->n_svc_slots)
        return NULL;
    struct service *s = t->services[idx];
    return s && s->id == id ? s : NULL;
}

struct service *lcont__service_find(lcont_service_table *t, const char *ns, const char *name)
{
    uint64_t id;
    if (lcont_service_lookup(t, ns, name, &id) < 0)
        return NULL;
    return lcont__service_get(t, id);
}

int lcont_service_lookup(const lcont_service_table *t, const char *ns, const char *name,
                         uint64_t *ret_id)
{
    char key[2 * SERVICE_NAME_MAX + 2];
    if (!t || !name || !ret_id)
        return -EINVAL;
    size_t len = lcont__service_name_key(ns ? ns : "default", name, key, sizeof(key));
    if (len == 0)
        return -ENOENT;
    struct lcont_service_table *mt = (struct lcont_service_table *)t;
    uint64_t h = lcont__siphash13(&t->key, key, len), id;
    _Atomic uint64_t *rc = lcont__service_read_enter(mt);
    int r = lcont__rhash_get(&t->by_name, h, key, (uint32_t)len, &id);
    lcont__service_read_leave(rc);
    if (r < 0)
        return r;
    *ret_id = id;
    return 0;
}

int lcont_service_lookup_vip(const lcont_service_table *t, const struct sockaddr *vip, int protocol,
                             uint64_t *ret_id)
{
    struct ipaddr ip;
    uint32_t port;
    unsigned char key[VIP_KEY_LEN];
    if (!t || !ret_id || lcont__service_ip_from_sockaddr(vip, &ip, &port) < 0)
        return -EINVAL;
    protocol = protocol ? protocol : LCONT_SERVICE_PROTO_TCP;
    lcont__service_vip_key(&ip, port, protocol, key);
    struct lcont_service_table *mt = (struct lcont_service_table *)t;
    uint64_t h = lcont__siphash13(&t->key, key, sizeof(key)), id;
    _Atomic uint64_t *rc = lcont__service_read_enter(mt);
    int r = lcont__rhash_get(&t->by_vip, h, key, sizeof(key), &id);
    if (r == -ENOENT) {
        /* A node port on any local address. */
        static const struct ipaddr any = { 0 };
        lcont__service_vip_key(&any, port, protocol, key);
        h = lcont__siphash13(&t->key, key, sizeof(key));
        r = lcont__rhash_get(&t->by_vip, h, key, sizeof(key), &id);
    }
    lcont__service_read_leave(rc);
    if (r < 0)
        return r;
    *ret_id = id;
    return 0;
}

int lcont_service_get_generation(const lcont_service_table *t, uint64_t service_id, uint64_t *ret)
{
    if (!t || !ret)
        return -EINVAL;
    struct svc_slot *slot = lcont__service_svc_slot(t, lcont__service_id_slot(service_id));
    if (!slot)
        return -ENOENT;
    struct lcont_service_table *mt = (struct lcont_service_table *)t;
    _Atomic uint64_t *rc = lcont__service_read_enter(mt);
    struct snap *s = lcont__service_snap_untag(atomic_load(&slot->snap));
    int r = -ENOENT;
    if (s && s->service_id == service_id) {
        *ret = s->generation;
        r = 0;
    }
    lcont__service_read_leave(rc);
    return r;
}
