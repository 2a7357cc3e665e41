/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_TEST_BUNDLE_H
#define LCONT_TEST_BUNDLE_H

/* Test bundles: a busybox-static rootfs and a config built from lcont_spec_generate(). */

#include <cjson/cJSON.h>

struct test_bundle {
    char dir[256];  /* bundle directory */
    char root[256]; /* state root for this test */
    cJSON *config;  /* edited by the test, written by bundle_write_config() */
};

/* Create a fresh bundle under /tmp; exits 77 (skip) if not root or busybox is missing. */
void bundle_new(struct test_bundle *b, const char *name);
void bundle_free(struct test_bundle *b);
/* process.args = sh -c @script, terminal false */
void bundle_set_script(struct test_bundle *b, const char *script);
/* Replace/insert the member @key of the object at @path ("process", "linux", "" = root). */
void bundle_set(struct test_bundle *b, const char *path, const char *key, cJSON *value);
void bundle_write_config(struct test_bundle *b);
/* Read a whole file into a static buffer ("" if missing). */
const char *read_text(const char *path);

#endif
