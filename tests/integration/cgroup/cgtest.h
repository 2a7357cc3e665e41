/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_TESTS_CGTEST_H
#define LCONT_TESTS_CGTEST_H

/*
 * Helpers for the cgroup integration tests. They find cgroup files on their
 * own (from /proc/self/mounts and plain paths), never through the library, so
 * the tests check what the kernel really has.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

#define CHECK(cond, ...)                                                             \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
            return -1;                                                               \
        }                                                                            \
    } while (0)

struct cgt_test {
    const char *name;
    int (*fn)(void);
};
#define CGT_TEST(f) \
    {               \
#f, f       \
    }

/* Run the tests (exit 77 unless root); returns the process exit status. */
int cgt_main(const struct cgt_test *tests, size_t n);

/* The layout the host should have: $LCONT_EXPECT_CGROUP_LAYOUT (v1|v2|hybrid) or /proc/self/mounts. */
enum lcont_cgroup_layout cgt_layout(void);
const char *cgt_layout_name(enum lcont_cgroup_layout layout);

/* "/lcont-cgtest-<pid>/<name>": absolute cgroup paths removed at exit. */
const char *cgt_path(const char *name);
const char *cgt_parent(void);

/*
 * Directory of cgroup @path in the hierarchy of @controller: the v1 mount
 * carrying it, or the cgroup2 tree when @controller is NULL or the host is v2.
 * Returns false if no such hierarchy is mounted.
 */
bool cgt_dir(const char *controller, const char *path, char *buf, size_t size);
/* Read @file there (trailing newline stripped); false if unreadable. */
bool cgt_read(const char *controller, const char *path, const char *file, char *buf, size_t size);
/* Write @value to @file there; false on failure (errno set). */
bool cgt_write(const char *controller, const char *path, const char *file, const char *value);
/* The numeric value after "@key " in a flat-keyed file (memory.events, oom_control); -1 if absent. */
long long cgt_keyed(const char *text, const char *key);

/* Every mounted hierarchy's mount point (v1 ones and cgroup2); NULL-terminated, static. */
char **cgt_mounts(void);
/* A whole disk (vd/sd/nvme/xvd): its "maj:min"; false when there is none. */
bool cgt_find_disk(unsigned *major, unsigned *minor);
/* Number of hierarchies in which @path exists as a directory. */
int cgt_count_dirs(const char *path);

/*
 * Fork a child, move it into @cg with lcont__cgroup_enter, then let it run
 * fn(arg) and exit with its result. Returns the pid, or -1.
 */
pid_t cgt_spawn_in(struct lcont_cgroup *cg, int (*fn)(void *), void *arg);
/* waitpid; returns the raw status or -1. */
int cgt_wait(pid_t pid);

/* lcont__cgroup_new + create for cgt_path(@name); NULL on failure (message printed). */
struct lcont_cgroup *cgt_create(const char *name);

#endif
