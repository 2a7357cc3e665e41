/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCI / Docker image config blob -> struct lcont_image_config, strictly typed and bounded. */
#include "spec/image-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/util.h"
#include "spec/parse-internal.h"

static void cjson_deletep(cJSON **p)
{
    cJSON_Delete(*p);
}

static size_t count_children(const cJSON *node)
{
    size_t n = 0;
    for (const cJSON *c = node->child; c; c = c->next)
        n++;
    return n;
}

static int too_many(lcont_error **reterr, const char *parent, const char *key, size_t limit)
{
    char p[SPEC_PATH_SIZE];
    lcont__spec_path_member(p, parent, key);
    return lcont__error_set(reterr, -E2BIG, "%s: more than %zu entries", p, limit);
}

/* An optional array of strings, bounded. */
static int get_list(const cJSON *obj, const char *parent, const char *key, size_t limit,
                    char ***ret, lcont_error **reterr)
{
    const cJSON *m = lcont__spec_member(obj, key);

    if (m && cJSON_IsArray(m) && count_children(m) > limit)
        return too_many(reterr, parent, key, limit);
    return lcont__spec_get_strv(obj, parent, key, ret, reterr);
}

/* An optional {key: anything} set (ExposedPorts, Volumes): the keys, in document order. */
static int get_key_set(const cJSON *obj, const char *parent, const char *key, char ***ret,
                       lcont_error **reterr)
{
    const cJSON *m = NULL;
    _cleanup_strv_ char **keys = NULL;
    char p[SPEC_PATH_SIZE];
    int r;

    r = lcont__spec_get_object(obj, parent, key, &m, reterr);
    if (r <= 0)
        return r;
    if (count_children(m) > LCONT_IMAGE_CONFIG_MAX_ENTRIES)
        return too_many(reterr, parent, key, LCONT_IMAGE_CONFIG_MAX_ENTRIES);
    lcont__spec_path_member(p, parent, key);
    keys = calloc(1, sizeof(char *));
    if (!keys)
        return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", p);
    for (const cJSON *c = m->child; c; c = c->next) {
        if (!c->string || !*c->string)
            return lcont__error_set(reterr, -EINVAL, "%s: empty key", p);
        if (lcont__strv_push(&keys, c->string) < 0)
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", p);
    }
    *ret = TAKE_PTR(keys);
    return 1;
}

/* "80", "80/tcp", "53/udp", "9/sctp": what docker accepts in ExposedPorts. */
static bool port_valid(const char *s)
{
    unsigned long port = 0;
    const char *p = s;

    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        port = port * 10 + (unsigned long)(*p - '0');
        if (port > 65535)
            return false;
    }
    if (port == 0)
        return false;
    return !*p || strcmp(p, "/tcp") == 0 || strcmp(p, "/udp") == 0 || strcmp(p, "/sctp") == 0;
}

static int check_env(char **env, lcont_error **reterr)
{
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        if (!eq || eq == env[i])
            return lcont__error_set(
                reterr, -EINVAL, "config.Env[%zu]: '%s' is not of the form NAME=value", i, env[i]);
    }
    return 0;
}

static int parse_container_config(const cJSON *cfg, struct lcont_image_config *c,
                                  lcont_error **reterr)
{
    const size_t max = LCONT_IMAGE_CONFIG_MAX_ENTRIES;
    int r;

    if ((r = get_list(cfg, "config", "Entrypoint", max, &c->entrypoint, reterr)) < 0 ||
        (r = get_list(cfg, "config", "Cmd", max, &c->cmd, reterr)) < 0 ||
        (r = get_list(cfg, "config", "Env", max, &c->env, reterr)) < 0)
        return r;
    r = check_env(c->env, reterr);
    if (r < 0)
        return r;
    if ((r = lcont__spec_get_string(cfg, "config", "WorkingDir", &c->working_dir, reterr)) < 0 ||
        (r = lcont__spec_get_string(cfg, "config", "User", &c->user, reterr)) < 0 ||
        (r = lcont__spec_get_string(cfg, "config", "StopSignal", &c->stop_signal, reterr)) < 0)
        return r;
    if ((r = get_key_set(cfg, "config", "ExposedPorts", &c->exposed_ports, reterr)) < 0)
        return r;
    for (size_t i = 0; c->exposed_ports && c->exposed_ports[i]; i++)
        if (!port_valid(c->exposed_ports[i]))
            return lcont__error_set(reterr, -EINVAL,
                                    "config.ExposedPorts: '%s' is not PORT[/tcp|/udp|/sctp]",
                                    c->exposed_ports[i]);
    if ((r = get_key_set(cfg, "config", "Volumes", &c->volumes, reterr)) < 0)
        return r;

    {
        const cJSON *labels = lcont__spec_member(cfg, "Labels");
        if (labels && cJSON_IsObject(labels) && count_children(labels) > max)
            return too_many(reterr, "config", "Labels", max);
    }
    r = lcont__spec_get_kv(cfg, "config", "Labels", &c->labels, &c->n_labels, reterr);
    return r < 0 ? r : 0;
}

static int parse_rootfs(const cJSON *doc, struct lcont_image_config *c, lcont_error **reterr)
{
    const cJSON *rootfs = NULL;
    _cleanup_free_ char *type = NULL;
    int r;

    r = lcont__spec_get_object(doc, "", "rootfs", &rootfs, reterr);
    if (r < 0)
        return r;
    if (r == 0)
        return lcont__spec_missing(reterr, "", "rootfs");
    r = lcont__spec_need_string(rootfs, "rootfs", "type", &type, reterr);
    if (r < 0)
        return r;
    if (strcmp(type, "layers") != 0)
        return lcont__error_set(reterr, -EINVAL, "rootfs.type: must be \"layers\", not \"%s\"",
                                type);
    r = get_list(rootfs, "rootfs", "diff_ids", LCONT_IMAGE_CONFIG_MAX_LAYERS, &c->diff_ids, reterr);
    if (r < 0)
        return r;
    if (r == 0)
        return lcont__spec_missing(reterr, "rootfs", "diff_ids");
    for (size_t i = 0; c->diff_ids[i]; i++) {
        char what[64];
        snprintf(what, sizeof(what), "rootfs.diff_ids[%zu]", i);
        r = lcont__digest_check(c->diff_ids[i], what, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

static int parse_document(const cJSON *doc, struct lcont_image_config *c, lcont_error **reterr)
{
    const cJSON *cfg = NULL;
    int r;

    if (!cJSON_IsObject(doc))
        return lcont__error_set(reterr, -EINVAL, "image config: must be a JSON object");
    if ((r = lcont__spec_need_string(doc, "", "os", &c->os, reterr)) < 0 ||
        (r = lcont__spec_need_string(doc, "", "architecture", &c->architecture, reterr)) < 0 ||
        (r = lcont__spec_get_string(doc, "", "variant", &c->variant, reterr)) < 0 ||
        (r = lcont__spec_get_string(doc, "", "created", &c->created, reterr)) < 0 ||
        (r = lcont__spec_get_string(doc, "", "author", &c->author, reterr)) < 0)
        return r;
    if (!*c->os)
        return lcont__error_set(reterr, -EINVAL, "os: must not be empty");
    if (!*c->architecture)
        return lcont__error_set(reterr, -EINVAL, "architecture: must not be empty");

    r = lcont__spec_get_object(doc, "", "config", &cfg, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        r = parse_container_config(cfg, c, reterr);
        if (r < 0)
            return r;
    }
    return parse_rootfs(doc, c, reterr);
}

int lcont__image_config_parse(const char *json, size_t len, struct lcont_image_config **ret,
                              lcont_error **reterr)
{
    _cleanup_(cjson_deletep) cJSON *doc = NULL;
    _cleanup_(lcont__image_config_freep) struct lcont_image_config *c = NULL;
    int r;

    if (!json || !ret)
        return lcont__error_set(reterr, -EINVAL, "image config: invalid argument");
    if (len > LCONT_IMAGE_CONFIG_MAX_SIZE)
        return lcont__error_set(reterr, -EFBIG, "image config: larger than %u bytes",
                                LCONT_IMAGE_CONFIG_MAX_SIZE);
    r = lcont__spec_json_parse(json, len, &doc, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "image config");
    c = calloc(1, sizeof(*c));
    if (!c)
        return lcont__error_set(reterr, -ENOMEM, "image config: out of memory");
    r = parse_document(doc, c, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "image config");
    *ret = TAKE_PTR(c);
    return 0;
}

void lcont__image_config_free(struct lcont_image_config *c)
{
    if (!c)
        return;
    free(c->os);
    free(c->architecture);
    free(c->variant);
    free(c->created);
    free(c->author);
    lcont__strv_free(c->entrypoint);
    lcont__strv_free(c->cmd);
    lcont__strv_free(c->env);
    free(c->working_dir);
    free(c->user);
    free(c->stop_signal);
    lcont__strv_free(c->exposed_ports);
    lcont__strv_free(c->volumes);
    for (size_t i = 0; i < c->n_labels; i++) {
        free(c->labels[i].key);
        free(c->labels[i].value);
    }
    free(c->labels);
    lcont__strv_free(c->diff_ids);
    free(c);
}

void lcont__image_config_freep(struct lcont_image_config **c)
{
    lcont__image_config_free(*c);
}
