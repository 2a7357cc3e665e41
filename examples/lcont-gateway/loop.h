/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Worker event loop internals shared by loop.c, l4.c and http.c. Every fd registered with
 * epoll carries a struct gw_io; events on it call the owner's handler. Registration is
 * edge-triggered (for both directions, or for reading until a send falls short), so handlers
 * always "pump" until EAGAIN. */
#ifndef GW_LOOP_H
#define GW_LOOP_H

#include "coalesce.h"
#include "gw.h"

enum gw_io_kind {
    IO_LISTENER,
    IO_NOTIFY,
    IO_TIMER,
    IO_L4,
    IO_HTTP,
    IO_IDLE_UPSTREAM,
    IO_DEAD, /* closed during this epoll batch; freed after it */
};

struct gw_io {
    enum gw_io_kind kind;
    int fd;
    void *owner;
};

/* A session is anything with a deadline on the worker's session list. */
struct gw_session {
    struct gw_session *prev, *next;
    int64_t deadline_ms; /* 0 = none */
    void (*on_timeout)(struct gw_session *s);
    void (*on_drain)(struct gw_session *s); /* shutting down: close if idle */
    int64_t fresh_since_ms; /* accepted and no request yet (gw_session_fresh), else 0 */
};

struct gw_wlistener {
    struct gw_io io;
    char addr_key[GW_ADDR_LEN];
    int cfg_index; /* index in w->cfg->listeners, -1 when gone */
    struct gw_wlistener *next;
};

struct gw_worker {
    int id;
    int epfd, evfd, tfd;
    pthread_t thread;
    struct gw_io ev_io, timer_io;
    struct gw_config *cfg;
    struct gw_wlistener *listeners;
    struct gw_session sessions; /* list head */
    atomic_int n_sessions;
    /* exchanges in flight: HTTP requests between head and end of response, new connections
     * (gw_session_fresh) and L4 sessions; how large a batch of events can come (coalesce.h) */
    int inflight;
    struct gw_coalesce coalesce;
    atomic_llong coalesce_waits; /* read by /metrics */
    bool draining;
    /* request bodies kept for a replay, in bytes: bounded by the config's
     * kept_bodies_max_bytes, so that many concurrent uploads cannot make retries cost
     * unbounded memory */
    size_t kept_bodies;
    void **graveyard;
    size_t n_grave, cap_grave;
};

/* A connection to an upstream endpoint: idle in a pool or attached to an HTTP session. */
struct gw_upconn {
    struct gw_io io;
    struct gw_endpoint *ep;
    struct gw_service_stats *svc;
    struct gw_upconn *next;
    struct gw_worker *w;
    bool reused;
    bool rd, wr; /* edge-triggered readiness carried over while pooled */
};

int gw_set_nodelay(int fd);
int gw_epoll_add(struct gw_worker *w, struct gw_io *io);
/* Edge-triggered for reading only (@out false) or for both directions: a registration
 * reports the current state, so switching to both directions later loses no edge. */
int gw_epoll_watch(struct gw_worker *w, struct gw_io *io, bool add, bool out);
void gw_session_link(struct gw_worker *w, struct gw_session *s);
void gw_session_unlink(struct gw_worker *w, struct gw_session *s);
/* A new connection counts as an exchange in flight (coalesce.h): a client connects to send.
 * It stops counting at its first request, its close, or after GW_FRESH_MS without one. */
void gw_session_fresh(struct gw_worker *w, struct gw_session *s);
void gw_session_unfresh(struct gw_worker *w, struct gw_session *s);
/* Free @p after the current epoll batch: later events of the batch may still point at it. */
void gw_defer_free(struct gw_worker *w, void *p);

/* Start a non-blocking connect; returns fd (connect in progress or done) or -errno. */
int gw_connect_start(struct gw_endpoint *e);

/* Upstream pools (loop.c) */
struct gw_upconn *gw_pool_get(struct gw_worker *w, struct gw_endpoint *e);
void gw_pool_put(struct gw_worker *w, struct gw_upconn *u);
void gw_upconn_close(struct gw_upconn *u);

/* Accepted connections (l4.c, http.c) */
void gw_l4_accept(struct gw_worker *w, struct gw_listener *l, int fd);
void gw_l4_event(struct gw_io *io, uint32_t events);
void gw_http_accept(struct gw_worker *w, struct gw_listener *l, int fd,
                    const struct sockaddr_storage *peer);
void gw_http_event(struct gw_io *io, uint32_t events);

#endif
