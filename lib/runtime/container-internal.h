/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_CONTAINER_INTERNAL_H
#define LCONT_RUNTIME_CONTAINER_INTERNAL_H

#include <lcont/container.h>
#include <lcont/process.h>

#include "core/context-internal.h"
#include "runtime/state.h"

struct lcont_container {
    unsigned refs;
    lcont_context *ctx; /* reference held */
    struct lcont_state state;
    int init_pidfd;      /* from clone3 when this process created it, else -1 */
    lcont_process *init; /* cached handle, created on demand */
};

struct lcont_process {
    unsigned refs;
    pid_t owner_pid;
    pid_t pid;
    int pidfd;
    int reaped;
    int status; /* valid when reaped */
};

/* New process handle owning @pidfd. */
int lcont__process_new(pid_t pid, int pidfd, lcont_process **ret);

/* Effective status: the recorded one corrected by what the kernel says. */
enum lcont_state_status lcont__container_effective_status(int dirfd, const struct lcont_state *st);

int lcont__container_create_impl(lcont_context *ctx, const char *id, const lcont_create_opts *o,
                                 uint64_t flags, lcont_container **ret, lcont_error **reterr);

/* ---- for exec.c and pause.c (issue 3) ---- */

/* Lock the state directory and re-read the state; returns the locked dir fd (close it). */
int lcont__container_lock(lcont_container *c, const char *what, lcont_error **reterr);
/* A pidfd on the init process, verified against pid reuse; -ESRCH when it is gone. */
int lcont__container_open_init_pidfd(const lcont_container *c, lcont_error **reterr);
/* Parse the config.json saved in the state directory @dirfd. */
struct lcont_spec;
int lcont__container_load_spec(int dirfd, struct lcont_spec **ret, lcont_error **reterr);
/* After a signal was sent to a paused container (pause.c): SIGKILL thaws it, as runc does;
 * state.json says "running" again once the cgroup is thawed. */
int lcont__container_after_kill(lcont_container *c, int dirfd, int signo, lcont_error **reterr);

/* An O_PATH fd on /proc, refused unless it really is a procfs (the writes to /proc that the
 * parent makes for a child go through it). */
int lcont__open_trusted_proc(lcont_error **reterr);

/* Public entry points: a NULL handle is -EINVAL, one used after fork -ECHILD. */
#define CHECK_HANDLE(c, reterr, what)                                                      \
    do {                                                                                   \
        if (!(c))                                                                          \
            return lcont__error_set(reterr, -EINVAL, what ": container must not be NULL"); \
        if (lcont__context_check_owner((c)->ctx) < 0)                                      \
            return lcont__error_set(reterr, -ECHILD, what ": handle used after fork");     \
    } while (0)

#endif
