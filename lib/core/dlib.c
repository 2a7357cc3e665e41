/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "core/dlib.h"
#include "core/error-internal.h"

static void load(struct lcont_dlib *lib)
{
    void *handle = NULL;

    for (const char *const *so = lib->sonames; *so && !handle; so++)
        /* RTLD_LOCAL: its symbols do not leak into the caller's lookups; never closed */
        handle = dlopen(*so, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!handle) {
        const char *why = dlerror();
        lib->code = -ENOENT;
        snprintf(lib->msg, sizeof(lib->msg), "cannot load %s (%s): install %s", lib->sonames[0],
                 why ? why : "not found", lib->hint);
        return;
    }
    for (size_t i = 0; i < lib->n_syms; i++) {
        *lib->syms[i].fn = dlsym(handle, lib->syms[i].name);
        if (!*lib->syms[i].fn) {
            lib->code = -ENOENT;
            snprintf(lib->msg, sizeof(lib->msg), "%s has no symbol %s: install %s", lib->sonames[0],
                     lib->syms[i].name, lib->hint);
            return;
        }
    }
}

int lcont__dlib_ensure(struct lcont_dlib *lib, lcont_error **reterr)
{
    /* the acquire pairs with the release below: whoever sees "done" sees the pointers */
    if (!__atomic_load_n(&lib->done, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&lib->lock);
        if (!lib->done) {
            load(lib);
            __atomic_store_n(&lib->done, true, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&lib->lock);
    }
    return lib->code < 0 ? lcont__error_set(reterr, lib->code, "%s", lib->msg) : 0;
}
