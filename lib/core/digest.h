/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CORE_DIGEST_H
#define LCONT_CORE_DIGEST_H

/*
 * Streaming SHA-256 (OpenSSL libcrypto: it uses the CPU's SHA extensions;
 * loaded on first use, core/dlib.h) and the OCI digest string form
 * "sha256:<64 lowercase hex>".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lcont/error.h>

#define LCONT_SHA256_LEN 32
/* "sha256:" + 64 hex + NUL */
#define LCONT_DIGEST_STR_LEN (7 + 64 + 1)

struct lcont_sha256; /* opaque streaming state */

/* Load libcrypto now (the functions below do it too): 0, or -ENOENT with the reason. */
int lcont__sha256_load(lcont_error **reterr);

/* -ENOENT when libcrypto cannot be loaded (lcont__sha256_load() tells why), -ENOMEM. */
int lcont__sha256_new(struct lcont_sha256 **ret);
void lcont__sha256_update(struct lcont_sha256 *h, const void *buf, size_t len);
/* Finish into "sha256:<hex>" (@out has LCONT_DIGEST_STR_LEN bytes); the state is reset
 * and can be reused. */
void lcont__sha256_final(struct lcont_sha256 *h, char out[LCONT_DIGEST_STR_LEN]);
void lcont__sha256_free(struct lcont_sha256 *h);
void lcont__sha256_freep(struct lcont_sha256 **h);
#define _cleanup_sha256_ __attribute__((cleanup(lcont__sha256_freep)))

/* One-shot digest of a buffer: 0, or -ENOENT when libcrypto cannot be loaded (@reterr says
 * why). */
int lcont__sha256_buf(const void *buf, size_t len, char out[LCONT_DIGEST_STR_LEN],
                      lcont_error **reterr);

/* Whether @s is exactly "sha256:" followed by 64 lowercase hex digits (safe as a path). */
bool lcont__digest_valid(const char *s);

/* As lcont__digest_valid, with an error naming @what ("manifest layers[2].digest"). */
int lcont__digest_check(const char *s, const char *what, lcont_error **reterr);

#endif
