/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CORE_ERROR_INTERNAL_H
#define LCONT_CORE_ERROR_INTERNAL_H

#include <errno.h>
#include <lcont/error.h>

struct lcont_error {
    int code;      /* negative errno */
    char *message; /* owned; never NULL for heap errors */
};

/*
 * Store a new error in *reterr (if reterr is non-NULL) and return @code,
 * which must be a negative errno. If *reterr already holds an error it is
 * replaced. Format like printf.
 */
int lcont__error_set(lcont_error **reterr, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like lcont__error_set() with ": <strerror(-code)>" appended. */
int lcont__error_setsys(lcont_error **reterr, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Prefix the message of an existing error with context ("create 'web': ")
 * and return @code. If reterr or *reterr is NULL, only return @code.
 */
int lcont__error_prefix(lcont_error **reterr, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* -errno with a guarantee of being negative (for code paths where errno may be 0). */
static inline int lcont__negerrno(void)
{
    return errno > 0 ? -errno : -EIO;
}

#endif
