/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Public API: context lifetime, state root, log callback registration,
 * version and feature queries, error objects. Links only liblcont.so.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <lcont/lcont.h>

/* ---- context lifetime ---- */

struct destroy_probe {
    int calls;
};

static void count_destroy(void *userdata)
{
    ((struct destroy_probe *)userdata)->calls++;
}

static void ignore_log(int level, const char *msg, void *userdata)
{
    (void)level;
    (void)msg;
    (void)userdata;
}

static void test_api_context_new_default(void **state)
{
    lcont_context *ctx = NULL;

    (void)state;
    assert_int_equal(lcont_context_new(NULL, 0, &ctx, NULL), 0);
    assert_non_null(ctx);
    assert_string_equal(lcont_context_get_state_root(ctx), "/run/lcont");
    assert_null(lcont_context_unref(ctx));
}

static void test_api_context_ref_unref(void **state)
{
    struct destroy_probe probe = { 0 };
    lcont_context *ctx = NULL;

    (void)state;
    assert_int_equal(lcont_context_new(NULL, 0, &ctx, NULL), 0);
    /* The log destroy callback tells us when the context is really freed. */
    assert_int_equal(
        lcont_context_set_log_fn(ctx, LCONT_LOG_DEBUG, ignore_log, &probe, count_destroy), 0);
    assert_ptr_equal(lcont_context_ref(ctx), ctx);
    assert_null(lcont_context_unref(ctx));
    assert_int_equal(probe.calls, 0);
    /* still alive and usable */
    assert_string_equal(lcont_context_get_state_root(ctx), "/run/lcont");
    assert_null(lcont_context_unref(ctx));
    assert_int_equal(probe.calls, 1);
}

static void test_api_context_unref_null(void **state)
{
    (void)state;
    assert_null(lcont_context_unref(NULL));
    assert_null(lcont_context_ref(NULL));
}

static void test_api_context_state_root_custom(void **state)
{
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    char root[64];
    lcont_context *ctx = NULL;

    (void)state;
    snprintf(root, sizeof(root), "/tmp/lcont-api-root-%d", (int)getpid());
    opts.state_root = root;
    assert_int_equal(lcont_context_new(&opts, 0, &ctx, NULL), 0);
    /* the option string is borrowed for the call only (STYLE §3.1) */
    memset(root, 'x', sizeof(root) - 1);
    assert_true(strncmp(lcont_context_get_state_root(ctx), "/tmp/lcont-api-root-", 20) == 0);
    assert_int_equal(access(lcont_context_get_state_root(ctx), F_OK), -1);
    lcont_context_unref(ctx);
}

static void test_api_context_state_root_relative(void **state)
{
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;
    lcont_error *err = NULL;

    (void)state;
    opts.state_root = "run/lcont";
    assert_int_equal(lcont_context_new(&opts, 0, &ctx, &err), -EINVAL);
    assert_null(ctx);
    assert_non_null(err);
    assert_int_equal(lcont_error_code(err), -EINVAL);
    assert_non_null(strstr(lcont_error_message(err), "run/lcont"));
    lcont_error_free(err);

    opts.state_root = "";
    assert_int_equal(lcont_context_new(&opts, 0, &ctx, NULL), -EINVAL);
    assert_null(ctx);
}

/* ---- log callback registration ---- */

static void test_api_context_log_destroy_on_replace(void **state)
{
    struct destroy_probe first = { 0 }, second = { 0 };
    lcont_context *ctx = NULL;

    (void)state;
    assert_int_equal(lcont_context_new(NULL, 0, &ctx, NULL), 0);
    assert_int_equal(
        lcont_context_set_log_fn(ctx, LCONT_LOG_INFO, ignore_log, &first, count_destroy), 0);
    assert_int_equal(first.calls, 0);
    assert_int_equal(
        lcont_context_set_log_fn(ctx, LCONT_LOG_INFO, ignore_log, &second, count_destroy), 0);
    assert_int_equal(first.calls, 1);
    assert_int_equal(second.calls, 0);
    /* disabling logging drops the registration too */
    assert_int_equal(lcont_context_set_log_fn(ctx, LCONT_LOG_INFO, NULL, NULL, NULL), 0);
    assert_int_equal(second.calls, 1);
    lcont_context_unref(ctx);
    assert_int_equal(first.calls, 1);
    assert_int_equal(second.calls, 1);
}

static void test_api_context_log_destroy_on_unref(void **state)
{
    struct destroy_probe probe = { 0 };
    lcont_context *ctx = NULL;

    (void)state;
    assert_int_equal(lcont_context_new(NULL, 0, &ctx, NULL), 0);
    assert_int_equal(
        lcont_context_set_log_fn(ctx, LCONT_LOG_DEBUG, ignore_log, &probe, count_destroy), 0);
    lcont_context_unref(ctx);
    assert_int_equal(probe.calls, 1);
}

static void test_api_context_log_bad_args(void **state)
{
    struct destroy_probe probe = { 0 };
    lcont_context *ctx = NULL;

    (void)state;
    assert_int_equal(lcont_context_set_log_fn(NULL, LCONT_LOG_DEBUG, ignore_log, NULL, NULL),
                     -EINVAL);
    assert_int_equal(lcont_context_new(NULL, 0, &ctx, NULL), 0);
    assert_int_equal(lcont_context_set_log_fn(ctx, -1, ignore_log, NULL, NULL), -EINVAL);
    assert_int_equal(lcont_context_set_log_fn(ctx, 1000, ignore_log, NULL, NULL), -EINVAL);
    /* a rejected registration is not taken: its destroy is never called */
    assert_int_equal(lcont_context_set_log_fn(ctx, -1, ignore_log, &probe, count_destroy), -EINVAL);
    lcont_context_unref(ctx);
    assert_int_equal(probe.calls, 0);
}

/* ---- version and features ---- */

static void test_api_version_string(void **state)
{
    char expected[32];

    (void)state;
    assert_non_null(lcont_version());
    assert_string_equal(lcont_version(), LCONT_VERSION_STRING);
    snprintf(expected, sizeof(expected), "%d.%d.%d", LCONT_VERSION_MAJOR, LCONT_VERSION_MINOR,
             LCONT_VERSION_MICRO);
    assert_string_equal(lcont_version(), expected);
    assert_true(LCONT_CHECK_VERSION(0, 1, 0));
    assert_true(LCONT_CHECK_VERSION(LCONT_VERSION_MAJOR, LCONT_VERSION_MINOR, LCONT_VERSION_MICRO));
    assert_false(LCONT_CHECK_VERSION(LCONT_VERSION_MAJOR, LCONT_VERSION_MINOR + 1, 0));
}

static void test_api_has_feature(void **state)
{
    (void)state;
    assert_int_equal(lcont_has_feature("seccomp"), 1);
    assert_int_equal(lcont_has_feature("cgroup-v2"), 1);
    assert_int_equal(lcont_has_feature("no-such-feature"), 0);
    assert_int_equal(lcont_has_feature("seccom"), 0);
    assert_int_equal(lcont_has_feature("seccomp-"), 0);
    assert_int_equal(lcont_has_feature(""), 0);
    assert_int_equal(lcont_has_feature(NULL), 0);
}

/* ---- error objects ---- */

static void test_api_error_code_and_message(void **state)
{
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;
    lcont_error *err = NULL;

    (void)state;
    opts.state_root = "relative";
    assert_int_equal(lcont_context_new(&opts, 0, &ctx, &err), -EINVAL);
    assert_int_equal(lcont_error_code(err), -EINVAL);
    assert_true(strlen(lcont_error_message(err)) > 0);
    lcont_error_free(err);

    /* NULL reads as "no error" */
    assert_int_equal(lcont_error_code(NULL), 0);
    assert_string_equal(lcont_error_message(NULL), "");
}

static void test_api_error_free_null_safe(void **state)
{
    (void)state;
    lcont_error_free(NULL);
    lcont_free(NULL);
    lcont_strv_free(NULL);
}

static void test_api_error_untouched_on_success(void **state)
{
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;
    lcont_error *err = NULL, *before;

    (void)state;
    /* get a real error object into err, then succeed with it in place */
    opts.state_root = "relative";
    assert_int_equal(lcont_context_new(&opts, 0, &ctx, &err), -EINVAL);
    before = err;
    assert_int_equal(lcont_context_new(NULL, 0, &ctx, &err), 0);
    assert_ptr_equal(err, before);
    assert_int_equal(lcont_error_code(err), -EINVAL);
    lcont_context_unref(ctx);
    lcont_error_free(err);
}

static void test_api_error_replaced_on_second_failure(void **state)
{
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;
    lcont_error *err = NULL;

    (void)state;
    opts.state_root = "first";
    assert_int_equal(lcont_context_new(&opts, 0, &ctx, &err), -EINVAL);
    assert_non_null(strstr(lcont_error_message(err), "first"));
    /* a new failure replaces the old error (the old one is freed; ASan checks that) */
    opts.state_root = "second";
    assert_int_equal(lcont_context_new(&opts, 0, &ctx, &err), -EINVAL);
    assert_non_null(strstr(lcont_error_message(err), "second"));
    assert_null(strstr(lcont_error_message(err), "first"));
    lcont_error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_context_new_default),
        cmocka_unit_test(test_api_context_ref_unref),
        cmocka_unit_test(test_api_context_unref_null),
        cmocka_unit_test(test_api_context_state_root_custom),
        cmocka_unit_test(test_api_context_state_root_relative),
        cmocka_unit_test(test_api_context_log_destroy_on_replace),
        cmocka_unit_test(test_api_context_log_destroy_on_unref),
        cmocka_unit_test(test_api_context_log_bad_args),
        cmocka_unit_test(test_api_version_string),
        cmocka_unit_test(test_api_has_feature),
        cmocka_unit_test(test_api_error_code_and_message),
        cmocka_unit_test(test_api_error_free_null_safe),
        cmocka_unit_test(test_api_error_untouched_on_success),
        cmocka_unit_test(test_api_error_replaced_on_second_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
