/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Public container API: argument checks, state loading and the lifecycle after create. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "runtime/container-internal.h"
#include "runtime/hooks.h"
#include "spec/spec.h"

/* Smallest lcont_create_opts a caller may pass (the 0.1 layout). */
#define CREATE_OPTS_SIZE_V0_1 (offsetof(lcont_create_opts, stderr_fd) + sizeof(int))

int lcont_create_opts_init(lcont_create_opts *opts, size_t size)
{
    if (!opts || size < CREATE_OPTS_SIZE_V0_1)
        return -EINVAL;
    memset(opts, 0, size);
    opts->struct_size = size;
    return 0;
}

int lcont_container_create(lcont_context *ctx, const char *id, const lcont_create_opts *opts,
                           uint64_t flags, lcont_container **ret, lcont_error **reterr)
{
    lcont_create_opts o;
    int r;

    if (!ctx || !opts || !ret)
        return lcont__error_set(reterr, -EINVAL, "create: ctx, opts and ret must not be NULL");
    if (lcont__context_check_owner(ctx) < 0)
        return lcont__error_set(reterr, -ECHILD, "create: context used after fork");
    if (flags & ~(LCONT_CREATE_NO_PIVOT | LCONT_CREATE_STDIO | LCONT_CREATE_NO_NEW_KEYRING))
        return lcont__error_set(reterr, -EINVAL, "create: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = lcont__copy_opts(&o, sizeof(o), opts, opts->struct_size, CREATE_OPTS_SIZE_V0_1);
    if (r < 0)
        return lcont__error_set(reterr, r, "create: bad options struct size %llu",
                                (unsigned long long)opts->struct_size);
    if (!o.bundle)
        return lcont__error_set(reterr, -EINVAL, "create: opts.bundle is required");
    if (o.preserve_fds < 0)
        return lcont__error_set(reterr, -EINVAL, "create: preserve_fds must not be negative");
    if ((flags & LCONT_CREATE_STDIO) && (o.stdin_fd < 0 || o.stdout_fd < 0 || o.stderr_fd < 0))
        return lcont__error_set(reterr, -EINVAL, "create: LCONT_CREATE_STDIO needs three fds");
    r = lcont__state_validate_id(id, reterr);
    if (r < 0)
        return r;
    return lcont__container_create_impl(ctx, id, &o, flags, ret, reterr);
}

int lcont_container_load(lcont_context *ctx, const char *id, uint64_t flags, lcont_container **ret,
                         lcont_error **reterr)
{
    _cleanup_close_ int rootfd = -1, dirfd = -1;
    lcont_container *c;
    int r;

    if (!ctx || !ret)
        return lcont__error_set(reterr, -EINVAL, "load: ctx and ret must not be NULL");
    if (lcont__context_check_owner(ctx) < 0)
        return lcont__error_set(reterr, -ECHILD, "load: context used after fork");
    if (flags)
        return lcont__error_set(reterr, -EINVAL, "load: unknown flags");
    r = lcont__state_validate_id(id, reterr);
    if (r < 0)
        return r;
    rootfd = lcont__state_open_root(ctx, 0, reterr);
    if (rootfd == -ENOENT)
        return lcont__error_set(reterr, -ENOENT, "container '%s' does not exist", id);
    if (rootfd < 0)
        return rootfd;
    dirfd = lcont__state_dir_open(rootfd, id, reterr);
    if (dirfd < 0)
        return dirfd;
    c = calloc(1, sizeof(*c));
    if (!c)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    r = lcont__state_read(dirfd, &c->state, reterr);
    if (r < 0) {
        free(c);
        return lcont__error_prefix(reterr, r, "load '%s'", id);
    }
    c->refs = 1;
    c->ctx = lcont_context_ref(ctx);
    c->init_pidfd = -1;
    *ret = c;
    return 0;
}

lcont_container *lcont_container_ref(lcont_container *c)
{
    if (c)
        c->refs++;
    return c;
}

lcont_container *lcont_container_unref(lcont_container *c)
{
    if (!c || --c->refs > 0)
        return NULL;
    lcont_process_unref(c->init);
    if (c->init_pidfd >= 0)
        close(c->init_pidfd);
    lcont__state_clear(&c->state);
    lcont_context_unref(c->ctx);
    free(c);
    return NULL;
}

const char *lcont_container_get_id(const lcont_container *c)
{
    return c ? c->state.id : NULL;
}

const char *lcont_container_get_bundle(const lcont_container *c)
{
    return c ? c->state.bundle : NULL;
}

pid_t lcont_container_get_pid(const lcont_container *c)
{
    return c ? c->state.pid : 0;
}

enum lcont_state_status lcont__container_effective_status(int dirfd, const struct lcont_state *st)
{
    int zombie = 0;
    uint64_t start;

    if (st->pid <= 0)
        return st->status == LCONT_STATE_CREATING ? LCONT_STATE_CREATING : LCONT_STATE_STOPPED;
    start = lcont__proc_start_time(st->pid, &zombie);
    if (start == 0 || zombie || start != st->pid_start_time)
        return LCONT_STATE_STOPPED;
    if (st->status == LCONT_STATE_CREATED)
        return faccessat(dirfd, LCONT_EXEC_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0
                   ? LCONT_STATE_CREATED
                   : LCONT_STATE_RUNNING;
    return st->status;
}

/* Lock the container's state directory and re-read its state (other processes may act too). */
static int lock_and_refresh(lcont_container *c, const char *what, lcont_error **reterr)
{
    _cleanup_close_ int rootfd = lcont__state_open_root(c->ctx, 0, reterr);
    struct lcont_state st;
    int dirfd, r;

    if (rootfd < 0)
        return lcont__error_prefix(reterr, rootfd, "%s '%s'", what, c->state.id);
    dirfd = lcont__state_dir_open(rootfd, c->state.id, reterr);
    if (dirfd < 0)
        return lcont__error_prefix(reterr, dirfd, "%s", what);
    r = lcont__state_read(dirfd, &st, reterr);
    if (r < 0) {
        close(dirfd);
        return lcont__error_prefix(reterr, r, "%s '%s'", what, c->state.id);
    }
    lcont__state_clear(&c->state);
    c->state = st;
    return dirfd;
}

int lcont_container_get_status(lcont_container *c, uint64_t flags, lcont_error **reterr)
{
    int dirfd, status;

    CHECK_HANDLE(c, reterr, "status");
    if (flags)
        return lcont__error_set(reterr, -EINVAL, "status: unknown flags");
    dirfd = lock_and_refresh(c, "status", reterr);
    if (dirfd < 0)
        return dirfd;
    status = (int)lcont__container_effective_status(dirfd, &c->state);
    close(dirfd);
    return status;
}

int lcont_container_get_state_json(lcont_container *c, uint64_t flags, char **ret,
                                   lcont_error **reterr)
{
    enum lcont_state_status status;
    char *text;
    int dirfd;

    CHECK_HANDLE(c, reterr, "state");
    if (flags || !ret)
        return lcont__error_set(reterr, -EINVAL, "state: unknown flags or NULL ret");
    dirfd = lock_and_refresh(c, "state", reterr);
    if (dirfd < 0)
        return dirfd;
    status = lcont__container_effective_status(dirfd, &c->state);
    close(dirfd);
    text = lcont__state_to_oci_json(&c->state, status);
    if (!text)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    *ret = text;
    return 0;
}

/* A pidfd on the init process, verified against pid reuse. */
static int open_init_pidfd(const struct lcont_state *st, lcont_error **reterr)
{
    int zombie = 0, fd;

    if (st->pid <= 0)
        return lcont__error_set(reterr, -ESRCH, "container '%s' is not running", st->id);
    fd = lcont__sys_pidfd_open(st->pid, 0);
    if (fd == -ESRCH)
        return lcont__error_set(reterr, -ESRCH, "container '%s' is not running", st->id);
    if (fd < 0) /* out of fds or memory, no pidfd_open: not a statement about the container */
        return lcont__error_setsys(reterr, fd, "container '%s': pidfd_open(%d)", st->id,
                                   (int)st->pid);
    /* checked after opening: from here on the pidfd cannot point to a recycled pid */
    if (lcont__proc_start_time(st->pid, &zombie) != st->pid_start_time || zombie) {
        close(fd);
        return lcont__error_set(reterr, -ESRCH, "container '%s' is not running", st->id);
    }
    return fd;
}

int lcont_container_get_init_process(lcont_container *c, uint64_t flags, lcont_process **ret,
                                     lcont_error **reterr)
{
    int fd, r;

    CHECK_HANDLE(c, reterr, "init process");
    if (flags || !ret)
        return lcont__error_set(reterr, -EINVAL, "init process: unknown flags or NULL ret");
    if (!c->init) {
        if (c->init_pidfd >= 0) {
            fd = TAKE_FD(c->init_pidfd);
        } else {
            fd = open_init_pidfd(&c->state, reterr);
            if (fd < 0)
                return fd;
        }
        r = lcont__process_new(c->state.pid, fd, &c->init);
        if (r < 0) {
            close(fd);
            return lcont__error_set(reterr, r, "out of memory");
        }
    }
    *ret = lcont_process_ref(c->init);
    return 0;
}

static int run_hooks_logged(lcont_container *c, const struct lcont_spec *spec,
                            enum lcont_hook_kind kind, enum lcont_state_status status)
{
    _cleanup_free_ char *state = lcont__state_to_oci_json(&c->state, status);
    struct lcont_child_error e = { 0 };

    if (!state || spec->hooks.n_hooks[kind] == 0)
        return 0;
    /* poststart and poststop failures are warnings, not errors (runtime spec) */
    if (lcont__hooks_run(&spec->hooks, kind, state, strlen(state), &e) < 0)
        lcont__log_warning(c->ctx, "container '%s': %s", c->state.id, e.msg);
    return 0;
}

static int load_saved_spec(int dirfd, struct lcont_spec **ret, lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL;
    size_t len;
    int r = lcont__read_file_at(dirfd, LCONT_CONFIG_FILE, 4 << 20, &text, &len);

    if (r < 0)
        return lcont__error_setsys(reterr, r, "read saved config");
    return lcont__spec_parse(text, len, ret, reterr);
}

/* Open the fifo for reading (unblocking init) and wait for its byte, or its death. */
static int consume_exec_fifo(lcont_container *c, int dirfd, lcont_error **reterr)
{
    _cleanup_close_ int fifo = -1, pidfd = -1;
    char byte;

    /* pidfd first: once the fifo is open, init may exec, exit and be reaped at once */
    pidfd = open_init_pidfd(&c->state, reterr);
    if (pidfd < 0)
        return pidfd;
    fifo = openat(dirfd, LCONT_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fifo < 0)
        return lcont__error_setsys(reterr, -errno, "start: open exec fifo");
    for (;;) {
        struct pollfd p[2] = { { fifo, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
        ssize_t n;

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return lcont__error_setsys(reterr, -errno, "start: poll");
        }
        n = read(fifo, &byte, 1);
        if (n == 1)
            return 0;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return lcont__error_setsys(reterr, -errno, "start: read exec fifo");
        if (p[1].revents)
            return lcont__error_set(reterr, -ESRCH, "start: container init exited before start");
    }
}

int lcont_container_start(lcont_container *c, uint64_t flags, lcont_error **reterr)
{
    struct lcont_spec *spec = NULL;
    enum lcont_state_status status;
    int dirfd, r;

    CHECK_HANDLE(c, reterr, "start");
    if (flags)
        return lcont__error_set(reterr, -EINVAL, "start: unknown flags");
    dirfd = lock_and_refresh(c, "start", reterr);
    if (dirfd < 0)
        return dirfd;
    status = lcont__container_effective_status(dirfd, &c->state);
    if (status != LCONT_STATE_CREATED) {
        close(dirfd);
        return lcont__error_set(reterr, -EBUSY, "start '%s': container is %s, not created",
                                c->state.id, lcont__state_status_name(status));
    }
    r = consume_exec_fifo(c, dirfd, reterr);
    if (r >= 0) {
        unlinkat(dirfd, LCONT_EXEC_FIFO, 0);
        c->state.status = LCONT_STATE_RUNNING;
        r = lcont__state_write(dirfd, &c->state, reterr);
    }
    if (r >= 0 && load_saved_spec(dirfd, &spec, NULL) >= 0)
        run_hooks_logged(c, spec, LCONT_HOOK_POSTSTART, LCONT_STATE_RUNNING);
    lcont__spec_free(spec);
    close(dirfd);
    return r < 0 ? lcont__error_prefix(reterr, r, "start '%s'", c->state.id) : 0;
}

static int kill_cgroup(lcont_container *c, int signo, lcont_error **reterr)
{
    struct lcont_cgroup *cg = NULL;
    int r = lcont__cgroup_open(c->state.cgroup_path, &cg, reterr);

    if (r >= 0)
        r = lcont__cgroup_kill(cg, signo, reterr);
    lcont__cgroup_free(cg);
    return r;
}

static int kill_locked(lcont_container *c, int signo, uint64_t flags, lcont_error **reterr)
{
    _cleanup_close_ int pidfd = -1;
    int r;

    if ((flags & LCONT_KILL_ALL) && c->state.cgroup_path)
        return kill_cgroup(c, signo, reterr);
    /* refuses a dead or recycled pid by itself */
    pidfd = open_init_pidfd(&c->state, reterr);
    if (pidfd < 0)
        return pidfd;
    r = lcont__sys_pidfd_send_signal(pidfd, signo, 0);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "kill '%s'", c->state.id);
    return 0;
}

int lcont_container_kill(lcont_container *c, int signo, uint64_t flags, lcont_error **reterr)
{
    int dirfd, r;

    CHECK_HANDLE(c, reterr, "kill");
    if ((flags & ~LCONT_KILL_ALL) || signo < 0 || signo >= NSIG)
        return lcont__error_set(reterr, -EINVAL, "kill: invalid signal %d or flags", signo);
    dirfd = lock_and_refresh(c, "kill", reterr);
    if (dirfd < 0)
        return dirfd;
    r = kill_locked(c, signo, flags, reterr);
    /* issue 3: a paused container must be killable (see pause.c) */
    if (r >= 0)
        r = lcont__container_after_kill(c, dirfd, signo, reterr);
    close(dirfd);
    return r;
}

/* SIGKILL everything and wait (bounded) until init is really gone. */
static int kill_and_wait(lcont_container *c, lcont_error **reterr)
{
    _cleanup_close_ int pidfd = open_init_pidfd(&c->state, NULL);
    int r;

    /* the whole cgroup, so nothing forks away while init dies; then init itself */
    if (c->state.cgroup_path) {
        r = kill_cgroup(c, SIGKILL, reterr);
        if (r < 0)
            return r;
    }
    if (pidfd >= 0) {
        struct pollfd p = { pidfd, POLLIN, 0 };
        lcont__sys_pidfd_send_signal(pidfd, SIGKILL, 0);
        if (poll(&p, 1, 10000) == 0)
            return lcont__error_set(reterr, -ETIMEDOUT, "init of '%s' did not die", c->state.id);
    }
    /* reap our own child so no zombie is left behind; the status stays cached */
    if (c->init || c->init_pidfd >= 0) {
        lcont_process *p = NULL;
        if (lcont_container_get_init_process(c, 0, &p, NULL) >= 0)
            lcont_process_wait(p, 0, NULL, NULL);
        lcont_process_unref(p);
    }
    return 0;
}

int lcont_container_delete(lcont_container *c, uint64_t flags, lcont_error **reterr)
{
    _cleanup_close_ int rootfd = -1;
    struct lcont_spec *spec = NULL;
    enum lcont_state_status status;
    int dirfd, r = 0;

    CHECK_HANDLE(c, reterr, "delete");
    if (flags & ~LCONT_DELETE_FORCE)
        return lcont__error_set(reterr, -EINVAL, "delete: unknown flags");
    dirfd = lock_and_refresh(c, "delete", reterr);
    if (dirfd < 0)
        return dirfd;
    status = lcont__container_effective_status(dirfd, &c->state);
    if (status != LCONT_STATE_STOPPED) {
        if (!(flags & LCONT_DELETE_FORCE)) {
            close(dirfd);
            return lcont__error_set(reterr, -EBUSY,
                                    "delete '%s': container is %s; stop it or use force",
                                    c->state.id, lcont__state_status_name(status));
        }
        r = kill_and_wait(c, reterr);
        if (r < 0) {
            close(dirfd);
            return lcont__error_prefix(reterr, r, "delete '%s'", c->state.id);
        }
    }
    if (c->state.cgroup_path) {
        struct lcont_cgroup *cg = NULL;
        r = lcont__cgroup_open(c->state.cgroup_path, &cg, reterr);
        if (r >= 0)
            r = lcont__cgroup_destroy(cg, reterr);
        lcont__cgroup_free(cg);
        if (r < 0) {
            close(dirfd);
            return lcont__error_prefix(reterr, r, "delete '%s'", c->state.id);
        }
    }
    /* poststop only for containers that got as far as being created */
    if (c->state.status != LCONT_STATE_CREATING && load_saved_spec(dirfd, &spec, NULL) >= 0)
        run_hooks_logged(c, spec, LCONT_HOOK_POSTSTOP, LCONT_STATE_STOPPED);
    lcont__spec_free(spec);
    rootfd = lcont__state_open_root(c->ctx, 0, reterr);
    r = rootfd < 0 ? rootfd : lcont__rm_rf_at(rootfd, c->state.id);
    close(dirfd);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "delete '%s': remove state", c->state.id);
    c->state.status = LCONT_STATE_STOPPED;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int lcont_container_list(lcont_context *ctx, uint64_t flags, char ***ret, lcont_error **reterr)
{
    _cleanup_strv_ char **ids = NULL;
    struct dirent *de;
    DIR *d;
    int rootfd;

    if (!ctx || !ret || flags)
        return lcont__error_set(reterr, -EINVAL, "list: invalid arguments");
    if (lcont__context_check_owner(ctx) < 0)
        return lcont__error_set(reterr, -ECHILD, "list: context used after fork");
    ids = calloc(1, sizeof(char *));
    if (!ids)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    rootfd = lcont__state_open_root(ctx, 0, NULL);
    if (rootfd < 0) {
        *ret = TAKE_PTR(ids); /* no state root yet: no containers */
        return 0;
    }
    d = fdopendir(rootfd);
    if (!d) {
        close(rootfd);
        return lcont__error_setsys(reterr, -errno, "list '%s'", ctx->state_root);
    }
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || lcont__state_validate_id(de->d_name, NULL) < 0)
            continue;
        if (faccessat(dirfd(d), de->d_name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (lcont__strv_push(&ids, de->d_name) < 0) {
            closedir(d);
            return lcont__error_set(reterr, -ENOMEM, "out of memory");
        }
    }
    closedir(d);
    qsort(ids, lcont__strv_length(ids), sizeof(char *), cmp_str);
    *ret = TAKE_PTR(ids);
    return 0;
}

/* ---- shared with exec.c and pause.c (issue 3) ---- */

int lcont__container_lock(lcont_container *c, const char *what, lcont_error **reterr)
{
    return lock_and_refresh(c, what, reterr);
}

int lcont__container_open_init_pidfd(const lcont_container *c, lcont_error **reterr)
{
    return open_init_pidfd(&c->state, reterr);
}

int lcont__container_load_spec(int dirfd, struct lcont_spec **ret, lcont_error **reterr)
{
    return load_saved_spec(dirfd, ret, reterr);
}
