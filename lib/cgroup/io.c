/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.resources.blockIO: v1 blkio.* files, v2 io.weight/io.bfq.weight and io.max.
 *
 * Weights: the OCI values are v1's (10..1000). Since CFQ left the kernel (5.0) a
 * weight only works with the BFQ scheduler, through blkio.bfq.weight (v1) or
 * io.bfq.weight (v2), which take the same range; a kernel with blk-iocost also has
 * v2 io.weight (1..10000), written with runc's conversion 1 + (w - 10) * 9999 / 990.
 * leafWeight was CFQ only: on v1 it needs blkio.leaf_weight, v2 has nothing like it
 * (ignored there, as runc does).
 * Throttles: a rate of 0 removes the limit (v1 semantics; "max" on v2).
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

bool lcont__cgroup_wants_io(const struct lcont_spec_resources *res)
{
    if ((res->has_blkio_weight && res->blkio_weight) ||
        (res->has_blkio_leaf_weight && res->blkio_leaf_weight) || res->n_blkio_weight_devices)
        return true;
    for (int k = 0; k < LCONT_BLKIO_THROTTLE_COUNT; k++)
        if (res->n_blkio_throttle[k])
            return true;
    return false;
}

static bool has_file(const struct cg_hierarchy *h, const char *file)
{
    return faccessat(h->dirfd, file, F_OK, 0) == 0;
}

static int write_dev(const struct cg_hierarchy *h, const char *file, int64_t major, int64_t minor,
                     const char *value, lcont_error **reterr)
{
    char line[96];

    snprintf(line, sizeof(line), "%" PRId64 ":%" PRId64 " %s", major, minor, value);
    return lcont__cgroup_write(h, file, line, reterr);
}

/* ---- v1 ---- */

static const char *const v1_throttle_files[LCONT_BLKIO_THROTTLE_COUNT] = {
    [LCONT_BLKIO_READ_BPS] = "blkio.throttle.read_bps_device",
    [LCONT_BLKIO_WRITE_BPS] = "blkio.throttle.write_bps_device",
    [LCONT_BLKIO_READ_IOPS] = "blkio.throttle.read_iops_device",
    [LCONT_BLKIO_WRITE_IOPS] = "blkio.throttle.write_iops_device",
};

int lcont__cgroup_v1_blkio(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                           lcont_error **reterr)
{
    bool cfq = has_file(h, "blkio.weight");
    const char *weight = cfq ? "blkio.weight" : "blkio.bfq.weight";
    const char *weight_dev = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
    bool want_weight =
        (res->has_blkio_weight && res->blkio_weight) || res->n_blkio_weight_devices > 0;
    int r;

    if (want_weight && !cfq && !has_file(h, weight))
        return lcont__error_set(reterr, -EOPNOTSUPP,
                                "linux.resources.blockIO.weight: no blkio.weight nor "
                                "blkio.bfq.weight (weights need the BFQ io scheduler loaded)");
    if (res->has_blkio_weight && res->blkio_weight) {
        r = lcont__cgroup_write_u64(h, weight, res->blkio_weight, reterr);
        if (r < 0)
            return r;
    }
    if (res->has_blkio_leaf_weight && res->blkio_leaf_weight) {
        if (!has_file(h, "blkio.leaf_weight"))
            return lcont__error_set(reterr, -EOPNOTSUPP,
                                    "linux.resources.blockIO.leafWeight: needs the CFQ io "
                                    "scheduler, which Linux removed in 5.0");
        r = lcont__cgroup_write_u64(h, "blkio.leaf_weight", res->blkio_leaf_weight, reterr);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < res->n_blkio_weight_devices; i++) {
        const struct lcont_spec_blkio_weight_device *d = &res->blkio_weight_devices[i];
        char v[16];

        if (d->has_weight && d->weight) {
            snprintf(v, sizeof(v), "%u", d->weight);
            r = write_dev(h, weight_dev, d->major, d->minor, v, reterr);
            if (r < 0)
                return lcont__error_prefix(reterr, r, "linux.resources.blockIO.weightDevice[%zu]",
                                           i);
        }
        if (d->has_leaf_weight && d->leaf_weight) {
            snprintf(v, sizeof(v), "%u", d->leaf_weight);
            r = write_dev(h, "blkio.leaf_weight_device", d->major, d->minor, v, reterr);
            if (r < 0)
                return lcont__error_prefix(reterr, r, "linux.resources.blockIO.weightDevice[%zu]",
                                           i);
        }
    }
    for (int k = 0; k < LCONT_BLKIO_THROTTLE_COUNT; k++)
        for (size_t i = 0; i < res->n_blkio_throttle[k]; i++) {
            const struct lcont_spec_blkio_throttle_device *d = &res->blkio_throttle[k][i];
            char v[32];

            snprintf(v, sizeof(v), "%" PRIu64, d->rate);
            r = write_dev(h, v1_throttle_files[k], d->major, d->minor, v, reterr);
            if (r < 0)
                return r;
        }
    return 0;
}

/* ---- v2 ---- */

static const char *const v2_throttle_keys[LCONT_BLKIO_THROTTLE_COUNT] = {
    [LCONT_BLKIO_READ_BPS] = "rbps",
    [LCONT_BLKIO_WRITE_BPS] = "wbps",
    [LCONT_BLKIO_READ_IOPS] = "riops",
    [LCONT_BLKIO_WRITE_IOPS] = "wiops",
};

uint64_t lcont__cgroup_blkio_weight_to_v2(uint64_t weight)
{
    weight = weight < 10 ? 10 : weight > 1000 ? 1000 : weight;
    return 1 + (weight - 10) * 9999 / 990;
}

/* A weight ("N" or "maj:min N") into io.bfq.weight as is, else io.weight converted. */
static int v2_weight(struct cg_hierarchy *h, const struct lcont_spec_blkio_weight_device *dev,
                     uint64_t weight, lcont_error **reterr)
{
    bool bfq = has_file(h, "io.bfq.weight");
    const char *file = bfq ? "io.bfq.weight" : "io.weight";
    char v[32];

    if (!bfq && !has_file(h, "io.weight"))
        return lcont__error_set(reterr, -EOPNOTSUPP,
                                "linux.resources.blockIO: no io.bfq.weight nor io.weight in the "
                                "cgroup (the io controller is not enabled, or the kernel has "
                                "neither BFQ nor blk-iocost)");
    snprintf(v, sizeof(v), "%" PRIu64, bfq ? weight : lcont__cgroup_blkio_weight_to_v2(weight));
    if (dev)
        return write_dev(h, file, dev->major, dev->minor, v, reterr);
    /* io.weight's plain form is "default N" */
    if (!bfq) {
        char line[48];
        snprintf(line, sizeof(line), "default %s", v);
        return lcont__cgroup_write(h, file, line, reterr);
    }
    return lcont__cgroup_write(h, file, v, reterr);
}

int lcont__cgroup_v2_io(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                        lcont_error **reterr)
{
    int r;

    if (res->has_blkio_weight && res->blkio_weight) {
        r = v2_weight(h, NULL, res->blkio_weight, reterr);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < res->n_blkio_weight_devices; i++) {
        const struct lcont_spec_blkio_weight_device *d = &res->blkio_weight_devices[i];
        if (!d->has_weight || !d->weight)
            continue;
        r = v2_weight(h, d, d->weight, reterr);
        if (r < 0)
            return lcont__error_prefix(reterr, r, "linux.resources.blockIO.weightDevice[%zu]", i);
    }
    for (int k = 0; k < LCONT_BLKIO_THROTTLE_COUNT; k++)
        for (size_t i = 0; i < res->n_blkio_throttle[k]; i++) {
            const struct lcont_spec_blkio_throttle_device *d = &res->blkio_throttle[k][i];
            char v[48];

            /* io.max keeps the keys a write does not mention: one key per write is fine */
            if (d->rate)
                snprintf(v, sizeof(v), "%s=%" PRIu64, v2_throttle_keys[k], d->rate);
            else
                snprintf(v, sizeof(v), "%s=max", v2_throttle_keys[k]);
            r = write_dev(h, "io.max", d->major, d->minor, v, reterr);
            if (r == -ENOENT)
                return lcont__error_set(reterr, r,
                                        "cgroup: write io.max: no such file (controller 'io' not "
                                        "enabled in the parent's cgroup.subtree_control)");
            if (r < 0)
                return r;
        }
    return 0;
}
