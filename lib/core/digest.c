/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/dlib.h"
#include "core/error-internal.h"

/* libcrypto, loaded on first use (core/dlib.h) */
static LCONT_DLSYM(EVP_MD_CTX_new);
static LCONT_DLSYM(EVP_MD_CTX_free);
static LCONT_DLSYM(EVP_DigestInit_ex);
static LCONT_DLSYM(EVP_DigestUpdate);
static LCONT_DLSYM(EVP_DigestFinal_ex);
static LCONT_DLSYM(EVP_Digest);
static LCONT_DLSYM(EVP_sha256);

static const char *const crypto_sonames[] = { "libcrypto.so.3", NULL };
static const struct lcont_dlib_sym crypto_syms[] = {
    LCONT_DLIB_SYM(EVP_MD_CTX_new),     LCONT_DLIB_SYM(EVP_MD_CTX_free),
    LCONT_DLIB_SYM(EVP_DigestInit_ex),  LCONT_DLIB_SYM(EVP_DigestUpdate),
    LCONT_DLIB_SYM(EVP_DigestFinal_ex), LCONT_DLIB_SYM(EVP_Digest),
    LCONT_DLIB_SYM(EVP_sha256),
};
static struct lcont_dlib crypto =
    LCONT_DLIB_INIT(crypto_sonames, crypto_syms, "libssl3 (OpenSSL 3)");

int lcont__sha256_load(lcont_error **reterr)
{
    return lcont__dlib_ensure(&crypto, reterr);
}

struct lcont_sha256 {
    EVP_MD_CTX *ctx;
};

int lcont__sha256_new(struct lcont_sha256 **ret)
{
    struct lcont_sha256 *h;
    int r = lcont__sha256_load(NULL);

    if (r < 0)
        return r;
    h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->ctx = sym_EVP_MD_CTX_new();
    if (!h->ctx || sym_EVP_DigestInit_ex(h->ctx, sym_EVP_sha256(), NULL) != 1) {
        lcont__sha256_free(h);
        return -ENOMEM;
    }
    *ret = h;
    return 0;
}

void lcont__sha256_update(struct lcont_sha256 *h, const void *buf, size_t len)
{
    /* Cannot fail for an initialised SHA-256 context. */
    sym_EVP_DigestUpdate(h->ctx, buf, len);
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

    sym_EVP_DigestFinal_ex(h->ctx, md, &n);
    hex_digest(md, out);
    sym_EVP_DigestInit_ex(h->ctx, sym_EVP_sha256(), NULL);
}

void lcont__sha256_free(struct lcont_sha256 *h)
{
    if (!h)
        return;
    sym_EVP_MD_CTX_free(h->ctx);
    free(h);
}

void lcont__sha256_freep(struct lcont_sha256 **h)
{
    lcont__sha256_free(*h);
}

int lcont__sha256_buf(const void *buf, size_t len, char out[LCONT_DIGEST_STR_LEN],
                      lcont_error **reterr)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int r = lcont__sha256_load(reterr);

    if (r < 0)
        return r;
    if (sym_EVP_Digest(buf, len, md, &n, sym_EVP_sha256(), NULL) != 1)
        return lcont__error_set(reterr, -ENOMEM, "SHA-256: out of memory");
    hex_digest(md, out);
    return 0;
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
