/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont_container_exec(): parent side (see runtime/exec.h for the protocol). */
#include "runtime/exec.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "runtime/child-common.h"
#include "runtime/container-internal.h"
#include "runtime/forward.h"
#include "runtime/security.h"
#include "runtime/sync.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Smallest lcont_exec_opts a caller may pass (the 0.2 layout). */
#define EXEC_OPTS_SIZE_V0_2 (offsetof(lcont_exec_opts, selinux_label) + sizeof(const char *))

#define EXEC_FLAGS \
    (LCONT_EXEC_STDIO | LCONT_EXEC_NO_NEW_PRIVS | LCONT_EXEC_TERMINAL | LCONT_EXEC_USER)

struct exec_job {
    lcont_container *c;
    const char *process_json;
    lcont_exec_opts o;
    uint64_t flags;
    int dirfd, init_pidfd, proc_fd, pid_ns_fd, own_pid_ns_fd, cgroup_fd, pidfd;
    int sock[2];
    int ns_fds[LCONT_NS_COUNT];
    int ns_flags;
    pid_t pid;
    struct lcont_spec *spec;
    struct lcont_security_plan *security;
    struct lcont_cgroup *cg;
    struct lcont_cgroup_join cg_join; /* v1 "tasks" files the process writes itself */
    uint64_t enter_skip;              /* LCONT_CGROUP_ENTER_SKIP_*: what clone3 and cg_join do */
    bool enter_after_clone;           /* a hierarchy is left for lcont__cgroup_enter() */
    uint8_t *preserved;               /* which of fds 3..3+preserve_fds-1 the caller had open */
    char msg[sizeof(struct lcont_sync_hdr) + sizeof(struct lcont_child_error) + 64];
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void job_init(struct exec_job *j)
{
    memset(j, 0, sizeof(*j));
    j->dirfd = j->init_pidfd = j->proc_fd = j->pid_ns_fd = j->own_pid_ns_fd = j->cgroup_fd = -1;
    j->pidfd = -1;
    lcont__cgroup_join_init(&j->cg_join);
    j->sock[0] = j->sock[1] = -1;
    for (int t = 0; t < LCONT_NS_COUNT; t++)
        j->ns_fds[t] = -1;
}

static void job_done(struct exec_job *j)
{
    close_fd(&j->sock[0]);
    close_fd(&j->sock[1]);
    close_fd(&j->pidfd);
    close_fd(&j->cgroup_fd);
    lcont__cgroup_join_close(&j->cg_join);
    close_fd(&j->pid_ns_fd);
    close_fd(&j->own_pid_ns_fd);
    close_fd(&j->proc_fd);
    close_fd(&j->init_pidfd);
    for (int t = 0; t < LCONT_NS_COUNT; t++)
        close_fd(&j->ns_fds[t]);
    close_fd(&j->dirfd);
    lcont__cgroup_free(j->cg);
    lcont__security_plan_free(j->security);
    lcont__spec_free(j->spec);
    free(j->preserved);
}

/* A child that failed: kill and reap it, so no half-set-up process stays in the container. */
static void job_abort(struct exec_job *j)
{
    siginfo_t si;

    if (j->pidfd < 0)
        return;
    if (j->sock[0] >= 0)
        lcont__sync_send(j->sock[0], LCONT_SYNC_ERROR, -ECANCELED, NULL, 0, -1);
    lcont__sys_pidfd_send_signal(j->pidfd, SIGKILL, 0);
    while (waitid((idtype_t)P_PIDFD, (id_t)j->pidfd, &si, WEXITED) < 0 && errno == EINTR)
        ;
}

/* 1 when @a and @b (relative to the trusted procfs) are different namespaces, 0 when they are
 * the same or the kernel has no such namespace, -errno otherwise. */
static int ns_differs(int proc_fd, const char *a, const char *b)
{
    struct stat sa, sb;

    if (fstatat(proc_fd, a, &sa, 0) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (fstatat(proc_fd, b, &sb, 0) < 0)
        return errno == ENOENT ? 0 : -errno;
    return sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev;
}

/* Which namespaces of the init to join: those that are not already ours. */
static int open_namespaces(struct exec_job *j, lcont_error **reterr)
{
    pid_t pid = j->c->state.pid;

    for (int t = 0; t < LCONT_NS_COUNT; t++) {
        const char *name = lcont__spec_ns_proc_name((enum lcont_ns_type)t);
        char theirs[64], ours[64];
        int r, fd;

        snprintf(theirs, sizeof(theirs), "%d/ns/%s", (int)pid, name);
        snprintf(ours, sizeof(ours), "thread-self/ns/%s", name);
        r = ns_differs(j->proc_fd, theirs, ours);
        if (r < 0)
            return lcont__error_setsys(reterr, r, "inspect namespace /proc/%s", theirs);
        if (r == 0)
            continue;
        fd = openat(j->proc_fd, theirs, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return lcont__error_setsys(reterr, -errno, "open namespace /proc/%s", theirs);
        if (t == LCONT_NS_PID) {
            j->pid_ns_fd = fd;
        } else {
            j->ns_fds[t] = fd;
            j->ns_flags |= lcont__spec_ns_clone_flag((enum lcont_ns_type)t);
        }
    }
    /* still alive, so every /proc/<pid> above was the init and not a recycled pid */
    if (lcont__sys_pidfd_send_signal(j->init_pidfd, 0, 0) < 0)
        return lcont__error_set(reterr, -ESRCH, "container '%s' stopped", j->c->state.id);
    return 0;
}

static int check_status(struct exec_job *j, lcont_error **reterr)
{
    enum lcont_state_status s = lcont__container_effective_status(j->dirfd, &j->c->state);

    switch (s) {
    case LCONT_STATE_CREATED:
    case LCONT_STATE_RUNNING:
        return 0;
    case LCONT_STATE_PAUSED:
        return lcont__error_set(reterr, -EBUSY, "cannot exec in a paused container (resume it)");
    case LCONT_STATE_STOPPED:
        return lcont__error_set(reterr, -ESRCH, "cannot exec in a stopped container");
    default:
        return lcont__error_set(reterr, -EBUSY, "cannot exec in a container that is %s",
                                lcont__state_status_name(s));
    }
}

static int prepare(struct exec_job *j, lcont_error **reterr)
{
    int r;

    j->dirfd = lcont__container_lock(j->c, "exec", reterr);
    if (j->dirfd < 0)
        return j->dirfd;
    r = check_status(j, reterr);
    if (r < 0)
        return r;
    r = lcont__container_load_spec(j->dirfd, &j->spec, reterr);
    if (r < 0)
        return r;
    r = lcont__exec_process_apply(j->spec, j->process_json, &j->o, j->flags, reterr);
    if (r < 0)
        return r;
    if (j->spec->process->terminal && !j->o.console_socket)
        return lcont__error_set(reterr, -EINVAL, "a terminal was asked for but no console socket");
    r = lcont__security_plan_new(j->spec, &j->security, reterr);
    if (r < 0)
        return r;
    j->init_pidfd = lcont__container_open_init_pidfd(j->c, reterr);
    if (j->init_pidfd < 0)
        return j->init_pidfd;
    j->proc_fd = lcont__open_trusted_proc(reterr);
    if (j->proc_fd < 0)
        return j->proc_fd;
    r = open_namespaces(j, reterr);
    if (r < 0)
        return r;
    if (j->c->state.cgroup_path) {
        struct lcont_cgroup *cg = NULL;
        r = lcont__cgroup_open(j->c->state.cgroup_path, &cg, reterr);
        if (r < 0)
            return r;
        /* only these fds cross the clone (the child closes the join fds first): the cgroup's
         * directory fds are reopened after it, so none of them can reach the exec'd process */
        r = lcont__cgroup_open_clone_fd(cg, NULL);
        j->cgroup_fd = r >= 0 ? r : -1;
        r = lcont__cgroup_join_prepare(cg, &j->cg_join, reterr);
        j->enter_skip = (j->cgroup_fd >= 0 ? LCONT_CGROUP_ENTER_SKIP_V2 : 0) |
                        (j->cg_join.n > 0 ? LCONT_CGROUP_ENTER_SKIP_V1 : 0);
        j->enter_after_clone = lcont__cgroup_enter_needed(cg, j->enter_skip);
        lcont__cgroup_free(cg);
        if (r < 0)
            return r;
    }
    if (j->pid_ns_fd >= 0) {
        j->own_pid_ns_fd =
            openat(j->proc_fd, "thread-self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
        if (j->own_pid_ns_fd < 0)
            return lcont__error_setsys(reterr, -errno, "open own pid namespace");
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, j->sock) < 0)
        return lcont__error_setsys(reterr, -errno, "socketpair");
    return 0;
}

static const char *env_path(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], "PATH=", 5) == 0)
            return env[i] + 5;
    return NULL;
}

/* clone3 into the init's pid namespace (entered by this thread around the clone only) and,
 * on a cgroup2 tree, straight into the container's cgroup. */
static int spawn(struct exec_job *j, const struct lcont_exec_plan *plan, lcont_error **reterr)
{
    struct clone_args args;
    pid_t pid;

    if (j->pid_ns_fd >= 0 && lcont__sys_setns(j->pid_ns_fd, CLONE_NEWPID) < 0)
        return lcont__error_setsys(reterr, -errno, "enter the container's pid namespace");
    memset(&args, 0, sizeof(args));
    args.flags = CLONE_PIDFD | CLONE_CLEAR_SIGHAND;
    args.pidfd = (uint64_t)(uintptr_t)&j->pidfd;
    args.exit_signal = SIGCHLD;
    if (j->cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)j->cgroup_fd;
    }
    pid = lcont__sys_clone3(&args, sizeof(args));
    if (pid == 0) {
        close(j->sock[0]);
        lcont__exec_child_main(plan);
    }
    if (j->pid_ns_fd >= 0) /* our other children stay where they were */
        lcont__sys_setns(j->own_pid_ns_fd, CLONE_NEWPID);
    if (pid == -EBUSY && j->cgroup_fd >= 0)
        return lcont__error_setsys(reterr, pid,
                                   "clone the exec process into the container's cgroup (it "
                                   "delegates controllers to sub-cgroups, and cgroup v2 allows "
                                   "no process there)");
    if (pid < 0)
        return lcont__error_setsys(reterr, pid, "clone the exec process");
    j->pid = pid;
    return 0;
}

static int write_pid_file(const char *path, pid_t pid, lcont_error **reterr)
{
    _cleanup_free_ char *copy = strdup(path);
    _cleanup_close_ int dfd = -1;
    char text[32], *slash;
    int r;

    if (!copy)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    slash = strrchr(copy, '/');
    if (slash)
        *slash = '\0';
    dfd = open(!slash ? "." : slash == copy ? "/" : copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return lcont__error_setsys(reterr, -errno, "pid file '%s'", path);
    snprintf(text, sizeof(text), "%d", (int)pid);
    r = lcont__write_file_atomic_at(dfd, slash ? slash + 1 : copy, text, strlen(text), 0644, false);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "write pid file '%s'", path);
    return 0;
}

/* Serve the child until its end of the pair closes: at execve, or when it died. */
static int converse(struct exec_job *j, lcont_error **reterr)
{
    for (;;) {
        uint32_t type;
        int code, fd = -1, r;
        size_t len;

        r = lcont__sync_recv(j->sock[0], j->msg, sizeof(j->msg), &type, &code, &len, &fd);
        if (r == -EPIPE || r == -ECONNRESET)
            return 0;
        if (r < 0)
            return lcont__error_setsys(reterr, r, "receive from the exec process");
        switch (type) {
        case LCONT_SYNC_ERROR: {
            struct lcont_child_error e = { 0 };
            memcpy(&e, j->msg + sizeof(struct lcont_sync_hdr), len < sizeof(e) ? len : sizeof(e));
            e.msg[sizeof(e.msg) - 1] = '\0';
            return lcont__error_setsys(reterr, code < 0 ? code : -EIO, "%s", e.msg);
        }
        case LCONT_SYNC_CHILD_CONSOLE:
            r = lcont__forward_console(j->o.console_socket, fd, reterr);
            break;
        case LCONT_SYNC_CHILD_SECCOMP:
            r = lcont__forward_seccomp_listener(j->spec->linux_.seccomp, &j->c->state,
                                                LCONT_STATE_RUNNING, j->pid, fd, reterr);
            break;
        default:
            r = lcont__error_set(reterr, -EPROTO, "unexpected message %u from the exec process",
                                 type);
        }
        if (fd >= 0)
            close(fd);
        if (r < 0)
            return r;
        r = lcont__sync_send(j->sock[0], LCONT_SYNC_PARENT_ACK, 0, NULL, 0, -1);
        if (r < 0 && r != -EPIPE && r != -ECONNRESET)
            return lcont__error_setsys(reterr, r, "send to the exec process");
    }
}

static int run(struct exec_job *j, lcont_error **reterr)
{
    struct lcont_exec_plan plan;
    int r;

    memset(&plan, 0, sizeof(plan));
    plan.process = j->spec->process;
    plan.sync_fd = j->sock[1];
    plan.proc_fd = j->proc_fd;
    plan.init_pidfd = j->init_pidfd;
    plan.ns_flags = j->ns_flags;
    memcpy(plan.ns_fds, j->ns_fds, sizeof(plan.ns_fds));
    plan.close_fds[0] = j->dirfd;
    plan.close_fds[1] = j->pid_ns_fd;
    plan.close_fds[2] = j->own_pid_ns_fd;
    plan.close_fds[3] = j->cgroup_fd;
    plan.cgroup_join = &j->cg_join;
    /* the handle's own pidfds on the init: library fds, not the caller's to pass on */
    plan.close_fds[4] = j->c->init_pidfd;
    plan.close_fds[5] = j->c->init ? j->c->init->pidfd : -1;
    for (int i = 0; i < 3; i++)
        plan.stdio[i] = -1;
    if (j->flags & LCONT_EXEC_STDIO) {
        plan.stdio[0] = j->o.stdin_fd;
        plan.stdio[1] = j->o.stdout_fd;
        plan.stdio[2] = j->o.stderr_fd;
    }
    plan.preserve_fds = j->o.preserve_fds;
    plan.preserved = j->preserved;
    plan.path_env = env_path(j->spec->process->env);
    plan.terminal = j->spec->process->terminal;
    plan.notify_seccomp = lcont__security_plan_has_notify(j->security);
    plan.security = j->security;

    r = spawn(j, &plan, reterr);
    if (r < 0)
        return r;
    close_fd(&j->sock[1]);
    lcont__cgroup_join_close(&j->cg_join);
    /* what clone3 and the process's own join do not cover (v2 without CLONE_INTO_CGROUP) */
    if (j->enter_after_clone) {
        r = lcont__cgroup_open(j->c->state.cgroup_path, &j->cg, reterr);
        if (r < 0)
            return r;
        r = lcont__cgroup_enter(j->cg, j->pid, j->enter_skip, reterr);
        if (r < 0)
            return r;
    }
    r = lcont__sync_send(j->sock[0], LCONT_SYNC_PARENT_GO, 0, NULL, 0, -1);
    if (r < 0 && r != -EPIPE && r != -ECONNRESET)
        return lcont__error_setsys(reterr, r, "send to the exec process");
    r = converse(j, reterr);
    if (r < 0)
        return r;
    if (j->o.pid_file)
        return write_pid_file(j->o.pid_file, j->pid, reterr);
    return 0;
}

int lcont_exec_opts_init(lcont_exec_opts *opts, size_t size)
{
    if (!opts || size < EXEC_OPTS_SIZE_V0_2)
        return -EINVAL;
    memset(opts, 0, size);
    opts->struct_size = size;
    return 0;
}

static int check_args(const lcont_exec_opts *opts, uint64_t flags, lcont_exec_opts *o,
                      lcont_error **reterr)
{
    int r;

    if (flags & ~(uint64_t)EXEC_FLAGS)
        return lcont__error_set(reterr, -EINVAL, "exec: unknown flags 0x%llx",
                                (unsigned long long)flags);
    memset(o, 0, sizeof(*o));
    if (opts) {
        r = lcont__copy_opts(o, sizeof(*o), opts, opts->struct_size, EXEC_OPTS_SIZE_V0_2);
        if (r < 0)
            return lcont__error_set(reterr, r, "exec: bad options struct size %llu",
                                    (unsigned long long)opts->struct_size);
    }
    if (o->preserve_fds < 0)
        return lcont__error_set(reterr, -EINVAL, "exec: preserve_fds must not be negative");
    if ((flags & LCONT_EXEC_STDIO) && (o->stdin_fd < 0 || o->stdout_fd < 0 || o->stderr_fd < 0))
        return lcont__error_set(reterr, -EINVAL, "exec: LCONT_EXEC_STDIO needs three fds");
    return 0;
}

int lcont_container_exec(lcont_container *c, const char *process_json, const lcont_exec_opts *opts,
                         uint64_t flags, lcont_process **ret, lcont_error **reterr)
{
    struct exec_job *j;
    lcont_process *p = NULL;
    int r;

    if (!c || !ret || (!opts && !process_json))
        return lcont__error_set(reterr, -EINVAL,
                                "exec: container, ret and opts or process_json are required");
    if (lcont__context_check_owner(c->ctx) < 0)
        return lcont__error_set(reterr, -ECHILD, "exec: handle used after fork");
    j = malloc(sizeof(*j));
    if (!j)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    job_init(j);
    j->c = c;
    j->process_json = process_json;
    j->flags = flags;
    r = check_args(opts, flags, &j->o, reterr);
    if (r >= 0 && (r = lcont__preserved_fds_snapshot(j->o.preserve_fds, &j->preserved)) < 0)
        lcont__error_set(reterr, r, "out of memory");
    if (r >= 0)
        r = prepare(j, reterr);
    if (r >= 0)
        r = run(j, reterr);
    if (r >= 0) {
        r = lcont__process_new(j->pid, j->pidfd, &p);
        if (r < 0)
            lcont__error_set(reterr, r, "out of memory");
        else
            j->pidfd = -1; /* owned by the handle now */
    }
    if (r < 0)
        job_abort(j);
    else
        lcont__log_debug(c->ctx, "exec in '%s': pid %d", c->state.id, (int)j->pid);
    job_done(j);
    free(j);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "exec in '%s'", c->state.id);
    *ret = p;
    return 0;
}
