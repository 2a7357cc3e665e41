/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The uncompressed tar stream for the extractor: decompressed and hashed (DiffID) either
 * inline, or, when the caller asked for it (opts->threaded), on one helper thread that
 * runs ahead through a small ring of chunks while the calling thread writes files.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "image/apply-internal.h"
#include "image/decompress.h"

#define N_SLOTS 4

struct slot {
    uint8_t *data;
    size_t len;
    uint64_t bytes_in; /* compressed bytes consumed when this chunk was produced */
};

struct lcont__reader {
    struct lcont__decomp *decomp; /* borrowed */
    struct lcont_sha256 *sha;     /* borrowed */
    bool threaded;
    bool sync_init; /* lock and cond were initialised */
    uint64_t bytes_in;

    /* threaded only; everything below is guarded by lock */
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct slot slots[N_SLOTS];
    size_t head, count;
    bool holding;   /* the consumer still uses slots[head] */
    bool finished;  /* the producer stopped: end of stream or error */
    bool cancelled; /* the consumer is going away */
    int code;
    lcont_error *error;
};

static void *produce(void *userdata)
{
    struct lcont__reader *r = userdata;

    for (;;) {
        lcont_error *err = NULL;
        const void *buf = NULL;
        struct slot *s;
        ssize_t n;

        pthread_mutex_lock(&r->lock);
        while (r->count == N_SLOTS && !r->cancelled)
            pthread_cond_wait(&r->cond, &r->lock);
        if (r->cancelled) {
            pthread_mutex_unlock(&r->lock);
            return NULL;
        }
        /* The free slot after the filled ones: only this thread writes it. */
        s = &r->slots[(r->head + r->count) % N_SLOTS];
        pthread_mutex_unlock(&r->lock);

        n = lcont__decomp_read(r->decomp, &buf, &err);
        if (n > 0) {
            memcpy(s->data, buf, (size_t)n);
            lcont__sha256_update(r->sha, s->data, (size_t)n);
            s->len = (size_t)n;
            s->bytes_in = lcont__decomp_bytes_in(r->decomp);
        }
        pthread_mutex_lock(&r->lock);
        if (n <= 0) {
            r->finished = true;
            r->code = (int)n;
            r->error = err;
        } else {
            r->count++;
        }
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
        if (n <= 0)
            return NULL;
    }
}

static int start_thread(struct lcont__reader *r, size_t chunk_size, lcont_error **reterr)
{
    sigset_t all, saved;
    int e;

    for (size_t i = 0; i < N_SLOTS; i++) {
        r->slots[i].data = malloc(chunk_size);
        if (!r->slots[i].data)
            return lcont__error_set(reterr, -ENOMEM, "out of memory");
    }
    if (pthread_mutex_init(&r->lock, NULL) != 0)
        return lcont__error_set(reterr, -ENOMEM, "layer reader: cannot create a lock");
    if (pthread_cond_init(&r->cond, NULL) != 0) {
        pthread_mutex_destroy(&r->lock);
        return lcont__error_set(reterr, -ENOMEM, "layer reader: cannot create a lock");
    }
    r->sync_init = true;
    /* The helper never takes the caller's signals: it starts with all of them blocked. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    e = pthread_create(&r->thread, NULL, produce, r);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (e != 0)
        return lcont__error_set(reterr, -e, "layer reader: cannot start the thread");
    r->started = true;
    return 0;
}

int lcont__reader_new(struct lcont__decomp *decomp, struct lcont_sha256 *sha, bool threaded,
                      size_t chunk_size, struct lcont__reader **ret, lcont_error **reterr)
{
    _cleanup_(lcont__reader_freep) struct lcont__reader *r = calloc(1, sizeof(*r));
    int e;

    if (!r)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    r->decomp = decomp;
    r->sha = sha;
    r->threaded = threaded;
    if (threaded && (e = start_thread(r, chunk_size, reterr)) < 0)
        return e;
    *ret = TAKE_PTR(r);
    return 0;
}

ssize_t lcont__reader_next(struct lcont__reader *r, const void **ret_buf, lcont_error **reterr)
{
    ssize_t n;
    int code;

    if (!r->threaded) {
        n = lcont__decomp_read(r->decomp, ret_buf, reterr);
        if (n > 0)
            lcont__sha256_update(r->sha, *ret_buf, (size_t)n);
        r->bytes_in = lcont__decomp_bytes_in(r->decomp);
        return n;
    }
    pthread_mutex_lock(&r->lock);
    if (r->holding) {
        /* libarchive is done with the chunk it got last time: give the slot back. */
        r->head = (r->head + 1) % N_SLOTS;
        r->count--;
        r->holding = false;
        pthread_cond_broadcast(&r->cond);
    }
    while (r->count == 0 && !r->finished)
        pthread_cond_wait(&r->cond, &r->lock);
    if (r->count > 0) {
        struct slot *s = &r->slots[r->head];
        *ret_buf = s->data;
        r->bytes_in = s->bytes_in;
        r->holding = true;
        pthread_mutex_unlock(&r->lock);
        return (ssize_t)s->len;
    }
    code = r->code;
    if (code < 0 && reterr) {
        lcont_error_free(*reterr);
        *reterr = TAKE_PTR(r->error);
    }
    pthread_mutex_unlock(&r->lock);
    return code;
}

uint64_t lcont__reader_bytes_in(const struct lcont__reader *r)
{
    return r->bytes_in;
}

void lcont__reader_free(struct lcont__reader *r)
{
    if (!r)
        return;
    if (r->started) {
        pthread_mutex_lock(&r->lock);
        r->cancelled = true;
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
        pthread_join(r->thread, NULL);
    }
    if (r->sync_init) {
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->cond);
    }
    for (size_t i = 0; i < N_SLOTS; i++)
        free(r->slots[i].data);
    lcont_error_free(r->error);
    free(r);
}

void lcont__reader_freep(struct lcont__reader **r)
{
    lcont__reader_free(*r);
}
