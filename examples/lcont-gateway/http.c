/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HTTP/1.1 reverse proxy session: one client connection, at most one attached upstream
 * connection (taken from the worker's pool or freshly connected) per exchange. Everything is
 * driven by pump(), which moves bytes client -> parser/framer -> upstream and back until no
 * step makes progress; edge-triggered events just call it again. A request that asks to
 * switch protocols (WebSocket) and gets 101 turns the session into a tunnel: tunnel_pump()
 * then copies bytes both ways, half-closes included, until both sides are done. */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "http-parse.h"
#include "http-rewrite.h"
#include "loop.h"
#include "table.h"

/* cin holds a whole request head (max_header_bytes); the others only stream */
#define IO_CAP (32 * 1024)
#define MAX_HDRS 256

struct buf {
    char *d;
    size_t cap, off, len;
};

enum rq_state {
    RQ_IDLE, /* waiting for a request head */
    RQ_BODY, /* forwarding the request body */
    RQ_DONE,
};

enum rs_state {
    RS_NONE, /* no exchange */
    RS_CONNECTING,
    RS_WAIT_HEAD,
    RS_BODY,
    RS_DONE,
    RS_TUNNEL, /* switched protocols: bytes both ways, no HTTP any more */
};

struct hs {
    struct gw_session sess;
    struct gw_io cio;
    struct gw_upconn *up;
    struct gw_worker *w;
    struct gw_config *cfg;
    struct gw_listener *l;
    char addr_key[GW_ADDR_LEN];
    struct sockaddr_storage peer;
    char peer_ip[64];
    SSL *ssl;
    struct buf cin, cout, uin, uout;
    enum rq_state rq;
    enum rs_state rs;
    struct gw_body reqb, respb;
    struct gw_route *route;
    struct gw_service *svc;
    struct gw_endpoint *ep;
    char *head_copy;
    size_t head_len;
    /* Request body bytes kept for a replay (retryable requests with a small body): body[0..len)
     * is everything consumed from the client so far; pos is how much of it went into uout for
     * the current attempt. keep is cleared when the body outgrows the limit; lost is set once
     * body bytes left without being kept, which rules out any further attempt. */
    struct {
        char *d;
        size_t len, cap, pos;
        bool keep, lost;
    } body;
    int minor;
    bool retryable, client_close, upstream_close, u_eof, is_head, counted, pending;
    bool upgrade;        /* the request may switch protocols (it asked, without a body) */
    bool c_shut, u_shut; /* tunnel: our write side to the client / upstream is shut */
    int attempts, retry_tokens;
    int status;
    int64_t t0_us, connect_deadline, head_deadline, idle_deadline, io_deadline;
    uint64_t resp_bytes;
    char method[16], host[128], path[256];
    bool c_eof, closing, closed, lingering;
    bool linger; /* input was left unread: close lingering */
    /* Readiness under edge triggering: a short read or write means "wait for the next edge",
     * which saves the EAGAIN syscall per step. TLS keeps trying (its records are buffered). */
    bool c_rd, c_wr, u_rd, u_wr;
    /* the peer's FIN was already reported: a short read does not mean "drained" then */
    bool c_hup, u_hup;
    bool u_send_failed; /* the upstream refused more request bytes */
    /* EPOLLOUT on the client socket: armed only once a send falls short. A fresh socket is
     * writable, so registering for it at accept would only report that, as one more event
     * (and one more pass through the pump) per connection. */
    bool c_out;
    uint64_t tconn; /* service table connection accounting */
};

/* answers of the gateway itself (400, 404...), set by the first accept of any worker */
static _Atomic(struct gw_service_stats *) local_stats;

/* ---- buffers ---- */

static int buf_init(struct buf *b, size_t cap)
{
    b->d = malloc(cap);
    b->cap = cap;
    b->off = b->len = 0;
    return b->d ? 0 : -1;
}

static size_t buf_space(struct buf *b)
{
    if (b->len == 0)
        b->off = 0;
    if (b->off && b->off + b->len > b->cap / 2) {
        memmove(b->d, b->d + b->off, b->len);
        b->off = 0;
    }
    return b->cap - b->off - b->len;
}

static char *buf_data(struct buf *b)
{
    return b->d + b->off;
}

static char *buf_tail(struct buf *b)
{
    return b->d + b->off + b->len;
}

static void buf_consume(struct buf *b, size_t n)
{
    b->off += n;
    b->len -= n;
    if (b->len == 0)
        b->off = 0;
}

static bool buf_append(struct buf *b, const char *p, size_t n)
{
    if (buf_space(b) < n)
        return false;
    memcpy(buf_tail(b), p, n);
    b->len += n;
    return true;
}

static bool buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

/* ---- client I/O (plain or TLS); -EAGAIN when it would block ---- */

static ssize_t cread(struct hs *s, char *p, size_t n)
{
    if (!s->ssl) {
        ssize_t r = recv(s->cio.fd, p, n, 0);
        return r < 0 ? -errno : r;
    }
    ERR_clear_error();
    int r = SSL_read(s->ssl, p, (int)(n > INT32_MAX ? INT32_MAX : n));
    if (r > 0)
        return r;
    switch (SSL_get_error(s->ssl, r)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return -EAGAIN;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        return -EPROTO;
    }
}

static ssize_t cwrite(struct hs *s, const char *p, size_t n)
{
    if (!s->ssl) {
        ssize_t r = send(s->cio.fd, p, n, MSG_NOSIGNAL);
        return r < 0 ? -errno : r;
    }
    ERR_clear_error();
    int r = SSL_write(s->ssl, p, (int)(n > INT32_MAX ? INT32_MAX : n));
    if (r > 0)
        return r;
    int e = SSL_get_error(s->ssl, r);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? -EAGAIN : -EPIPE;
}

/* ---- lifecycle ---- */

static void detach_upstream(struct hs *s, bool reuse)
{
    struct gw_upconn *u = s->up;
    if (!u)
        return;
    s->up = NULL;
    atomic_fetch_sub(&u->ep->inflight, 1);
    gw_table_conn_close(s->tconn);
    s->tconn = 0;
    if (s->pending) {
        atomic_fetch_sub(&s->svc->stats->pending, 1);
        s->pending = false;
    }
    s->uin.len = s->uout.len = 0;
    s->uin.off = s->uout.off = 0;
    u->rd = s->u_rd;
    u->wr = s->u_wr;
    if (reuse)
        gw_pool_put(s->w, u);
    else
        gw_upconn_close(u);
}

static void end_request_accounting(struct hs *s)
{
    if (s->counted) {
        s->w->inflight--;
        atomic_fetch_sub(&s->svc->stats->active_requests, 1);
        s->counted = false;
    }
    while (s->retry_tokens > 0) {
        gw_retry_release(s->svc);
        s->retry_tokens--;
    }
}

/* Drop the kept request body and give its memory back to the worker's budget. */
static void body_release(struct hs *s)
{
    s->w->kept_bodies -= s->body.cap;
    free(s->body.d);
    s->body.d = NULL;
    s->body.len = s->body.cap = s->body.pos = 0;
    s->body.keep = false;
}

static void hs_close(struct hs *s)
{
    if (s->closed)
        return;
    s->closed = true;
    if (s->rs == RS_TUNNEL) {
        s->w->inflight--; /* a tunnel counts as one exchange in flight, as an L4 session */
        atomic_fetch_sub(&s->svc->stats->tunnels, 1);
    }
    detach_upstream(s, false);
    end_request_accounting(s);
    if (s->ssl) {
        SSL_shutdown(s->ssl);
        SSL_free(s->ssl);
    }
    close(s->cio.fd);
    s->cio.kind = IO_DEAD;
    atomic_fetch_sub(&s->l->stats->active, 1);
    gw_session_unlink(s->w, &s->sess);
    gw_config_unref(s->cfg);
    free(s->cin.d);
    free(s->cout.d);
    free(s->uin.d);
    free(s->uout.d);
    free(s->head_copy);
    body_release(s);
    gw_defer_free(s->w, s);
}

/* ---- access log and metrics ---- */

static size_t json_str(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; *s && o + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return o;
}

static void finish_accounting(struct hs *s)
{
    int64_t dur = gw_now_us() - s->t0_us;
    struct gw_service_stats *st = s->svc ? s->svc->stats : atomic_load(&local_stats);
    if (st) {
        int cls = s->status / 100;
        atomic_fetch_add(&st->responses[cls >= 1 && cls <= 5 ? cls : 0], 1);
        double secs = (double)dur / 1e6;
        int b = 0;
        while (b < GW_HIST_BUCKETS && secs > gw_hist_bounds[b])
            b++;
        atomic_fetch_add(&st->hist[b], 1);
        atomic_fetch_add(&st->latency_sum_us, dur);
    }
    if (atomic_load_explicit(&gw.log_fd, memory_order_relaxed) < 0)
        return;
    char host[256], path[512], line[1536];
    json_str(host, sizeof(host), s->host);
    json_str(path, sizeof(path), s->path);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int n = snprintf(line, sizeof(line),
                     "{\"time\":%lld.%03ld,\"client\":\"%s\",\"method\":\"%s\",\"host\":\"%s\","
                     "\"path\":\"%s\",\"status\":%d,\"route\":\"%s\",\"service\":\"%s\","
                     "\"endpoint\":\"%s\",\"attempts\":%d,\"bytes\":%llu,\"duration_us\":%lld,"
                     "\"tls\":%s}\n",
                     (long long)ts.tv_sec, ts.tv_nsec / 1000000, s->peer_ip, s->method, host, path,
                     s->status, s->route ? s->route->name : "", s->svc ? s->svc->name : "",
                     s->ep ? s->ep->name : "", s->attempts, (unsigned long long)s->resp_bytes,
                     (long long)dur, s->ssl ? "true" : "false");
    if (n > 0)
        gw_access_log(line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* ---- local responses ---- */

static const char *reason(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

/* Answer the current request from the gateway itself. A request whose body was not consumed
 * leaves the connection unusable, so it closes. */
static void local_reply(struct hs *s, int status, const char *extra_header)
{
    char msg[512], body[128];
    detach_upstream(s, false);
    if (s->rq != RQ_DONE) {
        s->client_close = true;
        s->linger = true;
    }
    int bl = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));
    snprintf(msg, sizeof(msg),
             "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s%s\r\n%s",
             status, reason(status), bl, extra_header ? extra_header : "",
             s->client_close ? "Connection: close\r\n" : "", s->is_head ? "" : body);
    buf_puts(&s->cout, msg);
    s->status = status;
    s->rq = RQ_DONE;
    s->rs = RS_DONE;
}

/* ---- requests ---- */

static int rewrite_request(struct hs *s, const struct gw_head *h)
{
    size_t len;
    char *head = gw_http_rewrite_request(h, s->peer_ip, s->ssl != NULL,
                                         s->upgrade ? gw_http_upgrade_request(h) : NULL, &len);
    if (!head)
        return -1;
    free(s->head_copy);
    s->head_copy = head;
    s->head_len = len;
    return 0;
}

static void connect_upstream(struct hs *s);

static void begin_attempt(struct hs *s)
{
    s->attempts++;
    connect_upstream(s);
}

/* Retry the request on another endpoint if it is safe (nothing of the body was streamed, the
 * method is idempotent or nothing was sent) and the budget allows. */
static bool try_retry(struct hs *s, bool nothing_sent, bool free_retry)
{
    if (!(s->retryable || nothing_sent) || s->body.lost)
        return false;
    if (!free_retry) {
        if (s->attempts > s->svc->retry_attempts || !gw_retry_acquire(s->svc))
            return false;
        s->retry_tokens++;
    }
    detach_upstream(s, false);
    if (free_retry)
        connect_upstream(s); /* a stale pooled connection: not a new attempt */
    else
        begin_attempt(s);
    return true;
}

static void connect_failed(struct hs *s)
{
    gw_upstream_report(s->svc, s->ep, false);
    detach_upstream(s, false);
    if (!try_retry(s, true, false))
        local_reply(s, 502, NULL);
}

static void connect_upstream(struct hs *s)
{
    struct gw_service *svc = s->svc;
    struct gw_endpoint *e = gw_upstream_pick(svc, (struct sockaddr *)&s->peer, s->ep);
    if (!e) {
        atomic_fetch_add(&svc->stats->no_endpoint, 1);
        local_reply(s, 503, NULL);
        return;
    }
    s->ep = e;
    /* A new connection reports its readiness by edges; a pooled one keeps what it had (an
     * idle one that became readable was closed by the pool), which saves an EAGAIN read per
     * request. */
    s->u_rd = s->u_wr = false;
    s->u_send_failed = false;
    s->u_hup = false;
    s->u_eof = false;
    s->upstream_close = false;
    s->uout.off = s->uout.len = 0;
    s->uin.off = s->uin.len = 0;
    buf_append(&s->uout, s->head_copy, s->head_len);
    s->body.pos = 0; /* a replay starts with the kept body */
    /* A non-idempotent request never takes an idle pooled connection: if the upstream closed
     * it just as we send, the request cannot be replayed and would end in a 502 (HAProxy's
     * "http-reuse safe" keeps a session's first request off idle connections the same way).
     * Its new connection joins the pool afterwards. */
    struct gw_upconn *u = s->retryable ? gw_pool_get(s->w, e) : NULL;
    if (u) {
        u->io.kind = IO_HTTP;
        u->io.owner = s;
        s->u_rd = u->rd;
        s->u_wr = u->wr;
        s->up = u;
        atomic_fetch_add(&e->inflight, 1);
        s->tconn = gw_table_conn_open(e);
        s->rs = RS_WAIT_HEAD;
        return;
    }
    if ((svc->max_connections && atomic_load(&svc->stats->connections) >= svc->max_connections) ||
        (svc->max_pending && atomic_load(&svc->stats->pending) >= svc->max_pending)) {
        atomic_fetch_add(&svc->stats->overflows, 1);
        local_reply(s, 503, "X-Gateway-Overflow: connections\r\n");
        return;
    }
    int fd = gw_connect_start(e);
    if (fd < 0) {
        gw_upstream_report(svc, e, false);
        if (!try_retry(s, true, false))
            local_reply(s, 502, NULL);
        return;
    }
    u = calloc(1, sizeof(*u));
    if (!u) {
        close(fd);
        local_reply(s, 503, NULL);
        return;
    }
    *u = (struct gw_upconn){
        .io = { .kind = IO_HTTP, .fd = fd, .owner = s }, .ep = e, .svc = svc->stats, .w = s->w
    };
    atomic_fetch_add(&e->active, 1);
    atomic_fetch_add(&svc->stats->connections, 1);
    atomic_fetch_add(&svc->stats->pending, 1);
    s->pending = true;
    s->up = u;
    atomic_fetch_add(&e->inflight, 1);
    s->tconn = gw_table_conn_open(e);
    s->rs = RS_CONNECTING;
    s->connect_deadline = gw_now_ms() + svc->connect_timeout_ms;
    if (gw_epoll_add(s->w, &u->io) < 0)
        connect_failed(s);
}

/* Switch to the newest config between requests, when it still has our listener. */
static void refresh_config(struct hs *s)
{
    struct gw_config *c = s->w->cfg;
    if (c == s->cfg)
        return;
    for (size_t i = 0; i < c->n_listeners; i++)
        if (strcmp(c->listeners[i].addr_key, s->addr_key) == 0 &&
            c->listeners[i].proto == GW_PROTO_HTTP) {
            gw_config_unref(s->cfg);
            s->cfg = gw_config_ref(c);
            s->l = &c->listeners[i];
            return;
        }
}

/* @src (not terminated) into @dst, truncated to fit. */
static void copy_field(char *dst, size_t size, const char *src, size_t len)
{
    if (len >= size)
        len = size - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* A complete head is at the start of cin (or an error). Returns false when more bytes are
 * needed. */
static bool start_request(struct hs *s)
{
    struct gw_hdr hdrs[MAX_HDRS];
    struct gw_head h;
    if (s->head_deadline == 0)
        s->head_deadline = gw_now_ms() + s->l->client_timeout_ms;
    size_t avail = s->cin.len;
    int r = gw_http_parse_request(buf_data(&s->cin), avail, hdrs, s->l->max_headers, &h);
    if (r == 0 && avail >= s->l->max_header_bytes)
        r = -431;
    if (r > 0 && (size_t)r > s->l->max_header_bytes)
        r = -431;
    if (r == 0)
        return false;
    gw_session_unfresh(s->w, &s->sess);
    refresh_config(s);
    s->t0_us = gw_now_us();
    s->route = NULL;
    s->svc = NULL;
    s->ep = NULL;
    s->attempts = 0;
    s->resp_bytes = 0;
    s->status = 0;
    s->host[0] = s->path[0] = s->method[0] = '\0';
    s->head_deadline = 0;
    s->io_deadline = gw_now_ms() + 30000;
    if (r < 0) {
        s->is_head = false;
        s->client_close = true;
        strcpy(s->method, "-");
        s->rq = RQ_BODY; /* unread input: closes after the reply */
        local_reply(s, -r, NULL);
        s->cin.len = 0;
        return true;
    }
    copy_field(s->method, sizeof(s->method), h.method, h.method_len);
    copy_field(s->path, sizeof(s->path), h.target, h.target_len);
    const struct gw_hdr *hh = gw_http_find(&h, "host");
    if (hh)
        copy_field(s->host, sizeof(s->host), hh->value, hh->value_len);
    s->minor = h.minor;
    s->is_head = strcmp(s->method, "HEAD") == 0;
    const struct gw_hdr *conn = gw_http_find(&h, "connection");
    bool close_tok = conn && gw_http_has_token(conn->value, conn->value_len, "close");
    bool ka_tok = conn && gw_http_has_token(conn->value, conn->value_len, "keep-alive");
    s->client_close = h.minor == 0 ? !ka_tok : close_tok;
    if (s->w->draining)
        s->client_close = true;

    /* HTTP/1.1 needs exactly one Host */
    size_t n_host = 0;
    for (size_t i = 0; i < h.n_hdrs; i++)
        n_host += gw_http_name_is(&h.hdrs[i], "host");
    int fr = gw_http_request_body(&h, &s->reqb);
    if (fr < 0 || (h.minor == 1 && n_host != 1) || n_host > 1) {
        s->rq = RQ_BODY;
        local_reply(s, 400, NULL);
        s->cin.len = 0;
        return true;
    }
    if (s->reqb.kind == GW_BODY_CHUNKED && avail > h.head_len) {
        /* framing errors already in hand are answered before any upstream sees the request */
        struct gw_body probe = s->reqb;
        if (gw_body_feed(&probe, buf_data(&s->cin) + h.head_len, avail - h.head_len) < 0)
            fr = -400;
    }
    if (fr < 0) {
        s->rq = RQ_BODY;
        local_reply(s, 400, NULL);
        s->cin.len = 0;
        return true;
    }
    /* a switch of protocols with a request body is not one: it goes on as plain HTTP */
    s->upgrade = gw_http_upgrade_request(&h) && s->reqb.done;
    s->route = gw_http_route(s->l, &h);
    if (!s->route) {
        s->rq = s->reqb.done ? RQ_DONE : RQ_BODY;
        buf_consume(&s->cin, h.head_len);
        local_reply(s, 404, NULL);
        return true;
    }
    atomic_fetch_add(&s->route->stats->requests, 1);
    s->svc = s->route->service;
    atomic_fetch_add(&s->svc->stats->requests, 1);
    static const char *const idempotent[] = { "GET",    "HEAD",  "OPTIONS", "PUT",
                                              "DELETE", "TRACE", NULL };
    s->retryable = false;
    for (size_t i = 0; idempotent[i]; i++)
        s->retryable |= strcmp(s->method, idempotent[i]) == 0;
    /* a body is kept for a replay when it is known or expected to fit the limit */
    s->body.len = s->body.pos = 0;
    s->body.lost = false;
    s->body.keep = s->retryable && !s->reqb.done && s->svc->retry_body_max > 0 &&
                   (s->reqb.kind != GW_BODY_LENGTH || s->reqb.remaining <= s->svc->retry_body_max);
    int rw = rewrite_request(s, &h);
    buf_consume(&s->cin, h.head_len);
    s->rq = s->reqb.done ? RQ_DONE : RQ_BODY;
    if (rw < 0) {
        local_reply(s, 503, NULL);
        return true;
    }
    if (s->route->has_limiter &&
        !gw_limiter_allow(&s->route->limiter, (struct sockaddr *)&s->peer)) {
        atomic_fetch_add(&s->route->stats->rate_limited, 1);
        local_reply(s, 429, "Retry-After: 1\r\n");
        return true;
    }
    if (s->svc->max_requests &&
        atomic_load(&s->svc->stats->active_requests) >= s->svc->max_requests) {
        atomic_fetch_add(&s->svc->stats->overflows, 1);
        local_reply(s, 503, "X-Gateway-Overflow: requests\r\n");
        return true;
    }
    atomic_fetch_add(&s->svc->stats->active_requests, 1);
    s->counted = true;
    s->w->inflight++;
    begin_attempt(s);
    return true;
}

/* ---- responses ---- */

/* Build the client's response head from the upstream's (@upgrade: the Upgrade header of a
 * 101). Returns false when cout lacks room. */
static bool rewrite_response(struct hs *s, const struct gw_head *h, const struct gw_hdr *upgrade)
{
    if (buf_space(&s->cout) < h->head_len + 128)
        return false;
    if (!gw_http_keeps_alive(h))
        s->upstream_close = true;
    /* close-delimited, or answered before the request body ended (it will not be read) */
    if (s->respb.kind == GW_BODY_EOF || s->rq != RQ_DONE)
        s->client_close = true;
    size_t space = buf_space(&s->cout); /* may compact: before buf_tail() */
    s->cout.len +=
        gw_http_rewrite_response(h, s->minor, s->client_close, upgrade, buf_tail(&s->cout), space);
    return true;
}

/* 101 to a request that asked for it: the exchange is over for HTTP (logged and counted as
 * such) and the connections become a tunnel. */
static void start_tunnel(struct hs *s)
{
    s->status = 101;
    atomic_fetch_add(&s->svc->stats->upgrades, 1);
    atomic_fetch_add(&s->svc->stats->tunnels, 1);
    finish_accounting(s);
    end_request_accounting(s);
    s->w->inflight++; /* until hs_close */
    s->rq = RQ_DONE;
    s->rs = RS_TUNNEL;
    s->io_deadline = gw_now_ms() + s->l->tunnel_timeout_ms;
}

/* Returns true on progress. */
static bool handle_response_head(struct hs *s)
{
    struct gw_hdr hdrs[MAX_HDRS];
    struct gw_head h;
    int r = gw_http_parse_response(buf_data(&s->uin), s->uin.len, hdrs, MAX_HDRS, &h);
    if (r == 0 && (buf_space(&s->uin) == 0 || s->u_eof))
        r = -502;
    if (r == 0)
        return false;
    /* 101 only to a request that asked to switch, naming the protocol switched to */
    const struct gw_hdr *upgrade = h.status == 101 ? gw_http_find(&h, "upgrade") : NULL;
    if (r < 0 || (h.status == 101 && (!s->upgrade || !upgrade || upgrade->value_len == 0)) ||
        gw_http_response_body(&h, s->is_head, &s->respb) < 0) {
        gw_upstream_report(s->svc, s->ep, false);
        local_reply(s, 502, NULL);
        return true;
    }
    if (h.status == 101) {
        gw_upstream_report(s->svc, s->ep, true);
        if (!rewrite_response(s, &h, upgrade))
            return false;
        buf_consume(&s->uin, h.head_len);
        start_tunnel(s);
        return true;
    }
    if (h.status >= 100 && h.status < 200) {
        /* interim (100 Continue): pass it on and wait for the final response */
        if (buf_space(&s->cout) < h.head_len)
            return false;
        buf_append(&s->cout, buf_data(&s->uin), h.head_len);
        buf_consume(&s->uin, h.head_len);
        return true;
    }
    /* 5xx counts toward passive ejection, like a failed connect */
    gw_upstream_report(s->svc, s->ep, h.status < 500);
    if (h.status >= 500 && s->svc->retry_5xx && try_retry(s, false, false))
        return true;
    if (!rewrite_response(s, &h, NULL))
        return false;
    s->status = h.status;
    buf_consume(&s->uin, h.head_len);
    s->rs = s->respb.done ? RS_DONE : RS_BODY;
    return true;
}

/* The upstream closed or failed while we wait for or read its response. */
static void upstream_gone(struct hs *s, bool error)
{
    if (s->rs == RS_BODY && s->respb.kind == GW_BODY_EOF && !error) {
        s->respb.done = true;
        s->upstream_close = true;
        s->rs = RS_DONE;
        return;
    }
    if (s->rs == RS_WAIT_HEAD && s->uin.len == 0) {
        bool stale = s->up->reused;
        if (!stale)
            gw_upstream_report(s->svc, s->ep, false);
        if (try_retry(s, false, stale))
            return;
        local_reply(s, 502, NULL);
        return;
    }
    if (s->rs == RS_WAIT_HEAD) {
        gw_upstream_report(s->svc, s->ep, false);
        local_reply(s, 502, NULL);
        return;
    }
    /* mid-body: the client cannot be told any more than by closing */
    gw_upstream_report(s->svc, s->ep, false);
    s->status = s->status ? s->status : 502;
    detach_upstream(s, false);
    finish_accounting(s);
    end_request_accounting(s);
    hs_close(s);
}

static void finish_exchange(struct hs *s)
{
    bool reuse = s->up && !s->upstream_close && s->uin.len == 0 && s->uout.len == 0 &&
                 s->body.pos == s->body.len && !s->u_send_failed && s->respb.kind != GW_BODY_EOF &&
                 s->rq == RQ_DONE && !s->w->draining;
    if (s->rq != RQ_DONE) {
        s->client_close = true; /* the response ended before the request body */
        s->linger = true;
    }
    detach_upstream(s, reuse);
    finish_accounting(s);
    end_request_accounting(s);
    body_release(s);
    s->rq = RQ_IDLE;
    s->rs = RS_NONE;
    s->upstream_close = false;
    s->u_eof = false;
    s->route = NULL;
    s->svc = NULL;
    s->idle_deadline = gw_now_ms() + s->l->idle_timeout_ms;
    if (s->client_close)
        s->closing = true;
}

/* ---- the pump ---- */

/* @n body bytes are leaving for the upstream: keep them for a replay while within the
 * service's limit and the worker's budget for kept bodies. */
static void keep_body(struct hs *s, const char *p, size_t n)
{
    size_t max = s->svc->retry_body_max;
    if (s->body.keep && s->body.len + n <= max) {
        if (s->body.len + n > s->body.cap) {
            size_t cap = s->body.cap ? s->body.cap : 4096;
            while (cap < s->body.len + n)
                cap *= 2;
            cap = cap < max ? cap : max;
            if (s->w->kept_bodies - s->body.cap + cap > (size_t)s->cfg->kept_bodies_max)
                goto lost; /* the worker's budget: no replay for this one */
            char *d = realloc(s->body.d, cap);
            if (!d)
                goto lost;
            s->w->kept_bodies += cap - s->body.cap;
            s->body.d = d;
            s->body.cap = cap;
        }
        memcpy(s->body.d + s->body.len, p, n);
        s->body.len += n;
        s->body.pos = s->body.len;
        return;
    }
lost:
    body_release(s);
    s->body.lost = true;
}

static void update_deadline(struct hs *s)
{
    if (s->rs == RS_CONNECTING)
        s->sess.deadline_ms = s->connect_deadline;
    else if (s->rs == RS_NONE && s->rq == RQ_IDLE)
        s->sess.deadline_ms = s->cin.len ? s->head_deadline : s->idle_deadline;
    else
        s->sess.deadline_ms = s->io_deadline;
    if (s->closing && s->sess.deadline_ms == 0)
        s->sess.deadline_ms = gw_now_ms() + 5000;
}

/* client -> cin; true on progress. On an error the session is closed (s->closed). */
static bool read_client(struct hs *s)
{
    size_t space = buf_space(&s->cin);
    ssize_t n = cread(s, buf_tail(&s->cin), space);

    if (n > 0) {
        s->cin.len += (size_t)n;
        s->c_rd = (size_t)n == space || s->c_hup;
        return true;
    }
    if (n == 0) {
        s->c_eof = true;
        return true;
    }
    if (n == -EAGAIN)
        s->c_rd = false;
    else if (n != -EINTR)
        hs_close(s);
    return false;
}

/* cout -> client; true on progress. On an error the session is closed (s->closed). */
static bool write_client(struct hs *s)
{
    bool progress = false;
    ssize_t n = cwrite(s, buf_data(&s->cout), s->cout.len);

    if (n > 0) {
        s->c_wr = (size_t)n == s->cout.len;
        buf_consume(&s->cout, (size_t)n);
        progress = true;
    } else if (n == -EAGAIN) {
        s->c_wr = false;
    } else if (n != -EINTR) {
        hs_close(s);
        return false;
    }
    if (!s->c_wr && !s->c_out) {
        if (gw_epoll_watch(s->w, &s->cio, false, true) < 0) {
            hs_close(s);
            return false;
        }
        s->c_out = true;
    }
    return progress;
}

/* As much of @from as @to has room for. */
static bool buf_move(struct buf *to, struct buf *from)
{
    size_t n = from->len, space = buf_space(to);

    if (n > space)
        n = space;
    if (n == 0)
        return false;
    buf_append(to, buf_data(from), n);
    buf_consume(from, n);
    return true;
}

/* uout -> upstream: bytes sent, 0 when it would block (or EINTR), -errno on an error. */
static ssize_t send_upstream(struct hs *s)
{
    ssize_t n = send(s->up->io.fd, buf_data(&s->uout), s->uout.len, MSG_NOSIGNAL);

    if (n > 0) {
        s->u_wr = (size_t)n == s->uout.len;
        buf_consume(&s->uout, (size_t)n);
        return n;
    }
    if (n < 0 && errno == EAGAIN)
        s->u_wr = false;
    return n < 0 && errno != EAGAIN && errno != EINTR ? -errno : 0;
}

/* upstream -> uin: bytes read, 0 at EOF, -EAGAIN when it would block (or EINTR), -errno. */
static ssize_t recv_upstream(struct hs *s)
{
    size_t space = buf_space(&s->uin);
    ssize_t n = recv(s->up->io.fd, buf_tail(&s->uin), space, 0);

    if (n > 0) {
        s->uin.len += (size_t)n;
        s->u_rd = (size_t)n == space || s->u_hup;
        return n;
    }
    if (n == 0)
        return 0;
    if (errno == EAGAIN)
        s->u_rd = false;
    return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
}

/* The tunnel after a 101: client -> cin -> uout -> upstream and upstream -> uin -> cout ->
 * client, an EOF passed on as shutdown(SHUT_WR) once what came before it has left. It ends
 * when both EOFs were passed on; with TLS, once the upstream's was (TLS has no half-close
 * that clients rely on). Any other error closes both sides. */
static void tunnel_pump(struct hs *s)
{
    int ufd = s->up->io.fd;
    bool progress = true, moved = false;

    while (progress && !s->closed) {
        progress = false;
        if (!s->c_eof && (s->c_rd || s->ssl) && buf_space(&s->cin) > 0) {
            progress |= read_client(s);
            if (s->closed)
                return;
        }
        progress |= buf_move(&s->uout, &s->cin);
        if (s->uout.len && s->u_wr) {
            ssize_t n = send_upstream(s);
            if (n < 0) {
                hs_close(s);
                return;
            }
            progress |= n > 0;
        }
        if (s->c_eof && !s->cin.len && !s->uout.len && !s->u_shut) {
            shutdown(ufd, SHUT_WR);
            s->u_shut = true;
            progress = true;
        }
        if (!s->u_eof && s->u_rd && buf_space(&s->uin)) {
            ssize_t n = recv_upstream(s);
            if (n < 0 && n != -EAGAIN) {
                hs_close(s);
                return;
            }
            s->u_eof = n == 0;
            progress |= n >= 0;
        }
        progress |= buf_move(&s->cout, &s->uin);
        if (s->cout.len && (s->c_wr || s->ssl)) {
            progress |= write_client(s);
            if (s->closed)
                return;
        }
        if (s->u_eof && !s->uin.len && !s->cout.len && !s->c_shut) {
            if (!s->ssl)
                shutdown(s->cio.fd, SHUT_WR);
            s->c_shut = true;
            progress = true;
        }
        moved |= progress;
    }
    if (s->closed)
        return;
    if (s->c_shut && (s->u_shut || s->ssl)) {
        hs_close(s);
        return;
    }
    if (moved)
        s->io_deadline = gw_now_ms() + s->l->tunnel_timeout_ms;
    s->sess.deadline_ms = s->io_deadline;
}

static void pump(struct hs *s)
{
    bool progress = true;
    while (progress && !s->closed) {
        progress = false;
        if (s->rs == RS_TUNNEL) {
            tunnel_pump(s);
            return;
        }
        /* 1. client -> cin */
        if (!s->c_eof && !s->closing && (s->c_rd || s->ssl) && buf_space(&s->cin) > 0) {
            progress |= read_client(s);
            if (s->closed)
                return;
        }
        /* 2. a new request */
        /* a pipelined request waits until the previous response has mostly left, so any
         * answer (even a local one) has room in cout */
        if (s->rq == RQ_IDLE && s->rs == RS_NONE && s->cin.len && !s->closing &&
            s->cout.len <= IO_CAP / 2)
            progress |= start_request(s);
        /* 3. request body -> uout; on a replay, the kept part of it goes first */
        if (s->up && s->rs != RS_CONNECTING && s->body.pos < s->body.len) {
            size_t n = s->body.len - s->body.pos, space = buf_space(&s->uout);
            if (n > space)
                n = space;
            if (n) {
                buf_append(&s->uout, s->body.d + s->body.pos, n);
                s->body.pos += n;
                progress = true;
            }
        }
        if (s->rq == RQ_BODY && s->up && s->rs != RS_CONNECTING && s->cin.len &&
            s->body.pos == s->body.len) {
            size_t n = s->cin.len, space = buf_space(&s->uout);
            if (n > space)
                n = space;
            ssize_t fed = gw_body_feed(&s->reqb, buf_data(&s->cin), n);
            if (fed < 0) {
                if (s->rs == RS_WAIT_HEAD)
                    local_reply(s, 400, NULL);
                else
                    upstream_gone(s, true);
                progress = true;
                continue;
            }
            if (fed > 0) {
                keep_body(s, buf_data(&s->cin), (size_t)fed);
                buf_append(&s->uout, buf_data(&s->cin), (size_t)fed);
                buf_consume(&s->cin, (size_t)fed);
                progress = true;
            }
            if (s->reqb.done) {
                s->rq = RQ_DONE;
                progress = true;
            }
        }
        if (s->rq == RQ_BODY && s->c_eof && s->rs != RS_DONE) {
            upstream_gone(s, true); /* client gave up mid-body */
            if (s->closed)
                return;
            s->closing = true;
        }
        /* 4. uout -> upstream */
        if (s->up && s->u_wr && !s->u_send_failed && s->rs != RS_CONNECTING && s->rs != RS_DONE &&
            s->uout.len) {
            ssize_t n = send_upstream(s);
            if (n > 0) {
                progress = true;
            } else if (n == -ECONNRESET || n == -EPIPE) {
                /* The upstream stopped reading: it may have answered first (an early 413),
                 * so read before giving up on it; what it never reads is dropped. */
                s->u_send_failed = true;
                s->uout.len = s->uout.off = 0;
                s->u_rd = true;
                progress = true;
            } else if (n < 0) {
                upstream_gone(s, true);
                progress = true;
                continue;
            }
        }
        /* 5. upstream -> uin */
        if (s->up && s->u_rd && !s->u_eof && (s->rs == RS_WAIT_HEAD || s->rs == RS_BODY) &&
            buf_space(&s->uin)) {
            ssize_t n = recv_upstream(s);
            if (n > 0) {
                progress = true;
            } else if (n != -EAGAIN) {
                bool err = n < 0;
                /* bytes already received are processed first */
                if (s->uin.len == 0 || err) {
                    upstream_gone(s, err);
                    progress = true;
                    continue;
                }
                s->upstream_close = true;
                s->u_eof = true;
            }
        }
        /* 6. uin -> cout */
        if (s->rs == RS_WAIT_HEAD && s->uin.len)
            progress |= handle_response_head(s);
        if (s->rs == RS_BODY && s->uin.len) {
            size_t n = s->uin.len, space = buf_space(&s->cout);
            if (n > space)
                n = space;
            ssize_t fed = gw_body_feed(&s->respb, buf_data(&s->uin), n);
            if (fed < 0) {
                upstream_gone(s, true);
                progress = true;
                continue;
            }
            if (fed > 0) {
                buf_append(&s->cout, buf_data(&s->uin), (size_t)fed);
                buf_consume(&s->uin, (size_t)fed);
                s->resp_bytes += (uint64_t)fed;
                progress = true;
            }
            if (s->respb.done)
                s->rs = RS_DONE;
        }
        if (s->rs == RS_BODY && s->u_eof && s->uin.len == 0) {
            upstream_gone(s, false);
            if (s->closed)
                return;
            progress = true;
        }
        /* 7. exchange done: accounted and logged before its last bytes leave */
        if (s->rs == RS_DONE) {
            finish_exchange(s);
            progress = true;
        }
        /* 8. cout -> client */
        if (s->cout.len && (s->c_wr || s->ssl)) {
            progress |= write_client(s);
            if (s->closed)
                return;
        }
        if (progress && s->rs != RS_TUNNEL)
            s->io_deadline = gw_now_ms() + (s->svc ? s->svc->response_timeout_ms : 30000);
    }
    if (s->closed)
        return;
    if ((s->closing || (s->c_eof && s->rq == RQ_IDLE && s->rs == RS_NONE)) && s->cout.len == 0) {
        if (s->ssl || s->c_eof || (!s->linger && s->cin.len == 0)) {
            hs_close(s); /* nothing left unread: a plain close sends no RST */
            return;
        }
        /* Lingering close: closing with unread input would send a RST that can destroy the
         * response still in flight, so send FIN and discard what the client sends until it
         * closes too (or a short deadline passes). */
        if (!s->lingering) {
            shutdown(s->cio.fd, SHUT_WR);
            s->lingering = true;
            s->sess.deadline_ms = gw_now_ms() + 2000;
        }
        char sink[4096];
        for (;;) {
            ssize_t n = recv(s->cio.fd, sink, sizeof(sink), 0);
            if (n > 0)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
            hs_close(s);
            return;
        }
    }
    update_deadline(s);
}

static void on_timeout(struct gw_session *sess)
{
    struct hs *s = (struct hs *)sess;
    if (s->lingering) {
        hs_close(s);
        return;
    }
    if (s->rs == RS_CONNECTING) {
        connect_failed(s);
        pump(s);
        return;
    }
    if (s->rs == RS_WAIT_HEAD && s->uin.len == 0 && s->cout.len == 0) {
        gw_upstream_report(s->svc, s->ep, false);
        /* with on_timeout, response_timeout_ms is a per-try timeout for idempotent requests */
        if (s->svc->retry_timeout && try_retry(s, false, false)) {
            pump(s);
            return;
        }
        local_reply(s, 504, NULL);
        s->client_close = true;
        pump(s);
        return;
    }
    hs_close(s);
}

static void on_drain(struct gw_session *sess)
{
    struct hs *s = (struct hs *)sess;
    if (s->rq == RQ_IDLE && s->rs == RS_NONE && s->cin.len == 0 && s->cout.len == 0)
        hs_close(s);
}

void gw_http_event(struct gw_io *io, uint32_t events)
{
    struct hs *s = io->owner;
    if (s->closed)
        return;
    bool rd = events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
    bool wr = events & (EPOLLOUT | EPOLLHUP | EPOLLERR);
    bool hup = events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
    if (io == &s->cio) {
        s->c_rd |= rd;
        s->c_wr |= wr;
        s->c_hup |= hup;
    } else {
        s->u_rd |= rd;
        s->u_wr |= wr;
        s->u_hup |= hup;
    }
    if (s->up && io == &s->up->io && s->rs == RS_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
            connect_failed(s);
        } else if (getpeername(io->fd, (struct sockaddr *)&ss, &sl) == 0) {
            atomic_fetch_sub(&s->svc->stats->pending, 1);
            s->pending = false;
            s->rs = RS_WAIT_HEAD;
        }
    }
    pump(s);
}

void gw_http_accept(struct gw_worker *w, struct gw_listener *l, int fd,
                    const struct sockaddr_storage *peer)
{
    struct hs *s = calloc(1, sizeof(*s));
    if (!atomic_load(&local_stats))
        atomic_store(&local_stats, gw_registry_service("_gateway"));
    /* uout starts with the rewritten request head; cout with the response head (<= IO_CAP) */
    size_t head_cap = l->max_header_bytes + 1024;
    if (!s || buf_init(&s->cin, head_cap) < 0 || buf_init(&s->cout, IO_CAP + 4096) < 0 ||
        buf_init(&s->uin, IO_CAP) < 0 ||
        buf_init(&s->uout, head_cap + 2048 > IO_CAP ? head_cap + 2048 : IO_CAP) < 0) {
        if (s) {
            free(s->cin.d);
            free(s->cout.d);
            free(s->uin.d);
            free(s->uout.d);
        }
        free(s);
        close(fd);
        return;
    }
    s->w = w;
    s->cfg = gw_config_ref(w->cfg);
    s->l = l;
    snprintf(s->addr_key, sizeof(s->addr_key), "%s", l->addr_key);
    s->peer = *peer;
    gw_format_addr((const struct sockaddr *)peer, s->peer_ip, sizeof(s->peer_ip), false);
    s->cio = (struct gw_io){ .kind = IO_HTTP, .fd = fd, .owner = s };
    s->sess.on_timeout = on_timeout;
    s->sess.on_drain = on_drain;
    /* readable is learnt from the registration below (it reports data already queued) */
    s->c_wr = true;
    s->idle_deadline = gw_now_ms() + l->client_timeout_ms;
    gw_session_link(w, &s->sess);
    gw_session_fresh(w, &s->sess);
    atomic_fetch_add(&l->stats->active, 1);
    if (l->n_certs) {
        s->ssl = gw_tls_new(l, fd);
        if (!s->ssl) {
            hs_close(s);
            return;
        }
    }
    /* TLS may need to wait for writability in a handshake: both directions from the start */
    s->c_out = s->ssl != NULL;
    if (gw_epoll_watch(w, &s->cio, true, s->c_out) < 0) {
        hs_close(s);
        return;
    }
    update_deadline(s);
}
