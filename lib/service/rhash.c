/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hash index with lock-free readers. Nodes are immutable once published:
 * insertion prepends a node to its chain with one atomic store; deletion
 * republishes the chain prefix before the victim as fresh copies and retires
 * the old nodes; growth builds a whole new table and retires the old one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "service/service-internal.h"

static struct rh_table *table_new(size_t buckets)
{
    struct rh_table *t = calloc(1, sizeof(*t) + buckets * sizeof(t->b[0]));
    if (!t)
        return NULL;
    t->mask = buckets - 1;
    return t;
}

static void chain_free(struct rh_node *n)
{
    while (n) {
        struct rh_node *next = n->next;
        free(n);
        n = next;
    }
}

/* Retired tables own their nodes only when the nodes were copied (growth). */
static void table_free_with_nodes(struct lcont_service_table *t, void *p)
{
    struct rh_table *tab = p;
    for (size_t i = 0; i <= tab->mask; i++)
        chain_free(atomic_load(&tab->b[i]));
    free(tab);
}

int lcont__rhash_init(struct rhash *h, size_t buckets)
{
    struct rh_table *tab = table_new(buckets);
    if (!tab)
        return -ENOMEM;
    atomic_init(&h->tab, tab);
    h->count = 0;
    return 0;
}

void lcont__rhash_destroy(struct rhash *h)
{
    struct rh_table *tab = atomic_load(&h->tab);
    if (tab)
        table_free_with_nodes(NULL, tab);
    atomic_store(&h->tab, NULL);
}

static bool node_is(const struct rh_node *n, uint64_t hash, const void *key, uint32_t klen)
{
    return n->hash == hash && n->klen == klen && memcmp(n->key, key, klen) == 0;
}

int lcont__rhash_get(const struct rhash *h, uint64_t hash, const void *key, uint32_t klen,
                     uint64_t *ret)
{
    struct rh_table *tab = atomic_load(&h->tab);
    for (struct rh_node *n = atomic_load(&tab->b[hash & tab->mask]); n; n = n->next) {
        if (node_is(n, hash, key, klen)) {
            *ret = n->value;
            return 0;
        }
    }
    return -ENOENT;
}

static struct rh_node *node_new(uint64_t hash, const void *key, uint32_t klen, uint64_t value,
                                struct rh_node *next)
{
    struct rh_node *n = malloc(sizeof(*n) + klen);
    if (!n)
        return NULL;
    n->next = next;
    n->hash = hash;
    n->value = value;
    n->klen = klen;
    memcpy(n->key, key, klen);
    return n;
}

static int grow(struct lcont_service_table *t, struct rhash *h)
{
    struct rh_table *old = atomic_load(&h->tab);
    struct rh_table *tab = table_new((old->mask + 1) * 2);
    if (!tab)
        return -ENOMEM;
    for (size_t i = 0; i <= old->mask; i++) {
        for (struct rh_node *n = atomic_load(&old->b[i]); n; n = n->next) {
            size_t b = n->hash & tab->mask;
            struct rh_node *c =
                node_new(n->hash, n->key, n->klen, n->value, atomic_load(&tab->b[b]));
            if (!c) {
                table_free_with_nodes(t, tab);
                return -ENOMEM;
            }
            atomic_store(&tab->b[b], c);
        }
    }
    atomic_store(&h->tab, tab);
    return lcont__service_retire(t, old, table_free_with_nodes);
}

int lcont__rhash_put(struct lcont_service_table *t, struct rhash *h, uint64_t hash, const void *key,
                     uint32_t klen, uint64_t value)
{
    int r = lcont__rhash_del(t, h, hash, key, klen);
    if (r < 0 && r != -ENOENT)
        return r;
    struct rh_table *tab = atomic_load(&h->tab);
    if (h->count >= tab->mask + 1 && grow(t, h) == 0)
        tab = atomic_load(&h->tab);
    _Atomic(struct rh_node *) *b = &tab->b[hash & tab->mask];
    struct rh_node *n = node_new(hash, key, klen, value, atomic_load(b));
    if (!n)
        return -ENOMEM;
    atomic_store(b, n);
    h->count++;
    return 0;
}

static void node_free(struct lcont_service_table *t, void *p)
{
    free(p);
}

int lcont__rhash_del(struct lcont_service_table *t, struct rhash *h, uint64_t hash, const void *key,
                     uint32_t klen)
{
    struct rh_table *tab = atomic_load(&h->tab);
    _Atomic(struct rh_node *) *b = &tab->b[hash & tab->mask];
    struct rh_node *head = atomic_load(b), *victim = NULL;
    size_t before = 0;
    for (struct rh_node *n = head; n; n = n->next, before++)
        if (node_is(n, hash, key, klen)) {
            victim = n;
            break;
        }
    if (!victim)
        return -ENOENT;

    /* Copy the prefix in front of the victim so no published node changes. */
    struct rh_node *newhead = victim->next;
    struct rh_node *copies = NULL, **ctail = &copies;
    for (struct rh_node *n = head; n != victim; n = n->next) {
        struct rh_node *c = node_new(n->hash, n->key, n->klen, n->value, NULL);
        if (!c) {
            chain_free(copies);
            return -ENOMEM;
        }
        *ctail = c;
        ctail = &c->next;
    }
    if (copies) {
        *ctail = victim->next;
        newhead = copies;
    }
    atomic_store(b, newhead);
    for (struct rh_node *n = head, *next; n != victim->next; n = next) {
        next = n->next;
        lcont__service_retire(t, n, node_free);
    }
    h->count--;
    return 0;
}
