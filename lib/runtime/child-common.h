/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_CHILD_COMMON_H
#define LCONT_RUNTIME_CHILD_COMMON_H

/*
 * Steps shared by the container init (child.c) and an exec'd process (exec-child.c).
 * They run between clone and exec: no allocation, no locks, errors into @err.
 */

#include <stddef.h>
#include <stdint.h>

#include "core/childmsg.h"

#define LCONT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Default dispositions for every signal and an empty mask: nothing of the caller's leaks. */
void lcont__child_reset_signals(void);

/* dup2 stdio[i] (>= 0) onto fd i, through high fds so that e.g. {1, 0, 2} cannot clobber. */
int lcont__child_setup_stdio(const int stdio[3], struct lcont_child_error *err);

/* chdir to @cwd and check it is inside the current root: a leaked fd must never become the
 * cwd (CVE-2024-21626). */
int lcont__child_enter_cwd(const char *cwd, struct lcont_child_error *err);

/* PATH lookup of @arg0 like execvp, without allocating; the result goes into @exe. */
int lcont__child_resolve_executable(const char *arg0, const char *path_env, char *exe,
                                    size_t exe_size, struct lcont_child_error *err);

/*
 * Make exactly the caller's fds among 3..3+n-1 survive exec (those set in @preserved, a
 * bitmap taken by lcont__preserved_fds_snapshot() before the library opened anything) and
 * mark every other fd CLOEXEC.
 */
int lcont__child_prepare_exec_fds(int preserve_fds, const uint8_t *preserved,
                                  struct lcont_child_error *err);

/* Parent side: which of the fds 3..3+n-1 are open now; *ret is NULL for n <= 0. */
int lcont__preserved_fds_snapshot(int preserve_fds, uint8_t **ret);

#endif
