/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark harness: apply LAYER blobs in order onto OUT with lcont__layer_apply(), the
 * way a flattened unpack does (bench/unpack.sh uses it until/unless the CLI is there).
 * Checks each layer's DiffID when given as LAYER=sha256:... (like the store would).
 *
 * usage: apply-layers [-t] OUT LAYER[=DIFFID]...     (-t: opts.threaded)
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/layer.h"

int main(int argc, char **argv)
{
    struct lcont_layer_apply_opts opts = { 0 };
    int root_fd;

    if (argc > 1 && strcmp(argv[1], "-t") == 0) {
        opts.threaded = true;
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: apply-layers [-t] OUT LAYER[=DIFFID]...\n");
        return 2;
    }
    if (mkdir(argv[1], 0755) < 0) {
        perror(argv[1]);
        return 1;
    }
    root_fd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) {
        perror(argv[1]);
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        struct lcont_layer_apply_result res;
        lcont_error *err = NULL;
        char *want = strchr(argv[i], '=');
        int fd, r;

        if (want)
            *want++ = '\0';
        fd = open(argv[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            perror(argv[i]);
            return 1;
        }
        r = lcont__layer_apply(root_fd, fd, &opts, &res, &err);
        close(fd);
        if (r < 0) {
            fprintf(stderr, "%s: %s\n", argv[i], lcont_error_message(err));
            lcont_error_free(err);
            return 1;
        }
        if (want && strcmp(want, res.diff_id) != 0) {
            fprintf(stderr, "%s: diff_id %s, expected %s\n", argv[i], res.diff_id, want);
            return 1;
        }
    }
    return 0;
}
