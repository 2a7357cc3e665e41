/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON output shaping. The library hands out JSON text; runc prints state
 * documents indented by two spaces and list entries compact, so we only
 * rewrite whitespace outside strings and never re-encode values. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"

static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Copy a string token starting at the opening quote; returns the char after it. */
static const char *copy_string(FILE *out, const char *p)
{
    fputc(*p++, out);
    while (*p && *p != '"') {
        if (*p == '\\' && p[1])
            fputc(*p++, out);
        fputc(*p++, out);
    }
    if (*p)
        fputc(*p++, out);
    return p;
}

static void newline(FILE *out, const char *indent, int depth)
{
    fputc('\n', out);
    for (int i = 0; i < depth; i++)
        fputs(indent, out);
}

/* indent NULL: compact. Empty containers stay "{}"/"[]", as Go prints them. */
static void reformat(FILE *out, const char *p, const char *indent)
{
    int depth = 0;

    for (p = skip_space(p); *p; p = skip_space(p)) {
        switch (*p) {
        case '"':
            p = copy_string(out, p);
            continue;
        case '{':
        case '[': {
            const char *next = skip_space(p + 1);
            if (*next == (*p == '{' ? '}' : ']')) {
                fputc(*p, out);
                fputc(*next, out);
                p = next + 1;
                continue;
            }
            fputc(*p, out);
            depth++;
            if (indent)
                newline(out, indent, depth);
            break;
        }
        case '}':
        case ']':
            depth--;
            if (indent)
                newline(out, indent, depth);
            fputc(*p, out);
            break;
        case ',':
            fputc(',', out);
            if (indent)
                newline(out, indent, depth);
            break;
        case ':':
            fputs(indent ? ": " : ":", out);
            break;
        default:
            fputc(*p, out);
        }
        p++;
    }
}

int json_write_indented(FILE *out, const char *json, const char *indent)
{
    reformat(out, json, indent);
    fputc('\n', out);
    return ferror(out) ? -EIO : 0;
}

char *json_format(const char *json, const char *indent)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return NULL;
    reformat(f, json, indent);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static char *read_file(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *in = fopen(path, "re");
    FILE *out;
    char chunk[8192];
    size_t n;

    if (!in)
        return NULL;
    out = open_memstream(&buf, &len);
    if (!out) {
        fclose(in);
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        fwrite(chunk, 1, n, out);
    fclose(in);
    if (fclose(out) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

int json_config_terminal(const char *bundle)
{
    char *path = NULL, *text;
    cJSON *root, *terminal;
    int r;

    if (asprintf(&path, "%s/config.json", bundle) < 0)
        return -ENOMEM;
    text = read_file(path);
    r = -errno;
    free(path);
    if (!text)
        return r < 0 ? r : -EIO;
    root = cJSON_Parse(text);
    free(text);
    if (!root)
        return -EINVAL;
    terminal = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "process"),
                                                "terminal");
    r = cJSON_IsTrue(terminal) ? 1 : 0;
    cJSON_Delete(root);
    return r;
}
