/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUN_RUN_H
#define LCONT_RUN_RUN_H

/* Pieces of the foreground "run": signal capture and the terminal proxy. */

#include <stddef.h>
#include <termios.h>

/* signals.c: catch every catchable signal into a self-pipe. */
int signals_install(int min_fd, int *ret_read_fd);
/* Next captured signal number, or 0 when none is pending. */
int signals_next(int read_fd);

/* tty.c: a private console socket, the received pty master and the caller's tty. */
/* Start from { .listen_fd = -1, .master = -1 }. */
struct console {
    char *dir;       /* private directory holding the socket */
    char *path;      /* socket path handed to lcont_container_create() */
    int listen_fd;   /* listening AF_UNIX socket */
    int master;      /* pty master received from the container, non-blocking */
    int stdin_open;  /* still reading our stdin */
    int master_open; /* slave side still open in the container */
    int raw;         /* our stdin tty was put in raw mode */
    struct termios saved;
    char inbuf[4096]; /* stdin bytes not yet accepted by the master */
    size_t inlen, inoff;
};

int console_listen(struct console *con);
/* Take the pty master the library sent during create (giving up if the init
 * process, watched through its pidfd, dies first); sets raw mode and size. */
int console_receive(struct console *con, int init_pidfd);
void console_resize(struct console *con);
/* Move bytes stdin -> master (buffered, master is non-blocking) and master ->
 * stdout (returns the byte count; 0 when nothing was pending). */
int console_pump_in(struct console *con, int stdin_ready);
int console_pump_out(struct console *con);
/* Restore the tty, close fds, remove the socket and its directory. */
void console_cleanup(struct console *con);

#endif
