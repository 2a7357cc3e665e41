/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the image user lookup (untrusted input: an image's User field and its
 * own /etc/passwd and /etc/group). The input is "USER[,GROUP...]" NUL passwd NUL group; the
 * two files are written into a scratch rootfs and lcont__image_user_resolve() reads them
 * from there. Besides "no crash, no leak" it checks that failures explain themselves and
 * that results are what the runtime relies on: ids below (uid_t)-1, supplementary groups
 * sorted without duplicates and within NGROUPS_MAX.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "spec/image-config.h"

#define MAX_EXTRA_GROUPS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static char tmpl[] = "/tmp/fuzz-image-user.XXXXXX";
static int root_fd = -1;

static void cleanup(void)
{
    int fd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);

    if (root_fd >= 0)
        close(root_fd);
    if (fd >= 0) {
        lcont__rm_rf_at(fd, tmpl + 5);
        close(fd);
    }
}

static void put_file(const char *path, const uint8_t *text, size_t len)
{
    int fd = openat(root_fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    check(fd >= 0);
    check(len == 0 || write(fd, text, len) == (ssize_t)len);
    close(fd);
}

/* The next NUL-terminated part of the input (the last one ends at the end). */
static const uint8_t *next_part(const uint8_t **p, const uint8_t *end, size_t *ret_len)
{
    const uint8_t *start = *p, *nul = memchr(start, '\0', (size_t)(end - start));

    *ret_len = (size_t)((nul ? nul : end) - start);
    *p = nul ? nul + 1 : end;
    return start;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size, *user_part, *passwd, *group;
    size_t user_len, passwd_len, group_len, n_groups = 0;
    const char *groups[MAX_EXTRA_GROUPS + 1] = { NULL };
    struct lcont_image_user u;
    lcont_error *err = NULL;
    char *user, *comma;
    int r;

    if (root_fd < 0) {
        check(mkdtemp(tmpl) != NULL);
        atexit(cleanup);
        root_fd = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
        check(root_fd >= 0 && mkdirat(root_fd, "etc", 0755) == 0);
    }
    user_part = next_part(&p, end, &user_len);
    passwd = next_part(&p, end, &passwd_len);
    group = next_part(&p, end, &group_len);
    put_file("etc/passwd", passwd, passwd_len);
    put_file("etc/group", group, group_len);

    user = strndup((const char *)user_part, user_len);
    check(user != NULL);
    /* "USER,G1,G2": the extra groups come after commas */
    for (comma = strchr(user, ','); comma && n_groups < MAX_EXTRA_GROUPS;
         comma = strchr(comma + 1, ',')) {
        *comma = '\0';
        groups[n_groups++] = comma + 1;
    }

    memset(&u, 0xa5, sizeof(u));
    r = lcont__image_user_resolve(root_fd, user, n_groups ? groups : NULL, &u, &err);
    if (r == 0) {
        check(err == NULL);
        check(u.uid != (uid_t)-1 && u.gid != (gid_t)-1);
        check(u.n_additional_gids <= 65536);
        check(u.n_additional_gids == 0 || u.additional_gids != NULL);
        for (size_t i = 0; i < u.n_additional_gids; i++) {
            check(u.additional_gids[i] != (gid_t)-1);
            check(i == 0 || u.additional_gids[i - 1] < u.additional_gids[i]);
        }
        lcont__image_user_done(&u);
    } else {
        check(r < 0 && err != NULL);
        check(lcont_error_code(err) == r);
        check(lcont_error_message(err)[0] != '\0');
        check(r == -EINVAL || r == -ENOENT || r == -E2BIG || r == -EFBIG || r == -ENOMEM);
        lcont_error_free(err);
    }
    free(user);
    return 0;
}
