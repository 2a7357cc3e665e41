/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <lcont/mini.h>

#ifdef MINI_RETURN_INT64
int64_t lcont_mini_run(const lcont_mini_opts *opts)
#else
int lcont_mini_run(const lcont_mini_opts *opts)
#endif
{
    return opts ? (int)opts->struct_size + (int)opts->count : -1;
}

#ifdef MINI_CHANGE_EXPERIMENTAL
int lcont_mini_experimental(int64_t x, int y)
{
    return (int)x + y;
}
#else
int lcont_mini_experimental(int x)
{
    return x;
}
#endif
