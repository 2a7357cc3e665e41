/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.sysctl: only keys that belong to a namespace the container has of
 * its own are accepted (as runc does), so a config can never change the
 * host's kernel settings. They are written through the container's fresh
 * /proc/sys.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "runtime/rootfs-internal.h"

/* ---- parent ---- */

static const char *const ipc_keys[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static const char *ns_name(int type)
{
    return type == LCONT_NS_NET ? "net" : type == LCONT_NS_IPC ? "ipc" : "uts";
}

/* The namespace @key belongs to, or -1 if it is not namespaced. */
static int sysctl_namespace(const char *key)
{
    for (size_t i = 0; i < ELEMENTSOF(ipc_keys); i++)
        if (strcmp(key, ipc_keys[i]) == 0)
            return LCONT_NS_IPC;
    if (lcont__str_startswith(key, "fs.mqueue."))
        return LCONT_NS_IPC;
    if (lcont__str_startswith(key, "net."))
        return LCONT_NS_NET;
    if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
        return LCONT_NS_UTS;
    return -1;
}

/* A joined namespace (path) must not be our own, i.e. the host's. */
static int joined_is_host(const struct lcont_rootfs_plan *plan, enum lcont_ns_type type,
                          const char *path, bool *ret)
{
    char self[64] = "self/ns/";
    struct stat a, b;

    lcont__cm_append(self, sizeof(self), ns_name(type));
    if (stat(path, &a) < 0)
        return -errno;
    if (fstatat(plan->proc_fd, self, &b, 0) < 0)
        return -errno;
    *ret = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    return 0;
}

/* '.' and '/' both separate components, as in runc ("net.ipv4.ip_forward" -> "net/ipv4/ip_forward") */
static char *key_to_path(const char *key, char sep)
{
    char *p = strdup(key);

    if (!p)
        return NULL;
    for (char *c = p; *c; c++)
        if (*c == '.' || *c == '/')
            *c = sep;
    return p;
}

static bool path_ok(const char *path)
{
    const char *p = path;

    while (*p) {
        const char *end = strchrnul(p, '/');
        size_t n = (size_t)(end - p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        p = *end ? end + 1 : end;
        if (*end && !*p)
            return false; /* trailing separator */
    }
    return *path != '\0';
}

int lcont__rootfs_plan_sysctls(struct lcont_rootfs_plan *plan, const struct lcont_spec *spec,
                               lcont_error **reterr)
{
    const struct lcont_spec_linux *l = &spec->linux_;

    if (l->n_sysctls == 0)
        return 0;
    plan->sysctls = calloc(l->n_sysctls, sizeof(*plan->sysctls));
    if (!plan->sysctls)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");

    for (size_t i = 0; i < l->n_sysctls; i++) {
        const char *key = l->sysctls[i].key, *value = l->sysctls[i].value;
        struct lcont_rootfs_sysctl *s = &plan->sysctls[i];
        _cleanup_free_ char *dotted = NULL;
        int ns;

        if (!key || !value)
            return lcont__error_set(reterr, -EINVAL, "linux.sysctl: invalid entry");
        dotted = key_to_path(key, '.');
        if (!dotted)
            return lcont__error_set(reterr, -ENOMEM, "out of memory");
        ns = sysctl_namespace(dotted);
        if (ns < 0)
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.sysctl '%s': not namespaced, it would change the host",
                                    key);
        if (!l->namespaces[ns].present)
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.sysctl '%s': needs a %s namespace of the container's "
                                    "own",
                                    key, ns_name(ns));
        if (l->namespaces[ns].path) {
            bool host = false;
            int r = joined_is_host(plan, ns, l->namespaces[ns].path, &host);
            if (r < 0)
                return lcont__error_setsys(reterr, r, "linux.sysctl '%s': namespace '%s'", key,
                                           l->namespaces[ns].path);
            if (host)
                return lcont__error_set(reterr, -EINVAL,
                                        "linux.sysctl '%s': the %s namespace is the host's", key,
                                        ns_name(ns));
        }
        plan->n_sysctls = i + 1;
        s->path = key_to_path(key, '/');
        s->value = strdup(value);
        if (!s->path || !s->value)
            return lcont__error_set(reterr, -ENOMEM, "out of memory");
        if (!path_ok(s->path))
            return lcont__error_set(reterr, -EINVAL, "linux.sysctl '%s': invalid key", key);
    }
    return 0;
}

/* ---- child ---- */

/* The container's /proc/sys; if it has no procfs at /proc, the trusted host one's. */
static int open_proc_sys(const struct lcont_rootfs_plan *plan, int rootfd)
{
    struct open_how how = {
        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    struct statfs sfs;
    int fd;

    fd = lcont__sys_openat2(rootfd, "/proc/sys", &how, sizeof(how));
    if (fd >= 0 && (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)) {
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        /* sysctls of net, ipc and uts are those of the writer's namespaces in any procfs */
        fd = openat(plan->proc_fd, "sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int lcont__rootfs_sysctls_child(const struct lcont_rootfs_plan *plan, int rootfd,
                                struct lcont_child_error *err)
{
    _cleanup_close_ int sys = -1;

    if (plan->n_sysctls == 0)
        return 0;
    sys = open_proc_sys(plan, rootfd);
    if (sys < 0)
        return lcont__child_fail(err, sys, "open", "/proc/sys");
    for (size_t i = 0; i < plan->n_sysctls; i++) {
        const struct lcont_rootfs_sysctl *s = &plan->sysctls[i];
        struct open_how how = {
            .flags = O_WRONLY | O_CLOEXEC | O_NOCTTY,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        size_t len = strlen(s->value);
        ssize_t n;
        int fd = lcont__sys_openat2(sys, s->path, &how, sizeof(how));

        if (fd < 0)
            return lcont__child_fail(err, fd, "open sysctl /proc/sys/", s->path);
        n = write(fd, s->value, len);
        if (n < 0)
            n = -errno;
        close(fd);
        if (n < 0)
            return lcont__child_fail(err, (int)n, "write sysctl /proc/sys/", s->path);
        if ((size_t)n != len)
            return lcont__child_fail(err, -EIO, "short write to sysctl /proc/sys/", s->path);
    }
    return 0;
}
