/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Foreground terminal for "run" with process.terminal: the library sends the
 * pty master to a console socket (as for --console-socket), we listen on a
 * private one, then proxy our stdin/stdout through the master with our own
 * tty in raw mode, so keys like ^C reach the container's line discipline. */
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

#include "run.h"

int console_listen(struct console *con)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    const char *tmp = getenv("TMPDIR");
    int fd;

    if (!tmp || !*tmp)
        tmp = "/tmp";
    if (asprintf(&con->dir, "%s/lcont-run-XXXXXX", tmp) < 0) {
        con->dir = NULL;
        return -ENOMEM;
    }
    if (!mkdtemp(con->dir)) {
        int r = -errno;
        free(con->dir);
        con->dir = NULL;
        return r;
    }
    if (asprintf(&con->path, "%s/console.sock", con->dir) < 0) {
        con->path = NULL;
        return -ENOMEM;
    }
    if (strlen(con->path) >= sizeof(addr.sun_path))
        return -ENAMETOOLONG;
    strcpy(addr.sun_path, con->path);

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    con->listen_fd = fd;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0)
        return -errno;
    return 0;
}

/* Block SIGTTOU so a tcsetattr() from a background job is not turned into a
 * stop (or, with our handler, an endless restart). */
static int set_termios(const struct termios *t)
{
    sigset_t block, old;
    int r;

    sigemptyset(&block);
    sigaddset(&block, SIGTTOU);
    sigprocmask(SIG_BLOCK, &block, &old);
    r = tcsetattr(STDIN_FILENO, TCSANOW, t) < 0 ? -errno : 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return r;
}

static int receive_fd(int conn)
{
    char data[256];
    char control[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control,
        .msg_controllen = sizeof(control),
    };
    int fd = -1;
    ssize_t n;

    do
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int *fds = (int *)CMSG_DATA(c);
        for (size_t i = 0; i < nfds; i++) {
            if (fd < 0)
                fd = fds[i];
            else
                close(fds[i]);
        }
    }
    return fd >= 0 ? fd : -EBADMSG;
}

int console_receive(struct console *con, int init_pidfd)
{
    struct pollfd pfd[2] = { { .fd = con->listen_fd, .events = POLLIN },
                             { .fd = init_pidfd, .events = POLLIN } };
    int conn, fd;

    /* Wait for the library's connection, unless the container dies first. */
    for (;;) {
        conn = accept4(con->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn >= 0)
            break;
        if (errno != EAGAIN && errno != EINTR)
            return -errno;
        if (poll(pfd, init_pidfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
            return -errno;
        if (pfd[1].revents)
            return -ESRCH;
    }
    fd = receive_fd(conn);
    close(conn);
    if (fd < 0)
        return fd;
    con->master = fd;
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
        return -errno;
    con->master_open = 1;
    con->stdin_open = 1;

    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &con->saved) == 0) {
        struct termios raw = con->saved;
        cfmakeraw(&raw);
        if (set_termios(&raw) == 0)
            con->raw = 1;
    }
    console_resize(con);
    return 0;
}

void console_resize(struct console *con)
{
    struct winsize ws;

    if (con->master < 0)
        return;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(con->master, TIOCSWINSZ, &ws);
}

int console_pump_in(struct console *con, int stdin_ready)
{
    ssize_t n;

    if (stdin_ready && con->inlen == 0 && con->stdin_open) {
        n = read(STDIN_FILENO, con->inbuf, sizeof(con->inbuf));
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            con->stdin_open = 0;
        if (n > 0) {
            con->inlen = (size_t)n;
            con->inoff = 0;
        }
    }
    if (con->inlen > 0 && con->master_open) {
        n = write(con->master, con->inbuf + con->inoff, con->inlen);
        if (n > 0) {
            con->inoff += (size_t)n;
            con->inlen -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            con->inlen = 0; /* the container side is gone: drop the input */
        }
    } else if (!con->master_open) {
        con->inlen = 0;
    }
    return 0;
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

int console_pump_out(struct console *con)
{
    char buf[8192];
    int total = 0;

    /* A bounded number of reads per call so a chatty container cannot starve signals. */
    for (int i = 0; i < 16 && con->master_open; i++) {
        ssize_t n = read(con->master, buf, sizeof(buf));
        if (n > 0) {
            write_out(buf, (size_t)n);
            total += (int)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || errno != EAGAIN)
            con->master_open = 0; /* EIO: every slave fd is closed */
        break;
    }
    return total;
}

void console_cleanup(struct console *con)
{
    if (con->raw) {
        set_termios(&con->saved);
        con->raw = 0;
    }
    if (con->master >= 0)
        close(con->master);
    if (con->listen_fd >= 0)
        close(con->listen_fd);
    con->master = con->listen_fd = -1;
    if (con->path)
        unlink(con->path);
    if (con->dir)
        rmdir(con->dir);
    free(con->path);
    free(con->dir);
    con->path = con->dir = NULL;
}
