/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-process limits: rlimits, oom_score_adj, personality, scheduler, I/O priority, umask. */
#include <errno.h>
#include <fcntl.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "runtime/security-internal.h"

#ifndef IOPRIO_WHO_PROCESS
#define IOPRIO_WHO_PROCESS 1
#endif

/* Names for messages; const data, so the child may use them. */
static const char *const rlimit_names[RLIM_NLIMITS] = {
    [RLIMIT_CPU] = "RLIMIT_CPU",           [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
    [RLIMIT_DATA] = "RLIMIT_DATA",         [RLIMIT_STACK] = "RLIMIT_STACK",
    [RLIMIT_CORE] = "RLIMIT_CORE",         [RLIMIT_RSS] = "RLIMIT_RSS",
    [RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
    [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
    [RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
    [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

static int plan_rlimits(const struct lcont_spec_process *proc, struct lcont_limits_plan *out,
                        lcont_error **reterr)
{
    for (size_t i = 0; i < proc->n_rlimits; i++) {
        const struct lcont_spec_rlimit *rl = &proc->rlimits[i];
        if (rl->resource < 0 || rl->resource >= RLIM_NLIMITS)
            return lcont__error_set(reterr, -EINVAL, "process.rlimits[%zu]: unknown resource %d", i,
                                    rl->resource);
        if (rl->soft > rl->hard)
            return lcont__error_set(reterr, -EINVAL,
                                    "process.rlimits[%zu]: %s soft limit %llu is above the hard "
                                    "limit %llu",
                                    i, rlimit_names[rl->resource], (unsigned long long)rl->soft,
                                    (unsigned long long)rl->hard);
        if (out->rlimits[rl->resource].set)
            return lcont__error_set(reterr, -EINVAL, "process.rlimits[%zu]: %s is listed twice", i,
                                    rlimit_names[rl->resource]);
        out->rlimits[rl->resource] = (struct lcont_rlimit_plan){ true, rl->soft, rl->hard };
    }
    return 0;
}

static int plan_scheduler(const struct lcont_spec_scheduler *s, struct lcont_limits_plan *out,
                          lcont_error **reterr)
{
    if (!s->has)
        return 0;
    if (s->nice < -20 || s->nice > 19)
        return lcont__error_set(reterr, -EINVAL, "process.scheduler.nice: %d is not within -20..19",
                                s->nice);
    if (s->priority < 0)
        return lcont__error_set(reterr, -EINVAL, "process.scheduler.priority: %d is negative",
                                s->priority);
    _Static_assert(sizeof(struct lcont_sched_attr) == 56, "SCHED_ATTR_SIZE_VER1");
    out->has_sched = true;
    out->sched = (struct lcont_sched_attr){
        .size = sizeof(struct lcont_sched_attr),
        .sched_policy = (uint32_t)s->policy,
        .sched_flags = s->flags,
        .sched_nice = s->nice,
        .sched_priority = (uint32_t)s->priority,
        .sched_runtime = s->runtime,
        .sched_deadline = s->deadline,
        .sched_period = s->period,
    };
    /*
     * sched_setattr() already sets nice for the fair policies, except when
     * SCHED_FLAG_KEEP_PARAMS asks it to keep the old parameters; an explicit
     * setpriority() makes process.scheduler.nice hold in every case.
     */
    out->set_nice = s->policy == SCHED_OTHER || s->policy == SCHED_BATCH;
    return 0;
}

int lcont__limits_plan_init(const struct lcont_spec *spec, struct lcont_limits_plan *out,
                            lcont_error **reterr)
{
    const struct lcont_spec_process *proc = spec->process;
    int r;

    memset(out, 0, sizeof(*out));
    if (spec->linux_.has_personality) {
        out->has_personality = true;
        out->personality = spec->linux_.personality;
    }
    if (!proc)
        return 0;

    r = plan_rlimits(proc, out, reterr);
    if (r < 0)
        return r;
    if (proc->has_oom_score_adj) {
        if (proc->oom_score_adj < -1000 || proc->oom_score_adj > 1000)
            return lcont__error_set(reterr, -EINVAL,
                                    "process.oomScoreAdj: %d is not within -1000..1000",
                                    proc->oom_score_adj);
        out->has_oom_score_adj = true;
        out->oom_score_adj = proc->oom_score_adj;
    }
    r = plan_scheduler(&proc->scheduler, out, reterr);
    if (r < 0)
        return r;
    if (proc->io_priority.has) {
        const struct lcont_spec_io_priority *io = &proc->io_priority;
        if (io->class < IOPRIO_CLASS_RT || io->class > IOPRIO_CLASS_IDLE)
            return lcont__error_set(reterr, -EINVAL, "process.ioPriority.class: unknown class %d",
                                    io->class);
        if (io->priority < 0 || io->priority > 7)
            return lcont__error_set(reterr, -EINVAL,
                                    "process.ioPriority.priority: %d is not within 0..7",
                                    io->priority);
        out->has_ioprio = true;
        out->ioprio = IOPRIO_PRIO_VALUE(io->class, io->priority);
    }
    if (proc->has_umask) {
        out->has_umask = true;
        out->umask = proc->umask & 07777;
    }
    return 0;
}

/* ---- child ---- */

static int write_oom_score_adj(int proc_fd, int value, struct lcont_child_error *err)
{
    static const char path[] = "self/oom_score_adj";
    char buf[24] = "";
    _cleanup_close_ int fd = -1;
    size_t len;
    ssize_t n;

    if (proc_fd < 0)
        return lcont__child_fail(err, -EBADF, "write oom_score_adj: no procfs fd", NULL);
    lcont__cm_append_int(buf, sizeof(buf), value);
    len = strlen(buf);
    fd = openat(proc_fd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
    if (fd < 0)
        return lcont__child_fail(err, -errno, "open", path);
    do
        n = write(fd, buf, len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return lcont__child_fail(err, -errno, "write", path);
    if ((size_t)n != len)
        return lcont__child_fail(err, -EIO, "short write to", path);
    return 0;
}

int lcont__limits_apply_child(const struct lcont_security_plan *plan, int proc_fd,
                              struct lcont_child_error *err)
{
    const struct lcont_limits_plan *l = &plan->limits;
    int r;

    /* Before the rlimits: a low RLIMIT_NOFILE could stop the open below. */
    if (l->has_oom_score_adj) {
        r = write_oom_score_adj(proc_fd, l->oom_score_adj, err);
        if (r < 0)
            return r;
    }
    if (l->has_personality) {
        r = lcont__sys_personality(l->personality);
        if (r < 0)
            return lcont__child_fail(err, r, "personality", NULL);
    }
    if (l->has_sched) {
        struct lcont_sched_attr attr = l->sched; /* the syscall wants a writable pointer */
        r = lcont__sys_sched_setattr(0, &attr, 0);
        if (r < 0)
            return lcont__child_fail(err, r, "sched_setattr", NULL);
        if (l->set_nice) {
            r = lcont__sys_setpriority(PRIO_PROCESS, 0, l->sched.sched_nice);
            if (r < 0)
                return lcont__child_fail(err, r, "setpriority", NULL);
        }
    }
    if (l->has_ioprio) {
        r = lcont__sys_ioprio_set(IOPRIO_WHO_PROCESS, 0, l->ioprio);
        if (r < 0)
            return lcont__child_fail(err, r, "ioprio_set", NULL);
    }
    if (l->has_umask)
        umask(l->umask);
    for (int res = 0; res < RLIM_NLIMITS; res++) {
        if (!l->rlimits[res].set)
            continue;
        r = lcont__sys_prlimit(res, l->rlimits[res].cur, l->rlimits[res].max);
        if (r < 0)
            return lcont__child_fail(err, r, "setrlimit", rlimit_names[res]);
    }
    return 0;
}
