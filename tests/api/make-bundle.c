/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* make-bundle ARGS...: create a busybox OCI bundle running ARGS, print its path. */
#include <stdio.h>

#include "helpers.h"

int main(int argc, char **argv)
{
    char *bundle;

    if (argc < 2) {
        fprintf(stderr, "usage: make-bundle ARGS...\n");
        return 2;
    }
    if (!test_busybox_path()) {
        fprintf(stderr, "make-bundle: no static busybox installed\n");
        return TEST_SKIP;
    }
    bundle = test_bundle_new((const char *const *)(argv + 1));
    if (!bundle) {
        perror("make-bundle");
        return 1;
    }
    printf("%s\n", bundle);
    return 0;
}
