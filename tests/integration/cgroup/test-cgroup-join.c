/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A process joins the v1 hierarchies itself (lcont_cgroup_join): the parent
 * opens the "tasks" files, the child writes "0". Checked from the host's
 * /proc/<pid>/cgroup, and a refused join must come back as a clear error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lcont/error.h>

#include "cgtest.h"
#include "core/childmsg.h"

/*
 * Fork a child that joins with @join (closed here afterwards), reports its lcont_child_error
 * in @e and then sleeps; its pid, or -1.
 */
static pid_t spawn_joiner(struct lcont_cgroup_join *join, struct lcont_child_error *e)
{
    int p[2];
    pid_t pid;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        struct lcont_child_error mine = { 0 };
        close(p[0]);
        lcont__cgroup_join_child(join, &mine);
        if (write(p[1], &mine, sizeof(mine)) != sizeof(mine))
            _exit(1);
        pause();
        _exit(0);
    }
    close(p[1]);
    lcont__cgroup_join_close(join);
    if (pid > 0 && read(p[0], e, sizeof(*e)) != sizeof(*e)) {
        kill(pid, SIGKILL);
        cgt_wait(pid);
        pid = -1;
    }
    close(p[0]);
    return pid;
}

/* Whether every v1 line of /proc/@pid/cgroup names @path (and there is at least one). */
static int v1_lines_all(pid_t pid, const char *path, int *n_lines)
{
    char file[64], line[1024];
    FILE *f;

    snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
    f = fopen(file, "re");
    if (!f)
        return -1;
    *n_lines = 0;
    while (fgets(line, sizeof(line), f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || c2 == c1 + 1) /* "0::" is the cgroup2 line */
            continue;
        /* A hierarchy mounted once and unmounted lives on (its root holds every process)
         * but has no directory anyone could join: skip it. */
        char first[64], dir[512];
        snprintf(first, sizeof(first), "%.*s", (int)strcspn(c1 + 1, ",:"), c1 + 1);
        if (!cgt_dir(first, "/", dir, sizeof(dir)))
            continue;
        c2[1 + strcspn(c2 + 1, "\n")] = '\0';
        if (strcmp(c2 + 1, path) != 0) {
            fprintf(stderr, "pid %d is in %s\n", (int)pid, line);
            fclose(f);
            return 0;
        }
        (*n_lines)++;
    }
    fclose(f);
    return 1;
}

static int test_cgroup_join_moves_the_process_into_every_v1_hierarchy(void)
{
    struct lcont_cgroup *cg = cgt_create("join");
    struct lcont_cgroup_join join;
    struct lcont_child_error e;
    lcont_error *err = NULL;
    int n_lines = 0, all;
    pid_t pid;

    CHECK(cg, "create");
    CHECK(lcont__cgroup_join_prepare(cg, &join, &err) == 0, "%s", lcont_error_message(err));
    if (cgt_layout() == LCONT_CGROUP_LAYOUT_V2) {
        /* nothing to join this way: the cgroup2 tree is entered by clone3 */
        CHECK(join.n == 0, "%zu fds on pure v2", join.n);
        CHECK(lcont__cgroup_destroy(cg, &err) == 0, "%s", lcont_error_message(err));
        lcont__cgroup_free(cg);
        return 0;
    }
    CHECK(join.n > 0, "no v1 hierarchy to join");
    pid = spawn_joiner(&join, &e);
    CHECK(pid > 0, "no report from the child");
    CHECK(e.code == 0, "join failed: %s", e.msg);
    all = v1_lines_all(pid, cgt_path("join"), &n_lines);
    kill(pid, SIGKILL);
    cgt_wait(pid);
    CHECK(all == 1, "not in %s in every v1 hierarchy", cgt_path("join"));
    CHECK(n_lines > 0, "no v1 line in /proc/pid/cgroup");
    CHECK(lcont__cgroup_destroy(cg, &err) == 0, "%s", lcont_error_message(err));
    lcont__cgroup_free(cg);
    return 0;
}

/* A v1 cpuset without CPUs refuses every task: the child reports which hierarchy. */
static int test_cgroup_join_refused_is_reported(void)
{
    struct lcont_cgroup *cg;
    struct lcont_cgroup_join join;
    struct lcont_child_error e;
    lcont_error *err = NULL;
    pid_t pid;

    if (cgt_layout() == LCONT_CGROUP_LAYOUT_V2)
        return 0;
    cg = cgt_create("nocpu");
    CHECK(cg, "create");
    CHECK(cgt_write("cpuset", cgt_path("nocpu"), "cpuset.cpus", "\n"), "empty cpuset.cpus");
    CHECK(lcont__cgroup_join_prepare(cg, &join, &err) == 0, "%s", lcont_error_message(err));
    pid = spawn_joiner(&join, &e);
    CHECK(pid > 0, "no report from the child");
    kill(pid, SIGKILL);
    cgt_wait(pid);
    CHECK(e.code == -ENOSPC, "code %d (%s)", e.code, e.msg);
    CHECK(strstr(e.msg, "join the cgroup in") && strstr(e.msg, "cpuset"), "message: %s", e.msg);
    CHECK(lcont__cgroup_destroy(cg, &err) == 0, "%s", lcont_error_message(err));
    lcont__cgroup_free(cg);
    return 0;
}

int main(void)
{
    static const struct cgt_test tests[] = {
        CGT_TEST(test_cgroup_join_moves_the_process_into_every_v1_hierarchy),
        CGT_TEST(test_cgroup_join_refused_is_reported),
    };
    return cgt_main(tests, sizeof(tests) / sizeof(tests[0]));
}
