/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Log lines in the two formats runc (logrus) writes, because containerd and
 * podman read runtime errors back from the --log file:
 *   text: time="2024-01-02T03:04:05Z" level=error msg="container does not exist"
 *   json: {"level":"error","msg":"container does not exist","time":"2024-01-02T03:04:05Z"}
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int log_open(struct cli *cli, const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    cli->log_fd = fd;
    cli->log_is_stderr = 0;
    return 0;
}

static const char *level_name(int level)
{
    switch (level) {
    case LCONT_LOG_ERROR:
        return "error";
    case LCONT_LOG_WARNING:
        return "warning";
    case LCONT_LOG_INFO:
        return "info";
    default:
        return "debug";
    }
}

/*
 * RFC 3339 in local time, as logrus prints it ("Z" for UTC). With --debug the
 * seconds carry microseconds (still RFC 3339), so that the phases of a start
 * can be timed from the log.
 */
static void format_time(char *buf, size_t size, bool fraction)
{
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (fraction && n < size)
        n += (size_t)snprintf(buf + n, size - n, ".%06ld", ts.tv_nsec / 1000);
    if (tm.tm_gmtoff == 0) {
        snprintf(buf + n, size - n, "Z");
    } else {
        long off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
        snprintf(buf + n, size - n, "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+', off / 3600,
                 (off % 3600) / 60);
    }
}

/* Quote like Go's %q (logrus text values) or as a JSON string. */
static void put_quoted(FILE *f, const char *s, int json)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, json ? "\\u%04x" : "\\x%02x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void log_line(struct cli *cli, int level, const char *msg)
{
    char stamp[64];
    char *line = NULL;
    size_t len = 0;
    FILE *f;

    format_time(stamp, sizeof(stamp), cli->debug);
    f = open_memstream(&line, &len);
    if (!f)
        return;
    if (cli->log_json) {
        fprintf(f, "{\"level\":\"%s\",\"msg\":", level_name(level));
        put_quoted(f, msg, 1);
        fprintf(f, ",\"time\":\"%s\"}\n", stamp);
    } else {
        fprintf(f, "time=\"%s\" level=%s msg=", stamp, level_name(level));
        put_quoted(f, msg, 0);
        fputc('\n', f);
    }
    if (fclose(f) == 0) {
        /* one write per line, so O_APPEND keeps concurrent writers' lines whole */
        for (size_t off = 0; off < len;) {
            ssize_t n = write(cli->log_fd, line + off, len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            off += (size_t)n;
        }
    }
    free(line);
}

static int vfail(struct cli *cli, const char *fmt, va_list ap)
{
    char *msg = NULL;

    if (vasprintf(&msg, fmt, ap) < 0)
        return 1;
    log_line(cli, LCONT_LOG_ERROR, msg);
    /* runc prints the bare message too when the log is not already stderr */
    if (!cli->log_is_stderr)
        fprintf(stderr, "%s\n", msg);
    free(msg);
    return 1;
}

int cli_fail(struct cli *cli, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vfail(cli, fmt, ap);
    va_end(ap);
    return r;
}

int cli_fail_lib(struct cli *cli, int r, lcont_error **err, const char *what)
{
    const char *msg = err && *err ? lcont_error_message(*err) : "";
    int status;

    if (!*msg)
        msg = strerror(-r);
    if (what)
        status = cli_fail(cli, "%s: %s", what, msg);
    else
        status = cli_fail(cli, "%s", msg);
    if (err) {
        lcont_error_free(*err);
        *err = NULL;
    }
    return status;
}

void cli_debug(struct cli *cli, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    int r;

    if (!cli->debug)
        return;
    va_start(ap, fmt);
    r = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (r < 0)
        return;
    log_line(cli, LCONT_LOG_DEBUG, msg);
    free(msg);
}

void log_lib_fn(int level, const char *msg, void *userdata)
{
    log_line(userdata, level, msg);
}
