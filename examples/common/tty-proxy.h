/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_EXAMPLES_TTY_PROXY_H
#define LCONT_EXAMPLES_TTY_PROXY_H

/*
 * A container's terminal in the foreground (lcont-run run/exec, lcont run/exec -t): the
 * library sends the pty master over a console socket (the OCI --console-socket protocol);
 * we listen on a private one, then copy our stdin to the master and the master to our
 * stdout, with our own terminal in raw mode so that ^C, ^Z and line editing are handled
 * by the container's line discipline, not ours. Shared by both programs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

struct tty_proxy {
    char dir[256], path[300]; /* private directory and the console socket in it */
    int listen_fd, master;    /* master: non-blocking, once received */
    bool master_open;         /* some slave fd is still open in the container */
    bool stdin_open;          /* still reading our stdin */
    bool raw;                 /* our terminal is in raw mode; restore @saved */
    bool eof_to_container;    /* at the end of a non-terminal stdin, send ^D (docker -t) */
    struct termios saved;
    char inbuf[4096]; /* stdin bytes the master has not taken yet */
    size_t inlen, inoff;
    int i_stdin, i_master; /* where tty_poll_add() put our fds in the caller's array */
};

void tty_init(struct tty_proxy *t);
/* Make the private socket: pass t->path as the console socket. 0 or -errno. */
int tty_listen(struct tty_proxy *t);
/* Accept the library's connection and take the pty master (-ESRCH: the process behind
 * @pidfd died first); our terminal goes raw and the window size is copied. */
int tty_receive(struct tty_proxy *t, int pidfd);
/* Copy our window size to the container's terminal (on SIGWINCH). */
void tty_resize(struct tty_proxy *t);
/* stdin -> master through the buffer; @stdin_ready: poll said stdin is readable. */
void tty_pump_in(struct tty_proxy *t, bool stdin_ready);
/* master -> stdout, a bounded amount per call: the bytes copied (0: nothing now, or the
 * terminal closed, see master_open). */
size_t tty_pump_out(struct tty_proxy *t);
/* A foreground wait loop's part: add stdin and the master to @pfd from index @n (room for
 * two more; @t may be NULL: nothing added) and return the new count; after poll(),
 * tty_poll_handle() moves the bytes they are ready for. */
struct pollfd;
int tty_poll_add(struct tty_proxy *t, struct pollfd *pfd, int n);
void tty_poll_handle(struct tty_proxy *t, const struct pollfd *pfd);
/* Our terminal back to normal, fds closed, socket removed. Safe to call twice. */
void tty_cleanup(struct tty_proxy *t);

#endif
