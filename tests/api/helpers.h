/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test-only helpers for the public-API tests: temp dirs and OCI bundles. */
#ifndef LCONT_TESTS_API_HELPERS_H
#define LCONT_TESTS_API_HELPERS_H

#include <stddef.h>

/* The exit code meson reports as SKIP. */
#define TEST_SKIP 77

/* mkdtemp under /tmp; returns a malloc'ed path or NULL. */
char *test_tmpdir_new(const char *tag);

/* rm -rf @path without crossing mount points; 0 or -errno. */
int test_rm_rf(const char *path);

/* Write a whole file; 0 or -errno. */
int test_write_file(const char *path, const char *text);

/*
 * Create an OCI bundle in a new temp dir: rootfs with a static busybox as
 * /bin/busybox plus /bin/sh, /bin/true, /bin/sleep, /bin/cat links, and a
 * config.json like `runc spec` (default namespaces, terminal false) running
 * @args (NULL-terminated). Returns the malloc'ed bundle path or NULL.
 */
char *test_bundle_new(const char *const *args);

/* The config.json test_bundle_new() writes (malloc'ed), or NULL. */
char *test_config_json(const char *const *args);

/* Where the static busybox is, or NULL when it is not installed. */
const char *test_busybox_path(void);

/* A container id unique to this process and call. */
void test_unique_id(char *buf, size_t size, const char *tag);

#endif
