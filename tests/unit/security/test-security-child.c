/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The child half with every privileged syscall intercepted (-Wl,--wrap):
 * the order of the steps, fault injection (a failing syscall is reported
 * with the right code and message and stops the sequence), and the parts
 * that need no privileges for real (oom_score_adj through a procfs fd, the
 * listener hand-over over AF_UNIX).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/ioprio.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "runtime/security-internal.h"
#include "runtime/sync.h"

/* ---- call log and fault injection ---- */

struct call {
    char name[24];
    unsigned long a, b, c;
};

static struct call calls[256];
static size_t n_calls;
static char fail_name[24];
static unsigned long fail_a = ~0UL; /* ~0: any first argument */
static int fail_code;
static struct __user_cap_data_struct last_capset[2];

static void reset(void)
{
    n_calls = 0;
    fail_name[0] = '\0';
    fail_a = ~0UL;
    fail_code = 0;
}

static void inject(const char *name, unsigned long a, int code)
{
    snprintf(fail_name, sizeof(fail_name), "%s", name);
    fail_a = a;
    fail_code = code;
}

static int record(const char *name, unsigned long a, unsigned long b, unsigned long c)
{
    assert_true(n_calls < ELEMENTSOF(calls));
    snprintf(calls[n_calls].name, sizeof(calls[n_calls].name), "%s", name);
    calls[n_calls].a = a;
    calls[n_calls].b = b;
    calls[n_calls].c = c;
    n_calls++;
    if (strcmp(name, fail_name) == 0 && (fail_a == ~0UL || fail_a == a))
        return fail_code;
    return 0;
}

int __real_lcont__sys_seccomp(unsigned op, unsigned flags, void *args);

int __wrap_lcont__sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
                            unsigned long a5)
{
    return record("prctl", (unsigned long)option, a2, a3);
}

int __wrap_lcont__sys_capset(void *hdr, const void *data)
{
    memcpy(last_capset, data, sizeof(last_capset));
    return record("capset", ((struct __user_cap_header_struct *)hdr)->version, 0, 0);
}

int __wrap_lcont__sys_seccomp(unsigned op, unsigned flags, void *args)
{
    int r;
    if (!args) /* plan_new probing flags: let the kernel answer */
        return __real_lcont__sys_seccomp(op, flags, args);
    r = record("seccomp", op, flags, ((struct sock_fprog *)args)->len);
    if (r < 0)
        return r;
    /* Stand-in for the listener fd, so tests can see whether it gets closed. */
    return (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? open("/dev/null", O_RDONLY | O_CLOEXEC) : 0;
}

int __wrap_lcont__sys_setgroups(size_t n, const gid_t *gids)
{
    return record("setgroups", n, n > 0 ? gids[0] : 0, n > 1 ? gids[1] : 0);
}

int __wrap_lcont__sys_setresgid(gid_t r, gid_t e, gid_t s)
{
    return record("setresgid", r, e, s);
}

int __wrap_lcont__sys_setresuid(uid_t r, uid_t e, uid_t s)
{
    return record("setresuid", r, e, s);
}

int __wrap_lcont__sys_prlimit(int resource, uint64_t cur, uint64_t max)
{
    return record("prlimit", (unsigned long)resource, cur, max);
}

int __wrap_lcont__sys_personality(unsigned long persona)
{
    return record("personality", persona, 0, 0);
}

int __wrap_lcont__sys_setpriority(int which, int who, int prio)
{
    return record("setpriority", (unsigned long)which, (unsigned long)who, (unsigned long)prio);
}

int __wrap_lcont__sys_sched_setattr(pid_t pid, void *attr, unsigned flags)
{
    struct lcont_sched_attr *a = attr;
    return record("sched_setattr", a->sched_policy, (unsigned long)a->sched_nice, a->size);
}

int __wrap_lcont__sys_ioprio_set(int which, int who, int ioprio)
{
    return record("ioprio_set", (unsigned long)which, (unsigned long)who, (unsigned long)ioprio);
}

/* Index of the first call named @name at or after @from, or -1. */
static long find_call(const char *name, size_t from)
{
    for (size_t i = from; i < n_calls; i++)
        if (strcmp(calls[i].name, name) == 0)
            return (long)i;
    return -1;
}

static long find_prctl(int option, unsigned long a2)
{
    for (size_t i = 0; i < n_calls; i++)
        if (strcmp(calls[i].name, "prctl") == 0 && calls[i].a == (unsigned long)option &&
            calls[i].b == a2)
            return (long)i;
    return -1;
}

/* ---- plans ---- */

static char *mkdir_names[] = { (char *)"mkdir", NULL };
static const uint64_t kill_nbs = (UINT64_C(1) << CAP_KILL) | (UINT64_C(1) << CAP_NET_BIND_SERVICE);

struct fixture {
    struct lcont_spec spec;
    struct lcont_spec_process proc;
    struct lcont_spec_seccomp sc;
    struct lcont_spec_seccomp_rule rule;
    gid_t gids[2];
    char *args[2];
};

static struct fixture *fixture_new(bool nnp, enum lcont_seccomp_action rule_action)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->args[0] = (char *)"/bin/true";
    f->proc.args = f->args;
    f->proc.uid = 1000;
    f->proc.gid = 1000;
    f->gids[0] = 1000;
    f->gids[1] = 2000;
    f->proc.additional_gids = f->gids;
    f->proc.n_additional_gids = 2;
    f->proc.no_new_privileges = nnp;
    f->proc.has_caps = true;
    f->proc.caps.bounding = kill_nbs;
    f->proc.caps.effective = kill_nbs;
    f->proc.caps.permitted = kill_nbs;
    f->spec.process = &f->proc;
    f->sc.default_action = LCONT_SCMP_ALLOW;
    f->rule.names = mkdir_names;
    f->rule.action = rule_action;
    f->sc.rules = &f->rule;
    f->sc.n_rules = 1;
    f->spec.linux_.seccomp = &f->sc;
    return f;
}

static struct lcont_security_plan *plan_for(struct fixture *f)
{
    struct lcont_security_plan *plan = NULL;
    lcont_error *err = NULL;
    int r = lcont__security_plan_new(&f->spec, &plan, &err);
    if (r < 0)
        fail_msg("plan_new: %s", lcont_error_message(err));
    return plan;
}

/* ---- security_apply_child ---- */

static void test_security_apply_order_without_nnp(void **state)
{
    struct fixture *f = fixture_new(false, LCONT_SCMP_ERRNO);
    struct lcont_security_plan *plan = plan_for(f);
    struct lcont_child_error err = { 0 };
    int listener = 123;
    size_t i = 0;

    reset();
    assert_int_equal(lcont__security_apply_child(plan, &listener, &err), 0);
    assert_int_equal(err.code, 0);
    assert_int_equal(listener, -1);

    assert_string_equal(calls[i].name, "prctl");
    assert_int_equal(calls[i].a, PR_SET_KEEPCAPS);
    assert_int_equal(calls[i++].b, 1);
    for (unsigned c = 0; c <= plan->caps.last_cap; c++) {
        if (plan->caps.bounding & (UINT64_C(1) << c))
            continue;
        assert_int_equal(calls[i].a, PR_CAPBSET_DROP);
        assert_int_equal(calls[i++].b, c);
    }
    /* Without no_new_privs the filter goes in while CAP_SYS_ADMIN is still there. */
    assert_string_equal(calls[i].name, "seccomp");
    assert_int_equal(calls[i].a, SECCOMP_SET_MODE_FILTER);
    assert_int_equal(calls[i++].c, plan->seccomp.len);
    assert_string_equal(calls[i].name, "setgroups");
    assert_int_equal(calls[i].a, 2);
    assert_int_equal(calls[i].b, 1000);
    assert_int_equal(calls[i++].c, 2000);
    assert_string_equal(calls[i++].name, "setresgid");
    assert_string_equal(calls[i].name, "setresuid");
    assert_int_equal(calls[i].a, 1000);
    assert_int_equal(calls[i].b, 1000);
    assert_int_equal(calls[i++].c, 1000);
    assert_string_equal(calls[i].name, "capset");
    assert_int_equal(calls[i++].a, _LINUX_CAPABILITY_VERSION_3);
    assert_int_equal(last_capset[0].effective, (uint32_t)kill_nbs);
    assert_int_equal(last_capset[0].permitted, (uint32_t)kill_nbs);
    assert_int_equal(last_capset[0].inheritable, 0); /* never more than the spec lists */
    assert_int_equal(last_capset[1].effective, 0);
    assert_int_equal(calls[i].a, PR_CAP_AMBIENT);
    assert_int_equal(calls[i++].b, PR_CAP_AMBIENT_CLEAR_ALL);
    assert_int_equal(calls[i].a, PR_SET_KEEPCAPS);
    assert_int_equal(calls[i++].b, 0);
    assert_int_equal(n_calls, i);
    assert_int_equal(find_prctl(PR_SET_NO_NEW_PRIVS, 1), -1);

    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_apply_order_with_nnp(void **state)
{
    struct fixture *f = fixture_new(true, LCONT_SCMP_ERRNO);
    struct lcont_security_plan *plan;
    struct lcont_child_error err = { 0 };
    int listener;
    long nnp, seccomp;

    f->proc.caps.inheritable = UINT64_C(1) << CAP_KILL;
    f->proc.caps.ambient = UINT64_C(1) << CAP_KILL;
    plan = plan_for(f);
    reset();
    assert_int_equal(lcont__security_apply_child(plan, &listener, &err), 0);

    nnp = find_prctl(PR_SET_NO_NEW_PRIVS, 1);
    seccomp = find_call("seccomp", 0);
    assert_true(nnp > find_call("capset", 0));
    assert_true(nnp > find_prctl(PR_SET_KEEPCAPS, 0));
    assert_int_equal(seccomp, (long)n_calls - 1); /* the very last step */
    assert_true(find_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE) > find_call("capset", 0));
    assert_int_equal(calls[find_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE)].c, CAP_KILL);
    assert_int_equal(last_capset[0].inheritable, UINT64_C(1) << CAP_KILL);
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_apply_capset_failure_reported(void **state)
{
    struct fixture *f = fixture_new(false, LCONT_SCMP_NOTIFY);
    struct lcont_security_plan *plan = plan_for(f);
    struct lcont_child_error err = { 0 };
    int listener = 123, probe;
    long capset;

    assert_true(lcont__security_plan_has_notify(plan));
    reset();
    inject("capset", ~0UL, -EPERM);
    /* The fake listener will be the lowest free fd; it must be closed again. */
    probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(probe >= 0);
    close(probe);

    assert_int_equal(lcont__security_apply_child(plan, &listener, &err), -EPERM);
    assert_int_equal(err.code, -EPERM);
    assert_string_equal(err.msg, "capset");
    assert_int_equal(listener, -1);
    assert_int_equal(fcntl(probe, F_GETFD), -1);
    assert_int_equal(errno, EBADF);
    /* Nothing runs after the failing step. */
    capset = find_call("capset", 0);
    assert_int_equal(capset, (long)n_calls - 1);
    assert_true(find_call("seccomp", 0) < capset);

    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_apply_notify_returns_listener(void **state)
{
    struct fixture *f = fixture_new(true, LCONT_SCMP_NOTIFY);
    struct lcont_security_plan *plan = plan_for(f);
    struct lcont_child_error err = { 0 };
    int listener = -1;
    long seccomp;

    reset();
    assert_int_equal(lcont__security_apply_child(plan, &listener, &err), 0);
    assert_true(listener >= 0);
    seccomp = find_call("seccomp", 0);
    assert_true(calls[seccomp].b & SECCOMP_FILTER_FLAG_NEW_LISTENER);
    close(listener);
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_apply_bounding_failure_names_cap(void **state)
{
    struct fixture *f = fixture_new(false, LCONT_SCMP_ERRNO);
    struct lcont_security_plan *plan = plan_for(f);
    struct lcont_child_error err = { 0 };
    int listener;

    reset();
    inject("prctl", PR_CAPBSET_DROP, -EINVAL);
    assert_int_equal(lcont__security_apply_child(plan, &listener, &err), -EINVAL);
    assert_string_equal(err.msg, "prctl(PR_CAPBSET_DROP) capability '0'");
    assert_int_equal(n_calls, 2); /* KEEPCAPS, then the failing drop */
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_apply_setgroups_eperm(void **state)
{
    struct fixture *f = fixture_new(false, LCONT_SCMP_ERRNO);
    struct lcont_security_plan *plan;
    struct lcont_child_error err = { 0 };
    int listener;

    /* Groups requested: a denied setgroups is an error. */
    plan = plan_for(f);
    reset();
    inject("setgroups", ~0UL, -EPERM);
    assert_int_equal(lcont__security_apply_child(plan, &listener, &err), -EPERM);
    assert_string_equal(err.msg, "setgroups");
    assert_int_equal(find_call("setresuid", 0), -1);
    lcont__security_plan_free(plan);

    /* None requested (user namespace with setgroups denied): go on. */
    f->proc.n_additional_gids = 0;
    plan = plan_for(f);
    reset();
    memset(&err, 0, sizeof(err));
    inject("setgroups", ~0UL, -EPERM);
    assert_int_equal(lcont__security_apply_child(plan, &listener, &err), 0);
    assert_int_equal(calls[find_call("setgroups", 0)].a, 0);
    assert_true(find_call("setresuid", 0) > 0);
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_apply_without_caps_list(void **state)
{
    struct fixture *f = fixture_new(false, LCONT_SCMP_ERRNO);
    struct lcont_security_plan *plan;
    struct lcont_child_error err = { 0 };
    int listener;

    f->proc.has_caps = false;
    plan = plan_for(f);
    reset();
    assert_int_equal(lcont__security_apply_child(plan, &listener, &err), 0);
    assert_int_equal(find_call("capset", 0), -1);
    assert_int_equal(find_prctl(PR_SET_KEEPCAPS, 1), -1);
    assert_int_equal(find_prctl(PR_CAPBSET_DROP, 0), -1);
    assert_true(find_call("setresuid", 0) >= 0);
    lcont__security_plan_free(plan);
    free(f);
}

/* ---- limits_apply_child ---- */

struct fake_proc {
    char root[64];
    int fd;
};

static void fake_proc_new(struct fake_proc *p)
{
    char path[128];
    int fd;

    snprintf(p->root, sizeof(p->root), "/tmp/lcont-proc-XXXXXX");
    assert_non_null(mkdtemp(p->root));
    snprintf(path, sizeof(path), "%s/self", p->root);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/self/oom_score_adj", p->root);
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    close(fd);
    p->fd = open(p->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(p->fd >= 0);
}

static void fake_proc_free(struct fake_proc *p)
{
    close(p->fd);
    assert_int_equal(lcont__rm_rf_at(AT_FDCWD, p->root), 0);
}

static struct fixture *limits_fixture(struct lcont_spec_rlimit *rl)
{
    struct fixture *f = fixture_new(false, LCONT_SCMP_ERRNO);
    rl->resource = RLIMIT_NOFILE;
    rl->soft = 100;
    rl->hard = 200;
    f->proc.rlimits = rl;
    f->proc.n_rlimits = 1;
    f->proc.has_oom_score_adj = true;
    f->proc.oom_score_adj = -500;
    f->proc.io_priority = (struct lcont_spec_io_priority){ .has = true, .class = 2, .priority = 7 };
    f->proc.scheduler =
        (struct lcont_spec_scheduler){ .has = true, .policy = SCHED_BATCH, .nice = 5 };
    f->proc.has_umask = true;
    f->proc.umask = 077;
    f->spec.linux_.has_personality = true;
    f->spec.linux_.personality = 0x0008;
    return f;
}

static void test_security_limits_apply(void **state)
{
    struct lcont_spec_rlimit rl;
    struct fixture *f = limits_fixture(&rl);
    struct lcont_security_plan *plan = plan_for(f);
    struct lcont_child_error err = { 0 };
    struct fake_proc proc;
    char buf[32] = "";
    char path[160];
    mode_t old_umask = umask(022);
    long i;
    FILE *fp;

    fake_proc_new(&proc);
    reset();
    assert_int_equal(lcont__limits_apply_child(plan, proc.fd, &err), 0);
    assert_int_equal(umask(old_umask), 077);

    snprintf(path, sizeof(path), "%s/self/oom_score_adj", proc.root);
    fp = fopen(path, "re");
    assert_non_null(fp);
    assert_non_null(fgets(buf, sizeof(buf), fp));
    fclose(fp);
    assert_string_equal(buf, "-500");

    i = find_call("personality", 0);
    assert_true(i >= 0);
    assert_int_equal(calls[i].a, 0x0008);
    i = find_call("sched_setattr", 0);
    assert_int_equal(calls[i].a, SCHED_BATCH);
    assert_int_equal(calls[i].b, 5);
    assert_int_equal(calls[i].c, 56);
    i = find_call("setpriority", 0);
    assert_int_equal(calls[i].a, PRIO_PROCESS);
    assert_int_equal(calls[i].c, 5);
    i = find_call("ioprio_set", 0);
    assert_int_equal(calls[i].a, 1); /* IOPRIO_WHO_PROCESS */
    assert_int_equal(calls[i].c, (2 << 13) | 7);
    /* rlimits last: a low RLIMIT_NOFILE must not stop the steps above. */
    i = find_call("prlimit", 0);
    assert_int_equal(i, (long)n_calls - 1);
    assert_int_equal(calls[i].a, RLIMIT_NOFILE);
    assert_int_equal(calls[i].b, 100);
    assert_int_equal(calls[i].c, 200);

    fake_proc_free(&proc);
    lcont__security_plan_free(plan);
    free(f);
}

static void test_security_limits_failures_reported(void **state)
{
    struct lcont_spec_rlimit rl;
    struct fixture *f = limits_fixture(&rl);
    struct lcont_security_plan *plan = plan_for(f);
    struct lcont_child_error err = { 0 };
    struct fake_proc proc;
    mode_t old_umask = umask(022);

    fake_proc_new(&proc);
    reset();
    inject("prlimit", RLIMIT_NOFILE, -EPERM);
    assert_int_equal(lcont__limits_apply_child(plan, proc.fd, &err), -EPERM);
    assert_int_equal(err.code, -EPERM);
    assert_string_equal(err.msg, "setrlimit 'RLIMIT_NOFILE'");

    reset();
    memset(&err, 0, sizeof(err));
    inject("sched_setattr", ~0UL, -EINVAL);
    assert_int_equal(lcont__limits_apply_child(plan, proc.fd, &err), -EINVAL);
    assert_string_equal(err.msg, "sched_setattr");
    assert_int_equal(find_call("ioprio_set", 0), -1);

    /* No procfs fd while oom_score_adj is asked for. */
    reset();
    memset(&err, 0, sizeof(err));
    assert_int_equal(lcont__limits_apply_child(plan, -1, &err), -EBADF);

    /* A missing file is reported with its path. */
    memset(&err, 0, sizeof(err));
    fake_proc_free(&proc);
    proc.fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_int_equal(lcont__limits_apply_child(plan, proc.fd, &err), -ENOENT);
    assert_string_equal(err.msg, "open 'self/oom_score_adj'");
    close(proc.fd);

    umask(old_umask);
    lcont__security_plan_free(plan);
    free(f);
}

/* ---- listener hand-over (lcont__sync_send_fd_to_path, as create.c forwards it) ---- */

static void test_security_send_listener(void **state)
{
    char dir[] = "/tmp/lcont-listener-XXXXXX";
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    static const char payload[] = "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"]}";
    int srv, conn, pipefd[2], got_fd = -1;
    char buf[256] = "";
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
    struct msghdr msg = { .msg_iov = &iov,
                          .msg_iovlen = 1,
                          .msg_control = control.buf,
                          .msg_controllen = sizeof(control.buf) };
    struct stat a, b;
    ssize_t n;

    assert_non_null(mkdtemp(dir));
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/agent.sock", dir);
    srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(srv >= 0);
    assert_int_equal(bind(srv, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(srv, 1), 0);
    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);

    /* Connect queues on the backlog, so one thread suffices. */
    assert_int_equal(
        lcont__sync_send_fd_to_path(addr.sun_path, pipefd[0], payload, strlen(payload)), 0);
    conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
    assert_true(conn >= 0);
    n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    assert_int_equal(n, strlen(payload));
    assert_string_equal(buf, payload);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(&got_fd, CMSG_DATA(c), sizeof(int));
    assert_true(got_fd >= 0);
    assert_int_equal(fstat(got_fd, &a), 0);
    assert_int_equal(fstat(pipefd[0], &b), 0);
    assert_int_equal(a.st_ino, b.st_ino); /* the very same pipe */
    assert_int_equal(a.st_dev, b.st_dev);

    /* Errors: nobody listening, path too long. */
    assert_int_equal(
        lcont__sync_send_fd_to_path("/nonexistent/lcont.sock", pipefd[0], payload, strlen(payload)),
        -ENOENT);
    char longpath[200];
    memset(longpath, 'x', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = '\0';
    assert_int_equal(lcont__sync_send_fd_to_path(longpath, pipefd[0], payload, strlen(payload)),
                     -ENAMETOOLONG);

    close(got_fd);
    close(conn);
    close(srv);
    close(pipefd[0]);
    close(pipefd[1]);
    assert_int_equal(lcont__rm_rf_at(AT_FDCWD, dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_security_apply_order_without_nnp),
        cmocka_unit_test(test_security_apply_order_with_nnp),
        cmocka_unit_test(test_security_apply_capset_failure_reported),
        cmocka_unit_test(test_security_apply_notify_returns_listener),
        cmocka_unit_test(test_security_apply_bounding_failure_names_cap),
        cmocka_unit_test(test_security_apply_setgroups_eperm),
        cmocka_unit_test(test_security_apply_without_caps_list),
        cmocka_unit_test(test_security_limits_apply),
        cmocka_unit_test(test_security_limits_failures_reported),
        cmocka_unit_test(test_security_send_listener),
    };
    return cmocka_run_group_tests_name("security-child", tests, NULL, NULL);
}
