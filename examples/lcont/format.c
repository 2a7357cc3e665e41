/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Human-readable sizes, ages and image names, and table rows (docker's conventions). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli.h"

static void format_units(uint64_t bytes, double base, const char *const units[5], char *buf,
                         size_t size)
{
    double v = (double)bytes;
    size_t u = 0;

    while (v >= base && u + 1 < 5) {
        v /= base;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%lluB", (unsigned long long)bytes);
    else
        snprintf(buf, size, "%.3g%s", v, units[u]);
}

/* Decimal units, as docker and podman print image sizes. */
void format_size(uint64_t bytes, char *buf, size_t size)
{
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
    format_units(bytes, 1000.0, units, buf, size);
}

/* Binary units, as docker stats prints memory. */
void format_size_binary(uint64_t bytes, char *buf, size_t size)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    format_units(bytes, 1024.0, units, buf, size);
}

/* Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)", or -1. */
static time_t parse_rfc3339(const char *s)
{
    struct tm tm = { 0 };
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    long off = 0;
    time_t t;

    if (!p)
        return -1;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    if (*p == '+' || *p == '-') {
        int hh, mm;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
            return -1;
        off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
    } else if (*p != 'Z' && *p != 'z') {
        return -1;
    }
    t = timegm(&tm);
    return t == (time_t)-1 ? -1 : t - off;
}

void format_since(const char *rfc3339, char *buf, size_t size)
{
    static const struct {
        long secs;
        const char *unit;
    } steps[] = { { 365L * 86400, "year" }, { 30L * 86400, "month" }, { 7L * 86400, "week" },
                  { 86400, "day" },         { 3600, "hour" },         { 60, "minute" } };
    time_t t = rfc3339 ? parse_rfc3339(rfc3339) : -1;
    long age;

    if (t < 0) {
        snprintf(buf, size, "%s", rfc3339 ? rfc3339 : "<unknown>");
        return;
    }
    age = (long)(time(NULL) - t);
    if (age < 60) {
        snprintf(buf, size, age < 0 ? "in the future" : "less than a minute ago");
        return;
    }
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        long n = age / steps[i].secs;
        if (n >= 1) {
            snprintf(buf, size, "%ld %s%s ago", n, steps[i].unit, n > 1 ? "s" : "");
            return;
        }
    }
}

void split_name(const char *name, char *repo, size_t repo_size, char *tag, size_t tag_size)
{
    const char *slash, *colon;

    if (!name) {
        snprintf(repo, repo_size, "<none>");
        snprintf(tag, tag_size, "<none>");
        return;
    }
    /* the tag is after the last ':' that follows the last '/' (a registry port is not a tag) */
    slash = strrchr(name, '/');
    colon = strrchr(slash ? slash : name, ':');
    if (!colon) {
        snprintf(repo, repo_size, "%s", name);
        snprintf(tag, tag_size, "<none>");
        return;
    }
    snprintf(repo, repo_size, "%.*s", (int)(colon - name), name);
    snprintf(tag, tag_size, "%s", colon + 1);
}

int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* RFC 3339 with nanoseconds in UTC, as the CRI log format and docker's inspect write times. */
void format_time_now(char *buf, size_t size)
{
    struct timespec ts;
    struct tm tm;
    char date[32];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, size, "%s.%09ldZ", date, ts.tv_nsec);
}

int64_t parse_time_ns(const char *s)
{
    time_t t = s ? parse_rfc3339(s) : -1;
    const char *dot = s ? strchr(s, '.') : NULL;
    int64_t frac = 0, scale = 100000000;

    if (t < 0)
        return -1;
    if (dot)
        for (const char *p = dot + 1; *p >= '0' && *p <= '9' && scale > 0; p++, scale /= 10)
            frac += (*p - '0') * scale;
    return (int64_t)t * 1000000000 + frac;
}

/* go-units' HumanDuration, which docker ps prints after "Up" and before "ago". */
void format_duration(int64_t ns, char *buf, size_t size)
{
    int64_t secs = ns / 1000000000, mins = secs / 60;
    int64_t hours = (ns + 1800LL * 1000000000) / (3600LL * 1000000000);

    if (secs < 1)
        snprintf(buf, size, "Less than a second");
    else if (secs == 1)
        snprintf(buf, size, "1 second");
    else if (secs < 60)
        snprintf(buf, size, "%lld seconds", (long long)secs);
    else if (mins == 1)
        snprintf(buf, size, "About a minute");
    else if (mins < 60)
        snprintf(buf, size, "%lld minutes", (long long)mins);
    else if (hours == 1)
        snprintf(buf, size, "About an hour");
    else if (hours < 48)
        snprintf(buf, size, "%lld hours", (long long)hours);
    else if (hours < 24 * 7 * 2)
        snprintf(buf, size, "%lld days", (long long)(hours / 24));
    else if (hours < 24 * 30 * 2)
        snprintf(buf, size, "%lld weeks", (long long)(hours / 24 / 7));
    else if (hours < 24 * 365 * 2)
        snprintf(buf, size, "%lld months", (long long)(hours / 24 / 30));
    else
        snprintf(buf, size, "%lld years", (long long)(hours / 24 / 365));
}

size_t text_width(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80; /* count lead bytes only */
    return n;
}

void table_print_row(const char *const *cells, const size_t *width, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        const char *cell = cells[j] ? cells[j] : "";
        fputs(cell, stdout);
        if (j + 1 == n)
            break;
        for (size_t k = text_width(cell); k < width[j] + 3; k++)
            fputc(' ', stdout);
    }
    fputc('\n', stdout);
}

int format_option(const char *arg)
{
    if (strcmp(arg, "table") == 0)
        return 0;
    if (strcmp(arg, "json") == 0)
        return 1;
    return -1;
}

void json_line_print(const char *const *keys, const char *const *values, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    char *text;

    for (size_t i = 0; o && i < n; i++)
        cJSON_AddStringToObject(o, keys[i], values[i] ? values[i] : "");
    text = o ? cJSON_PrintUnformatted(o) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    cJSON_Delete(o);
}
