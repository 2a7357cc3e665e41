/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error-internal.h"

void lcont__closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

void lcont__strv_freep(char ***strv)
{
    lcont__strv_free(*strv);
}

size_t lcont__strv_length(char *const *strv)
{
    size_t n = 0;
    while (strv && strv[n])
        n++;
    return n;
}

void lcont__strv_free(char **strv)
{
    if (!strv)
        return;
    for (char **s = strv; *s; s++)
        free(*s);
    free(strv);
}

char **lcont__strv_copy(char *const *strv)
{
    size_t n = lcont__strv_length(strv);
    char **out = calloc(n + 1, sizeof(char *));
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        out[i] = strdup(strv[i]);
        if (!out[i]) {
            lcont__strv_free(out);
            return NULL;
        }
    }
    return out;
}

int lcont__strv_push(char ***strv, const char *s)
{
    size_t n = lcont__strv_length(*strv);
    char *copy = strdup(s);
    char **grown;

    if (!copy)
        return -ENOMEM;
    grown = realloc(*strv, (n + 2) * sizeof(char *));
    if (!grown) {
        free(copy);
        return -ENOMEM;
    }
    grown[n] = copy;
    grown[n + 1] = NULL;
    *strv = grown;
    return 0;
}

bool lcont__streq_ptr(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

bool lcont__str_startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int lcont__copy_opts(void *dst, size_t dst_size, const void *src, size_t user_size, size_t min_size)
{
    memset(dst, 0, dst_size);
    if (!src)
        return 0;
    if (user_size < min_size)
        return -EINVAL;
    if (user_size > dst_size) {
        const unsigned char *extra = (const unsigned char *)src + dst_size;
        for (size_t i = 0; i < user_size - dst_size; i++)
            if (extra[i])
                return -E2BIG;
        user_size = dst_size;
    }
    memcpy(dst, src, user_size);
    return 0;
}

int lcont__read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int lcont__write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int lcont__read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
    _cleanup_free_ char *buf = NULL;
    size_t len = 0, cap = 0;

    for (;;) {
        ssize_t n;
        if (len + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            char *nbuf;
            if (cap > max + 1)
                return -EFBIG;
            nbuf = realloc(buf, ncap);
            if (!nbuf)
                return -ENOMEM;
            buf = nbuf;
            cap = ncap;
        }
        n = read(fd, buf + len, cap - len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max)
            return -EFBIG;
    }
    buf[len] = '\0';
    *ret = TAKE_PTR(buf);
    if (ret_len)
        *ret_len = len;
    return 0;
}

int lcont__read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0)
        return -errno;
    return lcont__read_fd(fd, max, ret, ret_len);
}

int lcont__write_file_atomic_at(int dirfd, const char *name, const void *buf, size_t len,
                                mode_t mode, bool durable)
{
    char tmp[4096];
    _cleanup_close_ int fd = -1;
    int r;

    r = snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int)getpid());
    if (r < 0 || (size_t)r >= sizeof(tmp))
        return -ENAMETOOLONG;
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -errno;
    r = lcont__write_all(fd, buf, len);
    if (r == 0 && durable && fsync(fd) < 0)
        r = -errno;
    if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
        r = -errno;
    if (r < 0)
        unlinkat(dirfd, tmp, 0);
    return r;
}

int lcont__write_string_at(int dirfd, const char *path, const char *s)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    size_t len = strlen(s);
    ssize_t n;

    if (fd < 0)
        return -errno;
    n = write(fd, s, len);
    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EIO;
}

int lcont__mkdir_p(const char *path, mode_t mode)
{
    char buf[4096];
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return -errno;
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    return 0;
}

static int rm_rf_children(int dfd, dev_t dev)
{
    DIR *d = fdopendir(dfd);
    struct dirent *de;
    int r = 0;

    if (!d) {
        close(dfd);
        return -errno;
    }
    while ((de = readdir(d))) {
        struct stat st;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT && r == 0)
                r = -errno;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            int sub;
            if (st.st_dev != dev) /* a mount point: never cross it */
                continue;
            sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            if (sub < 0) {
                if (r == 0)
                    r = -errno;
                continue;
            }
            int rr = rm_rf_children(sub, dev);
            if (rr < 0 && r == 0)
                r = rr;
            if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
                r = -errno;
        } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT && r == 0) {
            r = -errno;
        }
    }
    closedir(d);
    return r;
}

int lcont__rm_rf_at(int dirfd, const char *name)
{
    struct stat st;
    int fd, r;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    r = rm_rf_children(fd, st.st_dev);
    if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
        r = -errno;
    return r;
}
