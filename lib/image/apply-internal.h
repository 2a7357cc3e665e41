/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_IMAGE_APPLY_INTERNAL_H
#define LCONT_IMAGE_APPLY_INTERNAL_H

/* State shared by the files of the layer extractor (apply.c, apply-path.c, apply-entry.c). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "image/layer.h"

struct archive;
struct archive_entry;
struct lcont__decomp;
struct lcont__reader;
struct lcont_sha256;

/* A directory whose mode and times are set once the whole layer is written: writing its
 * content would change its mtime, and a read-only mode would block that writing. */
struct lcont__apply_dir {
    char *path;
    mode_t mode;
    struct timespec times[2];
};

struct lcont__apply {
    int root_fd;
    const struct lcont_layer_apply_opts *opts;
    struct lcont_layer_limits limits; /* opts->limits with defaults filled in */
    struct archive *archive;
    struct lcont__reader *reader;
    lcont_error *read_error; /* set by the read callback; libarchive only sees -1 */
    uint64_t out_bytes, file_bytes, entries, skipped_devices, skipped_xattrs;
    const char *entry_name; /* raw name of the current entry, for messages */

    /* The parent directory of the previous entry, kept open while consecutive entries share
     * it: an open fd cannot be swapped, and only an entry with another parent can replace
     * an ancestor, which drops this cache first. */
    char *parent_path;
    size_t parent_cap;
    int parent_fd; /* -1: none; may equal root_fd (then not owned) */

    struct lcont__apply_dir *dirs;
    size_t n_dirs, cap_dirs;

    /* Paths written by this layer (and their ancestors): an opaque whiteout hides only what
     * lower layers put in its directory. Open addressing, only used when applying. */
    char **set;
    size_t set_cap, set_len;
};

/* The uncompressed stream (apply-reader.c): chunks of @decomp's output, hashed into @sha;
 * with @threaded, produced on a helper thread. A chunk stays valid until the next call. */
int lcont__reader_new(struct lcont__decomp *decomp, struct lcont_sha256 *sha, bool threaded,
                      size_t chunk_size, struct lcont__reader **ret, lcont_error **reterr);
ssize_t lcont__reader_next(struct lcont__reader *r, const void **ret_buf, lcont_error **reterr);
/* Compressed bytes behind the chunks returned so far. */
uint64_t lcont__reader_bytes_in(const struct lcont__reader *r);
void lcont__reader_free(struct lcont__reader *r);
void lcont__reader_freep(struct lcont__reader **r);

int lcont__apply_error(struct lcont__apply *ap, lcont_error **reterr, int code, bool sys,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Normalise an entry name: strip leading '/', drop "." and empty components, resolve ".."
 * lexically (error if it climbs above the root). "" means the root. */
int lcont__apply_clean_path(struct lcont__apply *ap, const char *raw, const char *what, char **ret,
                            lcont_error **reterr);

/* Open directory @path (clean, "" = the root) inside @root_fd as an O_PATH fd owned by the
 * caller. With @create, missing directories are made (0755, owned by container root).
 * Without it a missing directory returns -ENOENT/-ENOTDIR and sets no error. */
int lcont__apply_open_dir(struct lcont__apply *ap, int root_fd, const char *path, bool create,
                          lcont_error **reterr);

/* The (cached, borrowed) fd of the parent directory of @path and its last component. */
int lcont__apply_parent(struct lcont__apply *ap, const char *path, bool create,
                        const char **ret_name, lcont_error **reterr);
void lcont__apply_parent_drop(struct lcont__apply *ap);

int lcont__apply_mark(struct lcont__apply *ap, const char *path);
bool lcont__apply_marked(const struct lcont__apply *ap, const char *path);

int lcont__apply_entry(struct lcont__apply *ap, struct archive_entry *e, lcont_error **reterr);

/* A container id through an id map (identity without one); false when unmapped. */
struct lcont_layer_idmap;
bool lcont__apply_map_id(const struct lcont_layer_idmap *map, size_t n, int64_t id, uint32_t *ret);

/* apply-acl.c: the entry's POSIX.1e ACLs (access; and default for a directory) on @fd. */
int lcont__apply_acls(struct lcont__apply *ap, struct archive_entry *e, int fd, bool is_dir,
                      lcont_error **reterr);
int lcont__apply_finish_dirs(struct lcont__apply *ap, lcont_error **reterr);
void lcont__apply_release(struct lcont__apply *ap);

#endif
