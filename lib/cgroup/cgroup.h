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
/* lcont__cgroup_enter(): the process joins the v1 hierarchies itself (lcont_cgroup_join). */
#define LCONT_CGROUP_ENTER_SKIP_V1 (1ULL << 1)

/* Move @pid into the cgroup in every hierarchy (but those the SKIP flags name). */
int lcont__cgroup_enter(struct lcont_cgroup *cg, pid_t pid, uint64_t flags, lcont_error **reterr);
/* Whether lcont__cgroup_enter(@flags) would have a hierarchy to write to. */
bool lcont__cgroup_enter_needed(const struct lcont_cgroup *cg, uint64_t flags);

/*
 * An fd on the cgroup's directory in the cgroup2 tree (pure v2, or hybrid's unified mount),
 * O_RDONLY|O_DIRECTORY|O_CLOEXEC, for clone3(CLONE_INTO_CGROUP): the child starts inside
 * the cgroup, with no migration afterwards (a migration waits for an RCU grace period).
 * -ENOENT when there is no cgroup2 tree or the directory is not created. Caller closes it.
 */
int lcont__cgroup_open_clone_fd(struct lcont_cgroup *cg, lcont_error **reterr);

/*
 * Joining the v1 hierarchies from the new process itself. A pid written to
 * cgroup.procs takes the kernel's global threadgroup rwsem for writing, and
 * whenever that lock was idle the write waits for an RCU grace period (2 ms on
 * an idle machine, 15 ms under load here: most of a container start on v1).
 * A thread that writes "0" to a v1 "tasks" file moves only itself, and the
 * kernel skips that lock. The container's init and exec'd processes have one
 * thread until exec, so moving the thread moves the process. The parent opens
 * the files before clone (its credentials authorise the writes); the child
 * writes and closes them before it does anything else.
 */
#define LCONT_CGROUP_JOIN_MAX 16

struct lcont_cgroup_join {
    size_t n; /* 0: nothing to join this way (no v1 hierarchy, or too many) */
    int fds[LCONT_CGROUP_JOIN_MAX];
    char where[LCONT_CGROUP_JOIN_MAX][64]; /* mount points, for errors (copies: the child
                                            * may run after the lcont_cgroup is freed) */
};

void lcont__cgroup_join_init(struct lcont_cgroup_join *join);
/* Open "tasks" in every v1 hierarchy of @cg. n = 0 means: use lcont__cgroup_enter() instead. */
int lcont__cgroup_join_prepare(struct lcont_cgroup *cg, struct lcont_cgroup_join *join,
                               lcont_error **reterr);
void lcont__cgroup_join_close(struct lcont_cgroup_join *join);
/* In the child, between clone and exec (no allocation): join, then close the fds. NULL = none. */
struct lcont_child_error;
int lcont__cgroup_join_child(const struct lcont_cgroup_join *join, struct lcont_child_error *err);

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

/* ---- running containers: freezer, update, stats, OOM events (issue 3) ---- */

/*
 * Freeze (true) or thaw (false) every process of the cgroup: v2 cgroup.freeze, v1 freezer
 * FROZEN/THAWED. Returns only once the state has settled (v2 cgroup.events "frozen",
 * v1 freezer.state), retrying as runc does; -EBUSY if it never settles.
 */
int lcont__cgroup_freeze(struct lcont_cgroup *cg, bool frozen, lcont_error **reterr);

/* 1 when frozen, 0 when thawed, -errno. */
int lcont__cgroup_is_frozen(struct lcont_cgroup *cg, lcont_error **reterr);

/*
 * Apply new resources to a running container's cgroup ("update"): like apply, but only
 * the members that are set change (e.g. memory limit without touching cpu).
 */
int lcont__cgroup_update(struct lcont_cgroup *cg, const struct lcont_spec_resources *res,
                         lcont_error **reterr);

/* Counters of one cgroup; fields a layout/controller does not provide stay 0 and their
 * has_* flag false. Units: bytes, nanoseconds, counts. mem_limit/mem_swap_limit: UINT64_MAX
 * when unlimited; mem_swap_*: the swap part alone (v1: memsw minus memory). */
struct lcont_cgroup_stats {
    bool has_cpu, has_memory, has_pids, has_io, has_hugetlb;
    /* cpu (v1 cpuacct + cpu.stat / v2 cpu.stat) */
    uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
    uint64_t cpu_periods, cpu_throttled_periods, cpu_throttled_ns;
    /* memory */
    uint64_t mem_usage, mem_max_usage, mem_limit, mem_swap_usage, mem_swap_limit;
    uint64_t mem_cache, mem_rss, mem_anon, mem_file;
    uint64_t mem_events_low, mem_events_high, mem_events_max, mem_oom, mem_oom_kill;
    /* pids */
    uint64_t pids_current, pids_limit; /* limit 0 = unlimited */
    /* io, summed over devices */
    uint64_t io_read_bytes, io_write_bytes, io_read_ios, io_write_ios;
    /* hugetlb, summed over page sizes */
    uint64_t hugetlb_usage, hugetlb_max_usage, hugetlb_failcnt;
    /* per CPU, v1 cpuacct only (v2 has no per-CPU counters): usage and its user/system
     * split (an array is NULL when its file is missing); n_cpus entries each */
    uint64_t *cpu_percpu_ns, *cpu_percpu_user_ns, *cpu_percpu_system_ns;
    size_t n_cpus;
    /* the same io and hugetlb counters, per device and per page size */
    struct lcont_cgroup_io_dev *io_devs;
    size_t n_io_devs;
    struct lcont_cgroup_hugetlb_size *hugetlb_sizes;
    size_t n_hugetlb_sizes;
};

struct lcont_cgroup_io_dev {
    unsigned major, minor;
    uint64_t read_bytes, write_bytes, read_ios, write_ios;
};

struct lcont_cgroup_hugetlb_size {
    char size[16]; /* as the kernel names it: "2MB", "1GB" */
    uint64_t usage, max_usage, failcnt;
};

/* Fill @ret (free its arrays with lcont__cgroup_stats_clear(), also after a failure). */
int lcont__cgroup_get_stats(struct lcont_cgroup *cg, struct lcont_cgroup_stats *ret,
                            lcont_error **reterr);
void lcont__cgroup_stats_clear(struct lcont_cgroup_stats *st);

/* Pids of every process in the cgroup (v2 cgroup.procs, v1 the pids/devices/memory
 * hierarchy), in no particular order; *ret is malloc'ed, *n_ret its count. */
int lcont__cgroup_get_pids(struct lcont_cgroup *cg, pid_t **ret, size_t *n_ret,
                           lcont_error **reterr);

/*
 * An fd the caller can poll (POLLIN/POLLPRI) that becomes readable when the cgroup sees
 * an OOM kill: v2 an inotify fd on memory.events, v1 an eventfd registered on
 * memory.oom_control via cgroup.event_control. After a wakeup, call
 * lcont__cgroup_get_stats() and compare mem_oom_kill. CLOEXEC, caller closes it.
 * Drain it after a wakeup (v1: read 8 bytes; v2: read the inotify events, non-blocking).
 * It also wakes up on other memory events (v2) and when the cgroup is removed.
 */
int lcont__cgroup_open_oom_fd(struct lcont_cgroup *cg, lcont_error **reterr);

void lcont__cgroup_free(struct lcont_cgroup *cg);

/* For _cleanup_(lcont__cgroup_freep). */
static inline void lcont__cgroup_freep(struct lcont_cgroup **p)
{
    lcont__cgroup_free(*p);
}

#endif
