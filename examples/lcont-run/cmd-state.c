/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state and list: the OCI state document, one container or all of them. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli.h"

/* Parse options that only know --help; returns -1 to go on, else an exit status. */
static int parse_help_only(struct cli *cli, const struct command *cmd, int argc, char **argv)
{
    static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, {} };
    int c;

    optind = 0;
    while ((c = getopt_long_only(argc, argv, "+:h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(cmd->usage, stdout);
            return 0;
        }
        return args_usage_error(cli, cmd, argv, c);
    }
    return -1;
}

int cmd_state(struct cli *cli, int argc, char **argv)
{
    const struct command *cmd = command_find("state");
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    char *json = NULL;
    int r;

    r = parse_help_only(cli, cmd, argc, argv);
    if (r >= 0)
        return r;
    r = args_check_count(cli, cmd, argc - optind, 1, 1);
    if (r)
        return r;
    r = cli_load(cli, argv[optind], &c);
    if (r)
        return r;
    r = lcont_container_get_state_json(c, 0, &json, &err);
    if (r < 0)
        r = cli_fail_lib(cli, r, err, NULL);
    else
        r = json_write_indented(stdout, json, "  ") < 0 ? 1 : 0;
    lcont_free(json);
    lcont_error_free(err);
    lcont_container_unref(c);
    return r;
}

/* One row of the table, taken from a state document. */
struct row {
    char *id, *pid, *status, *bundle, *created, *owner;
};

static char *field_string(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    char *s = NULL;

    if (cJSON_IsString(item))
        return strdup(item->valuestring);
    if (cJSON_IsNumber(item) && asprintf(&s, "%.0f", item->valuedouble) >= 0)
        return s;
    return strdup("");
}

/* runc shows the owner of the state directory when the document has none. */
static char *state_dir_owner(struct cli *cli, const char *id)
{
    char *path = NULL, *name = NULL;
    struct passwd pw, *res = NULL;
    char buf[4096];
    struct stat st;

    if (asprintf(&path, "%s/%s", cli->root, id) < 0)
        return strdup("");
    if (stat(path, &st) < 0) {
        free(path);
        return strdup("");
    }
    free(path);
    if (getpwuid_r(st.st_uid, &pw, buf, sizeof(buf), &res) == 0 && res)
        return strdup(res->pw_name);
    if (asprintf(&name, "#%u", (unsigned)st.st_uid) < 0)
        return strdup("");
    return name;
}

static int row_from_state(struct cli *cli, const char *json, struct row *row)
{
    cJSON *root = cJSON_Parse(json);

    if (!root)
        return -EINVAL;
    row->id = field_string(root, "id");
    row->pid = field_string(root, "pid");
    row->status = field_string(root, "status");
    row->bundle = field_string(root, "bundle");
    row->created = field_string(root, "created");
    row->owner = field_string(root, "owner");
    cJSON_Delete(root);
    if (row->owner && !*row->owner) {
        free(row->owner);
        row->owner = state_dir_owner(cli, row->id);
    }
    return 0;
}

static void row_free(struct row *row)
{
    free(row->id);
    free(row->pid);
    free(row->status);
    free(row->bundle);
    free(row->created);
    free(row->owner);
}

#define NCOLS 6

/* Go's tabwriter as runc sets it up: minwidth 12, padding 3, last column free. */
static void print_table(struct row *rows, size_t n)
{
    static const char *const header[NCOLS] = {
        "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"
    };
    size_t width[NCOLS];

    for (int col = 0; col < NCOLS; col++)
        width[col] = strlen(header[col]);
    for (size_t i = 0; i < n; i++) {
        const char *cells[NCOLS] = { rows[i].id,     rows[i].pid,     rows[i].status,
                                     rows[i].bundle, rows[i].created, rows[i].owner };
        for (int col = 0; col < NCOLS; col++)
            if (strlen(cells[col]) > width[col])
                width[col] = strlen(cells[col]);
    }
    for (int col = 0; col < NCOLS; col++)
        width[col] = width[col] + 3 < 12 ? 12 : width[col] + 3;

    for (size_t i = 0; i <= n; i++) {
        const char *const *cells = header;
        const char *data[NCOLS];
        if (i > 0) {
            struct row *r = &rows[i - 1];
            data[0] = r->id, data[1] = r->pid, data[2] = r->status;
            data[3] = r->bundle, data[4] = r->created, data[5] = r->owner;
            cells = data;
        }
        for (int col = 0; col < NCOLS - 1; col++)
            printf("%-*s", (int)width[col], cells[col]);
        printf("%s\n", cells[NCOLS - 1]);
    }
}

enum {
    FORMAT_TABLE,
    FORMAT_JSON
};

int cmd_list(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, 'f' },
        { "quiet", optional_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        {},
    };
    const struct command *cmd = command_find("list");
    int format = FORMAT_TABLE, quiet = 0, c, r, status = 0;
    lcont_context *ctx;
    lcont_error *err = NULL;
    char **ids = NULL;
    char **states = NULL;
    struct row *rows = NULL;
    size_t n = 0;

    optind = 0;
    while ((c = getopt_long_only(argc, argv, "+:f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "table") == 0)
                format = FORMAT_TABLE;
            else if (strcmp(optarg, "json") == 0)
                format = FORMAT_JSON;
            else
                return cli_fail(cli, "invalid format option");
            break;
        case 'q':
            if (args_set_bool(cli, "quiet", optarg, &quiet))
                return 1;
            break;
        case 'h':
            fputs(cmd->usage, stdout);
            return 0;
        default:
            return args_usage_error(cli, cmd, argv, c);
        }
    }
    r = args_check_count(cli, cmd, argc - optind, 0, 0);
    if (r)
        return r;
    r = cli_context(cli, &ctx);
    if (r)
        return r;
    r = lcont_container_list(ctx, 0, &ids, &err);
    if (r == -ENOENT) {
        /* no state root yet: nothing was ever created */
        lcont_error_free(err);
        err = NULL;
    } else if (r < 0) {
        r = cli_fail_lib(cli, r, err, "list containers");
        lcont_error_free(err);
        return r;
    }
    for (char **id = ids; id && *id; id++)
        n++;

    states = calloc(n + 1, sizeof(char *));
    rows = calloc(n + 1, sizeof(struct row));
    if (!states || !rows) {
        status = cli_fail(cli, "out of memory");
        goto out;
    }
    /* Containers deleted meanwhile just drop out, as in runc. */
    n = 0;
    for (char **id = ids; id && *id; id++) {
        lcont_container *ct = NULL;
        char *json = NULL;

        if (lcont_container_load(ctx, *id, 0, &ct, NULL) < 0)
            continue;
        r = lcont_container_get_state_json(ct, 0, &json, &err);
        lcont_container_unref(ct);
        if (r == -ENOENT) {
            lcont_error_free(err);
            err = NULL;
            continue;
        }
        if (r < 0) {
            status = cli_fail_lib(cli, r, err, *id);
            lcont_error_free(err);
            goto out;
        }
        if (row_from_state(cli, json, &rows[n]) < 0) {
            lcont_free(json);
            status = cli_fail(cli, "%s: library returned an invalid state document", *id);
            goto out;
        }
        states[n++] = json;
    }

    if (quiet) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", rows[i].id);
    } else if (format == FORMAT_JSON) {
        if (n == 0)
            fputs("null", stdout);
        for (size_t i = 0; i < n; i++) {
            char *compact = json_format(states[i], NULL);
            printf("%s%s", i == 0 ? "[" : ",", compact ? compact : "{}");
            free(compact);
        }
        printf("%s\n", n ? "]" : "");
    } else {
        print_table(rows, n);
    }
out:
    for (size_t i = 0; rows && states && i < n; i++) {
        row_free(&rows[i]);
        lcont_free(states[i]);
    }
    free(rows);
    free(states);
    lcont_strv_free(ids);
    return status;
}
