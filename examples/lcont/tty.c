/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * "run -t": the container gets a pseudo-terminal. The library sends the pty
 * master over a console socket (the OCI --console-socket protocol); we listen
 * on a private socket, then copy our stdin to the master and the master to our
 * stdout, with our own terminal in raw mode so that ^C, ^Z and line editing
 * are handled by the container's line discipline, not ours.
 */
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

#include "cli.h"

void tty_init(struct tty_proxy *t)
{
    memset(t, 0, sizeof(*t));
    t->listen_fd = -1;
    t->master = -1;
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

/* tcsetattr() from a background job raises SIGTTOU: block it for the call. */
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

int tty_receive(struct tty_proxy *t, int init_pidfd)
{
    struct pollfd pfd[2] = { { .fd = t->listen_fd, .events = POLLIN },
                             { .fd = init_pidfd, .events = POLLIN } };
    int conn, fd;

    /* the library connects during create; give up if the container dies first */
    for (;;) {
        conn = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn >= 0)
            break;
        if (errno != EAGAIN && errno != EINTR)
            return -errno;
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
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
    t->master_open = 1;
    t->stdin_open = 1;
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
        struct termios raw = t->saved;
        cfmakeraw(&raw);
        if (set_termios(&raw) == 0)
            t->raw = 1;
    }
    tty_resize(t);
    return 0;
}

void tty_resize(struct tty_proxy *t)
{
    struct winsize ws;

    if (t->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(t->master, TIOCSWINSZ, &ws);
}

/* stdin -> master, through a small buffer (the master is non-blocking). */
void tty_pump_in(struct tty_proxy *t, int stdin_ready)
{
    if (stdin_ready && t->inlen == 0) {
        ssize_t n = read(STDIN_FILENO, t->inbuf, sizeof(t->inbuf));
        if (n <= 0) {
            if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                /* end of input: the container sees ^D, like `docker run -t` with a pipe */
                t->stdin_open = 0;
                if (!t->raw && write(t->master, "\004", 1) < 0) {
                    /* the terminal is gone already */
                }
            }
            return;
        }
        t->inlen = (size_t)n;
        t->inoff = 0;
    }
    while (t->inoff < t->inlen) {
        ssize_t n = write(t->master, t->inbuf + t->inoff, t->inlen - t->inoff);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                t->inlen = t->inoff = 0; /* the container closed its terminal: drop it */
            return;
        }
        t->inoff += (size_t)n;
    }
    t->inlen = t->inoff = 0;
}

/* master -> stdout; returns bytes copied, 0 at end, -1 when nothing is ready. */
int tty_pump_out(struct tty_proxy *t)
{
    char buf[8192];
    ssize_t n;

    do
        n = read(t->master, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return -1;
    if (n <= 0) {
        /* EIO: every slave fd is closed */
        t->master_open = 0;
        return 0;
    }
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break; /* our stdout is gone; keep draining so the container is not blocked */
        off += w;
    }
    return (int)n;
}

void tty_cleanup(struct tty_proxy *t)
{
    if (t->raw) {
        set_termios(&t->saved);
        t->raw = 0;
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
