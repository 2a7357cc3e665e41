/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "process" object: user, args, env, capabilities, rlimits, scheduler, I/O priority. */
#include "spec/parse-internal.h"

#include <cap-ng.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "core/util.h"

/* <linux/sched.h> clashes with glibc's <sched.h> on CLONE_*; these values are kernel ABI. */
#define POLICY_OTHER 0
#define POLICY_FIFO 1
#define POLICY_RR 2
#define POLICY_BATCH 3
#define POLICY_ISO 4 /* reserved by the kernel, listed by the runtime spec */
#define POLICY_IDLE 5
#define POLICY_DEADLINE 6

static const struct spec_name_value sched_policies[] = {
    { "SCHED_OTHER", POLICY_OTHER },
    { "SCHED_FIFO", POLICY_FIFO },
    { "SCHED_RR", POLICY_RR },
    { "SCHED_BATCH", POLICY_BATCH },
    { "SCHED_ISO", POLICY_ISO },
    { "SCHED_IDLE", POLICY_IDLE },
    { "SCHED_DEADLINE", POLICY_DEADLINE },
};

static const struct spec_name_value sched_flags[] = {
    { "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
    { "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
    { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
    { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

static const struct spec_name_value rlimit_names[] = {
    { "RLIMIT_AS", RLIMIT_AS },
    { "RLIMIT_CORE", RLIMIT_CORE },
    { "RLIMIT_CPU", RLIMIT_CPU },
    { "RLIMIT_DATA", RLIMIT_DATA },
    { "RLIMIT_FSIZE", RLIMIT_FSIZE },
    { "RLIMIT_LOCKS", RLIMIT_LOCKS },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
    { "RLIMIT_NICE", RLIMIT_NICE },
    { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_NPROC", RLIMIT_NPROC },
    { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
    { "RLIMIT_RTTIME", RLIMIT_RTTIME },
    { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
    { "RLIMIT_STACK", RLIMIT_STACK },
};

static const char *const ioprio_classes[] = {
    [1] = "IOPRIO_CLASS_RT",
    [2] = "IOPRIO_CLASS_BE",
    [3] = "IOPRIO_CLASS_IDLE",
};

/* ---- user ---- */

static int parse_user(const cJSON *user, struct lcont_spec_process *p, lcont_error **reterr)
{
    const char *P = "process.user";
    const cJSON *gids = NULL;
    uint64_t v = 0;
    char *username = NULL;
    int r;

    r = lcont__spec_need_u64(user, P, "uid", 0, SPEC_ID_MAX, &v, reterr);
    if (r < 0)
        return r;
    p->uid = (uid_t)v;

    r = lcont__spec_need_u64(user, P, "gid", 0, SPEC_ID_MAX, &v, reterr);
    if (r < 0)
        return r;
    p->gid = (gid_t)v;

    r = lcont__spec_get_u64(user, P, "umask", 0, 0777, &v, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        p->has_umask = true;
        p->umask = (mode_t)v;
    }

    r = lcont__spec_get_array(user, P, "additionalGids", &gids, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        size_t n = (size_t)cJSON_GetArraySize(gids), i = 0;
        p->additional_gids = calloc(n ? n : 1, sizeof(gid_t));
        if (!p->additional_gids)
            return lcont__error_set(reterr, -ENOMEM, "%s.additionalGids: out of memory", P);
        p->n_additional_gids = n;
        for (const cJSON *c = gids->child; c; c = c->next, i++) {
            char path[SPEC_PATH_SIZE];
            lcont__spec_path_index(path, "process.user.additionalGids", i);
            r = lcont__spec_node_u64(c, path, 0, SPEC_ID_MAX, &v, reterr);
            if (r < 0)
                return r;
            p->additional_gids[i] = (gid_t)v;
        }
    }

    /* "username" is for Windows; type-checked, not used. */
    r = lcont__spec_get_string(user, P, "username", &username, reterr);
    free(username);
    return r < 0 ? r : 0;
}

/* ---- capabilities ---- */

#define MAX_UNKNOWN_CAPS 256

static bool strv_contains(char *const *strv, const char *s)
{
    for (size_t i = 0; strv && strv[i]; i++)
        if (strcmp(strv[i], s) == 0)
            return true;
    return false;
}

static int parse_cap_set(const cJSON *caps, const char *key, int last_cap, uint64_t *mask,
                         struct lcont_spec_caps *out, lcont_error **reterr)
{
    _cleanup_strv_ char **names = NULL;
    int r;

    r = lcont__spec_get_strv(caps, "process.capabilities", key, &names, reterr);
    if (r <= 0)
        return r;
    for (size_t i = 0; names[i]; i++) {
        const char *name = names[i];
        int cap = -1;

        if (strncasecmp(name, "CAP_", 4) == 0)
            cap = capng_name_to_capability(name + 4);
        if (cap >= 0 && cap <= last_cap && cap < 64) {
            *mask |= UINT64_C(1) << cap;
            continue;
        }
        /* Unknown to libcap-ng or to this kernel: reported, not fatal (like runc). */
        if (strv_contains(out->unknown, name))
            continue;
        /* The list is searched linearly; no real config comes near this. */
        if (lcont__strv_length(out->unknown) >= MAX_UNKNOWN_CAPS)
            return lcont__error_set(reterr, -EINVAL,
                                    "process.capabilities: more than %d unknown capability names",
                                    MAX_UNKNOWN_CAPS);
        if (lcont__strv_push(&out->unknown, name) < 0)
            return lcont__error_set(reterr, -ENOMEM, "process.capabilities: out of memory");
    }
    return 0;
}

static int parse_caps(const cJSON *caps, struct lcont_spec_process *p, lcont_error **reterr)
{
    int last_cap = lcont__spec_cap_last_cap();
    struct lcont_spec_caps *c = &p->caps;
    int r;

    p->has_caps = true;
    if ((r = parse_cap_set(caps, "bounding", last_cap, &c->bounding, c, reterr)) < 0 ||
        (r = parse_cap_set(caps, "effective", last_cap, &c->effective, c, reterr)) < 0 ||
        (r = parse_cap_set(caps, "inheritable", last_cap, &c->inheritable, c, reterr)) < 0 ||
        (r = parse_cap_set(caps, "permitted", last_cap, &c->permitted, c, reterr)) < 0 ||
        (r = parse_cap_set(caps, "ambient", last_cap, &c->ambient, c, reterr)) < 0)
        return r;
    return 0;
}

/* ---- rlimits ---- */

static int parse_rlimits(const cJSON *arr, struct lcont_spec_process *p, lcont_error **reterr)
{
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;

    p->rlimits = calloc(n ? n : 1, sizeof(*p->rlimits));
    if (!p->rlimits)
        return lcont__error_set(reterr, -ENOMEM, "process.rlimits: out of memory");
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        struct lcont_spec_rlimit *rl = &p->rlimits[i];
        _cleanup_free_ char *type = NULL;
        char path[SPEC_PATH_SIZE], tpath[SPEC_PATH_SIZE];
        const struct spec_name_value *res;
        int r;

        lcont__spec_path_index(path, "process.rlimits", i);
        r = lcont__spec_node_object(c, path, reterr);
        if (r < 0)
            return r;
        r = lcont__spec_need_string(c, path, "type", &type, reterr);
        if (r < 0)
            return r;
        lcont__spec_path_member(tpath, path, "type");
        res = lcont__spec_name_find(rlimit_names, ELEMENTSOF(rlimit_names), type);
        if (!res)
            return lcont__error_set(reterr, -EINVAL, "%s: unknown resource '%s'", tpath, type);
        for (size_t j = 0; j < i; j++)
            if (p->rlimits[j].resource == (int)res->value)
                return lcont__error_set(reterr, -EINVAL, "%s: duplicate resource '%s'", tpath,
                                        type);
        rl->resource = (int)res->value;
        p->n_rlimits = i + 1;

        r = lcont__spec_need_u64(c, path, "soft", 0, UINT64_MAX, &rl->soft, reterr);
        if (r < 0)
            return r;
        r = lcont__spec_need_u64(c, path, "hard", 0, UINT64_MAX, &rl->hard, reterr);
        if (r < 0)
            return r;
        if (rl->soft > rl->hard)
            return lcont__error_set(reterr, -EINVAL, "%s: soft limit exceeds hard limit", path);
    }
    return 0;
}

/* ---- scheduler and I/O priority ---- */

static int parse_scheduler(const cJSON *obj, struct lcont_spec_scheduler *s, lcont_error **reterr)
{
    const char *P = "process.scheduler";
    _cleanup_free_ char *policy = NULL;
    const struct spec_name_value *e;
    int64_t v = 0;
    int r;

    s->has = true;
    r = lcont__spec_need_string(obj, P, "policy", &policy, reterr);
    if (r < 0)
        return r;
    e = lcont__spec_name_find(sched_policies, ELEMENTSOF(sched_policies), policy);
    if (!e)
        return lcont__error_set(reterr, -EINVAL, "%s.policy: unknown policy '%s'", P, policy);
    s->policy = (int)e->value;

    r = lcont__spec_get_i64(obj, P, "nice", -20, 19, &v, reterr);
    if (r < 0)
        return r;
    s->nice = (int)v;
    v = 0;
    r = lcont__spec_get_i64(obj, P, "priority", INT32_MIN, INT32_MAX, &v, reterr);
    if (r < 0)
        return r;
    s->priority = (int)v;

    r = lcont__spec_get_flags(obj, P, "flags", sched_flags, ELEMENTSOF(sched_flags), &s->flags,
                              reterr);
    if (r < 0)
        return r;

    if ((r = lcont__spec_get_u64(obj, P, "runtime", 0, UINT64_MAX, &s->runtime, reterr)) < 0 ||
        (r = lcont__spec_get_u64(obj, P, "deadline", 0, UINT64_MAX, &s->deadline, reterr)) < 0 ||
        (r = lcont__spec_get_u64(obj, P, "period", 0, UINT64_MAX, &s->period, reterr)) < 0)
        return r;

    /* The same rules runc applies (see sched_setattr(2)). */
    if (s->priority != 0 && s->policy != POLICY_FIFO && s->policy != POLICY_RR)
        return lcont__error_set(reterr, -EINVAL,
                                "%s.priority: can only be set for SCHED_FIFO or SCHED_RR", P);
    if (s->policy != POLICY_DEADLINE && (s->runtime || s->deadline || s->period))
        return lcont__error_set(
            reterr, -EINVAL, "%s: runtime/deadline/period can only be set for SCHED_DEADLINE", P);
    return 0;
}

static int parse_io_priority(const cJSON *obj, struct lcont_spec_io_priority *io,
                             lcont_error **reterr)
{
    const char *P = "process.ioPriority";
    _cleanup_free_ char *class = NULL;
    int64_t prio = 0;
    int r;

    io->has = true;
    r = lcont__spec_need_string(obj, P, "class", &class, reterr);
    if (r < 0)
        return r;
    for (int k = 1; k < (int)ELEMENTSOF(ioprio_classes); k++)
        if (strcmp(ioprio_classes[k], class) == 0)
            io->class = k;
    if (io->class == 0)
        return lcont__error_set(reterr, -EINVAL, "%s.class: unknown class '%s'", P, class);
    r = lcont__spec_need_i64(obj, P, "priority", 0, 7, &prio, reterr);
    if (r < 0)
        return r;
    io->priority = (int)prio;
    return 0;
}

/* ---- process ---- */

static int parse_args_env_cwd(const cJSON *obj, struct lcont_spec_process *p, lcont_error **reterr)
{
    const cJSON *args = lcont__spec_member(obj, "args");
    int r;

    if (!args)
        return lcont__spec_missing(reterr, "process", "args");
    r = lcont__spec_node_strv(args, "process.args", &p->args, reterr);
    if (r == -ENOMEM)
        return r;
    if (r < 0 || !p->args[0])
        return lcont__error_set(reterr, -EINVAL,
                                "process.args: must be a non-empty array of strings");

    r = lcont__spec_get_strv(obj, "process", "env", &p->env, reterr);
    if (r < 0)
        return r;
    for (size_t i = 0; p->env && p->env[i]; i++) {
        const char *eq = strchr(p->env[i], '=');
        if (!eq || eq == p->env[i])
            return lcont__error_set(reterr, -EINVAL,
                                    "process.env[%zu]: must be of the form KEY=value", i);
    }

    r = lcont__spec_need_string(obj, "process", "cwd", &p->cwd, reterr);
    if (r < 0)
        return r;
    if (p->cwd[0] != '/')
        return lcont__error_set(reterr, -EINVAL, "process.cwd: must be an absolute path");
    return 0;
}

static int parse_console(const cJSON *obj, struct lcont_spec_process *p, lcont_error **reterr)
{
    const char *P = "process.consoleSize";
    const cJSON *size = NULL;
    uint64_t h = 0, w = 0;
    int r;

    r = lcont__spec_get_bool(obj, "process", "terminal", &p->terminal, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_get_object(obj, "process", "consoleSize", &size, reterr);
    if (r <= 0)
        return r;
    /* struct winsize holds unsigned shorts. */
    r = lcont__spec_need_u64(size, P, "height", 0, 65535, &h, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_need_u64(size, P, "width", 0, 65535, &w, reterr);
    if (r < 0)
        return r;
    /* The spec: runtimes MUST ignore consoleSize if terminal is false or unset. */
    if (p->terminal) {
        p->console_height = (unsigned)h;
        p->console_width = (unsigned)w;
    }
    return 0;
}

int lcont__spec_parse_process(const cJSON *obj, struct lcont_spec *spec, lcont_error **reterr)
{
    const char *P = "process";
    struct lcont_spec_process *p;
    const cJSON *sub = NULL;
    int64_t oom = 0;
    int r;

    p = calloc(1, sizeof(*p));
    if (!p)
        return lcont__error_set(reterr, -ENOMEM, "process: out of memory");
    spec->process = p;

    r = parse_console(obj, p, reterr);
    if (r < 0)
        return r;

    r = lcont__spec_get_object(obj, P, "user", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0 && (r = parse_user(sub, p, reterr)) < 0)
        return r;

    r = parse_args_env_cwd(obj, p, reterr);
    if (r < 0)
        return r;

    sub = NULL;
    r = lcont__spec_get_object(obj, P, "capabilities", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0 && (r = parse_caps(sub, p, reterr)) < 0)
        return r;

    sub = NULL;
    r = lcont__spec_get_array(obj, P, "rlimits", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0 && (r = parse_rlimits(sub, p, reterr)) < 0)
        return r;

    r = lcont__spec_get_bool(obj, P, "noNewPrivileges", &p->no_new_privileges, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_get_string(obj, P, "apparmorProfile", &p->apparmor_profile, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_get_string(obj, P, "selinuxLabel", &p->selinux_label, reterr);
    if (r < 0)
        return r;

    r = lcont__spec_get_i64(obj, P, "oomScoreAdj", -1000, 1000, &oom, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        p->has_oom_score_adj = true;
        p->oom_score_adj = (int)oom;
    }

    sub = NULL;
    r = lcont__spec_get_object(obj, P, "scheduler", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0 && (r = parse_scheduler(sub, &p->scheduler, reterr)) < 0)
        return r;

    sub = NULL;
    r = lcont__spec_get_object(obj, P, "ioPriority", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0 && (r = parse_io_priority(sub, &p->io_priority, reterr)) < 0)
        return r;
    return 0;
}
