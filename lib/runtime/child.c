/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "runtime/child.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "core/childmsg.h"
#include "core/sys.h"
#include "runtime/child-common.h"
#include "runtime/console.h"
#include "runtime/hooks.h"
#include "runtime/rootfs.h"
#include "runtime/security.h"
#include "runtime/sync.h"

/* Scratch memory of the child, mmap'ed: the calling thread's stack may be small. */
struct child_mem {
    struct lcont_child_error err;
    char msg[LCONT_SYNC_MAX_PAYLOAD + 64];  /* one sync message */
    char state[LCONT_SYNC_MAX_PAYLOAD + 1]; /* OCI state JSON for hooks */
    size_t state_len;
    char exe[4096]; /* resolved executable */
};

/* Report @m->err to the parent (or stderr once the parent is gone) and exit. */
__attribute__((noreturn)) static void die(const struct lcont_child_plan *plan, struct child_mem *m,
                                          int parent_gone)
{
    if (!m->err.code)
        lcont__child_fail(&m->err, -EIO, "container init failed", NULL);
    if (!parent_gone) {
        lcont__sync_send(plan->sync_fd, LCONT_SYNC_ERROR, m->err.code, &m->err, sizeof(m->err), -1);
    } else {
        static const char prefix[] = "lcont: ";
        (void)!write(2, prefix, sizeof(prefix) - 1);
        (void)!write(2, m->err.msg, strnlen(m->err.msg, sizeof(m->err.msg)));
        (void)!write(2, "\n", 1);
    }
    _exit(m->err.code == -ENOENT ? 127 : m->err.code == -EACCES ? 126 : 1);
}

/* Wait for one message of @type from the parent; the parent may abort us instead. */
static int expect(const struct lcont_child_plan *plan, struct child_mem *m, uint32_t type)
{
    uint32_t got;
    int code;
    size_t len;
    int r = lcont__sync_recv(plan->sync_fd, m->msg, sizeof(m->msg), &got, &code, &len, NULL);

    if (r < 0)
        return lcont__child_fail(&m->err, r, "sync with parent: receive failed", NULL);
    if (got == LCONT_SYNC_ERROR)
        _exit(1); /* the parent gave up and reports the error itself */
    if (got != type)
        return lcont__child_fail(&m->err, -EPROTO, "sync with parent: unexpected message", NULL);
    if (type == LCONT_SYNC_PARENT_GO) {
        memcpy(m->state, m->msg + sizeof(struct lcont_sync_hdr), len);
        m->state[len] = '\0';
        m->state_len = len;
    }
    return 0;
}

static int send_and_wait(const struct lcont_child_plan *plan, struct child_mem *m, uint32_t type,
                         int fd)
{
    int r = lcont__sync_send(plan->sync_fd, type, 0, NULL, 0, fd);
    if (r < 0)
        return lcont__child_fail(&m->err, r, "sync with parent: send failed", NULL);
    return expect(plan, m, LCONT_SYNC_PARENT_ACK);
}

static int join_namespaces(const struct lcont_child_plan *plan, struct child_mem *m)
{
    /* user first: the other joins and the new namespaces need its capabilities */
    static const enum lcont_ns_type order[] = { LCONT_NS_USER, LCONT_NS_IPC,    LCONT_NS_UTS,
                                                LCONT_NS_NET,  LCONT_NS_CGROUP, LCONT_NS_TIME,
                                                LCONT_NS_MNT };

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        enum lcont_ns_type t = order[i];
        if (plan->join_fds[t] >= 0 && lcont__sys_setns(plan->join_fds[t], 0) < 0)
            return lcont__child_fail(&m->err, -errno, "join namespace",
                                     plan->spec->linux_.namespaces[t].path);
    }
    if (plan->unshare_flags && lcont__sys_unshare(plan->unshare_flags) < 0)
        return lcont__child_fail(&m->err, -errno, "unshare namespaces", NULL);
    return 0;
}

static int write_at_proc(const struct lcont_child_plan *plan, struct child_mem *m, const char *file,
                         const char *text)
{
    int fd = openat(plan->proc_fd, file, O_WRONLY | O_CLOEXEC);
    ssize_t len = (ssize_t)strlen(text);

    if (fd < 0)
        return lcont__child_fail(&m->err, -errno, "open /proc/", file);
    if (write(fd, text, (size_t)len) != len) {
        int e = errno ? -errno : -EIO;
        close(fd);
        return lcont__child_fail(&m->err, e, "write /proc/", file);
    }
    close(fd);
    return 0;
}

static void append_offset(char *buf, size_t size, const char *clock, int64_t secs, uint32_t nsecs)
{
    lcont__cm_append(buf, size, clock);
    lcont__cm_append(buf, size, " ");
    lcont__cm_append_int(buf, size, secs);
    lcont__cm_append(buf, size, " ");
    lcont__cm_append_int(buf, size, nsecs);
    lcont__cm_append(buf, size, "\n");
}

/* unshare(CLONE_NEWTIME) only affects children: set the offsets, then enter it ourselves. */
static int enter_new_timens(const struct lcont_child_plan *plan, struct child_mem *m)
{
    const struct lcont_spec_linux *lx = &plan->spec->linux_;
    char offsets[256] = "";
    int fd;

    if (lcont__sys_unshare(CLONE_NEWTIME) < 0)
        return lcont__child_fail(&m->err, -errno, "unshare time namespace", NULL);
    if (lx->has_time_offsets) {
        append_offset(offsets, sizeof(offsets), "monotonic", lx->monotonic_secs,
                      lx->monotonic_nsecs);
        append_offset(offsets, sizeof(offsets), "boottime", lx->boottime_secs, lx->boottime_nsecs);
        if (write_at_proc(plan, m, "self/timens_offsets", offsets) < 0)
            return m->err.code;
    }
    fd = openat(plan->proc_fd, "self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || lcont__sys_setns(fd, CLONE_NEWTIME) < 0) {
        int e = -errno;
        if (fd >= 0)
            close(fd);
        return lcont__child_fail(&m->err, e, "enter time namespace", NULL);
    }
    close(fd);
    return 0;
}

static int set_uts(const struct lcont_child_plan *plan, struct child_mem *m)
{
    const struct lcont_spec *s = plan->spec;

    if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
        return lcont__child_fail(&m->err, -errno, "set hostname", s->hostname);
    if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
        return lcont__child_fail(&m->err, -errno, "set domainname", s->domainname);
    return 0;
}

static int wait_for_start(const struct lcont_child_plan *plan, struct child_mem *m)
{
    char path[64] = "self/fd/";
    int fd;

    lcont__cm_append_int(path, sizeof(path), plan->fifo_fd);
    /* blocks until lcont_container_start() opens the fifo for reading */
    do
        fd = openat(plan->proc_fd, path, O_WRONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return lcont__child_fail(&m->err, -errno, "open exec fifo", NULL);
    if (write(fd, "0", 1) != 1) {
        close(fd);
        return lcont__child_fail(&m->err, -errno, "write exec fifo", NULL);
    }
    close(fd);
    close(plan->fifo_fd);
    return 0;
}

static int set_dumpable(struct child_mem *m, int on)
{
    if (prctl(PR_SET_DUMPABLE, on) < 0)
        return lcont__child_fail(&m->err, -errno, "prctl(PR_SET_DUMPABLE)", NULL);
    return 0;
}

void lcont__child_main(const struct lcont_child_plan *plan)
{
    const struct lcont_spec *spec = plan->spec;
    struct child_mem *m;
    bool dumpable_until_go;
    int listener = -1;

    lcont__child_reset_signals();
    for (size_t i = 0; i < sizeof(plan->close_fds) / sizeof(plan->close_fds[0]); i++)
        if (plan->close_fds[i] >= 0)
            close(plan->close_fds[i]);
    m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        _exit(1);
    m->err.code = 0;
    /*
     * Rootless with a user namespace from clone: the parent writes our id maps right away,
     * so stay dumpable until GO. Nothing of the container runs before, and in nothing but
     * our own new namespaces, only the same unprivileged user could ptrace us meanwhile.
     */
    dumpable_until_go = plan->maps_need_dumpable && !(plan->unshare_flags & CLONE_NEWUSER);
    /* die with the creator until the container is created; no /proc/pid/exe games meanwhile */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
        (!dumpable_until_go && prctl(PR_SET_DUMPABLE, 0) < 0)) {
        lcont__child_fail(&m->err, -errno, "prctl", NULL);
        die(plan, m, 0);
    }
    /* first: everything the container does from here on is accounted and limited */
    if (lcont__cgroup_join_child(plan->cgroup_join, &m->err) < 0)
        die(plan, m, 0);
    if (lcont__child_setup_stdio(plan->stdio, &m->err) < 0 || join_namespaces(plan, m) < 0)
        die(plan, m, 0);
    if (plan->unshare_flags & CLONE_NEWUSER) {
        /* joined namespaces may hold other processes: dumpable only while the parent writes
         * the maps (runc does the same) */
        if ((plan->maps_need_dumpable && set_dumpable(m, 1) < 0) ||
            send_and_wait(plan, m, LCONT_SYNC_CHILD_USERNS, -1) < 0 ||
            (plan->maps_need_dumpable && set_dumpable(m, 0) < 0))
            die(plan, m, 0);
    }
    if (expect(plan, m, LCONT_SYNC_PARENT_GO) < 0 || (dumpable_until_go && set_dumpable(m, 0) < 0))
        die(plan, m, 0);
    if (plan->new_userns) {
        /* become the namespace's root where it is mapped (rootless maps the caller to 0) */
        int r = lcont__sys_setresgid(0, 0, 0);
        if (r < 0 && r != -EINVAL)
            lcont__child_fail(&m->err, r, "setresgid(0) in user namespace", NULL);
        r = lcont__sys_setresuid(0, 0, 0);
        if (!m->err.code && r < 0 && r != -EINVAL)
            lcont__child_fail(&m->err, r, "setresuid(0) in user namespace", NULL);
        /* a credential change clears the parent-death signal: arm it again */
        if (!m->err.code && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
            lcont__child_fail(&m->err, -errno, "prctl(PR_SET_PDEATHSIG)", NULL);
        if (m->err.code)
            die(plan, m, 0);
    }
    if (setsid() < 0 && errno != EPERM) {
        lcont__child_fail(&m->err, -errno, "setsid", NULL);
        die(plan, m, 0);
    }
    /* after joining the cgroup (v1 above, the rest by the parent before GO), so the
     * namespace root is the container's */
    if (plan->new_cgroupns && lcont__sys_unshare(CLONE_NEWCGROUP) < 0) {
        lcont__child_fail(&m->err, -errno, "unshare cgroup namespace", NULL);
        die(plan, m, 0);
    }
    /* the host's session keyring must not be reachable from the container */
    if (plan->new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0L) < 0 &&
        errno != ENOSYS) {
        lcont__child_fail(&m->err, -errno, "join a new session keyring", NULL);
        die(plan, m, 0);
    }
    if ((plan->new_timens && enter_new_timens(plan, m) < 0) ||
        (plan->new_utsns && set_uts(plan, m) < 0))
        die(plan, m, 0);
    if (lcont__rootfs_prepare_child(plan->rootfs, &m->err) < 0)
        die(plan, m, 0);
    if (send_and_wait(plan, m, LCONT_SYNC_CHILD_HOOKS, -1) < 0)
        die(plan, m, 0);
    if (lcont__hooks_run(&spec->hooks, LCONT_HOOK_CREATE_CONTAINER, m->state, m->state_len,
                         &m->err) < 0)
        die(plan, m, 0);
    if (lcont__rootfs_finalize_child(plan->rootfs, &m->err) < 0 ||
        lcont__limits_apply_child(plan->security, plan->proc_fd, &m->err) < 0)
        die(plan, m, 0);
    if (spec->process->terminal) {
        int master = -1;
        if (lcont__console_setup_child(spec->process->console_height, spec->process->console_width,
                                       true, &master, &m->err) < 0 ||
            send_and_wait(plan, m, LCONT_SYNC_CHILD_CONSOLE, master) < 0)
            die(plan, m, 0);
        close(master);
    }
    if (lcont__child_enter_cwd(plan->spec->process->cwd, &m->err) < 0 ||
        lcont__child_resolve_executable(plan->spec->process->args[0], plan->path_env, m->exe,
                                        sizeof(m->exe), &m->err) < 0)
        die(plan, m, 0);
    /* the parent must forward a notify listener, so install seccomp while it is here */
    if (plan->notify_seccomp) {
        if (lcont__security_apply_child(plan->security, &listener, &m->err) < 0)
            die(plan, m, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* the uid switch cleared it */
        if (send_and_wait(plan, m, LCONT_SYNC_CHILD_SECCOMP, listener) < 0)
            die(plan, m, 0);
        close(listener);
    }
    /* The creator may exit as soon as it reads READY (lcont-run create does), so stop dying
     * with it first. If it is already gone, the send fails (EPIPE) and we exit. */
    prctl(PR_SET_PDEATHSIG, 0);
    if (lcont__sync_send(plan->sync_fd, LCONT_SYNC_CHILD_READY, 0, NULL, 0, -1) < 0)
        _exit(1);
    close(plan->sync_fd);

    if (wait_for_start(plan, m) < 0)
        die(plan, m, 1);
    if (lcont__hooks_run(&spec->hooks, LCONT_HOOK_START_CONTAINER, m->state, m->state_len,
                         &m->err) < 0)
        die(plan, m, 1);
    if (!plan->notify_seccomp &&
        lcont__security_apply_child(plan->security, &listener, &m->err) < 0)
        die(plan, m, 1);
    if (lcont__child_prepare_exec_fds(plan->preserve_fds, plan->preserved, &m->err) < 0)
        die(plan, m, 1);
    execve(m->exe, spec->process->args,
           spec->process->env ? spec->process->env : (char *[]){ NULL });
    lcont__child_fail(&m->err, -errno, "exec", m->exe);
    die(plan, m, 1);
}
