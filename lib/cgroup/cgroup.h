/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CGROUP_CGROUP_H
#define LCONT_CGROUP_CGROUP_H

/*
 * One cgroup interface over three layouts, detected at run time:
 *  - v2: cgroup2 mounted at /sys/fs/cgroup;
 *  - v1: one v1 hierarchy per controller under /sys/fs/cgroup/<controller>;
 *  - hybrid: v1 controllers plus cgroup2 at /sys/fs/cgroup/unified (this host:
 *    only hugetlb on the v2 side; a container gets a directory in both).
 *
 * A container's cgroup is identified by a path relative to each hierarchy's
 * root (e.g. "/lcont/web"), resolved once at create time and stored in the
 * container state, so later processes reopen exactly the same directories.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <lcont/error.h>

#include "spec/spec.h"

enum lcont_cgroup_layout {
    LCONT_CGROUP_LAYOUT_V2 = 0,
    LCONT_CGROUP_LAYOUT_V1 = 1,
    LCONT_CGROUP_LAYOUT_HYBRID = 2,
};

struct lcont_cgroup; /* owns its resolved paths and open directory fds */

/* Which layout this host has (reads /proc/self/mountinfo or statfs). */
int lcont__cgroup_detect(enum lcont_cgroup_layout *ret, lcont_error **reterr);

/*
 * Resolve the cgroup of container @id from linux.cgroupsPath @cgroups_path:
 * absolute = relative to each hierarchy root; relative = below the caller's
 * own cgroup in each hierarchy; NULL/empty = "/lcont/<id>". Creates nothing.
 */
int lcont__cgroup_new(const char *cgroups_path, const char *id, struct lcont_cgroup **ret,
                      lcont_error **reterr);

/* Reopen a cgroup from the path stored by lcont__cgroup_get_path(). Creates nothing. */
int lcont__cgroup_open(const char *path, struct lcont_cgroup **ret, lcont_error **reterr);

/* The resolved path, relative to the hierarchy roots ("/lcont/web"). Borrowed. */
const char *lcont__cgroup_get_path(const struct lcont_cgroup *cg);

/* mkdir the cgroup in every hierarchy (parents too); existing is fine. */
int lcont__cgroup_create(struct lcont_cgroup *cg, lcont_error **reterr);

/* Apply resources (memory, cpu, cpuset, pids, devices, unified); NULL = nothing. */
int lcont__cgroup_apply(struct lcont_cgroup *cg, const struct lcont_spec_resources *res,
                        lcont_error **reterr);

/* lcont__cgroup_enter(): the process was cloned into the cgroup2 tree already. */
#define LCONT_CGROUP_ENTER_SKIP_V2 (1ULL << 0)

/* Move @pid into the cgroup in every hierarchy (but the cgroup2 one with SKIP_V2). */
int lcont__cgroup_enter(struct lcont_cgroup *cg, pid_t pid, uint64_t flags, lcont_error **reterr);

/*
 * An fd on the cgroup's directory in the cgroup2 tree (pure v2, or hybrid's unified mount),
 * O_RDONLY|O_DIRECTORY|O_CLOEXEC, for clone3(CLONE_INTO_CGROUP): the child starts inside
 * the cgroup, with no migration afterwards (a migration waits for an RCU grace period).
 * -ENOENT when there is no cgroup2 tree or the directory is not created. Caller closes it.
 */
int lcont__cgroup_open_clone_fd(struct lcont_cgroup *cg, lcont_error **reterr);

/* Whether any process is in the cgroup (1/0) or -errno. */
int lcont__cgroup_has_processes(struct lcont_cgroup *cg, lcont_error **reterr);

/*
 * Send @sig to every process in the cgroup (v2 SIGKILL uses cgroup.kill when
 * present; otherwise freeze, signal every pid, thaw, to avoid fork races).
 */
int lcont__cgroup_kill(struct lcont_cgroup *cg, int sig, lcont_error **reterr);

/*
 * Remove the cgroup from every hierarchy, waiting briefly for exiting
 * processes (EBUSY retries). Missing directories are fine.
 */
int lcont__cgroup_destroy(struct lcont_cgroup *cg, lcont_error **reterr);

void lcont__cgroup_free(struct lcont_cgroup *cg);

#endif
