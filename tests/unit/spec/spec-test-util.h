/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the lib/spec unit tests. */
#ifndef LCONT_TESTS_SPEC_TEST_UTIL_H
#define LCONT_TESTS_SPEC_TEST_UTIL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The smallest config the parser accepts; cases patch one field of it. */
#define SPEC_TEST_BASE                                                              \
    "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"                     \
    "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}}," \
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"uts\"}]}}"

/*
 * Walk "a.b[2].c" in @doc. With @create, missing objects/arrays are made and
 * index == size appends. Returns the parent container and sets *last to the
 * final key (NULL when the final step is an index, *index then holds it).
 */
static inline cJSON *spec_test_walk(cJSON *doc, char *path, char **last, int *index)
{
    cJSON *cur = doc;
    char *seg = path;

    for (;;) {
        char *dot = strchr(seg, '.');
        char *br = strchr(seg, '[');
        bool final;
        if (dot)
            *dot = '\0';
        if (br && (!dot || br < dot))
            *br = '\0';
        else
            br = NULL;
        final = !dot && !br;
        if (final) {
            *last = seg;
            return cur;
        }
        {
            cJSON *next = cJSON_GetObjectItemCaseSensitive(cur, seg);
            if (!next) {
                next = br ? cJSON_CreateArray() : cJSON_CreateObject();
                cJSON_AddItemToObject(cur, seg, next);
            }
            cur = next;
        }
        while (br) {
            int i = atoi(br + 1);
            char *close = strchr(br + 1, ']');
            char *more = close + 1;
            br = *more == '[' ? more : NULL;
            if (!br && !dot) {
                *last = NULL;
                *index = i;
                return cur;
            }
            {
                cJSON *next = cJSON_GetArrayItem(cur, i);
                if (!next) {
                    next = br ? cJSON_CreateArray() : cJSON_CreateObject();
                    cJSON_AddItemToArray(cur, next);
                }
                cur = next;
            }
        }
        seg = dot + 1;
    }
}

/*
 * SPEC_TEST_BASE with the member at @path set to the raw JSON text @raw
 * (verbatim, so odd numbers survive) or removed when @raw is NULL.
 */
static inline char *spec_test_patch(const char *base, const char *path, const char *raw)
{
    cJSON *doc = cJSON_Parse(base);
    char *p = strdup(path), *last = NULL, *out;
    int index = -1;
    cJSON *parent = spec_test_walk(doc, p, &last, &index);

    if (last) {
        cJSON_DeleteItemFromObjectCaseSensitive(parent, last);
        if (raw)
            cJSON_AddItemToObject(parent, last, cJSON_CreateRaw(raw));
    } else if (raw) {
        if (index < cJSON_GetArraySize(parent))
            cJSON_ReplaceItemInArray(parent, index, cJSON_CreateRaw(raw));
        else
            cJSON_AddItemToArray(parent, cJSON_CreateRaw(raw));
    } else {
        cJSON_DeleteItemFromArray(parent, index);
    }
    out = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    free(p);
    return out;
}

#endif
