/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_ROOTFS_INTERNAL_H
#define LCONT_RUNTIME_ROOTFS_INTERNAL_H

/*
 * Shared between the rootfs files only: the plan layout and the helpers the
 * *_child() code uses. Parent-side functions (*plan*) may allocate; functions
 * named *_child and the helpers marked "child-safe" only make system calls
 * and use stack buffers (STYLE §10.3).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <lcont/error.h>

#include "core/childmsg.h"
#include "core/mountinfo.h"
#include "runtime/rootfs.h"
#include "spec/spec.h"

/* ---- plan ---- */

enum lcont_rootfs_mount_kind {
    LCONT_RM_BIND = 0, /* bind/rbind of a host path: open_tree + move_mount */
    LCONT_RM_FS,       /* a new filesystem (proc, tmpfs, ...) mounted via the fd magic link */
    LCONT_RM_CGROUP,   /* type "cgroup": the host's layout, see mounts-cgroup.c */
};

/* What to change on a mount once it exists (mount_setattr). */
struct lcont_rootfs_attrs {
    uint64_t set, clr;         /* MOUNT_ATTR_* of the top mount (from the MS_* options) */
    uint64_t rset, rclr;       /* "r" options: MOUNT_ATTR_* of the whole subtree */
    unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE | MS_REC; 0 = keep */
};

struct lcont_rootfs_mount {
    enum lcont_rootfs_mount_kind kind;
    char *destination;   /* cleaned absolute path inside the rootfs */
    char *source;        /* bind: absolute host path; fs: the source string */
    char *type;          /* fs: filesystem type */
    char *data;          /* fs: mount data, NULL if none */
    char *data_retry;    /* devpts: @data without "gid=" (retried on EINVAL), else NULL */
    unsigned long flags; /* fs: MS_* given to mount(2) */
    struct lcont_rootfs_attrs attrs;
    bool recursive;              /* rbind */
    bool dest_is_file;           /* the source is not a directory: create an empty file */
    bool no_symlink;             /* proc/sysfs: the destination itself must not be a symlink */
    const char *fallback_source; /* user ns: on EPERM rbind this host path instead */
    long fs_magic;               /* expected f_type once mounted, 0 = not checked */
};

struct lcont_rootfs_cgroup_hier {
    char *dir;    /* entry below the cgroup mount, NULL = the mount itself (v2) */
    char *fstype; /* "cgroup" or "cgroup2" */
    char *data;   /* v1: the hierarchy's controllers ("cpu,cpuacct", "name=systemd") */
    char *key;    /* its field in /proc/self/cgroup ("" for cgroup2) */
    char *host_mountpoint;
    char *host_root; /* root of the host mount inside the hierarchy ("/" normally) */
    char **links;    /* comounted controllers: symlink name -> dir */
};

struct lcont_rootfs_cgroup {
    bool planned;
    bool v1; /* tmpfs with one entry per hierarchy (v1 and hybrid hosts) */
    struct lcont_rootfs_cgroup_hier *hiers;
    size_t n_hiers;
};

struct lcont_rootfs_device {
    char *path;  /* cleaned absolute path inside the container */
    mode_t mode; /* S_IFCHR/S_IFBLK/S_IFIFO | permission bits */
    dev_t rdev;
    bool has_uid, has_gid;
    uid_t uid;
    gid_t gid;
    bool bind; /* user namespace: bind the host node at the same path */
};

struct lcont_rootfs_sysctl {
    char *path; /* below /proc/sys, e.g. "net/ipv4/ip_forward" */
    char *value;
};

struct lcont_rootfs_plan {
    char *rootfs;              /* absolute, symlink-free host path */
    char *rootfs_parent_mount; /* host mount point that contains @rootfs */
    uint64_t flags;            /* LCONT_ROOTFS_* */
    bool has_userns;
    bool new_netns;
    bool cgroupns;
    unsigned long root_propagation;  /* applied to the old "/" first (default rslave) */
    unsigned long final_propagation; /* linux.rootfsPropagation for the new "/", 0 = none */
    bool readonly_root;
    int proc_fd;    /* O_PATH, verified root of a procfs */
    int devnull_fd; /* O_PATH on the host /dev/null, verified char 1:3 */
    struct lcont_rootfs_mount *mounts;
    size_t n_mounts;
    struct lcont_rootfs_cgroup cgroup;
    bool setup_dev;  /* /dev is not bind-mounted: populate it */
    bool has_devpts; /* a devpts mount at /dev/pts: /dev/ptmx -> pts/ptmx */
    bool has_kcore;  /* the host has /proc/kcore: /dev/core -> /proc/kcore */
    struct lcont_rootfs_device *devices;
    size_t n_devices;
    char **masked_paths; /* cleaned absolute paths */
    char **readonly_paths;
    struct lcont_rootfs_sysctl *sysctls;
    size_t n_sysctls;
    char **detach_mounts; /* NO_PIVOT: host mount points to detach, deepest first */
};

/* ---- parent-side helpers ---- */

/*
 * Lexically clean an absolute container path: collapse "//" and ".", apply
 * ".." (never above "/"), drop a trailing "/". A relative path is taken as
 * relative to "/". Returns NULL on allocation failure.
 */
char *lcont__rootfs_clean_path(const char *path);

/* true if cleaned @path equals @dir or lies below it */
bool lcont__rootfs_path_under(const char *path, const char *dir);

int lcont__rootfs_plan_mounts(struct lcont_rootfs_plan *plan, const struct lcont_spec *spec,
                              const char *bundle, lcont_error **reterr);
void lcont__rootfs_mount_clear(struct lcont_rootfs_mount *m);

int lcont__rootfs_plan_cgroup(struct lcont_rootfs_plan *plan, const struct lcont_mountinfo *mi,
                              size_t n_mi, lcont_error **reterr);
void lcont__rootfs_cgroup_clear(struct lcont_rootfs_cgroup *cg);

int lcont__rootfs_plan_devices(struct lcont_rootfs_plan *plan, const struct lcont_spec *spec,
                               lcont_error **reterr);

int lcont__rootfs_plan_sysctls(struct lcont_rootfs_plan *plan, const struct lcont_spec *spec,
                               lcont_error **reterr);

/* ---- child-safe helpers (rootfs-path.c) ---- */

enum lcont_rootfs_create {
    LCONT_CREATE_NONE = 0, /* the path must exist */
    LCONT_CREATE_DIR,      /* create missing components as directories (0755) */
    LCONT_CREATE_FILE,     /* like DIR, but the last component as an empty file (0644) */
};

/*
 * Open @path as O_PATH, resolved inside @rootfd (RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS), creating missing components as @create says.
 * With @nofollow the last component is not followed if it is a symlink.
 * Returns the fd or -errno. Child-safe.
 */
int lcont__rootfs_open_in_root(int rootfd, const char *path, enum lcont_rootfs_create create,
                               bool nofollow);

/*
 * mount(2) onto the object @target_fd refers to, through the magic link
 * "self/fd/<target_fd>" of the trusted procfs @proc_fd. Changes the cwd to
 * @proc_fd; the caller restores it. Returns 0 or -errno. Child-safe.
 */
int lcont__rootfs_mount_on_fd(int proc_fd, const char *source, int target_fd, const char *type,
                              unsigned long flags, const void *data);

/*
 * After mounting onto @old_fd (opened from @path under @rootfd), reopen
 * @path and check that it is now the root of a new mount (different mount
 * id) with f_type @magic (0 = any). Returns the new O_PATH fd or -errno
 * (-EXDEV if the mount did not land there). Child-safe.
 */
int lcont__rootfs_reopen_mounted(int rootfd, const char *path, int old_fd, long magic);

/* Attach the detached mount @tree_fd onto @target_fd (move_mount). Child-safe. */
int lcont__rootfs_attach(int tree_fd, int target_fd);

/*
 * mount_setattr() on the mount @fd is the root of (@recursive: and below),
 * then the propagation type if non-zero. In a user namespace (@keep_locked)
 * flags the mount already has are not cleared and its atime mode is kept,
 * since the kernel locks those on mounts inherited from the host (runc does
 * the same). Child-safe.
 */
int lcont__rootfs_setattr(int fd, bool recursive, uint64_t set, uint64_t clr,
                          unsigned long propagation, bool keep_locked);

/* Apply all of @a to the mount @fd is the root of. Child-safe. */
int lcont__rootfs_apply_attrs(int fd, const struct lcont_rootfs_attrs *a, bool keep_locked);

/*
 * Clone the host path @source (resolved in the child's mount namespace,
 * before pivot_root) as a detached tree, apply @a to it and attach it onto
 * @target_fd. Child-safe.
 */
int lcont__rootfs_bind_path(const char *source, int target_fd, bool recursive,
                            const struct lcont_rootfs_attrs *a, bool keep_locked);

/* MS_* per-mount flags -> MOUNT_ATTR_* (set, clear). */
void lcont__rootfs_ms_to_attr(unsigned long set_flags, unsigned long clear_flags, uint64_t *ret_set,
                              uint64_t *ret_clr);

/* ---- child steps ---- */

/* Config mounts in order (mounts.c). */
int lcont__rootfs_mounts_child(const struct lcont_rootfs_plan *plan, int rootfd,
                               struct lcont_child_error *err);
/* The "cgroup" mount @m onto @target_fd (mounts-cgroup.c). */
int lcont__rootfs_cgroup_child(const struct lcont_rootfs_plan *plan,
                               const struct lcont_rootfs_mount *m, int rootfd, int target_fd,
                               struct lcont_child_error *err);
/* Devices, /dev symlinks and ptmx (devices.c). */
int lcont__rootfs_dev_child(const struct lcont_rootfs_plan *plan, int rootfd,
                            struct lcont_child_error *err);
/* Sysctls through the container's /proc/sys (rootfs-sysctl.c). */
int lcont__rootfs_sysctls_child(const struct lcont_rootfs_plan *plan, int rootfd,
                                struct lcont_child_error *err);

#endif
