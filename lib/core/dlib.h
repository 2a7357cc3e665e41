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
 * symbols are resolved once per process (pthread_once) into function pointers
 * named sym_<function>; after that they never change, so readers need no lock.
 * This is the library's only process-wide state (docs/threading.md).
 */

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

/* The outcome of one library's load, kept for every later caller. */
struct lcont_dlib_result {
    int code;      /* 0, or -errno (-ENOENT when the library or a symbol is missing) */
    char msg[320]; /* when code < 0: what is missing, and the package to install */
};

/*
 * dlopen() the first of @sonames (NULL-terminated) that loads and resolve @syms;
 * the library stays loaded. @hint names the package to install, for the message.
 */
void lcont__dlib_load(const char *const *sonames, const struct lcont_dlib_sym *syms, size_t n,
                      const char *hint, struct lcont_dlib_result *res);

/* lcont__error_set() from a failed result. */
int lcont__dlib_error(const struct lcont_dlib_result *res, lcont_error **reterr);

#endif
