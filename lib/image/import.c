/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont_image_load(): parse the source name, read it, verify and store blobs, name it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sys.h"
#include "core/util.h"
#include "image/layer.h"
#include "image/store.h"

#define LOAD_OPTS_SIZE_V0_2 sizeof(lcont_image_load_opts)
#define LOAD_KNOWN_FLAGS (LCONT_IMAGE_LOAD_CACHE_LAYERS)

int lcont_image_load_opts_init(lcont_image_load_opts *opts, size_t size)
{
    if (!opts || size < LOAD_OPTS_SIZE_V0_2)
        return -EINVAL;
    memset(opts, 0, size);
    opts->struct_size = size;
    return 0;
}

int lcont__import_open(const struct import_source *src, const char *path, bool nofollow,
                       const char *what, lcont_error **reterr)
{
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (nofollow ? RESOLVE_NO_SYMLINKS : 0),
    };
    struct stat st;
    int fd;

    if (!path[0])
        return lcont__error_set(reterr, -EINVAL, "%s: empty path", what);
    fd = lcont__sys_openat2(src->dir_fd, path, &how, sizeof(how));
    if (fd == -ELOOP && nofollow)
        return lcont__error_set(reterr, -EINVAL, "%s: '%s' in %s is a symlink", what, path,
                                src->label);
    if (fd < 0)
        return lcont__error_setsys(reterr, fd, "%s: open '%s' in %s", what, path, src->label);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return lcont__error_set(reterr, -EINVAL, "%s: '%s' in %s is not a regular file", what, path,
                                src->label);
    }
    return fd;
}

static void blob_path(const char *digest, char out[96])
{
    snprintf(out, 96, "blobs/sha256/%s", digest + 7);
}

int lcont__import_read_json_blob(const struct import_source *src, const struct image_desc *desc,
                                 const char *what, char **ret, size_t *ret_len,
                                 lcont_error **reterr)
{
    _cleanup_free_ char *buf = NULL;
    _cleanup_close_ int fd = -1;
    char path[96], got[LCONT_DIGEST_STR_LEN];
    size_t len = 0;
    int r;

    if (desc->size > STORE_MAX_JSON_BYTES)
        return lcont__error_set(reterr, -EFBIG, "%s: %llu bytes is too large for JSON", what,
                                (unsigned long long)desc->size);
    blob_path(desc->digest, path);
    fd = lcont__import_open(src, path, false, what, reterr);
    if (fd < 0)
        return fd;
    buf = malloc(desc->size + 1);
    if (!buf)
        return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", what);
    for (;;) {
        ssize_t n = read(fd, buf + len, desc->size + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return lcont__error_setsys(reterr, -errno, "%s: read", what);
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > desc->size)
            return lcont__error_set(reterr, -EINVAL,
                                    "%s: size mismatch: more than the %llu bytes the "
                                    "descriptor says",
                                    what, (unsigned long long)desc->size);
    }
    if (len != desc->size)
        return lcont__error_set(reterr, -EINVAL,
                                "%s: size mismatch: %zu bytes, descriptor says %llu", what, len,
                                (unsigned long long)desc->size);
    r = lcont__sha256_buf(buf, len, got, reterr);
    if (r < 0)
        return r;
    if (strcmp(got, desc->digest) != 0)
        return lcont__error_set(reterr, -EINVAL, "%s: digest mismatch: content is %s, expected %s",
                                what, got, desc->digest);
    buf[len] = '\0';
    *ret = TAKE_PTR(buf);
    if (ret_len)
        *ret_len = len;
    return 0;
}

int lcont__import_blob(lcont_image_store *store, const struct import_source *src, const char *path,
                       const struct image_desc *desc, uint32_t index, uint32_t count,
                       const char *what, lcont_error **reterr)
{
    _cleanup_close_ int fd = -1;
    char p[96];
    int r;

    store->cur_index = index;
    store->cur_count = count;
    lcont__store_progress(store, LCONT_IMAGE_PHASE_COPY, index, count, desc->digest, 0, desc->size,
                          0);
    if (lcont__blob_exists(store, desc->digest)) {
        lcont__store_progress(store, LCONT_IMAGE_PHASE_COPY, index, count, desc->digest, desc->size,
                              desc->size, 0);
        return 0;
    }
    if (!path) {
        blob_path(desc->digest, p);
        path = p;
    }
    fd = lcont__import_open(src, path, false, what, reterr);
    if (fd == -ENOENT && desc->foreign)
        return lcont__error_set(reterr, -ENOENT,
                                "%s: foreign (non-distributable) layer %s is not in %s and "
                                "lcont never fetches layers",
                                what, desc->digest, src->label);
    if (fd < 0)
        return fd;
    r = lcont__blob_put_fd(store, fd, src->owned, desc->digest, desc->size, what, NULL, NULL,
                           reterr);
    if (r < 0)
        return r;
    lcont__store_progress(store, LCONT_IMAGE_PHASE_COPY, index, count, desc->digest, desc->size,
                          desc->size, 0);
    return 0;
}

int lcont__import_manifest(lcont_image_store *store, const struct import_source *src,
                           const char *manifest_json, size_t manifest_len,
                           char ret_digest[LCONT_DIGEST_STR_LEN], lcont_error **reterr)
{
    struct image_desc config = { 0 }, *layers = NULL;
    char(*diff_ids)[LCONT_DIGEST_STR_LEN] = NULL;
    _cleanup_free_ char *config_json = NULL, *created = NULL;
    size_t n = 0, n_diff = 0, config_len = 0;
    char digest[LCONT_DIGEST_STR_LEN];
    int r;

    r = lcont__manifest_parse(manifest_json, manifest_len, &config, &layers, &n, reterr);
    if (r < 0)
        return r;
    r = lcont__import_read_json_blob(src, &config, "image config", &config_json, &config_len,
                                     reterr);
    if (r < 0)
        goto out;
    r = lcont__config_parse(config_json, config_len, &diff_ids, &n_diff, &created, reterr);
    if (r < 0)
        goto out;
    if (n_diff != n) {
        r = lcont__error_set(reterr, -EINVAL,
                             "image config.rootfs.diff_ids: %zu entries for %zu layers", n_diff, n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char what[64];
        int comp;
        bool foreign;
        snprintf(what, sizeof(what), "layer %zu", i);
        /* An uncompressed layer's digest is its DiffID: a wrong diff_ids fails here already. */
        if (lcont__layer_media_type(layers[i].media_type, &comp, &foreign) == 0 &&
            comp == LCONT_LAYER_COMPRESSION_NONE && strcmp(layers[i].digest, diff_ids[i]) != 0) {
            r = lcont__error_set(reterr, -EINVAL,
                                 "%s: uncompressed layer %s does not match "
                                 "rootfs.diff_ids[%zu] %s",
                                 what, layers[i].digest, i, diff_ids[i]);
            goto out;
        }
        r = lcont__import_blob(store, src, NULL, &layers[i], (uint32_t)i, (uint32_t)n, what,
                               reterr);
        if (r < 0)
            goto out;
    }
    r = lcont__blob_put_buf(store, config_json, config_len, digest, reterr);
    if (r < 0)
        goto out;
    r = lcont__blob_put_buf(store, manifest_json, manifest_len, ret_digest, reterr);
out:
    lcont__image_desc_clear(&config);
    for (size_t i = 0; layers && i < n; i++)
        lcont__image_desc_clear(&layers[i]);
    free(layers);
    free(diff_ids);
    return r;
}

/* "PATH[:TAG]": the whole string when it exists; else the shortest prefix before a ':' that
 * exists (a docker-archive NAME may hold ':' itself); else split at the last ':'. */
static int split_path_tag(const char *ref, char **ret_path, char **ret_tag)
{
    const char *colon = NULL;
    struct stat st;

    *ret_tag = NULL;
    if (stat(ref, &st) < 0) {
        for (const char *c = strchr(ref, ':'); c; c = strchr(c + 1, ':')) {
            _cleanup_free_ char *prefix = strndup(ref, (size_t)(c - ref));
            if (!prefix)
                return -ENOMEM;
            if (stat(prefix, &st) == 0) {
                colon = c;
                break;
            }
        }
        if (!colon)
            colon = strrchr(ref, ':');
    }
    if (!colon || colon == ref) {
        *ret_path = strdup(ref);
        return *ret_path ? 0 : -ENOMEM;
    }
    *ret_path = strndup(ref, (size_t)(colon - ref));
    *ret_tag = colon[1] ? strdup(colon + 1) : NULL;
    if (!*ret_path || (colon[1] && !*ret_tag))
        return -ENOMEM;
    return 0;
}

/* The name an OCI ref.name annotation gives: a full reference as is, a bare tag under the
 * directory's or file's base name. */
static int name_from_ref(const char *path, const char *ref, char **ret)
{
    _cleanup_free_ char *copy = strdup(path);
    const char *base;
    size_t len;

    *ret = NULL;
    if (!ref || !copy)
        return copy ? 0 : -ENOMEM;
    if (strchr(ref, '/') || strchr(ref, ':')) {
        *ret = strdup(ref);
        return *ret ? 0 : -ENOMEM;
    }
    for (len = strlen(copy); len > 1 && copy[len - 1] == '/'; len--)
        copy[len - 1] = '\0';
    base = strrchr(copy, '/');
    base = base ? base + 1 : copy;
    /* Keep only characters valid in a name ("img.tar" stays, spaces do not). */
    if (asprintf(ret, "%s:%s", base, ref) < 0) {
        *ret = NULL;
        return -ENOMEM;
    }
    for (char *p = *ret; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("._-:", *p)))
            *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : '_';
    return 0;
}

static int load_oci_dir(lcont_image_store *store, const char *path, const char *tag, bool owned,
                        const lcont_image_load_opts *o, char digest[LCONT_DIGEST_STR_LEN],
                        char **ret_ref, lcont_error **reterr)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct import_source src = { .dir_fd = fd, .owned = owned, .label = path };

    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "open OCI layout '%s'", path);
    return lcont__oci_layout_import(store, &src, tag, o, digest, ret_ref, reterr);
}

static int load_archive(lcont_image_store *store, const char *kind, const char *file,
                        const char *sel, const lcont_image_load_opts *o,
                        char digest[LCONT_DIGEST_STR_LEN], char ***ret_names, char **ret_ref,
                        lcont_error **reterr)
{
    _cleanup_strv_ char **symlinks = NULL;
    _cleanup_close_ int dfd = -1;
    char tmp[64];
    int r;

    dfd = lcont__store_mktemp_dir(store, tmp, reterr);
    if (dfd < 0)
        return dfd;
    r = lcont__archive_extract(store, file, dfd, &symlinks, reterr);
    if (r >= 0) {
        struct import_source src = {
            .dir_fd = dfd, .owned = true, .label = file, .symlinks = symlinks
        };
        if (strcmp(kind, "oci-archive") == 0)
            r = lcont__oci_layout_import(store, &src, sel, o, digest, ret_ref, reterr);
        else
            r = lcont__docker_archive_import(store, &src, sel, digest, ret_names, reterr);
    }
    lcont__rm_rf_at(store->root_fd, tmp);
    return r;
}

static int choose_names(const char *path, const char *explicit_name, char **archive_names,
                        const char *ref, char ***ret, lcont_error **reterr)
{
    _cleanup_strv_ char **out = calloc(1, sizeof(char *));
    _cleanup_free_ char *from_ref = NULL;
    int r;

    if (!out)
        return lcont__error_set(reterr, -ENOMEM, "image load: out of memory");
    if (explicit_name) {
        char *n = NULL;
        r = lcont__name_normalize(explicit_name, &n, reterr);
        if (r < 0)
            return r;
        r = lcont__strv_push(&out, n);
        free(n);
    } else if (archive_names && archive_names[0]) {
        r = 0;
        for (size_t i = 0; r == 0 && archive_names[i]; i++) {
            char *n = NULL;
            r = lcont__name_normalize(archive_names[i], &n, reterr);
            if (r < 0)
                return lcont__error_prefix(reterr, r, "RepoTags");
            r = lcont__strv_push(&out, n);
            free(n);
        }
    } else {
        r = name_from_ref(path, ref, &from_ref);
        if (r == 0 && from_ref) {
            char *n = NULL;
            /* An unusable annotation leaves the image unnamed rather than failing. */
            if (lcont__name_normalize(from_ref, &n, NULL) == 0) {
                r = lcont__strv_push(&out, n);
                free(n);
            }
        }
    }
    if (r < 0)
        return lcont__error_set(reterr, r, "image load: out of memory");
    *ret = TAKE_PTR(out);
    return 0;
}

int lcont_image_load(lcont_image_store *store, const char *source,
                     const lcont_image_load_opts *opts, uint64_t flags, lcont_image **ret,
                     lcont_error **reterr)
{
    _cleanup_free_ char *path = NULL, *tag = NULL, *ref = NULL;
    _cleanup_strv_ char **archive_names = NULL, **names = NULL;
    _cleanup_close_ int lock = -1;
    char digest[LCONT_DIGEST_STR_LEN];
    lcont_image_load_opts o;
    const char *colon;
    lcont_image *img = NULL;
    cJSON *doc = NULL;
    int r = lcont__store_check(store);

    if (r < 0)
        return lcont__error_set(reterr, r, "image load: invalid store handle");
    if (!source || !ret)
        return lcont__error_set(reterr, -EINVAL, "image load: source and ret must not be NULL");
    if (flags & ~LOAD_KNOWN_FLAGS)
        return lcont__error_set(reterr, -EINVAL, "image load: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = lcont__copy_opts(&o, sizeof(o), opts, opts ? opts->struct_size : 0, LOAD_OPTS_SIZE_V0_2);
    if (r < 0)
        return lcont__error_set(reterr, r, "image load: bad options struct size");
    if (o.name) {
        _cleanup_free_ char *n = NULL;
        r = lcont__name_normalize(o.name, &n, reterr);
        if (r < 0)
            return lcont__error_prefix(reterr, r, "image load");
    }
    colon = strchr(source, ':');
    if (!colon || colon[1] == '\0')
        return lcont__error_set(reterr, -EINVAL,
                                "image load: source '%s' is not TRANSPORT:PATH (oci:, "
                                "oci-archive:, docker-archive:)",
                                source);
    r = split_path_tag(colon + 1, &path, &tag);
    if (r < 0)
        return lcont__error_set(reterr, r, "image load: out of memory");

    /* Shared: imports run side by side; GC (exclusive) never sweeps blobs being added. */
    lock = lcont__store_lock(store, "lock", LOCK_SH, reterr);
    if (lock < 0)
        return lock;
    if (lcont__str_startswith(source, "oci:"))
        r = load_oci_dir(store, path, tag, false, &o, digest, &ref, reterr);
    else if (lcont__str_startswith(source, "oci-archive:") ||
             lcont__str_startswith(source, "docker-archive:"))
        r = load_archive(store, source[0] == 'o' ? "oci-archive" : "docker-archive", path, tag, &o,
                         digest, &archive_names, &ref, reterr);
    else
        return lcont__error_set(reterr, -EINVAL,
                                "image load: unknown transport in '%s' (oci:, oci-archive:, "
                                "docker-archive:)",
                                source);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "load '%s'", source);
    r = choose_names(path, o.name, archive_names, ref ? ref : tag, &names, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "load '%s'", source);
    {
        /* The config digest, for lookups by image ID. */
        _cleanup_free_ char *mjson = NULL;
        struct image_desc cfg = { 0 }, *layers = NULL;
        size_t mlen = 0, n = 0;
        r = lcont__blob_read(store, digest, &mjson, &mlen, reterr);
        if (r >= 0)
            r = lcont__manifest_parse(mjson, mlen, &cfg, &layers, &n, reterr);
        if (r < 0)
            return lcont__error_prefix(reterr, r, "load '%s'", source);
        for (size_t i = 0; i < n; i++)
            lcont__image_desc_clear(&layers[i]);
        free(layers);
        r = lcont__names_add(store, digest, cfg.digest, names, reterr);
        lcont__image_desc_clear(&cfg);
        if (r < 0)
            return lcont__error_prefix(reterr, r, "load '%s'", source);
    }
    r = lcont__names_read(store, &doc, reterr);
    if (r >= 0)
        r = lcont__image_open(store, doc, digest, names[0], &img, reterr);
    cJSON_Delete(doc);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "load '%s'", source);
    if (flags & LCONT_IMAGE_LOAD_CACHE_LAYERS) {
        r = lcont__cache_ensure(store, img, reterr);
        if (r < 0) {
            lcont_image_unref(img);
            return lcont__error_prefix(reterr, r, "load '%s'", source);
        }
    }
    lcont__store_progress(store, LCONT_IMAGE_PHASE_DONE, 0, 0, digest, 0, 0, 0);
    *ret = img;
    return 0;
}
