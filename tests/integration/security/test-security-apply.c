/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The security plan applied for real: the parent builds the plan, a forked
 * child applies it and checks what the kernel reports (/proc/self/status,
 * /proc/self/limits, syscalls), then exits 0 on success. Needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/ioprio.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "runtime/security.h"
#include "runtime/sync.h"

static const char *busybox; /* argv[1]; NULL skips the exec test */

#define CAPBIT(c) (UINT64_C(1) << (c))

/* ---- spec fixture ---- */

struct fixture {
    struct lcont_spec spec;
    struct lcont_spec_process proc;
    struct lcont_spec_seccomp sc;
    struct lcont_spec_seccomp_rule rules[4];
    struct lcont_spec_seccomp_arg args[4];
    struct lcont_spec_rlimit rlimits[2];
    gid_t gids[2];
    char *argv[2];
};

static struct fixture *fixture_new(void)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->argv[0] = (char *)"/bin/true";
    f->proc.args = f->argv;
    f->spec.process = &f->proc;
    /* The child must not leave a core file in the build tree when it is killed. */
    f->rlimits[0] = (struct lcont_spec_rlimit){ .resource = RLIMIT_CORE, .soft = 0, .hard = 0 };
    f->proc.rlimits = f->rlimits;
    f->proc.n_rlimits = 1;
    return f;
}

static struct lcont_spec_seccomp_rule *seccomp_rule(struct fixture *f, char **names,
                                                    enum lcont_seccomp_action action)
{
    struct lcont_spec_seccomp_rule *r;
    if (!f->spec.linux_.seccomp) {
        f->sc.default_action = LCONT_SCMP_ALLOW;
        f->sc.rules = f->rules;
        f->spec.linux_.seccomp = &f->sc;
    }
    r = &f->rules[f->sc.n_rules++];
    r->names = names;
    r->action = action;
    return r;
}

static struct lcont_security_plan *plan_for(struct fixture *f)
{
    struct lcont_security_plan *plan = NULL;
    lcont_error *err = NULL;
    if (lcont__security_plan_new(&f->spec, &plan, &err) < 0)
        fail_msg("plan_new: %s", lcont_error_message(err));
    return plan;
}

/* ---- child runner ---- */

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "child check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                                        \
        }                                                                                    \
    } while (0)

typedef int (*check_fn)(int listener, void *userdata);

/* Fork; the child applies limits and privileges, then runs @check. Returns the wait status. */
static int run_child(const struct lcont_security_plan *plan, check_fn check, void *userdata,
                     pid_t *ret_pid, bool wait_now)
{
    pid_t pid = fork();
    int status;

    assert_true(pid >= 0);
    if (pid == 0) {
        struct lcont_child_error err = { 0 };
        int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int listener = -1;

        if (proc_fd < 0 || lcont__limits_apply_child(plan, proc_fd, &err) < 0 ||
            lcont__security_apply_child(plan, &listener, &err) < 0) {
            fprintf(stderr, "apply failed: %d %s\n", err.code, err.msg);
            _exit(100);
        }
        _exit(check(listener, userdata));
    }
    if (ret_pid)
        *ret_pid = pid;
    if (!wait_now)
        return 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void expect_success(const struct lcont_security_plan *plan, check_fn check, void *userdata)
{
    int status = run_child(plan, check, userdata, NULL, true);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Value of "@key:" in /proc/self/status with runs of blanks squeezed to one space. */
static int status_field(const char *key, char *out, size_t size)
{
    char line[512];
    size_t klen = strlen(key);
    FILE *fp = fopen("/proc/self/status", "re");
    int found = -1;

    if (!fp)
        return -1;
    while (fgets(line, sizeof(line), fp)) {
        if (strncmp(line, key, klen) != 0 || line[klen] != ':')
            continue;
        size_t o = 0;
        for (char *p = line + klen + 1; *p && *p != '\n' && o + 1 < size; p++) {
            if (*p == ' ' || *p == '\t') {
                if (o > 0 && out[o - 1] != ' ')
                    out[o++] = ' ';
                continue;
            }
            out[o++] = *p;
        }
        while (o > 0 && out[o - 1] == ' ')
            o--;
        out[o] = '\0';
        found = 0;
        break;
    }
    fclose(fp);
    return found;
}

static bool status_is(const char *key, const char *want)
{
    char v[256];
    if (status_field(key, v, sizeof(v)) < 0)
        return false;
    if (strcmp(v, want) != 0) {
        fprintf(stderr, "%s: got '%s', want '%s'\n", key, v, want);
        return false;
    }
    return true;
}

/* ---- capabilities, ids, no_new_privs ---- */

static char *mkdir_names[] = { (char *)"mkdir", NULL };

static int check_caps_ids(int listener, void *userdata)
{
    CHECK(listener == -1);
    CHECK(status_is("CapBnd", "0000000000000420"));
    CHECK(status_is("CapEff", "0000000000000420"));
    CHECK(status_is("CapPrm", "0000000000000420"));
    CHECK(status_is("CapInh", "0000000000000000"));
    CHECK(status_is("CapAmb", "0000000000000000"));
    CHECK(status_is("Uid", "1000 1000 1000 1000"));
    CHECK(status_is("Gid", "1000 1000 1000 1000"));
    CHECK(status_is("Groups", "1000 2000"));
    CHECK(status_is("NoNewPrivs", "1"));
    /* With no_new_privs the filter went in last, after the privileges were gone. */
    CHECK(status_is("Seccomp", "2"));
    CHECK(syscall(SYS_mkdir, "/tmp/lcont-never-created", 0700) < 0 && errno == 42);
    return 0;
}

static void test_security_caps_ids_nnp(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;
    uint64_t caps = CAPBIT(CAP_KILL) | CAPBIT(CAP_NET_BIND_SERVICE);

    f->proc.has_caps = true;
    f->proc.caps.bounding = caps;
    f->proc.caps.effective = caps;
    f->proc.caps.permitted = caps;
    f->proc.uid = 1000;
    f->proc.gid = 1000;
    f->gids[0] = 1000;
    f->gids[1] = 2000;
    f->proc.additional_gids = f->gids;
    f->proc.n_additional_gids = 2;
    f->proc.no_new_privileges = true;
    struct lcont_spec_seccomp_rule *r = seccomp_rule(f, mkdir_names, LCONT_SCMP_ERRNO);
    r->has_errno_ret = true;
    r->errno_ret = 42;
    plan = plan_for(f);
    expect_success(plan, check_caps_ids, NULL);
    lcont__security_plan_free(plan);
    free(f);
}

/* Ambient caps are the ones that survive execve of a plain binary as non-root. */
static void test_security_ambient_survives_exec(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;
    uint64_t caps = CAPBIT(CAP_KILL) | CAPBIT(CAP_NET_BIND_SERVICE);
    int pipefd[2], status;
    char out[8192] = "";
    size_t len = 0;
    ssize_t n;
    pid_t pid;

    if (!busybox)
        skip();
    f->proc.has_caps = true;
    f->proc.caps.bounding = caps;
    f->proc.caps.effective = caps;
    f->proc.caps.permitted = caps;
    f->proc.caps.inheritable = CAPBIT(CAP_KILL);
    f->proc.caps.ambient = CAPBIT(CAP_KILL);
    f->proc.uid = 1000;
    f->proc.gid = 1000;
    plan = plan_for(f);

    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct lcont_child_error err = { 0 };
        int listener;
        if (dup2(pipefd[1], STDOUT_FILENO) < 0 ||
            lcont__security_apply_child(plan, &listener, &err) < 0) {
            fprintf(stderr, "apply failed: %s\n", err.msg);
            _exit(100);
        }
        execl(busybox, "cat", "/proc/self/status", (char *)NULL);
        _exit(101);
    }
    close(pipefd[1]);
    while ((n = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0)
        len += (size_t)n;
    close(pipefd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    out[len] = '\0';
    assert_non_null(strstr(out, "CapInh:\t0000000000000020\n"));
    assert_non_null(strstr(out, "CapPrm:\t0000000000000020\n"));
    assert_non_null(strstr(out, "CapEff:\t0000000000000020\n"));
    assert_non_null(strstr(out, "CapBnd:\t0000000000000420\n"));
    assert_non_null(strstr(out, "CapAmb:\t0000000000000020\n"));
    lcont__security_plan_free(plan);
    free(f);
}

/* ---- seccomp ---- */

static int check_mkdir_errno(int listener, void *userdata)
{
    CHECK(status_is("Seccomp", "2"));
    CHECK(status_is("NoNewPrivs", "0"));
    CHECK(status_is("Uid", "1000 1000 1000 1000"));
    CHECK(status_is("CapEff", "0000000000000020"));
    CHECK(syscall(SYS_mkdir, "/tmp/lcont-never-created", 0700) < 0 && errno == 42);
    /* Everything else still works. */
    CHECK(getppid() > 0);
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    close(fd);
    return 0;
}

/*
 * Without no_new_privs, loading the filter needs CAP_SYS_ADMIN: it must go in
 * before the switch to uid 1000 drops it, or the load fails with EACCES.
 */
static void test_security_seccomp_errno_without_nnp(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;
    char dir[] = "/tmp/lcont-seccomp-XXXXXX";

    /* Control: the same syscall works without the filter. */
    assert_non_null(mkdtemp(dir));
    assert_int_equal(rmdir(dir), 0);
    assert_int_equal(syscall(SYS_mkdir, dir, 0700), 0);
    assert_int_equal(rmdir(dir), 0);

    f->proc.has_caps = true;
    f->proc.caps.bounding = CAPBIT(CAP_KILL);
    f->proc.caps.effective = CAPBIT(CAP_KILL);
    f->proc.caps.permitted = CAPBIT(CAP_KILL);
    f->proc.uid = 1000;
    f->proc.gid = 1000;
    struct lcont_spec_seccomp_rule *r = seccomp_rule(f, mkdir_names, LCONT_SCMP_ERRNO);
    r->has_errno_ret = true;
    r->errno_ret = 42;
    plan = plan_for(f);
    expect_success(plan, check_mkdir_errno, NULL);
    lcont__security_plan_free(plan);
    free(f);
}

static int check_personality_args(int listener, void *userdata)
{
    CHECK(personality(0xffffffff) < 0 && errno == EPERM);
    CHECK(personality(0) >= 0);
    /* Two tests of arg 0 in one rule: either one matches (separate rules). */
    CHECK(personality(0x1234) < 0 && errno == 43);
    CHECK(personality(0x5678) < 0 && errno == 43);
    CHECK(personality(PER_LINUX32) >= 0);
    CHECK(personality(0xffffffff) < 0 && errno == EPERM);
    return 0;
}

static void test_security_seccomp_argument_filter(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;
    char *names[] = { (char *)"personality", NULL };
    struct lcont_spec_seccomp_rule *r;

    f->args[0] =
        (struct lcont_spec_seccomp_arg){ .index = 0, .value = 0xffffffff, .op = LCONT_SCMP_CMP_EQ };
    f->args[1] =
        (struct lcont_spec_seccomp_arg){ .index = 0, .value = 0x1234, .op = LCONT_SCMP_CMP_EQ };
    f->args[2] =
        (struct lcont_spec_seccomp_arg){ .index = 0, .value = 0x5678, .op = LCONT_SCMP_CMP_EQ };
    r = seccomp_rule(f, names, LCONT_SCMP_ERRNO); /* errnoRet: EPERM by default */
    r->args = &f->args[0];
    r->n_args = 1;
    r = seccomp_rule(f, names, LCONT_SCMP_ERRNO);
    r->has_errno_ret = true;
    r->errno_ret = 43;
    r->args = &f->args[1];
    r->n_args = 2;
    plan = plan_for(f);
    expect_success(plan, check_personality_args, NULL);
    lcont__security_plan_free(plan);
    free(f);
}

static int check_killed_on_mkdir(int listener, void *userdata)
{
    prctl(PR_SET_DUMPABLE, 0); /* no core file */
    syscall(SYS_mkdir, "/tmp/lcont-never-created", 0700);
    return 0; /* not reached when the filter works */
}

static void test_security_seccomp_kill_process(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;
    int status;

    seccomp_rule(f, mkdir_names, LCONT_SCMP_KILL_PROCESS);
    plan = plan_for(f);
    status = run_child(plan, check_killed_on_mkdir, NULL, NULL, true);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSYS);
    lcont__security_plan_free(plan);
    free(f);
}

static const char notify_payload[] = "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":1}";

static int check_notify(int listener, void *userdata)
{
    const char *path = userdata;

    CHECK(listener >= 0);
    CHECK(fcntl(listener, F_GETFD) & FD_CLOEXEC);
    CHECK(lcont__sync_send_fd_to_path(path, listener, notify_payload, strlen(notify_payload)) == 0);
    close(listener);
    /* Blocks until the test answers through the listener. */
    CHECK(syscall(SYS_mkdir, "/tmp/lcont-never-created", 0700) < 0 && errno == EXDEV);
    return 0;
}

static void test_security_seccomp_notify_listener(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;
    char dir[] = "/tmp/lcont-notify-XXXXXX";
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
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
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    int srv, conn, listener = -1, status;
    size_t len = 0;
    pid_t pid;

    f->proc.no_new_privileges = true;
    seccomp_rule(f, mkdir_names, LCONT_SCMP_NOTIFY);
    plan = plan_for(f);
    assert_true(lcont__security_plan_has_notify(plan));

    assert_non_null(mkdtemp(dir));
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/agent.sock", dir);
    srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(srv >= 0);
    assert_int_equal(bind(srv, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(srv, 1), 0);

    run_child(plan, check_notify, addr.sun_path, &pid, false);

    conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
    assert_true(conn >= 0);
    /* The payload may arrive in pieces; the fd comes with the first one. */
    while (len < strlen(notify_payload)) {
        ssize_t n;
        iov.iov_base = buf + len;
        iov.iov_len = sizeof(buf) - 1 - len;
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        assert_true(n > 0);
        if (listener < 0)
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                    memcpy(&listener, CMSG_DATA(c), sizeof(int));
        msg.msg_control = NULL;
        msg.msg_controllen = 0;
        len += (size_t)n;
    }
    assert_string_equal(buf, notify_payload);
    assert_true(listener >= 0);

    /* A real seccomp listener: it delivers the child's mkdir, and we answer it. */
    memset(&req, 0, sizeof(req));
    assert_int_equal(ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
    assert_int_equal(req.pid, pid);
    assert_int_equal(req.data.nr, SYS_mkdir);
    memset(&resp, 0, sizeof(resp));
    resp.id = req.id;
    resp.error = -EXDEV;
    assert_int_equal(ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);

    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    close(listener);
    close(conn);
    close(srv);
    assert_int_equal(lcont__rm_rf_at(AT_FDCWD, dir), 0);
    lcont__security_plan_free(plan);
    free(f);
}

/* ---- limits ---- */

static int check_rlimit_nofile(int listener, void *userdata)
{
    struct rlimit rl;
    char line[256];
    bool seen = false;
    FILE *fp;

    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    CHECK(rl.rlim_cur == 100 && rl.rlim_max == 200);
    fp = fopen("/proc/self/limits", "re");
    CHECK(fp);
    while (fgets(line, sizeof(line), fp)) {
        unsigned long soft, hard;
        if (sscanf(line, "Max open files %lu %lu files", &soft, &hard) == 2) {
            seen = soft == 100 && hard == 200;
            break;
        }
    }
    fclose(fp);
    CHECK(seen);
    return 0;
}

static void test_security_rlimit_nofile(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;
    struct rlimit cur;

    /* This host may lack CAP_SYS_RESOURCE: only ever lower the hard limit. */
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &cur), 0);
    if (cur.rlim_max < 200)
        skip();
    f->rlimits[1] =
        (struct lcont_spec_rlimit){ .resource = RLIMIT_NOFILE, .soft = 100, .hard = 200 };
    f->proc.n_rlimits = 2;
    plan = plan_for(f);
    expect_success(plan, check_rlimit_nofile, NULL);
    lcont__security_plan_free(plan);
    free(f);
}

static int check_oom_score_adj(int listener, void *userdata)
{
    char buf[32] = "";
    FILE *fp = fopen("/proc/self/oom_score_adj", "re");
    CHECK(fp);
    CHECK(fgets(buf, sizeof(buf), fp));
    fclose(fp);
    CHECK(strcmp(buf, "500\n") == 0);
    return 0;
}

static void test_security_oom_score_adj(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;

    f->proc.has_oom_score_adj = true;
    f->proc.oom_score_adj = 500;
    plan = plan_for(f);
    expect_success(plan, check_oom_score_adj, NULL);
    lcont__security_plan_free(plan);
    free(f);
}

static int check_linux32(int listener, void *userdata)
{
    struct utsname u;
    CHECK(uname(&u) == 0);
    CHECK(strcmp(u.machine, "i686") == 0);
    CHECK(personality(0xffffffff) == PER_LINUX32);
    return 0;
}

static void test_security_personality_linux32(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;
    struct utsname u;

    assert_int_equal(uname(&u), 0);
    if (strcmp(u.machine, "x86_64") != 0)
        skip(); /* i686 is what x86_64 reports under PER_LINUX32 */
    f->spec.linux_.has_personality = true;
    f->spec.linux_.personality = PER_LINUX32;
    plan = plan_for(f);
    expect_success(plan, check_linux32, NULL);
    lcont__security_plan_free(plan);
    free(f);
}

static int check_ioprio(int listener, void *userdata)
{
    CHECK(syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0) ==
          IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 7));
    return 0;
}

static void test_security_ioprio(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;

    f->proc.io_priority =
        (struct lcont_spec_io_priority){ .has = true, .class = IOPRIO_CLASS_BE, .priority = 7 };
    plan = plan_for(f);
    expect_success(plan, check_ioprio, NULL);
    lcont__security_plan_free(plan);
    free(f);
}

static int check_sched_batch(int listener, void *userdata)
{
    CHECK(sched_getscheduler(0) == SCHED_BATCH);
    errno = 0;
    CHECK(getpriority(PRIO_PROCESS, 0) == 5 && errno == 0);
    return 0;
}

static void test_security_scheduler_batch(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;

    f->proc.scheduler =
        (struct lcont_spec_scheduler){ .has = true, .policy = SCHED_BATCH, .nice = 5 };
    plan = plan_for(f);
    expect_success(plan, check_sched_batch, NULL);
    lcont__security_plan_free(plan);
    free(f);
}

static int check_umask(int listener, void *userdata)
{
    CHECK(umask(0) == 077);
    return 0;
}

static void test_security_umask(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan;

    f->proc.has_umask = true;
    f->proc.umask = 077;
    plan = plan_for(f);
    expect_success(plan, check_umask, NULL);
    lcont__security_plan_free(plan);
    free(f);
}

/* ---- LSM ---- */

static void test_security_apparmor_unsupported(void **state)
{
    struct fixture *f = fixture_new();
    struct lcont_security_plan *plan = NULL;
    lcont_error *err = NULL;

    if (access("/sys/kernel/security/apparmor", F_OK) == 0)
        skip(); /* a host with AppArmor gets "not implemented" instead */
    f->proc.apparmor_profile = (char *)"docker-default";
    assert_int_equal(lcont__security_plan_new(&f->spec, &plan, &err), -EOPNOTSUPP);
    assert_null(plan);
    assert_string_equal(lcont_error_message(err),
                        "apparmor profile 'docker-default': AppArmor is not supported on this "
                        "host");
    lcont_error_free(err);
    free(f);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_security_caps_ids_nnp),
        cmocka_unit_test(test_security_ambient_survives_exec),
        cmocka_unit_test(test_security_seccomp_errno_without_nnp),
        cmocka_unit_test(test_security_seccomp_argument_filter),
        cmocka_unit_test(test_security_seccomp_kill_process),
        cmocka_unit_test(test_security_seccomp_notify_listener),
        cmocka_unit_test(test_security_rlimit_nofile),
        cmocka_unit_test(test_security_oom_score_adj),
        cmocka_unit_test(test_security_personality_linux32),
        cmocka_unit_test(test_security_ioprio),
        cmocka_unit_test(test_security_scheduler_batch),
        cmocka_unit_test(test_security_umask),
        cmocka_unit_test(test_security_apparmor_unsupported),
    };

    if (geteuid() != 0) {
        fprintf(stderr, "needs root\n");
        return 77;
    }
    if (argc > 1 && access(argv[1], X_OK) == 0)
        busybox = argv[1];
    return cmocka_run_group_tests_name("security-apply", tests, NULL, NULL);
}
