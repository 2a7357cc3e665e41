/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "runtime/hooks.h"

#include <errno.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/sys.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(int64_t deadline)
{
    int64_t left;
    if (deadline < 0)
        return -1;
    left = deadline - now_ms();
    return left < 0 ? 0 : (int)left;
}

static void fail_hook(struct lcont_child_error *err, int code, enum lcont_hook_kind kind,
                      size_t index, const char *path, const char *what, long long num,
                      const char *suffix)
{
    if (err->code)
        return;
    err->code = code;
    err->msg[0] = '\0';
    lcont__cm_append(err->msg, sizeof(err->msg), "hook ");
    lcont__cm_append(err->msg, sizeof(err->msg), lcont__spec_hook_name(kind));
    lcont__cm_append(err->msg, sizeof(err->msg), "[");
    lcont__cm_append_int(err->msg, sizeof(err->msg), (long long)index);
    lcont__cm_append(err->msg, sizeof(err->msg), "] '");
    lcont__cm_append(err->msg, sizeof(err->msg), path);
    lcont__cm_append(err->msg, sizeof(err->msg), "': ");
    lcont__cm_append(err->msg, sizeof(err->msg), what);
    if (num >= 0)
        lcont__cm_append_int(err->msg, sizeof(err->msg), num);
    lcont__cm_append(err->msg, sizeof(err->msg), suffix);
}

static void exec_hook(const struct lcont_spec_hook *hook, int stdin_fd)
{
    char *fallback_argv[2] = { hook->path, NULL };
    char *empty_env[1] = { NULL };
    sigset_t all;

    if (dup2(stdin_fd, 0) < 0)
        _exit(127);
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    execve(hook->path, hook->args ? hook->args : fallback_argv, hook->env ? hook->env : empty_env);
    _exit(127);
}

static int run_one(const struct lcont_spec_hook *hook, enum lcont_hook_kind kind, size_t index,
                   const char *state, size_t len, struct lcont_child_error *err)
{
    struct clone_args args;
    int sv[2], pidfd = -1, r = 0;
    int64_t deadline = hook->timeout > 0 ? now_ms() + (int64_t)hook->timeout * 1000 : -1;
    size_t off = 0;
    siginfo_t si;
    pid_t pid;

    /* a socket, not a pipe: MSG_NOSIGNAL spares us SIGPIPE if the hook ignores stdin */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        fail_hook(err, -errno, kind, index, hook->path, "socketpair failed", -1, "");
        return err->code;
    }
    memset(&args, 0, sizeof(args));
    args.flags = CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)&pidfd;
    args.exit_signal = SIGCHLD;
    pid = lcont__sys_clone3(&args, sizeof(args));
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        fail_hook(err, pid, kind, index, hook->path, "cannot fork", -1, "");
        return err->code;
    }
    if (pid == 0)
        exec_hook(hook, sv[1]);
    close(sv[1]);
    shutdown(sv[0], SHUT_RD);

    while (off < len) {
        struct pollfd p[2] = { { sv[0], POLLOUT, 0 }, { pidfd, POLLIN, 0 } };
        int n = poll(p, 2, remaining_ms(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            r = -ETIMEDOUT;
            break;
        }
        if (p[0].revents & POLLOUT) {
            ssize_t w = send(sv[0], state + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                break; /* the hook closed stdin: fine, its exit status decides */
            if (w > 0)
                off += (size_t)w;
        } else if (p[1].revents) {
            break; /* exited before reading everything */
        } else if (p[0].revents & (POLLERR | POLLHUP)) {
            break;
        }
    }
    close(sv[0]);

    while (r == 0) {
        struct pollfd p = { pidfd, POLLIN, 0 };
        int n = poll(&p, 1, remaining_ms(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            r = -ETIMEDOUT;
        break;
    }
    if (r == -ETIMEDOUT) {
        lcont__sys_pidfd_send_signal(pidfd, SIGKILL, 0);
        fail_hook(err, r, kind, index, hook->path, "timed out after ", hook->timeout, " s");
    }
    memset(&si, 0, sizeof(si));
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
        ;
    close(pidfd);
    if (r < 0)
        return r;
    if (si.si_code == CLD_EXITED && si.si_status == 0)
        return 0;
    if (si.si_code == CLD_EXITED)
        fail_hook(err, -EIO, kind, index, hook->path, "exited with status ", si.si_status, "");
    else
        fail_hook(err, -EIO, kind, index, hook->path, "killed by signal ", si.si_status, "");
    return err->code;
}

int lcont__hooks_run(const struct lcont_spec_hooks *hooks, enum lcont_hook_kind kind,
                     const char *state, size_t len, struct lcont_child_error *err)
{
    for (size_t i = 0; i < hooks->n_hooks[kind]; i++) {
        int r = run_one(&hooks->hooks[kind][i], kind, i, state, len, err);
        if (r < 0)
            return r;
    }
    return 0;
}
