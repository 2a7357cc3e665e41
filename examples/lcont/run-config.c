/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What lcont run adds to the config the image gives: bind mounts from the host
 * (-v HOST:CONTAINER[:ro|rw]) and resource limits (--memory, --cpus, --pids-limit), with
 * docker's syntax for each.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli.h"

#define CPU_PERIOD_US 100000 /* docker's --cpus period */

int parse_size(const char *s, uint64_t *ret)
{
    char *end;
    int shift = 0;

    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (*end == 'k' || *end == 'K')
        shift = 10;
    else if (*end == 'm' || *end == 'M')
        shift = 20;
    else if (*end == 'g' || *end == 'G')
        shift = 30;
    if (shift)
        end++;
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end || errno || n == 0 || n > (UINT64_MAX >> shift))
        return -EINVAL;
    *ret = (uint64_t)n << shift;
    return 0;
}

int parse_cpus(const char *s, uint64_t *ret_quota)
{
    char *end;

    if (!isdigit((unsigned char)*s) && *s != '.')
        return -EINVAL;
    errno = 0;
    double cpus = strtod(s, &end);
    /* 0.01 CPU is the least a 100 ms period can express (1 ms) */
    if (*end || errno || !(cpus >= 0.01) || cpus > 100000)
        return -EINVAL;
    *ret_quota = (uint64_t)(cpus * CPU_PERIOD_US + 0.5);
    return 0;
}

int volume_parse(const char *arg, struct run_volume *ret)
{
    const char *c1 = strchr(arg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    char host[PATH_MAX];
    struct stat st;

    if (!c1 || arg[0] != '/')
        return cli_fail("-v %s: want HOST:CONTAINER[:ro|rw] with an absolute HOST path (named "
                        "volumes are not supported)",
                        arg);
    if (c2 && strcmp(c2 + 1, "ro") != 0 && strcmp(c2 + 1, "rw") != 0)
        return cli_fail("-v %s: the mode must be ro or rw", arg);
    if ((size_t)(c1 - arg) >= sizeof(host))
        return cli_fail("-v %s: path too long", arg);
    memcpy(host, arg, (size_t)(c1 - arg));
    host[c1 - arg] = '\0';
    /* unlike docker, a missing host path is an error, not a new root-owned directory */
    if (stat(host, &st) < 0)
        return cli_fail("-v %s: %s: %s", arg, host, strerror(errno));
    ret->source = realpath(host, NULL);
    ret->destination = c2 ? strndup(c1 + 1, (size_t)(c2 - c1 - 1)) : strdup(c1 + 1);
    ret->readonly = c2 && strcmp(c2 + 1, "ro") == 0;
    if (!ret->source || !ret->destination) {
        volume_free(ret);
        return cli_fail("-v %s: %s", arg, strerror(errno ? errno : ENOMEM));
    }
    if (ret->destination[0] != '/' || strcmp(ret->destination, "/") == 0) {
        int r = cli_fail("-v %s: the container path must be absolute and not /", arg);
        volume_free(ret);
        return r;
    }
    return 0;
}

void volume_free(struct run_volume *v)
{
    free(v->source);
    free(v->destination);
    v->source = v->destination = NULL;
}

/* o[key], created as an object when missing; NULL when o[key] is something else. */
static cJSON *object_at(cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        v = cJSON_AddObjectToObject(o, key);
    return cJSON_IsObject(v) ? v : NULL;
}

static int add_mount(cJSON *mounts, const struct run_volume *v)
{
    cJSON *m = cJSON_CreateObject(), *opts = cJSON_CreateArray();
    if (!m || !opts || !cJSON_AddItemToArray(mounts, m) ||
        !cJSON_AddItemToObject(m, "options", opts)) {
        cJSON_Delete(m);
        cJSON_Delete(opts);
        return -ENOMEM;
    }
    if (!cJSON_AddStringToObject(m, "destination", v->destination) ||
        !cJSON_AddStringToObject(m, "type", "bind") ||
        !cJSON_AddStringToObject(m, "source", v->source) ||
        !cJSON_AddItemToArray(opts, cJSON_CreateString("rbind")) ||
        !cJSON_AddItemToArray(opts, cJSON_CreateString("rprivate")) ||
        !cJSON_AddItemToArray(opts, cJSON_CreateString(v->readonly ? "ro" : "rw")))
        return -ENOMEM;
    return 0;
}

int config_add_run_extra(const char *json, const struct run_extra *x, char **ret)
{
    cJSON *root = cJSON_Parse(json), *linux_, *res, *o;
    int r = -ENOMEM;

    *ret = NULL;
    if (!root)
        return -EINVAL;
    if (x->n_volumes) {
        cJSON *mounts = cJSON_GetObjectItemCaseSensitive(root, "mounts");
        if (!mounts)
            mounts = cJSON_AddArrayToObject(root, "mounts");
        for (size_t i = 0; mounts && i < x->n_volumes; i++)
            if (add_mount(mounts, &x->volumes[i]) < 0)
                goto out;
        if (!mounts)
            goto out;
    }
    if (x->memory || x->cpu_quota || x->pids_limit) {
        if (!(linux_ = object_at(root, "linux")) || !(res = object_at(linux_, "resources")))
            goto out;
        if (x->memory && (!(o = object_at(res, "memory")) ||
                          !cJSON_AddNumberToObject(o, "limit", (double)x->memory)))
            goto out;
        if (x->cpu_quota && (!(o = object_at(res, "cpu")) ||
                             !cJSON_AddNumberToObject(o, "quota", (double)x->cpu_quota) ||
                             !cJSON_AddNumberToObject(o, "period", CPU_PERIOD_US)))
            goto out;
        if (x->pids_limit && (!(o = object_at(res, "pids")) ||
                              !cJSON_AddNumberToObject(o, "limit", (double)x->pids_limit)))
            goto out;
    }
    *ret = cJSON_PrintUnformatted(root);
    r = *ret ? 0 : -ENOMEM;
out:
    cJSON_Delete(root);
    return r;
}
