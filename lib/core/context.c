/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/context-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/util.h"

#define DEFAULT_STATE_ROOT "/run/lcont"
#define DEFAULT_STORE_ROOT "/var/lib/lcont"

/* Smallest lcont_context_opts a caller may pass (the 0.1 layout). */
#define CONTEXT_OPTS_SIZE_V0_1 (offsetof(lcont_context_opts, state_root) + sizeof(const char *))

int lcont_context_opts_init(lcont_context_opts *opts, size_t size)
{
    if (!opts || size < CONTEXT_OPTS_SIZE_V0_1)
        return -EINVAL;
    memset(opts, 0, size);
    opts->struct_size = size;
    return 0;
}

/* Copy of an absolute root without trailing slashes, so paths we build stay canonical. */
static char *root_copy(const char *root)
{
    char *s = strdup(root);

    for (size_t n = s ? strlen(s) : 0; n > 1 && s[n - 1] == '/'; n--)
        s[n - 1] = '\0';
    return s;
}

int lcont_context_new(const lcont_context_opts *opts, uint64_t flags, lcont_context **ret,
                      lcont_error **reterr)
{
    lcont_context_opts o;
    lcont_context *ctx;
    int r;

    if (!ret)
        return lcont__error_set(reterr, -EINVAL, "context: ret must not be NULL");
    if (flags)
        return lcont__error_set(reterr, -EINVAL, "context: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = lcont__copy_opts(&o, sizeof(o), opts, opts ? opts->struct_size : 0, CONTEXT_OPTS_SIZE_V0_1);
    if (r < 0)
        return lcont__error_set(reterr, r, "context: bad options struct size");
    if (o.state_root && o.state_root[0] != '/')
        return lcont__error_set(reterr, -EINVAL, "context: state root '%s' is not absolute",
                                o.state_root);
    if (o.store_root && o.store_root[0] != '/')
        return lcont__error_set(reterr, -EINVAL, "context: store root '%s' is not absolute",
                                o.store_root);

    ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return lcont__error_set(reterr, -ENOMEM, "context: out of memory");
    ctx->refs = 1;
    ctx->owner_pid = getpid();
    ctx->state_root = root_copy(o.state_root ? o.state_root : DEFAULT_STATE_ROOT);
    ctx->store_root = root_copy(o.store_root ? o.store_root : DEFAULT_STORE_ROOT);
    if (!ctx->state_root || !ctx->store_root) {
        free(ctx->state_root);
        free(ctx->store_root);
        free(ctx);
        return lcont__error_set(reterr, -ENOMEM, "context: out of memory");
    }
    *ret = ctx;
    return 0;
}

lcont_context *lcont_context_ref(lcont_context *ctx)
{
    if (ctx)
        ctx->refs++;
    return ctx;
}

lcont_context *lcont_context_unref(lcont_context *ctx)
{
    if (!ctx || --ctx->refs > 0)
        return NULL;
    if (ctx->log_destroy)
        ctx->log_destroy(ctx->log_userdata);
    free(ctx->state_root);
    free(ctx->store_root);
    free(ctx);
    return NULL;
}

int lcont_context_set_log_fn(lcont_context *ctx, int max_level, lcont_log_fn fn, void *userdata,
                             lcont_destroy_fn destroy)
{
    if (!ctx || max_level < 0 || max_level > LCONT_LOG_DEBUG)
        return -EINVAL;
    if (lcont__context_check_owner(ctx) < 0)
        return -ECHILD;
    if (ctx->log_destroy)
        ctx->log_destroy(ctx->log_userdata);
    ctx->log_max_level = max_level;
    ctx->log_fn = fn;
    ctx->log_userdata = userdata;
    ctx->log_destroy = destroy;
    return 0;
}

const char *lcont_context_get_state_root(const lcont_context *ctx)
{
    return ctx ? ctx->state_root : NULL;
}

const char *lcont_context_get_store_root(const lcont_context *ctx)
{
    return ctx ? ctx->store_root : NULL;
}

int lcont__context_check_owner(const lcont_context *ctx)
{
    return ctx->owner_pid == getpid() ? 0 : -ECHILD;
}

void lcont__log(const lcont_context *ctx, int level, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;

    if (!ctx || !ctx->log_fn || level > ctx->log_max_level)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    ctx->log_fn(level, buf, ctx->log_userdata);
}
