/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_ROOTFS_H
#define LCONT_RUNTIME_ROOTFS_H

/*
 * The container's filesystem view: rootfs propagation, config mounts, /dev,
 * devices, pivot_root, masked and read-only paths, read-only root, sysctls.
 *
 * lcont__rootfs_plan_new() runs in the parent and prepares every path,
 * string and fd; the *_child() functions run in the container child, inside
 * its new mount namespace, and only make system calls (no malloc, locks or
 * stdio; STYLE §10.3). Every mount target is resolved inside the rootfs
 * (openat2 RESOLVE_IN_ROOT, then mount through /proc/self/fd/N or the new
 * mount API), so a symlink in the image can never redirect a mount to the host.
 */

#include <stdint.h>

#include <lcont/error.h>

#include "core/childmsg.h"
#include "spec/spec.h"

struct lcont_rootfs_plan;

/* lcont__rootfs_plan_new() flags */
#define LCONT_ROOTFS_NO_PIVOT (1ULL << 0) /* MS_MOVE + chroot instead of pivot_root */

/*
 * @bundle is the absolute bundle directory (root.path is relative to it).
 * @has_userns: the container has a new user namespace (changes what may be
 * mounted: sysfs is bind-mounted, devices are bind-mounted from the host).
 */
int lcont__rootfs_plan_new(const struct lcont_spec *spec, const char *bundle, bool has_userns,
                           uint64_t flags, struct lcont_rootfs_plan **ret, lcont_error **reterr);
void lcont__rootfs_plan_free(struct lcont_rootfs_plan *plan);

/*
 * Child, in the new mount namespace, before pivot: make "/" rslave (or
 * linux.rootfsPropagation), bind the rootfs onto itself, perform the config
 * mounts in order, create /dev contents (default devices, linux.devices,
 * /dev/fd, stdin/out/err, ptmx symlinks, shm/mqueue per mounts).
 */
int lcont__rootfs_prepare_child(const struct lcont_rootfs_plan *plan,
                                struct lcont_child_error *err);

/*
 * Child: pivot_root (or the NO_PIVOT fallback, also used automatically when
 * pivot_root fails with EINVAL, e.g. on an initramfs), chdir("/"), apply
 * masked paths (verified /dev/null, char 1:3, or a read-only tmpfs for
 * directories), read-only paths, read-only root, rootfs propagation, and
 * sysctls (through the container's own /proc/sys).
 */
int lcont__rootfs_finalize_child(const struct lcont_rootfs_plan *plan,
                                 struct lcont_child_error *err);

#endif
