/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup object: path resolution, create/enter/destroy in every hierarchy, dispatch. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup/cgroup-internal.h"
#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"

#define CGROUP_FILE_MAX (1u << 20)
#define DIR_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* ---- small shared helpers ---- */

bool lcont__cgroup_list_has(const char *list, char sep, const char *item)
{
    size_t len = strlen(item);

    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, sep);
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, item, len) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

struct cg_hierarchy *lcont__cgroup_find_v1(struct lcont_cgroup *cg, const char *controller)
{
    for (size_t i = 0; i < cg->n_hier; i++)
        if (!cg->hier[i].v2 && lcont__cgroup_list_has(cg->hier[i].controllers, ',', controller))
            return &cg->hier[i];
    return NULL;
}

struct cg_hierarchy *lcont__cgroup_find_v2(struct lcont_cgroup *cg)
{
    for (size_t i = 0; i < cg->n_hier; i++)
        if (cg->hier[i].v2)
            return &cg->hier[i];
    return NULL;
}

int lcont__cgroup_require_dir(const struct cg_hierarchy *h, const char *path, lcont_error **reterr)
{
    if (h->dirfd >= 0)
        return 0;
    return lcont__error_set(reterr, -ENOENT, "cgroup: %s%s does not exist (not created?)", h->mount,
                            path);
}

int lcont__cgroup_write(const struct cg_hierarchy *h, const char *file, const char *value,
                        lcont_error **reterr)
{
    int r;

    if (h->dirfd < 0)
        return lcont__error_set(reterr, -ENOENT, "cgroup: write %s=%s: directory in %s not open",
                                file, value, h->mount);
    r = lcont__write_string_at(h->dirfd, file, value);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: write %s=%s", file, value);
    return 0;
}

int lcont__cgroup_write_u64(const struct cg_hierarchy *h, const char *file, uint64_t value,
                            lcont_error **reterr)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRIu64, value);
    return lcont__cgroup_write(h, file, buf, reterr);
}

int lcont__cgroup_write_i64(const struct cg_hierarchy *h, const char *file, int64_t value,
                            lcont_error **reterr)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRId64, value);
    return lcont__cgroup_write(h, file, buf, reterr);
}

int lcont__cgroup_read(const struct cg_hierarchy *h, const char *file, char **ret,
                       lcont_error **reterr)
{
    char *buf = NULL;
    size_t len = 0;
    int r;

    if (h->dirfd < 0)
        return lcont__error_set(reterr, -ENOENT, "cgroup: read %s: directory in %s not open", file,
                                h->mount);
    r = lcont__read_file_at(h->dirfd, file, CGROUP_FILE_MAX, &buf, &len);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: read %s", file);
    while (len > 0 && buf[len - 1] == '\n')
        buf[--len] = '\0';
    *ret = buf;
    return 0;
}

/* ---- object lifetime ---- */

void lcont__cgroup_free(struct lcont_cgroup *cg)
{
    if (!cg)
        return;
    lcont__cgroup_hierarchies_free(cg->hier, cg->n_hier);
    free(cg->path);
    free(cg);
}

/*
 * Open @path below @h's mount point, without its last @skip_last components,
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV): never a
 * concatenated string, nothing outside the hierarchy. Returns an O_PATH fd or
 * -errno (-ENOENT if a component is missing).
 */
static int walk(const struct cg_hierarchy *h, const char *path, int skip_last)
{
    _cleanup_close_ int fd = open(h->mount, DIR_FLAGS);
    struct open_how how = {
        .flags = DIR_FLAGS,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    char rel[4096];
    size_t len = strlen(path);

    if (fd < 0)
        return -errno;
    for (int i = 0; i < skip_last && len > 0; i++) {
        while (len > 0 && path[len - 1] != '/')
            len--;
        if (len > 0)
            len--; /* the '/' */
    }
    if (len <= 1) /* the hierarchy's root itself */
        return TAKE_FD(fd);
    if (len > sizeof(rel))
        return -ENAMETOOLONG;
    memcpy(rel, path + 1, len - 1);
    rel[len - 1] = '\0';
    return lcont__sys_openat2(fd, rel, &how, sizeof(how));
}

/* Open our directory in every hierarchy where it exists (new/open create nothing). */
static int open_existing(struct lcont_cgroup *cg, lcont_error **reterr)
{
    for (size_t i = 0; i < cg->n_hier; i++) {
        int fd = walk(&cg->hier[i], cg->path, 0);
        if (fd == -ENOENT)
            continue;
        if (fd < 0)
            return lcont__error_setsys(reterr, fd, "cgroup: open %s%s", cg->hier[i].mount,
                                       cg->path);
        cg->hier[i].dirfd = fd;
    }
    return 0;
}

static int cgroup_alloc(struct lcont_cgroup **ret, lcont_error **reterr)
{
    _cleanup_(lcont__cgroup_freep) struct lcont_cgroup *cg = calloc(1, sizeof(*cg));
    int r;

    if (!cg)
        return lcont__error_set(reterr, -ENOMEM, "cgroup: out of memory");
    r = lcont__cgroup_detect(&cg->layout, reterr);
    if (r < 0)
        return r;
    r = lcont__cgroup_hierarchies_load(cg->layout, &cg->hier, &cg->n_hier, reterr);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(cg);
    return 0;
}

int lcont__cgroup_new(const char *cgroups_path, const char *id, struct lcont_cgroup **ret,
                      lcont_error **reterr)
{
    _cleanup_(lcont__cgroup_freep) struct lcont_cgroup *cg = NULL;
    int r;

    if (!ret)
        return lcont__error_set(reterr, -EINVAL, "cgroup: no result pointer");
    r = cgroup_alloc(&cg, reterr);
    if (r < 0)
        return r;
    r = lcont__cgroup_path_resolve(cgroups_path, id, cg->hier, cg->n_hier, &cg->path, reterr);
    if (r < 0)
        return r;
    r = open_existing(cg, reterr);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(cg);
    return 0;
}

int lcont__cgroup_open(const char *path, struct lcont_cgroup **ret, lcont_error **reterr)
{
    _cleanup_(lcont__cgroup_freep) struct lcont_cgroup *cg = NULL;
    int r;

    if (!ret)
        return lcont__error_set(reterr, -EINVAL, "cgroup: no result pointer");
    if (!lcont__cgroup_path_is_canonical(path))
        return lcont__error_set(reterr, -EINVAL, "cgroup: '%s' is not a canonical cgroup path",
                                path ? path : "");
    r = cgroup_alloc(&cg, reterr);
    if (r < 0)
        return r;
    cg->path = strdup(path);
    if (!cg->path)
        return lcont__error_set(reterr, -ENOMEM, "cgroup: out of memory");
    r = open_existing(cg, reterr);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(cg);
    return 0;
}

const char *lcont__cgroup_get_path(const struct lcont_cgroup *cg)
{
    return cg ? cg->path : NULL;
}

/* ---- create ---- */

static bool is_v1_cpuset(const struct cg_hierarchy *h)
{
    return !h->v2 && lcont__cgroup_list_has(h->controllers, ',', "cpuset");
}

/* mkdir -p @cg->path in @h, one openat step at a time; leaves h->dirfd open. */
static int create_in(struct lcont_cgroup *cg, struct cg_hierarchy *h, lcont_error **reterr)
{
    _cleanup_close_ int fd = open(h->mount, DIR_FLAGS);
    char comp[256];

    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "cgroup: open %s", h->mount);
    for (const char *p = cg->path + 1; *p;) {
        size_t len = strcspn(p, "/");
        int next, r;

        if (len >= sizeof(comp))
            return lcont__error_set(reterr, -ENAMETOOLONG, "cgroup: component too long in %s",
                                    cg->path);
        memcpy(comp, p, len);
        comp[len] = '\0';
        if (h->v2)
            lcont__cgroup_v2_enable_controllers(fd);
        if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
            if (errno == EACCES || errno == EPERM || errno == EROFS)
                /* one distinct code, so a rootless caller can go on without limits */
                return lcont__error_set(reterr, -EPERM,
                                        "cgroup: not allowed to create %s%.*s (%s): not root, "
                                        "and no cgroup delegated to this user there",
                                        h->mount, (int)(p + len - cg->path), cg->path,
                                        strerror(errno));
            return lcont__error_setsys(reterr, -errno, "cgroup: mkdir %s%.*s", h->mount,
                                       (int)(p + len - cg->path), cg->path);
        }
        next = openat(fd, comp, DIR_FLAGS);
        if (next < 0)
            return lcont__error_setsys(reterr, -errno, "cgroup: open %s%.*s", h->mount,
                                       (int)(p + len - cg->path), cg->path);
        if (is_v1_cpuset(h)) {
            r = lcont__cgroup_v1_cpuset_inherit(fd, next, comp, reterr);
            if (r < 0) {
                close(next);
                return r;
            }
        }
        close(fd);
        fd = next;
        p += len + (p[len] == '/');
    }
    if (h->dirfd >= 0)
        close(h->dirfd);
    h->dirfd = TAKE_FD(fd);
    return 0;
}

int lcont__cgroup_create(struct lcont_cgroup *cg, lcont_error **reterr)
{
    if (!cg)
        return lcont__error_set(reterr, -EINVAL, "cgroup: no cgroup");
    for (size_t i = 0; i < cg->n_hier; i++) {
        int r = create_in(cg, &cg->hier[i], reterr);
        if (r < 0)
            return lcont__error_prefix(reterr, r, "create cgroup %s", cg->path);
    }
    return 0;
}

/* ---- apply ---- */

bool lcont__cgroup_wants_memory(const struct lcont_spec_resources *res)
{
    return (res->has_memory_limit && res->memory_limit != 0) ||
           (res->has_memory_reservation && res->memory_reservation != 0) ||
           (res->has_memory_swap && res->memory_swap != 0) || res->has_memory_swappiness ||
           res->disable_oom_killer;
}

bool lcont__cgroup_wants_cpu(const struct lcont_spec_resources *res)
{
    return (res->has_cpu_shares && res->cpu_shares != 0) ||
           (res->has_cpu_quota && res->cpu_quota != 0) ||
           (res->has_cpu_period && res->cpu_period != 0) ||
           (res->has_cpu_realtime_runtime && res->cpu_realtime_runtime != 0) ||
           (res->has_cpu_realtime_period && res->cpu_realtime_period != 0) || res->has_cpu_idle ||
           res->has_cpu_burst;
}

bool lcont__cgroup_wants_cpuset(const struct lcont_spec_resources *res)
{
    return (res->cpu_cpus && *res->cpu_cpus) || (res->cpu_mems && *res->cpu_mems);
}

int lcont__cgroup_apply(struct lcont_cgroup *cg, const struct lcont_spec_resources *res,
                        lcont_error **reterr)
{
    struct cg_hierarchy *v2;
    int r;

    if (!cg)
        return lcont__error_set(reterr, -EINVAL, "cgroup: no cgroup");
    if (!res)
        return 0;
    v2 = lcont__cgroup_find_v2(cg);
    if (v2 && (cg->layout == LCONT_CGROUP_LAYOUT_V2 || res->n_unified > 0) &&
        (r = lcont__cgroup_require_dir(v2, cg->path, reterr)) < 0)
        return r;
    if (cg->layout == LCONT_CGROUP_LAYOUT_V2)
        r = lcont__cgroup_v2_apply(v2, res, reterr);
    else
        r = lcont__cgroup_v1_apply(cg, res, reterr);
    if (r < 0 || res->n_unified == 0)
        return r;
    if (!v2)
        return lcont__error_set(
            reterr, -EINVAL,
            "linux.resources.unified: needs cgroup v2, but this host has only cgroup v1 (key '%s')",
            res->unified[0].key);
    /* after the converted values, so explicit unified keys win (as in runc/crun) */
    return lcont__cgroup_v2_apply_unified(v2, res, reterr);
}

/* ---- update ---- */

/* Where the memory controller of @cg lives (v1 hierarchy or the cgroup2 tree), or NULL. */
static struct cg_hierarchy *memory_dir(struct lcont_cgroup *cg)
{
    struct cg_hierarchy *h = lcont__cgroup_find_v1(cg, "memory");

    if (!h && (h = lcont__cgroup_find_v2(cg)) && !lcont__cgroup_v2_has_controller(h, "memory"))
        h = NULL;
    return h && h->dirfd >= 0 ? h : NULL;
}

/* checkBeforeUpdate: refuse a memory limit below what the cgroup already uses (as runc). */
static int check_memory_usage(struct cg_hierarchy *mem, int64_t limit, lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL;
    uint64_t usage;
    int r;

    r = lcont__cgroup_read(mem, mem->v2 ? "memory.current" : "memory.usage_in_bytes", &text,
                           reterr);
    if (r < 0)
        return r;
    usage = strtoull(text, NULL, 10);
    if (limit > 0 && usage > (uint64_t)limit)
        return lcont__error_set(reterr, -EBUSY,
                                "linux.resources.memory.limit: %" PRId64
                                " is below the current usage %" PRIu64 " (checkBeforeUpdate)",
                                limit, usage);
    return 0;
}

int lcont__cgroup_update(struct lcont_cgroup *cg, const struct lcont_spec_resources *res,
                         lcont_error **reterr)
{
    struct lcont_spec_resources copy;
    struct cg_hierarchy *mem;
    _cleanup_free_ char *cur = NULL;
    int r;

    if (!cg)
        return lcont__error_set(reterr, -EINVAL, "cgroup: no cgroup");
    if (!res)
        return 0;
    copy = *res;
    mem = memory_dir(cg);
    if (mem && copy.memory_check_before_update && copy.has_memory_limit &&
        (r = check_memory_usage(mem, copy.memory_limit, reterr)) < 0)
        return r;
    /*
     * A new swap value alone is relative to the limit in force (v2 stores swap apart,
     * as memory+swap minus the limit): take the current limit so only swap changes.
     */
    if (mem && mem->v2 && copy.has_memory_swap && copy.memory_swap > 0 && !copy.has_memory_limit) {
        r = lcont__cgroup_read(mem, "memory.max", &cur, reterr);
        if (r < 0)
            return r;
        if (strcmp(cur, "max") != 0) {
            copy.has_memory_limit = true;
            copy.memory_limit = (int64_t)strtoull(cur, NULL, 10);
        }
    }
    /* apply writes only the members that are set, so it is the update as well */
    r = lcont__cgroup_apply(cg, &copy, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "update cgroup %s", cg->path);
    return 0;
}

/* ---- enter ---- */

/* Whether lcont__cgroup_enter(@flags) leaves hierarchy @h alone. */
static bool enter_skips(const struct cg_hierarchy *h, uint64_t flags)
{
    return flags & (h->v2 ? LCONT_CGROUP_ENTER_SKIP_V2 : LCONT_CGROUP_ENTER_SKIP_V1);
}

int lcont__cgroup_enter(struct lcont_cgroup *cg, pid_t pid, uint64_t flags, lcont_error **reterr)
{
    char buf[32];

    if (!cg || pid <= 0 || (flags & ~(LCONT_CGROUP_ENTER_SKIP_V2 | LCONT_CGROUP_ENTER_SKIP_V1)))
        return lcont__error_set(reterr, -EINVAL, "cgroup: enter: invalid pid %d or flags",
                                (int)pid);
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    for (size_t i = 0; i < cg->n_hier; i++) {
        struct cg_hierarchy *h = &cg->hier[i];
        int r;

        if (enter_skips(h, flags))
            continue;
        r = lcont__cgroup_require_dir(h, cg->path, reterr);
        if (r < 0)
            return r;
        r = lcont__cgroup_write(h, "cgroup.procs", buf, reterr);
        if (r < 0)
            return lcont__error_prefix(reterr, r, "move pid %d into %s%s", (int)pid, h->mount,
                                       cg->path);
    }
    return 0;
}

bool lcont__cgroup_enter_needed(const struct lcont_cgroup *cg, uint64_t flags)
{
    for (size_t i = 0; cg && i < cg->n_hier; i++)
        if (!enter_skips(&cg->hier[i], flags))
            return true;
    return false;
}

int lcont__cgroup_open_clone_fd(struct lcont_cgroup *cg, lcont_error **reterr)
{
    struct cg_hierarchy *h = cg ? lcont__cgroup_find_v2(cg) : NULL;
    int fd;

    if (!h || h->dirfd < 0)
        return lcont__error_set(reterr, -ENOENT, "cgroup: no cgroup2 directory to clone into");
    /* re-open the O_PATH fd for real: clone3 needs a readable directory */
    fd = openat(h->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "cgroup: open %s%s", h->mount, cg->path);
    return fd;
}

/* ---- has_processes ---- */

int lcont__cgroup_has_processes(struct lcont_cgroup *cg, lcont_error **reterr)
{
    if (!cg)
        return lcont__error_set(reterr, -EINVAL, "cgroup: no cgroup");
    for (size_t i = 0; i < cg->n_hier; i++) {
        struct cg_hierarchy *h = &cg->hier[i];
        _cleanup_free_ char *events = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        if (h->dirfd < 0)
            continue;
        if (h->v2) {
            /* "populated" covers the whole subtree in one read */
            r = lcont__cgroup_read(h, "cgroup.events", &events, reterr);
            if (r < 0)
                return r;
            if (strstr(events, "populated 1"))
                return 1;
            continue;
        }
        r = lcont__cgroup_collect_pids(h->dirfd, &pids, &n);
        if (r == -ENOENT) /* removed under us */
            continue;
        if (r < 0)
            return lcont__error_setsys(reterr, r, "cgroup: list processes of %s%s", h->mount,
                                       cg->path);
        if (n > 0)
            return 1;
    }
    return 0;
}

/* ---- destroy ---- */

/*
 * rmdir @name below @parent_fd, its sub-cgroups first (a container may have
 * made its own). cgroupfs has no regular files to unlink.
 */
static int remove_tree(int parent_fd, const char *name, int depth)
{
    _cleanup_close_ int fd = -1;
    int r = 0;

    if (depth > 64)
        return -ELOOP;
    /* the usual case, a leaf with no process left: one rmdir, no directory scan */
    if (unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
        return 0;
    if (errno != EBUSY && errno != ENOTEMPTY)
        return -errno;
    fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    {
        DIR *d = fdopendir(fd);
        struct dirent *de;
        if (!d)
            return -errno;
        fd = -1; /* owned by d now */
        while ((de = readdir(d))) {
            if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
                strcmp(de->d_name, "..") == 0)
                continue;
            int rr = remove_tree(dirfd(d), de->d_name, depth + 1);
            if (rr < 0 && r == 0)
                r = rr;
        }
        closedir(d);
    }
    if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return r < 0 ? r : -errno;
    return 0;
}

static void close_dir(struct cg_hierarchy *h)
{
    if (h->dirfd >= 0)
        close(h->dirfd);
    h->dirfd = -1;
}

static int destroy_in(struct lcont_cgroup *cg, struct cg_hierarchy *h, int attempts,
                      lcont_error **reterr)
{
    _cleanup_close_ int parent = -1;
    const char *leaf = strrchr(cg->path, '/') + 1;
    int r = 0;

    /* our directory is never a hierarchy's root (the path has a component below it), so its
     * ".." is the parent directory in the same hierarchy: one openat instead of a walk */
    if (h->dirfd >= 0) {
        parent = openat(h->dirfd, "..", DIR_FLAGS);
        if (parent < 0)
            parent = -errno;
    } else {
        parent = walk(h, cg->path, 1);
    }
    if (parent == -ENOENT) {
        close_dir(h);
        return 0;
    }
    if (parent < 0)
        return lcont__error_setsys(reterr, parent, "cgroup: open parent of %s%s", h->mount,
                                   cg->path);
    /* exiting processes leave the cgroup a little after they die: retry */
    for (int attempt = 0; attempt < attempts; attempt++) {
        r = remove_tree(parent, leaf, 0);
        if (r != -EBUSY && r != -ENOTEMPTY)
            break;
        if (attempt + 1 < attempts)
            lcont__cgroup_sleep_ms(10);
    }
    /* on failure keep our fd: the caller may kill what is left and try again */
    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: remove %s%s%s", h->mount, cg->path,
                                   r == -EBUSY ? " (processes still in it)" : "");
    close_dir(h);
    return 0;
}

int lcont__cgroup_destroy(struct lcont_cgroup *cg, lcont_error **reterr)
{
    int first = 0;

    if (!cg)
        return lcont__error_set(reterr, -EINVAL, "cgroup: no cgroup");
    /*
     * Try every hierarchy even after a failure, then report the first one.
     * Waiting ~1 s (100 x 10 ms) once is enough: when processes are still
     * there after that, the other hierarchies get a single attempt each.
     */
    for (size_t i = 0; i < cg->n_hier; i++) {
        lcont_error *err = NULL;
        int r = destroy_in(cg, &cg->hier[i], first == -EBUSY ? 1 : 100, &err);
        if (r < 0 && first == 0) {
            first = r;
            if (reterr) {
                lcont_error_free(*reterr);
                *reterr = err;
                err = NULL;
            }
        }
        lcont_error_free(err);
    }
    return first;
}
