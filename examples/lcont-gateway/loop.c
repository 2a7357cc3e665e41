/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One event loop per worker thread: its own epoll, its own SO_REUSEPORT listening sockets (the
 * kernel spreads connections), its own upstream connection pools. Config changes arrive via an
 * eventfd; a 100 ms timerfd tick enforces session deadlines. */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define TICK_MS 100
#define POOL_MAX_IDLE 128
/* clients send right after connecting; one silent for this long is idle, not in flight */
#define GW_FRESH_MS 100

int gw_epoll_watch(struct gw_worker *w, struct gw_io *io, bool add, bool out)
{
    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET | (out ? EPOLLOUT : 0),
                              .data.ptr = io };
    return epoll_ctl(w->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, io->fd, &ev) < 0 ? -errno : 0;
}

int gw_epoll_add(struct gw_worker *w, struct gw_io *io)
{
    return gw_epoll_watch(w, io, true, true);
}

int gw_set_nodelay(int fd)
{
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void gw_session_link(struct gw_worker *w, struct gw_session *s)
{
    s->next = w->sessions.next;
    s->prev = &w->sessions;
    w->sessions.next->prev = s;
    w->sessions.next = s;
    atomic_fetch_add(&w->n_sessions, 1);
}

void gw_session_fresh(struct gw_worker *w, struct gw_session *s)
{
    s->fresh_since_ms = gw_now_ms();
    w->inflight++;
}

void gw_session_unfresh(struct gw_worker *w, struct gw_session *s)
{
    if (s->fresh_since_ms) {
        s->fresh_since_ms = 0;
        w->inflight--;
    }
}

void gw_session_unlink(struct gw_worker *w, struct gw_session *s)
{
    gw_session_unfresh(w, s);
    s->prev->next = s->next;
    s->next->prev = s->prev;
    s->next = s->prev = s;
    atomic_fetch_sub(&w->n_sessions, 1);
}

int gw_connect_start(struct gw_endpoint *e)
{
    int fd = socket(e->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    gw_set_nodelay(fd);
    if (connect(fd, (struct sockaddr *)&e->addr, e->addrlen) < 0 && errno != EINPROGRESS) {
        int r = -errno;
        close(fd);
        return r;
    }
    return fd;
}

void gw_defer_free(struct gw_worker *w, void *p)
{
    if (w->n_grave == w->cap_grave) {
        size_t cap = w->cap_grave ? w->cap_grave * 2 : 64;
        void **g = realloc(w->graveyard, cap * sizeof(*g));
        if (!g) {
            gw_log("out of memory: leaking a closed session");
            return;
        }
        w->graveyard = g;
        w->cap_grave = cap;
    }
    w->graveyard[w->n_grave++] = p;
}

/* ---- upstream connection pools ---- */

struct gw_upconn *gw_pool_get(struct gw_worker *w, struct gw_endpoint *e)
{
    struct gw_pool *p = &e->pools[w->id];
    struct gw_upconn *u = p->head;
    if (!u)
        return NULL;
    p->head = u->next;
    p->count--;
    u->next = NULL;
    u->reused = true;
    return u;
}

void gw_upconn_close(struct gw_upconn *u)
{
    if (!u)
        return;
    close(u->io.fd);
    u->io.kind = IO_DEAD;
    atomic_fetch_sub(&u->ep->active, 1);
    atomic_fetch_sub(&u->svc->connections, 1);
    gw_defer_free(u->w, u);
}

void gw_pool_put(struct gw_worker *w, struct gw_upconn *u)
{
    struct gw_pool *p = &u->ep->pools[w->id];
    if (p->count >= POOL_MAX_IDLE || w->draining) {
        gw_upconn_close(u);
        return;
    }
    u->io.kind = IO_IDLE_UPSTREAM;
    u->io.owner = u;
    u->next = p->head;
    p->head = u;
    p->count++;
}

/* An idle pooled connection became readable: the upstream closed it (or sent garbage). */
static void idle_event(struct gw_worker *w, struct gw_upconn *u)
{
    char c;
    ssize_t n = recv(u->io.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    struct gw_pool *p = &u->ep->pools[w->id];
    for (struct gw_upconn **pp = &p->head; *pp; pp = &(*pp)->next)
        if (*pp == u) {
            *pp = u->next;
            p->count--;
            break;
        }
    gw_upconn_close(u);
}

/* ---- listeners ---- */

static int open_listener(const struct gw_listener *l)
{
    int fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    /* accepted sockets inherit TCP_NODELAY from their listener on Linux: one setsockopt
     * here instead of one per connection */
    gw_set_nodelay(fd);
    if (bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) < 0 || listen(fd, 4096) < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    return fd;
}

static void accept_all(struct gw_worker *w, struct gw_wlistener *wl);

static void close_listener(struct gw_worker *w, struct gw_wlistener *wl)
{
    /* serve what is already queued rather than resetting it */
    if (wl->cfg_index >= 0)
        accept_all(w, wl);
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, wl->io.fd, NULL);
    close(wl->io.fd);
    wl->io.kind = IO_DEAD;
    gw_defer_free(w, wl);
}

/* Make the worker's sockets match w->cfg: keep unchanged addresses (no queued connection is
 * lost), open new ones, close removed ones. */
static bool has_listener(struct gw_config *c, const char *addr_key)
{
    for (size_t i = 0; i < c->n_listeners; i++)
        if (strcmp(c->listeners[i].addr_key, addr_key) == 0)
            return true;
    return false;
}

/* Before switching to @next: serve what is queued on listeners @next drops (on the config
 * they were accepted under), then close them. */
static void close_removed_listeners(struct gw_worker *w, struct gw_config *next)
{
    for (struct gw_wlistener **pp = &w->listeners; *pp;) {
        struct gw_wlistener *wl = *pp;
        if (has_listener(next, wl->addr_key)) {
            pp = &wl->next;
            continue;
        }
        *pp = wl->next;
        close_listener(w, wl);
    }
}

/* Make the worker's sockets match w->cfg: keep unchanged addresses (no queued connection is
 * lost), open new ones. A failure on one address does not stop the others. */
static int sync_listeners(struct gw_worker *w, char *err, size_t errlen)
{
    struct gw_config *c = w->cfg;
    int r = 0;
    for (struct gw_wlistener *wl = w->listeners; wl; wl = wl->next)
        wl->cfg_index = -1;
    for (size_t i = 0; i < c->n_listeners; i++) {
        struct gw_wlistener *wl = w->listeners;
        while (wl && strcmp(wl->addr_key, c->listeners[i].addr_key) != 0)
            wl = wl->next;
        if (!wl) {
            int fd = open_listener(&c->listeners[i]);
            if (fd < 0) {
                snprintf(err, errlen, "listen on %s: %s", c->listeners[i].addr_key, strerror(-fd));
                r = -1;
                continue;
            }
            wl = calloc(1, sizeof(*wl));
            if (!wl) {
                close(fd);
                snprintf(err, errlen, "out of memory");
                r = -1;
                continue;
            }
            wl->io = (struct gw_io){ .kind = IO_LISTENER, .fd = fd, .owner = wl };
            snprintf(wl->addr_key, sizeof(wl->addr_key), "%s", c->listeners[i].addr_key);
            struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.ptr = &wl->io };
            epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
            wl->next = w->listeners;
            w->listeners = wl;
        }
        wl->cfg_index = (int)i;
    }
    return r;
}

static void accept_all(struct gw_worker *w, struct gw_wlistener *wl)
{
    struct gw_listener *l = &w->cfg->listeners[wl->cfg_index];
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof(peer);
        int fd = accept4(wl->io.fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN)
                gw_log("accept on %s: %s", wl->addr_key, strerror(errno));
            return;
        }
        atomic_fetch_add(&l->stats->accepted, 1);
        if (l->proto == GW_PROTO_TCP)
            gw_l4_accept(w, l, fd);
        else
            gw_http_accept(w, l, fd, &peer);
    }
}

static void close_all_listeners(struct gw_worker *w)
{
    while (w->listeners) {
        struct gw_wlistener *wl = w->listeners;
        w->listeners = wl->next;
        close_listener(w, wl);
    }
}

/* ---- the loop ---- */

static void on_notify(struct gw_worker *w)
{
    uint64_t v;
    ssize_t n = read(w->evfd, &v, sizeof(v));
    (void)n;
    if (atomic_load(&gw.stopping)) {
        if (!w->draining) {
            w->draining = true;
            close_all_listeners(w);
        }
        return;
    }
    struct gw_config *c = gw_current_config();
    if (c == w->cfg) {
        gw_config_unref(c);
        return;
    }
    close_removed_listeners(w, c);
    struct gw_config *old = w->cfg;
    w->cfg = c;
    char err[256];
    if (sync_listeners(w, err, sizeof(err)) < 0)
        gw_log("worker %d: reload: %s", w->id, err);
    gw_config_unref(old);
}

static void on_tick(struct gw_worker *w)
{
    uint64_t v;
    ssize_t n = read(w->tfd, &v, sizeof(v));
    (void)n;
    int64_t now = gw_now_ms();
    for (struct gw_session *s = w->sessions.next, *next; s != &w->sessions; s = next) {
        next = s->next;
        if (s->fresh_since_ms && now - s->fresh_since_ms >= GW_FRESH_MS)
            gw_session_unfresh(w, s);
        if (s->deadline_ms && now >= s->deadline_ms)
            s->on_timeout(s); /* may free s */
        else if (w->draining && s->on_drain)
            s->on_drain(s);
    }
}

static void *worker_main(void *arg)
{
    struct gw_worker *w = arg;
    struct epoll_event evs[128];
    int64_t drain_deadline = 0;
    int last = (int)ELEMS(evs);
    /* The default slack (50 us) would dwarf the coalescing waits, which are tens of us. */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
    for (;;) {
        /* Under load, let events pile up after a small batch (coalesce.c says why). */
        int wait_us = gw_coalesce_wait_us(&w->coalesce, last, w->inflight, w->cfg->coalesce_us);
        if (wait_us > 0) {
            atomic_fetch_add_explicit(&w->coalesce_waits, 1, memory_order_relaxed);
            struct timespec ts = { wait_us / 1000000, (long)(wait_us % 1000000) * 1000 };
            nanosleep(&ts, NULL);
        }
        int n = epoll_wait(w->epfd, evs, (int)ELEMS(evs), -1);
        last = n;
        if (n < 0 && errno != EINTR)
            break;
        gw_coalesce_note(&w->coalesce, n, gw_now_us());
        for (int i = 0; i < n; i++) {
            struct gw_io *io = evs[i].data.ptr;
            switch (io->kind) {
            case IO_LISTENER: {
                struct gw_wlistener *wl = io->owner;
                if (wl->cfg_index >= 0)
                    accept_all(w, wl);
                break;
            }
            case IO_NOTIFY:
                on_notify(w);
                break;
            case IO_TIMER:
                on_tick(w);
                break;
            case IO_L4:
                gw_l4_event(io, evs[i].events);
                break;
            case IO_HTTP:
                gw_http_event(io, evs[i].events);
                break;
            case IO_IDLE_UPSTREAM:
                idle_event(w, io->owner);
                break;
            case IO_DEAD:
                break;
            }
        }
        for (size_t k = 0; k < w->n_grave; k++)
            free(w->graveyard[k]);
        w->n_grave = 0;
        if (w->draining) {
            if (!drain_deadline)
                drain_deadline = gw_now_ms() + w->cfg->drain_timeout_ms;
            if (atomic_load(&w->n_sessions) == 0 || gw_now_ms() >= drain_deadline)
                break;
        }
    }
    return NULL;
}

int gw_worker_start(int id, char *err, size_t errlen)
{
    struct gw_worker *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->id = id;
    w->sessions.next = w->sessions.prev = &w->sessions;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (w->epfd < 0 || w->evfd < 0 || w->tfd < 0) {
        snprintf(err, errlen, "worker %d: %s", id, strerror(errno));
        return -1;
    }
    struct itimerspec its = { .it_interval = { 0, TICK_MS * 1000000L },
                              .it_value = { 0, TICK_MS * 1000000L } };
    timerfd_settime(w->tfd, 0, &its, NULL);
    w->ev_io = (struct gw_io){ .kind = IO_NOTIFY, .fd = w->evfd, .owner = w };
    w->timer_io = (struct gw_io){ .kind = IO_TIMER, .fd = w->tfd, .owner = w };
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &w->ev_io };
    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev);
    ev.data.ptr = &w->timer_io;
    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &ev);
    w->cfg = gw_current_config();
    if (sync_listeners(w, err, errlen) < 0)
        return -1;
    gw.workers[id] = w;
    int r = pthread_create(&w->thread, NULL, worker_main, w);
    if (r != 0) {
        snprintf(err, errlen, "worker thread: %s", strerror(r));
        return -1;
    }
    return 0;
}

void gw_worker_notify(struct gw_worker *w)
{
    uint64_t one = 1;
    ssize_t n = write(w->evfd, &one, sizeof(one));
    (void)n;
}

void gw_worker_join(struct gw_worker *w)
{
    pthread_join(w->thread, NULL);
}

long long gw_worker_coalesce_waits(struct gw_worker *w)
{
    return atomic_load_explicit(&w->coalesce_waits, memory_order_relaxed);
}
