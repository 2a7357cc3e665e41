/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which cgroup layout the host has, and where its hierarchies are mounted. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "cgroup/cgroup-internal.h"
#include "core/error-internal.h"
#include "core/mountinfo.h"
#include "core/util.h"

int lcont__cgroup_detect(enum lcont_cgroup_layout *ret, lcont_error **reterr)
{
    struct statfs fs;

    if (!ret)
        return lcont__error_set(reterr, -EINVAL, "cgroup detect: no result pointer");
    if (statfs(CGROUP_ROOT, &fs) < 0)
        return lcont__error_setsys(reterr, lcont__negerrno(), "cgroup: statfs %s", CGROUP_ROOT);
    if (fs.f_type == CGROUP2_SUPER_MAGIC) {
        *ret = LCONT_CGROUP_LAYOUT_V2;
        return 0;
    }
    /* systemd's hybrid layout: v1 controllers on a tmpfs plus cgroup2 at .../unified */
    if (fs.f_type == TMPFS_MAGIC && statfs(CGROUP_ROOT "/unified", &fs) == 0 &&
        fs.f_type == CGROUP2_SUPER_MAGIC) {
        *ret = LCONT_CGROUP_LAYOUT_HYBRID;
        return 0;
    }
    *ret = LCONT_CGROUP_LAYOUT_V1;
    return 0;
}

/*
 * The controller part of a v1 mount's super options ("rw,cpu,cpuacct" ->
 * "cpu,cpuacct"): names listed in /proc/cgroups plus "name=<x>"; options such
 * as noprefix or xattr are dropped.
 */
static int v1_controllers(const char *superopts, const char *known, char **ret)
{
    _cleanup_free_ char *copy = strdup(superopts);
    _cleanup_free_ char *out = calloc(1, strlen(superopts) + 1);
    char *save = NULL;

    if (!copy || !out)
        return -ENOMEM;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!lcont__str_startswith(tok, "name=") && !lcont__cgroup_list_has(known, '\n', tok))
            continue;
        if (*out)
            strcat(out, ",");
        strcat(out, tok);
    }
    if (!*out)
        return -ENOENT;
    *ret = TAKE_PTR(out);
    return 0;
}

/* First column of /proc/cgroups, one name per line. */
static int known_controllers(char **ret)
{
    _cleanup_free_ char *text = NULL;
    char *out, *save = NULL;
    int r;

    r = lcont__read_file_at(AT_FDCWD, "/proc/cgroups", 1u << 20, &text, NULL);
    if (r < 0)
        return r;
    out = calloc(1, strlen(text) + 2);
    if (!out)
        return -ENOMEM;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t len = strcspn(line, " \t");
        if (line[0] == '#' || len == 0)
            continue;
        strncat(out, line, len);
        strcat(out, "\n");
    }
    *ret = out;
    return 0;
}

static void hierarchy_clear(struct cg_hierarchy *h)
{
    free(h->mount);
    free(h->mount_root);
    free(h->controllers);
    if (h->dirfd >= 0)
        close(h->dirfd);
    *h = (struct cg_hierarchy){ .dirfd = -1 };
}

void lcont__cgroup_hierarchies_free(struct cg_hierarchy *hier, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hierarchy_clear(&hier[i]);
    free(hier);
}

/* The table being built; devs[i] is the device of hier[i]'s filesystem. */
struct hier_table {
    struct cg_hierarchy *hier;
    dev_t *devs;
    size_t n;
};

static void table_free(struct hier_table *t)
{
    lcont__cgroup_hierarchies_free(t->hier, t->n);
    free(t->devs);
}

static bool under_cgroup_root(const char *mountpoint)
{
    return lcont__str_startswith(mountpoint, CGROUP_ROOT "/") ||
           strcmp(mountpoint, CGROUP_ROOT) == 0;
}

/*
 * Record one mount. A later mount on the same mount point hides the earlier one;
 * a hierarchy mounted twice (same device, e.g. bind-mounted into a container
 * rootfs) is kept once, preferring the mount under /sys/fs/cgroup.
 */
static int table_add(struct hier_table *t, const struct lcont_mountinfo *m, char *controllers,
                     bool v2)
{
    struct cg_hierarchy h = { .dirfd = -1, .v2 = v2 };
    dev_t dev = makedev(m->major, m->minor);
    size_t slot = t->n;

    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->hier[i].mount, m->mountpoint) == 0) {
            slot = i;
            break;
        }
        if (t->devs[i] == dev) {
            if (under_cgroup_root(t->hier[i].mount) || !under_cgroup_root(m->mountpoint)) {
                free(controllers);
                return 0;
            }
            slot = i;
            break;
        }
    }
    h.mount = strdup(m->mountpoint);
    h.mount_root = strdup(m->root);
    h.controllers = controllers;
    if (!h.mount || !h.mount_root) {
        hierarchy_clear(&h);
        return -ENOMEM;
    }
    if (slot == t->n) {
        struct cg_hierarchy *nh = realloc(t->hier, (t->n + 1) * sizeof(*nh));
        if (nh)
            t->hier = nh;
        dev_t *nd = nh ? realloc(t->devs, (t->n + 1) * sizeof(*nd)) : NULL;
        if (!nd) {
            hierarchy_clear(&h);
            return -ENOMEM;
        }
        t->devs = nd;
        t->n++;
    } else {
        hierarchy_clear(&t->hier[slot]);
    }
    t->hier[slot] = h;
    t->devs[slot] = dev;
    return 0;
}

/* Add the hierarchies of @layout found among the @n mounts @mi to @t. */
static int table_fill(struct hier_table *t, const struct lcont_mountinfo *mi, size_t n,
                      enum lcont_cgroup_layout layout, const char *known)
{
    const char *v2_mount = layout == LCONT_CGROUP_LAYOUT_V2 ? CGROUP_ROOT : CGROUP_ROOT "/unified";
    bool want_v1 = layout != LCONT_CGROUP_LAYOUT_V2;
    int r;

    for (size_t i = 0; i < n; i++) {
        const struct lcont_mountinfo *m = &mi[i];
        char *controllers = NULL;

        if (strcmp(m->fstype, "cgroup2") == 0 && strcmp(m->mountpoint, v2_mount) == 0) {
            controllers = strdup("");
            if (!controllers)
                return -ENOMEM;
            r = table_add(t, m, controllers, true);
        } else if (want_v1 && strcmp(m->fstype, "cgroup") == 0) {
            r = v1_controllers(m->super_options, known, &controllers);
            if (r == -ENOENT)
                continue;
            if (r == 0)
                r = table_add(t, m, controllers, false);
        } else {
            continue;
        }
        if (r < 0)
            return r;
    }
    return 0;
}

int lcont__cgroup_hierarchies_load(enum lcont_cgroup_layout layout, struct cg_hierarchy **ret,
                                   size_t *ret_n, lcont_error **reterr)
{
    _cleanup_free_ char *known = NULL;
    _cleanup_(table_free) struct hier_table t = { 0 };
    struct lcont_mountinfo *mi = NULL;
    size_t n_mi = 0;
    int r;

    r = lcont__mountinfo_read(AT_FDCWD, "/proc/self/mountinfo", &mi, &n_mi, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "cgroup");
    if (layout != LCONT_CGROUP_LAYOUT_V2) {
        r = known_controllers(&known);
        if (r < 0) {
            lcont__mountinfo_free(mi, n_mi);
            return lcont__error_setsys(reterr, r, "cgroup: read /proc/cgroups");
        }
    }
    r = table_fill(&t, mi, n_mi, layout, known);
    lcont__mountinfo_free(mi, n_mi);
    if (r < 0)
        return lcont__error_set(reterr, r, "cgroup: out of memory");
    if (t.n == 0)
        return lcont__error_set(reterr, -ENOENT,
                                "cgroup: no %s hierarchy is mounted (see /proc/self/mountinfo)",
                                layout == LCONT_CGROUP_LAYOUT_V2 ? "cgroup2" : "cgroup v1");
    *ret = TAKE_PTR(t.hier);
    *ret_n = t.n;
    t.n = 0;
    return 0;
}
