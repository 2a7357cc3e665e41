/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "hooks": prestart, createRuntime, createContainer, startContainer, poststart, poststop. */
#include "spec/parse-internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "core/util.h"

static int parse_hook(const cJSON *obj, const char *path, struct lcont_spec_hook *h,
                      lcont_error **reterr)
{
    int64_t timeout = 0;
    int r;

    r = lcont__spec_node_object(obj, path, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_need_string(obj, path, "path", &h->path, reterr);
    if (r < 0)
        return r;
    if (h->path[0] != '/')
        return lcont__error_set(reterr, -EINVAL, "%s.path: must be an absolute path", path);
    if ((r = lcont__spec_get_strv(obj, path, "args", &h->args, reterr)) < 0 ||
        (r = lcont__spec_get_strv(obj, path, "env", &h->env, reterr)) < 0)
        return r;
    /* The spec: if set, timeout MUST be greater than zero. */
    r = lcont__spec_get_i64(obj, path, "timeout", 1, INT_MAX, &timeout, reterr);
    if (r < 0)
        return r;
    h->timeout = (int)timeout;
    return 0;
}

int lcont__spec_parse_hooks(const cJSON *root, struct lcont_spec *spec, lcont_error **reterr)
{
    const cJSON *hooks = NULL;
    int r;

    r = lcont__spec_get_object(root, "", "hooks", &hooks, reterr);
    if (r <= 0)
        return r;
    for (int kind = 0; kind < LCONT_HOOK_COUNT; kind++) {
        const char *name = lcont__spec_hook_name(kind);
        const cJSON *arr = NULL;
        char apath[SPEC_PATH_SIZE];
        size_t n, i = 0;

        r = lcont__spec_get_array(hooks, "hooks", name, &arr, reterr);
        if (r < 0)
            return r;
        if (r == 0)
            continue;
        lcont__spec_path_member(apath, "hooks", name);
        n = (size_t)cJSON_GetArraySize(arr);
        spec->hooks.hooks[kind] = calloc(n ? n : 1, sizeof(struct lcont_spec_hook));
        if (!spec->hooks.hooks[kind])
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", apath);
        spec->hooks.n_hooks[kind] = n;
        for (const cJSON *c = arr->child; c; c = c->next, i++) {
            char path[SPEC_PATH_SIZE];
            lcont__spec_path_index(path, apath, i);
            r = parse_hook(c, path, &spec->hooks.hooks[kind][i], reterr);
            if (r < 0)
                return r;
        }
    }
    return 0;
}
