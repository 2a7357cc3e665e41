/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/childmsg.h"

#include <string.h>

void lcont__cm_append(char *buf, size_t size, const char *s)
{
    size_t len = strnlen(buf, size);
    while (s && *s && len + 1 < size)
        buf[len++] = *s++;
    if (len < size)
        buf[len] = '\0';
}

void lcont__cm_append_int(char *buf, size_t size, long long v)
{
    char tmp[24];
    size_t i = sizeof(tmp) - 1;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    tmp[i] = '\0';
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u && i > 1);
    if (v < 0)
        tmp[--i] = '-';
    lcont__cm_append(buf, size, tmp + i);
}

int lcont__child_fail(struct lcont_child_error *e, int code, const char *what, const char *path)
{
    if (e->code) /* keep the first (innermost) failure */
        return e->code;
    e->code = code < 0 ? code : -code;
    e->msg[0] = '\0';
    lcont__cm_append(e->msg, sizeof(e->msg), what);
    if (path) {
        lcont__cm_append(e->msg, sizeof(e->msg), " '");
        lcont__cm_append(e->msg, sizeof(e->msg), path);
        lcont__cm_append(e->msg, sizeof(e->msg), "'");
    }
    return e->code;
}
