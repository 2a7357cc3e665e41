/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CORE_DLIB_H
#define LCONT_CORE_DLIB_H

/*
 * Libraries that only some callers need, loaded with dlopen() on first use.
 *
 * libarchive (layer tar streams) and libcrypto (SHA-256) are the heavy ones:
 * linked directly, they and what they pull in (libxml2, ICU, libstdc++,
 * nettle...) cost every program that links liblcont about 5 ms and 5 MB of
 * RSS at load time, although starting a container never uses them. The
 * symbols are resolved once per process into function pointers
 * named sym_<function> (under a mutex, the first time); after that they never change, so
 * readers need no lock.
 * This is the library's only process-wide state (docs/threading.md).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <lcont/error.h>

/* The pointer for library function @f: `LCONT_DLSYM(archive_read_new);` defines
 * sym_archive_read_new; put `extern` before it in a header to share it. */
#define LCONT_DLSYM(f) __typeof__(f) *sym_##f

struct lcont_dlib_sym {
    const char *name;
    void **fn; /* where the address goes */
};
#define LCONT_DLIB_SYM(f)     \
    {                         \
#f, (void **)&sym_##f \
    }

/* One optional library: what to load, and the outcome, kept for every later caller. */
struct lcont_dlib {
    const char *const *sonames; /* NULL-terminated: the first that loads is used */
    const struct lcont_dlib_sym *syms;
    size_t n_syms;
    const char *hint; /* the package to install, for the message */
    pthread_mutex_t lock;
    bool done;     /* set (release) once the outcome below is final */
    int code;      /* 0, or -errno (-ENOENT when the library or a symbol is missing) */
    char msg[320]; /* when code < 0: what is missing, and the package to install */
};
#define LCONT_DLIB_INIT(sonames_, syms_, hint_)                                               \
    {                                                                                         \
        .sonames = (sonames_), .syms = (syms_), .n_syms = sizeof(syms_) / sizeof((syms_)[0]), \
        .hint = (hint_), .lock = PTHREAD_MUTEX_INITIALIZER                                    \
    }

/*
 * Load @lib the first time (dlopen, RTLD_LOCAL, never closed; every symbol resolved) and
 * report the outcome every time: 0, or its -errno with the message in @reterr.
 */
int lcont__dlib_ensure(struct lcont_dlib *lib, lcont_error **reterr);

#endif
