/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec, pause/resume, update, stats, pids and the OOM fd on real containers: a busybox
 * init runs in real namespaces and cgroups, the tests exec into it and check from inside
 * and from the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <lcont/lcont.h>

#include "bundle.h"

#define xsnprintf(buf, ...) \
    assert_true((size_t)snprintf(buf, sizeof(buf), __VA_ARGS__) < sizeof(buf))

static struct test_bundle B;
static lcont_context *ctx;

/* Ids carry our pid: the default cgroup /lcont/<id> must not clash with a parallel run. */
static const char *ID(const char *name)
{
    static char bufs[4][128];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof(bufs[0]), "ex-%s-%d", name, (int)getpid());
    return b;
}

static void fail_with(const char *what, lcont_error *err)
{
    fail_msg("%s: %s", what, lcont_error_message(err));
}

static int setup(void **state)
{
    lcont_context_opts o = LCONT_CONTEXT_OPTS_INIT;
    (void)state;
    bundle_new(&B, "exec");
    o.state_root = B.root;
    assert_int_equal(lcont_context_new(&o, 0, &ctx, NULL), 0);
    return 0;
}

static int teardown(void **state)
{
    char **ids = NULL;
    (void)state;
    if (lcont_container_list(ctx, 0, &ids, NULL) == 0) {
        for (char **id = ids; *id; id++) {
            lcont_container *c = NULL;
            if (lcont_container_load(ctx, *id, 0, &c, NULL) == 0) {
                lcont_container_resume(c, 0, NULL); /* a failed pause test */
                lcont_container_delete(c, LCONT_DELETE_FORCE, NULL);
            }
            lcont_container_unref(c);
        }
        lcont_strv_free(ids);
    }
    ctx = lcont_context_unref(ctx);
    bundle_free(&B);
    return 0;
}

/* Create and start a container running @script, its stdio on /dev/null. */
static lcont_container *start(const char *id, const char *script)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

    assert_true(devnull >= 0);
    bundle_set_script(&B, script);
    bundle_write_config(&B);
    o.bundle = B.dir;
    o.stdin_fd = o.stdout_fd = o.stderr_fd = devnull;
    if (lcont_container_create(ctx, id, &o, LCONT_CREATE_STDIO, &c, &err) < 0)
        fail_with("create", err);
    if (lcont_container_start(c, 0, &err) < 0)
        fail_with("start", err);
    close(devnull);
    return c;
}

static void finish(lcont_container *c)
{
    lcont_error *err = NULL;
    if (lcont_container_delete(c, LCONT_DELETE_FORCE, &err) < 0)
        fail_with("delete", err);
    lcont_container_unref(c);
}

/* Exec with stdout+stderr on a pipe; returns the exit status, output in @out. */
static int exec_capture(lcont_container *c, const char *process_json, lcont_exec_opts *o,
                        uint64_t flags, char *out, size_t outsize)
{
    lcont_process *p = NULL;
    lcont_error *err = NULL;
    int pipefd[2], devnull, status = -1;
    size_t len = 0;
    ssize_t n;

    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    o->stdin_fd = devnull;
    o->stdout_fd = o->stderr_fd = pipefd[1];
    if (lcont_container_exec(c, process_json, o, flags | LCONT_EXEC_STDIO, &p, &err) < 0)
        fail_with("exec", err);
    close(pipefd[1]);
    close(devnull);
    while ((n = read(pipefd[0], out + len, outsize - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(pipefd[0]);
    assert_int_equal(lcont_process_wait(p, 0, &status, NULL), 0);
    lcont_process_unref(p);
    return status;
}

static int exec_script(lcont_container *c, const char *script, char *out, size_t outsize)
{
    lcont_exec_opts o = LCONT_EXEC_OPTS_INIT;
    const char *args[] = { "sh", "-c", script, NULL };
    o.args = args;
    return exec_capture(c, NULL, &o, 0, out, outsize);
}

static const char *link_of(const char *path)
{
    static char buf[4][128];
    static int next;
    char *b = buf[next++ % 4];
    ssize_t n = readlink(path, b, sizeof(buf[0]) - 1);
    assert_true(n > 0);
    b[n] = '\0';
    return b;
}

static void test_exec_joins_namespaces(void **state)
{
    lcont_container *c = start(ID("ns"), "sleep 1000");
    pid_t init = lcont_container_get_pid(c);
    static const char *const kinds[] = { "pid", "mnt", "net", "uts", "ipc" };
    char out[4096], path[128];
    (void)state;

    assert_int_equal(exec_script(c,
                                 "for n in pid mnt net uts ipc; do readlink /proc/self/ns/$n; "
                                 "done; echo pid=$$; hostname; cat /proc/1/cmdline; echo",
                                 out, sizeof(out)),
                     0);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        xsnprintf(path, "/proc/%d/ns/%s", (int)init, kinds[i]);
        /* the container's namespace, not ours */
        assert_non_null(strstr(out, link_of(path)));
        xsnprintf(path, "/proc/self/ns/%s", kinds[i]);
        assert_null(strstr(out, link_of(path)));
    }
    /* numbered inside the container's pid namespace, where the init is 1 */
    assert_null(strstr(out, "pid=1\n"));
    assert_non_null(strstr(out, "pid="));
    assert_true(atoi(strstr(out, "pid=") + 4) > 1 && atoi(strstr(out, "pid=") + 4) < 100);
    assert_non_null(strstr(out, "lcont-test\n"));
    assert_non_null(strstr(out, "sleep"));
    finish(c);
}

/* A container with its own user namespace: the exec joins it and is mapped like the init. */
static void test_exec_user_namespace(void **state)
{
    lcont_container *c;
    cJSON *ns;
    char out[1024], path[128];
    (void)state;

    ns = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(B.config, "linux"),
                                          "namespaces");
    cJSON_AddItemToArray(ns, cJSON_Parse("{\"type\":\"user\"}"));
    bundle_set(&B, "linux", "uidMappings",
               cJSON_Parse("[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]"));
    bundle_set(&B, "linux", "gidMappings",
               cJSON_Parse("[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]"));
    c = start(ID("userns"), "sleep 1000");
    assert_int_equal(exec_script(c, "cat /proc/self/uid_map; id -u; readlink /proc/self/ns/user",
                                 out, sizeof(out)),
                     0);
    assert_non_null(strstr(out, "100000"));
    assert_non_null(strstr(out, "\n0\n"));
    xsnprintf(path, "/proc/%d/ns/user", (int)lcont_container_get_pid(c));
    assert_non_null(strstr(out, link_of(path)));
    finish(c);
}

/* Without pivot_root the container's root is a mount moved over "/": the exec must still
 * land in it (setns into the mount namespace looks through the mounts on its root). */
static void test_exec_no_pivot_root(void **state)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    char out[1024], path[512];
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC), fd;
    (void)state;

    xsnprintf(path, "%s/rootfs/i-am-the-rootfs", B.dir);
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    close(fd);
    bundle_set_script(&B, "sleep 1000");
    bundle_write_config(&B);
    o.bundle = B.dir;
    o.stdin_fd = o.stdout_fd = o.stderr_fd = devnull;
    if (lcont_container_create(ctx, ID("nopivot"), &o, LCONT_CREATE_STDIO | LCONT_CREATE_NO_PIVOT,
                               &c, &err) < 0)
        fail_with("create", err);
    if (lcont_container_start(c, 0, &err) < 0)
        fail_with("start", err);
    close(devnull);
    assert_int_equal(exec_script(c, "ls /", out, sizeof(out)), 0);
    assert_non_null(strstr(out, "i-am-the-rootfs"));
    finish(c);
}

static void test_exec_cwd_env_user(void **state)
{
    lcont_container *c = start(ID("user"), "sleep 1000");
    lcont_exec_opts o = LCONT_EXEC_OPTS_INIT;
    const char *args[] = { "sh", "-c", "pwd; echo FOO=$FOO; echo PATH=$PATH; id", NULL };
    const char *env[] = { "FOO=bar", "PATH=/bin", NULL };
    const gid_t gids[] = { 5, 6 };
    char out[4096];
    (void)state;

    o.args = args;
    o.env = env;
    o.cwd = "/tmp";
    o.uid = 1000;
    o.gid = 1001;
    o.additional_gids = gids;
    o.n_additional_gids = 2;
    assert_int_equal(exec_capture(c, NULL, &o, LCONT_EXEC_USER, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "/tmp\n"));
    assert_non_null(strstr(out, "FOO=bar\n"));
    /* PATH replaced, not appended after the config's */
    assert_non_null(strstr(out, "PATH=/bin\n"));
    assert_non_null(strstr(out, "uid=1000 gid=1001 groups=5,6"));
    /* a cwd that does not exist fails the exec, cleanly */
    o.cwd = "/nonexistent";
    {
        lcont_process *p = NULL;
        lcont_error *err = NULL;
        assert_int_equal(lcont_container_exec(c, NULL, &o, 0, &p, &err), -ENOENT);
        assert_non_null(strstr(lcont_error_message(err), "/nonexistent"));
        lcont_error_free(err);
        assert_null(p);
    }
    finish(c);
}

static void test_exec_caps_and_no_new_privs(void **state)
{
    lcont_container *c = start(ID("caps"), "sleep 1000");
    lcont_exec_opts o = LCONT_EXEC_OPTS_INIT;
    const char *args[] = { "grep", "-E", "^(CapEff|CapBnd|NoNewPrivs)", "/proc/self/status", NULL };
    const char *caps[] = { "CAP_SYS_ADMIN", NULL };
    char out[4096];
    (void)state;

    o.args = args;
    /* the config's: CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE */
    assert_int_equal(exec_capture(c, NULL, &o, 0, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "CapEff:\t0000000020000420"));
    assert_non_null(strstr(out, "CapBnd:\t0000000020000420"));
    /* runc exec --cap adds to bounding, effective and permitted */
    o.caps = caps;
    assert_int_equal(exec_capture(c, NULL, &o, LCONT_EXEC_NO_NEW_PRIVS, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "CapEff:\t0000000020200420"));
    assert_non_null(strstr(out, "NoNewPrivs:\t1"));
    finish(c);
}

static void test_exec_seccomp_applied(void **state)
{
    lcont_container *c;
    char out[4096];
    (void)state;

    bundle_set(&B, "linux", "seccomp",
               cJSON_Parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                           "[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":"
                           "1}]}"));
    c = start(ID("seccomp"), "sleep 1000");
    assert_int_equal(exec_script(c,
                                 "mkdir /tmp/denied 2>&1; echo rc=$?; grep Seccomp: "
                                 "/proc/self/status",
                                 out, sizeof(out)),
                     0);
    assert_non_null(strstr(out, "rc=1"));
    assert_non_null(strstr(out, "Operation not permitted"));
    assert_non_null(strstr(out, "Seccomp:\t2"));
    finish(c);
}

static void test_exec_exit_status_and_process_json(void **state)
{
    lcont_container *c = start(ID("status"), "sleep 1000");
    lcont_exec_opts o = LCONT_EXEC_OPTS_INIT;
    lcont_process *p = NULL;
    lcont_error *err = NULL;
    char out[1024];
    (void)state;

    assert_int_equal(exec_script(c, "exit 7", out, sizeof(out)), 7);
    assert_int_equal(exec_script(c, "kill -9 $$", out, sizeof(out)), 128 + 9);
    /* runc exec --process: the whole process from JSON */
    assert_int_equal(exec_capture(c,
                                  "{\"args\":[\"sh\",\"-c\",\"echo $X; pwd; exit 3\"],"
                                  "\"env\":[\"X=from-json\"],\"cwd\":\"/etc\","
                                  "\"user\":{\"uid\":0,\"gid\":0}}",
                                  &o, 0, out, sizeof(out)),
                     3);
    assert_non_null(strstr(out, "from-json\n/etc\n"));
    /* a bad document names the field and starts nothing */
    assert_int_equal(lcont_container_exec(c, "{\"args\":[],\"cwd\":\"/\"}", NULL, 0, &p, &err),
                     -EINVAL);
    assert_non_null(strstr(lcont_error_message(err), "process.args"));
    lcont_error_free(err);
    err = NULL;
    /* a missing executable: -ENOENT with runc's words, nothing left in the cgroup */
    {
        const char *args[] = { "no-such-binary", NULL };
        pid_t *pids = NULL;
        size_t n = 0;
        o.args = args;
        assert_int_equal(lcont_container_exec(c, NULL, &o, 0, &p, &err), -ENOENT);
        assert_non_null(strstr(lcont_error_message(err), "executable file not found"));
        lcont_error_free(err);
        assert_int_equal(lcont_container_get_pids(c, 0, &pids, &n, NULL), 0);
        assert_int_equal(n, 1);
        assert_int_equal(pids[0], lcont_container_get_pid(c));
        lcont_free(pids);
    }
    finish(c);
}

/* preserve_fds beyond what the caller has open must not hand over any fd of the library
 * (state directory, cgroup, namespaces, procfs, pidfd, sync socket): CVE-2024-21626's class. */
static void test_exec_preserve_fds_leaks_nothing(void **state)
{
    lcont_container *c = start(ID("fds"), "sleep 1000");
    lcont_exec_opts o = LCONT_EXEC_OPTS_INIT;
    const char *args[] = { "sh", "-c",
                           "for f in /proc/self/fd/*; do echo \"$f $(readlink $f)\"; done", NULL };
    char out[8192];
    (void)state;

    o.args = args;
    o.preserve_fds = 60;
    assert_int_equal(exec_capture(c, NULL, &o, 0, out, sizeof(out)), 0);
    assert_null(strstr(out, "cgroup"));
    /* namespaces, pidfds, the sync socket (the test's own pipes are passed on purpose) */
    assert_null(strstr(out, "pid:["));
    assert_null(strstr(out, "mnt:["));
    assert_null(strstr(out, "net:["));
    assert_null(strstr(out, "pidfd"));
    assert_null(strstr(out, "socket:["));
    assert_null(strstr(out, B.dir)); /* the state directory */
    assert_null(strstr(out, " /proc\n"));
    finish(c);
}

static int recv_fd(int sock)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    char name[256];
    struct iovec iov = { name, sizeof(name) };
    struct msghdr msg = { .msg_iov = &iov,
                          .msg_iovlen = 1,
                          .msg_control = control.buf,
                          .msg_controllen = sizeof(control.buf) };
    int fd = -1;

    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
        return -1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
        if (cm->cmsg_type == SCM_RIGHTS)
            memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    return fd;
}

static void test_exec_tty_console_socket(void **state)
{
    lcont_container *c = start(ID("tty"), "sleep 1000");
    lcont_exec_opts o = LCONT_EXEC_OPTS_INIT;
    const char *args[] = { "sh", "-c", "tty; echo hello-from-exec-tty", NULL };
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    lcont_process *p = NULL;
    lcont_error *err = NULL;
    char buf[4096];
    size_t len = 0;
    ssize_t n;
    int listener, conn, master, status;
    (void)state;

    listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    xsnprintf(addr.sun_path, "%s/console.sock", B.dir);
    assert_int_equal(bind(listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(listener, 1), 0);
    o.args = args;
    assert_int_equal(lcont_container_exec(c, NULL, &o, LCONT_EXEC_TERMINAL, &p, NULL), -EINVAL);
    o.console_socket = addr.sun_path;
    if (lcont_container_exec(c, NULL, &o, LCONT_EXEC_TERMINAL, &p, &err) < 0)
        fail_with("exec", err);
    conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    assert_true(conn >= 0);
    master = recv_fd(conn);
    assert_true(master >= 0);
    assert_true(isatty(master));
    while ((n = read(master, buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    assert_non_null(strstr(buf, "/dev/pts/"));
    assert_non_null(strstr(buf, "hello-from-exec-tty"));
    assert_int_equal(lcont_process_wait(p, 0, &status, NULL), 0);
    assert_int_equal(status, 0);
    lcont_process_unref(p);
    close(master);
    close(conn);
    close(listener);
    finish(c);
}

/* Detached: the caller gets a pidfd to poll and a pid file, and waits when it likes. */
static void test_exec_detached_pidfd_wait(void **state)
{
    lcont_container *c = start(ID("detach"), "sleep 1000");
    lcont_exec_opts o = LCONT_EXEC_OPTS_INIT;
    const char *args[] = { "sleep", "1000", NULL };
    struct pollfd pfd;
    lcont_process *p = NULL;
    lcont_error *err = NULL;
    pid_t *pids = NULL;
    size_t n = 0;
    char pidfile[512], text[32];
    int status, found = 0;
    (void)state;

    xsnprintf(pidfile, "%s/exec.pid", B.dir);
    o.args = args;
    o.pid_file = pidfile;
    if (lcont_container_exec(c, NULL, &o, 0, &p, &err) < 0)
        fail_with("exec", err);
    xsnprintf(text, "%d", (int)lcont_process_get_pid(p));
    assert_string_equal(read_text(pidfile), text);
    /* it runs in the container's cgroup */
    assert_int_equal(lcont_container_get_pids(c, 0, &pids, &n, NULL), 0);
    for (size_t i = 0; i < n; i++)
        found += pids[i] == lcont_process_get_pid(p);
    assert_int_equal(found, 1);
    lcont_free(pids);
    pfd = (struct pollfd){ lcont_process_get_pidfd(p), POLLIN, 0 };
    assert_int_equal(poll(&pfd, 1, 0), 0);
    assert_int_equal(lcont_process_wait(p, LCONT_WAIT_NOHANG, &status, NULL), -EAGAIN);
    assert_int_equal(lcont_process_signal(p, SIGTERM, 0, NULL), 0);
    assert_int_equal(poll(&pfd, 1, -1), 1);
    assert_int_equal(lcont_process_wait(p, 0, &status, NULL), 0);
    assert_int_equal(status, 128 + SIGTERM);
    lcont_process_unref(p);
    finish(c);
}

static void test_exec_refused_when_stopped_or_paused(void **state)
{
    lcont_container *c = start(ID("stopped"), "exit 0");
    lcont_exec_opts o = LCONT_EXEC_OPTS_INIT;
    const char *args[] = { "true", NULL };
    lcont_process *p = NULL, *init = NULL;
    lcont_error *err = NULL;
    (void)state;

    o.args = args;
    assert_int_equal(lcont_container_get_init_process(c, 0, &init, NULL), 0);
    assert_int_equal(lcont_process_wait(init, 0, NULL, NULL), 0);
    lcont_process_unref(init);
    assert_int_equal(lcont_container_exec(c, NULL, &o, 0, &p, &err), -ESRCH);
    assert_non_null(strstr(lcont_error_message(err), "stopped"));
    lcont_error_free(err);
    err = NULL;
    assert_null(p);
    assert_int_equal(lcont_container_pause(c, 0, NULL), -EBUSY);
    finish(c);

    c = start(ID("paused"), "sleep 1000");
    assert_int_equal(lcont_container_pause(c, 0, NULL), 0);
    assert_int_equal(lcont_container_exec(c, NULL, &o, 0, &p, &err), -EBUSY);
    assert_non_null(strstr(lcont_error_message(err), "paused"));
    lcont_error_free(err);
    assert_int_equal(lcont_container_resume(c, 0, NULL), 0);
    finish(c);
}

/* The counter file of the init script, read from the host through the rootfs. */
static const char *counter(void)
{
    static char path[512], value[64];
    xsnprintf(path, "%s/rootfs/tmp/counter", B.dir);
    xsnprintf(value, "%s", read_text(path));
    return value;
}

static void test_pause_resume(void **state)
{
    lcont_container *c =
        start(ID("pause"), "i=0; while :; do i=$((i+1)); echo $i >/tmp/counter.new; "
                           "mv /tmp/counter.new /tmp/counter; done");
    char *json = NULL, before[64];
    (void)state;

    while (!counter()[0])
        usleep(1000); /* the loop runs */
    assert_int_equal(lcont_container_pause(c, 0, NULL), 0);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_PAUSED);
    assert_int_equal(lcont_container_get_state_json(c, 0, &json, NULL), 0);
    {
        cJSON *doc = cJSON_Parse(json);
        assert_string_equal(cJSON_GetObjectItem(doc, "status")->valuestring, "paused");
        cJSON_Delete(doc);
    }
    lcont_free(json);
    /* another handle sees it too (state.json), and pausing twice is refused */
    {
        lcont_container *again = NULL;
        assert_int_equal(lcont_container_load(ctx, ID("pause"), 0, &again, NULL), 0);
        assert_int_equal(lcont_container_get_status(again, 0, NULL), LCONT_STATUS_PAUSED);
        assert_int_equal(lcont_container_pause(again, 0, NULL), -EBUSY);
        lcont_container_unref(again);
    }
    /* frozen: no progress at all, however long we look */
    xsnprintf(before, "%s", counter());
    usleep(200 * 1000);
    assert_string_equal(counter(), before);
    assert_int_equal(lcont_container_resume(c, 0, NULL), 0);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_RUNNING);
    assert_int_equal(lcont_container_resume(c, 0, NULL), -EBUSY);
    while (strcmp(counter(), before) == 0)
        usleep(1000); /* progress again (the test's timeout bounds this) */
    finish(c);
}

/* SIGKILL reaches a paused container's init (a v1 freezer holds even dying tasks: the
 * runtime thaws, as runc's does); other signals wait for resume. */
static void test_kill_paused(void **state)
{
    lcont_container *c = start(ID("killpaused"), "trap 'echo term >/tmp/got' TERM; "
                                                 "while :; do sleep 1 & wait; done");
    lcont_process *init = NULL;
    char path[512];
    int status;
    (void)state;

    assert_int_equal(lcont_container_get_init_process(c, 0, &init, NULL), 0);
    assert_int_equal(lcont_container_pause(c, 0, NULL), 0);
    assert_int_equal(lcont_container_kill(c, SIGTERM, 0, NULL), 0);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_PAUSED);
    assert_int_equal(lcont_container_kill(c, SIGKILL, 0, NULL), 0);
    assert_int_equal(lcont_process_wait(init, 0, &status, NULL), 0);
    assert_int_equal(status, 128 + SIGKILL);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_STOPPED);
    /* the TERM stayed pending while frozen and died with the init */
    xsnprintf(path, "%s/rootfs/tmp/got", B.dir);
    assert_int_equal(access(path, F_OK), -1);
    lcont_process_unref(init);
    finish(c);
}

/* The memory limit file of container @id's cgroup (v1 memory controller or v2). */
static const char *memory_limit(const char *id)
{
    static char path[512];
    xsnprintf(path, "/sys/fs/cgroup/memory/lcont/%s/memory.limit_in_bytes", id);
    if (access(path, F_OK) == 0)
        return read_text(path);
    xsnprintf(path, "/sys/fs/cgroup/lcont/%s/memory.max", id);
    return read_text(path);
}

static void test_update_memory_and_pids(void **state)
{
    lcont_container *c = start(ID("update"), "sleep 1000");
    lcont_error *err = NULL;
    (void)state;

    if (lcont_container_update(c, "{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":42}}", 0,
                               &err) < 0)
        fail_with("update", err);
    assert_string_equal(memory_limit(ID("update")), "67108864\n");
    /* only what is set changes */
    assert_int_equal(lcont_container_update(c, "{\"memory\":{\"limit\":33554432}}", 0, NULL), 0);
    assert_string_equal(memory_limit(ID("update")), "33554432\n");
    /* a bad document changes nothing and names the field */
    assert_int_equal(lcont_container_update(c, "{\"memory\":{\"limit\":\"lots\"}}", 0, &err),
                     -EINVAL);
    assert_non_null(strstr(lcont_error_message(err), "memory.limit"));
    lcont_error_free(err);
    assert_string_equal(memory_limit(ID("update")), "33554432\n");
    {
        char *json = NULL;
        cJSON *doc, *pids;
        assert_int_equal(lcont_container_get_stats_json(c, 0, &json, NULL), 0);
        doc = cJSON_Parse(json);
        pids = cJSON_GetObjectItem(doc, "pids");
        assert_int_equal(cJSON_GetObjectItem(pids, "limit")->valueint, 42);
        cJSON_Delete(doc);
        lcont_free(json);
    }
    finish(c);
}

static double member(cJSON *doc, const char *a, const char *b, const char *c)
{
    cJSON *n = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, a), b), c);
    assert_non_null(n);
    return n->valuedouble;
}

static void test_stats_and_pids(void **state)
{
    lcont_container *c = start(ID("stats"), "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; "
                                            "sleep 1000");
    lcont_exec_opts o = LCONT_EXEC_OPTS_INIT;
    const char *args[] = { "sleep", "1000", NULL };
    lcont_process *p = NULL;
    char *json = NULL;
    pid_t *pids = NULL;
    size_t n = 0;
    cJSON *doc;
    (void)state;

    o.args = args;
    assert_int_equal(lcont_container_exec(c, NULL, &o, 0, &p, NULL), 0);
    assert_int_equal(lcont_container_get_pids(c, 0, &pids, &n, NULL), 0);
    /* init (and its sleep child, once the loop is over) and ours, sorted */
    assert_true(n >= 2);
    for (size_t i = 1; i < n; i++)
        assert_true(pids[i - 1] < pids[i]);
    lcont_free(pids);
    assert_int_equal(lcont_container_get_stats_json(c, 0, &json, NULL), 0);
    doc = cJSON_Parse(json);
    assert_non_null(doc);
    assert_true(member(doc, "cpu", "usage", "total") > 0);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "cpu"), "throttling"));
    assert_true(member(doc, "memory", "usage", "usage") > 0);
    assert_true(member(doc, "memory", "raw", "oom_kill") == 0);
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "pids"), "current")->valuedouble >= 2);
    assert_non_null(cJSON_GetObjectItem(doc, "blkio"));
    assert_non_null(cJSON_GetObjectItem(doc, "hugetlb"));
    /* runc's breakdown: per CPU where cpuacct is a v1 controller, hugetlb by page size */
    if (access("/sys/fs/cgroup/cpuacct", F_OK) == 0) {
        cJSON *percpu = cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "cpu"), "usage"), "percpu");
        assert_int_equal(cJSON_GetArraySize(percpu), sysconf(_SC_NPROCESSORS_CONF));
    }
    /* (where a hugetlb controller is there at all: not on plain v1 here) */
    if (cJSON_GetArraySize(cJSON_GetObjectItem(doc, "hugetlb")) > 0 &&
        access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) == 0)
        assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "hugetlb"), "2MB"));
    cJSON_Delete(doc);
    lcont_free(json);
    lcont_process_signal(p, SIGKILL, 0, NULL);
    lcont_process_wait(p, 0, NULL, NULL);
    lcont_process_unref(p);
    finish(c);
}

/* An exec'd process that outgrows memory.limit is OOM-killed; the OOM fd wakes up. */
static void test_oom_fd(void **state)
{
    lcont_container *c;
    char out[1024], *json = NULL;
    struct pollfd pfd;
    cJSON *doc;
    int fd, status;
    (void)state;

    bundle_set(&B, "linux", "resources",
               cJSON_Parse("{\"memory\":{\"limit\":16777216,\"swap\":16777216}}"));
    c = start(ID("oom"), "sleep 1000");
    fd = lcont_container_open_oom_fd(c, 0, NULL);
    assert_true(fd >= 0);
    /* busybox dd allocates its block in one piece */
    status = exec_script(c, "dd if=/dev/zero of=/dev/null bs=64M count=1", out, sizeof(out));
    assert_int_equal(status, 128 + SIGKILL);
    pfd = (struct pollfd){ fd, POLLIN | POLLPRI, 0 };
    assert_int_equal(poll(&pfd, 1, 10000), 1);
    assert_int_equal(lcont_container_get_stats_json(c, 0, &json, NULL), 0);
    doc = cJSON_Parse(json);
    assert_true(member(doc, "memory", "raw", "oom_kill") >= 1);
    cJSON_Delete(doc);
    lcont_free(json);
    close(fd);
    finish(c);
}

static void test_exec_opts_abi(void **state)
{
    lcont_exec_opts o;
    lcont_container *c = start(ID("abi"), "sleep 1000");
    lcont_process *p = NULL;
    const char *args[] = { "true", NULL };
    (void)state;

    assert_int_equal(lcont_exec_opts_init(&o, sizeof(o)), 0);
    assert_int_equal(o.struct_size, sizeof(o));
    assert_int_equal(lcont_exec_opts_init(&o, 8), -EINVAL);
    o.args = args;
    assert_int_equal(lcont_container_exec(c, NULL, &o, 1ULL << 40, &p, NULL), -EINVAL);
    o.struct_size = 8;
    assert_int_equal(lcont_container_exec(c, NULL, &o, 0, &p, NULL), -EINVAL);
    assert_int_equal(lcont_container_exec(c, NULL, NULL, 0, &p, NULL), -EINVAL);
    assert_null(p);
    finish(c);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exec_joins_namespaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_user_namespace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_no_pivot_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_cwd_env_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_caps_and_no_new_privs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_seccomp_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_exit_status_and_process_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_preserve_fds_leaks_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_tty_console_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_detached_pidfd_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_refused_when_stopped_or_paused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_paused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_memory_and_pids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_and_pids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oom_fd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_opts_abi, setup, teardown),
    };
    (void)argc;
    (void)argv;
    if (geteuid() != 0)
        return 77;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
