/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The option-struct initializers must not trip -Wmissing-field-initializers
 * in users' -Wextra -Werror builds (STYLE §6.1). Compiled by headertest.py.
 */
#include <lcont/lcont.h>

extern "C" int lcont_headertest_opts(void);

int lcont_headertest_opts(void)
{
    lcont_context_opts context_opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_create_opts create_opts = LCONT_CREATE_OPTS_INIT;

    return (int)(context_opts.struct_size + create_opts.struct_size);
}
