/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Proxy decisions on parsed heads: which route a request takes and how heads are rewritten
 * between client and upstream. Pure functions over struct gw_head. */
#ifndef GW_HTTP_REWRITE_H
#define GW_HTTP_REWRITE_H

#include "gw.h"
#include "http-parse.h"

/* First route of @l whose host (exact or "*.suffix", port ignored), path prefix and headers
 * match; NULL when none does. */
struct gw_route *gw_http_route(struct gw_listener *l, const struct gw_head *h);
/* Connection, Keep-Alive, Proxy-Connection, TE, Upgrade: never forwarded. */
bool gw_http_hop_by_hop(const struct gw_hdr *h);
/* The request head for the upstream (malloc'd): hop-by-hop headers and those named in
 * Connection dropped, X-Forwarded-For joined and extended with @client_ip,
 * X-Forwarded-Proto and Via set. With @upgrade (the request's Upgrade header, for a request
 * the proxy lets upgrade), "Connection: Upgrade" and that Upgrade header are sent on. */
char *gw_http_rewrite_request(const struct gw_head *h, const char *client_ip, bool tls,
                              const struct gw_hdr *upgrade, size_t *ret_len);
/* The request asks to switch protocols (RFC 9110 §7.8): HTTP/1.1, an Upgrade header and the
 * "upgrade" token in Connection. Its Upgrade header, or NULL. */
const struct gw_hdr *gw_http_upgrade_request(const struct gw_head *h);
/* The response head for the client, written to @out: the client's HTTP version, hop-by-hop
 * headers dropped, Via added, Connection as decided; with @upgrade (the Upgrade header of a
 * 101 response), "Connection: Upgrade" and that header instead. Returns its length, 0 when
 * @cap is too small (at least head_len + 128 is needed). */
size_t gw_http_rewrite_response(const struct gw_head *h, int client_minor, bool client_close,
                                const struct gw_hdr *upgrade, char *out, size_t cap);
/* Whether the sender of @h keeps the connection open afterwards (HTTP/1.1 default yes,
 * HTTP/1.0 only with "Connection: keep-alive"). */
bool gw_http_keeps_alive(const struct gw_head *h);

#endif
