/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "runtime/child-common.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/sys.h"

void lcont__child_reset_signals(void)
{
    struct sigaction sa;
    sigset_t none;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &sa, NULL); /* glibc-reserved signals just fail */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

int lcont__child_setup_stdio(const int stdio[3], struct lcont_child_error *err)
{
    int tmp[3];

    for (int i = 0; i < 3; i++) {
        tmp[i] = -1;
        if (stdio[i] >= 0 && (tmp[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, 10)) < 0)
            return lcont__child_fail(err, -errno, "duplicate stdio fd", NULL);
    }
    for (int i = 0; i < 3; i++)
        if (tmp[i] >= 0) {
            if (dup2(tmp[i], i) < 0)
                return lcont__child_fail(err, -errno, "set up stdio", NULL);
            close(tmp[i]);
        }
    return 0;
}

int lcont__child_enter_cwd(const char *cwd, struct lcont_child_error *err)
{
    char buf[4096];
    long n;

    if (chdir(cwd) < 0)
        return lcont__child_fail(err, -errno, "chdir to cwd", cwd);
    /* the raw syscall: glibc's getcwd would make up a path for an unreachable cwd */
    n = syscall(SYS_getcwd, buf, sizeof(buf));
    if (n < 0 || buf[0] != '/')
        return lcont__child_fail(err, -EPERM, "cwd is outside the container root", cwd);
    return 0;
}

static int is_executable_file(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EACCES;
    return access(path, X_OK) < 0 ? -errno : 0;
}

int lcont__child_resolve_executable(const char *arg0, const char *path_env, char *exe,
                                    size_t exe_size, struct lcont_child_error *err)
{
    const char *p = path_env ? path_env : LCONT_DEFAULT_PATH;
    int last = -ENOENT;

    if (strchr(arg0, '/')) {
        int r = is_executable_file(arg0);

        exe[0] = '\0';
        lcont__cm_append(exe, exe_size, arg0);
        return r < 0 ? lcont__child_fail(err, r, "exec: cannot run", arg0) : 0;
    }
    while (*p) {
        const char *end = strchrnul(p, ':');
        size_t dlen = (size_t)(end - p);

        if (dlen > 0 && dlen + strlen(arg0) + 2 < exe_size) {
            int r;

            memcpy(exe, p, dlen);
            exe[dlen] = '/';
            strcpy(exe + dlen + 1, arg0);
            r = is_executable_file(exe);
            if (r == 0)
                return 0;
            if (r != -ENOENT && r != -ENOTDIR)
                last = r;
        }
        p = *end ? end + 1 : end;
    }
    if (last == -ENOENT)
        return lcont__child_fail(err, -ENOENT, "exec: executable file not found in $PATH:", arg0);
    return lcont__child_fail(err, last, "exec: cannot run", arg0);
}

int lcont__child_prepare_exec_fds(int preserve_fds, const uint8_t *preserved,
                                  struct lcont_child_error *err)
{
    unsigned first = 3 + (unsigned)preserve_fds;

    /* only the caller's own fds: ours in the range are CLOEXEC and stay so */
    for (int fd = 3; fd < (int)first; fd++) {
        bool callers = preserved && (preserved[(fd - 3) / 8] & (1u << ((fd - 3) % 8)));

        if (callers && fcntl(fd, F_SETFD, 0) < 0 && errno != EBADF)
            return lcont__child_fail(err, -errno, "preserve fd", NULL);
    }
    /* everything else closes at exec, whatever the caller forgot to mark */
    if (lcont__sys_close_range(first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        return lcont__child_fail(err, -errno, "close_range", NULL);
    return 0;
}

/*
 * Without this, asking for more fds than one has open would hand the container the
 * library's own fds that landed in the range (cgroup directories, the trusted /proc,
 * namespace fds): a way out of the container.
 */
int lcont__preserved_fds_snapshot(int preserve_fds, uint8_t **ret)
{
    int n = preserve_fds;
    struct rlimit nofile;
    uint8_t *bits;

    *ret = NULL;
    if (n <= 0)
        return 0;
    bits = calloc((size_t)n / 8 + 1, 1);
    if (!bits)
        return -ENOMEM;
    /* no fd can be open at or above the soft limit: no need to probe a huge range */
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < (rlim_t)n + 3)
        n = nofile.rlim_cur > 3 ? (int)nofile.rlim_cur - 3 : 0;
    for (int i = 0; i < n; i++)
        if (fcntl(3 + i, F_GETFD) >= 0)
            bits[i / 8] |= (uint8_t)(1u << (i % 8));
    *ret = bits;
    return 0;
}
