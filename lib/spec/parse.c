/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json -> struct lcont_spec: the top level, and loading from a file. */
#include "spec/parse-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <lcont/spec.h>

#include "core/util.h"

/* Larger config files are refused before parsing (runc has no limit; 4 MiB is generous). */
#define SPEC_MAX_FILE_SIZE (4u * 1024 * 1024)

static void cjson_deletep(cJSON **p)
{
    cJSON_Delete(*p);
}

static int parse_root(const cJSON *doc, struct lcont_spec *spec, lcont_error **reterr)
{
    const cJSON *root = NULL;
    int r;

    r = lcont__spec_get_object(doc, "", "root", &root, reterr);
    if (r < 0)
        return r;
    if (r == 0)
        return lcont__spec_missing(reterr, "", "root");
    r = lcont__spec_need_string(root, "root", "path", &spec->root_path, reterr);
    if (r < 0)
        return r;
    if (!*spec->root_path)
        return lcont__error_set(reterr, -EINVAL, "root.path: must not be empty");
    r = lcont__spec_get_bool(root, "root", "readonly", &spec->root_readonly, reterr);
    return r < 0 ? r : 0;
}

/* An empty hostname means "not set" (as in runc), so it never reaches sethostname(). */
static int parse_optional_name(const cJSON *doc, const char *key, char **ret, lcont_error **reterr)
{
    int r = lcont__spec_get_string(doc, "", key, ret, reterr);
    if (r < 0)
        return r;
    if (*ret && !**ret) {
        free(*ret);
        *ret = NULL;
    }
    return 0;
}

static int parse_document(const cJSON *doc, struct lcont_spec *spec, lcont_error **reterr)
{
    const cJSON *obj = NULL;
    int r;

    if (!cJSON_IsObject(doc))
        return lcont__error_set(reterr, -EINVAL, "config.json: must be a JSON object");

    r = lcont__spec_need_string(doc, "", "ociVersion", &spec->oci_version, reterr);
    if (r < 0)
        return r;

    r = parse_root(doc, spec, reterr);
    if (r < 0)
        return r;
    r = parse_optional_name(doc, "hostname", &spec->hostname, reterr);
    if (r < 0)
        return r;
    r = parse_optional_name(doc, "domainname", &spec->domainname, reterr);
    if (r < 0)
        return r;

    r = lcont__spec_get_object(doc, "", "process", &obj, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        r = lcont__spec_parse_process(obj, spec, reterr);
        if (r < 0)
            return r;
    }

    r = lcont__spec_parse_mounts(doc, spec, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_parse_hooks(doc, spec, reterr);
    if (r < 0)
        return r;

    obj = NULL;
    r = lcont__spec_get_object(doc, "", "linux", &obj, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        r = lcont__spec_parse_linux(obj, spec, reterr);
        if (r < 0)
            return r;
    }

    r = lcont__spec_get_kv(doc, "", "annotations", &spec->annotations, &spec->n_annotations,
                           reterr);
    if (r < 0)
        return r;

    return lcont__spec_validate(spec, reterr);
}

int lcont__spec_parse(const char *json, size_t len, struct lcont_spec **ret, lcont_error **reterr)
{
    _cleanup_(cjson_deletep) cJSON *doc = NULL;
    _cleanup_(lcont__spec_freep) struct lcont_spec *spec = NULL;
    int r;

    if (!json || !ret)
        return lcont__error_set(reterr, -EINVAL, "parse config: invalid argument");

    r = lcont__spec_json_parse(json, len, &doc, reterr);
    if (r < 0)
        return r;
    spec = calloc(1, sizeof(*spec));
    if (!spec)
        return lcont__error_set(reterr, -ENOMEM, "parse config: out of memory");
    r = parse_document(doc, spec, reterr);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(spec);
    return 0;
}

int lcont__spec_load(const char *path, struct lcont_spec **ret, lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r;

    if (!path || !ret)
        return lcont__error_set(reterr, -EINVAL, "load config: invalid argument");
    r = lcont__read_file_at(AT_FDCWD, path, SPEC_MAX_FILE_SIZE, &text, &len);
    if (r == -EFBIG)
        return lcont__error_set(reterr, r, "read %s: larger than %u bytes", path,
                                SPEC_MAX_FILE_SIZE);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "read %s", path);
    return lcont__spec_parse(text, len, ret, reterr);
}

int lcont_spec_validate(const char *json, size_t len, uint64_t flags, lcont_error **reterr)
{
    struct lcont_spec *spec = NULL;
    int r;

    if (!json)
        return lcont__error_set(reterr, -EINVAL, "validate config: json is NULL");
    if (flags != 0)
        return lcont__error_set(reterr, -EINVAL, "validate config: unknown flags 0x%llx",
                                (unsigned long long)flags);
    r = lcont__spec_parse(json, len, &spec, reterr);
    if (r < 0)
        return r;
    lcont__spec_free(spec);
    return 0;
}
