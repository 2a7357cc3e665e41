/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers to build JSON documents with cJSON and check for failure once. */
#include "spec/parse-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void attach(struct spec_builder *b, cJSON *parent, const char *key, cJSON *item)
{
    cJSON_bool ok;

    if (!item || !parent) {
        cJSON_Delete(item);
        b->failed = true;
        return;
    }
    ok = key ? cJSON_AddItemToObject(parent, key, item) : cJSON_AddItemToArray(parent, item);
    if (!ok) {
        cJSON_Delete(item);
        b->failed = true;
    }
}

cJSON *lcont__spec_add_object(struct spec_builder *b, cJSON *parent, const char *key)
{
    cJSON *o = cJSON_CreateObject();
    attach(b, parent, key, o);
    return b->failed ? NULL : o;
}

cJSON *lcont__spec_add_array(struct spec_builder *b, cJSON *parent, const char *key)
{
    cJSON *a = cJSON_CreateArray();
    attach(b, parent, key, a);
    return b->failed ? NULL : a;
}

void lcont__spec_add_string(struct spec_builder *b, cJSON *parent, const char *key,
                            const char *value)
{
    attach(b, parent, key, cJSON_CreateString(value));
}

void lcont__spec_add_bool(struct spec_builder *b, cJSON *parent, const char *key, bool value)
{
    attach(b, parent, key, cJSON_CreateBool(value));
}

void lcont__spec_add_number(struct spec_builder *b, cJSON *parent, const char *key, double value)
{
    attach(b, parent, key, cJSON_CreateNumber(value));
}

void lcont__spec_add_strings(struct spec_builder *b, cJSON *parent, const char *key,
                             const char *const *values)
{
    cJSON *a = lcont__spec_add_array(b, parent, key);
    for (size_t i = 0; a && values[i]; i++)
        lcont__spec_add_string(b, a, NULL, values[i]);
}

int lcont__spec_print(const cJSON *doc, char **ret)
{
    char *printed = cJSON_Print(doc);
    char *copy;

    if (!printed)
        return -ENOMEM;
    /* cJSON may use an allocator the host installed; lcont_free() is plain free(). */
    copy = strdup(printed);
    cJSON_free(printed);
    if (!copy)
        return -ENOMEM;
    *ret = copy;
    return 0;
}
