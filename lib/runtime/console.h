/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_CONSOLE_H
#define LCONT_RUNTIME_CONSOLE_H

#include <stdbool.h>

#include "core/childmsg.h"

/*
 * Child, after pivot_root: open the container's own /dev/pts/ptmx (checked
 * by fd: devpts, char 5:2, never through a symlink), get the peer with
 * TIOCGPTPEER (no path lookup), make it the controlling terminal and stdio,
 * with @bind_console (the init, not an exec) bind it onto /dev/console when possible.
 * *ret_master gets the master.
 */
int lcont__console_setup_child(unsigned rows, unsigned cols, bool bind_console, int *ret_master,
                               struct lcont_child_error *err);

#endif
