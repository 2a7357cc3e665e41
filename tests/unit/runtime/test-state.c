/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container state store: ids, atomic records, the directory lock. No privileges needed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/context-internal.h"
#include "core/util.h"
#include "runtime/state.h"

static char root[256];
static lcont_context *ctx;

static int setup(void **state)
{
    lcont_context_opts o = LCONT_CONTEXT_OPTS_INIT;
    (void)state;
    snprintf(root, sizeof(root), "/tmp/lcont-unit-state-%d/run", (int)getpid());
    o.state_root = root;
    return lcont_context_new(&o, 0, &ctx, NULL);
}

static int teardown(void **state)
{
    char cmd[300];
    (void)state;
    ctx = lcont_context_unref(ctx);
    snprintf(cmd, sizeof(cmd), "rm -rf /tmp/lcont-unit-state-%d", (int)getpid());
    return system(cmd);
}

static void test_state_validate_id(void **state)
{
    static const char *const good[] = { "a", "web-1", "A_b.c+d", "0", NULL };
    static const char *const bad[] = { "", ".", "..", "a/b", "a b", "é", "x\n", NULL };
    char long_id[1100];
    lcont_error *err = NULL;
    (void)state;
    for (size_t i = 0; good[i]; i++)
        assert_int_equal(lcont__state_validate_id(good[i], NULL), 0);
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(lcont__state_validate_id(bad[i], NULL), -EINVAL);
    assert_int_equal(lcont__state_validate_id(NULL, NULL), -EINVAL);
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    assert_int_equal(lcont__state_validate_id(long_id, &err), -EINVAL);
    assert_string_equal(lcont_error_message(err), "container id is longer than 1024 characters");
    lcont_error_free(err);
}

static void test_state_roundtrip_is_atomic(void **state)
{
    struct lcont_state st = { 0 }, back = { 0 };
    int rootfd, dirfd, entries = 0;
    struct dirent *de;
    DIR *d;
    (void)state;
    rootfd = lcont__state_open_root(ctx, 1, NULL);
    assert_true(rootfd >= 0);
    dirfd = lcont__state_dir_create(rootfd, "c1", NULL);
    assert_true(dirfd >= 0);
    st.id = (char *)"c1";
    st.bundle = (char *)"/b";
    st.rootfs = (char *)"/b/rootfs";
    st.created = (char *)"2026-01-01T00:00:00.000000000Z";
    st.cgroup_path = (char *)"/lcont/c1";
    st.annotations_json = (char *)"{\"k\":\"v\"}";
    st.status = LCONT_STATE_CREATED;
    st.pid = 1234;
    st.pid_start_time = 987654321;
    assert_int_equal(lcont__state_write(dirfd, &st, NULL), 0);
    st.status = LCONT_STATE_RUNNING; /* rewritten in place: readers see old or new, never half */
    assert_int_equal(lcont__state_write(dirfd, &st, NULL), 0);
    assert_int_equal(lcont__state_read(dirfd, &back, NULL), 0);
    assert_string_equal(back.id, "c1");
    assert_string_equal(back.bundle, "/b");
    assert_string_equal(back.cgroup_path, "/lcont/c1");
    assert_string_equal(back.annotations_json, "{\"k\":\"v\"}");
    assert_int_equal(back.status, LCONT_STATE_RUNNING);
    assert_int_equal(back.pid, 1234);
    assert_true(back.pid_start_time == 987654321);
    lcont__state_clear(&back);
    /* no temporary file is left next to the record */
    d = fdopendir(dup(dirfd));
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            entries++;
    closedir(d);
    assert_int_equal(entries, 1);
    close(dirfd);
    close(rootfd);
}

static void test_state_rejects_corrupt_record(void **state)
{
    struct lcont_state back = { 0 };
    lcont_error *err = NULL;
    int rootfd, dirfd;
    (void)state;
    rootfd = lcont__state_open_root(ctx, 1, NULL);
    dirfd = lcont__state_dir_create(rootfd, "bad", NULL);
    assert_int_equal(
        lcont__write_file_atomic_at(dirfd, LCONT_STATE_FILE, "{\"id\":", 6, 0600, false), 0);
    assert_int_equal(lcont__state_read(dirfd, &back, &err), -EINVAL);
    assert_string_equal(lcont_error_message(err), "state.json: not valid JSON");
    lcont_error_free(err);
    err = NULL;
    assert_int_equal(
        lcont__write_file_atomic_at(dirfd, LCONT_STATE_FILE, "{\"id\":\"x\"}", 10, 0600, false), 0);
    assert_int_equal(lcont__state_read(dirfd, &back, &err), -EINVAL);
    assert_string_equal(lcont_error_message(err), "state.json: missing or invalid fields");
    lcont_error_free(err);
    close(dirfd);
    close(rootfd);
}

static void test_state_dir_exclusive_and_locked(void **state)
{
    lcont_error *err = NULL;
    int rootfd, dirfd, other;
    (void)state;
    rootfd = lcont__state_open_root(ctx, 1, NULL);
    dirfd = lcont__state_dir_create(rootfd, "c2", NULL);
    assert_true(dirfd >= 0);
    assert_int_equal(lcont__state_dir_create(rootfd, "c2", &err), -EEXIST);
    assert_string_equal(lcont_error_message(err), "container 'c2' already exists");
    lcont_error_free(err);
    /* the directory is locked while we hold it */
    other = openat(rootfd, "c2", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1);
    assert_int_equal(errno, EWOULDBLOCK);
    close(dirfd);
    assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
    close(other);
    close(rootfd);
}

/* A waiter on the lock of a container that gets deleted meanwhile sees ENOENT, not a ghost. */
static void test_state_open_after_concurrent_delete(void **state)
{
    int rootfd, dirfd, ready[2], st;
    pid_t child;
    (void)state;
    rootfd = lcont__state_open_root(ctx, 1, NULL);
    dirfd = lcont__state_dir_create(rootfd, "gone", NULL);
    assert_true(dirfd >= 0);
    assert_int_equal(pipe(ready), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        char c;
        close(dirfd); /* our copy would keep the parent's lock alive */
        close(ready[1]);
        if (read(ready[0], &c, 1) != 0) /* EOF: the parent holds the lock */
            _exit(3);
        _exit(lcont__state_dir_open(rootfd, "gone", NULL) == -ENOENT ? 0 : 1);
    }
    close(ready[0]);
    close(ready[1]);
    usleep(1000); /* not needed for correctness: either order must give ENOENT */
    assert_int_equal(lcont__rm_rf_at(rootfd, "gone"), 0);
    close(dirfd);
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_int_equal(lcont__state_dir_open(rootfd, "gone", NULL), -ENOENT);
    close(rootfd);
}

static void test_state_oci_json(void **state)
{
    struct lcont_state st = { 0 };
    char *json;
    (void)state;
    st.id = (char *)"c3";
    st.bundle = (char *)"/b";
    st.created = (char *)"2026-01-01T00:00:00Z";
    st.pid = 42;
    json = lcont__state_to_oci_json(&st, LCONT_STATE_STOPPED);
    assert_non_null(strstr(json, "\"status\":\t\"stopped\""));
    /* a stopped container has no pid in its OCI state */
    assert_non_null(strstr(json, "\"pid\":\t0"));
    free(json);
    json = lcont__state_to_oci_json(&st, LCONT_STATE_RUNNING);
    assert_non_null(strstr(json, "\"pid\":\t42"));
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_validate_id),
        cmocka_unit_test_setup_teardown(test_state_roundtrip_is_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_rejects_corrupt_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_dir_exclusive_and_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_open_after_concurrent_delete, setup, teardown),
        cmocka_unit_test(test_state_oci_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
