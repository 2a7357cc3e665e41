/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rootfs on the real kernel: mounts, /dev, devices, masked and read-only
 * paths, read-only root, sysctls, pivot_root and its fallback, user and
 * cgroup namespaces, and the symlink attacks an image can try.
 * Usage: test-rootfs <case> [busybox]. Root only (exit 77 otherwise).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness.h"

#include "core/util.h"

/* ---- helpers ---- */

static bool is_dev(const char *path, mode_t type, unsigned maj, unsigned min)
{
    struct stat st;
    return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == type && major(st.st_rdev) == maj &&
           minor(st.st_rdev) == min;
}

static bool link_is(const char *path, const char *target)
{
    char buf[512];
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);
    if (n < 0)
        return false;
    buf[n] = '\0';
    return strcmp(buf, target) == 0;
}

static int create_errno(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno;
    close(fd);
    unlink(path);
    return 0;
}

static bool dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;

    if (!d)
        return false;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n == 0;
}

static long fs_type(const char *path)
{
    struct statfs sfs;
    return statfs(path, &sfs) == 0 ? (long)sfs.f_type : -1;
}

/* Host fixtures are removed by fx_cleanup() whatever happens. */
static int host_tmpdir(struct fixture *f, char *buf, size_t size, const char *tag)
{
    snprintf(buf, size, "/tmp/lcont-rootfs-%s-XXXXXX", tag);
    if (!mkdtemp(buf))
        return -errno;
    fx_remove_later(f, buf);
    return 0;
}

static int host_file(struct fixture *f, char *buf, size_t size, const char *tag,
                     const char *content)
{
    int fd;
    snprintf(buf, size, "/tmp/lcont-rootfs-%s-XXXXXX", tag);
    fd = mkstemp(buf);
    if (fd < 0)
        return -errno;
    fx_remove_later(f, buf);
    if (write(fd, content, strlen(content)) < 0) {
        close(fd);
        return -errno;
    }
    close(fd);
    return 0;
}

static int host_write(const char *path, const char *content)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ssize_t n;

    if (fd < 0)
        return -errno;
    n = write(fd, content, strlen(content));
    close(fd);
    return n == (ssize_t)strlen(content) ? 0 : -EIO;
}

static bool file_has(const char *path, const char *content)
{
    char buf[256];
    ssize_t n = read_small(path, buf, sizeof(buf));
    return n >= 0 && strcmp(buf, content) == 0;
}

/* ---- basic mounts ---- */

static int body_basic(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    struct mi_entry e;
    char cwd[64], out[8192];
    FILE *fp;
    char line[4096];

    if (fx_setup(plan) < 0)
        return 1;
    CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0, "cwd %s", cwd);
    CHECK(access("/marker", F_OK) == 0, "the rootfs is /");
    CHECK(mi_find("/", &e) == 0 && strstr(e.root, f->dir), "/ comes from the bundle: %s", e.root);

    CHECK(mi_find("/proc", &e) == 0 && strcmp(e.fstype, "proc") == 0, "proc");
    CHECK(link_is("/proc/self", "1"), "proc of the container's pid namespace");
    CHECK(mi_find("/sys", &e) == 0 && strcmp(e.fstype, "sysfs") == 0, "sysfs");
    CHECK(has_opt(e.options, "ro") && has_opt(e.options, "nosuid") &&
              has_opt(e.options, "noexec") && has_opt(e.options, "nodev"),
          "sysfs options %s", e.options);
    CHECK(mi_find("/dev", &e) == 0 && strcmp(e.fstype, "tmpfs") == 0, "/dev tmpfs");
    CHECK(has_opt(e.options, "nosuid") && !has_opt(e.options, "noexec") &&
              has_opt(e.super, "mode=755"),
          "/dev options %s / %s", e.options, e.super);
    CHECK(mi_find("/dev/pts", &e) == 0 && strcmp(e.fstype, "devpts") == 0, "devpts");
    CHECK(has_opt(e.super, "ptmxmode=666") && has_opt(e.super, "gid=5") &&
              has_opt(e.options, "noexec"),
          "devpts options %s / %s", e.options, e.super);
    CHECK(mi_find("/dev/shm", &e) == 0 && strcmp(e.fstype, "tmpfs") == 0 &&
              has_opt(e.options, "nodev") && has_opt(e.super, "size=65536k"),
          "/dev/shm %s / %s", e.options, e.super);
    CHECK(mi_find("/dev/mqueue", &e) == 0 && strcmp(e.fstype, "mqueue") == 0, "mqueue");
    CHECK(link_is("/dev/ptmx", "pts/ptmx"), "/dev/ptmx -> pts/ptmx");

    /* nothing of the host remains visible */
    fp = fopen("/proc/self/mountinfo", "re");
    CHECK(fp != NULL, "mountinfo");
    while (fgets(line, sizeof(line), fp)) {
        char mp[512];
        if (sscanf(line, "%*d %*d %*s %*s %511s", mp) != 1)
            continue;
        if (!(strcmp(mp, "/") == 0 || lcont__rootfs_path_under(mp, "/proc") ||
              lcont__rootfs_path_under(mp, "/sys") || lcont__rootfs_path_under(mp, "/dev"))) {
            fclose(fp);
            FAIL("unexpected mount %s", mp);
        }
    }
    fclose(fp);

    /* a real process runs in it */
    CHECK(run_sh("cat /proc/self/mountinfo; ls -l /dev", out, sizeof(out)) == 0, "sh: %s", out);
    CHECK(strstr(out, " /proc rw") && strstr(out, " - proc "), "sh sees /proc: %s", out);
    CHECK(strstr(out, "ptmx -> pts/ptmx") && strstr(out, " null"), "sh sees /dev: %s", out);
    return 0;
}

static int test_basic_mounts(struct fixture *f)
{
    /* no /proc, /sys or /dev in the image: they are created inside it */
    fx_default_mounts(f);
    if (fx_write(f, "/marker", "x") < 0)
        FAIL("marker");
    return fx_run(f, body_basic);
}

/* ---- devices ---- */

static int body_devices(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    static const struct {
        const char *path;
        unsigned maj, min;
    } defaults[] = { { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
                     { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 } };
    char zero[4] = { 1, 1, 1, 1 };
    struct stat st;
    int fd;

    if (fx_setup(plan) < 0)
        return 1;
    for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
        CHECK(is_dev(defaults[i].path, S_IFCHR, defaults[i].maj, defaults[i].min), "%s",
              defaults[i].path);
        CHECK(stat(defaults[i].path, &st) == 0 && (st.st_mode & 07777) == 0666 && st.st_uid == 0,
              "%s mode %o uid %d", defaults[i].path, st.st_mode & 07777, (int)st.st_uid);
    }
    CHECK(is_dev("/dev/fuse", S_IFCHR, 10, 229), "linux.devices /dev/fuse");
    CHECK(stat("/dev/fuse", &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_uid == 1000 &&
              st.st_gid == 1001,
          "/dev/fuse mode %o owner %d:%d", st.st_mode & 07777, (int)st.st_uid, (int)st.st_gid);
    CHECK(is_dev("/dev/net/tun", S_IFCHR, 10, 200), "nested /dev/net/tun");
    CHECK(lstat("/dev/fifo0", &st) == 0 && S_ISFIFO(st.st_mode), "fifo");
    CHECK(is_dev("/dev/sda9", S_IFBLK, 8, 9), "block device");

    CHECK(link_is("/dev/fd", "/proc/self/fd"), "/dev/fd");
    CHECK(link_is("/dev/stdin", "/proc/self/fd/0"), "/dev/stdin");
    CHECK(link_is("/dev/stdout", "/proc/self/fd/1"), "/dev/stdout");
    CHECK(link_is("/dev/stderr", "/proc/self/fd/2"), "/dev/stderr");
    CHECK(!plan->has_kcore || link_is("/dev/core", "/proc/kcore"), "/dev/core");

    /* the nodes work */
    fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0 && write(fd, "x", 1) == 1, "write /dev/null");
    close(fd);
    fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0 && read(fd, zero, 4) == 4 && !zero[0] && !zero[3], "read /dev/zero");
    close(fd);
    fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0 && write(fd, "x", 1) < 0 && errno == ENOSPC, "/dev/full");
    close(fd);
    return 0;
}

static struct lcont_spec_device *add_device(struct fixture *f, const char *path, char type,
                                            int64_t maj, int64_t min)
{
    struct lcont_spec_device *d = &f->devices[f->spec.linux_.n_devices++];
    memset(d, 0, sizeof(*d));
    d->path = (char *)path;
    d->type = type;
    d->major = maj;
    d->minor = min;
    return d;
}

static int test_devices(struct fixture *f)
{
    struct lcont_spec_device *d;

    fx_default_mounts(f);
    d = add_device(f, "/dev/fuse", 'c', 10, 229);
    d->has_file_mode = true;
    d->file_mode = 0600;
    d->has_uid = d->has_gid = true;
    d->uid = 1000;
    d->gid = 1001;
    add_device(f, "/dev/net/tun", 'c', 10, 200);
    add_device(f, "/dev/fifo0", 'p', 0, 0);
    add_device(f, "/dev/sda9", 'b', 8, 9);
    return fx_run(f, body_devices);
}

/* ---- bind mounts ---- */

static char g_src[256], g_file[256];

static int body_bind(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    struct mi_entry e;

    if (fx_setup(plan) < 0)
        return 1;
    CHECK(file_has("/mnt/data/hello", "hi"), "bind source visible");
    CHECK(create_errno("/mnt/data/new") == EROFS, "ro bind: %s",
          strerror(create_errno("/mnt/data/new")));
    CHECK(mi_find("/mnt/data", &e) == 0 && has_opt(e.options, "ro") && has_opt(e.options, "nosuid"),
          "ro bind options %s", e.options);
    CHECK(is_mount_root("/etc/injected") && file_has("/etc/injected", "file"),
          "file bind onto a created file");
    CHECK(create_errno("/mnt/rel/created") == 0, "rw bind of a bundle-relative source");
    CHECK(mi_find("/mnt/rel", &e) == 0 && !has_opt(e.options, "ro"), "rel options %s", e.options);
    {
        int fd = open("/mnt/rel/created", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0, "create in rw bind");
        close(fd);
    }
    return 0;
}

static int test_bind_mounts(struct fixture *f)
{
    char path[1024], rel[512];
    int r;

    fx_default_mounts(f);
    if (host_tmpdir(f, g_src, sizeof(g_src), "src") < 0 ||
        host_file(f, g_file, sizeof(g_file), "file", "file") < 0)
        FAIL("host fixtures");
    snprintf(path, sizeof(path), "%s/hello", g_src);
    snprintf(rel, sizeof(rel), "%s/reldir", f->dir);
    if (host_write(path, "hi") < 0 || mkdir(rel, 0755) < 0)
        FAIL("host fixtures");
    fx_mount(f, "/mnt/data", NULL, g_src, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID, NULL);
    fx_mount(f, "/etc/injected", NULL, g_file, MS_BIND, NULL);
    fx_mount(f, "/mnt/rel", NULL, "reldir", MS_BIND, NULL)->clear_flags = MS_RDONLY;
    r = fx_run(f, body_bind);
    snprintf(path, sizeof(path), "%s/created", rel);
    if (r == 0 && access(path, F_OK) != 0)
        r = 1, fprintf(stderr, "write through the rw bind did not reach the host\n");
    return r;
}

/* ---- masked and read-only paths, read-only root ---- */

static int body_masked(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    char buf[64];
    int fd;

    if (fx_setup(plan) < 0)
        return 1;
    /* this kernel may lack /proc/kcore; /proc/keys is always there */
    CHECK(access("/proc/kcore", F_OK) < 0 || is_dev("/proc/kcore", S_IFCHR, 1, 3), "kcore");
    CHECK(is_dev("/proc/keys", S_IFCHR, 1, 3), "/proc/keys is the null device");
    CHECK(read_small("/proc/keys", buf, sizeof(buf)) == 0, "/proc/keys reads empty");
    CHECK(is_mount_root("/proc/acpi") && dir_is_empty("/proc/acpi") &&
              fs_type("/proc/acpi") == TMPFS_MAGIC,
          "a masked /proc directory is an empty tmpfs");
    CHECK(is_dev("/secret.txt", S_IFCHR, 1, 3), "masked file is the null device");
    CHECK(read_small("/secret.txt", buf, sizeof(buf)) == 0, "masked file reads empty");
    fd = open("/secret.txt", O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0 && write(fd, "x", 1) == 1, "writing a masked file goes nowhere");
    close(fd);
    CHECK(dir_is_empty("/secretdir"), "masked directory is empty");
    CHECK(fs_type("/secretdir") == TMPFS_MAGIC && is_mount_root("/secretdir"),
          "masked directory is a tmpfs");
    CHECK(create_errno("/secretdir/x") == EROFS, "masked directory is read-only");
    CHECK(access("/does/not/exist", F_OK) < 0, "missing masked path skipped");
    return 0;
}

static int test_masked_paths(struct fixture *f)
{
    int r;

    fx_default_mounts(f);
    if (fx_write(f, "/secret.txt", "top secret") < 0 ||
        fx_write(f, "/secretdir/file", "hidden") < 0)
        FAIL("fixtures");
    fx_masked(f, "/proc/kcore");
    fx_masked(f, "/proc/keys");
    fx_masked(f, "/proc/acpi");
    fx_masked(f, "/secret.txt");
    fx_masked(f, "/secretdir");
    fx_masked(f, "/does/not/exist");
    r = fx_run(f, body_masked);
    {
        char path[512];
        snprintf(path, sizeof(path), "%s/secret.txt", f->rootfs);
        if (!file_has(path, "top secret"))
            r = 1, fprintf(stderr, "the masked file itself changed\n");
    }
    return r;
}

static int body_readonly(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    int fd;

    if (fx_setup(plan) < 0)
        return 1;
    fd = open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC);
    CHECK(fd < 0 && errno == EROFS, "/proc/sys is read-only");
    CHECK(create_errno("/rwdir/sub/x") == EROFS, "read-only path, recursively");
    CHECK(create_errno("/rwdir/x") == EROFS, "read-only path");
    CHECK(create_errno("/tmp/x") == 0, "the rest stays writable");
    return 0;
}

static int test_readonly_paths(struct fixture *f)
{
    fx_default_mounts(f);
    if (fx_write(f, "/rwdir/sub/file", "x") < 0)
        FAIL("fixtures");
    fx_readonly(f, "/proc/sys");
    fx_readonly(f, "/rwdir");
    fx_readonly(f, "/nope");
    return fx_run(f, body_readonly);
}

static int body_readonly_root(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    struct mi_entry e;

    if (fx_setup(plan) < 0)
        return 1;
    CHECK(create_errno("/newfile") == EROFS, "root is read-only");
    CHECK(mi_find("/", &e) == 0 && has_opt(e.options, "ro"), "/ options %s", e.options);
    CHECK(create_errno("/dev/shm/x") == 0, "mounts on top stay writable");
    return 0;
}

static int test_readonly_root(struct fixture *f)
{
    fx_default_mounts(f);
    f->spec.root_readonly = true;
    return fx_run(f, body_readonly_root);
}

/* ---- sysctls ---- */

static char g_forward[8];

static int body_sysctl(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    char want[16], buf[64];

    if (fx_setup(plan) < 0)
        return 1;
    snprintf(want, sizeof(want), "%s\n", g_forward);
    CHECK(read_small("/proc/sys/net/ipv4/ip_forward", buf, sizeof(buf)) > 0 &&
              strcmp(buf, want) == 0,
          "ip_forward in the container: %s", buf);
    CHECK(read_small("/proc/sys/kernel/shmmni", buf, sizeof(buf)) > 0 && strcmp(buf, "1000\n") == 0,
          "kernel.shmmni in the container: %s", buf);
    return 0;
}

static int test_sysctl(struct fixture *f)
{
    char before[64], after[64];
    int r;

    if (read_small("/proc/sys/net/ipv4/ip_forward", before, sizeof(before)) <= 0)
        FAIL("read host ip_forward");
    /* a fresh net namespace starts at 0; ask for 1, unless the host has 1 too (then 0) */
    snprintf(g_forward, sizeof(g_forward), "%s", before[0] == '1' ? "0" : "1");
    fx_default_mounts(f);
    fx_namespace(f, LCONT_NS_NET);
    fx_namespace(f, LCONT_NS_IPC);
    fx_sysctl(f, "net.ipv4.ip_forward", g_forward);
    fx_sysctl(f, "kernel/shmmni", "1000");
    fx_readonly(f, "/proc/sys"); /* as in the default config: sysctls must come first */
    r = fx_run(f, body_sysctl);
    if (read_small("/proc/sys/net/ipv4/ip_forward", after, sizeof(after)) <= 0 ||
        strcmp(before, after) != 0)
        FAIL("the host's ip_forward changed: %s -> %s", before, after);
    return r;
}

static int expect_plan_error(struct fixture *f, int code, const char *needle)
{
    struct lcont_rootfs_plan *plan = NULL;
    lcont_error *err = NULL;
    int r = lcont__rootfs_plan_new(&f->spec, f->dir, f->userns, f->plan_flags, &plan, &err);

    lcont__rootfs_plan_free(plan);
    if (r != code || (needle && !strstr(lcont_error_message(err), needle))) {
        fprintf(stderr, "expected %d (%s), got %d: %s\n", code, needle ? needle : "", r,
                err ? lcont_error_message(err) : "(no error)");
        lcont_error_free(err);
        return 1;
    }
    lcont_error_free(err);
    return 0;
}

static int test_sysctl_validation(struct fixture *f)
{
    struct lcont_spec_namespace *ns = f->spec.linux_.namespaces;

    fx_sysctl(f, "kernel.panic", "1");
    if (expect_plan_error(f, -EINVAL, "not namespaced"))
        return 1;
    f->sysctls[0].key = (char *)"net.ipv4.ip_forward";
    if (expect_plan_error(f, -EINVAL, "net namespace"))
        return 1;
    ns[LCONT_NS_NET].present = true;
    ns[LCONT_NS_NET].path = (char *)"/proc/self/ns/net";
    if (expect_plan_error(f, -EINVAL, "host's"))
        return 1;
    ns[LCONT_NS_NET].path = NULL;
    if (expect_plan_error(f, 0, NULL))
        return 1;
    f->sysctls[0].key = (char *)"kernel.hostname";
    if (expect_plan_error(f, -EINVAL, "uts namespace"))
        return 1;
    ns[LCONT_NS_UTS].present = true;
    if (expect_plan_error(f, 0, NULL))
        return 1;
    f->sysctls[0].key = (char *)"fs.mqueue.queues_max";
    if (expect_plan_error(f, -EINVAL, "ipc namespace"))
        return 1;
    ns[LCONT_NS_IPC].present = true;
    return expect_plan_error(f, 0, NULL);
}

/* ---- plan validation ---- */

static int test_plan_errors(struct fixture *f)
{
    struct lcont_rootfs_plan *plan = NULL;
    lcont_error *err = NULL;
    struct statfs sfs;
    struct stat st;
    int r;

    /* lexical cleaning: ".." never climbs above "/" */
    static const char *const clean[][2] = {
        { "/a/../../b//c/.", "/b/c" },
        { "../../../../tmp/x", "/tmp/x" },
        { "/", "/" },
        { "", "/" },
        { "/dev/", "/dev" },
        { "a/./b/..", "/a" },
    };
    for (size_t i = 0; i < ELEMENTSOF(clean); i++) {
        char *c = lcont__rootfs_clean_path(clean[i][0]);
        bool ok = c && strcmp(c, clean[i][1]) == 0;
        free(c);
        CHECK(ok, "clean '%s' -> '%s'", clean[i][0], clean[i][1]);
    }
    CHECK(lcont__rootfs_path_under("/proc/sys", "/proc") &&
              lcont__rootfs_path_under("/proc", "/proc") &&
              !lcont__rootfs_path_under("/procx", "/proc") && lcont__rootfs_path_under("/x", "/"),
          "path_under");

    /* a good plan: trusted, close-on-exec fds */
    r = lcont__rootfs_plan_new(&f->spec, f->dir, false, 0, &plan, &err);
    if (r < 0)
        FAIL("plan: %s", lcont_error_message(err));
    CHECK(fcntl(plan->proc_fd, F_GETFD) == FD_CLOEXEC, "proc fd cloexec");
    CHECK(fcntl(plan->devnull_fd, F_GETFD) == FD_CLOEXEC, "devnull fd cloexec");
    CHECK(fstatfs(plan->proc_fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC, "procfs");
    CHECK(fstat(plan->devnull_fd, &st) == 0 && st.st_rdev == makedev(1, 3), "null device");
    CHECK(strcmp(plan->rootfs, f->rootfs) == 0, "rootfs %s", plan->rootfs);
    lcont__rootfs_plan_free(plan);

    f->plan_flags = 1ULL << 7;
    if (expect_plan_error(f, -EINVAL, "unknown flags"))
        return 1;
    f->plan_flags = 0;

    f->spec.root_path = (char *)"no-such-dir";
    if (expect_plan_error(f, -ENOENT, "root.path"))
        return 1;
    f->spec.root_path = (char *)"rootfs";
    r = lcont__rootfs_plan_new(&f->spec, NULL, false, 0, &plan, &err);
    CHECK(r == -EINVAL && strstr(lcont_error_message(err), "absolute bundle"), "NULL bundle");
    lcont_error_free(err);

    fx_mount(f, "/proc/sys/foo", "tmpfs", "tmpfs", 0, NULL);
    if (expect_plan_error(f, -EINVAL, "below /proc"))
        return 1;
    f->spec.n_mounts = 0;
    fx_mount(f, "/proc/cpuinfo", NULL, "/proc/cpuinfo", MS_BIND, NULL); /* lxcfs style: fine */
    if (expect_plan_error(f, 0, NULL))
        return 1;
    f->spec.n_mounts = 0;
    fx_mount(f, "/../", "tmpfs", "tmpfs", 0, NULL);
    if (expect_plan_error(f, -EINVAL, "over the rootfs"))
        return 1;
    f->spec.n_mounts = 0;
    fx_mount(f, "/mnt", NULL, "/nonexistent-source-dir", MS_BIND, NULL);
    if (expect_plan_error(f, -ENOENT, "source"))
        return 1;
    f->spec.n_mounts = 0;
    add_device(f, "/dev/bad", 'x', 1, 1);
    if (expect_plan_error(f, -EINVAL, "linux.devices[0].type"))
        return 1;
    f->spec.linux_.n_devices = 0;
    fx_masked(f, "relative/path");
    return expect_plan_error(f, -EINVAL, "maskedPaths");
}

/* ---- linux.rootfsPropagation ---- */

static int body_propagation(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    bool shared = plan->final_propagation & MS_SHARED;
    struct mi_entry e;

    if (fx_setup(plan) < 0)
        return 1;
    CHECK(mi_find("/", &e) == 0, "/");
    CHECK(shared == (strstr(e.optional, "shared:") != NULL), "/ propagation '%s'", e.optional);
    CHECK(mi_find("/proc", &e) == 0 && shared == (strstr(e.optional, "shared:") != NULL),
          "/proc propagation '%s'", e.optional);
    CHECK(access("/marker", F_OK) == 0, "pivot_root worked");
    return 0;
}

static int test_rootfs_propagation(struct fixture *f)
{
    int r;

    fx_default_mounts(f);
    if (fx_write(f, "/marker", "x") < 0)
        FAIL("marker");
    f->spec.linux_.rootfs_propagation = MS_SHARED | MS_REC;
    r = fx_run(f, body_propagation);
    if (r == 0) {
        f->spec.linux_.rootfs_propagation = MS_PRIVATE | MS_REC;
        r = fx_run(f, body_propagation);
    }
    return r;
}

/* ---- pivot_root fallback ---- */

static int body_no_pivot(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    struct stat a, b;
    struct mi_entry e;
    char cwd[64];

    if (fx_setup(plan) < 0)
        return 1;
    CHECK(access("/marker", F_OK) == 0, "the rootfs is /");
    CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0, "cwd");
    CHECK(stat("/", &a) == 0 && stat("/..", &b) == 0 && a.st_ino == b.st_ino, "/.. is /");
    CHECK(mi_find("/", &e) == 0 && strstr(e.root, f->dir), "/ is the moved rootfs: %s", e.root);
    CHECK(mi_find("/proc", &e) == 0 && strcmp(e.fstype, "proc") == 0, "proc");
    CHECK(is_dev("/dev/null", S_IFCHR, 1, 3), "/dev/null");
    CHECK(is_dev("/proc/keys", S_IFCHR, 1, 3), "masked with the fallback too");
    return 0;
}

static int test_no_pivot(struct fixture *f)
{
    fx_default_mounts(f);
    fx_masked(f, "/proc/keys");
    if (fx_write(f, "/marker", "x") < 0)
        FAIL("marker");
    f->plan_flags = LCONT_ROOTFS_NO_PIVOT;
    return fx_run(f, body_no_pivot);
}

/* ---- security: symlinks and ".." in the image never reach the host ---- */

static char g_evil[256], g_inside[1024];

static int body_symlink_proc(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    int r = fx_prepare(plan);

    /* still in the host's mount tree here: the host path must not be a mount */
    CHECK(!is_mount_root(g_evil), "a mount landed on the host path %s", g_evil);
    CHECK(!is_mount_root(g_inside), "a mount landed on %s", g_inside);
    CHECK(r == -ELOOP, "proc on a symlink must be refused: %s", strerror(-r));
    return 0;
}

static int body_symlink_tmpfs(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    if (fx_prepare(plan) < 0)
        return 1;
    CHECK(!is_mount_root(g_evil), "a mount landed on the host path %s", g_evil);
    CHECK(is_mount_root(g_inside) && fs_type(g_inside) == TMPFS_MAGIC,
          "the mount must land inside the rootfs at %s", g_inside);
    if (fx_finalize(plan) < 0)
        return 1;
    /* inside the container the link's target path is the mount */
    CHECK(is_mount_root(g_evil) && fs_type("/link/.") == TMPFS_MAGIC, "tmpfs via /link");
    return 0;
}

static int test_security_symlink_proc(struct fixture *f)
{
    char link[512];
    int r;

    if (host_tmpdir(f, g_evil, sizeof(g_evil), "evil") < 0)
        FAIL("host dir");
    snprintf(g_inside, sizeof(g_inside), "%s%s", f->rootfs, g_evil);
    snprintf(link, sizeof(link), "%s/proc", f->rootfs);
    if (lcont__mkdir_p(g_inside, 0755) < 0 || symlink(g_evil, link) < 0)
        FAIL("fixtures");
    fx_mount(f, "/proc", "proc", "proc", 0, NULL);
    r = fx_run(f, body_symlink_proc);

    /* the same trick for a tmpfs: followed, but inside the rootfs */
    if (r == 0) {
        f->spec.n_mounts = 0;
        snprintf(link, sizeof(link), "%s/link", f->rootfs);
        if (symlink(g_evil, link) < 0)
            FAIL("fixtures");
        fx_mount(f, "/link", "tmpfs", "tmpfs", 0, NULL);
        r = fx_run(f, body_symlink_tmpfs);
    }
    if (!dir_is_empty(g_evil))
        r = 1, fprintf(stderr, "the host directory %s was written to\n", g_evil);
    return r;
}

static char g_precious[256];

static int body_devnull_symlink(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    int fd;

    if (fx_prepare(plan) < 0)
        return 1;
    CHECK(!is_mount_root(g_precious), "host file got a mount");
    CHECK(file_has(g_precious, "precious"), "host file changed");
    if (fx_finalize(plan) < 0)
        return 1;
    CHECK(is_dev("/dev/null", S_IFCHR, 1, 3), "the image's /dev/null symlink was replaced");
    CHECK(is_dev("/dev/zero", S_IFCHR, 1, 5), "the image's /dev/zero symlink was replaced");
    CHECK(is_dev("/secret.txt", S_IFCHR, 1, 3), "masked with the host's verified null device");
    CHECK(is_dev("/proc/keys", S_IFCHR, 1, 3), "/proc/keys masked");
    fd = open("/secret.txt", O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0 && write(fd, "pwned", 5) == 5, "write the masked file");
    close(fd);
    fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0 && write(fd, "pwned", 5) == 5, "write /dev/null");
    close(fd);
    return 0;
}

static int test_security_devnull_symlink(struct fixture *f)
{
    char link[512], rel[600];
    int r;

    if (host_file(f, g_precious, sizeof(g_precious), "precious", "precious") < 0)
        FAIL("host file");
    /* the image's /dev (no tmpfs over it) points its nodes at a host file */
    snprintf(link, sizeof(link), "%s/dev", f->rootfs);
    if (mkdir(link, 0755) < 0)
        FAIL("mkdir");
    snprintf(link, sizeof(link), "%s/dev/null", f->rootfs);
    if (symlink(g_precious, link) < 0)
        FAIL("symlink");
    snprintf(link, sizeof(link), "%s/dev/zero", f->rootfs);
    snprintf(rel, sizeof(rel), "../../../../../..%s", g_precious);
    if (symlink(rel, link) < 0 || fx_write(f, "/secret.txt", "secret") < 0)
        FAIL("fixtures");
    fx_mount(f, "/proc", "proc", "proc", 0, NULL);
    fx_masked(f, "/secret.txt");
    fx_masked(f, "/proc/keys");
    fx_masked(f, "/dev/null");
    r = fx_run(f, body_devnull_symlink);
    if (!file_has(g_precious, "precious"))
        r = 1, fprintf(stderr, "the host file %s was changed\n", g_precious);
    return r;
}

static char g_devdir[256];

static int body_devnull_bound(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    int fd;

    if (fx_setup(plan) < 0)
        return 1;
    CHECK(file_has("/dev/null", "precious"), "/dev is the caller's bind mount");
    CHECK(is_dev("/secret.txt", S_IFCHR, 1, 3),
          "masked with the host's null device, not /dev/null");
    fd = open("/secret.txt", O_WRONLY | O_TRUNC | O_CLOEXEC);
    CHECK(fd >= 0 && write(fd, "pwned", 5) == 5, "write the masked file");
    close(fd);
    return 0;
}

static int test_security_devnull_bound(struct fixture *f)
{
    char path[512];
    int r;

    /* the container's /dev/null is a plain file from the host: masking must not use it */
    if (host_tmpdir(f, g_devdir, sizeof(g_devdir), "dev") < 0)
        FAIL("host dir");
    snprintf(path, sizeof(path), "%s/null", g_devdir);
    if (host_write(path, "precious") < 0 || fx_write(f, "/secret.txt", "secret") < 0)
        FAIL("fixtures");
    fx_mount(f, "/proc", "proc", "proc", 0, NULL);
    fx_mount(f, "/dev", NULL, g_devdir, MS_BIND | MS_REC, NULL);
    fx_masked(f, "/secret.txt");
    r = fx_run(f, body_devnull_bound);
    if (!file_has(path, "precious"))
        r = 1, fprintf(stderr, "the host file %s was changed\n", path);
    return r;
}

static int body_dotdot(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    if (fx_prepare(plan) < 0)
        return 1;
    CHECK(!is_mount_root(g_evil), "mount escaped to the host path %s", g_evil);
    CHECK(is_mount_root(g_inside), "mount must be at %s", g_inside);
    return fx_finalize(plan) < 0;
}

static int test_security_dotdot_destination(struct fixture *f)
{
    char dest[512];
    int r;

    if (host_tmpdir(f, g_evil, sizeof(g_evil), "x") < 0)
        FAIL("host dir");
    snprintf(g_inside, sizeof(g_inside), "%s%s", f->rootfs, g_evil);
    snprintf(dest, sizeof(dest), "../../../..%s", g_evil);
    fx_mount(f, dest, "tmpfs", "tmpfs", 0, NULL);
    r = fx_run(f, body_dotdot);
    if (!dir_is_empty(g_evil))
        r = 1, fprintf(stderr, "host directory written\n");
    return r;
}

static char g_evil2[256], g_inside2[1024];

static int body_bind_symlink(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    char path[1100];

    if (fx_prepare(plan) < 0)
        return 1;
    CHECK(!is_mount_root(g_evil) && !is_mount_root(g_evil2), "bind escaped to the host");
    CHECK(is_mount_root(g_inside) && is_mount_root(g_inside2), "binds must land in the rootfs");
    snprintf(path, sizeof(path), "%s/hello", g_inside);
    CHECK(file_has(path, "hi"), "bind content");
    return fx_finalize(plan) < 0;
}

static int test_security_bind_through_symlink(struct fixture *f)
{
    char path[600], dest[512], dest2[512];
    int r;

    if (host_tmpdir(f, g_evil, sizeof(g_evil), "y") < 0 ||
        host_tmpdir(f, g_evil2, sizeof(g_evil2), "y") < 0 ||
        host_tmpdir(f, g_src, sizeof(g_src), "src") < 0)
        FAIL("host dirs");
    snprintf(path, sizeof(path), "%s/hello", g_src);
    if (host_write(path, "hi") < 0)
        FAIL("fixture");
    /* /escape -> "/" and /up -> "../../../../../.." : both mean the rootfs itself */
    snprintf(path, sizeof(path), "%s/escape", f->rootfs);
    if (symlink("/", path) < 0)
        FAIL("symlink");
    snprintf(path, sizeof(path), "%s/tmp/up", f->rootfs);
    if (symlink("../../../../../..", path) < 0)
        FAIL("symlink");
    snprintf(g_inside, sizeof(g_inside), "%s%s", f->rootfs, g_evil);
    snprintf(g_inside2, sizeof(g_inside2), "%s%s", f->rootfs, g_evil2);
    snprintf(dest, sizeof(dest), "/escape%s", g_evil);
    snprintf(dest2, sizeof(dest2), "/tmp/up%s", g_evil2);
    fx_mount(f, dest, NULL, g_src, MS_BIND | MS_REC, NULL);
    fx_mount(f, dest2, NULL, g_src, MS_BIND, NULL);
    r = fx_run(f, body_bind_symlink);
    if (!dir_is_empty(g_evil) || !dir_is_empty(g_evil2))
        r = 1, fprintf(stderr, "host directory written\n");
    return r;
}

static int body_dangling(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    int r = fx_prepare(plan);

    CHECK(r == -ENOENT, "a dangling symlink in the path must fail: %s", strerror(-r));
    CHECK(access(g_evil, F_OK) < 0, "created %s on the host", g_evil);
    return 0;
}

static int test_security_dangling_symlink(struct fixture *f)
{
    char path[512], dest[64];

    /* a host path that does not exist: nothing may create it */
    snprintf(g_evil, sizeof(g_evil), "/tmp/lcont-rootfs-never-%d", (int)getpid());
    snprintf(path, sizeof(path), "%s/dangle", f->rootfs);
    if (symlink(g_evil, path) < 0)
        FAIL("symlink");
    snprintf(dest, sizeof(dest), "/dangle/sub");
    fx_mount(f, dest, "tmpfs", "tmpfs", 0, NULL);
    if (fx_run(f, body_dangling))
        return 1;
    CHECK(access(g_evil, F_OK) < 0, "created %s on the host", g_evil);
    return 0;
}

/* ---- user namespaces ---- */

static int body_userns(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    struct mi_entry e;
    char out[4096];

    if (fx_setup(plan) < 0)
        return 1;
    CHECK(getuid() == 0, "root in the user namespace");
    CHECK(mi_find("/proc", &e) == 0 && strcmp(e.fstype, "proc") == 0, "proc");
    CHECK(mi_find("/sys", &e) == 0 && strcmp(e.fstype, "sysfs") == 0 && has_opt(e.options, "ro"),
          "sysfs %s", e.options);
    /* with its own net namespace sysfs is mounted fresh, else the host's is bound (rbind) */
    if (plan->new_netns)
        CHECK(mi_find("/sys/fs/cgroup", &e) < 0, "fresh sysfs has no submounts");
    else
        CHECK(mi_find("/sys/fs/cgroup", &e) == 0, "rbind of the host /sys");
    CHECK(mi_find("/dev/pts", &e) == 0 && strcmp(e.fstype, "devpts") == 0, "devpts");
    if (strstr(plan->mounts[2].data, "gid=99999"))
        CHECK(!strstr(e.super, "gid="), "devpts retried without the unmapped gid: %s", e.super);
    CHECK(is_dev("/dev/null", S_IFCHR, 1, 3) && is_mount_root("/dev/null"),
          "/dev/null is the host node bind-mounted");
    CHECK(is_dev("/dev/tty", S_IFCHR, 5, 0) && is_mount_root("/dev/tty"), "/dev/tty");
    CHECK(is_dev("/proc/keys", S_IFCHR, 1, 3), "masked in a user namespace");
    CHECK(mi_find("/proc/sys", &e) == 0 && has_opt(e.options, "ro"),
          "read-only path in a user namespace");
    CHECK(run_sh("echo hi > /dev/null && cat /dev/null && echo ok", out, sizeof(out)) == 0 &&
              strcmp(out, "ok\n") == 0,
          "sh: %s", out);
    return 0;
}

static int test_userns(struct fixture *f)
{
    fx_default_mounts(f);
    fx_namespace(f, LCONT_NS_USER);
    fx_namespace(f, LCONT_NS_NET);
    fx_namespace(f, LCONT_NS_IPC);
    fx_masked(f, "/proc/keys");
    fx_readonly(f, "/proc/sys");
    return fx_run(f, body_userns);
}

static int test_userns_host_sysfs(struct fixture *f)
{
    fx_default_mounts(f);
    /* a tty group the user namespace does not map: devpts is retried without gid= */
    f->mounts[2].data = (char *)"newinstance,ptmxmode=0666,mode=0620,gid=99999";
    fx_namespace(f, LCONT_NS_USER);
    fx_namespace(f, LCONT_NS_IPC);
    fx_masked(f, "/proc/keys");
    fx_readonly(f, "/proc/sys");
    return fx_run(f, body_userns);
}

/* ---- cgroup mounts ---- */

static char g_cgroup[256], g_cgroup_rel[128];

static int body_cgroup(struct fixture *f, const struct lcont_rootfs_plan *plan)
{
    const struct lcont_rootfs_cgroup *cg = &plan->cgroup;
    struct mi_entry e;
    char path[512], buf[256];

    if (fx_setup(plan) < 0)
        return 1;
    CHECK(mi_find("/sys/fs/cgroup", &e) == 0, "/sys/fs/cgroup mounted");
    CHECK(has_opt(e.options, "ro") && has_opt(e.options, "nosuid"), "options %s", e.options);
    CHECK(strcmp(e.fstype, cg->v1 ? "tmpfs" : "cgroup2") == 0, "type %s", e.fstype);
    for (size_t i = 0; cg->v1 && i < cg->n_hiers; i++) {
        const struct lcont_rootfs_cgroup_hier *h = &cg->hiers[i];
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", h->dir);
        CHECK(mi_find(path, &e) == 0 && strcmp(e.fstype, h->fstype) == 0, "%s", path);
        CHECK(has_opt(e.options, "ro") && has_opt(e.options, "nosuid"), "%s options %s", path,
              e.options);
        CHECK(!h->data || strstr(e.super, h->data), "%s controllers %s", path, e.super);
        for (size_t k = 0; h->links && h->links[k]; k++) {
            snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", h->links[k]);
            CHECK(link_is(path, h->dir), "%s -> %s", path, h->dir);
        }
    }
    if (plan->cgroupns) {
        /* the namespace root is the container's cgroup */
        CHECK(read_small("/proc/self/cgroup", buf, sizeof(buf)) > 0 && strstr(buf, ":/\n"),
              "cgroup namespace root: %s", buf);
        CHECK(mi_find(cg->v1 ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup", &e) < 0 ||
                  strcmp(e.root, "/") == 0,
              "fresh hierarchy root %s", e.root);
    } else if (g_cgroup_rel[0]) {
        /* without one, our own directory of the host hierarchy is bound */
        CHECK(mi_find(cg->v1 ? "/sys/fs/cgroup/pids" : "/sys/fs/cgroup", &e) == 0 &&
                  strcmp(e.root, g_cgroup_rel) == 0,
              "bound cgroup root %s, want %s", e.root, g_cgroup_rel);
        snprintf(path, sizeof(path), "%s/cgroup.procs",
                 cg->v1 ? "/sys/fs/cgroup/pids" : "/sys/fs/cgroup");
        CHECK(read_small(path, buf, sizeof(buf)) > 0 && strcmp(buf, "1\n") == 0,
              "only the container is in its cgroup: %s", buf);
    }
    return 0;
}

static int cgroup_fixture(struct fixture *f)
{
    fx_mount(f, "/proc", "proc", "proc", 0, NULL);
    fx_mount(f, "/sys", "sysfs", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
    fx_mount(f, "/sys/fs/cgroup", "cgroup", "cgroup",
             MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY, NULL);
    fx_namespace(f, LCONT_NS_NET);
    return 0;
}

static int test_cgroup_ns(struct fixture *f)
{
    cgroup_fixture(f);
    fx_namespace(f, LCONT_NS_CGROUP);
    g_cgroup_rel[0] = '\0';
    return fx_run(f, body_cgroup);
}

static int test_cgroup_bind(struct fixture *f)
{
    int r;

    cgroup_fixture(f);
    /* our own cgroup (pids on v1/hybrid hosts), so the bound directory is recognisable */
    snprintf(g_cgroup_rel, sizeof(g_cgroup_rel), "/lcont-rootfs-test-%d", (int)getpid());
    if (fs_type("/sys/fs/cgroup") == CGROUP2_SUPER_MAGIC)
        snprintf(g_cgroup, sizeof(g_cgroup), "/sys/fs/cgroup%s", g_cgroup_rel);
    else
        snprintf(g_cgroup, sizeof(g_cgroup), "/sys/fs/cgroup/pids%s", g_cgroup_rel);
    if (mkdir(g_cgroup, 0755) < 0)
        FAIL("mkdir %s: %s", g_cgroup, strerror(errno));
    f->cgroup_dir = g_cgroup;
    r = fx_run(f, body_cgroup);
    if (rmdir(g_cgroup) < 0)
        r = 1, fprintf(stderr, "rmdir %s: %s\n", g_cgroup, strerror(errno));
    return r;
}

/* ---- main ---- */

static const struct {
    const char *name;
    int (*fn)(struct fixture *f);
} cases[] = {
    { "basic_mounts", test_basic_mounts },
    { "devices", test_devices },
    { "bind_mounts", test_bind_mounts },
    { "masked_paths", test_masked_paths },
    { "readonly_paths", test_readonly_paths },
    { "readonly_root", test_readonly_root },
    { "sysctl", test_sysctl },
    { "sysctl_validation", test_sysctl_validation },
    { "plan_errors", test_plan_errors },
    { "no_pivot", test_no_pivot },
    { "rootfs_propagation", test_rootfs_propagation },
    { "security_symlink_proc", test_security_symlink_proc },
    { "security_devnull_symlink", test_security_devnull_symlink },
    { "security_devnull_bound", test_security_devnull_bound },
    { "security_dotdot_destination", test_security_dotdot_destination },
    { "security_bind_through_symlink", test_security_bind_through_symlink },
    { "security_dangling_symlink", test_security_dangling_symlink },
    { "userns", test_userns },
    { "userns_host_sysfs", test_userns_host_sysfs },
    { "cgroup_ns", test_cgroup_ns },
    { "cgroup_bind", test_cgroup_bind },
};

int main(int argc, char **argv)
{
    struct fixture f;
    int r = -1;

    if (argc < 2) {
        fprintf(stderr, "usage: %s <case> [busybox]\n", argv[0]);
        return 2;
    }
    if (geteuid() != 0)
        return 77;
    if (argc > 2)
        busybox_path = argv[2];
    if (access(busybox_path, X_OK) < 0)
        return 77;
    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        if (strcmp(cases[i].name, argv[1]) != 0)
            continue;
        if (fx_init(&f) < 0) {
            fprintf(stderr, "cannot build the test bundle\n");
            fx_cleanup(&f);
            return 1;
        }
        r = cases[i].fn(&f);
        fx_cleanup(&f);
        break;
    }
    if (r < 0) {
        fprintf(stderr, "unknown case %s\n", argv[1]);
        return 2;
    }
    return r == 0 ? 0 : 1;
}
