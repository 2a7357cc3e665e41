/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_EXEC_H
#define LCONT_RUNTIME_EXEC_H

/*
 * lcont_container_exec(): a new process in a running container.
 *
 * The parent (the caller) enters the init's pid namespace around clone3 only
 * (pid_for_children, as create does for a pid namespace given by path), so
 * the new process is its child and is born in the container's pid namespace
 * and (CLONE_INTO_CGROUP) its cgroup2 directory. The child joins the other
 * namespaces with one setns() on the init's pidfd, applies the same security
 * plan as the init (lib/runtime/security.h), and execs. Like the init, it
 * allocates nothing between clone and exec (STYLE §10.3).
 *
 * Conversation over the SEQPACKET pair (runtime/sync.h): parent GO (the
 * process is in every cgroup: cloned into the cgroup2 one, joined the v1 ones
 * itself, see lcont_cgroup_join) -> child CONSOLE (pty master) / SECCOMP
 * (listener) each ACKed -> ERROR, or EOF when execve closed the child's
 * CLOEXEC end: the exec succeeded.
 */

#include <stdbool.h>
#include <stdint.h>

#include <lcont/container.h>

#include "spec/spec.h"

struct lcont_cgroup_join;
struct lcont_security_plan;

struct lcont_exec_plan {
    const struct lcont_spec_process *process;
    const struct lcont_cgroup_join *cgroup_join; /* v1 hierarchies it joins itself first */
    int sync_fd;                                 /* child's end of the pair */
    int proc_fd;                                 /* trusted O_PATH fd on the host's procfs */
    int init_pidfd;                              /* setns() target: every namespace at once */
    int ns_flags;               /* CLONE_NEW* of the init that differ from ours, but PID */
    int ns_fds[LCONT_NS_COUNT]; /* the same as /proc/<pid>/ns fds: older kernels; -1 = none */
    int close_fds[6];           /* the library's fds (state directory, pid namespaces, cgroup,
                                 * the handle's pidfds): closed first, so none can reach the
                                 * preserved range; -1 = none */
    int stdio[3];               /* dup2'd onto 0..2 when >= 0 */
    int preserve_fds;           /* fds 3 .. 3+n-1 survive exec, */
    const uint8_t *preserved;   /* ... those set here (open in the caller at entry) */
    const char *path_env;       /* PATH for the executable lookup */
    bool terminal;
    bool notify_seccomp;
    const struct lcont_security_plan *security;
};

/* Never returns: execs the process or reports the error to the parent and _exits. */
__attribute__((noreturn)) void lcont__exec_child_main(const struct lcont_exec_plan *plan);

/*
 * The process of an exec, in @spec->process (the container's config, freshly parsed): replaced
 * by @process_json when given, then changed by @opts (may be NULL) and the LCONT_EXEC_* @flags.
 */
int lcont__exec_process_apply(struct lcont_spec *spec, const char *process_json,
                              const lcont_exec_opts *opts, uint64_t flags, lcont_error **reterr);

#endif
