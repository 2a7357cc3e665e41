/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"

#define MAP_BASE 100000

const char *busybox_path = "/bin/busybox";

const char *fx_fmt(const char *fmt, ...)
{
    static char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return buf;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC), out;
    ssize_t n;

    if (in < 0)
        return -errno;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0) {
        close(in);
        return -errno;
    }
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    close(in);
    close(out);
    return n < 0 ? -EIO : 0;
}

int fx_init(struct fixture *f)
{
    static const char *const applets[] = { "sh",       "cat",  "ls",   "echo",  "grep",  "stat",
                                           "readlink", "test", "head", "touch", "mount", "wc" };
    static const char *const dirs[] = { "bin", "tmp", "etc" };
    char path[512];

    memset(f, 0, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/lcont-rootfs-XXXXXX");
    if (!mkdtemp(f->dir) || chmod(f->dir, 0755) < 0)
        return -errno;
    snprintf(f->rootfs, sizeof(f->rootfs), "%s/rootfs", f->dir);
    if (mkdir(f->rootfs, 0755) < 0)
        return -errno;
    for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
        snprintf(path, sizeof(path), "%s/%s", f->rootfs, dirs[i]);
        if (mkdir(path, 0755) < 0)
            return -errno;
    }
    snprintf(path, sizeof(path), "%s/bin/busybox", f->rootfs);
    if (copy_file(busybox_path, path, 0755) < 0)
        return -EIO;
    for (size_t i = 0; i < ELEMENTSOF(applets); i++) {
        snprintf(path, sizeof(path), "%s/bin/%s", f->rootfs, applets[i]);
        if (symlink("busybox", path) < 0)
            return -errno;
    }
    f->spec.root_path = (char *)"rootfs";
    f->spec.mounts = f->mounts;
    f->spec.linux_.devices = f->devices;
    f->spec.linux_.sysctls = f->sysctls;
    f->ns_flags = CLONE_NEWNS | CLONE_NEWPID;
    return 0;
}

void fx_cleanup(struct fixture *f)
{
    for (size_t i = 0; i < f->n_host_paths; i++)
        lcont__rm_rf_at(AT_FDCWD, f->host_paths[i]);
    if (f->dir[0])
        lcont__rm_rf_at(AT_FDCWD, f->dir);
}

void fx_remove_later(struct fixture *f, const char *path)
{
    if (f->n_host_paths < ELEMENTSOF(f->host_paths))
        snprintf(f->host_paths[f->n_host_paths++], sizeof(f->host_paths[0]), "%s", path);
}

struct lcont_spec_mount *fx_mount(struct fixture *f, const char *dest, const char *type,
                                  const char *source, unsigned long flags, const char *data)
{
    struct lcont_spec_mount *m = &f->mounts[f->spec.n_mounts++];

    memset(m, 0, sizeof(*m));
    m->destination = (char *)dest;
    m->type = (char *)type;
    m->source = (char *)source;
    m->flags = flags;
    m->data = (char *)data;
    m->bind = (flags & MS_BIND) != 0;
    m->recursive_bind = m->bind && (flags & MS_REC);
    if (m->bind)
        m->type = NULL;
    return m;
}

void fx_default_mounts(struct fixture *f)
{
    fx_mount(f, "/proc", "proc", "proc", 0, NULL);
    fx_mount(f, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    fx_mount(f, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
             "newinstance,ptmxmode=0666,mode=0620,gid=5");
    fx_mount(f, "/dev/shm", "tmpfs", "shm", MS_NOSUID | MS_NOEXEC | MS_NODEV,
             "mode=1777,size=65536k");
    fx_mount(f, "/dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
    fx_mount(f, "/sys", "sysfs", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
}

void fx_masked(struct fixture *f, const char *path)
{
    f->masked[f->n_masked++] = (char *)path;
    f->masked[f->n_masked] = NULL;
    f->spec.linux_.masked_paths = f->masked;
}

void fx_readonly(struct fixture *f, const char *path)
{
    f->readonly[f->n_readonly++] = (char *)path;
    f->readonly[f->n_readonly] = NULL;
    f->spec.linux_.readonly_paths = f->readonly;
}

void fx_sysctl(struct fixture *f, const char *key, const char *value)
{
    struct lcont_spec_kv *kv = &f->sysctls[f->spec.linux_.n_sysctls++];
    kv->key = (char *)key;
    kv->value = (char *)value;
}

void fx_namespace(struct fixture *f, enum lcont_ns_type t)
{
    static const int flags[] = {
        [LCONT_NS_PID] = CLONE_NEWPID,       [LCONT_NS_NET] = CLONE_NEWNET,
        [LCONT_NS_MNT] = CLONE_NEWNS,        [LCONT_NS_IPC] = CLONE_NEWIPC,
        [LCONT_NS_UTS] = CLONE_NEWUTS,       [LCONT_NS_USER] = 0,
        [LCONT_NS_CGROUP] = CLONE_NEWCGROUP, [LCONT_NS_TIME] = 0,
    };
    f->spec.linux_.namespaces[t].present = true;
    f->ns_flags |= flags[t];
    if (t == LCONT_NS_USER)
        f->userns = true;
}

int fx_write(struct fixture *f, const char *path, const char *content)
{
    char full[1024];
    int fd;

    snprintf(full, sizeof(full), "%s%s", f->rootfs, path);
    {
        char dir[1024];
        char *slash;
        snprintf(dir, sizeof(dir), "%s", full);
        slash = strrchr(dir, '/');
        *slash = '\0';
        lcont__mkdir_p(dir, 0755);
    }
    fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    if (write(fd, content, strlen(content)) < 0) {
        close(fd);
        return -errno;
    }
    close(fd);
    return 0;
}

/* ---- runner ---- */

static int chown_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return lchown(path, MAP_BASE, MAP_BASE) < 0 ? -1 : 0;
}

/* Host mounts that belong to these tests: there must never be any. */
static int host_test_mounts(void)
{
    char line[4096];
    int n = 0;
    FILE *fp = fopen("/proc/self/mountinfo", "re");

    if (!fp)
        return -1;
    while (fgets(line, sizeof(line), fp))
        if (strstr(line, "lcont-rootfs-"))
            n++;
    fclose(fp);
    return n;
}

static int write_map(pid_t pid, const char *file)
{
    char path[64], map[64];
    int fd, r = 0;

    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    snprintf(map, sizeof(map), "0 %d 65536\n", MAP_BASE);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (write(fd, map, strlen(map)) < 0)
        r = -errno;
    close(fd);
    return r;
}

static void child(struct fixture *f, const struct lcont_rootfs_plan *plan, fx_body body,
                  int to_parent, int from_parent)
{
    int status;
    pid_t pid;
    char c = 0;

    if (f->cgroup_dir) {
        char path[512], self[32];
        int fd;
        snprintf(path, sizeof(path), "%s/cgroup.procs", f->cgroup_dir);
        snprintf(self, sizeof(self), "%d", (int)getpid());
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, self, strlen(self)) < 0) {
            perror("join test cgroup");
            _exit(1);
        }
        close(fd);
    }
    if (f->userns) {
        if (unshare(CLONE_NEWUSER) < 0) {
            perror("unshare(CLONE_NEWUSER)");
            _exit(1);
        }
        if (write(to_parent, "u", 1) != 1 || read(from_parent, &c, 1) != 1 || c != 'm') {
            fprintf(stderr, "id maps not written\n");
            _exit(1);
        }
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
            perror("become root in the user namespace");
            _exit(1);
        }
    }
    if (unshare(f->ns_flags) < 0) {
        perror("unshare");
        _exit(1);
    }
    pid = fork();
    if (pid < 0)
        _exit(1);
    if (pid == 0) {
        int r = body(f, plan);
        fflush(stdout);
        fflush(stderr);
        _exit(r);
    }
    if (waitpid(pid, &status, 0) < 0)
        _exit(1);
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int fx_run(struct fixture *f, fx_body body)
{
    struct lcont_rootfs_plan *plan = NULL;
    lcont_error *err = NULL;
    int to_parent[2], from_parent[2], status, r;
    pid_t pid;
    char c;

    if (host_test_mounts() != 0)
        FAIL("stray host mounts from an earlier run");
    f->spec.linux_.namespaces[LCONT_NS_MNT].present = true;
    f->spec.linux_.namespaces[LCONT_NS_PID].present = true;
    if (f->userns)
        f->spec.linux_.namespaces[LCONT_NS_USER].present = true;
    r = lcont__rootfs_plan_new(&f->spec, f->dir, f->userns, f->plan_flags, &plan, &err);
    if (r < 0) {
        fprintf(stderr, "plan: %s\n", lcont_error_message(err));
        lcont_error_free(err);
        return 1;
    }
    if (f->userns && nftw(f->rootfs, chown_one, 16, FTW_PHYS) < 0)
        FAIL("chown rootfs");
    if (pipe2(to_parent, O_CLOEXEC) < 0 || pipe2(from_parent, O_CLOEXEC) < 0)
        FAIL("pipe");
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0)
        FAIL("fork");
    if (pid == 0)
        child(f, plan, body, to_parent[1], from_parent[0]);
    close(to_parent[1]);
    close(from_parent[0]);
    if (f->userns) {
        if (read(to_parent[0], &c, 1) == 1) {
            r = write_map(pid, "uid_map");
            if (r >= 0)
                r = write_map(pid, "gid_map");
            if (r < 0)
                fprintf(stderr, "write id map: %s\n", strerror(-r));
            else if (write(from_parent[1], "m", 1) != 1)
                fprintf(stderr, "sync failed\n");
        }
    }
    close(to_parent[0]);
    close(from_parent[1]);
    if (waitpid(pid, &status, 0) < 0)
        FAIL("waitpid");
    lcont__rootfs_plan_free(plan);
    if (host_test_mounts() != 0)
        FAIL("the test left mounts on the host");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "container body failed (status 0x%x)\n", status);
        return 1;
    }
    return 0;
}

int fx_prepare(const struct lcont_rootfs_plan *plan)
{
    struct lcont_child_error e = { 0 };
    int r = lcont__rootfs_prepare_child(plan, &e);

    if (r < 0)
        fprintf(stderr, "prepare_child: %s (%s)\n", e.msg, strerror(-r));
    return r;
}

int fx_finalize(const struct lcont_rootfs_plan *plan)
{
    struct lcont_child_error e = { 0 };
    int r = lcont__rootfs_finalize_child(plan, &e);

    if (r < 0)
        fprintf(stderr, "finalize_child: %s (%s)\n", e.msg, strerror(-r));
    return r;
}

int fx_setup(const struct lcont_rootfs_plan *plan)
{
    int r = fx_prepare(plan);
    return r < 0 ? r : fx_finalize(plan);
}

/* ---- checks ---- */

int mi_find(const char *mountpoint, struct mi_entry *ret)
{
    char line[4096];
    bool found = false;
    FILE *fp = fopen("/proc/self/mountinfo", "re");

    if (!fp)
        return -errno;
    while (fgets(line, sizeof(line), fp)) {
        struct mi_entry e;
        char *sep = strstr(line, " - ");
        if (!sep)
            continue;
        if (sscanf(line, "%*d %*d %*s %511s %511s %255s", e.root, e.mountpoint, e.options) != 3)
            continue;
        if (sscanf(sep + 3, "%63s %255s %511s", e.fstype, e.source, e.super) != 3)
            continue;
        {
            /* the optional fields sit between the 6th field and " - " */
            char *p = line;
            size_t n;
            for (int k = 0; k < 6 && p; k++) {
                p = strchr(p, ' ');
                if (p)
                    p++;
            }
            n = p && p < sep ? (size_t)(sep - p) : 0;
            if (n >= sizeof(e.optional))
                n = sizeof(e.optional) - 1;
            memcpy(e.optional, p ? p : "", n);
            e.optional[n] = '\0';
        }
        if (strcmp(e.mountpoint, mountpoint) == 0) {
            *ret = e;
            found = true;
        }
    }
    fclose(fp);
    return found ? 0 : -ENOENT;
}

bool has_opt(const char *list, const char *opt)
{
    size_t n = strlen(opt);

    for (const char *p = list; p && *p;) {
        if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return true;
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return false;
}

bool is_mount_root(const char *path)
{
    struct statx stx;

    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
        return false;
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
}

int run_sh(const char *script, char *out, size_t size)
{
    int p[2], status;
    size_t len = 0;
    pid_t pid;
    ssize_t n;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    while (len + 1 < size && (n = read(p[0], out + len, size - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(p[0]);
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -errno;
    n = read(fd, buf, size - 1);
    if (n < 0)
        n = -errno;
    else
        buf[n] = '\0';
    close(fd);
    return n;
}
