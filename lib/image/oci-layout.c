/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCI image layout (a directory, or an extracted oci-archive): oci-layout, index.json. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "image/store.h"

#define REF_NAME "org.opencontainers.image.ref.name"

static int read_small(const struct import_source *src, const char *path, char **ret,
                      size_t *ret_len, lcont_error **reterr)
{
    _cleanup_close_ int fd = lcont__import_open(src, path, false, path, reterr);
    int r;

    if (fd < 0)
        return fd;
    r = lcont__store_read_fd(fd, STORE_MAX_JSON_BYTES, ret, ret_len);
    if (r == -EFBIG)
        return lcont__error_set(reterr, r, "%s in %s: larger than %u bytes", path, src->label,
                                STORE_MAX_JSON_BYTES);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "read %s in %s", path, src->label);
    return 0;
}

static const char *ref_name(const cJSON *desc)
{
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(desc, "annotations");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(ann, REF_NAME);

    return cJSON_IsString(n) ? n->valuestring : NULL;
}

static int check_layout_file(const struct import_source *src, lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    cJSON *doc;
    const cJSON *v;
    int r;

    r = read_small(src, "oci-layout", &text, &len, reterr);
    if (r < 0)
        return r;
    doc = cJSON_ParseWithLength(text, len);
    v = cJSON_GetObjectItemCaseSensitive(doc, "imageLayoutVersion");
    r = cJSON_IsString(v) && lcont__str_startswith(v->valuestring, "1.") ? 0 : -EINVAL;
    cJSON_Delete(doc);
    if (r < 0)
        return lcont__error_set(reterr, r, "oci-layout in %s: imageLayoutVersion must be \"1.x\"",
                                src->label);
    return 0;
}

/* The descriptor of index.json to use: by TAG, else the only one, else by platform. */
static int select_top(const struct import_source *src, const cJSON *manifests, const char *tag,
                      const char *os, const char *arch, const char *variant, const cJSON **ret,
                      lcont_error **reterr)
{
    const cJSON *m, *found = NULL;
    int n = cJSON_GetArraySize(manifests);

    if (tag) {
        cJSON_ArrayForEach(m, manifests)
        {
            const char *rn = ref_name(m);
            if (rn && strcmp(rn, tag) == 0) {
                if (found)
                    return lcont__error_set(reterr, -EINVAL,
                                            "index.json in %s: tag '%s' names several "
                                            "manifests",
                                            src->label, tag);
                found = m;
            }
        }
        if (!found)
            return lcont__error_set(reterr, -ENOENT, "index.json in %s: no image tagged '%s'",
                                    src->label, tag);
        *ret = found;
        return 0;
    }
    if (n == 0)
        return lcont__error_set(reterr, -ENOENT, "index.json in %s: no manifests", src->label);
    if (n == 1) {
        *ret = cJSON_GetArrayItem(manifests, 0);
        return 0;
    }
    if (lcont__index_select_platform(manifests, os, arch, variant, ret, NULL) == 0)
        return 0;
    return lcont__error_set(
        reterr, -EINVAL, "index.json in %s: %d images; choose one with oci:DIR:TAG", src->label, n);
}

int lcont__oci_layout_import(lcont_image_store *store, const struct import_source *src,
                             const char *tag, const lcont_image_load_opts *opts,
                             char ret_digest[LCONT_DIGEST_STR_LEN], char **ret_ref_name,
                             lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL, *ref = NULL;
    const char *os, *arch, *variant;
    cJSON *doc = NULL;
    const cJSON *manifests, *desc = NULL;
    size_t len = 0;
    int r;

    lcont__platform_host(&os, &arch, &variant);
    if (opts->os || opts->architecture) {
        os = opts->os ? opts->os : os;
        arch = opts->architecture ? opts->architecture : arch;
        variant = opts->variant;
    } else if (opts->variant) {
        variant = opts->variant;
    }
    r = check_layout_file(src, reterr);
    if (r < 0)
        return r;
    r = read_small(src, "index.json", &text, &len, reterr);
    if (r < 0)
        return r;
    doc = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return lcont__error_set(reterr, -EINVAL, "index.json in %s: not a valid JSON object",
                                src->label);
    }
    manifests = cJSON_GetObjectItemCaseSensitive(doc, "manifests");
    if (!cJSON_IsArray(manifests)) {
        r = lcont__error_set(reterr, -EINVAL, "index.json in %s: manifests must be an array",
                             src->label);
        goto out;
    }
    r = select_top(src, manifests, tag, os, arch, variant, &desc, reterr);
    if (r < 0)
        goto out;
    if (ref_name(desc) && !(ref = strdup(ref_name(desc)))) {
        r = lcont__error_set(reterr, -ENOMEM, "out of memory");
        goto out;
    }

    /* Walk nested indexes (bounded) down to an image manifest. */
    for (uint32_t depth = 1;; depth++) {
        _cleanup_free_ char *json = NULL;
        struct image_desc d = { 0 };
        char digest[LCONT_DIGEST_STR_LEN];
        enum manifest_kind kind;
        cJSON *sub;
        const cJSON *mt;

        r = lcont__manifest_parse_desc(desc, "index.json manifest descriptor", &d, reterr);
        if (r < 0)
            goto out;
        r = lcont__import_read_json_blob(src, &d, "manifest", &json, &len, reterr);
        kind = lcont__manifest_kind(d.media_type);
        memcpy(digest, d.digest, sizeof(digest));
        lcont__image_desc_clear(&d);
        if (r < 0)
            goto out;
        sub = cJSON_ParseWithLength(json, len);
        if (!cJSON_IsObject(sub)) {
            cJSON_Delete(sub);
            r = lcont__error_set(reterr, -EINVAL, "manifest %s: not valid JSON", digest);
            goto out;
        }
        /* The descriptor's media type may be absent; the document's own says what it is. */
        mt = cJSON_GetObjectItemCaseSensitive(sub, "mediaType");
        if (kind == MANIFEST_KIND_UNKNOWN) {
            if (cJSON_IsString(mt))
                kind = lcont__manifest_kind(mt->valuestring);
            else if (cJSON_GetObjectItemCaseSensitive(sub, "manifests"))
                kind = MANIFEST_KIND_INDEX;
            else
                kind = MANIFEST_KIND_MANIFEST;
        }
        if (kind == MANIFEST_KIND_MANIFEST) {
            cJSON_Delete(sub);
            r = lcont__import_manifest(store, src, json, len, ret_digest, reterr);
            goto out;
        }
        if (kind != MANIFEST_KIND_INDEX) {
            cJSON_Delete(sub);
            r = lcont__error_set(reterr, -EINVAL, "descriptor: unsupported media type");
            goto out;
        }
        if (depth > store->opts.max_index_depth) {
            cJSON_Delete(sub);
            r = lcont__error_set(reterr, -ELOOP, "image index nesting deeper than %u levels",
                                 store->opts.max_index_depth);
            goto out;
        }
        /* The nested index lives as long as the document it came from: keep it in @doc. */
        cJSON_AddItemToObject(doc, "lcont.nested", sub);
        r = lcont__index_select_platform(cJSON_GetObjectItemCaseSensitive(sub, "manifests"), os,
                                         arch, variant, &desc, reterr);
        if (r < 0)
            goto out;
    }
out:
    cJSON_Delete(doc);
    if (r >= 0 && ret_ref_name)
        *ret_ref_name = TAKE_PTR(ref);
    return r;
}
