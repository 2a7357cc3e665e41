/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Public API: argument checking on every entry point (STYLE §4.4, §5.3):
 * NULL arguments and unknown flag bits are -EINVAL, never a crash, and
 * outputs are left alone on failure (§1.6). Entry points that need a live
 * container are covered by test-api-container.c.
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

/* Flag bits no 0.1 entry point defines. */
#define UNKNOWN_FLAG_HIGH (1ULL << 63)
#define UNKNOWN_FLAG_LOW (1ULL << 5)

/* Stand-ins for "not written": outputs must keep these after a failure. */
static char sentinel_storage[4];
#define SENTINEL_PTR ((void *)sentinel_storage)

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
    env->root = test_tmpdir_new("args-root");
    if (!env->root)
        return -1;
    opts.state_root = env->root;
    if (lcont_context_new(&opts, 0, &env->ctx, NULL) < 0)
        return -1;
    *state = env;
    return 0;
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

/* Assert an -EINVAL failure that also filled *err (when asked for one). */
#define assert_einval_err(call, err)                       \
    do {                                                   \
        assert_int_equal((call), -EINVAL);                 \
        assert_int_equal(lcont_error_code(err), -EINVAL);  \
        assert_true(strlen(lcont_error_message(err)) > 0); \
        lcont_error_free(err);                             \
        (err) = NULL;                                      \
    } while (0)

/* ---- NULL arguments ---- */

static void test_api_args_null_context(void **state)
{
    lcont_error *err = NULL;

    (void)state;
    assert_einval_err(lcont_context_new(NULL, 0, NULL, &err), err);
    assert_int_equal(lcont_context_new(NULL, 0, NULL, NULL), -EINVAL);
    assert_int_equal(lcont_context_opts_init(NULL, sizeof(lcont_context_opts)), -EINVAL);
    assert_int_equal(lcont_context_set_log_fn(NULL, LCONT_LOG_DEBUG, NULL, NULL, NULL), -EINVAL);
    assert_null(lcont_context_get_state_root(NULL));
    assert_null(lcont_context_ref(NULL));
    assert_null(lcont_context_unref(NULL));
}

static void test_api_args_null_container_create(void **state)
{
    struct env *env = *state;
    lcont_create_opts opts = LCONT_CREATE_OPTS_INIT;
    lcont_create_opts no_bundle = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = SENTINEL_PTR;
    lcont_error *err = NULL;

    opts.bundle = "/nonexistent/bundle";
    assert_einval_err(lcont_container_create(NULL, "x", &opts, 0, &c, &err), err);
    assert_einval_err(lcont_container_create(env->ctx, NULL, &opts, 0, &c, &err), err);
    assert_einval_err(lcont_container_create(env->ctx, "x", NULL, 0, &c, &err), err);
    assert_einval_err(lcont_container_create(env->ctx, "x", &no_bundle, 0, &c, &err), err);
    assert_einval_err(lcont_container_create(env->ctx, "x", &opts, 0, NULL, &err), err);
    assert_int_equal(lcont_container_create(NULL, NULL, NULL, 0, NULL, NULL), -EINVAL);
    assert_ptr_equal(c, SENTINEL_PTR);
}

static void test_api_args_bad_container_id(void **state)
{
    static const char *const bad[] = { "", ".", "..", "../escape", "a/b", "/abs", "a\nb" };
    struct env *env = *state;
    lcont_create_opts opts = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = SENTINEL_PTR;
    lcont_error *err = NULL;

    opts.bundle = "/nonexistent/bundle";
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("id '%s'\n", bad[i]);
        assert_einval_err(lcont_container_create(env->ctx, bad[i], &opts, 0, &c, &err), err);
        assert_einval_err(lcont_container_load(env->ctx, bad[i], 0, &c, &err), err);
    }
    assert_ptr_equal(c, SENTINEL_PTR);
}

static void test_api_args_null_container_handles(void **state)
{
    lcont_error *err = NULL;
    lcont_process *p = SENTINEL_PTR;
    char *json = SENTINEL_PTR;

    (void)state;
    assert_null(lcont_container_ref(NULL));
    assert_null(lcont_container_unref(NULL));
    assert_einval_err(lcont_container_start(NULL, 0, &err), err);
    assert_einval_err(lcont_container_kill(NULL, 15, 0, &err), err);
    assert_einval_err(lcont_container_delete(NULL, 0, &err), err);
    assert_einval_err(lcont_container_get_status(NULL, 0, &err), err);
    assert_einval_err(lcont_container_get_state_json(NULL, 0, &json, &err), err);
    assert_einval_err(lcont_container_get_init_process(NULL, 0, &p, &err), err);
    assert_null(lcont_container_get_id(NULL));
    assert_null(lcont_container_get_bundle(NULL));
    assert_true(lcont_container_get_pid(NULL) <= 0);
    assert_ptr_equal(json, SENTINEL_PTR);
    assert_ptr_equal(p, SENTINEL_PTR);
    /* and with no error out-parameter at all */
    assert_int_equal(lcont_container_start(NULL, 0, NULL), -EINVAL);
    assert_int_equal(lcont_container_get_state_json(NULL, 0, NULL, NULL), -EINVAL);
}

static void test_api_args_null_load_list(void **state)
{
    struct env *env = *state;
    lcont_container *c = SENTINEL_PTR;
    char **ids = SENTINEL_PTR;
    lcont_error *err = NULL;

    assert_einval_err(lcont_container_load(NULL, "x", 0, &c, &err), err);
    assert_einval_err(lcont_container_load(env->ctx, NULL, 0, &c, &err), err);
    assert_einval_err(lcont_container_load(env->ctx, "x", 0, NULL, &err), err);
    assert_einval_err(lcont_container_list(NULL, 0, &ids, &err), err);
    assert_einval_err(lcont_container_list(env->ctx, 0, NULL, &err), err);
    assert_ptr_equal(c, SENTINEL_PTR);
    assert_ptr_equal(ids, SENTINEL_PTR);
}

static void test_api_args_null_process(void **state)
{
    lcont_error *err = NULL;
    int status = 12345;

    (void)state;
    assert_null(lcont_process_ref(NULL));
    assert_null(lcont_process_unref(NULL));
    assert_int_equal(lcont_process_get_pid(NULL), -1);
    assert_int_equal(lcont_process_get_pidfd(NULL), -EINVAL);
    assert_einval_err(lcont_process_signal(NULL, 15, 0, &err), err);
    assert_einval_err(lcont_process_wait(NULL, 0, &status, &err), err);
    assert_int_equal(status, 12345);
}

static void test_api_args_null_spec(void **state)
{
    lcont_error *err = NULL;

    (void)state;
    assert_einval_err(lcont_spec_generate(0, NULL, &err), err);
    assert_einval_err(lcont_spec_validate(NULL, 10, 0, &err), err);
    assert_einval_err(lcont_spec_get_features_json(0, NULL, &err), err);
    assert_int_equal(lcont_create_opts_init(NULL, sizeof(lcont_create_opts)), -EINVAL);
}

/* ---- unknown flags ---- */

static void test_api_flags_context_new(void **state)
{
    lcont_context *ctx = SENTINEL_PTR;
    lcont_error *err = NULL;

    (void)state;
    assert_einval_err(lcont_context_new(NULL, UNKNOWN_FLAG_HIGH, &ctx, &err), err);
    assert_einval_err(lcont_context_new(NULL, 1, &ctx, &err), err);
    assert_ptr_equal(ctx, SENTINEL_PTR);
}

static void test_api_flags_container_create(void **state)
{
    struct env *env = *state;
    lcont_create_opts opts = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = SENTINEL_PTR;
    lcont_error *err = NULL;
    char **ids = NULL;

    /* the flags are checked before the (missing) bundle is looked at */
    opts.bundle = "/nonexistent/bundle";
    assert_einval_err(lcont_container_create(env->ctx, "f", &opts, UNKNOWN_FLAG_HIGH, &c, &err),
                      err);
    assert_einval_err(lcont_container_create(env->ctx, "f", &opts, UNKNOWN_FLAG_LOW, &c, &err),
                      err);
    assert_einval_err(lcont_container_create(env->ctx, "f", &opts,
                                             LCONT_CREATE_STDIO | UNKNOWN_FLAG_LOW, &c, &err),
                      err);
    assert_ptr_equal(c, SENTINEL_PTR);
    assert_int_equal(lcont_container_list(env->ctx, 0, &ids, NULL), 0);
    assert_null(ids[0]);
    lcont_strv_free(ids);
}

static void test_api_flags_load_list(void **state)
{
    struct env *env = *state;
    lcont_container *c = SENTINEL_PTR;
    char **ids = SENTINEL_PTR;
    lcont_error *err = NULL;

    /* no flags are defined: any bit is -EINVAL, even before the lookup */
    assert_einval_err(lcont_container_load(env->ctx, "missing", 1, &c, &err), err);
    assert_einval_err(lcont_container_load(env->ctx, "missing", UNKNOWN_FLAG_HIGH, &c, &err), err);
    assert_einval_err(lcont_container_list(env->ctx, 1, &ids, &err), err);
    assert_einval_err(lcont_container_list(env->ctx, UNKNOWN_FLAG_HIGH, &ids, &err), err);
    assert_ptr_equal(c, SENTINEL_PTR);
    assert_ptr_equal(ids, SENTINEL_PTR);
}

static void test_api_flags_spec(void **state)
{
    static const char *const args[] = { "/bin/true", NULL };
    char *config = test_config_json(args);
    char *out = SENTINEL_PTR;
    lcont_error *err = NULL;

    (void)state;
    assert_einval_err(lcont_spec_generate(UNKNOWN_FLAG_LOW, &out, &err), err);
    assert_einval_err(lcont_spec_generate(LCONT_SPEC_ROOTLESS | UNKNOWN_FLAG_HIGH, &out, &err),
                      err);
    assert_einval_err(lcont_spec_get_features_json(1, &out, &err), err);
    assert_ptr_equal(out, SENTINEL_PTR);
    /* a valid config: only the flags can make it fail */
    assert_non_null(config);
    assert_int_equal(lcont_spec_validate(config, strlen(config), 0, NULL), 0);
    assert_einval_err(lcont_spec_validate(config, strlen(config), UNKNOWN_FLAG_HIGH, &err), err);
    assert_einval_err(lcont_spec_validate(config, strlen(config), 1, &err), err);
    free(config);
}

/* ---- lookups ---- */

static void test_api_load_missing_is_enoent(void **state)
{
    struct env *env = *state;
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;
    lcont_container *c = SENTINEL_PTR;
    lcont_error *err = NULL;
    char root[4096];

    assert_int_equal(lcont_container_load(env->ctx, "no-such-container", 0, &c, &err), -ENOENT);
    assert_int_equal(lcont_error_code(err), -ENOENT);
    assert_non_null(strstr(lcont_error_message(err), "no-such-container"));
    lcont_error_free(err);
    assert_ptr_equal(c, SENTINEL_PTR);

    /* a state root that does not exist yet holds no containers either */
    snprintf(root, sizeof(root), "%s/not-created", env->root);
    opts.state_root = root;
    assert_int_equal(lcont_context_new(&opts, 0, &ctx, NULL), 0);
    assert_int_equal(lcont_container_load(ctx, "x", 0, &c, NULL), -ENOENT);
    lcont_context_unref(ctx);
}

static void test_api_list_empty(void **state)
{
    struct env *env = *state;
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;
    char **ids = NULL;
    char root[4096];

    assert_int_equal(lcont_container_list(env->ctx, 0, &ids, NULL), 0);
    assert_non_null(ids);
    assert_null(ids[0]);
    lcont_strv_free(ids);

    snprintf(root, sizeof(root), "%s/not-created", env->root);
    opts.state_root = root;
    assert_int_equal(lcont_context_new(&opts, 0, &ctx, NULL), 0);
    ids = NULL;
    assert_int_equal(lcont_container_list(ctx, 0, &ids, NULL), 0);
    assert_non_null(ids);
    assert_null(ids[0]);
    lcont_strv_free(ids);
    lcont_context_unref(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_args_null_context),
        cmocka_unit_test_setup_teardown(test_api_args_null_container_create, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(test_api_args_bad_container_id, env_setup, env_teardown),
        cmocka_unit_test(test_api_args_null_container_handles),
        cmocka_unit_test_setup_teardown(test_api_args_null_load_list, env_setup, env_teardown),
        cmocka_unit_test(test_api_args_null_process),
        cmocka_unit_test(test_api_args_null_spec),
        cmocka_unit_test(test_api_flags_context_new),
        cmocka_unit_test_setup_teardown(test_api_flags_container_create, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_api_flags_load_list, env_setup, env_teardown),
        cmocka_unit_test(test_api_flags_spec),
        cmocka_unit_test_setup_teardown(test_api_load_missing_is_enoent, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_api_list_empty, env_setup, env_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
