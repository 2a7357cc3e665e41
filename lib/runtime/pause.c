/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Operations on a running container's cgroup: pause/resume (freezer), update, pids, OOM fd. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "core/error-internal.h"
#include "core/util.h"
#include "runtime/container-internal.h"
#include "spec/parse-resources-entry.h"

/* The container's cgroup, reopened from the path recorded at create. */
static int open_cgroup(lcont_container *c, const char *what, struct lcont_cgroup **ret,
                       lcont_error **reterr)
{
    if (!c->state.cgroup_path)
        return lcont__error_set(reterr, -ESRCH, "%s '%s': container has no cgroup", what,
                                c->state.id);
    return lcont__cgroup_open(c->state.cgroup_path, ret, reterr);
}

/* Freeze or thaw; the status moves from @from to @to (running <-> paused), as in runc. */
static int set_frozen(lcont_container *c, bool frozen, uint64_t flags, lcont_error **reterr)
{
    const char *what = frozen ? "pause" : "resume";
    enum lcont_state_status from = frozen ? LCONT_STATE_RUNNING : LCONT_STATE_PAUSED;
    _cleanup_(lcont__cgroup_freep) struct lcont_cgroup *cg = NULL;
    _cleanup_close_ int dirfd = -1;
    enum lcont_state_status status;
    int r;

    if (flags)
        return lcont__error_set(reterr, -EINVAL, "%s: unknown flags", what);
    dirfd = lcont__container_lock(c, what, reterr);
    if (dirfd < 0)
        return dirfd;
    status = lcont__container_effective_status(dirfd, &c->state);
    if (status != from)
        return lcont__error_set(reterr, -EBUSY, "%s '%s': container is %s, not %s", what,
                                c->state.id, lcont__state_status_name(status),
                                lcont__state_status_name(from));
    r = open_cgroup(c, what, &cg, reterr);
    if (r >= 0)
        r = lcont__cgroup_freeze(cg, frozen, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "%s '%s'", what, c->state.id);
    c->state.status = frozen ? LCONT_STATE_PAUSED : LCONT_STATE_RUNNING;
    r = lcont__state_write(dirfd, &c->state, reterr);
    if (r < 0) {
        lcont__cgroup_freeze(cg, !frozen, NULL); /* the record must match the kernel */
        return lcont__error_prefix(reterr, r, "%s '%s'", what, c->state.id);
    }
    lcont__log_debug(c->ctx, "%s '%s': done", what, c->state.id);
    return 0;
}

int lcont_container_pause(lcont_container *c, uint64_t flags, lcont_error **reterr)
{
    CHECK_HANDLE(c, reterr, "pause");
    return set_frozen(c, true, flags, reterr);
}

int lcont_container_resume(lcont_container *c, uint64_t flags, lcont_error **reterr)
{
    CHECK_HANDLE(c, reterr, "resume");
    return set_frozen(c, false, flags, reterr);
}

int lcont_container_update(lcont_container *c, const char *resources_json, uint64_t flags,
                           lcont_error **reterr)
{
    _cleanup_(lcont__cgroup_freep) struct lcont_cgroup *cg = NULL;
    _cleanup_(lcont__spec_freep) struct lcont_spec *res = NULL;
    _cleanup_close_ int dirfd = -1;
    enum lcont_state_status status;
    int r;

    CHECK_HANDLE(c, reterr, "update");
    if (flags || !resources_json)
        return lcont__error_set(reterr, -EINVAL, "update: unknown flags or no resources");
    /* parsed before anything is touched: a bad document changes nothing */
    r = lcont__spec_parse_resources_json(resources_json, strlen(resources_json), &res, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "update");
    dirfd = lcont__container_lock(c, "update", reterr);
    if (dirfd < 0)
        return dirfd;
    status = lcont__container_effective_status(dirfd, &c->state);
    if (status == LCONT_STATE_STOPPED || status == LCONT_STATE_CREATING)
        return lcont__error_set(reterr, status == LCONT_STATE_STOPPED ? -ESRCH : -EBUSY,
                                "update '%s': container is %s", c->state.id,
                                lcont__state_status_name(status));
    r = open_cgroup(c, "update", &cg, reterr);
    if (r >= 0)
        r = lcont__cgroup_update(cg, &res->linux_.resources, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "update '%s'", c->state.id);
    return 0;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return x < y ? -1 : x > y;
}

int lcont_container_get_pids(lcont_container *c, uint64_t flags, pid_t **ret_pids, size_t *ret_n,
                             lcont_error **reterr)
{
    _cleanup_(lcont__cgroup_freep) struct lcont_cgroup *cg = NULL;
    _cleanup_close_ int dirfd = -1;
    pid_t *pids = NULL;
    size_t n = 0;
    int r;

    CHECK_HANDLE(c, reterr, "pids");
    if (flags || !ret_pids || !ret_n)
        return lcont__error_set(reterr, -EINVAL, "pids: unknown flags or NULL outputs");
    dirfd = lcont__container_lock(c, "pids", reterr);
    if (dirfd < 0)
        return dirfd;
    r = open_cgroup(c, "pids", &cg, reterr);
    if (r >= 0)
        r = lcont__cgroup_get_pids(cg, &pids, &n, reterr);
    if (r == -ENOENT) {
        n = 0; /* the cgroup is gone with the container: nothing runs */
        r = 0;
    }
    if (r < 0)
        return lcont__error_prefix(reterr, r, "pids of '%s'", c->state.id);
    if (n > 1)
        qsort(pids, n, sizeof(*pids), cmp_pid);
    if (!pids && !(pids = malloc(sizeof(*pids))))
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    *ret_pids = pids;
    *ret_n = n;
    return 0;
}

int lcont_container_open_oom_fd(lcont_container *c, uint64_t flags, lcont_error **reterr)
{
    _cleanup_(lcont__cgroup_freep) struct lcont_cgroup *cg = NULL;
    _cleanup_close_ int dirfd = -1;
    int r;

    CHECK_HANDLE(c, reterr, "oom fd");
    if (flags)
        return lcont__error_set(reterr, -EINVAL, "oom fd: unknown flags");
    dirfd = lcont__container_lock(c, "oom fd", reterr);
    if (dirfd < 0)
        return dirfd;
    r = open_cgroup(c, "oom fd", &cg, reterr);
    if (r >= 0)
        r = lcont__cgroup_open_oom_fd(cg, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "oom fd of '%s'", c->state.id);
    return r;
}

int lcont__container_after_kill(lcont_container *c, int dirfd, int signo, lcont_error **reterr)
{
    _cleanup_(lcont__cgroup_freep) struct lcont_cgroup *cg = NULL;
    int r;

    if (c->state.status != LCONT_STATE_PAUSED || !c->state.cgroup_path)
        return 0;
    r = lcont__cgroup_open(c->state.cgroup_path, &cg, reterr);
    if (r < 0)
        return r;
    /* a v1 freezer holds even a SIGKILLed task until thawed: SIGKILL thaws, like runc's */
    if (signo == SIGKILL) {
        r = lcont__cgroup_freeze(cg, false, reterr);
        if (r < 0)
            return lcont__error_prefix(reterr, r, "kill '%s': thaw", c->state.id);
    }
    /* the record follows the cgroup, whoever thawed it */
    if (lcont__cgroup_is_frozen(cg, NULL) == 0) {
        c->state.status = LCONT_STATE_RUNNING;
        return lcont__state_write(dirfd, &c->state, reterr);
    }
    return 0;
}
