/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_CHILD_H
#define LCONT_RUNTIME_CHILD_H

/*
 * The container's init process from clone3() to execve(). Everything it uses
 * is prepared by the parent in this plan; the child only makes system calls
 * (no malloc, no locks, no stdio: STYLE §10.3), because the caller may have
 * had another thread inside the allocator at clone time.
 */

#include <stdbool.h>
#include <stdint.h>

#include "spec/spec.h"

struct lcont_cgroup_join;
struct lcont_rootfs_plan;
struct lcont_security_plan;

struct lcont_child_plan {
    const struct lcont_spec *spec;
    int sync_fd;      /* child's end of the SEQPACKET pair */
    int proc_fd;      /* trusted O_PATH fd on the host's procfs root */
    int fifo_fd;      /* O_PATH fd on <state>/exec.fifo */
    int close_fds[2]; /* the state root and directory fds: the directory's
                                    * flock is shared with the child until it closes them */
    const struct lcont_cgroup_join *cgroup_join; /* v1 hierarchies the child joins itself */
    int join_fds[LCONT_NS_COUNT]; /* namespaces joined by path (-1 = none); never PID */
    int unshare_flags;            /* CLONE_NEW* the child creates itself (join path) */
    bool new_userns;
    bool maps_need_dumpable; /* rootless: the parent, not root, must open our /proc files to
                              * write the id maps, which a non-dumpable child's are not */
    bool new_cgroupns;
    bool new_timens;
    bool new_utsns;
    int stdio[3];             /* dup2'd onto 0..2 when >= 0 */
    int preserve_fds;         /* fds 3 .. 3+n-1 survive exec, */
    const uint8_t *preserved; /* ... those of them set in this bitmap (open in the caller) */
    const char *path_env;     /* PATH for the executable lookup */
    bool notify_seccomp;
    bool new_keyring; /* join a fresh session keyring (runc's default) */
    const struct lcont_rootfs_plan *rootfs;
    const struct lcont_security_plan *security;
};

/* Never returns: execs the container process or _exits after reporting the error. */
__attribute__((noreturn)) void lcont__child_main(const struct lcont_child_plan *plan);

#endif
