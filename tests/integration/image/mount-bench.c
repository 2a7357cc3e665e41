/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Time lcont_image_mount() + lcont_image_umount() of an image whose layers are cached
 * (the cache is filled once, before timing). Public API only.
 *
 * usage: image-mount-bench STORE_ROOT SOURCE TARGET_DIR RUNS [volatile]
 * Prints the median and min of mount and umount in ms, then one JSON line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lcont/lcont.h>

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    lcont_context_opts co = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;
    lcont_image_store *store = NULL;
    lcont_image *img = NULL;
    lcont_error *err = NULL;
    double *m, *u;
    uint64_t flags = 0;
    int runs, r;

    if (argc < 5 || (runs = atoi(argv[4])) < 1) {
        fprintf(stderr, "usage: %s STORE_ROOT SOURCE TARGET_DIR RUNS [volatile]\n", argv[0]);
        return 2;
    }
    if (argc > 5 && strcmp(argv[5], "volatile") == 0)
        flags |= LCONT_IMAGE_MOUNT_VOLATILE;
    m = calloc((size_t)runs, sizeof(double));
    u = calloc((size_t)runs, sizeof(double));
    co.store_root = argv[1];
    mkdir(argv[3], 0755);
    if ((r = lcont_context_new(&co, 0, &ctx, &err)) < 0 ||
        (r = lcont_image_store_open(ctx, NULL, 0, &store, &err)) < 0 ||
        (r = lcont_image_load(store, argv[2], NULL, LCONT_IMAGE_LOAD_CACHE_LAYERS, &img, &err)) <
            0) {
        fprintf(stderr, "setup: %s\n", lcont_error_message(err));
        return 1;
    }
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms(), t1, t2;
        if ((r = lcont_image_mount(store, img, argv[3], NULL, flags, &err)) < 0) {
            fprintf(stderr, "mount: %s\n", lcont_error_message(err));
            return 1;
        }
        t1 = now_ms();
        if ((r = lcont_image_umount(store, argv[3], 0, &err)) < 0) {
            fprintf(stderr, "umount: %s\n", lcont_error_message(err));
            return 1;
        }
        t2 = now_ms();
        m[i] = t1 - t0;
        u[i] = t2 - t1;
    }
    qsort(m, (size_t)runs, sizeof(double), cmp_double);
    qsort(u, (size_t)runs, sizeof(double), cmp_double);
    printf("image %s: %zu layers, %llu bytes; %d runs\n", argv[2], lcont_image_get_layer_count(img),
           (unsigned long long)lcont_image_get_size(img), runs);
    printf("mount  median %.3f ms  min %.3f ms\n", m[runs / 2], m[0]);
    printf("umount median %.3f ms  min %.3f ms\n", u[runs / 2], u[0]);
    printf("{\"bench\":\"image-mount\",\"layers\":%zu,\"bytes\":%llu,\"volatile\":%d,"
           "\"mount_ms\":%.3f,\"umount_ms\":%.3f}\n",
           lcont_image_get_layer_count(img), (unsigned long long)lcont_image_get_size(img),
           flags ? 1 : 0, m[runs / 2], u[runs / 2]);
    lcont_image_unref(img);
    lcont_image_store_unref(store);
    lcont_context_unref(ctx);
    free(m);
    free(u);
    return 0;
}
