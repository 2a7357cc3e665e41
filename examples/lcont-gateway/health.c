/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Active health checks in one thread: a TCP connect, or an HTTP GET whose status must match.
 * An endpoint goes down after unhealthy_threshold consecutive failures and comes back after
 * healthy_threshold successes (which also ends a passive ejection).
 *
 * Checks are non-blocking and run concurrently on the thread's own epoll, each with its own
 * deadline, so an endpoint that black-holes connections or never answers delays nobody else's
 * checks. At most MAX_INFLIGHT run at once; the others wait for the next pass. The thread never
 * touches the workers' loops. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "gw.h"

#define MAX_INFLIGHT 256
#define MAX_WAIT_MS 50 /* also how soon a reload's new endpoints get their first check */

enum phase {
    PH_CONNECTING,
    PH_SENDING,
    PH_READING,
};

struct check {
    struct gw_config *cfg; /* keeps @s alive across a reload */
    struct gw_service *s;
    struct gw_endpoint *e;
    int fd;
    enum phase phase;
    int64_t deadline_ms;
    char req[512];
    size_t req_len, req_off;
    char resp[16]; /* "HTTP/1.1 200" is all we need */
    size_t got;
    struct check *prev, *next;
};

struct checker {
    int epfd;
    struct check head; /* list of checks in flight */
    int n_inflight;
};

static void verdict(struct gw_service *s, struct gw_endpoint *e, bool ok)
{
    if (ok) {
        e->hc_fail_streak = 0;
        if (++e->hc_ok_streak >= s->hc_healthy && !atomic_load(&e->healthy)) {
            gw_log("endpoint %s of service %s is healthy", e->name, s->name);
            atomic_store(&e->healthy, 1);
            atomic_store(&e->ejected_until_ms, 0);
        }
    } else {
        e->hc_ok_streak = 0;
        if (++e->hc_fail_streak >= s->hc_unhealthy && atomic_load(&e->healthy)) {
            gw_log("endpoint %s of service %s is unhealthy", e->name, s->name);
            atomic_store(&e->healthy, 0);
        }
    }
}

static void discard(struct checker *k, struct check *c)
{
    c->e->hc_inflight = false;
    close(c->fd); /* also removes it from the epoll set */
    c->prev->next = c->next;
    c->next->prev = c->prev;
    k->n_inflight--;
    gw_config_unref(c->cfg);
    free(c);
}

static void finish(struct checker *k, struct check *c, bool ok)
{
    verdict(c->s, c->e, ok);
    discard(k, c);
}

/* Move the check as far as it can go without blocking. Returns 1 when it passed, 0 when it
 * failed, -EAGAIN when it waits for the socket. */
static int step(struct check *c, uint32_t events)
{
    if (c->phase == PH_CONNECTING) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return -EAGAIN;
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
            return 0;
        if (strcmp(c->s->hc_type, "tcp") == 0)
            return 1;
        c->phase = PH_SENDING;
    }
    while (c->phase == PH_SENDING) {
        ssize_t n = send(c->fd, c->req + c->req_off, c->req_len - c->req_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN ? -EAGAIN : 0;
        c->req_off += (size_t)n;
        if (c->req_off == c->req_len)
            c->phase = PH_READING;
    }
    while (c->got < 12) {
        ssize_t n = recv(c->fd, c->resp + c->got, sizeof(c->resp) - 1 - c->got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN ? -EAGAIN : 0;
        if (n == 0)
            return 0;
        c->got += (size_t)n;
    }
    c->resp[c->got] = '\0';
    return strncmp(c->resp, "HTTP/1.", 7) == 0 && c->resp[8] == ' ' &&
           atoi(c->resp + 9) == c->s->hc_expect;
}

static void start(struct checker *k, struct gw_config *cfg, struct gw_service *s,
                  struct gw_endpoint *e, int64_t now)
{
    int fd = socket(e->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        verdict(s, e, false);
        return;
    }
    if (connect(fd, (struct sockaddr *)&e->addr, e->addrlen) < 0 && errno != EINPROGRESS) {
        close(fd);
        verdict(s, e, false);
        return;
    }
    struct check *c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd); /* no verdict: memory is not the endpoint's fault */
        return;
    }
    c->fd = fd;
    c->s = s;
    c->e = e;
    c->phase = PH_CONNECTING;
    c->deadline_ms = now + s->hc_timeout_ms;
    int n = snprintf(c->req, sizeof(c->req),
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: lcont-gateway-health\r\n"
                     "Connection: close\r\n\r\n",
                     s->hc_path, e->name);
    c->req_len = n > 0 && (size_t)n < sizeof(c->req) ? (size_t)n : 0;
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c };
    if (c->req_len == 0 || epoll_ctl(k->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        close(fd);
        free(c);
        verdict(s, e, false);
        return;
    }
    c->cfg = gw_config_ref(cfg);
    c->next = k->head.next;
    c->prev = &k->head;
    k->head.next->prev = c;
    k->head.next = c;
    k->n_inflight++;
    e->hc_inflight = true;
}

/* Start the checks that are due; returns when the next one falls due. */
static int64_t start_due(struct checker *k, struct gw_config *cfg, int64_t now)
{
    int64_t next = now + MAX_WAIT_MS;
    for (size_t i = 0; i < cfg->n_services; i++) {
        struct gw_service *s = &cfg->services[i];
        if (!s->hc_type[0])
            continue;
        for (size_t j = 0; j < s->n_eps; j++) {
            struct gw_endpoint *e = s->eps[j];
            if (e->hc_inflight)
                continue;
            if (e->hc_next_ms <= now && k->n_inflight < MAX_INFLIGHT) {
                /* the interval runs from the start of a check, as a timer would */
                e->hc_next_ms = now + s->hc_interval_ms;
                start(k, cfg, s, e, now);
            }
            if (e->hc_next_ms < next)
                next = e->hc_next_ms;
        }
    }
    return next;
}

static void *health_main(void *arg)
{
    struct checker *k = arg;
    struct epoll_event evs[64];
    while (!atomic_load(&gw.stopping)) {
        struct gw_config *cfg = gw_current_config();
        int64_t now = gw_now_ms();
        int64_t wake = start_due(k, cfg, now);
        gw_config_unref(cfg);
        for (struct check *c = k->head.next; c != &k->head; c = c->next)
            if (c->deadline_ms < wake)
                wake = c->deadline_ms;
        int64_t wait = wake - now;
        int n = epoll_wait(k->epfd, evs, (int)ELEMS(evs),
                           (int)(wait < 1             ? 1
                                 : wait > MAX_WAIT_MS ? MAX_WAIT_MS
                                                      : wait));
        for (int i = 0; i < n; i++) {
            struct check *c = evs[i].data.ptr;
            int r = step(c, evs[i].events);
            if (r != -EAGAIN)
                finish(k, c, r == 1);
        }
        /* an event of this batch never points at a check finished in it: each check has one
         * fd, and an fd shows up once per epoll_wait */
        now = gw_now_ms();
        for (struct check *c = k->head.next, *next; c != &k->head; c = next) {
            next = c->next;
            if (now >= c->deadline_ms)
                finish(k, c, false);
        }
    }
    while (k->head.next != &k->head)
        discard(k, k->head.next);
    close(k->epfd);
    free(k);
    return NULL;
}

int gw_health_start(void)
{
    struct checker *k = calloc(1, sizeof(*k));
    if (!k)
        return -ENOMEM;
    k->head.next = k->head.prev = &k->head;
    k->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (k->epfd < 0) {
        int r = -errno;
        free(k);
        return r;
    }
    pthread_t t;
    int r = pthread_create(&t, NULL, health_main, k);
    if (r != 0) {
        close(k->epfd);
        free(k);
        return -r;
    }
    pthread_detach(t);
    return 0;
}
