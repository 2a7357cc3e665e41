/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The image's User resolved from its own /etc/passwd and /etc/group (lib/spec/image-user.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "spec/image-config.h"

#define PASSWD                                   \
    "# comment line\n"                           \
    "root:x:0:0:root:/root:/bin/sh\n"            \
    "broken line without fields\n"               \
    "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n" \
    "app:x:1000:1000:App:/home/app:/bin/sh\n"    \
    "nohome:x:1001:1001:::/bin/sh\n"             \
    "badid:x:12a:5:::\n"                         \
    "last:x:2000:2000::/srv/last:/bin/sh" /* no final newline */

#define GROUP                 \
    "root:x:0:\n"             \
    "wheel:x:10:root,app\n"   \
    "app:x:1000:\n"           \
    "audio:x:29:nohome,app\n" \
    "staff:x:50:\n"           \
    "video:x:44:appx\n"

struct fixture {
    char dir[64];
    int rootfd;
};

static void write_file(int rootfd, const char *path, const char *text)
{
    int fd = openat(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    strcpy(f->dir, "/tmp/lcont-image-user.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->rootfd = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(f->rootfd >= 0);
    assert_int_equal(mkdirat(f->rootfd, "etc", 0755), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    close(f->rootfd);
    assert_int_equal(lcont__rm_rf_at(AT_FDCWD, f->dir), 0);
    free(f);
    return 0;
}

static void with_db(struct fixture *f)
{
    write_file(f->rootfd, "etc/passwd", PASSWD);
    write_file(f->rootfd, "etc/group", GROUP);
}

/* Resolve @user; expect success. */
static struct lcont_image_user resolve_ok(int rootfd, const char *user, const char *const *groups)
{
    struct lcont_image_user u = { 0 };
    lcont_error *err = NULL;
    int r = lcont__image_user_resolve(rootfd, user, groups, &u, &err);
    if (r < 0)
        print_error("%s: %s\n", user, lcont_error_message(err));
    assert_int_equal(r, 0);
    assert_null(err);
    return u;
}

/* Resolve @user; expect @code and a message containing @msg. */
static void resolve_fail(int rootfd, const char *user, const char *const *groups, int code,
                         const char *msg)
{
    struct lcont_image_user u = { .uid = 4242 };
    lcont_error *err = NULL;
    int r = lcont__image_user_resolve(rootfd, user, groups, &u, &err);
    if (r == 0)
        print_error("'%s' resolved to uid %u\n", user, (unsigned)u.uid);
    assert_int_equal(r, code);
    assert_non_null(err);
    if (!strstr(lcont_error_message(err), msg))
        print_error("message '%s' lacks '%s'\n", lcont_error_message(err), msg);
    assert_non_null(strstr(lcont_error_message(err), msg));
    assert_int_equal(u.uid, 4242); /* outputs untouched on failure */
    lcont_error_free(err);
}

static void assert_gids(const struct lcont_image_user *u, const gid_t *want, size_t n)
{
    assert_int_equal(u->n_additional_gids, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(u->additional_gids[i], want[i]);
}

static void test_image_user_by_name(void **state)
{
    struct fixture *f = *state;
    struct lcont_image_user u;

    with_db(f);
    u = resolve_ok(f->rootfd, "app", NULL);
    assert_int_equal(u.uid, 1000);
    assert_int_equal(u.gid, 1000);
    assert_string_equal(u.home, "/home/app");
    /* member of wheel and audio, not of video ("appx" is another name) */
    assert_gids(&u, (gid_t[]){ 10, 29 }, 2);
    lcont__image_user_done(&u);

    u = resolve_ok(f->rootfd, "nohome", NULL);
    assert_int_equal(u.uid, 1001);
    assert_null(u.home);
    assert_gids(&u, (gid_t[]){ 29 }, 1);
    lcont__image_user_done(&u);

    /* the last line has no newline */
    u = resolve_ok(f->rootfd, "last", NULL);
    assert_int_equal(u.uid, 2000);
    assert_string_equal(u.home, "/srv/last");
    lcont__image_user_done(&u);
}

static void test_image_user_numeric(void **state)
{
    struct fixture *f = *state;
    struct lcont_image_user u;

    with_db(f);
    /* a known uid takes its passwd entry's group and home */
    u = resolve_ok(f->rootfd, "1000", NULL);
    assert_int_equal(u.uid, 1000);
    assert_int_equal(u.gid, 1000);
    assert_string_equal(u.home, "/home/app");
    lcont__image_user_done(&u);
    /* an unknown uid is fine, with gid 0 */
    u = resolve_ok(f->rootfd, "4321", NULL);
    assert_int_equal(u.uid, 4321);
    assert_int_equal(u.gid, 0);
    assert_null(u.home);
    assert_int_equal(u.n_additional_gids, 0);
    lcont__image_user_done(&u);
    /* uid:gid, both numbers */
    u = resolve_ok(f->rootfd, "4321:77", NULL);
    assert_int_equal(u.uid, 4321);
    assert_int_equal(u.gid, 77);
    lcont__image_user_done(&u);
    /* empty means root */
    u = resolve_ok(f->rootfd, "", NULL);
    assert_int_equal(u.uid, 0);
    assert_int_equal(u.gid, 0);
    assert_string_equal(u.home, "/root");
    assert_gids(&u, (gid_t[]){ 10 }, 1);
    lcont__image_user_done(&u);
    /* the largest id the kernel accepts; (uid_t)-1 is not one */
    u = resolve_ok(f->rootfd, "4294967294", NULL);
    assert_int_equal(u.uid, 4294967294u);
    lcont__image_user_done(&u);
    resolve_fail(f->rootfd, "4294967295", NULL, -EINVAL, "uid out of range");
    resolve_fail(f->rootfd, "0:99999999999", NULL, -EINVAL, "group id 99999999999 out of range");
}

static void test_image_user_with_group(void **state)
{
    struct fixture *f = *state;
    struct lcont_image_user u;

    with_db(f);
    /* an explicit group replaces the primary group and the memberships (as runc) */
    u = resolve_ok(f->rootfd, "app:staff", NULL);
    assert_int_equal(u.uid, 1000);
    assert_int_equal(u.gid, 50);
    assert_int_equal(u.n_additional_gids, 0);
    lcont__image_user_done(&u);
    u = resolve_ok(f->rootfd, "1000:audio", NULL);
    assert_int_equal(u.gid, 29);
    lcont__image_user_done(&u);
    u = resolve_ok(f->rootfd, "app:1234", NULL);
    assert_int_equal(u.gid, 1234);
    lcont__image_user_done(&u);
    /* additional groups: names and numbers, sorted, without duplicates */
    u = resolve_ok(f->rootfd, "app", (const char *const[]){ "staff", "7", "wheel", NULL });
    assert_gids(&u, (gid_t[]){ 7, 10, 29, 50 }, 4);
    lcont__image_user_done(&u);
}

static void test_image_user_errors(void **state)
{
    struct fixture *f = *state;

    with_db(f);
    resolve_fail(f->rootfd, "nobody", NULL, -ENOENT, "no user 'nobody' in the image's /etc/passwd");
    resolve_fail(f->rootfd, "app:nogroup", NULL, -ENOENT, "no group 'nogroup'");
    resolve_fail(f->rootfd, "app", (const char *const[]){ "missing", NULL }, -ENOENT,
                 "additional groups: no group 'missing'");
    resolve_fail(f->rootfd, "a:b:c", NULL, -EINVAL, "not of the form USER[:GROUP]");
    /* "badid" has a malformed uid: the line is skipped, so the name is unknown */
    resolve_fail(f->rootfd, "badid", NULL, -ENOENT, "no user 'badid'");
    /* a negative or signed number is a name, not an id */
    resolve_fail(f->rootfd, "-1", NULL, -ENOENT, "no user '-1'");
}

static void test_image_user_no_files(void **state)
{
    struct fixture *f = *state;
    struct lcont_image_user u;

    /* no /etc/passwd, no /etc/group: numbers work, names are a clear error */
    u = resolve_ok(f->rootfd, "123:456", NULL);
    assert_int_equal(u.uid, 123);
    assert_int_equal(u.gid, 456);
    lcont__image_user_done(&u);
    resolve_fail(f->rootfd, "app", NULL, -ENOENT, "the image has no /etc/passwd");
    resolve_fail(f->rootfd, "0:wheel", NULL, -ENOENT, "the image has no /etc/group");
    /* without a rootfs at all */
    u = resolve_ok(-1, "5", NULL);
    assert_int_equal(u.uid, 5);
    lcont__image_user_done(&u);
    resolve_fail(-1, "root", NULL, -ENOENT, "the image has no /etc/passwd");
}

static void test_image_user_symlink_stays_inside(void **state)
{
    struct fixture *f = *state;
    struct lcont_image_user u;

    /*
     * /etc/passwd -> /../../lib/passwd: ".." stops at the image root, so this is
     * the image's /lib/passwd; followed on the host it would be /lib/passwd there.
     */
    assert_int_equal(mkdirat(f->rootfd, "lib", 0755), 0);
    write_file(f->rootfd, "lib/passwd", "imguser:x:777:778::/img:/bin/sh\n");
    assert_int_equal(symlinkat("/../../lib/passwd", f->rootfd, "etc/passwd"), 0);
    u = resolve_ok(f->rootfd, "imguser", NULL);
    assert_int_equal(u.uid, 777);
    assert_int_equal(u.gid, 778);
    lcont__image_user_done(&u);

    /*
     * /etc/passwd -> /../../etc/passwd: on the host that is the host's passwd (which
     * has "daemon"); inside the root it points at itself. It must never resolve to
     * the host's entry.
     */
    assert_int_equal(unlinkat(f->rootfd, "etc/passwd", 0), 0);
    assert_int_equal(symlinkat("/../../etc/passwd", f->rootfd, "etc/passwd"), 0);
    resolve_fail(f->rootfd, "daemon", NULL, -ELOOP, "open /etc/passwd in the image");
    resolve_fail(f->rootfd, "1", NULL, -ELOOP, "open /etc/passwd in the image");

    /* a relative escape through /etc/group, same rule */
    write_file(f->rootfd, "lib/group", "imggroup:x:900:\n");
    assert_int_equal(symlinkat("../../../../../../lib/group", f->rootfd, "etc/group"), 0);
    assert_int_equal(unlinkat(f->rootfd, "etc/passwd", 0), 0);
    u = resolve_ok(f->rootfd, "0:imggroup", NULL);
    assert_int_equal(u.gid, 900);
    lcont__image_user_done(&u);
}

static void test_image_user_not_regular(void **state)
{
    struct fixture *f = *state;

    /* a FIFO would block the reader forever */
    assert_int_equal(mkfifoat(f->rootfd, "etc/passwd", 0644), 0);
    resolve_fail(f->rootfd, "app", NULL, -EINVAL, "/etc/passwd in the image: not a regular file");
    assert_int_equal(unlinkat(f->rootfd, "etc/passwd", 0), 0);
    assert_int_equal(mkdirat(f->rootfd, "etc/passwd", 0755), 0);
    resolve_fail(f->rootfd, "app", NULL, -EINVAL, "not a regular file");
}

static void test_image_user_too_large(void **state)
{
    struct fixture *f = *state;
    int fd = openat(f->rootfd, "etc/passwd", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

    assert_true(fd >= 0);
    /* sparse: 5 MiB of zeros */
    assert_int_equal(ftruncate(fd, 5 * 1024 * 1024), 0);
    close(fd);
    resolve_fail(f->rootfd, "app", NULL, -EFBIG, "larger than");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_image_user_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_user_numeric, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_user_with_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_user_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_user_no_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_user_symlink_stays_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_user_not_regular, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_user_too_large, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
