/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cgtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lcont/error.h>

static char *mounts[64];
static char *mount_opts[64];
static char *mount_types[64];
static size_t n_mounts;

static void load_mounts(void)
{
    FILE *f;
    char src[512], dir[512], type[64], opts[1024];

    if (n_mounts)
        return;
    f = fopen("/proc/self/mounts", "re");
    if (!f)
        return;
    while (n_mounts < 63 &&
           fscanf(f, "%511s %511s %63s %1023s %*d %*d", src, dir, type, opts) == 4) {
        if (strcmp(type, "cgroup") != 0 && strcmp(type, "cgroup2") != 0)
            continue;
        if (strncmp(dir, "/sys/fs/cgroup", 14) != 0)
            continue;
        mounts[n_mounts] = strdup(dir);
        mount_opts[n_mounts] = strdup(opts);
        mount_types[n_mounts] = strdup(type);
        n_mounts++;
    }
    fclose(f);
}

char **cgt_mounts(void)
{
    load_mounts();
    return mounts;
}

static bool opts_have(const char *opts, const char *item)
{
    size_t len = strlen(item);
    for (const char *p = opts; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, item, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

enum lcont_cgroup_layout cgt_layout(void)
{
    const char *env = getenv("LCONT_EXPECT_CGROUP_LAYOUT");
    bool v2_root = false, v2_unified = false;

    if (env && strcmp(env, "v2") == 0)
        return LCONT_CGROUP_LAYOUT_V2;
    if (env && strcmp(env, "v1") == 0)
        return LCONT_CGROUP_LAYOUT_V1;
    if (env && strcmp(env, "hybrid") == 0)
        return LCONT_CGROUP_LAYOUT_HYBRID;
    load_mounts();
    for (size_t i = 0; i < n_mounts; i++) {
        if (strcmp(mount_types[i], "cgroup2") != 0)
            continue;
        v2_root |= strcmp(mounts[i], "/sys/fs/cgroup") == 0;
        v2_unified |= strcmp(mounts[i], "/sys/fs/cgroup/unified") == 0;
    }
    return v2_root      ? LCONT_CGROUP_LAYOUT_V2
           : v2_unified ? LCONT_CGROUP_LAYOUT_HYBRID
                        : LCONT_CGROUP_LAYOUT_V1;
}

const char *cgt_layout_name(enum lcont_cgroup_layout layout)
{
    switch (layout) {
    case LCONT_CGROUP_LAYOUT_V2:
        return "v2";
    case LCONT_CGROUP_LAYOUT_V1:
        return "v1";
    case LCONT_CGROUP_LAYOUT_HYBRID:
        return "hybrid";
    }
    return "?";
}

const char *cgt_parent(void)
{
    static char buf[64];
    if (!buf[0])
        snprintf(buf, sizeof(buf), "/lcont-cgtest-%d", (int)getpid());
    return buf;
}

const char *cgt_path(const char *name)
{
    static char buf[4][256];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, 256, "%s/%s", cgt_parent(), name);
    return b;
}

bool cgt_dir(const char *controller, const char *path, char *buf, size_t size)
{
    bool v2 = cgt_layout() == LCONT_CGROUP_LAYOUT_V2;

    load_mounts();
    for (size_t i = 0; i < n_mounts; i++) {
        bool is_v2 = strcmp(mount_types[i], "cgroup2") == 0;
        if ((controller == NULL || v2) ? !is_v2 : (is_v2 || !opts_have(mount_opts[i], controller)))
            continue;
        snprintf(buf, size, "%s%s", mounts[i], path);
        return true;
    }
    return false;
}

bool cgt_read(const char *controller, const char *path, const char *file, char *buf, size_t size)
{
    char dir[512], full[768];
    ssize_t n;
    int fd;

    if (!cgt_dir(controller, path, dir, sizeof(dir)))
        return false;
    snprintf(full, sizeof(full), "%s/%s", dir, file);
    fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return false;
    buf[n] = '\0';
    while (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    return true;
}

bool cgt_write(const char *controller, const char *path, const char *file, const char *value)
{
    char dir[512], full[768];
    ssize_t n;
    int fd;

    if (!cgt_dir(controller, path, dir, sizeof(dir))) {
        errno = ENOENT;
        return false;
    }
    snprintf(full, sizeof(full), "%s/%s", dir, file);
    fd = open(full, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    n = write(fd, value, strlen(value));
    close(fd);
    return n == (ssize_t)strlen(value);
}

long long cgt_keyed(const char *text, const char *key)
{
    size_t len = strlen(key);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, key, len) == 0 && p[len] == ' ')
            return atoll(p + len + 1);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

int cgt_count_dirs(const char *path)
{
    int n = 0;
    load_mounts();
    for (size_t i = 0; i < n_mounts; i++) {
        char full[768];
        struct stat st;
        snprintf(full, sizeof(full), "%s%s", mounts[i], path);
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
            n++;
    }
    return n;
}

pid_t cgt_spawn_in(struct lcont_cgroup *cg, int (*fn)(void *), void *arg)
{
    lcont_error *err = NULL;
    int go[2];
    pid_t pid;
    char c = 'g';

    if (pipe2(go, O_CLOEXEC) < 0)
        return -1;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(go[1]);
        if (read(go[0], &c, 1) != 1 || c != 'g')
            _exit(99);
        close(go[0]);
        _exit(fn(arg));
    }
    close(go[0]);
    if (lcont__cgroup_enter(cg, pid, 0, &err) < 0) {
        fprintf(stderr, "cgt_spawn_in: enter: %s\n", lcont_error_message(err));
        lcont_error_free(err);
        kill(pid, SIGKILL);
        close(go[1]);
        waitpid(pid, NULL, 0);
        return -1;
    }
    if (write(go[1], &c, 1) != 1) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        pid = -1;
    }
    close(go[1]);
    return pid;
}

int cgt_wait(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

struct lcont_cgroup *cgt_create(const char *name)
{
    struct lcont_cgroup *cg = NULL;
    lcont_error *err = NULL;

    if (lcont__cgroup_new(cgt_path(name), "unused", &cg, &err) < 0 ||
        lcont__cgroup_create(cg, &err) < 0) {
        fprintf(stderr, "cgt_create %s: %s\n", name, lcont_error_message(err));
        lcont_error_free(err);
        lcont__cgroup_free(cg);
        return NULL;
    }
    return cg;
}

static void write_file(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, value, strlen(value)) < 0) {
            /* best effort */
        }
        close(fd);
    }
}

/* Remove a leftover test tree (after a failed test), killing what is still inside. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char sub[1024];

    if (!d)
        return;
    while ((de = readdir(d))) {
        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
        remove_tree(sub);
    }
    closedir(d);
    /* a frozen leftover would keep its tasks from dying */
    snprintf(sub, sizeof(sub), "%s/freezer.state", dir);
    write_file(sub, "THAWED");
    snprintf(sub, sizeof(sub), "%s/cgroup.freeze", dir);
    write_file(sub, "0");
    snprintf(sub, sizeof(sub), "%s/cgroup.procs", dir);
    FILE *f = fopen(sub, "re");
    int pid;
    while (f && fscanf(f, "%d", &pid) == 1)
        if (pid > 0)
            kill(pid, SIGKILL);
    if (f)
        fclose(f);
    for (int i = 0; i < 200 && rmdir(dir) < 0 && errno == EBUSY; i++)
        usleep(10000);
}

static pid_t main_pid;

static void cleanup(void)
{
    if (getpid() != main_pid)
        return;
    load_mounts();
    for (size_t i = 0; i < n_mounts; i++) {
        char dir[512];
        snprintf(dir, sizeof(dir), "%s%s", mounts[i], cgt_parent());
        remove_tree(dir);
    }
}

int cgt_main(const struct cgt_test *tests, size_t n)
{
    int failed = 0;

    if (geteuid() != 0) {
        printf("1..0 # SKIP needs root\n");
        return 77;
    }
    if (cgt_mounts()[0] == NULL) {
        printf("1..0 # SKIP no cgroup filesystem mounted\n");
        return 77;
    }
    main_pid = getpid();
    atexit(cleanup);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("# layout %s\n1..%zu\n", cgt_layout_name(cgt_layout()), n);
    for (size_t i = 0; i < n; i++) {
        int r = tests[i].fn();
        if (r == 77) {
            printf("ok %zu - %s # SKIP\n", i + 1, tests[i].name);
            continue;
        }
        printf("%s %zu - %s\n", r == 0 ? "ok" : "not ok", i + 1, tests[i].name);
        failed += r != 0;
    }
    return failed ? 1 : 0;
}

/* A whole disk (io throttling refuses partitions): "maj:min" of the first vd/sd/nvme disk. */
bool cgt_find_disk(unsigned *major, unsigned *minor)
{
    static const char *const prefixes[] = { "vd", "sd", "nvme", "xvd" };
    DIR *d = opendir("/sys/block");
    struct dirent *de;
    bool found = false;

    while (d && !found && (de = readdir(d))) {
        char path[512], buf[32];
        bool ok = false;
        for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
            ok |= strncmp(de->d_name, prefixes[k], strlen(prefixes[k])) == 0;
        if (!ok)
            continue;
        snprintf(path, sizeof(path), "/sys/block/%s/dev", de->d_name);
        FILE *f = fopen(path, "re");
        if (f && fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", major, minor) == 2)
            found = true;
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return found;
}
