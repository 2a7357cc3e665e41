/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Killing every process of a cgroup (children and grandchildren), has_processes, destroy. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lcont/error.h>

#include "cgtest.h"
#include "core/sys.h"

#define FAMILY 3

static bool is_v2(void)
{
    return cgt_layout() == LCONT_CGROUP_LAYOUT_V2;
}

static void report_and_wait(int fd)
{
    pid_t me = getpid();
    if (write(fd, &me, sizeof(me)) != sizeof(me))
        _exit(90);
    for (;;)
        pause();
}

/* The spawned child: itself, a child and a grandchild, all waiting in the cgroup. */
static int family(void *arg)
{
    int fd = *(int *)arg;
    pid_t c = fork();

    if (c == 0) {
        if (fork() == 0)
            report_and_wait(fd);
        report_and_wait(fd);
    }
    report_and_wait(fd);
    return 0;
}

struct fam {
    pid_t pids[FAMILY];
    int pidfds[FAMILY];
};

static int start_family(struct lcont_cgroup *cg, struct fam *f)
{
    int p[2];
    pid_t pid;

    CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe");
    pid = cgt_spawn_in(cg, family, &p[1]);
    close(p[1]);
    CHECK(pid > 0, "spawn");
    for (int i = 0; i < FAMILY; i++) {
        CHECK(read(p[0], &f->pids[i], sizeof(pid_t)) == sizeof(pid_t), "family member %d", i);
        f->pidfds[i] = lcont__sys_pidfd_open(f->pids[i], 0);
        CHECK(f->pidfds[i] >= 0, "pidfd_open %d", (int)f->pids[i]);
    }
    close(p[0]);
    return 0;
}

/*
 * Wait for all members to die (pidfds readable; 60 s only guards against a
 * hang) and reap them: we are their subreaper. Each must have died of @sig.
 */
static int expect_family_dead(struct fam *f, int sig)
{
    for (int i = 0; i < FAMILY; i++) {
        struct pollfd pfd = { .fd = f->pidfds[i], .events = POLLIN };
        CHECK(poll(&pfd, 1, 60000) == 1, "pid %d still alive", (int)f->pids[i]);
        close(f->pidfds[i]);
    }
    for (int i = 0; i < FAMILY; i++) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        CHECK(pid > 0, "waitpid: %s", strerror(errno));
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == sig, "pid %d status %#x", (int)pid,
              status);
    }
    return 0;
}

/* The freezer file the library uses for this layout, and its "frozen" value. */
static const char *freezer_file(void)
{
    return is_v2() ? "cgroup.freeze" : "freezer.state";
}

static bool has_freezer(void)
{
    char buf[512];
    return cgt_dir(is_v2() ? NULL : "freezer", "", buf, sizeof(buf));
}

/* The requested state: v2 cgroup.freeze, v1 freezer.state. */
static bool freezer_is(const char *path, bool frozen)
{
    char buf[64];
    if (!cgt_read(is_v2() ? NULL : "freezer", path, freezer_file(), buf, sizeof(buf)))
        return false;
    return strcmp(buf, is_v2() ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED")) == 0;
}

/* The kernel finished freezing (v2 cgroup.events "frozen 1", v1 freezer.state FROZEN). */
static bool frozen_effective(const char *path)
{
    char buf[256];
    if (!is_v2())
        return freezer_is(path, true);
    return cgt_read(NULL, path, "cgroup.events", buf, sizeof(buf)) && cgt_keyed(buf, "frozen") == 1;
}

static int wait_empty(struct lcont_cgroup *cg)
{
    /* the kernel drops dead tasks from the cgroup shortly after they are reaped */
    for (int i = 0; i < 6000; i++) {
        int r = lcont__cgroup_has_processes(cg, NULL);
        if (r == 0)
            return 0;
        CHECK(r == 1, "has_processes %d", r);
        usleep(10000);
    }
    CHECK(false, "cgroup never became empty");
}

static int kill_family(const char *name, int sig)
{
    struct lcont_cgroup *cg = cgt_create(name);
    lcont_error *err = NULL;
    struct fam f;

    CHECK(cg, "create");
    CHECK(lcont__cgroup_has_processes(cg, &err) == 0, "fresh cgroup has processes");
    CHECK(start_family(cg, &f) == 0, "family");
    CHECK(lcont__cgroup_has_processes(cg, &err) == 1, "family not seen");
    CHECK(lcont__cgroup_kill(cg, sig, &err) == 0, "kill: %s", lcont_error_message(err));
    CHECK(expect_family_dead(&f, sig) == 0, "family");
    /* a kill through the freezer leaves the cgroup thawed */
    CHECK(!has_freezer() || freezer_is(cgt_path(name), false), "left frozen");
    CHECK(wait_empty(cg) == 0, "empty");
    CHECK(lcont__cgroup_destroy(cg, &err) == 0, "destroy: %s", lcont_error_message(err));
    CHECK(cgt_count_dirs(cgt_path(name)) == 0, "left in %d hierarchies",
          cgt_count_dirs(cgt_path(name)));
    lcont__cgroup_free(cg);
    return 0;
}

/* v2 and hybrid: cgroup.kill; v1: freezer. */
static int test_cgroup_kill_sigkill_kills_grandchildren(void)
{
    return kill_family("sigkill", SIGKILL);
}

/* Any other signal goes through the freezer (v2 cgroup.freeze, v1 freezer.state). */
static int test_cgroup_kill_sigterm_through_freezer(void)
{
    return kill_family("sigterm", SIGTERM);
}

static int test_cgroup_kill_paused_container(void)
{
    struct lcont_cgroup *cg = cgt_create("paused");
    const char *path = cgt_path("paused");
    const char *ctrl = is_v2() ? NULL : "freezer";
    lcont_error *err = NULL;
    struct fam f;
    int i;

    CHECK(cg, "create");
    if (!has_freezer()) {
        lcont__cgroup_destroy(cg, NULL);
        lcont__cgroup_free(cg);
        return 77; /* no freezer on this host */
    }
    CHECK(start_family(cg, &f) == 0, "family");
    CHECK(cgt_write(ctrl, path, freezer_file(), is_v2() ? "1" : "FROZEN"), "freeze");
    for (i = 0; i < 6000 && !frozen_effective(path); i++)
        usleep(10000);
    CHECK(frozen_effective(path), "never froze");
    /* a paused container stays paused: the signal waits for the thaw */
    CHECK(lcont__cgroup_kill(cg, SIGTERM, &err) == 0, "kill: %s", lcont_error_message(err));
    CHECK(freezer_is(path, true), "SIGTERM thawed a paused container");
    /* SIGKILL must work on a paused container */
    CHECK(lcont__cgroup_kill(cg, SIGKILL, &err) == 0, "kill: %s", lcont_error_message(err));
    /* whichever arrived first: SIGTERM was pending; both are fatal */
    for (i = 0; i < FAMILY; i++) {
        struct pollfd pfd = { .fd = f.pidfds[i], .events = POLLIN };
        CHECK(poll(&pfd, 1, 60000) == 1, "pid %d still alive", (int)f.pids[i]);
        close(f.pidfds[i]);
    }
    for (i = 0; i < FAMILY; i++) {
        int status;
        CHECK(waitpid(-1, &status, 0) > 0, "waitpid");
        CHECK(WIFSIGNALED(status) && (WTERMSIG(status) == SIGKILL || WTERMSIG(status) == SIGTERM),
              "status %#x", status);
    }
    CHECK(wait_empty(cg) == 0, "empty");
    CHECK(lcont__cgroup_destroy(cg, &err) == 0, "destroy: %s", lcont_error_message(err));
    lcont__cgroup_free(cg);
    return 0;
}

static int sleeper(void *arg)
{
    (void)arg;
    pause();
    return 0;
}

static int test_cgroup_destroy_busy_fails_then_succeeds(void)
{
    struct lcont_cgroup *cg = cgt_create("busy");
    lcont_error *err = NULL;
    pid_t pid;
    int status;

    CHECK(cg, "create");
    pid = cgt_spawn_in(cg, sleeper, NULL);
    CHECK(pid > 0, "spawn");
    CHECK(lcont__cgroup_destroy(cg, &err) == -EBUSY, "destroy with a live process");
    CHECK(strstr(lcont_error_message(err), cgt_path("busy")) != NULL, "message: %s",
          lcont_error_message(err));
    lcont_error_free(err);
    err = NULL;
    CHECK(lcont__cgroup_kill(cg, SIGKILL, &err) == 0, "kill: %s", lcont_error_message(err));
    status = cgt_wait(pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
    CHECK(lcont__cgroup_destroy(cg, &err) == 0, "destroy: %s", lcont_error_message(err));
    CHECK(cgt_count_dirs(cgt_path("busy")) == 0, "left behind");
    lcont__cgroup_free(cg);
    return 0;
}

static int test_cgroup_kill_missing_cgroup_is_noop(void)
{
    struct lcont_cgroup *cg = NULL;
    lcont_error *err = NULL;

    CHECK(lcont__cgroup_new(cgt_path("absent"), "id", &cg, &err) == 0, "new");
    CHECK(lcont__cgroup_has_processes(cg, &err) == 0, "has_processes");
    CHECK(lcont__cgroup_kill(cg, SIGKILL, &err) == 0, "kill: %s", lcont_error_message(err));
    CHECK(lcont__cgroup_kill(cg, -1, &err) == -EINVAL, "signal -1 accepted");
    lcont_error_free(err);
    lcont__cgroup_free(cg);
    return 0;
}

int main(void)
{
    static const struct cgt_test tests[] = {
        CGT_TEST(test_cgroup_kill_sigkill_kills_grandchildren),
        CGT_TEST(test_cgroup_kill_sigterm_through_freezer),
        CGT_TEST(test_cgroup_kill_paused_container),
        CGT_TEST(test_cgroup_destroy_busy_fails_then_succeeds),
        CGT_TEST(test_cgroup_kill_missing_cgroup_is_noop),
    };

    /* orphaned grandchildren come back to us, so each one's fate can be checked */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        return 1;
    return cgt_main(tests, sizeof(tests) / sizeof(tests[0]));
}
