/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A new container process joins its v1 hierarchies itself (see cgroup.h,
 * struct lcont_cgroup_join): the parent opens each "tasks" file before clone,
 * the child writes "0" to each as its first act and closes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "core/childmsg.h"
#include "core/error-internal.h"

void lcont__cgroup_join_init(struct lcont_cgroup_join *join)
{
    memset(join, 0, sizeof(*join));
}

void lcont__cgroup_join_close(struct lcont_cgroup_join *join)
{
    for (size_t i = 0; i < join->n; i++)
        if (join->fds[i] >= 0)
            close(join->fds[i]);
    join->n = 0;
}

int lcont__cgroup_join_prepare(struct lcont_cgroup *cg, struct lcont_cgroup_join *join,
                               lcont_error **reterr)
{
    size_t n_v1 = 0;

    lcont__cgroup_join_init(join);
    for (size_t i = 0; i < cg->n_hier; i++)
        n_v1 += !cg->hier[i].v2;
    /* more hierarchies than the plan has room for: the parent moves the process instead */
    if (n_v1 == 0 || n_v1 > LCONT_CGROUP_JOIN_MAX)
        return 0;
    for (size_t i = 0; i < cg->n_hier; i++) {
        struct cg_hierarchy *h = &cg->hier[i];
        int r;

        if (h->v2)
            continue;
        r = lcont__cgroup_require_dir(h, cg->path, reterr);
        if (r < 0) {
            lcont__cgroup_join_close(join);
            return r;
        }
        join->fds[join->n] = openat(h->dirfd, "tasks", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (join->fds[join->n] < 0) {
            r = -errno;
            lcont__cgroup_join_close(join);
            return lcont__error_setsys(reterr, r, "cgroup: open %s%s/tasks", h->mount, cg->path);
        }
        snprintf(join->where[join->n], sizeof(join->where[join->n]), "%s", h->mount);
        join->n++;
    }
    return 0;
}

int lcont__cgroup_join_child(const struct lcont_cgroup_join *join, struct lcont_child_error *err)
{
    if (!join)
        return 0;
    for (size_t i = 0; i < join->n; i++) {
        if (write(join->fds[i], "0", 1) != 1)
            return lcont__child_fail(err, -errno, "join the cgroup in", join->where[i]);
        close(join->fds[i]);
    }
    return 0;
}
