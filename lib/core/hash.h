/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CORE_HASH_H
#define LCONT_CORE_HASH_H

/*
 * Keyed hashing for hash tables and flow hashing: SipHash-1-3 (one compression
 * round, three finalisation rounds), the variant Rust and Python use for
 * hash tables: keyed, so a remote peer cannot aim collisions at us, and fast
 * on short inputs such as 5-tuples. Plus small unkeyed mixers.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct lcont_hash_key {
    uint64_t k0, k1;
};

uint64_t lcont__siphash13(const struct lcont_hash_key *key, const void *data, size_t len);

/*
 * Fast keyed hash for short fixed-shape inputs such as 5-tuples (xxh3-like:
 * 128-bit multiply folds of key-mixed 16-byte chunks, then an avalanche).
 * Not a PRF: use it where a good spread matters and an attacker learns no
 * hash values (flow placement), SipHash where collisions cost work (indexes).
 */
static inline uint64_t lcont__hash_fast(const struct lcont_hash_key *key, const void *data,
                                        size_t len);

/* Fill @key from getrandom(2) (GRND_NONBLOCK; falls back to a time/address mix). */
void lcont__hash_key_random(struct lcont_hash_key *key);

/* splitmix64 finaliser: a bijective 64-bit mixer (seeds, counters -> pseudo-random). */
static inline uint64_t lcont__hash_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Map a 64-bit hash to [0, n) without a division (Lemire's multiply-shift). */
static inline uint32_t lcont__hash_range(uint64_t h, uint32_t n)
{
    return (uint32_t)(((h >> 32) * (uint64_t)n) >> 32);
}

static inline uint64_t lcont__hash_load64_le(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
    /*
 * lcont__hash_fast() of @n little-endian 64-bit words given as values, e.g. a
 * 5-tuple packed in registers (building a byte buffer first would stall on
 * store forwarding). Equals lcont__hash_fast() of the same bytes.
 */
    static inline uint64_t lcont__hash_fast_words(const struct lcont_hash_key *key,
                                                  const uint64_t *w, size_t n)
    {
        uint64_t acc = (uint64_t)(n * 8) * 0x9e3779b185ebca87ULL ^ key->k0;
        uint64_t s0 = key->k0 ^ 0xbe4ba423396cfeb8ULL, s1 = key->k1 ^ 0x1cad21f72c81017cULL;
        for (size_t i = 0; i < n; i += 2) {
            acc += lcont__hash_fold128(w[i] ^ s0, (i + 1 < n ? w[i + 1] : 0) ^ s1);
            s0 += 0xdb979083e96dd4deULL;
            s1 -= 0x1f67b3b7a4a44072ULL;
        }
        acc ^= acc >> 37;
        acc *= 0x165667919e3779f9ULL;
        return acc ^ (acc >> 32);
    }

#endif
    return v;
}

static inline uint64_t lcont__hash_fold128(uint64_t a, uint64_t b)
{
    unsigned __int128 m = (unsigned __int128)a * b;
    return (uint64_t)m ^ (uint64_t)(m >> 64);
}

/* Inline so that constant lengths (5-tuples) compile to straight-line code. */
static inline uint64_t lcont__hash_fast(const struct lcont_hash_key *key, const void *data,
                                        size_t len)
{
    const unsigned char *p = data;
    uint64_t acc = (uint64_t)len * 0x9e3779b185ebca87ULL ^ key->k0;
    uint64_t s0 = key->k0 ^ 0xbe4ba423396cfeb8ULL, s1 = key->k1 ^ 0x1cad21f72c81017cULL;
    size_t left = len;

    for (; left >= 16; left -= 16, p += 16) {
        acc +=
            lcont__hash_fold128(lcont__hash_load64_le(p) ^ s0, lcont__hash_load64_le(p + 8) ^ s1);
        s0 += 0xdb979083e96dd4deULL;
        s1 -= 0x1f67b3b7a4a44072ULL;
    }
    if (left) {
        unsigned char tail[16] = { 0 };
        memcpy(tail, p, left);
        acc += lcont__hash_fold128(lcont__hash_load64_le(tail) ^ s0,
                                   lcont__hash_load64_le(tail + 8) ^ s1);
    }
    /* xxh3's avalanche */
    acc ^= acc >> 37;
    acc *= 0x165667919e3779f9ULL;
    return acc ^ (acc >> 32);
}

/*
 * lcont__hash_fast() of @n little-endian 64-bit words given as values, e.g. a
 * 5-tuple packed in registers (building a byte buffer first would stall on
 * store forwarding). Equals lcont__hash_fast() of the same bytes.
 */
static inline uint64_t lcont__hash_fast_words(const struct lcont_hash_key *key, const uint64_t *w,
                                              size_t n)
{
    uint64_t acc = (uint64_t)(n * 8) * 0x9e3779b185ebca87ULL ^ key->k0;
    uint64_t s0 = key->k0 ^ 0xbe4ba423396cfeb8ULL, s1 = key->k1 ^ 0x1cad21f72c81017cULL;
    for (size_t i = 0; i < n; i += 2) {
        acc += lcont__hash_fold128(w[i] ^ s0, (i + 1 < n ? w[i + 1] : 0) ^ s1);
        s0 += 0xdb979083e96dd4deULL;
        s1 -= 0x1f67b3b7a4a44072ULL;
    }
    acc ^= acc >> 37;
    acc *= 0x165667919e3779f9ULL;
    return acc ^ (acc >> 32);
}

#endif
