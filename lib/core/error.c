/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/error-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Returned when the error object itself cannot be allocated (never freed). */
static struct lcont_error oom_error = { -ENOMEM, (char *)"out of memory" };

static void error_store(lcont_error **reterr, int code, char *message)
{
    struct lcont_error *e;

    if (!message) {
        lcont_error_free(*reterr);
        *reterr = &oom_error;
        return;
    }
    e = malloc(sizeof(*e));
    if (!e) {
        free(message);
        lcont_error_free(*reterr);
        *reterr = &oom_error;
        return;
    }
    e->code = code;
    e->message = message;
    lcont_error_free(*reterr);
    *reterr = e;
}

static int error_vset(lcont_error **reterr, int code, int with_errno, const char *fmt, va_list ap)
{
    char *msg = NULL;

    if (code >= 0)
        code = -EIO;
    if (!reterr)
        return code;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    if (msg && with_errno) {
        char *full = NULL;
        if (asprintf(&full, "%s: %s", msg, strerror(-code)) < 0)
            full = NULL;
        free(msg);
        msg = full;
    }
    error_store(reterr, code, msg);
    return code;
}

int lcont__error_set(lcont_error **reterr, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    code = error_vset(reterr, code, 0, fmt, ap);
    va_end(ap);
    return code;
}

int lcont__error_setsys(lcont_error **reterr, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    code = error_vset(reterr, code, 1, fmt, ap);
    va_end(ap);
    return code;
}

int lcont__error_prefix(lcont_error **reterr, int code, const char *fmt, ...)
{
    _cleanup_free_ char *prefix = NULL;
    char *full = NULL;
    va_list ap;
    int r;

    if (!reterr || !*reterr || *reterr == &oom_error)
        return code;
    va_start(ap, fmt);
    r = vasprintf(&prefix, fmt, ap);
    va_end(ap);
    if (r < 0) {
        prefix = NULL;
        return code;
    }
    if (asprintf(&full, "%s: %s", prefix, (*reterr)->message) < 0)
        return code;
    free((*reterr)->message);
    (*reterr)->message = full;
    return code;
}

int lcont_error_code(const lcont_error *err)
{
    return err ? err->code : 0;
}

const char *lcont_error_message(const lcont_error *err)
{
    return err ? err->message : "";
}

void lcont_error_free(lcont_error *err)
{
    if (!err || err == &oom_error)
        return;
    free(err->message);
    free(err);
}

void lcont_free(void *p)
{
    free(p);
}

void lcont_strv_free(char **strv)
{
    lcont__strv_free(strv);
}
