/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont cp: copy files and directories between the host and a container. The container's
 * side is opened from a directory fd of its root: /proc/<init>/root while it runs (its own
 * mount namespace, so volumes are seen as the container sees them), else the bundle's
 * rootfs mount. Paths there are resolved with openat2(RESOLVE_IN_ROOT): "..", absolute
 * symlinks and magic links stay inside the root, whatever the container put there. Below
 * the opened parent every step is one name with O_NOFOLLOW, and a symlink in the way of a
 * new file is replaced, never written through.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"

static const char cp_usage[] =
    "Usage: lcont cp [OPTIONS] NAME:SRC_PATH DEST_PATH\n"
    "       lcont cp [OPTIONS] SRC_PATH NAME:DEST_PATH\n"
    "\n"
    "Copy a file or a directory (recursively) between a container, running or stopped, and\n"
    "the host. As docker cp: a DEST_PATH that is a directory receives SRC under its own\n"
    "name; SRC_PATH ending in /. copies the directory's contents; symlinks are copied as\n"
    "symlinks. Paths in the container are resolved inside its root (symlinks included).\n"
    "\n"
    "Options:\n"
    "  -a, --archive      keep the owner (uid:gid) of what is copied (default: root)\n"
    "  -L, --follow-link  copy what SRC_PATH points to when it is a symlink\n"
    "  -h, --help         show this help\n";

struct cp_opts {
    bool archive, follow;
    bool to_host; /* out of the container: its setuid bits and devices are not trusted */
};

/* Open @path on one side of the copy: the host (@root < 0) or inside a container's root
 * directory @root, with openat2(RESOLVE_IN_ROOT). */
static int side_open(int root, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };

    if (root < 0)
        return open(path, flags | O_CLOEXEC);
    return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/* "a/b/c" -> dir "a/b", base "c"; "c" -> ".", "c"; "/" -> "/", "."; trailing slashes go. */
static void split_path(const char *path, char *dir, size_t dsize, char *base, size_t bsize)
{
    size_t len = strlen(path);
    const char *slash;

    while (len > 1 && path[len - 1] == '/')
        len--;
    snprintf(dir, dsize, "%.*s", (int)len, path);
    slash = strrchr(dir, '/');
    if (!slash) {
        snprintf(base, bsize, "%s", dir);
        snprintf(dir, dsize, ".");
    } else if (slash == dir) {
        snprintf(base, bsize, "%s", slash[1] ? slash + 1 : ".");
        dir[1] = '\0';
    } else {
        snprintf(base, bsize, "%s", slash + 1);
        dir[slash - dir] = '\0';
    }
}

static bool ends_with_dot(const char *path)
{
    size_t len = strlen(path);
    return (len >= 2 && strcmp(path + len - 2, "/.") == 0) || strcmp(path, ".") == 0;
}

static int copy_entry(int sdir, const char *sname, const struct stat *st, int ddir,
                      const char *dname, const struct cp_opts *o, const char *shown);

/* Data from @sfd to @dfd. */
static int copy_data(int sfd, int dfd)
{
    char buf[65536];

    for (;;) {
        ssize_t n = read(sfd, buf, sizeof(buf));
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(dfd, buf + off, (size_t)(n - off));
            if (w < 0 && errno != EINTR)
                return -errno;
            off += w > 0 ? w : 0;
        }
    }
}

/* Owner (with -a; root otherwise), mode and times of @name in @ddir. */
static int set_attrs(int ddir, const char *dname, const struct stat *st, const struct cp_opts *o)
{
    struct timespec times[2] = { st->st_atim, st->st_mtim };
    uid_t uid = o->archive ? st->st_uid : 0;
    gid_t gid = o->archive ? st->st_gid : 0;
    /* a container's setuid program would be root's on the host: kept only with -a */
    mode_t mode = st->st_mode & (o->to_host && !o->archive ? 01777 : 07777);

    if (fchownat(ddir, dname, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
    if (!S_ISLNK(st->st_mode) && fchmodat(ddir, dname, mode, 0) < 0)
        return -errno;
    if (utimensat(ddir, dname, times, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
    return 0;
}

/* Make way for a new @dname in @ddir: a non-directory there goes (a symlink is replaced,
 * never followed); an existing directory is merged into by a directory (0) and refused
 * to anything else (-EISDIR); a directory cannot replace a non-directory (-ENOTDIR). */
static int make_room(int ddir, const char *dname, bool want_dir)
{
    struct stat cur;

    if (fstatat(ddir, dname, &cur, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (S_ISDIR(cur.st_mode))
        return want_dir ? 0 : -EISDIR;
    if (want_dir)
        return -ENOTDIR;
    return unlinkat(ddir, dname, 0) < 0 ? -errno : 0;
}

/* The source @sname of @sdir, for reading; "" is @sdir itself (a path resolved with -L). */
static int open_source(int sdir, const char *sname, int flags)
{
    char self[64];

    if (sname[0])
        return openat(sdir, sname, flags | O_NOFOLLOW | O_CLOEXEC);
    snprintf(self, sizeof(self), "/proc/self/fd/%d", sdir);
    return open(self, flags | O_CLOEXEC);
}

/* A directory: made (or merged into), its entries copied, then its attributes. 0, or -1
 * with a message printed. */
static int copy_dir(int sdir, const char *sname, const struct stat *st, int ddir, const char *dname,
                    const struct cp_opts *o, const char *shown)
{
    int sfd = -1, dfd = -1, r, status = -1;
    DIR *d = NULL;
    struct dirent *de;

    r = make_room(ddir, dname, true);
    if (r == 0 && mkdirat(ddir, dname, 0700) < 0 && errno != EEXIST)
        r = -errno;
    if (r == 0) {
        sfd = open_source(sdir, sname, O_RDONLY | O_DIRECTORY);
        dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0 || dfd < 0 || !(d = fdopendir(sfd)))
            r = -errno;
        else
            sfd = -1; /* owned by d */
    }
    if (r < 0) {
        cli_fail(r == -ENOTDIR ? "cannot overwrite a non-directory with the directory %s"
                               : "copy directory %s: %s",
                 shown, strerror(-r));
        goto out;
    }
    while ((de = readdir(d))) {
        struct stat cst;
        char child[4200];

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(child, sizeof(child), "%s/%s", shown, de->d_name);
        if (fstatat(dirfd(d), de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0) {
            cli_fail("%s: %s", child, strerror(errno));
            goto out;
        }
        if (copy_entry(dirfd(d), de->d_name, &cst, dfd, de->d_name, o, child) < 0)
            goto out;
    }
    r = set_attrs(ddir, dname, st, o);
    if (r < 0) {
        cli_fail("copy directory %s: %s", shown, strerror(-r));
        goto out;
    }
    status = 0;
out:
    if (d)
        closedir(d);
    if (sfd >= 0)
        close(sfd);
    if (dfd >= 0)
        close(dfd);
    return status;
}

/*
 * Copy @sname of @sdir (stat @st) to @dname of @ddir. Each name is one component: with
 * O_NOFOLLOW nothing below the opened directories follows a symlink. 0, or -1 with a
 * message printed (@shown: the source path in it).
 */
static int copy_entry(int sdir, const char *sname, const struct stat *st, int ddir,
                      const char *dname, const struct cp_opts *o, const char *shown)
{
    int r, sfd, dfd;

    if (S_ISDIR(st->st_mode))
        return copy_dir(sdir, sname, st, ddir, dname, o, shown);
    if (o->to_host && (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))) {
        fprintf(stderr,
                "lcont: skipping the device %s: a container's devices are not made "
                "on the host\n",
                shown);
        return 0;
    }
    r = make_room(ddir, dname, false);
    if (r == 0 && S_ISREG(st->st_mode)) {
        sfd = open_source(sdir, sname, O_RDONLY);
        dfd = openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        r = sfd < 0 || dfd < 0 ? -errno : copy_data(sfd, dfd);
        if (sfd >= 0)
            close(sfd);
        if (dfd >= 0)
            close(dfd);
    } else if (r == 0 && S_ISLNK(st->st_mode)) {
        char target[4097];
        ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);
        if (n < 0)
            r = -errno;
        else if (target[n] = '\0', symlinkat(target, ddir, dname) < 0)
            r = -errno;
    } else if (r == 0) {
        /* fifos, sockets and devices, as tar carries them (devices need root) */
        if (mknodat(ddir, dname, st->st_mode & (S_IFMT | 0600), st->st_rdev) < 0)
            r = -errno;
    }
    if (r == 0)
        r = set_attrs(ddir, dname, st, o);
    if (r == -EISDIR)
        return cli_fail("cannot overwrite a directory with %s", shown), -1;
    if (r < 0)
        return cli_fail("copy %s: %s", shown, strerror(-r)), -1;
    return 0;
}

/* NAME:PATH (a container) or PATH (the host; "./a:b" stays a host path). */
static bool parse_arg(const char *arg, char *name, size_t nsize, const char **path)
{
    const char *colon = strchr(arg, ':');

    if (!colon || arg[0] == '/' || arg[0] == '.' || colon == arg || (size_t)(colon - arg) >= nsize)
        return false;
    snprintf(name, nsize, "%.*s", (int)(colon - arg), arg);
    *path = colon[1] ? colon + 1 : "/";
    return true;
}

/* The container's root: /proc/<init>/root while it runs, else its rootfs mount. */
static int container_root(struct cli *cli, const char *id)
{
    lcont_container *c = NULL;
    lcont_process *init = NULL;
    char path[4096];
    int st, fd = -1;

    if (container_find(cli, id, &c))
        return -1;
    st = lcont_container_get_status(c, 0, NULL);
    if ((st == LCONT_STATUS_RUNNING || st == LCONT_STATUS_PAUSED || st == LCONT_STATUS_CREATED) &&
        lcont_container_get_init_process(c, 0, &init, NULL) == 0) {
        struct pollfd pfd = { .fd = lcont_process_get_pidfd(init), .events = POLLIN };
        snprintf(path, sizeof(path), "/proc/%d/root", (int)lcont_container_get_pid(c));
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        /* the init still lives after the open, so its pid was not reused meanwhile: the fd
         * is the container's root, not some other process's (the host's) */
        if (fd >= 0 && poll(&pfd, 1, 0) != 0) {
            close(fd);
            fd = -1;
        }
        lcont_process_unref(init);
    }
    lcont_container_unref(c);
    if (fd >= 0)
        return fd;
    /* stopped: the rootfs mount */
    if (!bundle_rootfs_mounted(cli, id, path, sizeof(path))) {
        cli_fail("the root filesystem of %s is not mounted", id);
        return -1;
    }
    fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        cli_fail("open %s: %s", path, strerror(errno));
    return fd;
}

int cmd_cp(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "archive", no_argument, NULL, 'a' },
        { "follow-link", no_argument, NULL, 'L' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct cp_opts o = { 0 };
    int src = -1, dst = -1; /* the container's root on its side, -1 on the host's */
    char sname[256], dname[256], sdir_path[4096], sbase[4096], ddir_path[4096], dbase[4096];
    const char *spath, *dpath;
    bool s_in, d_in, contents;
    struct stat st, dst_st;
    int c, sdir = -1, ddir = -1, status = 1;

    while ((c = getopt_long(argc, argv, "aLh", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            o.archive = true;
            break;
        case 'L':
            o.follow = true;
            break;
        case 'h':
            fputs(cp_usage, stdout);
            return 0;
        default:
            fputs(cp_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 2 != argc)
        return cli_usage_error(cp_usage, "'cp' needs a source and a destination");
    spath = argv[optind];
    dpath = argv[optind + 1];
    s_in = parse_arg(argv[optind], sname, sizeof(sname), &spath);
    d_in = parse_arg(argv[optind + 1], dname, sizeof(dname), &dpath);
    if (s_in == d_in)
        return cli_usage_error(cp_usage, "exactly one of the paths must be NAME:PATH");
    o.to_host = s_in;
    if ((s_in && (src = container_root(cli, sname)) < 0) ||
        (d_in && (dst = container_root(cli, dname)) < 0))
        goto out;

    /* the source: its parent directory, then the last name (followed with -L) */
    contents = ends_with_dot(spath);
    split_path(spath, sdir_path, sizeof(sdir_path), sbase, sizeof(sbase));
    if (o.follow && !contents) {
        /* resolve the whole path (inside the root); "" names that fd in what follows */
        int fd = side_open(src, spath, O_PATH);
        if (fd < 0) {
            cli_fail("%s: %s", argv[optind], strerror(errno));
            goto out;
        }
        sdir = fd;
        sbase[0] = '\0';
    } else {
        sdir = side_open(src, sdir_path, O_PATH | O_DIRECTORY);
        if (sdir < 0) {
            cli_fail("%s: %s", argv[optind], strerror(errno));
            goto out;
        }
    }
    if (fstatat(sdir, sbase, &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0) {
        cli_fail("%s: %s", argv[optind], strerror(errno));
        goto out;
    }
    if (contents && !S_ISDIR(st.st_mode)) {
        cli_fail("%s: not a directory", argv[optind]);
        goto out;
    }

    /* the destination: an existing directory receives the source under its name */
    ddir = contents ? -1 : side_open(dst, dpath, O_PATH);
    if (ddir >= 0 && (fstat(ddir, &dst_st) < 0 || !S_ISDIR(dst_st.st_mode))) {
        close(ddir);
        ddir = -1;
    }
    if (ddir >= 0) {
        split_path(spath, ddir_path, sizeof(ddir_path), dbase, sizeof(dbase));
        if (strcmp(dbase, ".") == 0 || strcmp(dbase, "/") == 0)
            snprintf(dbase, sizeof(dbase), "%s", s_in ? sname : "root");
    } else {
        size_t len = strlen(dpath);
        if (len && dpath[len - 1] == '/' && !contents) {
            cli_fail("%s: no such directory", argv[optind + 1]);
            goto out;
        }
        split_path(dpath, ddir_path, sizeof(ddir_path), dbase, sizeof(dbase));
        ddir = side_open(dst, ddir_path, O_PATH | O_DIRECTORY);
        if (ddir < 0) {
            cli_fail("%s: %s", argv[optind + 1],
                     errno == ENOENT ? "no such directory to copy into" : strerror(errno));
            goto out;
        }
        if (strcmp(dbase, ".") == 0 || strcmp(dbase, "/") == 0) {
            cli_fail("%s: cannot copy onto a root directory", argv[optind + 1]);
            goto out;
        }
    }
    /* SRC/. is a directory: its contents go into DEST (made if missing) */
    if (copy_entry(sdir, sbase, &st, ddir, dbase, &o, spath) < 0)
        goto out;
    status = 0;
out:
    if (sdir >= 0)
        close(sdir);
    if (ddir >= 0)
        close(ddir);
    if (src >= 0)
        close(src);
    if (dst >= 0)
        close(dst);
    return status;
}
