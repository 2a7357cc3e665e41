/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont ps and inspect: containers made by lcont (one bundle directory each under
 * <root>/containers/), their status from the runtime state (refreshed from the kernel,
 * so a container whose monitor was killed shows what it really is) and what run and the
 * monitor recorded in meta.json and status.json.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli.h"

static const char ps_usage[] =
    "Usage: lcont ps [OPTIONS]\n"
    "\n"
    "List running containers (all of them with -a): NAME, IMAGE, COMMAND, CREATED, STATUS.\n"
    "\n"
    "Options:\n"
    "  -a, --all       include containers that are not running\n"
    "  -q, --quiet     print names only\n"
    "  --no-trunc      do not shorten the command\n"
    "  --format FMT    table (the default) or json: one object per line with docker's keys\n"
    "                  (ID, Names, Image, Command, CreatedAt, RunningFor, State, Status)\n"
    "  -h, --help      show this help\n";

static const char inspect_usage[] =
    "Usage: lcont inspect NAME...\n"
    "\n"
    "Print a JSON array describing containers: name, image, state (status, pid, exit code,\n"
    "start and finish times), log path and a summary of the configuration.\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help\n";

struct ctr_info {
    char id[256];
    cJSON *meta, *config, *status; /* NULL when missing */
    int state;                     /* LCONT_STATUS_*, -1 without runtime state */
    pid_t pid;
    int monitor; /* a monitor or foreground run holds the monitor lock */
};

static void info_free(struct ctr_info *c)
{
    cJSON_Delete(c->meta);
    cJSON_Delete(c->config);
    cJSON_Delete(c->status);
}

static const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* 0, -ENOENT when there is neither a bundle nor a runtime state, 1 on errors (printed). */
static int info_load(struct cli *cli, const char *id, struct ctr_info *c)
{
    lcont_container *ct = NULL;
    char dir[4096];
    struct stat st;
    int r;

    memset(c, 0, sizeof(*c));
    c->state = -1;
    if (!name_valid(id))
        return -ENOENT;
    snprintf(c->id, sizeof(c->id), "%s", id);
    r = container_load(cli, id, &ct);
    if (r > 0)
        return 1;
    if (r == 0) {
        c->state = lcont_container_get_status(ct, 0, NULL);
        c->pid = lcont_container_get_pid(ct);
        lcont_container_unref(ct);
    }
    if (bundle_path(cli, id, NULL, dir, sizeof(dir)) < 0 || stat(dir, &st) < 0) {
        if (c->state < 0)
            return -ENOENT;
    }
    c->meta = bundle_read_json(cli, id, BUNDLE_META);
    c->config = bundle_read_json(cli, id, BUNDLE_CONFIG);
    c->status = bundle_read_json(cli, id, BUNDLE_STATUS);
    c->monitor = monitor_alive(cli, id) == 1;
    return 0;
}

static int exit_code(const struct ctr_info *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->status, "exit_code");
    return cJSON_IsNumber(v) ? v->valueint : -1;
}

/* docker's status words: created, running, paused, exited, dead. */
static const char *status_word(const struct ctr_info *c)
{
    switch (c->state) {
    case LCONT_STATUS_CREATING:
    case LCONT_STATUS_CREATED:
        return "created";
    case LCONT_STATUS_RUNNING:
        return "running";
    case LCONT_STATUS_PAUSED:
        return "paused";
    default:
        if (c->state < 0 && c->monitor)
            return "created"; /* the monitor is creating it */
        return c->state < 0 && exit_code(c) < 0 ? "dead" : "exited";
    }
}

static void ago(const char *time, char *buf, size_t size)
{
    int64_t t = parse_time_ns(time);
    char d[64];

    if (t < 0) {
        snprintf(buf, size, "%s", time ? time : "");
        return;
    }
    format_duration(now_ns() - t, d, sizeof(d));
    snprintf(buf, size, "%s ago", d);
}

static void status_text(const struct ctr_info *c, char *buf, size_t size)
{
    const char *word = status_word(c), *started = json_str(c->status, "started_at");
    char d[64];

    if (strcmp(word, "running") == 0 || strcmp(word, "paused") == 0) {
        int64_t t = parse_time_ns(started);
        format_duration(t < 0 ? 0 : now_ns() - t, d, sizeof(d));
        snprintf(buf, size, "Up %s%s", d, word[0] == 'p' ? " (Paused)" : "");
    } else if (strcmp(word, "created") == 0) {
        snprintf(buf, size, "Created");
    } else if (exit_code(c) >= 0) {
        ago(json_str(c->status, "finished_at"), d, sizeof(d));
        snprintf(buf, size, "Exited (%d) %s", exit_code(c), d);
    } else if (c->monitor) {
        snprintf(buf, size, "Stopping"); /* exited, the monitor is recording it */
    } else if (c->state < 0) {
        snprintf(buf, size, "Dead");
    } else {
        /* nothing reaped it (its monitor was killed): the code is lost */
        snprintf(buf, size, "Exited (unknown)");
    }
}

static const cJSON *process_args(const struct ctr_info *c)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(c->config, "process");
    return cJSON_GetObjectItemCaseSensitive(p, "args");
}

/* "sh -c 'echo hi; sl…" quoted, as docker ps shows commands. */
static void command_text(const struct ctr_info *c, int no_trunc, char *buf, size_t size)
{
    const cJSON *arg;
    char cmd[4096] = "";
    size_t len = 0;

    cJSON_ArrayForEach(arg, process_args(c))
    {
        if (cJSON_IsString(arg) && len < sizeof(cmd))
            len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "%s%s", len ? " " : "",
                                    arg->valuestring);
    }
    if (!no_trunc && strlen(cmd) > 20) {
        size_t cut = 19;
        while (cut > 0 && ((unsigned char)cmd[cut] & 0xC0) == 0x80)
            cut--; /* not inside a UTF-8 character */
        strcpy(cmd + cut, "\xe2\x80\xa6");
    }
    snprintf(buf, size, "\"%s\"", cmd);
}

static const char *image_text(const struct ctr_info *c)
{
    const char *name = json_str(c->meta, "image_name");
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(c->config, "annotations");

    if (!name)
        name = json_str(c->meta, "image");
    if (!name)
        name = json_str(ann, "org.opencontainers.image.base.name");
    return name ? name : "";
}

/* the table's columns, then what only --format json prints */
#define PS_COLUMNS 5
#define PS_CELLS 7
struct row {
    char *cells[PS_CELLS]; /* NAME IMAGE COMMAND CREATED STATUS, state, created time */
    char sort_key[64];
};

static int row_cmp(const void *a, const void *b)
{
    /* newest first, as docker ps */
    return strcmp(((const struct row *)b)->sort_key, ((const struct row *)a)->sort_key);
}

int cmd_ps(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "all", no_argument, NULL, 'a' },      { "quiet", no_argument, NULL, 'q' },
        { "no-trunc", no_argument, NULL, 'T' }, { "format", required_argument, NULL, 'F' },
        { "help", no_argument, NULL, 'h' },     { NULL, 0, NULL, 0 },
    };
    static const char *const headers[PS_COLUMNS] = { "NAME", "IMAGE", "COMMAND", "CREATED",
                                                     "STATUS" };
    /* docker's --format json keys, in the order of the cells (ID is the name: ids are names) */
    static const char *const keys[PS_CELLS + 1] = { "Names",  "Image", "Command",   "RunningFor",
                                                    "Status", "State", "CreatedAt", "ID" };
    int all = 0, quiet = 0, no_trunc = 0, json = 0, c, status = 0;
    size_t n = 0, cap = 0, width[PS_COLUMNS], n_names;
    struct row *rows = NULL;
    char **names;
    int r;

    while ((c = getopt_long(argc, argv, "aqh", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            all = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'T':
            no_trunc = 1;
            break;
        case 'F':
            json = format_option(optarg);
            if (json < 0)
                return cli_usage_error(ps_usage, "--format '%s': table or json", optarg);
            break;
        case 'h':
            fputs(ps_usage, stdout);
            return 0;
        default:
            fputs(ps_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_usage_error(ps_usage, "'ps' takes no arguments");
    if (cli_open_context(cli))
        return 1;
    r = bundle_list(cli, &names, &n_names);
    if (r < 0)
        return cli_fail("list %s/containers: %s", cli->root, strerror(-r));
    for (size_t k = 0; k < n_names; k++) {
        struct ctr_info info;
        char cmd[4200], created[128], st[128];
        const char *word;
        struct row *row;

        if (info_load(cli, names[k], &info) != 0)
            continue;
        word = status_word(&info);
        if (!all && strcmp(word, "running") != 0 && strcmp(word, "paused") != 0) {
            info_free(&info);
            continue;
        }
        if (n == cap) {
            struct row *t = realloc(rows, (cap = cap * 2 + 16) * sizeof(*rows));
            if (!t) {
                info_free(&info);
                status = cli_fail("out of memory");
                break;
            }
            rows = t;
        }
        row = &rows[n++];
        command_text(&info, no_trunc, cmd, sizeof(cmd));
        ago(json_str(info.meta, "created"), created, sizeof(created));
        status_text(&info, st, sizeof(st));
        row->cells[0] = strdup(info.id);
        row->cells[1] = strdup(image_text(&info));
        row->cells[2] = strdup(cmd);
        row->cells[3] = strdup(created);
        row->cells[4] = strdup(st);
        row->cells[5] = strdup(word);
        row->cells[6] =
            strdup(json_str(info.meta, "created") ? json_str(info.meta, "created") : "");
        snprintf(row->sort_key, sizeof(row->sort_key), "%s",
                 json_str(info.meta, "created") ? json_str(info.meta, "created") : "");
        info_free(&info);
    }
    bundle_list_free(names, n_names);
    if (n)
        qsort(rows, n, sizeof(*rows), row_cmp);
    for (size_t j = 0; j < PS_COLUMNS; j++) {
        width[j] = text_width(headers[j]);
        for (size_t i = 0; i < n; i++)
            if (rows[i].cells[j] && text_width(rows[i].cells[j]) > width[j])
                width[j] = text_width(rows[i].cells[j]);
    }
    if (!quiet && !json)
        table_print_row(headers, width, PS_COLUMNS);
    for (size_t i = 0; i < n; i++) {
        char **cl = rows[i].cells;
        const char *values[PS_CELLS + 1];
        if (quiet) {
            printf("%s\n", cl[0] ? cl[0] : "");
        } else if (json) {
            memcpy(values, cl, sizeof(cl[0]) * PS_CELLS);
            values[PS_CELLS] = cl[0];
            json_line_print(keys, values, PS_CELLS + 1);
        } else {
            table_print_row((const char *const *)cl, width, PS_COLUMNS);
        }
        for (size_t j = 0; j < PS_CELLS; j++)
            free(cl[j]);
    }
    free(rows);
    return status;
}

static cJSON *dup_item(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();
}

static cJSON *str_or_null(const char *s)
{
    return s && *s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* docker inspect's shape, reduced to what lcont knows. */
static cJSON *inspect_one(struct cli *cli, const struct ctr_info *c)
{
    cJSON *o = cJSON_CreateObject(), *state = cJSON_CreateObject(), *cfg = cJSON_CreateObject();
    const cJSON *process = cJSON_GetObjectItemCaseSensitive(c->config, "process");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(process, "user");
    const cJSON *term = cJSON_GetObjectItemCaseSensitive(process, "terminal");
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(user, "uid");
    const cJSON *gid = cJSON_GetObjectItemCaseSensitive(user, "gid");
    const cJSON *rm = cJSON_GetObjectItemCaseSensitive(c->meta, "rm");
    const char *word = status_word(c);
    char path[4096], buf[64];
    struct stat st;

    cJSON_AddStringToObject(o, "Id", c->id);
    cJSON_AddStringToObject(o, "Name", c->id);
    cJSON_AddItemToObject(o, "Created", str_or_null(json_str(c->meta, "created")));
    cJSON_AddItemToObject(o, "Image", str_or_null(json_str(c->meta, "image_digest")));
    cJSON_AddStringToObject(o, "ImageName", image_text(c));
    cJSON_AddItemToObject(o, "State", state);
    cJSON_AddStringToObject(state, "Status", word);
    cJSON_AddBoolToObject(state, "Running", strcmp(word, "running") == 0);
    cJSON_AddBoolToObject(state, "Paused", strcmp(word, "paused") == 0);
    cJSON_AddNumberToObject(
        state, "Pid", strcmp(word, "running") == 0 || strcmp(word, "paused") == 0 ? c->pid : 0);
    if (exit_code(c) >= 0)
        cJSON_AddNumberToObject(state, "ExitCode", exit_code(c));
    else
        cJSON_AddNullToObject(state, "ExitCode");
    cJSON_AddItemToObject(state, "StartedAt", str_or_null(json_str(c->status, "started_at")));
    cJSON_AddItemToObject(state, "FinishedAt", str_or_null(json_str(c->status, "finished_at")));
    cJSON_AddBoolToObject(state, "MonitorAlive", c->monitor);
    cJSON_AddItemToObject(state, "MonitorPid",
                          c->monitor ? dup_item(c->status, "monitor_pid") : cJSON_CreateNull());
    bundle_path(cli, c->id, NULL, path, sizeof(path));
    cJSON_AddStringToObject(o, "Bundle", path);
    bundle_path(cli, c->id, BUNDLE_LOG, path, sizeof(path));
    cJSON_AddItemToObject(o, "LogPath", str_or_null(stat(path, &st) == 0 ? path : NULL));
    cJSON_AddBoolToObject(o, "AutoRemove", cJSON_IsTrue(rm));
    cJSON_AddItemToObject(o, "Config", cfg);
    cJSON_AddItemToObject(cfg, "Hostname", dup_item(c->config, "hostname"));
    if (cJSON_IsNumber(uid) && cJSON_IsNumber(gid)) {
        snprintf(buf, sizeof(buf), "%.0f:%.0f", uid->valuedouble, gid->valuedouble);
        cJSON_AddStringToObject(cfg, "User", buf);
    }
    cJSON_AddItemToObject(cfg, "Cmd", dup_item(process, "args"));
    cJSON_AddItemToObject(cfg, "Env", dup_item(process, "env"));
    cJSON_AddItemToObject(cfg, "WorkingDir", dup_item(process, "cwd"));
    cJSON_AddBoolToObject(cfg, "Tty", cJSON_IsTrue(term));
    cJSON_AddItemToObject(cfg, "Annotations", dup_item(c->config, "annotations"));
    return o;
}

int cmd_container_inspect(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    cJSON *arr;
    char *text;
    int c, status = 0;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(inspect_usage, stdout);
            return 0;
        default:
            fputs(inspect_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage_error(inspect_usage, "'inspect' needs at least one NAME");
    arr = cJSON_CreateArray();
    for (int i = optind; i < argc; i++) {
        struct ctr_info info;
        int r = info_load(cli, argv[i], &info);

        if (r) {
            status = r == -ENOENT ? cli_fail("no such container: %s", argv[i]) : 1;
            continue;
        }
        cJSON_AddItemToArray(arr, inspect_one(cli, &info));
        info_free(&info);
    }
    text = cJSON_Print(arr);
    cJSON_Delete(arr);
    if (text)
        printf("%s\n", text);
    free(text);
    return status;
}
