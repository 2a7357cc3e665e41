/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The content-addressed blob store: blobs/sha256/<hex>, written only once verified. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "image/store.h"

#define COPY_BUF (1u << 20)
#define PROGRESS_EVERY (8ull << 20)

/* Unnamed file in blobs/sha256 (no leftovers on a crash), or a named temp as fallback. */
static int open_temp(lcont_image_store *store, char name[64], lcont_error **reterr)
{
    char id[33];
    int fd;

    name[0] = '\0';
    fd = openat(store->blobs_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
    if (fd >= 0)
        return fd;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        return lcont__error_setsys(reterr, -errno, "blob store: create temporary file");
    if (lcont__store_random_id(id) < 0)
        return lcont__error_set(reterr, -EIO, "blob store: no random bytes");
    snprintf(name, 64, ".tmp-%s", id);
    fd = openat(store->blobs_fd, name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "blob store: create temporary file");
    return fd;
}

/* Give the verified temp file its content name. Losing a race to the same blob is fine:
 * blobs are immutable and equal by construction. */
static int commit_temp(lcont_image_store *store, int fd, const char *tmp_name, const char *digest,
                       lcont_error **reterr)
{
    const char *hex = digest + 7;
    char proc[64];

    if (tmp_name[0]) {
        if (renameat(store->blobs_fd, tmp_name, store->blobs_fd, hex) < 0) {
            int r = -errno;
            unlinkat(store->blobs_fd, tmp_name, 0);
            return lcont__error_setsys(reterr, r, "blob store: store %s", digest);
        }
        return 0;
    }
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, store->blobs_fd, hex, AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST)
        return lcont__error_setsys(reterr, -errno, "blob store: store %s", digest);
    return 0;
}

static void drop_temp(lcont_image_store *store, const char *tmp_name)
{
    if (tmp_name[0])
        unlinkat(store->blobs_fd, tmp_name, 0);
}

bool lcont__blob_exists(lcont_image_store *store, const char *digest)
{
    struct stat st;

    if (!lcont__digest_valid(digest))
        return false;
    return fstatat(store->blobs_fd, digest + 7, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISREG(st.st_mode);
}

int lcont__blob_put_fd(lcont_image_store *store, int fd, bool adopt, const char *expect_digest,
                       uint64_t expect_size, const char *what,
                       char ret_digest[LCONT_DIGEST_STR_LEN], uint64_t *ret_size,
                       lcont_error **reterr)
{
    _cleanup_sha256_ struct lcont_sha256 *h = NULL;
    _cleanup_free_ char *buf = NULL;
    _cleanup_close_ int out = -1;
    char tmp_name[64] = "", got[LCONT_DIGEST_STR_LEN];
    uint64_t total = 0, next_report = PROGRESS_EVERY;
    uint64_t limit = expect_size != UINT64_MAX ? expect_size : store->opts.max_blob_bytes;
    int r;

    if (expect_digest) {
        r = lcont__digest_check(expect_digest, what, reterr);
        if (r < 0)
            return r;
        /* Already stored (verified when it was written): nothing to copy. */
        if (lcont__blob_exists(store, expect_digest)) {
            struct stat st;
            if (fstatat(store->blobs_fd, expect_digest + 7, &st, 0) == 0 &&
                (expect_size == UINT64_MAX || (uint64_t)st.st_size == expect_size)) {
                if (ret_digest)
                    memcpy(ret_digest, expect_digest, LCONT_DIGEST_STR_LEN);
                if (ret_size)
                    *ret_size = (uint64_t)st.st_size;
                return 0;
            }
        }
    }
    r = lcont__sha256_new(&h);
    if (r < 0)
        return lcont__error_set(reterr, r, "%s: out of memory", what);
    buf = malloc(COPY_BUF);
    if (!buf)
        return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
    if (!adopt) {
        out = open_temp(store, tmp_name, reterr);
        if (out < 0)
            return out;
    }
    for (;;) {
        ssize_t n = read(fd, buf, COPY_BUF);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = lcont__error_setsys(reterr, -errno, "%s: read", what);
            goto fail;
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
        if (total > limit) {
            if (expect_size != UINT64_MAX)
                r = lcont__error_set(reterr, -EINVAL,
                                     "%s: size mismatch: more than the %llu bytes the "
                                     "descriptor says",
                                     what, (unsigned long long)expect_size);
            else
                r = lcont__error_set(reterr, -EFBIG, "%s: larger than the limit of %llu bytes",
                                     what, (unsigned long long)limit);
            goto fail;
        }
        lcont__sha256_update(h, buf, (size_t)n);
        if (!adopt) {
            r = lcont__write_all(out, buf, (size_t)n);
            if (r < 0) {
                lcont__error_setsys(reterr, r, "%s: write to the blob store", what);
                goto fail;
            }
        }
        if (total >= next_report) {
            next_report += PROGRESS_EVERY;
            lcont__store_progress(store, LCONT_IMAGE_PHASE_COPY, store->cur_index, store->cur_count,
                                  expect_digest, total, expect_size != UINT64_MAX ? expect_size : 0,
                                  0);
        }
    }
    if (expect_size != UINT64_MAX && total != expect_size) {
        r = lcont__error_set(reterr, -EINVAL, "%s: size mismatch: %llu bytes, descriptor says %llu",
                             what, (unsigned long long)total, (unsigned long long)expect_size);
        goto fail;
    }
    lcont__sha256_final(h, got);
    if (expect_digest && strcmp(got, expect_digest) != 0) {
        r = lcont__error_set(reterr, -EINVAL, "%s: digest mismatch: content is %s, expected %s",
                             what, got, expect_digest);
        goto fail;
    }
    /* Adopting: the verified file (in our staging directory, on the same filesystem) gets a
     * second name in the store instead of being copied. */
    r = commit_temp(store, adopt ? fd : out, tmp_name, got, reterr);
    if (r < 0)
        return r;
    if (ret_digest)
        memcpy(ret_digest, got, LCONT_DIGEST_STR_LEN);
    if (ret_size)
        *ret_size = total;
    return 0;
fail:
    drop_temp(store, tmp_name);
    return r;
}

int lcont__blob_put_buf(lcont_image_store *store, const void *buf, size_t len,
                        char ret_digest[LCONT_DIGEST_STR_LEN], lcont_error **reterr)
{
    _cleanup_close_ int out = -1;
    char tmp_name[64], digest[LCONT_DIGEST_STR_LEN];
    int r;

    r = lcont__sha256_buf(buf, len, digest, reterr);
    if (r < 0)
        return r;
    if (!lcont__blob_exists(store, digest)) {
        out = open_temp(store, tmp_name, reterr);
        if (out < 0)
            return out;
        r = lcont__write_all(out, buf, len);
        if (r < 0) {
            drop_temp(store, tmp_name);
            return lcont__error_setsys(reterr, r, "blob store: write %s", digest);
        }
        r = commit_temp(store, out, tmp_name, digest, reterr);
        if (r < 0)
            return r;
    }
    memcpy(ret_digest, digest, LCONT_DIGEST_STR_LEN);
    return 0;
}

int lcont__blob_open(lcont_image_store *store, const char *digest, lcont_error **reterr)
{
    int fd, r;

    r = lcont__digest_check(digest, "blob", reterr);
    if (r < 0)
        return r;
    fd = openat(store->blobs_fd, digest + 7, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT)
            return lcont__error_set(reterr, -ENOENT, "blob %s is not in the store", digest);
        return lcont__error_setsys(reterr, -errno, "blob store: open %s", digest);
    }
    return fd;
}

int lcont__blob_read(lcont_image_store *store, const char *digest, char **ret, size_t *ret_len,
                     lcont_error **reterr)
{
    int r = lcont__digest_check(digest, "blob", reterr);

    if (r < 0)
        return r;
    r = lcont__read_file_at(store->blobs_fd, digest + 7, STORE_MAX_JSON_BYTES, ret, ret_len);
    if (r == -ENOENT)
        return lcont__error_set(reterr, r, "blob %s is not in the store", digest);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "blob store: read %s", digest);
    return 0;
}

int lcont__store_read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
    return lcont__read_fd(fd, max, ret, ret_len);
}
