/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The exec'd process from clone3() to execve(): system calls only, on memory
 * prepared by the parent (no malloc, no locks, no stdio: STYLE §10.3).
 */
#include "runtime/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "core/childmsg.h"
#include "core/sys.h"
#include "runtime/child-common.h"
#include "runtime/console.h"
#include "runtime/security.h"
#include "runtime/sync.h"

/* Scratch memory, mmap'ed: the calling thread's stack may be small. */
struct exec_mem {
    struct lcont_child_error err;
    char msg[sizeof(struct lcont_sync_hdr) + 256];
    char exe[4096];
    int sync_fd, proc_fd; /* moved above the preserved fds */
};

__attribute__((noreturn)) static void die(struct exec_mem *m)
{
    if (!m->err.code)
        lcont__child_fail(&m->err, -EIO, "exec failed", NULL);
    lcont__sync_send(m->sync_fd, LCONT_SYNC_ERROR, m->err.code, &m->err, sizeof(m->err), -1);
    _exit(m->err.code == -ENOENT ? 127 : m->err.code == -EACCES ? 126 : 1);
}

static int expect_ack(struct exec_mem *m, uint32_t want)
{
    uint32_t got;
    int code;
    size_t len;
    int r = lcont__sync_recv(m->sync_fd, m->msg, sizeof(m->msg), &got, &code, &len, NULL);

    if (r < 0)
        return lcont__child_fail(&m->err, r, "sync with parent: receive failed", NULL);
    if (got == LCONT_SYNC_ERROR)
        _exit(1); /* the parent gave up and reports the error itself */
    if (got != want)
        return lcont__child_fail(&m->err, -EPROTO, "sync with parent: unexpected message", NULL);
    return 0;
}

static int send_and_wait(struct exec_mem *m, uint32_t type, int fd)
{
    int r = lcont__sync_send(m->sync_fd, type, 0, NULL, 0, fd);
    if (r < 0)
        return lcont__child_fail(&m->err, r, "sync with parent: send failed", NULL);
    return expect_ack(m, LCONT_SYNC_PARENT_ACK);
}

/* Our own fds must not land in the preserved range, or they would survive exec. */
static int move_above(struct exec_mem *m, int *fd, int first)
{
    int n;

    if (*fd < 0 || *fd >= first)
        return 0;
    n = fcntl(*fd, F_DUPFD_CLOEXEC, first);
    if (n < 0)
        return lcont__child_fail(&m->err, -errno, "move fd above the preserved ones", NULL);
    close(*fd);
    *fd = n;
    return 0;
}

static int join_namespaces(const struct lcont_exec_plan *plan, struct exec_mem *m)
{
    /* user first: it grants the capabilities the other joins need */
    static const enum lcont_ns_type order[] = { LCONT_NS_USER, LCONT_NS_IPC,    LCONT_NS_UTS,
                                                LCONT_NS_NET,  LCONT_NS_CGROUP, LCONT_NS_TIME,
                                                LCONT_NS_MNT };

    if (!plan->ns_flags)
        return 0;
    /* all at once, atomically, when the kernel takes a pidfd (5.8+) */
    if (lcont__sys_setns(plan->init_pidfd, plan->ns_flags) == 0)
        return 0;
    if (errno != EINVAL && errno != EBADF)
        return lcont__child_fail(&m->err, -errno, "join the container's namespaces", NULL);
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        int fd = plan->ns_fds[order[i]];
        if (fd >= 0 && lcont__sys_setns(fd, 0) < 0)
            return lcont__child_fail(&m->err, -errno, "join namespace",
                                     lcont__spec_ns_proc_name(order[i]));
    }
    return 0;
}

void lcont__exec_child_main(const struct lcont_exec_plan *plan)
{
    int first = 3 + plan->preserve_fds, listener = -1;
    struct exec_mem *m;

    lcont__child_reset_signals();
    for (size_t i = 0; i < sizeof(plan->close_fds) / sizeof(plan->close_fds[0]); i++)
        if (plan->close_fds[i] >= 0)
            close(plan->close_fds[i]);
    m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        _exit(1);
    m->err.code = 0;
    m->sync_fd = plan->sync_fd;
    m->proc_fd = plan->proc_fd;
    if (move_above(m, &m->sync_fd, first) < 0)
        _exit(1);
    /* die with the caller until exec; the container must never ptrace or open us (runc
     * exec was the way in for CVE-2019-5736) */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_DUMPABLE, 0) < 0) {
        lcont__child_fail(&m->err, -errno, "prctl", NULL);
        die(m);
    }
    /* first, and so its fds are gone before anything else happens */
    if (lcont__cgroup_join_child(plan->cgroup_join, &m->err) < 0)
        die(m);
    if (move_above(m, &m->proc_fd, first) < 0 ||
        lcont__child_setup_stdio(plan->stdio, &m->err) < 0 ||
        expect_ack(m, LCONT_SYNC_PARENT_GO) < 0)
        die(m);
    /* before the user namespace join: raising limits needs the host's CAP_SYS_RESOURCE */
    if (lcont__limits_apply_child(plan->security, m->proc_fd, &m->err) < 0 ||
        join_namespaces(plan, m) < 0)
        die(m);
    close(plan->init_pidfd);
    for (int t = 0; t < LCONT_NS_COUNT; t++)
        if (plan->ns_fds[t] >= 0)
            close(plan->ns_fds[t]);
    /* the host's session keyring must not be reachable from the container */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0L) < 0 && errno != ENOSYS &&
        errno != EDQUOT) {
        lcont__child_fail(&m->err, -errno, "join a new session keyring", NULL);
        die(m);
    }
    /* a session of its own (as runc's): job control signals of the caller's terminal must
     * not reach it behind the caller's back; a terminal needs it for TIOCSCTTY anyway */
    if (setsid() < 0 && errno != EPERM) {
        lcont__child_fail(&m->err, -errno, "setsid", NULL);
        die(m);
    }
    if (plan->terminal) {
        int master = -1;
        /* unlike the init's, an exec's terminal never replaces the container's /dev/console */
        if (lcont__console_setup_child(plan->process->console_height, plan->process->console_width,
                                       false, &master, &m->err) < 0 ||
            send_and_wait(m, LCONT_SYNC_CHILD_CONSOLE, master) < 0)
            die(m);
        close(master);
    }
    if (lcont__child_enter_cwd(plan->process->cwd ? plan->process->cwd : "/", &m->err) < 0 ||
        lcont__child_resolve_executable(plan->process->args[0], plan->path_env, m->exe,
                                        sizeof(m->exe), &m->err) < 0)
        die(m);
    if (lcont__security_apply_child(plan->security, &listener, &m->err) < 0)
        die(m);
    if (listener >= 0) {
        if (send_and_wait(m, LCONT_SYNC_CHILD_SECCOMP, listener) < 0)
            die(m);
        close(listener);
    }
    if (lcont__child_prepare_exec_fds(plan->preserve_fds, plan->preserved, &m->err) < 0)
        die(m);
    /* the caller may exit once we run (lcont-run exec --detach) */
    prctl(PR_SET_PDEATHSIG, 0);
    execve(m->exe, plan->process->args,
           plan->process->env ? plan->process->env : (char *[]){ NULL });
    lcont__child_fail(&m->err, -errno, "exec", m->exe);
    die(m);
}
