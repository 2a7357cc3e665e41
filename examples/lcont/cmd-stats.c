/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont stats and top: what the processes of containers use, and which processes they
 * are. stats reads the cgroup counters (lcont_container_get_stats_json()) an interval
 * apart: CPU % is the CPU time used between two readings over the time between them.
 * top runs the host's ps and keeps the rows whose PID is in the container's cgroup, as
 * docker does.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"

static const char stats_usage[] =
    "Usage: lcont stats [OPTIONS] [NAME...]\n"
    "\n"
    "Show what containers use (every running one without NAME), refreshed each second\n"
    "until interrupted: CPU % (100% is one CPU), memory without the page cache against\n"
    "the limit (the host's memory when there is none), bytes received / sent on the\n"
    "container's own network namespace (\"--\" on the host's), bytes read / written on\n"
    "block devices, and the number of processes.\n"
    "\n"
    "Options:\n"
    "  -a, --all        include containers that are not running\n"
    "      --no-stream  print one table and exit\n"
    "      --format FMT table (the default) or json: one object per container and reading,\n"
    "                   with docker's keys (Name, ID, CPUPerc, MemUsage, MemPerc, NetIO,\n"
    "                   BlockIO, PIDs)\n"
    "  -h, --help       show this help\n";

static const char top_usage[] =
    "Usage: lcont top NAME [ps OPTIONS]\n"
    "\n"
    "Show the processes of a running container: the host's ps (options -ef when none are\n"
    "given), keeping the rows whose PID is in the container's cgroup.\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help\n";

#define STATS_INTERVAL_MS 1000
#define STATS_COLUMNS 7
#define CELL_MAX 256 /* a name is at most 255 bytes */

/* One reading of one container. */
struct reading {
    char *name;
    bool running; /* running or paused: it has a cgroup to read */
    bool has_net; /* its own network namespace */
    int64_t at_ns;
    uint64_t cpu_ns, mem_used, mem_limit, net_rx, net_tx, blk_read, blk_write, pids;
};

static uint64_t json_u64(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble <= 0)
        return 0;
    return v->valuedouble >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v->valuedouble;
}

static uint64_t host_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

/* The runtime's stats document, as docker computes its columns from it. */
static void reading_from_stats(struct reading *r, const cJSON *data)
{
    const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(data, "cpu");
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(data, "memory");
    const cJSON *usage = cJSON_GetObjectItemCaseSensitive(mem, "usage");
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(mem, "raw");
    const cJSON *blkio = cJSON_GetObjectItemCaseSensitive(data, "blkio");
    const cJSON *e;
    uint64_t used, cache, host = host_memory();

    r->cpu_ns = json_u64(cJSON_GetObjectItemCaseSensitive(cpu, "usage"), "total");
    /* the page cache can be reclaimed: v1 counts it as "cache", v2 as "file" */
    used = json_u64(usage, "usage");
    cache = json_u64(raw, "file") ? json_u64(raw, "file") : json_u64(raw, "cache");
    r->mem_used = used > cache ? used - cache : 0;
    r->mem_limit = json_u64(usage, "limit");
    if (r->mem_limit == 0 || (host && r->mem_limit > host))
        r->mem_limit = host;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(blkio, "ioServiceBytesRecursive"))
    {
        const cJSON *op = cJSON_GetObjectItemCaseSensitive(e, "op");
        if (cJSON_IsString(op) && strcmp(op->valuestring, "Read") == 0)
            r->blk_read += json_u64(e, "value");
        else if (cJSON_IsString(op) && strcmp(op->valuestring, "Write") == 0)
            r->blk_write += json_u64(e, "value");
    }
    r->pids = json_u64(cJSON_GetObjectItemCaseSensitive(data, "pids"), "current");
}

/* Bytes received and sent on every interface but lo, when @pid has a network namespace
 * of its own (on the host's, the numbers would be the host's). */
static void reading_net(struct reading *r, pid_t pid)
{
    char path[64], line[512];
    struct stat ours, theirs;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
    if (pid <= 0 || stat("/proc/self/ns/net", &ours) < 0 || stat(path, &theirs) < 0 ||
        ours.st_ino == theirs.st_ino)
        return;
    snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return;
    r->has_net = true;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long rx, tx;
        char *colon = strchr(line, ':'), *name = line;

        if (!colon)
            continue; /* the two header lines */
        *colon = '\0';
        while (*name == ' ')
            name++;
        if (strcmp(name, "lo") != 0 &&
            sscanf(colon + 1, "%llu %*u %*u %*u %*u %*u %*u %*u %llu", &rx, &tx) == 2) {
            r->net_rx += rx;
            r->net_tx += tx;
        }
    }
    fclose(f);
}

/* Read @name now; 0, -ENOENT, or 1 with a message printed. A container that is not
 * running is read as such (no numbers). */
static int reading_take(struct cli *cli, const char *name, struct reading *r)
{
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    char *json = NULL;
    int st, ret;

    memset(r, 0, sizeof(*r));
    if (!(r->name = strdup(name)))
        return cli_fail("out of memory");
    ret = container_load(cli, name, &c);
    if (ret)
        return ret;
    st = lcont_container_get_status(c, 0, NULL);
    if ((st == LCONT_STATUS_RUNNING || st == LCONT_STATUS_PAUSED) &&
        lcont_container_get_stats_json(c, 0, &json, &err) == 0) {
        cJSON *data = cJSON_Parse(json);
        r->running = data != NULL;
        r->at_ns = now_ns();
        reading_from_stats(r, data);
        reading_net(r, lcont_container_get_pid(c));
        cJSON_Delete(data);
    }
    /* a container that stopped meanwhile has no cgroup: shown as not running */
    lcont_error_free(err);
    lcont_free(json);
    lcont_container_unref(c);
    return 0;
}

static void readings_free(struct reading *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].name);
    free(r);
}

static void percent(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.2f%%", v);
}

static void pair(uint64_t a, uint64_t b, bool binary, char *buf, size_t size)
{
    char x[32], y[32];

    (binary ? format_size_binary : format_size)(a, x, sizeof(x));
    (binary ? format_size_binary : format_size)(b, y, sizeof(y));
    snprintf(buf, size, "%s / %s", x, y);
}

/* One row: @now, with CPU % since @before (NULL: not known yet). */
static void stats_row(const struct reading *now, const struct reading *before,
                      char cells[STATS_COLUMNS][CELL_MAX])
{
    snprintf(cells[0], CELL_MAX, "%s", now->name);
    for (size_t j = 1; j < STATS_COLUMNS; j++)
        snprintf(cells[j], CELL_MAX, "--");
    if (!now->running)
        return;
    if (before && before->running && now->at_ns > before->at_ns && now->cpu_ns >= before->cpu_ns)
        percent(100.0 * (double)(now->cpu_ns - before->cpu_ns) /
                    (double)(now->at_ns - before->at_ns),
                cells[1], CELL_MAX);
    pair(now->mem_used, now->mem_limit, true, cells[2], CELL_MAX);
    if (now->mem_limit)
        percent(100.0 * (double)now->mem_used / (double)now->mem_limit, cells[3], CELL_MAX);
    if (now->has_net)
        pair(now->net_rx, now->net_tx, false, cells[4], CELL_MAX);
    pair(now->blk_read, now->blk_write, false, cells[5], CELL_MAX);
    snprintf(cells[6], CELL_MAX, "%llu", (unsigned long long)now->pids);
}

static void stats_print(const struct reading *now, size_t n, const struct reading *before,
                        size_t n_before, bool json)
{
    static const char *const headers[STATS_COLUMNS] = {
        "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS",
    };
    static const char *const keys[STATS_COLUMNS + 1] = {
        "Name", "CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO", "PIDs", "ID",
    };
    char(*cells)[STATS_COLUMNS][CELL_MAX] = calloc(n ? n : 1, sizeof(*cells));
    size_t width[STATS_COLUMNS];

    if (!cells)
        return;
    for (size_t i = 0; i < n; i++) {
        const struct reading *b = NULL;
        for (size_t k = 0; k < n_before && !b; k++)
            if (strcmp(before[k].name, now[i].name) == 0)
                b = &before[k];
        stats_row(&now[i], b, cells[i]);
    }
    for (size_t j = 0; j < STATS_COLUMNS; j++) {
        width[j] = text_width(headers[j]);
        for (size_t i = 0; i < n; i++)
            if (text_width(cells[i][j]) > width[j])
                width[j] = text_width(cells[i][j]);
    }
    if (!json)
        table_print_row(headers, width, STATS_COLUMNS);
    for (size_t i = 0; i < n; i++) {
        const char *row[STATS_COLUMNS + 1];
        for (size_t j = 0; j < STATS_COLUMNS; j++)
            row[j] = cells[i][j];
        row[STATS_COLUMNS] = cells[i][0]; /* the ID is the name */
        if (json)
            json_line_print(keys, row, STATS_COLUMNS + 1);
        else
            table_print_row(row, width, STATS_COLUMNS);
    }
    fflush(stdout);
    free(cells);
}

/* The containers to show this round: @names, or every bundle (running ones unless @all). */
static int stats_take_all(struct cli *cli, char **names, size_t n_names, bool all,
                          struct reading **ret, size_t *ret_n)
{
    char **listed = NULL;
    size_t n_listed = 0, n = 0;
    struct reading *r;
    int status = 0;

    if (n_names == 0) {
        int e = bundle_list(cli, &listed, &n_listed);
        if (e < 0)
            return cli_fail("list %s/containers: %s", cli->root, strerror(-e));
        names = listed;
        n_names = n_listed;
    }
    r = calloc(n_names ? n_names : 1, sizeof(*r));
    if (!r) {
        bundle_list_free(listed, n_listed);
        return cli_fail("out of memory");
    }
    for (size_t i = 0; i < n_names; i++) {
        int e = reading_take(cli, names[i], &r[n]);
        if (e == -ENOENT && !listed)
            status = cli_fail("no such container: %s", names[i]);
        else if (e > 0)
            status = 1;
        if (e || (listed && !all && !r[n].running))
            free(r[n].name);
        else
            n++;
    }
    bundle_list_free(listed, n_listed);
    *ret = r;
    *ret_n = n;
    return status;
}

int cmd_stats(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "all", no_argument, NULL, 'a' },
        { "no-stream", no_argument, NULL, 'S' },
        { "format", required_argument, NULL, 'F' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct reading *before = NULL, *now = NULL;
    size_t n_before = 0, n_now = 0;
    bool all = false, no_stream = false, tty = isatty(STDOUT_FILENO);
    int json = 0;
    int c, status = 0;

    while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            all = true;
            break;
        case 'S':
            no_stream = true;
            break;
        case 'F':
            json = format_option(optarg);
            if (json < 0)
                return cli_usage_error(stats_usage, "--format '%s': table or json", optarg);
            break;
        case 'h':
            fputs(stats_usage, stdout);
            return 0;
        default:
            fputs(stats_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (cli_open_context(cli))
        return 1;
    /* a first reading, so that the first table has CPU % */
    status = stats_take_all(cli, argv + optind, (size_t)(argc - optind), all, &before, &n_before);
    if (status) {
        readings_free(before, n_before);
        return status;
    }
    for (;;) {
        poll(NULL, 0, STATS_INTERVAL_MS);
        status = stats_take_all(cli, argv + optind, (size_t)(argc - optind), all, &now, &n_now);
        if (status)
            break;
        if (tty && !no_stream && !json)
            fputs("\033[2J\033[H", stdout); /* redraw in place */
        stats_print(now, n_now, before, n_before, json);
        readings_free(before, n_before);
        before = now;
        n_before = n_now;
        now = NULL;
        n_now = 0;
        if (no_stream)
            break;
        if (!tty && !json)
            putchar('\n'); /* tables one after another */
    }
    readings_free(now, n_now);
    readings_free(before, n_before);
    return status;
}

/* The column of "PID" in ps's header line, or -1. */
static int pid_column(const char *header)
{
    int col = 0;

    for (const char *p = header; *p;) {
        size_t len;
        while (*p == ' ' || *p == '\t')
            p++;
        len = strcspn(p, " \t\n");
        if (len == 0)
            break;
        if (len == 3 && strncmp(p, "PID", 3) == 0)
            return col;
        col++;
        p += len;
    }
    return -1;
}

/* Field @col of @line as a pid, or -1. */
static long field_pid(const char *line, int col)
{
    const char *p = line;

    for (int i = 0;; i++) {
        size_t len;
        while (*p == ' ' || *p == '\t')
            p++;
        len = strcspn(p, " \t\n");
        if (len == 0)
            return -1;
        if (i == col) {
            char *end;
            long v = strtol(p, &end, 10);
            return end == p + len && v > 0 ? v : -1;
        }
        p += len;
    }
}

static bool pid_in(long pid, const pid_t *pids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

/* Run ps with @args (NULL-terminated, argv[0] "ps") and read its output into a FILE. */
static FILE *ps_output(char **args, pid_t *ret_child)
{
    int fds[2];
    pid_t child;
    FILE *f;

    if (pipe2(fds, O_CLOEXEC) < 0)
        return NULL;
    child = fork();
    if (child < 0) {
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (child == 0) {
        if (dup2(fds[1], STDOUT_FILENO) < 0)
            _exit(127);
        execvp("ps", args);
        fprintf(stderr, "lcont: run ps: %s\n", strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "re");
    if (!f)
        close(fds[0]);
    *ret_child = child;
    return f;
}

int cmd_top(struct cli *cli, int argc, char **argv)
{
    static char default_opts[] = "-ef";
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    pid_t *pids = NULL, child = -1;
    size_t n_pids = 0, cap = 0;
    char **args = NULL, *line = NULL;
    int r, col = -1, status = 1, ps_status;
    FILE *out = NULL;
    ssize_t len;

    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(top_usage, stdout);
        return 0;
    }
    if (argc < 2)
        return cli_usage_error(top_usage, "'top' needs a NAME");
    if (container_find(cli, argv[1], &c))
        return 1;
    r = lcont_container_get_status(c, 0, NULL);
    if (r != LCONT_STATUS_RUNNING && r != LCONT_STATUS_PAUSED) {
        status = cli_fail("container %s is not running", argv[1]);
        goto out;
    }
    r = lcont_container_get_pids(c, 0, &pids, &n_pids, &err);
    if (r < 0) {
        status = cli_fail_lib(cli, r, &err, "processes of %s", argv[1]);
        goto out;
    }
    /* ps gets our arguments after NAME as they are, or -ef */
    args = calloc((size_t)argc + 2, sizeof(*args));
    if (!args) {
        status = cli_fail("out of memory");
        goto out;
    }
    args[0] = "ps";
    for (int i = 2; i < argc; i++)
        args[i - 1] = argv[i];
    if (argc == 2)
        args[1] = default_opts;
    out = ps_output(args, &child);
    if (!out) {
        status = cli_fail("run ps: %s", strerror(errno));
        goto out;
    }
    while ((len = getline(&line, &cap, out)) > 0) {
        if (col < 0) {
            col = pid_column(line);
            if (col < 0)
                break;
            fputs(line, stdout);
        } else if (pid_in(field_pid(line, col), pids, n_pids)) {
            fputs(line, stdout);
        }
    }
    fclose(out); /* ps gets SIGPIPE if it had more */
    while (waitpid(child, &ps_status, 0) < 0 && errno == EINTR)
        ;
    if (len > 0 && col < 0)
        cli_fail("ps printed no PID column: %s", line);
    else if (!WIFEXITED(ps_status) || WEXITSTATUS(ps_status) != 0)
        cli_fail("ps %s failed", argc > 2 ? "with these options" : "-ef");
    else if (col < 0)
        cli_fail("ps printed nothing");
    else
        status = 0;
out:
    free(line);
    free(args);
    lcont_free(pids);
    lcont_error_free(err);
    lcont_container_unref(c);
    return status;
}
