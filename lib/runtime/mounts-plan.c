/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parent side: classify and prepare each config mount (the child just executes). */
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "runtime/rootfs-internal.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
/* flags that say how to mount, not what the mount is: never passed to a new fs mount */
#define NOT_FS_FLAGS (MS_BIND | MS_REC | MS_REMOUNT | MS_MOVE | PROPAGATION_FLAGS)

/* Files below /proc that may be bind-mounted over (lxcfs and friends), as runc allows. */
static const char *const proc_bind_ok[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",
    "/proc/stat",    "/proc/swaps",     "/proc/uptime",
    "/proc/loadavg", "/proc/slabinfo",  "/proc/sys/kernel/ns_last_pid",
};

static const struct {
    const char *type;
    long magic;
} fs_magics[] = {
    { "proc", PROC_SUPER_MAGIC }, { "sysfs", SYSFS_MAGIC },
    { "tmpfs", TMPFS_MAGIC },     { "devpts", DEVPTS_SUPER_MAGIC },
    { "mqueue", MQUEUE_MAGIC },   { "cgroup2", CGROUP2_SUPER_MAGIC },
};

void lcont__rootfs_mount_clear(struct lcont_rootfs_mount *m)
{
    free(m->destination);
    free(m->source);
    free(m->type);
    free(m->data);
    free(m->data_retry);
}

static bool has_option(const char *data, const char *prefix)
{
    size_t n = strlen(prefix);

    for (const char *p = data; p && *p;) {
        if (strncmp(p, prefix, n) == 0)
            return true;
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return false;
}

/* @data without its "gid=..." option, or NULL when nothing remains */
static char *drop_gid_option(const char *data)
{
    char *out = calloc(1, strlen(data) + 1);
    const char *p = data;

    if (!out)
        return NULL;
    while (*p) {
        const char *end = strchrnul(p, ',');
        if (strncmp(p, "gid=", 4) != 0) {
            if (*out)
                strcat(out, ",");
            strncat(out, p, (size_t)(end - p));
        }
        p = *end ? end + 1 : end;
    }
    return out;
}

static int plan_bind(struct lcont_rootfs_mount *m, const struct lcont_spec_mount *sm, size_t i,
                     const char *bundle, lcont_error **reterr)
{
    struct stat st;

    if (!sm->source || !*sm->source)
        return lcont__error_set(reterr, -EINVAL, "mounts[%zu]: a bind mount needs a source", i);
    if (sm->source[0] == '/') {
        m->source = strdup(sm->source);
    } else {
        /* relative bind sources are relative to the bundle, like runc */
        if (!bundle || bundle[0] != '/')
            return lcont__error_set(reterr, -EINVAL,
                                    "mounts[%zu].source '%s' is relative: an absolute bundle is "
                                    "required",
                                    i, sm->source);
        if (asprintf(&m->source, "%s/%s", bundle, sm->source) < 0)
            m->source = NULL;
    }
    if (!m->source)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    if (stat(m->source, &st) < 0)
        return lcont__error_setsys(reterr, -errno, "mounts[%zu].source '%s'", i, m->source);
    m->kind = LCONT_RM_BIND;
    m->recursive = sm->recursive_bind;
    m->dest_is_file = !S_ISDIR(st.st_mode);
    return 0;
}

static int plan_fs(struct lcont_rootfs_plan *plan, struct lcont_rootfs_mount *m,
                   const struct lcont_spec_mount *sm)
{
    m->kind = LCONT_RM_FS;
    m->type = strdup(sm->type);
    m->source = strdup(sm->source && *sm->source ? sm->source : sm->type);
    if (!m->type || !m->source)
        return -ENOMEM;
    m->flags = sm->flags & ~NOT_FS_FLAGS;
    if (sm->data && *sm->data) {
        m->data = strdup(sm->data);
        if (!m->data)
            return -ENOMEM;
    }
    for (size_t k = 0; k < ELEMENTSOF(fs_magics); k++)
        if (strcmp(sm->type, fs_magics[k].type) == 0)
            m->fs_magic = fs_magics[k].magic;

    if (strcmp(sm->type, "proc") == 0 || strcmp(sm->type, "sysfs") == 0)
        m->no_symlink = true;
    if (plan->has_userns && strcmp(sm->type, "sysfs") == 0)
        m->fallback_source = "/sys";
    if (plan->has_userns && strcmp(sm->type, "mqueue") == 0)
        m->fallback_source = "/dev/mqueue";

    if (strcmp(sm->type, "devpts") == 0) {
        /* without ptmxmode the new instance's ptmx is 0000 and unusable */
        if (!has_option(m->data, "ptmxmode=")) {
            char *d = NULL;
            if (asprintf(&d, "%s%sptmxmode=0666", m->data ? m->data : "", m->data ? "," : "") < 0)
                return -ENOMEM;
            free(m->data);
            m->data = d;
        }
        /* a user namespace may not map the tty group: retry without gid=, like runc */
        if (plan->has_userns && has_option(m->data, "gid=")) {
            m->data_retry = drop_gid_option(m->data);
            if (!m->data_retry)
                return -ENOMEM;
        }
        if (strcmp(m->destination, "/dev/pts") == 0)
            plan->has_devpts = true;
    }
    return 0;
}

static int check_destination(const char *dest, const struct lcont_spec_mount *sm, bool bind,
                             size_t i, lcont_error **reterr)
{
    if (strcmp(dest, "/") == 0)
        return lcont__error_set(reterr, -EINVAL,
                                "mounts[%zu].destination: cannot mount over the rootfs", i);
    /* below /proc only known files may be covered: anything else could hide masks */
    if (lcont__rootfs_path_under(dest, "/proc") && strcmp(dest, "/proc") != 0) {
        bool ok = false;
        for (size_t k = 0; bind && k < ELEMENTSOF(proc_bind_ok); k++)
            ok |= strcmp(dest, proc_bind_ok[k]) == 0;
        if (!ok)
            return lcont__error_set(reterr, -EINVAL,
                                    "mounts[%zu].destination '%s': mounts below /proc are not "
                                    "allowed",
                                    i, sm->destination);
    }
    return 0;
}

int lcont__rootfs_plan_mounts(struct lcont_rootfs_plan *plan, const struct lcont_spec *spec,
                              const char *bundle, lcont_error **reterr)
{
    if (spec->n_mounts == 0)
        return 0;
    plan->mounts = calloc(spec->n_mounts, sizeof(*plan->mounts));
    if (!plan->mounts)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");

    for (size_t i = 0; i < spec->n_mounts; i++) {
        const struct lcont_spec_mount *sm = &spec->mounts[i];
        struct lcont_rootfs_mount *m = &plan->mounts[i];
        bool bind = sm->bind || (sm->type && strcmp(sm->type, "bind") == 0);
        int r;

        plan->n_mounts = i + 1; /* so plan_free() clears this entry on failure */
        if (!sm->destination || !*sm->destination)
            return lcont__error_set(reterr, -EINVAL, "mounts[%zu].destination: required", i);
        m->destination = lcont__rootfs_clean_path(sm->destination);
        if (!m->destination)
            return lcont__error_set(reterr, -ENOMEM, "out of memory");
        r = check_destination(m->destination, sm, bind, i, reterr);
        if (r < 0)
            return r;
        lcont__rootfs_ms_to_attr(sm->flags, sm->clear_flags, &m->attrs.set, &m->attrs.clr);
        m->attrs.rset = sm->attr_set;
        m->attrs.rclr = sm->attr_clr;
        m->attrs.propagation = sm->propagation;

        if (bind) {
            r = plan_bind(m, sm, i, bundle, reterr);
            if (r < 0)
                return r;
            if (strcmp(m->destination, "/dev") == 0)
                plan->setup_dev = false; /* the caller brings its own /dev */
            continue;
        }
        if (!sm->type || !*sm->type)
            return lcont__error_set(reterr, -EINVAL, "mounts[%zu].type: required", i);
        if (strcmp(sm->type, "cgroup") == 0) {
            m->kind = LCONT_RM_CGROUP;
            m->flags = sm->flags & ~NOT_FS_FLAGS;
            continue;
        }
        if (strcmp(sm->type, "sysfs") == 0 && plan->has_userns && !plan->new_netns) {
            /* sysfs needs a network namespace owned by the user namespace: bind the host's */
            m->kind = LCONT_RM_BIND;
            m->source = strdup("/sys");
            m->recursive = true;
            m->no_symlink = true;
            if (!m->source)
                return lcont__error_set(reterr, -ENOMEM, "out of memory");
            continue;
        }
        r = plan_fs(plan, m, sm);
        if (r < 0)
            return lcont__error_set(reterr, r, "out of memory");
    }
    return 0;
}
