/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Public API: a handle cannot be used after fork() (STYLE §2.4). Every
 * entry point that takes a context returns -ECHILD in the child.
 * (Container and process handles: test-api-container.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
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

enum {
    CHECK_CREATE,
    CHECK_LOAD,
    CHECK_LIST,
    CHECK_SET_LOG_FN,
    CHECK_COUNT
};

static const char *const check_names[CHECK_COUNT] = {
    "lcont_container_create",
    "lcont_container_load",
    "lcont_container_list",
    "lcont_context_set_log_fn",
};

static void ignore_log(int level, const char *msg, void *userdata)
{
    (void)level;
    (void)msg;
    (void)userdata;
}

/* Runs in the forked child: no cmocka here, results go through the pipe. */
static void child_checks(lcont_context *ctx, const char *bundle, int fd)
{
    lcont_create_opts opts = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    char **ids = NULL;
    int rc[CHECK_COUNT];

    opts.bundle = bundle;
    rc[CHECK_CREATE] = lcont_container_create(ctx, "after-fork", &opts, 0, &c, NULL);
    rc[CHECK_LOAD] = lcont_container_load(ctx, "after-fork", 0, &c, NULL);
    rc[CHECK_LIST] = lcont_container_list(ctx, 0, &ids, NULL);
    rc[CHECK_SET_LOG_FN] = lcont_context_set_log_fn(ctx, LCONT_LOG_DEBUG, ignore_log, NULL, NULL);
    if (write(fd, rc, sizeof(rc)) != (ssize_t)sizeof(rc))
        _exit(1);
    _exit(0);
}

struct env {
    char *root;
    lcont_context *ctx;
};

static int env_setup(void **state)
{
    struct env *env = calloc(1, sizeof(*env));
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;

    if (!env)
        return -1;
    *state = env;
    env->root = test_tmpdir_new("fork-root");
    if (!env->root)
        return -1;
    opts.state_root = env->root;
    return lcont_context_new(&opts, 0, &env->ctx, NULL) < 0 ? -1 : 0;
}

static int env_teardown(void **state)
{
    struct env *env = *state;

    lcont_context_unref(env->ctx);
    test_rm_rf(env->root);
    free(env->root);
    free(env);
    return 0;
}

static void test_api_fork_context_echild(void **state)
{
    struct env *env = *state;
    int rc[CHECK_COUNT], pipefd[2], status;
    char **ids = NULL;
    pid_t pid;

    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pipefd[0]);
        /* a missing bundle: if the check were absent, create fails another way
         * instead of leaving a container behind */
        child_checks(env->ctx, "/nonexistent/bundle", pipefd[1]);
    }
    close(pipefd[1]);
    assert_int_equal(read(pipefd[0], rc, sizeof(rc)), (ssize_t)sizeof(rc));
    close(pipefd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    for (int i = 0; i < CHECK_COUNT; i++) {
        if (rc[i] != -ECHILD)
            print_error("%s after fork returned %d (%s), expected -ECHILD\n", check_names[i], rc[i],
                        strerror(rc[i] < 0 ? -rc[i] : 0));
    }
    /* the parent still owns the context, and the child created nothing */
    assert_int_equal(lcont_container_list(env->ctx, 0, &ids, NULL), 0);
    assert_null(ids[0]);
    lcont_strv_free(ids);
    for (int i = 0; i < CHECK_COUNT; i++)
        assert_int_equal(rc[i], -ECHILD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_api_fork_context_echild, env_setup, env_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
