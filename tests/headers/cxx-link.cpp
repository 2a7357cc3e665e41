/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A C++ program linked against liblcont.so: without extern "C" in the
 * headers the mangled names would not resolve and this would not link.
 */
#include <lcont/lcont.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main()
{
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;
    lcont_error *err = NULL;
    int r;

    if (std::strcmp(lcont_version(), LCONT_VERSION_STRING) != 0) {
        std::fprintf(stderr, "lcont_version() = %s, header says %s\n", lcont_version(),
                     LCONT_VERSION_STRING);
        return 1;
    }
    opts.state_root = "relative/state";
    r = lcont_context_new(&opts, 0, &ctx, &err);
    if (r != -EINVAL || lcont_error_code(err) != -EINVAL || lcont_error_message(err)[0] == '\0' ||
        ctx != NULL) {
        std::fprintf(stderr, "relative state root: r=%d code=%d msg='%s'\n", r,
                     lcont_error_code(err), lcont_error_message(err));
        return 1;
    }
    lcont_error_free(err);
    return 0;
}
