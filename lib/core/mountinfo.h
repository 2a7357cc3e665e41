/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CORE_MOUNTINFO_H
#define LCONT_CORE_MOUNTINFO_H

/*
 * /proc/<pid>/mountinfo (proc(5)) parsed into an array: one entry per line,
 * in the kernel's order (parents before children; of several mounts on one
 * path, the last one is the visible one). Parent side only: it allocates.
 */

#include <stdbool.h>
#include <stddef.h>

#include <lcont/error.h>

struct lcont_mountinfo {
    unsigned major, minor; /* st_dev of the filesystem: equal for every mount of one
                              superblock, e.g. all mounts of one cgroup hierarchy */
    char *root;            /* root of the mount inside its filesystem */
    char *mountpoint;
    char *fstype;
    char *source;
    char *super_options; /* exactly as printed (still escaped) */
    bool shared;         /* has a "shared:N" optional field */
};

/*
 * Read and parse the mountinfo file at @dirfd/@path: (proc_fd, "self/mountinfo")
 * or (AT_FDCWD, "/proc/self/mountinfo"). root, mountpoint, fstype and source
 * are unescaped ("\040" -> ' '). Empty lines are ignored.
 *
 * A line without the mountinfo layout fails the whole read with -EINVAL
 * ("cannot parse line N"), it is not skipped: the kernel never writes one, and
 * a silently dropped mount could make the rootfs code miss a mount it must
 * detach.
 *
 * On success *ret (NULL if there are no lines) and *ret_n are set; free with
 * lcont__mountinfo_free(). Returns 0 or -errno: the open/read error, -EFBIG
 * past 64 MiB, -ENOMEM, -EINVAL.
 */
int lcont__mountinfo_read(int dirfd, const char *path, struct lcont_mountinfo **ret, size_t *ret_n,
                          lcont_error **reterr);

/* Free the @n entries of @mi and the array. NULL-safe. */
void lcont__mountinfo_free(struct lcont_mountinfo *mi, size_t n);

#endif
