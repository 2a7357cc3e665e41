/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CONTEXT_H
#define LCONT_CONTEXT_H

/**
 * @file context.h
 * The library context: where state lives, where diagnostics go.
 *
 * A context holds no global state: several contexts with different state
 * roots may coexist in one process. Handles have no internal locking; a
 * handle may move between threads but only one thread may use it at a time.
 */

#include <lcont/common.h>
#include <lcont/error.h>

LCONT_BEGIN_DECLS

/** Refcounted library context. @since 0.1 */
typedef struct lcont_context lcont_context;

/** Log levels, numerically equal to syslog's. @since 0.1 */
enum {
    LCONT_LOG_ERROR = 3,
    LCONT_LOG_WARNING = 4,
    LCONT_LOG_INFO = 6,
    LCONT_LOG_DEBUG = 7
};

/**
 * Receives one diagnostic line (no trailing newline). @p msg is borrowed for
 * the duration of the call. Called on the thread that made the library call.
 * @since 0.1
 */
typedef void (*lcont_log_fn)(int level, const char *msg, void *userdata);

/** Options for lcont_context_new(). @since 0.1 */
typedef struct lcont_context_opts {
    uint64_t struct_size;   /**< sizeof(lcont_context_opts) */
    const char *state_root; /**< runtime state directory; NULL means "/run/lcont" */
    /** Image and layer store (@since 0.2); NULL means "/var/lib/lcont". */
    const char *store_root;
} lcont_context_opts;

/* clang-format off */
#ifdef __cplusplus
#define LCONT_CONTEXT_OPTS_INIT { sizeof(lcont_context_opts), NULL, NULL }
#else
#define LCONT_CONTEXT_OPTS_INIT { .struct_size = sizeof(lcont_context_opts) }
#endif
/* clang-format on */

/**
 * Zero @p opts and set its struct_size, for callers that cannot use
 * LCONT_CONTEXT_OPTS_INIT (FFI). @p size is the caller's sizeof.
 * @return 0, or -EINVAL if @p opts is NULL or @p size too small. @since 0.1
 */
LCONT_API int lcont_context_opts_init(lcont_context_opts *opts, size_t size);

/**
 * Create a context. @p opts may be NULL for defaults. No flags are defined
 * yet; pass 0. The state root is created on first use, not here.
 * @param ret receives a new reference, released with lcont_context_unref().
 * @return 0, -EINVAL, -E2BIG (unknown trailing option bytes), -ENOMEM.
 * @since 0.1
 */
LCONT_API int lcont_context_new(const lcont_context_opts *opts, uint64_t flags, lcont_context **ret,
                                lcont_error **reterr);

/** Take a reference; returns @p ctx. @since 0.1 */
LCONT_API lcont_context *lcont_context_ref(lcont_context *ctx);

/** Drop a reference; NULL is accepted. Always returns NULL. @since 0.1 */
LCONT_API lcont_context *lcont_context_unref(lcont_context *ctx);

/**
 * Route diagnostics of at most @p max_level (LCONT_LOG_*) to @p fn.
 * @p fn NULL disables logging (the default). @p destroy, if not NULL, is
 * called with @p userdata when this registration is replaced or the context
 * is freed.
 * @return 0, -EINVAL, or -ECHILD when used after fork(). @since 0.1
 */
LCONT_API int lcont_context_set_log_fn(lcont_context *ctx, int max_level, lcont_log_fn fn,
                                       void *userdata, lcont_destroy_fn destroy);

/** The state root; borrowed, valid as long as @p ctx. @since 0.1 */
LCONT_API const char *lcont_context_get_state_root(const lcont_context *ctx);

/** The image store root; borrowed, valid as long as @p ctx. @since 0.2 */
LCONT_API const char *lcont_context_get_store_root(const lcont_context *ctx);

/** Version of the loaded library, e.g. "0.1.0". Static string. Thread-safe. @since 0.1 */
LCONT_API const char *lcont_version(void);

/**
 * Whether the loaded library supports the named feature ("seccomp",
 * "seccomp-notify", "cgroup-v1", "cgroup-v2", "user-namespaces",
 * "console-socket", "hooks", "time-namespace", ...): 1 or 0. Thread-safe.
 * @since 0.1
 */
LCONT_API int lcont_has_feature(const char *name);

#ifdef __GNUC__
static inline void lcont_context_unrefp(lcont_context **p)
{
    lcont_context_unref(*p);
}
#endif

LCONT_END_DECLS

#endif
