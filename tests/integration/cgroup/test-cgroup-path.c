/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Layout detection, cgroupsPath resolution, create/open/destroy in every hierarchy. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lcont/error.h>

#include "cgtest.h"

static int test_cgroup_detect_layout(void)
{
    enum lcont_cgroup_layout layout;
    lcont_error *err = NULL;

    CHECK(lcont__cgroup_detect(&layout, &err) == 0, "%s", lcont_error_message(err));
    CHECK(layout == cgt_layout(), "detected %s, expected %s", cgt_layout_name(layout),
          cgt_layout_name(cgt_layout()));
    return 0;
}

static int test_cgroup_path_default_is_lcont_id(void)
{
    struct lcont_cgroup *cg = NULL;
    char id[64], want[80];

    snprintf(id, sizeof(id), "cgtest-default-%d", (int)getpid());
    snprintf(want, sizeof(want), "/lcont/%s", id);
    CHECK(lcont__cgroup_new(NULL, id, &cg, NULL) == 0, "new(NULL)");
    CHECK(strcmp(lcont__cgroup_get_path(cg), want) == 0, "got %s", lcont__cgroup_get_path(cg));
    lcont__cgroup_free(cg);
    CHECK(lcont__cgroup_new("", id, &cg, NULL) == 0, "new(\"\")");
    CHECK(strcmp(lcont__cgroup_get_path(cg), want) == 0, "got %s", lcont__cgroup_get_path(cg));
    lcont__cgroup_free(cg);
    /* new() creates nothing */
    CHECK(cgt_count_dirs(want) == 0, "%s exists after new()", want);
    /* an id that is not a single path component cannot name the cgroup */
    CHECK(lcont__cgroup_new(NULL, "a/b", &cg, NULL) == -EINVAL, "id a/b accepted");
    CHECK(lcont__cgroup_new(NULL, "..", &cg, NULL) == -EINVAL, "id .. accepted");
    return 0;
}

static int test_cgroup_path_absolute_is_kept(void)
{
    struct lcont_cgroup *cg = NULL;

    CHECK(lcont__cgroup_new("/some/where/web", "id", &cg, NULL) == 0, "new");
    CHECK(strcmp(lcont__cgroup_get_path(cg), "/some/where/web") == 0, "got %s",
          lcont__cgroup_get_path(cg));
    lcont__cgroup_free(cg);
    return 0;
}

static int test_cgroup_path_rejects_dotdot_and_noncanonical(void)
{
    static const char *const bad[] = { "..",  "../x", "a/../b", "/a/../b", "/a/..", "/..", "/a//b",
                                       "/a/", "/",    "a/./b",  "./a",     "/a/.",  "a/" };
    struct lcont_cgroup *cg = NULL;
    lcont_error *err = NULL;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = lcont__cgroup_new(bad[i], "id", &cg, &err);
        CHECK(r == -EINVAL, "'%s' gave %d", bad[i], r);
        CHECK(cg == NULL, "'%s' returned an object", bad[i]);
        CHECK(strstr(lcont_error_message(err), "cgroupsPath") != NULL, "message: %s",
              lcont_error_message(err));
        lcont_error_free(err);
        err = NULL;
        CHECK(lcont__cgroup_open(bad[i], &cg, NULL) == -EINVAL, "open('%s') accepted", bad[i]);
    }
    CHECK(lcont__cgroup_open("relative/x", &cg, NULL) == -EINVAL, "open(relative) accepted");
    return 0;
}

static int test_cgroup_path_systemd_style_unsupported(void)
{
    struct lcont_cgroup *cg = NULL;
    lcont_error *err = NULL;

    CHECK(lcont__cgroup_new("system.slice:lcont:web", "web", &cg, &err) == -EOPNOTSUPP, "code");
    CHECK(strstr(lcont_error_message(err), "systemd cgroup driver is not available") != NULL,
          "message: %s", lcont_error_message(err));
    lcont_error_free(err);
    return 0;
}

/* Our own cgroup, read here independently of the library: memory (v1/hybrid) or "0::" (v2). */
static int own_cgroup(char *buf, size_t size)
{
    bool v2 = cgt_layout() == LCONT_CGROUP_LAYOUT_V2;
    char line[1024];
    FILE *f = fopen("/proc/self/cgroup", "re");

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        if (v2 ? strcmp(c1 + 1, "") == 0 : strstr(c1 + 1, "memory") != NULL) {
            c2[1 + strcspn(c2 + 1, "\n")] = '\0';
            snprintf(buf, size, "%s", c2 + 1);
            fclose(f);
            return 0;
        }
    }
    fclose(f);
    return -1;
}

static int test_cgroup_path_relative_below_own_cgroup(void)
{
    struct lcont_cgroup *cg = NULL;
    char own[512], want[600];

    CHECK(own_cgroup(own, sizeof(own)) == 0, "no own cgroup");
    snprintf(want, sizeof(want), "%s/cgtest-rel/web", strcmp(own, "/") == 0 ? "" : own);
    CHECK(lcont__cgroup_new("cgtest-rel/web", "id", &cg, NULL) == 0, "new");
    CHECK(strcmp(lcont__cgroup_get_path(cg), want) == 0, "got %s, want %s",
          lcont__cgroup_get_path(cg), want);
    lcont__cgroup_free(cg);
    return 0;
}

/* Runs inside "<parent>/self": a relative path must land below it in every hierarchy. */
static int relative_child(void *arg)
{
    const char *self = arg;
    struct lcont_cgroup *cg = NULL;
    lcont_error *err = NULL;
    char want[512];
    int n_mounts = 0;

    for (char **m = cgt_mounts(); *m; m++)
        n_mounts++;
    snprintf(want, sizeof(want), "%s/sub", self);
    if (lcont__cgroup_new("sub", "id", &cg, &err) < 0 || lcont__cgroup_create(cg, &err) < 0) {
        fprintf(stderr, "relative_child: %s\n", lcont_error_message(err));
        return 1;
    }
    if (strcmp(lcont__cgroup_get_path(cg), want) != 0) {
        fprintf(stderr, "relative_child: got %s want %s\n", lcont__cgroup_get_path(cg), want);
        return 2;
    }
    if (cgt_count_dirs(want) != n_mounts) {
        fprintf(stderr, "relative_child: %s in %d of %d hierarchies\n", want, cgt_count_dirs(want),
                n_mounts);
        return 3;
    }
    if (lcont__cgroup_destroy(cg, &err) < 0 || cgt_count_dirs(want) != 0) {
        fprintf(stderr, "relative_child: destroy: %s\n", lcont_error_message(err));
        return 4;
    }
    lcont__cgroup_free(cg);
    return 0;
}

static int test_cgroup_path_relative_creates_below_caller(void)
{
    struct lcont_cgroup *self = cgt_create("self");
    pid_t pid;
    int status;

    CHECK(self, "create self");
    /* a child, so this test process stays in its own cgroup */
    pid = cgt_spawn_in(self, relative_child, (void *)lcont__cgroup_get_path(self));
    CHECK(pid > 0, "spawn");
    status = cgt_wait(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
    CHECK(lcont__cgroup_destroy(self, NULL) == 0, "destroy self");
    lcont__cgroup_free(self);
    return 0;
}

static int test_cgroup_create_destroy_every_hierarchy(void)
{
    struct lcont_cgroup *cg = NULL;
    lcont_error *err = NULL;
    const char *path = cgt_path("every/leaf");
    int n_mounts = 0;

    for (char **m = cgt_mounts(); *m; m++)
        n_mounts++;
    CHECK(lcont__cgroup_new(path, "id", &cg, &err) == 0, "%s", lcont_error_message(err));
    CHECK(lcont__cgroup_create(cg, &err) == 0, "%s", lcont_error_message(err));
    CHECK(cgt_count_dirs(path) == n_mounts, "in %d of %d hierarchies", cgt_count_dirs(path),
          n_mounts);
    /* creating again is fine */
    CHECK(lcont__cgroup_create(cg, &err) == 0, "%s", lcont_error_message(err));
    if (cgt_layout() != LCONT_CGROUP_LAYOUT_V2) {
        char dir[512], val[64];
        /* v1 cpuset: a new cgroup got its parent's cpus and mems, so tasks can join */
        if (cgt_dir("cpuset", path, dir, sizeof(dir))) {
            CHECK(cgt_read("cpuset", path, "cpuset.cpus", val, sizeof(val)) && val[0],
                  "empty cpuset.cpus");
            CHECK(cgt_read("cpuset", path, "cpuset.mems", val, sizeof(val)) && val[0],
                  "empty cpuset.mems");
        }
    } else {
        char ctl[256];
        /* v2: controllers enabled in the ancestors we walked through */
        CHECK(cgt_read(NULL, cgt_path("every"), "cgroup.subtree_control", ctl, sizeof(ctl)),
              "read subtree_control");
        CHECK(strstr(ctl, "memory") && strstr(ctl, "pids") && strstr(ctl, "cpu"),
              "subtree_control of the parent: '%s'", ctl);
    }
    CHECK(lcont__cgroup_destroy(cg, &err) == 0, "%s", lcont_error_message(err));
    CHECK(cgt_count_dirs(path) == 0, "left in %d hierarchies", cgt_count_dirs(path));
    /* only the container's directory goes: the shared parent stays */
    CHECK(cgt_count_dirs(cgt_path("every")) == n_mounts, "parent removed");
    CHECK(lcont__cgroup_destroy(cg, &err) == 0, "second destroy: %s", lcont_error_message(err));
    lcont__cgroup_free(cg);
    return 0;
}

static int test_cgroup_destroy_nonexistent_is_fine(void)
{
    struct lcont_cgroup *cg = NULL;
    lcont_error *err = NULL;

    CHECK(lcont__cgroup_new(cgt_path("never/created"), "id", &cg, &err) == 0, "new");
    CHECK(lcont__cgroup_destroy(cg, &err) == 0, "%s", lcont_error_message(err));
    lcont__cgroup_free(cg);
    return 0;
}

static int sleeper(void *arg)
{
    (void)arg;
    pause();
    return 0;
}

static int test_cgroup_destroy_removes_subcgroups(void)
{
    struct lcont_cgroup *cg = cgt_create("nested");
    char dir[512];

    CHECK(cg, "create");
    /* sub-cgroups made by someone else, e.g. a nested runtime in the container */
    for (char **m = cgt_mounts(); *m; m++) {
        snprintf(dir, sizeof(dir), "%s%s/inner", *m, cgt_path("nested"));
        CHECK(mkdir(dir, 0755) == 0, "mkdir %s: %s", dir, strerror(errno));
        snprintf(dir, sizeof(dir), "%s%s/inner/deeper", *m, cgt_path("nested"));
        CHECK(mkdir(dir, 0755) == 0, "mkdir %s: %s", dir, strerror(errno));
    }
    CHECK(lcont__cgroup_destroy(cg, NULL) == 0, "destroy");
    CHECK(cgt_count_dirs(cgt_path("nested")) == 0, "left behind");
    lcont__cgroup_free(cg);
    return 0;
}

static int test_cgroup_open_reuses_stored_path(void)
{
    struct lcont_cgroup *cg = cgt_create("reopen"), *again = NULL;
    lcont_error *err = NULL;
    pid_t pid;

    CHECK(cg, "create");
    CHECK(lcont__cgroup_open(lcont__cgroup_get_path(cg), &again, &err) == 0, "%s",
          lcont_error_message(err));
    CHECK(strcmp(lcont__cgroup_get_path(again), cgt_path("reopen")) == 0, "path %s",
          lcont__cgroup_get_path(again));
    CHECK(lcont__cgroup_has_processes(again, &err) == 0, "empty cgroup has processes");
    /* the reopened handle reaches the same directories */
    pid = cgt_spawn_in(again, sleeper, NULL);
    CHECK(pid > 0, "spawn");
    CHECK(lcont__cgroup_has_processes(cg, &err) == 1, "process not seen via first handle");
    kill(pid, SIGKILL);
    cgt_wait(pid);
    CHECK(lcont__cgroup_destroy(again, &err) == 0, "%s", lcont_error_message(err));
    CHECK(cgt_count_dirs(cgt_path("reopen")) == 0, "left behind");
    lcont__cgroup_free(again);
    lcont__cgroup_free(cg);
    return 0;
}

int main(void)
{
    static const struct cgt_test tests[] = {
        CGT_TEST(test_cgroup_detect_layout),
        CGT_TEST(test_cgroup_path_default_is_lcont_id),
        CGT_TEST(test_cgroup_path_absolute_is_kept),
        CGT_TEST(test_cgroup_path_rejects_dotdot_and_noncanonical),
        CGT_TEST(test_cgroup_path_systemd_style_unsupported),
        CGT_TEST(test_cgroup_path_relative_below_own_cgroup),
        CGT_TEST(test_cgroup_path_relative_creates_below_caller),
        CGT_TEST(test_cgroup_create_destroy_every_hierarchy),
        CGT_TEST(test_cgroup_destroy_nonexistent_is_fine),
        CGT_TEST(test_cgroup_destroy_removes_subcgroups),
        CGT_TEST(test_cgroup_open_reuses_stored_path),
    };
    return cgt_main(tests, sizeof(tests) / sizeof(tests[0]));
}
