/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont logs: the text of a detached container's ctr.log, without the CRI prefix
 * ("<time> <stream> <F|P> "), stdout records on stdout and stderr records on stderr.
 * -f follows the file until the monitor has released its lock (the container exited and
 * everything it wrote is in the file). With --log-opt max-size the monitor rotates the log:
 * ctr.log.<N> (oldest) .. ctr.log.1 come first, and -f follows ctr.log across rotations.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char logs_usage[] =
    "Usage: lcont logs [OPTIONS] NAME\n"
    "\n"
    "Print the output of a container started with 'run -d' (its stdout on stdout, its\n"
    "stderr on stderr).\n"
    "\n"
    "Options:\n"
    "  -f, --follow      keep printing new output until the container exits\n"
    "  -n, --tail N      only the last N lines (default: all)\n"
    "  -t, --timestamps  show each line's time (RFC 3339, nanoseconds)\n"
    "  -h, --help        show this help\n";

struct logs_args {
    int follow, timestamps;
    long tail; /* -1: all */
};

/* Print one record; 0, or -1 when it is not a CRI log line. */
static int print_record(const char *line, size_t len, const struct logs_args *a)
{
    const char *time_end = memchr(line, ' ', len), *stream, *tag, *text;
    FILE *f;

    if (!time_end)
        return -1;
    stream = time_end + 1;
    if ((size_t)(line + len - stream) >= 9 && memcmp(stream, "stdout ", 7) == 0)
        f = stdout;
    else if ((size_t)(line + len - stream) >= 9 && memcmp(stream, "stderr ", 7) == 0)
        f = stderr;
    else
        return -1;
    tag = stream + 7;
    if ((*tag != 'F' && *tag != 'P') || tag[1] != ' ')
        return -1;
    text = tag + 2;
    if (a->timestamps)
        fprintf(f, "%.*s ", (int)(time_end - line), line);
    /* a partial record continues on the next one */
    fwrite(text, 1, (size_t)(line + len - text), f);
    if (*tag == 'F')
        fputc('\n', f);
    return 0;
}

/* Print every complete record from the current offset; returns how many. */
static long print_available(FILE *log, const struct logs_args *a, long skip)
{
    char *line = NULL;
    size_t cap = 0;
    long n = 0;

    for (;;) {
        off_t start = ftello(log);
        ssize_t len = getline(&line, &cap, log);

        if (len <= 0)
            break;
        if (line[len - 1] != '\n') {
            /* the monitor is writing it: read it whole next time */
            fseeko(log, start, SEEK_SET);
            break;
        }
        if (n++ >= skip && print_record(line, (size_t)len - 1, a) < 0)
            fprintf(stderr, "lcont: skipping a malformed log line\n");
    }
    clearerr(log);
    free(line);
    fflush(stdout);
    fflush(stderr);
    return n;
}

#define ROTATED_MAX 1000 /* the most --log-opt max-file allows */

/*
 * The rotated logs that exist, oldest first, leaving out the file @current (it may have
 * been rotated since it was opened: it is read as the current one).
 */
static size_t rotated_open(const char *path, FILE *current, FILE **ret)
{
    struct stat cur, st;
    size_t n = 0, k = 1;
    char name[4200];

    if (fstat(fileno(current), &cur) < 0)
        return 0;
    for (; k <= ROTATED_MAX; k++) {
        snprintf(name, sizeof(name), "%s.%zu", path, k);
        if (access(name, F_OK) < 0)
            break;
    }
    while (--k >= 1) {
        snprintf(name, sizeof(name), "%s.%zu", path, k);
        FILE *f = fopen(name, "re");
        if (!f)
            continue;
        if (fstat(fileno(f), &st) == 0 && st.st_ino == cur.st_ino && st.st_dev == cur.st_dev) {
            fclose(f);
            continue;
        }
        ret[n++] = f;
    }
    return n;
}

/* The log was rotated: @log is no longer the file at @path. */
static bool log_rotated(FILE *log, const char *path)
{
    struct stat a, b;
    return fstat(fileno(log), &a) == 0 && stat(path, &b) == 0 &&
           (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
}

/*
 * The file written after @log, which has been rotated: if @log is ctr.log.<k> now, that
 * is ctr.log.<k-1> (ctr.log for k = 1); if it was rotated out, the oldest one left
 * (what came in between is gone: the monitor rotated faster than we read).
 */
static FILE *log_next(const char *path, FILE *log)
{
    struct stat cur, st;
    char name[4200];
    size_t k = 1, oldest = 0;

    if (fstat(fileno(log), &cur) < 0)
        return NULL;
    for (; k <= ROTATED_MAX; k++) {
        snprintf(name, sizeof(name), "%s.%zu", path, k);
        if (stat(name, &st) < 0)
            break;
        oldest = k;
        if (st.st_ino == cur.st_ino && st.st_dev == cur.st_dev) {
            oldest = k - 1; /* the next newer one */
            break;
        }
    }
    if (oldest == 0)
        return fopen(path, "re");
    snprintf(name, sizeof(name), "%s.%zu", path, oldest);
    return fopen(name, "re");
}

static long count_records(FILE *log)
{
    long n = 0;
    int c;

    while ((c = getc(log)) != EOF)
        if (c == '\n')
            n++;
    clearerr(log);
    rewind(log);
    return n;
}

int cmd_logs(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "follow", no_argument, NULL, 'f' },
        { "tail", required_argument, NULL, 'n' },
        { "timestamps", no_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct logs_args a = { .tail = -1 };
    char path[4096], *end;
    const char *id;
    long skip = 0;
    FILE *log;
    int c, ino = -1, lockfd;

    while ((c = getopt_long(argc, argv, "fn:th", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            a.follow = 1;
            break;
        case 'n':
            if (strcmp(optarg, "all") == 0) {
                a.tail = -1;
                break;
            }
            errno = 0;
            a.tail = strtol(optarg, &end, 10);
            if (!*optarg || *end || errno || a.tail < 0)
                return cli_usage_error(logs_usage, "--tail '%s': not a number of lines", optarg);
            break;
        case 't':
            a.timestamps = 1;
            break;
        case 'h':
            fputs(logs_usage, stdout);
            return 0;
        default:
            fputs(logs_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error(logs_usage, "'logs' needs exactly one NAME");
    id = argv[optind];
    if (!name_valid(id) || bundle_path(cli, id, BUNDLE_LOG, path, sizeof(path)) < 0)
        return cli_fail("no such container: %s", id);
    /* opened under the bundle lock, so that a --rm cleanup is not half done */
    lockfd = bundle_lock(cli, id, LOCK_SH);
    if (lockfd < 0)
        return cli_fail("no such container: %s", id);
    log = fopen(path, "re");
    if (!log) {
        int e = errno;
        close(lockfd);
        if (e == ENOENT)
            return cli_fail("container %s has no log: only 'run -d' keeps one", id);
        return cli_fail("open %s: %s", path, strerror(e));
    }
    close(lockfd);
    FILE **rotated = calloc(ROTATED_MAX, sizeof(FILE *));
    size_t n_rotated = rotated ? rotated_open(path, log, rotated) : 0;
    if (a.tail >= 0) {
        long total = count_records(log);
        for (size_t i = 0; i < n_rotated; i++)
            total += count_records(rotated[i]);
        skip = total > a.tail ? total - a.tail : 0;
    }
    for (size_t i = 0; i < n_rotated; i++) {
        long n = print_available(rotated[i], &a, skip);
        skip = skip > n ? skip - n : 0;
        fclose(rotated[i]);
    }
    free(rotated);
    if (a.follow) {
        /* woken by new records, a rotation, and the monitor closing its lock when it is done */
        char dir[4096];
        ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (ino >= 0 && (bundle_path(cli, id, NULL, dir, sizeof(dir)) < 0 ||
                         inotify_add_watch(
                             ino, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0)) {
            close(ino);
            ino = -1;
        }
    }
    for (;;) {
        /* alive before reading: then whatever it wrote before it exited is read below */
        int alive = a.follow && monitor_alive(cli, id) == 1;
        long n = print_available(log, &a, skip);
        char buf[4096];

        skip = skip > n ? skip - n : 0;
        struct stat st;
        if (a.follow && fstat(fileno(log), &st) == 0 && st.st_size < ftello(log))
            fseeko(log, 0, SEEK_SET); /* max-file=1: the monitor started the file over */
        if (a.follow && log_rotated(log, path)) {
            /* the monitor finished this file before it renamed it: read the rest, move on */
            FILE *next = log_next(path, log);
            if (next) {
                n = print_available(log, &a, skip);
                skip = skip > n ? skip - n : 0;
                fclose(log);
                log = next;
                continue;
            }
        }
        if (!alive)
            break;
        /* the timeout is a fallback only (no inotify) */
        struct pollfd pfd = { .fd = ino, .events = POLLIN };
        if (poll(&pfd, 1, ino >= 0 ? 1000 : 100) > 0)
            while (read(ino, buf, sizeof(buf)) > 0)
                ;
    }
    if (ino >= 0)
        close(ino);
    fclose(log);
    return 0;
}
