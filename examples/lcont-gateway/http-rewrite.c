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
char *gw_http_rewrite_request(const struct gw_head *h, const char *client_ip, bool tls,
                              size_t *ret_len)
{
    size_t cap = h->head_len + 512 + strlen(client_ip);
    char *o = malloc(cap);
    if (!o)
        return NULL;
    size_t n = 0;
    const struct gw_hdr *conn = gw_http_find(h, "connection");
    n += (size_t)snprintf(o + n, cap - n, "%.*s %.*s HTTP/1.%d\r\n", (int)h->method_len, h->method,
                          (int)h->target_len, h->target, h->minor);
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
    n += (size_t)snprintf(o + n, cap - n, "X-Forwarded-For: ");
    for (size_t i = 0; xff && i < h->n_hdrs; i++)
        if (gw_http_name_is(&h->hdrs[i], "x-forwarded-for") && h->hdrs[i].value_len) {
            memcpy(o + n, h->hdrs[i].value, h->hdrs[i].value_len);
            n += h->hdrs[i].value_len;
            o[n++] = ',';
            o[n++] = ' ';
        }
    n += (size_t)snprintf(o + n, cap - n, "%s\r\n", client_ip);
    n += (size_t)snprintf(
        o + n, cap - n, "X-Forwarded-Proto: %s\r\nVia: 1.%d lcont-gateway\r\n%s\r\n",
        tls ? "https" : "http", h->minor, h->minor == 0 ? "Connection: keep-alive\r\n" : "");
    *ret_len = n;
    return o;
}

size_t gw_http_rewrite_response(const struct gw_head *h, int client_minor, bool client_close,
                                char *out, size_t cap)
{
    if (cap < h->head_len + 128)
        return 0;
    size_t n = (size_t)snprintf(out, cap, "HTTP/1.%d %03d %.*s\r\n", client_minor, h->status,
                                (int)h->reason_len, h->reason);
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
    n += (size_t)snprintf(out + n, cap - n, "Via: 1.%d lcont-gateway\r\n%s\r\n", h->minor,
                          client_close        ? "Connection: close\r\n"
                          : client_minor == 0 ? "Connection: keep-alive\r\n"
                                              : "");
    return n;
}

bool gw_http_keeps_alive(const struct gw_head *h)
{
    const struct gw_hdr *conn = gw_http_find(h, "connection");
    if (h->minor == 0)
        return conn && gw_http_has_token(conn->value, conn->value_len, "keep-alive");
    return !(conn && gw_http_has_token(conn->value, conn->value_len, "close"));
}
