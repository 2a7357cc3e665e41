/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* images.json: which manifests the store holds as images, and their names. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>

#include "core/util.h"
#include "image/store.h"

#define NAME_MAX_LEN 255
#define HEX_PREFIX_MIN 12

static bool name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '/' || c == ':' || c == '@';
}

int lcont__name_normalize(const char *name, char **ret, lcont_error **reterr)
{
    size_t len = name ? strlen(name) : 0;
    const char *last;
    char *s;

    if (len == 0 || len > NAME_MAX_LEN)
        return lcont__error_set(reterr, -EINVAL, "image name must have 1 to %d characters",
                                NAME_MAX_LEN);
    for (size_t i = 0; i < len; i++)
        if (!name_char_ok(name[i]))
            return lcont__error_set(reterr, -EINVAL, "image name '%s': invalid character", name);
    if (name[0] == '/' || name[0] == ':' || name[len - 1] == '/' || name[len - 1] == ':' ||
        strstr(name, "//") || lcont__str_startswith(name, "sha256:"))
        return lcont__error_set(reterr, -EINVAL, "image name '%s': not a valid reference", name);
    last = strrchr(name, '/');
    last = last ? last + 1 : name;
    if (strchr(last, ':') || strchr(name, '@'))
        s = strdup(name);
    else if (asprintf(&s, "%s:latest", name) < 0)
        s = NULL;
    if (!s)
        return lcont__error_set(reterr, -ENOMEM, "image name: out of memory");
    *ret = s;
    return 0;
}

int lcont__names_read(lcont_image_store *store, cJSON **ret, lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    cJSON *doc, *images;
    int r;

    r = lcont__read_file_at(store->root_fd, "images.json", STORE_MAX_JSON_BYTES * 4, &text, &len);
    if (r == -ENOENT) {
        doc = cJSON_CreateObject();
        if (!doc || !cJSON_AddObjectToObject(doc, "images")) {
            cJSON_Delete(doc);
            return lcont__error_set(reterr, -ENOMEM, "image store: out of memory");
        }
        *ret = doc;
        return 0;
    }
    if (r < 0)
        return lcont__error_setsys(reterr, r, "image store: read images.json");
    doc = cJSON_ParseWithLength(text, len);
    images = cJSON_GetObjectItemCaseSensitive(doc, "images");
    if (!cJSON_IsObject(images)) {
        cJSON_Delete(doc);
        return lcont__error_set(reterr, -EINVAL, "image store: images.json is corrupt");
    }
    *ret = doc;
    return 0;
}

int lcont__names_write(lcont_image_store *store, cJSON *doc, lcont_error **reterr)
{
    _cleanup_free_ char *text = cJSON_PrintUnformatted(doc);
    int r;

    if (!text)
        return lcont__error_set(reterr, -ENOMEM, "image store: out of memory");
    /* Durable: losing the index after a power cut would orphan every image. */
    r = lcont__write_file_atomic_at(store->root_fd, "images.json", text, strlen(text), 0600, true);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "image store: write images.json");
    return 0;
}

/* Remove @name from every image's names. */
static void names_drop(cJSON *images, const char *name)
{
    cJSON *img;

    cJSON_ArrayForEach(img, images)
    {
        cJSON *names = cJSON_GetObjectItemCaseSensitive(img, "names");
        for (int i = cJSON_GetArraySize(names) - 1; i >= 0; i--) {
            cJSON *n = cJSON_GetArrayItem(names, i);
            if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
                cJSON_DeleteItemFromArray(names, i);
        }
    }
}

int lcont__names_add(lcont_image_store *store, const char *digest, const char *id,
                     char *const *names, lcont_error **reterr)
{
    _cleanup_close_ int lock = -1;
    cJSON *doc = NULL, *images, *img, *arr;
    int r;

    lock = lcont__store_lock(store, "names.lock", LOCK_EX, reterr);
    if (lock < 0)
        return lock;
    r = lcont__names_read(store, &doc, reterr);
    if (r < 0)
        return r;
    images = cJSON_GetObjectItemCaseSensitive(doc, "images");
    for (size_t i = 0; names && names[i]; i++)
        names_drop(images, names[i]);
    img = cJSON_GetObjectItemCaseSensitive(images, digest);
    if (!img) {
        img = cJSON_AddObjectToObject(images, digest);
        if (!img || !cJSON_AddArrayToObject(img, "names") ||
            !cJSON_AddStringToObject(img, "id", id))
            goto oom;
    }
    arr = cJSON_GetObjectItemCaseSensitive(img, "names");
    if (!cJSON_IsArray(arr)) {
        cJSON_DeleteItemFromObjectCaseSensitive(img, "names");
        arr = cJSON_AddArrayToObject(img, "names");
        if (!arr)
            goto oom;
    }
    for (size_t i = 0; names && names[i]; i++) {
        cJSON *s = cJSON_CreateString(names[i]);
        if (!s || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            goto oom;
        }
    }
    r = lcont__names_write(store, doc, reterr);
    cJSON_Delete(doc);
    return r;
oom:
    cJSON_Delete(doc);
    return lcont__error_set(reterr, -ENOMEM, "image store: out of memory");
}

static bool is_hex(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static const char *image_id(const cJSON *img)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(img, "id");

    return cJSON_IsString(id) ? id->valuestring : "";
}

/* A unique image whose manifest digest or config id starts with sha256:@hex. */
static int resolve_hex(cJSON *images, const char *hex, const char **ret)
{
    size_t len = strlen(hex);
    const char *found = NULL;
    cJSON *img;

    cJSON_ArrayForEach(img, images)
    {
        const char *id = image_id(img);
        bool m;

        if (!lcont__digest_valid(img->string)) /* a corrupt index: never read past a key */
            continue;
        m = strncmp(img->string + 7, hex, len) == 0 ||
            (lcont__digest_valid(id) && strncmp(id + 7, hex, len) == 0);
        if (!m)
            continue;
        if (found && strcmp(found, img->string) != 0)
            return -EINVAL;
        found = img->string;
    }
    if (!found)
        return -ENOENT;
    *ret = found;
    return 0;
}

static bool has_name(const cJSON *img, const char *name, bool suffix)
{
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(img, "names"), *n;
    size_t len = strlen(name);

    cJSON_ArrayForEach(n, names)
    {
        if (!cJSON_IsString(n))
            continue;
        if (!suffix && strcmp(n->valuestring, name) == 0)
            return true;
        if (suffix) {
            size_t nl = strlen(n->valuestring);
            if (nl > len && n->valuestring[nl - len - 1] == '/' &&
                strcmp(n->valuestring + nl - len, name) == 0)
                return true;
        }
    }
    return false;
}

int lcont__names_resolve(cJSON *doc, const char *query, char ret_digest[LCONT_DIGEST_STR_LEN],
                         char **ret_name, lcont_error **reterr)
{
    cJSON *images = cJSON_GetObjectItemCaseSensitive(doc, "images"), *img;
    _cleanup_free_ char *norm = NULL;
    const char *found = NULL, *hex = query, *matched = NULL;
    int r;

    if (lcont__str_startswith(query, "sha256:"))
        hex = query + 7;
    if (strlen(hex) >= HEX_PREFIX_MIN && strlen(hex) <= 64 && is_hex(hex)) {
        r = resolve_hex(images, hex, &found);
        if (r == -EINVAL)
            return lcont__error_set(reterr, -EINVAL, "image '%s' is ambiguous", query);
        if (r == 0)
            goto done;
    }
    if (hex != query)
        return lcont__error_set(reterr, -ENOENT, "image '%s' not found", query);
    r = lcont__name_normalize(query, &norm, reterr);
    if (r < 0)
        return r;
    for (int pass = 0; pass < 2 && !found; pass++) {
        cJSON_ArrayForEach(img, images)
        {
            if (!has_name(img, norm, pass == 1))
                continue;
            if (found)
                return lcont__error_set(reterr, -EINVAL, "image name '%s' is ambiguous", query);
            found = img->string;
        }
    }
    if (!found)
        return lcont__error_set(reterr, -ENOENT, "image '%s' not found", query);
    matched = norm;
done:
    if (!lcont__digest_valid(found))
        return lcont__error_set(reterr, -EINVAL, "image store: images.json is corrupt");
    if (ret_name) {
        const cJSON *names = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(images, found), "names");
        char *n = NULL;
        /* A suffix match reports the full stored name. */
        if (matched) {
            const cJSON *it;
            cJSON_ArrayForEach(it, names)
            {
                size_t nl, ml = strlen(matched);
                if (!cJSON_IsString(it))
                    continue;
                nl = strlen(it->valuestring);
                if (strcmp(it->valuestring, matched) == 0 ||
                    (nl > ml && strcmp(it->valuestring + nl - ml, matched) == 0)) {
                    n = strdup(it->valuestring);
                    if (!n)
                        return lcont__error_set(reterr, -ENOMEM, "out of memory");
                    break;
                }
            }
        }
        *ret_name = n;
    }
    memcpy(ret_digest, found, LCONT_DIGEST_STR_LEN);
    return 0;
}
