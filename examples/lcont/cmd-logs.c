/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont logs: the text of a detached container's ctr.log, without the CRI prefix
 * ("<time> <stream> <F|P> "), stdout records on stdout and stderr records on stderr.
 * -f follows the file until the monitor has released its lock (the container exited and
 * everything it wrote is in the file).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
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
    char path[4096], lock[4096], *end;
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
    if (a.tail >= 0) {
        long total = count_records(log);
        skip = total > a.tail ? total - a.tail : 0;
    }
    if (a.follow) {
        /* woken by new records, and by the monitor closing its lock when it is done */
        ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (ino >= 0 && (inotify_add_watch(ino, path, IN_MODIFY) < 0 ||
                         bundle_path(cli, id, BUNDLE_MONITOR_LOCK, lock, sizeof(lock)) < 0 ||
                         inotify_add_watch(ino, lock, IN_CLOSE_WRITE) < 0)) {
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
