/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont__security_plan_new() from hand-built specs: seccomp compilation to
 * BPF, capability masks, limits and LSM refusals. Nothing here changes the
 * test process.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/ioprio.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "runtime/security-internal.h"

/* ---- spec builders ---- */

struct fixture {
    struct lcont_spec spec;
    struct lcont_spec_process proc;
    struct lcont_spec_seccomp sc;
    struct lcont_spec_seccomp_rule rules[8];
    char *args[2];
};

static struct fixture *fixture_new(void)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->args[0] = (char *)"/bin/true";
    f->proc.args = f->args;
    f->spec.process = &f->proc;
    return f;
}

/* Attach a seccomp section with @def as default action. */
static void with_seccomp(struct fixture *f, enum lcont_seccomp_action def)
{
    f->sc.default_action = def;
    f->sc.rules = f->rules;
    f->spec.linux_.seccomp = &f->sc;
}

static struct lcont_spec_seccomp_rule *add_rule(struct fixture *f, char **names,
                                                enum lcont_seccomp_action action)
{
    struct lcont_spec_seccomp_rule *r = &f->rules[f->sc.n_rules++];
    r->names = names;
    r->action = action;
    return r;
}

static struct lcont_security_plan *plan_ok(struct fixture *f)
{
    struct lcont_security_plan *plan = NULL;
    lcont_error *err = NULL;
    int r = lcont__security_plan_new(&f->spec, &plan, &err);
    if (r < 0)
        fail_msg("plan_new: %d %s", r, lcont_error_message(err));
    assert_non_null(plan);
    return plan;
}

/* Expect failure @code with exactly @msg. */
static void plan_fails(struct fixture *f, int code, const char *msg)
{
    struct lcont_security_plan *plan = NULL;
    lcont_error *err = NULL;
    int r = lcont__security_plan_new(&f->spec, &plan, &err);
    assert_int_equal(r, code);
    assert_null(plan);
    assert_non_null(err);
    assert_int_equal(lcont_error_code(err), code);
    assert_string_equal(lcont_error_message(err), msg);
    lcont_error_free(err);
}

static bool same_program(const struct lcont_security_plan *a, const struct lcont_security_plan *b)
{
    return a->seccomp.len == b->seccomp.len &&
           memcmp(a->seccomp.prog, b->seccomp.prog, a->seccomp.len * sizeof(struct sock_filter)) ==
               0;
}

/* Whether the program compares the accumulator with @k (syscall number, arch, ...). */
static bool has_jeq(const struct lcont_security_plan *p, uint32_t k)
{
    for (unsigned i = 0; i < p->seccomp.len; i++)
        if (p->seccomp.prog[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && p->seccomp.prog[i].k == k)
            return true;
    return false;
}

static bool has_ret(const struct lcont_security_plan *p, uint32_t k)
{
    for (unsigned i = 0; i < p->seccomp.len; i++)
        if (p->seccomp.prog[i].code == (BPF_RET | BPF_K) && p->seccomp.prog[i].k == k)
            return true;
    return false;
}

static char *mkdir_names[] = { (char *)"mkdir", NULL };
static char *mkdir_and_unknown[] = { (char *)"mkdir", (char *)"lcont_no_such_syscall", NULL };
static char *unknown_only[] = { (char *)"lcont_no_such_syscall", NULL };

/* ---- seccomp ---- */

static void test_security_seccomp_compiles_rule(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;

    with_seccomp(f, LCONT_SCMP_ALLOW);
    struct lcont_spec_seccomp_rule *r = add_rule(f, mkdir_names, LCONT_SCMP_ERRNO);
    r->has_errno_ret = true;
    r->errno_ret = 42;
    plan = plan_ok(f);

    assert_non_null(plan->seccomp.prog);
    assert_true(plan->seccomp.len > 3);
    assert_true(has_jeq(plan, AUDIT_ARCH_X86_64));
    assert_true(has_jeq(plan, SYS_mkdir));
    assert_true(has_ret(plan, SECCOMP_RET_ERRNO | 42));
    assert_true(has_ret(plan, SECCOMP_RET_ALLOW));
    assert_false(plan->seccomp.notify);
    assert_int_equal(plan->seccomp.flags, 0);
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_seccomp_errno_defaults_to_eperm(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;

    with_seccomp(f, LCONT_SCMP_ALLOW);
    add_rule(f, mkdir_names, LCONT_SCMP_ERRNO);
    plan = plan_ok(f);
    assert_true(has_ret(plan, SECCOMP_RET_ERRNO | EPERM));
    lcont__security_plan_free(plan);

    /* TRACE takes errnoRet as its message, EPERM by default like runc. */
    f->rules[0].action = LCONT_SCMP_TRACE;
    plan = plan_ok(f);
    assert_true(has_ret(plan, SECCOMP_RET_TRACE | EPERM));
    lcont__security_plan_free(plan);

    /* The action word keeps 16 bits for it. */
    f->rules[0].has_errno_ret = true;
    f->rules[0].errno_ret = 70000;
    plan_fails(f, -EINVAL, "linux.seccomp.syscalls[0]: errnoRet 70000 is above 65535");
    free(f);
}

static void test_security_seccomp_unknown_names_skipped(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *known, *mixed, *none, *unknown;

    with_seccomp(f, LCONT_SCMP_ALLOW);
    none = plan_ok(f);
    add_rule(f, mkdir_names, LCONT_SCMP_ERRNO);
    known = plan_ok(f);
    f->rules[0].names = mkdir_and_unknown;
    mixed = plan_ok(f);
    f->rules[0].names = unknown_only;
    unknown = plan_ok(f);

    assert_true(same_program(known, mixed));
    assert_true(same_program(none, unknown));
    assert_false(same_program(none, known));
    lcont__security_plan_free(known);
    lcont__security_plan_free(mixed);
    lcont__security_plan_free(none);
    lcont__security_plan_free(unknown);
    free(f);
}

static void test_security_seccomp_bad_architecture(void **state)
{
    struct fixture *f = fixture_new();
    char *archs[] = { (char *)"SCMP_ARCH_X86", (char *)"SCMP_ARCH_VAX", NULL };

    with_seccomp(f, LCONT_SCMP_ALLOW);
    f->sc.architectures = archs;
    plan_fails(f, -EINVAL, "linux.seccomp.architectures[1]: unknown architecture 'SCMP_ARCH_VAX'");
    free(f);
}

static void test_security_seccomp_extra_architectures(void **state)
{
    struct fixture *f = fixture_new();
    char *archs[] = { (char *)"SCMP_ARCH_X86_64", (char *)"SCMP_ARCH_X86", (char *)"SCMP_ARCH_X32",
                      NULL };
    struct lcont_security_plan *plan;

    with_seccomp(f, LCONT_SCMP_ALLOW);
    add_rule(f, mkdir_names, LCONT_SCMP_ERRNO);
    f->sc.architectures = archs;
    plan = plan_ok(f);
    assert_true(has_jeq(plan, AUDIT_ARCH_X86_64));
    assert_true(has_jeq(plan, AUDIT_ARCH_I386));
    assert_true(has_jeq(plan, 39)); /* mkdir on i386 */
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_seccomp_rule_equal_to_default_skipped(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *none, *same, *other;

    with_seccomp(f, LCONT_SCMP_ERRNO); /* default errno EPERM */
    none = plan_ok(f);
    add_rule(f, mkdir_names, LCONT_SCMP_ERRNO); /* also EPERM: redundant */
    same = plan_ok(f);
    f->rules[0].has_errno_ret = true;
    f->rules[0].errno_ret = 42; /* a different action */
    other = plan_ok(f);

    assert_true(same_program(none, same));
    assert_false(same_program(none, other));
    assert_false(has_jeq(same, SYS_mkdir));
    assert_true(has_jeq(other, SYS_mkdir));
    lcont__security_plan_free(none);
    lcont__security_plan_free(same);
    lcont__security_plan_free(other);
    free(f);
}

static void test_security_seccomp_same_arg_index_split(void **state)
{
    struct fixture *f = fixture_new();
    char *names[] = { (char *)"personality", NULL };
    struct lcont_spec_seccomp_arg args[2] = {
        { .index = 0, .value = 0x11111, .op = LCONT_SCMP_CMP_EQ },
        { .index = 0, .value = 0x22222, .op = LCONT_SCMP_CMP_EQ },
    };
    struct lcont_security_plan *plan;

    with_seccomp(f, LCONT_SCMP_ALLOW);
    struct lcont_spec_seccomp_rule *r = add_rule(f, names, LCONT_SCMP_ERRNO);
    r->args = args;
    r->n_args = 2;
    /* As one rule, libseccomp would refuse (-EINVAL) to AND two tests of arg 0. */
    plan = plan_ok(f);
    assert_true(has_jeq(plan, 0x11111));
    assert_true(has_jeq(plan, 0x22222));
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_seccomp_masked_eq_uses_value_two(void **state)
{
    struct fixture *f = fixture_new();
    char *names[] = { (char *)"personality", NULL };
    struct lcont_spec_seccomp_arg arg = {
        .index = 0, .value = 0xff00, .value_two = 0x1200, .op = LCONT_SCMP_CMP_MASKED_EQ
    };
    struct lcont_security_plan *plan;
    bool masked = false;

    with_seccomp(f, LCONT_SCMP_ALLOW);
    struct lcont_spec_seccomp_rule *r = add_rule(f, names, LCONT_SCMP_ERRNO);
    r->args = &arg;
    r->n_args = 1;
    plan = plan_ok(f);
    for (unsigned i = 0; i < plan->seccomp.len; i++)
        if (plan->seccomp.prog[i].code == (BPF_ALU | BPF_AND | BPF_K) &&
            plan->seccomp.prog[i].k == 0xff00)
            masked = true;
    assert_true(masked);
    assert_true(has_jeq(plan, 0x1200));
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_seccomp_bad_arg_index(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_spec_seccomp_arg arg = { .index = 6, .op = LCONT_SCMP_CMP_EQ };

    with_seccomp(f, LCONT_SCMP_ALLOW);
    struct lcont_spec_seccomp_rule *r = add_rule(f, mkdir_names, LCONT_SCMP_ERRNO);
    r->args = &arg;
    r->n_args = 1;
    plan_fails(f, -EINVAL, "linux.seccomp.syscalls[0].args[0].index: 6 is not below 6");
    free(f);
}

static void test_security_seccomp_flags(void **state)
{
    struct fixture *f = fixture_new();
    char *flags[] = { (char *)"SECCOMP_FILTER_FLAG_TSYNC", (char *)"SECCOMP_FILTER_FLAG_LOG",
                      (char *)"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                      (char *)"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };
    char *bad[] = { (char *)"SECCOMP_FILTER_FLAG_BOGUS", NULL };
    struct lcont_security_plan *plan;

    with_seccomp(f, LCONT_SCMP_ALLOW);
    add_rule(f, mkdir_names, LCONT_SCMP_ERRNO);
    f->sc.flags = flags;
    plan = plan_ok(f);
    /* TSYNC ignored; WAIT_KILLABLE_RECV dropped: it needs a listener. */
    assert_int_equal(plan->seccomp.flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
    lcont__security_plan_free(plan);

    f->sc.flags = bad;
    plan_fails(f, -EINVAL, "linux.seccomp.flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_BOGUS'");
    free(f);
}

static void test_security_seccomp_notify(void **state)
{
    struct fixture *f = fixture_new();
    char *flags[] = { (char *)"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };
    struct lcont_security_plan *plan;

    with_seccomp(f, LCONT_SCMP_ALLOW);
    add_rule(f, unknown_only, LCONT_SCMP_NOTIFY);
    plan = plan_ok(f);
    assert_false(lcont__security_plan_has_notify(plan)); /* nothing can notify */
    lcont__security_plan_free(plan);

    f->rules[0].names = mkdir_names;
    f->sc.flags = flags;
    plan = plan_ok(f);
    assert_true(lcont__security_plan_has_notify(plan));
    assert_true(plan->seccomp.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
    assert_true(has_ret(plan, SECCOMP_RET_USER_NOTIF));
    /* Kept exactly when the kernel knows it (6.0+): EFAULT on a NULL program. */
    errno = 0;
    bool known = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                         SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_NEW_LISTENER,
                         NULL) < 0 &&
                 errno == EFAULT;
    assert_int_equal(!!(plan->seccomp.flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV), known);
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_seccomp_notify_refused_cases(void **state)
{
    struct fixture *f = fixture_new();
    char *write_names[] = { (char *)"read", (char *)"write", NULL };

    with_seccomp(f, LCONT_SCMP_NOTIFY);
    plan_fails(f, -EINVAL,
               "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as default action");
    f->sc.default_action = LCONT_SCMP_ALLOW;
    add_rule(f, mkdir_names, LCONT_SCMP_ERRNO);
    add_rule(f, write_names, LCONT_SCMP_NOTIFY);
    plan_fails(f, -EINVAL,
               "linux.seccomp.syscalls[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall");
    free(f);
}

static void test_security_seccomp_absent(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan = plan_ok(f);
    assert_null(plan->seccomp.prog);
    assert_false(lcont__security_plan_has_notify(plan));
    lcont__security_plan_free(plan);
    free(f);
}

/* ---- LSM ---- */

static void write_file(const char *path, const char *content)
{
    FILE *fp = fopen(path, "we");
    assert_non_null(fp);
    fputs(content, fp);
    fclose(fp);
}

static void test_security_lsm_fake_sysroot(void **state)
{
    char root[] = "/tmp/lcont-lsm-XXXXXX";
    char path[256];
    lcont_error *err = NULL;

    assert_non_null(mkdtemp(root));

    assert_int_equal(lcont__security_lsm_check(root, "prof", NULL, &err), -EOPNOTSUPP);
    assert_string_equal(lcont_error_message(err),
                        "apparmor profile 'prof': AppArmor is not supported on this host");
    lcont_error_free(err);
    err = NULL;

    /* securityfs entry present but the module disabled: still unsupported. */
    snprintf(path, sizeof(path), "%s/sys/kernel/security/apparmor", root);
    assert_int_equal(lcont__mkdir_p(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/sys/module/apparmor/parameters", root);
    assert_int_equal(lcont__mkdir_p(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/sys/module/apparmor/parameters/enabled", root);
    write_file(path, "N\n");
    assert_int_equal(lcont__security_lsm_check(root, "prof", NULL, &err), -EOPNOTSUPP);
    assert_string_equal(lcont_error_message(err),
                        "apparmor profile 'prof': AppArmor is not supported on this host");
    lcont_error_free(err);
    err = NULL;

    write_file(path, "Y\n");
    assert_int_equal(lcont__security_lsm_check(root, "prof", NULL, &err), -EOPNOTSUPP);
    assert_string_equal(lcont_error_message(err), "apparmor profile 'prof': not implemented");
    lcont_error_free(err);
    err = NULL;

    assert_int_equal(
        lcont__security_lsm_check(root, NULL, "system_u:system_r:container_t:s0", &err),
        -EOPNOTSUPP);
    assert_string_equal(lcont_error_message(err),
                        "selinux label 'system_u:system_r:container_t:s0': SELinux is not "
                        "supported on this host");
    lcont_error_free(err);
    err = NULL;

    /* Neither asked for: fine, whatever the host has. */
    assert_int_equal(lcont__security_lsm_check(root, NULL, NULL, &err), 0);
    assert_int_equal(lcont__security_lsm_check(root, "", "", &err), 0);
    assert_null(err);

    assert_int_equal(lcont__rm_rf_at(AT_FDCWD, root), 0);
}

static void test_security_lsm_absent_plan_fails(void **state)
{
    struct fixture *f = fixture_new();

    if (access("/sys/kernel/security/apparmor", F_OK) == 0 || access("/sys/fs/selinux", F_OK) == 0)
        skip(); /* covered by the fake sysroot test */
    f->proc.apparmor_profile = (char *)"lcont-default";
    plan_fails(f, -EOPNOTSUPP,
               "apparmor profile 'lcont-default': AppArmor is not supported on this host");
    f->proc.apparmor_profile = NULL;
    f->proc.selinux_label = (char *)"system_u:system_r:container_t:s0";
    plan_fails(f, -EOPNOTSUPP,
               "selinux label 'system_u:system_r:container_t:s0': SELinux is not supported on "
               "this host");
    free(f);
}

/* ---- user, caps, limits ---- */

static unsigned host_cap_last_cap(void)
{
    FILE *fp = fopen("/proc/sys/kernel/cap_last_cap", "re");
    unsigned v = 0;
    assert_non_null(fp);
    assert_int_equal(fscanf(fp, "%u", &v), 1);
    fclose(fp);
    return v;
}

static void test_security_plan_copies_user(void **state)
{
    struct fixture *f = fixture_new();
    gid_t *gids = calloc(2, sizeof(gid_t));
    struct lcont_security_plan *plan;

    gids[0] = 1000;
    gids[1] = 2000;
    f->proc.uid = 1000;
    f->proc.gid = 1001;
    f->proc.additional_gids = gids;
    f->proc.n_additional_gids = 2;
    f->proc.no_new_privileges = true;
    plan = plan_ok(f);
    /* The plan must not point into the spec, which may be freed before the child runs. */
    memset(gids, 0xff, 2 * sizeof(gid_t));
    free(gids);
    assert_true(plan->change_ids);
    assert_int_equal(plan->uid, 1000);
    assert_int_equal(plan->gid, 1001);
    assert_int_equal(plan->n_gids, 2);
    assert_int_equal(plan->gids[0], 1000);
    assert_int_equal(plan->gids[1], 2000);
    assert_true(plan->no_new_privs);
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_plan_caps(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;
    uint64_t kill = UINT64_C(1) << CAP_KILL, nbs = UINT64_C(1) << CAP_NET_BIND_SERVICE;

    plan = plan_ok(f);
    assert_false(plan->caps.set); /* absent list: untouched, like runc */
    lcont__security_plan_free(plan);

    f->proc.has_caps = true;
    f->proc.caps.bounding = kill | nbs | (UINT64_C(1) << 63); /* bit 63: no such cap */
    f->proc.caps.effective = kill | nbs;
    f->proc.caps.permitted = kill | nbs;
    f->proc.caps.inheritable = kill;
    f->proc.caps.ambient = kill | nbs; /* nbs is not inheritable: cannot be ambient */
    plan = plan_ok(f);
    assert_true(plan->caps.set);
    assert_int_equal(plan->caps.last_cap, host_cap_last_cap());
    assert_int_equal(plan->caps.bounding, kill | nbs);
    assert_int_equal(plan->caps.effective, kill | nbs);
    assert_int_equal(plan->caps.permitted, kill | nbs);
    assert_int_equal(plan->caps.inheritable, kill);
    assert_int_equal(plan->caps.ambient, kill);
    assert_int_equal(plan->caps.ambient_dropped, nbs);
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_plan_limits(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_spec_rlimit rl[2] = {
        { .resource = RLIMIT_NOFILE, .soft = 100, .hard = 200 },
        { .resource = RLIMIT_CORE, .soft = 0, .hard = 0 },
    };
    struct lcont_security_plan *plan;

    f->proc.rlimits = rl;
    f->proc.n_rlimits = 2;
    f->proc.has_oom_score_adj = true;
    f->proc.oom_score_adj = 500;
    f->proc.io_priority = (struct lcont_spec_io_priority){ .has = true, .class = 2, .priority = 7 };
    f->proc.scheduler =
        (struct lcont_spec_scheduler){ .has = true, .policy = SCHED_BATCH, .nice = 5 };
    f->proc.has_umask = true;
    f->proc.umask = 077;
    f->spec.linux_.has_personality = true;
    f->spec.linux_.personality = 0x0008; /* PER_LINUX32 */
    plan = plan_ok(f);
    assert_true(plan->limits.rlimits[RLIMIT_NOFILE].set);
    assert_int_equal(plan->limits.rlimits[RLIMIT_NOFILE].cur, 100);
    assert_int_equal(plan->limits.rlimits[RLIMIT_NOFILE].max, 200);
    assert_true(plan->limits.rlimits[RLIMIT_CORE].set);
    assert_false(plan->limits.rlimits[RLIMIT_STACK].set);
    assert_int_equal(plan->limits.oom_score_adj, 500);
    assert_int_equal(plan->limits.ioprio, (2 << 13) | 7);
    assert_int_equal(plan->limits.sched.sched_policy, SCHED_BATCH);
    assert_int_equal(plan->limits.sched.sched_nice, 5);
    assert_int_equal(plan->limits.sched.size, 56);
    assert_true(plan->limits.set_nice);
    assert_int_equal(plan->limits.umask, 077);
    assert_int_equal(plan->limits.personality, 0x0008);
    lcont__security_plan_free(plan);

    rl[0].soft = 300;
    plan_fails(f, -EINVAL,
               "process.rlimits[0]: RLIMIT_NOFILE soft limit 300 is above the hard limit 200");
    rl[0].soft = 100;
    rl[1].resource = RLIMIT_NOFILE;
    plan_fails(f, -EINVAL, "process.rlimits[1]: RLIMIT_NOFILE is listed twice");
    rl[1].resource = RLIMIT_CORE;
    f->proc.oom_score_adj = 1001;
    plan_fails(f, -EINVAL, "process.oomScoreAdj: 1001 is not within -1000..1000");
    f->proc.oom_score_adj = 0;
    f->proc.io_priority.class = 4;
    plan_fails(f, -EINVAL, "process.ioPriority.class: unknown class 4");
    free(f);
}

static void test_security_plan_without_process(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;

    f->spec.process = NULL;
    with_seccomp(f, LCONT_SCMP_ALLOW);
    add_rule(f, mkdir_names, LCONT_SCMP_ERRNO);
    plan = plan_ok(f);
    assert_false(plan->change_ids);
    assert_false(plan->caps.set);
    assert_non_null(plan->seccomp.prog);
    lcont__security_plan_free(plan);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_security_seccomp_compiles_rule),
        cmocka_unit_test(test_security_seccomp_errno_defaults_to_eperm),
        cmocka_unit_test(test_security_seccomp_unknown_names_skipped),
        cmocka_unit_test(test_security_seccomp_bad_architecture),
        cmocka_unit_test(test_security_seccomp_extra_architectures),
        cmocka_unit_test(test_security_seccomp_rule_equal_to_default_skipped),
        cmocka_unit_test(test_security_seccomp_same_arg_index_split),
        cmocka_unit_test(test_security_seccomp_masked_eq_uses_value_two),
        cmocka_unit_test(test_security_seccomp_bad_arg_index),
        cmocka_unit_test(test_security_seccomp_flags),
        cmocka_unit_test(test_security_seccomp_notify),
        cmocka_unit_test(test_security_seccomp_notify_refused_cases),
        cmocka_unit_test(test_security_seccomp_absent),
        cmocka_unit_test(test_security_lsm_fake_sysroot),
        cmocka_unit_test(test_security_lsm_absent_plan_fails),
        cmocka_unit_test(test_security_plan_copies_user),
        cmocka_unit_test(test_security_plan_caps),
        cmocka_unit_test(test_security_plan_limits),
        cmocka_unit_test(test_security_plan_without_process),
    };
    return cmocka_run_group_tests_name("security-plan", tests, NULL, NULL);
}
