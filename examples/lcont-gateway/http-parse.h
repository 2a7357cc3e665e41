/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HTTP/1.1 message heads and body framing (RFC 9112), strict: what a proxy in front of other
 * parsers must be, since any leniency here is a request smuggling shape there. */
#ifndef GW_HTTP_PARSE_H
#define GW_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct gw_hdr {
    const char *name, *value;
    size_t name_len, value_len;
};

struct gw_head {
    /* request: method, target; response: status, reason */
    const char *method, *target, *reason;
    size_t method_len, target_len, reason_len;
    int status;
    int minor; /* HTTP/1.<minor> */
    struct gw_hdr *hdrs;
    size_t n_hdrs, max_hdrs;
    size_t head_len;
};

/* Parse a head at the start of @buf. Returns its length when complete, 0 when more bytes are
 * needed, or a negative HTTP status to answer with (-400 malformed, -431 too many headers,
 * -505 bad version). @hdrs (capacity @max_hdrs) receives pointers into @buf. */
int gw_http_parse_request(const char *buf, size_t len, struct gw_hdr *hdrs, size_t max_hdrs,
                          struct gw_head *ret);
int gw_http_parse_response(const char *buf, size_t len, struct gw_hdr *hdrs, size_t max_hdrs,
                           struct gw_head *ret);

bool gw_http_name_is(const struct gw_hdr *h, const char *name);
/* Does a comma separated header value contain @token (case-insensitive)? */
bool gw_http_has_token(const char *v, size_t len, const char *token);
const struct gw_hdr *gw_http_find(const struct gw_head *h, const char *name);

enum gw_body_kind {
    GW_BODY_NONE = 0,
    GW_BODY_LENGTH = 1,
    GW_BODY_CHUNKED = 2,
    GW_BODY_EOF = 3, /* response delimited by close */
};

struct gw_body {
    enum gw_body_kind kind;
    uint64_t remaining; /* LENGTH: bytes left; CHUNKED: left in the current chunk */
    int state;
    int digits;
    bool done;
};

/* Framing of a request (RFC 9112 §6.3): rejects CL with TE, differing or malformed CL, any TE
 * other than a final "chunked". Returns 0 or -400. */
int gw_http_request_body(const struct gw_head *h, struct gw_body *ret);
/* Framing of a response to a request (@head_request: HEAD method). */
int gw_http_response_body(const struct gw_head *h, bool head_request, struct gw_body *ret);
/* Consume body bytes: returns how many of @len bytes belong to the body (body->done tells when
 * it ended), or -1 when chunked framing is malformed. */
ssize_t gw_body_feed(struct gw_body *b, const char *p, size_t len);

#endif
