/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * In-process start benchmark through the public API: each iteration creates,
 * starts, waits for and deletes one container from the same bundle. Prints
 * one JSON line: per-iteration median/min/max in ms, and peak RSS of this
 * process and of its reaped children (the container processes).
 *
 * usage: start-api BUNDLE STATE_ROOT ITERATIONS [WARMUP]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <lcont/lcont.h>

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static int one_container(lcont_context *ctx, const char *bundle, const char *id)
{
    lcont_create_opts opts = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_process *init = NULL;
    lcont_error *err = NULL;
    int r, status = -1;

    opts.bundle = bundle;
    if ((r = lcont_container_create(ctx, id, &opts, 0, &c, &err)) >= 0 &&
        (r = lcont_container_get_init_process(c, 0, &init, &err)) >= 0 &&
        (r = lcont_container_start(c, 0, &err)) >= 0 &&
        (r = lcont_process_wait(init, 0, &status, &err)) >= 0)
        r = lcont_container_delete(c, 0, &err);
    if (r < 0) {
        fprintf(stderr, "start-api: %s: %s\n", id, lcont_error_message(err));
        if (c)
            lcont_container_delete(c, LCONT_DELETE_FORCE, NULL);
    } else if (status != 0) {
        fprintf(stderr, "start-api: %s: container exited with status %d\n", id, status);
        r = -EIO;
    }
    lcont_error_free(err);
    lcont_process_unref(init);
    lcont_container_unref(c);
    return r;
}

int main(int argc, char **argv)
{
    lcont_context_opts copts = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;
    struct rusage self, children;
    int iterations, warmup;
    double *ms;
    char id[64];

    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: start-api BUNDLE STATE_ROOT ITERATIONS [WARMUP]\n");
        return 2;
    }
    iterations = atoi(argv[3]);
    warmup = argc == 5 ? atoi(argv[4]) : 1;
    if (iterations < 1 || warmup < 0)
        return 2;
    ms = calloc((size_t)iterations, sizeof(*ms));
    copts.state_root = argv[2];
    if (!ms || lcont_context_new(&copts, 0, &ctx, NULL) < 0)
        return 1;

    for (int i = -warmup; i < iterations; i++) {
        double t0;

        snprintf(id, sizeof(id), "bench-api-%d-%d", (int)getpid(), i + warmup);
        t0 = now_ms();
        if (one_container(ctx, argv[1], id) < 0)
            return 1;
        if (i >= 0)
            ms[i] = now_ms() - t0;
    }
    qsort(ms, (size_t)iterations, sizeof(*ms), cmp_double);
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    printf("{\"iterations\":%d,\"median_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,"
           "\"rss_kb\":%ld,\"children_rss_kb\":%ld}\n",
           iterations,
           iterations % 2 ? ms[iterations / 2] : (ms[iterations / 2 - 1] + ms[iterations / 2]) / 2,
           ms[0], ms[iterations - 1], self.ru_maxrss, children.ru_maxrss);
    lcont_context_unref(ctx);
    free(ms);
    return 0;
}
