/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Human-readable sizes, ages and image names for tables (docker's conventions). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* Decimal units, as docker and podman print image sizes. */
void format_size(uint64_t bytes, char *buf, size_t size)
{
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
    double v = (double)bytes;
    size_t u = 0;

    while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%lluB", (unsigned long long)bytes);
    else
        snprintf(buf, size, "%.3g%s", v, units[u]);
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
