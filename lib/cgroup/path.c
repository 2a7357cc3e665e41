/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.cgroupsPath -> one canonical path used in every hierarchy.
 *
 * Absolute paths are taken relative to each hierarchy's root. Relative paths
 * go below the caller's own cgroup; as v1 hierarchies may place the caller in
 * different cgroups, we resolve against one reference hierarchy (memory on
 * v1/hybrid, the cgroup2 tree on v2) and use the result everywhere, so the
 * container has the same path in all of them and the state file can store a
 * single string.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "core/error-internal.h"
#include "core/util.h"

#define DEFAULT_PARENT "/lcont"

static bool component_ok(const char *c, size_t len)
{
    if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
        return false;
    for (size_t i = 0; i < len; i++)
        if (c[i] == '\n') /* would corrupt /proc/self/cgroup parsing */
            return false;
    return true;
}

/* "a/b" (relative, @absolute false) or "/a/b": non-empty components, none "." or "..". */
static bool components_ok(const char *path, bool absolute)
{
    const char *p = path;

    if (absolute) {
        if (*p != '/')
            return false;
        p++;
    }
    for (;;) {
        size_t len = strcspn(p, "/");
        if (!component_ok(p, len))
            return false;
        if (p[len] == '\0')
            return true;
        p += len + 1;
    }
}

bool lcont__cgroup_path_is_canonical(const char *path)
{
    return path && components_ok(path, true) && strlen(path) < 4096;
}

/* runc/crun's systemd driver format "slice:prefix:name" (no '/', two ':'). */
static bool is_systemd_path(const char *path)
{
    size_t colons = 0;

    if (strchr(path, '/'))
        return false;
    for (const char *p = path; *p; p++)
        colons += *p == ':';
    return colons == 2;
}

/* The hierarchy relative paths are resolved against (see the comment at the top). */
static const struct cg_hierarchy *reference_hierarchy(const struct cg_hierarchy *hier, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!hier[i].v2 && lcont__cgroup_list_has(hier[i].controllers, ',', "memory"))
            return &hier[i];
    for (size_t i = 0; i < n; i++)
        if (hier[i].v2)
            return &hier[i];
    return n ? &hier[0] : NULL;
}

/*
 * The caller's cgroup in @h, relative to @h's mount: the /proc/self/cgroup
 * line of the same controller set ("0::" for cgroup2), minus the mount's root.
 */
static int own_cgroup(const struct cg_hierarchy *h, char **ret, lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL;
    char *save = NULL;
    int r;

    r = lcont__read_file_at(AT_FDCWD, "/proc/self/cgroup", 1u << 20, &text, NULL);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: read /proc/self/cgroup");
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *ctrl = strchr(line, ':');
        char *path = ctrl ? strchr(ctrl + 1, ':') : NULL;
        const char *root = h->mount_root;
        size_t root_len = strlen(root);
        bool match;

        if (!path)
            continue;
        *path++ = '\0';
        *ctrl++ = '\0';
        if (h->v2) {
            match = strcmp(line, "0") == 0 && *ctrl == '\0';
        } else {
            /* same set of controllers, whatever the order */
            size_t n_line = 0, n_h = 0;
            char *s2 = NULL, *copy = strdup(ctrl);
            if (!copy)
                return lcont__error_set(reterr, -ENOMEM, "cgroup: out of memory");
            match = *ctrl != '\0';
            for (char *t = strtok_r(copy, ",", &s2); t; t = strtok_r(NULL, ",", &s2), n_line++)
                match = match && lcont__cgroup_list_has(h->controllers, ',', t);
            free(copy);
            for (const char *c = h->controllers; *c; c++)
                n_h += *c == ',';
            match = match && n_line == n_h + 1;
        }
        if (!match)
            continue;
        if (strcmp(root, "/") == 0)
            root_len = 0;
        else if (strncmp(path, root, root_len) != 0 || (path[root_len] && path[root_len] != '/'))
            return lcont__error_set(
                reterr, -ENOENT, "cgroup: our cgroup %s is outside the mount %s (which shows %s)",
                path, h->mount, root);
        *ret = strdup(path[root_len] ? path + root_len : "/");
        return *ret ? 0 : lcont__error_set(reterr, -ENOMEM, "cgroup: out of memory");
    }
    return lcont__error_set(reterr, -ENOENT, "cgroup: /proc/self/cgroup has no line for %s",
                            h->v2 ? "cgroup2" : h->controllers);
}

int lcont__cgroup_path_resolve(const char *cgroups_path, const char *id,
                               const struct cg_hierarchy *hier, size_t n_hier, char **ret,
                               lcont_error **reterr)
{
    _cleanup_free_ char *own = NULL;
    const struct cg_hierarchy *ref;
    char *out = NULL;
    int r;

    if ((!cgroups_path || !*cgroups_path) && geteuid() != 0) {
        /*
         * Rootless: /lcont is root's. The one place a user may own is a cgroup delegated
         * to them, and the caller runs in it: default to "lcont-<id>" below our own cgroup.
         */
        if (!id || !component_ok(id, strlen(id)) || strchr(id, '/'))
            return lcont__error_set(reterr, -EINVAL,
                                    "cgroup: container id '%s' cannot name a cgroup", id ? id : "");
        ref = reference_hierarchy(hier, n_hier);
        if (!ref)
            return lcont__error_set(reterr, -ENOENT, "cgroup: no hierarchy is mounted");
        r = own_cgroup(ref, &own, reterr);
        if (r < 0)
            return r;
        if (asprintf(&out, "%s/lcont-%s", strcmp(own, "/") == 0 ? "" : own, id) < 0)
            return lcont__error_set(reterr, -ENOMEM, "cgroup: out of memory");
    } else if (!cgroups_path || !*cgroups_path) {
        if (!id || !component_ok(id, strlen(id)) || strchr(id, '/'))
            return lcont__error_set(reterr, -EINVAL,
                                    "cgroup: container id '%s' cannot name a cgroup", id ? id : "");
        if (asprintf(&out, DEFAULT_PARENT "/%s", id) < 0)
            return lcont__error_set(reterr, -ENOMEM, "cgroup: out of memory");
    } else if (cgroups_path[0] == '/') {
        if (strcmp(cgroups_path, "/") == 0)
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.cgroupsPath: '/' is the root cgroup, not a container's");
        if (!lcont__cgroup_path_is_canonical(cgroups_path))
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.cgroupsPath: '%s' is not a canonical path (empty, '.' "
                                    "or '..' component, or trailing '/')",
                                    cgroups_path);
        out = strdup(cgroups_path);
        if (!out)
            return lcont__error_set(reterr, -ENOMEM, "cgroup: out of memory");
    } else {
        if (is_systemd_path(cgroups_path))
            return lcont__error_set(reterr, -EOPNOTSUPP,
                                    "linux.cgroupsPath '%s': systemd cgroup driver is not "
                                    "available (no systemd on this host)",
                                    cgroups_path);
        if (!components_ok(cgroups_path, false))
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.cgroupsPath: '%s' is not a canonical path (empty, '.' "
                                    "or '..' component, or trailing '/')",
                                    cgroups_path);
        ref = reference_hierarchy(hier, n_hier);
        if (!ref)
            return lcont__error_set(reterr, -ENOENT, "cgroup: no hierarchy is mounted");
        r = own_cgroup(ref, &own, reterr);
        if (r < 0)
            return r;
        if (asprintf(&out, "%s/%s", strcmp(own, "/") == 0 ? "" : own, cgroups_path) < 0)
            return lcont__error_set(reterr, -ENOMEM, "cgroup: out of memory");
    }
    if (!lcont__cgroup_path_is_canonical(out)) {
        r = lcont__error_set(reterr, -EINVAL, "cgroup: resolved path '%s' is not canonical", out);
        free(out);
        return r;
    }
    *ret = out;
    return 0;
}
