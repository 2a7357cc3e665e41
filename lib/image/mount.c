/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Root filesystems from images: an overlayfs of cached layers plus a per-mount upper and
 * work directory (mount), or a flattened copy (unpack, and the fallback of mount when
 * overlayfs is unavailable). Each mount is recorded in mounts/<id>.json so umount finds
 * its directories and remove/prune know the image and its layers are in use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "image/store.h"

#define MOUNT_OPTS_SIZE_V0_2 sizeof(lcont_image_mount_opts)
#define MOUNT_KNOWN_FLAGS \
    (LCONT_IMAGE_MOUNT_READONLY | LCONT_IMAGE_MOUNT_COPY | LCONT_IMAGE_MOUNT_VOLATILE)
#define OVERLAY_DATA_MAX 4096 /* mount(2) copies one page of data */

int lcont_image_mount_opts_init(lcont_image_mount_opts *opts, size_t size)
{
    if (!opts || size < MOUNT_OPTS_SIZE_V0_2)
        return -EINVAL;
    memset(opts, 0, size);
    opts->struct_size = size;
    return 0;
}

int lcont__mounts_read(lcont_image_store *store, cJSON **ret, lcont_error **reterr)
{
    _cleanup_close_ int fd = openat(store->root_fd, "mounts", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cJSON *arr = cJSON_CreateArray();
    struct dirent *de;
    DIR *d;

    if (!arr)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    if (fd < 0 || !(d = fdopendir(fd))) {
        cJSON_Delete(arr);
        return lcont__error_setsys(reterr, -errno, "image store: open mounts");
    }
    fd = -1; /* owned by d */
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        _cleanup_free_ char *text = NULL;
        cJSON *rec;
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.')
            continue;
        if (lcont__read_file_at(dirfd(d), de->d_name, 1 << 20, &text, NULL) < 0)
            continue;
        rec = cJSON_Parse(text);
        if (!cJSON_IsObject(rec)) {
            cJSON_Delete(rec);
            continue;
        }
        cJSON_AddItemToArray(arr, rec);
    }
    closedir(d);
    *ret = arr;
    return 0;
}

static const char *rec_str(const cJSON *rec, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The record whose target is @target, or NULL. */
static const cJSON *find_mount(cJSON *mounts, const char *target)
{
    const cJSON *rec;

    cJSON_ArrayForEach(rec, mounts)
    {
        const char *t = rec_str(rec, "target");
        if (t && strcmp(t, target) == 0)
            return rec;
    }
    return NULL;
}

static int write_record(lcont_image_store *store, const char *id, const char *target,
                        lcont_image *img, const char *type, lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_close_ int mounts_fd = -1;
    char name[64];
    cJSON *rec = cJSON_CreateObject(), *layers;
    int r;

    if (!rec || !cJSON_AddStringToObject(rec, "id", id) ||
        !cJSON_AddStringToObject(rec, "target", target) ||
        !cJSON_AddStringToObject(rec, "image", img->digest) ||
        !cJSON_AddStringToObject(rec, "type", type) ||
        !(layers = cJSON_AddArrayToObject(rec, "layers")))
        goto oom;
    for (size_t i = 0; i < img->n_layers; i++) {
        cJSON *s = cJSON_CreateString(img->chain_ids[i]);
        if (!s || !cJSON_AddItemToArray(layers, s)) {
            cJSON_Delete(s);
            goto oom;
        }
    }
    text = cJSON_PrintUnformatted(rec);
    cJSON_Delete(rec);
    if (!text)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    snprintf(name, sizeof(name), "%s.json", id);
    mounts_fd = openat(store->root_fd, "mounts", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mounts_fd < 0)
        return lcont__error_setsys(reterr, -errno, "image store: open mounts");
    r = lcont__write_file_atomic_at(mounts_fd, name, text, strlen(text), 0600, false);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "image store: record mount");
    return 0;
oom:
    cJSON_Delete(rec);
    return lcont__error_set(reterr, -ENOMEM, "out of memory");
}

static void drop_record(lcont_image_store *store, const char *id)
{
    char name[80];

    snprintf(name, sizeof(name), "mounts/%s.json", id);
    unlinkat(store->root_fd, name, 0);
    snprintf(name, sizeof(name), "mounts/%s", id);
    lcont__rm_rf_at(store->root_fd, name);
}

/* Remove everything inside @dir_fd (not crossing mount points), keeping the directory. */
static int empty_dir(int dir_fd)
{
    /* A new open file description: a dup would share (and start at) the read offset. */
    _cleanup_close_ int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct dirent *de;
    DIR *d;
    int r = 0;

    if (fd < 0 || !(d = fdopendir(fd)))
        return -errno;
    fd = -1;
    while ((de = readdir(d))) {
        int rr;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        rr = lcont__rm_rf_at(dirfd(d), de->d_name);
        if (rr < 0 && r == 0)
            r = rr;
    }
    closedir(d);
    return r;
}

static int dir_is_empty(int dir_fd)
{
    _cleanup_close_ int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct dirent *de;
    DIR *d;
    int r = 1;

    if (fd < 0 || !(d = fdopendir(fd)))
        return -errno;
    fd = -1;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            r = 0;
            break;
        }
    closedir(d);
    return r;
}

/* Absolute path of an existing directory, with symlinks resolved once, here. */
static int target_path(const char *target, char out[PATH_MAX], lcont_error **reterr)
{
    struct stat st;

    if (!realpath(target, out))
        return lcont__error_setsys(reterr, -errno, "target '%s'", target);
    if (stat(out, &st) < 0 || !S_ISDIR(st.st_mode))
        return lcont__error_set(reterr, -ENOTDIR, "target '%s' is not a directory", target);
    return 0;
}

/* Append to @data (capacity OVERLAY_DATA_MAX) at *@len; false when it does not fit. */
static bool append(char *data, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool append(char *data, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(data + *len, OVERLAY_DATA_MAX - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= OVERLAY_DATA_MAX - *len)
        return false;
    *len += (size_t)n;
    return true;
}

static void close_fds(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/*
 * "lowerdir=<top>:...:<bottom>". Full paths when they fit in one page of mount options;
 * else "/proc/self/fd/<n>" of directories opened here (about 18 bytes a layer instead of
 * ~90), which overlayfs resolves at mount time; the fds are closed after the mount.
 */
static int lowerdir_option(lcont_image_store *store, lcont_image *img, char *data, size_t *len,
                           int *fds, lcont_error **reterr)
{
    bool fits = append(data, len, "lowerdir=");

    for (size_t k = img->n_layers; fits && k-- > 0;) {
        char rel[128];
        lcont__cache_layer_path(store, img->chain_ids[k], rel);
        fits =
            append(data, len, "%s%s/%s/diff", k + 1 == img->n_layers ? "" : ":", store->root, rel);
    }
    if (fits && *len < OVERLAY_DATA_MAX / 2)
        return 0;
    *len = 0;
    fits = append(data, len, "lowerdir=");
    for (size_t k = img->n_layers; fits && k-- > 0;) {
        char rel[128 + 8];
        lcont__cache_layer_path(store, img->chain_ids[k], rel);
        strcat(rel, "/diff");
        fds[k] = openat(store->root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fds[k] < 0)
            return lcont__error_setsys(reterr, -errno, "open cached layer '%s'", rel);
        fits = append(data, len, "%s/proc/self/fd/%d", k + 1 == img->n_layers ? "" : ":", fds[k]);
    }
    /* no error message: the caller tries the new mount API (overlay_fsmount) next */
    return fits ? 0 : -E2BIG;
}

/* What the overlay mount is made of, beyond the image's layers. */
struct overlay_extra {
    const char *empty; /* an empty lower layer at the bottom, or NULL */
    const char *upper, *work;
    bool readonly, userxattr, volatile_upper;
};

/* @r with the kernel's own explanation, which the new mount API queues on @fs. */
static int fs_error(int fs, int r, const char *what, lcont_error **reterr)
{
    char why[256];
    ssize_t n = read(fs, why, sizeof(why) - 1);

    why[n > 0 ? n : 0] = '\0';
    return lcont__error_setsys(reterr, r, "overlayfs: %s%s%s", what, n > 0 ? ": " : "",
                               n > 0 ? why : "");
}

/* fsconfig(SET_STRING, or SET_FLAG when @value is NULL). */
static int fs_set(int fs, const char *key, const char *value, lcont_error **reterr)
{
    char what[PATH_MAX + 32];
    int r = lcont__sys_fsconfig(fs, value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, key, value, 0);

    if (r >= 0)
        return 0;
    snprintf(what, sizeof(what), "%s%s%s", key, value ? "=" : "", value ? value : "");
    return fs_error(fs, r, what, reterr);
}

/*
 * The new mount API (kernel 6.8+): one "lowerdir+" per layer, so no page of options limits
 * the stack (overlayfs itself takes up to 500 layers), and no ',' or ':' rules for paths.
 */
static int overlay_fsmount(lcont_image_store *store, lcont_image *img,
                           const struct overlay_extra *x, const char *target, lcont_error **reterr)
{
    _cleanup_close_ int fs = lcont__sys_fsopen("overlay", FSOPEN_CLOEXEC);
    _cleanup_close_ int mnt = -1;
    int r;

    if (fs < 0)
        return lcont__error_setsys(reterr, fs, "fsopen overlay");
    for (size_t k = img->n_layers; k-- > 0;) {
        char path[PATH_MAX], rel[128];
        lcont__cache_layer_path(store, img->chain_ids[k], rel);
        snprintf(path, sizeof(path), "%s/%s/diff", store->root, rel);
        r = fs_set(fs, "lowerdir+", path, reterr);
        if (r == -EINVAL && k + 1 == img->n_layers)
            return lcont__error_set(reterr, -E2BIG,
                                    "%zu layers under '%s' cannot be given as one overlayfs "
                                    "option string (too long, or a ',' or ':' in a path), and "
                                    "this kernel has no \"lowerdir+\" (6.8+): use "
                                    "LCONT_IMAGE_MOUNT_COPY",
                                    img->n_layers, store->root);
        if (r < 0)
            return r;
    }
    if ((x->empty && (r = fs_set(fs, "lowerdir+", x->empty, reterr)) < 0) ||
        (x->upper && (r = fs_set(fs, "upperdir", x->upper, reterr)) < 0) ||
        (x->work && (r = fs_set(fs, "workdir", x->work, reterr)) < 0) ||
        (x->userxattr && (r = fs_set(fs, "userxattr", NULL, reterr)) < 0) ||
        (x->volatile_upper && (r = fs_set(fs, "volatile", NULL, reterr)) < 0))
        return r;
    r = lcont__sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
    if (r < 0)
        return fs_error(fs, r, "create", reterr);
    mnt = lcont__sys_fsmount(fs, FSMOUNT_CLOEXEC, x->readonly ? MOUNT_ATTR_RDONLY : 0);
    if (mnt < 0)
        return lcont__error_setsys(reterr, mnt, "fsmount overlay");
    r = lcont__sys_move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "mount overlay on '%s'", target);
    return 0;
}

static int make_dir(const char *upper_root, const char *id, const char *sub, char *dir, size_t size,
                    lcont_error **reterr)
{
    snprintf(dir, size, "%s/%s/%s", upper_root, id, sub);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return lcont__error_setsys(reterr, -errno, "create '%s'", dir);
    return 0;
}

static int overlay_mount(lcont_image_store *store, lcont_image *img, const char *id,
                         const char *upper_root, const char *target, bool readonly,
                         bool volatile_upper, lcont_error **reterr)
{
    _cleanup_free_ char *data = malloc(OVERLAY_DATA_MAX);
    _cleanup_free_ int *fds = malloc((img->n_layers ? img->n_layers : 1) * sizeof(int));
    char empty[PATH_MAX], upper[PATH_MAX], work[PATH_MAX];
    struct overlay_extra x = { .readonly = readonly,
                               .userxattr = store->userns,
                               .volatile_upper = volatile_upper && !readonly };
    size_t len = 0;
    bool fits;
    int r;

    if (!data || !fds)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    for (size_t k = 0; k < img->n_layers; k++)
        fds[k] = -1;
    /* overlayfs needs two lower layers without an upper one; an empty one is free. */
    if (img->n_layers == 0 || (readonly && img->n_layers == 1)) {
        if ((r = make_dir(upper_root, id, "empty", empty, sizeof(empty), reterr)) < 0)
            return r;
        x.empty = empty;
    }
    if (!readonly) {
        if ((r = make_dir(upper_root, id, "upper", upper, sizeof(upper), reterr)) < 0 ||
            (r = make_dir(upper_root, id, "work", work, sizeof(work), reterr)) < 0)
            return r;
        x.upper = upper;
        x.work = work;
    }
    /* mount(2) when the options fit in its page (any kernel), else the new API */
    fits = !strpbrk(store->root, ",:") && !strpbrk(upper_root, ",:");
    if (fits) {
        r = lowerdir_option(store, img, data, &len, fds, reterr);
        if (r < 0 && r != -E2BIG)
            goto out;
        fits = r == 0;
    }
    if (fits && x.empty)
        fits = append(data, &len, "%s%s", img->n_layers ? ":" : "", x.empty);
    if (fits && x.upper)
        fits = append(data, &len, ",upperdir=%s,workdir=%s", x.upper, x.work);
    if (fits && x.userxattr)
        fits = append(data, &len, ",userxattr");
    if (fits && x.volatile_upper)
        fits = append(data, &len, ",volatile");
    if (fits) {
        r = lcont__sys_mount("overlay", target, "overlay", readonly ? MS_RDONLY : 0, data);
        if (r < 0)
            lcont__error_setsys(reterr, r, "mount overlay on '%s'", target);
    } else {
        r = overlay_fsmount(store, img, &x, target, reterr);
    }
out:
    close_fds(fds, img->n_layers);
    return r;
}

int lcont_image_mount(lcont_image_store *store, lcont_image *img, const char *target,
                      const lcont_image_mount_opts *opts, uint64_t flags, lcont_error **reterr)
{
    _cleanup_close_ int lock = -1, target_fd = -1;
    _cleanup_free_ char *upper_root = NULL;
    lcont_image_mount_opts o;
    char path[PATH_MAX], id[33], dirname[PATH_MAX], rec[80];
    cJSON *mounts = NULL;
    bool copy = flags & LCONT_IMAGE_MOUNT_COPY;
    int r = lcont__store_check(store);

    if (r < 0)
        return lcont__error_set(reterr, r, "image mount: invalid store handle");
    if (!img || !target || img->store != store)
        return lcont__error_set(reterr, -EINVAL, "image mount: bad image or target");
    if (flags & ~MOUNT_KNOWN_FLAGS)
        return lcont__error_set(reterr, -EINVAL, "image mount: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = lcont__copy_opts(&o, sizeof(o), opts, opts ? opts->struct_size : 0, MOUNT_OPTS_SIZE_V0_2);
    if (r < 0)
        return lcont__error_set(reterr, r, "image mount: bad options struct size");
    if (o.upper_root && o.upper_root[0] != '/')
        return lcont__error_set(reterr, -EINVAL, "image mount: upper_root must be absolute");
    if (asprintf(&upper_root, "%s", o.upper_root ? o.upper_root : "") < 0)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    if (!o.upper_root) {
        free(upper_root);
        if (asprintf(&upper_root, "%s/mounts", store->root) < 0) {
            upper_root = NULL;
            return lcont__error_set(reterr, -ENOMEM, "out of memory");
        }
    }
    r = target_path(target, path, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "image mount");
    target_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (target_fd < 0)
        return lcont__error_setsys(reterr, -errno, "image mount: open '%s'", path);

    /* Shared: GC waits until the mount is recorded, and cannot sweep its layers. */
    lock = lcont__store_lock(store, "lock", LOCK_SH, reterr);
    if (lock < 0)
        return lock;
    r = lcont__mounts_read(store, &mounts, reterr);
    if (r < 0)
        return r;
    if (find_mount(mounts, path)) {
        cJSON_Delete(mounts);
        return lcont__error_set(reterr, -EBUSY,
                                "image mount: '%s' is already a mount of this "
                                "store",
                                path);
    }
    cJSON_Delete(mounts);
    r = dir_is_empty(target_fd);
    if (r <= 0)
        return r < 0 ? lcont__error_setsys(reterr, r, "image mount: read '%s'", path)
                     : lcont__error_set(reterr, -ENOTEMPTY, "image mount: '%s' is not empty", path);
    /* Not root and not in a user namespace: overlayfs (and overlay whiteouts in the cache)
     * are out of reach; go straight to the copy. */
    if (!copy && !store->userns && geteuid() != 0) {
        lcont__log_debug(store->ctx, "image mount: unprivileged, writing a flattened copy");
        copy = true;
    }
    if (!copy) {
        r = lcont__cache_ensure(store, img, reterr);
        if (r < 0)
            return lcont__error_prefix(reterr, r, "image mount");
    }
    if (lcont__store_random_id(id) < 0)
        return lcont__error_set(reterr, -EIO, "image mount: no random bytes");
    snprintf(dirname, sizeof(dirname), "%s/%s", upper_root, id);
    if (mkdir(dirname, 0700) < 0 && errno != EEXIST) {
        /* upper_root is the caller's: create only its last level. */
        return lcont__error_setsys(reterr, -errno, "image mount: create '%s'", dirname);
    }
    /* Where a custom upper_root put this mount's directories, for umount. */
    if (o.upper_root) {
        char link[80];
        snprintf(link, sizeof(link), "mounts/%s.upper", id);
        if (symlinkat(dirname, store->root_fd, link) < 0) {
            r = lcont__error_setsys(reterr, -errno, "image mount: record '%s'", dirname);
            goto fail;
        }
    }
    /* Record first: a crash after the mount leaves a record umount/prune can act on. */
    r = write_record(store, id, path, img, copy ? "copy" : "overlay", reterr);
    if (r < 0)
        goto fail;
    if (!copy) {
        lcont_error *merr = NULL;
        r = overlay_mount(store, img, id, upper_root, path, flags & LCONT_IMAGE_MOUNT_READONLY,
                          flags & LCONT_IMAGE_MOUNT_VOLATILE, &merr);
        /* No overlayfs here, or not allowed to mount it: a flattened copy. */
        if (r == -ENODEV || r == -EPERM) {
            lcont__log_warning(store->ctx,
                               "image mount: overlayfs on '%s' failed (%s); "
                               "writing a flattened copy instead",
                               path, lcont_error_message(merr));
            lcont_error_free(merr);
            copy = true;
            r = write_record(store, id, path, img, "copy", reterr);
        } else if (r < 0 && reterr) {
            lcont_error_free(*reterr);
            *reterr = merr;
        } else {
            lcont_error_free(merr);
        }
    }
    if (r >= 0 && copy) {
        r = lcont__cache_apply_flat(store, img, target_fd, reterr);
        if (r < 0)
            empty_dir(target_fd);
    }
    if (r < 0)
        goto fail;
    return 0;
fail:
    snprintf(rec, sizeof(rec), "mounts/%s.json", id);
    unlinkat(store->root_fd, rec, 0);
    snprintf(rec, sizeof(rec), "mounts/%s.upper", id);
    unlinkat(store->root_fd, rec, 0);
    lcont__rm_rf_at(AT_FDCWD, dirname);
    return lcont__error_prefix(reterr, r, "image mount");
}

int lcont_image_umount(lcont_image_store *store, const char *target, uint64_t flags,
                       lcont_error **reterr)
{
    _cleanup_close_ int lock = -1;
    cJSON *mounts = NULL;
    const cJSON *rec;
    char path[PATH_MAX], id[40], link[80], upper[PATH_MAX];
    const char *type;
    int r = lcont__store_check(store);

    if (r < 0)
        return lcont__error_set(reterr, r, "image umount: invalid store handle");
    if (!target)
        return lcont__error_set(reterr, -EINVAL, "image umount: target must not be NULL");
    if (flags & ~LCONT_IMAGE_UMOUNT_DETACH)
        return lcont__error_set(reterr, -EINVAL, "image umount: unknown flags 0x%llx",
                                (unsigned long long)flags);
    if (!realpath(target, path))
        snprintf(path, sizeof(path), "%s", target);
    /* Shared, like mount: a GC never sees a record half removed. */
    lock = lcont__store_lock(store, "lock", LOCK_SH, reterr);
    if (lock < 0)
        return lock;
    r = lcont__mounts_read(store, &mounts, reterr);
    if (r < 0)
        return r;
    rec = find_mount(mounts, path);
    if (!rec || !rec_str(rec, "id") || strlen(rec_str(rec, "id")) != 32) {
        cJSON_Delete(mounts);
        return lcont__error_set(reterr, -ENOENT,
                                "image umount: '%s' is not a mount of this "
                                "store",
                                path);
    }
    snprintf(id, sizeof(id), "%s", rec_str(rec, "id"));
    type = rec_str(rec, "type");
    if (type && strcmp(type, "copy") == 0) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        r = fd < 0 ? -errno : empty_dir(fd);
        if (r < 0 && r != -ENOENT) {
            cJSON_Delete(mounts);
            return lcont__error_setsys(reterr, r, "image umount: empty '%s'", path);
        }
    } else {
        r = lcont__sys_umount2(path, (flags & LCONT_IMAGE_UMOUNT_DETACH) ? MNT_DETACH : 0);
        /* EINVAL: not mounted any more (a reboot, someone else): just clean up. */
        if (r < 0 && r != -EINVAL && r != -ENOENT) {
            cJSON_Delete(mounts);
            return lcont__error_setsys(reterr, r, "image umount: unmount '%s'", path);
        }
    }
    cJSON_Delete(mounts);
    snprintf(link, sizeof(link), "mounts/%s.upper", id);
    r = readlinkat(store->root_fd, link, upper, sizeof(upper) - 1);
    if (r > 0) {
        upper[r] = '\0';
        lcont__rm_rf_at(AT_FDCWD, upper);
        unlinkat(store->root_fd, link, 0);
    }
    drop_record(store, id);
    return 0;
}

int lcont_image_unpack(lcont_image_store *store, lcont_image *img, const char *dir,
                       const lcont_image_mount_opts *opts, uint64_t flags, lcont_error **reterr)
{
    _cleanup_close_ int lock = -1, fd = -1;
    lcont_image_mount_opts o;
    bool created = false;
    int r = lcont__store_check(store);

    if (r < 0)
        return lcont__error_set(reterr, r, "image unpack: invalid store handle");
    if (!img || !dir || img->store != store)
        return lcont__error_set(reterr, -EINVAL, "image unpack: bad image or directory");
    if (flags)
        return lcont__error_set(reterr, -EINVAL, "image unpack: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = lcont__copy_opts(&o, sizeof(o), opts, opts ? opts->struct_size : 0, MOUNT_OPTS_SIZE_V0_2);
    if (r < 0)
        return lcont__error_set(reterr, r, "image unpack: bad options struct size");
    if (mkdir(dir, 0755) == 0)
        created = true;
    else if (errno != EEXIST)
        return lcont__error_setsys(reterr, -errno, "image unpack: create '%s'", dir);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "image unpack: open '%s'", dir);
    if (!created) {
        r = dir_is_empty(fd);
        if (r <= 0)
            return r < 0 ? lcont__error_setsys(reterr, r, "image unpack: read '%s'", dir)
                         : lcont__error_set(reterr, -ENOTEMPTY, "image unpack: '%s' is not empty",
                                            dir);
    }
    lock = lcont__store_lock(store, "lock", LOCK_SH, reterr);
    if (lock < 0)
        return lock;
    r = lcont__cache_apply_flat(store, img, fd, reterr);
    if (r < 0) {
        /* Nothing partial stays behind. */
        empty_dir(fd);
        if (created)
            rmdir(dir);
        return lcont__error_prefix(reterr, r, "image unpack");
    }
    lcont__store_progress(store, LCONT_IMAGE_PHASE_DONE, 0, 0, img->digest, 0, 0, 0);
    return 0;
}
