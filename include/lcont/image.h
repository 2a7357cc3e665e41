/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_IMAGE_H
#define LCONT_IMAGE_H

/**
 * @file image.h
 * Image store: load OCI layouts and docker-save archives, name, list, remove and
 * garbage-collect images, and turn an image into a root filesystem (an overlay mount
 * of cached layers, or a flattened copy).
 *
 * The store lives under a root directory (by default the context's store root,
 * "/var/lib/lcont"): content-addressed blobs (blobs/sha256/<hex>), one directory per
 * unpacked layer keyed by its chain ID (layers/<hex>), a names index and a record of
 * live mounts. Every blob is verified (sha256 and size) before it is stored, every
 * layer's DiffID is checked against the image config, and updates are atomic and
 * locked, so several processes may use one store at the same time.
 *
 * Handles have no internal locking: one thread at a time per handle (other threads
 * and processes may use their own handles on the same store). Handles cannot be used
 * after fork(): calls then fail with -ECHILD.
 */

#include <lcont/common.h>
#include <lcont/error.h>
#include <lcont/context.h>

LCONT_BEGIN_DECLS

/** Refcounted handle on an image store; holds a reference on its context. @since 0.2 */
typedef struct lcont_image_store lcont_image_store;

/** Refcounted handle on one stored image; holds a reference on its store. @since 0.2 */
typedef struct lcont_image lcont_image;

/** Progress phases (lcont_image_progress.phase). @since 0.2 */
enum {
    LCONT_IMAGE_PHASE_COPY = 1,   /**< a blob is being verified and copied into the store */
    LCONT_IMAGE_PHASE_UNPACK = 2, /**< a layer is being unpacked (cache or flattened) */
    LCONT_IMAGE_PHASE_DONE = 3    /**< the whole operation finished */
};

/**
 * One progress report. Borrowed for the duration of the callback only. Fields may be
 * appended in later versions (check struct_size before reading new ones).
 * @since 0.2
 */
typedef struct lcont_image_progress {
    uint64_t struct_size; /**< sizeof(lcont_image_progress) as the library knows it */
    int phase;            /**< LCONT_IMAGE_PHASE_* */
    uint32_t index;       /**< blob or layer index, from 0 */
    uint32_t count;       /**< number of blobs or layers in this phase */
    const char *digest;   /**< digest of the blob or layer, "" when not applicable */
    uint64_t bytes_done;  /**< bytes read so far (compressed) */
    uint64_t bytes_total; /**< expected bytes (compressed), 0 if unknown */
    uint64_t entries;     /**< tar entries applied so far (UNPACK) */
} lcont_image_progress;

/**
 * Progress callback. Called on the calling thread, from inside the library call, at
 * the start and end of every blob/layer and every so often in between. It must not
 * call back into the same store handle.
 * @since 0.2
 */
typedef void (*lcont_image_progress_fn)(const lcont_image_progress *progress, void *userdata);

/** Options for lcont_image_store_open(). All zero means safe defaults. @since 0.2 */
typedef struct lcont_image_store_opts {
    uint64_t struct_size; /**< sizeof(lcont_image_store_opts) */
    /** Store directory; NULL means lcont_context_get_store_root(). Created if missing. */
    const char *root;
    /** Limits per layer against decompression bombs; 0 means the built-in default. */
    uint64_t max_layer_bytes;   /**< uncompressed size of one layer */
    uint64_t max_layer_ratio;   /**< uncompressed / compressed */
    uint64_t max_layer_entries; /**< tar entries in one layer */
    uint64_t max_blob_bytes;    /**< size of any one blob copied into the store */
    uint32_t max_index_depth;   /**< nesting of image indexes; 0 means 4 */
    /** Unpack up to this many independent layers at once (threads live only during the
     *  call); 0 or 1 means one after another. */
    uint32_t parallel_layers;
} lcont_image_store_opts;

/* clang-format off */
#ifdef __cplusplus
#define LCONT_IMAGE_STORE_OPTS_INIT { sizeof(lcont_image_store_opts), NULL, 0, 0, 0, 0, 0, 0 }
#else
#define LCONT_IMAGE_STORE_OPTS_INIT { .struct_size = sizeof(lcont_image_store_opts) }
#endif
/* clang-format on */

/** Zero @p opts and set struct_size (for FFI). @return 0 or -EINVAL. @since 0.2 */
LCONT_API int lcont_image_store_opts_init(lcont_image_store_opts *opts, size_t size);

/**
 * Open (and create if needed) the image store of @p ctx. No flags are defined yet;
 * pass 0.
 * @param opts may be NULL for defaults.
 * @param ret new reference, released with lcont_image_store_unref().
 * @return 0; -EINVAL; -E2BIG (unknown trailing option bytes); -EACCES/-EROFS and other
 *         -errno when the root cannot be created.
 * @since 0.2
 */
LCONT_API int lcont_image_store_open(lcont_context *ctx, const lcont_image_store_opts *opts,
                                     uint64_t flags, lcont_image_store **ret, lcont_error **reterr);

/** Take a reference; returns @p store. @since 0.2 */
LCONT_API lcont_image_store *lcont_image_store_ref(lcont_image_store *store);

/** Drop a reference; NULL is accepted. Always returns NULL. @since 0.2 */
LCONT_API lcont_image_store *lcont_image_store_unref(lcont_image_store *store);

/** Absolute store root; borrowed, valid as long as @p store. @since 0.2 */
LCONT_API const char *lcont_image_store_get_root(const lcont_image_store *store);

/**
 * Report progress of later calls on @p store to @p fn (NULL disables, the default).
 * @p destroy, if not NULL, is called with @p userdata when this registration is
 * replaced or the store is freed.
 * @return 0, -EINVAL, -ECHILD. @since 0.2
 */
LCONT_API int lcont_image_store_set_progress_fn(lcont_image_store *store,
                                                lcont_image_progress_fn fn, void *userdata,
                                                lcont_destroy_fn destroy);

/** Options for lcont_image_load(). All zero means defaults. @since 0.2 */
typedef struct lcont_image_load_opts {
    uint64_t struct_size; /**< sizeof(lcont_image_load_opts) */
    /** Name to give the image ("repo:tag"); NULL takes it from the source (see
     *  lcont_image_load()). */
    const char *name;
    /** Platform to select from an image index; NULL means the host's
     *  ("linux", "amd64", no variant). */
    const char *os;
    const char *architecture;
    const char *variant;
} lcont_image_load_opts;

/* clang-format off */
#ifdef __cplusplus
#define LCONT_IMAGE_LOAD_OPTS_INIT { sizeof(lcont_image_load_opts), NULL, NULL, NULL, NULL }
#else
#define LCONT_IMAGE_LOAD_OPTS_INIT { .struct_size = sizeof(lcont_image_load_opts) }
#endif
/* clang-format on */

/** Zero @p opts and set struct_size (for FFI). @return 0 or -EINVAL. @since 0.2 */
LCONT_API int lcont_image_load_opts_init(lcont_image_load_opts *opts, size_t size);

/** lcont_image_load(): also unpack the layers into the layer cache now. @since 0.2 */
#define LCONT_IMAGE_LOAD_CACHE_LAYERS (1ULL << 0)

/**
 * Load an image into the store from @p source:
 * - "oci:DIR[:TAG]": an OCI image layout directory; TAG selects the manifest whose
 *   org.opencontainers.image.ref.name is TAG (required when the index lists several).
 * - "oci-archive:FILE[:TAG]": the same, as a tar file.
 * - "docker-archive:FILE[:NAME]": a `docker save` / `podman save` archive (classic or
 *   OCI-in-docker layout); NAME selects one of its RepoTags.
 * The image is named opts->name, else the docker archive's RepoTags (all of them), else
 * a full reference found in the OCI ref.name annotation, else "<basename of DIR or
 * FILE>:<TAG>"; without any of these it stays unnamed (found by digest). An existing
 * name is moved to the new image. Every blob is verified (digest and size) as it is
 * copied; the config's rootfs.diff_ids must match the layer count. Layers are checked
 * against their DiffIDs when they are unpacked (LCONT_IMAGE_LOAD_CACHE_LAYERS, mount,
 * unpack). Nothing is fetched from the network: a foreign layer whose blob is missing
 * is an error.
 * @param flags LCONT_IMAGE_LOAD_*.
 * @param ret new reference on the loaded image.
 * @return 0; -EINVAL (bad source or bad JSON, digest or size mismatch, a path leaving
 *         the archive: the message names the field); -ENOENT (missing file, blob or tag);
 *         -ELOOP (indexes nested too deep); -EBADMSG (truncated or corrupt archive);
 *         -EFBIG (a limit); other -errno. On failure no image or name is recorded; blobs
 *         already verified may stay until the next prune.
 * @since 0.2
 */
LCONT_API int lcont_image_load(lcont_image_store *store, const char *source,
                               const lcont_image_load_opts *opts, uint64_t flags, lcont_image **ret,
                               lcont_error **reterr);

/**
 * Find a stored image by name ("repo:tag"; "repo" means "repo:latest"; a unique
 * suffix after a '/' also matches, so "busybox" finds "docker.io/library/busybox:latest")
 * or by digest (manifest digest or image ID, "sha256:<hex>", or a unique hex prefix of at
 * least 12 digits). No flags yet.
 * @return 0; -ENOENT (no such image); -EINVAL; other -errno.
 * @since 0.2
 */
LCONT_API int lcont_image_lookup(lcont_image_store *store, const char *name_or_digest,
                                 uint64_t flags, lcont_image **ret, lcont_error **reterr);

/**
 * Manifest digests of all stored images, sorted; open each with lcont_image_lookup().
 * No flags yet. @param ret vector freed with lcont_strv_free().
 * @return 0 or -errno. @since 0.2
 */
LCONT_API int lcont_image_list(lcont_image_store *store, uint64_t flags, char ***ret,
                               lcont_error **reterr);

/** lcont_image_remove(): remove even if mounted (the mounts stay until umount). @since 0.2 */
#define LCONT_IMAGE_REMOVE_FORCE (1ULL << 0)

/**
 * Remove a name; an image left without names is removed, and its blobs and cached
 * layers that no other image uses are deleted. A digest removes the image with all its
 * names.
 * @return 0; -ENOENT; -EBUSY (the image is mounted and no LCONT_IMAGE_REMOVE_FORCE);
 *         other -errno.
 * @since 0.2
 */
LCONT_API int lcont_image_remove(lcont_image_store *store, const char *name_or_digest,
                                 uint64_t flags, lcont_error **reterr);

/** lcont_image_prune(): also remove named images that are not mounted. @since 0.2 */
#define LCONT_IMAGE_PRUNE_ALL (1ULL << 0)

/**
 * Remove unnamed, unmounted images and delete every blob and cached layer that no
 * remaining image references, plus leftovers of interrupted operations.
 * @param ret_freed_bytes if not NULL, receives the bytes of blobs and layers deleted
 *        (approximate for layers: file sizes).
 * @return 0 or -errno. @since 0.2
 */
LCONT_API int lcont_image_prune(lcont_image_store *store, uint64_t flags, uint64_t *ret_freed_bytes,
                                lcont_error **reterr);

/** Take a reference; returns @p img. @since 0.2 */
LCONT_API lcont_image *lcont_image_ref(lcont_image *img);

/** Drop a reference; NULL is accepted. Always returns NULL. @since 0.2 */
LCONT_API lcont_image *lcont_image_unref(lcont_image *img);

/**
 * The image's name: the one it was looked up or loaded by, else its first name, else
 * NULL (unnamed). Borrowed, valid as long as @p img. @since 0.2
 */
LCONT_API const char *lcont_image_get_name(const lcont_image *img);

/**
 * All names of the image (as when the handle was opened), sorted, NULL-terminated;
 * borrowed, valid as long as @p img. Never NULL (possibly empty). @since 0.2
 */
LCONT_API const char *const *lcont_image_get_names(const lcont_image *img);

/** Manifest digest "sha256:<hex>"; borrowed, valid as long as @p img. @since 0.2 */
LCONT_API const char *lcont_image_get_digest(const lcont_image *img);

/** Image ID: the config blob's digest; borrowed, valid as long as @p img. @since 0.2 */
LCONT_API const char *lcont_image_get_id(const lcont_image *img);

/**
 * The image config (the config blob's JSON text, as stored: OCI image config or Docker
 * container config), NUL-terminated; borrowed, valid as long as @p img. @since 0.2
 */
LCONT_API const char *lcont_image_get_config_json(const lcont_image *img);

/** The manifest's JSON text; borrowed, valid as long as @p img. @since 0.2 */
LCONT_API const char *lcont_image_get_manifest_json(const lcont_image *img);

/**
 * The config's "created" time as written in it (RFC 3339), or NULL when absent.
 * Borrowed, valid as long as @p img. @since 0.2
 */
LCONT_API const char *lcont_image_get_created(const lcont_image *img);

/** Sum of the sizes of the config and layer blobs (compressed), in bytes. @since 0.2 */
LCONT_API uint64_t lcont_image_get_size(const lcont_image *img);

/** Number of layers. @since 0.2 */
LCONT_API size_t lcont_image_get_layer_count(const lcont_image *img);

/** Options for lcont_image_mount() and lcont_image_unpack(). @since 0.2 */
typedef struct lcont_image_mount_opts {
    uint64_t struct_size; /**< sizeof(lcont_image_mount_opts) */
    /** mount: where the per-mount upper and work directories go; NULL means
     *  "<store root>/mounts". Must be on a filesystem usable as overlayfs upper. */
    const char *upper_root;
} lcont_image_mount_opts;

/* clang-format off */
#ifdef __cplusplus
#define LCONT_IMAGE_MOUNT_OPTS_INIT { sizeof(lcont_image_mount_opts), NULL }
#else
#define LCONT_IMAGE_MOUNT_OPTS_INIT { .struct_size = sizeof(lcont_image_mount_opts) }
#endif
/* clang-format on */

/** Zero @p opts and set struct_size (for FFI). @return 0 or -EINVAL. @since 0.2 */
LCONT_API int lcont_image_mount_opts_init(lcont_image_mount_opts *opts, size_t size);

/** lcont_image_mount(): mount read-only (overlay without an upper layer). @since 0.2 */
#define LCONT_IMAGE_MOUNT_READONLY (1ULL << 0)
/** lcont_image_mount(): do not use overlayfs: write a flattened copy into the target.
 *  (Also the automatic fallback when overlayfs is unavailable.) @since 0.2 */
#define LCONT_IMAGE_MOUNT_COPY (1ULL << 1)
/** lcont_image_mount(): overlayfs "volatile": the upper layer is never synced, so
 *  writes and umount are faster, but its content is lost after a crash (fine for
 *  throw-away containers). @since 0.2 */
#define LCONT_IMAGE_MOUNT_VOLATILE (1ULL << 2)

/**
 * Assemble the image's root filesystem on @p target (an existing empty directory):
 * layers missing from the layer cache are unpacked (and DiffID-verified) first, then
 * an overlayfs of the cached layers plus a fresh upper/work directory is mounted (with
 * "userxattr" inside a user namespace). The mount is recorded in the store so
 * lcont_image_remove() and lcont_image_prune() know the image is in use.
 * @p img must have been opened through @p store (not another handle on the same root).
 * @param opts may be NULL. @param flags LCONT_IMAGE_MOUNT_*.
 * @return 0; -EBUSY (@p target already holds a mount of this store); -ENOTEMPTY;
 *         -EINVAL (DiffID mismatch, bad layer: the message says which); -EPERM; other
 *         -errno. On failure nothing is mounted and no partial cache entry is left.
 * @since 0.2
 */
LCONT_API int lcont_image_mount(lcont_image_store *store, lcont_image *img, const char *target,
                                const lcont_image_mount_opts *opts, uint64_t flags,
                                lcont_error **reterr);

/** lcont_image_umount(): lazily detach a busy mount (MNT_DETACH). @since 0.2 */
#define LCONT_IMAGE_UMOUNT_DETACH (1ULL << 0)

/**
 * Undo lcont_image_mount() on @p target: unmount, delete the upper/work directory (or
 * the flattened copy's content) and drop the record.
 * @return 0; -ENOENT (@p target is not a mount of this store); -EBUSY; other -errno.
 * @since 0.2
 */
LCONT_API int lcont_image_umount(lcont_image_store *store, const char *target, uint64_t flags,
                                 lcont_error **reterr);

/**
 * Write the image's flattened root filesystem directly into @p dir (created if missing,
 * else it must be empty), applying the layers in order, each verified against its
 * DiffID. The layer cache is not used or filled. @p opts may be NULL (no fields are
 * used yet). No flags yet.
 * @return 0 or -errno as lcont_image_mount(). On failure @p dir is left empty (or
 *         removed if this call created it).
 * @since 0.2
 */
LCONT_API int lcont_image_unpack(lcont_image_store *store, lcont_image *img, const char *dir,
                                 const lcont_image_mount_opts *opts, uint64_t flags,
                                 lcont_error **reterr);

#ifdef __GNUC__
static inline void lcont_image_store_unrefp(lcont_image_store **p)
{
    lcont_image_store_unref(*p);
}
static inline void lcont_image_unrefp(lcont_image **p)
{
    lcont_image_unref(*p);
}
#endif

LCONT_END_DECLS

#endif
