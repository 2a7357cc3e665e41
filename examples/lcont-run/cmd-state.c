/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state and list: the OCI state document, one container or all of them. */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli.h"

int cmd_state(struct cli *cli, int argc, char **argv)
{
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    char *json = NULL;
    int r;

    r = args_parse_no_options(cli, command_find("state"), argc, argv, 1);
    if (r >= 0)
        return r;
    r = cli_load(cli, argv[optind], 0, &c);
    if (r)
        return r;
    r = lcont_container_get_state_json(c, 0, &json, &err);
    if (r < 0)
        r = cli_fail_lib(cli, r, &err, NULL);
    else
        r = json_write_indented(stdout, json, "  ") < 0 ? 1 : 0;
    lcont_free(json);
    lcont_container_unref(c);
    return r;
}

/* The table's columns and the state document member each one shows. */
enum {
    COL_ID,
    COL_PID,
    COL_STATUS,
    COL_BUNDLE,
    COL_CREATED,
    COL_OWNER,
    NCOLS
};

static const char *const col_header[NCOLS] = {
    "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"
};
static const char *const col_key[NCOLS] = { "id", "pid", "status", "bundle", "created", "owner" };

/* One row of the table, taken from a state document. */
struct row {
    char *cell[NCOLS];
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
    for (int col = 0; col < NCOLS; col++)
        row->cell[col] = field_string(root, col_key[col]);
    cJSON_Delete(root);
    if (row->cell[COL_OWNER] && !*row->cell[COL_OWNER]) {
        free(row->cell[COL_OWNER]);
        row->cell[COL_OWNER] = state_dir_owner(cli, row->cell[COL_ID]);
    }
    return 0;
}

static void row_free(struct row *row)
{
    for (int col = 0; col < NCOLS; col++)
        free(row->cell[col]);
}

/* Go's tabwriter as runc sets it up: minwidth 12, padding 3, last column free. */
static void print_table(struct row *rows, size_t n)
{
    size_t width[NCOLS];

    for (int col = 0; col < NCOLS; col++)
        width[col] = strlen(col_header[col]);
    for (size_t i = 0; i < n; i++)
        for (int col = 0; col < NCOLS; col++)
            if (strlen(rows[i].cell[col]) > width[col])
                width[col] = strlen(rows[i].cell[col]);
    for (int col = 0; col < NCOLS; col++)
        width[col] = width[col] + 3 < 12 ? 12 : width[col] + 3;

    for (size_t i = 0; i <= n; i++) {
        const char *const *cells = i == 0 ? col_header : (const char *const *)rows[i - 1].cell;

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
        default:
            return args_help_or_error(cli, cmd, argv, c);
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
        return cli_fail_lib(cli, r, &err, "list containers");
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
            status = cli_fail_lib(cli, r, &err, *id);
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
            printf("%s\n", rows[i].cell[COL_ID]);
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
