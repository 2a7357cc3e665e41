/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Public API: size-versioned option structs (STYLE §6). A struct_size below
 * the 0.1 size is -EINVAL, a bigger struct (a caller built against newer
 * headers) is accepted when its unknown tail is zero and -E2BIG otherwise.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <lcont/lcont.h>

#include "helpers.h"

/* The 0.1 sizes (pinned by tests/abi/layout.c on x86-64). */
#define CONTEXT_OPTS_SIZE_0_1 (offsetof(lcont_context_opts, state_root) + sizeof(const char *))
#define CREATE_OPTS_SIZE_0_1 (offsetof(lcont_create_opts, stderr_fd) + sizeof(int))

/* What a caller compiled against a future, longer struct passes. */
struct context_opts_future {
    lcont_context_opts base;
    uint64_t future[3];
};

struct create_opts_future {
    lcont_create_opts base;
    uint64_t future[3];
};

/* ---- lcont_context_opts ---- */

static void test_api_opts_context_too_small(void **state)
{
    static const size_t sizes[] = { 0, 1, sizeof(uint64_t), CONTEXT_OPTS_SIZE_0_1 - 1 };
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;
    lcont_error *err = NULL;

    (void)state;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        opts.struct_size = sizes[i];
        assert_int_equal(lcont_context_new(&opts, 0, &ctx, &err), -EINVAL);
        assert_null(ctx);
        assert_int_equal(lcont_error_code(err), -EINVAL);
        lcont_error_free(err);
        err = NULL;
    }
}

static void test_api_opts_context_exact_size(void **state)
{
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;

    (void)state;
    assert_int_equal(opts.struct_size, sizeof(lcont_context_opts));
    opts.state_root = "/tmp/lcont-api-opts";
    assert_int_equal(lcont_context_new(&opts, 0, &ctx, NULL), 0);
    assert_string_equal(lcont_context_get_state_root(ctx), "/tmp/lcont-api-opts");
    lcont_context_unref(ctx);
}

static void test_api_opts_context_bigger_zero_tail(void **state)
{
    struct context_opts_future opts;
    lcont_context *ctx = NULL;

    (void)state;
    memset(&opts, 0, sizeof(opts));
    opts.base.struct_size = sizeof(opts);
    opts.base.state_root = "/tmp/lcont-api-future";
    assert_int_equal(lcont_context_new(&opts.base, 0, &ctx, NULL), 0);
    /* the known part is still honoured */
    assert_string_equal(lcont_context_get_state_root(ctx), "/tmp/lcont-api-future");
    lcont_context_unref(ctx);
}

static void test_api_opts_context_bigger_nonzero_tail(void **state)
{
    struct context_opts_future opts;
    lcont_context *ctx = NULL;
    lcont_error *err = NULL;

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        memset(&opts, 0, sizeof(opts));
        opts.base.struct_size = sizeof(opts);
        opts.future[i] = 1;
        assert_int_equal(lcont_context_new(&opts.base, 0, &ctx, &err), -E2BIG);
        assert_null(ctx);
        assert_int_equal(lcont_error_code(err), -E2BIG);
        lcont_error_free(err);
        err = NULL;
    }
    /* a non-zero byte beyond struct_size is not the library's business */
    memset(&opts, 0, sizeof(opts));
    opts.base.struct_size = sizeof(opts.base) + sizeof(uint64_t);
    opts.future[1] = 1;
    assert_int_equal(lcont_context_new(&opts.base, 0, &ctx, NULL), 0);
    lcont_context_unref(ctx);
}

static void test_api_opts_context_init(void **state)
{
    unsigned char buf[sizeof(lcont_context_opts) + 32];
    lcont_context_opts *opts = (lcont_context_opts *)(void *)buf;
    lcont_context *ctx = NULL;

    (void)state;
    /* exact size: everything zeroed, struct_size set */
    memset(buf, 0xa5, sizeof(buf));
    assert_int_equal(lcont_context_opts_init(opts, sizeof(lcont_context_opts)), 0);
    assert_int_equal(opts->struct_size, sizeof(lcont_context_opts));
    assert_null(opts->state_root);
    /* nothing beyond the given size is touched */
    assert_int_equal(buf[sizeof(lcont_context_opts)], 0xa5);
    assert_int_equal(lcont_context_new(opts, 0, &ctx, NULL), 0);
    lcont_context_unref(ctx);

    /* an FFI caller with a bigger struct: all of it zeroed */
    memset(buf, 0xa5, sizeof(buf));
    assert_int_equal(lcont_context_opts_init(opts, sizeof(buf)), 0);
    assert_int_equal(opts->struct_size, sizeof(buf));
    for (size_t i = sizeof(uint64_t); i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(lcont_context_new(opts, 0, &ctx, NULL), 0);
    lcont_context_unref(ctx);

    assert_int_equal(lcont_context_opts_init(opts, CONTEXT_OPTS_SIZE_0_1 - 1), -EINVAL);
    assert_int_equal(lcont_context_opts_init(opts, 0), -EINVAL);
    assert_int_equal(lcont_context_opts_init(NULL, sizeof(lcont_context_opts)), -EINVAL);
}

/* ---- lcont_create_opts ---- */

struct create_env {
    char *root;
    lcont_context *ctx;
};

static int create_env_setup(void **state)
{
    struct create_env *env = calloc(1, sizeof(*env));
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;

    if (!env)
        return -1;
    env->root = test_tmpdir_new("opts-root");
    if (!env->root)
        return -1;
    opts.state_root = env->root;
    if (lcont_context_new(&opts, 0, &env->ctx, NULL) < 0)
        return -1;
    *state = env;
    return 0;
}

static int create_env_teardown(void **state)
{
    struct create_env *env = *state;

    lcont_context_unref(env->ctx);
    test_rm_rf(env->root);
    free(env->root);
    free(env);
    return 0;
}

/* Nothing may be left under the state root after a rejected create. */
static void assert_state_root_empty(const struct create_env *env)
{
    char **ids = NULL;

    assert_int_equal(lcont_container_list(env->ctx, 0, &ids, NULL), 0);
    assert_non_null(ids);
    assert_null(ids[0]);
    lcont_strv_free(ids);
}

static void test_api_opts_create_too_small(void **state)
{
    struct create_env *env = *state;
    static const size_t sizes[] = { 0, sizeof(uint64_t), CREATE_OPTS_SIZE_0_1 - 1 };
    lcont_create_opts opts = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_error *err = NULL;

    opts.bundle = "/nonexistent/bundle";
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        opts.struct_size = sizes[i];
        assert_int_equal(lcont_container_create(env->ctx, "opts-small", &opts, 0, &c, &err),
                         -EINVAL);
        assert_null(c);
        assert_int_equal(lcont_error_code(err), -EINVAL);
        lcont_error_free(err);
        err = NULL;
    }
    assert_state_root_empty(env);
}

static void test_api_opts_create_bigger_zero_tail(void **state)
{
    struct create_env *env = *state;
    struct create_opts_future opts;
    lcont_container *c = NULL;
    lcont_error *err = NULL;

    memset(&opts, 0, sizeof(opts));
    opts.base.struct_size = sizeof(opts);
    opts.base.bundle = "/nonexistent/bundle";
    /* accepted: the create goes on and fails on the missing bundle instead */
    assert_int_equal(lcont_container_create(env->ctx, "opts-zero-tail", &opts.base, 0, &c, &err),
                     -ENOENT);
    assert_null(c);
    assert_non_null(strstr(lcont_error_message(err), "/nonexistent/bundle"));
    lcont_error_free(err);
    assert_state_root_empty(env);
}

static void test_api_opts_create_bigger_nonzero_tail(void **state)
{
    struct create_env *env = *state;
    struct create_opts_future opts;
    lcont_container *c = NULL;
    lcont_error *err = NULL;

    memset(&opts, 0, sizeof(opts));
    opts.base.struct_size = sizeof(opts);
    opts.base.bundle = "/nonexistent/bundle";
    opts.future[2] = 1ULL << 63;
    assert_int_equal(lcont_container_create(env->ctx, "opts-tail", &opts.base, 0, &c, &err),
                     -E2BIG);
    assert_null(c);
    assert_int_equal(lcont_error_code(err), -E2BIG);
    lcont_error_free(err);
    assert_state_root_empty(env);
}

static void test_api_opts_create_init(void **state)
{
    unsigned char buf[sizeof(lcont_create_opts) + 24];
    lcont_create_opts *opts = (lcont_create_opts *)(void *)buf;
    lcont_create_opts expected = LCONT_CREATE_OPTS_INIT;

    (void)state;
    memset(buf, 0xa5, sizeof(buf));
    assert_int_equal(lcont_create_opts_init(opts, sizeof(lcont_create_opts)), 0);
    /* same as the C initializer: zeroed fields, struct_size set */
    assert_memory_equal(opts, &expected, sizeof(expected));
    assert_int_equal(buf[sizeof(lcont_create_opts)], 0xa5);

    memset(buf, 0xa5, sizeof(buf));
    assert_int_equal(lcont_create_opts_init(opts, sizeof(buf)), 0);
    assert_int_equal(opts->struct_size, sizeof(buf));
    for (size_t i = sizeof(uint64_t); i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);

    assert_int_equal(lcont_create_opts_init(opts, CREATE_OPTS_SIZE_0_1 - 1), -EINVAL);
    assert_int_equal(lcont_create_opts_init(NULL, sizeof(lcont_create_opts)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_opts_context_too_small),
        cmocka_unit_test(test_api_opts_context_exact_size),
        cmocka_unit_test(test_api_opts_context_bigger_zero_tail),
        cmocka_unit_test(test_api_opts_context_bigger_nonzero_tail),
        cmocka_unit_test(test_api_opts_context_init),
        cmocka_unit_test_setup_teardown(test_api_opts_create_too_small, create_env_setup,
                                        create_env_teardown),
        cmocka_unit_test_setup_teardown(test_api_opts_create_bigger_zero_tail, create_env_setup,
                                        create_env_teardown),
        cmocka_unit_test_setup_teardown(test_api_opts_create_bigger_nonzero_tail, create_env_setup,
                                        create_env_teardown),
        cmocka_unit_test(test_api_opts_create_init),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
