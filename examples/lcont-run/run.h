/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUN_RUN_H
#define LCONT_RUN_RUN_H

#include "tty-proxy.h"

/* Pieces of the foreground "run": signal capture and the terminal proxy. */

#include <stddef.h>

/* signals.c: catch every catchable signal into a self-pipe. */
int signals_install(int min_fd, int *ret_read_fd);
/* Next captured signal number, or 0 when none is pending. */
int signals_next(int read_fd);

/* the container's terminal in the foreground: examples/common/tty-proxy.h */

#endif
