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

LCONT_END_DECLS

#endif
