/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Child side: lcont__rootfs_prepare_child() and lcont__rootfs_finalize_child()
 * (see rootfs.h). System calls and stack buffers only.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/sys.h"
#include "core/util.h"
#include "runtime/rootfs-internal.h"

int lcont__rootfs_prepare_child(const struct lcont_rootfs_plan *plan, struct lcont_child_error *err)
{
    _cleanup_close_ int cwd = -1, rootfd = -1;
    int r;

    if (!plan || !err)
        return -EINVAL;
    cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC); /* the fd magic links change it */

    /* nothing we mount may propagate back to the host */
    r = lcont__sys_mount("", "/", NULL, plan->root_propagation, NULL);
    if (r < 0)
        return lcont__child_fail(err, r, "set the propagation of", "/");
    if (plan->root_propagation & MS_SHARED) {
        /* pivot_root and MS_MOVE refuse a shared parent; keep the bind from propagating */
        r = lcont__sys_mount("", plan->rootfs_parent_mount, NULL, MS_PRIVATE, NULL);
        if (r < 0)
            return lcont__child_fail(err, r, "make private", plan->rootfs_parent_mount);
    }
    /* the rootfs must be a mount point for pivot_root */
    r = lcont__sys_mount(plan->rootfs, plan->rootfs, NULL, MS_BIND | MS_REC, NULL);
    if (r < 0)
        return lcont__child_fail(err, r, "bind the rootfs onto itself", plan->rootfs);
    if (plan->root_propagation & MS_SHARED) {
        r = lcont__sys_mount("", plan->rootfs, NULL, MS_PRIVATE, NULL);
        if (r < 0)
            return lcont__child_fail(err, r, "make private", plan->rootfs);
    }
    rootfd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return lcont__child_fail(err, -errno, "open the rootfs", plan->rootfs);

    r = lcont__rootfs_mounts_child(plan, rootfd, err);
    if (r >= 0)
        r = lcont__rootfs_dev_child(plan, rootfd, err);
    if ((cwd >= 0 ? fchdir(cwd) : chdir("/")) < 0 && r >= 0)
        r = lcont__child_fail(err, -errno, "restore the working directory", NULL);
    return r;
}

/*
 * A private clone of the host's /dev/null, taken while the host tree is
 * still visible, and checked to be the very node the parent verified
 * (char 1:3): an image can never substitute its own file (CVE-2025-31133).
 */
static int clone_devnull(const struct lcont_rootfs_plan *plan, struct lcont_child_error *err)
{
    struct stat a, b;
    int fd;

    fd = lcont__sys_open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (fd < 0)
        return lcont__child_fail(err, fd, "clone", "/dev/null");
    if (fstat(fd, &a) < 0 || fstat(plan->devnull_fd, &b) < 0) {
        int e = -errno;
        close(fd);
        return lcont__child_fail(err, e, "stat", "/dev/null");
    }
    if (a.st_dev != b.st_dev || a.st_ino != b.st_ino || !S_ISCHR(a.st_mode) ||
        a.st_rdev != makedev(1, 3)) {
        close(fd);
        return lcont__child_fail(err, -EXDEV, "not the verified null device", "/dev/null");
    }
    return fd;
}

/* --no-pivot: detach what we can of the host, move the rootfs onto "/", chroot. */
static int move_root(const struct lcont_rootfs_plan *plan, struct lcont_child_error *err)
{
    int r;

    /* best effort, like runc: less of the host stays reachable below the chroot */
    for (size_t i = 0; plan->detach_mounts && plan->detach_mounts[i]; i++)
        (void)lcont__sys_umount2(plan->detach_mounts[i], MNT_DETACH | UMOUNT_NOFOLLOW);
    r = lcont__sys_mount(".", "/", NULL, MS_MOVE, NULL);
    if (r < 0)
        return lcont__child_fail(err, r, "move the rootfs to", "/");
    if (chroot(".") < 0)
        return lcont__child_fail(err, -errno, "chroot", plan->rootfs);
    return 0;
}

static int switch_root(const struct lcont_rootfs_plan *plan, struct lcont_child_error *err)
{
    _cleanup_close_ int fd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int r;

    if (fd < 0)
        return lcont__child_fail(err, -errno, "open the rootfs", plan->rootfs);
    if (fchdir(fd) < 0)
        return lcont__child_fail(err, -errno, "chdir", plan->rootfs);
    if (!(plan->flags & LCONT_ROOTFS_NO_PIVOT)) {
        /* pivot_root(".", "."): the old root ends up on top of the new one, then goes */
        r = lcont__sys_pivot_root(".", ".");
        if (r == 0) {
            /* never let the unmount propagate to the host */
            r = lcont__sys_mount("", ".", NULL, MS_SLAVE | MS_REC, NULL);
            if (r < 0)
                return lcont__child_fail(err, r, "make the old root a slave", NULL);
            r = lcont__sys_umount2(".", MNT_DETACH);
            if (r < 0)
                return lcont__child_fail(err, r, "detach the old root", NULL);
            return chdir("/") < 0 ? lcont__child_fail(err, -errno, "chdir", "/") : 0;
        }
        /* EINVAL: e.g. the host runs from an initramfs; fall back to MS_MOVE */
        if (r != -EINVAL)
            return lcont__child_fail(err, r, "pivot_root", plan->rootfs);
    }
    r = move_root(plan, err);
    if (r < 0)
        return r;
    return chdir("/") < 0 ? lcont__child_fail(err, -errno, "chdir", "/") : 0;
}

static int readonly_paths(const struct lcont_rootfs_plan *plan, int rootfd,
                          struct lcont_child_error *err)
{
    for (size_t i = 0; plan->readonly_paths && plan->readonly_paths[i]; i++) {
        const char *p = plan->readonly_paths[i];
        _cleanup_close_ int fd = -1, tree = -1;
        int r;

        fd = lcont__rootfs_open_in_root(rootfd, p, LCONT_CREATE_NONE, false);
        if (fd == -ENOENT)
            continue;
        if (fd < 0)
            return lcont__child_fail(err, fd, "resolve read-only path", p);
        tree = lcont__sys_open_tree(
            fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
        if (tree < 0)
            return lcont__child_fail(err, tree, "clone read-only path", p);
        r = lcont__rootfs_setattr(tree, true, MOUNT_ATTR_RDONLY, 0, 0, false);
        if (r >= 0)
            r = lcont__rootfs_attach(tree, fd);
        if (r < 0)
            return lcont__child_fail(err, r, "make read-only", p);
    }
    return 0;
}

static int masked_paths(const struct lcont_rootfs_plan *plan, int rootfd, int devnull,
                        struct lcont_child_error *err)
{
    bool devnull_attached = false;

    for (size_t i = 0; plan->masked_paths && plan->masked_paths[i]; i++) {
        const char *p = plan->masked_paths[i];
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        fd = lcont__rootfs_open_in_root(rootfd, p, LCONT_CREATE_NONE, false);
        if (fd == -ENOENT || fd == -ENOTDIR)
            continue;
        if (fd < 0)
            return lcont__child_fail(err, fd, "resolve masked path", p);
        if (fstat(fd, &st) < 0)
            return lcont__child_fail(err, -errno, "stat masked path", p);
        if (S_ISDIR(st.st_mode)) {
            r = lcont__rootfs_mount_on_fd(plan->proc_fd, "tmpfs", fd, "tmpfs",
                                          MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        } else if (!devnull_attached) {
            /* the detached clone can be attached once; later ones clone it where it is */
            r = lcont__rootfs_attach(devnull, fd);
            devnull_attached = r >= 0;
        } else {
            int tree = lcont__sys_open_tree(devnull, "",
                                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
            r = tree;
            if (tree >= 0) {
                r = lcont__rootfs_attach(tree, fd);
                close(tree);
            }
        }
        if (r < 0)
            return lcont__child_fail(err, r, "mask", p);
    }
    return 0;
}

int lcont__rootfs_finalize_child(const struct lcont_rootfs_plan *plan,
                                 struct lcont_child_error *err)
{
    _cleanup_close_ int devnull = -1, rootfd = -1;
    int r;

    if (!plan || !err)
        return -EINVAL;
    if (plan->masked_paths && plan->masked_paths[0]) {
        devnull = clone_devnull(plan, err);
        if (devnull < 0)
            return devnull;
    }

    r = switch_root(plan, err);
    if (r < 0)
        return r;
    rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return lcont__child_fail(err, -errno, "open", "/");

    /* sysctls first: the read-only paths usually include /proc/sys */
    r = lcont__rootfs_sysctls_child(plan, rootfd, err);
    if (r >= 0)
        r = readonly_paths(plan, rootfd, err);
    if (r >= 0)
        r = masked_paths(plan, rootfd, devnull, err);
    if (r >= 0 && plan->readonly_root) {
        r = lcont__rootfs_setattr(rootfd, false, MOUNT_ATTR_RDONLY, 0, 0, false);
        if (r < 0)
            r = lcont__child_fail(err, r, "make the root read-only", "/");
    }
    if (r >= 0 && plan->final_propagation) {
        r = lcont__sys_mount("", "/", NULL, plan->final_propagation, NULL);
        if (r < 0)
            r = lcont__child_fail(err, r, "set the propagation of", "/");
    }
    /* the magic-link mounts moved the cwd into the host procfs */
    if (chdir("/") < 0 && r >= 0)
        r = lcont__child_fail(err, -errno, "chdir", "/");
    return r;
}
