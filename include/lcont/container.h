/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CONTAINER_H
#define LCONT_CONTAINER_H

/**
 * @file container.h
 * OCI container lifecycle: create, start, kill, delete, state.
 *
 * A container is created from an OCI bundle (config.json + rootfs) by the
 * calling process itself: no daemon, no helper binary. Its state lives in
 * `<state_root>/<id>/`, so another process (or `lcont-run`) can load it and
 * continue the lifecycle.
 */

#include <lcont/common.h>
#include <lcont/error.h>
#include <lcont/context.h>
#include <lcont/process.h>

LCONT_BEGIN_DECLS

/** Refcounted container handle; holds a reference on its context. @since 0.1 */
typedef struct lcont_container lcont_container;

/** Container status, as in the OCI state document. @since 0.1 */
enum {
    LCONT_STATUS_CREATING = 0,
    LCONT_STATUS_CREATED = 1,
    LCONT_STATUS_RUNNING = 2,
    LCONT_STATUS_STOPPED = 3,
    LCONT_STATUS_PAUSED = 4
};

/** lcont_container_create(): do not pivot_root; move the root instead. @since 0.1 */
#define LCONT_CREATE_NO_PIVOT (1ULL << 0)
/** lcont_container_create(): use opts->stdin_fd/stdout_fd/stderr_fd. @since 0.1 */
#define LCONT_CREATE_STDIO (1ULL << 1)

/** lcont_container_create(): keep the caller's session keyring (runc's --no-new-keyring). @since 0.1 */
#define LCONT_CREATE_NO_NEW_KEYRING (1ULL << 2)

/** lcont_container_kill(): signal every process in the container's cgroup. @since 0.1 */
#define LCONT_KILL_ALL (1ULL << 0)

/** lcont_container_delete(): kill a live container first; clean up half-created ones. @since 0.1 */
#define LCONT_DELETE_FORCE (1ULL << 0)

/** Options for lcont_container_create(). @since 0.1 */
typedef struct lcont_create_opts {
    uint64_t struct_size;       /**< sizeof(lcont_create_opts) */
    const char *bundle;         /**< bundle directory (required) */
    const char *console_socket; /**< AF_UNIX socket receiving the pty master, if process.terminal */
    const char *pid_file;       /**< write the init pid here (atomically) */
    int preserve_fds;           /**< pass fds 3 .. 3+n-1 to the container process */
    int stdin_fd;               /**< with LCONT_CREATE_STDIO; borrowed */
    int stdout_fd;              /**< with LCONT_CREATE_STDIO; borrowed */
    int stderr_fd;              /**< with LCONT_CREATE_STDIO; borrowed */
} lcont_create_opts;

/* clang-format off */
#ifdef __cplusplus
#define LCONT_CREATE_OPTS_INIT { sizeof(lcont_create_opts), NULL, NULL, NULL, 0, 0, 0, 0 }
#else
#define LCONT_CREATE_OPTS_INIT { .struct_size = sizeof(lcont_create_opts) }
#endif
/* clang-format on */

/** Zero @p opts and set struct_size (for FFI). @return 0 or -EINVAL. @since 0.1 */
LCONT_API int lcont_create_opts_init(lcont_create_opts *opts, size_t size);

/**
 * Create container @p id from a bundle: parse and validate config.json, set up
 * namespaces, cgroup, rootfs and security, run the prestart, createRuntime and
 * createContainer hooks, and leave the init process waiting for
 * lcont_container_start(). Without a terminal or LCONT_CREATE_STDIO, the
 * container inherits the caller's stdin, stdout and stderr.
 * @param flags LCONT_CREATE_*.
 * @param ret new reference to the created container.
 * @return 0; -EEXIST (id in use); -EINVAL (bad id or config, message says
 *         which field); -ENOENT; -EPERM; other -errno from the failing step.
 *         On failure nothing is left behind.
 * @since 0.1
 */
LCONT_API int lcont_container_create(lcont_context *ctx, const char *id,
                                     const lcont_create_opts *opts, uint64_t flags,
                                     lcont_container **ret, lcont_error **reterr);

/**
 * Load the state of an existing container @p id. No flags yet.
 * @return 0, -ENOENT (no such container), -EINVAL, other -errno.
 * @since 0.1
 */
LCONT_API int lcont_container_load(lcont_context *ctx, const char *id, uint64_t flags,
                                   lcont_container **ret, lcont_error **reterr);

/** Take a reference; returns @p c. @since 0.1 */
LCONT_API lcont_container *lcont_container_ref(lcont_container *c);

/** Drop a reference; NULL is accepted. Always returns NULL. Never kills. @since 0.1 */
LCONT_API lcont_container *lcont_container_unref(lcont_container *c);

/**
 * Run the user process of a created container (startContainer hooks run in
 * the container, then poststart hooks here). No flags yet.
 * @return 0; -EBUSY if not in the created state; other -errno.
 * @since 0.1
 */
LCONT_API int lcont_container_start(lcont_container *c, uint64_t flags, lcont_error **reterr);

/**
 * Send @p signo to the init process, or with LCONT_KILL_ALL to every process
 * in the container's cgroup.
 * @return 0; -ESRCH when the container is not running; other -errno.
 * @since 0.1
 */
LCONT_API int lcont_container_kill(lcont_container *c, int signo, uint64_t flags,
                                   lcont_error **reterr);

/**
 * Delete a stopped container: remove its cgroup and state and run poststop
 * hooks. With LCONT_DELETE_FORCE a running or half-created container is
 * killed first. The handle stays valid but refers to a deleted container.
 * @return 0; -EBUSY (running, no FORCE); other -errno. @since 0.1
 */
LCONT_API int lcont_container_delete(lcont_container *c, uint64_t flags, lcont_error **reterr);

/**
 * Current status (LCONT_STATUS_*), refreshed from the kernel. No flags yet.
 * @return status >= 0 or -errno. @since 0.1
 */
LCONT_API int lcont_container_get_status(lcont_container *c, uint64_t flags, lcont_error **reterr);

/**
 * The OCI state document as JSON, refreshed from the kernel. No flags yet.
 * @param ret string owned by the caller, freed with lcont_free().
 * @since 0.1
 */
LCONT_API int lcont_container_get_state_json(lcont_container *c, uint64_t flags, char **ret,
                                             lcont_error **reterr);

/** Container id; borrowed, valid as long as @p c. @since 0.1 */
LCONT_API const char *lcont_container_get_id(const lcont_container *c);

/** Absolute bundle path; borrowed, valid as long as @p c. @since 0.1 */
LCONT_API const char *lcont_container_get_bundle(const lcont_container *c);

/** Host pid of the init process, 0 if none. @since 0.1 */
LCONT_API pid_t lcont_container_get_pid(const lcont_container *c);

/**
 * A handle on the container's init process (pidfd), to wait for or poll.
 * No flags yet. @return 0, -ESRCH (no live init process), other -errno.
 * @since 0.1
 */
LCONT_API int lcont_container_get_init_process(lcont_container *c, uint64_t flags,
                                               lcont_process **ret, lcont_error **reterr);

/**
 * Ids of all containers under the context's state root, sorted.
 * No flags yet. @param ret vector freed with lcont_strv_free(). @since 0.1
 */
LCONT_API int lcont_container_list(lcont_context *ctx, uint64_t flags, char ***ret,
                                   lcont_error **reterr);

/* ---- exec, pause/resume, update, stats, pids, OOM (0.2) ---- */

/** lcont_container_exec(): use opts->stdin_fd/stdout_fd/stderr_fd. @since 0.2 */
#define LCONT_EXEC_STDIO (1ULL << 0)
/** lcont_container_exec(): set no_new_privileges for the new process. @since 0.2 */
#define LCONT_EXEC_NO_NEW_PRIVS (1ULL << 1)
/** lcont_container_exec(): give the process a terminal; needs opts->console_socket. @since 0.2 */
#define LCONT_EXEC_TERMINAL (1ULL << 2)
/** lcont_container_exec(): run as opts->uid/gid/additional_gids. @since 0.2 */
#define LCONT_EXEC_USER (1ULL << 3)

/**
 * Options for lcont_container_exec(). Every member left zero keeps the base
 * process (the container's config process, or the given process JSON).
 * @since 0.2
 */
typedef struct lcont_exec_opts {
    uint64_t struct_size;         /**< sizeof(lcont_exec_opts) */
    const char *const *args;      /**< NULL-terminated argv; replaces the base args */
    const char *const *env;       /**< "KEY=value" list: replaces KEY or is appended */
    const char *cwd;              /**< absolute working directory in the container */
    uid_t uid;                    /**< with LCONT_EXEC_USER */
    gid_t gid;                    /**< with LCONT_EXEC_USER */
    const gid_t *additional_gids; /**< with LCONT_EXEC_USER; borrowed */
    size_t n_additional_gids;     /**< length of additional_gids */
    const char *const *caps;      /**< "CAP_X" names added to bounding/effective/permitted */
    const char *console_socket;   /**< AF_UNIX socket receiving the pty master */
    const char *pid_file;         /**< write the process's pid here (atomically) */
    int preserve_fds;             /**< pass fds 3 .. 3+n-1 to the process */
    int stdin_fd;                 /**< with LCONT_EXEC_STDIO; borrowed */
    int stdout_fd;                /**< with LCONT_EXEC_STDIO; borrowed */
    int stderr_fd;                /**< with LCONT_EXEC_STDIO; borrowed */
    const char *apparmor_profile; /**< replaces process.apparmorProfile */
    const char *selinux_label;    /**< replaces process.selinuxLabel */
} lcont_exec_opts;

/* clang-format off */
#ifdef __cplusplus
#define LCONT_EXEC_OPTS_INIT { sizeof(lcont_exec_opts), NULL, NULL, NULL, 0, 0, NULL, 0, NULL, \
                               NULL, NULL, 0, 0, 0, 0, NULL, NULL }
#else
#define LCONT_EXEC_OPTS_INIT { .struct_size = sizeof(lcont_exec_opts) }
#endif
/* clang-format on */

/** Zero @p opts and set struct_size (for FFI). @return 0 or -EINVAL. @since 0.2 */
LCONT_API int lcont_exec_opts_init(lcont_exec_opts *opts, size_t size);

/**
 * Run a new process in a created or running container. It joins every
 * namespace of the container's init, its cgroup, and gets the container's
 * seccomp filter, capabilities, rlimits and no_new_privileges (as set in the
 * process spec), then execs. The caller is the process's parent: wait for it
 * with lcont_process_wait() or poll its pidfd.
 * @param process_json an OCI "process" object (runc exec --process); NULL to
 *        start from the config's process. @p opts apply on top of it.
 * @param opts may be NULL when @p process_json is given.
 * @param flags LCONT_EXEC_*.
 * @param ret new reference to the process, valid once the exec succeeded.
 * @return 0; -EBUSY (container paused or still being created); -ESRCH
 *         (stopped); -EINVAL (bad options or process JSON, message says which
 *         field); -ENOENT (executable not found); other -errno.
 * Not thread-safe on the same container handle. @since 0.2
 */
LCONT_API int lcont_container_exec(lcont_container *c, const char *process_json,
                                   const lcont_exec_opts *opts, uint64_t flags, lcont_process **ret,
                                   lcont_error **reterr);

/**
 * Freeze every process of the container (cgroup freezer); the status becomes
 * LCONT_STATUS_PAUSED and the state document says "paused". No flags yet.
 * @return 0; -EBUSY (not running); -EOPNOTSUPP (no freezer); other -errno.
 * @since 0.2
 */
LCONT_API int lcont_container_pause(lcont_container *c, uint64_t flags, lcont_error **reterr);

/**
 * Thaw a paused container; the status goes back to running. No flags yet.
 * @return 0; -EBUSY (not paused); other -errno. @since 0.2
 */
LCONT_API int lcont_container_resume(lcont_container *c, uint64_t flags, lcont_error **reterr);

/**
 * Change the cgroup resources of a created, running or paused container.
 * @param resources_json an OCI "linux.resources" object; only the members it
 *        sets change. No flags yet.
 * @return 0; -EINVAL (bad JSON, message names the field); -ESRCH (stopped);
 *         other -errno. @since 0.2
 */
LCONT_API int lcont_container_update(lcont_container *c, const char *resources_json, uint64_t flags,
                                     lcont_error **reterr);

/**
 * Resource usage of the container's cgroup as JSON, in the shape of the
 * "data" member of runc's `events --stats` (cpu, memory, pids, blkio,
 * hugetlb). No flags yet.
 * @param ret_json string owned by the caller, freed with lcont_free().
 * @return 0; -ESRCH (no cgroup); other -errno. @since 0.2
 */
LCONT_API int lcont_container_get_stats_json(lcont_container *c, uint64_t flags, char **ret_json,
                                             lcont_error **reterr);

/**
 * Host pids of every process in the container's cgroup, sorted. No flags yet.
 * @param ret_pids array owned by the caller, freed with lcont_free().
 * @param ret_n number of pids.
 * @return 0 or -errno. @since 0.2
 */
LCONT_API int lcont_container_get_pids(lcont_container *c, uint64_t flags, pid_t **ret_pids,
                                       size_t *ret_n, lcont_error **reterr);

/**
 * An fd that polls readable (POLLIN or POLLPRI) when the container's cgroup
 * sees an OOM event; after a wakeup, compare the "oom_kill" counters of
 * lcont_container_get_stats_json(). No flags yet.
 * @return the fd (CLOEXEC, owned by the caller, close() it) or -errno;
 *         -EOPNOTSUPP when the memory controller is not available. @since 0.2
 */
LCONT_API int lcont_container_open_oom_fd(lcont_container *c, uint64_t flags, lcont_error **reterr);

#ifdef __GNUC__
static inline void lcont_container_unrefp(lcont_container **p)
{
    lcont_container_unref(*p);
}
#endif

LCONT_END_DECLS

#endif
