/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Image handles: open a stored image, lookup, list, getters. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "image/store.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
static int chain_ids(char (*diff_ids)[LCONT_DIGEST_STR_LEN], size_t n,
                     char (*out)[LCONT_DIGEST_STR_LEN], lcont_error **reterr)
{
    for (size_t i = 0; i < n; i++) {
        char buf[2 * LCONT_DIGEST_STR_LEN];
        if (i == 0) {
            memcpy(out[0], diff_ids[0], LCONT_DIGEST_STR_LEN);
            continue;
        }
        snprintf(buf, sizeof(buf), "%s %s", out[i - 1], diff_ids[i]);
        int r = lcont__sha256_buf(buf, strlen(buf), out[i], reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

static void image_free(lcont_image *img)
{
    for (size_t i = 0; img->layers && i < img->n_layers; i++)
        lcont__image_desc_clear(&img->layers[i]);
    free(img->layers);
    free(img->diff_ids);
    free(img->chain_ids);
    free(img->name);
    lcont__strv_free(img->names);
    free(img->manifest_json);
    free(img->config_json);
    free(img->created);
    lcont_image_store_unref(img->store);
    free(img);
}

int lcont__image_open(lcont_image_store *store, cJSON *doc, const char *digest, const char *name,
                      lcont_image **ret, lcont_error **reterr)
{
    cJSON *rec =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "images"), digest);
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(rec, "names"), *n;
    struct image_desc config = { 0 };
    size_t manifest_len, config_len, n_diff = 0;
    lcont_image *img;
    int r;

    if (!rec)
        return lcont__error_set(reterr, -ENOENT, "image %s not found", digest);
    img = calloc(1, sizeof(*img));
    if (!img)
        return lcont__error_set(reterr, -ENOMEM, "image: out of memory");
    img->refs = 1;
    img->store = lcont_image_store_ref(store);
    memcpy(img->digest, digest, LCONT_DIGEST_STR_LEN);
    img->names = calloc(1, sizeof(char *));
    if (!img->names)
        goto oom;
    cJSON_ArrayForEach(n, names) if (cJSON_IsString(n) &&
                                     lcont__strv_push(&img->names, n->valuestring) < 0) goto oom;
    qsort(img->names, lcont__strv_length(img->names), sizeof(char *), cmp_str);
    if (name || img->names[0]) {
        img->name = strdup(name ? name : img->names[0]);
        if (!img->name)
            goto oom;
    }

    r = lcont__blob_read(store, digest, &img->manifest_json, &manifest_len, reterr);
    if (r < 0)
        goto fail;
    r = lcont__manifest_parse(img->manifest_json, manifest_len, &config, &img->layers,
                              &img->n_layers, reterr);
    if (r < 0)
        goto fail;
    memcpy(img->id, config.digest, LCONT_DIGEST_STR_LEN);
    img->size = config.size;
    for (size_t i = 0; i < img->n_layers; i++)
        img->size += img->layers[i].size;
    lcont__image_desc_clear(&config);
    r = lcont__blob_read(store, img->id, &img->config_json, &config_len, reterr);
    if (r < 0)
        goto fail;
    r = lcont__config_parse(img->config_json, config_len, &img->diff_ids, &n_diff, &img->created,
                            reterr);
    if (r < 0)
        goto fail;
    if (n_diff != img->n_layers) {
        r = lcont__error_set(reterr, -EINVAL,
                             "image config.rootfs.diff_ids: %zu entries for %zu layers", n_diff,
                             img->n_layers);
        goto fail;
    }
    img->chain_ids = calloc(img->n_layers ? img->n_layers : 1, sizeof(*img->chain_ids));
    if (!img->chain_ids)
        goto oom;
    r = chain_ids(img->diff_ids, img->n_layers, img->chain_ids, reterr);
    if (r < 0)
        goto fail;
    *ret = img;
    return 0;
oom:
    r = lcont__error_set(reterr, -ENOMEM, "image: out of memory");
fail:
    lcont__image_desc_clear(&config);
    image_free(img);
    return lcont__error_prefix(reterr, r, "image %s", digest);
}

int lcont_image_lookup(lcont_image_store *store, const char *name_or_digest, uint64_t flags,
                       lcont_image **ret, lcont_error **reterr)
{
    _cleanup_free_ char *name = NULL;
    char digest[LCONT_DIGEST_STR_LEN];
    cJSON *doc = NULL;
    int r = lcont__store_check(store);

    if (r < 0)
        return lcont__error_set(reterr, r, "image lookup: invalid store handle");
    if (!name_or_digest || !ret)
        return lcont__error_set(reterr, -EINVAL, "image lookup: name and ret must not be NULL");
    if (flags)
        return lcont__error_set(reterr, -EINVAL, "image lookup: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = lcont__names_read(store, &doc, reterr);
    if (r < 0)
        return r;
    r = lcont__names_resolve(doc, name_or_digest, digest, &name, reterr);
    if (r >= 0)
        r = lcont__image_open(store, doc, digest, name, ret, reterr);
    cJSON_Delete(doc);
    return r;
}

int lcont_image_list(lcont_image_store *store, uint64_t flags, char ***ret, lcont_error **reterr)
{
    _cleanup_strv_ char **out = NULL;
    cJSON *doc = NULL, *img;
    int r = lcont__store_check(store);

    if (r < 0)
        return lcont__error_set(reterr, r, "image list: invalid store handle");
    if (!ret)
        return lcont__error_set(reterr, -EINVAL, "image list: ret must not be NULL");
    if (flags)
        return lcont__error_set(reterr, -EINVAL, "image list: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = lcont__names_read(store, &doc, reterr);
    if (r < 0)
        return r;
    out = calloc(1, sizeof(char *));
    if (!out)
        r = -ENOMEM;
    cJSON_ArrayForEach(img, cJSON_GetObjectItemCaseSensitive(doc, "images"))
    {
        if (r == 0 && lcont__digest_valid(img->string))
            r = lcont__strv_push(&out, img->string);
    }
    cJSON_Delete(doc);
    if (r < 0)
        return lcont__error_set(reterr, r, "image list: out of memory");
    qsort(out, lcont__strv_length(out), sizeof(char *), cmp_str);
    *ret = TAKE_PTR(out);
    return 0;
}

lcont_image *lcont_image_ref(lcont_image *img)
{
    if (img)
        img->refs++;
    return img;
}

lcont_image *lcont_image_unref(lcont_image *img)
{
    if (img && --img->refs == 0)
        image_free(img);
    return NULL;
}

const char *lcont_image_get_name(const lcont_image *img)
{
    return img ? img->name : NULL;
}

const char *const *lcont_image_get_names(const lcont_image *img)
{
    static const char *const empty[] = { NULL };

    return img ? (const char *const *)img->names : empty;
}

const char *lcont_image_get_digest(const lcont_image *img)
{
    return img ? img->digest : NULL;
}

const char *lcont_image_get_id(const lcont_image *img)
{
    return img ? img->id : NULL;
}

const char *lcont_image_get_config_json(const lcont_image *img)
{
    return img ? img->config_json : NULL;
}

const char *lcont_image_get_manifest_json(const lcont_image *img)
{
    return img ? img->manifest_json : NULL;
}

const char *lcont_image_get_created(const lcont_image *img)
{
    return img ? img->created : NULL;
}

uint64_t lcont_image_get_size(const lcont_image *img)
{
    return img ? img->size : 0;
}

size_t lcont_image_get_layer_count(const lcont_image *img)
{
    return img ? img->n_layers : 0;
}
