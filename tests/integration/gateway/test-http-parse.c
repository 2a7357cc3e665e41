/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The gateway's HTTP/1.1 parser and body framer on a table of accepted and rejected inputs,
 * including every request smuggling shape the proxy must refuse. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http-parse.h"

static int failures;

#define EXPECT(cond, ...)                 \
    do {                                  \
        if (!(cond)) {                    \
            printf("FAIL: " __VA_ARGS__); \
            printf("\n");                 \
            failures++;                   \
        }                                 \
    } while (0)

struct req_case {
    const char *name;
    const char *text;
    int want;      /* >0: complete (head length), 0: incomplete, <0: status */
    int want_body; /* framing result when complete: 0 ok, -400 */
    enum gw_body_kind kind;
};

static const struct req_case req_cases[] = {
    { "simple", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1, 0, GW_BODY_NONE },
    { "incomplete", "GET / HTTP/1.1\r\nHost: a\r\n", 0, 0, 0 },
    { "incomplete cr", "GET / HTTP/1.1\r", 0, 0, 0 },
    { "content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", 1, 0,
      GW_BODY_LENGTH },
    { "same cl twice",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 1, 0,
      GW_BODY_LENGTH },
    { "chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", 1, 0,
      GW_BODY_CHUNKED },
    { "cl and te",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 1,
      -400, 0 },
    { "cl differs", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      1, -400, 0 },
    { "cl list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 1, -400, 0 },
    { "cl negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 1, -400, 0 },
    { "cl huge", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 1,
      -400, 0 },
    { "te gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 1, -400, 0 },
    { "te twice",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
      "chunked\r\n\r\n",
      1, -400, 0 },
    { "te in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 1, -400, 0 },
    { "obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", -400, 0, 0 },
    { "space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400, 0, 0 },
    { "bare lf", "GET / HTTP/1.1\nHost: a\n\n", -400, 0, 0 },
    { "bare cr", "GET / HTTP/1.1\rHost: a\r\n\r\n", -400, 0, 0 },
    { "no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", -400, 0, 0 },
    { "empty name", "GET / HTTP/1.1\r\n: a\r\n\r\n", -400, 0, 0 },
    { "ctl in value", "GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", -400, 0, 0 },
    { "two spaces", "GET  / HTTP/1.1\r\n\r\n", -400, 0, 0 },
    { "no version", "GET /\r\n\r\n", -400, 0, 0 },
    { "http/2", "GET / HTTP/2.0\r\n\r\n", -505, 0, 0 },
    { "bad version", "GET / HTTP/1.x\r\n\r\n", -400, 0, 0 },
    { "bad method", "G(T / HTTP/1.1\r\n\r\n", -400, 0, 0 },
    { "empty line first", "\r\nGET / HTTP/1.1\r\n\r\n", -400, 0, 0 },
};

static void test_requests(void)
{
    for (size_t i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
        const struct req_case *c = &req_cases[i];
        struct gw_hdr hdrs[16];
        struct gw_head h;
        int r = gw_http_parse_request(c->text, strlen(c->text), hdrs, 16, &h);
        if (c->want > 0) {
            EXPECT(r == (int)strlen(c->text), "%s: parse returned %d", c->name, r);
            if (r <= 0)
                continue;
            struct gw_body b;
            int fr = gw_http_request_body(&h, &b);
            EXPECT(fr == c->want_body, "%s: framing returned %d", c->name, fr);
            if (fr == 0)
                EXPECT(b.kind == c->kind, "%s: body kind %d", c->name, b.kind);
        } else {
            EXPECT(r == c->want, "%s: parse returned %d, want %d", c->name, r, c->want);
        }
    }
    /* header count limit */
    char big[4096] = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 20; i++)
        snprintf(big + strlen(big), sizeof(big) - strlen(big), "X-%d: v\r\n", i);
    strcat(big, "\r\n");
    struct gw_hdr hdrs[16];
    struct gw_head h;
    EXPECT(gw_http_parse_request(big, strlen(big), hdrs, 16, &h) == -431, "header count");
}

static void test_response(void)
{
    const char *t = "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n";
    struct gw_hdr hdrs[8];
    struct gw_head h;
    struct gw_body b;
    EXPECT(gw_http_parse_response(t, strlen(t), hdrs, 8, &h) == (int)strlen(t), "204 parse");
    EXPECT(h.status == 204, "status %d", h.status);
    EXPECT(gw_http_response_body(&h, false, &b) == 0 && b.done, "204 has no body");
    t = "HTTP/1.1 200 OK\r\n\r\n";
    EXPECT(gw_http_parse_response(t, strlen(t), hdrs, 8, &h) > 0, "200 parse");
    EXPECT(gw_http_response_body(&h, false, &b) == 0 && b.kind == GW_BODY_EOF,
           "no framing: read until close");
    EXPECT(gw_http_response_body(&h, true, &b) == 0 && b.done, "HEAD response has no body");
    t = "HTTP/1.1 200\r\nContent-Length: 3\r\n\r\n";
    EXPECT(gw_http_parse_response(t, strlen(t), hdrs, 8, &h) > 0 && h.reason_len == 0,
           "empty reason");
    t = "HTTP/1.1 200 O\001K\r\nContent-Length: 0\r\n\r\n";
    EXPECT(gw_http_parse_response(t, strlen(t), hdrs, 8, &h) < 0, "control byte in reason");
    t = "HTTP/1.1 2x0 OK\r\n\r\n";
    EXPECT(gw_http_parse_response(t, strlen(t), hdrs, 8, &h) == -502, "bad status");
}

static void test_chunked(void)
{
    const char *ok = "5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\nNEXT";
    /* byte by byte and in one piece give the same answer */
    for (int mode = 0; mode < 2; mode++) {
        struct gw_body b = { .kind = GW_BODY_CHUNKED };
        size_t len = strlen(ok), used = 0;
        while (!b.done && used < len) {
            size_t step = mode ? 1 : len - used;
            ssize_t n = gw_body_feed(&b, ok + used, step);
            EXPECT(n >= 0, "chunked mode %d: error at %zu", mode, used);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        EXPECT(b.done && used == len - 4, "chunked mode %d: end at %zu", mode, used);
    }
    static const char *const bad[] = {
        "zz\r\n", "5\nhello", "5\r\nhelloX\r\n", ";x\r\n", "1234567890123456\r\n", "0\r\n\r\r",
        /* smuggling shapes found by fuzz-http: a size must be followed by BWS ";" or CRLF, and
         * trailers are header fields */
        "1 0\r\n", "1 zz\r\n", "0\r\nno colon\r\n\r\n", "0\r\nX: \001\r\n\r\n"
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct gw_body b = { .kind = GW_BODY_CHUNKED };
        EXPECT(gw_body_feed(&b, bad[i], strlen(bad[i])) < 0, "bad chunked %zu accepted", i);
    }
    struct gw_body cl = { .kind = GW_BODY_LENGTH, .remaining = 3 };
    EXPECT(gw_body_feed(&cl, "abcdef", 6) == 3 && cl.done, "content-length stops at 3");
}

/* Mutated requests (fixed seed): the parser and framer must only ever answer, never crash or
 * claim a head longer than their input. */
static void test_mutations(void)
{
    static const char *const seeds[] = {
        "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX: y\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    };
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    char buf[256];
    for (int iter = 0; iter < 200000; iter++) {
        const char *seed = seeds[iter % 3];
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        for (int m = 0; m < 1 + iter % 4; m++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[x % len] = (char)(x >> 32);
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t cut = (size_t)(x % (len + 1));
        struct gw_hdr hdrs[8];
        struct gw_head h;
        int r = iter % 3 == 2 ? gw_http_parse_response(buf, cut, hdrs, 8, &h)
                              : gw_http_parse_request(buf, cut, hdrs, 8, &h);
        EXPECT(r <= (int)cut, "mutation %d: head length %d > input %zu", iter, r, cut);
        if (r > 0) {
            struct gw_body b;
            if ((iter % 3 == 2 ? gw_http_response_body(&h, false, &b)
                               : gw_http_request_body(&h, &b)) == 0) {
                ssize_t n = gw_body_feed(&b, buf + r, cut - (size_t)r);
                EXPECT(n <= (ssize_t)(cut - (size_t)r), "mutation %d: body overrun", iter);
            }
        }
    }
}

int main(void)
{
    test_requests();
    test_response();
    test_chunked();
    test_mutations();
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
