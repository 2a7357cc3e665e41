/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the image store's JSON parsers (untrusted input: whatever an image
 * archive or layout holds). Byte 0 of the input selects the parser, the rest is the
 * document:
 *   'm'  an image manifest (lcont__manifest_parse)
 *   'c'  an image config's rootfs (lcont__config_parse)
 *   'i'  index.json of an OCI layout, imported into a scratch store (lcont__oci_layout_import)
 *   't'  the same, selecting the tag "v1"
 *   'd'  manifest.json of a docker archive, imported (lcont__docker_archive_import)
 *   'n'  the same, selecting the name "example.com/app:v1"
 *   anything else: as 'm'
 * The source directory holds a small valid image (FIXTURE_* below: the seed corpus names
 * these digests, so the fuzzer can reach the import paths), a symlink member, a directory,
 * and a canary beside it. Besides "no crash, no leak" it checks that failures explain
 * themselves, that successes stored what they return, and that the source is untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lcont/context.h>
#include <lcont/image.h>

#include "core/digest.h"
#include "core/util.h"
#include "image/store.h"

/* The layer is never unpacked here: any bytes do, as long as digests and sizes agree. */
#define FIXTURE_LAYER "fuzz layer\n"
#define FIXTURE_CONFIG_FMT                                                          \
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"," \
    "\"diff_ids\":[\"%s\"]}}"
#define FIXTURE_MANIFEST_FMT                                                                    \
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","        \
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\"," \
    "\"size\":%zu},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","      \
    "\"digest\":\"%s\",\"size\":%zu}]}"
#define FIXTURE_INDEX_FMT                                                             \
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"," \
    "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","   \
    "\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

/* Per-process state: the scratch directory, the source and the store (removed at exit). */
static char tmp_tmpl[] = "/tmp/fuzz-image-manifest.XXXXXX";
static int tmp_fd = -1, src_fd = -1;
static lcont_context *ctx;
static lcont_image_store *store;

static void write_file(int dir_fd, const char *path, const char *text, size_t len)
{
    int fd = openat(dir_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

    check(fd >= 0);
    check(write(fd, text, len) == (ssize_t)len);
    close(fd);
}

/* Store @text as blobs/sha256/<hex> of the source; returns its digest in @digest. */
static void write_blob(const char *text, char digest[LCONT_DIGEST_STR_LEN])
{
    char path[96];

    if (lcont__sha256_buf(text, strlen(text), digest, NULL) < 0)
        abort(); /* libcrypto missing: nothing to fuzz */
    snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
    write_file(src_fd, path, text, strlen(text));
}

static void cleanup(void)
{
    store = lcont_image_store_unref(store);
    ctx = lcont_context_unref(ctx);
    if (src_fd >= 0)
        close(src_fd);
    if (tmp_fd >= 0) {
        lcont__rm_rf_at(tmp_fd, "src");
        lcont__rm_rf_at(tmp_fd, "store");
        unlinkat(tmp_fd, "canary", 0);
        close(tmp_fd);
    }
    rmdir(tmp_tmpl);
}

static void setup(void)
{
    char layer[LCONT_DIGEST_STR_LEN], config[LCONT_DIGEST_STR_LEN];
    char manifest[LCONT_DIGEST_STR_LEN], index[LCONT_DIGEST_STR_LEN];
    char text[1024], store_root[sizeof(tmp_tmpl) + 8];
    lcont_image_store_opts opts = LCONT_IMAGE_STORE_OPTS_INIT;
    size_t config_len, manifest_len;

    check(mkdtemp(tmp_tmpl) != NULL);
    atexit(cleanup);
    tmp_fd = open(tmp_tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
    check(tmp_fd >= 0);
    write_file(tmp_fd, "canary", "canary\n", 7);
    check(mkdirat(tmp_fd, "src", 0755) == 0);
    src_fd = openat(tmp_fd, "src", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    check(src_fd >= 0);
    check(mkdirat(src_fd, "blobs", 0755) == 0 && mkdirat(src_fd, "blobs/sha256", 0755) == 0);
    check(mkdirat(src_fd, "dir", 0755) == 0);

    write_file(src_fd, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}",
               strlen("{\"imageLayoutVersion\":\"1.0.0\"}"));
    write_blob(FIXTURE_LAYER, layer);
    write_file(src_fd, "layer.tar", FIXTURE_LAYER, strlen(FIXTURE_LAYER));
    snprintf(text, sizeof(text), FIXTURE_CONFIG_FMT, layer);
    config_len = strlen(text);
    write_blob(text, config);
    write_file(src_fd, "config.json", text, config_len);
    snprintf(text, sizeof(text), FIXTURE_MANIFEST_FMT, config, config_len, layer,
             strlen(FIXTURE_LAYER));
    manifest_len = strlen(text);
    write_blob(text, manifest);
    snprintf(text, sizeof(text), FIXTURE_INDEX_FMT, manifest, manifest_len);
    write_blob(text, index);
    /* members an archive may not use: a symlink (listed as such, as an extracted archive
     * reports it) and one out of the source */
    check(symlinkat("layer.tar", src_fd, "link.tar") == 0);
    check(symlinkat("../canary", src_fd, "escape.tar") == 0);

    check(lcont_context_new(NULL, 0, &ctx, NULL) == 0);
    snprintf(store_root, sizeof(store_root), "%s/store", tmp_tmpl);
    opts.root = store_root;
    check(lcont_image_store_open(ctx, &opts, 0, &store, NULL) == 0);
}

static void check_source_intact(void)
{
    char buf[16] = { 0 };
    struct stat st;
    int fd = openat(tmp_fd, "canary", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    check(fd >= 0 && read(fd, buf, sizeof(buf)) == 7 && memcmp(buf, "canary\n", 7) == 0);
    close(fd);
    check(fstatat(src_fd, "layer.tar", &st, AT_SYMLINK_NOFOLLOW) == 0);
    check(S_ISREG(st.st_mode) && st.st_size == (off_t)strlen(FIXTURE_LAYER));
    check(fstatat(src_fd, "index.json", &st, 0) < 0 || S_ISREG(st.st_mode));
}

static void check_failure(int r, lcont_error *err)
{
    check(r < 0 && err != NULL);
    check(lcont_error_code(err) == r);
    check(lcont_error_message(err)[0] != '\0');
    /* these would be bugs of ours, not of the input */
    check(r != -EBADF && r != -EFAULT);
    lcont_error_free(err);
}

static void parse_manifest(const char *json, size_t len)
{
    struct image_desc config = { 0 }, *layers = NULL;
    lcont_error *err = NULL;
    size_t n = 0;
    int r = lcont__manifest_parse(json, len, &config, &layers, &n, &err);

    if (r < 0) {
        check(layers == NULL);
        check(r == -EINVAL || r == -ENOMEM);
        check_failure(r, err);
        return;
    }
    check(err == NULL && layers != NULL);
    check(lcont__digest_valid(config.digest));
    for (size_t i = 0; i < n; i++) {
        int comp;
        bool foreign;
        check(lcont__digest_valid(layers[i].digest) && layers[i].media_type);
        check(lcont__layer_media_type(layers[i].media_type, &comp, &foreign) == 0);
        lcont__image_desc_clear(&layers[i]);
    }
    lcont__image_desc_clear(&config);
    free(layers);
}

static void parse_config(const char *json, size_t len)
{
    char(*ids)[LCONT_DIGEST_STR_LEN] = NULL;
    char *created = NULL;
    lcont_error *err = NULL;
    size_t n = 0;
    int r = lcont__config_parse(json, len, &ids, &n, &created, &err);

    if (r < 0) {
        check(ids == NULL && created == NULL);
        check(r == -EINVAL || r == -ENOMEM);
        check_failure(r, err);
        return;
    }
    check(err == NULL && ids != NULL);
    for (size_t i = 0; i < n; i++)
        check(lcont__digest_valid(ids[i]));
    free(ids);
    free(created);
}

/* Replace @name in the source with the input, import, and check the outcome. */
static void import(char mode, const char *json, size_t len)
{
    static char *const symlinks[] = { "link.tar", "escape.tar", NULL };
    struct import_source src = {
        .dir_fd = src_fd, .owned = false, .label = "fuzz", .symlinks = symlinks
    };
    const char *name = mode == 'i' || mode == 't' ? "index.json" : "manifest.json";
    char digest[LCONT_DIGEST_STR_LEN] = "";
    lcont_error *err = NULL;
    char *ref = NULL, **names = NULL;
    int r;

    check(unlinkat(src_fd, name, 0) == 0 || errno == ENOENT);
    write_file(src_fd, name, json, len);
    if (mode == 'i' || mode == 't') {
        lcont_image_load_opts opts = LCONT_IMAGE_LOAD_OPTS_INIT;
        r = lcont__oci_layout_import(store, &src, mode == 't' ? "v1" : NULL, &opts, digest, &ref,
                                     &err);
    } else {
        r = lcont__docker_archive_import(store, &src, mode == 'n' ? "example.com/app:v1" : NULL,
                                         digest, &names, &err);
    }
    if (r < 0) {
        check(ref == NULL && names == NULL);
        check_failure(r, err);
    } else {
        check(err == NULL);
        /* what the import returns is a stored, verified manifest */
        check(lcont__digest_valid(digest) && lcont__blob_exists(store, digest));
        if (mode == 'd' || mode == 'n')
            check(names != NULL);
    }
    free(ref);
    lcont__strv_free(names);
    check_source_intact();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy;
    char mode;

    if (size < 1)
        return 0;
    if (!store)
        setup();
    mode = (char)data[0];
    /* an exact-size copy so ASan sees any read past the end */
    copy = malloc(size - 1 ? size - 1 : 1);
    check(copy != NULL);
    memcpy(copy, data + 1, size - 1);
    switch (mode) {
    case 'c':
        parse_config(copy, size - 1);
        break;
    case 'i':
    case 't':
    case 'd':
    case 'n':
        import(mode, copy, size - 1);
        break;
    default:
        parse_manifest(copy, size - 1);
        break;
    }
    free(copy);
    return 0;
}
