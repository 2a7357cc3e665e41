/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for layer apply (untrusted input: any layer blob, compressed or not).
 * Each input is applied into a fresh directory beside a canary; besides "no crash, no
 * leak" it checks that failures explain themselves and that nothing but the root changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "image/layer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static void check_canary(int dir_fd)
{
    char buf[16] = { 0 };
    int fd = openat(dir_fd, "canary", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    check(fd >= 0);
    check(read(fd, buf, sizeof(buf)) == 7 && memcmp(buf, "canary\n", 7) == 0);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lcont_layer_apply_opts opts = {
        /* small limits keep each input fast; devices never made (no root needed) */
        .limits = { .max_uncompressed_bytes = 16 << 20, .max_entries = 2000 },
        .unprivileged = true,
    };
    struct lcont_layer_apply_result res;
    char tmpl[] = "/tmp/fuzz-layer.XXXXXX";
    lcont_error *err = NULL;
    int dir_fd, root_fd, blob_fd, fd, r;

    check(mkdtemp(tmpl) != NULL);
    dir_fd = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
    check(dir_fd >= 0);
    check(mkdirat(dir_fd, "root", 0755) == 0);
    fd = openat(dir_fd, "canary", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    check(fd >= 0 && write(fd, "canary\n", 7) == 7);
    close(fd);
    root_fd = openat(dir_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
    blob_fd = memfd_create("layer", MFD_CLOEXEC);
    check(root_fd >= 0 && blob_fd >= 0);
    check(size == 0 || write(blob_fd, data, size) == (ssize_t)size);
    check(lseek(blob_fd, 0, SEEK_SET) == 0);

    r = lcont__layer_apply(root_fd, blob_fd, &opts, &res, &err);
    if (r == 0) {
        check(err == NULL);
        check(strncmp(res.diff_id, "sha256:", 7) == 0);
    } else {
        check(r < 0 && err != NULL);
        check(lcont_error_code(err) == r);
        check(lcont_error_message(err)[0] != '\0');
        lcont_error_free(err);
    }
    check_canary(dir_fd);
    /* the root is still a directory, and the canary is the only other entry */
    check(faccessat(dir_fd, "root/.", F_OK, AT_SYMLINK_NOFOLLOW) == 0);
    close(root_fd);
    close(blob_fd);
    check(lcont__rm_rf_at(dir_fd, "root") == 0);
    check(unlinkat(dir_fd, "canary", 0) == 0);
    close(dir_fd);
    check(rmdir(tmpl) == 0); /* fails if anything else appeared beside the root */
    return 0;
}
