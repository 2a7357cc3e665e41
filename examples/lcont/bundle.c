/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container's bundle directory, <root>/containers/<id>/, and the files lcont keeps
 * beside config.json and rootfs/: meta.json (what run was asked), status.json (times and
 * exit code, written atomically by whoever reaps the container), ctr.log (the CRI log of
 * a detached container) and monitor.lock.
 *
 * Two locks, both flock(), so that they die with their holder:
 * - monitor.lock is held exclusively by the process that reaps the container (the
 *   monitor of run -d, or a foreground run) until the exit status is recorded. Anyone
 *   can test it (is the monitor alive?) or wait for it (the exit code is known now).
 * - the bundle directory itself serializes removals (rm, the monitor's --rm) against
 *   each other and against `wait`, which reads the exit code before it may be removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"

int bundle_path(const struct cli *cli, const char *id, const char *leaf, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/containers/%s%s%s", cli->root, id, leaf ? "/" : "",
                     leaf ? leaf : "");
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int name_valid(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > 128 ||
        !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
          (name[0] >= '0' && name[0] <= '9')))
        return 0;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int bundle_list(const struct cli *cli, char ***ret, size_t *ret_n)
{
    char dir[4096], **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    DIR *d;

    *ret = NULL;
    *ret_n = 0;
    snprintf(dir, sizeof(dir), "%s/containers", cli->root);
    d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    while ((de = readdir(d))) {
        if (!name_valid(de->d_name))
            continue;
        if (n == cap) {
            char **t = realloc(names, (cap = cap * 2 + 16) * sizeof(*names));
            if (!t)
                goto oom;
            names = t;
        }
        if (!(names[n] = strdup(de->d_name)))
            goto oom;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), name_cmp);
    *ret = names;
    *ret_n = n;
    return 0;
oom:
    closedir(d);
    bundle_list_free(names, n);
    return -ENOMEM;
}

void bundle_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int bundle_lock(const struct cli *cli, const char *id, int op)
{
    char dir[4096];
    struct stat st;
    int fd;

    if (bundle_path(cli, id, NULL, dir, sizeof(dir)) < 0)
        return -ENAMETOOLONG;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    while (flock(fd, op) < 0) {
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return -e;
        }
    }
    /* removed while we waited: a removed directory has no links left */
    if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
        close(fd);
        return -ENOENT;
    }
    return fd;
}

int bundle_remove(struct cli *cli, const char *id, int quiet)
{
    char rootfs[4096], dir[4096];
    lcont_error *err = NULL;
    struct dirent *de;
    DIR *d;
    int r, status = 0;

    if (bundle_path(cli, id, "rootfs", rootfs, sizeof(rootfs)) < 0 ||
        bundle_path(cli, id, NULL, dir, sizeof(dir)) < 0)
        return cli_fail("%s: name too long", id);
    if (cli_open_store(cli))
        return 1;
    r = lcont_image_umount(cli->store, rootfs, 0, &err);
    if (r < 0 && r != -ENOENT)
        status = cli_fail_lib(cli, r, &err, "umount %s", rootfs);
    lcont_error_free(err);
    if (status)
        return status; /* never delete files below a live mount */
    /* lcont's own files: everything but the rootfs mount point is a plain file */
    d = opendir(dir);
    if (d) {
        while ((de = readdir(d))) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                strcmp(de->d_name, "rootfs") == 0)
                continue;
            if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT && !quiet)
                status = cli_fail("remove %s/%s: %s", dir, de->d_name, strerror(errno));
        }
        closedir(d);
    }
    if (rmdir(rootfs) < 0 && errno != ENOENT && !quiet)
        status = cli_fail("remove %s: %s", rootfs, strerror(errno));
    if (rmdir(dir) < 0 && errno != ENOENT && !quiet)
        status = cli_fail("remove %s: %s", dir, strerror(errno));
    return status;
}

void *bundle_read_json(const struct cli *cli, const char *id, const char *leaf)
{
    char path[4096], *text = NULL;
    size_t len = 0, cap = 0;
    cJSON *json;
    int fd;

    if (bundle_path(cli, id, leaf, path, sizeof(path)) < 0)
        return NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    for (;;) {
        ssize_t n;
        if (len + 4096 + 1 > cap) {
            char *t = cap > (64u << 20) ? NULL : realloc(text, cap = cap * 2 + 8192);
            if (!t) {
                free(text);
                close(fd);
                return NULL;
            }
            text = t;
        }
        n = read(fd, text + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    text[len] = '\0';
    json = cJSON_Parse(text);
    free(text);
    return json;
}

static int open_monitor_lock(const struct cli *cli, const char *id, int flags)
{
    char path[4096];
    int fd;

    if (bundle_path(cli, id, BUNDLE_MONITOR_LOCK, path, sizeof(path)) < 0)
        return -ENAMETOOLONG;
    fd = open(path, flags | O_CLOEXEC, 0644);
    return fd < 0 ? -errno : fd;
}

int monitor_alive(const struct cli *cli, const char *id)
{
    int fd = open_monitor_lock(cli, id, O_RDONLY), r;

    if (fd == -ENOENT)
        return 0;
    if (fd < 0)
        return fd;
    r = flock(fd, LOCK_SH | LOCK_NB) == 0 ? 0 : errno == EWOULDBLOCK ? 1 : -errno;
    close(fd);
    return r;
}

int monitor_wait(const struct cli *cli, const char *id)
{
    int fd = open_monitor_lock(cli, id, O_RDONLY), r;

    if (fd == -ENOENT)
        return 0;
    if (fd < 0)
        return fd;
    while ((r = flock(fd, LOCK_SH)) < 0 && errno == EINTR)
        ;
    r = r < 0 ? -errno : 0;
    close(fd);
    return r;
}

int monitor_lock(const struct cli *cli, const char *id)
{
    int fd = open_monitor_lock(cli, id, O_RDWR | O_CREAT);

    if (fd < 0)
        return fd;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno == EWOULDBLOCK ? EBUSY : errno;
        close(fd);
        return -e;
    }
    return fd;
}

#define STATUS_RESERVE ".status.json.reserve"

int status_reserve(const struct cli *cli, const char *id)
{
    char path[4096];
    int fd, r;

    if (bundle_path(cli, id, STATUS_RESERVE, path, sizeof(path)) < 0)
        return -ENAMETOOLONG;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    r = posix_fallocate(fd, 0, 4096);
    if (r != 0) {
        close(fd);
        unlink(path);
        return -r;
    }
    return fd;
}

/* Write @text into the reserved blocks of @fd, then rename it over status.json. */
static int write_reserved(const struct cli *cli, const char *id, int fd, const char *text)
{
    char from[4096], to[4096];
    size_t len = strlen(text);

    if (len > 4096 || bundle_path(cli, id, STATUS_RESERVE, from, sizeof(from)) < 0 ||
        bundle_path(cli, id, BUNDLE_STATUS, to, sizeof(to)) < 0)
        return -ENAMETOOLONG;
    /* overwriting allocated blocks and shrinking need no new space */
    if (pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) < 0 ||
        fsync(fd) < 0 || rename(from, to) < 0)
        return -errno;
    return 0;
}

int status_write(const struct cli *cli, const char *id, const char *started, const char *finished,
                 int exit_code, int reserve_fd)
{
    cJSON *o = cJSON_CreateObject();
    char dir[4096], *text;
    int r;

    if (!o)
        return -ENOMEM;
    if (bundle_path(cli, id, NULL, dir, sizeof(dir)) < 0) {
        cJSON_Delete(o);
        return -ENAMETOOLONG;
    }
    cJSON_AddStringToObject(o, "started_at", started ? started : "");
    if (finished) {
        cJSON_AddStringToObject(o, "finished_at", finished);
        cJSON_AddNumberToObject(o, "exit_code", exit_code);
    }
    cJSON_AddNumberToObject(o, "monitor_pid", getpid());
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        return -ENOMEM;
    r = reserve_fd >= 0 ? write_reserved(cli, id, reserve_fd, text)
                        : cli_write_file(dir, BUNDLE_STATUS, text);
    free(text);
    return r;
}

int container_load(struct cli *cli, const char *id, lcont_container **ret)
{
    lcont_error *err = NULL;
    int r;

    if (!name_valid(id))
        return -ENOENT;
    if (cli_open_context(cli))
        return 1;
    r = lcont_container_load(cli->ctx, id, 0, ret, &err);
    if (r == -ENOENT) {
        lcont_error_free(err);
        return -ENOENT;
    }
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "container %s", id);
    return 0;
}

int container_find(struct cli *cli, const char *id, lcont_container **ret)
{
    int r = container_load(cli, id, ret);

    if (r == -ENOENT)
        return cli_fail("no such container: %s", id);
    return r ? 1 : 0;
}

bool bundle_rootfs_mounted(const struct cli *cli, const char *id, char *path, size_t size)
{
    char dir[4096];
    struct stat st_root, st_dir;

    return bundle_path(cli, id, "rootfs", path, size) == 0 &&
           bundle_path(cli, id, NULL, dir, sizeof(dir)) == 0 && stat(path, &st_root) == 0 &&
           stat(dir, &st_dir) == 0 && st_root.st_dev != st_dir.st_dev;
}
