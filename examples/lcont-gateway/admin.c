/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The admin listener (its own thread, blocking, one request per connection): GET /metrics in
 * the Prometheus text format, GET /healthz. Also the access log sink. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "gw.h"
#include "table.h"

struct out {
    char *d;
    size_t len, cap;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(struct out *o, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->d + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = (o->cap + (size_t)n) * 2;
        char *d = realloc(o->d, cap);
        if (!d)
            return;
        o->d = d;
        o->cap = cap;
    }
}

static void service_metrics(struct out *o, struct gw_service *s)
{
    struct gw_service_stats *st = s->stats;
    static const char *const cls[] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
    outf(o, "lcont_gateway_requests_total{service=\"%s\"} %lld\n", s->name,
         atomic_load(&st->requests));
    for (int i = 0; i < 6; i++)
        outf(o, "lcont_gateway_responses_total{service=\"%s\",code=\"%s\"} %lld\n", s->name, cls[i],
             atomic_load(&st->responses[i]));
    long long cum = 0;
    for (int i = 0; i <= GW_HIST_BUCKETS; i++) {
        cum += atomic_load(&st->hist[i]);
        if (i < GW_HIST_BUCKETS)
            outf(o,
                 "lcont_gateway_request_duration_seconds_bucket{service=\"%s\",le=\"%g\"} %lld\n",
                 s->name, gw_hist_bounds[i], cum);
        else
            outf(o,
                 "lcont_gateway_request_duration_seconds_bucket{service=\"%s\",le=\"+Inf\"} %lld\n",
                 s->name, cum);
    }
    outf(o, "lcont_gateway_request_duration_seconds_sum{service=\"%s\"} %.6f\n", s->name,
         (double)atomic_load(&st->latency_sum_us) / 1e6);
    outf(o, "lcont_gateway_request_duration_seconds_count{service=\"%s\"} %lld\n", s->name, cum);
    outf(o, "lcont_gateway_retries_total{service=\"%s\"} %lld\n", s->name,
         atomic_load(&st->retries));
    outf(o, "lcont_gateway_overflow_total{service=\"%s\"} %lld\n", s->name,
         atomic_load(&st->overflows));
    outf(o, "lcont_gateway_no_endpoint_total{service=\"%s\"} %lld\n", s->name,
         atomic_load(&st->no_endpoint));
    outf(o, "lcont_gateway_upgrades_total{service=\"%s\"} %lld\n", s->name,
         atomic_load(&st->upgrades));
    outf(o, "lcont_gateway_tunnels{service=\"%s\"} %d\n", s->name, atomic_load(&st->tunnels));
    outf(o, "lcont_gateway_upstream_connections{service=\"%s\"} %d\n", s->name,
         atomic_load(&st->connections));
    outf(o, "lcont_gateway_active_requests{service=\"%s\"} %d\n", s->name,
         atomic_load(&st->active_requests));
    int64_t now = gw_now_ms();
    for (size_t k = 0; k < s->n_eps; k++) {
        struct gw_endpoint *e = s->eps[k];
        outf(o, "lcont_gateway_endpoint_healthy{service=\"%s\",endpoint=\"%s\"} %d\n", s->name,
             e->name, atomic_load(&e->healthy));
        outf(o, "lcont_gateway_endpoint_ejected{service=\"%s\",endpoint=\"%s\"} %d\n", s->name,
             e->name, atomic_load(&e->ejected_until_ms) > now);
        outf(o, "lcont_gateway_endpoint_picks_total{service=\"%s\",endpoint=\"%s\"} %lld\n",
             s->name, e->name, atomic_load(&e->picks));
        outf(o, "lcont_gateway_endpoint_connections{service=\"%s\",endpoint=\"%s\"} %d\n", s->name,
             e->name, atomic_load(&e->active));
    }
}

static char *render_metrics(size_t *ret_len)
{
    struct out o = { 0 };
    struct gw_config *c = gw_current_config();
    outf(&o, "# TYPE lcont_gateway_requests_total counter\n"
             "# TYPE lcont_gateway_responses_total counter\n"
             "# TYPE lcont_gateway_request_duration_seconds histogram\n"
             "# TYPE lcont_gateway_retries_total counter\n"
             "# TYPE lcont_gateway_overflow_total counter\n"
             "# TYPE lcont_gateway_no_endpoint_total counter\n"
             "# TYPE lcont_gateway_upgrades_total counter\n"
             "# TYPE lcont_gateway_tunnels gauge\n"
             "# TYPE lcont_gateway_upstream_connections gauge\n"
             "# TYPE lcont_gateway_active_requests gauge\n"
             "# TYPE lcont_gateway_endpoint_healthy gauge\n"
             "# TYPE lcont_gateway_endpoint_ejected gauge\n"
             "# TYPE lcont_gateway_endpoint_picks_total counter\n"
             "# TYPE lcont_gateway_endpoint_connections gauge\n");
    for (size_t i = 0; i < c->n_services; i++)
        service_metrics(&o, &c->services[i]);
    struct gw_service_stats *local = gw_registry_service("_gateway");
    static const char *const cls[] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
    for (int i = 0; i < 6 && local; i++)
        outf(&o, "lcont_gateway_responses_total{service=\"_gateway\",code=\"%s\"} %lld\n", cls[i],
             atomic_load(&local->responses[i]));
    outf(&o, "# TYPE lcont_gateway_route_requests_total counter\n"
             "# TYPE lcont_gateway_rate_limited_total counter\n"
             "# TYPE lcont_gateway_active_connections gauge\n"
             "# TYPE lcont_gateway_accepted_connections_total counter\n");
    for (size_t i = 0; i < c->n_listeners; i++) {
        struct gw_listener *l = &c->listeners[i];
        outf(&o, "lcont_gateway_active_connections{listener=\"%s\"} %d\n", l->name,
             atomic_load(&l->stats->active));
        outf(&o, "lcont_gateway_accepted_connections_total{listener=\"%s\"} %lld\n", l->name,
             atomic_load(&l->stats->accepted));
        for (size_t k = 0; k < l->n_routes; k++) {
            struct gw_route *r = &l->routes[k];
            outf(&o, "lcont_gateway_route_requests_total{route=\"%s\"} %lld\n", r->name,
                 atomic_load(&r->stats->requests));
            outf(&o, "lcont_gateway_rate_limited_total{route=\"%s\"} %lld\n", r->name,
                 atomic_load(&r->stats->rate_limited));
        }
    }
    outf(&o, "# TYPE lcont_gateway_reloads_total counter\nlcont_gateway_reloads_total %lld\n",
         atomic_load(&gw.reloads));
    outf(&o,
         "# TYPE lcont_gateway_reload_failures_total counter\n"
         "lcont_gateway_reload_failures_total %lld\n",
         atomic_load(&gw.reload_failures));
    long long waits = 0;
    for (int i = 0; i < gw.n_workers; i++)
        waits += gw_worker_coalesce_waits(gw.workers[i]);
    outf(&o,
         "# TYPE lcont_gateway_coalesce_waits_total counter\n"
         "lcont_gateway_coalesce_waits_total %lld\n",
         waits);
    outf(&o, "# TYPE lcont_gateway_table_generation gauge\nlcont_gateway_table_generation %llu\n",
         (unsigned long long)gw_table_generation());
    gw_config_unref(c);
    *ret_len = o.len;
    return o.d;
}

static void serve(int fd)
{
    char req[2048];
    size_t got = 0;
    struct timeval tv = { .tv_sec = 2 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    while (got < sizeof(req) - 1) {
        ssize_t n = recv(fd, req + got, sizeof(req) - 1 - got, 0);
        if (n <= 0)
            return;
        got += (size_t)n;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    char head[256];
    char *body = NULL;
    size_t blen = 0;
    const char *status = "200 OK", *type = "text/plain; version=0.0.4";
    if (strncmp(req, "GET /metrics ", 13) == 0) {
        body = render_metrics(&blen);
    } else if (strncmp(req, "GET /healthz ", 13) == 0) {
        body = strdup(atomic_load(&gw.stopping) ? "draining\n" : "ok\n");
        status = atomic_load(&gw.stopping) ? "503 Service Unavailable" : "200 OK";
        blen = body ? strlen(body) : 0;
        type = "text/plain";
    } else {
        body = strdup("not found\n");
        blen = body ? strlen(body) : 0;
        status = "404 Not Found";
        type = "text/plain";
    }
    int hl = snprintf(head, sizeof(head),
                      "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      status, type, blen);
    send(fd, head, (size_t)hl, MSG_NOSIGNAL);
    for (size_t off = 0; off < blen;) {
        ssize_t n = send(fd, body + off, blen - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    free(body);
}

static void *admin_main(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            break;
        }
        serve(fd);
        close(fd);
    }
    return NULL;
}

int gw_admin_start(const char *addr, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (gw_parse_addr(addr, &ss, &len) < 0) {
        snprintf(err, errlen, "admin: bad address '%s'", addr);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0) {
        snprintf(err, errlen, "admin: listen on %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, admin_main, (void *)(intptr_t)fd) != 0) {
        snprintf(err, errlen, "admin: thread");
        close(fd);
        return -1;
    }
    pthread_detach(t);
    return 0;
}

void gw_access_log(const char *line, size_t len)
{
    ssize_t n = write(atomic_load_explicit(&gw.log_fd, memory_order_relaxed), line,
                      len); /* O_APPEND: one write is one whole line */
    (void)n;
}
