/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "linux.seccomp": default action, architectures, flags, listener, syscall rules. */
#include "spec/parse-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define SC "linux.seccomp"
/* The errno travels in the 16-bit SECCOMP_RET_DATA field. */
#define ERRNO_RET_MAX 65535

static int lookup(const char *const *names, const char *name)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static int get_action(const cJSON *obj, const char *parent, const char *key,
                      enum lcont_seccomp_action *ret, lcont_error **reterr)
{
    _cleanup_free_ char *name = NULL;
    int r, a;

    r = lcont__spec_need_string(obj, parent, key, &name, reterr);
    if (r < 0)
        return r;
    a = lookup(lcont__spec_seccomp_action_names, name);
    if (a < 0) {
        char path[SPEC_PATH_SIZE];
        lcont__spec_path_member(path, parent, key);
        return lcont__error_set(reterr, -EINVAL, "%s: unknown action '%s'", path, name);
    }
    *ret = (enum lcont_seccomp_action)a;
    return 0;
}

/* The spec: an errno for an action that takes none MUST be an error. */
static int get_errno_ret(const cJSON *obj, const char *parent, const char *key,
                         enum lcont_seccomp_action action, bool *has, unsigned *ret,
                         lcont_error **reterr)
{
    uint64_t v = 0;
    int r;

    r = lcont__spec_get_u64(obj, parent, key, 0, ERRNO_RET_MAX, &v, reterr);
    if (r <= 0)
        return r;
    if (action != LCONT_SCMP_ERRNO && action != LCONT_SCMP_TRACE) {
        char path[SPEC_PATH_SIZE];
        lcont__spec_path_member(path, parent, key);
        return lcont__error_set(reterr, -EINVAL,
                                "%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE", path);
    }
    *has = true;
    *ret = (unsigned)v;
    return 0;
}

static int parse_arg(const cJSON *obj, const char *path, struct lcont_spec_seccomp_arg *a,
                     lcont_error **reterr)
{
    _cleanup_free_ char *op = NULL;
    uint64_t index = 0;
    int r, k;

    r = lcont__spec_node_object(obj, path, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_need_u64(obj, path, "index", 0, 5, &index, reterr);
    if (r < 0)
        return r;
    a->index = (unsigned)index;
    r = lcont__spec_need_u64(obj, path, "value", 0, UINT64_MAX, &a->value, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_get_u64(obj, path, "valueTwo", 0, UINT64_MAX, &a->value_two, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_need_string(obj, path, "op", &op, reterr);
    if (r < 0)
        return r;
    k = lookup(lcont__spec_seccomp_op_names, op);
    if (k < 0)
        return lcont__error_set(reterr, -EINVAL, "%s.op: unknown operator '%s'", path, op);
    a->op = (enum lcont_seccomp_op)k;
    return 0;
}

static int parse_rule(const cJSON *obj, const char *path, struct lcont_spec_seccomp_rule *rule,
                      lcont_error **reterr)
{
    const cJSON *names, *args = NULL;
    size_t n, i = 0;
    int r;

    r = lcont__spec_node_object(obj, path, reterr);
    if (r < 0)
        return r;
    names = lcont__spec_member(obj, "names");
    if (!names)
        return lcont__spec_missing(reterr, path, "names");
    r = lcont__spec_node_strv(names, path, &rule->names, reterr);
    if (r == -ENOMEM)
        return r;
    if (r < 0 || !rule->names[0])
        return lcont__error_set(reterr, -EINVAL, "%s.names: must be a non-empty array of strings",
                                path);

    r = get_action(obj, path, "action", &rule->action, reterr);
    if (r < 0)
        return r;
    r = get_errno_ret(obj, path, "errnoRet", rule->action, &rule->has_errno_ret, &rule->errno_ret,
                      reterr);
    if (r < 0)
        return r;

    r = lcont__spec_get_array(obj, path, "args", &args, reterr);
    if (r <= 0)
        return r;
    n = (size_t)cJSON_GetArraySize(args);
    rule->args = calloc(n ? n : 1, sizeof(*rule->args));
    if (!rule->args)
        return lcont__error_set(reterr, -ENOMEM, "%s.args: out of memory", path);
    rule->n_args = n;
    for (const cJSON *c = args->child; c; c = c->next, i++) {
        char apath[SPEC_PATH_SIZE], base[SPEC_PATH_SIZE];
        lcont__spec_path_member(base, path, "args");
        lcont__spec_path_index(apath, base, i);
        r = parse_arg(c, apath, &rule->args[i], reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

static int parse_rules(const cJSON *arr, struct lcont_spec_seccomp *sc, lcont_error **reterr)
{
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;

    sc->rules = calloc(n ? n : 1, sizeof(*sc->rules));
    if (!sc->rules)
        return lcont__error_set(reterr, -ENOMEM, SC ".syscalls: out of memory");
    sc->n_rules = n;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        char path[SPEC_PATH_SIZE];
        int r;
        lcont__spec_path_index(path, SC ".syscalls", i);
        r = parse_rule(c, path, &sc->rules[i], reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

static int check_names(char **values, const char *const *known, const char *key, const char *what,
                       bool (*ok)(const char *), lcont_error **reterr)
{
    for (size_t i = 0; values && values[i]; i++)
        if (ok ? !ok(values[i]) : lookup(known, values[i]) < 0)
            return lcont__error_set(reterr, -EINVAL, SC ".%s[%zu]: unknown %s '%s'", key, i, what,
                                    values[i]);
    return 0;
}

/* listenerPath and SCMP_ACT_NOTIFY only make sense together. */
static int check_listener(const struct lcont_spec_seccomp *sc, lcont_error **reterr)
{
    bool notify = false;

    for (size_t i = 0; i < sc->n_rules; i++)
        if (sc->rules[i].action == LCONT_SCMP_NOTIFY)
            notify = true;
    if (notify && !sc->listener_path)
        return lcont__error_set(reterr, -EINVAL,
                                SC ".listenerPath: missing (SCMP_ACT_NOTIFY is used)");
    if (!notify && sc->listener_path)
        return lcont__error_set(reterr, -EINVAL,
                                SC ".listenerPath: set, but no rule uses SCMP_ACT_NOTIFY");
    if (sc->listener_metadata && !sc->listener_path)
        return lcont__error_set(reterr, -EINVAL, SC ".listenerMetadata: requires listenerPath");
    return 0;
}

int lcont__spec_parse_seccomp(const cJSON *obj, struct lcont_spec_seccomp *sc, lcont_error **reterr)
{
    const cJSON *rules = NULL;
    int r;

    r = get_action(obj, SC, "defaultAction", &sc->default_action, reterr);
    if (r < 0)
        return r;
    /* The listener would be needed for the runtime's own syscalls after loading the filter. */
    if (sc->default_action == LCONT_SCMP_NOTIFY)
        return lcont__error_set(reterr, -EINVAL,
                                SC ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
    r = get_errno_ret(obj, SC, "defaultErrnoRet", sc->default_action, &sc->has_default_errno_ret,
                      &sc->default_errno_ret, reterr);
    if (r < 0)
        return r;

    if ((r = lcont__spec_get_strv(obj, SC, "architectures", &sc->architectures, reterr)) < 0 ||
        (r = check_names(sc->architectures, NULL, "architectures", "architecture",
                         lcont__spec_seccomp_arch_known, reterr)) < 0 ||
        (r = lcont__spec_get_strv(obj, SC, "flags", &sc->flags, reterr)) < 0 ||
        (r = check_names(sc->flags, lcont__spec_seccomp_flag_names, "flags", "flag", NULL,
                         reterr)) < 0 ||
        (r = lcont__spec_get_string(obj, SC, "listenerPath", &sc->listener_path, reterr)) < 0 ||
        (r = lcont__spec_get_string(obj, SC, "listenerMetadata", &sc->listener_metadata, reterr)) <
            0)
        return r;
    /* Empty strings are the same as none (Go's zero value, what runc sees). */
    if (sc->listener_path && !*sc->listener_path) {
        free(sc->listener_path);
        sc->listener_path = NULL;
    }
    if (sc->listener_metadata && !*sc->listener_metadata) {
        free(sc->listener_metadata);
        sc->listener_metadata = NULL;
    }

    r = lcont__spec_get_array(obj, SC, "syscalls", &rules, reterr);
    if (r < 0)
        return r;
    if (r > 0 && (r = parse_rules(rules, sc, reterr)) < 0)
        return r;
    return check_listener(sc, reterr);
}
