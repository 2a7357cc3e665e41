/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_SECURITY_INTERNAL_H
#define LCONT_RUNTIME_SECURITY_INTERNAL_H

/*
 * Layout of struct lcont_security_plan and the helpers shared by
 * security.c, caps.c, seccomp.c and limits.c. Not for other modules: they
 * use runtime/security.h. Unit tests look inside the plan through this file.
 */

#include <linux/filter.h>
#include <sys/resource.h>

#include "core/sys.h"
#include "runtime/security.h"

/* Compiled filter; prog == NULL means no seccomp. */
struct lcont_seccomp_plan {
    struct sock_filter *prog;
    unsigned short len;
    unsigned flags; /* SECCOMP_FILTER_FLAG_*, NEW_LISTENER included when notify */
    bool notify;    /* some rule uses SCMP_ACT_NOTIFY */
};

struct lcont_caps_plan {
    bool set; /* false: process.capabilities absent, caps are left alone */
    unsigned last_cap;
    uint64_t bounding, effective, permitted, inheritable, ambient;
    uint64_t ambient_dropped; /* requested ambient caps not in permitted & inheritable */
};

/*
 * The kernel's struct sched_attr (SCHED_ATTR_SIZE_VER1). <linux/sched/types.h>
 * cannot be used next to glibc's <sched.h>: both define struct sched_param.
 */
struct lcont_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};

struct lcont_rlimit_plan {
    bool set;
    uint64_t cur, max;
};

struct lcont_limits_plan {
    struct lcont_rlimit_plan rlimits[RLIM_NLIMITS]; /* indexed by RLIMIT_* */
    bool has_oom_score_adj;
    int oom_score_adj;
    bool has_personality;
    unsigned long personality;
    bool has_sched;
    struct lcont_sched_attr sched;
    bool set_nice; /* also setpriority(): fair policies take their weight from nice */
    bool has_ioprio;
    int ioprio; /* IOPRIO_PRIO_VALUE(class, data) */
    bool has_umask;
    mode_t umask;
};

struct lcont_security_plan {
    bool change_ids; /* false when the spec has no process */
    uid_t uid;
    gid_t gid;
    gid_t *gids;
    size_t n_gids;
    bool no_new_privs;
    struct lcont_caps_plan caps;
    struct lcont_seccomp_plan seccomp;
    struct lcont_limits_plan limits;
};

/* ---- parent side ---- */

/* Fill @out from process.capabilities (NULL = absent); reads cap_last_cap. */
int lcont__caps_plan_init(const struct lcont_spec_process *process, struct lcont_caps_plan *out,
                          lcont_error **reterr);

/*
 * Compile @sc with libseccomp into a BPF program owned by @out. On failure
 * @out is left empty.
 */
int lcont__seccomp_plan_init(const struct lcont_spec_seccomp *sc, struct lcont_seccomp_plan *out,
                             lcont_error **reterr);
void lcont__seccomp_plan_done(struct lcont_seccomp_plan *p);

int lcont__limits_plan_init(const struct lcont_spec *spec, struct lcont_limits_plan *out,
                            lcont_error **reterr);

/*
 * -EOPNOTSUPP when an AppArmor profile or SELinux label is asked for. @sysroot
 * is "/" in production; tests point it at a fake tree.
 */
int lcont__security_lsm_check(const char *sysroot, const char *apparmor_profile,
                              const char *selinux_label, lcont_error **reterr);

/* ---- child side (no malloc, no locks) ---- */

int lcont__caps_drop_bounding_child(const struct lcont_caps_plan *caps,
                                    struct lcont_child_error *err);
/* capset + ambient set; runs after the uid switch. */
int lcont__caps_set_child(const struct lcont_caps_plan *caps, struct lcont_child_error *err);
/* Load the filter (if any); *ret_listener_fd gets the notify listener or -1. */
int lcont__seccomp_load_child(const struct lcont_seccomp_plan *p, int *ret_listener_fd,
                              struct lcont_child_error *err);

#endif
