/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont_spec_from_image_config(): image config + user overrides -> OCI runtime
 * config. It starts from lcont_spec_generate() so namespaces, mounts,
 * capabilities and masked paths are the secure defaults, and replaces only
 * what an image decides: the process, the root path and annotations.
 */
#include "spec/image-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lcont/spec.h>

#include "core/util.h"
#include "spec/parse-internal.h"

/* Smallest lcont_image_spec_opts a caller may pass (the 0.2 layout). */
#define IMAGE_SPEC_OPTS_SIZE_V0_2 (offsetof(lcont_image_spec_opts, readonly) + sizeof(int))

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#define ANNOTATION_NAME "org.opencontainers.image.base.name"
#define ANNOTATION_DIGEST "org.opencontainers.image.base.digest"
/* the key podman and containerd use for the image's StopSignal */
#define ANNOTATION_STOP_SIGNAL "org.opencontainers.image.stopSignal"

static void cjson_deletep(cJSON **p)
{
    cJSON_Delete(*p);
}

static void user_donep(struct lcont_image_user *u)
{
    lcont__image_user_done(u);
}

int lcont_image_spec_opts_init(lcont_image_spec_opts *opts, size_t size)
{
    if (!opts || size < IMAGE_SPEC_OPTS_SIZE_V0_2)
        return -EINVAL;
    memset(opts, 0, size);
    opts->struct_size = size;
    return 0;
}

/* Length of the NAME in "NAME=value" (the entry was checked to hold a '=' after a name). */
static size_t env_name_len(const char *entry)
{
    return (size_t)(strchr(entry, '=') - entry);
}

static int env_find(char **env, const char *entry)
{
    size_t n = env_name_len(entry);
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], entry, n + 1) == 0)
            return (int)i;
    return -1;
}

static bool env_has(char **env, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
            return true;
    return false;
}

/* Set or replace one "NAME=value". */
static int env_set(char ***env, const char *entry)
{
    int i = env_find(*env, entry);
    char *copy;

    if (i < 0)
        return lcont__strv_push(env, entry);
    copy = strdup(entry);
    if (!copy)
        return -ENOMEM;
    free((*env)[i]);
    (*env)[i] = copy;
    return 0;
}

static int env_oom(lcont_error **reterr)
{
    return lcont__error_set(reterr, -ENOMEM, "process.env: out of memory");
}

static int build_env(const struct lcont_image_config *cfg, const lcont_image_spec_opts *o,
                     const struct lcont_image_user *user, char ***ret, lcont_error **reterr)
{
    _cleanup_strv_ char **env = NULL;
    _cleanup_free_ char *home = NULL;

    env = calloc(1, sizeof(char *));
    if (!env)
        return env_oom(reterr);
    for (size_t i = 0; cfg->env && cfg->env[i]; i++)
        if (env_set(&env, cfg->env[i]) < 0)
            return env_oom(reterr);
    for (size_t i = 0; o->env && o->env[i]; i++) {
        const char *eq = strchr(o->env[i], '=');
        if (!eq || eq == o->env[i])
            return lcont__error_set(reterr, -EINVAL, "env[%zu]: '%s' is not of the form NAME=value",
                                    i, o->env[i]);
        if (env_set(&env, o->env[i]) < 0)
            return env_oom(reterr);
    }
    /* what docker adds: a PATH when the image has none, HOME from passwd, TERM for a tty */
    if (!env_has(env, "PATH") && lcont__strv_push(&env, DEFAULT_PATH) < 0)
        return env_oom(reterr);
    if (!env_has(env, "HOME")) {
        if (asprintf(&home, "HOME=%s", user->home ? user->home : "/") < 0) {
            home = NULL;
            return env_oom(reterr);
        }
        if (lcont__strv_push(&env, home) < 0)
            return env_oom(reterr);
    }
    if (o->terminal && !env_has(env, "TERM") && lcont__strv_push(&env, "TERM=xterm") < 0)
        return env_oom(reterr);
    *ret = TAKE_PTR(env);
    return 0;
}

/* Entrypoint + (override args or Cmd); an overridden entrypoint drops the image's Cmd. */
static int build_args(const struct lcont_image_config *cfg, const lcont_image_spec_opts *o,
                      char ***ret, lcont_error **reterr)
{
    char *const *entry = o->entrypoint ? (char *const *)o->entrypoint : cfg->entrypoint;
    char *const *cmd = o->args ? (char *const *)o->args : (o->entrypoint ? NULL : cfg->cmd);
    _cleanup_strv_ char **args = calloc(1, sizeof(char *));

    if (!args)
        return lcont__error_set(reterr, -ENOMEM, "process.args: out of memory");
    for (size_t i = 0; entry && entry[i]; i++)
        if (lcont__strv_push(&args, entry[i]) < 0)
            return lcont__error_set(reterr, -ENOMEM, "process.args: out of memory");
    for (size_t i = 0; cmd && cmd[i]; i++)
        if (lcont__strv_push(&args, cmd[i]) < 0)
            return lcont__error_set(reterr, -ENOMEM, "process.args: out of memory");
    if (!args[0])
        return lcont__error_set(reterr, -EINVAL,
                                "no command: the image has no Entrypoint or Cmd and none was "
                                "given");
    *ret = TAKE_PTR(args);
    return 0;
}

/* Replace member @key of @obj (an object) with @item; @item is consumed. */
static void put(struct spec_builder *b, cJSON *obj, const char *key, cJSON *item)
{
    if (!obj || !item) {
        cJSON_Delete(item);
        b->failed = true;
        return;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (!cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        b->failed = true;
    }
}

static cJSON *strv_json(char *const *v)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && v && v[i]; i++) {
        cJSON *s = cJSON_CreateString(v[i]);
        if (!s || !cJSON_AddItemToArray(a, s)) {
            cJSON_Delete(s);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

static void set_process(struct spec_builder *b, cJSON *proc, char **args, char **env,
                        const char *cwd, const struct lcont_image_user *u, bool terminal)
{
    cJSON *user = cJSON_CreateObject();

    lcont__spec_add_number(b, user, "uid", u->uid);
    lcont__spec_add_number(b, user, "gid", u->gid);
    if (u->n_additional_gids > 0) {
        cJSON *gids = lcont__spec_add_array(b, user, "additionalGids");
        for (size_t i = 0; i < u->n_additional_gids; i++)
            lcont__spec_add_number(b, gids, NULL, u->additional_gids[i]);
    }
    put(b, proc, "user", user);
    put(b, proc, "terminal", cJSON_CreateBool(terminal));
    put(b, proc, "args", strv_json(args));
    put(b, proc, "env", strv_json(env));
    put(b, proc, "cwd", cJSON_CreateString(cwd));
}

static int check_opts(const lcont_image_spec_opts *o, lcont_error **reterr)
{
    if (o->cwd && o->cwd[0] != '/')
        return lcont__error_set(reterr, -EINVAL, "cwd '%s': must be an absolute path", o->cwd);
    if (o->root_path && !*o->root_path)
        return lcont__error_set(reterr, -EINVAL, "root_path: must not be empty");
    if (o->image_digest && !*o->image_digest)
        return lcont__error_set(reterr, -EINVAL, "image_digest: must not be empty");
    return 0;
}

static int generate(const struct lcont_image_config *cfg, const char *rootfs_dir,
                    const lcont_image_spec_opts *o, uint64_t flags, char **ret,
                    lcont_error **reterr)
{
    _cleanup_(user_donep) struct lcont_image_user user = { 0 };
    _cleanup_strv_ char **args = NULL, **env = NULL;
    _cleanup_free_ char *base = NULL;
    _cleanup_(cjson_deletep) cJSON *doc = NULL;
    _cleanup_close_ int rootfd = -1;
    struct spec_builder b = { false };
    const char *cwd, *root_path;
    cJSON *root, *annotations;
    int r;

    if (rootfs_dir) {
        rootfd = open(rootfs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
            return lcont__error_setsys(reterr, lcont__negerrno(), "open rootfs %s", rootfs_dir);
    }
    r = lcont__image_user_resolve(rootfd, o->user ? o->user : cfg->user, o->groups, &user, reterr);
    if (r < 0)
        return r;
    r = build_args(cfg, o, &args, reterr);
    if (r < 0)
        return r;
    r = build_env(cfg, o, &user, &env, reterr);
    if (r < 0)
        return r;
    cwd = o->cwd ? o->cwd : (cfg->working_dir && *cfg->working_dir ? cfg->working_dir : "/");
    if (cwd[0] != '/')
        return lcont__error_set(reterr, -EINVAL, "config.WorkingDir '%s': must be absolute", cwd);
    root_path = o->root_path ? o->root_path : (rootfs_dir ? rootfs_dir : "rootfs");

    r = lcont_spec_generate(flags, &base, reterr);
    if (r < 0)
        return r;
    doc = cJSON_Parse(base);
    if (!doc)
        return lcont__error_set(reterr, -ENOMEM, "generate config: out of memory");

    set_process(&b, cJSON_GetObjectItemCaseSensitive(doc, "process"), args, env, cwd, &user,
                o->terminal);
    root = cJSON_GetObjectItemCaseSensitive(doc, "root");
    put(&b, root, "path", cJSON_CreateString(root_path));
    put(&b, root, "readonly", cJSON_CreateBool(o->readonly));
    if (o->hostname)
        put(&b, doc, "hostname", cJSON_CreateString(o->hostname));
    annotations = lcont__spec_add_object(&b, doc, "annotations");
    if (o->image_name)
        lcont__spec_add_string(&b, annotations, ANNOTATION_NAME, o->image_name);
    if (o->image_digest)
        lcont__spec_add_string(&b, annotations, ANNOTATION_DIGEST, o->image_digest);
    if (cfg->stop_signal && *cfg->stop_signal)
        lcont__spec_add_string(&b, annotations, ANNOTATION_STOP_SIGNAL, cfg->stop_signal);
    if (b.failed)
        return lcont__error_set(reterr, -ENOMEM, "generate config: out of memory");
    r = lcont__spec_print(doc, ret);
    if (r < 0)
        return lcont__error_set(reterr, r, "generate config: out of memory");
    return 0;
}

int lcont_spec_from_image_config(const char *image_config_json, const char *rootfs_dir,
                                 const lcont_image_spec_opts *opts, uint64_t flags, char **ret_json,
                                 lcont_error **reterr)
{
    _cleanup_(lcont__image_config_freep) struct lcont_image_config *cfg = NULL;
    _cleanup_free_ char *json = NULL;
    struct lcont_spec *spec = NULL;
    lcont_image_spec_opts o;
    int r;

    if (!image_config_json || !ret_json)
        return lcont__error_set(reterr, -EINVAL,
                                "config from image: image_config_json and ret_json must not be "
                                "NULL");
    if (flags & ~LCONT_SPEC_ROOTLESS)
        return lcont__error_set(reterr, -EINVAL, "config from image: unknown flags 0x%llx",
                                (unsigned long long)(flags & ~LCONT_SPEC_ROOTLESS));
    r = lcont__copy_opts(&o, sizeof(o), opts, opts ? opts->struct_size : 0,
                         IMAGE_SPEC_OPTS_SIZE_V0_2);
    if (r < 0)
        return lcont__error_set(reterr, r, "config from image: bad options struct size %llu",
                                (unsigned long long)opts->struct_size);
    r = check_opts(&o, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "config from image");

    r = lcont__image_config_parse(image_config_json, strlen(image_config_json), &cfg, reterr);
    if (r < 0)
        return r;
    if (strcmp(cfg->os, "linux") != 0)
        return lcont__error_set(reterr, -EOPNOTSUPP,
                                "config from image: the image is for os '%s', not linux", cfg->os);
    r = generate(cfg, rootfs_dir, &o, flags, &json, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "config from image");

    /* what we hand out must be what lcont_container_create() accepts */
    r = lcont__spec_parse(json, strlen(json), &spec, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "config from image: generated config invalid");
    lcont__spec_free(spec);
    *ret_json = TAKE_PTR(json);
    return 0;
}
