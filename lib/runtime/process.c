/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "runtime/container-internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int lcont__process_new(pid_t pid, int pidfd, lcont_process **ret)
{
    lcont_process *p = calloc(1, sizeof(*p));

    if (!p)
        return -ENOMEM;
    p->refs = 1;
    p->owner_pid = getpid();
    p->pid = pid;
    p->pidfd = pidfd;
    *ret = p;
    return 0;
}

lcont_process *lcont_process_ref(lcont_process *p)
{
    if (p)
        p->refs++;
    return p;
}

lcont_process *lcont_process_unref(lcont_process *p)
{
    if (!p || --p->refs > 0)
        return NULL;
    if (p->pidfd >= 0)
        close(p->pidfd);
    free(p);
    return NULL;
}

pid_t lcont_process_get_pid(const lcont_process *p)
{
    return p ? p->pid : -1;
}

int lcont_process_get_pidfd(const lcont_process *p)
{
    return p ? p->pidfd : -EINVAL;
}

int lcont_process_signal(lcont_process *p, int signo, uint64_t flags, lcont_error **reterr)
{
    int r;

    if (!p || flags || signo < 0 || signo > SIGRTMAX)
        return lcont__error_set(reterr, -EINVAL, "signal: invalid arguments");
    if (p->owner_pid != getpid())
        return lcont__error_set(reterr, -ECHILD, "signal: handle used after fork");
    if (p->reaped)
        return lcont__error_set(reterr, -ESRCH, "signal pid %d: process has exited", p->pid);
    r = lcont__sys_pidfd_send_signal(p->pidfd, signo, 0);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "signal pid %d", p->pid);
    return 0;
}

int lcont_process_wait(lcont_process *p, uint64_t flags, int *ret_status, lcont_error **reterr)
{
    siginfo_t si = { 0 };
    int options = WEXITED;

    if (!p || (flags & ~LCONT_WAIT_NOHANG))
        return lcont__error_set(reterr, -EINVAL, "wait: invalid arguments");
    if (p->owner_pid != getpid())
        return lcont__error_set(reterr, -ECHILD, "wait: handle used after fork");
    if (!p->reaped) {
        if (flags & LCONT_WAIT_NOHANG)
            options |= WNOHANG;
        if (waitid((idtype_t)P_PIDFD, (id_t)p->pidfd, &si, options) < 0)
            return lcont__error_setsys(reterr, -errno, "wait for pid %d", p->pid);
        if (si.si_pid == 0)
            return -EAGAIN; /* WNOHANG and still running: not an error worth a message */
        p->reaped = 1;
        p->status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
    }
    if (ret_status)
        *ret_status = p->status;
    return 0;
}
