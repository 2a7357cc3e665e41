/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The layer cache: layers/<chain hex>/diff holds one layer unpacked on its own, with
 * overlayfs whiteouts, ready to be a lowerdir. A layer is unpacked into tmp/, its DiffID
 * checked against the image config, and only then renamed into place, so a cache entry
 * that exists is complete and verified. Also the flattened apply used by unpack and by
 * the copy fallback of mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "image/layer.h"
#include "image/store.h"

void lcont__cache_layer_path(const lcont_image_store *store, const char *chain_id, char out[128])
{
    snprintf(out, 128, "%s/%s", store->userns ? "layers-userns" : "layers", chain_id + 7);
}

bool lcont__cache_has(lcont_image_store *store, const char *chain_id)
{
    char path[128 + 8];
    struct stat st;

    lcont__cache_layer_path(store, chain_id, path);
    strcat(path, "/diff");
    return fstatat(store->root_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

struct progress_ctx {
    lcont_image_store *store;
    uint32_t index, count;
    const char *digest;
    uint64_t total;
};

static void on_progress(uint64_t bytes_in, uint64_t bytes_out, uint64_t entries, void *userdata)
{
    struct progress_ctx *p = userdata;

    lcont__store_progress(p->store, LCONT_IMAGE_PHASE_UNPACK, p->index, p->count, p->digest,
                          bytes_in, p->total, entries);
}

/* Apply layer @i of @img onto @dir_fd and check its DiffID. */
static int apply_one(lcont_image_store *store, lcont_image *img, size_t i, int dir_fd, bool overlay,
                     const int *lowers, size_t n_lowers, bool report, lcont_error **reterr)
{
    const struct image_desc *l = &img->layers[i];
    struct progress_ctx pc = { store, (uint32_t)i, (uint32_t)img->n_layers, l->digest, l->size };
    struct lcont_layer_apply_opts o = {
        .limits = { .max_uncompressed_bytes = store->opts.max_layer_bytes,
                    .max_ratio = store->opts.max_layer_ratio,
                    .max_entries = store->opts.max_layer_entries },
        .unprivileged = store->userns || geteuid() != 0,
        .overlay_whiteouts = overlay,
        .overlay_userxattr = overlay && store->userns,
        .progress = report ? on_progress : NULL,
        .progress_userdata = &pc,
        .lower_root_fds = lowers,
        .n_lower_root_fds = n_lowers,
    };
    struct lcont_layer_apply_result res = { 0 };
    _cleanup_close_ int blob = -1;
    int comp = LCONT_LAYER_COMPRESSION_AUTO, r;
    bool foreign;

    if (lcont__layer_media_type(l->media_type, &comp, &foreign) < 0)
        comp = LCONT_LAYER_COMPRESSION_AUTO;
    o.compression = comp;
    blob = lcont__blob_open(store, l->digest, reterr);
    if (blob < 0)
        return lcont__error_prefix(reterr, blob, "layer %zu", i);
    if (report)
        lcont__store_progress(store, LCONT_IMAGE_PHASE_UNPACK, (uint32_t)i, (uint32_t)img->n_layers,
                              l->digest, 0, l->size, 0);
    r = lcont__layer_apply(dir_fd, blob, &o, &res, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "layer %zu (%s)", i, l->digest);
    if (strcmp(res.diff_id, img->diff_ids[i]) != 0)
        return lcont__error_set(reterr, -EINVAL,
                                "layer %zu (%s): DiffID mismatch: content is %s, "
                                "rootfs.diff_ids[%zu] says %s",
                                i, l->digest, res.diff_id, i, img->diff_ids[i]);
    if (report)
        lcont__store_progress(store, LCONT_IMAGE_PHASE_UNPACK, (uint32_t)i, (uint32_t)img->n_layers,
                              l->digest, l->size, l->size, res.entries);
    return 0;
}

/* Open the cached diff directories of layers i-1 .. 0 (topmost first) that exist. */
static size_t open_lowers(lcont_image_store *store, lcont_image *img, size_t i, int *fds)
{
    size_t n = 0;

    for (size_t k = i; k-- > 0;) {
        char path[128 + 8];
        int fd;
        lcont__cache_layer_path(store, img->chain_ids[k], path);
        strcat(path, "/diff");
        fd = openat(store->root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0)
            fds[n++] = fd;
    }
    return n;
}

/* Unpack layer @i into the cache (no-op if another process won the race). */
static int cache_one(lcont_image_store *store, lcont_image *img, size_t i, bool report,
                     lcont_error **reterr)
{
    _cleanup_free_ int *lowers = calloc(i ? i : 1, sizeof(int));
    _cleanup_close_ int tmp_fd = -1, diff_fd = -1;
    char tmp[64], dest[128];
    size_t n_lowers;
    int r;

    if (!lowers)
        return lcont__error_set(reterr, -ENOMEM, "layer cache: out of memory");
    tmp_fd = lcont__store_mktemp_dir(store, tmp, reterr);
    if (tmp_fd < 0)
        return tmp_fd;
    if (mkdirat(tmp_fd, "diff", 0755) < 0 ||
        (diff_fd = openat(tmp_fd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
        r = lcont__error_setsys(reterr, -errno, "layer cache: create '%s/diff'", tmp);
        lcont__rm_rf_at(store->root_fd, tmp);
        return r;
    }
    n_lowers = open_lowers(store, img, i, lowers);
    r = apply_one(store, img, i, diff_fd, true, lowers, n_lowers, report, reterr);
    for (size_t k = 0; k < n_lowers; k++)
        close(lowers[k]);
    if (r >= 0) {
        lcont__cache_layer_path(store, img->chain_ids[i], dest);
        if (renameat2(store->root_fd, tmp, store->root_fd, dest, RENAME_NOREPLACE) == 0)
            return 0;
        /* Another process cached the same layer first: theirs is as good as ours. */
        if (errno != EEXIST && errno != ENOTEMPTY)
            r = lcont__error_setsys(reterr, -errno, "layer cache: rename into '%s'", dest);
    }
    lcont__rm_rf_at(store->root_fd, tmp);
    return r;
}

struct worker {
    lcont_image_store *store;
    lcont_image *img;
    const size_t *todo;
    size_t n_todo;
    size_t next; /* guarded by lock */
    pthread_mutex_t lock;
};

static void *work(void *arg)
{
    struct worker *w = arg;

    for (;;) {
        size_t k;
        pthread_mutex_lock(&w->lock);
        k = w->next++;
        pthread_mutex_unlock(&w->lock);
        if (k >= w->n_todo)
            return NULL;
        /* No progress from worker threads: the callback runs on the caller's thread. */
        /* A failure is retried (and reported) by the serial pass after the join. */
        cache_one(w->store, w->img, w->todo[k], false, NULL);
    }
}

/* Unpack the missing layers on up to @nthreads threads (alive only during this call).
 * A layer that failed is retried afterwards in order: a hardlink into a lower layer
 * that was not yet cached fails the first time. */
static void cache_parallel(lcont_image_store *store, lcont_image *img, const size_t *todo, size_t n,
                           unsigned nthreads)
{
    struct worker w = { store, img, todo, n, 0, PTHREAD_MUTEX_INITIALIZER };
    pthread_t th[16];
    unsigned started = 0;

    if (nthreads > ELEMENTSOF(th))
        nthreads = ELEMENTSOF(th);
    for (unsigned t = 0; t < nthreads; t++)
        if (pthread_create(&th[t], NULL, work, &w) == 0)
            started++;
    if (started == 0)
        work(&w);
    for (unsigned t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&w.lock);
}

int lcont__cache_ensure(lcont_image_store *store, lcont_image *img, lcont_error **reterr)
{
    _cleanup_free_ size_t *todo = calloc(img->n_layers ? img->n_layers : 1, sizeof(size_t));
    _cleanup_close_ int lock = -1;
    size_t n = 0;
    int r;

    if (!todo)
        return lcont__error_set(reterr, -ENOMEM, "layer cache: out of memory");
    if (store->userns && mkdirat(store->root_fd, "layers-userns", 0700) < 0 && errno != EEXIST)
        return lcont__error_setsys(reterr, -errno, "layer cache: create layers-userns");
    for (size_t i = 0; i < img->n_layers; i++)
        if (!lcont__cache_has(store, img->chain_ids[i]))
            todo[n++] = i;
    if (n == 0)
        return 0;
    /* Shared: GC (exclusive) must not sweep layers while they are being added. */
    lock = lcont__store_lock(store, "lock", LOCK_SH, reterr);
    if (lock < 0)
        return lock;
    if (store->opts.parallel_layers > 1 && n > 1)
        cache_parallel(store, img, todo, n, store->opts.parallel_layers);
    for (size_t k = 0; k < n; k++) {
        if (lcont__cache_has(store, img->chain_ids[todo[k]]))
            continue;
        r = cache_one(store, img, todo[k], true, reterr);
        if (r < 0)
            return lcont__error_prefix(reterr, r, "layer cache");
    }
    return 0;
}

int lcont__cache_apply_flat(lcont_image_store *store, lcont_image *img, int dir_fd,
                            lcont_error **reterr)
{
    for (size_t i = 0; i < img->n_layers; i++) {
        int r = apply_one(store, img, i, dir_fd, false, NULL, 0, true, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}
