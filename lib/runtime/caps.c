/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability sets: bitmasks prepared in the parent, applied by the child. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "runtime/security-internal.h"

static int read_cap_last_cap(unsigned *ret, lcont_error **reterr)
{
    static const char path[] = "/proc/sys/kernel/cap_last_cap";
    _cleanup_free_ char *text = NULL;
    char *end;
    unsigned long v;
    int r;

    r = lcont__read_file_at(AT_FDCWD, path, 64, &text, NULL);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "read %s", path);
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno || end == text || (*end && *end != '\n') || v > 63)
        return lcont__error_set(reterr, -EIO, "%s: unexpected content '%s'", path, text);
    *ret = (unsigned)v;
    return 0;
}

int lcont__caps_plan_init(const struct lcont_spec_process *process, struct lcont_caps_plan *out,
                          lcont_error **reterr)
{
    const struct lcont_spec_caps *c;
    uint64_t known;
    int r;

    *out = (struct lcont_caps_plan){ 0 };
    if (!process || !process->has_caps)
        return 0; /* like runc: no list means the caps are not touched */

    r = read_cap_last_cap(&out->last_cap, reterr);
    if (r < 0)
        return r;
    known = out->last_cap >= 63 ? UINT64_MAX : (UINT64_C(1) << (out->last_cap + 1)) - 1;

    c = &process->caps;
    out->set = true;
    out->bounding = c->bounding & known;
    out->effective = c->effective & known;
    out->permitted = c->permitted & known;
    out->inheritable = c->inheritable & known;
    /*
     * The kernel raises an ambient cap only if it is both permitted and
     * inheritable. runc warns and goes on without such caps; the child
     * cannot log, so they are left out here and kept in ambient_dropped for
     * the caller to report.
     */
    out->ambient = c->ambient & known & out->permitted & out->inheritable;
    out->ambient_dropped = (c->ambient & known) & ~out->ambient;
    return 0;
}

/* "<what> '<n>'" from a stack buffer; no allocation in the child. */
static int cap_fail(struct lcont_child_error *err, int code, const char *what, unsigned cap)
{
    char num[24] = "";
    lcont__cm_append_int(num, sizeof(num), cap);
    return lcont__child_fail(err, code, what, num);
}

int lcont__caps_drop_bounding_child(const struct lcont_caps_plan *caps,
                                    struct lcont_child_error *err)
{
    for (unsigned cap = 0; cap <= caps->last_cap; cap++) {
        int r;
        if (caps->bounding & (UINT64_C(1) << cap))
            continue;
        r = lcont__sys_prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
        if (r < 0)
            return cap_fail(err, r, "prctl(PR_CAPBSET_DROP) capability", cap);
    }
    return 0;
}

int lcont__caps_set_child(const struct lcont_caps_plan *caps, struct lcont_child_error *err)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {
        { .effective = (uint32_t)caps->effective,
          .permitted = (uint32_t)caps->permitted,
          .inheritable = (uint32_t)caps->inheritable },
        { .effective = (uint32_t)(caps->effective >> 32),
          .permitted = (uint32_t)(caps->permitted >> 32),
          .inheritable = (uint32_t)(caps->inheritable >> 32) },
    };
    int r;

    r = lcont__sys_capset(&hdr, data);
    if (r < 0)
        return lcont__child_fail(err, r, "capset", NULL);

    /* Ambient caps survive execve of non-setuid programs: start from none. */
    r = lcont__sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (r < 0)
        return lcont__child_fail(err, r, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", NULL);
    for (unsigned cap = 0; cap <= caps->last_cap; cap++) {
        if (!(caps->ambient & (UINT64_C(1) << cap)))
            continue;
        r = lcont__sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
        if (r < 0)
            return cap_fail(err, r, "prctl(PR_CAP_AMBIENT_RAISE) capability", cap);
    }
    return 0;
}
