/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A miniature public API for the abidiff self-test. The MINI_* macros make
 * the kinds of change the ABI check must catch (or, for the experimental
 * symbol, must let through).
 */
#ifndef LCONT_MINI_H
#define LCONT_MINI_H

#include <stdint.h>

typedef struct lcont_mini_opts {
    uint64_t struct_size;
#ifdef MINI_INSERT_MIDDLE
    int inserted;
#endif
    const char *name;
#ifdef MINI_CHANGE_MEMBER_TYPE
    int64_t count;
#else
    int count;
#endif
#ifdef MINI_APPEND
    int appended;
#endif
} lcont_mini_opts;

#ifdef MINI_RETURN_INT64
int64_t lcont_mini_run(const lcont_mini_opts *opts);
#else
int lcont_mini_run(const lcont_mini_opts *opts);
#endif

/* In the LCONT_EXPERIMENTAL node: may change freely. */
#ifdef MINI_CHANGE_EXPERIMENTAL
int lcont_mini_experimental(int64_t x, int y);
#else
int lcont_mini_experimental(int x);
#endif

#endif
