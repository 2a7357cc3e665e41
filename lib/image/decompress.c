/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "image/decompress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

/* The build links ISA-L whenever its headers are installed (libisal-dev ships both). */
#if __has_include(<isa-l/igzip_lib.h>)
#define HAVE_ISAL 1
#include <isa-l/igzip_lib.h>
#else
#include <zlib.h>
#endif

#include "core/error-internal.h"
#include "core/util.h"

#define IN_SIZE (256 * 1024)

struct lcont__decomp {
    int fd;
    enum lcont_layer_compression format;
    uint8_t *in;
    size_t in_len, in_pos;
    bool in_eof;
    uint8_t *out;
    size_t out_size;
    uint64_t bytes_in;
    bool member_done; /* gzip: the current member ended; another may follow */
    bool finished;
    bool zstd_open; /* zstd: inside a frame (its end not yet seen) */
#ifdef HAVE_ISAL
    struct inflate_state *isal;
#else
    z_stream z;
    bool z_init;
#endif
    ZSTD_DCtx *zstd;
};

const char *lcont__decomp_format_name(enum lcont_layer_compression c)
{
    switch (c) {
    case LCONT_LAYER_COMPRESSION_NONE:
        return "uncompressed";
    case LCONT_LAYER_COMPRESSION_GZIP:
        return "gzip";
    case LCONT_LAYER_COMPRESSION_ZSTD:
        return "zstd";
    default:
        return "auto";
    }
}

/* Refill the input buffer once it is used up; sets in_eof at the end of the fd. */
static int fill(struct lcont__decomp *d, lcont_error **reterr)
{
    ssize_t n;

    if (d->in_pos < d->in_len || d->in_eof)
        return 0;
    do
        n = read(d->fd, d->in, IN_SIZE);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return lcont__error_setsys(reterr, -errno, "read layer blob");
    d->in_pos = 0;
    d->in_len = (size_t)n;
    d->bytes_in += (uint64_t)n;
    if (n == 0)
        d->in_eof = true;
    return 0;
}

static bool input_left(const struct lcont__decomp *d)
{
    return d->in_pos < d->in_len;
}

static int truncated(struct lcont__decomp *d, lcont_error **reterr)
{
    return lcont__error_set(reterr, -EBADMSG, "%s stream is truncated",
                            lcont__decomp_format_name(d->format));
}

#ifdef HAVE_ISAL
static int gzip_start_member(struct lcont__decomp *d)
{
    isal_inflate_reset(d->isal);
    d->isal->crc_flag = ISAL_GZIP; /* parse the gzip header, verify the CRC trailer */
    d->member_done = false;
    return 0;
}

static int gzip_step(struct lcont__decomp *d, size_t *out_pos, lcont_error **reterr)
{
    struct inflate_state *st = d->isal;
    int r;

    st->next_in = d->in + d->in_pos;
    st->avail_in = (uint32_t)(d->in_len - d->in_pos);
    st->next_out = d->out + *out_pos;
    st->avail_out = (uint32_t)(d->out_size - *out_pos);
    r = isal_inflate(st);
    d->in_pos = d->in_len - st->avail_in;
    *out_pos = d->out_size - st->avail_out;
    if (r == ISAL_INCORRECT_CHECKSUM)
        return lcont__error_set(reterr, -EBADMSG, "gzip stream: checksum mismatch");
    if (r < 0)
        return lcont__error_set(reterr, -EBADMSG, "gzip stream is corrupt (igzip error %d)", r);
    if (st->block_state == ISAL_BLOCK_FINISH)
        d->member_done = true;
    return 0;
}
#else
static int gzip_start_member(struct lcont__decomp *d)
{
    d->member_done = false;
    return inflateReset(&d->z) == Z_OK ? 0 : -ENOMEM;
}

static int gzip_step(struct lcont__decomp *d, size_t *out_pos, lcont_error **reterr)
{
    int r;

    d->z.next_in = d->in + d->in_pos;
    d->z.avail_in = (uInt)(d->in_len - d->in_pos);
    d->z.next_out = d->out + *out_pos;
    d->z.avail_out = (uInt)(d->out_size - *out_pos);
    r = inflate(&d->z, Z_NO_FLUSH);
    d->in_pos = d->in_len - d->z.avail_in;
    *out_pos = d->out_size - d->z.avail_out;
    if (r == Z_STREAM_END)
        d->member_done = true;
    else if (r != Z_OK && r != Z_BUF_ERROR)
        return lcont__error_set(reterr, -EBADMSG, "gzip stream is corrupt: %s",
                                d->z.msg ? d->z.msg : "inflate failed");
    return 0;
}
#endif

static ssize_t gzip_read(struct lcont__decomp *d, lcont_error **reterr)
{
    size_t out_pos = 0;
    int r;

    while (out_pos < d->out_size) {
        size_t in_before = d->in_pos, out_before = out_pos;

        if ((r = fill(d, reterr)) < 0)
            return r;
        if (d->member_done) {
            /* Concatenated members (pigz, appended gzips) form one stream. */
            if (!input_left(d)) {
                d->finished = true;
                break;
            }
            if ((r = gzip_start_member(d)) < 0)
                return lcont__error_set(reterr, r, "gzip: cannot reset the inflater");
            in_before = d->in_pos;
        }
        if (!input_left(d))
            return truncated(d, reterr);
        if ((r = gzip_step(d, &out_pos, reterr)) < 0)
            return r;
        if (!d->member_done && d->in_pos == in_before && out_pos == out_before)
            return lcont__error_set(reterr, -EBADMSG, "gzip stream is corrupt (no progress)");
    }
    return (ssize_t)out_pos;
}

static ssize_t zstd_read(struct lcont__decomp *d, lcont_error **reterr)
{
    ZSTD_outBuffer ob = { d->out, d->out_size, 0 };
    int r;

    while (ob.pos < ob.size) {
        ZSTD_inBuffer ib;
        size_t ret;

        if ((r = fill(d, reterr)) < 0)
            return r;
        if (!input_left(d)) {
            if (d->zstd_open)
                return truncated(d, reterr);
            d->finished = true;
            break;
        }
        ib = (ZSTD_inBuffer){ d->in, d->in_len, d->in_pos };
        ret = ZSTD_decompressStream(d->zstd, &ob, &ib);
        d->in_pos = ib.pos;
        if (ZSTD_isError(ret))
            return lcont__error_set(reterr, -EBADMSG, "zstd stream is corrupt: %s",
                                    ZSTD_getErrorName(ret));
        d->zstd_open = ret != 0;
    }
    return (ssize_t)ob.pos;
}

ssize_t lcont__decomp_read(struct lcont__decomp *d, const void **ret_buf, lcont_error **reterr)
{
    ssize_t n;
    int r;

    if (d->finished)
        return 0;
    switch (d->format) {
    case LCONT_LAYER_COMPRESSION_NONE:
        /* No copy: hand out the input buffer itself. */
        if ((r = fill(d, reterr)) < 0)
            return r;
        if (!input_left(d)) {
            d->finished = true;
            return 0;
        }
        *ret_buf = d->in + d->in_pos;
        n = (ssize_t)(d->in_len - d->in_pos);
        d->in_pos = d->in_len;
        return n;
    case LCONT_LAYER_COMPRESSION_GZIP:
        n = gzip_read(d, reterr);
        break;
    default:
        n = zstd_read(d, reterr);
        break;
    }
    if (n > 0)
        *ret_buf = d->out;
    return n;
}

static int sniff(struct lcont__decomp *d, lcont_error **reterr)
{
    static const uint8_t gz[] = { 0x1f, 0x8b }, zst[] = { 0x28, 0xb5, 0x2f, 0xfd };
    static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
    const uint8_t *p = d->in;
    ssize_t n;

    /* A short first read must not hide the magic: read until 6 bytes or EOF. */
    while (d->in_len < sizeof(xz)) {
        do
            n = read(d->fd, d->in + d->in_len, IN_SIZE - d->in_len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return lcont__error_setsys(reterr, -errno, "read layer blob");
        if (n == 0)
            break;
        d->in_len += (size_t)n;
        d->bytes_in += (uint64_t)n;
    }
    if (d->in_len >= sizeof(gz) && memcmp(p, gz, sizeof(gz)) == 0)
        d->format = LCONT_LAYER_COMPRESSION_GZIP;
    else if (d->in_len >= sizeof(zst) && memcmp(p, zst, sizeof(zst)) == 0)
        d->format = LCONT_LAYER_COMPRESSION_ZSTD;
    else if (d->in_len >= sizeof(xz) && memcmp(p, xz, sizeof(xz)) == 0)
        return lcont__error_set(reterr, -EOPNOTSUPP, "layer blob is xz-compressed (unsupported)");
    else if (d->in_len >= 3 && memcmp(p, "BZh", 3) == 0)
        return lcont__error_set(reterr, -EOPNOTSUPP,
                                "layer blob is bzip2-compressed (unsupported)");
    else
        d->format = LCONT_LAYER_COMPRESSION_NONE;
    if (d->in_len == 0)
        d->in_eof = true;
    return 0;
}

/* Allocate the output buffer and the decoder the sniffed format needs. */
static int codec_init(struct lcont__decomp *d, lcont_error **reterr)
{
    if (d->format == LCONT_LAYER_COMPRESSION_NONE)
        return 0; /* reads go straight into the input buffer */
    d->out = malloc(d->out_size);
    if (!d->out)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    if (d->format == LCONT_LAYER_COMPRESSION_ZSTD) {
        d->zstd = ZSTD_createDCtx();
        return d->zstd ? 0 : lcont__error_set(reterr, -ENOMEM, "out of memory");
    }
#ifdef HAVE_ISAL
    d->isal = malloc(sizeof(*d->isal));
    if (!d->isal)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    isal_inflate_init(d->isal);
    d->isal->crc_flag = ISAL_GZIP;
#else
    /* 15 + 16: a gzip wrapper with the largest window */
    if (inflateInit2(&d->z, 15 + 16) != Z_OK)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    d->z_init = true;
#endif
    return 0;
}

int lcont__decomp_new(int fd, enum lcont_layer_compression expected, size_t out_size,
                      struct lcont__decomp **ret, lcont_error **reterr)
{
    struct lcont__decomp *d;
    _cleanup_(lcont__decomp_freep) struct lcont__decomp *owned = NULL;
    int r;

    if (expected > LCONT_LAYER_COMPRESSION_ZSTD || out_size == 0 || out_size > UINT32_MAX)
        return lcont__error_set(reterr, -EINVAL, "layer: invalid decompression options");
    owned = d = calloc(1, sizeof(*d));
    if (!d)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    d->fd = fd;
    d->out_size = out_size;
    d->in = calloc(1, IN_SIZE); /* zeroed: keeps gcc's -Wmaybe-uninitialized quiet in sniff() */
    if (!d->in)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    if ((r = sniff(d, reterr)) < 0)
        return r;
    if (expected != LCONT_LAYER_COMPRESSION_AUTO && expected != d->format)
        return lcont__error_set(reterr, -EINVAL, "layer media type says %s but the blob is %s",
                                lcont__decomp_format_name(expected),
                                lcont__decomp_format_name(d->format));
    if ((r = codec_init(d, reterr)) < 0)
        return r;
    *ret = TAKE_PTR(owned);
    return 0;
}

uint64_t lcont__decomp_bytes_in(const struct lcont__decomp *d)
{
    return d->bytes_in;
}

enum lcont_layer_compression lcont__decomp_format(const struct lcont__decomp *d)
{
    return d->format;
}

void lcont__decomp_free(struct lcont__decomp *d)
{
    if (!d)
        return;
#ifdef HAVE_ISAL
    free(d->isal);
#else
    if (d->z_init)
        inflateEnd(&d->z);
#endif
    ZSTD_freeDCtx(d->zstd);
    free(d->in);
    free(d->out);
    free(d);
}

void lcont__decomp_freep(struct lcont__decomp **d)
{
    lcont__decomp_free(*d);
}
