/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context-internal.h"
#include "core/util.h"
#include "image/store.h"

/* The 0.2 layout of lcont_image_store_opts: the smallest struct_size accepted. */
#define STORE_OPTS_SIZE_V0_2 sizeof(lcont_image_store_opts)

int lcont_image_store_opts_init(lcont_image_store_opts *opts, size_t size)
{
    if (!opts || size < STORE_OPTS_SIZE_V0_2)
        return -EINVAL;
    memset(opts, 0, size);
    opts->struct_size = size;
    return 0;
}

int lcont__store_check(const lcont_image_store *store)
{
    if (!store)
        return -EINVAL;
    return store->owner_pid == getpid() ? 0 : -ECHILD;
}

/* Whether we run in the initial user namespace (full identity uid_map). */
static bool in_initial_userns(void)
{
    _cleanup_free_ char *map = NULL;
    unsigned long a, b, c;

    if (lcont__read_file_at(AT_FDCWD, "/proc/self/uid_map", 4096, &map, NULL) < 0)
        return true;
    if (sscanf(map, "%lu %lu %lu", &a, &b, &c) != 3)
        return true;
    return a == 0 && b == 0 && c == 4294967295UL;
}

static int open_subdir(int dirfd, const char *name, lcont_error **reterr)
{
    int fd;

    if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
        return lcont__error_setsys(reterr, -errno, "image store: create '%s'", name);
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "image store: open '%s'", name);
    return fd;
}

int lcont_image_store_open(lcont_context *ctx, const lcont_image_store_opts *opts, uint64_t flags,
                           lcont_image_store **ret, lcont_error **reterr)
{
    _cleanup_free_ lcont_image_store *s = NULL;
    _cleanup_free_ char *root = NULL;
    _cleanup_close_ int root_fd = -1, blobs_fd = -1;
    lcont_image_store_opts o;
    const char *dirs[] = { "blobs", "layers", "mounts", "tmp" };
    int r;

    if (!ctx || !ret)
        return lcont__error_set(reterr, -EINVAL, "image store: ctx and ret must not be NULL");
    if (lcont__context_check_owner(ctx) < 0)
        return lcont__error_set(reterr, -ECHILD, "image store: context used after fork");
    if (flags)
        return lcont__error_set(reterr, -EINVAL, "image store: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = lcont__copy_opts(&o, sizeof(o), opts, opts ? opts->struct_size : 0, STORE_OPTS_SIZE_V0_2);
    if (r < 0)
        return lcont__error_set(reterr, r, "image store: bad options struct size");
    if (o.root && o.root[0] != '/')
        return lcont__error_set(reterr, -EINVAL, "image store: root '%s' is not absolute", o.root);
    root = strdup(o.root ? o.root : lcont_context_get_store_root(ctx));
    if (!root)
        return lcont__error_set(reterr, -ENOMEM, "image store: out of memory");
    for (size_t n = strlen(root); n > 1 && root[n - 1] == '/'; n--)
        root[n - 1] = '\0';
    o.root = NULL; /* borrowed from the caller: never kept */
    if (o.max_index_depth == 0)
        o.max_index_depth = STORE_DEFAULT_MAX_INDEX_DEPTH;
    if (o.max_blob_bytes == 0)
        o.max_blob_bytes = STORE_DEFAULT_MAX_BLOB_BYTES;

    r = lcont__mkdir_p(root, 0700);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "image store: create '%s'", root);
    root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0)
        return lcont__error_setsys(reterr, -errno, "image store: open '%s'", root);
    for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
        int fd = open_subdir(root_fd, dirs[i], reterr);
        if (fd < 0)
            return lcont__error_prefix(reterr, fd, "'%s'", root);
        close(fd);
    }
    {
        _cleanup_close_ int b = openat(root_fd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (b < 0)
            return lcont__error_setsys(reterr, -errno, "image store: open blobs");
        blobs_fd = open_subdir(b, "sha256", reterr);
        if (blobs_fd < 0)
            return blobs_fd;
    }

    s = calloc(1, sizeof(*s));
    if (!s)
        return lcont__error_set(reterr, -ENOMEM, "image store: out of memory");
    s->refs = 1;
    s->owner_pid = getpid();
    s->ctx = lcont_context_ref(ctx);
    s->root = TAKE_PTR(root);
    s->root_fd = TAKE_FD(root_fd);
    s->blobs_fd = TAKE_FD(blobs_fd);
    s->userns = !in_initial_userns();
    s->opts = o;
    s->opts.struct_size = sizeof(s->opts);
    *ret = TAKE_PTR(s);
    return 0;
}

lcont_image_store *lcont_image_store_ref(lcont_image_store *store)
{
    if (store)
        store->refs++;
    return store;
}

lcont_image_store *lcont_image_store_unref(lcont_image_store *store)
{
    if (!store || --store->refs > 0)
        return NULL;
    if (store->progress_destroy)
        store->progress_destroy(store->progress_userdata);
    if (store->root_fd >= 0)
        close(store->root_fd);
    if (store->blobs_fd >= 0)
        close(store->blobs_fd);
    lcont_context_unref(store->ctx);
    free(store->root);
    free(store);
    return NULL;
}

const char *lcont_image_store_get_root(const lcont_image_store *store)
{
    return store ? store->root : NULL;
}

int lcont_image_store_set_progress_fn(lcont_image_store *store, lcont_image_progress_fn fn,
                                      void *userdata, lcont_destroy_fn destroy)
{
    int r = lcont__store_check(store);

    if (r < 0)
        return r;
    if (store->progress_destroy)
        store->progress_destroy(store->progress_userdata);
    store->progress = fn;
    store->progress_userdata = userdata;
    store->progress_destroy = destroy;
    return 0;
}

void lcont__store_progress(lcont_image_store *store, int phase, uint32_t index, uint32_t count,
                           const char *digest, uint64_t done, uint64_t total, uint64_t entries)
{
    lcont_image_progress p = {
        .struct_size = sizeof(p),
        .phase = phase,
        .index = index,
        .count = count,
        .digest = digest ? digest : "",
        .bytes_done = done,
        .bytes_total = total,
        .entries = entries,
    };

    if (store->progress)
        store->progress(&p, store->progress_userdata);
}

int lcont__store_lock(lcont_image_store *store, const char *name, int how, lcont_error **reterr)
{
    _cleanup_close_ int fd =
        openat(store->root_fd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "image store: open lock '%s'", name);
    while (flock(fd, how) < 0)
        if (errno != EINTR)
            return lcont__error_setsys(reterr, -errno, "image store: lock '%s'", name);
    return TAKE_FD(fd);
}

int lcont__store_random_id(char out[33])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];

    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
        return -EIO;
    for (size_t i = 0; i < sizeof(b); i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[32] = '\0';
    return 0;
}

int lcont__store_mktemp_dir(lcont_image_store *store, char ret_name[64], lcont_error **reterr)
{
    char id[33];
    int fd;

    if (lcont__store_random_id(id) < 0)
        return lcont__error_set(reterr, -EIO, "image store: no random bytes");
    snprintf(ret_name, 64, "tmp/%s", id);
    if (mkdirat(store->root_fd, ret_name, 0700) < 0)
        return lcont__error_setsys(reterr, -errno, "image store: create '%s'", ret_name);
    fd = openat(store->root_fd, ret_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "image store: open '%s'", ret_name);
    return fd;
}
