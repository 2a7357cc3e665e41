/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/error-internal.h"

struct lcont_sha256 {
    EVP_MD_CTX *ctx;
};

int lcont__sha256_new(struct lcont_sha256 **ret)
{
    struct lcont_sha256 *h = calloc(1, sizeof(*h));

    if (!h)
        return -ENOMEM;
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        lcont__sha256_free(h);
        return -ENOMEM;
    }
    *ret = h;
    return 0;
}

void lcont__sha256_update(struct lcont_sha256 *h, const void *buf, size_t len)
{
    /* Cannot fail for an initialised SHA-256 context. */
    EVP_DigestUpdate(h->ctx, buf, len);
}

static void hex_digest(const unsigned char md[LCONT_SHA256_LEN], char out[LCONT_DIGEST_STR_LEN])
{
    static const char hex[] = "0123456789abcdef";

    memcpy(out, "sha256:", 7);
    for (size_t i = 0; i < LCONT_SHA256_LEN; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[7 + 2 * i + 1] = hex[md[i] & 15];
    }
    out[LCONT_DIGEST_STR_LEN - 1] = '\0';
}

void lcont__sha256_final(struct lcont_sha256 *h, char out[LCONT_DIGEST_STR_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_DigestFinal_ex(h->ctx, md, &n);
    hex_digest(md, out);
    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL);
}

void lcont__sha256_free(struct lcont_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void lcont__sha256_freep(struct lcont_sha256 **h)
{
    lcont__sha256_free(*h);
}

void lcont__sha256_buf(const void *buf, size_t len, char out[LCONT_DIGEST_STR_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
    hex_digest(md, out);
}

bool lcont__digest_valid(const char *s)
{
    if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != LCONT_DIGEST_STR_LEN - 1)
        return false;
    for (const char *p = s + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

int lcont__digest_check(const char *s, const char *what, lcont_error **reterr)
{
    if (lcont__digest_valid(s))
        return 0;
    return lcont__error_set(reterr, -EINVAL, "%s: not a sha256 digest (sha256:<64 lowercase hex>)",
                            what);
}
