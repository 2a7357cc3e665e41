/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one /proc/self/mountinfo parser (cgroup detection and rootfs planning use it). */
#include "core/mountinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error-internal.h"
#include "core/util.h"

#define MOUNTINFO_MAX (64u << 20)

/* Undo the kernel's octal escapes of space, tab, newline and backslash ("\040"), in place. */
static void unescape_octal(char *s)
{
    char *out = s;

    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
            s += 3;
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
}

static char *dup_unescaped(char *s)
{
    unescape_octal(s);
    return strdup(s);
}

static void entry_clear(struct lcont_mountinfo *e)
{
    free(e->root);
    free(e->mountpoint);
    free(e->fstype);
    free(e->source);
    free(e->super_options);
}

void lcont__mountinfo_free(struct lcont_mountinfo *mi, size_t n)
{
    for (size_t i = 0; mi && i < n; i++)
        entry_clear(&mi[i]);
    free(mi);
}

/*
 * Fill the zeroed @e from one line, modified in place:
 * "ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS".
 * -EINVAL if malformed, -ENOMEM.
 */
static int parse_line(char *line, struct lcont_mountinfo *e)
{
    char *field[6], *save = NULL, *tok, *fstype, *source, *super;
    size_t n = 0;

    while (n < ELEMENTSOF(field) && (tok = strtok_r(n == 0 ? line : NULL, " ", &save)))
        field[n++] = tok;
    if (n < ELEMENTSOF(field))
        return -EINVAL;
    /* optional fields up to the "-" separator */
    while ((tok = strtok_r(NULL, " ", &save)) && strcmp(tok, "-") != 0)
        if (lcont__str_startswith(tok, "shared:"))
            e->shared = true;
    if (!tok)
        return -EINVAL;
    fstype = strtok_r(NULL, " ", &save);
    source = strtok_r(NULL, " ", &save);
    super = strtok_r(NULL, " ", &save);
    if (!fstype || !source || !super)
        return -EINVAL;
    if (sscanf(field[2], "%u:%u", &e->major, &e->minor) != 2)
        return -EINVAL;
    e->root = dup_unescaped(field[3]);
    e->mountpoint = dup_unescaped(field[4]);
    e->fstype = dup_unescaped(fstype);
    e->source = dup_unescaped(source);
    e->super_options = strdup(super);
    if (!e->root || !e->mountpoint || !e->fstype || !e->source || !e->super_options)
        return -ENOMEM;
    return 0;
}

int lcont__mountinfo_read(int dirfd, const char *path, struct lcont_mountinfo **ret, size_t *ret_n,
                          lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL;
    struct lcont_mountinfo *mi = NULL;
    size_t n = 0, cap = 0, lineno = 0;
    int r;

    if (!path || !ret || !ret_n)
        return lcont__error_set(reterr, -EINVAL, "mountinfo: invalid arguments");
    r = lcont__read_file_at(dirfd, path, MOUNTINFO_MAX, &text, NULL);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "read %s", path);
    /* split by hand (not strtok_r) so the error can name the line number */
    for (char *line = text, *end; *line; line = end) {
        end = strchrnul(line, '\n');
        if (*end)
            *end++ = '\0';
        lineno++;
        if (!*line)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct lcont_mountinfo *g = realloc(mi, ncap * sizeof(*mi));
            if (!g) {
                lcont__mountinfo_free(mi, n);
                return lcont__error_set(reterr, -ENOMEM, "out of memory");
            }
            mi = g;
            cap = ncap;
        }
        memset(&mi[n], 0, sizeof(mi[n]));
        r = parse_line(line, &mi[n]);
        if (r < 0) {
            lcont__mountinfo_free(mi, n + 1);
            if (r == -ENOMEM)
                return lcont__error_set(reterr, r, "out of memory");
            return lcont__error_set(reterr, r, "%s: cannot parse line %zu", path, lineno);
        }
        n++;
    }
    *ret = mi;
    *ret_n = n;
    return 0;
}
