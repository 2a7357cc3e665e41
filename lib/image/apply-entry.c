/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One tar entry onto the layer root: every operation works on a name inside a directory fd
 * resolved within the root, and never follows a symlink in that last component. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "image/apply-internal.h"
#include "image/archive-dl.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

struct meta {
    uid_t uid;
    gid_t gid;
    mode_t mode; /* permission bits incl. setuid/setgid/sticky */
    struct timespec times[2];
};

bool lcont__apply_map_id(const struct lcont_layer_idmap *map, size_t n, int64_t id, uint32_t *ret)
{
    if (id < 0 || id > UINT32_MAX)
        return false;
    if (n == 0) {
        *ret = (uint32_t)id;
        return true;
    }
    for (size_t i = 0; i < n; i++)
        if (id >= map[i].container_id && id - map[i].container_id < map[i].size) {
            *ret = map[i].host_id + (uint32_t)(id - map[i].container_id);
            return true;
        }
    return false;
}

static int entry_meta(struct lcont__apply *ap, struct archive_entry *e, struct meta *m,
                      lcont_error **reterr)
{
    const struct lcont_layer_apply_opts *o = ap->opts;
    uint32_t id;

    if (!lcont__apply_map_id(o->uid_map, o->n_uid_map, sym_archive_entry_uid(e), &id))
        return lcont__apply_error(ap, reterr, -EINVAL, false, "uid %lld is not mapped",
                                  (long long)sym_archive_entry_uid(e));
    m->uid = id;
    if (!lcont__apply_map_id(o->gid_map, o->n_gid_map, sym_archive_entry_gid(e), &id))
        return lcont__apply_error(ap, reterr, -EINVAL, false, "gid %lld is not mapped",
                                  (long long)sym_archive_entry_gid(e));
    m->gid = id;
    m->mode = sym_archive_entry_perm(e) & 07777;
    m->times[1].tv_sec = sym_archive_entry_mtime(e);
    m->times[1].tv_nsec = sym_archive_entry_mtime_nsec(e);
    if (m->times[1].tv_nsec < 0 || m->times[1].tv_nsec >= 1000000000)
        m->times[1].tv_nsec = 0;
    /* Without an atime use the mtime: the result stays a function of the layer alone. */
    m->times[0] = m->times[1];
    if (sym_archive_entry_atime_is_set(e)) {
        m->times[0].tv_sec = sym_archive_entry_atime(e);
        m->times[0].tv_nsec = sym_archive_entry_atime_nsec(e);
        if (m->times[0].tv_nsec < 0 || m->times[0].tv_nsec >= 1000000000)
            m->times[0].tv_nsec = 0;
    }
    return 0;
}

/* A chown that fails for lack of privilege is expected in a user namespace. */
static bool chown_failure_ok(const struct lcont__apply *ap, int err)
{
    return ap->opts->unprivileged && (err == EPERM || err == EINVAL);
}

/* What an image may set: user.* (minus the overlayfs controls) and file capabilities.
 * trusted.* and security.selinux belong to the host (overlayfs, the LSM). */
static bool xattr_allowed(const char *name)
{
    if (strncmp(name, "user.", 5) == 0)
        return strncmp(name, "user.overlay.", 13) != 0;
    return strcmp(name, "security.capability") == 0;
}

static int set_xattrs(struct lcont__apply *ap, struct archive_entry *e, int fd,
                      lcont_error **reterr)
{
    const char *name;
    const void *value;
    size_t size;

    sym_archive_entry_xattr_reset(e);
    while (sym_archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
        if (!name || !xattr_allowed(name)) {
            ap->skipped_xattrs++;
            continue;
        }
        if (fsetxattr(fd, name, value, size, 0) < 0) {
            if (errno == EOPNOTSUPP || (ap->opts->unprivileged && errno == EPERM)) {
                ap->skipped_xattrs++;
                continue;
            }
            return lcont__apply_error(ap, reterr, -errno, true, "set xattr %.64s", name);
        }
    }
    return 0;
}

/* Owner, then mode (chown clears setuid/setgid), then xattrs (chown also drops
 * security.capability), then times, all on the open fd. */
static int finish_fd(struct lcont__apply *ap, struct archive_entry *e, int fd, const struct meta *m,
                     bool set_mode, lcont_error **reterr)
{
    int r;

    if (fchown(fd, m->uid, m->gid) < 0 && !chown_failure_ok(ap, errno))
        return lcont__apply_error(ap, reterr, -errno, true, "chown");
    if (set_mode && fchmod(fd, m->mode) < 0)
        return lcont__apply_error(ap, reterr, -errno, true, "chmod");
    if (sym_archive_entry_xattr_count(e) > 0 && (r = set_xattrs(ap, e, fd, reterr)) < 0)
        return r;
    if (sym_archive_entry_acl_types(e) &&
        (r = lcont__apply_acls(ap, e, fd, sym_archive_entry_filetype(e) == AE_IFDIR, reterr)) < 0)
        return r;
    if (set_mode && futimens(fd, m->times) < 0)
        return lcont__apply_error(ap, reterr, -errno, true, "set times");
    return 0;
}

/* Clear the way for a new entry of another kind: tar and umoci replace what is there. */
static int remove_existing(struct lcont__apply *ap, int dir_fd, const char *name,
                           lcont_error **reterr)
{
    int r = lcont__rm_rf_at(dir_fd, name);

    if (r < 0)
        return lcont__apply_error(ap, reterr, r, true, "remove the existing entry");
    return 0;
}

static int write_all_at(int fd, const void *buf, size_t len, int64_t off)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

static int archive_failure(struct lcont__apply *ap, lcont_error **reterr, const char *what)
{
    if (ap->read_error) {
        int code = lcont_error_code(ap->read_error);
        if (reterr) {
            lcont_error_free(*reterr);
            *reterr = TAKE_PTR(ap->read_error);
        }
        return code;
    }
    return lcont__apply_error(ap, reterr, -EINVAL, false, "%s: %s", what,
                              sym_archive_error_string(ap->archive) ?: "tar stream error");
}

static int apply_file(struct lcont__apply *ap, struct archive_entry *e, const char *path,
                      const struct meta *m, lcont_error **reterr)
{
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    _cleanup_close_ int fd = -1;
    int64_t size = sym_archive_entry_size(e), end = 0;
    const char *name;
    int dir_fd, r;

    /* The declared size counts against the limit too: a sparse entry claiming terabytes
     * costs no stream bytes but would still be a bomb for whoever copies the tree. */
    if (size < 0 || (uint64_t)size > ap->limits.max_uncompressed_bytes - ap->file_bytes)
        return lcont__apply_error(
            ap, reterr, -EFBIG, false, "size %lld exceeds the layer size limit (%llu bytes)",
            (long long)size, (unsigned long long)ap->limits.max_uncompressed_bytes);
    ap->file_bytes += (uint64_t)size;
    dir_fd = lcont__apply_parent(ap, path, true, &name, reterr);
    if (dir_fd < 0)
        return dir_fd;
    fd = openat(dir_fd, name, flags, 0600);
    if (fd < 0 && errno == EEXIST) {
        /* A new inode, never a write into the old one: it may be a hardlink of another. */
        if ((r = remove_existing(ap, dir_fd, name, reterr)) < 0)
            return r;
        fd = openat(dir_fd, name, flags, 0600);
    }
    if (fd < 0)
        return lcont__apply_error(ap, reterr, -errno, true, "create file");
    for (;;) {
        const void *buf;
        size_t len;
        la_int64_t off;

        r = sym_archive_read_data_block(ap->archive, &buf, &len, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            return archive_failure(ap, reterr, "read file data");
        if (off < 0 || off > size || (int64_t)len > size - off)
            return lcont__apply_error(ap, reterr, -EINVAL, false, "data beyond the declared size");
        if (len > 0 && (r = write_all_at(fd, buf, len, off)) < 0)
            return lcont__apply_error(ap, reterr, r, true, "write");
        end = off + (int64_t)len;
    }
    /* Sparse files (and holes at the end) get their full length. */
    if (end < size && ftruncate(fd, (off_t)size) < 0)
        return lcont__apply_error(ap, reterr, -errno, true, "extend to %lld bytes",
                                  (long long)size);
    return finish_fd(ap, e, fd, m, true, reterr);
}

static int defer_dir(struct lcont__apply *ap, const char *path, const struct meta *m)
{
    struct lcont__apply_dir *d;

    if (ap->n_dirs == ap->cap_dirs) {
        size_t cap = ap->cap_dirs ? ap->cap_dirs * 2 : 64;
        d = realloc(ap->dirs, cap * sizeof(*d));
        if (!d)
            return -ENOMEM;
        ap->dirs = d;
        ap->cap_dirs = cap;
    }
    d = &ap->dirs[ap->n_dirs];
    d->path = strdup(path);
    if (!d->path)
        return -ENOMEM;
    d->mode = m->mode;
    d->times[0] = m->times[0];
    d->times[1] = m->times[1];
    ap->n_dirs++;
    return 0;
}

static int apply_dir(struct lcont__apply *ap, struct archive_entry *e, const char *path,
                     const struct meta *m, lcont_error **reterr)
{
    _cleanup_close_ int fd = -1;
    struct stat st;
    const char *name;
    int dir_fd, r;

    if (!path[0]) {
        /* The root entry ("./"): its metadata applies to the root, which stays a dir. */
        fd = openat(ap->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return lcont__apply_error(ap, reterr, -errno, true, "open the layer root");
    } else {
        dir_fd = lcont__apply_parent(ap, path, true, &name, reterr);
        if (dir_fd < 0)
            return dir_fd;
        /* Owner-writable until the deferred pass sets the real mode. */
        if (mkdirat(dir_fd, name, 0700) < 0) {
            if (errno != EEXIST)
                return lcont__apply_error(ap, reterr, -errno, true, "create directory");
            if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return lcont__apply_error(ap, reterr, -errno, true, "stat");
            if (!S_ISDIR(st.st_mode)) {
                if ((r = remove_existing(ap, dir_fd, name, reterr)) < 0)
                    return r;
                if (mkdirat(dir_fd, name, 0700) < 0)
                    return lcont__apply_error(ap, reterr, -errno, true, "create directory");
            }
        }
        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return lcont__apply_error(ap, reterr, -errno, true, "open directory");
    }
    if ((r = finish_fd(ap, e, fd, m, false, reterr)) < 0)
        return r;
    if (defer_dir(ap, path, m) < 0)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    return 0;
}

static int apply_symlink(struct lcont__apply *ap, struct archive_entry *e, const char *path,
                         const struct meta *m, lcont_error **reterr)
{
    const char *target = sym_archive_entry_symlink(e) ?: sym_archive_entry_symlink_utf8(e);
    const char *name;
    int dir_fd, r;

    /* The target is stored verbatim: it is only ever resolved inside the root. */
    if (!target || !target[0])
        return lcont__apply_error(ap, reterr, -EINVAL, false, "symlink with an empty target");
    dir_fd = lcont__apply_parent(ap, path, true, &name, reterr);
    if (dir_fd < 0)
        return dir_fd;
    if (symlinkat(target, dir_fd, name) < 0) {
        if (errno != EEXIST)
            return lcont__apply_error(ap, reterr, -errno, true, "create symlink");
        if ((r = remove_existing(ap, dir_fd, name, reterr)) < 0)
            return r;
        if (symlinkat(target, dir_fd, name) < 0)
            return lcont__apply_error(ap, reterr, -errno, true, "create symlink");
    }
    if (fchownat(dir_fd, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0 &&
        !chown_failure_ok(ap, errno))
        return lcont__apply_error(ap, reterr, -errno, true, "chown symlink");
    if (utimensat(dir_fd, name, m->times, AT_SYMLINK_NOFOLLOW) < 0)
        return lcont__apply_error(ap, reterr, -errno, true, "set symlink times");
    return 0;
}

static int apply_node(struct lcont__apply *ap, struct archive_entry *e, const char *path,
                      const struct meta *m, mode_t type, lcont_error **reterr)
{
    dev_t dev = type == S_IFIFO
                    ? 0
                    : makedev(sym_archive_entry_rdevmajor(e), sym_archive_entry_rdevminor(e));
    const char *name;
    int dir_fd, r;

    if (type != S_IFIFO && ap->opts->unprivileged) {
        ap->skipped_devices++;
        return 0;
    }
    dir_fd = lcont__apply_parent(ap, path, true, &name, reterr);
    if (dir_fd < 0)
        return dir_fd;
    if (mknodat(dir_fd, name, type | 0600, dev) < 0) {
        if (errno != EEXIST)
            return lcont__apply_error(ap, reterr, -errno, true, "mknod");
        if ((r = remove_existing(ap, dir_fd, name, reterr)) < 0)
            return r;
        if (mknodat(dir_fd, name, type | 0600, dev) < 0)
            return lcont__apply_error(ap, reterr, -errno, true, "mknod");
    }
    if (fchownat(dir_fd, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0 &&
        !chown_failure_ok(ap, errno))
        return lcont__apply_error(ap, reterr, -errno, true, "chown");
    if (fchmodat(dir_fd, name, m->mode, AT_SYMLINK_NOFOLLOW) < 0)
        return lcont__apply_error(ap, reterr, -errno, true, "chmod");
    if (utimensat(dir_fd, name, m->times, AT_SYMLINK_NOFOLLOW) < 0)
        return lcont__apply_error(ap, reterr, -errno, true, "set times");
    return 0;
}

/* linkat() from the first root that has @target; same inode means already linked. */
static int link_from(struct lcont__apply *ap, int root_fd, const char *target, int dir_fd,
                     const char *name, lcont_error **reterr)
{
    const char *slash = strrchr(target, '/');
    const char *tname = slash ? slash + 1 : target;
    _cleanup_free_ char *tdir = strndup(target, slash ? (size_t)(slash - target) : 0);
    _cleanup_close_ int tdir_fd = -1;
    struct stat a, b;
    int r;

    if (!tdir)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    tdir_fd = lcont__apply_open_dir(ap, root_fd, tdir, false, reterr);
    if (tdir_fd < 0)
        return tdir_fd == -ENOTDIR ? -ENOENT : tdir_fd;
    /* Flags 0: a symlink target is linked itself, never followed. */
    if (linkat(tdir_fd, tname, dir_fd, name, 0) == 0)
        return 0;
    if (errno != EEXIST)
        return -errno;
    if (fstatat(tdir_fd, tname, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
        fstatat(dir_fd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
        return 0;
    if ((r = remove_existing(ap, dir_fd, name, reterr)) < 0)
        return r;
    return linkat(tdir_fd, tname, dir_fd, name, 0) < 0 ? -errno : 0;
}

/*
 * Overlay cache: whether the layer in @layer_fd hides @target from the layers below it, i.e.
 * in the merged rootfs the target does not exist: it is absent here under an opaque
 * directory, or it or one of its parents is a whiteout (a 0:0 character device), or a parent
 * is a file. A target present here is not hidden (it is linked from this layer).
 */
static bool hides_lower(struct lcont__apply *ap, int layer_fd, const char *target)
{
    const char *attr =
        ap->opts->overlay_userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
    _cleanup_close_ int dir = openat(layer_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool opaque = false;
    char comp[NAME_MAX + 1];

    for (const char *p = target; dir >= 0;) {
        size_t len = strcspn(p, "/");
        struct stat st;
        char v;
        int next;

        if (len == 0 || len > NAME_MAX)
            return false;
        memcpy(comp, p, len);
        comp[len] = '\0';
        if (fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return opaque; /* absent here: hidden only below an opaque directory */
        if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
            return true; /* whited out */
        if (p[len] == '\0' || S_ISLNK(st.st_mode))
            return false; /* here, or resolved through a symlink by link_from() */
        if (!S_ISDIR(st.st_mode))
            return true; /* a file replaced the parent directory */
        next = openat(dir, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(dir);
        dir = next;
        opaque = dir >= 0 && fgetxattr(dir, attr, &v, 1) == 1 && v == 'y';
        p += len + 1;
    }
    return false;
}

static int apply_hardlink(struct lcont__apply *ap, const char *path, const char *raw_target,
                          lcont_error **reterr)
{
    _cleanup_free_ char *target = NULL;
    const char *name;
    int dir_fd, r;

    if ((r = lcont__apply_clean_path(ap, raw_target, "hardlink target", &target, reterr)) < 0)
        return r;
    if (!target[0])
        return lcont__apply_error(ap, reterr, -EINVAL, false, "hardlink to the root");
    dir_fd = lcont__apply_parent(ap, path, true, &name, reterr);
    if (dir_fd < 0)
        return dir_fd;
    /* this layer, then the lower ones top down, as the merged rootfs would show it */
    r = -ENOENT;
    for (size_t i = 0; r == -ENOENT && i <= ap->opts->n_lower_root_fds; i++) {
        int layer_fd = i == 0 ? ap->root_fd : ap->opts->lower_root_fds[i - 1];
        if (ap->opts->overlay_whiteouts && hides_lower(ap, layer_fd, target))
            return lcont__apply_error(ap, reterr, -ENOENT, false,
                                      "hardlink target '%.256s' was deleted by a whiteout", target);
        r = link_from(ap, layer_fd, target, dir_fd, name, reterr);
    }
    if (r == -ENOENT)
        return lcont__apply_error(ap, reterr, r, false, "hardlink target '%.256s' not found",
                                  target);
    if (r == -EPERM)
        return lcont__apply_error(ap, reterr, r, false,
                                  "hardlink target '%.256s' is a directory or not linkable",
                                  target);
    if (r < 0)
        return lcont__apply_error(ap, reterr, r, true, "link to '%.256s'", target);
    return 0;
}

/* Apply-mode opaque whiteout: delete what lower layers left in @dir_path. */
static int clear_dir(struct lcont__apply *ap, const char *dir_path, lcont_error **reterr)
{
    _cleanup_close_ int dir_fd = -1;
    _cleanup_strv_ char **victims = NULL;
    _cleanup_free_ char *child = NULL;
    size_t dlen = strlen(dir_path);
    DIR *d;
    struct dirent *de;
    int fd, r;

    dir_fd = lcont__apply_open_dir(ap, ap->root_fd, dir_path, false, reterr);
    if (dir_fd == -ENOENT || dir_fd == -ENOTDIR)
        return 0;
    if (dir_fd < 0)
        return dir_fd;
    fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || !(d = fdopendir(fd))) {
        r = -errno;
        if (fd >= 0)
            close(fd);
        return lcont__apply_error(ap, reterr, r, true, "list directory for opaque whiteout");
    }
    bool oom = false;

    while (!oom && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        char *p;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        p = realloc(child, dlen + n + 2);
        oom = !p;
        if (oom)
            break;
        child = p;
        if (dlen)
            sprintf(child, "%s/%s", dir_path, de->d_name);
        else
            memcpy(child, de->d_name, n + 1);
        /* Kept: what this layer itself wrote before the marker. */
        if (!lcont__apply_marked(ap, child))
            oom = lcont__strv_push(&victims, de->d_name) < 0;
    }
    closedir(d);
    if (oom)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    for (char **v = victims; v && *v; v++)
        if ((r = lcont__rm_rf_at(dir_fd, *v)) < 0)
            return lcont__apply_error(ap, reterr, r, true, "opaque whiteout: remove '%.256s'", *v);
    return 0;
}

static int apply_whiteout(struct lcont__apply *ap, const char *path, const char *base,
                          lcont_error **reterr)
{
    const bool overlay = ap->opts->overlay_whiteouts;
    _cleanup_free_ char *dir = strndup(path, base > path ? (size_t)(base - path - 1) : 0);
    const char *victim = base + strlen(WHITEOUT_PREFIX), *name;
    int dir_fd, r;

    if (!dir)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    if (strcmp(base, WHITEOUT_OPAQUE) == 0) {
        _cleanup_close_ int fd = -1;
        const char *attr =
            ap->opts->overlay_userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";

        if (!overlay)
            return clear_dir(ap, dir, reterr);
        dir_fd = lcont__apply_parent(ap, path, true, &name, reterr);
        if (dir_fd < 0)
            return dir_fd;
        fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsetxattr(fd, attr, "y", 1, 0) < 0)
            return lcont__apply_error(ap, reterr, -errno, true, "set %s", attr);
        return 0;
    }
    if (strncmp(base, WHITEOUT_META_PREFIX, strlen(WHITEOUT_META_PREFIX)) == 0)
        return 0; /* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not content */
    if (!victim[0] || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
        return lcont__apply_error(ap, reterr, -EINVAL, false, "whiteout of '%s' is not allowed",
                                  victim[0] ? victim : "(empty name)");
    dir_fd = lcont__apply_parent(ap, path, overlay, &name, reterr);
    if (!overlay && (dir_fd == -ENOENT || dir_fd == -ENOTDIR))
        return 0; /* nothing below to hide */
    if (dir_fd < 0)
        return dir_fd;
    if ((r = remove_existing(ap, dir_fd, victim, reterr)) < 0)
        return r;
    if (overlay && mknodat(dir_fd, victim, S_IFCHR, makedev(0, 0)) < 0)
        return lcont__apply_error(ap, reterr, -errno, true, "create overlay whiteout");
    return 0;
}

int lcont__apply_entry(struct lcont__apply *ap, struct archive_entry *e, lcont_error **reterr)
{
    const char *raw = sym_archive_entry_pathname(e) ?: sym_archive_entry_pathname_utf8(e);
    const char *hardlink = sym_archive_entry_hardlink(e) ?: sym_archive_entry_hardlink_utf8(e);
    mode_t type = sym_archive_entry_filetype(e);
    _cleanup_free_ char *path = NULL;
    const char *base;
    struct meta m;
    int r;

    ap->entry_name = raw ? raw : "";
    if ((r = lcont__apply_clean_path(ap, raw, "name", &path, reterr)) < 0)
        return r;
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!path[0] && (hardlink || type != AE_IFDIR))
        return lcont__apply_error(ap, reterr, -EINVAL, false, "the root can only be a directory");
    if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0)
        return apply_whiteout(ap, path, base, reterr);
    if (!ap->opts->overlay_whiteouts && lcont__apply_mark(ap, path) < 0)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    if (hardlink)
        return apply_hardlink(ap, path, hardlink, reterr);
    if ((r = entry_meta(ap, e, &m, reterr)) < 0)
        return r;
    switch (type) {
    case AE_IFREG:
        return apply_file(ap, e, path, &m, reterr);
    case AE_IFDIR:
        return apply_dir(ap, e, path, &m, reterr);
    case AE_IFLNK:
        return apply_symlink(ap, e, path, &m, reterr);
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
        return apply_node(ap, e, path, &m, type, reterr);
    default:
        return lcont__apply_error(ap, reterr, -EINVAL, false, "unsupported entry type 0%o",
                                  (unsigned)type);
    }
}

int lcont__apply_finish_dirs(struct lcont__apply *ap, lcont_error **reterr)
{
    /* Children first: a parent made read-only or unsearchable must not block them. */
    for (size_t i = ap->n_dirs; i-- > 0;) {
        const struct lcont__apply_dir *d = &ap->dirs[i];
        _cleanup_close_ int fd = -1;
        const char *name;
        int dir_fd;

        ap->entry_name = d->path[0] ? d->path : ".";
        if (!d->path[0]) {
            fd = openat(ap->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        } else {
            dir_fd = lcont__apply_parent(ap, d->path, false, &name, reterr);
            if (dir_fd == -ENOENT || dir_fd == -ENOTDIR)
                continue; /* replaced or removed later in the layer */
            if (dir_fd < 0)
                return dir_fd;
            fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
                continue;
        }
        if (fd < 0)
            return lcont__apply_error(ap, reterr, -errno, true, "open directory");
        if (fchmod(fd, d->mode) < 0)
            return lcont__apply_error(ap, reterr, -errno, true, "chmod directory");
        if (futimens(fd, d->times) < 0)
            return lcont__apply_error(ap, reterr, -errno, true, "set directory times");
    }
    return 0;
}

void lcont__apply_release(struct lcont__apply *ap)
{
    lcont__apply_parent_drop(ap);
    free(ap->parent_path);
    for (size_t i = 0; i < ap->n_dirs; i++)
        free(ap->dirs[i].path);
    free(ap->dirs);
    for (size_t i = 0; i < ap->set_cap; i++)
        free(ap->set[i]);
    free(ap->set);
}
