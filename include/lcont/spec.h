/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_SPEC_H
#define LCONT_SPEC_H

/**
 * @file spec.h
 * OCI runtime configuration documents: default config, validation, and the
 * runtime's features document.
 */

#include <lcont/common.h>
#include <lcont/error.h>

LCONT_BEGIN_DECLS

/** lcont_spec_generate(): a config for rootless use (user namespace, no cgroups). @since 0.1 */
#define LCONT_SPEC_ROOTLESS (1ULL << 0)

/**
 * Generate the default OCI runtime config (like `runc spec`).
 * @param ret JSON text owned by the caller, freed with lcont_free().
 * @return 0, -EINVAL, -ENOMEM. Thread-safe. @since 0.1
 */
LCONT_API int lcont_spec_generate(uint64_t flags, char **ret, lcont_error **reterr);

/**
 * Parse and validate an OCI runtime config held in memory. No flags yet.
 * @return 0, or -EINVAL with a message naming the offending field, e.g.
 *         "process.args: must be a non-empty array of strings". Thread-safe.
 * @since 0.1
 */
LCONT_API int lcont_spec_validate(const char *json, size_t len, uint64_t flags,
                                  lcont_error **reterr);

/**
 * The OCI runtime features document (what this build supports) as JSON.
 * No flags yet. @param ret freed with lcont_free(). Thread-safe. @since 0.1
 */
LCONT_API int lcont_spec_get_features_json(uint64_t flags, char **ret, lcont_error **reterr);

/**
 * Options for lcont_spec_from_image_config(). A zeroed field keeps what the
 * image says. String vectors are NULL-terminated and borrowed for the call.
 * @since 0.2
 */
typedef struct lcont_image_spec_opts {
    uint64_t struct_size; /**< sizeof(lcont_image_spec_opts) */
    /** Replaces the image's Cmd; NULL keeps it. */
    const char *const *args;
    /** Replaces the image's Entrypoint and drops its Cmd (as docker's --entrypoint); an empty
     *  vector clears it; NULL keeps it. */
    const char *const *entrypoint;
    /** "NAME=value" entries added to the image's Env; they win over it. */
    const char *const *env;
    /** Working directory (absolute); NULL: the image's WorkingDir, else "/". */
    const char *cwd;
    /** "user[:group]", names or numbers; NULL: the image's User, else root. */
    const char *user;
    /** Additional groups (names or numbers), resolved in the image's /etc/group. */
    const char *const *groups;
    /** Hostname; NULL keeps lcont's default. */
    const char *hostname;
    /** Written as root.path; NULL: @p rootfs_dir, or "rootfs" when that is NULL too. */
    const char *root_path;
    /** Recorded as annotation org.opencontainers.image.base.name. */
    const char *image_name;
    /** Recorded as annotation org.opencontainers.image.base.digest. */
    const char *image_digest;
    /** Non-zero: process.terminal (and TERM=xterm unless Env sets TERM). */
    int terminal;
    /** Non-zero: mount the root filesystem read-only. */
    int readonly;
} lcont_image_spec_opts;

/* clang-format off */
#ifdef __cplusplus
#define LCONT_IMAGE_SPEC_OPTS_INIT \
    { sizeof(lcont_image_spec_opts), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
      NULL, 0, 0 }
#else
#define LCONT_IMAGE_SPEC_OPTS_INIT { .struct_size = sizeof(lcont_image_spec_opts) }
#endif
/* clang-format on */

/**
 * Zero @p opts and set struct_size (for FFI). @return 0 or -EINVAL. Thread-safe.
 * @since 0.2
 */
LCONT_API int lcont_image_spec_opts_init(lcont_image_spec_opts *opts, size_t size);

/**
 * Generate the OCI runtime config of a container of an image: lcont's
 * default config (namespaces, mounts, capabilities, masked paths as
 * lcont_spec_generate()) with the process taken from the image config and
 * @p opts. process.args = Entrypoint + (opts->args or Cmd); Env merged
 * (opts->env wins; PATH and HOME added when absent); the user resolved from
 * the image's own /etc/passwd and /etc/group read inside @p rootfs_dir
 * (never through the host's NSS); StopSignal recorded in the annotation
 * org.opencontainers.image.stopSignal. The result is validated.
 * @param image_config_json the image config blob (OCI or Docker), NUL-terminated.
 * @param rootfs_dir the image's unpacked or mounted root filesystem; may be NULL,
 *        then only numeric users and groups can be used.
 * @param opts may be NULL.
 * @param flags 0 or LCONT_SPEC_ROOTLESS.
 * @param ret_json JSON text owned by the caller, freed with lcont_free().
 * @return 0; -EINVAL (bad image config or option, the message names the field;
 *         no command to run); -ENOENT (user or group not in the image);
 *         -EOPNOTSUPP (not a Linux image); -E2BIG, -EFBIG (limits); -ENOMEM.
 *         Thread-safe.
 * @since 0.2
 */
LCONT_API int lcont_spec_from_image_config(const char *image_config_json, const char *rootfs_dir,
                                           const lcont_image_spec_opts *opts, uint64_t flags,
                                           char **ret_json, lcont_error **reterr);

LCONT_END_DECLS

#endif
