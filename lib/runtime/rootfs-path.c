/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Child-safe building blocks: resolve and create paths inside the rootfs
 * without ever leaving it, and mount onto what was resolved (never onto a
 * path string the image could redirect). Only system calls and stack buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/sys.h"
#include "core/util.h"
#include "runtime/rootfs-internal.h"

#define RESOLVE_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

static int open_path(int dirfd, const char *path, int oflags)
{
    struct open_how how = {
        .flags = (uint64_t)(oflags | O_PATH | O_CLOEXEC),
        .resolve = RESOLVE_ROOT,
    };
    int r;

    /* RESOLVE_IN_ROOT returns EAGAIN if a rename raced with ".." resolution */
    for (int i = 0; i < 32; i++) {
        r = lcont__sys_openat2(dirfd, path, &how, sizeof(how));
        if (r != -EAGAIN)
            break;
    }
    return r;
}

static int create_entry(int dirfd, const char *name, bool file)
{
    if (file) {
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
            return -errno;
        close(fd);
        return 0;
    }
    return mkdirat(dirfd, name, 0755) < 0 ? -errno : 0;
}

int lcont__rootfs_open_in_root(int rootfd, const char *path, enum lcont_rootfs_create create,
                               bool nofollow)
{
    char buf[PATH_MAX];
    size_t len = strlen(path), i = 0;
    int parent = -1, fd;

    fd = open_path(rootfd, path, nofollow ? O_NOFOLLOW : 0);
    if (fd != -ENOENT || create == LCONT_CREATE_NONE)
        return fd;
    if (len >= sizeof(buf))
        return -ENAMETOOLONG;
    memcpy(buf, path, len + 1);

    /*
     * Walk the prefixes: each is resolved from the root again, so symlinks
     * in the image stay inside it; a missing component is created in the
     * directory its parent prefix resolved to, which is exactly where the
     * next resolution looks.
     */
    for (;;) {
        size_t start, end;
        bool last;
        char saved;

        while (buf[i] == '/')
            i++;
        if (buf[i] == '\0')
            break;
        start = i;
        while (buf[i] && buf[i] != '/')
            i++;
        end = i;
        while (buf[i] == '/')
            i++;
        last = buf[i] == '\0';

        saved = buf[end];
        buf[end] = '\0';
        fd = open_path(rootfd, buf, last && nofollow ? O_NOFOLLOW : 0);
        if (fd == -ENOENT) {
            int r = create_entry(parent >= 0 ? parent : rootfd, buf + start,
                                 last && create == LCONT_CREATE_FILE);
            if (r < 0 && r != -EEXIST) {
                if (parent >= 0)
                    close(parent);
                return r;
            }
            fd = open_path(rootfd, buf, last && nofollow ? O_NOFOLLOW : 0);
        }
        buf[end] = saved;
        if (parent >= 0)
            close(parent);
        if (fd < 0)
            return fd; /* ENOENT here: a dangling symlink in the image */
        parent = fd;
        if (last)
            return fd;
    }
    return parent >= 0 ? parent : open_path(rootfd, "/", 0);
}

int lcont__rootfs_mount_on_fd(int proc_fd, const char *source, int target_fd, const char *type,
                              unsigned long flags, const void *data)
{
    char path[48] = "self/fd/";

    lcont__cm_append_int(path, sizeof(path), target_fd);
    /* relative to the trusted procfs: "/proc" in this namespace may be anything */
    if (fchdir(proc_fd) < 0)
        return -errno;
    return lcont__sys_mount(source, path, type, flags, data);
}

static int mount_id(int fd, uint64_t *ret_id, bool *ret_root)
{
    struct statx stx;

    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
        return -errno;
    if (!(stx.stx_mask & STATX_MNT_ID))
        return -EOPNOTSUPP;
    *ret_id = stx.stx_mnt_id;
    if (ret_root)
        *ret_root = (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
                    (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
    return 0;
}

int lcont__rootfs_reopen_mounted(int rootfd, const char *path, int old_fd, long magic)
{
    _cleanup_close_ int fd = -1;
    uint64_t old_id = 0, new_id = 0;
    bool is_root = false;
    struct statfs sfs;
    int r;

    r = mount_id(old_fd, &old_id, NULL);
    if (r < 0)
        return r;
    fd = open_path(rootfd, path, 0);
    if (fd < 0)
        return fd;
    r = mount_id(fd, &new_id, &is_root);
    if (r < 0)
        return r;
    if (new_id == old_id || !is_root)
        return -EXDEV;
    if (magic) {
        if (fstatfs(fd, &sfs) < 0)
            return -errno;
        if ((long)sfs.f_type != magic)
            return -EXDEV;
    }
    return TAKE_FD(fd);
}

int lcont__rootfs_attach(int tree_fd, int target_fd)
{
    return lcont__sys_move_mount(tree_fd, "", target_fd, "",
                                 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* MOUNT_ATTR_* the mount @fd currently has (for flags the kernel may have locked) */
static int current_attrs(int fd, uint64_t *ret)
{
    struct statfs sfs;
    uint64_t a = 0;

    if (fstatfs(fd, &sfs) < 0)
        return -errno;
    if (sfs.f_flags & ST_RDONLY)
        a |= MOUNT_ATTR_RDONLY;
    if (sfs.f_flags & ST_NOSUID)
        a |= MOUNT_ATTR_NOSUID;
    if (sfs.f_flags & ST_NODEV)
        a |= MOUNT_ATTR_NODEV;
    if (sfs.f_flags & ST_NOEXEC)
        a |= MOUNT_ATTR_NOEXEC;
    if (sfs.f_flags & ST_NODIRATIME)
        a |= MOUNT_ATTR_NODIRATIME;
    *ret = a;
    return 0;
}

int lcont__rootfs_setattr(int fd, bool recursive, uint64_t set, uint64_t clr,
                          unsigned long propagation, bool keep_locked)
{
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    struct mount_attr attr = { .attr_set = set, .attr_clr = clr };
    uint64_t cur = 0;
    int r;

    if (propagation) {
        /* mount_setattr takes exactly one propagation type; MS_REC means AT_RECURSIVE */
        struct mount_attr pattr = {
            .propagation = propagation & (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE),
        };
        r = lcont__sys_mount_setattr(fd, "",
                                     AT_EMPTY_PATH | (propagation & MS_REC ? AT_RECURSIVE : 0),
                                     &pattr, sizeof(pattr));
        if (r < 0)
            return r;
    }
    if (!set && !clr)
        return 0;
    r = lcont__sys_mount_setattr(fd, "", flags, &attr, sizeof(attr));
    if (r != -EPERM || !keep_locked)
        return r;
    /* user namespace: what the host mount already has may be locked; keep it, like runc */
    r = current_attrs(fd, &cur);
    if (r < 0)
        return r;
    attr.attr_clr &= ~cur;
    /* the atime mode of a mount inherited from the host is locked as a whole */
    attr.attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
    attr.attr_clr &= ~(uint64_t)MOUNT_ATTR__ATIME;
    if (!attr.attr_set && !attr.attr_clr)
        return 0;
    return lcont__sys_mount_setattr(fd, "", flags, &attr, sizeof(attr));
}

int lcont__rootfs_apply_attrs(int fd, const struct lcont_rootfs_attrs *a, bool keep_locked)
{
    int r = lcont__rootfs_setattr(fd, false, a->set, a->clr, 0, keep_locked);
    if (r < 0)
        return r;
    return lcont__rootfs_setattr(fd, true, a->rset, a->rclr, a->propagation, keep_locked);
}

int lcont__rootfs_bind_path(const char *source, int target_fd, bool recursive,
                            const struct lcont_rootfs_attrs *a, bool keep_locked)
{
    struct lcont_rootfs_attrs flags_only = *a;
    _cleanup_close_ int tree = -1;
    int r;

    tree = lcont__sys_open_tree(
        AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
    if (tree < 0)
        return tree;
    /* flags go on the detached tree, so the mount never appears with the wrong ones */
    flags_only.propagation = 0;
    r = lcont__rootfs_apply_attrs(tree, &flags_only, keep_locked);
    if (r < 0)
        return r;
    r = lcont__rootfs_attach(tree, target_fd);
    if (r < 0)
        return r;
    /* propagation only means something once attached; @tree now refers to the new mount */
    return lcont__rootfs_setattr(tree, false, 0, 0, a->propagation, false);
}

void lcont__rootfs_ms_to_attr(unsigned long set_flags, unsigned long clear_flags, uint64_t *ret_set,
                              uint64_t *ret_clr)
{
    static const struct {
        unsigned long ms;
        uint64_t attr;
    } map[] = {
        { MS_RDONLY, MOUNT_ATTR_RDONLY },         { MS_NOSUID, MOUNT_ATTR_NOSUID },
        { MS_NODEV, MOUNT_ATTR_NODEV },           { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
        { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
    };
    uint64_t set = 0, clr = 0;

    for (size_t i = 0; i < ELEMENTSOF(map); i++) {
        if (set_flags & map[i].ms)
            set |= map[i].attr;
        else if (clear_flags & map[i].ms)
            clr |= map[i].attr;
    }
    /* atime is one three-valued field: changing it means clearing the whole field */
    if (set_flags & MS_NOATIME) {
        set |= MOUNT_ATTR_NOATIME;
        clr |= MOUNT_ATTR__ATIME;
    } else if (set_flags & MS_STRICTATIME) {
        set |= MOUNT_ATTR_STRICTATIME;
        clr |= MOUNT_ATTR__ATIME;
    } else if ((set_flags & MS_RELATIME) ||
               (clear_flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME))) {
        clr |= MOUNT_ATTR__ATIME; /* MOUNT_ATTR_RELATIME is 0: the kernel default */
    }
    *ret_set = set;
    *ret_clr = clr;
}
