/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The freezer: v2 cgroup.freeze (settled when cgroup.events says "frozen 1") or the v1
 * freezer controller (FROZEN once every task stopped; FREEZING while one is busy, e.g. in
 * an uninterruptible sleep or a vfork, in which case asking again, and now and then
 * thawing briefly, is what gets it through, as runc does). On hybrid hosts the v1 freezer
 * is the one used (where runc looks too; the processes are in both trees), and the
 * unified tree's cgroup.freeze when there is no v1 freezer.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "core/error-internal.h"
#include "core/util.h"

#define V2_WAIT_MS 10000 /* an unresponsive task (e.g. in D state) is reported, not waited on */
#define V1_ATTEMPTS 1000

struct cg_hierarchy *lcont__cgroup_freezer(struct lcont_cgroup *cg)
{
    struct cg_hierarchy *h = NULL;

    if (cg->layout != LCONT_CGROUP_LAYOUT_V2)
        h = lcont__cgroup_find_v1(cg, "freezer");
    /* v2, or a hybrid host without the v1 freezer: cgroup.freeze is in every cgroup2 dir */
    if (!h || h->dirfd < 0)
        h = lcont__cgroup_find_v2(cg);
    return h && h->dirfd >= 0 ? h : NULL;
}

int lcont__cgroup_freezer_state(struct cg_hierarchy *fz)
{
    _cleanup_free_ char *text = NULL;
    int r = lcont__cgroup_read(fz, fz->v2 ? "cgroup.events" : "freezer.state", &text, NULL);

    if (r < 0)
        return r;
    if (fz->v2)
        return strstr(text, "frozen 1") != NULL;
    return strcmp(text, "FROZEN") == 0;
}

int lcont__cgroup_freezer_requested(struct cg_hierarchy *fz)
{
    _cleanup_free_ char *text = NULL;
    int r = lcont__cgroup_read(fz, fz->v2 ? "cgroup.freeze" : "freezer.state", &text, NULL);

    if (r < 0)
        return r;
    return fz->v2 ? strcmp(text, "1") == 0 : strcmp(text, "THAWED") != 0;
}

int lcont__cgroup_freezer_set(struct cg_hierarchy *fz, bool freeze, lcont_error **reterr)
{
    if (fz->v2)
        return lcont__cgroup_write(fz, "cgroup.freeze", freeze ? "1" : "0", reterr);
    return lcont__cgroup_write(fz, "freezer.state", freeze ? "FROZEN" : "THAWED", reterr);
}

/* v2: wait on cgroup.events (the kernel signals POLLPRI on each change) until "frozen" is @want. */
static int v2_wait(struct cg_hierarchy *fz, bool want, int timeout_ms)
{
    _cleanup_close_ int fd = openat(fz->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
    char buf[256];

    if (fd < 0)
        return -errno;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLPRI };
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        int r;

        if (n < 0)
            return -errno;
        buf[n] = '\0';
        if ((strstr(buf, "frozen 1") != NULL) == want)
            return 1;
        if (timeout_ms <= 0)
            return 0;
        /* a change between the read and poll is not lost: kernfs remembers the event */
        r = poll(&p, 1, timeout_ms > 100 ? 100 : timeout_ms);
        if (r < 0 && errno != EINTR)
            return -errno;
        timeout_ms -= 100;
    }
}

/* v1: ask for FROZEN until the state says so; 1 frozen, 0 gave up, -errno. */
static int v1_freeze(struct cg_hierarchy *fz)
{
    for (int i = 0; i < V1_ATTEMPTS; i++) {
        int r;
        /* new tasks forked meanwhile can keep it FREEZING: let everything run a moment */
        if (i % 50 == 49) {
            r = lcont__cgroup_freezer_set(fz, false, NULL);
            if (r < 0)
                return r;
            lcont__cgroup_sleep_ms(10);
        }
        r = lcont__cgroup_freezer_set(fz, true, NULL);
        if (r < 0)
            return r;
        if (i % 25 == 24)
            lcont__cgroup_sleep_ms(10);
        r = lcont__cgroup_freezer_state(fz);
        if (r != 0)
            return r;
    }
    return 0;
}

int lcont__cgroup_freezer_freeze_wait(struct cg_hierarchy *fz, lcont_error **reterr)
{
    int r;

    if (fz->v2) {
        r = lcont__cgroup_freezer_set(fz, true, reterr);
        if (r < 0)
            return r;
        r = v2_wait(fz, true, V2_WAIT_MS);
    } else {
        r = v1_freeze(fz);
    }
    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: freeze %s", fz->mount);
    return r;
}

int lcont__cgroup_freeze(struct lcont_cgroup *cg, bool frozen, lcont_error **reterr)
{
    struct cg_hierarchy *fz;
    int r;

    if (!cg)
        return lcont__error_set(reterr, -EINVAL, "cgroup: no cgroup");
    fz = lcont__cgroup_freezer(cg);
    if (!fz)
        return lcont__error_set(reterr, -EOPNOTSUPP, "cgroup: %s%s has no freezer (%s)",
                                CGROUP_ROOT, cg->path,
                                cg->layout == LCONT_CGROUP_LAYOUT_V2
                                    ? "directory missing"
                                    : "the v1 freezer controller is not mounted, or the "
                                      "directory is missing");
    if (!frozen) {
        r = lcont__cgroup_freezer_set(fz, false, reterr);
        if (r < 0)
            return r;
        r = fz->v2 ? v2_wait(fz, false, V2_WAIT_MS) : !lcont__cgroup_freezer_requested(fz);
        if (r < 0)
            return lcont__error_setsys(reterr, r, "cgroup: thaw %s%s", fz->mount, cg->path);
        if (r == 0)
            return lcont__error_set(reterr, -EBUSY, "cgroup: thaw %s%s: did not settle", fz->mount,
                                    cg->path);
        return 0;
    }
    r = lcont__cgroup_freezer_freeze_wait(fz, reterr);
    if (r < 0)
        return r;
    if (r == 0) {
        /* leave it running rather than half-frozen */
        (void)lcont__cgroup_freezer_set(fz, false, NULL);
        return lcont__error_set(reterr, -EBUSY,
                                "cgroup: freeze %s%s: a task did not stop (still freezing); "
                                "thawed again",
                                fz->mount, cg->path);
    }
    return 0;
}

int lcont__cgroup_is_frozen(struct lcont_cgroup *cg, lcont_error **reterr)
{
    struct cg_hierarchy *fz;
    int r;

    if (!cg)
        return lcont__error_set(reterr, -EINVAL, "cgroup: no cgroup");
    fz = lcont__cgroup_freezer(cg);
    if (!fz)
        return 0; /* nothing could have frozen it */
    r = lcont__cgroup_freezer_state(fz);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: read freezer state of %s%s", fz->mount,
                                   cg->path);
    return r;
}
