/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which cgroup layout the host has, and where its hierarchies are mounted. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "cgroup/cgroup-internal.h"
#include "core/error.h"
#include "core/util.h"

#define MOUNTINFO_MAX (16u << 20)

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

/* One parsed /proc/self/mountinfo line; strings point into the (modified) line. */
struct mount_line {
    const char *dev; /* "major:minor": equal for every mount of one hierarchy */
    char *root;
    char *mountpoint;
    const char *fstype;
    char *superopts;
};

/* Undo the kernel's octal escapes ("\040" for a space) in place. */
static void unescape_octal(char *s)
{
    char *out = s;

    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
            s += 3;
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
}

/* Split "ID PARENT DEV ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS". */
static bool parse_mount_line(char *line, struct mount_line *m)
{
    char *field[6], *save = NULL, *tok;
    size_t n = 0;

    while (n < ELEMENTSOF(field) && (tok = strtok_r(n ? NULL : line, " ", &save)))
        field[n++] = tok;
    if (n < ELEMENTSOF(field))
        return false;
    while ((tok = strtok_r(NULL, " ", &save)) && strcmp(tok, "-") != 0)
        ; /* optional fields ("shared:1", ...) */
    if (!tok)
        return false;
    m->fstype = strtok_r(NULL, " ", &save);
    if (!m->fstype || !strtok_r(NULL, " ", &save)) /* source */
        return false;
    m->superopts = strtok_r(NULL, " ", &save);
    if (!m->superopts)
        return false;
    m->dev = field[2];
    m->root = field[3];
    m->mountpoint = field[4];
    unescape_octal(m->root);
    unescape_octal(m->mountpoint);
    return true;
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

/* The table being built; devs[i] is hier[i]'s "major:minor". */
struct hier_table {
    struct cg_hierarchy *hier;
    char **devs;
    size_t n;
};

static void table_free(struct hier_table *t)
{
    lcont__cgroup_hierarchies_free(t->hier, t->n);
    for (size_t i = 0; i < t->n; i++)
        free(t->devs[i]);
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
static int table_add(struct hier_table *t, const struct mount_line *m, char *controllers, bool v2)
{
    struct cg_hierarchy h = { .dirfd = -1, .v2 = v2 };
    size_t slot = t->n;

    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->hier[i].mount, m->mountpoint) == 0) {
            slot = i;
            break;
        }
        if (strcmp(t->devs[i], m->dev) == 0) {
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
    char *dev = strdup(m->dev);
    if (!h.mount || !h.mount_root || !dev) {
        hierarchy_clear(&h);
        free(dev);
        return -ENOMEM;
    }
    if (slot == t->n) {
        struct cg_hierarchy *nh = realloc(t->hier, (t->n + 1) * sizeof(*nh));
        if (nh)
            t->hier = nh;
        char **nd = nh ? realloc(t->devs, (t->n + 1) * sizeof(*nd)) : NULL;
        if (!nd) {
            hierarchy_clear(&h);
            free(dev);
            return -ENOMEM;
        }
        t->devs = nd;
        t->n++;
    } else {
        hierarchy_clear(&t->hier[slot]);
        free(t->devs[slot]);
    }
    t->hier[slot] = h;
    t->devs[slot] = dev;
    return 0;
}

int lcont__cgroup_hierarchies_load(enum lcont_cgroup_layout layout, struct cg_hierarchy **ret,
                                   size_t *ret_n, lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL, *known = NULL;
    _cleanup_(table_free) struct hier_table t = { 0 };
    const char *v2_mount = layout == LCONT_CGROUP_LAYOUT_V2 ? CGROUP_ROOT : CGROUP_ROOT "/unified";
    bool want_v1 = layout != LCONT_CGROUP_LAYOUT_V2;
    char *save = NULL;
    int r;

    r = lcont__read_file_at(AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_MAX, &text, NULL);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: read /proc/self/mountinfo");
    if (want_v1) {
        r = known_controllers(&known);
        if (r < 0)
            return lcont__error_setsys(reterr, r, "cgroup: read /proc/cgroups");
    }
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        struct mount_line m;
        char *controllers = NULL;

        if (!parse_mount_line(line, &m))
            continue;
        if (strcmp(m.fstype, "cgroup2") == 0 && strcmp(m.mountpoint, v2_mount) == 0) {
            controllers = strdup("");
            if (!controllers)
                return lcont__error_set(reterr, -ENOMEM, "cgroup: out of memory");
            r = table_add(&t, &m, controllers, true);
        } else if (want_v1 && strcmp(m.fstype, "cgroup") == 0) {
            r = v1_controllers(m.superopts, known, &controllers);
            if (r == -ENOENT)
                continue;
            if (r == 0)
                r = table_add(&t, &m, controllers, false);
        } else {
            continue;
        }
        if (r < 0)
            return lcont__error_set(reterr, r, "cgroup: out of memory");
    }
    if (t.n == 0)
        return lcont__error_set(reterr, -ENOENT,
                                "cgroup: no %s hierarchy is mounted (see /proc/self/mountinfo)",
                                layout == LCONT_CGROUP_LAYOUT_V2 ? "cgroup2" : "cgroup v1");
    *ret = TAKE_PTR(t.hier);
    *ret_n = t.n;
    for (size_t i = 0; i < t.n; i++)
        free(t.devs[i]);
    free(t.devs);
    t.devs = NULL;
    t.n = 0;
    return 0;
}
