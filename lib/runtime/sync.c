/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "runtime/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/util.h"

/*
 * One sendmsg() of @iov with @fd attached as SCM_RIGHTS (none if @fd < 0),
 * retried on EINTR. Allocation-free (the child uses it): the control buffer
 * is on the stack. Returns 0 or -errno.
 */
/* One sendmsg with @fd attached (if >= 0); returns the bytes sent or -errno. */
static ssize_t send_with_fd(int sock, struct iovec *iov, size_t iovlen, int fd)
{
    ssize_t n;
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = iovlen };

    if (fd >= 0) {
        struct cmsghdr *c;
        memset(&control, 0, sizeof(control));
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0)
        if (errno != EINTR)
            return -errno;
    return n;
}

int lcont__sync_send(int sock, enum lcont_sync_type type, int code, const void *data, size_t len,
                     int fd)
{
    struct lcont_sync_hdr hdr = { .type = (uint32_t)type, .code = code };
    struct iovec iov[2] = { { &hdr, sizeof(hdr) }, { (void *)data, len } };

    if (len > LCONT_SYNC_MAX_PAYLOAD)
        return -EMSGSIZE;
    /* SEQPACKET: one message, all or nothing */
    ssize_t n = send_with_fd(sock, iov, len ? 2 : 1, fd);
    return n < 0 ? (int)n : 0;
}

int lcont__sync_recv(int sock, void *buf, size_t size, uint32_t *ret_type, int *ret_code,
                     size_t *ret_len, int *ret_fd)
{
    struct iovec iov = { buf, size };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = { .msg_iov = &iov,
                          .msg_iovlen = 1,
                          .msg_control = control.buf,
                          .msg_controllen = sizeof(control.buf) };
    struct lcont_sync_hdr hdr;
    ssize_t n;
    int fd = -1;

    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -EPIPE;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(&fd, CMSG_DATA(c), sizeof(int));
    if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t)n < sizeof(hdr)) {
        if (fd >= 0)
            close(fd);
        return -EMSGSIZE;
    }
    memcpy(&hdr, buf, sizeof(hdr));
    *ret_type = hdr.type;
    *ret_code = hdr.code;
    *ret_len = (size_t)n - sizeof(hdr);
    if (ret_fd)
        *ret_fd = fd;
    else if (fd >= 0)
        close(fd);
    return 0;
}

int lcont__sync_send_fd_to_path(const char *path, int fd, const char *name, size_t len)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct iovec iov = { (void *)name, len };
    size_t path_len = strlen(path);
    int sock, r;

    if (path_len >= sizeof(addr.sun_path))
        return -ENAMETOOLONG;
    if (fd < 0)
        return -EBADF; /* the peer expects an fd: never send the payload alone */
    memcpy(addr.sun_path, path, path_len + 1);
    sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return -errno;
    if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        r = -errno;
    } else {
        /* a stream may take the payload in parts: the fd rides on the first one */
        ssize_t n = send_with_fd(sock, &iov, 1, fd);
        r = n < 0 ? (int)n : lcont__write_all(sock, name + n, len - (size_t)n);
    }
    close(sock);
    return r;
}
