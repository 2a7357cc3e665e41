/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process an exec runs: the config's or a given one, with runc exec's overrides. */
#include <cap-ng.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "runtime/exec.h"
#include "spec/parse-resources-entry.h"

static int set_strv(char ***dst, const char *const *src, const char *what, lcont_error **reterr)
{
    char **copy = lcont__strv_copy((char *const *)src);

    if (!copy)
        return lcont__error_set(reterr, -ENOMEM, "exec %s: out of memory", what);
    lcont__strv_free(*dst);
    *dst = copy;
    return 0;
}

/* KEY=value replaces KEY, anything else is appended (docker and newer runc behave so). */
static int merge_env(struct lcont_spec_process *p, const char *const *env, lcont_error **reterr)
{
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        size_t klen = eq ? (size_t)(eq - env[i]) : strlen(env[i]);
        bool replaced = false;

        if (klen == 0)
            return lcont__error_set(reterr, -EINVAL, "exec env: '%s' has no name", env[i]);
        for (size_t j = 0; p->env && p->env[j]; j++) {
            if (strncmp(p->env[j], env[i], klen) == 0 &&
                (p->env[j][klen] == '=' || p->env[j][klen] == '\0')) {
                char *copy = strdup(env[i]);
                if (!copy)
                    return lcont__error_set(reterr, -ENOMEM, "exec env: out of memory");
                free(p->env[j]);
                p->env[j] = copy;
                replaced = true;
                break;
            }
        }
        if (!replaced && lcont__strv_push(&p->env, env[i]) < 0)
            return lcont__error_set(reterr, -ENOMEM, "exec env: out of memory");
    }
    return 0;
}

/* runc exec --cap: bounding, effective and permitted; ambient only with inheritable caps. */
static int add_caps(struct lcont_spec_process *p, const char *const *caps, lcont_error **reterr)
{
    for (size_t i = 0; caps && caps[i]; i++) {
        const char *name = caps[i];
        int cap = strncasecmp(name, "CAP_", 4) == 0 ? capng_name_to_capability(name + 4) : -1;
        uint64_t bit;

        if (cap < 0 || cap >= 64)
            return lcont__error_set(reterr, -EINVAL, "exec caps: unknown capability '%s'", name);
        bit = UINT64_C(1) << cap;
        if (!p->has_caps)
            continue; /* no capabilities section: the process keeps all of root's */
        p->caps.bounding |= bit;
        p->caps.effective |= bit;
        p->caps.permitted |= bit;
        if (p->caps.inheritable)
            p->caps.ambient |= bit;
    }
    return 0;
}

static int set_string(char **dst, const char *src, const char *what, lcont_error **reterr)
{
    char *copy = strdup(src);

    if (!copy)
        return lcont__error_set(reterr, -ENOMEM, "exec %s: out of memory", what);
    free(*dst);
    *dst = copy;
    return 0;
}

static int set_user(struct lcont_spec_process *p, const lcont_exec_opts *o, lcont_error **reterr)
{
    gid_t *gids = NULL;

    if (o->n_additional_gids > 0) {
        if (!o->additional_gids)
            return lcont__error_set(reterr, -EINVAL, "exec: additional_gids is NULL");
        gids = calloc(o->n_additional_gids, sizeof(gid_t));
        if (!gids)
            return lcont__error_set(reterr, -ENOMEM, "exec user: out of memory");
        memcpy(gids, o->additional_gids, o->n_additional_gids * sizeof(gid_t));
    }
    p->uid = o->uid;
    p->gid = o->gid;
    free(p->additional_gids);
    p->additional_gids = gids;
    p->n_additional_gids = o->n_additional_gids;
    return 0;
}

static int apply_opts(struct lcont_spec_process *p, const lcont_exec_opts *o, uint64_t flags,
                      lcont_error **reterr)
{
    int r = 0;

    if (o->args) {
        if (!o->args[0] || !o->args[0][0])
            return lcont__error_set(reterr, -EINVAL, "exec: args must not be empty");
        r = set_strv(&p->args, o->args, "args", reterr);
    }
    if (r >= 0 && o->env)
        r = merge_env(p, o->env, reterr);
    if (r >= 0 && o->cwd) {
        if (o->cwd[0] != '/')
            return lcont__error_set(reterr, -EINVAL, "exec: cwd '%s' must be absolute", o->cwd);
        r = set_string(&p->cwd, o->cwd, "cwd", reterr);
    }
    if (r >= 0 && (flags & LCONT_EXEC_USER))
        r = set_user(p, o, reterr);
    if (r >= 0 && o->caps)
        r = add_caps(p, o->caps, reterr);
    if (r >= 0 && o->apparmor_profile)
        r = set_string(&p->apparmor_profile, o->apparmor_profile, "apparmor", reterr);
    if (r >= 0 && o->selinux_label)
        r = set_string(&p->selinux_label, o->selinux_label, "selinux label", reterr);
    return r;
}

int lcont__exec_process_apply(struct lcont_spec *spec, const char *process_json,
                              const lcont_exec_opts *opts, uint64_t flags, lcont_error **reterr)
{
    struct lcont_spec_process *p;
    int r;

    if (process_json) {
        struct lcont_spec *given = NULL;
        r = lcont__spec_parse_process_json(process_json, strlen(process_json), &given, reterr);
        if (r < 0)
            return r;
        /* swap: the config's process is freed with the given spec */
        p = given->process;
        given->process = spec->process;
        spec->process = p;
        lcont__spec_free(given);
    } else {
        if (!spec->process)
            return lcont__error_set(reterr, -EINVAL, "exec: the config has no process");
        /* runc exec: a terminal only when asked for, whatever the init has */
        spec->process->terminal = false;
        spec->process->console_height = spec->process->console_width = 0;
    }
    p = spec->process;
    if (!process_json && (!opts || !opts->args))
        return lcont__error_set(reterr, -EINVAL, "exec: no args and no process given");
    if (opts) {
        r = apply_opts(p, opts, flags, reterr);
        if (r < 0)
            return r;
    }
    if (flags & LCONT_EXEC_TERMINAL)
        p->terminal = true;
    if (flags & LCONT_EXEC_NO_NEW_PRIVS)
        p->no_new_privileges = true;
    return 0;
}
