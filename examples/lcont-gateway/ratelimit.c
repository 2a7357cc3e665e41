/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Token buckets per route and per client IP. The per-client table is a fixed open hash where a
 * collision simply restarts the other client's bucket: memory stays bounded under a flood of
 * source addresses, at the cost of occasionally being lenient. */
#include <stdlib.h>
#include <string.h>

#include "gw.h"

#define CLIENT_SLOTS 4096

int gw_limiter_init(struct gw_limiter *l, double rate, double burst, double client_rate,
                    double client_burst)
{
    memset(l, 0, sizeof(*l));
    pthread_mutex_init(&l->lock, NULL);
    l->rate = rate;
    l->burst = burst > 0 ? burst : (rate > 1 ? rate : 1);
    l->client_rate = client_rate;
    l->client_burst = client_burst > 0 ? client_burst : (client_rate > 1 ? client_rate : 1);
    l->route.tokens = l->burst;
    l->route.last_us = gw_now_us();
    if (client_rate > 0) {
        l->clients = calloc(CLIENT_SLOTS, sizeof(*l->clients));
        if (!l->clients)
            return -1;
        l->n_clients = CLIENT_SLOTS;
    }
    return 0;
}

void gw_limiter_done(struct gw_limiter *l)
{
    free(l->clients);
    pthread_mutex_destroy(&l->lock);
}

static bool take(struct gw_bucket *b, double rate, double burst, int64_t now)
{
    b->tokens += (double)(now - b->last_us) * rate / 1e6;
    if (b->tokens > burst)
        b->tokens = burst;
    b->last_us = now;
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

static uint64_t hash_addr(const struct sockaddr *sa)
{
    const unsigned char *p;
    size_t n;
    if (sa->sa_family == AF_INET6) {
        p = (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        n = 16;
    } else {
        p = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
        n = 4;
    }
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h | 1; /* 0 marks an empty slot */
}

bool gw_limiter_allow(struct gw_limiter *l, const struct sockaddr *client)
{
    int64_t now = gw_now_us();
    bool ok = true;
    pthread_mutex_lock(&l->lock);
    if (l->clients) {
        uint64_t key = hash_addr(client);
        struct gw_bucket *b = &l->clients[key % l->n_clients];
        if (b->key != key) {
            b->key = key;
            b->tokens = l->client_burst;
            b->last_us = now;
        }
        ok = take(b, l->client_rate, l->client_burst, now);
    }
    if (ok && l->rate > 0)
        ok = take(&l->route, l->rate, l->burst, now);
    pthread_mutex_unlock(&l->lock);
    return ok;
}
