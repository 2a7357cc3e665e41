/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont logs: the text of a detached container's ctr.log, without the CRI prefix
 * ("<time> <stream> <F|P> "), stdout records on stdout and stderr records on stderr.
 * -f follows the file until the monitor has released its lock (the container exited and
 * everything it wrote is in the file). With --log-opt max-size the monitor rotates the log:
 * ctr.log.<N> (oldest) .. ctr.log.1 come first, and -f follows ctr.log across rotations.
 * Files are found by their order, not their names, which change under us (log_open_after).
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

#include <cjson/cJSON.h>

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

/*
 * ctr.log and the files the monitor rotated it into: ctr.log.1 (the newest) ..
 * ctr.log.<top>. A rotation renames ctr.log.<top - 1> to ctr.log.<top> (the oldest goes),
 * and so on down to ctr.log to ctr.log.1, then creates ctr.log: files only ever move to
 * higher indexes, one rename at a time.
 */
struct log_files {
    const char *path;
    long top; /* --log-opt max-file - 1 */
};

/* ctr.log.<k>, or ctr.log for k = 0 */
static void log_name(char *buf, size_t size, const char *path, long k)
{
    if (k == 0)
        snprintf(buf, size, "%s", path);
    else
        snprintf(buf, size, "%s.%ld", path, k);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

/* stat() of index @k: 0 or -errno. */
static int log_index_stat(const struct log_files *lf, long k, struct stat *st)
{
    char name[4200];

    log_name(name, sizeof(name), lf->path, k);
    return stat(name, st) < 0 ? -errno : 0;
}

/*
 * One pass over ctr.log, ctr.log.1, ... ctr.log.<top>: the index of @want (-1: not seen),
 * and in @oldest the highest index that holds a file (-1: none). An index in the middle is
 * empty while a rotation runs (or for good when a monitor was killed in one).
 */
static long log_scan(const struct log_files *lf, const struct stat *want, long *oldest)
{
    struct stat st;
    long found = -1;

    *oldest = -1;
    for (long k = 0; k <= lf->top; k++) {
        if (log_index_stat(lf, k, &st) < 0)
            continue;
        *oldest = k;
        if (want && same_file(&st, want))
            found = k;
    }
    return found;
}

/* The oldest log file there is (ENOENT: none): opened, then seen still the oldest. */
static FILE *log_open_oldest(const struct log_files *lf)
{
    char name[4200];
    struct stat opened;
    long oldest, again;

    for (int attempt = 0; attempt < 100; attempt++) {
        log_scan(lf, NULL, &oldest);
        if (oldest < 0)
            break;
        log_name(name, sizeof(name), lf->path, oldest);
        FILE *f = fopen(name, "re");
        if (!f && errno != ENOENT)
            return NULL;
        if (f && fstat(fileno(f), &opened) == 0 && log_scan(lf, &opened, &again) == oldest &&
            again == oldest)
            return f;
        if (f)
            fclose(f);
        /* a rotation moved it on: look again */
    }
    errno = ENOENT;
    return NULL;
}

static bool log_index_holds(const struct log_files *lf, long k, const struct stat *want)
{
    struct stat st;
    return log_index_stat(lf, k, &st) == 0 && same_file(&st, want);
}

static bool log_index_empty(const struct log_files *lf, long k)
{
    struct stat st;
    return log_index_stat(lf, k, &st) == -ENOENT;
}

/*
 * The file written right after @prev, which is at index @k: the nearest lower index that
 * holds a file (an index in between is empty while a rotation runs, or for good if a
 * monitor was killed in one). Files only ever move to higher indexes, so when @prev is at
 * @k, then nothing is in between (checked upwards), then @prev is still at @k, and the
 * file opened is still where it was opened, the two were neighbours at one instant.
 * NULL: not settled yet, look again.
 */
static FILE *log_open_after(const struct log_files *lf, long k, const struct stat *prev)
{
    char name[4200];
    struct stat opened;
    long i = k - 1;
    FILE *f;

    while (i >= 0 && log_index_empty(lf, i))
        i--;
    if (i < 0)
        return NULL;
    log_name(name, sizeof(name), lf->path, i);
    f = fopen(name, "re");
    if (!f)
        return NULL;
    bool settled = fstat(fileno(f), &opened) == 0 && log_index_holds(lf, k, prev);
    for (long j = i + 1; settled && j < k; j++)
        settled = log_index_empty(lf, j);
    if (settled && log_index_holds(lf, k, prev) && log_index_holds(lf, i, &opened))
        return f;
    fclose(f);
    return NULL;
}

/* @log is ctr.log now (not rotated, and ctr.log is not mid-rotation). */
static bool log_current(FILE *log, const struct log_files *lf)
{
    struct stat a, b;
    return fstat(fileno(log), &a) == 0 && stat(lf->path, &b) == 0 && same_file(&a, &b);
}

/*
 * The file written after @log, which has been rotated. If @log was rotated out (deleted)
 * before we got to it, the oldest one left, and *@lost says that what came in between is
 * gone (the monitor rotated faster than we read). NULL: none found (yet).
 */
static FILE *log_next(const struct log_files *lf, FILE *log, bool *lost)
{
    struct stat cur;
    long oldest;

    *lost = false;
    for (int attempt = 0; attempt < 100; attempt++) {
        if (fstat(fileno(log), &cur) < 0)
            return NULL;
        if (cur.st_nlink == 0) {
            *lost = true;
            return log_open_oldest(lf);
        }
        long k = log_scan(lf, &cur, &oldest);
        FILE *f = k > 0 ? log_open_after(lf, k, &cur) : NULL;
        if (f)
            return f;
        /* mid-rotation: let the monitor finish its renames */
        usleep(100);
    }
    return NULL;
}

/*
 * Every log file from the oldest to the current ctr.log, in order, into @chain (at most
 * @max); returns how many.
 */
static size_t log_chain(const struct log_files *lf, FILE **chain, size_t max)
{
    FILE *f = log_open_oldest(lf);
    size_t n = 0;
    bool lost;

    while (f) {
        chain[n++] = f;
        if (n == max || log_current(f, lf))
            break;
        f = log_next(lf, f, &lost);
    }
    return n;
}

/* The highest index of a rotated file: --log-opt max-file - 1, as run -d recorded it. */
static long log_top(const struct cli *cli, const char *id)
{
    cJSON *meta = bundle_read_json(cli, id, BUNDLE_META);
    const cJSON *mf = cJSON_GetObjectItemCaseSensitive(meta, "log_max_files");
    long top = cJSON_IsNumber(mf) && mf->valuedouble >= 1 ? (long)mf->valuedouble - 1 : 0;

    cJSON_Delete(meta);
    return top < LOG_MAX_FILES ? top : LOG_MAX_FILES - 1;
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
    struct log_files lf;
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
    lf.path = path;
    lf.top = log_top(cli, id);
    /* opened under the bundle lock, so that a --rm cleanup is not half done */
    lockfd = bundle_lock(cli, id, LOCK_SH);
    if (lockfd < 0)
        return cli_fail("no such container: %s", id);
    FILE **chain = calloc(LOG_MAX_FILES + 1, sizeof(FILE *));
    size_t n_chain = chain ? log_chain(&lf, chain, LOG_MAX_FILES + 1) : 0;
    if (n_chain == 0) {
        int e = chain ? errno : ENOMEM;
        close(lockfd);
        free(chain);
        if (e == ENOENT)
            return cli_fail("container %s has no log: only 'run -d' keeps one", id);
        return cli_fail("open %s: %s", path, strerror(e));
    }
    close(lockfd);
    if (a.tail >= 0) {
        long total = 0;
        for (size_t i = 0; i < n_chain; i++)
            total += count_records(chain[i]);
        skip = total > a.tail ? total - a.tail : 0;
    }
    /* the last one is followed below */
    for (size_t i = 0; i + 1 < n_chain; i++) {
        long n = print_available(chain[i], &a, skip);
        skip = skip > n ? skip - n : 0;
        fclose(chain[i]);
    }
    log = chain[n_chain - 1];
    free(chain);
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
        if (a.follow && !log_current(log, &lf)) {
            /* the monitor finished this file before it renamed it: read the rest, move on */
            bool lost;
            FILE *next = log_next(&lf, log, &lost);
            if (next) {
                if (lost)
                    fprintf(stderr, "lcont: output was rotated away before it was read\n");
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
