/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The table's arena for read-path memory (see service-internal.h). Size
 * classes: 64-byte steps up to 1 KiB, then four per doubling up to 1 MiB;
 * larger blocks come from malloc. Only the writer allocates and frees.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "service/service-internal.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define FIRST_REGION (1u << 20) /* normal pages: small tables stay small */
#define HUGE_REGION (2u << 20)  /* one transparent huge page */
#define SMALL_CLASSES 16        /* 64 .. 1024 bytes */

static unsigned class_of(size_t size)
{
    if (size <= 1024)
        return size ? (unsigned)((size + 63) / 64 - 1) : 0;
    unsigned b = 63u - (unsigned)__builtin_clzll(size - 1); /* 2^b < size <= 2^(b+1) */
    size_t step = (size_t)1 << (b - 2);
    unsigned k = (unsigned)((size - ((size_t)1 << b) + step - 1) / step); /* 1..4 */
    return SMALL_CLASSES + (b - 10) * 4 + k - 1;
}

static size_t class_size(unsigned c)
{
    if (c < SMALL_CLASSES)
        return (size_t)(c + 1) * 64;
    unsigned b = 10 + (c - SMALL_CLASSES) / 4, k = (c - SMALL_CLASSES) % 4 + 1;
    return ((size_t)1 << b) + k * ((size_t)1 << (b - 2));
}

static void push_free(struct arena *a, unsigned c, void *p)
{
    UNPOISON(p, sizeof(void *));
    *(void **)p = a->free[c];
    a->free[c] = p;
    POISON(p, class_size(c));
}

/* The unused tail of the current region becomes free blocks, largest first. */
static void carve_rest(struct arena *a)
{
    while (a->bump && (size_t)(a->end - a->bump) >= 64) {
        size_t left = (size_t)(a->end - a->bump);
        unsigned c = class_of(left < ARENA_MAX_BLOCK ? left : ARENA_MAX_BLOCK);
        if (class_size(c) > left)
            c--;
        push_free(a, c, a->bump);
        a->bump += class_size(c);
    }
}

static int add_region(struct arena *a, size_t need)
{
    if (a->n_regions == a->cap_regions) {
        size_t cap = a->cap_regions ? a->cap_regions * 2 : 16;
        struct arena_region *r = realloc(a->regions, cap * sizeof(*r));
        if (!r)
            return -ENOMEM;
        a->regions = r;
        a->cap_regions = cap;
    }
    bool huge = a->n_regions > 0 || need > FIRST_REGION;
    size_t size = huge ? HUGE_REGION : FIRST_REGION;
    /* Map twice the size and trim, so that a huge region is 2 MiB aligned. */
    size_t len = huge ? 2 * size : size;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -ENOMEM;
    char *base = p;
    if (huge) {
        base = (char *)(((uintptr_t)p + size - 1) & ~(uintptr_t)(size - 1));
        if (base > p)
            munmap(p, (size_t)(base - p));
        if (base + size < p + len)
            munmap(base + size, (size_t)(p + len - (base + size)));
        /* Best effort: without THP the arena still works, on normal pages. */
        (void)madvise(base, size, MADV_HUGEPAGE);
    }
    carve_rest(a);
    a->regions[a->n_regions++] = (struct arena_region){ base, size };
    a->bump = base;
    a->end = base + size;
    POISON(base, size);
    return 0;
}

void *lcont__arena_alloc(struct arena *a, size_t size)
{
    if (size > ARENA_MAX_BLOCK) {
        size = (size + 63) & ~(size_t)63;
        void *p = aligned_alloc(64, size);
        if (p)
            a->live += size;
        return p;
    }
    unsigned c = class_of(size);
    size_t cs = class_size(c);
    void *p = a->free[c];
    if (p) {
        UNPOISON(p, cs);
        a->free[c] = *(void **)p;
    } else {
        if (!a->bump || (size_t)(a->end - a->bump) < cs)
            if (add_region(a, cs) < 0)
                return NULL;
        p = a->bump;
        a->bump += cs;
        UNPOISON(p, cs);
    }
    a->live += cs;
    return p;
}

void lcont__arena_free(struct arena *a, void *p, size_t size)
{
    if (!p)
        return;
    if (size > ARENA_MAX_BLOCK) {
        a->live -= (size + 63) & ~(size_t)63;
        free(p);
        return;
    }
    unsigned c = class_of(size);
    a->live -= class_size(c);
    push_free(a, c, p);
}

void lcont__arena_destroy(struct arena *a)
{
    for (size_t i = 0; i < a->n_regions; i++) {
        UNPOISON(a->regions[i].base, a->regions[i].size);
        munmap(a->regions[i].base, a->regions[i].size);
    }
    free(a->regions);
    memset(a, 0, sizeof(*a));
}
