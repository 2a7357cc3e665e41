/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * YAML (libyaml events) to cJSON, for Kubernetes manifests. Core-schema
 * resolution of plain scalars (null, booleans, integers, floats); quoted or
 * !!str-tagged scalars stay strings. Aliases are rejected (no expansion
 * bombs), nesting and node counts are bounded.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/error-internal.h"
#include "service/service-internal.h"

#define YAML_DEPTH_MAX 64
#define YAML_NODES_MAX (4u << 20)

static bool is_int(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!*s || strlen(s) > 15)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static bool is_float(const char *s, double *ret)
{
    char *end;
    if (!*s || strpbrk(s, "0123456789") == NULL || strpbrk(s, "xXpP_"))
        return false;
    double d = strtod(s, &end);
    if (*end)
        return false;
    *ret = d;
    return true;
}

static cJSON *scalar(const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    double d;
    if (tag && strcmp(tag, YAML_STR_TAG) == 0)
        return cJSON_CreateString(v);
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return cJSON_CreateString(v);
    if (!*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
        strcmp(v, "NULL") == 0)
        return cJSON_CreateNull();
    if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
        return cJSON_CreateTrue();
    if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0)
        return cJSON_CreateFalse();
    if (is_int(v))
        return cJSON_CreateNumber((double)strtoll(v, NULL, 10));
    if (is_float(v, &d))
        return cJSON_CreateNumber(d);
    return cJSON_CreateString(v);
}

struct frame {
    cJSON *node;
    char *key; /* pending mapping key, owned */
    bool mapping;
};

int lcont__service_yaml_to_json(const char *text, size_t len, cJSON **ret, lcont_error **reterr)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct frame stack[YAML_DEPTH_MAX + 1];
    size_t depth = 0, nodes = 0;
    cJSON *docs = cJSON_CreateArray();
    int r = 0;

    if (!docs)
        return lcont__error_set(reterr, -ENOMEM, "yaml: out of memory");
    if (!yaml_parser_initialize(&parser)) {
        cJSON_Delete(docs);
        return lcont__error_set(reterr, -ENOMEM, "yaml: out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

    for (bool done = false; !done;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            r = lcont__error_set(reterr, -EINVAL, "yaml: line %zu column %zu: %s",
                                 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                                 parser.problem ? parser.problem : "parse error");
            break;
        }
        cJSON *node = NULL;
        bool push = false, is_key = false;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_ALIAS_EVENT:
            r = lcont__error_set(reterr, -EINVAL, "yaml: line %zu: aliases are not supported",
                                 ev.start_mark.line + 1);
            break;
        case YAML_SCALAR_EVENT:
            if (depth > 0 && stack[depth - 1].mapping && !stack[depth - 1].key) {
                /* A mapping key. */
                is_key = true;
                if (!(stack[depth - 1].key = strdup((const char *)ev.data.scalar.value)))
                    r = lcont__error_set(reterr, -ENOMEM, "yaml: out of memory");
                break;
            }
            node = scalar(&ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            node = cJSON_CreateArray();
            push = true;
            break;
        case YAML_MAPPING_START_EVENT:
            node = cJSON_CreateObject();
            push = true;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            free(stack[depth].key);
            break;
        default:
            break;
        }
        if (r == 0 && !is_key && (ev.type == YAML_SCALAR_EVENT || push) && !node)
            r = lcont__error_set(reterr, -ENOMEM, "yaml: out of memory");
        if (r == 0 && node) {
            if (++nodes > YAML_NODES_MAX) {
                cJSON_Delete(node);
                r = lcont__error_set(reterr, -E2BIG, "yaml: more than %u nodes", YAML_NODES_MAX);
            } else if (depth == 0) {
                cJSON_AddItemToArray(docs, node);
            } else if (stack[depth - 1].mapping) {
                struct frame *f = &stack[depth - 1];
                if (!f->key) {
                    cJSON_Delete(node);
                    r = lcont__error_set(reterr, -EINVAL,
                                         "yaml: line %zu: only scalar mapping keys are supported",
                                         ev.start_mark.line + 1);
                } else {
                    /* Duplicate keys: the last one wins, as in most YAML loaders. */
                    cJSON_DeleteItemFromObjectCaseSensitive(f->node, f->key);
                    cJSON_AddItemToObject(f->node, f->key, node);
                    free(f->key);
                    f->key = NULL;
                }
            } else {
                cJSON_AddItemToArray(stack[depth - 1].node, node);
            }
            if (r == 0 && push) {
                if (depth >= YAML_DEPTH_MAX) {
                    r = lcont__error_set(reterr, -EINVAL, "yaml: nesting deeper than %d",
                                         YAML_DEPTH_MAX);
                } else {
                    stack[depth++] =
                        (struct frame){ node, NULL, ev.type == YAML_MAPPING_START_EVENT };
                }
            }
        }
        yaml_event_delete(&ev);
        if (r < 0)
            break;
    }
    while (depth > 0)
        free(stack[--depth].key);
    yaml_parser_delete(&parser);
    if (r < 0) {
        cJSON_Delete(docs);
        return r;
    }
    *ret = docs;
    return 0;
}
