/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *test_tmpdir_new(const char *tag)
{
    char *path = NULL;

    if (asprintf(&path, "/tmp/lcont-api-%s.XXXXXX", tag) < 0)
        return NULL;
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP)
        return rmdir(path) < 0 ? -1 : 0;
    return unlink(path) < 0 ? -1 : 0;
}

int test_rm_rf(const char *path)
{
    if (!path)
        return 0;
    if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
        return errno == ENOENT ? 0 : -errno;
    return 0;
}

int test_write_file(const char *path, const char *text)
{
    size_t len = strlen(text);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int r = 0;

    if (fd < 0)
        return -errno;
    if (write(fd, text, len) != (ssize_t)len)
        r = errno ? -errno : -EIO;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    return r;
}

const char *test_busybox_path(void)
{
    static const char *const candidates[] = { "/usr/bin/busybox", "/bin/busybox" };

    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
        if (access(candidates[i], X_OK) == 0)
            return candidates[i];
    return NULL;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[65536];
    ssize_t n;
    int in, out, r = 0;

    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -errno;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0) {
        r = -errno;
        close(in);
        return r;
    }
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n) {
            r = -EIO;
            break;
        }
    if (n < 0)
        r = -errno;
    close(in);
    if (close(out) < 0 && r == 0)
        r = -errno;
    return r;
}

/* The config `runc spec` writes, with terminal false and our args. */
static const char config_head[] = "{\n"
                                  "  \"ociVersion\": \"1.0.2\",\n"
                                  "  \"process\": {\n"
                                  "    \"terminal\": false,\n"
                                  "    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
                                  "    \"args\": [";
static const char config_tail[] =
    "],\n"
    "    \"env\": [\"PATH=/bin:/usr/bin:/sbin:/usr/sbin\", \"TERM=xterm\"],\n"
    "    \"cwd\": \"/\",\n"
    "    \"capabilities\": {\n"
    "      \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "      \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "      \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "      \"ambient\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]\n"
    "    },\n"
    "    \"rlimits\": [{ \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 }],\n"
    "    \"noNewPrivileges\": true\n"
    "  },\n"
    "  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
    "  \"hostname\": \"lcont-test\",\n"
    "  \"mounts\": [\n"
    "    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
    "    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
    "      \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"] },\n"
    "    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
    "      \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
    "\"mode=0620\", \"gid=5\"] },\n"
    "    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
    "      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"] },\n"
    "    { \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
    "      \"options\": [\"nosuid\", \"noexec\", \"nodev\"] },\n"
    "    { \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
    "      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"] },\n"
    "    { \"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\",\n"
    "      \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"] }\n"
    "  ],\n"
    "  \"linux\": {\n"
    "    \"resources\": { \"devices\": [{ \"allow\": false, \"access\": \"rwm\" }] },\n"
    "    \"namespaces\": [{ \"type\": \"pid\" }, { \"type\": \"network\" },\n"
    "                   { \"type\": \"ipc\" }, { \"type\": \"uts\" }, { \"type\": \"mount\" }],\n"
    "    \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\",\n"
    "                    \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\",\n"
    "                    \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],\n"
    "    \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\",\n"
    "                      \"/proc/sysrq-trigger\"]\n"
    "  }\n"
    "}\n";

char *test_config_json(const char *const *args)
{
    size_t len = sizeof(config_head) + sizeof(config_tail);
    char *text, *p;

    for (size_t i = 0; args[i]; i++)
        len += strlen(args[i]) + 4;
    text = malloc(len);
    if (!text)
        return NULL;
    p = stpcpy(text, config_head);
    for (size_t i = 0; args[i]; i++) {
        /* test args are plain words: no JSON escaping needed */
        p += sprintf(p, "%s\"%s\"", i ? ", " : "", args[i]);
    }
    stpcpy(p, config_tail);
    return text;
}

char *test_bundle_new(const char *const *args)
{
    static const char *const links[] = { "sh", "true", "sleep", "cat", "echo" };
    const char *busybox = test_busybox_path();
    char *bundle, path[4096];
    char *config;
    int r;

    if (!busybox)
        return NULL;
    bundle = test_tmpdir_new("bundle");
    if (!bundle)
        return NULL;
    snprintf(path, sizeof(path), "%s/rootfs", bundle);
    r = mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/rootfs/bin", bundle);
    if (r == 0)
        r = mkdir(path, 0755);
    for (const char *const *d = (const char *const[]){ "proc", "dev", "sys", "tmp", NULL };
         r == 0 && *d; d++) {
        snprintf(path, sizeof(path), "%s/rootfs/%s", bundle, *d);
        r = mkdir(path, 0755);
    }
    snprintf(path, sizeof(path), "%s/rootfs/bin/busybox", bundle);
    if (r == 0)
        r = copy_file(busybox, path, 0755);
    for (size_t i = 0; r == 0 && i < sizeof(links) / sizeof(links[0]); i++) {
        snprintf(path, sizeof(path), "%s/rootfs/bin/%s", bundle, links[i]);
        r = symlink("busybox", path);
    }
    config = r == 0 ? test_config_json(args) : NULL;
    snprintf(path, sizeof(path), "%s/config.json", bundle);
    if (!config || test_write_file(path, config) < 0) {
        free(config);
        test_rm_rf(bundle);
        free(bundle);
        return NULL;
    }
    free(config);
    return bundle;
}

void test_unique_id(char *buf, size_t size, const char *tag)
{
    static unsigned counter;

    snprintf(buf, size, "api-%s-%d-%u", tag, (int)getpid(), counter++);
}
