/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Deterministic mutations of a real image config through the parser and the
 * generator: every truncation and many byte substitutions. Each call must
 * either succeed with a result or fail with a negative errno and a message,
 * never both or neither (run under ASan/UBSan to catch memory errors too).
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

#include <lcont/spec.h>

#include "spec/image-config.h"

#define DIFF_A "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"

static const char seed[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
    "\"config\":{\"User\":\"1000:50\",\"Env\":[\"PATH=/bin\",\"A=1\"],"
    "\"Entrypoint\":[\"/bin/entry\"],\"Cmd\":[\"serve\",\"-v\"],\"WorkingDir\":\"/srv\","
    "\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":{\"/data\":{}},\"Labels\":{\"a\":\"b\"},"
    "\"StopSignal\":\"SIGTERM\"},"
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" DIFF_A "\"]}}";

/* Bytes that change JSON structure or types the most. */
static const char substitutes[] = { '"', '{', '}',  '[', ']', ':', ',', '0',
                                    '-', 'n', '\\', ' ', 'x', '/', '\0' };

struct counts {
    size_t ok, failed;
};

static void check_one(const char *buf, size_t len, struct counts *n)
{
    struct lcont_image_config *c = NULL;
    lcont_error *err = NULL;
    char *json = NULL, *text;
    int r;

    r = lcont__image_config_parse(buf, len, &c, &err);
    if (r == 0) {
        assert_non_null(c);
        assert_null(err);
        assert_non_null(c->os);
        assert_non_null(c->diff_ids);
        lcont__image_config_free(c);
    } else {
        assert_true(r < 0);
        assert_null(c);
        assert_non_null(err);
        assert_true(lcont_error_code(err) == r);
        assert_true(strlen(lcont_error_message(err)) > 0);
        lcont_error_free(err);
        err = NULL;
    }

    /* the public entry point takes NUL-terminated text */
    text = strndup(buf, len);
    assert_non_null(text);
    r = lcont_spec_from_image_config(text, NULL, NULL, 0, &json, &err);
    if (r == 0) {
        assert_non_null(json);
        assert_null(err);
        /* whatever it generates, the runtime's validator accepts */
        assert_int_equal(lcont_spec_validate(json, strlen(json), 0, NULL), 0);
        lcont_free(json);
        n->ok++;
    } else {
        assert_true(r < 0);
        assert_null(json);
        assert_non_null(err);
        assert_true(lcont_error_code(err) == r);
        lcont_error_free(err);
        n->failed++;
    }
    free(text);
}

static void test_image_config_truncations(void **state)
{
    struct counts n = { 0 };
    size_t len = strlen(seed);

    for (size_t cut = 0; cut <= len; cut++)
        check_one(seed, cut, &n);
    /* only the whole document is valid JSON */
    assert_int_equal(n.ok, 1);
    assert_int_equal(n.failed, len);
}

static void test_image_config_substitutions(void **state)
{
    struct counts n = { 0 };
    size_t len = strlen(seed);
    char *buf = malloc(len + 1);

    assert_non_null(buf);
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof(substitutes); k++) {
            if (seed[i] == substitutes[k])
                continue;
            memcpy(buf, seed, len + 1);
            buf[i] = substitutes[k];
            check_one(buf, len, &n);
        }
    }
    /* both outcomes happen: the mutations reach the typed checks, not only the JSON syntax */
    assert_true(n.ok > 0);
    assert_true(n.failed > 0);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_config_truncations),
        cmocka_unit_test(test_image_config_substitutions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
