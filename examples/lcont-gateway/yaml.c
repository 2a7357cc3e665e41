/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* YAML to a cJSON tree, so one config reader serves both formats. Plain scalars that look like
 * numbers, booleans or null become those; quoted scalars stay strings. Anchors and aliases are
 * not supported (configs do not need them). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "gw.h"

static cJSON *scalar(const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "yes"))
            return cJSON_CreateTrue();
        if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "no"))
            return cJSON_CreateFalse();
        if (!strcmp(v, "null") || !strcmp(v, "~") || !*v)
            return cJSON_CreateNull();
        char *end;
        double d = strtod(v, &end);
        if (end != v && *end == '\0')
            return cJSON_CreateNumber(d);
    }
    return cJSON_CreateString(v);
}

/* Parse one node whose first event is @ev (already taken). */
static cJSON *node(yaml_parser_t *p, yaml_event_t *ev, char *err, size_t errlen, int depth)
{
    if (depth > 64) {
        snprintf(err, errlen, "yaml: nesting too deep");
        return NULL;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return scalar(ev);
    case YAML_ALIAS_EVENT:
        snprintf(err, errlen, "yaml: aliases are not supported");
        return NULL;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool map = ev->type == YAML_MAPPING_START_EVENT;
        cJSON *c = map ? cJSON_CreateObject() : cJSON_CreateArray();
        for (;;) {
            yaml_event_t k;
            if (!yaml_parser_parse(p, &k)) {
                snprintf(err, errlen, "yaml: %s at line %zu", p->problem ? p->problem : "error",
                         p->problem_mark.line + 1);
                cJSON_Delete(c);
                return NULL;
            }
            if (k.type == YAML_SEQUENCE_END_EVENT || k.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&k);
                return c;
            }
            if (!map) {
                cJSON *item = node(p, &k, err, errlen, depth + 1);
                yaml_event_delete(&k);
                if (!item) {
                    cJSON_Delete(c);
                    return NULL;
                }
                cJSON_AddItemToArray(c, item);
                continue;
            }
            if (k.type != YAML_SCALAR_EVENT) {
                snprintf(err, errlen, "yaml: mapping keys must be scalars");
                yaml_event_delete(&k);
                cJSON_Delete(c);
                return NULL;
            }
            char *key = strdup((const char *)k.data.scalar.value);
            yaml_event_delete(&k);
            yaml_event_t v;
            if (!key || !yaml_parser_parse(p, &v)) {
                snprintf(err, errlen, "yaml: %s", p->problem ? p->problem : "out of memory");
                free(key);
                cJSON_Delete(c);
                return NULL;
            }
            cJSON *item = node(p, &v, err, errlen, depth + 1);
            yaml_event_delete(&v);
            if (!item) {
                free(key);
                cJSON_Delete(c);
                return NULL;
            }
            cJSON_AddItemToObject(c, key, item);
            free(key);
        }
    }
    default:
        snprintf(err, errlen, "yaml: unexpected event %d", ev->type);
        return NULL;
    }
}

cJSON *gw_yaml_to_json(const char *text, size_t len, char *err, size_t errlen)
{
    yaml_parser_t p;
    cJSON *root = NULL;
    if (!yaml_parser_initialize(&p)) {
        snprintf(err, errlen, "yaml: cannot initialize parser");
        return NULL;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            snprintf(err, errlen, "yaml: %s at line %zu", p.problem ? p.problem : "error",
                     p.problem_mark.line + 1);
            cJSON_Delete(root);
            root = NULL;
            break;
        }
        yaml_event_type_t t = ev.type;
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT ||
            t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT) {
            if (root) { /* only the first document is read */
                yaml_event_delete(&ev);
                break;
            }
            root = node(&p, &ev, err, errlen, 0);
            if (!root) {
                yaml_event_delete(&ev);
                break;
            }
        }
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT || t == YAML_DOCUMENT_END_EVENT)
            break;
    }
    yaml_parser_delete(&p);
    if (!root && !err[0])
        snprintf(err, errlen, "yaml: empty document");
    return root;
}
