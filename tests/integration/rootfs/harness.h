/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_TEST_ROOTFS_HARNESS_H
#define LCONT_TEST_ROOTFS_HARNESS_H

/*
 * Rootfs integration tests: a busybox bundle built at test time, a spec
 * filled in by hand (the rootfs code is tested alone, not the parser), and a
 * runner that plans in the parent and prepares/finalizes in a grandchild
 * inside fresh namespaces, like the container child does.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "runtime/rootfs-internal.h"

extern const char *busybox_path;

#define FAIL(...)                                       \
    do {                                                \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                   \
        fputc('\n', stderr);                            \
        return 1;                                       \
    } while (0)

#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (!(cond))                                                  \
            FAIL("check failed: %s: %s", #cond, fx_fmt(__VA_ARGS__)); \
    } while (0)

struct fixture {
    char dir[256];    /* bundle */
    char rootfs[320]; /* dir/rootfs */
    struct lcont_spec spec;
    struct lcont_spec_mount mounts[24];
    struct lcont_spec_device devices[8];
    struct lcont_spec_kv sysctls[8];
    char *masked[8], *readonly[8];
    size_t n_masked, n_readonly;
    bool userns;  /* map container root to host 100000 */
    int ns_flags; /* CLONE_NEW* besides the user namespace */
    uint64_t plan_flags;
    const char *cgroup_dir;  /* move the child into this host cgroup before preparing */
    char host_paths[8][256]; /* host fixtures removed by fx_cleanup() */
    size_t n_host_paths;
};

typedef int (*fx_body)(struct fixture *f, const struct lcont_rootfs_plan *plan);

const char *fx_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* New bundle with rootfs/bin/{busybox,sh,...} and the usual top-level directories. */
int fx_init(struct fixture *f);
/* Remove the bundle and the host fixtures (never crossing mount points). */
void fx_cleanup(struct fixture *f);
/* Remember a host path for fx_cleanup(). */
void fx_remove_later(struct fixture *f, const char *path);

struct lcont_spec_mount *fx_mount(struct fixture *f, const char *dest, const char *type,
                                  const char *source, unsigned long flags, const char *data);
/* The OCI default mounts: proc, /dev tmpfs, devpts, shm, mqueue, sysfs. */
void fx_default_mounts(struct fixture *f);
void fx_masked(struct fixture *f, const char *path);
void fx_readonly(struct fixture *f, const char *path);
void fx_sysctl(struct fixture *f, const char *key, const char *value);
void fx_namespace(struct fixture *f, enum lcont_ns_type t);

/* Write @content to rootfs-relative @path (parents created). */
int fx_write(struct fixture *f, const char *path, const char *content);

/*
 * Plan in the parent, then in a forked child (user namespace first if
 * asked, then f->ns_flags) run @body in a grandchild. Returns 0 if the body
 * exited 0. Also fails if the host's mount table changed.
 */
int fx_run(struct fixture *f, fx_body body);

/* prepare + finalize, printing the child error; 0 or the negative errno. */
int fx_setup(const struct lcont_rootfs_plan *plan);
int fx_prepare(const struct lcont_rootfs_plan *plan);
int fx_finalize(const struct lcont_rootfs_plan *plan);

/* ---- checks from inside ---- */

struct mi_entry {
    char root[512], mountpoint[512], options[256], fstype[64], source[256], super[512];
    char optional[256]; /* "shared:N master:M" fields, space separated */
};

/* Last /proc/self/mountinfo entry at @mountpoint (the visible one). 0 or -ENOENT. */
int mi_find(const char *mountpoint, struct mi_entry *ret);
/* @opt is one of the comma-separated @list */
bool has_opt(const char *list, const char *opt);
/* true if @path is the root of a mount (statx) */
bool is_mount_root(const char *path);
/* Run "sh -c @script" from the container, output into @out. Returns the exit status. */
int run_sh(const char *script, char *out, size_t size);
/* Read a small file into @buf; returns bytes or -errno. */
ssize_t read_small(const char *path, char *buf, size_t size);

#endif
