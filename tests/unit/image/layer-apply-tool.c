/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test driver for lcont__layer_apply(): applies LAYER files in order onto ROOT and prints,
 * per layer, "ok <diff_id> <entries> <skipped_devices> <skipped_xattrs> <uncompressed>
 * <progress calls> <last progress entries>"
 * or "error <errno> <message>" (then exits 1). test-layers.py drives it.
 *
 * usage: layer-apply-tool [--compression=auto|none|gzip|zstd] [--overlay] [--userxattr]
 *          [--unprivileged] [--threaded] [--uidmap=C:H:N] [--gidmap=C:H:N] [--lower=DIR]
 *          [--max-bytes=N] [--max-ratio=N] [--max-entries=N] [--max-header=N]
 *          ROOT LAYER...
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/layer.h"

struct progress {
    uint64_t calls, entries, bytes_out;
};

static void on_progress(uint64_t bytes_in, uint64_t bytes_out, uint64_t entries, void *userdata)
{
    struct progress *p = userdata;

    (void)bytes_in;
    /* counters only grow */
    if (entries < p->entries || bytes_out < p->bytes_out)
        p->calls = UINT64_MAX / 2;
    p->calls++;
    p->entries = entries;
    p->bytes_out = bytes_out;
}

static int parse_map(const char *s, struct lcont_layer_idmap *m)
{
    return sscanf(s, "%" SCNu32 ":%" SCNu32 ":%" SCNu32, &m->container_id, &m->host_id, &m->size) ==
                   3
               ? 0
               : -1;
}

static int option(const char *arg, const char *name, const char **ret)
{
    size_t n = strlen(name);

    if (strncmp(arg, name, n) != 0 || arg[n] != '=')
        return 0;
    *ret = arg + n + 1;
    return 1;
}

int main(int argc, char **argv)
{
    struct lcont_layer_apply_opts opts = { 0 };
    struct lcont_layer_idmap uid_map, gid_map;
    int lower_fds[8], n_lower = 0, i, root_fd;
    const char *v;

    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *a = argv[i];
        if (option(a, "--compression", &v)) {
            opts.compression = strcmp(v, "none") == 0   ? LCONT_LAYER_COMPRESSION_NONE
                               : strcmp(v, "gzip") == 0 ? LCONT_LAYER_COMPRESSION_GZIP
                               : strcmp(v, "zstd") == 0 ? LCONT_LAYER_COMPRESSION_ZSTD
                                                        : LCONT_LAYER_COMPRESSION_AUTO;
        } else if (strcmp(a, "--overlay") == 0) {
            opts.overlay_whiteouts = true;
        } else if (strcmp(a, "--userxattr") == 0) {
            opts.overlay_userxattr = true;
        } else if (strcmp(a, "--threaded") == 0) {
            opts.threaded = true;
        } else if (strcmp(a, "--unprivileged") == 0) {
            opts.unprivileged = true;
        } else if (option(a, "--uidmap", &v) && parse_map(v, &uid_map) == 0) {
            opts.uid_map = &uid_map;
            opts.n_uid_map = 1;
        } else if (option(a, "--gidmap", &v) && parse_map(v, &gid_map) == 0) {
            opts.gid_map = &gid_map;
            opts.n_gid_map = 1;
        } else if (option(a, "--lower", &v) && n_lower < 8) {
            lower_fds[n_lower] = open(v, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (lower_fds[n_lower++] < 0)
                return perror(v), 2;
        } else if (option(a, "--max-bytes", &v)) {
            opts.limits.max_uncompressed_bytes = strtoull(v, NULL, 0);
        } else if (option(a, "--max-ratio", &v)) {
            opts.limits.max_ratio = strtoull(v, NULL, 0);
        } else if (option(a, "--max-entries", &v)) {
            opts.limits.max_entries = strtoull(v, NULL, 0);
        } else if (option(a, "--max-header", &v)) {
            opts.limits.max_header_bytes = strtoull(v, NULL, 0);
        } else {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
    }
    if (n_lower) {
        opts.lower_root_fds = lower_fds;
        opts.n_lower_root_fds = (size_t)n_lower;
    }
    if (argc - i < 2) {
        fprintf(stderr, "usage: %s [options] ROOT LAYER...\n", argv[0]);
        return 2;
    }
    root_fd = open(argv[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0)
        return perror(argv[i]), 2;
    for (i++; i < argc; i++) {
        struct lcont_layer_apply_result res;
        struct progress prog = { 0 };
        lcont_error *err = NULL;
        int fd = open(argv[i], O_RDONLY | O_CLOEXEC), r;

        opts.progress = on_progress;
        opts.progress_userdata = &prog;

        if (fd < 0)
            return perror(argv[i]), 2;
        r = lcont__layer_apply(root_fd, fd, &opts, &res, &err);
        close(fd);
        if (r < 0) {
            printf("error %d %s\n", -r, err ? lcont_error_message(err) : "(no message)");
            if (!err || lcont_error_code(err) != r)
                printf("error object does not match the return code\n");
            lcont_error_free(err);
            return 1;
        }
        printf("ok %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
               res.diff_id, res.entries, res.skipped_devices, res.skipped_xattrs,
               res.uncompressed_bytes, prog.calls, prog.entries);
    }
    return 0;
}
