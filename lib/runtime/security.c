/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The security plan: built by the parent from the spec, applied by the
 * child in one fixed order (see docs/security.md for why this order).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "runtime/security-internal.h"

#define MAX_GROUPS 65536 /* NGROUPS_MAX of the kernel */

static int path_exists(const char *sysroot, const char *path)
{
    char full[PATH_MAX];
    int n = snprintf(full, sizeof(full), "%s%s", strcmp(sysroot, "/") == 0 ? "" : sysroot, path);
    if (n < 0 || (size_t)n >= sizeof(full))
        return 0;
    return access(full, F_OK) == 0;
}

static bool apparmor_enabled(const char *sysroot)
{
    char full[PATH_MAX];
    _cleanup_free_ char *enabled = NULL;
    int n;

    if (!path_exists(sysroot, "/sys/kernel/security/apparmor"))
        return false;
    n = snprintf(full, sizeof(full), "%s/sys/module/apparmor/parameters/enabled",
                 strcmp(sysroot, "/") == 0 ? "" : sysroot);
    if (n < 0 || (size_t)n >= sizeof(full))
        return false;
    if (lcont__read_file_at(AT_FDCWD, full, 16, &enabled, NULL) < 0)
        return false;
    return enabled[0] == 'Y';
}

int lcont__security_lsm_check(const char *sysroot, const char *apparmor_profile,
                              const char *selinux_label, lcont_error **reterr)
{
    if (apparmor_profile && apparmor_profile[0]) {
        if (!apparmor_enabled(sysroot))
            return lcont__error_set(reterr, -EOPNOTSUPP,
                                    "apparmor profile '%s': AppArmor is not supported on this host",
                                    apparmor_profile);
        return lcont__error_set(reterr, -EOPNOTSUPP, "apparmor profile '%s': not implemented",
                                apparmor_profile);
    }
    if (selinux_label && selinux_label[0]) {
        if (!path_exists(sysroot, "/sys/fs/selinux"))
            return lcont__error_set(reterr, -EOPNOTSUPP,
                                    "selinux label '%s': SELinux is not supported on this host",
                                    selinux_label);
        return lcont__error_set(reterr, -EOPNOTSUPP, "selinux label '%s': not implemented",
                                selinux_label);
    }
    return 0;
}

static int plan_user(const struct lcont_spec_process *proc, struct lcont_security_plan *plan,
                     lcont_error **reterr)
{
    if (!proc)
        return 0;
    if (proc->n_additional_gids > MAX_GROUPS)
        return lcont__error_set(reterr, -EINVAL,
                                "process.user.additionalGids: %zu groups, the kernel takes at "
                                "most %d",
                                proc->n_additional_gids, MAX_GROUPS);
    plan->change_ids = true;
    plan->uid = proc->uid;
    plan->gid = proc->gid;
    if (proc->n_additional_gids > 0) {
        plan->gids = calloc(proc->n_additional_gids, sizeof(gid_t));
        if (!plan->gids)
            return lcont__error_set(reterr, -ENOMEM, "process.user: out of memory");
        memcpy(plan->gids, proc->additional_gids, proc->n_additional_gids * sizeof(gid_t));
        plan->n_gids = proc->n_additional_gids;
    }
    plan->no_new_privs = proc->no_new_privileges;
    return 0;
}

int lcont__security_plan_new(const struct lcont_spec *spec, struct lcont_security_plan **ret,
                             lcont_error **reterr)
{
    struct lcont_security_plan *plan;
    const struct lcont_spec_process *proc;
    int r;

    if (!spec || !ret)
        return lcont__error_set(reterr, -EINVAL, "security plan: invalid arguments");
    proc = spec->process;

    /* Cheap refusals first, before libseccomp runs. */
    if (proc) {
        r = lcont__security_lsm_check("/", proc->apparmor_profile, proc->selinux_label, reterr);
        if (r < 0)
            return r;
    }

    plan = calloc(1, sizeof(*plan));
    if (!plan)
        return lcont__error_set(reterr, -ENOMEM, "security plan: out of memory");
    r = plan_user(proc, plan, reterr);
    if (r >= 0)
        r = lcont__caps_plan_init(proc, &plan->caps, reterr);
    if (r >= 0)
        r = lcont__limits_plan_init(spec, &plan->limits, reterr);
    if (r >= 0)
        r = lcont__seccomp_plan_init(spec->linux_.seccomp, &plan->seccomp, reterr);
    if (r < 0) {
        lcont__security_plan_free(plan);
        return r;
    }
    *ret = plan;
    return 0;
}

void lcont__security_plan_free(struct lcont_security_plan *plan)
{
    if (!plan)
        return;
    lcont__seccomp_plan_done(&plan->seccomp);
    free(plan->gids);
    free(plan);
}

bool lcont__security_plan_has_notify(const struct lcont_security_plan *plan)
{
    return plan && plan->seccomp.prog && plan->seccomp.notify;
}

/* ---- child ---- */

static int switch_ids_child(const struct lcont_security_plan *plan, struct lcont_child_error *err)
{
    int r;

    /*
     * Drop the runtime's supplementary groups too. In a user namespace with
     * setgroups denied this fails with EPERM; that only matters when groups
     * were asked for (runc skips setgroups there as well).
     */
    r = lcont__sys_setgroups(plan->n_gids, plan->gids);
    if (r < 0 && !(r == -EPERM && plan->n_gids == 0))
        return lcont__child_fail(err, r, "setgroups", NULL);
    r = lcont__sys_setresgid(plan->gid, plan->gid, plan->gid);
    if (r < 0)
        return lcont__child_fail(err, r, "setresgid", NULL);
    r = lcont__sys_setresuid(plan->uid, plan->uid, plan->uid);
    if (r < 0)
        return lcont__child_fail(err, r, "setresuid", NULL);
    return 0;
}

int lcont__security_apply_child(const struct lcont_security_plan *plan, int *ret_listener_fd,
                                struct lcont_child_error *err)
{
    const struct lcont_caps_plan *caps = &plan->caps;
    _cleanup_close_ int listener = -1; /* closed if a later step fails */
    int r;

    *ret_listener_fd = -1;

    if (caps->set) {
        /* Keep the permitted set across the uid change; capset trims it after. */
        r = lcont__sys_prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
        if (r < 0)
            return lcont__child_fail(err, r, "prctl(PR_SET_KEEPCAPS, 1)", NULL);
        /* Needs CAP_SETPCAP, which capset may remove below. */
        r = lcont__caps_drop_bounding_child(caps, err);
        if (r < 0)
            return r;
    }

    /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while we have it. */
    if (!plan->no_new_privs) {
        r = lcont__seccomp_load_child(&plan->seccomp, &listener, err);
        if (r < 0)
            return r;
    }

    if (plan->change_ids) {
        r = switch_ids_child(plan, err);
        if (r < 0)
            return r;
    }

    if (caps->set) {
        r = lcont__caps_set_child(caps, err);
        if (r < 0)
            return r;
        r = lcont__sys_prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
        if (r < 0)
            return lcont__child_fail(err, r, "prctl(PR_SET_KEEPCAPS, 0)", NULL);
    }

    if (plan->no_new_privs) {
        r = lcont__sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (r < 0)
            return lcont__child_fail(err, r, "prctl(PR_SET_NO_NEW_PRIVS)", NULL);
        /* Last: the fewer syscalls run under the filter before execve, the better. */
        r = lcont__seccomp_load_child(&plan->seccomp, &listener, err);
        if (r < 0)
            return r;
    }

    *ret_listener_fd = TAKE_FD(listener);
    return 0;
}
