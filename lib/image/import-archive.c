/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Extract an image archive (oci-archive, docker-archive) into a private staging directory.
 * Only directories and regular files are created; every name is checked (relative, no
 * "..", no empty or overlong component) and every component is opened with O_NOFOLLOW,
 * so nothing can land outside the staging directory. Symlinks and hardlinks are not
 * created: their names are returned so a reader can say "is a symlink" when a manifest
 * points at one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "image/archive-dl.h"
#include "image/store.h"

#define ARCHIVE_MAX_ENTRIES 100000
#define ARCHIVE_MAX_DEPTH 64

static void archive_freep(struct archive **a)
{
    if (*a)
        sym_archive_read_free(*a);
}

/* "./a//b/" -> "a/b"; -EINVAL for absolute paths, "..", overlong components. */
static int clean_name(const char *in, char *out, size_t out_size)
{
    size_t o = 0, depth = 0;
    const char *p = in;

    if (in[0] == '/')
        return -EINVAL;
    while (*p) {
        const char *e = strchrnul(p, '/');
        size_t len = (size_t)(e - p);
        if (len == 0 || (len == 1 && p[0] == '.')) {
            /* skip */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            return -EINVAL;
        } else {
            if (len > NAME_MAX || o + len + 2 > out_size || ++depth > ARCHIVE_MAX_DEPTH)
                return -EINVAL;
            if (o)
                out[o++] = '/';
            memcpy(out + o, p, len);
            o += len;
        }
        p = *e ? e + 1 : e;
    }
    out[o] = '\0';
    return 0;
}

/* Open (creating as needed) the directory @rel below @dir_fd, never following symlinks. */
static int open_dirs(int dir_fd, const char *rel, size_t len)
{
    _cleanup_close_ int cur = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
    char comp[NAME_MAX + 1];
    size_t i = 0;

    if (cur < 0)
        return -errno;
    while (i < len) {
        size_t j = i;
        int next;
        while (j < len && rel[j] != '/')
            j++;
        memcpy(comp, rel + i, j - i);
        comp[j - i] = '\0';
        if (mkdirat(cur, comp, 0700) < 0 && errno != EEXIST)
            return -errno;
        next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0)
            return -errno;
        close(cur);
        cur = next;
        i = j + 1;
    }
    return TAKE_FD(cur);
}

static int extract_file(struct archive *a, int dir_fd, const char *name, uint64_t *total,
                        uint64_t limit)
{
    const char *slash = strrchr(name, '/');
    _cleanup_close_ int parent = open_dirs(dir_fd, name, slash ? (size_t)(slash - name) : 0);
    _cleanup_close_ int fd = -1;
    const char *base = slash ? slash + 1 : name;

    if (parent < 0)
        return parent;
    /* A later duplicate member replaces an earlier one, as tar does. */
    if (unlinkat(parent, base, 0) < 0 && errno != ENOENT)
        return -errno;
    fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t offset;
        int r = sym_archive_read_data_block(a, &buf, &size, &offset);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r != ARCHIVE_OK)
            return -EBADMSG; /* truncated or corrupt archive */
        *total += size;
        if (*total > limit)
            return -EFBIG;
        /* Sparse members: data blocks come with offsets; holes stay holes. */
        if (pwrite(fd, buf, size, offset) != (ssize_t)size)
            return errno ? -errno : -EIO;
    }
}

int lcont__archive_extract(lcont_image_store *store, const char *path, int dir_fd,
                           char ***ret_symlinks, lcont_error **reterr)
{
    _cleanup_(archive_freep) struct archive *a = NULL;
    _cleanup_strv_ char **links = calloc(1, sizeof(char *));
    struct archive_entry *e;
    uint64_t total = 0, entries = 0;
    char name[PATH_MAX];
    int r;

    r = lcont__archive_load(reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "archive '%s'", path);
    a = sym_archive_read_new();
    if (!a || !links)
        return lcont__error_set(reterr, -ENOMEM, "archive: out of memory");
    sym_archive_read_support_format_tar(a);
    sym_archive_read_support_format_gnutar(a);
    sym_archive_read_support_filter_gzip(a);
    sym_archive_read_support_filter_zstd(a);
    if (sym_archive_read_open_filename(a, path, 1 << 20) != ARCHIVE_OK) {
        int err = sym_archive_errno(a);
        /* libarchive's "not an archive" is EILSEQ; a file that is not a tar is bad input. */
        if (err <= 0 || err == EILSEQ || err == EINVAL)
            err = EINVAL;
        return lcont__error_set(reterr, -err, "archive '%s': %s", path,
                                sym_archive_error_string(a));
    }
    for (;;) {
        const char *pathname;
        mode_t type;
        r = sym_archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            return lcont__error_set(reterr, -EBADMSG, "archive '%s': %s", path,
                                    sym_archive_error_string(a));
        if (++entries > ARCHIVE_MAX_ENTRIES)
            return lcont__error_set(reterr, -EFBIG, "archive '%s': more than %d members", path,
                                    ARCHIVE_MAX_ENTRIES);
        pathname = sym_archive_entry_pathname(e);
        if (!pathname || clean_name(pathname, name, sizeof(name)) < 0)
            return lcont__error_set(reterr, -EINVAL,
                                    "archive '%s': member '%s' leaves the archive or has an "
                                    "invalid name",
                                    path, pathname ? pathname : "");
        if (!name[0])
            continue;
        type = sym_archive_entry_filetype(e);
        if (sym_archive_entry_hardlink(e) || type == AE_IFLNK) {
            if (lcont__strv_push(&links, name) < 0)
                return lcont__error_set(reterr, -ENOMEM, "archive: out of memory");
            continue;
        }
        if (type == AE_IFDIR) {
            int fd = open_dirs(dir_fd, name, strlen(name));
            if (fd < 0)
                return lcont__error_setsys(reterr, fd, "archive '%s': create '%s'", path, name);
            close(fd);
            continue;
        }
        if (type != AE_IFREG)
            continue;
        r = extract_file(a, dir_fd, name, &total, store->opts.max_blob_bytes);
        if (r == -EFBIG)
            return lcont__error_set(reterr, r, "archive '%s': more than %llu bytes", path,
                                    (unsigned long long)store->opts.max_blob_bytes);
        if (r == -EBADMSG)
            return lcont__error_set(reterr, r, "archive '%s': member '%s': %s", path, name,
                                    sym_archive_error_string(a));
        if (r < 0)
            return lcont__error_setsys(reterr, r, "archive '%s': extract '%s'", path, name);
    }
    if (ret_symlinks)
        *ret_symlinks = TAKE_PTR(links);
    return 0;
}
