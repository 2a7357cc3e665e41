/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Without root: a child drops to nobody and uses the library. A cgroup it may not create
 * fails with -EPERM (the caller then runs without limits); on cgroup v2, a cgroup
 * delegated to it (chowned, as systemd does for user@.service) is used, with limits.
 */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lcont/error.h>

#include "cgtest.h"

#define NOBODY 65534

static bool is_v2(void)
{
    return cgt_layout() == LCONT_CGROUP_LAYOUT_V2;
}

/* mkdir @name under the test parent in the cgroup2 tree; chown it and its files to nobody */
static bool delegate(const char *name, bool chown_it)
{
    static const char *const files[] = { "", "/cgroup.procs", "/cgroup.subtree_control",
                                         "/cgroup.threads" };
    char dir[512], path[600];

    if (!cgt_dir(NULL, cgt_path(name), dir, sizeof(dir)))
        return false;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return false;
    for (size_t i = 0; chown_it && i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", dir, files[i]);
        if (chown(path, NOBODY, NOBODY) < 0)
            return false;
    }
    return true;
}

/* Runs as nobody; the exit status says which step failed. */
static int as_nobody(bool v2)
{
    struct lcont_cgroup *cg = NULL;
    struct lcont_spec_resources res = { .has_pids_limit = true, .pids_limit = 5 };
    lcont_error *err = NULL;
    char want[256], buf[64];
    int r;

    /* 1: a cgroup nobody was given: -EPERM, saying why */
    r = lcont__cgroup_new(cgt_path("rootonly/c"), "x", &cg, &err);
    if (r == 0)
        r = lcont__cgroup_create(cg, &err);
    if (r != -EPERM || !strstr(lcont_error_message(err), "not allowed to create")) {
        fprintf(stderr, "not mine: %d %s\n", r, err ? lcont_error_message(err) : "");
        return 10;
    }
    lcont_error_free(err), err = NULL;
    lcont__cgroup_destroy(cg, NULL);
    lcont__cgroup_free(cg), cg = NULL;
    if (!v2)
        return 0;

    /* 2: no cgroupsPath: "lcont-<id>" below our own (delegated) cgroup */
    snprintf(want, sizeof(want), "%s/lcont-rl", cgt_path("deleg/self"));
    if (lcont__cgroup_new(NULL, "rl", &cg, &err) < 0 || lcont__cgroup_create(cg, &err) < 0) {
        fprintf(stderr, "default: %s\n", lcont_error_message(err));
        return 20;
    }
    if (strcmp(lcont__cgroup_get_path(cg), want) != 0) {
        fprintf(stderr, "default path %s, want %s\n", lcont__cgroup_get_path(cg), want);
        return 21;
    }
    if (lcont__cgroup_destroy(cg, &err) < 0) {
        fprintf(stderr, "destroy: %s\n", lcont_error_message(err));
        return 22;
    }
    lcont__cgroup_free(cg), cg = NULL;

    /* 3: an explicit path in a delegated cgroup with pids enabled: the limit is applied */
    if (lcont__cgroup_new(cgt_path("deleg/box/c"), "x", &cg, &err) < 0 ||
        lcont__cgroup_create(cg, &err) < 0 || lcont__cgroup_apply(cg, &res, &err) < 0) {
        fprintf(stderr, "delegated: %s\n", lcont_error_message(err));
        return 30;
    }
    if (!cgt_read("pids", cgt_path("deleg/box/c"), "pids.max", buf, sizeof(buf)) ||
        strcmp(buf, "5") != 0) {
        fprintf(stderr, "pids.max '%s'\n", buf);
        return 31;
    }
    if (lcont__cgroup_destroy(cg, &err) < 0) {
        fprintf(stderr, "destroy: %s\n", lcont_error_message(err));
        return 32;
    }
    lcont__cgroup_free(cg);
    return 0;
}

static int test_cgroup_rootless_delegation(void)
{
    bool v2 = is_v2();
    struct lcont_cgroup *top = cgt_create("rootonly");
    char pid_text[32];
    pid_t pid;
    int status;

    CHECK(top, "create the root-owned cgroup");
    lcont__cgroup_free(top);
    if (v2) {
        /* deleg (ours), deleg/self (the child's own cgroup), deleg/box (pids enabled) */
        CHECK(delegate("deleg", false) && delegate("deleg/self", true) &&
                  delegate("deleg/box", true),
              "delegated tree");
        CHECK(cgt_write(NULL, cgt_path("deleg"), "cgroup.subtree_control", "+pids"),
              "enable pids in deleg");
        CHECK(cgt_write(NULL, cgt_path("deleg/box"), "cgroup.subtree_control", "+pids"),
              "enable pids in deleg/box");
    }
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        snprintf(pid_text, sizeof(pid_text), "%d", (int)getpid());
        if (v2 && !cgt_write(NULL, cgt_path("deleg/self"), "cgroup.procs", pid_text))
            _exit(2);
        if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
            _exit(3);
        _exit(as_nobody(v2));
    }
    status = cgt_wait(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed: status %#x (exit %d)",
          status, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

int main(void)
{
    static const struct cgt_test tests[] = {
        CGT_TEST(test_cgroup_rootless_delegation),
    };
    return cgt_main(tests, sizeof(tests) / sizeof(tests[0]));
}
