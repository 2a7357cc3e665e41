/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parent side of lcont_container_create(): prepare everything, clone the
 * init process, then drive it through the sync protocol (runtime/sync.h)
 * until it waits on the exec fifo.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
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
#include "runtime/child.h"
#include "runtime/container-internal.h"
#include "runtime/device-rules.h"
#include "runtime/forward.h"
#include "runtime/hooks.h"
#include "runtime/rootfs.h"
#include "runtime/security.h"
#include "runtime/sync.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Everything create allocates, released in one place whatever happened. */
struct create_job {
    lcont_context *ctx;
    const char *id;
    lcont_create_opts opts;
    uint64_t flags;
    char *config_text;
    size_t config_len;
    struct lcont_spec *spec;
    struct lcont_state st;
    int rootfd, dirfd, fifo_fd, proc_fd, pidfd;
    int cgroup_clone_fd; /* cgroup2 directory for CLONE_INTO_CGROUP, -1 if none */
    int sock[2];
    int join_fds[LCONT_NS_COUNT];
    int pid_join_fd;
    struct lcont_cgroup *cg;
    struct lcont_cgroup_join cg_join; /* v1 "tasks" files the init writes itself */
    struct lcont_rootfs_plan *rootfs;
    struct lcont_security_plan *security;
    bool cgroup_created;
    uint8_t *preserved; /* bitmap of fds 3..3+preserve_fds-1 the caller had open at entry */
    char msg[LCONT_SYNC_MAX_PAYLOAD + 64];
};

static void job_init(struct create_job *j)
{
    memset(j, 0, sizeof(*j));
    j->rootfd = j->dirfd = j->fifo_fd = j->proc_fd = j->pidfd = j->pid_join_fd = -1;
    j->cgroup_clone_fd = -1;
    lcont__cgroup_join_init(&j->cg_join);
    j->sock[0] = j->sock[1] = -1;
    for (int i = 0; i < LCONT_NS_COUNT; i++)
        j->join_fds[i] = -1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Undo a failed create: no process, cgroup or state may survive. */
static void job_abort(struct create_job *j)
{
    if (j->pidfd >= 0) {
        siginfo_t si;
        lcont__sys_pidfd_send_signal(j->pidfd, SIGKILL, 0);
        while (waitid((idtype_t)P_PIDFD, (id_t)j->pidfd, &si, WEXITED) < 0 && errno == EINTR)
            ;
    }
    if (j->cg && j->cgroup_created)
        lcont__cgroup_destroy(j->cg, NULL);
    if (j->dirfd >= 0)
        lcont__rm_rf_at(j->rootfd, j->id);
}

static void job_free(struct create_job *j)
{
    free(j->preserved);
    j->preserved = NULL;
    close_fd(&j->sock[0]);
    close_fd(&j->sock[1]);
    close_fd(&j->fifo_fd);
    close_fd(&j->proc_fd);
    close_fd(&j->pidfd);
    close_fd(&j->pid_join_fd);
    close_fd(&j->cgroup_clone_fd);
    lcont__cgroup_join_close(&j->cg_join);
    for (int i = 0; i < LCONT_NS_COUNT; i++)
        close_fd(&j->join_fds[i]);
    close_fd(&j->dirfd);
    close_fd(&j->rootfd);
    lcont__rootfs_plan_free(j->rootfs);
    lcont__security_plan_free(j->security);
    lcont__cgroup_free(j->cg);
    lcont__spec_free(j->spec);
    lcont__state_clear(&j->st);
    free(j->config_text);
}

static int load_config(struct create_job *j, lcont_error **reterr)
{
    char bundle[PATH_MAX];
    _cleanup_close_ int bfd = -1;
    int r;

    if (!realpath(j->opts.bundle, bundle))
        return lcont__error_setsys(reterr, -errno, "bundle '%s'", j->opts.bundle);
    j->st.bundle = strdup(bundle);
    if (!j->st.bundle)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    bfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0)
        return lcont__error_setsys(reterr, -errno, "bundle '%s'", bundle);
    r = lcont__read_file_at(bfd, "config.json", 4 << 20, &j->config_text, &j->config_len);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "read %s/config.json", bundle);
    r = lcont__spec_parse(j->config_text, j->config_len, &j->spec, reterr);
    if (r < 0)
        return r;
    if (!j->spec->process)
        return lcont__error_set(reterr, -EINVAL, "process: missing (needed to create a container)");
    if (j->spec->process->terminal && !j->opts.console_socket)
        return lcont__error_set(reterr, -EINVAL,
                                "process.terminal is true but no console socket was given");
    if (j->spec->root_path[0] == '/')
        j->st.rootfs = strdup(j->spec->root_path);
    else if (asprintf(&j->st.rootfs, "%s/%s", bundle, j->spec->root_path) < 0)
        j->st.rootfs = NULL;
    if (!j->st.rootfs)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    return 0;
}

static char *annotations_json(const struct lcont_spec *spec)
{
    cJSON *o;
    char *text;

    if (spec->n_annotations == 0)
        return NULL;
    o = cJSON_CreateObject();
    for (size_t i = 0; o && i < spec->n_annotations; i++)
        cJSON_AddStringToObject(o, spec->annotations[i].key, spec->annotations[i].value);
    text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return text;
}

int lcont__open_trusted_proc(lcont_error **reterr)
{
    struct statfs sfs;
    int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "open /proc");
    if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
        close(fd);
        return lcont__error_set(reterr, -EPERM, "/proc is not a procfs mount");
    }
    return fd;
}

static int open_namespaces(struct create_job *j, lcont_error **reterr)
{
    for (int t = 0; t < LCONT_NS_COUNT; t++) {
        const struct lcont_spec_namespace *ns = &j->spec->linux_.namespaces[t];
        int fd;

        if (!ns->present || !ns->path)
            continue;
        fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return lcont__error_setsys(reterr, -errno, "open namespace '%s'", ns->path);
        if (t == LCONT_NS_PID)
            j->pid_join_fd = fd;
        else
            j->join_fds[t] = fd;
    }
    return 0;
}

/* /proc/<pid>/@file through the trusted procfs fd (never a path another mount could cover). */
static int write_id_map(int proc_fd, pid_t pid, const char *file,
                        const struct lcont_spec_idmap *maps, size_t n, lcont_error **reterr)
{
    char path[64], buf[4096];
    size_t len = 0;
    int r;

    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", maps[i].container_id,
                         maps[i].host_id, maps[i].size);
        if (w < 0 || (size_t)w >= sizeof(buf) - len)
            return lcont__error_set(reterr, -E2BIG, "%s: too many mappings", file);
        len += (size_t)w;
    }
    snprintf(path, sizeof(path), "%d/%s", (int)pid, file);
    r = lcont__write_string_at(proc_fd, path, buf);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "write /proc/%s", path);
    return 0;
}

static int write_id_maps(struct create_job *j, pid_t pid, lcont_error **reterr)
{
    const struct lcont_spec_linux *lx = &j->spec->linux_;
    char path[64];
    int r;

    r = write_id_map(j->proc_fd, pid, "uid_map", lx->uid_mappings, lx->n_uid_mappings, reterr);
    if (r < 0)
        return r;
    /* without CAP_SETGID in the parent namespace, gid_map needs setgroups denied first */
    if (geteuid() != 0) {
        snprintf(path, sizeof(path), "%d/setgroups", (int)pid);
        r = lcont__write_string_at(j->proc_fd, path, "deny");
        if (r < 0 && r != -ENOENT)
            return lcont__error_setsys(reterr, r, "write /proc/%s", path);
    }
    return write_id_map(j->proc_fd, pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings, reterr);
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
    if (slash) {
        *slash = '\0';
        dfd = open(slash == copy ? "/" : copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else {
        dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (dfd < 0)
        return lcont__error_setsys(reterr, -errno, "pid file '%s'", path);
    snprintf(text, sizeof(text), "%d", (int)pid);
    r = lcont__write_file_atomic_at(dfd, slash ? slash + 1 : copy, text, strlen(text), 0644, false);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "write pid file '%s'", path);
    return 0;
}

static int run_parent_hooks(struct create_job *j, const char *state, lcont_error **reterr)
{
    static const enum lcont_hook_kind kinds[] = { LCONT_HOOK_PRESTART, LCONT_HOOK_CREATE_RUNTIME };
    struct lcont_child_error e = { 0 };

    for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
        if (lcont__hooks_run(&j->spec->hooks, kinds[i], state, strlen(state), &e) < 0)
            return lcont__error_setsys(reterr, e.code, "%s", e.msg);
    return 0;
}

/* What happened to a child that hung up without a word. */
static int child_vanished(struct create_job *j, lcont_error **reterr)
{
    siginfo_t si = { 0 };

    if (waitid((idtype_t)P_PIDFD, (id_t)j->pidfd, &si, WEXITED) == 0) {
        close_fd(&j->pidfd); /* reaped: nothing left to kill */
        if (si.si_code == CLD_EXITED)
            return lcont__error_set(reterr, -ECHILD, "container init exited with status %d",
                                    si.si_status);
        return lcont__error_set(reterr, -ECHILD, "container init killed by signal %d",
                                si.si_status);
    }
    return lcont__error_set(reterr, -ECHILD, "container init exited unexpectedly");
}

/* Turn the child's LCONT_SYNC_ERROR message (in j->msg) into an lcont_error. */
static int child_error(struct create_job *j, int code, size_t len, lcont_error **reterr)
{
    struct lcont_child_error e = { 0 };

    memcpy(&e, j->msg + sizeof(struct lcont_sync_hdr), len < sizeof(e) ? len : sizeof(e));
    e.msg[sizeof(e.msg) - 1] = '\0';
    return lcont__error_setsys(reterr, code < 0 ? code : -EIO, "%s", e.msg);
}

/* Serve the child's requests until it reports READY. */
static int converse(struct create_job *j, const char *hook_state, lcont_error **reterr)
{
    for (;;) {
        uint32_t type;
        int code, fd = -1, r;
        size_t len;

        r = lcont__sync_recv(j->sock[0], j->msg, sizeof(j->msg), &type, &code, &len, &fd);
        if (r == -EPIPE || r == -ECONNRESET)
            return child_vanished(j, reterr);
        if (r < 0)
            return lcont__error_setsys(reterr, r, "receive from container init");
        switch (type) {
        case LCONT_SYNC_CHILD_READY:
            return 0;
        case LCONT_SYNC_ERROR:
            return child_error(j, code, len, reterr);
        case LCONT_SYNC_CHILD_HOOKS:
            r = run_parent_hooks(j, hook_state, reterr);
            break;
        case LCONT_SYNC_CHILD_CONSOLE:
            r = lcont__forward_console(j->opts.console_socket, fd, reterr);
            break;
        case LCONT_SYNC_CHILD_SECCOMP:
            r = lcont__forward_seccomp_listener(j->spec->linux_.seccomp, &j->st,
                                                LCONT_STATE_CREATING, j->st.pid, fd, reterr);
            break;
        default:
            r = lcont__error_set(reterr, -EPROTO, "unexpected message %u from container init",
                                 type);
        }
        if (fd >= 0)
            close(fd);
        if (r < 0)
            return r;
        r = lcont__sync_send(j->sock[0], LCONT_SYNC_PARENT_ACK, 0, NULL, 0, -1);
        if (r < 0)
            return child_vanished(j, reterr);
    }
}

/* Join path: the child made its user namespace after the joins; map it. */
static int serve_userns(struct create_job *j, lcont_error **reterr)
{
    uint32_t type;
    int code, r;
    size_t len;

    r = lcont__sync_recv(j->sock[0], j->msg, sizeof(j->msg), &type, &code, &len, NULL);
    if (r < 0)
        return child_vanished(j, reterr);
    if (type == LCONT_SYNC_ERROR)
        return child_error(j, code, len, reterr);
    if (type != LCONT_SYNC_CHILD_USERNS)
        return lcont__error_set(reterr, -EPROTO, "unexpected message %u from container init", type);
    r = write_id_maps(j, j->st.pid, reterr);
    if (r < 0)
        return r;
    r = lcont__sync_send(j->sock[0], LCONT_SYNC_PARENT_ACK, 0, NULL, 0, -1);
    return r < 0 ? child_vanished(j, reterr) : 0;
}

static const char *env_path(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], "PATH=", 5) == 0)
            return env[i] + 5;
    return NULL;
}

/* clone3 the init process; joins a pid namespace by path around the clone only. */
static int spawn_init(struct create_job *j, uint64_t clone_flags, struct lcont_child_plan *plan,
                      lcont_error **reterr)
{
    struct clone_args args;
    _cleanup_close_ int own_pidns = -1;
    pid_t pid;

    if (j->pid_join_fd >= 0) {
        own_pidns = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
        if (own_pidns < 0)
            return lcont__error_setsys(reterr, -errno, "open own pid namespace");
        if (lcont__sys_setns(j->pid_join_fd, CLONE_NEWPID) < 0)
            return lcont__error_setsys(reterr, -errno, "join pid namespace '%s'",
                                       j->spec->linux_.namespaces[LCONT_NS_PID].path);
    }
    memset(&args, 0, sizeof(args));
    /* no handler of the caller may run in the child, even before it resets them */
    args.flags = CLONE_PIDFD | CLONE_CLEAR_SIGHAND | clone_flags;
    args.pidfd = (uint64_t)(uintptr_t)&j->pidfd;
    args.exit_signal = SIGCHLD;
    if (j->cgroup_clone_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)j->cgroup_clone_fd;
    }
    pid = lcont__sys_clone3(&args, sizeof(args));
    if (pid == 0) {
        close(j->sock[0]);
        lcont__child_main(plan);
    }
    if (own_pidns >= 0)
        lcont__sys_setns(own_pidns, CLONE_NEWPID); /* our own children stay where they were */
    if (pid < 0)
        return lcont__error_setsys(reterr, pid, "clone container init");
    j->st.pid = pid;
    return 0;
}

/* The config's resources, with the device rules every container needs added. */
static int apply_resources(struct create_job *j, lcont_error **reterr)
{
    struct lcont_spec_resources res = j->spec->linux_.resources;
    _cleanup_free_ struct lcont_spec_device_rule *rules = NULL;
    int r;

    r = lcont__device_rules_effective(j->spec, &rules, &res.n_device_rules);
    if (r < 0)
        return lcont__error_set(reterr, r, "out of memory");
    res.device_rules = rules;
    return lcont__cgroup_apply(j->cg, &res, reterr);
}

/* mkdir the cgroup and apply the limits. Rootless without a writable (delegated) cgroup:
 * run without one, and say so, rather than fail (issue 3; runc does the same). */
static int create_cgroup(struct create_job *j, lcont_error **reterr)
{
    const struct lcont_spec_resources *res = &j->spec->linux_.resources;
    lcont_error *cgerr = NULL;
    int r;

    r = lcont__cgroup_create(j->cg, &cgerr);
    if (r == -EPERM && geteuid() != 0) {
        lcont__log_warning(j->ctx, "create '%s': running without resource limits: %s", j->id,
                           lcont_error_message(cgerr));
        lcont_error_free(cgerr);
        lcont__cgroup_destroy(j->cg, NULL);
        j->cg = (lcont__cgroup_free(j->cg), NULL);
        j->st.cgroup_path = (free(j->st.cgroup_path), NULL);
        return lcont__state_write(j->dirfd, &j->st, reterr);
    }
    if (r < 0) {
        if (reterr)
            *reterr = cgerr;
        else
            lcont_error_free(cgerr);
        return r;
    }
    if (res->has_memory_kernel || res->has_memory_kernel_tcp)
        lcont__log_warning(j->ctx, "linux.resources.memory.kernel/kernelTCP: ignored (Linux "
                                   "removed kernel memory limits)");
    r = apply_resources(j, reterr);
    if (r < 0)
        return r;
    /* optional: without a cgroup2 tree the child is moved after clone, as on v1 */
    r = lcont__cgroup_open_clone_fd(j->cg, NULL);
    j->cgroup_clone_fd = r >= 0 ? r : -1;
    return lcont__cgroup_join_prepare(j->cg, &j->cg_join, reterr);
}

static int prepare(struct create_job *j, lcont_error **reterr)
{
    const struct lcont_spec_linux *lx;
    int r;

    r = load_config(j, reterr);
    if (r < 0)
        return r;
    lx = &j->spec->linux_;
    j->rootfd = lcont__state_open_root(j->ctx, 1, reterr);
    if (j->rootfd < 0)
        return j->rootfd;
    r = lcont__state_dir_create(j->rootfd, j->id, reterr);
    if (r < 0)
        return r; /* j->dirfd stays -1: an existing container is never touched */
    j->dirfd = r;
    j->st.id = strdup(j->id);
    j->st.created = lcont__state_now_rfc3339();
    j->st.owner = geteuid();
    j->st.status = LCONT_STATE_CREATING;
    j->st.annotations_json = annotations_json(j->spec);
    if (!j->st.id || !j->st.created)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    r = lcont__write_file_atomic_at(j->dirfd, LCONT_CONFIG_FILE, j->config_text, j->config_len,
                                    0600, false);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "save config of '%s'", j->id);

    r = lcont__cgroup_new(lx->cgroups_path, j->id, &j->cg, reterr);
    if (r < 0)
        return r;
    j->st.cgroup_path = strdup(lcont__cgroup_get_path(j->cg));
    if (!j->st.cgroup_path)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    /* two containers must never share a cgroup (same id under two state roots, say) */
    r = lcont__cgroup_has_processes(j->cg, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        j->cg = (lcont__cgroup_free(j->cg), NULL); /* not ours to destroy */
        return lcont__error_set(reterr, -EBUSY, "cgroup '%s' is in use by other processes",
                                j->st.cgroup_path);
    }
    /* recorded before anything exists, so delete --force can always find what to clean */
    r = lcont__state_write(j->dirfd, &j->st, reterr);
    if (r < 0)
        return r;
    j->cgroup_created = true;
    r = create_cgroup(j, reterr);
    if (r < 0)
        return r;

    lcont__log_debug(j->ctx, "create '%s': config, state and cgroup ready", j->id);
    r = lcont__rootfs_plan_new(j->spec, j->st.bundle, lx->namespaces[LCONT_NS_USER].present,
                               (j->flags & LCONT_CREATE_NO_PIVOT) ? LCONT_ROOTFS_NO_PIVOT : 0,
                               &j->rootfs, reterr);
    if (r < 0)
        return r;
    r = lcont__security_plan_new(j->spec, &j->security, reterr);
    if (r < 0)
        return r;
    /* world-writable like runc's: init reopens it through /proc/self/fd after dropping to the
     * container user; the 0700 state directory still keeps everyone else away */
    if (mkfifoat(j->dirfd, LCONT_EXEC_FIFO, 0622) < 0 ||
        fchmodat(j->dirfd, LCONT_EXEC_FIFO, 0622, 0) < 0)
        return lcont__error_setsys(reterr, -errno, "create exec fifo");
    j->fifo_fd = openat(j->dirfd, LCONT_EXEC_FIFO, O_PATH | O_CLOEXEC);
    if (j->fifo_fd < 0)
        return lcont__error_setsys(reterr, -errno, "open exec fifo");
    j->proc_fd = lcont__open_trusted_proc(reterr);
    if (j->proc_fd < 0)
        return j->proc_fd;
    r = open_namespaces(j, reterr);
    if (r < 0)
        return r;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, j->sock) < 0)
        return lcont__error_setsys(reterr, -errno, "socketpair");
    return 0;
}

static int run(struct create_job *j, lcont_error **reterr)
{
    const struct lcont_spec_linux *lx = &j->spec->linux_;
    struct lcont_child_plan plan;
    _cleanup_free_ char *hook_state = NULL;
    uint64_t new_flags = 0, clone_flags, enter_skip;
    bool any_join = false;
    int r;

    for (int t = 0; t < LCONT_NS_COUNT; t++) {
        if (j->join_fds[t] >= 0)
            any_join = true;
        if (lx->namespaces[t].present && !lx->namespaces[t].path)
            new_flags |= (uint64_t)lcont__spec_ns_clone_flag((enum lcont_ns_type)t);
    }

    memset(&plan, 0, sizeof(plan));
    plan.spec = j->spec;
    plan.sync_fd = j->sock[1];
    plan.proc_fd = j->proc_fd;
    plan.fifo_fd = j->fifo_fd;
    plan.close_fds[0] = j->dirfd;
    plan.close_fds[1] = j->rootfd;
    memcpy(plan.join_fds, j->join_fds, sizeof(plan.join_fds));
    plan.cgroup_join = &j->cg_join;
    /* cgroup and time namespaces are made by the child itself, at the right moment */
    new_flags &= ~(uint64_t)(CLONE_NEWCGROUP | CLONE_NEWTIME);
    if (any_join) {
        /* joins need our privileges: create the rest after them, in the child */
        clone_flags = new_flags & CLONE_NEWPID;
        plan.unshare_flags = (int)(new_flags & ~(uint64_t)CLONE_NEWPID);
    } else {
        clone_flags = new_flags;
    }
    plan.new_userns = (new_flags & CLONE_NEWUSER) != 0;
    /* an unprivileged parent can only write the id maps of a child it may open in /proc,
     * which a non-dumpable child's files are not (they belong to root) */
    plan.maps_need_dumpable = (new_flags & CLONE_NEWUSER) && geteuid() != 0;
    plan.new_cgroupns =
        lx->namespaces[LCONT_NS_CGROUP].present && !lx->namespaces[LCONT_NS_CGROUP].path;
    plan.new_timens = lx->namespaces[LCONT_NS_TIME].present && !lx->namespaces[LCONT_NS_TIME].path;
    plan.new_utsns = lx->namespaces[LCONT_NS_UTS].present && !lx->namespaces[LCONT_NS_UTS].path;
    for (int i = 0; i < 3; i++)
        plan.stdio[i] = -1;
    if (j->flags & LCONT_CREATE_STDIO) {
        plan.stdio[0] = j->opts.stdin_fd;
        plan.stdio[1] = j->opts.stdout_fd;
        plan.stdio[2] = j->opts.stderr_fd;
    }
    plan.preserve_fds = j->opts.preserve_fds;
    plan.preserved = j->preserved;
    plan.new_keyring = !(j->flags & LCONT_CREATE_NO_NEW_KEYRING);
    plan.path_env = env_path(j->spec->process->env);
    plan.notify_seccomp = lcont__security_plan_has_notify(j->security);
    plan.rootfs = j->rootfs;
    plan.security = j->security;

    enter_skip = (j->cgroup_clone_fd >= 0 ? LCONT_CGROUP_ENTER_SKIP_V2 : 0) |
                 (j->cg_join.n > 0 ? LCONT_CGROUP_ENTER_SKIP_V1 : 0);

    lcont__log_debug(j->ctx, "create '%s': prepared, cloning init", j->id);
    r = spawn_init(j, clone_flags, &plan, reterr);
    if (r < 0)
        return r;
    close_fd(&j->sock[1]);
    lcont__cgroup_join_close(&j->cg_join);
    j->st.pid_start_time = lcont__proc_start_time(j->st.pid, &(int){ 0 });
    r = lcont__state_write(j->dirfd, &j->st, reterr);
    if (r < 0)
        return r;
    if (plan.new_userns && !any_join) {
        r = write_id_maps(j, j->st.pid, reterr);
        if (r < 0)
            return r;
    }
    if (j->cg) {
        /* what clone3 and the child's own join (plan.cgroup_join) do not cover */
        r = lcont__cgroup_enter(j->cg, j->st.pid, enter_skip, reterr);
        if (r < 0)
            return r;
    }
    if (plan.unshare_flags & CLONE_NEWUSER) {
        r = serve_userns(j, reterr);
        if (r < 0)
            return r;
    }
    lcont__log_debug(j->ctx, "create '%s': init %d cloned", j->id, (int)j->st.pid);
    hook_state = lcont__state_to_oci_json(&j->st, LCONT_STATE_CREATING);
    if (!hook_state)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    r = lcont__sync_send(j->sock[0], LCONT_SYNC_PARENT_GO, 0, hook_state, strlen(hook_state), -1);
    if (r == -EMSGSIZE)
        return lcont__error_set(reterr, -E2BIG, "container state too large for hooks");
    if (r < 0)
        return child_vanished(j, reterr);
    r = converse(j, hook_state, reterr);
    if (r < 0)
        return r;
    lcont__log_debug(j->ctx, "create '%s': init is waiting for start", j->id);

    j->st.status = LCONT_STATE_CREATED;
    r = lcont__state_write(j->dirfd, &j->st, reterr);
    if (r < 0)
        return r;
    if (j->opts.pid_file)
        return write_pid_file(j->opts.pid_file, j->st.pid, reterr);
    return 0;
}

int lcont__container_create_impl(lcont_context *ctx, const char *id, const lcont_create_opts *o,
                                 uint64_t flags, lcont_container **ret, lcont_error **reterr)
{
    struct create_job *j = malloc(sizeof(*j));
    lcont_container *c;
    int r;

    if (!j)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    job_init(j);
    j->ctx = ctx;
    j->id = id;
    j->opts = *o;
    j->flags = flags;
    r = lcont__preserved_fds_snapshot(j->opts.preserve_fds, &j->preserved);
    if (r < 0)
        r = lcont__error_set(reterr, r, "out of memory");
    else
        r = prepare(j, reterr);
    if (r >= 0)
        r = run(j, reterr);
    if (r < 0) {
        if (j->sock[0] >= 0 && j->pidfd >= 0)
            lcont__sync_send(j->sock[0], LCONT_SYNC_ERROR, r, NULL, 0, -1);
        job_abort(j);
        job_free(j);
        free(j);
        return lcont__error_prefix(reterr, r, "create '%s'", id);
    }
    c = calloc(1, sizeof(*c));
    if (!c) {
        job_abort(j);
        job_free(j);
        free(j);
        return lcont__error_set(reterr, -ENOMEM, "create '%s': out of memory", id);
    }
    c->refs = 1;
    c->ctx = lcont_context_ref(ctx);
    c->state = j->st;
    memset(&j->st, 0, sizeof(j->st));
    c->init_pidfd = TAKE_FD(j->pidfd);
    lcont__log_debug(ctx, "created container '%s' (pid %d)", id, (int)c->state.pid);
    job_free(j);
    free(j);
    *ret = c;
    return 0;
}
