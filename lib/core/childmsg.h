/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CORE_CHILDMSG_H
#define LCONT_CORE_CHILDMSG_H

/*
 * Error reporting from the container child between clone and exec, where we
 * may not allocate, lock or use stdio (STYLE §10.3). The child fills a fixed
 * struct and writes it whole to the sync socket; the parent turns it into an
 * lcont_error.
 */

#include <stddef.h>

struct lcont_child_error {
    int code;      /* negative errno; 0 = no error */
    char msg[512]; /* NUL-terminated, truncated if needed */
};

/* Append to a NUL-terminated buffer of @size bytes, truncating. Async-signal-safe. */
void lcont__cm_append(char *buf, size_t size, const char *s);
void lcont__cm_append_int(char *buf, size_t size, long long v);

/*
 * Record "<what> '<path>'" (path optional) with @code in @e and return @code.
 * Async-signal-safe.
 */
int lcont__child_fail(struct lcont_child_error *e, int code, const char *what, const char *path);

#endif
