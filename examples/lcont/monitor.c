/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * run -d without a daemon: a small monitor process per container, like podman's conmon.
 *
 * lcont forks twice (setsid in between), so the monitor is in its own session and process
 * group, is nobody's child, and survives the caller's terminal. It keeps none of the
 * caller's fds, cwd or stdio. It takes the bundle's monitor.lock, creates and starts the
 * container through the API with stdin /dev/null and stdout/stderr on two pipes, and
 * reports success or the error (message and exit status) to the waiting lcont, which
 * relays it and returns. Then it copies the pipes to ctr.log as CRI log lines, forwards
 * the signals it gets to the container's init, reaps the init (it is its parent), writes
 * status.json, releases monitor.lock and, with --rm, removes the container.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"

/* Longer lines are split into partial ("P") records, as the kubelet does. */
#define LOG_LINE_MAX 16384

struct log_file {
    int fd;
    off_t size;       /* where the next record starts */
    uint64_t dropped; /* records lost to write errors (a full disk) */
    const char *path;
    uint64_t max_size;  /* --log-opt max-size, 0: none */
    unsigned max_files; /* ctr.log and the rotated ctr.log.1 .. ctr.log.<max_files - 1> */
};

/*
 * ctr.log would pass max-size: ctr.log.<k> becomes ctr.log.<k+1> (the oldest falls off),
 * ctr.log becomes ctr.log.1, and a new ctr.log starts; with one file, ctr.log starts over.
 * Records are never split between files. A reader that has ctr.log open finishes it under
 * its new name (lcont logs -f then opens the new one).
 */
static void log_rotate(struct log_file *log)
{
    char from[4200], to[4200];
    int fd;

    if (log->max_files <= 1) {
        if (ftruncate(log->fd, 0) == 0)
            log->size = 0;
        return;
    }
    for (unsigned k = log->max_files - 1; k >= 1; k--) {
        if (k == 1)
            snprintf(from, sizeof(from), "%s", log->path);
        else
            snprintf(from, sizeof(from), "%s.%u", log->path, k - 1);
        snprintf(to, sizeof(to), "%s.%u", log->path, k);
        if (rename(from, to) < 0 && errno != ENOENT)
            return; /* keep writing where we are rather than lose records */
    }
    fd = open(log->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return; /* the old fd still works: it goes on under its new name */
    close(log->fd);
    log->fd = fd;
    log->size = 0;
}

struct log_stream {
    const char *name; /* "stdout" or "stderr" */
    int fd;           /* non-blocking read end; -1 once closed */
    size_t len;
    char buf[LOG_LINE_MAX];
};

/* One record, one write(): "<RFC3339Nano> <stream> <F|P> <text>\n". */
static void log_record(struct log_file *log, const char *stream, char tag, const char *text,
                       size_t len)
{
    char rec[LOG_LINE_MAX + 128], ts[64];
    size_t n;
    ssize_t w;

    format_time_now(ts, sizeof(ts));
    n = (size_t)snprintf(rec, sizeof(rec), "%s %s %c ", ts, stream, tag);
    memcpy(rec + n, text, len);
    n += len;
    rec[n++] = '\n';
    if (log->max_size && log->size > 0 && (uint64_t)log->size + n > log->max_size)
        log_rotate(log);
    do
        w = write(log->fd, rec, n);
    while (w < 0 && errno == EINTR);
    if (w == (ssize_t)n) {
        log->size += (off_t)n;
        return;
    }
    /* a full disk: drop the record whole, so that the file stays parseable; the
     * container is not blocked and later records get in once there is room again */
    if (w > 0 && ftruncate(log->fd, log->size) < 0) {
        /* the next record then starts after a fragment; nothing better to do */
    }
    log->dropped++;
}

/* Read what is there (all of it with @drain) and log the complete lines. */
static void stream_read(struct log_file *log, struct log_stream *s, int drain)
{
    do {
        ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
        char *start = s->buf, *nl, *end;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            /* the last line had no newline: keep it partial, as it was written */
            if (s->len)
                log_record(log, s->name, 'P', s->buf, s->len);
            s->len = 0;
            close(s->fd);
            s->fd = -1;
            return;
        }
        s->len += (size_t)n;
        end = s->buf + s->len;
        while ((nl = memchr(start, '\n', (size_t)(end - start)))) {
            log_record(log, s->name, 'F', start, (size_t)(nl - start));
            start = nl + 1;
        }
        s->len = (size_t)(end - start);
        memmove(s->buf, start, s->len);
        if (s->len == sizeof(s->buf)) {
            log_record(log, s->name, 'P', s->buf, s->len);
            s->len = 0;
        }
    } while (drain);
}

/* Close every fd from 3 up, except @keep. */
static void close_fds_except(int keep)
{
    if (keep > 3)
        close_range(3, (unsigned)keep - 1, 0);
    close_range((unsigned)keep + 1, ~0U, 0);
}

static void report(int syncfd, int status)
{
    unsigned char b = (unsigned char)status;
    ssize_t n;

    do
        n = write(syncfd, &b, 1);
    while (n < 0 && errno == EINTR);
}

/* Remove what run prepared (and the container if any), after the monitor lock is gone. */
static void remove_container(struct cli *cli, const char *id, lcont_container *c, int quiet)
{
    lcont_container *loaded = NULL;
    int lockfd = bundle_lock(cli, id, LOCK_EX), r;

    if (lockfd < 0)
        return; /* someone (rm -f) removed it already */
    if (!c && container_load(cli, id, &loaded) == 0)
        c = loaded;
    if (c) {
        r = lcont_container_delete(c, LCONT_DELETE_FORCE, NULL);
        if (r < 0 && r != -ENOENT && !quiet)
            cli_fail("delete container %s: %s", id, strerror(-r));
    }
    lcont_container_unref(loaded);
    bundle_remove(cli, id, quiet);
    close(lockfd);
}

static void __attribute__((noreturn))
monitor_main(struct cli *cli, const char *id, int rm, int keep, int syncfd)
{
    struct log_stream *out = calloc(1, sizeof(*out)), *err_s = calloc(1, sizeof(*err_s));
    struct log_file log = { .fd = -1, .path = NULL };
    cJSON *meta = NULL;
    lcont_create_opts co = LCONT_CREATE_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_process *init = NULL;
    lcont_error *err = NULL;
    char dir[4096], logpath[4096], started[64], finished[64];
    int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, sigfd = -1, monfd = -1, r, code = -1;
    int reserve;
    struct sigaction ign = { .sa_handler = SIG_IGN };
    sigset_t none;
    struct stat st;

    /* handles of the lcont that forked us are unusable here (and their fds are closed) */
    cli->ctx = NULL;
    cli->store = NULL;
    if (!out || !err_s) {
        cli_fail("out of memory");
        goto failed;
    }
    out->name = "stdout";
    err_s->name = "stderr";
    prctl(PR_SET_NAME, "lcont-monitor"); /* what ps and top show beside its argv */
    if (chdir("/") < 0 || setpgid(0, 0) < 0) {
        cli_fail("monitor setup: %s", strerror(errno));
        goto failed;
    }
    /* a full disk must give write errors, not kill us; the container gets default
     * dispositions back (the library resets them) */
    sigaction(SIGPIPE, &ign, NULL);
    sigaction(SIGXFSZ, &ign, NULL);
    /* a caller's blocked mask would stop SIGTERM from being forwarded */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    r = signals_install(&sigfd);
    if (r < 0) {
        cli_fail("install signal handlers: %s", strerror(-r));
        goto failed;
    }
    if (bundle_path(cli, id, NULL, dir, sizeof(dir)) < 0 ||
        bundle_path(cli, id, BUNDLE_LOG, logpath, sizeof(logpath)) < 0) {
        cli_fail("%s: name too long", id);
        goto failed;
    }
    monfd = monitor_lock(cli, id);
    if (monfd < 0) {
        cli_fail("lock %s/%s: %s", dir, BUNDLE_MONITOR_LOCK, strerror(-monfd));
        goto failed;
    }
    /* rotation limits, as run -d was given them (start reads them again) */
    meta = bundle_read_json(cli, id, BUNDLE_META);
    if (meta) {
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(meta, "log_max_size");
        const cJSON *mf = cJSON_GetObjectItemCaseSensitive(meta, "log_max_files");
        if (cJSON_IsNumber(ms) && ms->valuedouble >= 1)
            log.max_size = (uint64_t)ms->valuedouble;
        log.max_files = cJSON_IsNumber(mf) && mf->valuedouble >= 1 ? (unsigned)mf->valuedouble : 1;
        cJSON_Delete(meta);
    }
    log.path = logpath;
    log.fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (log.fd < 0 || fstat(log.fd, &st) < 0) {
        cli_fail("open %s: %s", logpath, strerror(errno));
        goto failed_locked;
    }
    log.size = st.st_size;
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
        fcntl(outp[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(errp[0], F_SETFL, O_NONBLOCK) < 0) {
        cli_fail("pipe: %s", strerror(errno));
        goto failed_locked;
    }
    out->fd = outp[0];
    err_s->fd = errp[0];
    if (cli_open_context(cli))
        goto failed_locked;
    co.bundle = dir;
    co.stdin_fd = STDIN_FILENO; /* /dev/null */
    co.stdout_fd = outp[1];
    co.stderr_fd = errp[1];
    r = lcont_container_create(cli->ctx, id, &co, LCONT_CREATE_STDIO, &c, &err);
    if (r < 0) {
        code = run_fail(cli, r, &err, "create container");
        goto failed_locked;
    }
    /* the container has its copies: EOF comes when its last process is gone */
    close(outp[1]);
    close(errp[1]);
    r = lcont_container_get_init_process(c, 0, &init, &err);
    if (r >= 0)
        r = lcont_container_start(c, 0, &err);
    if (r < 0) {
        code = run_fail(cli, r, &err, "start container");
        goto failed_locked;
    }
    format_time_now(started, sizeof(started));
    r = status_write(cli, id, started, NULL, 0, -1);
    if (r < 0)
        cli_debug(cli, "write %s: %s", BUNDLE_STATUS, strerror(-r));
    reserve = status_reserve(cli, id);
    if (reserve < 0)
        cli_debug(cli, "reserve space for %s: %s", BUNDLE_STATUS, strerror(-reserve));

    /* running: tell lcont, and from now on nobody reads our stderr */
    report(syncfd, 0);
    dup2(STDIN_FILENO, STDERR_FILENO);
    close(syncfd);

    for (;;) {
        struct pollfd pfd[4] = {
            { .fd = sigfd, .events = POLLIN },
            { .fd = lcont_process_get_pidfd(init), .events = POLLIN },
            { .fd = out->fd, .events = POLLIN },
            { .fd = err_s->fd, .events = POLLIN },
        };
        unsigned char b;

        if (poll(pfd, 4, -1) < 0 && errno != EINTR)
            break; /* cannot happen with valid fds; reap below rather than spin */
        while (read(sigfd, &b, 1) == 1)
            if (b != SIGWINCH)
                lcont_process_signal(init, b, 0, NULL);
        if (pfd[2].revents)
            stream_read(&log, out, 0);
        if (pfd[3].revents)
            stream_read(&log, err_s, 0);
        if (pfd[1].revents)
            break;
    }
    /* the pid namespace died with its init, so the pipes hold all there is */
    if (out->fd >= 0)
        stream_read(&log, out, 1);
    if (err_s->fd >= 0)
        stream_read(&log, err_s, 1);
    do {
        lcont_error_free(err);
        err = NULL;
        r = lcont_process_wait(init, 0, &code, &err);
    } while (r == -EINTR);
    lcont_error_free(err);
    err = NULL;
    format_time_now(finished, sizeof(finished));
    if (status_write(cli, id, started, finished, r < 0 ? -1 : code, reserve) < 0 && reserve >= 0)
        status_write(cli, id, started, finished, r < 0 ? -1 : code, -1);
    /* the exit code is known: wake `wait`, `stop` and `rm -f` */
    flock(monfd, LOCK_UN);
    close(monfd);
    if (rm)
        remove_container(cli, id, c, 1);
    _exit(0);

failed_locked:
    close(monfd);
    if (c)
        lcont_container_delete(c, LCONT_DELETE_FORCE, NULL);
failed:
    /* never started: leave nothing behind, as a foreground run does (start keeps it) */
    if (!keep)
        remove_container(cli, id, NULL, 0);
    report(syncfd, code > 0 ? code : EXIT_RUN_FAILED);
    _exit(1);
}

int monitor_spawn(struct cli *cli, const char *id, int rm, int keep)
{
    int syncp[2], errp[2], st;
    unsigned char status;
    char buf[4096];
    ssize_t n;
    pid_t pid;

    if (pipe2(syncp, O_CLOEXEC) < 0)
        return cli_fail("pipe: %s", strerror(errno)), EXIT_RUN_FAILED;
    if (pipe2(errp, O_CLOEXEC) < 0) {
        close(syncp[0]);
        close(syncp[1]);
        return cli_fail("pipe: %s", strerror(errno)), EXIT_RUN_FAILED;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        cli_fail("fork: %s", strerror(errno));
        close(syncp[0]);
        close(syncp[1]);
        close(errp[0]);
        close(errp[1]);
        return EXIT_RUN_FAILED;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

        /* our stderr goes to lcont until the container runs; the rest is /dev/null */
        if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(devnull, STDOUT_FILENO) < 0 ||
            dup2(errp[1], STDERR_FILENO) < 0)
            _exit(EXIT_RUN_FAILED);
        close_fds_except(syncp[1]);
        if (setsid() < 0) {
            cli_fail("setsid: %s", strerror(errno));
            _exit(1);
        }
        pid = fork();
        if (pid < 0)
            cli_fail("fork: %s", strerror(errno));
        if (pid != 0)
            _exit(0);
        monitor_main(cli, id, rm, keep, syncp[1]);
    }
    close(syncp[1]);
    close(errp[1]);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    /* the monitor's messages, until it runs the container (or gives up) */
    for (;;) {
        n = read(errp[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        fwrite(buf, 1, (size_t)n, stderr);
    }
    do
        n = read(syncp[0], &status, 1);
    while (n < 0 && errno == EINTR);
    close(syncp[0]);
    close(errp[0]);
    if (n != 1) {
        cli_fail("the monitor of %s exited before the container started", id);
        return EXIT_RUN_FAILED;
    }
    return status;
}
