/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Signal capture for "run": every catchable signal becomes a byte on a
 * self-pipe that the main loop reads, so forwarding happens outside signal
 * context. Handlers (not SIG_IGN, not a blocked mask) are used on purpose:
 * exec resets caught signals to their default, so the container starts with
 * clean dispositions and the caller's signal mask. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "run.h"

/* A signal handler can reach nothing else: the one global of lcont-run. */
static int pipe_write_fd = -1;

static int is_fault_signal(int signo)
{
    return signo == SIGSEGV || signo == SIGBUS || signo == SIGFPE || signo == SIGILL ||
           signo == SIGTRAP || signo == SIGSYS;
}

static void on_signal(int signo, siginfo_t *si, void *ucontext)
{
    int saved_errno = errno;
    unsigned char byte = (unsigned char)signo;

    (void)ucontext;
    if (is_fault_signal(signo) && si && si->si_code > 0) {
        /* A real fault of our own: let it kill us instead of looping forever. */
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        sigaction(signo, &dfl, NULL);
        errno = saved_errno;
        return;
    }
    if (write(pipe_write_fd, &byte, 1) < 0) {
        /* pipe full: the signal is dropped, like a coalesced standard signal */
    }
    errno = saved_errno;
}

static int catch_signal(int signo)
{
    struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART };

    sigfillset(&sa.sa_mask);
    return sigaction(signo, &sa, NULL);
}

int signals_install(int min_fd, int *ret_read_fd)
{
    int fds[2];

    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
        return -errno;
    /* keep the pipe out of the caller's preserved fds (--preserve-fds) */
    for (int i = 0; i < 2 && min_fd > 0; i++) {
        int high = fds[i] < min_fd ? fcntl(fds[i], F_DUPFD_CLOEXEC, min_fd) : fds[i];

        if (high < 0)
            return -errno;
        if (high != fds[i])
            close(fds[i]);
        fds[i] = high;
    }
    pipe_write_fd = fds[1];
    for (int signo = 1; signo < SIGRTMIN; signo++) {
        if (signo == SIGKILL || signo == SIGSTOP)
            continue;
        /* glibc reserves the numbers between 31 and SIGRTMIN; EINVAL there is fine */
        if (catch_signal(signo) < 0 && errno != EINVAL)
            return -errno;
    }
    for (int signo = SIGRTMIN; signo <= SIGRTMAX; signo++)
        if (catch_signal(signo) < 0)
            return -errno;
    *ret_read_fd = fds[0];
    return 0;
}

int signals_next(int read_fd)
{
    unsigned char byte;
    ssize_t n;

    do
        n = read(read_fd, &byte, 1);
    while (n < 0 && errno == EINTR);
    return n == 1 ? byte : 0;
}
