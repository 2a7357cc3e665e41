/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* events: runc's event stream. --stats prints one {"type":"stats",...} line; otherwise a
 * stats line every --interval and an {"type":"oom",...} line per OOM event, until the
 * container stops. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd-exec.h"

/* Go durations: "5s", "100ms", "1m30s", "1h"; milliseconds, or -1. */
static long long parse_duration(const char *s)
{
    static const struct {
        const char *unit;
        double ms;
    } units[] = { { "ms", 1 },   { "us", 0.001 }, { "ns", 0.000001 },
                  { "s", 1000 }, { "m", 60000 },  { "h", 3600000 } };
    double total = 0;

    if (!*s)
        return -1;
    while (*s) {
        char *end;
        double v = strtod(s, &end);
        size_t i;

        if (end == s || v < 0)
            return -1;
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
            if (strncmp(end, units[i].unit, strlen(units[i].unit)) == 0)
                break;
        if (i == sizeof(units) / sizeof(units[0]))
            return -1;
        total += v * units[i].ms;
        s = end + strlen(units[i].unit);
    }
    return (long long)total;
}

static int print_stats(struct cli *cli, lcont_container *c, uint64_t *ret_oom_kills)
{
    lcont_error *err = NULL;
    char *json = NULL;
    int r = lcont_container_get_stats_json(c, 0, &json, &err);

    if (r < 0)
        return cli_fail_lib(cli, r, &err, "stats");
    if (ret_oom_kills) {
        cJSON *doc = cJSON_Parse(json);
        cJSON *raw = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(doc, "memory"), "raw");
        cJSON *k = cJSON_GetObjectItemCaseSensitive(raw, "oom_kill");
        *ret_oom_kills = cJSON_IsNumber(k) ? (uint64_t)k->valuedouble : 0;
        cJSON_Delete(doc);
        lcont_free(json);
        return 0;
    }
    printf("{\"type\":\"stats\",\"id\":\"%s\",\"data\":%s}\n", lcont_container_get_id(c), json);
    fflush(stdout);
    lcont_free(json);
    return 0;
}

/* An eventfd (v1 memory.oom_control) fires once per OOM; an inotify fd (v2 memory.events)
 * fires on any change, so the oom_kill counter tells. */
static int is_eventfd(int fd)
{
    char path[64], target[64];
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    n = readlink(path, target, sizeof(target) - 1);
    if (n < 0)
        return 0;
    target[n] = '\0';
    return strstr(target, "eventfd") != NULL;
}

static int stream(struct cli *cli, lcont_container *c, long long interval_ms)
{
    lcont_process *init = NULL;
    lcont_error *err = NULL;
    uint64_t kills = 0, now_kills;
    int oom_fd, pidfd, ev, r;
    struct timespec next, t;

    r = lcont_container_get_init_process(c, 0, &init, &err);
    if (r < 0)
        return cli_fail(cli, "container with id %s is not running", lcont_container_get_id(c));
    pidfd = lcont_process_get_pidfd(init);
    oom_fd = lcont_container_open_oom_fd(c, 0, &err);
    if (oom_fd < 0) {
        cli_debug(cli, "no OOM notifications: %s", lcont_error_message(err));
        lcont_error_free(err);
        err = NULL;
    }
    ev = oom_fd >= 0 && is_eventfd(oom_fd);
    print_stats(cli, c, &kills);
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (;;) {
        struct pollfd p[2] = { { pidfd, POLLIN, 0 }, { oom_fd, POLLIN | POLLPRI, 0 } };
        long long wait_ms;

        r = print_stats(cli, c, NULL);
        if (r)
            break;
        next.tv_sec += interval_ms / 1000;
        next.tv_nsec += (interval_ms % 1000) * 1000000;
        if (next.tv_nsec >= 1000000000) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000;
        }
        for (;;) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            wait_ms = (next.tv_sec - t.tv_sec) * 1000 + (next.tv_nsec - t.tv_nsec) / 1000000;
            if (wait_ms <= 0)
                break;
            if (poll(p, oom_fd >= 0 ? 2 : 1, (int)(wait_ms > 60000 ? 60000 : wait_ms)) < 0 &&
                errno != EINTR) {
                r = cli_fail(cli, "poll: %s", strerror(errno));
                goto out;
            }
            if (p[0].revents)
                goto out; /* the container stopped: the stream ends */
            if (oom_fd >= 0 && p[1].revents) {
                char buf[4096];
                (void)!read(oom_fd, buf, sizeof(buf));
                if (print_stats(cli, c, &now_kills) == 0 && (ev || now_kills > kills)) {
                    printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", lcont_container_get_id(c));
                    fflush(stdout);
                }
                kills = now_kills;
            }
        }
    }
out:
    if (oom_fd >= 0)
        close(oom_fd);
    lcont_process_unref(init);
    return r;
}

int cmd_events(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "stats", optional_argument, NULL, 's' },
        { "interval", required_argument, NULL, 'i' },
        { "help", no_argument, NULL, 'h' },
        {},
    };
    const struct command *cmd = command_find("events");
    long long interval_ms = 5000;
    lcont_container *c = NULL;
    int stats = 0, r, opt;

    optind = 0;
    while ((opt = getopt_long_only(argc, argv, "+:h", opts, NULL)) != -1) {
        switch (opt) {
        case 's':
            if (args_set_bool(cli, "stats", optarg, &stats))
                return 1;
            break;
        case 'i':
            interval_ms = parse_duration(optarg);
            if (interval_ms <= 0)
                return cli_fail(cli, "invalid value \"%s\" for flag -interval: parse error",
                                optarg);
            break;
        default:
            return args_help_or_error(cli, cmd, argv, opt);
        }
    }
    r = args_check_count(cli, cmd, argc - optind, 1, 1);
    if (r)
        return r;
    r = cli_load(cli, argv[optind], 0, &c);
    if (r)
        return r;
    if (lcont_container_get_status(c, 0, NULL) == LCONT_STATUS_STOPPED)
        r = cli_fail(cli, "container with id %s is not running", argv[optind]);
    else
        r = stats ? print_stats(cli, c, NULL) : stream(cli, c, interval_ms);
    lcont_container_unref(c);
    return r;
}
