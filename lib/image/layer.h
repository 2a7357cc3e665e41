/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_IMAGE_LAYER_H
#define LCONT_IMAGE_LAYER_H

/*
 * Applying one layer (a tar stream, gzip/zstd/plain) onto a directory, safely.
 * This is the contract between the store (lib/image/store*, import*, cache*) and the
 * extractor (lib/image/apply*, tar*, decompress*): the store hands an fd on a verified
 * blob and a directory fd; the extractor resolves every path inside that directory and
 * reports the uncompressed digest (DiffID) it saw, which the caller compares with the
 * image config's rootfs.diff_ids.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <lcont/error.h>

#include "core/digest.h"

enum lcont_layer_compression {
    LCONT_LAYER_COMPRESSION_AUTO = 0, /* sniff the magic bytes */
    LCONT_LAYER_COMPRESSION_NONE,
    LCONT_LAYER_COMPRESSION_GZIP,
    LCONT_LAYER_COMPRESSION_ZSTD,
};

/* Limits against decompression bombs and hostile archives; 0 = built-in default. */
struct lcont_layer_limits {
    uint64_t max_uncompressed_bytes; /* sum of the tar stream */
    uint64_t max_ratio;              /* uncompressed / compressed */
    uint64_t max_entries;
    uint64_t max_header_bytes; /* one entry's PAX/GNU long headers together */
};

/* One id mapping range, as in a user namespace's uid_map. */
struct lcont_layer_idmap {
    uint32_t container_id, host_id, size;
};

/* Progress: called every so often and once at the end of a layer. */
typedef void (*lcont_layer_progress_fn)(uint64_t bytes_in, uint64_t bytes_out, uint64_t entries,
                                        void *userdata);

struct lcont_layer_apply_opts {
    /* Expected compression (from the media type); AUTO trusts the magic bytes. A media
     * type that disagrees with the magic bytes is an error ("media type lies"). */
    enum lcont_layer_compression compression;
    struct lcont_layer_limits limits;
    /* Shift owners (user-namespaced rootfs); n == 0 keeps them. */
    const struct lcont_layer_idmap *uid_map, *gid_map;
    size_t n_uid_map, n_gid_map;
    /* Not privileged to mknod (user namespace): device entries are skipped with a warning
     * counted in the result; owners are not changed when chown fails with EPERM. */
    bool unprivileged;
    /* Whiteouts: false = apply them (delete in the target: flattened rootfs or a single
     * directory built in order); true = keep them as overlayfs whiteouts (char 0:0 and
     * trusted.overlay.opaque / user.overlay.opaque with userxattr) for a layer cached in
     * its own directory. */
    bool overlay_whiteouts;
    bool overlay_userxattr;
    lcont_layer_progress_fn progress;
    void *progress_userdata;
    /* Added by the extractor (0.2): roots of the layers below this one, topmost first.
     * A hardlink whose target is not in @root_fd is linked from the first of these that
     * holds it (layers cached in their own directories, same filesystem). */
    const int *lower_root_fds;
    size_t n_lower_root_fds;
    /* Decompress and hash on one helper thread (started and joined inside the call, all
     * signals blocked) while the calling thread writes files. Off by default: no hidden
     * threads. */
    bool threaded;
};

struct lcont_layer_apply_result {
    char diff_id[LCONT_DIGEST_STR_LEN]; /* sha256 of the uncompressed tar stream */
    uint64_t compressed_bytes, uncompressed_bytes, entries;
    uint64_t skipped_devices; /* unprivileged: device nodes not created */
    uint64_t skipped_xattrs;  /* xattrs refused (trusted.*, security.selinux, ...) */
};

/*
 * Apply the layer read from @blob_fd (from its current offset to EOF) onto @root_fd.
 * Every path is resolved inside @root_fd (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS
 * or an equivalent walk); nothing outside it is ever created, changed or followed.
 * On error the directory may hold a partial layer: the caller unpacks into a temporary
 * directory and renames it into place only on success.
 * Errors: -EINVAL hostile or malformed entries (path leaving the root, media type lie),
 * -EBADMSG corrupt or truncated compressed data, -EFBIG size or ratio limit, -E2BIG entry
 * count or header size limit, -ENAMETOOLONG names beyond NAME_MAX/PATH_MAX, -EOPNOTSUPP
 * xz/bzip2 blobs, else the errno of the failing system call.
 */
int lcont__layer_apply(int root_fd, int blob_fd, const struct lcont_layer_apply_opts *opts,
                       struct lcont_layer_apply_result *result, lcont_error **reterr);

#endif
