/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /dev contents: the default devices, linux.devices, the /dev/fd and
 * /dev/std* symlinks and /dev/ptmx. Nodes are created with mknod, or in a
 * user namespace (where mknod is refused) by bind-mounting the host's node
 * onto an empty file, as runc does. Whatever the image has at a node's path
 * is replaced, never written through.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "runtime/rootfs-internal.h"

static const struct {
    const char *path;
    unsigned major, minor;
} default_devices[] = {
    { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
    { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const struct {
    const char *target, *name;
} dev_links[] = {
    { "/proc/self/fd", "fd" },
    { "/proc/self/fd/0", "stdin" },
    { "/proc/self/fd/1", "stdout" },
    { "/proc/self/fd/2", "stderr" },
};

/* ---- parent ---- */

static bool spec_has_device(const struct lcont_spec *spec, const char *clean_path)
{
    for (size_t i = 0; i < spec->linux_.n_devices; i++) {
        _cleanup_free_ char *p = lcont__rootfs_clean_path(spec->linux_.devices[i].path);
        if (p && strcmp(p, clean_path) == 0)
            return true;
    }
    return false;
}

/* In a user namespace the host node is bind-mounted: it must exist and match. */
static int check_host_node(const struct lcont_rootfs_device *d, lcont_error **reterr)
{
    struct stat st;

    if (stat(d->path, &st) < 0)
        return lcont__error_setsys(
            reterr, -errno, "device '%s': a user namespace bind-mounts the host's node", d->path);
    if ((st.st_mode & S_IFMT) != (d->mode & S_IFMT) || st.st_rdev != d->rdev)
        return lcont__error_set(reterr, -ENODEV,
                                "device '%s': the host's node is not %u:%u of the same type",
                                d->path, major(d->rdev), minor(d->rdev));
    return 0;
}

static int add_device(struct lcont_rootfs_plan *plan, struct lcont_rootfs_device *d,
                      lcont_error **reterr)
{
    struct lcont_rootfs_device *g;

    d->bind = plan->has_userns && !S_ISFIFO(d->mode);
    if (d->bind) {
        int r = check_host_node(d, reterr);
        if (r < 0)
            return r;
    }
    g = realloc(plan->devices, (plan->n_devices + 1) * sizeof(*g));
    if (!g)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    plan->devices = g;
    g[plan->n_devices++] = *d;
    d->path = NULL; /* now owned by the plan */
    return 0;
}

static int spec_device(const struct lcont_spec_device *sd, size_t i, struct lcont_rootfs_device *d,
                       lcont_error **reterr)
{
    mode_t type;

    switch (sd->type) {
    case 'c':
    case 'u':
        type = S_IFCHR;
        break;
    case 'b':
        type = S_IFBLK;
        break;
    case 'p':
        type = S_IFIFO;
        break;
    default:
        return lcont__error_set(reterr, -EINVAL, "linux.devices[%zu].type '%c': unknown", i,
                                sd->type);
    }
    if (!sd->path || sd->path[0] != '/')
        return lcont__error_set(reterr, -EINVAL, "linux.devices[%zu].path: must be absolute", i);
    if (type != S_IFIFO &&
        (sd->major < 0 || sd->minor < 0 || sd->major > 0xfff || sd->minor > 0xfffff))
        return lcont__error_set(reterr, -EINVAL, "linux.devices[%zu]: invalid major/minor", i);
    d->path = lcont__rootfs_clean_path(sd->path);
    if (!d->path)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    if (strcmp(d->path, "/") == 0)
        return lcont__error_set(reterr, -EINVAL, "linux.devices[%zu].path: cannot be '/'", i);
    d->mode = type | (sd->has_file_mode ? sd->file_mode & 07777 : 0666);
    d->rdev = type == S_IFIFO ? 0 : makedev((unsigned)sd->major, (unsigned)sd->minor);
    d->has_uid = sd->has_uid;
    d->uid = sd->uid;
    d->has_gid = sd->has_gid;
    d->gid = sd->gid;
    return 0;
}

int lcont__rootfs_plan_devices(struct lcont_rootfs_plan *plan, const struct lcont_spec *spec,
                               lcont_error **reterr)
{
    int r;

    plan->has_kcore = faccessat(plan->proc_fd, "kcore", F_OK, 0) == 0;
    if (!plan->setup_dev)
        return 0;

    /* a linux.devices entry on the same path replaces the default one */
    for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
        struct lcont_rootfs_device d = {
            .mode = S_IFCHR | 0666,
            .rdev = makedev(default_devices[i].major, default_devices[i].minor),
        };
        if (spec_has_device(spec, default_devices[i].path))
            continue;
        d.path = strdup(default_devices[i].path);
        if (!d.path)
            return lcont__error_set(reterr, -ENOMEM, "out of memory");
        r = add_device(plan, &d, reterr);
        free(d.path);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < spec->linux_.n_devices; i++) {
        struct lcont_rootfs_device d = { 0 };
        r = spec_device(&spec->linux_.devices[i], i, &d, reterr);
        if (r >= 0)
            r = add_device(plan, &d, reterr);
        free(d.path);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- child ---- */

/* Split cleaned absolute @path into its parent (in @buf) and last component. */
static int split_path(const char *path, char *buf, size_t size, const char **ret_name)
{
    size_t len = strlen(path);
    char *slash;

    if (len >= size)
        return -ENAMETOOLONG;
    memcpy(buf, path, len + 1);
    slash = strrchr(buf, '/');
    if (!slash || !slash[1])
        return -EINVAL;
    *ret_name = path + (slash - buf) + 1;
    if (slash == buf)
        slash[1] = '\0'; /* parent is "/" */
    else
        *slash = '\0';
    return 0;
}

static int bind_host_node(const struct lcont_rootfs_device *d, int dirfd, const char *name)
{
    _cleanup_close_ int target = -1, tree = -1;
    struct stat st;
    int fd;

    fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    close(fd);
    target = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (target < 0)
        return -errno;
    /* the host path lives in our mount namespace copy, not in the image */
    tree = lcont__sys_open_tree(AT_FDCWD, d->path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0)
        return tree;
    if (fstat(tree, &st) < 0)
        return -errno;
    if ((st.st_mode & S_IFMT) != (d->mode & S_IFMT) || st.st_rdev != d->rdev)
        return -ENODEV;
    return lcont__rootfs_attach(tree, target);
}

static int make_device(const struct lcont_rootfs_device *d, int rootfd,
                       struct lcont_child_error *err)
{
    char parent[PATH_MAX];
    const char *name;
    _cleanup_close_ int dirfd = -1;
    struct stat st;
    int r;

    r = split_path(d->path, parent, sizeof(parent), &name);
    if (r < 0)
        return lcont__child_fail(err, r, "device path", d->path);
    dirfd = lcont__rootfs_open_in_root(rootfd, parent, LCONT_CREATE_DIR, false);
    if (dirfd < 0)
        return lcont__child_fail(err, dirfd, "resolve the directory of device", d->path);

    /* replace what the image has here; a symlink is removed, never followed */
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode))
            return lcont__child_fail(err, -EISDIR, "a directory is in the way of device", d->path);
        if (unlinkat(dirfd, name, 0) < 0)
            return lcont__child_fail(err, -errno, "remove the image's entry at", d->path);
    } else if (errno != ENOENT) {
        return lcont__child_fail(err, -errno, "stat", d->path);
    }

    if (d->bind) {
        r = bind_host_node(d, dirfd, name);
        if (r < 0)
            return lcont__child_fail(err, r, "bind-mount the host device", d->path);
        return 0;
    }
    if (mknodat(dirfd, name, d->mode, d->rdev) < 0) {
        /* e.g. a devices cgroup without "m": bind the host's node instead, like runc */
        if (errno != EPERM || S_ISFIFO(d->mode))
            return lcont__child_fail(err, -errno, "mknod", d->path);
        r = bind_host_node(d, dirfd, name);
        if (r < 0)
            return lcont__child_fail(err, r, "mknod refused; bind-mount the host device", d->path);
        return 0;
    }
    if ((d->has_uid || d->has_gid) &&
        fchownat(dirfd, name, d->has_uid ? d->uid : (uid_t)-1, d->has_gid ? d->gid : (gid_t)-1,
                 AT_SYMLINK_NOFOLLOW) < 0)
        return lcont__child_fail(err, -errno, "chown", d->path);
    return 0;
}

static int dev_links_child(const struct lcont_rootfs_plan *plan, int rootfd,
                           struct lcont_child_error *err)
{
    _cleanup_close_ int dev = lcont__rootfs_open_in_root(rootfd, "/dev", LCONT_CREATE_DIR, false);

    if (dev < 0)
        return lcont__child_fail(err, dev, "resolve", "/dev");
    /* symlinkat never follows an existing entry; one the image already has is kept (runc) */
    for (size_t i = 0; i < ELEMENTSOF(dev_links); i++)
        if (symlinkat(dev_links[i].target, dev, dev_links[i].name) < 0 && errno != EEXIST)
            return lcont__child_fail(err, -errno, "symlink /dev/", dev_links[i].name);
    if (plan->has_kcore && symlinkat("/proc/kcore", dev, "core") < 0 && errno != EEXIST)
        return lcont__child_fail(err, -errno, "symlink", "/dev/core");
    if (plan->has_devpts) {
        /* the devpts instance's own ptmx, not the host's */
        if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
            return lcont__child_fail(err, -errno, "remove", "/dev/ptmx");
        if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
            return lcont__child_fail(err, -errno, "symlink", "/dev/ptmx");
    }
    return 0;
}

int lcont__rootfs_dev_child(const struct lcont_rootfs_plan *plan, int rootfd,
                            struct lcont_child_error *err)
{
    mode_t old;
    int r = 0;

    if (!plan->setup_dev)
        return 0;
    old = umask(0); /* the planned modes exactly */
    for (size_t i = 0; r >= 0 && i < plan->n_devices; i++)
        r = make_device(&plan->devices[i], rootfd, err);
    if (r >= 0)
        r = dev_links_child(plan, rootfd, err);
    umask(old);
    return r;
}
