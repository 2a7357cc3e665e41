/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `docker save` / `podman save --format docker-archive`: manifest.json names the config
 * and the layer tars by path (classic "<id>/layer.tar" or the newer "blobs/sha256/<hex>").
 * Blobs are hashed as they are stored and an OCI manifest is written for them, so the
 * image looks like any other in the store.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "image/layer.h"
#include "image/store.h"

static const char *const layer_media_types[] = {
    [LCONT_LAYER_COMPRESSION_NONE] = "application/vnd.oci.image.layer.v1.tar",
    [LCONT_LAYER_COMPRESSION_GZIP] = "application/vnd.oci.image.layer.v1.tar+gzip",
    [LCONT_LAYER_COMPRESSION_ZSTD] = "application/vnd.oci.image.layer.v1.tar+zstd",
};

/* A manifest.json path must name a regular member inside the archive. */
static int check_member(const struct import_source *src, const char *path, const char *what,
                        lcont_error **reterr)
{
    const char *p = path;

    if (!path[0] || path[0] == '/')
        return lcont__error_set(reterr, -EINVAL, "%s: path '%s' leaves the archive", what, path);
    while (*p) {
        const char *e = strchrnul(p, '/');
        if (e - p == 2 && p[0] == '.' && p[1] == '.')
            return lcont__error_set(reterr, -EINVAL, "%s: path '%s' leaves the archive", what,
                                    path);
        p = *e ? e + 1 : e;
    }
    /* The path itself or one of its parents was a symlink (or hardlink) member. */
    for (size_t i = 0; src->symlinks && src->symlinks[i]; i++) {
        const char *l = src->symlinks[i], *q = path;
        size_t len = strlen(l);
        while (q[0] == '.' && q[1] == '/')
            q += 2;
        if (strncmp(q, l, len) == 0 && (q[len] == '\0' || q[len] == '/'))
            return lcont__error_set(reterr, -EINVAL,
                                    "%s: '%s' is a symlink or hardlink in the archive", what, path);
    }
    return 0;
}

static int sniff_compression(lcont_image_store *store, const char *digest)
{
    _cleanup_close_ int fd = lcont__blob_open(store, digest, NULL);
    unsigned char m[4] = { 0 };

    if (fd < 0 || pread(fd, m, sizeof(m), 0) < 2)
        return LCONT_LAYER_COMPRESSION_NONE;
    if (m[0] == 0x1f && m[1] == 0x8b)
        return LCONT_LAYER_COMPRESSION_GZIP;
    if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
        return LCONT_LAYER_COMPRESSION_ZSTD;
    return LCONT_LAYER_COMPRESSION_NONE;
}

static bool repo_tags_contain(const cJSON *tags, const char *want)
{
    const cJSON *t;

    cJSON_ArrayForEach(t, tags)
    {
        _cleanup_free_ char *n = NULL;
        if (cJSON_IsString(t) && lcont__name_normalize(t->valuestring, &n, NULL) == 0 &&
            strcmp(n, want) == 0)
            return true;
    }
    return false;
}

static int select_entry(const struct import_source *src, const cJSON *doc, const char *sel,
                        const cJSON **ret, lcont_error **reterr)
{
    _cleanup_free_ char *want = NULL;
    const cJSON *e;
    int r;

    if (!cJSON_IsArray(doc) || cJSON_GetArraySize(doc) == 0)
        return lcont__error_set(reterr, -EINVAL, "manifest.json in %s: must be a non-empty array",
                                src->label);
    if (!sel) {
        if (cJSON_GetArraySize(doc) > 1)
            return lcont__error_set(reterr, -EINVAL,
                                    "manifest.json in %s: %d images; choose one with "
                                    "docker-archive:FILE:NAME",
                                    src->label, cJSON_GetArraySize(doc));
        *ret = cJSON_GetArrayItem(doc, 0);
        return 0;
    }
    r = lcont__name_normalize(sel, &want, reterr);
    if (r < 0)
        return r;
    cJSON_ArrayForEach(e, doc)
    {
        if (repo_tags_contain(cJSON_GetObjectItemCaseSensitive(e, "RepoTags"), want)) {
            *ret = e;
            return 0;
        }
    }
    return lcont__error_set(reterr, -ENOENT, "manifest.json in %s: no image named '%s'", src->label,
                            sel);
}

static cJSON *descriptor(const char *media_type, const char *digest, uint64_t size)
{
    cJSON *d = cJSON_CreateObject();

    if (!d || !cJSON_AddStringToObject(d, "mediaType", media_type) ||
        !cJSON_AddStringToObject(d, "digest", digest) ||
        !cJSON_AddNumberToObject(d, "size", (double)size)) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

static int import_entry(lcont_image_store *store, const struct import_source *src,
                        const cJSON *entry, char ret_digest[LCONT_DIGEST_STR_LEN],
                        lcont_error **reterr)
{
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(entry, "Config");
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(entry, "Layers"), *l;
    _cleanup_free_ char *config_json = NULL, *created = NULL, *manifest_text = NULL;
    char(*diff_ids)[LCONT_DIGEST_STR_LEN] = NULL;
    char config_digest[LCONT_DIGEST_STR_LEN];
    size_t config_len = 0, n_diff = 0, n, i = 0;
    cJSON *manifest = NULL, *mlayers, *cd;
    int r;

    if (!cJSON_IsString(config))
        return lcont__error_set(reterr, -EINVAL, "manifest.json: Config must be a string");
    if (!cJSON_IsArray(layers))
        return lcont__error_set(reterr, -EINVAL, "manifest.json: Layers must be an array");
    r = check_member(src, config->valuestring, "manifest.json Config", reterr);
    if (r < 0)
        return r;
    {
        _cleanup_close_ int fd =
            lcont__import_open(src, config->valuestring, true, "manifest.json Config", reterr);
        if (fd < 0)
            return fd;
        r = lcont__store_read_fd(fd, STORE_MAX_JSON_BYTES, &config_json, &config_len);
        if (r < 0)
            return lcont__error_setsys(reterr, r, "read image config '%s'", config->valuestring);
    }
    r = lcont__config_parse(config_json, config_len, &diff_ids, &n_diff, &created, reterr);
    if (r < 0)
        return r;
    n = (size_t)cJSON_GetArraySize(layers);
    if (n_diff != n) {
        r = lcont__error_set(reterr, -EINVAL,
                             "image config.rootfs.diff_ids: %zu entries for %zu layers", n_diff, n);
        goto out;
    }
    manifest = cJSON_CreateObject();
    if (!manifest || !cJSON_AddNumberToObject(manifest, "schemaVersion", 2) ||
        !cJSON_AddStringToObject(manifest, "mediaType",
                                 "application/vnd.oci.image.manifest.v1+json"))
        goto oom;
    r = lcont__blob_put_buf(store, config_json, config_len, config_digest, reterr);
    if (r < 0)
        goto out;
    cd = descriptor("application/vnd.oci.image.config.v1+json", config_digest, config_len);
    if (!cd || !cJSON_AddItemToObject(manifest, "config", cd))
        goto oom;
    mlayers = cJSON_AddArrayToObject(manifest, "layers");
    if (!mlayers)
        goto oom;
    cJSON_ArrayForEach(l, layers)
    {
        _cleanup_close_ int fd = -1;
        char what[64], digest[LCONT_DIGEST_STR_LEN];
        uint64_t size = 0;
        int comp;
        cJSON *d;

        snprintf(what, sizeof(what), "manifest.json Layers[%zu]", i);
        if (!cJSON_IsString(l)) {
            r = lcont__error_set(reterr, -EINVAL, "%s: must be a string", what);
            goto out;
        }
        r = check_member(src, l->valuestring, what, reterr);
        if (r < 0)
            goto out;
        fd = lcont__import_open(src, l->valuestring, true, what, reterr);
        if (fd < 0) {
            r = fd;
            goto out;
        }
        store->cur_index = (uint32_t)i;
        store->cur_count = (uint32_t)n;
        lcont__store_progress(store, LCONT_IMAGE_PHASE_COPY, (uint32_t)i, (uint32_t)n, "", 0, 0, 0);
        r = lcont__blob_put_fd(store, fd, src->owned, NULL, UINT64_MAX, what, digest, &size,
                               reterr);
        if (r < 0)
            goto out;
        lcont__store_progress(store, LCONT_IMAGE_PHASE_COPY, (uint32_t)i, (uint32_t)n, digest, size,
                              size, 0);
        comp = sniff_compression(store, digest);
        if (comp == LCONT_LAYER_COMPRESSION_NONE && strcmp(digest, diff_ids[i]) != 0) {
            r = lcont__error_set(reterr, -EINVAL,
                                 "%s: layer %s does not match rootfs.diff_ids[%zu] %s", what,
                                 digest, i, diff_ids[i]);
            goto out;
        }
        d = descriptor(layer_media_types[comp], digest, size);
        if (!d || !cJSON_AddItemToArray(mlayers, d)) {
            cJSON_Delete(d);
            goto oom;
        }
        i++;
    }
    manifest_text = cJSON_PrintUnformatted(manifest);
    if (!manifest_text)
        goto oom;
    r = lcont__blob_put_buf(store, manifest_text, strlen(manifest_text), ret_digest, reterr);
    goto out;
oom:
    r = lcont__error_set(reterr, -ENOMEM, "docker archive: out of memory");
out:
    cJSON_Delete(manifest);
    free(diff_ids);
    return r;
}

int lcont__docker_archive_import(lcont_image_store *store, const struct import_source *src,
                                 const char *select_name, char ret_digest[LCONT_DIGEST_STR_LEN],
                                 char ***ret_names, lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_strv_ char **names = calloc(1, sizeof(char *));
    _cleanup_close_ int fd = -1;
    const cJSON *entry = NULL, *tags, *t;
    size_t len = 0;
    cJSON *doc;
    int r;

    if (!names)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    fd = lcont__import_open(src, "manifest.json", true, "docker archive", reterr);
    if (fd < 0)
        return fd;
    r = lcont__store_read_fd(fd, STORE_MAX_JSON_BYTES, &text, &len);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "read manifest.json in %s", src->label);
    doc = cJSON_ParseWithLength(text, len);
    if (!doc)
        return lcont__error_set(reterr, -EINVAL, "manifest.json in %s: not valid JSON", src->label);
    r = select_entry(src, doc, select_name, &entry, reterr);
    if (r >= 0)
        r = import_entry(store, src, entry, ret_digest, reterr);
    if (r >= 0) {
        tags = cJSON_GetObjectItemCaseSensitive(entry, "RepoTags");
        if (select_name) {
            r = lcont__strv_push(&names, select_name);
        } else {
            cJSON_ArrayForEach(t, tags)
            {
                if (r >= 0 && cJSON_IsString(t))
                    r = lcont__strv_push(&names, t->valuestring);
            }
        }
        if (r < 0)
            r = lcont__error_set(reterr, r, "out of memory");
    }
    cJSON_Delete(doc);
    if (r >= 0)
        *ret_names = TAKE_PTR(names);
    return r;
}
