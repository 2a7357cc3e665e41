/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the store's parsers of untrusted JSON: image manifests, image
 * configs, index platform selection, image names and the images.json name resolver.
 * The first input byte picks the parser; the rest is the document. Besides "no crash,
 * no leak" it checks what the store relies on: every digest that comes out is safe to
 * use as a path, counts and arrays agree.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static void fuzz_manifest(const char *json, size_t len)
{
    struct image_desc config = { 0 }, *layers = NULL;
    size_t n = 0;

    if (lcont__manifest_parse(json, len, &config, &layers, &n, NULL) < 0)
        return;
    check(lcont__digest_valid(config.digest));
    for (size_t i = 0; i < n; i++) {
        int comp;
        bool foreign;
        check(lcont__digest_valid(layers[i].digest));
        check(layers[i].media_type != NULL);
        check(lcont__layer_media_type(layers[i].media_type, &comp, &foreign) == 0);
        lcont__image_desc_clear(&layers[i]);
    }
    free(layers);
    lcont__image_desc_clear(&config);
}

static void fuzz_config(const char *json, size_t len)
{
    char(*ids)[LCONT_DIGEST_STR_LEN] = NULL;
    char *created = NULL;
    size_t n = 0;

    if (lcont__config_parse(json, len, &ids, &n, &created, NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++)
        check(lcont__digest_valid(ids[i]));
    free(ids);
    free(created);
}

static void fuzz_index(const char *json, size_t len)
{
    cJSON *doc = cJSON_ParseWithLength(json, len);
    const cJSON *m = NULL;
    struct image_desc d = { 0 };

    if (!doc)
        return;
    if (lcont__index_select_platform(cJSON_GetObjectItemCaseSensitive(doc, "manifests"), "linux",
                                     "amd64", NULL, &m, NULL) == 0 &&
        lcont__manifest_parse_desc(m, "fuzz", &d, NULL) == 0) {
        check(lcont__digest_valid(d.digest));
        lcont__image_desc_clear(&d);
    }
    cJSON_Delete(doc);
}

static void fuzz_names(const char *text, size_t len)
{
    /* "<images.json>\n<query>" */
    const char *nl = memchr(text, '\n', len);
    char digest[LCONT_DIGEST_STR_LEN], *name = NULL, *norm = NULL;
    cJSON *doc;

    if (!nl)
        return;
    if (lcont__name_normalize(nl + 1, &norm, NULL) == 0) {
        check(norm[0] != '\0' && strlen(norm) <= 255 + 7);
        free(norm);
    }
    doc = cJSON_ParseWithLength(text, (size_t)(nl - text));
    if (!doc)
        return;
    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "images")) &&
        lcont__names_resolve(doc, nl + 1, digest, &name, NULL) == 0) {
        check(lcont__digest_valid(digest));
        free(name);
    }
    cJSON_Delete(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;

    if (size < 1 || size > (1u << 20))
        return 0;
    /* NUL-terminated copy: the parsers get C strings from the store. */
    text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    switch (data[0] % 4) {
    case 0:
        fuzz_manifest(text, size - 1);
        break;
    case 1:
        fuzz_config(text, size - 1);
        break;
    case 2:
        fuzz_index(text, size - 1);
        break;
    default:
        fuzz_names(text, size - 1);
        break;
    }
    free(text);
    return 0;
}
