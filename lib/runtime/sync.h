/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_SYNC_H
#define LCONT_RUNTIME_SYNC_H

/*
 * The create-time conversation between the creating process (parent) and the
 * container child over an AF_UNIX SOCK_SEQPACKET pair: one message per send,
 * an optional fd attached. No allocation on either side.
 */

#include <stddef.h>
#include <stdint.h>

enum lcont_sync_type {
    LCONT_SYNC_CHILD_USERNS = 1,  /* child unshared its user ns: write the id maps */
    LCONT_SYNC_PARENT_GO = 2,     /* maps and cgroup done; payload = state JSON for hooks */
    LCONT_SYNC_CHILD_HOOKS = 3,   /* mounts done: run prestart + createRuntime hooks */
    LCONT_SYNC_PARENT_ACK = 4,    /* generic "done, go on" */
    LCONT_SYNC_CHILD_CONSOLE = 5, /* fd = pty master */
    LCONT_SYNC_CHILD_SECCOMP = 6, /* fd = seccomp listener */
    LCONT_SYNC_CHILD_READY = 7,   /* init is waiting on the exec fifo */
    LCONT_SYNC_ERROR = 8,         /* payload = struct lcont_child_error (either side) */
};

struct lcont_sync_hdr {
    uint32_t type;
    int32_t code;
};

#define LCONT_SYNC_MAX_PAYLOAD (64 * 1024)

/* Send one message; @fd < 0 sends none. Returns 0 or -errno. */
int lcont__sync_send(int sock, enum lcont_sync_type type, int code, const void *data, size_t len,
                     int fd);

/*
 * Receive one message into @buf (@size bytes incl. header). On success
 * *ret_type, *ret_code, *ret_len (payload length) and *ret_fd (-1 if none)
 * are set and the payload starts at buf + sizeof(struct lcont_sync_hdr).
 * Returns 0, -EPIPE on EOF (peer gone), -EMSGSIZE if truncated, or -errno.
 */
int lcont__sync_recv(int sock, void *buf, size_t size, uint32_t *ret_type, int *ret_code,
                     size_t *ret_len, int *ret_fd);

/* Send @fd over an AF_UNIX socket at @path with @name as payload (console socket protocol). */
int lcont__sync_send_fd_to_path(const char *path, int fd, const char *name, size_t len);

#endif
