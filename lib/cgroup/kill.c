/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signalling every process of a cgroup. Reading cgroup.procs and then
 * signalling races with fork(): a child born in between is missed. So
 * SIGKILL uses cgroup.kill (v2, kernel >= 5.14; also on the hybrid unified
 * tree) which the kernel applies atomically; otherwise the cgroup is frozen
 * first, so the pid list cannot change while we walk it, then thawed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup/cgroup-internal.h"
#include "core/error-internal.h"
#include "core/util.h"

#define MAX_DEPTH 64

void lcont__cgroup_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- pid collection ---- */

struct pidvec {
    pid_t *pids;
    size_t n, cap;
};

static int pidvec_add(struct pidvec *v, pid_t pid)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        pid_t *p = realloc(v->pids, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        v->pids = p;
        v->cap = cap;
    }
    v->pids[v->n++] = pid;
    return 0;
}

static int collect(int dir_fd, struct pidvec *v, int depth)
{
    _cleanup_free_ char *procs = NULL;
    DIR *d;
    struct dirent *de;
    int fd, r;

    if (depth > MAX_DEPTH)
        return -ELOOP;
    r = lcont__read_file_at(dir_fd, "cgroup.procs", 16u << 20, &procs, NULL);
    if (r < 0)
        return r;
    for (char *p = procs; *p;) {
        char *end;
        long pid = strtol(p, &end, 10);
        if (end == p)
            break;
        /* 0: a process outside our pid namespace, which we cannot address */
        if (pid > 0 && (r = pidvec_add(v, (pid_t)pid)) < 0)
            return r;
        p = end + strspn(end, "\n");
    }
    /* sub-cgroups a container may have made */
    fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    d = fdopendir(fd);
    if (!d) {
        r = -errno;
        close(fd);
        return r;
    }
    r = 0;
    while (r == 0 && (de = readdir(d))) {
        int sub;
        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        sub = openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            if (errno != ENOENT)
                r = -errno;
            continue;
        }
        r = collect(sub, v, depth + 1);
        if (r == -ENOENT) /* removed while we looked */
            r = 0;
        close(sub);
    }
    closedir(d);
    return r;
}

int lcont__cgroup_collect_pids(int dir_fd, pid_t **ret, size_t *ret_n)
{
    struct pidvec v = { 0 };
    int r = collect(dir_fd, &v, 0);

    if (r < 0) {
        free(v.pids);
        return r;
    }
    *ret = v.pids;
    *ret_n = v.n;
    return 0;
}

/* ---- kill ---- */

/* Signal every pid in the cgroup once; returns 1 if there were any, 0 if none, or -errno. */
static int signal_all(struct cg_hierarchy *h, const char *path, int sig, lcont_error **reterr)
{
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    int r = lcont__cgroup_collect_pids(h->dirfd, &pids, &n);

    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: list processes of %s%s", h->mount, path);
    r = 0;
    for (size_t i = 0; i < n; i++)
        if (kill(pids[i], sig) < 0 && errno != ESRCH && r == 0)
            r = lcont__error_setsys(reterr, -errno, "cgroup: kill pid %d with signal %d",
                                    (int)pids[i], sig);
    return r < 0 ? r : (int)(n > 0);
}

int lcont__cgroup_kill(struct lcont_cgroup *cg, int sig, lcont_error **reterr)
{
    struct cg_hierarchy *v2, *fz = NULL, *src = NULL;
    int was_frozen = 0, frozen = 0, r;

    if (!cg || sig < 0 || sig >= NSIG)
        return lcont__error_set(reterr, -EINVAL, "cgroup: kill: invalid signal %d", sig);
    v2 = lcont__cgroup_find_v2(cg);
    if (v2 && v2->dirfd < 0)
        v2 = NULL;
    /* on hybrid hosts the v1 freezer is the primary one: processes are in both trees */
    fz = lcont__cgroup_freezer(cg);
    if (sig == SIGKILL && v2) {
        r = lcont__cgroup_write(v2, "cgroup.kill", "1", NULL);
        if (r == 0) {
            /* v2 kills frozen tasks, but tasks frozen by a v1 freezer die only once thawed */
            if (fz && !fz->v2 && lcont__cgroup_freezer_requested(fz) == 1)
                return lcont__cgroup_freezer_set(fz, false, reterr);
            return 0;
        }
        if (r != -ENOENT) /* ENOENT: kernel older than 5.14, fall back */
            return lcont__error_setsys(reterr, r, "cgroup: write cgroup.kill=1 in %s%s", v2->mount,
                                       cg->path);
    }
    src = fz ? fz : v2;
    for (size_t i = 0; !src && i < cg->n_hier; i++)
        if (cg->hier[i].dirfd >= 0)
            src = &cg->hier[i];
    if (!src) /* the cgroup exists nowhere: nothing to signal */
        return 0;

    if (fz) {
        was_frozen = lcont__cgroup_freezer_requested(fz);
        if (was_frozen < 0)
            return lcont__error_setsys(reterr, was_frozen, "cgroup: read freezer state in %s%s",
                                       fz->mount, cg->path);
        /* also when paused: the freeze may still be in progress */
        frozen = lcont__cgroup_freezer_freeze_wait(fz, reterr);
        if (frozen < 0)
            return frozen;
    }
    r = signal_all(src, cg->path, sig, reterr);
    /* not frozen: SIGKILL again until nothing is left, to catch children forked meanwhile */
    for (int round = 0; r > 0 && !frozen && sig == SIGKILL && round < 50; round++) {
        lcont__cgroup_sleep_ms(2);
        r = signal_all(src, cg->path, sig, reterr);
    }
    /* a paused container stays paused, except that SIGKILL must be able to finish its work */
    if (fz && (!was_frozen || sig == SIGKILL)) {
        int t = lcont__cgroup_freezer_set(fz, false, r < 0 ? NULL : reterr);
        if (r >= 0 && t < 0)
            return t;
    }
    return r < 0 ? r : 0;
}
