/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tty-proxy.h"

void tty_init(struct tty_proxy *t)
{
    memset(t, 0, sizeof(*t));
    t->listen_fd = t->master = -1;
    t->i_stdin = t->i_master = -1;
}

int tty_listen(struct tty_proxy *t)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    const char *tmp = getenv("TMPDIR");

    if (!tmp || !*tmp)
        tmp = "/tmp";
    if (snprintf(t->dir, sizeof(t->dir), "%s/lcont-tty-XXXXXX", tmp) >= (int)sizeof(t->dir))
        return -ENAMETOOLONG;
    if (!mkdtemp(t->dir)) {
        t->dir[0] = '\0';
        return -errno;
    }
    if (snprintf(t->path, sizeof(t->path), "%s/console.sock", t->dir) >= (int)sizeof(t->path) ||
        strlen(t->path) >= sizeof(addr.sun_path))
        return -ENAMETOOLONG;
    strcpy(addr.sun_path, t->path);
    t->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (t->listen_fd < 0)
        return -errno;
    if (bind(t->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(t->listen_fd, 1) < 0)
        return -errno;
    return 0;
}

/* The first fd of an SCM_RIGHTS message; any others are closed. */
static int receive_fd(int conn)
{
    char data[64], control[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)
    };
    int fd = -1;
    ssize_t n;

    do
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        int *fds = (int *)CMSG_DATA(c);
        size_t nfds;

        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfds; i++) {
            if (fd < 0)
                fd = fds[i];
            else
                close(fds[i]);
        }
    }
    return fd >= 0 ? fd : -EBADMSG;
}

/* tcsetattr() from a background job raises SIGTTOU: block it for the call, or we would be
 * stopped (or, with a handler, restart forever). */
static int set_termios(const struct termios *tio)
{
    sigset_t block, old;
    int r;

    sigemptyset(&block);
    sigaddset(&block, SIGTTOU);
    sigprocmask(SIG_BLOCK, &block, &old);
    r = tcsetattr(STDIN_FILENO, TCSANOW, tio) < 0 ? -errno : 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return r;
}

int tty_receive(struct tty_proxy *t, int pidfd)
{
    struct pollfd pfd[2] = { { .fd = t->listen_fd, .events = POLLIN },
                             { .fd = pidfd, .events = POLLIN } };
    int conn, fd;

    /* the library connects while it creates the process; give up if that dies first */
    for (;;) {
        conn = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn >= 0)
            break;
        if (errno != EAGAIN && errno != EINTR)
            return -errno;
        if (poll(pfd, pidfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
            return -errno;
        if (pfd[1].revents)
            return -ESRCH;
    }
    fd = receive_fd(conn);
    close(conn);
    if (fd < 0)
        return fd;
    t->master = fd;
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
        return -errno;
    t->master_open = true;
    t->stdin_open = true;
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
        struct termios raw = t->saved;
        cfmakeraw(&raw);
        if (set_termios(&raw) == 0)
            t->raw = true;
    }
    tty_resize(t);
    return 0;
}

void tty_resize(struct tty_proxy *t)
{
    struct winsize ws;

    if (t->master < 0)
        return;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(t->master, TIOCSWINSZ, &ws);
}

void tty_pump_in(struct tty_proxy *t, bool stdin_ready)
{
    if (stdin_ready && t->inlen == 0 && t->stdin_open) {
        ssize_t n = read(STDIN_FILENO, t->inbuf, sizeof(t->inbuf));
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
            t->stdin_open = false;
            /* a raw terminal sends its own ^D; a pipe just ends */
            if (t->eof_to_container && !t->raw && t->master_open &&
                write(t->master, "\004", 1) < 0) {
                /* the terminal is gone already */
            }
        }
        if (n > 0) {
            t->inlen = (size_t)n;
            t->inoff = 0;
        }
    }
    if (!t->master_open) {
        t->inlen = 0; /* nobody to give it to */
        return;
    }
    while (t->inlen > 0) {
        ssize_t n = write(t->master, t->inbuf + t->inoff, t->inlen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                t->inlen = 0; /* the container closed its terminal: drop the input */
            return;
        }
        t->inoff += (size_t)n;
        t->inlen -= (size_t)n;
    }
}

static void write_out(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* our reader is gone; keep draining so the container never blocks */
        buf += n;
        len -= (size_t)n;
    }
}

size_t tty_pump_out(struct tty_proxy *t)
{
    char buf[8192];
    size_t total = 0;

    /* a bounded number of reads per call, so a chatty container cannot starve signals */
    for (int i = 0; i < 16 && t->master_open; i++) {
        ssize_t n = read(t->master, buf, sizeof(buf));
        if (n > 0) {
            write_out(buf, (size_t)n);
            total += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || errno != EAGAIN)
            t->master_open = false; /* EIO: every slave fd is closed */
        break;
    }
    return total;
}

int tty_poll_add(struct tty_proxy *t, struct pollfd *pfd, int n)
{
    if (!t)
        return n;
    t->i_stdin = t->i_master = -1;
    if (t->master < 0)
        return n;
    if (t->stdin_open && t->inlen == 0) {
        t->i_stdin = n;
        pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
    }
    if (t->master_open) {
        t->i_master = n;
        pfd[n++] = (struct pollfd){ .fd = t->master, .events = POLLIN | (t->inlen ? POLLOUT : 0) };
    }
    return n;
}

void tty_poll_handle(struct tty_proxy *t, const struct pollfd *pfd)
{
    if (!t)
        return;
    if (t->i_stdin >= 0 && pfd[t->i_stdin].revents)
        tty_pump_in(t, true);
    else if (t->i_master >= 0 && (pfd[t->i_master].revents & POLLOUT))
        tty_pump_in(t, false);
    if (t->i_master >= 0 && (pfd[t->i_master].revents & (POLLIN | POLLHUP | POLLERR)))
        tty_pump_out(t);
}

void tty_cleanup(struct tty_proxy *t)
{
    if (t->raw) {
        set_termios(&t->saved);
        t->raw = false;
    }
    if (t->master >= 0)
        close(t->master);
    if (t->listen_fd >= 0)
        close(t->listen_fd);
    t->master = t->listen_fd = -1;
    if (t->path[0])
        unlink(t->path);
    if (t->dir[0])
        rmdir(t->dir);
    t->path[0] = t->dir[0] = '\0';
}
