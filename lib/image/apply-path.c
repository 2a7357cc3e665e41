/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Path handling of the layer extractor: normalising entry names and resolving directories
 * strictly inside the layer root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "image/apply-internal.h"

int lcont__apply_error(struct lcont__apply *ap, lcont_error **reterr, int code, bool sys,
                       const char *fmt, ...)
{
    char msg[512];
    va_list va;

    va_start(va, fmt);
    vsnprintf(msg, sizeof(msg), fmt, va);
    va_end(va);
    /* Hostile names can be huge: keep messages readable. */
    if (sys)
        return lcont__error_setsys(reterr, code, "layer entry '%.256s': %s", ap->entry_name, msg);
    return lcont__error_set(reterr, code, "layer entry '%.256s': %s", ap->entry_name, msg);
}

int lcont__apply_clean_path(struct lcont__apply *ap, const char *raw, const char *what, char **ret,
                            lcont_error **reterr)
{
    _cleanup_free_ char *out = NULL;
    size_t o = 0;

    if (!raw || !raw[0])
        return lcont__apply_error(ap, reterr, -EINVAL, false, "%s is empty", what);
    out = malloc(strlen(raw) + 1);
    if (!out)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    for (const char *p = raw; *p;) {
        const char *end;
        size_t n;

        while (*p == '/')
            p++; /* absolute names are taken relative to the root, as tar does */
        if (!*p)
            break;
        end = strchrnul(p, '/');
        n = (size_t)(end - p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (o == 0)
                return lcont__apply_error(ap, reterr, -EINVAL, false, "%s leaves the root", what);
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else if (!(n == 1 && p[0] == '.')) {
            if (n > NAME_MAX)
                return lcont__apply_error(ap, reterr, -ENAMETOOLONG, false,
                                          "%s has a component longer than NAME_MAX", what);
            if (o)
                out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p = end;
    }
    out[o] = '\0';
    if (o >= PATH_MAX)
        return lcont__apply_error(ap, reterr, -ENAMETOOLONG, false, "%s is longer than PATH_MAX",
                                  what);
    *ret = TAKE_PTR(out);
    return 0;
}

static int open_in_root(int root_fd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_DIRECTORY | O_CLOEXEC),
        /* Symlinks in parents are followed as if root_fd were "/" (an image's lib ->
         * usr/lib must work); nothing resolves outside it, through /proc magic links or
         * into another mount. */
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    int r;

    do
        r = lcont__sys_openat2(root_fd, path[0] ? path : ".", &how, sizeof(how));
    while (r == -EAGAIN || r == -EINTR);
    return r;
}

static void container_root_ids(const struct lcont__apply *ap, uid_t *uid, gid_t *gid)
{
    const struct lcont_layer_apply_opts *o = ap->opts;

    *uid = 0;
    *gid = 0;
    for (size_t i = 0; i < o->n_uid_map; i++)
        if (o->uid_map[i].container_id == 0 && o->uid_map[i].size > 0)
            *uid = o->uid_map[i].host_id;
    for (size_t i = 0; i < o->n_gid_map; i++)
        if (o->gid_map[i].container_id == 0 && o->gid_map[i].size > 0)
            *gid = o->gid_map[i].host_id;
}

/* A directory the layer did not list gets container root's 0755, or, when a lower layer
 * (opts->lower_root_fds) has it, that directory's owner and mode: an overlay upper
 * directory's attributes hide the lower one's, so /tmp must not turn into 0755. Takes
 * @fd (an O_PATH fd of the new directory) and returns it. */
static int implicit_dir_meta(struct lcont__apply *ap, int fd, const char *path, uid_t uid,
                             gid_t gid, lcont_error **reterr)
{
    _cleanup_close_ int owned = fd, dir_fd = -1;
    bool chown_it = ap->opts->n_uid_map || ap->opts->n_gid_map;
    mode_t mode = 0755;
    struct stat st;

    for (size_t i = 0; i < ap->opts->n_lower_root_fds; i++) {
        _cleanup_close_ int lower = open_in_root(ap->opts->lower_root_fds[i], path, O_PATH);
        if (lower >= 0 && fstat(lower, &st) == 0) {
            uid = st.st_uid;
            gid = st.st_gid;
            mode = st.st_mode & 07777;
            chown_it = true;
            break;
        }
    }
    /* O_PATH fds cannot fchown/fchmod: reopen the directory itself (never a symlink). */
    dir_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0)
        return lcont__apply_error(ap, reterr, -errno, true, "open directory '%.256s'", path);
    if (chown_it && fchown(dir_fd, uid, gid) < 0 && !(ap->opts->unprivileged && errno == EPERM))
        return lcont__apply_error(ap, reterr, -errno, true, "chown directory '%.256s'", path);
    /* Always chmod: the mode must not depend on the caller's umask. */
    if (fchmod(dir_fd, mode) < 0)
        return lcont__apply_error(ap, reterr, -errno, true, "chmod directory '%.256s'", path);
    return TAKE_FD(owned);
}

/* Symlinks followed through lower layers for one entry before giving up (as the kernel). */
#define MAX_LOWER_LINKS 40

/* "@a/@b/@c" with "." dropped and ".." applied, clamped at the root (never above it), as a
 * relative path into @out. */
static int join_clean(char *out, size_t size, const char *a, const char *b, const char *c)
{
    const char *parts[3] = { a, b, c };
    size_t len = 0;

    out[0] = '\0';
    for (size_t k = 0; k < 3; k++) {
        for (const char *p = parts[k]; p && *p;) {
            const char *end = strchrnul(p, '/');
            size_t n = (size_t)(end - p);

            if (n == 2 && p[0] == '.' && p[1] == '.') {
                char *up = strrchr(out, '/');
                len = up ? (size_t)(up - out) : 0;
                out[len] = '\0';
            } else if (n > 0 && !(n == 1 && p[0] == '.')) {
                if (len + (len ? 1 : 0) + n + 1 > size)
                    return -ENAMETOOLONG;
                if (len)
                    out[len++] = '/';
                memcpy(out + len, p, n);
                len += n;
                out[len] = '\0';
            }
            p = *end ? end + 1 : end;
        }
    }
    return 0;
}

/*
 * Overlay cache only (opts->lower_root_fds): @dir/@name is missing in this layer. The topmost
 * lower layer that has it decides what it is in the merged rootfs: if a symlink (usrmerge's
 * lib -> usr/lib), the entry belongs where it points, and a real directory made here would
 * hide the symlink. Writes that path (with @rest appended) to @out and returns 1; 0 when it is
 * no symlink; -errno.
 */
static int lower_symlink_redirect(const struct lcont__apply *ap, const char *dir, const char *name,
                                  const char *rest, char *out, size_t size)
{
    for (size_t i = 0; i < ap->opts->n_lower_root_fds; i++) {
        _cleanup_close_ int pfd = open_in_root(ap->opts->lower_root_fds[i], dir, O_PATH);
        char target[PATH_MAX];
        struct stat st;
        ssize_t n;
        int r;

        if (pfd < 0 || fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue; /* not in this lower layer: look further down */
        if (!S_ISLNK(st.st_mode))
            return 0;
        n = readlinkat(pfd, name, target, sizeof(target) - 1);
        if (n < 0)
            return -errno;
        target[n] = '\0';
        r = join_clean(out, size, target[0] == '/' ? "" : dir, target, rest);
        return r < 0 ? r : 1;
    }
    return 0;
}

static int create_dirs_at(struct lcont__apply *ap, int root_fd, const char *path, int links,
                          lcont_error **reterr);

/* @buf's last component @comp is missing in this layer: follow a lower layer's symlink there,
 * if any. 1 with *ret_fd the resolved directory; 0 when it is no symlink (make a directory);
 * -errno. */
static int follow_lower_symlink(struct lcont__apply *ap, int root_fd, char *buf, char *comp,
                                const char *rest, int links, int *ret_fd, lcont_error **reterr)
{
    char redirected[PATH_MAX];
    char *dir_end = comp > buf ? comp - 1 : buf;
    char saved = *dir_end;
    int r;

    if (!ap->opts->n_lower_root_fds)
        return 0;
    if (comp > buf)
        *dir_end = '\0';
    r = lower_symlink_redirect(ap, comp > buf ? buf : "", comp, rest, redirected,
                               sizeof(redirected));
    *dir_end = saved;
    if (r <= 0)
        return r < 0
                   ? lcont__apply_error(ap, reterr, r, false, "follow lower symlink '%.256s'", buf)
                   : 0;
    if (links >= MAX_LOWER_LINKS)
        return lcont__apply_error(ap, reterr, -ELOOP, false,
                                  "too many symlinks in lower layers under '%.256s'", buf);
    *ret_fd = create_dirs_at(ap, root_fd, redirected, links + 1, reterr);
    return *ret_fd < 0 ? *ret_fd : 1;
}

/* Make each missing directory of @path, one component at a time: each mkdirat() works on
 * a name inside a directory already resolved within the root. */
static int create_dirs(struct lcont__apply *ap, int root_fd, const char *path, lcont_error **reterr)
{
    return create_dirs_at(ap, root_fd, path, 0, reterr);
}

static int create_dirs_at(struct lcont__apply *ap, int root_fd, const char *path, int links,
                          lcont_error **reterr)
{
    _cleanup_free_ char *buf = strdup(path);
    _cleanup_close_ int dir_fd = -1;
    char *comp, *slash;
    uid_t uid;
    gid_t gid;

    if (!buf)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    container_root_ids(ap, &uid, &gid);
    dir_fd = open_in_root(root_fd, "", O_PATH);
    if (dir_fd < 0)
        return lcont__apply_error(ap, reterr, dir_fd, true, "open the layer root");
    for (comp = buf;; comp = slash + 1) {
        int fd;

        slash = strchr(comp, '/');
        if (slash)
            *slash = '\0';
        fd = open_in_root(root_fd, buf, O_PATH);
        if (fd == -ENOENT) {
            /* the rest of the path after this component (slash is the separator we cut) */
            int r = follow_lower_symlink(ap, root_fd, buf, comp, slash ? slash + 1 : "", links, &fd,
                                         reterr);
            if (r != 0)
                return r < 0 ? r : fd;
            if (mkdirat(dir_fd, comp, 0755) < 0 && errno != EEXIST)
                return lcont__apply_error(ap, reterr, -errno, true, "create directory '%.256s'",
                                          buf);
            fd = open_in_root(root_fd, buf, O_PATH);
            if (fd >= 0 && (fd = implicit_dir_meta(ap, fd, buf, uid, gid, reterr)) < 0)
                return fd;
        }
        if (fd < 0)
            return lcont__apply_error(ap, reterr, fd, true, "open parent directory '%.256s'", buf);
        close(dir_fd);
        dir_fd = fd;
        if (!slash)
            break;
        *slash = '/';
    }
    return TAKE_FD(dir_fd);
}

int lcont__apply_open_dir(struct lcont__apply *ap, int root_fd, const char *path, bool create,
                          lcont_error **reterr)
{
    int fd = open_in_root(root_fd, path, O_PATH);

    if (fd >= 0)
        return fd;
    if (fd == -ENOENT && create)
        return create_dirs(ap, root_fd, path, reterr);
    if (!create && (fd == -ENOENT || fd == -ENOTDIR))
        return fd;
    if (fd == -ENOTDIR)
        return lcont__apply_error(ap, reterr, fd, false, "a parent of '%.256s' is not a directory",
                                  path);
    if (fd == -EXDEV)
        return lcont__apply_error(ap, reterr, fd, false,
                                  "'%.256s' resolves across a mount point or out of the root",
                                  path);
    return lcont__apply_error(ap, reterr, fd, true, "open directory '%.256s'", path);
}

void lcont__apply_parent_drop(struct lcont__apply *ap)
{
    if (ap->parent_fd >= 0 && ap->parent_fd != ap->root_fd)
        close(ap->parent_fd);
    ap->parent_fd = -1;
}

int lcont__apply_parent(struct lcont__apply *ap, const char *path, bool create,
                        const char **ret_name, lcont_error **reterr)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : 0;
    int fd;

    *ret_name = slash ? slash + 1 : path;
    if (ap->parent_fd >= 0 && strlen(ap->parent_path) == len &&
        memcmp(ap->parent_path, path, len) == 0)
        return ap->parent_fd;
    lcont__apply_parent_drop(ap);
    if (len + 1 > ap->parent_cap) {
        char *p = realloc(ap->parent_path, len + 1);
        if (!p)
            return lcont__error_set(reterr, -ENOMEM, "out of memory");
        ap->parent_path = p;
        ap->parent_cap = len + 1;
    }
    memcpy(ap->parent_path, path, len);
    ap->parent_path[len] = '\0';
    if (len == 0) {
        /* The root itself: no resolution, and never closed by the cache. */
        ap->parent_fd = ap->root_fd;
        return ap->parent_fd;
    }
    fd = lcont__apply_open_dir(ap, ap->root_fd, ap->parent_path, create, reterr);
    if (fd < 0)
        return fd;
    ap->parent_fd = fd;
    return fd;
}

/* ---- the set of paths this layer wrote (FNV-1a, linear probing) ---- */

static size_t hash_path(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ULL;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
    return (size_t)h;
}

static char **set_slot(char **set, size_t cap, const char *s, size_t len)
{
    for (size_t i = hash_path(s, len) & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!set[i] || (strlen(set[i]) == len && memcmp(set[i], s, len) == 0))
            return &set[i];
}

static int set_grow(struct lcont__apply *ap)
{
    size_t cap = ap->set_cap ? ap->set_cap * 2 : 1024;
    char **set = calloc(cap, sizeof(char *));

    if (!set)
        return -ENOMEM;
    for (size_t i = 0; i < ap->set_cap; i++)
        if (ap->set[i])
            *set_slot(set, cap, ap->set[i], strlen(ap->set[i])) = ap->set[i];
    free(ap->set);
    ap->set = set;
    ap->set_cap = cap;
    return 0;
}

/* Add @path and its ancestors; stops at the first ancestor already present (its own
 * ancestors were added with it). */
int lcont__apply_mark(struct lcont__apply *ap, const char *path)
{
    size_t len = strlen(path);

    while (len > 0) {
        char **slot;

        if ((ap->set_len + 1) * 2 > ap->set_cap && set_grow(ap) < 0)
            return -ENOMEM;
        slot = set_slot(ap->set, ap->set_cap, path, len);
        if (*slot)
            return 0;
        *slot = strndup(path, len);
        if (!*slot)
            return -ENOMEM;
        ap->set_len++;
        while (len > 0 && path[len - 1] != '/')
            len--;
        if (len > 0)
            len--;
    }
    return 0;
}

bool lcont__apply_marked(const struct lcont__apply *ap, const char *path)
{
    if (!ap->set_cap)
        return false;
    return *set_slot(ap->set, ap->set_cap, path, strlen(path)) != NULL;
}
