/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One section of a config parsed alone: linux.resources for update, process for exec. */
#include "spec/parse-resources-entry.h"

#include <errno.h>
#include <stdlib.h>

#include "core/util.h"
#include "spec/parse-internal.h"

static void cjson_deletep(cJSON **p)
{
    cJSON_Delete(*p);
}

static int parse_object(const char *json, size_t len, const char *what, cJSON **ret,
                        lcont_error **reterr)
{
    cJSON *doc = NULL;
    int r;

    if (!json)
        return lcont__error_set(reterr, -EINVAL, "%s: no JSON given", what);
    r = lcont__spec_json_parse(json, len, &doc, reterr);
    if (r < 0)
        return r;
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return lcont__error_set(reterr, -EINVAL, "%s: must be a JSON object", what);
    }
    *ret = doc;
    return 0;
}

int lcont__spec_parse_resources_json(const char *json, size_t len, struct lcont_spec **ret,
                                     lcont_error **reterr)
{
    _cleanup_(cjson_deletep) cJSON *doc = NULL;
    _cleanup_(lcont__spec_freep) struct lcont_spec *spec = NULL;
    int r;

    r = parse_object(json, len, "linux.resources", &doc, reterr);
    if (r < 0)
        return r;
    spec = calloc(1, sizeof(*spec));
    if (!spec)
        return lcont__error_set(reterr, -ENOMEM, "linux.resources: out of memory");
    r = lcont__spec_parse_resources(doc, &spec->linux_.resources, reterr);
    if (r < 0)
        return r;
    spec->linux_.has_resources = true;
    *ret = TAKE_PTR(spec);
    return 0;
}

int lcont__spec_parse_process_json(const char *json, size_t len, struct lcont_spec **ret,
                                   lcont_error **reterr)
{
    _cleanup_(cjson_deletep) cJSON *doc = NULL;
    _cleanup_(lcont__spec_freep) struct lcont_spec *spec = NULL;
    int r;

    r = parse_object(json, len, "process", &doc, reterr);
    if (r < 0)
        return r;
    spec = calloc(1, sizeof(*spec));
    if (!spec)
        return lcont__error_set(reterr, -ENOMEM, "process: out of memory");
    r = lcont__spec_parse_process(doc, spec, reterr);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(spec);
    return 0;
}
