/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TCP proxying: a non-blocking connect with a timeout (retried on another endpoint), then
 * splice(2) through one pipe per direction, so payload never enters user space. A read EOF is
 * propagated as shutdown(SHUT_WR) once its pipe is drained; the session ends when both
 * directions are shut, or at the first error (then both sides are reset). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"
#include "table.h"

struct l4 {
    struct gw_session sess;
    struct gw_io cio, uio;
    struct gw_worker *w;
    struct gw_config *cfg;
    struct gw_listener *l;
    struct gw_service *svc;
    struct gw_endpoint *ep;
    struct sockaddr_storage peer;
    int pipes[2][2];
    size_t inpipe[2], pipecap;
    bool eof[2], shut[2];
    bool connecting, closed;
    int attempts;
    uint64_t tconn;
};

static void reset_fd(int fd)
{
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static void l4_close(struct l4 *s, bool reset)
{
    if (s->closed)
        return;
    s->closed = true;
    if (reset) {
        reset_fd(s->cio.fd);
        reset_fd(s->uio.fd);
    }
    close(s->cio.fd);
    s->cio.kind = IO_DEAD;
    if (s->uio.fd >= 0) {
        close(s->uio.fd);
        atomic_fetch_sub(&s->ep->active, 1);
        atomic_fetch_sub(&s->ep->inflight, 1);
        atomic_fetch_sub(&s->svc->stats->connections, 1);
    }
    gw_table_conn_close(s->tconn);
    s->uio.kind = IO_DEAD;
    for (int d = 0; d < 2; d++)
        for (int k = 0; k < 2; k++)
            if (s->pipes[d][k] >= 0)
                close(s->pipes[d][k]);
    atomic_fetch_sub(&s->l->stats->active, 1);
    s->w->inflight--; /* a stream counts as one exchange in flight for its whole life */
    gw_session_unlink(s->w, &s->sess);
    gw_config_unref(s->cfg);
    gw_defer_free(s->w, s);
}

static int start_connect(struct l4 *s)
{
    for (;;) {
        struct gw_endpoint *e = gw_upstream_pick(s->svc, (struct sockaddr *)&s->peer, s->ep);
        if (!e) {
            atomic_fetch_add(&s->svc->stats->no_endpoint, 1);
            return -1;
        }
        s->attempts++;
        int fd = gw_connect_start(e);
        if (fd < 0) {
            gw_upstream_report(s->svc, e, false);
            if (s->attempts > s->svc->retry_attempts)
                return -1;
            s->ep = e;
            continue;
        }
        s->ep = e;
        s->tconn = gw_table_conn_open(e);
        s->uio = (struct gw_io){ .kind = IO_L4, .fd = fd, .owner = s };
        atomic_fetch_add(&e->active, 1);
        atomic_fetch_add(&e->inflight, 1);
        atomic_fetch_add(&s->svc->stats->connections, 1);
        s->connecting = true;
        s->sess.deadline_ms = gw_now_ms() + s->svc->connect_timeout_ms;
        if (gw_epoll_add(s->w, &s->uio) < 0)
            return -1;
        return 0;
    }
}

/* The connect failed: count it and try another endpoint if allowed. */
static void connect_failed(struct l4 *s)
{
    gw_upstream_report(s->svc, s->ep, false);
    close(s->uio.fd);
    s->uio.fd = -1;
    gw_table_conn_close(s->tconn);
    s->tconn = 0;
    atomic_fetch_sub(&s->ep->active, 1);
    atomic_fetch_sub(&s->ep->inflight, 1);
    atomic_fetch_sub(&s->svc->stats->connections, 1);
    s->connecting = false;
    if (s->attempts > s->svc->retry_attempts || start_connect(s) < 0)
        l4_close(s, true);
}

static void l4_timeout(struct gw_session *sess)
{
    struct l4 *s = (struct l4 *)sess;
    if (s->connecting)
        connect_failed(s);
    else
        l4_close(s, true);
}

static int open_pipes(struct l4 *s)
{
    for (int d = 0; d < 2; d++) {
        if (pipe2(s->pipes[d], O_NONBLOCK | O_CLOEXEC) < 0)
            return -1;
        int got = fcntl(s->pipes[d][1], F_SETPIPE_SZ, s->l->pipe_size);
        if (got < 0)
            got = fcntl(s->pipes[d][1], F_GETPIPE_SZ);
        s->pipecap = got > 0 ? (size_t)got : 65536;
    }
    return 0;
}

static void l4_pump(struct l4 *s)
{
    bool progress = true;
    while (progress && !s->closed) {
        progress = false;
        for (int d = 0; d < 2; d++) {
            int src = d ? s->uio.fd : s->cio.fd, dst = d ? s->cio.fd : s->uio.fd;
            if (!s->eof[d] && s->inpipe[d] < s->pipecap) {
                ssize_t n = splice(src, NULL, s->pipes[d][1], NULL, s->pipecap - s->inpipe[d],
                                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n > 0) {
                    s->inpipe[d] += (size_t)n;
                    progress = true;
                } else if (n == 0) {
                    s->eof[d] = true;
                    progress = true;
                } else if (errno != EAGAIN && errno != EINTR) {
                    l4_close(s, true);
                    return;
                }
            }
            if (s->inpipe[d] > 0) {
                ssize_t n = splice(s->pipes[d][0], NULL, dst, NULL, s->inpipe[d],
                                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n > 0) {
                    s->inpipe[d] -= (size_t)n;
                    progress = true;
                } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                    l4_close(s, true);
                    return;
                }
            }
            if (s->eof[d] && s->inpipe[d] == 0 && !s->shut[d]) {
                shutdown(dst, SHUT_WR);
                s->shut[d] = true;
                progress = true;
            }
        }
    }
    if (s->shut[0] && s->shut[1])
        l4_close(s, false);
}

void gw_l4_event(struct gw_io *io, uint32_t events)
{
    struct l4 *s = io->owner;
    if (s->closed)
        return;
    if (io == &s->uio && s->connecting) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        if (getsockopt(s->uio.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
            connect_failed(s);
            return;
        }
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (getpeername(s->uio.fd, (struct sockaddr *)&ss, &sl) < 0)
            return; /* a stale event of an earlier attempt: still connecting */
        gw_upstream_report(s->svc, s->ep, true);
        s->connecting = false;
        s->sess.deadline_ms = 0;
        if (open_pipes(s) < 0) {
            l4_close(s, true);
            return;
        }
    }
    if (s->connecting)
        return; /* client bytes wait in its socket until the upstream is there */
    l4_pump(s);
}

void gw_l4_accept(struct gw_worker *w, struct gw_listener *l, int fd)
{
    struct gw_service *svc = l->service;
    if (svc->max_connections && atomic_load(&svc->stats->connections) >= svc->max_connections) {
        atomic_fetch_add(&svc->stats->overflows, 1);
        reset_fd(fd);
        close(fd);
        return;
    }
    struct l4 *s = calloc(1, sizeof(*s));
    if (!s) {
        close(fd);
        return;
    }
    memset(s->pipes, -1, sizeof(s->pipes));
    socklen_t plen = sizeof(s->peer);
    getpeername(fd, (struct sockaddr *)&s->peer, &plen);
    s->w = w;
    s->cfg = gw_config_ref(w->cfg);
    s->l = l;
    s->svc = svc;
    s->cio = (struct gw_io){ .kind = IO_L4, .fd = fd, .owner = s };
    s->uio.fd = -1;
    s->sess.on_timeout = l4_timeout;
    gw_session_link(w, &s->sess);
    w->inflight++;
    atomic_fetch_add(&l->stats->active, 1);
    if (gw_epoll_add(w, &s->cio) < 0 || start_connect(s) < 0) {
        l4_close(s, true);
        return;
    }
}
