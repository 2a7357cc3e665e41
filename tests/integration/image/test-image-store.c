/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The image store through the public API, on images generated at test time by
 * gen-images.py (busybox + generated layers): load every source type, unpack and mount
 * (real overlayfs), remove/prune, a podman round trip, two processes importing at once,
 * and one case per kind of bad input. Needs root (mounts, device/owner semantics).
 *
 * usage: test-image-store GEN_IMAGES_PY
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <lcont/lcont.h>

#define xsnprintf(buf, ...) \
    assert_true((size_t)snprintf(buf, sizeof(buf), __VA_ARGS__) < sizeof(buf))

static char gen_script[4096];
static char base[4096];     /* everything of this run */
static char work[4096];     /* generated images (once) */
static char root[4096];     /* this test's store */
static char scratch[4096];  /* this test's directories */
static char podman_dir[64]; /* podman's private --root and --runroot */
static lcont_context *ctx;
static lcont_image_store *store;

static int run(const char *const argv[], bool quiet)
{
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        if (quiet) {
            int fd = open("/dev/null", O_WRONLY);
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A path in a local buffer (P() buffers rotate: never keep one across other calls). */
#define PATH(var, ...) \
    char var[4096];    \
    xsnprintf(var, __VA_ARGS__)

static const char *P(const char *fmt, ...)
{
    static char bufs[8][4096];
    static int next;
    char *b = bufs[next++ % 8];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(b, sizeof(bufs[0]), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(bufs[0]));
    return b;
}

static void rm_rf(const char *path)
{
    const char *argv[] = { "rm", "-rf", "--one-file-system", path, NULL };
    assert_int_equal(run(argv, false), 0);
}

static char *slurp(const char *path)
{
    static char buf[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return NULL;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return buf;
}

static void write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static bool kernel_at_least(int major, int minor)
{
    struct utsname u;
    int ma = 0, mi = 0;

    if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
        return false;
    return ma > major || (ma == major && mi >= minor);
}

/* Entries in a directory (not . and ..), -1 if it cannot be opened. */
static int count_entries(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;

    if (!d)
        return -1;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static bool is_mountpoint(const char *path)
{
    struct stat a, b;

    if (stat(path, &a) < 0 || stat(P("%s/..", path), &b) < 0)
        return false;
    return a.st_dev != b.st_dev;
}

static int group_setup(void **state)
{
    const char *argv[] = { "python3", gen_script, work, NULL };
    char tmpl[] = "/tmp/lcont-image-test-XXXXXX";

    if (!mkdtemp(tmpl) || chmod(tmpl, 0755) < 0) /* the rootless test's ids traverse it */
        return -1;
    snprintf(base, sizeof(base), "%s", tmpl);
    snprintf(work, sizeof(work), "%s/images", tmpl);
    return run(argv, false) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    rm_rf(base);
    return 0;
}

static int setup(void **state)
{
    static int n;
    lcont_context_opts co = LCONT_CONTEXT_OPTS_INIT;

    xsnprintf(root, "%s/store-%d", base, n);
    xsnprintf(scratch, "%s/scratch-%d", base, n++);
    assert_int_equal(mkdir(scratch, 0755), 0);
    co.store_root = root;
    assert_int_equal(lcont_context_new(&co, 0, &ctx, NULL), 0);
    assert_int_equal(lcont_image_store_open(ctx, NULL, 0, &store, NULL), 0);
    return 0;
}

static int teardown(void **state)
{
    /* Nothing of a test may stay mounted. */
    DIR *d = opendir(scratch);
    struct dirent *de;

    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.' && is_mountpoint(P("%s/%s", scratch, de->d_name))) {
            umount2(P("%s/%s", scratch, de->d_name), MNT_DETACH);
            fail_msg("%s/%s left mounted", scratch, de->d_name);
        }
    if (d)
        closedir(d);
    store = lcont_image_store_unref(store);
    ctx = lcont_context_unref(ctx);
    rm_rf(scratch);
    rm_rf(root);
    if (podman_dir[0]) {
        rm_rf(podman_dir);
        podman_dir[0] = '\0';
    }
    return 0;
}

static lcont_image *load_ok(const char *source, const char *name)
{
    lcont_image_load_opts o = LCONT_IMAGE_LOAD_OPTS_INIT;
    lcont_image *img = NULL;
    lcont_error *err = NULL;
    int r;

    o.name = name;
    r = lcont_image_load(store, source, &o, 0, &img, &err);
    if (r < 0)
        fail_msg("load %s: %d %s", source, r, lcont_error_message(err));
    assert_non_null(img);
    return img;
}

/* A failing load: the code, a message fragment, and nothing recorded or left in tmp/. */
static void load_fails(const char *source, int code, const char *fragment)
{
    lcont_image *img = NULL;
    lcont_error *err = NULL;
    char **list = NULL;
    int r = lcont_image_load(store, source, NULL, 0, &img, &err);

    if (r != code || !strstr(lcont_error_message(err), fragment))
        fail_msg("load %s: got %d '%s', want %d '...%s...'", source, r, lcont_error_message(err),
                 code, fragment);
    assert_null(img);
    lcont_error_free(err);
    assert_int_equal(lcont_image_list(store, 0, &list, NULL), 0);
    assert_null(list[0]);
    lcont_strv_free(list);
    assert_int_equal(count_entries(P("%s/tmp", root)), 0);
}

/* The tree of the "good" image, flattened: whiteouts, opaque dirs, links, modes. */
static void check_good_tree(const char *dir_arg)
{
    PATH(dir, "%s", dir_arg);
    struct stat st, st2;
    char link[64];
    ssize_t n;

    assert_int_equal(lstat(P("%s/bin/busybox", dir), &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(st.st_uid, 0);
    n = readlink(P("%s/bin/sh", dir), link, sizeof(link) - 1);
    assert_int_equal(n, 7);
    link[n] = '\0';
    assert_string_equal(link, "busybox");
    /* layer 1 whiteout and opaque directory */
    assert_int_equal(lstat(P("%s/etc/removed", dir), &st), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(lstat(P("%s/dir/opaque/a", dir), &st), -1);
    assert_string_equal(slurp(P("%s/dir/opaque/b", dir)), "b from layer 1\n");
    /* layer 2 replaced motd; the layer-1 hardlink keeps the old content */
    assert_string_equal(slurp(P("%s/etc/motd", dir)), "hello from layer 2\n");
    assert_string_equal(slurp(P("%s/etc/motd-link", dir)), "hello from layer 1\n");
    assert_int_equal(lstat(P("%s/usr/bin/suid", dir), &st), 0);
    assert_int_equal(st.st_mode & 07777, 04755);
    assert_int_equal(lstat(P("%s/tmp", dir), &st), 0);
    assert_int_equal(st.st_mode & 07777, 01777);
    assert_int_equal(st.st_mtime, 1700000000);
    /* layer 2 hardlinks a file of layer 0 */
    assert_int_equal(lstat(P("%s/bin/busybox-hardlink", dir), &st2), 0);
    assert_int_equal(lstat(P("%s/bin/busybox", dir), &st), 0);
    assert_int_equal(st2.st_size, st.st_size);
    assert_string_equal(slurp(P("%s/etc/passwd", dir)),
                        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n");
}

static void unpack_and_check(lcont_image *img, const char *name)
{
    lcont_error *err = NULL;
    PATH(dir, "%s/%s", scratch, name);
    int r = lcont_image_unpack(store, img, dir, NULL, 0, &err);

    if (r < 0)
        fail_msg("unpack: %d %s", r, lcont_error_message(err));
    check_good_tree(dir);
}

static void test_image_load_oci_dir(void **state)
{
    lcont_image *img = load_ok(P("oci:%s/good/oci:v1", work), NULL), *again = NULL;
    char **list = NULL, prefix[32];

    assert_string_equal(lcont_image_get_name(img), "oci:v1");
    assert_int_equal(strlen(lcont_image_get_digest(img)), 71);
    assert_int_equal(strncmp(lcont_image_get_id(img), "sha256:", 7), 0);
    assert_int_equal(lcont_image_get_layer_count(img), 3);
    assert_string_equal(lcont_image_get_created(img), "2023-11-14T22:13:20Z");
    assert_non_null(strstr(lcont_image_get_config_json(img), "\"diff_ids\""));
    assert_non_null(strstr(lcont_image_get_manifest_json(img), "layers"));
    assert_true(lcont_image_get_size(img) > 900000);
    assert_string_equal(lcont_image_get_names(img)[0], "oci:v1");
    assert_null(lcont_image_get_names(img)[1]);
    /* blobs: manifest + config + 3 layers, nothing in tmp/ */
    assert_int_equal(count_entries(P("%s/blobs/sha256", root)), 5);
    assert_int_equal(count_entries(P("%s/tmp", root)), 0);

    assert_int_equal(lcont_image_list(store, 0, &list, NULL), 0);
    assert_string_equal(list[0], lcont_image_get_digest(img));
    assert_null(list[1]);
    lcont_strv_free(list);
    /* lookups by name, digest, image ID prefix */
    assert_int_equal(lcont_image_lookup(store, "oci:v1", 0, &again, NULL), 0);
    assert_string_equal(lcont_image_get_digest(again), lcont_image_get_digest(img));
    again = lcont_image_unref(again);
    assert_int_equal(lcont_image_lookup(store, lcont_image_get_digest(img), 0, &again, NULL), 0);
    again = lcont_image_unref(again);
    memcpy(prefix, lcont_image_get_id(img) + 7, 12);
    prefix[12] = '\0';
    assert_int_equal(lcont_image_lookup(store, prefix, 0, &again, NULL), 0);
    assert_string_equal(lcont_image_get_digest(again), lcont_image_get_digest(img));
    again = lcont_image_unref(again);
    assert_int_equal(lcont_image_lookup(store, "nothere", 0, &again, NULL), -ENOENT);
    assert_int_equal(lcont_image_lookup(store, "sha256:0123", 0, &again, NULL), -ENOENT);

    /* loading again is idempotent */
    again = load_ok(P("oci:%s/good/oci:v1", work), NULL);
    assert_string_equal(lcont_image_get_digest(again), lcont_image_get_digest(img));
    lcont_image_unref(again);
    assert_int_equal(count_entries(P("%s/blobs/sha256", root)), 5);
    unpack_and_check(img, "rootfs");
    lcont_image_unref(img);
}

static void test_image_load_oci_archive(void **state)
{
    lcont_image *a = load_ok(P("oci-archive:%s/good/oci.tar:v1", work), NULL);
    lcont_image *b = load_ok(P("oci:%s/good/oci", work), "mine"); /* one image: no tag needed */

    /* the same manifest through both transports */
    assert_string_equal(lcont_image_get_digest(a), lcont_image_get_digest(b));
    assert_string_equal(lcont_image_get_names(b)[0], "mine:latest");
    assert_string_equal(lcont_image_get_names(b)[1], "oci.tar:v1");
    assert_int_equal(count_entries(P("%s/tmp", root)), 0);
    unpack_and_check(a, "rootfs");
    lcont_image_unref(a);
    lcont_image_unref(b);
}

static void test_image_load_docker_archive(void **state)
{
    lcont_image *img = load_ok(P("docker-archive:%s/good/docker.tar", work), NULL), *l = NULL;

    assert_string_equal(lcont_image_get_name(img), "example.com/good:v1");
    assert_int_equal(lcont_image_get_layer_count(img), 3);
    /* a short name matches after a '/' */
    assert_int_equal(lcont_image_lookup(store, "good:v1", 0, &l, NULL), 0);
    assert_string_equal(lcont_image_get_name(l), "example.com/good:v1");
    lcont_image_unref(l);
    unpack_and_check(img, "rootfs");
    lcont_image_unref(img);

    img = load_ok(P("docker-archive:%s/good/docker-oci.tar:example.com/good-oci:v1", work), NULL);
    assert_string_equal(lcont_image_get_name(img), "example.com/good-oci:v1");
    unpack_and_check(img, "rootfs2");
    lcont_image_unref(img);
    assert_int_equal(count_entries(P("%s/tmp", root)), 0);
}

static void test_image_load_zstd(void **state)
{
    lcont_image *img;

    if (access(P("%s/good/oci-zstd", work), F_OK) < 0)
        skip();
    img = load_ok(P("oci:%s/good/oci-zstd:zstd", work), NULL);
    unpack_and_check(img, "rootfs");
    lcont_image_unref(img);
}

static void test_image_platform_selection(void **state)
{
    lcont_image_load_opts o = LCONT_IMAGE_LOAD_OPTS_INIT;
    lcont_image *img = load_ok(P("oci:%s/multi/oci", work), "multi");
    lcont_error *err = NULL;

    assert_non_null(strstr(lcont_image_get_config_json(img), "\"architecture\": \"amd64\""));
    lcont_image_unref(img);
    o.architecture = "arm64";
    o.name = "multi-arm";
    assert_int_equal(lcont_image_load(store, P("oci:%s/multi/oci", work), &o, 0, &img, NULL), 0);
    assert_non_null(strstr(lcont_image_get_config_json(img), "\"architecture\": \"arm64\""));
    lcont_image_unref(img);
    o.architecture = "s390x";
    assert_int_equal(lcont_image_load(store, P("oci:%s/multi/oci", work), &o, 0, &img, &err),
                     -EINVAL);
    lcont_error_free(err);
}

static void test_image_mount_overlay(void **state)
{
    lcont_image *img = load_ok(P("oci:%s/good/oci:v1", work), NULL);
    PATH(t1, "%s/m1", scratch);
    PATH(t2, "%s/m2", scratch);
    PATH(t3, "%s/m3", scratch);
    lcont_error *err = NULL;
    struct statfs sfs;
    int r;

    mkdir(t1, 0755);
    mkdir(t2, 0755);
    mkdir(t3, 0755);
    r = lcont_image_mount(store, img, t1, NULL, 0, &err);
    if (r < 0)
        fail_msg("mount: %d %s", r, lcont_error_message(err));
    assert_true(is_mountpoint(t1));
    assert_int_equal(statfs(t1, &sfs), 0);
    assert_int_equal(sfs.f_type, 0x794c7630); /* OVERLAYFS_SUPER_MAGIC */
    check_good_tree(t1);
    /* three cached layers, recorded mount */
    assert_int_equal(count_entries(P("%s/layers", root)), 3);
    assert_int_equal(count_entries(P("%s/tmp", root)), 0);
    /* the upper layer is private to this mount */
    assert_int_equal(mkdir(P("%s/new", t1), 0755), 0);
    assert_int_equal(lcont_image_mount(store, img, t2, NULL, 0, NULL), 0);
    assert_int_equal(access(P("%s/new", t2), F_OK), -1);
    /* the same target twice: busy */
    assert_int_equal(lcont_image_mount(store, img, t1, NULL, 0, NULL), -EBUSY);
    /* read-only */
    assert_int_equal(lcont_image_mount(store, img, t3, NULL, LCONT_IMAGE_MOUNT_READONLY, NULL), 0);
    assert_int_equal(mkdir(P("%s/x", t3), 0755), -1);
    assert_int_equal(errno, EROFS);

    assert_int_equal(lcont_image_umount(store, t1, 0, NULL), 0);
    assert_int_equal(lcont_image_umount(store, t2, 0, NULL), 0);
    assert_int_equal(lcont_image_umount(store, t3, 0, NULL), 0);
    assert_false(is_mountpoint(t1));
    assert_int_equal(count_entries(t1), 0);
    assert_int_equal(count_entries(P("%s/mounts", root)), 0);
    assert_int_equal(lcont_image_umount(store, t1, 0, NULL), -ENOENT);
    lcont_image_unref(img);
}

/* Layers unpacked on several threads: the hardlink of layer 2 into layer 0 may have to be
 * retried after layer 0 is in the cache; the result is the same tree. */
static void test_image_mount_parallel_layers(void **state)
{
    lcont_image_store_opts so = LCONT_IMAGE_STORE_OPTS_INIT;
    lcont_image_store *par = NULL;
    lcont_image *img = NULL;
    lcont_error *err = NULL;
    PATH(t, "%s/par", scratch);
    int r;

    so.parallel_layers = 3;
    assert_int_equal(lcont_image_store_open(ctx, &so, 0, &par, NULL), 0);
    assert_int_equal(lcont_image_load(par, P("oci:%s/good/oci:v1", work), NULL, 0, &img, NULL), 0);
    mkdir(t, 0755);
    r = lcont_image_mount(par, img, t, NULL, LCONT_IMAGE_MOUNT_VOLATILE, &err);
    if (r < 0)
        fail_msg("mount: %d %s", r, lcont_error_message(err));
    check_good_tree(t);
    assert_int_equal(count_entries(P("%s/layers", root)), 3);
    assert_int_equal(count_entries(P("%s/tmp", root)), 0);
    assert_int_equal(mkdir(P("%s/written", t), 0755), 0);
    assert_int_equal(lcont_image_umount(par, t, 0, NULL), 0);
    assert_int_equal(count_entries(t), 0);
    lcont_image_unref(img);
    lcont_image_store_unref(par);
}

/* A forced remove of a mounted image keeps what the mount uses until it is unmounted. */
static void test_image_remove_force_while_mounted(void **state)
{
    lcont_image *img = load_ok(P("oci:%s/good/oci:v1", work), NULL), *l = NULL;
    PATH(t, "%s/m", scratch);

    mkdir(t, 0755);
    assert_int_equal(lcont_image_mount(store, img, t, NULL, 0, NULL), 0);
    assert_int_equal(lcont_image_remove(store, "oci:v1", LCONT_IMAGE_REMOVE_FORCE, NULL), 0);
    assert_int_equal(lcont_image_lookup(store, "oci:v1", 0, &l, NULL), -ENOENT);
    assert_int_equal(lcont_image_prune(store, LCONT_IMAGE_PRUNE_ALL, NULL, NULL), 0);
    assert_int_equal(count_entries(P("%s/layers", root)), 3);
    check_good_tree(t);
    assert_int_equal(lcont_image_umount(store, t, 0, NULL), 0);
    assert_int_equal(lcont_image_prune(store, 0, NULL, NULL), 0);
    assert_int_equal(count_entries(P("%s/layers", root)), 0);
    assert_int_equal(count_entries(P("%s/blobs/sha256", root)), 0);
    lcont_image_unref(img);
}

/* The child's side of test_image_rootless_mount: 0 or the number of the failed step. */
static int rootless_child(int ready_fd, int go_fd, const char *store_root, const char *source,
                          const char *target)
{
    lcont_context_opts co = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *c = NULL;
    lcont_image_store *s = NULL;
    lcont_image *img = NULL;
    char buf[1];
    const char *motd;
    struct stat st;

    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
        return 1;
    if (write(ready_fd, "r", 1) != 1 || read(go_fd, buf, 1) != 1)
        return 2;
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
        return 3;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return 4;
    co.store_root = store_root;
    if (lcont_context_new(&co, 0, &c, NULL) < 0 || lcont_image_store_open(c, NULL, 0, &s, NULL) < 0)
        return 5;
    if (lcont_image_load(s, source, NULL, 0, &img, NULL) < 0)
        return 6;
    if (lcont_image_mount(s, img, target, NULL, 0, NULL) < 0)
        return 7;
    /* overlayfs with userxattr: whiteouts and opaque directories of the cached layers */
    motd = slurp(P("%s/etc/motd", target));
    if (!motd || strcmp(motd, "hello from layer 2\n") != 0)
        return 8;
    if (lstat(P("%s/etc/removed", target), &st) == 0 ||
        lstat(P("%s/dir/opaque/a", target), &st) == 0)
        return 9;
    if (lstat(P("%s/bin/busybox", target), &st) < 0 || st.st_uid != 0 ||
        (st.st_mode & 0777) != 0755)
        return 10;
    if (mkdir(P("%s/written", target), 0755) < 0)
        return 11;
    if (access(P("%s/layers-userns", store_root), F_OK) < 0)
        return 12;
    if (lcont_image_umount(s, target, 0, NULL) < 0)
        return 13;
    lcont_image_unref(img);
    lcont_image_store_unref(s);
    lcont_context_unref(c);
    return 0;
}

/* A store used from a user namespace mapped to unprivileged host ids (0 -> 100000):
 * layers cached with user.overlay.* whiteouts, overlayfs mounted with userxattr. */
static void test_image_rootless_mount(void **state)
{
    PATH(sroot, "%s/rootless-store", scratch);
    PATH(target, "%s/rootless-mnt", scratch);
    PATH(source, "oci:%s/good/oci:v1", work);
    int ready[2], go[2], status;
    char buf[1];
    pid_t pid;

    assert_int_equal(mkdir(sroot, 0700), 0);
    assert_int_equal(mkdir(target, 0755), 0);
    assert_int_equal(chown(sroot, 100000, 100000), 0);
    assert_int_equal(chown(target, 100000, 100000), 0);
    assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
    assert_int_equal(pipe2(go, O_CLOEXEC), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(rootless_child(ready[1], go[0], sroot, source, target));
    assert_int_equal(read(ready[0], buf, 1), 1);
    {
        int fd = open(P("/proc/%d/uid_map", (int)pid), O_WRONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "0 100000 65536", 14), 14);
        close(fd);
        fd = open(P("/proc/%d/gid_map", (int)pid), O_WRONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "0 100000 65536", 14), 14);
        close(fd);
    }
    assert_int_equal(write(go[1], "g", 1), 1);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("rootless child failed at step %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    close(ready[0]);
    close(ready[1]);
    close(go[0]);
    close(go[1]);
    assert_false(is_mountpoint(target));
    /* the cache belongs to the mapped ids */
    {
        struct stat st;
        assert_int_equal(stat(P("%s/layers-userns", sroot), &st), 0);
        assert_int_equal(st.st_uid, 100000);
    }
}

/* Upper and work directories under a caller-chosen root (e.g. the runroot). */
static void test_image_mount_upper_root(void **state)
{
    lcont_image_mount_opts mo = LCONT_IMAGE_MOUNT_OPTS_INIT;
    lcont_image *img = load_ok(P("oci:%s/good/oci:v1", work), NULL);
    PATH(t, "%s/m", scratch);
    PATH(uppers, "%s/uppers", scratch);

    mkdir(t, 0755);
    mkdir(uppers, 0700);
    mo.upper_root = uppers;
    assert_int_equal(lcont_image_mount(store, img, t, &mo, 0, NULL), 0);
    assert_int_equal(mkdir(P("%s/new-dir", t), 0755), 0);
    assert_int_equal(count_entries(uppers), 1);
    {
        DIR *d = opendir(uppers);
        struct dirent *de;
        while ((de = readdir(d)))
            if (de->d_name[0] != '.')
                assert_int_equal(access(P("%s/%s/upper/new-dir", uppers, de->d_name), F_OK), 0);
        closedir(d);
    }
    mo.upper_root = "relative";
    assert_int_equal(lcont_image_mount(store, img, P("%s/x", scratch), &mo, 0, NULL), -EINVAL);
    assert_int_equal(lcont_image_umount(store, t, 0, NULL), 0);
    assert_int_equal(count_entries(uppers), 0);
    assert_int_equal(count_entries(P("%s/mounts", root)), 0);
    lcont_image_unref(img);
}

/* Without the right to mount (an unprivileged uid), mount falls back to a flattened copy,
 * and umount empties it again. */
static void test_image_mount_fallback_without_privilege(void **state)
{
    PATH(sroot, "%s/unpriv-store", scratch);
    PATH(target, "%s/unpriv-mnt", scratch);
    PATH(source, "oci:%s/good/oci:v1", work);
    int status;
    pid_t pid;

    assert_int_equal(mkdir(sroot, 0700), 0);
    assert_int_equal(mkdir(target, 0755), 0);
    assert_int_equal(chown(sroot, 65534, 65534), 0);
    assert_int_equal(chown(target, 65534, 65534), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        lcont_context_opts co = LCONT_CONTEXT_OPTS_INIT;
        lcont_context *c = NULL;
        lcont_image_store *s = NULL;
        lcont_image *img = NULL;
        const char *motd;
        struct stat st;
        char *rec;
        if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
            setresuid(65534, 65534, 65534) < 0)
            _exit(1);
        co.store_root = sroot;
        if (lcont_context_new(&co, 0, &c, NULL) < 0 ||
            lcont_image_store_open(c, NULL, 0, &s, NULL) < 0 ||
            lcont_image_load(s, source, NULL, 0, &img, NULL) < 0)
            _exit(2);
        if (lcont_image_mount(s, img, target, NULL, 0, NULL) < 0)
            _exit(3);
        if (is_mountpoint(target))
            _exit(4);
        motd = slurp(P("%s/etc/motd", target));
        if (!motd || strcmp(motd, "hello from layer 2\n") != 0)
            _exit(5);
        if (lstat(P("%s/etc/removed", target), &st) == 0 ||
            lstat(P("%s/dir/opaque/a", target), &st) == 0)
            _exit(6);
        /* the record says it is a copy */
        {
            DIR *d = opendir(P("%s/mounts", sroot));
            struct dirent *de;
            int found = 0;
            while (d && (de = readdir(d)))
                if (strstr(de->d_name, ".json") &&
                    (rec = slurp(P("%s/mounts/%s", sroot, de->d_name))) &&
                    strstr(rec, "\"type\":\"copy\""))
                    found = 1;
            if (d)
                closedir(d);
            if (!found)
                _exit(7);
        }
        if (lcont_image_umount(s, target, 0, NULL) < 0 || count_entries(target) != 0)
            _exit(8);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("unprivileged child failed at step %d",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* 60 layers need the short lowerdir form; 250 do not fit in one page of mount options:
 * a clear -E2BIG, nothing left mounted or recorded, and the copy mode still works. */
static void test_image_mount_many_layers(void **state)
{
    lcont_image *img = load_ok(P("oci:%s/many/oci:many60", work), NULL);
    lcont_error *err = NULL;
    struct statfs sfs;
    PATH(t, "%s/m", scratch);

    assert_int_equal(lcont_image_get_layer_count(img), 60);
    mkdir(t, 0755);
    assert_int_equal(lcont_image_mount(store, img, t, NULL, 0, NULL), 0);
    assert_int_equal(statfs(t, &sfs), 0);
    assert_int_equal(sfs.f_type, 0x794c7630);
    assert_string_equal(slurp(P("%s/etc/layer-058", t)), "58\n");
    assert_int_equal(access(P("%s/etc/motd", t), F_OK), -1); /* not in these layers */
    assert_int_equal(lcont_image_umount(store, t, 0, NULL), 0);
    lcont_image_unref(img);

    /* 250 layers exceed mount(2)'s page of options: the new mount API ("lowerdir+", 6.8+)
     * takes them one by one; older kernels refuse with a pointer to the copy mode */
    img = load_ok(P("oci:%s/many/oci:many250", work), NULL);
    if (kernel_at_least(6, 8)) {
        int r = lcont_image_mount(store, img, t, NULL, 0, &err);
        if (r < 0)
            fail_msg("mount of 250 layers: %d %s", r, lcont_error_message(err));
        assert_int_equal(statfs(t, &sfs), 0);
        assert_int_equal(sfs.f_type, 0x794c7630);
        assert_string_equal(slurp(P("%s/etc/layer-248", t)), "248\n"); /* top */
        assert_string_equal(slurp(P("%s/etc/layer-000", t)), "0\n");
        assert_int_equal(access(P("%s/bin/busybox", t), X_OK), 0); /* bottom */
        write_text(P("%s/etc/new", t), "upper\n");                 /* writable */
        assert_int_equal(lcont_image_umount(store, t, 0, NULL), 0);
        assert_false(is_mountpoint(t));
    } else {
        assert_int_equal(lcont_image_mount(store, img, t, NULL, 0, &err), -E2BIG);
        assert_non_null(strstr(lcont_error_message(err), "LCONT_IMAGE_MOUNT_COPY"));
        lcont_error_free(err);
        assert_false(is_mountpoint(t));
    }
    assert_int_equal(count_entries(P("%s/mounts", root)), 0);
    assert_int_equal(count_entries(P("%s/layers", root)), 250);
    assert_int_equal(lcont_image_mount(store, img, t, NULL, LCONT_IMAGE_MOUNT_COPY, NULL), 0);
    assert_string_equal(slurp(P("%s/etc/layer-248", t)), "248\n");
    assert_int_equal(access(P("%s/bin/busybox", t), X_OK), 0);
    assert_int_equal(lcont_image_umount(store, t, 0, NULL), 0);
    lcont_image_unref(img);
}

static void test_image_mount_copy(void **state)
{
    lcont_image *img = load_ok(P("docker-archive:%s/good/docker.tar", work), NULL);
    PATH(t, "%s/copy", scratch);

    mkdir(t, 0755);
    assert_int_equal(lcont_image_mount(store, img, t, NULL, LCONT_IMAGE_MOUNT_COPY, NULL), 0);
    assert_false(is_mountpoint(t));
    check_good_tree(t);
    assert_int_equal(count_entries(P("%s/layers", root)), 0); /* the cache is not used */
    assert_int_equal(lcont_image_remove(store, "example.com/good:v1", 0, NULL), -EBUSY);
    assert_int_equal(lcont_image_umount(store, t, 0, NULL), 0);
    assert_int_equal(count_entries(t), 0);
    assert_int_equal(lcont_image_remove(store, "example.com/good:v1", 0, NULL), 0);
    lcont_image_unref(img);
}

static void test_image_mount_target_checks(void **state)
{
    lcont_image *img = load_ok(P("oci:%s/good/oci:v1", work), NULL);
    PATH(t, "%s/full", scratch);
    lcont_error *err = NULL;

    mkdir(t, 0755);
    close(open(P("%s/file", t), O_CREAT | O_WRONLY, 0644));
    assert_int_equal(lcont_image_mount(store, img, t, NULL, 0, &err), -ENOTEMPTY);
    lcont_error_free(err);
    assert_int_equal(lcont_image_mount(store, img, P("%s/missing", scratch), NULL, 0, NULL),
                     -ENOENT);
    assert_int_equal(lcont_image_mount(store, img, t, NULL, 1ULL << 40, NULL), -EINVAL);
    assert_int_equal(count_entries(P("%s/mounts", root)), 0);
    lcont_image_unref(img);
}

static void test_image_remove_and_prune(void **state)
{
    lcont_image *a = load_ok(P("oci:%s/share-a/oci", work), "a");
    lcont_image *b = load_ok(P("oci:%s/share-b/oci", work), "b");
    PATH(t, "%s/m", scratch);
    uint64_t freed = 0;
    char **list = NULL;

    /* 2 manifests + 2 configs + shared base + 2 tops */
    assert_int_equal(count_entries(P("%s/blobs/sha256", root)), 7);
    mkdir(t, 0755);
    assert_int_equal(lcont_image_mount(store, a, t, NULL, 0, NULL), 0);
    assert_string_equal(slurp(P("%s/etc/which", t)), "image a\n");
    assert_int_equal(count_entries(P("%s/layers", root)), 2);
    assert_int_equal(lcont_image_remove(store, "a", 0, NULL), -EBUSY);
    assert_int_equal(lcont_image_umount(store, t, 0, NULL), 0);
    assert_int_equal(lcont_image_remove(store, "a", 0, NULL), 0);
    /* a's manifest, config and top layer are gone, cached or not; the shared base stays */
    assert_int_equal(count_entries(P("%s/blobs/sha256", root)), 4);
    assert_int_equal(count_entries(P("%s/layers", root)), 1);
    {
        lcont_image *gone = NULL;
        assert_int_equal(lcont_image_lookup(store, "a", 0, &gone, NULL), -ENOENT);
        assert_null(gone);
    }
    lcont_image_unref(a);
    {
        PATH(dir, "%s/b", scratch);
        assert_int_equal(lcont_image_unpack(store, b, dir, NULL, 0, NULL), 0);
        assert_string_equal(slurp(P("%s/etc/which", dir)), "image b\n");
    }
    /* prune keeps named images; PRUNE_ALL removes them */
    assert_int_equal(lcont_image_prune(store, 0, &freed, NULL), 0);
    assert_int_equal(freed, 0);
    assert_int_equal(count_entries(P("%s/blobs/sha256", root)), 4);
    assert_int_equal(lcont_image_prune(store, LCONT_IMAGE_PRUNE_ALL, &freed, NULL), 0);
    assert_true(freed > 900000);
    assert_int_equal(count_entries(P("%s/blobs/sha256", root)), 0);
    assert_int_equal(lcont_image_list(store, 0, &list, NULL), 0);
    assert_null(list[0]);
    lcont_strv_free(list);
    lcont_image_unref(b);
}

static void test_image_names_move_and_prune_dangling(void **state)
{
    lcont_image *a = load_ok(P("oci:%s/share-a/oci", work), "x:1");
    lcont_image *b = load_ok(P("oci:%s/share-b/oci", work), "x:1"), *l = NULL;
    char **list = NULL;

    /* the name moved to b; a is dangling */
    assert_int_equal(lcont_image_lookup(store, "x:1", 0, &l, NULL), 0);
    assert_string_equal(lcont_image_get_digest(l), lcont_image_get_digest(b));
    l = lcont_image_unref(l);
    assert_int_equal(lcont_image_lookup(store, lcont_image_get_digest(a), 0, &l, NULL), 0);
    assert_null(lcont_image_get_name(l));
    l = lcont_image_unref(l);
    /* a second name; removing one keeps the image */
    lcont_image_unref(load_ok(P("oci:%s/share-b/oci", work), "y"));
    assert_int_equal(lcont_image_remove(store, "x:1", 0, NULL), 0);
    assert_int_equal(lcont_image_lookup(store, "y", 0, &l, NULL), 0);
    l = lcont_image_unref(l);
    assert_int_equal(lcont_image_prune(store, 0, NULL, NULL), 0);
    assert_int_equal(lcont_image_list(store, 0, &list, NULL), 0);
    assert_string_equal(list[0], lcont_image_get_digest(b));
    assert_null(list[1]);
    lcont_strv_free(list);
    /* remove by digest removes every name */
    assert_int_equal(lcont_image_remove(store, lcont_image_get_digest(b), 0, NULL), 0);
    assert_int_equal(lcont_image_lookup(store, "y", 0, &l, NULL), -ENOENT);
    assert_int_equal(count_entries(P("%s/blobs/sha256", root)), 0);
    lcont_image_unref(a);
    lcont_image_unref(b);
}

struct progress_log {
    int copy, unpack, done, destroyed;
    uint64_t last_entries;
};

static void on_progress(const lcont_image_progress *p, void *userdata)
{
    struct progress_log *log = userdata;

    assert_true(p->struct_size >= sizeof(*p));
    if (p->phase == LCONT_IMAGE_PHASE_COPY)
        log->copy++;
    else if (p->phase == LCONT_IMAGE_PHASE_UNPACK) {
        log->unpack++;
        log->last_entries = p->entries;
        assert_true(p->index < p->count);
    } else if (p->phase == LCONT_IMAGE_PHASE_DONE)
        log->done++;
}

static void on_destroy(void *userdata)
{
    ((struct progress_log *)userdata)->destroyed++;
}

static void test_image_progress_and_cache_on_load(void **state)
{
    struct progress_log log = { 0 };
    lcont_image *img = NULL;

    assert_int_equal(lcont_image_store_set_progress_fn(store, on_progress, &log, on_destroy), 0);
    assert_int_equal(lcont_image_load(store, P("oci:%s/good/oci:v1", work), NULL,
                                      LCONT_IMAGE_LOAD_CACHE_LAYERS, &img, NULL),
                     0);
    assert_true(log.copy >= 6); /* start and end of 3 layers */
    assert_true(log.unpack >= 6);
    assert_true(log.last_entries > 0);
    assert_int_equal(log.done, 1);
    assert_int_equal(count_entries(P("%s/layers", root)), 3);
    lcont_image_unref(img);
    assert_int_equal(lcont_image_store_set_progress_fn(store, NULL, NULL, NULL), 0);
    assert_int_equal(log.destroyed, 1);
}

static void test_image_api_arguments(void **state)
{
    lcont_image_store_opts so = LCONT_IMAGE_STORE_OPTS_INIT;
    lcont_image_load_opts lo = LCONT_IMAGE_LOAD_OPTS_INIT;
    lcont_image_store *s = NULL;
    lcont_image *img = NULL;
    unsigned char big[sizeof(lcont_image_load_opts) + 8] = { 0 };

    assert_int_equal(lcont_image_store_open(NULL, NULL, 0, &s, NULL), -EINVAL);
    assert_int_equal(lcont_image_store_open(ctx, NULL, 1, &s, NULL), -EINVAL);
    so.root = "relative/path";
    assert_int_equal(lcont_image_store_open(ctx, &so, 0, &s, NULL), -EINVAL);
    so.struct_size = 4;
    assert_int_equal(lcont_image_store_open(ctx, &so, 0, &s, NULL), -EINVAL);
    assert_int_equal(lcont_image_load(store, "nonsense", NULL, 0, &img, NULL), -EINVAL);
    assert_int_equal(lcont_image_load(store, "ftp:/x", NULL, 0, &img, NULL), -EINVAL);
    assert_int_equal(
        lcont_image_load(store, P("oci:%s/good/oci", work), NULL, 1ULL << 9, &img, NULL), -EINVAL);
    assert_int_equal(lcont_image_load(store, "oci:/nonexistent-dir", NULL, 0, &img, NULL), -ENOENT);
    lo.name = "bad name with spaces";
    assert_int_equal(lcont_image_load(store, P("oci:%s/good/oci", work), &lo, 0, &img, NULL),
                     -EINVAL);
    /* a larger struct from a newer caller: unknown non-zero bytes are refused */
    memcpy(big, &lo, sizeof(lo));
    ((lcont_image_load_opts *)big)->struct_size = sizeof(big);
    ((lcont_image_load_opts *)big)->name = NULL;
    big[sizeof(big) - 1] = 1;
    assert_int_equal(lcont_image_load(store, P("oci:%s/good/oci", work),
                                      (lcont_image_load_opts *)big, 0, &img, NULL),
                     -E2BIG);
    assert_int_equal(lcont_image_load_opts_init(&lo, 3), -EINVAL);
    assert_int_equal(lcont_image_load_opts_init(&lo, sizeof(lo)), 0);
    assert_int_equal(lo.struct_size, sizeof(lo));
    assert_null(img);
}

/* ---- bad input: one case each ---- */

static void test_image_bad_digest_mismatch(void **state)
{
    load_fails(P("oci:%s/bad/digest-mismatch:v1", work), -EINVAL, "digest mismatch");
}

static void test_image_bad_size_mismatch(void **state)
{
    load_fails(P("oci:%s/bad/size-mismatch:v1", work), -EINVAL, "size mismatch");
}

static void test_image_bad_diffids_short(void **state)
{
    load_fails(P("oci:%s/bad/diffids-short:v1", work), -EINVAL, "1 entries for 3 layers");
}

static void test_image_bad_diffid_plain_layer(void **state)
{
    load_fails(P("oci:%s/bad/diffid-wrong-plain:v1", work), -EINVAL, "rootfs.diff_ids[2]");
}

/* A wrong DiffID of a compressed layer is found when it is unpacked: no cache entry and no
 * partial rootfs are left. */
static void test_image_bad_diffid_on_unpack(void **state)
{
    lcont_image *img = load_ok(P("oci:%s/bad/diffid-wrong:v1", work), NULL);
    PATH(t, "%s/m", scratch);
    PATH(u, "%s/u", scratch);
    lcont_error *err = NULL;

    mkdir(t, 0755);
    assert_int_equal(lcont_image_mount(store, img, t, NULL, 0, &err), -EINVAL);
    assert_non_null(strstr(lcont_error_message(err), "DiffID mismatch"));
    lcont_error_free(err);
    err = NULL;
    assert_false(is_mountpoint(t));
    assert_int_equal(count_entries(P("%s/layers", root)), 1); /* layer 0 only */
    assert_int_equal(count_entries(P("%s/tmp", root)), 0);
    assert_int_equal(count_entries(P("%s/mounts", root)), 0);
    assert_int_equal(lcont_image_unpack(store, img, u, NULL, 0, &err), -EINVAL);
    assert_non_null(strstr(lcont_error_message(err), "DiffID mismatch"));
    lcont_error_free(err);
    assert_int_equal(access(u, F_OK), -1); /* created by unpack, removed on failure */
    lcont_image_unref(img);
}

static void test_image_bad_media_type_lie(void **state)
{
    lcont_image *img = load_ok(P("oci:%s/bad/media-type-lie:v1", work), NULL);
    PATH(u, "%s/u", scratch);
    lcont_error *err = NULL;

    mkdir(u, 0755);
    assert_true(lcont_image_unpack(store, img, u, NULL, 0, &err) < 0);
    assert_non_null(strstr(lcont_error_message(err), "layer 1"));
    lcont_error_free(err);
    assert_int_equal(count_entries(u), 0);
    lcont_image_unref(img);
}

static void test_image_bad_index_json(void **state)
{
    load_fails(P("oci:%s/bad/index-bad-json", work), -EINVAL, "not a valid JSON");
}

static void test_image_bad_manifest_json(void **state)
{
    load_fails(P("oci:%s/bad/manifest-bad-json:v1", work), -EINVAL, "not valid JSON");
}

static void test_image_bad_digest_as_path(void **state)
{
    load_fails(P("oci:%s/bad/digest-invalid", work), -EINVAL, "sha256:../../../../etc/passwd");
}

static void test_image_bad_layer_digest_uppercase(void **state)
{
    load_fails(P("oci:%s/bad/layer-digest-invalid:v1", work), -EINVAL, "manifest.layers[0]");
}

static void test_image_bad_index_nesting(void **state)
{
    load_fails(P("oci:%s/bad/index-nesting", work), -ELOOP, "nesting deeper than 4");
}

static void test_image_bad_foreign_layer_missing(void **state)
{
    load_fails(P("oci:%s/bad/foreign-missing:v1", work), -ENOENT, "never fetches");
}

static void test_image_bad_missing_tag(void **state)
{
    load_fails(P("oci:%s/good/oci:nosuchtag", work), -ENOENT, "no image tagged 'nosuchtag'");
}

static void test_image_bad_blob_symlink_outside(void **state)
{
    /* blobs/sha256/<hex> -> /bin/busybox is resolved inside the layout: not found there */
    load_fails(P("oci:%s/bad/blob-symlink:v1", work), -ENOENT, "layer 0");
}

static void test_image_bad_no_layout_file(void **state)
{
    load_fails(P("oci:%s/bad/no-layout-file:v1", work), -ENOENT, "oci-layout");
}

static void test_image_bad_truncated_archive(void **state)
{
    load_fails(P("oci-archive:%s/bad/truncated.tar:v1", work), -EBADMSG, "Truncated tar archive");
}

static void test_image_bad_docker_path_escape(void **state)
{
    load_fails(P("docker-archive:%s/bad/docker/escape.tar", work), -EINVAL,
               "'../outside/layer.tar' leaves the archive");
}

static void test_image_bad_docker_path_absolute(void **state)
{
    load_fails(P("docker-archive:%s/bad/docker/absolute.tar", work), -EINVAL,
               "'/etc/passwd' leaves the archive");
}

static void test_image_bad_docker_symlinked_dir(void **state)
{
    load_fails(P("docker-archive:%s/bad/docker/symlink.tar", work), -EINVAL, "is a symlink");
}

static void test_image_bad_docker_symlink_member(void **state)
{
    load_fails(P("docker-archive:%s/bad/docker/symlink-member.tar", work), -EINVAL, "is a symlink");
}

static void test_image_bad_docker_diffid(void **state)
{
    load_fails(P("docker-archive:%s/bad/docker/diffid.tar", work), -EINVAL,
               "does not match rootfs.diff_ids[1]");
}

static void test_image_bad_docker_missing_layer(void **state)
{
    load_fails(P("docker-archive:%s/bad/docker/missing-layer.tar", work), -ENOENT,
               "'gone/layer.tar'");
}

static void test_image_bad_docker_json(void **state)
{
    load_fails(P("docker-archive:%s/bad/docker/bad-json.tar", work), -EINVAL, "not valid JSON");
}

static void test_image_bad_archive_not_tar(void **state)
{
    load_fails(P("oci-archive:%s/good/oci/index.json", work), -EINVAL, "archive");
}

/* ---- two processes importing images that share a layer, at the same time ---- */

static void test_image_concurrent_imports(void **state)
{
    for (int round = 0; round < 3; round++) {
        const char *srcs[2] = { P("oci:%s/share-a/oci", work), P("oci:%s/share-b/oci", work) };
        pid_t pids[2];
        lcont_image *img = NULL;

        for (int i = 0; i < 2; i++) {
            pids[i] = fork();
            assert_true(pids[i] >= 0);
            if (pids[i] == 0) {
                lcont_context *c = NULL;
                lcont_context_opts co = LCONT_CONTEXT_OPTS_INIT;
                lcont_image_store *s = NULL;
                lcont_image *im = NULL;
                co.store_root = root;
                if (lcont_context_new(&co, 0, &c, NULL) < 0 ||
                    lcont_image_store_open(c, NULL, 0, &s, NULL) < 0 ||
                    lcont_image_load(s, srcs[i], NULL, LCONT_IMAGE_LOAD_CACHE_LAYERS, &im, NULL) <
                        0)
                    _exit(1);
                _exit(0);
            }
        }
        for (int i = 0; i < 2; i++) {
            int status;
            assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        assert_int_equal(count_entries(P("%s/blobs/sha256", root)), 7);
        assert_int_equal(count_entries(P("%s/layers", root)), 3);
        assert_int_equal(count_entries(P("%s/tmp", root)), 0);
        assert_int_equal(lcont_image_lookup(store, "oci:latest", 0, &img, NULL), 0);
        lcont_image_unref(img);
        /* both images are complete: a fresh unpack of each verifies every DiffID */
        for (int i = 0; i < 2; i++) {
            lcont_image *im = NULL;
            char **list = NULL;
            PATH(dir, "%s/r%d-%d", scratch, round, i);
            assert_int_equal(lcont_image_list(store, 0, &list, NULL), 0);
            assert_non_null(list[i]);
            assert_int_equal(lcont_image_lookup(store, list[i], 0, &im, NULL), 0);
            assert_int_equal(lcont_image_unpack(store, im, dir, NULL, 0, NULL), 0);
            assert_int_equal(access(P("%s/bin/busybox", dir), X_OK), 0);
            lcont_image_unref(im);
            lcont_strv_free(list);
        }
        assert_int_equal(lcont_image_prune(store, LCONT_IMAGE_PRUNE_ALL, NULL, NULL), 0);
        assert_int_equal(count_entries(P("%s/layers", root)), 0);
    }
}

/* ---- podman round trip: podman import, podman save, lcont load ---- */

static void test_image_podman_roundtrip(void **state)
{
    /* podman wants a runroot path shorter than 50 characters */
    PATH(pr, "%s/root", podman_dir);
    PATH(prr, "%s/run", podman_dir);
    PATH(rootfs, "%s/bb", scratch);
    PATH(tarball, "%s/bb.tar", scratch);
    PATH(darch, "%s/saved-docker.tar", scratch);
    PATH(oarch, "%s/saved-oci.tar", scratch);
    lcont_image *d, *o;
    struct stat a, b;

    if (access("/usr/bin/podman", X_OK) < 0)
        skip();
    strcpy(podman_dir, "/tmp/lcont-pm-XXXXXX");
    assert_non_null(mkdtemp(podman_dir));
    assert_int_equal(mkdir(rootfs, 0755), 0);
    assert_int_equal(mkdir(P("%s/bin", rootfs), 0755), 0);
    {
        const char *cp[] = { "cp", "/bin/busybox", P("%s/bin/busybox", rootfs), NULL };
        const char *tar[] = { "tar", "-C", rootfs, "-cf", tarball, ".", NULL };
        assert_int_equal(run(cp, false), 0);
        assert_int_equal(symlink("busybox", P("%s/bin/sh", rootfs)), 0);
        assert_int_equal(run(tar, false), 0);
    }
    {
        const char *imp[] = { "podman", "--root",
                              pr,       "--runroot",
                              prr,      "--storage-driver",
                              "vfs",    "import",
                              tarball,  "localhost/lcont-rt:latest",
                              NULL };
        const char *sd[] = { "podman",
                             "--root",
                             pr,
                             "--runroot",
                             prr,
                             "--storage-driver",
                             "vfs",
                             "save",
                             "--format",
                             "docker-archive",
                             "-o",
                             darch,
                             "localhost/lcont-rt:latest",
                             NULL };
        const char *so[] = { "podman",
                             "--root",
                             pr,
                             "--runroot",
                             prr,
                             "--storage-driver",
                             "vfs",
                             "save",
                             "--format",
                             "oci-archive",
                             "-o",
                             oarch,
                             "localhost/lcont-rt:latest",
                             NULL };
        assert_int_equal(run(imp, getenv("LCONT_TEST_VERBOSE") == NULL), 0);
        assert_int_equal(run(sd, true), 0);
        assert_int_equal(run(so, true), 0);
    }
    d = load_ok(P("docker-archive:%s", darch), NULL);
    assert_string_equal(lcont_image_get_name(d), "localhost/lcont-rt:latest");
    o = load_ok(P("oci-archive:%s", oarch), "rt-oci");
    assert_int_equal(lcont_image_get_layer_count(d), 1);
    assert_int_equal(lcont_image_get_layer_count(o), 1);
    assert_int_equal(lcont_image_unpack(store, d, P("%s/ud", scratch), NULL, 0, NULL), 0);
    assert_int_equal(mkdir(P("%s/mo", scratch), 0755), 0);
    assert_int_equal(lcont_image_mount(store, o, P("%s/mo", scratch), NULL, 0, NULL), 0);
    assert_int_equal(stat(P("%s/ud/bin/busybox", scratch), &a), 0);
    assert_int_equal(stat(P("%s/mo/bin/busybox", scratch), &b), 0);
    assert_int_equal(a.st_size, b.st_size);
    assert_int_equal(stat("/bin/busybox", &b), 0);
    assert_int_equal(a.st_size, b.st_size);
    assert_int_equal(access(P("%s/mo/bin/sh", scratch), X_OK), 0);
    assert_int_equal(lcont_image_umount(store, P("%s/mo", scratch), 0, NULL), 0);
    lcont_image_unref(d);
    lcont_image_unref(o);
    {
        const char *rm[] = { "podman", "--root", pr,   "--runroot", prr, "--storage-driver",
                             "vfs",    "rmi",    "-a", "-f",        NULL };
        run(rm, true);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_image_load_oci_dir),
        T(test_image_load_oci_archive),
        T(test_image_load_docker_archive),
        T(test_image_load_zstd),
        T(test_image_platform_selection),
        T(test_image_mount_overlay),
        T(test_image_mount_parallel_layers),
        T(test_image_remove_force_while_mounted),
        T(test_image_rootless_mount),
        T(test_image_mount_upper_root),
        T(test_image_mount_fallback_without_privilege),
        T(test_image_mount_many_layers),
        T(test_image_mount_copy),
        T(test_image_mount_target_checks),
        T(test_image_remove_and_prune),
        T(test_image_names_move_and_prune_dangling),
        T(test_image_progress_and_cache_on_load),
        T(test_image_api_arguments),
        T(test_image_bad_digest_mismatch),
        T(test_image_bad_size_mismatch),
        T(test_image_bad_diffids_short),
        T(test_image_bad_diffid_plain_layer),
        T(test_image_bad_diffid_on_unpack),
        T(test_image_bad_media_type_lie),
        T(test_image_bad_index_json),
        T(test_image_bad_manifest_json),
        T(test_image_bad_digest_as_path),
        T(test_image_bad_layer_digest_uppercase),
        T(test_image_bad_index_nesting),
        T(test_image_bad_foreign_layer_missing),
        T(test_image_bad_missing_tag),
        T(test_image_bad_blob_symlink_outside),
        T(test_image_bad_no_layout_file),
        T(test_image_bad_truncated_archive),
        T(test_image_bad_docker_path_escape),
        T(test_image_bad_docker_path_absolute),
        T(test_image_bad_docker_symlinked_dir),
        T(test_image_bad_docker_symlink_member),
        T(test_image_bad_docker_diffid),
        T(test_image_bad_docker_missing_layer),
        T(test_image_bad_docker_json),
        T(test_image_bad_archive_not_tar),
        T(test_image_concurrent_imports),
        T(test_image_podman_roundtrip),
#undef T
    };

    if (geteuid() != 0)
        return 77;
    if (argc < 2)
        return 99;
    snprintf(gen_script, sizeof(gen_script), "%s", argv[1]);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
