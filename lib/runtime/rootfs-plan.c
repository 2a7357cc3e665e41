/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parent side: lcont__rootfs_plan_new() turns the spec into everything the
 * child needs (paths, flags, trusted fds), so the child only makes syscalls.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "runtime/rootfs-internal.h"

#define PROC_ROOT_INO 1

char *lcont__rootfs_clean_path(const char *path)
{
    size_t len = strlen(path);
    char *out = malloc(len + 2);
    size_t o = 0;
    const char *p = path;

    if (!out)
        return NULL;
    out[o++] = '/';
    while (*p) {
        const char *start;
        size_t n;

        while (*p == '/')
            p++;
        start = p;
        while (*p && *p != '/')
            p++;
        n = (size_t)(p - start);
        if (n == 0 || (n == 1 && start[0] == '.'))
            continue;
        if (n == 2 && start[0] == '.' && start[1] == '.') {
            /* drop the last component; ".." at "/" stays at "/" (as RESOLVE_IN_ROOT does) */
            while (o > 1 && out[o - 1] != '/')
                o--;
            if (o > 1)
                o--;
            continue;
        }
        if (o > 1)
            out[o++] = '/';
        memcpy(out + o, start, n);
        o += n;
    }
    out[o] = '\0';
    return out;
}

bool lcont__rootfs_path_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    if (strcmp(dir, "/") == 0)
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int open_procfs(struct lcont_rootfs_plan *plan, lcont_error **reterr)
{
    _cleanup_close_ int fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct statfs sfs;
    struct stat st;

    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "open /proc");
    if (fstatfs(fd, &sfs) < 0)
        return lcont__error_setsys(reterr, -errno, "statfs /proc");
    if (fstat(fd, &st) < 0)
        return lcont__error_setsys(reterr, -errno, "stat /proc");
    /* the root of a real procfs, not a directory of something mounted over it */
    if (sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO)
        return lcont__error_set(reterr, -EXDEV, "/proc is not the root of a procfs");
    plan->proc_fd = TAKE_FD(fd);
    return 0;
}

static int open_devnull(struct lcont_rootfs_plan *plan, lcont_error **reterr)
{
    _cleanup_close_ int fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;

    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "open /dev/null");
    if (fstat(fd, &st) < 0)
        return lcont__error_setsys(reterr, -errno, "stat /dev/null");
    /* masked paths are covered with this node: it must really be the null device */
    if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
        return lcont__error_set(reterr, -EXDEV, "/dev/null is not the character device 1:3");
    plan->devnull_fd = TAKE_FD(fd);
    return 0;
}

static int resolve_rootfs(struct lcont_rootfs_plan *plan, const struct lcont_spec *spec,
                          const char *bundle, lcont_error **reterr)
{
    _cleanup_free_ char *joined = NULL;
    const char *path = spec->root_path;
    struct stat st;

    if (!path || !*path)
        return lcont__error_set(reterr, -EINVAL, "root.path: required");
    if (path[0] != '/') {
        if (!bundle || bundle[0] != '/')
            return lcont__error_set(reterr, -EINVAL,
                                    "root.path '%s' is relative: an absolute bundle is required",
                                    path);
        if (asprintf(&joined, "%s/%s", bundle, path) < 0) {
            joined = NULL;
            return lcont__error_set(reterr, -ENOMEM, "out of memory");
        }
        path = joined;
    }
    plan->rootfs = realpath(path, NULL);
    if (!plan->rootfs)
        return lcont__error_setsys(reterr, -errno, "root.path '%s'", path);
    if (stat(plan->rootfs, &st) < 0)
        return lcont__error_setsys(reterr, -errno, "root.path '%s'", plan->rootfs);
    if (!S_ISDIR(st.st_mode))
        return lcont__error_set(reterr, -ENOTDIR, "root.path '%s': not a directory", plan->rootfs);
    if (strcmp(plan->rootfs, "/") == 0)
        return lcont__error_set(reterr, -EINVAL, "root.path: the host's / cannot be the rootfs");
    return 0;
}

/* The host mount holding the rootfs, and the mounts to drop without pivot_root. */
static int plan_host_mounts(struct lcont_rootfs_plan *plan, const struct lcont_mountinfo *mi,
                            size_t n, lcont_error **reterr)
{
    const char *parent = "/";

    for (size_t i = 0; i < n; i++)
        if (lcont__rootfs_path_under(plan->rootfs, mi[i].mountpoint) &&
            strlen(mi[i].mountpoint) >= strlen(parent))
            parent = mi[i].mountpoint;
    plan->rootfs_parent_mount = strdup(parent);
    if (!plan->rootfs_parent_mount)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");

    /* mountinfo lists parents first: walk it backwards to detach children first */
    for (size_t i = n; i-- > 0;) {
        const char *mp = mi[i].mountpoint;
        if (lcont__rootfs_path_under(plan->rootfs, mp) ||
            lcont__rootfs_path_under(mp, plan->rootfs))
            continue;
        if (lcont__strv_push(&plan->detach_mounts, mp) < 0)
            return lcont__error_set(reterr, -ENOMEM, "out of memory");
    }
    return 0;
}

static int copy_paths(char **in, char ***ret, const char *what, lcont_error **reterr)
{
    for (size_t i = 0; in && in[i]; i++) {
        _cleanup_free_ char *clean = NULL;
        if (in[i][0] != '/')
            return lcont__error_set(reterr, -EINVAL, "linux.%s[%zu] '%s': must be absolute", what,
                                    i, in[i]);
        clean = lcont__rootfs_clean_path(in[i]);
        if (!clean || lcont__strv_push(ret, clean) < 0)
            return lcont__error_set(reterr, -ENOMEM, "out of memory");
    }
    return 0;
}

int lcont__rootfs_plan_new(const struct lcont_spec *spec, const char *bundle, bool has_userns,
                           uint64_t flags, struct lcont_rootfs_plan **ret, lcont_error **reterr)
{
    struct lcont_rootfs_plan *plan;
    struct lcont_mountinfo *mi = NULL;
    size_t n_mi = 0;
    const struct lcont_spec_namespace *ns;
    int r;

    if (!spec || !ret)
        return lcont__error_set(reterr, -EINVAL, "rootfs plan: invalid arguments");
    if (flags & ~LCONT_ROOTFS_NO_PIVOT)
        return lcont__error_set(reterr, -EINVAL, "rootfs plan: unknown flags 0x%llx",
                                (unsigned long long)(flags & ~LCONT_ROOTFS_NO_PIVOT));

    plan = calloc(1, sizeof(*plan));
    if (!plan)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    plan->proc_fd = -1;
    plan->devnull_fd = -1;
    plan->flags = flags;
    plan->has_userns = has_userns;
    ns = spec->linux_.namespaces;
    plan->new_netns = ns[LCONT_NS_NET].present && !ns[LCONT_NS_NET].path;
    plan->cgroupns = ns[LCONT_NS_CGROUP].present;
    plan->final_propagation = spec->linux_.rootfs_propagation;
    plan->root_propagation = plan->final_propagation ? plan->final_propagation : MS_SLAVE | MS_REC;
    plan->readonly_root = spec->root_readonly;
    plan->setup_dev = true;

    r = resolve_rootfs(plan, spec, bundle, reterr);
    if (r >= 0)
        r = open_procfs(plan, reterr);
    if (r >= 0)
        r = open_devnull(plan, reterr);
    if (r >= 0)
        r = lcont__mountinfo_read(plan->proc_fd, "self/mountinfo", &mi, &n_mi, reterr);
    if (r >= 0)
        r = plan_host_mounts(plan, mi, n_mi, reterr);
    if (r >= 0)
        r = lcont__rootfs_plan_mounts(plan, spec, bundle, reterr);
    for (size_t i = 0; r >= 0 && i < plan->n_mounts; i++)
        if (plan->mounts[i].kind == LCONT_RM_CGROUP && !plan->cgroup.planned)
            r = lcont__rootfs_plan_cgroup(plan, mi, n_mi, reterr);
    if (r >= 0)
        r = lcont__rootfs_plan_devices(plan, spec, reterr);
    if (r >= 0)
        r = copy_paths(spec->linux_.masked_paths, &plan->masked_paths, "maskedPaths", reterr);
    if (r >= 0)
        r = copy_paths(spec->linux_.readonly_paths, &plan->readonly_paths, "readonlyPaths", reterr);
    if (r >= 0)
        r = lcont__rootfs_plan_sysctls(plan, spec, reterr);
    lcont__mountinfo_free(mi, n_mi);
    if (r < 0) {
        lcont__rootfs_plan_free(plan);
        return lcont__error_prefix(reterr, r, "rootfs");
    }
    *ret = plan;
    return 0;
}

void lcont__rootfs_plan_free(struct lcont_rootfs_plan *plan)
{
    if (!plan)
        return;
    free(plan->rootfs);
    free(plan->rootfs_parent_mount);
    if (plan->proc_fd >= 0)
        close(plan->proc_fd);
    if (plan->devnull_fd >= 0)
        close(plan->devnull_fd);
    for (size_t i = 0; i < plan->n_mounts; i++)
        lcont__rootfs_mount_clear(&plan->mounts[i]);
    free(plan->mounts);
    lcont__rootfs_cgroup_clear(&plan->cgroup);
    for (size_t i = 0; i < plan->n_devices; i++)
        free(plan->devices[i].path);
    free(plan->devices);
    lcont__strv_free(plan->masked_paths);
    lcont__strv_free(plan->readonly_paths);
    for (size_t i = 0; i < plan->n_sysctls; i++) {
        free(plan->sysctls[i].path);
        free(plan->sysctls[i].value);
    }
    free(plan->sysctls);
    lcont__strv_free(plan->detach_mounts);
    free(plan);
}
