/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_ERROR_H
#define LCONT_ERROR_H

/**
 * @file error.h
 * Error objects and the library's deallocators.
 *
 * Functions that can fail return a negative errno and, when the caller
 * passes a non-NULL `lcont_error **reterr`, store a new error object there
 * carrying the same code and a message with context from every step.
 * On success `*reterr` is left untouched.
 */

#include <lcont/common.h>

LCONT_BEGIN_DECLS

/** Opaque error object. @since 0.1 */
typedef struct lcont_error lcont_error;

/**
 * The negative errno carried by @p err, or 0 when @p err is NULL.
 * Thread-safe. @since 0.1
 */
LCONT_API int lcont_error_code(const lcont_error *err);

/**
 * The message carried by @p err; borrowed, valid until lcont_error_free().
 * Returns "" when @p err is NULL. Thread-safe. @since 0.1
 */
LCONT_API const char *lcont_error_message(const lcont_error *err);

/** Free an error object; NULL is accepted. @since 0.1 */
LCONT_API void lcont_error_free(lcont_error *err);

/** Free a string or buffer returned by the library; NULL is accepted. @since 0.1 */
LCONT_API void lcont_free(void *p);

/** Free a NULL-terminated string vector returned by the library; NULL is accepted. @since 0.1 */
LCONT_API void lcont_strv_free(char **strv);

#ifdef __GNUC__
static inline void lcont_error_freep(lcont_error **p)
{
    lcont_error_free(*p);
}
#endif

LCONT_END_DECLS

#endif
