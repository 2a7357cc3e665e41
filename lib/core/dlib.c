/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "core/dlib.h"
#include "core/error-internal.h"

void lcont__dlib_load(const char *const *sonames, const struct lcont_dlib_sym *syms, size_t n,
                      const char *hint, struct lcont_dlib_result *res)
{
    void *handle = NULL;

    res->code = 0;
    res->msg[0] = '\0';
    for (const char *const *so = sonames; *so && !handle; so++)
        /* RTLD_LOCAL: its symbols do not leak into the caller's lookups; never closed */
        handle = dlopen(*so, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!handle) {
        const char *why = dlerror();
        res->code = -ENOENT;
        snprintf(res->msg, sizeof(res->msg), "cannot load %s (%s): install %s", sonames[0],
                 why ? why : "not found", hint);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        *syms[i].fn = dlsym(handle, syms[i].name);
        if (!*syms[i].fn) {
            res->code = -ENOENT;
            snprintf(res->msg, sizeof(res->msg), "%s has no symbol %s: install %s", sonames[0],
                     syms[i].name, hint);
            return;
        }
    }
}

int lcont__dlib_error(const struct lcont_dlib_result *res, lcont_error **reterr)
{
    return lcont__error_set(reterr, res->code, "%s", res->msg);
}
