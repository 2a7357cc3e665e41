/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont__layer_apply(): decompress and hash the blob ourselves, let libarchive parse the
 * tar stream from our buffers, and apply each entry inside the root (apply-entry.c). */
#include <errno.h>
#include <string.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "image/apply-internal.h"
#include "image/archive-dl.h"
#include "image/decompress.h"

/* One decompressed chunk: large enough that libarchive hands out file data straight from
 * it in big blocks (one write per block), small enough to stay in L2 while it is hashed
 * and written. */
#define CHUNK_SIZE (512 * 1024)
#define PROGRESS_BYTES (16ULL << 20)
#define PROGRESS_ENTRIES 1024

#define DEFAULT_MAX_BYTES (64ULL << 30)
#define DEFAULT_MAX_RATIO 2000
#define DEFAULT_MAX_ENTRIES (4ULL << 20)
#define DEFAULT_MAX_HEADER (1ULL << 20)
/* Small streams compress absurdly well (a tar of empty files): no ratio check below this. */
#define RATIO_MIN_BYTES (64ULL << 20)

static int check_stream_limits(struct lcont__apply *ap, lcont_error **reterr)
{
    uint64_t in = lcont__reader_bytes_in(ap->reader);

    if (ap->out_bytes > ap->limits.max_uncompressed_bytes)
        return lcont__error_set(reterr, -EFBIG,
                                "layer exceeds the uncompressed size limit (%llu bytes)",
                                (unsigned long long)ap->limits.max_uncompressed_bytes);
    if (ap->out_bytes > RATIO_MIN_BYTES && in > 0 && ap->out_bytes / in > ap->limits.max_ratio)
        return lcont__error_set(reterr, -EFBIG,
                                "layer exceeds the compression ratio limit (%llu:1)",
                                (unsigned long long)ap->limits.max_ratio);
    return 0;
}

/* Next chunk of the uncompressed tar stream, hashed for the DiffID on its way. */
static ssize_t next_chunk(struct lcont__apply *ap, const void **buf, lcont_error **reterr)
{
    ssize_t n = lcont__reader_next(ap->reader, buf, reterr);
    int r;

    if (n <= 0)
        return n;
    ap->out_bytes += (uint64_t)n;
    if ((r = check_stream_limits(ap, reterr)) < 0)
        return r;
    return n;
}

static la_ssize_t read_cb(struct archive *a, void *userdata, const void **buf)
{
    struct lcont__apply *ap = userdata;
    ssize_t n = next_chunk(ap, buf, &ap->read_error);

    if (n < 0) {
        sym_archive_set_error(a, (int)-n, "%s",
                              ap->read_error ? lcont_error_message(ap->read_error) : "read failed");
        return -1;
    }
    return n;
}

static int take_read_error(struct lcont__apply *ap, lcont_error **reterr)
{
    int code = lcont_error_code(ap->read_error);

    if (reterr) {
        lcont_error_free(*reterr);
        *reterr = TAKE_PTR(ap->read_error);
    }
    return code;
}

static int tar_error(struct lcont__apply *ap, lcont_error **reterr, const char *what)
{
    if (ap->read_error)
        return take_read_error(ap, reterr);
    return lcont__error_set(reterr, -EINVAL, "layer: %s: %s", what,
                            sym_archive_error_string(ap->archive) ?: "tar stream error");
}

static void report_progress(struct lcont__apply *ap)
{
    if (ap->opts->progress)
        ap->opts->progress(lcont__reader_bytes_in(ap->reader), ap->out_bytes, ap->entries,
                           ap->opts->progress_userdata);
}

static int check_opts(int root_fd, int blob_fd, const struct lcont_layer_apply_opts *o,
                      lcont_error **reterr)
{
    if (root_fd < 0 || blob_fd < 0)
        return lcont__error_set(reterr, -EINVAL, "layer apply: invalid file descriptor");
    if ((o->n_uid_map && !o->uid_map) || (o->n_gid_map && !o->gid_map) ||
        (o->n_lower_root_fds && !o->lower_root_fds))
        return lcont__error_set(reterr, -EINVAL, "layer apply: map or lower fds missing");
    if (o->overlay_userxattr && !o->overlay_whiteouts)
        return lcont__error_set(reterr, -EINVAL,
                                "layer apply: overlay_userxattr needs overlay_whiteouts");
    return 0;
}

static void fill_limits(struct lcont_layer_limits *l, const struct lcont_layer_limits *in)
{
    *l = *in;
    if (!l->max_uncompressed_bytes)
        l->max_uncompressed_bytes = DEFAULT_MAX_BYTES;
    if (!l->max_ratio)
        l->max_ratio = DEFAULT_MAX_RATIO;
    if (!l->max_entries)
        l->max_entries = DEFAULT_MAX_ENTRIES;
    if (!l->max_header_bytes)
        l->max_header_bytes = DEFAULT_MAX_HEADER;
}

/* Header blocks of one entry (its own, PAX and GNU long-name ones, and the padding of the
 * previous entry) as consumed by libarchive: position now minus where the header began. */
static int check_header(struct lcont__apply *ap, lcont_error **reterr)
{
    int64_t start = sym_archive_read_header_position(ap->archive);
    int64_t now = sym_archive_filter_bytes(ap->archive, 0);

    if (start >= 0 && now >= start && (uint64_t)(now - start) > ap->limits.max_header_bytes)
        return lcont__error_set(reterr, -E2BIG,
                                "layer entry at offset %lld: headers of %lld bytes exceed the "
                                "limit (%llu)",
                                (long long)start, (long long)(now - start),
                                (unsigned long long)ap->limits.max_header_bytes);
    return 0;
}

static int apply_entries(struct lcont__apply *ap, lcont_error **reterr)
{
    uint64_t next_progress = PROGRESS_BYTES;
    struct archive_entry *e;
    int r;

    for (;;) {
        r = sym_archive_read_next_header(ap->archive, &e);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r < ARCHIVE_WARN)
            return tar_error(ap, reterr, "read entry header");
        if (++ap->entries > ap->limits.max_entries)
            return lcont__error_set(reterr, -E2BIG, "layer has more than %llu entries",
                                    (unsigned long long)ap->limits.max_entries);
        if ((r = check_header(ap, reterr)) < 0)
            return r;
        if ((r = lcont__apply_entry(ap, e, reterr)) < 0)
            return r;
        if (ap->out_bytes >= next_progress || ap->entries % PROGRESS_ENTRIES == 0) {
            report_progress(ap);
            next_progress = ap->out_bytes + PROGRESS_BYTES;
        }
    }
}

/* The DiffID covers the whole stream, also what follows the end-of-archive blocks. */
static int drain(struct lcont__apply *ap, lcont_error **reterr)
{
    const void *buf;
    ssize_t n;

    while ((n = next_chunk(ap, &buf, reterr)) > 0)
        ;
    return (int)n;
}

static void free_archive(struct archive **a)
{
    if (*a)
        sym_archive_read_free(*a);
}

int lcont__layer_apply(int root_fd, int blob_fd, const struct lcont_layer_apply_opts *opts,
                       struct lcont_layer_apply_result *result, lcont_error **reterr)
{
    /* Freed in reverse order: the archive, then the reader (joins its thread), and only
     * then what that thread uses. */
    _cleanup_sha256_ struct lcont_sha256 *sha = NULL;
    _cleanup_(lcont__decomp_freep) struct lcont__decomp *decomp = NULL;
    _cleanup_(lcont__reader_freep) struct lcont__reader *reader = NULL;
    _cleanup_(free_archive) struct archive *a = NULL;
    struct lcont__apply ap = { .root_fd = root_fd, .opts = opts, .parent_fd = -1 };
    struct lcont_layer_apply_result res = { 0 };
    int r;

    if (!opts || !result)
        return lcont__error_set(reterr, -EINVAL, "layer apply: missing options or result");
    if ((r = check_opts(root_fd, blob_fd, opts, reterr)) < 0)
        return r;
    fill_limits(&ap.limits, &opts->limits);
    if ((r = lcont__archive_load(reterr)) < 0 || (r = lcont__sha256_load(reterr)) < 0)
        return lcont__error_prefix(reterr, r, "layer apply");
    if ((r = lcont__sha256_new(&sha)) < 0)
        return lcont__error_set(reterr, r, "out of memory");
    if ((r = lcont__decomp_new(blob_fd, opts->compression, CHUNK_SIZE, &decomp, reterr)) < 0)
        return r;
    a = sym_archive_read_new();
    if (!a)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    /* tar covers ustar, pax and GNU; "empty" accepts a zero-length layer. Decompression is
     * ours, so no libarchive filters. */
    if (sym_archive_read_support_format_tar(a) != ARCHIVE_OK ||
        sym_archive_read_support_format_empty(a) != ARCHIVE_OK)
        return lcont__error_set(reterr, -ENOMEM, "libarchive: %s", sym_archive_error_string(a));
    if ((r = lcont__reader_new(decomp, sha, opts->threaded, CHUNK_SIZE, &reader, reterr)) < 0)
        return r;
    ap.archive = a;
    ap.reader = reader;
    if (sym_archive_read_open(a, &ap, NULL, read_cb, NULL) != ARCHIVE_OK)
        r = tar_error(&ap, reterr, "not a tar stream");
    else
        r = apply_entries(&ap, reterr);
    if (r >= 0)
        r = drain(&ap, reterr);
    if (r >= 0)
        r = lcont__apply_finish_dirs(&ap, reterr);
    if (r >= 0) {
        report_progress(&ap);
        /* The helper thread (if any) is gone after this: decomp and sha are ours again. */
        ap.reader = NULL;
        lcont__reader_free(TAKE_PTR(reader));
        lcont__sha256_final(sha, res.diff_id);
        res.compressed_bytes = lcont__decomp_bytes_in(decomp);
        res.uncompressed_bytes = ap.out_bytes;
        res.entries = ap.entries;
        res.skipped_devices = ap.skipped_devices;
        res.skipped_xattrs = ap.skipped_xattrs;
        *result = res;
        r = 0;
    }
    lcont_error_free(ap.read_error);
    lcont__apply_release(&ap);
    return r;
}
