/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCI "cgroup" mount, shaped like the host's layout:
 *  - cgroup v2 host: one cgroup2 mount;
 *  - v1 or hybrid host: a tmpfs with one entry per hierarchy (and symlinks
 *    for comounted controllers such as cpu,cpuacct), like runc.
 * With a cgroup namespace each hierarchy is mounted fresh (the kernel shows
 * the namespace root); without one, the container's own cgroup directory of
 * each host hierarchy is bind-mounted, found in /proc/self/cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "runtime/rootfs-internal.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* ---- parent ---- */

void lcont__rootfs_cgroup_clear(struct lcont_rootfs_cgroup *cg)
{
    for (size_t i = 0; i < cg->n_hiers; i++) {
        struct lcont_rootfs_cgroup_hier *h = &cg->hiers[i];
        free(h->dir);
        free(h->fstype);
        free(h->data);
        free(h->key);
        free(h->host_mountpoint);
        free(h->host_root);
        lcont__strv_free(h->links);
    }
    free(cg->hiers);
    memset(cg, 0, sizeof(*cg));
}

/* The controllers of a v1 super-option string, in kernel order ("rw,cpu,cpuacct" -> "cpu,cpuacct"). */
static char *v1_controllers(const char *super)
{
    static const char *const not_controllers[] = {
        "rw", "ro", "noprefix", "clone_children", "xattr", "cpuset_v2_mode", "favordynmods", "none",
    };
    char *out = calloc(1, strlen(super) + 1);
    const char *p = super;

    if (!out)
        return NULL;
    while (*p) {
        const char *end = strchrnul(p, ',');
        size_t n = (size_t)(end - p);
        bool skip = n == 0 || strncmp(p, "release_agent=", 14) == 0;
        for (size_t k = 0; !skip && k < ELEMENTSOF(not_controllers); k++)
            skip = strlen(not_controllers[k]) == n && strncmp(p, not_controllers[k], n) == 0;
        if (!skip) {
            if (*out)
                strcat(out, ",");
            strncat(out, p, n);
        }
        p = *end ? end + 1 : end;
    }
    return out;
}

static int add_hier(struct lcont_rootfs_cgroup *cg, const struct lcont_mountinfo *e, bool v1)
{
    struct lcont_rootfs_cgroup_hier *h;
    struct lcont_rootfs_cgroup_hier *g = realloc(cg->hiers, (cg->n_hiers + 1) * sizeof(*g));

    if (!g)
        return -ENOMEM;
    cg->hiers = g;
    h = &g[cg->n_hiers++];
    memset(h, 0, sizeof(*h));
    h->host_mountpoint = strdup(e->mountpoint);
    h->host_root = strdup(e->root);
    h->fstype = strdup(e->fstype);
    if (!h->host_mountpoint || !h->host_root || !h->fstype)
        return -ENOMEM;
    if (v1) {
        h->dir = strdup(e->mountpoint + strlen(CGROUP_ROOT "/"));
        if (!h->dir)
            return -ENOMEM;
    }
    if (strcmp(e->fstype, "cgroup2") == 0) {
        h->key = strdup("");
        return h->key ? 0 : -ENOMEM;
    }
    h->data = v1_controllers(e->super_options);
    h->key = h->data ? strdup(h->data) : NULL;
    if (!h->key)
        return -ENOMEM;
    /* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct" */
    if (strchr(h->dir, ',')) {
        _cleanup_free_ char *copy = strdup(h->dir);
        char *save = NULL;
        if (!copy)
            return -ENOMEM;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (lcont__strv_push(&h->links, t) < 0)
                return -ENOMEM;
    }
    return 0;
}

static bool have_dir(const struct lcont_rootfs_cgroup *cg, const char *dir)
{
    for (size_t i = 0; i < cg->n_hiers; i++)
        if (lcont__streq_ptr(cg->hiers[i].dir, dir))
            return true;
    return false;
}

int lcont__rootfs_plan_cgroup(struct lcont_rootfs_plan *plan, const struct lcont_mountinfo *mi,
                              size_t n_mi, lcont_error **reterr)
{
    struct lcont_rootfs_cgroup *cg = &plan->cgroup;
    const struct lcont_mountinfo *top = NULL;
    int r = 0;

    /* the last mount on a path is the visible one */
    for (size_t i = 0; i < n_mi; i++)
        if (strcmp(mi[i].mountpoint, CGROUP_ROOT) == 0)
            top = &mi[i];
    cg->planned = true;
    if (top && strcmp(top->fstype, "cgroup2") == 0) {
        r = add_hier(cg, top, false);
        if (r < 0)
            return lcont__error_set(reterr, r, "out of memory");
        return 0;
    }
    cg->v1 = true;
    for (size_t i = n_mi; i-- > 0;) {
        const struct lcont_mountinfo *e = &mi[i];
        const char *name;
        if (strcmp(e->fstype, "cgroup") != 0 && strcmp(e->fstype, "cgroup2") != 0)
            continue;
        if (!lcont__str_startswith(e->mountpoint, CGROUP_ROOT "/"))
            continue;
        name = e->mountpoint + strlen(CGROUP_ROOT "/");
        if (!*name || strchr(name, '/') || have_dir(cg, name))
            continue;
        r = add_hier(cg, e, true);
        if (r < 0)
            return lcont__error_set(reterr, r, "out of memory");
    }
    if (cg->n_hiers == 0)
        return lcont__error_set(reterr, -ENOENT,
                                "no cgroup hierarchy is mounted under " CGROUP_ROOT);
    return 0;
}

/* ---- child ---- */

/*
 * Find the path of hierarchy @key ("cpu,cpuacct", "name=systemd", "" for
 * cgroup2) in the /proc/self/cgroup text @buf. Returns its start and length.
 */
static bool find_own_path(const char *buf, const char *key, const char **ret, size_t *ret_len)
{
    size_t klen = strlen(key);

    for (const char *line = buf; *line;) {
        const char *nl = strchrnul(line, '\n');
        const char *c1 = memchr(line, ':', (size_t)(nl - line));
        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(nl - c1 - 1)) : NULL;

        if (c2 && (size_t)(c2 - c1 - 1) == klen && strncmp(c1 + 1, key, klen) == 0 &&
            (klen > 0 || (c1 - line == 1 && line[0] == '0'))) {
            *ret = c2 + 1;
            *ret_len = (size_t)(nl - c2 - 1);
            return true;
        }
        line = *nl ? nl + 1 : nl;
    }
    return false;
}

/* host_mountpoint + (own path relative to the host mount's root), into @out */
static int host_path(const struct lcont_rootfs_cgroup_hier *h, const char *cgfile, char *out,
                     size_t size)
{
    const char *own;
    size_t own_len, root_len = strlen(h->host_root);

    if (!find_own_path(cgfile, h->key, &own, &own_len))
        return -ENOENT;
    if (strcmp(h->host_root, "/") != 0) {
        if (own_len < root_len || strncmp(own, h->host_root, root_len) != 0 ||
            (own_len > root_len && own[root_len] != '/'))
            return -ENOENT; /* our cgroup is not visible through the host mount */
        own += root_len;
        own_len -= root_len;
    }
    if (strlen(h->host_mountpoint) + own_len + 1 >= size)
        return -ENAMETOOLONG;
    out[0] = '\0';
    lcont__cm_append(out, size, h->host_mountpoint);
    if (own_len > 1 || (own_len == 1 && own[0] != '/')) {
        size_t len = strlen(out);
        memcpy(out + len, own, own_len);
        out[len + own_len] = '\0';
    }
    return 0;
}

static int read_own_cgroups(const struct lcont_rootfs_plan *plan, char *buf, size_t size)
{
    int fd = openat(plan->proc_fd, "self/cgroup", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    size_t len = 0;

    if (fd < 0)
        return -errno;
    while (len + 1 < size) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? -errno : 0;
            close(fd);
            if (e < 0)
                return e;
            buf[len] = '\0';
            return 0;
        }
        len += (size_t)n;
    }
    close(fd);
    return -EFBIG;
}

/* One hierarchy onto @target_fd: a fresh mount in a cgroup namespace, else a bind. */
static int mount_hier(const struct lcont_rootfs_plan *plan, const struct lcont_rootfs_mount *m,
                      const struct lcont_rootfs_cgroup_hier *h, const char *cgfile, int target_fd)
{
    char src[PATH_MAX];
    struct lcont_rootfs_attrs a = m->attrs;
    int r;

    if (plan->cgroupns)
        return lcont__rootfs_mount_on_fd(plan->proc_fd, "cgroup", target_fd, h->fstype, m->flags,
                                         h->data);
    r = host_path(h, cgfile, src, sizeof(src));
    if (r < 0)
        return r;
    a.rset = a.rclr = 0;
    a.propagation = 0;
    return lcont__rootfs_bind_path(src, target_fd, true, &a, plan->has_userns);
}

int lcont__rootfs_cgroup_child(const struct lcont_rootfs_plan *plan,
                               const struct lcont_rootfs_mount *m, int rootfd, int target_fd,
                               struct lcont_child_error *err)
{
    const struct lcont_rootfs_cgroup *cg = &plan->cgroup;
    struct lcont_rootfs_attrs rec = { .rset = m->attrs.rset,
                                      .rclr = m->attrs.rclr,
                                      .propagation = m->attrs.propagation };
    _cleanup_close_ int tmp = -1;
    char cgfile[4096];
    int r;

    cgfile[0] = '\0';
    if (!plan->cgroupns) {
        r = read_own_cgroups(plan, cgfile, sizeof(cgfile));
        if (r < 0)
            return lcont__child_fail(err, r, "read", "/proc/self/cgroup");
    }

    if (!cg->v1) {
        r = mount_hier(plan, m, &cg->hiers[0], cgfile, target_fd);
        if (r < 0)
            return lcont__child_fail(err, r, "mount cgroup2 on", m->destination);
        tmp = lcont__rootfs_reopen_mounted(rootfd, m->destination, target_fd, CGROUP2_SUPER_MAGIC);
        if (tmp < 0)
            return lcont__child_fail(err, tmp, "verify the mount on", m->destination);
        r = lcont__rootfs_apply_attrs(tmp, &rec, plan->has_userns);
        if (r < 0)
            return lcont__child_fail(err, r, "set options of", m->destination);
        return 0;
    }

    r = lcont__rootfs_mount_on_fd(plan->proc_fd, "tmpfs", target_fd, "tmpfs",
                                  m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC), "mode=755");
    if (r < 0)
        return lcont__child_fail(err, r, "mount tmpfs on", m->destination);
    tmp = lcont__rootfs_reopen_mounted(rootfd, m->destination, target_fd, TMPFS_MAGIC);
    if (tmp < 0)
        return lcont__child_fail(err, tmp, "verify the mount on", m->destination);

    for (size_t i = 0; i < cg->n_hiers; i++) {
        const struct lcont_rootfs_cgroup_hier *h = &cg->hiers[i];
        int dir;

        /* our own fresh tmpfs: nothing else can have put a symlink there */
        if (mkdirat(tmp, h->dir, 0755) < 0 && errno != EEXIST)
            return lcont__child_fail(err, -errno, "create cgroup directory", h->dir);
        dir = openat(tmp, h->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir < 0)
            return lcont__child_fail(err, -errno, "open cgroup directory", h->dir);
        r = mount_hier(plan, m, h, cgfile, dir);
        close(dir);
        if (r < 0)
            return lcont__child_fail(err, r, "mount cgroup hierarchy", h->dir);
        for (size_t k = 0; h->links && h->links[k]; k++)
            if (symlinkat(h->dir, tmp, h->links[k]) < 0 && errno != EEXIST)
                return lcont__child_fail(err, -errno, "symlink cgroup hierarchy", h->links[k]);
    }
    if (m->flags & MS_RDONLY) {
        r = lcont__rootfs_setattr(tmp, false, MOUNT_ATTR_RDONLY, 0, 0, false);
        if (r < 0)
            return lcont__child_fail(err, r, "make read-only", m->destination);
    }
    r = lcont__rootfs_apply_attrs(tmp, &rec, plan->has_userns);
    if (r < 0)
        return lcont__child_fail(err, r, "set options of", m->destination);
    return 0;
}
