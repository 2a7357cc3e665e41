/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_IMAGE_STORE_H
#define LCONT_IMAGE_STORE_H

/*
 * The image store's internals, shared by store.c (handles, locks), blob.c (verified blob
 * writes), manifest.c (JSON models), import*.c and the source readers, names.c (the
 * images index), cache.c (layer cache), mount.c and gc.c.
 *
 * Layout under the root:
 *   lock                   flock: shared while importing or mounting, exclusive for GC
 *   names.lock             flock: exclusive while images.json is rewritten
 *   images.json            {"images":{"sha256:<manifest>":{"names":[...]}}}
 *   blobs/sha256/<hex>     verified, immutable blobs
 *   layers/<chain hex>/diff  cached layers (overlay whiteouts), renamed in when complete;
 *                          layers-userns/ the same with user.overlay.* xattrs (rootless)
 *   mounts/<id>.json       live mounts; mounts/<id>/{upper,work}; mounts/<id>.upper a
 *                          symlink to the per-mount directory under a custom upper_root
 *   tmp/                   staging (archives, temp layers); emptied by GC
 */

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <lcont/image.h>

#include "core/digest.h"
#include "core/error-internal.h"

#define STORE_DEFAULT_MAX_INDEX_DEPTH 4
#define STORE_MAX_JSON_BYTES (8u << 20) /* manifests, indexes, configs */
#define STORE_DEFAULT_MAX_BLOB_BYTES (64ull << 30)

struct lcont_image_store {
    unsigned refs;
    pid_t owner_pid;
    lcont_context *ctx;
    char *root;
    int root_fd;
    int blobs_fd; /* blobs/sha256 */
    bool userns;  /* not in the initial user namespace: overlay with userxattr */
    lcont_image_store_opts opts;
    lcont_image_progress_fn progress;
    void *progress_userdata;
    lcont_destroy_fn progress_destroy;
    uint32_t cur_index, cur_count; /* blob being copied, for progress reports */
};

/* One descriptor of a manifest (config or layer). */
struct image_desc {
    char digest[LCONT_DIGEST_STR_LEN];
    uint64_t size;
    char *media_type;
    bool foreign; /* non-distributable / foreign layer media type */
};

struct lcont_image {
    unsigned refs;
    lcont_image_store *store;
    char digest[LCONT_DIGEST_STR_LEN]; /* manifest */
    char id[LCONT_DIGEST_STR_LEN];     /* config */
    char *name;
    char **names;
    char *manifest_json;
    char *config_json;
    char *created;
    uint64_t size;
    size_t n_layers;
    struct image_desc *layers;
    char (*diff_ids)[LCONT_DIGEST_STR_LEN];
    char (*chain_ids)[LCONT_DIGEST_STR_LEN];
};

/* ---- store.c ---- */
int lcont__store_check(const lcont_image_store *store);
/* flock @name under the root (LOCK_SH / LOCK_EX); returns the fd holding it. */
int lcont__store_lock(lcont_image_store *store, const char *name, int how, lcont_error **reterr);
void lcont__store_progress(lcont_image_store *store, int phase, uint32_t index, uint32_t count,
                           const char *digest, uint64_t done, uint64_t total, uint64_t entries);
/* Create a fresh private directory under tmp/; returns its fd, name in @ret_name. */
int lcont__store_mktemp_dir(lcont_image_store *store, char ret_name[64], lcont_error **reterr);
/* A random 32-hex id. */
int lcont__store_random_id(char out[33]);

/* ---- blob.c ---- */
/*
 * Copy @fd (from its offset to EOF) into the blob store while hashing; keep it only if
 * the digest and size match @expect_digest / @expect_size (NULL / UINT64_MAX: accept and
 * report what was seen in @ret_digest). Succeeds when the blob already exists. @adopt: @fd
 * is a file of ours on the store's filesystem (staging): hash it and link it in, no copy.
 */
int lcont__blob_put_fd(lcont_image_store *store, int fd, bool adopt, const char *expect_digest,
                       uint64_t expect_size, const char *what,
                       char ret_digest[LCONT_DIGEST_STR_LEN], uint64_t *ret_size,
                       lcont_error **reterr);
int lcont__blob_put_buf(lcont_image_store *store, const void *buf, size_t len,
                        char ret_digest[LCONT_DIGEST_STR_LEN], lcont_error **reterr);
/* Open a stored blob read-only; -ENOENT if absent. */
int lcont__blob_open(lcont_image_store *store, const char *digest, lcont_error **reterr);
/* Read a small stored blob (JSON) into a NUL-terminated buffer. */
int lcont__blob_read(lcont_image_store *store, const char *digest, char **ret, size_t *ret_len,
                     lcont_error **reterr);
bool lcont__blob_exists(lcont_image_store *store, const char *digest);
/* Read @fd to EOF (at most @max bytes, else -EFBIG) into a NUL-terminated buffer. */
int lcont__store_read_fd(int fd, size_t max, char **ret, size_t *ret_len);

/* ---- manifest.c ---- */
enum manifest_kind {
    MANIFEST_KIND_MANIFEST,
    MANIFEST_KIND_INDEX,
    MANIFEST_KIND_UNKNOWN
};
enum manifest_kind lcont__manifest_kind(const char *media_type);
/* A descriptor object: digest (validated), size, mediaType. */
int lcont__manifest_parse_desc(const cJSON *o, const char *what, struct image_desc *ret,
                               lcont_error **reterr);
void lcont__image_desc_clear(struct image_desc *d);
/* Parse @json as an image manifest: config descriptor and layers. */
int lcont__manifest_parse(const char *json, size_t len, struct image_desc *ret_config,
                          struct image_desc **ret_layers, size_t *ret_n, lcont_error **reterr);
/* Parse a config's rootfs.diff_ids (and created). */
int lcont__config_parse(const char *json, size_t len, char (**ret_diff_ids)[LCONT_DIGEST_STR_LEN],
                        size_t *ret_n, char **ret_created, lcont_error **reterr);
/* Layer compression from its media type; -EINVAL for an unknown layer media type. */
int lcont__layer_media_type(const char *media_type, int *ret_compression, bool *ret_foreign);
/* The host's platform in OCI terms. */
void lcont__platform_host(const char **os, const char **arch, const char **variant);
/* Pick the descriptor matching the platform among index.manifests[]; -ENOENT if none. */
int lcont__index_select_platform(const cJSON *manifests, const char *os, const char *arch,
                                 const char *variant, const cJSON **ret, lcont_error **reterr);

/* ---- names.c ---- */
/* "repo" -> "repo:latest"; validates characters; returns a new string. */
int lcont__name_normalize(const char *name, char **ret, lcont_error **reterr);
/* Read images.json (an empty object when absent). */
int lcont__names_read(lcont_image_store *store, cJSON **ret, lcont_error **reterr);
/* Replace images.json atomically and durably (caller holds names.lock). */
int lcont__names_write(lcont_image_store *store, cJSON *doc, lcont_error **reterr);
/* Record @digest with @names (names move from other images). Locks names.lock. */
int lcont__names_add(lcont_image_store *store, const char *digest, const char *id,
                     char *const *names, lcont_error **reterr);
/* Resolve a name or digest to a manifest digest, and the name it matched (or NULL). */
int lcont__names_resolve(cJSON *doc, const char *query, char ret_digest[LCONT_DIGEST_STR_LEN],
                         char **ret_name, lcont_error **reterr);

/* ---- image.c ---- */
/* Open the image handle of a stored manifest @digest (as recorded in images.json @doc). */
int lcont__image_open(lcont_image_store *store, cJSON *doc, const char *digest, const char *name,
                      lcont_image **ret, lcont_error **reterr);

/* ---- import.c: the common part of every source ---- */
/* A source: a directory (an OCI layout or an extracted archive) read inside its root. */
struct import_source {
    int dir_fd;
    bool owned;            /* a staging directory of ours (an extracted archive) */
    const char *label;     /* for messages */
    char *const *symlinks; /* archive members that were symlinks (not extracted) */
};
/* Open a file of the source, inside it; refuses symlinks when @nofollow. */
int lcont__import_open(const struct import_source *src, const char *path, bool nofollow,
                       const char *what, lcont_error **reterr);
/*
 * Import an image manifest (its bytes already verified against the descriptor that named
 * it) whose config and layers are at blobs/sha256/<hex> in @src: verify and store each
 * blob, check diff_ids against the layers, store the manifest last. Returns its digest.
 */
int lcont__import_manifest(lcont_image_store *store, const struct import_source *src,
                           const char *manifest_json, size_t manifest_len,
                           char ret_digest[LCONT_DIGEST_STR_LEN], lcont_error **reterr);
/* Read and verify a blob of the source (small JSON) against @desc. */
int lcont__import_read_json_blob(const struct import_source *src, const struct image_desc *desc,
                                 const char *what, char **ret, size_t *ret_len,
                                 lcont_error **reterr);
/* Copy a blob of the source at @path (NULL: blobs/sha256/<hex>) into the store, verified
 * against @desc; an absent foreign layer is a clear -ENOENT. */
int lcont__import_blob(lcont_image_store *store, const struct import_source *src, const char *path,
                       const struct image_desc *desc, uint32_t index, uint32_t count,
                       const char *what, lcont_error **reterr);

/* ---- oci-layout.c ---- */
int lcont__oci_layout_import(lcont_image_store *store, const struct import_source *src,
                             const char *tag, const lcont_image_load_opts *opts,
                             char ret_digest[LCONT_DIGEST_STR_LEN], char **ret_ref_name,
                             lcont_error **reterr);

/* ---- docker-archive.c ---- */
int lcont__docker_archive_import(lcont_image_store *store, const struct import_source *src,
                                 const char *select_name, char ret_digest[LCONT_DIGEST_STR_LEN],
                                 char ***ret_names, lcont_error **reterr);

/* ---- import-archive.c: extract a tar (only regular files and directories) ---- */
int lcont__archive_extract(lcont_image_store *store, const char *path, int dir_fd,
                           char ***ret_symlinks, lcont_error **reterr);

/* ---- cache.c ---- */
/* Make sure every layer of @img is in the layer cache (unpack and verify missing ones). */
int lcont__cache_ensure(lcont_image_store *store, lcont_image *img, lcont_error **reterr);
/* "layers/<hex>" (or "layers-userns/<hex>") of a chain id, relative to the root; the
 * layer's content is in its "diff" subdirectory. */
void lcont__cache_layer_path(const lcont_image_store *store, const char *chain_id, char out[128]);
bool lcont__cache_has(lcont_image_store *store, const char *chain_id);
/* Apply the layers of @img, flattened, onto @dir_fd. */
int lcont__cache_apply_flat(lcont_image_store *store, lcont_image *img, int dir_fd,
                            lcont_error **reterr);

/* ---- mount.c ---- */
/* Manifest digests and chain ids in use by recorded mounts (cJSON array of objects). */
int lcont__mounts_read(lcont_image_store *store, cJSON **ret, lcont_error **reterr);

/* ---- gc.c ---- */
/* Mark and sweep with the exclusive store lock already held. */
int lcont__gc_sweep(lcont_image_store *store, cJSON *doc, cJSON *mounts, uint64_t *ret_freed,
                    lcont_error **reterr);

#endif
