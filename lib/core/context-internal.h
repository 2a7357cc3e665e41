/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CORE_CONTEXT_INTERNAL_H
#define LCONT_CORE_CONTEXT_INTERNAL_H

#include <lcont/context.h>
#include <sys/types.h>

struct lcont_context {
    unsigned refs;
    pid_t owner_pid; /* handles are unusable after fork (STYLE §2.4) */
    char *state_root;
    char *store_root; /* images and layers (lib/image) */
    int log_max_level;
    lcont_log_fn log_fn;
    void *log_userdata;
    lcont_destroy_fn log_destroy;
};

/* -ECHILD if @ctx was created in another process (after fork). */
int lcont__context_check_owner(const lcont_context *ctx);

void lcont__log(const lcont_context *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define lcont__log_debug(ctx, ...) lcont__log(ctx, LCONT_LOG_DEBUG, __VA_ARGS__)
#define lcont__log_info(ctx, ...) lcont__log(ctx, LCONT_LOG_INFO, __VA_ARGS__)
#define lcont__log_warning(ctx, ...) lcont__log(ctx, LCONT_LOG_WARNING, __VA_ARGS__)
#define lcont__log_error(ctx, ...) lcont__log(ctx, LCONT_LOG_ERROR, __VA_ARGS__)

#endif
