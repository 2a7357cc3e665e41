/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_PROCESS_H
#define LCONT_PROCESS_H

/**
 * @file process.h
 * A process of a container, reachable through a pidfd so that a caller's
 * own event loop (poll, epoll, asyncio) can wait for it.
 */

#include <lcont/common.h>
#include <lcont/error.h>

LCONT_BEGIN_DECLS

/** Refcounted process handle. @since 0.1 */
typedef struct lcont_process lcont_process;

/** Flags for lcont_process_wait(). @since 0.1 */
#define LCONT_WAIT_NOHANG (1ULL << 0)

/** Take a reference; returns @p p. @since 0.1 */
LCONT_API lcont_process *lcont_process_ref(lcont_process *p);

/** Drop a reference; NULL is accepted. Always returns NULL. @since 0.1 */
LCONT_API lcont_process *lcont_process_unref(lcont_process *p);

/** Host pid of the process, or -1 for NULL. @since 0.1 */
LCONT_API pid_t lcont_process_get_pid(const lcont_process *p);

/**
 * The process's pidfd: borrowed, CLOEXEC, valid as long as @p p. It polls
 * readable when the process exits. Returns -EINVAL for NULL. @since 0.1
 */
LCONT_API int lcont_process_get_pidfd(const lcont_process *p);

/**
 * Send @p signo through the pidfd (no pid reuse race). No flags yet.
 * @return 0, -ESRCH when the process is gone, -EINVAL, or another -errno.
 * @since 0.1
 */
LCONT_API int lcont_process_signal(lcont_process *p, int signo, uint64_t flags,
                                   lcont_error **reterr);

/**
 * Wait for the process to exit and reap it. Only the parent (the process that
 * created the container, or a subreaper it was reparented to) can reap.
 * @param flags LCONT_WAIT_NOHANG returns -EAGAIN instead of blocking.
 * @param ret_status exit code, or 128 + signal number if it was killed.
 * @return 0; -EAGAIN (NOHANG, still running); -ECHILD when the caller is not
 *         the parent; -EINTR; -EINVAL. The status is cached: waiting again
 *         returns the same status. @since 0.1
 */
LCONT_API int lcont_process_wait(lcont_process *p, uint64_t flags, int *ret_status,
                                 lcont_error **reterr);

#ifdef __GNUC__
static inline void lcont_process_unrefp(lcont_process **p)
{
    lcont_process_unref(*p);
}
#endif

LCONT_END_DECLS

#endif
