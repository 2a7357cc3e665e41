/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Deliberately broken header: the harness must reject it (an unused static
 * variable is a -Wall warning, and -Werror makes it an error). Proves that
 * headertest.py really compiles with the strict flags.
 */
#ifndef LCONT_BROKEN_H
#define LCONT_BROKEN_H

static int lcont_broken_unused;

#endif
