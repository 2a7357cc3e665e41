/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Routing and head rewriting for the HTTP proxy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http-rewrite.h"

static bool host_matches(const char *pattern, const char *host, size_t hlen)
{
    if (pattern[0] == '*' && pattern[1] == '.') {
        size_t pl = strlen(pattern + 1);
        return hlen > pl && strncasecmp(host + hlen - pl, pattern + 1, pl) == 0;
    }
    return strlen(pattern) == hlen && strncasecmp(pattern, host, hlen) == 0;
}

struct gw_route *gw_http_route(struct gw_listener *l, const struct gw_head *h)
{
    const struct gw_hdr *hh = gw_http_find(h, "host");
    size_t hlen = 0;
    const char *host = "";
    if (hh) {
        host = hh->value;
        hlen = hh->value_len;
        /* strip the port, but not inside an IPv6 literal */
        for (size_t i = hlen; i > 0; i--) {
            if (host[i - 1] == ']')
                break;
            if (host[i - 1] == ':') {
                hlen = i - 1;
                break;
            }
        }
    }
    for (size_t i = 0; i < l->n_routes; i++) {
        struct gw_route *r = &l->routes[i];
        if (r->host && !host_matches(r->host, host, hlen))
            continue;
        if (r->path_prefix && (h->target_len < strlen(r->path_prefix) ||
                               memcmp(h->target, r->path_prefix, strlen(r->path_prefix)) != 0))
            continue;
        bool ok = true;
        for (size_t k = 0; k < r->n_headers && ok; k++) {
            const struct gw_hdr *v = gw_http_find(h, r->headers[k].name);
            ok = v && (!r->headers[k].value ||
                       (strlen(r->headers[k].value) == v->value_len &&
                        memcmp(r->headers[k].value, v->value, v->value_len) == 0));
        }
        if (ok)
            return r;
    }
    return NULL;
}

/* Appenders for the head rewriters: plain copies, since printf-style formatting showed up in
 * profiles at several calls per request. The callers size @o for everything they append. */
static size_t put(char *o, size_t n, const char *s, size_t len)
{
    memcpy(o + n, s, len);
    return n + len;
}

static size_t put_str(char *o, size_t n, const char *s)
{
    return put(o, n, s, strlen(s));
}

static size_t put_version(char *o, size_t n, int minor)
{
    n = put(o, n, "HTTP/1.", 7);
    o[n++] = (char)('0' + minor);
    return n;
}

bool gw_http_hop_by_hop(const struct gw_hdr *h)
{
    static const char *const names[] = { "connection", "keep-alive", "proxy-connection",
                                         "te",         "upgrade",    NULL };
    for (size_t i = 0; names[i]; i++)
        if (gw_http_name_is(h, names[i]))
            return true;
    return false;
}

/* Build the request head sent upstream: hop-by-hop headers dropped (also those the client
 * named in Connection), X-Forwarded-For extended, X-Forwarded-Proto and Via added. */
/* "Connection: Upgrade" and the Upgrade header, for a switch of protocols. */
static size_t put_upgrade(char *o, size_t n, const struct gw_hdr *upgrade)
{
    n = put_str(o, n, "Connection: Upgrade\r\nUpgrade: ");
    n = put(o, n, upgrade->value, upgrade->value_len);
    return put(o, n, "\r\n", 2);
}

const struct gw_hdr *gw_http_upgrade_request(const struct gw_head *h)
{
    const struct gw_hdr *conn = gw_http_find(h, "connection"), *up;

    /* most requests stop at the first test: no Connection header */
    if (!conn || h->minor != 1 || !gw_http_has_token(conn->value, conn->value_len, "upgrade"))
        return NULL;
    up = gw_http_find(h, "upgrade");
    return up && up->value_len ? up : NULL;
}

char *gw_http_rewrite_request(const struct gw_head *h, const char *client_ip, bool tls,
                              const struct gw_hdr *upgrade, size_t *ret_len)
{
    size_t cap = h->head_len + 512 + strlen(client_ip);
    char *o = malloc(cap);
    if (!o)
        return NULL;
    size_t n = 0;
    const struct gw_hdr *conn = gw_http_find(h, "connection");
    n = put(o, n, h->method, h->method_len);
    o[n++] = ' ';
    n = put(o, n, h->target, h->target_len);
    o[n++] = ' ';
    n = put_version(o, n, h->minor);
    n = put(o, n, "\r\n", 2);
    bool xff = false;
    for (size_t i = 0; i < h->n_hdrs; i++) {
        const struct gw_hdr *hd = &h->hdrs[i];
        if (gw_http_hop_by_hop(hd) || gw_http_name_is(hd, "x-forwarded-proto"))
            continue;
        char name[128];
        if (conn && hd->name_len < sizeof(name)) {
            memcpy(name, hd->name, hd->name_len);
            name[hd->name_len] = '\0';
            if (gw_http_has_token(conn->value, conn->value_len, name))
                continue;
        }
        if (gw_http_name_is(hd, "x-forwarded-for")) {
            xff = true; /* all of them are joined into one list below */
            continue;
        }
        memcpy(o + n, hd->name, hd->name_len);
        n += hd->name_len;
        o[n++] = ':';
        o[n++] = ' ';
        memcpy(o + n, hd->value, hd->value_len);
        n += hd->value_len;
        o[n++] = '\r';
        o[n++] = '\n';
    }
    n = put_str(o, n, "X-Forwarded-For: ");
    for (size_t i = 0; xff && i < h->n_hdrs; i++)
        if (gw_http_name_is(&h->hdrs[i], "x-forwarded-for") && h->hdrs[i].value_len) {
            memcpy(o + n, h->hdrs[i].value, h->hdrs[i].value_len);
            n += h->hdrs[i].value_len;
            o[n++] = ',';
            o[n++] = ' ';
        }
    n = put_str(o, n, client_ip);
    n = put_str(o, n, tls ? "\r\nX-Forwarded-Proto: https\r\n" : "\r\nX-Forwarded-Proto: http\r\n");
    if (upgrade)
        n = put_upgrade(o, n, upgrade);
    n = put_str(o, n,
                h->minor == 0 ? "Via: 1.0 lcont-gateway\r\nConnection: keep-alive\r\n\r\n"
                              : "Via: 1.1 lcont-gateway\r\n\r\n");
    *ret_len = n;
    return o;
}

size_t gw_http_rewrite_response(const struct gw_head *h, int client_minor, bool client_close,
                                const struct gw_hdr *upgrade, char *out, size_t cap)
{
    if (cap < h->head_len + 128)
        return 0;
    size_t n = put_version(out, 0, client_minor);
    out[n++] = ' ';
    out[n++] = (char)('0' + h->status / 100 % 10);
    out[n++] = (char)('0' + h->status / 10 % 10);
    out[n++] = (char)('0' + h->status % 10);
    out[n++] = ' ';
    n = put(out, n, h->reason, h->reason_len);
    n = put(out, n, "\r\n", 2);
    for (size_t i = 0; i < h->n_hdrs; i++) {
        const struct gw_hdr *hd = &h->hdrs[i];
        if (gw_http_hop_by_hop(hd))
            continue;
        memcpy(out + n, hd->name, hd->name_len);
        n += hd->name_len;
        out[n++] = ':';
        out[n++] = ' ';
        memcpy(out + n, hd->value, hd->value_len);
        n += hd->value_len;
        out[n++] = '\r';
        out[n++] = '\n';
    }
    n = put_str(out, n,
                h->minor == 0 ? "Via: 1.0 lcont-gateway\r\n" : "Via: 1.1 lcont-gateway\r\n");
    if (upgrade)
        return put(out, put_upgrade(out, n, upgrade), "\r\n", 2);
    n = put_str(out, n,
                client_close        ? "Connection: close\r\n\r\n"
                : client_minor == 0 ? "Connection: keep-alive\r\n\r\n"
                                    : "\r\n");
    return n;
}

bool gw_http_keeps_alive(const struct gw_head *h)
{
    const struct gw_hdr *conn = gw_http_find(h, "connection");
    if (h->minor == 0)
        return conn && gw_http_has_token(conn->value, conn->value_len, "keep-alive");
    return !(conn && gw_http_has_token(conn->value, conn->value_len, "close"));
}
