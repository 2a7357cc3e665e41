/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rules that tie fields together (the spec's MUSTs and runc's config validator). */
#include "spec/parse-internal.h"

#include <errno.h>

static int check_uts(const struct lcont_spec *spec, lcont_error **reterr)
{
    bool uts = spec->linux_.namespaces[LCONT_NS_UTS].present;

    if (spec->hostname && !uts)
        return lcont__error_set(reterr, -EINVAL,
                                "hostname: unable to set hostname without a private UTS namespace");
    if (spec->domainname && !uts)
        return lcont__error_set(
            reterr, -EINVAL,
            "domainname: unable to set domainname without a private UTS namespace");
    return 0;
}

static int check_user(const struct lcont_spec_linux *lx, lcont_error **reterr)
{
    const struct lcont_spec_namespace *user = &lx->namespaces[LCONT_NS_USER];

    if (!user->present) {
        if (lx->uid_mappings)
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.uidMappings: user namespace mappings specified, but "
                                    "user namespace isn't enabled in the config");
        if (lx->gid_mappings)
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.gidMappings: user namespace mappings specified, but "
                                    "user namespace isn't enabled in the config");
        return 0;
    }
    /* Joining an existing user namespace brings its own mappings. */
    if (user->path)
        return 0;
    if (lx->n_uid_mappings == 0)
        return lcont__error_set(reterr, -EINVAL,
                                "linux.uidMappings: user namespaces enabled, but no uid mappings "
                                "found");
    if (lx->n_gid_mappings == 0)
        return lcont__error_set(reterr, -EINVAL,
                                "linux.gidMappings: user namespaces enabled, but no gid mappings "
                                "found");
    return 0;
}

static int check_time(const struct lcont_spec_linux *lx, lcont_error **reterr)
{
    const struct lcont_spec_namespace *time = &lx->namespaces[LCONT_NS_TIME];

    if (!lx->has_time_offsets)
        return 0;
    if (!time->present)
        return lcont__error_set(reterr, -EINVAL,
                                "linux.timeOffsets: time namespace offsets specified, but time "
                                "namespace isn't enabled in the config");
    /* Offsets can only be written before the first process enters a new time namespace. */
    if (time->path)
        return lcont__error_set(reterr, -EINVAL,
                                "linux.timeOffsets: cannot set offsets when joining an existing "
                                "time namespace");
    return 0;
}

static int check_mount_ns(const struct lcont_spec_linux *lx, lcont_error **reterr)
{
    if (lx->namespaces[LCONT_NS_MNT].present)
        return 0;
    if (lx->masked_paths && lx->masked_paths[0])
        return lcont__error_set(reterr, -EINVAL,
                                "linux.maskedPaths: unable to restrict sys entries without a "
                                "private MNT namespace");
    if (lx->readonly_paths && lx->readonly_paths[0])
        return lcont__error_set(reterr, -EINVAL,
                                "linux.readonlyPaths: unable to restrict sys entries without a "
                                "private MNT namespace");
    return 0;
}

int lcont__spec_validate(const struct lcont_spec *spec, lcont_error **reterr)
{
    int r;

    if ((r = check_uts(spec, reterr)) < 0 || (r = check_user(&spec->linux_, reterr)) < 0 ||
        (r = check_time(&spec->linux_, reterr)) < 0 ||
        (r = check_mount_ns(&spec->linux_, reterr)) < 0)
        return r;
    return 0;
}
