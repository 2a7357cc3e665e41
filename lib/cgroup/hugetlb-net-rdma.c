/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The smaller controllers: hugetlb (v1 hugetlb.<size>.limit_in_bytes, v2
 * hugetlb.<size>.max; the "rsvd" reservation limit too where the kernel has it,
 * as runc does, so memory reserved by mmap counts against the limit), rdma
 * (rdma.max on both) and the v1-only net_cls/net_prio.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "core/error-internal.h"
#include "core/util.h"

/* ---- hugetlb ---- */

/* On v2 a controller's files exist only when the parent enabled it for us. */
static int need_v2_controller(const struct cg_hierarchy *h, const char *controller,
                              lcont_error **reterr)
{
    if (!h->v2 || lcont__cgroup_v2_has_controller(h, controller))
        return 0;
    return lcont__error_set(reterr, -EOPNOTSUPP,
                            "cgroup: the '%s' controller is not available in %s (not in the "
                            "kernel, or not enabled in the parent's cgroup.subtree_control)",
                            controller, h->mount);
}

int lcont__cgroup_hugetlb(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                          lcont_error **reterr)
{
    int r = need_v2_controller(h, "hugetlb", reterr);

    if (r < 0)
        return r;
    for (size_t i = 0; i < res->n_hugepage_limits; i++) {
        const struct lcont_spec_hugepage_limit *l = &res->hugepage_limits[i];
        const char *sfx = h->v2 ? "max" : "limit_in_bytes";
        char file[96], rsvd[112];

        snprintf(file, sizeof(file), "hugetlb.%s.%s", l->page_size, sfx);
        snprintf(rsvd, sizeof(rsvd), "hugetlb.%s.rsvd.%s", l->page_size, sfx);
        if (faccessat(h->dirfd, file, F_OK, 0) < 0)
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.resources.hugepageLimits[%zu]: no %s in %s (page size "
                                    "'%s' not supported by this kernel/CPU?)",
                                    i, file, h->mount, l->page_size);
        r = lcont__cgroup_write_u64(h, file, l->limit, reterr);
        if (r < 0)
            return r;
        if (faccessat(h->dirfd, rsvd, F_OK, 0) == 0) {
            r = lcont__cgroup_write_u64(h, rsvd, l->limit, reterr);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

/* ---- rdma ---- */

int lcont__cgroup_rdma(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                       lcont_error **reterr)
{
    int r = need_v2_controller(h, "rdma", reterr);

    if (r < 0)
        return r;
    for (size_t i = 0; i < res->n_rdma_limits; i++) {
        const struct lcont_spec_rdma_limit *l = &res->rdma_limits[i];
        char line[256];
        int n = snprintf(line, sizeof(line), "%s", l->device);

        if (l->has_hca_handles)
            n += snprintf(line + n, sizeof(line) - (size_t)n, " hca_handle=%" PRIu32,
                          l->hca_handles);
        if (l->has_hca_objects && (size_t)n < sizeof(line))
            n += snprintf(line + n, sizeof(line) - (size_t)n, " hca_object=%" PRIu32,
                          l->hca_objects);
        if ((size_t)n >= sizeof(line))
            return lcont__error_set(reterr, -EINVAL, "linux.resources.rdma: device name too long");
        r = lcont__cgroup_write(h, "rdma.max", line, reterr);
        if (r < 0)
            return lcont__error_prefix(reterr, r, "linux.resources.rdma.%s", l->device);
    }
    return 0;
}

/* ---- net_cls / net_prio (cgroup v1 only) ---- */

bool lcont__cgroup_wants_net(const struct lcont_spec_resources *res)
{
    return res->has_net_class_id || res->n_net_priorities > 0;
}

int lcont__cgroup_v1_net(struct lcont_cgroup *cg, const struct lcont_spec_resources *res,
                         lcont_error **reterr)
{
    struct cg_hierarchy *h;
    int r;

    /*
     * Where the controller is not mounted (any cgroup v2 host, and most v1 ones today)
     * the values are ignored, as runc does: the network itself works without them.
     */
    if (res->has_net_class_id && (h = lcont__cgroup_find_v1(cg, "net_cls"))) {
        r = lcont__cgroup_require_dir(h, cg->path, reterr);
        if (r < 0)
            return r;
        r = lcont__cgroup_write_u64(h, "net_cls.classid", res->net_class_id, reterr);
        if (r < 0)
            return r;
    }
    if (res->n_net_priorities > 0 && (h = lcont__cgroup_find_v1(cg, "net_prio"))) {
        r = lcont__cgroup_require_dir(h, cg->path, reterr);
        if (r < 0)
            return r;
        for (size_t i = 0; i < res->n_net_priorities; i++) {
            char line[128];
            snprintf(line, sizeof(line), "%s %" PRIu32, res->net_priorities[i].name,
                     res->net_priorities[i].priority);
            r = lcont__cgroup_write(h, "net_prio.ifpriomap", line, reterr);
            if (r < 0)
                return lcont__error_prefix(reterr, r, "linux.resources.network.priorities[%zu]", i);
        }
    }
    return 0;
}
