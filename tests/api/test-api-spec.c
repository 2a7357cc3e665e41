/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Public API: the spec entry points work together. The generated default
 * config validates, errors name the offending field, and the returned
 * strings are freed with lcont_free().
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

static void test_api_spec_generate_validates(void **state)
{
    static const uint64_t variants[] = { 0, LCONT_SPEC_ROOTLESS };
    lcont_error *err = NULL;

    (void)state;
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        char *json = NULL;

        assert_int_equal(lcont_spec_generate(variants[i], &json, &err), 0);
        assert_non_null(json);
        assert_non_null(strstr(json, "\"ociVersion\""));
        if (lcont_spec_validate(json, strlen(json), 0, &err) != 0)
            fail_msg("generated config (flags %llu) does not validate: %s",
                     (unsigned long long)variants[i], lcont_error_message(err));
        lcont_free(json);
    }
    assert_null(err);
}

static void test_api_spec_validate_names_field(void **state)
{
    static const char *const args[] = { "/bin/true", NULL };
    static const char *const no_args[] = { NULL };
    char *config = test_config_json(args);
    char *bad = test_config_json(no_args);
    lcont_error *err = NULL;

    (void)state;
    assert_non_null(config);
    assert_non_null(bad);
    assert_int_equal(lcont_spec_validate(config, strlen(config), 0, &err), 0);
    /* "args": [] differs from the valid config in nothing else */
    assert_int_equal(lcont_spec_validate(bad, strlen(bad), 0, &err), -EINVAL);
    assert_int_equal(lcont_error_code(err), -EINVAL);
    assert_non_null(strstr(lcont_error_message(err), "process.args"));
    lcont_error_free(err);
    err = NULL;

    assert_int_equal(lcont_spec_validate("{", 1, 0, &err), -EINVAL);
    assert_int_equal(lcont_error_code(err), -EINVAL);
    lcont_error_free(err);
    free(bad);
    free(config);
}

static void test_api_spec_features(void **state)
{
    char *json = NULL;

    (void)state;
    assert_int_equal(lcont_spec_get_features_json(0, &json, NULL), 0);
    assert_non_null(json);
    assert_int_equal(json[0], '{');
    assert_non_null(strstr(json, "\"ociVersionMin\""));
    assert_non_null(strstr(json, "\"ociVersionMax\""));
    lcont_free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_spec_generate_validates),
        cmocka_unit_test(test_api_spec_validate_names_field),
        cmocka_unit_test(test_api_spec_features),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
