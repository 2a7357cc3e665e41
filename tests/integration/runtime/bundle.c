/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lcont/lcont.h>

static const char *const applets[] = { "sh",       "cut",      "echo", "cat",   "ls",
                                       "hostname", "mkdir",    "id",   "sleep", "dd",
                                       "head",     "grep",     "seq",  "true",  "false",
                                       "touch",    "readlink", "stat", "wc",    "kill",
                                       "uname",    "env",      "pwd",  "tr",    NULL };

static void die(const char *what)
{
    fprintf(stderr, "bundle: %s: %s\n", what, strerror(errno));
    exit(99);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC), out;
    ssize_t n;

    if (in < 0)
        die(from);
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0)
        die(to);
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n)
            die(to);
    close(in);
    close(out);
}

static void mkdirs(const char *base, const char *const *dirs)
{
    char path[512];
    for (size_t i = 0; dirs[i]; i++) {
        snprintf(path, sizeof(path), "%s/%s", base, dirs[i]);
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            die(path);
    }
}

void bundle_new(struct test_bundle *b, const char *name)
{
    static const char *const dirs[] = { "rootfs",      "rootfs/bin",  "rootfs/etc",
                                        "rootfs/proc", "rootfs/sys",  "rootfs/dev",
                                        "rootfs/tmp",  "rootfs/root", NULL };
    char path[512], cmd[768];
    char *json = NULL;

    if (geteuid() != 0)
        exit(77);
    if (access("/bin/busybox", X_OK) < 0)
        exit(77);
    memset(b, 0, sizeof(*b));
    snprintf(b->dir, sizeof(b->dir), "/tmp/lcont-test-%s-%d", name, (int)getpid());
    if ((size_t)snprintf(b->root, sizeof(b->root), "%s/state", b->dir) >= sizeof(b->root))
        die("state root path too long");
    snprintf(cmd, sizeof(cmd), "rm -rf %s", b->dir);
    if (system(cmd) != 0)
        die("rm");
    if (mkdir(b->dir, 0755) < 0)
        die(b->dir);
    mkdirs(b->dir, dirs);
    snprintf(path, sizeof(path), "%s/rootfs/bin/busybox", b->dir);
    copy_file("/bin/busybox", path, 0755);
    for (size_t i = 0; applets[i]; i++) {
        snprintf(path, sizeof(path), "%s/rootfs/bin/%s", b->dir, applets[i]);
        if (symlink("busybox", path) < 0)
            die(path);
    }
    snprintf(path, sizeof(path), "%s/rootfs/etc/passwd", b->dir);
    FILE *f = fopen(path, "w");
    if (!f)
        die(path);
    fputs("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n", f);
    fclose(f);
    if (lcont_spec_generate(0, &json, NULL) < 0)
        die("lcont_spec_generate");
    b->config = cJSON_Parse(json);
    lcont_free(json);
    if (!b->config)
        die("parse generated config");
    bundle_set(b, "", "hostname", cJSON_CreateString("lcont-test"));
    bundle_set(b, "root", "readonly", cJSON_CreateFalse());
    bundle_set_script(b, "true");
}

void bundle_free(struct test_bundle *b)
{
    char cmd[512];
    cJSON_Delete(b->config);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", b->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bundle: cleanup of %s failed\n", b->dir);
}

void bundle_set(struct test_bundle *b, const char *path, const char *key, cJSON *value)
{
    cJSON *obj = b->config;

    if (path && *path) {
        obj = cJSON_GetObjectItemCaseSensitive(b->config, path);
        if (!obj) {
            obj = cJSON_CreateObject();
            cJSON_AddItemToObject(b->config, path, obj);
        }
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
    else
        cJSON_AddItemToObject(obj, key, value);
}

void bundle_set_script(struct test_bundle *b, const char *script)
{
    const char *args[] = { "sh", "-c", script };
    bundle_set(b, "process", "args", cJSON_CreateStringArray(args, 3));
    bundle_set(b, "process", "terminal", cJSON_CreateFalse());
}

void bundle_write_config(struct test_bundle *b)
{
    char path[512];
    char *text = cJSON_Print(b->config);
    FILE *f;

    snprintf(path, sizeof(path), "%s/config.json", b->dir);
    f = fopen(path, "w");
    if (!f || !text)
        die(path);
    fputs(text, f);
    fclose(f);
    free(text);
}

const char *read_text(const char *path)
{
    static char buf[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = 0, r;

    buf[0] = '\0';
    if (fd < 0)
        return buf;
    while (n < (ssize_t)sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
        n += r;
    buf[n] = '\0';
    close(fd);
    return buf;
}
