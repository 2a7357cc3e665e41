/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Public API on real containers (root only; exits 77 otherwise): the
 * lifecycle through handles, log delivery, unknown flags and bad arguments
 * on container and process entry points, and -ECHILD after fork (STYLE §2.4).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <lcont/lcont.h>

#include "helpers.h"

#define UNKNOWN_FLAG (1ULL << 62)

struct env {
    char *root;
    char *bundle_true;  /* runs: sh -c "exit 7" */
    char *bundle_sleep; /* runs: sleep 1000 */
    lcont_context *ctx;
};

static int env_setup(void **state)
{
    static const char *const exit7[] = { "/bin/sh", "-c", "exit 7", NULL };
    static const char *const sleeper[] = { "/bin/sleep", "1000", NULL };
    struct env *env = calloc(1, sizeof(*env));
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;

    if (!env)
        return -1;
    env->root = test_tmpdir_new("ctr-root");
    env->bundle_true = test_bundle_new(exit7);
    env->bundle_sleep = test_bundle_new(sleeper);
    if (!env->root || !env->bundle_true || !env->bundle_sleep)
        return -1;
    opts.state_root = env->root;
    if (lcont_context_new(&opts, 0, &env->ctx, NULL) < 0)
        return -1;
    *state = env;
    return 0;
}

/* Whatever a failed test left behind is force-deleted here. */
static int env_teardown(void **state)
{
    struct env *env = *state;
    char **ids = NULL;

    if (lcont_container_list(env->ctx, 0, &ids, NULL) >= 0) {
        for (size_t i = 0; ids[i]; i++) {
            lcont_container *c = NULL;
            if (lcont_container_load(env->ctx, ids[i], 0, &c, NULL) >= 0)
                lcont_container_delete(c, LCONT_DELETE_FORCE, NULL);
            lcont_container_unref(c);
        }
        lcont_strv_free(ids);
    }
    lcont_context_unref(env->ctx);
    test_rm_rf(env->root);
    test_rm_rf(env->bundle_true);
    test_rm_rf(env->bundle_sleep);
    free(env->root);
    free(env->bundle_true);
    free(env->bundle_sleep);
    free(env);
    return 0;
}

static lcont_container *create_or_fail(struct env *env, const char *id, const char *bundle)
{
    lcont_create_opts opts = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    int r;

    opts.bundle = bundle;
    r = lcont_container_create(env->ctx, id, &opts, 0, &c, &err);
    if (r < 0)
        fail_msg("create '%s': %d %s", id, r, lcont_error_message(err));
    lcont_error_free(err);
    return c;
}

/* ---- lifecycle ---- */

static void test_api_container_lifecycle(void **state)
{
    struct env *env = *state;
    lcont_container *c, *loaded = NULL, *dup = NULL;
    lcont_create_opts opts = LCONT_CREATE_OPTS_INIT;
    lcont_process *init = NULL;
    lcont_error *err = NULL;
    char id[64], *json = NULL, **ids = NULL;
    int status = -1;

    test_unique_id(id, sizeof(id), "life");
    c = create_or_fail(env, id, env->bundle_true);
    assert_string_equal(lcont_container_get_id(c), id);
    assert_string_equal(lcont_container_get_bundle(c), env->bundle_true);
    assert_true(lcont_container_get_pid(c) > 0);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_CREATED);
    assert_int_equal(lcont_container_get_state_json(c, 0, &json, NULL), 0);
    assert_non_null(strstr(json, "\"created\""));
    assert_non_null(strstr(json, id));
    lcont_free(json);

    /* the id is taken */
    opts.bundle = env->bundle_true;
    assert_int_equal(lcont_container_create(env->ctx, id, &opts, 0, &dup, &err), -EEXIST);
    assert_int_equal(lcont_error_code(err), -EEXIST);
    assert_null(dup);
    lcont_error_free(err);
    err = NULL;

    /* another handle on the same container */
    assert_int_equal(lcont_container_load(env->ctx, id, 0, &loaded, NULL), 0);
    assert_int_equal(lcont_container_get_pid(loaded), lcont_container_get_pid(c));
    assert_int_equal(lcont_container_get_status(loaded, 0, NULL), LCONT_STATUS_CREATED);
    assert_int_equal(lcont_container_list(env->ctx, 0, &ids, NULL), 0);
    assert_string_equal(ids[0], id);
    assert_null(ids[1]);
    lcont_strv_free(ids);

    assert_int_equal(lcont_container_get_init_process(c, 0, &init, NULL), 0);
    assert_int_equal(lcont_process_get_pid(init), lcont_container_get_pid(c));
    assert_true(lcont_process_get_pidfd(init) >= 0);
    assert_true(fcntl(lcont_process_get_pidfd(init), F_GETFD) & FD_CLOEXEC);

    assert_int_equal(lcont_container_start(c, 0, NULL), 0);
    assert_int_equal(lcont_container_start(c, 0, &err), -EBUSY);
    lcont_error_free(err);
    assert_int_equal(lcont_process_wait(init, 0, &status, NULL), 0);
    assert_int_equal(status, 7);
    /* cached */
    status = -1;
    assert_int_equal(lcont_process_wait(init, 0, &status, NULL), 0);
    assert_int_equal(status, 7);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_STOPPED);
    assert_int_equal(lcont_process_signal(init, SIGTERM, 0, NULL), -ESRCH);

    assert_int_equal(lcont_container_delete(c, 0, NULL), 0);
    lcont_container_unref(loaded);
    loaded = (lcont_container *)1;
    assert_int_equal(lcont_container_load(env->ctx, id, 0, &loaded, NULL), -ENOENT);
    assert_ptr_equal(loaded, (lcont_container *)1);
    assert_int_equal(lcont_container_list(env->ctx, 0, &ids, NULL), 0);
    assert_null(ids[0]);
    lcont_strv_free(ids);

    lcont_process_unref(init);
    assert_null(lcont_container_unref(c));
}

static void test_api_container_delete_running_busy(void **state)
{
    struct env *env = *state;
    lcont_process *init = NULL;
    lcont_container *c;
    lcont_error *err = NULL;
    int status = -1;
    char id[64];

    test_unique_id(id, sizeof(id), "busy");
    c = create_or_fail(env, id, env->bundle_sleep);
    assert_int_equal(lcont_container_get_init_process(c, 0, &init, NULL), 0);
    assert_int_equal(lcont_container_start(c, 0, NULL), 0);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_RUNNING);
    assert_int_equal(lcont_process_wait(init, LCONT_WAIT_NOHANG, &status, NULL), -EAGAIN);
    assert_int_equal(status, -1);

    assert_int_equal(lcont_container_delete(c, 0, &err), -EBUSY);
    assert_int_equal(lcont_error_code(err), -EBUSY);
    lcont_error_free(err);
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_RUNNING);

    assert_int_equal(lcont_process_signal(init, SIGKILL, 0, NULL), 0);
    assert_int_equal(lcont_process_wait(init, 0, &status, NULL), 0);
    assert_int_equal(status, 128 + SIGKILL);
    assert_int_equal(lcont_container_delete(c, 0, NULL), 0);
    lcont_process_unref(init);
    lcont_container_unref(c);
}

/* ---- log callback ---- */

struct log_probe {
    int calls;
    int bad_level;
    int empty;
    int max_level;
};

static void record_log(int level, const char *msg, void *userdata)
{
    struct log_probe *probe = userdata;

    probe->calls++;
    if (level < LCONT_LOG_ERROR || level > probe->max_level)
        probe->bad_level++;
    if (!msg || !msg[0])
        probe->empty++;
}

static void test_api_container_log_receives_messages(void **state)
{
    struct env *env = *state;
    struct log_probe debug = { .max_level = LCONT_LOG_DEBUG };
    struct log_probe errors = { .max_level = LCONT_LOG_ERROR };
    lcont_container *c;
    char id[64];

    assert_int_equal(lcont_context_set_log_fn(env->ctx, LCONT_LOG_DEBUG, record_log, &debug, NULL),
                     0);
    test_unique_id(id, sizeof(id), "log");
    c = create_or_fail(env, id, env->bundle_sleep);
    assert_int_equal(lcont_container_delete(c, LCONT_DELETE_FORCE, NULL), 0);
    lcont_container_unref(c);
    assert_true(debug.calls > 0);
    assert_int_equal(debug.bad_level, 0);
    assert_int_equal(debug.empty, 0);

    /* the level filter applies: a clean create logs no errors */
    assert_int_equal(lcont_context_set_log_fn(env->ctx, LCONT_LOG_ERROR, record_log, &errors, NULL),
                     0);
    test_unique_id(id, sizeof(id), "log");
    c = create_or_fail(env, id, env->bundle_sleep);
    assert_int_equal(lcont_container_delete(c, LCONT_DELETE_FORCE, NULL), 0);
    lcont_container_unref(c);
    assert_int_equal(errors.bad_level, 0);
    assert_int_equal(lcont_context_set_log_fn(env->ctx, LCONT_LOG_DEBUG, NULL, NULL, NULL), 0);
}

/* ---- unknown flags and bad arguments on live handles ---- */

/* @errp, not *errp: the call in @r must have filled it before it is read. */
static void expect_einval(int r, lcont_error **errp, const char *what)
{
    if (r != -EINVAL || lcont_error_code(*errp) != -EINVAL)
        fail_msg("%s: returned %d, error %d '%s'; expected -EINVAL", what, r,
                 lcont_error_code(*errp), lcont_error_message(*errp));
    lcont_error_free(*errp);
    *errp = NULL;
}

static void test_api_container_unknown_flags(void **state)
{
    struct env *env = *state;
    lcont_process *init = NULL, *p = (lcont_process *)1;
    lcont_container *c, *loaded = (lcont_container *)1;
    lcont_error *err = NULL;
    char id[64], *json = (char *)1;
    int status = 12345;

    test_unique_id(id, sizeof(id), "flags");
    c = create_or_fail(env, id, env->bundle_sleep);
    assert_int_equal(lcont_container_get_init_process(c, 0, &init, NULL), 0);

    expect_einval(lcont_container_start(c, UNKNOWN_FLAG, &err), &err, "start");
    expect_einval(lcont_container_kill(c, SIGKILL, UNKNOWN_FLAG, &err), &err, "kill");
    expect_einval(lcont_container_kill(c, SIGKILL, LCONT_KILL_ALL | UNKNOWN_FLAG, &err), &err,
                  "kill ALL|unknown");
    expect_einval(lcont_container_delete(c, UNKNOWN_FLAG, &err), &err, "delete");
    expect_einval(lcont_container_delete(c, LCONT_DELETE_FORCE | UNKNOWN_FLAG, &err), &err,
                  "delete FORCE|unknown");
    expect_einval(lcont_container_get_status(c, 1, &err), &err, "get_status");
    expect_einval(lcont_container_get_state_json(c, 1, &json, &err), &err, "get_state_json");
    expect_einval(lcont_container_get_init_process(c, 1, &p, &err), &err, "get_init_process");
    expect_einval(lcont_container_load(env->ctx, id, 1, &loaded, &err), &err, "load");
    expect_einval(lcont_process_signal(init, SIGKILL, UNKNOWN_FLAG, &err), &err, "process_signal");
    expect_einval(lcont_process_wait(init, LCONT_WAIT_NOHANG | UNKNOWN_FLAG, &status, &err), &err,
                  "process_wait");

    /* NULL outputs and bad signal numbers on live handles */
    expect_einval(lcont_container_get_state_json(c, 0, NULL, &err), &err, "get_state_json NULL");
    expect_einval(lcont_container_get_init_process(c, 0, NULL, &err), &err,
                  "get_init_process NULL");
    expect_einval(lcont_container_kill(c, -1, 0, &err), &err, "kill -1");
    expect_einval(lcont_container_kill(c, 100000, 0, &err), &err, "kill 100000");
    expect_einval(lcont_process_signal(init, -1, 0, &err), &err, "process_signal -1");

    /* nothing happened: still created, outputs untouched, init alive */
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_CREATED);
    assert_ptr_equal(json, (char *)1);
    assert_ptr_equal(p, (lcont_process *)1);
    assert_ptr_equal(loaded, (lcont_container *)1);
    assert_int_equal(status, 12345);
    assert_int_equal(lcont_process_wait(init, LCONT_WAIT_NOHANG, &status, NULL), -EAGAIN);

    assert_int_equal(lcont_container_delete(c, LCONT_DELETE_FORCE, NULL), 0);
    lcont_process_unref(init);
    lcont_container_unref(c);
}

/* ---- after fork ---- */

enum {
    FORK_GET_STATUS,
    FORK_GET_STATE_JSON,
    FORK_GET_INIT_PROCESS,
    FORK_KILL,
    FORK_PROCESS_SIGNAL,
    FORK_PROCESS_WAIT,
    FORK_START,
    FORK_DELETE,
    FORK_COUNT
};

static const char *const fork_names[FORK_COUNT] = {
    "lcont_container_get_status",
    "lcont_container_get_state_json",
    "lcont_container_get_init_process",
    "lcont_container_kill",
    "lcont_process_signal",
    "lcont_process_wait",
    "lcont_container_start",
    "lcont_container_delete",
};

/* In the child. Harmless calls first (signal 0, NOHANG) so that a missing
 * check does the least damage; the parent cleans up either way. */
static void fork_child(lcont_container *c, lcont_process *init, int fd)
{
    lcont_process *p = NULL;
    char *json = NULL;
    int rc[FORK_COUNT], status;

    rc[FORK_GET_STATUS] = lcont_container_get_status(c, 0, NULL);
    rc[FORK_GET_STATE_JSON] = lcont_container_get_state_json(c, 0, &json, NULL);
    rc[FORK_GET_INIT_PROCESS] = lcont_container_get_init_process(c, 0, &p, NULL);
    rc[FORK_KILL] = lcont_container_kill(c, 0, 0, NULL);
    rc[FORK_PROCESS_SIGNAL] = lcont_process_signal(init, 0, 0, NULL);
    rc[FORK_PROCESS_WAIT] = lcont_process_wait(init, LCONT_WAIT_NOHANG, &status, NULL);
    rc[FORK_START] = lcont_container_start(c, 0, NULL);
    rc[FORK_DELETE] = lcont_container_delete(c, 0, NULL);
    if (write(fd, rc, sizeof(rc)) != (ssize_t)sizeof(rc))
        _exit(1);
    _exit(0);
}

static void test_api_container_fork_echild(void **state)
{
    struct env *env = *state;
    lcont_process *init = NULL;
    lcont_container *c;
    int rc[FORK_COUNT], pipefd[2], status;
    char id[64];
    pid_t pid;

    test_unique_id(id, sizeof(id), "fork");
    c = create_or_fail(env, id, env->bundle_sleep);
    assert_int_equal(lcont_container_get_init_process(c, 0, &init, NULL), 0);
    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pipefd[0]);
        fork_child(c, init, pipefd[1]);
    }
    close(pipefd[1]);
    assert_int_equal(read(pipefd[0], rc, sizeof(rc)), (ssize_t)sizeof(rc));
    close(pipefd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);

    for (int i = 0; i < FORK_COUNT; i++)
        if (rc[i] != -ECHILD)
            print_error("%s after fork returned %d, expected -ECHILD\n", fork_names[i], rc[i]);
    /* the parent's handles still work and the container was not touched */
    assert_int_equal(lcont_container_get_status(c, 0, NULL), LCONT_STATUS_CREATED);
    assert_int_equal(lcont_container_delete(c, LCONT_DELETE_FORCE, NULL), 0);
    lcont_process_unref(init);
    lcont_container_unref(c);
    for (int i = 0; i < FORK_COUNT; i++)
        assert_int_equal(rc[i], -ECHILD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_api_container_lifecycle, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_api_container_delete_running_busy, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(test_api_container_log_receives_messages, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(test_api_container_unknown_flags, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_api_container_fork_echild, env_setup, env_teardown),
    };

    if (geteuid() != 0) {
        printf("needs root\n");
        return TEST_SKIP;
    }
    if (!test_busybox_path()) {
        printf("needs a static busybox\n");
        return TEST_SKIP;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
