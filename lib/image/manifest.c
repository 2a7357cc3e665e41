/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCI / Docker v2 schema2 manifests, indexes and image configs: just what the store needs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "core/util.h"
#include "image/layer.h"
#include "image/store.h"

struct layer_type {
    const char *media_type;
    int compression;
    bool foreign;
};

static const struct layer_type layer_types[] = {
    { "application/vnd.oci.image.layer.v1.tar", LCONT_LAYER_COMPRESSION_NONE, false },
    { "application/vnd.oci.image.layer.v1.tar+gzip", LCONT_LAYER_COMPRESSION_GZIP, false },
    { "application/vnd.oci.image.layer.v1.tar+zstd", LCONT_LAYER_COMPRESSION_ZSTD, false },
    { "application/vnd.oci.image.layer.nondistributable.v1.tar", LCONT_LAYER_COMPRESSION_NONE,
      true },
    { "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", LCONT_LAYER_COMPRESSION_GZIP,
      true },
    { "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", LCONT_LAYER_COMPRESSION_ZSTD,
      true },
    { "application/vnd.docker.image.rootfs.diff.tar", LCONT_LAYER_COMPRESSION_NONE, false },
    { "application/vnd.docker.image.rootfs.diff.tar.gzip", LCONT_LAYER_COMPRESSION_GZIP, false },
    { "application/vnd.docker.image.rootfs.diff.tar.zstd", LCONT_LAYER_COMPRESSION_ZSTD, false },
    { "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", LCONT_LAYER_COMPRESSION_GZIP,
      true },
};

int lcont__layer_media_type(const char *media_type, int *ret_compression, bool *ret_foreign)
{
    for (size_t i = 0; i < ELEMENTSOF(layer_types); i++)
        if (strcmp(media_type, layer_types[i].media_type) == 0) {
            *ret_compression = layer_types[i].compression;
            *ret_foreign = layer_types[i].foreign;
            return 0;
        }
    return -EINVAL;
}

enum manifest_kind lcont__manifest_kind(const char *media_type)
{
    if (!media_type)
        return MANIFEST_KIND_UNKNOWN;
    if (strcmp(media_type, "application/vnd.oci.image.manifest.v1+json") == 0 ||
        strcmp(media_type, "application/vnd.docker.distribution.manifest.v2+json") == 0)
        return MANIFEST_KIND_MANIFEST;
    if (strcmp(media_type, "application/vnd.oci.image.index.v1+json") == 0 ||
        strcmp(media_type, "application/vnd.docker.distribution.manifest.list.v2+json") == 0)
        return MANIFEST_KIND_INDEX;
    return MANIFEST_KIND_UNKNOWN;
}

void lcont__image_desc_clear(struct image_desc *d)
{
    free(d->media_type);
    memset(d, 0, sizeof(*d));
}

int lcont__manifest_parse_desc(const cJSON *o, const char *what, struct image_desc *ret,
                               lcont_error **reterr)
{
    const cJSON *digest, *size, *mt;

    if (!cJSON_IsObject(o))
        return lcont__error_set(reterr, -EINVAL, "%s: must be an object", what);
    digest = cJSON_GetObjectItemCaseSensitive(o, "digest");
    size = cJSON_GetObjectItemCaseSensitive(o, "size");
    mt = cJSON_GetObjectItemCaseSensitive(o, "mediaType");
    if (!cJSON_IsString(digest))
        return lcont__error_set(reterr, -EINVAL, "%s.digest: must be a string", what);
    if (!lcont__digest_valid(digest->valuestring))
        return lcont__error_set(reterr, -EINVAL,
                                "%s.digest: '%.100s' is not a sha256 digest (sha256:<64 "
                                "lowercase hex>)",
                                what, digest->valuestring);
    if (!cJSON_IsNumber(size) || size->valuedouble < 0 || size->valuedouble > 9007199254740991.0 ||
        (double)(uint64_t)size->valuedouble != size->valuedouble)
        return lcont__error_set(reterr, -EINVAL, "%s.size: must be a non-negative integer", what);
    if (mt && !cJSON_IsString(mt))
        return lcont__error_set(reterr, -EINVAL, "%s.mediaType: must be a string", what);
    memset(ret, 0, sizeof(*ret));
    memcpy(ret->digest, digest->valuestring, LCONT_DIGEST_STR_LEN);
    ret->size = (uint64_t)size->valuedouble;
    if (mt) {
        ret->media_type = strdup(mt->valuestring);
        if (!ret->media_type)
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
    }
    return 0;
}

static void descs_free(struct image_desc *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++)
        lcont__image_desc_clear(&d[i]);
    free(d);
}

int lcont__manifest_parse(const char *json, size_t len, struct image_desc *ret_config,
                          struct image_desc **ret_layers, size_t *ret_n, lcont_error **reterr)
{
    cJSON *doc = cJSON_ParseWithLength(json, len);
    const cJSON *sv, *mt, *config, *layers, *l;
    struct image_desc cfg = { 0 }, *descs = NULL;
    size_t n = 0, i = 0;
    int r;

    if (!doc)
        return lcont__error_set(reterr, -EINVAL, "manifest: not valid JSON");
    sv = cJSON_GetObjectItemCaseSensitive(doc, "schemaVersion");
    mt = cJSON_GetObjectItemCaseSensitive(doc, "mediaType");
    config = cJSON_GetObjectItemCaseSensitive(doc, "config");
    layers = cJSON_GetObjectItemCaseSensitive(doc, "layers");
    if (!cJSON_IsObject(doc)) {
        r = lcont__error_set(reterr, -EINVAL, "manifest: must be a JSON object");
        goto out;
    }
    if (!cJSON_IsNumber(sv) || sv->valuedouble != 2) {
        r = lcont__error_set(reterr, -EINVAL, "manifest.schemaVersion: must be 2");
        goto out;
    }
    if (mt &&
        (!cJSON_IsString(mt) || lcont__manifest_kind(mt->valuestring) != MANIFEST_KIND_MANIFEST)) {
        r = lcont__error_set(reterr, -EINVAL, "manifest.mediaType: '%s' is not an image manifest",
                             cJSON_IsString(mt) ? mt->valuestring : "?");
        goto out;
    }
    r = lcont__manifest_parse_desc(config, "manifest.config", &cfg, reterr);
    if (r < 0)
        goto out;
    if (!cJSON_IsArray(layers)) {
        r = lcont__error_set(reterr, -EINVAL, "manifest.layers: must be an array");
        goto out;
    }
    n = (size_t)cJSON_GetArraySize(layers);
    descs = calloc(n ? n : 1, sizeof(*descs));
    if (!descs) {
        r = lcont__error_set(reterr, -ENOMEM, "manifest: out of memory");
        goto out;
    }
    cJSON_ArrayForEach(l, layers)
    {
        char what[64];
        int comp;
        snprintf(what, sizeof(what), "manifest.layers[%zu]", i);
        r = lcont__manifest_parse_desc(l, what, &descs[i], reterr);
        if (r < 0)
            goto out;
        i++;
        if (!descs[i - 1].media_type) {
            r = lcont__error_set(reterr, -EINVAL, "%s.mediaType: missing", what);
            goto out;
        }
        if (lcont__layer_media_type(descs[i - 1].media_type, &comp, &descs[i - 1].foreign) < 0) {
            r = lcont__error_set(reterr, -EINVAL, "%s.mediaType: unsupported layer type '%s'", what,
                                 descs[i - 1].media_type);
            goto out;
        }
    }
    *ret_config = cfg;
    memset(&cfg, 0, sizeof(cfg));
    *ret_layers = TAKE_PTR(descs);
    *ret_n = n;
    r = 0;
out:
    lcont__image_desc_clear(&cfg);
    descs_free(descs, i);
    cJSON_Delete(doc);
    return r;
}

int lcont__config_parse(const char *json, size_t len, char (**ret_diff_ids)[LCONT_DIGEST_STR_LEN],
                        size_t *ret_n, char **ret_created, lcont_error **reterr)
{
    cJSON *doc = cJSON_ParseWithLength(json, len);
    const cJSON *rootfs, *type, *ids, *id, *created;
    char(*out)[LCONT_DIGEST_STR_LEN] = NULL;
    char *created_copy = NULL;
    size_t n, i = 0;
    int r;

    if (!doc)
        return lcont__error_set(reterr, -EINVAL, "image config: not valid JSON");
    rootfs = cJSON_GetObjectItemCaseSensitive(doc, "rootfs");
    type = cJSON_GetObjectItemCaseSensitive(rootfs, "type");
    ids = cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids");
    created = cJSON_GetObjectItemCaseSensitive(doc, "created");
    if (!cJSON_IsObject(doc) || !cJSON_IsObject(rootfs)) {
        r = lcont__error_set(reterr, -EINVAL, "image config.rootfs: must be an object");
        goto out;
    }
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "layers") != 0) {
        r = lcont__error_set(reterr, -EINVAL, "image config.rootfs.type: must be \"layers\"");
        goto out;
    }
    if (!cJSON_IsArray(ids)) {
        r = lcont__error_set(reterr, -EINVAL, "image config.rootfs.diff_ids: must be an array");
        goto out;
    }
    if (created && !cJSON_IsString(created)) {
        r = lcont__error_set(reterr, -EINVAL, "image config.created: must be a string");
        goto out;
    }
    n = (size_t)cJSON_GetArraySize(ids);
    out = calloc(n ? n : 1, sizeof(*out));
    if (!out || (created && !(created_copy = strdup(created->valuestring)))) {
        r = lcont__error_set(reterr, -ENOMEM, "image config: out of memory");
        goto out;
    }
    cJSON_ArrayForEach(id, ids)
    {
        char what[64];
        snprintf(what, sizeof(what), "image config.rootfs.diff_ids[%zu]", i);
        if (!cJSON_IsString(id)) {
            r = lcont__error_set(reterr, -EINVAL, "%s: must be a string", what);
            goto out;
        }
        if (!lcont__digest_valid(id->valuestring)) {
            r = lcont__error_set(reterr, -EINVAL, "%s: '%.100s' is not a sha256 digest", what,
                                 id->valuestring);
            goto out;
        }
        memcpy(out[i++], id->valuestring, LCONT_DIGEST_STR_LEN);
    }
    *ret_diff_ids = TAKE_PTR(out);
    *ret_n = n;
    *ret_created = TAKE_PTR(created_copy);
    r = 0;
out:
    free(out);
    free(created_copy);
    cJSON_Delete(doc);
    return r;
}

void lcont__platform_host(const char **os, const char **arch, const char **variant)
{
    struct utsname u;

    *os = "linux";
    *variant = NULL;
    *arch = "amd64";
    if (uname(&u) < 0)
        return;
    if (strcmp(u.machine, "aarch64") == 0) {
        *arch = "arm64";
    } else if (strncmp(u.machine, "armv7", 5) == 0) {
        *arch = "arm";
        *variant = "v7";
    } else if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0) {
        *arch = "386";
    } else if (strcmp(u.machine, "ppc64le") == 0 || strcmp(u.machine, "s390x") == 0 ||
               strcmp(u.machine, "riscv64") == 0) {
        static const char *const same[] = { "ppc64le", "s390x", "riscv64" };
        for (size_t i = 0; i < ELEMENTSOF(same); i++)
            if (strcmp(u.machine, same[i]) == 0)
                *arch = same[i];
    }
}

static const char *platform_field(const cJSON *platform, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(platform, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int lcont__index_select_platform(const cJSON *manifests, const char *os, const char *arch,
                                 const char *variant, const cJSON **ret, lcont_error **reterr)
{
    const cJSON *m, *fallback = NULL;

    cJSON_ArrayForEach(m, manifests)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "platform");
        const char *pos = platform_field(p, "os"), *parch = platform_field(p, "architecture");
        const char *pvar = platform_field(p, "variant");
        if (!pos || !parch || strcmp(pos, os) != 0 || strcmp(parch, arch) != 0)
            continue;
        if (variant) {
            if (pvar && strcmp(pvar, variant) == 0) {
                *ret = m;
                return 0;
            }
            continue;
        }
        /* No variant asked: an entry without one is the best match. */
        if (!pvar) {
            *ret = m;
            return 0;
        }
        if (!fallback)
            fallback = m;
    }
    if (fallback) {
        *ret = fallback;
        return 0;
    }
    return lcont__error_set(reterr, -ENOENT, "image index: no manifest for platform %s/%s%s%s", os,
                            arch, variant ? "/" : "", variant ? variant : "");
}
