/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the gateway's HTTP/1.1 parser (untrusted input: anything a client or
 * an upstream sends). Input: byte 0 selects request/response (bit 0) and HEAD (bit 1), byte
 * 1 is the piece size for incremental feeding; the rest is the message. Besides "no crash"
 * it checks that results point into the buffer, that values never carry CR/LF/NUL, and that
 * parsing is the same whether the bytes arrive at once or piece by piece: a parser that
 * depends on how TCP split the stream is a request smuggling shape.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http-parse.h"

#define MAX_HDRS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static bool inside(const char *buf, size_t len, const char *p, size_t n)
{
    return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

static bool tchars(const char *p, size_t n)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c && strchr(extra, c))))
            return false;
    }
    return n > 0;
}

static int parse(bool request, const char *buf, size_t len, struct gw_hdr *hdrs, struct gw_head *h)
{
    return request ? gw_http_parse_request(buf, len, hdrs, MAX_HDRS, h)
                   : gw_http_parse_response(buf, len, hdrs, MAX_HDRS, h);
}

static void check_head(bool request, const char *buf, size_t len, int r, const struct gw_head *h)
{
    check((size_t)r <= len && h->head_len == (size_t)r && r >= 4);
    check(memcmp(buf + r - 4, "\r\n\r\n", 4) == 0 || r == 4);
    check(h->minor == 0 || h->minor == 1);
    check(h->n_hdrs <= MAX_HDRS);
    if (request) {
        check(inside(buf, len, h->method, h->method_len) && tchars(h->method, h->method_len));
        check(inside(buf, len, h->target, h->target_len) && h->target_len > 0);
        for (size_t i = 0; i < h->target_len; i++)
            check((unsigned char)h->target[i] > 0x20 && h->target[i] != 0x7f);
    } else {
        check(h->status >= 0 && h->status <= 999);
        check(inside(buf, len, h->reason, h->reason_len));
    }
    for (size_t i = 0; i < h->n_hdrs; i++) {
        const struct gw_hdr *hd = &h->hdrs[i];
        check(inside(buf, (size_t)r, hd->name, hd->name_len) && tchars(hd->name, hd->name_len));
        check(inside(buf, (size_t)r, hd->value, hd->value_len));
        for (size_t k = 0; k < hd->value_len; k++)
            check(hd->value[k] != '\r' && hd->value[k] != '\n' && hd->value[k] != '\0');
        if (hd->value_len)
            check(hd->value[0] != ' ' && hd->value[hd->value_len - 1] != ' ');
    }
}

/* Feed @len body bytes in pieces of @step; returns consumed bytes or -1; *done as the body. */
static ssize_t feed(struct gw_body b, const char *p, size_t len, size_t step, bool *done)
{
    size_t off = 0;

    while (off < len && !b.done) {
        size_t n = len - off < step ? len - off : step;
        ssize_t k = gw_body_feed(&b, p + off, n);
        if (k < 0)
            return -1;
        check((size_t)k <= n);
        off += (size_t)k;
        if ((size_t)k < n)
            check(b.done); /* stopping short only happens at the end of the body */
    }
    *done = b.done;
    return (ssize_t)off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gw_hdr hdrs[MAX_HDRS], hdrs2[MAX_HDRS];
    struct gw_head h, h2;
    struct gw_body body;
    bool request, head_req, done1 = false, done2 = false;
    size_t step, len;
    const char *buf;
    char *copy;
    int r, fr;

    if (size < 2)
        return 0;
    request = !(data[0] & 1);
    head_req = data[0] & 2;
    step = data[1] ? data[1] : 1;
    len = size - 2;
    /* an exact-size copy so ASan sees any read past the end */
    copy = malloc(len ? len : 1);
    check(copy != NULL);
    memcpy(copy, data + 2, len);
    buf = copy;

    r = parse(request, buf, len, hdrs, &h);
    if (r == 0) {
        free(copy);
        return 0;
    }
    if (r < 0) {
        check(request ? (r == -400 || r == -431 || r == -505) : r == -502);
        free(copy);
        return 0;
    }
    check_head(request, buf, len, r, &h);

    /* Every proper prefix of a complete head asks for more; it is never an error. */
    for (size_t cut = (size_t)r > step ? (size_t)r - step : 0; cut < (size_t)r; cut++)
        check(parse(request, buf, cut, hdrs2, &h2) == 0);
    check(parse(request, buf, (size_t)r - 1, hdrs2, &h2) == 0);
    /* Bytes after the head do not change it. */
    check(parse(request, buf, (size_t)r, hdrs2, &h2) == r && h2.n_hdrs == h.n_hdrs);

    fr = request ? gw_http_request_body(&h, &body) : gw_http_response_body(&h, head_req, &body);
    if (fr < 0) {
        check(fr == (request ? -400 : -502));
        free(copy);
        return 0;
    }
    check(!request || body.kind != GW_BODY_EOF);
    {
        ssize_t a = feed(body, buf + r, len - (size_t)r, SIZE_MAX, &done1);
        ssize_t b = feed(body, buf + r, len - (size_t)r, step, &done2);
        ssize_t c = feed(body, buf + r, len - (size_t)r, 1, &done2);
        /* at once, piece by piece and byte by byte: the same framing */
        check(a == b && b == c);
        if (a >= 0) {
            feed(body, buf + r, len - (size_t)r, step, &done2);
            check(done1 == done2);
        }
    }
    free(copy);
    return 0;
}
