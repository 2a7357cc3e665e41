/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_SECURITY_H
#define LCONT_RUNTIME_SECURITY_H

/*
 * Process privileges and limits of the container process.
 *
 * Two halves: *_plan_new() runs in the parent before clone and prepares
 * everything (compiles the seccomp filter to BPF with libseccomp, maps
 * capability names, checks LSM availability); the *_child() functions run in
 * the container child between clone and exec and do only system calls: no
 * malloc, no locks, no stdio (STYLE §10.3).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <lcont/error.h>

#include "core/childmsg.h"
#include "spec/spec.h"

struct lcont_security_plan; /* opaque; owns the BPF program and copies of the ids */

/*
 * Prepare privileges for @spec->process: caps, user (uid, gid, additional
 * gids), noNewPrivileges, seccomp (compiled here; unknown syscall names are
 * skipped like runc, unknown architectures/flags/actions are -EINVAL),
 * apparmor/selinux (-EOPNOTSUPP "not supported on this host" when the LSM is
 * absent), rlimits, oom_score_adj, personality, scheduler, ioPriority, umask.
 */
int lcont__security_plan_new(const struct lcont_spec *spec, struct lcont_security_plan **ret,
                             lcont_error **reterr);
void lcont__security_plan_free(struct lcont_security_plan *plan);

/* Whether the plan has a seccomp filter with SCMP_ACT_NOTIFY (listener fd will be made). */
bool lcont__security_plan_has_notify(const struct lcont_security_plan *plan);

/*
 * Child, early (still root in the container, before pivot or after): rlimits,
 * oom_score_adj (written through @proc_fd, a trusted fd on the host's /proc
 * or the container's fresh procfs), personality, scheduler, ioPriority, umask.
 */
int lcont__limits_apply_child(const struct lcont_security_plan *plan, int proc_fd,
                              struct lcont_child_error *err);

/*
 * Child, last step before execve: PR_SET_KEEPCAPS, drop the bounding set,
 * setgroups/setresgid/setresuid, capset (effective, permitted, inheritable),
 * ambient set, no_new_privs, seccomp (before the capability drop when the
 * filter needs CAP_SYS_ADMIN, i.e. without no_new_privs; as late as possible
 * otherwise). With a notify filter, *ret_listener_fd gets the listener fd
 * (CLOEXEC), else -1.
 */
int lcont__security_apply_child(const struct lcont_security_plan *plan, int *ret_listener_fd,
                                struct lcont_child_error *err);

#endif
