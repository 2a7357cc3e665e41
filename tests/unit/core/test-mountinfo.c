/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont__mountinfo_read() on sample files written to a temp dir: escapes,
 * optional fields, malformed lines (the whole read fails), then the real
 * /proc/self/mountinfo.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error-internal.h"
#include "core/mountinfo.h"
#include "core/util.h"

struct tmp {
    char dir[32];
    int dirfd;
};

static int setup(void **state)
{
    struct tmp *t = calloc(1, sizeof(*t));

    if (!t)
        return -1;
    strcpy(t->dir, "/tmp/lcont-mountinfo-XXXXXX");
    if (!mkdtemp(t->dir))
        return -1;
    t->dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t->dirfd < 0)
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct tmp *t = *state;

    close(t->dirfd);
    if (lcont__rm_rf_at(AT_FDCWD, t->dir) < 0)
        return -1;
    free(t);
    return 0;
}

static void write_sample(const struct tmp *t, const char *text)
{
    assert_int_equal(
        lcont__write_file_atomic_at(t->dirfd, "mountinfo", text, strlen(text), 0644, false), 0);
}

static const char sample[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
    /* a mount without optional fields */
    "23 22 0:22 / /proc rw,nosuid,nodev,noexec - proc proc rw\n"
    /* escapes everywhere that the kernel escapes; super options stay as printed */
    "40 22 0:35 /dir\\040with\\040space /mnt/my\\040disk rw master:3 - tmpfs my\\040src "
    "rw,size=1024k,x=a\\040b\n"
    "\n"
    /* several optional fields, shared: not first; tab and backslash escapes; a bad escape */
    "41 22 259:65536 / /mnt/tab\\011and\\134back\\9 rw,relatime master:4 shared:12 "
    "propagate_from:2 - fuse.sshfs user@host:/x rw,user_id=0\n"
    "42 22 0:30 /lcont /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate";

static void check_sample(const struct lcont_mountinfo *mi, size_t n)
{
    assert_int_equal(n, 5);

    assert_int_equal(mi[0].major, 8);
    assert_int_equal(mi[0].minor, 1);
    assert_string_equal(mi[0].root, "/");
    assert_string_equal(mi[0].mountpoint, "/");
    assert_string_equal(mi[0].fstype, "ext4");
    assert_string_equal(mi[0].source, "/dev/sda1");
    assert_string_equal(mi[0].super_options, "rw,errors=remount-ro");
    assert_true(mi[0].shared);

    assert_int_equal(mi[1].major, 0);
    assert_int_equal(mi[1].minor, 22);
    assert_string_equal(mi[1].mountpoint, "/proc");
    assert_string_equal(mi[1].fstype, "proc");
    assert_false(mi[1].shared);

    assert_string_equal(mi[2].root, "/dir with space");
    assert_string_equal(mi[2].mountpoint, "/mnt/my disk");
    assert_string_equal(mi[2].fstype, "tmpfs");
    assert_string_equal(mi[2].source, "my src");
    assert_string_equal(mi[2].super_options, "rw,size=1024k,x=a\\040b");
    assert_false(mi[2].shared); /* master:N only */

    assert_int_equal(mi[3].major, 259);
    assert_int_equal(mi[3].minor, 65536);
    assert_string_equal(mi[3].mountpoint, "/mnt/tab\tand\\back\\9");
    assert_string_equal(mi[3].fstype, "fuse.sshfs");
    assert_string_equal(mi[3].source, "user@host:/x");
    assert_true(mi[3].shared);

    /* the last line has no trailing newline */
    assert_string_equal(mi[4].root, "/lcont");
    assert_string_equal(mi[4].mountpoint, "/sys/fs/cgroup");
    assert_string_equal(mi[4].fstype, "cgroup2");
    assert_string_equal(mi[4].super_options, "rw,nsdelegate");
    assert_false(mi[4].shared);
}

static void test_mountinfo_sample(void **state)
{
    struct tmp *t = *state;
    struct lcont_mountinfo *mi = NULL;
    size_t n = 0;
    char path[64];

    write_sample(t, sample);
    assert_int_equal(lcont__mountinfo_read(t->dirfd, "mountinfo", &mi, &n, NULL), 0);
    check_sample(mi, n);
    lcont__mountinfo_free(mi, n);

    /* the same file through an absolute path */
    mi = NULL;
    n = 0;
    snprintf(path, sizeof(path), "%s/mountinfo", t->dir);
    assert_int_equal(lcont__mountinfo_read(AT_FDCWD, path, &mi, &n, NULL), 0);
    check_sample(mi, n);
    lcont__mountinfo_free(mi, n);
}

static void test_mountinfo_empty(void **state)
{
    struct tmp *t = *state;
    struct lcont_mountinfo *mi = (void *)1;
    size_t n = 42;

    write_sample(t, "");
    assert_int_equal(lcont__mountinfo_read(t->dirfd, "mountinfo", &mi, &n, NULL), 0);
    assert_null(mi);
    assert_int_equal(n, 0);
    lcont__mountinfo_free(NULL, 0);
}

/* One bad line fails the whole read, names the line, and leaves the outputs alone. */
static void test_mountinfo_malformed(void **state)
{
    static const char *const bad[] = {
        "36 22 0:31 / /a rw shared:2 ext4 /dev/sdb rw\n",      /* no "-" separator */
        "36 22 0:31 / /a\n",                                   /* too few fields */
        "36 22 0:31 / /a rw - ext4 /dev/sdb\n",                /* no super options */
        "36 22 zero:31 / /a rw - ext4 /dev/sdb rw\n",          /* bad major:minor */
        "36 22 0:31 / /a rw - ext4 /dev/sdb rw\n42 garbage\n", /* a good line first */
    };
    static const unsigned bad_line[] = { 1, 1, 1, 1, 2 };
    struct tmp *t = *state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct lcont_mountinfo *mi = (void *)1;
        lcont_error *err = NULL;
        size_t n = 42;
        char want[64];

        write_sample(t, bad[i]);
        assert_int_equal(lcont__mountinfo_read(t->dirfd, "mountinfo", &mi, &n, &err), -EINVAL);
        assert_non_null(err);
        assert_int_equal(lcont_error_code(err), -EINVAL);
        snprintf(want, sizeof(want), "mountinfo: cannot parse line %u", bad_line[i]);
        assert_string_equal(lcont_error_message(err), want);
        assert_ptr_equal(mi, (void *)1);
        assert_int_equal(n, 42);
        lcont_error_free(err);
    }
}

static void test_mountinfo_missing(void **state)
{
    struct tmp *t = *state;
    struct lcont_mountinfo *mi = NULL;
    lcont_error *err = NULL;
    size_t n = 0;

    assert_int_equal(lcont__mountinfo_read(t->dirfd, "nonexistent", &mi, &n, &err), -ENOENT);
    assert_non_null(err);
    assert_string_equal(lcont_error_message(err), "read nonexistent: No such file or directory");
    lcont_error_free(err);
    assert_int_equal(lcont__mountinfo_read(t->dirfd, NULL, &mi, &n, NULL), -EINVAL);
}

/* The real file, both ways the library reads it. */
static void test_mountinfo_self(void **state)
{
    struct lcont_mountinfo *mi = NULL;
    size_t n = 0;
    bool have_proc = false;
    int proc_fd;

    assert_int_equal(lcont__mountinfo_read(AT_FDCWD, "/proc/self/mountinfo", &mi, &n, NULL), 0);
    assert_true(n > 0);
    lcont__mountinfo_free(mi, n);

    proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(proc_fd >= 0);
    assert_int_equal(lcont__mountinfo_read(proc_fd, "self/mountinfo", &mi, &n, NULL), 0);
    for (size_t i = 0; i < n; i++)
        if (strcmp(mi[i].mountpoint, "/proc") == 0)
            have_proc = strcmp(mi[i].fstype, "proc") == 0; /* the last one is visible */
    assert_true(have_proc);
    lcont__mountinfo_free(mi, n);
    close(proc_fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mountinfo_sample, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mountinfo_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mountinfo_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mountinfo_missing, setup, teardown),
        cmocka_unit_test(test_mountinfo_self),
    };
    return cmocka_run_group_tests_name("mountinfo", tests, NULL, NULL);
}
