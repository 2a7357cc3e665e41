/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the image config parser (untrusted input: the config blob of any
 * image archive) and, when it parses, for lcont_spec_from_image_config() against a small
 * rootfs with its own /etc/passwd and /etc/group. Besides "no crash, no leak" it checks
 * that failures explain themselves and that whatever is generated is a valid OCI config.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lcont/spec.h>

#include "core/util.h"
#include "spec/image-config.h"
#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

/* The rootfs is made once per process and removed at exit. */
static char rootfs_tmpl[] = "/tmp/fuzz-image-config.XXXXXX";
static char rootfs[sizeof(rootfs_tmpl) + 8];

static void write_file(int dir_fd, const char *path, const char *text)
{
    int fd = openat(dir_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

    check(fd >= 0);
    check(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
}

static void remove_rootfs(void)
{
    int fd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        lcont__rm_rf_at(fd, rootfs_tmpl + 5);
        close(fd);
    }
}

static const char *get_rootfs(void)
{
    int dir_fd;

    if (rootfs[0])
        return rootfs;
    check(mkdtemp(rootfs_tmpl) != NULL);
    atexit(remove_rootfs);
    snprintf(rootfs, sizeof(rootfs), "%s/root", rootfs_tmpl);
    check(mkdir(rootfs, 0755) == 0);
    dir_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    check(dir_fd >= 0);
    check(mkdirat(dir_fd, "etc", 0755) == 0);
    write_file(dir_fd, "etc/passwd",
               "root:x:0:0:root:/root:/bin/sh\n"
               "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
               "app:x:1000:1000:App:/home/app:/bin/sh\n"
               "nohome:x:1001:1001::\n"
               "broken line without colons\n"
               "big:x:4294967294:4294967294::/:\n");
    write_file(dir_fd, "etc/group",
               "root:x:0:\n"
               "daemon:x:1:\n"
               "app:x:1000:\n"
               "staff:x:50:app,nohome\n"
               "wheel:x:10:root,app\n"
               "bad::notanumber:app\n");
    /* a symlink leaving the rootfs must be resolved inside it, never on the host */
    check(symlinkat("/etc/shadow", dir_fd, "etc/shadow") == 0);
    close(dir_fd);
    return rootfs;
}

static void check_error(int r, lcont_error *err)
{
    check(r < 0 && err != NULL);
    check(lcont_error_code(err) == r);
    check(lcont_error_message(err)[0] != '\0');
}

static void check_config(const struct lcont_image_config *c)
{
    check(c->os && c->architecture);
    check(c->diff_ids != NULL);
    for (size_t i = 0; c->diff_ids[i]; i++)
        check(strncmp(c->diff_ids[i], "sha256:", 7) == 0 && strlen(c->diff_ids[i]) == 71);
    for (size_t i = 0; c->env && c->env[i]; i++)
        check(c->env[i][0] != '=' && strchr(c->env[i], '=') != NULL);
    for (size_t i = 0; i < c->n_labels; i++)
        check(c->labels[i].key != NULL && c->labels[i].value != NULL);
}

static void from_image(const char *json, uint64_t flags)
{
    lcont_error *err = NULL;
    char *out = NULL;
    int r = lcont_spec_from_image_config(json, get_rootfs(), NULL, flags, &out, &err);

    if (r == 0) {
        struct lcont_spec *spec = NULL;
        check(out != NULL && err == NULL);
        /* what we hand out must be accepted by the runtime's own parser */
        check(lcont__spec_parse(out, strlen(out), &spec, NULL) == 0);
        check(spec->process && spec->process->args && spec->process->args[0]);
        lcont__spec_free(spec);
        lcont_free(out);
        return;
    }
    check(out == NULL);
    check_error(r, err);
    check(r == -EINVAL || r == -ENOENT || r == -EOPNOTSUPP || r == -E2BIG || r == -EFBIG ||
          r == -ENOMEM);
    /* a config we accepted must never turn into one the runtime rejects */
    check(strncmp(lcont_error_message(err), "config from image: generated config invalid",
                  strlen("config from image: generated config invalid")) != 0);
    lcont_error_free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lcont_image_config *cfg = NULL;
    lcont_error *err = NULL;
    char *text;
    int r = lcont__image_config_parse((const char *)data, size, &cfg, &err);

    if (r < 0) {
        check(cfg == NULL);
        check_error(r, err);
        check(r == -EINVAL || r == -E2BIG || r == -EFBIG || r == -ENOMEM);
        lcont_error_free(err);
        return 0;
    }
    check(r == 0 && cfg != NULL && err == NULL);
    check_config(cfg);
    lcont__image_config_free(cfg);

    /* The public entry point takes a C string: only inputs without a NUL byte. */
    if (memchr(data, '\0', size))
        return 0;
    text = malloc(size + 1);
    check(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    from_image(text, size % 2 ? LCONT_SPEC_ROOTLESS : 0);
    free(text);
    return 0;
}
