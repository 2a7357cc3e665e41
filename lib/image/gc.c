/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * remove, prune and the garbage collector. Mark: every image in images.json -> its
 * manifest, config and layer blobs and its layers' chain IDs; every recorded mount -> its
 * image and chain IDs. Sweep: blobs and cached layers not marked, and all of tmp/.
 * GC holds the store lock exclusively, so no import or mount is half-way.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "image/store.h"

struct marks {
    char **hex; /* blob and chain-id hex digests in use (one set: both are sha256) */
};

static int mark(struct marks *m, const char *digest)
{
    if (!lcont__digest_valid(digest))
        return 0;
    return lcont__strv_push(&m->hex, digest + 7);
}

static bool marked(const struct marks *m, const char *hex)
{
    for (size_t i = 0; m->hex && m->hex[i]; i++)
        if (strcmp(m->hex[i], hex) == 0)
            return true;
    return false;
}

static int mark_image(lcont_image_store *store, cJSON *doc, const char *digest, struct marks *m)
{
    lcont_image *img = NULL;
    int r;

    r = mark(m, digest);
    if (r < 0)
        return r;
    /* An unreadable image keeps its manifest only; its other blobs go. */
    if (lcont__image_open(store, doc, digest, NULL, &img, NULL) < 0)
        return 0;
    r = mark(m, img->id);
    for (size_t i = 0; r >= 0 && i < img->n_layers; i++) {
        r = mark(m, img->layers[i].digest);
        if (r >= 0)
            r = mark(m, img->chain_ids[i]);
    }
    lcont_image_unref(img);
    return r;
}

/* Size of a tree (regular files' st_size), not crossing mount points. */
static uint64_t tree_size(int dir_fd, const char *name, dev_t dev)
{
    struct stat st;
    uint64_t total = 0;
    struct dirent *de;
    DIR *d;
    int fd;

    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    if (dev && st.st_dev != dev)
        return 0;
    fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || !(d = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            total += tree_size(dirfd(d), de->d_name, st.st_dev);
    closedir(d);
    return total;
}

/* Delete the entries of @dir not in @m (all of them when @m is NULL). */
static int sweep_dir(lcont_image_store *store, const char *dir, const struct marks *m,
                     uint64_t *freed)
{
    _cleanup_close_ int fd =
        openat(store->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    struct dirent *de;
    DIR *d;
    int r = 0;

    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    d = fdopendir(fd);
    if (!d)
        return -errno;
    fd = -1;
    while ((de = readdir(d))) {
        int rr;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (m && marked(m, de->d_name))
            continue;
        *freed += tree_size(dirfd(d), de->d_name, 0);
        rr = lcont__rm_rf_at(dirfd(d), de->d_name);
        if (rr < 0 && r == 0)
            r = rr;
    }
    closedir(d);
    return r;
}

/* mounts/<id> directories and links without a record: leftovers of a crash. */
static void sweep_mount_leftovers(lcont_image_store *store, cJSON *mounts)
{
    _cleanup_close_ int fd = openat(store->root_fd, "mounts", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct dirent *de;
    DIR *d;

    if (fd < 0 || !(d = fdopendir(fd)))
        return;
    fd = -1;
    while ((de = readdir(d))) {
        const cJSON *rec;
        bool live = false;
        if (de->d_name[0] == '.' || strlen(de->d_name) < 32)
            continue;
        cJSON_ArrayForEach(rec, mounts)
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
            if (cJSON_IsString(id) && strncmp(id->valuestring, de->d_name, 32) == 0)
                live = true;
        }
        if (!live)
            lcont__rm_rf_at(dirfd(d), de->d_name);
    }
    closedir(d);
}

int lcont__gc_sweep(lcont_image_store *store, cJSON *doc, cJSON *mounts, uint64_t *ret_freed,
                    lcont_error **reterr)
{
    struct marks m = { 0 };
    const cJSON *img, *rec;
    uint64_t freed = 0;
    int r = 0;

    cJSON_ArrayForEach(img, cJSON_GetObjectItemCaseSensitive(doc, "images"))
    {
        if (r >= 0)
            r = mark_image(store, doc, img->string, &m);
    }
    cJSON_ArrayForEach(rec, mounts)
    {
        const cJSON *layers = cJSON_GetObjectItemCaseSensitive(rec, "layers"), *l;
        const cJSON *image = cJSON_GetObjectItemCaseSensitive(rec, "image");
        if (r >= 0 && cJSON_IsString(image))
            r = mark(&m, image->valuestring);
        cJSON_ArrayForEach(l, layers)
        {
            if (r >= 0 && cJSON_IsString(l))
                r = mark(&m, l->valuestring);
        }
    }
    if (r < 0) {
        lcont__strv_free(m.hex);
        return lcont__error_set(reterr, r, "image gc: out of memory");
    }
    r = sweep_dir(store, "blobs/sha256", &m, &freed);
    if (r >= 0)
        r = sweep_dir(store, "layers", &m, &freed);
    if (r >= 0)
        r = sweep_dir(store, "layers-userns", &m, &freed);
    if (r >= 0)
        r = sweep_dir(store, "tmp", NULL, &freed);
    sweep_mount_leftovers(store, mounts);
    lcont__strv_free(m.hex);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "image gc: delete");
    if (ret_freed)
        *ret_freed = freed;
    return 0;
}

static bool image_mounted(cJSON *mounts, const char *digest)
{
    const cJSON *rec;

    cJSON_ArrayForEach(rec, mounts)
    {
        const cJSON *image = cJSON_GetObjectItemCaseSensitive(rec, "image");
        if (cJSON_IsString(image) && strcmp(image->valuestring, digest) == 0)
            return true;
    }
    return false;
}

/* Take the store lock and the names lock, exclusively, and read both indexes. */
static int gc_begin(lcont_image_store *store, int *ret_lock, int *ret_names_lock, cJSON **ret_doc,
                    cJSON **ret_mounts, lcont_error **reterr)
{
    _cleanup_close_ int lock = -1, names_lock = -1;
    int r;

    lock = lcont__store_lock(store, "lock", LOCK_EX, reterr);
    if (lock < 0)
        return lock;
    names_lock = lcont__store_lock(store, "names.lock", LOCK_EX, reterr);
    if (names_lock < 0)
        return names_lock;
    r = lcont__names_read(store, ret_doc, reterr);
    if (r < 0)
        return r;
    r = lcont__mounts_read(store, ret_mounts, reterr);
    if (r < 0) {
        cJSON_Delete(*ret_doc);
        return r;
    }
    *ret_lock = TAKE_FD(lock);
    *ret_names_lock = TAKE_FD(names_lock);
    return 0;
}

int lcont_image_remove(lcont_image_store *store, const char *name_or_digest, uint64_t flags,
                       lcont_error **reterr)
{
    _cleanup_close_ int lock = -1, names_lock = -1;
    _cleanup_free_ char *name = NULL;
    char digest[LCONT_DIGEST_STR_LEN];
    cJSON *doc = NULL, *mounts = NULL, *images, *rec, *names;
    int r = lcont__store_check(store);

    if (r < 0)
        return lcont__error_set(reterr, r, "image remove: invalid store handle");
    if (!name_or_digest)
        return lcont__error_set(reterr, -EINVAL, "image remove: name must not be NULL");
    if (flags & ~LCONT_IMAGE_REMOVE_FORCE)
        return lcont__error_set(reterr, -EINVAL, "image remove: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = gc_begin(store, &lock, &names_lock, &doc, &mounts, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "image remove");
    r = lcont__names_resolve(doc, name_or_digest, digest, &name, reterr);
    if (r < 0)
        goto out;
    images = cJSON_GetObjectItemCaseSensitive(doc, "images");
    rec = cJSON_GetObjectItemCaseSensitive(images, digest);
    names = cJSON_GetObjectItemCaseSensitive(rec, "names");
    if (name) {
        for (int i = cJSON_GetArraySize(names) - 1; i >= 0; i--) {
            cJSON *n = cJSON_GetArrayItem(names, i);
            if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
                cJSON_DeleteItemFromArray(names, i);
        }
    }
    if (!name || cJSON_GetArraySize(names) == 0) {
        if (image_mounted(mounts, digest) && !(flags & LCONT_IMAGE_REMOVE_FORCE)) {
            r = lcont__error_set(reterr, -EBUSY, "image '%s' is mounted", name_or_digest);
            goto out;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(images, digest);
    }
    r = lcont__names_write(store, doc, reterr);
    if (r >= 0)
        r = lcont__gc_sweep(store, doc, mounts, NULL, reterr);
out:
    cJSON_Delete(doc);
    cJSON_Delete(mounts);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "image remove");
    return 0;
}

int lcont_image_prune(lcont_image_store *store, uint64_t flags, uint64_t *ret_freed_bytes,
                      lcont_error **reterr)
{
    _cleanup_close_ int lock = -1, names_lock = -1;
    cJSON *doc = NULL, *mounts = NULL, *images;
    uint64_t freed = 0;
    bool changed = false;
    int r = lcont__store_check(store);

    if (r < 0)
        return lcont__error_set(reterr, r, "image prune: invalid store handle");
    if (flags & ~LCONT_IMAGE_PRUNE_ALL)
        return lcont__error_set(reterr, -EINVAL, "image prune: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = gc_begin(store, &lock, &names_lock, &doc, &mounts, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "image prune");
    images = cJSON_GetObjectItemCaseSensitive(doc, "images");
    for (int i = cJSON_GetArraySize(images) - 1; i >= 0; i--) {
        cJSON *img = cJSON_GetArrayItem(images, i);
        cJSON *names = cJSON_GetObjectItemCaseSensitive(img, "names");
        bool named = cJSON_GetArraySize(names) > 0;
        if ((named && !(flags & LCONT_IMAGE_PRUNE_ALL)) || image_mounted(mounts, img->string))
            continue;
        cJSON_DeleteItemFromArray(images, i);
        changed = true;
    }
    if (changed)
        r = lcont__names_write(store, doc, reterr);
    if (r >= 0)
        r = lcont__gc_sweep(store, doc, mounts, &freed, reterr);
    cJSON_Delete(doc);
    cJSON_Delete(mounts);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "image prune");
    if (ret_freed_bytes)
        *ret_freed_bytes = freed;
    return 0;
}
