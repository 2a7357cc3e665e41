/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Run an OCI bundle to completion through the lcont C API: create, start, wait, delete. */
#include <stdio.h>
#include <stdlib.h>

#include <lcont/lcont.h>

int main(int argc, char **argv)
{
    lcont_context_opts copts = LCONT_CONTEXT_OPTS_INIT;
    lcont_create_opts opts = LCONT_CREATE_OPTS_INIT;
    lcont_context *ctx = NULL;
    lcont_container *c = NULL;
    lcont_process *init = NULL;
    lcont_error *err = NULL;
    int status = -1;

    if (argc != 4) {
        fprintf(stderr, "usage: %s BUNDLE STATE-ROOT ID\n", argv[0]);
        return 2;
    }
    copts.state_root = argv[2];
    opts.bundle = argv[1];
    if (lcont_context_new(&copts, 0, &ctx, &err) < 0 ||
        lcont_container_create(ctx, argv[3], &opts, 0, &c, &err) < 0 ||
        lcont_container_start(c, 0, &err) < 0 ||
        lcont_container_get_init_process(c, 0, &init, &err) < 0 ||
        lcont_process_wait(init, 0, &status, &err) < 0 || lcont_container_delete(c, 0, &err) < 0) {
        fprintf(stderr, "run-bundle: %s\n", lcont_error_message(err));
        lcont_error_free(err);
        status = 1;
    } else {
        printf("run-bundle: container '%s' exited with status %d\n", argv[3], status);
    }
    lcont_process_unref(init);
    lcont_container_unref(c);
    lcont_context_unref(ctx);
    return status;
}
