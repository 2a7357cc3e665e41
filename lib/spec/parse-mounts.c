/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "mounts": destination/type/source, and options converted to flags the way runc does. */
#include "spec/parse-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "core/util.h"

/* Join the options the kernel takes as mount data ("mode=755,size=65536k"). */
static int append_data(char **data, size_t *len, const char *opt)
{
    size_t n = strlen(opt);
    char *grown = realloc(*data, *len + n + 2);

    if (!grown)
        return -ENOMEM;
    if (*len > 0)
        grown[(*len)++] = ',';
    memcpy(grown + *len, opt, n + 1);
    *len += n;
    *data = grown;
    return 0;
}

static int apply_options(struct lcont_spec_mount *m, const char *path, lcont_error **reterr)
{
    size_t data_len = 0;

    for (size_t i = 0; m->options && m->options[i]; i++) {
        const char *o = m->options[i];
        const struct spec_mount_opt *opt = lcont__spec_mount_opt_lookup(o);

        if (!opt) {
            if (append_data(&m->data, &data_len, o) < 0)
                return lcont__error_set(reterr, -ENOMEM, "%s.options: out of memory", path);
            continue;
        }
        switch (opt->kind) {
        case SPEC_MOPT_FLAG_SET:
            m->flags |= opt->value;
            m->clear_flags &= ~opt->value;
            break;
        case SPEC_MOPT_FLAG_CLEAR:
            m->flags &= ~opt->value;
            m->clear_flags |= opt->value;
            break;
        case SPEC_MOPT_PROPAGATION:
            /* runc applies each in turn; on the mount itself the last one wins. */
            m->propagation = opt->value;
            break;
        case SPEC_MOPT_ATTR_SET:
            m->attr_set |= opt->value;
            m->attr_clr &= ~(uint64_t)opt->value;
            /* mount_setattr(2): an atime mode in attr_set needs MOUNT_ATTR__ATIME in attr_clr. */
            if ((opt->value & MOUNT_ATTR__ATIME) == opt->value)
                m->attr_clr |= MOUNT_ATTR__ATIME;
            break;
        case SPEC_MOPT_ATTR_CLEAR:
            m->attr_clr |= opt->value;
            m->attr_set &= ~(uint64_t)opt->value;
            break;
        case SPEC_MOPT_UNSUPPORTED:
            return lcont__error_set(reterr, -EINVAL, "%s.options[%zu]: '%s' is not supported", path,
                                    i, o);
        case SPEC_MOPT_EXTENSION: /* acted on by the runtime from the raw options */
        case SPEC_MOPT_NOOP:
            break;
        }
    }
    return 0;
}

static int parse_mount(const cJSON *obj, const char *path, struct lcont_spec_mount *m,
                       lcont_error **reterr)
{
    int r;

    r = lcont__spec_node_object(obj, path, reterr);
    if (r < 0)
        return r;

    r = lcont__spec_need_string(obj, path, "destination", &m->destination, reterr);
    if (r < 0)
        return r;
    if (!*m->destination)
        return lcont__error_set(reterr, -EINVAL, "%s.destination: must not be empty", path);
    if (m->destination[0] != '/') {
        /* runc treats a relative destination as relative to the container's "/". */
        char *abs = malloc(strlen(m->destination) + 2);
        if (!abs)
            return lcont__error_set(reterr, -ENOMEM, "%s.destination: out of memory", path);
        abs[0] = '/';
        strcpy(abs + 1, m->destination);
        free(m->destination);
        m->destination = abs;
    }

    if ((r = lcont__spec_get_string(obj, path, "type", &m->type, reterr)) < 0 ||
        (r = lcont__spec_get_string(obj, path, "source", &m->source, reterr)) < 0 ||
        (r = lcont__spec_get_strv(obj, path, "options", &m->options, reterr)) < 0)
        return r;

    if (lcont__spec_member(obj, "uidMappings") || lcont__spec_member(obj, "gidMappings"))
        return lcont__error_set(reterr, -EINVAL, "%s: id-mapped mounts are not supported", path);

    r = apply_options(m, path, reterr);
    if (r < 0)
        return r;

    if (lcont__streq_ptr(m->type, "bind") && !(m->flags & MS_BIND))
        m->flags |= MS_BIND; /* type "bind" alone: a plain (non-recursive) bind mount */
    m->bind = (m->flags & MS_BIND) != 0;
    m->recursive_bind = m->bind && (m->flags & MS_REC);

    if (m->bind) {
        /* For bind mounts the type means nothing (runc ignores it). */
        free(m->type);
        m->type = NULL;
        if (!m->source)
            return lcont__error_set(reterr, -EINVAL, "%s.source: missing (bind mounts need one)",
                                    path);
    } else if (!m->type) {
        return lcont__error_set(
            reterr, -EINVAL, "%s.type: missing (required unless the mount is a bind mount)", path);
    }
    return 0;
}

int lcont__spec_parse_mounts(const cJSON *root, struct lcont_spec *spec, lcont_error **reterr)
{
    const cJSON *arr = NULL;
    size_t n, i = 0;
    int r;

    r = lcont__spec_get_array(root, "", "mounts", &arr, reterr);
    if (r <= 0)
        return r;
    n = (size_t)cJSON_GetArraySize(arr);
    spec->mounts = calloc(n ? n : 1, sizeof(*spec->mounts));
    if (!spec->mounts)
        return lcont__error_set(reterr, -ENOMEM, "mounts: out of memory");
    spec->n_mounts = n;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        char path[SPEC_PATH_SIZE];
        lcont__spec_path_index(path, "mounts", i);
        r = parse_mount(c, path, &spec->mounts[i], reterr);
        if (r < 0)
            return r;
    }
    return 0;
}
