/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Real containers through the public API: every test builds a busybox bundle,
 * runs it in real namespaces and cgroups, and checks from inside.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <lcont/lcont.h>

#include "bundle.h"

/* snprintf that fails the test instead of silently truncating a path */
#define xsnprintf(buf, ...) \
    assert_true((size_t)snprintf(buf, sizeof(buf), __VA_ARGS__) < sizeof(buf))

static struct test_bundle B;
static lcont_context *ctx;

/* Container ids carry our pid: the default cgroup /lcont/<id> must not clash with a parallel run. */
static const char *ID(const char *name)
{
    static char bufs[4][128];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof(bufs[0]), "%s-%d", name, (int)getpid());
    return b;
}

/* Whether the container's default cgroup still exists in some hierarchy. */
static int cgroup_left(const char *name)
{
    static const char *const roots[] = { "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids",
                                         "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
    char path[512];
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        xsnprintf(path, "%s/lcont/%s", roots[i], ID(name));
        if (access(path, F_OK) == 0)
            return 1;
    }
    return 0;
}

static int setup(void **state)
{
    lcont_context_opts o = LCONT_CONTEXT_OPTS_INIT;
    (void)state;
    bundle_new(&B, "rt");
    o.state_root = B.root;
    assert_int_equal(lcont_context_new(&o, 0, &ctx, NULL), 0);
    return 0;
}

static int teardown(void **state)
{
    char **ids = NULL;
    (void)state;
    /* a failed test must not leave containers running */
    if (lcont_container_list(ctx, 0, &ids, NULL) == 0) {
        for (char **id = ids; *id; id++) {
            lcont_container *c = NULL;
            if (lcont_container_load(ctx, *id, 0, &c, NULL) == 0)
                lcont_container_delete(c, LCONT_DELETE_FORCE, NULL);
            lcont_container_unref(c);
        }
        lcont_strv_free(ids);
    }
    ctx = lcont_context_unref(ctx);
    bundle_free(&B);
    return 0;
}

static void add_namespace(const char *json)
{
    cJSON *ns = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(B.config, "linux"), "namespaces");
    cJSON_AddItemToArray(ns, cJSON_Parse(json));
}

static void fail_with(const char *what, lcont_error *err)
{
    fail_msg("%s: %s", what, lcont_error_message(err));
}

/* Create with stdout+stderr on a pipe, start, collect output, wait, delete. Returns the status. */
static int run_capture(const char *id, char *out, size_t outsize)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_process *p = NULL;
    lcont_error *err = NULL;
    int pipefd[2], devnull, status = -1;
    size_t len = 0;
    ssize_t n;

    bundle_write_config(&B);
    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    o.bundle = B.dir;
    o.stdin_fd = devnull;
    o.stdout_fd = pipefd[1];
    o.stderr_fd = pipefd[1];
    if (lcont_container_create(ctx, id, &o, LCONT_CREATE_STDIO, &c, &err) < 0)
        fail_with("create", err);
    close(pipefd[1]);
    close(devnull);
    if (lcont_container_start(c, 0, &err) < 0)
        fail_with("start", err);
    while ((n = read(pipefd[0], out + len, outsize - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(pipefd[0]);
    assert_int_equal(lcont_container_get_init_process(c, 0, &p, NULL), 0);
    assert_int_equal(lcont_process_wait(p, 0, &status, NULL), 0);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_STOPPED);
    if (lcont_container_delete(c, 0, &err) < 0)
        fail_with("delete", err);
    lcont_process_unref(p);
    lcont_container_unref(c);
    return status;
}

static int run_script(const char *id, const char *script, char *out, size_t outsize)
{
    bundle_set_script(&B, script);
    return run_capture(id, out, outsize);
}

static void test_runtime_lifecycle(void **state)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL, *again = NULL;
    lcont_process *p = NULL;
    lcont_error *err = NULL;
    char *json = NULL, **ids = NULL;
    int status;
    (void)state;

    bundle_set_script(&B, "read line </dev/null; exit 7");
    bundle_write_config(&B);
    o.bundle = B.dir;
    if (lcont_container_create(ctx, ID("life"), &o, 0, &c, &err) < 0)
        fail_with("create", err);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_CREATED);
    assert_true(lcont_container_get_pid(c) > 0);
    assert_string_equal(lcont_container_get_id(c), ID("life"));
    assert_int_equal(lcont_container_get_state_json(c, 0, &json, NULL), 0);
    {
        cJSON *st = cJSON_Parse(json);
        assert_non_null(st);
        assert_string_equal(cJSON_GetObjectItem(st, "status")->valuestring, "created");
        assert_string_equal(cJSON_GetObjectItem(st, "id")->valuestring, ID("life"));
        assert_int_equal(cJSON_GetObjectItem(st, "pid")->valueint, lcont_container_get_pid(c));
        assert_string_equal(cJSON_GetObjectItem(st, "bundle")->valuestring, B.dir);
        cJSON_Delete(st);
    }
    lcont_free(json);
    /* a second create with the same id fails and leaves the first alone */
    assert_int_equal(lcont_container_create(ctx, ID("life"), &o, 0, &again, &err), -EEXIST);
    lcont_error_free(err);
    err = NULL;
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_CREATED);
    assert_int_equal(lcont_container_list(ctx, 0, &ids, NULL), 0);
    assert_string_equal(ids[0], ID("life"));
    assert_null(ids[1]);
    lcont_strv_free(ids);
    /* another handle, as another process would load it */
    assert_int_equal(lcont_container_load(ctx, ID("life"), 0, &again, NULL), 0);
    assert_int_equal(lcont_container_get_pid(again), lcont_container_get_pid(c));
    assert_int_equal(lcont_container_delete(again, 0, &err), -EBUSY);
    lcont_error_free(err);
    err = NULL;
    if (lcont_container_start(again, 0, &err) < 0)
        fail_with("start", err);
    assert_int_equal(lcont_container_start(again, 0, NULL), -EBUSY);
    assert_int_equal(lcont_container_get_init_process(c, 0, &p, NULL), 0);
    assert_int_equal(lcont_process_wait(p, 0, &status, NULL), 0);
    assert_int_equal(status, 7);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_STOPPED);
    assert_int_equal(lcont_container_delete(c, 0, NULL), 0);
    assert_int_equal(lcont_container_load(ctx, ID("life"), 0, &again, NULL) == 0 ? 0 : -1, -1);
    lcont_container_unref(again);
    lcont_process_unref(p);
    lcont_container_unref(c);
}

static void test_runtime_pid1_hostname_namespaces(void **state)
{
    char out[4096];
    (void)state;
    assert_int_equal(
        run_script(ID("ns"), "echo pid=$$; hostname; readlink /proc/1/ns/pid", out, sizeof(out)),
        0);
    assert_non_null(strstr(out, "pid=1\n"));
    assert_non_null(strstr(out, "lcont-test\n"));
    /* a different pid namespace than ours */
    char mine[64];
    ssize_t n = readlink("/proc/self/ns/pid", mine, sizeof(mine) - 1);
    assert_true(n > 0);
    mine[n] = '\0';
    assert_null(strstr(out, mine));
}

static void test_runtime_exit_codes_and_signals(void **state)
{
    char out[256];
    (void)state;
    assert_int_equal(run_script(ID("exit3"), "exit 3", out, sizeof(out)), 3);
    /* a child killed by a signal: the shell turns it into 128 + n */
    assert_int_equal(run_script(ID("sig9"), "sh -c 'kill -9 $$'; exit $?", out, sizeof(out)),
                     128 + 9);
}

/* The line of @text that contains @needle, copied into a static buffer ("" if none). */
static const char *line_with(const char *text, const char *needle)
{
    static char line[1024];
    const char *hit = strstr(text, needle), *start, *end;

    line[0] = '\0';
    if (!hit)
        return line;
    for (start = hit; start > text && start[-1] != '\n'; start--)
        ;
    end = strchrnul(hit, '\n');
    xsnprintf(line, "%.*s", (int)(end - start), start);
    return line;
}

static void test_runtime_mounts_and_masked_paths(void **state)
{
    char out[16384];
    (void)state;
    assert_int_equal(
        run_script(ID("mounts"),
                   "cat /proc/self/mountinfo; echo timer_list=$(wc -c </proc/timer_list);"
                   "echo firmware=$(ls /sys/firmware | wc -l)",
                   out, sizeof(out)),
        0);
    assert_non_null(strstr(line_with(out, " /proc rw,"), " - proc "));
    assert_non_null(strstr(line_with(out, " /dev/pts "), " - devpts "));
    assert_non_null(strstr(line_with(out, " /sys "), " ro,"));
    assert_non_null(strstr(line_with(out, " /proc/sys "), " ro,"));
    assert_non_null(strstr(out, "timer_list=0\n"));
    assert_non_null(strstr(out, "firmware=0\n"));
}

static void test_runtime_capabilities(void **state)
{
    char out[4096];
    (void)state;
    assert_int_equal(run_script(ID("caps"), "grep -E '^Cap(Inh|Eff|Bnd|Amb)' /proc/self/status",
                                out, sizeof(out)),
                     0);
    /* default spec: CAP_KILL(5), CAP_NET_BIND_SERVICE(10), CAP_AUDIT_WRITE(29) */
    assert_non_null(strstr(out, "CapInh:\t0000000000000000"));
    assert_non_null(strstr(out, "CapEff:\t0000000020000420"));
    assert_non_null(strstr(out, "CapBnd:\t0000000020000420"));
    assert_non_null(strstr(out, "CapAmb:\t0000000000000000"));
}

static void test_runtime_seccomp_denies(void **state)
{
    char out[1024];
    cJSON *seccomp = cJSON_Parse(
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
        "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}");
    (void)state;
    bundle_set(&B, "linux", "seccomp", seccomp);
    assert_int_equal(
        run_script(ID("seccomp"),
                   "mkdir /tmp/denied 2>&1; echo rc=$?; grep Seccomp: /proc/self/status", out,
                   sizeof(out)),
        0);
    assert_non_null(strstr(out, "rc=1"));
    assert_non_null(strstr(out, "Operation not permitted"));
    assert_non_null(strstr(out, "Seccomp:\t2"));
}

static void test_runtime_rlimits(void **state)
{
    char out[256];
    (void)state;
    bundle_set(&B, "process", "rlimits",
               cJSON_Parse("[{\"type\":\"RLIMIT_NOFILE\",\"soft\":100,\"hard\":200}]"));
    assert_int_equal(run_script(ID("rlimit"), "ulimit -n; ulimit -Hn", out, sizeof(out)), 0);
    assert_string_equal(out, "100\n200\n");
}

static void test_runtime_user_namespace(void **state)
{
    char out[1024];
    (void)state;
    add_namespace("{\"type\":\"user\"}");
    bundle_set(&B, "linux", "uidMappings",
               cJSON_Parse("[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]"));
    bundle_set(&B, "linux", "gidMappings",
               cJSON_Parse("[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]"));
    /* the rootfs is owned by host root, which is unmapped: only reading is needed */
    assert_int_equal(run_script(ID("userns"), "cat /proc/self/uid_map; id -u", out, sizeof(out)),
                     0);
    assert_non_null(strstr(out, "100000"));
    assert_non_null(strstr(out, "65536"));
    assert_non_null(strstr(out, "\n0\n"));
}

static void test_runtime_pids_limit(void **state)
{
    char out[8192];
    (void)state;
    bundle_set(&B, "linux", "resources", cJSON_Parse("{\"pids\":{\"limit\":5}}"));
    /* ash gives up at the first failed fork; the message is what matters */
    run_script(ID("pids"), "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; echo loop-done", out,
               sizeof(out));
    assert_non_null(strstr(out, "can't fork"));
    assert_null(strstr(out, "loop-done"));
}

static void test_runtime_memory_limit(void **state)
{
    char out[4096];
    (void)state;
    bundle_set(&B, "linux", "resources",
               cJSON_Parse("{\"memory\":{\"limit\":33554432,\"swap\":33554432}}"));
    /* the shell buffers 96 MiB of command output in its own heap: the OOM killer must stop it */
    assert_int_equal(run_script(ID("mem"),
                                "x=$(head -c 100663296 /dev/zero | tr '\\0' a); echo survived", out,
                                sizeof(out)),
                     128 + SIGKILL);
    assert_null(strstr(out, "survived"));
}

static void test_runtime_hooks_order(void **state)
{
    char out[256], log[512], script[1024];
    const char *text;
    (void)state;
    xsnprintf(log, "%s/hooks.log", B.dir);
    xsnprintf(script, "%s/hook.sh", B.dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    /* each hook records its name and whether the state on stdin names the container */
    fprintf(f,
            "#!/bin/busybox sh\ns=$(cat); case \"$s\" in *'\"hooks-'*) id=ok;; *) id=bad;; esac\n"
            "echo \"$1 $id\" >> %s\n",
            log);
    fclose(f);
    chmod(script, 0755);
    cJSON *hooks = cJSON_CreateObject();
    const char *kinds[] = { "prestart",       "createRuntime", "createContainer",
                            "startContainer", "poststart",     "poststop" };
    for (int i = 0; i < 6; i++) {
        char json[1024];
        xsnprintf(json, "[{\"path\":\"%s\",\"args\":[\"hook\",\"%s\"]}]", script, kinds[i]);
        cJSON_AddItemToObject(hooks, kinds[i], cJSON_Parse(json));
    }
    bundle_set(&B, "", "hooks", hooks);
    /* startContainer runs inside the container: the script must exist there too */
    char inside[512];
    xsnprintf(inside, "%s/rootfs%s", B.dir, B.dir);
    char cmd[1200];
    xsnprintf(cmd, "mkdir -p %s && cp %s %s/", inside, script, inside);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(run_script(ID("hooks"), "true", out, sizeof(out)), 0);
    text = read_text(log);
    assert_string_equal(text, "prestart ok\ncreateRuntime ok\ncreateContainer ok\n"
                              "poststart ok\npoststop ok\n");
    /* startContainer wrote into the container's view of the log path */
    xsnprintf(cmd, "%s/rootfs%s", B.dir, log);
    assert_string_equal(read_text(cmd), "startContainer ok\n");
}

static void test_runtime_failing_hook_cleans_up(void **state)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    char **ids = NULL;
    (void)state;
    bundle_set(&B, "", "hooks", cJSON_Parse("{\"createRuntime\":[{\"path\":\"/bin/false\"}]}"));
    bundle_write_config(&B);
    o.bundle = B.dir;
    assert_true(lcont_container_create(ctx, ID("badhook"), &o, 0, &c, &err) < 0);
    assert_non_null(strstr(lcont_error_message(err), "createRuntime"));
    assert_non_null(strstr(lcont_error_message(err), "exited with status 1"));
    lcont_error_free(err);
    assert_int_equal(lcont_container_list(ctx, 0, &ids, NULL), 0);
    assert_null(ids[0]);
    lcont_strv_free(ids);
    assert_false(cgroup_left("badhook"));
}

static void test_runtime_time_namespace_offsets(void **state)
{
    char out[1024];
    (void)state;
    add_namespace("{\"type\":\"time\"}");
    bundle_set(&B, "linux", "timeOffsets",
               cJSON_Parse("{\"boottime\":{\"secs\":86400000,\"nanosecs\":0}}"));
    bundle_set(&B, "", "domainname", cJSON_CreateString("example.test"));
    assert_int_equal(run_script(ID("timens"),
                                "cut -d. -f1 /proc/uptime; cat /proc/sys/kernel/domainname", out,
                                sizeof(out)),
                     0);
    /* a boot time one thousand days ago */
    assert_true(atol(out) >= 86400000L);
    assert_non_null(strstr(out, "\nexample.test\n"));
}

/* A second container joins the first one's network and pid namespaces by path. */
static void test_runtime_join_namespaces_by_path(void **state)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    lcont_container *a = NULL;
    char out[1024], net[128], pid[128], want_net[128], want_pid[128], json[512];
    ssize_t n;
    (void)state;
    bundle_set_script(&B, "sleep 100");
    bundle_write_config(&B);
    o.bundle = B.dir;
    assert_int_equal(lcont_container_create(ctx, ID("nsholder"), &o, 0, &a, NULL), 0);
    assert_int_equal(lcont_container_start(a, 0, NULL), 0);
    xsnprintf(net, "/proc/%d/ns/net", (int)lcont_container_get_pid(a));
    xsnprintf(pid, "/proc/%d/ns/pid", (int)lcont_container_get_pid(a));
    n = readlink(net, want_net, sizeof(want_net) - 1);
    assert_true(n > 0);
    want_net[n] = '\0';
    n = readlink(pid, want_pid, sizeof(want_pid) - 1);
    assert_true(n > 0);
    want_pid[n] = '\0';

    cJSON *ns = cJSON_CreateArray();
    xsnprintf(json, "{\"type\":\"network\",\"path\":\"%s\"}", net);
    cJSON_AddItemToArray(ns, cJSON_Parse(json));
    xsnprintf(json, "{\"type\":\"pid\",\"path\":\"%s\"}", pid);
    cJSON_AddItemToArray(ns, cJSON_Parse(json));
    cJSON_AddItemToArray(ns, cJSON_Parse("{\"type\":\"mount\"}"));
    cJSON_AddItemToArray(ns, cJSON_Parse("{\"type\":\"ipc\"}"));
    cJSON_AddItemToArray(ns, cJSON_Parse("{\"type\":\"uts\"}"));
    bundle_set(&B, "linux", "namespaces", ns);
    assert_int_equal(
        run_script(ID("nsjoiner"),
                   "readlink /proc/self/ns/net; readlink /proc/self/ns/pid; echo pid=$$", out,
                   sizeof(out)),
        0);
    assert_non_null(strstr(out, want_net));
    assert_non_null(strstr(out, want_pid));
    /* pid 1 of that namespace is the first container's sleep: we are someone else */
    assert_null(strstr(out, "pid=1\n"));
    assert_int_equal(lcont_container_delete(a, LCONT_DELETE_FORCE, NULL), 0);
    lcont_container_unref(a);
}

static void test_runtime_hook_timeout(void **state)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    (void)state;
    bundle_set(&B, "", "hooks",
               cJSON_Parse("{\"prestart\":[{\"path\":\"/bin/busybox\",\"args\":[\"sleep\","
                           "\"30\"],\"timeout\":1}]}"));
    bundle_write_config(&B);
    o.bundle = B.dir;
    assert_true(lcont_container_create(ctx, ID("hooktimeout"), &o, 0, &c, &err) < 0);
    assert_int_equal(lcont_error_code(err), -ETIMEDOUT);
    assert_non_null(strstr(lcont_error_message(err), "prestart[0]"));
    assert_non_null(strstr(lcont_error_message(err), "timed out after 1 s"));
    lcont_error_free(err);
    assert_false(cgroup_left("hooktimeout"));
}

static void test_runtime_missing_executable(void **state)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    const char *args[] = { "no-such-binary" };
    (void)state;
    bundle_set(&B, "process", "args", cJSON_CreateStringArray(args, 1));
    bundle_write_config(&B);
    o.bundle = B.dir;
    assert_int_equal(lcont_container_create(ctx, ID("noexe"), &o, 0, &c, &err), -ENOENT);
    assert_non_null(strstr(lcont_error_message(err), "no-such-binary"));
    assert_non_null(strstr(lcont_error_message(err), "not found in $PATH"));
    lcont_error_free(err);
}

/* CVE-2024-21626 class: a cwd through a leaked fd must never reach the host. */
static void test_runtime_cwd_cannot_escape_through_fds(void **state)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    (void)state;
    o.bundle = B.dir;
    for (int fd = 3; fd < 16; fd++) {
        lcont_container *c = NULL;
        char cwd[64];
        xsnprintf(cwd, "/proc/self/fd/%d", fd);
        bundle_set(&B, "process", "cwd", cJSON_CreateString(cwd));
        bundle_write_config(&B);
        int r = lcont_container_create(ctx, ID("cwd"), &o, 0, &c, NULL);
        if (r == 0)
            fail_msg("container started with cwd %s", cwd);
    }
}

static void test_runtime_fds_closed_and_exe(void **state)
{
    char out[1024];
    (void)state;
    assert_int_equal(run_script(ID("fds"),
                                "ls /proc/self/fd | tr '\\n' ' '; echo; readlink /proc/1/exe", out,
                                sizeof(out)),
                     0);
    /* 0 1 2 and the fd ls uses to read the directory; nothing inherited from us */
    assert_string_equal(out, "0 1 2 3 \n/bin/busybox\n");
}

static void test_runtime_kill_and_force_delete(void **state)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_process *p = NULL;
    int status;
    (void)state;
    /* pid 1 only gets signals it handles: the trap makes SIGTERM count */
    bundle_set_script(&B, "trap 'exit 42' TERM; touch /tmp/trap-armed; while :; do sleep 1; done");
    bundle_write_config(&B);
    o.bundle = B.dir;
    assert_int_equal(lcont_container_create(ctx, ID("killme"), &o, 0, &c, NULL), 0);
    assert_int_equal(lcont_container_start(c, 0, NULL), 0);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_RUNNING);
    assert_int_equal(lcont_container_delete(c, 0, NULL), -EBUSY);
    /* a signal sent before the trap exists would be dropped (pid 1 has no default action) */
    char armed[512];
    xsnprintf(armed, "%s/rootfs/tmp/trap-armed", B.dir);
    for (int i = 0; i < 3000 && access(armed, F_OK) < 0; i++)
        usleep(10000);
    assert_int_equal(access(armed, F_OK), 0);
    assert_int_equal(lcont_container_kill(c, SIGTERM, 0, NULL), 0);
    assert_int_equal(lcont_container_get_init_process(c, 0, &p, NULL), 0);
    assert_int_equal(lcont_process_wait(p, 0, &status, NULL), 0);
    assert_int_equal(status, 42);
    assert_int_equal(lcont_container_kill(c, SIGTERM, 0, NULL), -ESRCH);
    assert_int_equal(lcont_container_delete(c, 0, NULL), 0);
    lcont_process_unref(p);
    lcont_container_unref(c);

    /* SIGKILL reaches pid 1 from outside: status 128 + 9 */
    assert_int_equal(lcont_container_create(ctx, ID("killme"), &o, 0, &c, NULL), 0);
    assert_int_equal(lcont_container_start(c, 0, NULL), 0);
    assert_int_equal(lcont_container_kill(c, SIGKILL, LCONT_KILL_ALL, NULL), 0);
    assert_int_equal(lcont_container_get_init_process(c, 0, &p, NULL), 0);
    assert_int_equal(lcont_process_wait(p, 0, &status, NULL), 0);
    assert_int_equal(status, 128 + SIGKILL);
    assert_int_equal(lcont_container_delete(c, 0, NULL), 0);
    lcont_process_unref(p);
    lcont_container_unref(c);

    /* force delete of a running container */
    assert_int_equal(lcont_container_create(ctx, ID("force"), &o, 0, &c, NULL), 0);
    assert_int_equal(lcont_container_start(c, 0, NULL), 0);
    assert_int_equal(lcont_container_delete(c, LCONT_DELETE_FORCE, NULL), 0);
    assert_false(cgroup_left("force"));
    lcont_container_unref(c);
}

/* The creating process dies mid-create: delete --force must clean everything. */
static void test_runtime_force_delete_half_created(void **state)
{
    char marker[512], script[512];
    lcont_container *c = NULL;
    pid_t creator;
    int st;
    (void)state;
    xsnprintf(marker, "%s/in-hook", B.dir);
    xsnprintf(script, "echo $$ > %s.tmp && mv %s.tmp %s; exec sleep 100", marker, marker, marker);
    const char *args[] = { "/bin/busybox", "sh", "-c", script };
    cJSON *hook = cJSON_CreateObject();
    cJSON_AddStringToObject(hook, "path", "/bin/busybox");
    cJSON_AddItemToObject(hook, "args", cJSON_CreateStringArray(args, 4));
    cJSON *list = cJSON_CreateArray();
    cJSON_AddItemToArray(list, hook);
    cJSON *hooks = cJSON_CreateObject();
    cJSON_AddItemToObject(hooks, "createRuntime", list);
    bundle_set(&B, "", "hooks", hooks);
    bundle_write_config(&B);
    char half_id[128]; /* computed here: ID() in the forked creator would use its own pid */
    xsnprintf(half_id, "%s", ID("half"));
    creator = fork();
    assert_true(creator >= 0);
    if (creator == 0) {
        lcont_context_opts co = LCONT_CONTEXT_OPTS_INIT;
        lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
        lcont_context *cctx = NULL;
        co.state_root = B.root;
        o.bundle = B.dir;
        lcont_context_new(&co, 0, &cctx, NULL);
        lcont_container_create(cctx, half_id, &o, 0, &c, NULL);
        _exit(0);
    }
    for (int i = 0; i < 500 && access(marker, F_OK) < 0; i++)
        usleep(10000);
    assert_int_equal(access(marker, F_OK), 0);
    kill(creator, SIGKILL);
    waitpid(creator, &st, 0);
    assert_int_equal(lcont_container_load(ctx, ID("half"), 0, &c, NULL), 0);
    assert_int_not_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_CREATED);
    assert_int_equal(lcont_container_delete(c, LCONT_DELETE_FORCE, NULL), 0);
    lcont_container_unref(c);
    assert_false(cgroup_left("half"));
    char path[512];
    xsnprintf(path, "%s/%s", B.root, ID("half"));
    assert_int_equal(access(path, F_OK), -1);
    kill(atoi(read_text(marker)), SIGKILL); /* the orphaned hook */
}

/* Receive one message with an fd attached; the payload (NUL-terminated) goes to @buf. */
static int recv_fd_payload(int sock, char *buf, size_t size)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { buf, size - 1 };
    struct msghdr msg = { .msg_iov = &iov,
                          .msg_iovlen = 1,
                          .msg_control = control.buf,
                          .msg_controllen = sizeof(control.buf) };
    ssize_t n;
    int fd = -1;

    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_type == SCM_RIGHTS)
            memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

static int recv_fd(int sock)
{
    char name[256];
    return recv_fd_payload(sock, name, sizeof(name));
}

static int listen_unix(const char *name, struct sockaddr_un *addr)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    addr->sun_family = AF_UNIX;
    assert_true((size_t)snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/%s", B.dir, name) <
                sizeof(addr->sun_path));
    assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
    assert_int_equal(listen(fd, 1), 0);
    return fd;
}

/* A seccomp agent gets the listener at create time and answers the container's mkdir. */
static void test_runtime_seccomp_notify_listener(void **state)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    struct sockaddr_un addr;
    lcont_container *c = NULL;
    lcont_process *p = NULL;
    lcont_error *err = NULL;
    char payload[8192], out[4096], json[1024];
    int listener, conn, notify_fd, pipefd[2], status, handled = 0;
    size_t len = 0;
    (void)state;
    listener = listen_unix("agent.sock", &addr);
    xsnprintf(json,
              "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"%s\","
              "\"listenerMetadata\":\"agent-meta\",\"syscalls\":[{\"names\":[\"mkdir\","
              "\"mkdirat\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
              addr.sun_path);
    bundle_set(&B, "linux", "seccomp", cJSON_Parse(json));
    bundle_set_script(&B, "mkdir /tmp/notified 2>&1; echo rc=$?");
    bundle_write_config(&B);
    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    o.bundle = B.dir;
    o.stdin_fd = pipefd[0];
    o.stdout_fd = pipefd[1];
    o.stderr_fd = pipefd[1];
    if (lcont_container_create(ctx, ID("notify"), &o, LCONT_CREATE_STDIO, &c, &err) < 0)
        fail_with("create", err);
    close(pipefd[1]);
    conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    assert_true(conn >= 0);
    notify_fd = recv_fd_payload(conn, payload, sizeof(payload));
    assert_true(notify_fd >= 0);
    assert_non_null(strstr(payload, "\"seccompFd\""));
    assert_non_null(strstr(payload, "agent-meta"));
    assert_non_null(strstr(payload, ID("notify")));
    assert_int_equal(lcont_container_start(c, 0, NULL), 0);
    for (;;) {
        struct pollfd pfd[2] = { { pipefd[0], POLLIN, 0 }, { notify_fd, POLLIN, 0 } };
        assert_true(poll(pfd, 2, 30000) > 0);
        if (pfd[1].revents & POLLIN) {
            struct seccomp_notif req;
            struct seccomp_notif_resp resp;
            memset(&req, 0, sizeof(req));
            assert_int_equal(ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
            memset(&resp, 0, sizeof(resp));
            resp.id = req.id;
            resp.error = -EROFS; /* the agent's answer */
            assert_int_equal(ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
            handled++;
            continue;
        }
        ssize_t n = read(pipefd[0], out + len, sizeof(out) - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    out[len] = '\0';
    assert_int_equal(handled, 1);
    assert_non_null(strstr(out, "Read-only file system"));
    assert_non_null(strstr(out, "rc=1"));
    assert_int_equal(lcont_container_get_init_process(c, 0, &p, NULL), 0);
    assert_int_equal(lcont_process_wait(p, 0, &status, NULL), 0);
    assert_int_equal(lcont_container_delete(c, 0, NULL), 0);
    lcont_process_unref(p);
    lcont_container_unref(c);
    close(notify_fd);
    close(conn);
    close(listener);
    close(pipefd[0]);
}

static void test_runtime_console_socket(void **state)
{
    lcont_create_opts o = LCONT_CREATE_OPTS_INIT;
    struct sockaddr_un addr;
    lcont_container *c = NULL;
    lcont_process *p = NULL;
    lcont_error *err = NULL;
    char buf[4096];
    size_t len = 0;
    ssize_t n;
    int listener, conn, master, status;
    (void)state;
    listener = listen_unix("console.sock", &addr);
    bundle_set_script(&B, "tty; echo hello-from-tty");
    bundle_set(&B, "process", "terminal", cJSON_CreateTrue());
    bundle_write_config(&B);
    o.bundle = B.dir;
    o.console_socket = addr.sun_path;
    /* the library connects during create; accept after it returns (backlog holds it) */
    if (lcont_container_create(ctx, ID("tty"), &o, 0, &c, &err) < 0)
        fail_with("create", err);
    conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    assert_true(conn >= 0);
    master = recv_fd(conn);
    assert_true(master >= 0);
    assert_int_equal(lcont_container_start(c, 0, NULL), 0);
    while ((n = read(master, buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    assert_non_null(strstr(buf, "/dev/pts/0"));
    assert_non_null(strstr(buf, "hello-from-tty"));
    assert_int_equal(lcont_container_get_init_process(c, 0, &p, NULL), 0);
    assert_int_equal(lcont_process_wait(p, 0, &status, NULL), 0);
    assert_int_equal(status, 0);
    assert_int_equal(lcont_container_delete(c, 0, NULL), 0);
    lcont_process_unref(p);
    lcont_container_unref(c);
    close(master);
    close(conn);
    close(listener);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runtime_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_pid1_hostname_namespaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_exit_codes_and_signals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_mounts_and_masked_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_capabilities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_seccomp_denies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_rlimits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_user_namespace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_pids_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_memory_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_hooks_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_failing_hook_cleans_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_missing_executable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_time_namespace_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_join_namespaces_by_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_hook_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_cwd_cannot_escape_through_fds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_runtime_fds_closed_and_exe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_kill_and_force_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_force_delete_half_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_console_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_seccomp_notify_listener, setup, teardown),
    };
    if (geteuid() != 0)
        return 77;
    if (argc > 1)
        cmocka_set_test_filter(argv[1]); /* e.g. "test_runtime_kill*" */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
