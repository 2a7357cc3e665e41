/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Strict HTTP/1.1 head parser and body framer. Lines end in CRLF only (a bare LF or CR is an
 * error), obs-fold is rejected, field names are tokens with no space before the colon. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http-parse.h"

/* RFC 9110 token characters, as a table: the parser checks every byte of every name */
static const bool tchar[256] = {
    ['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true, ['!'] = true,  ['#'] = true,
    ['$'] = true,         ['%'] = true,         ['&'] = true,         ['\''] = true, ['*'] = true,
    ['+'] = true,         ['-'] = true,         ['.'] = true,         ['^'] = true,  ['_'] = true,
    ['`'] = true,         ['|'] = true,         ['~'] = true,
};

static bool is_tchar(unsigned char c)
{
    return tchar[c];
}

/* Field values: visible chars, SP, HTAB and obs-text; no CTLs (NUL, CR, LF). */
static bool is_vchar_or_ws(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Find the end of the line starting at @p: returns the length before CRLF, -1 when incomplete,
 * -2 when malformed (bare CR or LF). */
static ssize_t line_len(const char *p, size_t avail)
{
    for (size_t i = 0; i < avail; i++) {
        if (p[i] == '\n')
            return -2;
        if (p[i] == '\r') {
            if (i + 1 == avail)
                return -1;
            return p[i + 1] == '\n' ? (ssize_t)i : -2;
        }
    }
    return -1;
}

static int parse_version(const char *p, size_t len, int *ret_minor)
{
    if (len != 8 || memcmp(p, "HTTP/", 5) != 0 || !isdigit((unsigned char)p[5]) || p[6] != '.' ||
        !isdigit((unsigned char)p[7]))
        return -400;
    if (p[5] != '1')
        return -505;
    if (p[7] != '0' && p[7] != '1')
        return -505;
    *ret_minor = p[7] - '0';
    return 0;
}

static int parse_headers(const char *buf, size_t len, size_t off, struct gw_head *h)
{
    h->n_hdrs = 0;
    for (;;) {
        ssize_t n = line_len(buf + off, len - off);
        if (n == -1)
            return 0;
        if (n == -2)
            return -400;
        const char *line = buf + off;
        off += (size_t)n + 2;
        if (n == 0) {
            h->head_len = off;
            return (int)off;
        }
        if (line[0] == ' ' || line[0] == '\t')
            return -400; /* obs-fold */
        size_t i = 0;
        while (i < (size_t)n && is_tchar((unsigned char)line[i]))
            i++;
        if (i == 0 || i == (size_t)n || line[i] != ':')
            return -400; /* empty name, no colon, or whitespace before it */
        if (h->n_hdrs == h->max_hdrs)
            return -431;
        struct gw_hdr *hd = &h->hdrs[h->n_hdrs++];
        hd->name = line;
        hd->name_len = i;
        size_t vs = i + 1, ve = (size_t)n;
        while (vs < ve && (line[vs] == ' ' || line[vs] == '\t'))
            vs++;
        while (ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t'))
            ve--;
        for (size_t k = vs; k < ve; k++)
            if (!is_vchar_or_ws((unsigned char)line[k]))
                return -400;
        hd->value = line + vs;
        hd->value_len = ve - vs;
    }
}

int gw_http_parse_request(const char *buf, size_t len, struct gw_hdr *hdrs, size_t max_hdrs,
                          struct gw_head *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->hdrs = hdrs;
    ret->max_hdrs = max_hdrs;
    ssize_t n = line_len(buf, len);
    if (n == -1)
        return 0;
    if (n <= 0)
        return -400; /* malformed, or an empty line where the request line belongs */
    const char *sp1 = memchr(buf, ' ', (size_t)n);
    if (!sp1 || sp1 == buf)
        return -400;
    const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(buf + n - sp1 - 1));
    if (!sp2 || sp2 == sp1 + 1)
        return -400;
    for (const char *p = buf; p < sp1; p++)
        if (!is_tchar((unsigned char)*p))
            return -400;
    for (const char *p = sp1 + 1; p < sp2; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
            return -400;
    int r = parse_version(sp2 + 1, (size_t)(buf + n - sp2 - 1), &ret->minor);
    if (r < 0)
        return r;
    ret->method = buf;
    ret->method_len = (size_t)(sp1 - buf);
    ret->target = sp1 + 1;
    ret->target_len = (size_t)(sp2 - sp1 - 1);
    return parse_headers(buf, len, (size_t)n + 2, ret);
}

int gw_http_parse_response(const char *buf, size_t len, struct gw_hdr *hdrs, size_t max_hdrs,
                           struct gw_head *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->hdrs = hdrs;
    ret->max_hdrs = max_hdrs;
    ssize_t n = line_len(buf, len);
    if (n == -1)
        return 0;
    /* "HTTP/1.1 200" at least; the reason phrase may be empty */
    if (n < 12 || buf[8] != ' ' || (n > 12 && buf[12] != ' '))
        return -502;
    if (parse_version(buf, 8, &ret->minor) < 0)
        return -502;
    for (int i = 9; i < 12; i++)
        if (!isdigit((unsigned char)buf[i]))
            return -502;
    ret->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    ret->reason = n > 12 ? buf + 13 : buf + 12;
    ret->reason_len = n > 12 ? (size_t)n - 13 : 0;
    for (size_t k = 0; k < ret->reason_len; k++)
        if (!is_vchar_or_ws((unsigned char)ret->reason[k]))
            return -502;
    int r = parse_headers(buf, len, (size_t)n + 2, ret);
    return r < 0 ? -502 : r;
}

bool gw_http_name_is(const struct gw_hdr *h, const char *name)
{
    return strlen(name) == h->name_len && strncasecmp(h->name, name, h->name_len) == 0;
}

const struct gw_hdr *gw_http_find(const struct gw_head *h, const char *name)
{
    for (size_t i = 0; i < h->n_hdrs; i++)
        if (gw_http_name_is(&h->hdrs[i], name))
            return &h->hdrs[i];
    return NULL;
}

bool gw_http_has_token(const char *v, size_t len, const char *token)
{
    size_t tl = strlen(token), i = 0;
    while (i < len) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < len && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == tl && strncasecmp(v + s, token, tl) == 0)
            return true;
    }
    return false;
}

static int parse_length(const char *v, size_t len, uint64_t *ret)
{
    if (len == 0 || len > 18)
        return -1;
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)v[i]))
            return -1;
        n = n * 10 + (uint64_t)(v[i] - '0');
    }
    *ret = n;
    return 0;
}

/* Shared by requests and responses: -1 on a smuggling shape. */
static int body_framing(const struct gw_head *h, struct gw_body *ret)
{
    bool have_cl = false, have_te = false;
    uint64_t cl = 0;
    memset(ret, 0, sizeof(*ret));
    for (size_t i = 0; i < h->n_hdrs; i++) {
        const struct gw_hdr *hd = &h->hdrs[i];
        if (gw_http_name_is(hd, "content-length")) {
            uint64_t v;
            if (parse_length(hd->value, hd->value_len, &v) < 0)
                return -1;
            if (have_cl && v != cl)
                return -1;
            have_cl = true;
            cl = v;
        } else if (gw_http_name_is(hd, "transfer-encoding")) {
            /* only a single, final "chunked" coding is accepted */
            if (have_te || hd->value_len != 7 || strncasecmp(hd->value, "chunked", 7) != 0)
                return -1;
            have_te = true;
        }
    }
    if (have_te && have_cl)
        return -1;
    if (have_te) {
        if (h->minor == 0)
            return -1;
        ret->kind = GW_BODY_CHUNKED;
    } else if (have_cl) {
        ret->kind = cl ? GW_BODY_LENGTH : GW_BODY_NONE;
        ret->remaining = cl;
    } else {
        ret->kind = GW_BODY_EOF;
    }
    ret->done = ret->kind == GW_BODY_NONE;
    return 0;
}

int gw_http_request_body(const struct gw_head *h, struct gw_body *ret)
{
    if (body_framing(h, ret) < 0)
        return -400;
    if (ret->kind == GW_BODY_EOF) {
        ret->kind = GW_BODY_NONE; /* requests without framing have no body */
        ret->done = true;
    }
    return 0;
}

int gw_http_response_body(const struct gw_head *h, bool head_request, struct gw_body *ret)
{
    if (body_framing(h, ret) < 0)
        return -502;
    if (head_request || h->status == 204 || h->status == 304 || h->status < 200) {
        memset(ret, 0, sizeof(*ret));
        ret->done = true;
    }
    return 0;
}

enum {
    CH_SIZE,
    CH_SIZE_BWS,
    CH_EXT,
    CH_SIZE_LF,
    CH_DATA,
    CH_DATA_CR,
    CH_DATA_LF,
    CH_TRAILER_START,
    CH_TRAILER_NAME,
    CH_TRAILER,
    CH_TRAILER_LF,
    CH_FINAL_LF,
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static ssize_t chunked_feed(struct gw_body *b, const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && !b->done) {
        char c = p[i];
        switch (b->state) {
        case CH_SIZE: {
            int v = hexval(c);
            if (v >= 0) {
                if (++b->digits > 15)
                    return -1;
                b->remaining = b->remaining * 16 + (uint64_t)v;
            } else if (b->digits > 0 && c == '\r') {
                b->state = CH_SIZE_LF;
            } else if (b->digits > 0 && c == ';') {
                b->state = CH_EXT;
            } else if (b->digits > 0 && (c == ' ' || c == '\t')) {
                b->state = CH_SIZE_BWS; /* "1 0" is not a size of 1: only BWS ";" may follow */
            } else {
                return -1;
            }
            i++;
            break;
        }
        case CH_SIZE_BWS:
            if (c == ';')
                b->state = CH_EXT;
            else if (c == '\r')
                b->state = CH_SIZE_LF;
            else if (c != ' ' && c != '\t')
                return -1;
            i++;
            break;
        case CH_EXT:
            if (c == '\r')
                b->state = CH_SIZE_LF;
            else if (c == '\n' || ((unsigned char)c < 0x20 && c != '\t'))
                return -1;
            i++;
            break;
        case CH_SIZE_LF:
            if (c != '\n')
                return -1;
            i++;
            b->state = b->remaining ? CH_DATA : CH_TRAILER_START;
            break;
        case CH_DATA: {
            size_t n = len - i;
            if (n > b->remaining)
                n = (size_t)b->remaining;
            b->remaining -= n;
            i += n;
            if (b->remaining == 0)
                b->state = CH_DATA_CR;
            break;
        }
        case CH_DATA_CR:
            if (c != '\r')
                return -1;
            b->state = CH_DATA_LF;
            i++;
            break;
        case CH_DATA_LF:
            if (c != '\n')
                return -1;
            b->state = CH_SIZE;
            b->digits = 0;
            b->remaining = 0;
            i++;
            break;
        case CH_TRAILER_START:
            if (c == '\r')
                b->state = CH_FINAL_LF;
            else if (is_tchar((unsigned char)c))
                b->state = CH_TRAILER_NAME;
            else
                return -1; /* obs-fold, empty name, CTL */
            i++;
            break;
        case CH_TRAILER_NAME:
            if (c == ':')
                b->state = CH_TRAILER;
            else if (!is_tchar((unsigned char)c))
                return -1;
            i++;
            break;
        case CH_TRAILER:
            if (c == '\r')
                b->state = CH_TRAILER_LF;
            else if (!is_vchar_or_ws((unsigned char)c))
                return -1;
            i++;
            break;
        case CH_TRAILER_LF:
            if (c != '\n')
                return -1;
            b->state = CH_TRAILER_START;
            i++;
            break;
        case CH_FINAL_LF:
            if (c != '\n')
                return -1;
            b->done = true;
            i++;
            break;
        }
    }
    return (ssize_t)i;
}

ssize_t gw_body_feed(struct gw_body *b, const char *p, size_t len)
{
    if (b->done)
        return 0;
    switch (b->kind) {
    case GW_BODY_NONE:
        b->done = true;
        return 0;
    case GW_BODY_LENGTH: {
        size_t n = len < b->remaining ? len : (size_t)b->remaining;
        b->remaining -= n;
        b->done = b->remaining == 0;
        return (ssize_t)n;
    }
    case GW_BODY_CHUNKED:
        return chunked_feed(b, p, len);
    case GW_BODY_EOF:
        return (ssize_t)len;
    }
    return -1;
}
