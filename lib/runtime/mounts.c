/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Child side: perform the config mounts in order. System calls only. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "runtime/rootfs-internal.h"

static int mount_fs(const struct lcont_rootfs_plan *plan, const struct lcont_rootfs_mount *m,
                    int rootfd, int target_fd, struct lcont_child_error *err)
{
    _cleanup_close_ int fd = -1;
    int r;

    r = lcont__rootfs_mount_on_fd(plan->proc_fd, m->source, target_fd, m->type, m->flags, m->data);
    if (r == -EINVAL && m->data_retry)
        r = lcont__rootfs_mount_on_fd(plan->proc_fd, m->source, target_fd, m->type, m->flags,
                                      m->data_retry);
    if (r == -EPERM && m->fallback_source) {
        /* user namespace without the matching namespace of its own: use the host's */
        struct lcont_rootfs_attrs a = m->attrs;
        a.propagation = 0;
        r = lcont__rootfs_bind_path(m->fallback_source, target_fd, true, &a, true);
    }
    if (r < 0) {
        char what[96] = "mount ";
        lcont__cm_append(what, sizeof(what), m->type);
        lcont__cm_append(what, sizeof(what), " on");
        return lcont__child_fail(err, r, what, m->destination);
    }

    fd = lcont__rootfs_reopen_mounted(rootfd, m->destination, target_fd, m->fs_magic);
    if (fd < 0)
        return lcont__child_fail(err, fd, "verify the mount on", m->destination);
    r = lcont__rootfs_setattr(fd, true, m->attrs.rset, m->attrs.rclr, m->attrs.propagation,
                              plan->has_userns);
    if (r < 0)
        return lcont__child_fail(err, r, "set recursive options/propagation of", m->destination);
    return 0;
}

static int one_mount(const struct lcont_rootfs_plan *plan, const struct lcont_rootfs_mount *m,
                     int rootfd, struct lcont_child_error *err)
{
    enum lcont_rootfs_create create =
        m->kind == LCONT_RM_BIND && m->dest_is_file ? LCONT_CREATE_FILE : LCONT_CREATE_DIR;
    _cleanup_close_ int target = -1;
    struct stat st;
    int r;

    target = lcont__rootfs_open_in_root(rootfd, m->destination, create, m->no_symlink);
    if (target < 0)
        return lcont__child_fail(err, target, "resolve the mount destination", m->destination);
    if (m->no_symlink) {
        /* proc and sysfs only on a real directory (as runc): no redirection through a link */
        if (fstat(target, &st) < 0)
            return lcont__child_fail(err, -errno, "stat", m->destination);
        if (S_ISLNK(st.st_mode))
            return lcont__child_fail(err, -ELOOP, "refusing to mount on a symlink", m->destination);
        if (!S_ISDIR(st.st_mode))
            return lcont__child_fail(err, -ENOTDIR, "mount on", m->destination);
    }

    switch (m->kind) {
    case LCONT_RM_BIND:
        r = lcont__rootfs_bind_path(m->source, target, m->recursive, &m->attrs, plan->has_userns);
        if (r < 0)
            return lcont__child_fail(err, r, "bind mount on", m->destination);
        return 0;
    case LCONT_RM_CGROUP:
        return lcont__rootfs_cgroup_child(plan, m, rootfd, target, err);
    case LCONT_RM_FS:
        return mount_fs(plan, m, rootfd, target, err);
    }
    return lcont__child_fail(err, -EINVAL, "unknown mount kind for", m->destination);
}

int lcont__rootfs_mounts_child(const struct lcont_rootfs_plan *plan, int rootfd,
                               struct lcont_child_error *err)
{
    for (size_t i = 0; i < plan->n_mounts; i++) {
        int r = one_mount(plan, &plan->mounts[i], rootfd, err);
        if (r < 0)
            return r;
    }
    return 0;
}
