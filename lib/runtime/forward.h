/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_FORWARD_H
#define LCONT_RUNTIME_FORWARD_H

/*
 * Parent side, shared by create and exec: fds the child hands over the sync socket are passed
 * on to where the caller asked (console socket, seccomp agent).
 */

#include <sys/types.h>

#include <lcont/error.h>

#include "runtime/state.h"
#include "spec/spec.h"

/* Send the pty master @fd (< 0: the child sent none) to @console_socket, as runc does. */
int lcont__forward_console(const char *console_socket, int fd, lcont_error **reterr);

/*
 * Send the seccomp notify listener @fd (< 0: none received) to linux.seccomp.listenerPath
 * with the container process state (OCI runtime spec): @st in @status, @pid the process.
 */
int lcont__forward_seccomp_listener(const struct lcont_spec_seccomp *sc,
                                    const struct lcont_state *st, enum lcont_state_status status,
                                    pid_t pid, int fd, lcont_error **reterr);

#endif
