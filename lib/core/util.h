/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CORE_UTIL_H
#define LCONT_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <lcont/error.h>

/* ---- cleanup attributes (lib/ uses these instead of goto unwinding) ---- */

static inline void lcont__freep(void *p)
{
    free(*(void **)p);
}
void lcont__closep(int *fd);
void lcont__strv_freep(char ***strv);

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(lcont__freep)
#define _cleanup_close_ _cleanup_(lcont__closep)
#define _cleanup_strv_ _cleanup_(lcont__strv_freep)

/* Return *p and set it to NULL/-1: hands ownership out of a cleanup variable. */
#define TAKE_PTR(p)               \
    ({                            \
        __typeof__(p) _tp_ = (p); \
        (p) = NULL;               \
        _tp_;                     \
    })
#define TAKE_FD(fd)      \
    ({                   \
        int _tf_ = (fd); \
        (fd) = -1;       \
        _tf_;            \
    })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- strings and string vectors (NULL-terminated char **) ---- */

size_t lcont__strv_length(char *const *strv);
void lcont__strv_free(char **strv);
char **lcont__strv_copy(char *const *strv);
/* Append a copy of @s; returns 0 or -ENOMEM (vector unchanged on failure). */
int lcont__strv_push(char ***strv, const char *s);
bool lcont__streq_ptr(const char *a, const char *b);
bool lcont__str_startswith(const char *s, const char *prefix);

/* ---- option structs (STYLE §6.3, like the kernel's copy_struct_from_user) ---- */

/*
 * Copy a caller's size-versioned struct into @dst (zeroed, @dst_size bytes).
 * @user_size is the caller's struct_size. Rejects sizes below @min_size with
 * -EINVAL and non-zero bytes beyond @dst_size with -E2BIG.
 */
int lcont__copy_opts(void *dst, size_t dst_size, const void *src, size_t user_size,
                     size_t min_size);

/* ---- files ---- */

/* Read all of @fd (at most @max bytes, -EFBIG beyond) into a NUL-terminated buffer. */
int lcont__read_fd(int fd, size_t max, char **ret, size_t *ret_len);
/* Read a whole file (at most @max bytes, else -EFBIG) into a NUL-terminated buffer. */
int lcont__read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);
/*
 * Write @len bytes to dirfd/@name atomically (temp file, rename): readers and a crash of the
 * writer see the old or the new content, never a mix. @durable adds an fsync before the
 * rename, for data that must survive a power loss; runtime state, which a reboot makes
 * meaningless anyway, skips it (an ext4 journal commit per state change costs milliseconds).
 */
int lcont__write_file_atomic_at(int dirfd, const char *name, const void *buf, size_t len,
                                mode_t mode, bool durable);
/* Write a short string to an existing file (procfs, cgroupfs): one write(2). */
int lcont__write_string_at(int dirfd, const char *path, const char *s);
/* mkdir -p; existing directories are fine. */
int lcont__mkdir_p(const char *path, mode_t mode);
/* Remove a directory tree below dirfd/@name, not crossing mount points. */
int lcont__rm_rf_at(int dirfd, const char *name);
/* Write all of @buf, retrying on EINTR and short writes. */
int lcont__write_all(int fd, const void *buf, size_t len);
/* Read exactly @len bytes (or -EIO on early EOF), retrying on EINTR. */
int lcont__read_all(int fd, void *buf, size_t len);

#endif
