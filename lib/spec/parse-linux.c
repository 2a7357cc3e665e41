/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "linux" object: namespaces, id mappings, devices, propagation, masked and
 * read-only paths, sysctl, personality, time offsets. Resources and seccomp
 * have files of their own.
 */
#include "spec/parse-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>

#include "core/util.h"

static const struct spec_name_value propagations[] = {
    { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
    { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
    { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static const struct spec_name_value personality_flags[] = {
    { "ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT }, { "ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT },
    { "ADDR_LIMIT_3GB", ADDR_LIMIT_3GB },         { "ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE },
    { "FDPIC_FUNCPTRS", FDPIC_FUNCPTRS },         { "MMAP_PAGE_ZERO", MMAP_PAGE_ZERO },
    { "READ_IMPLIES_EXEC", READ_IMPLIES_EXEC },   { "SHORT_INODE", SHORT_INODE },
    { "STICKY_TIMEOUTS", STICKY_TIMEOUTS },       { "UNAME26", UNAME26 },
    { "WHOLE_SECONDS", WHOLE_SECONDS },
};

/* ---- namespaces ---- */

static int parse_namespaces(const cJSON *arr, struct lcont_spec_linux *lx, lcont_error **reterr)
{
    size_t i = 0;

    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        _cleanup_free_ char *type = NULL, *nspath = NULL;
        char path[SPEC_PATH_SIZE];
        int t, r;

        lcont__spec_path_index(path, "linux.namespaces", i);
        r = lcont__spec_node_object(c, path, reterr);
        if (r < 0)
            return r;
        r = lcont__spec_need_string(c, path, "type", &type, reterr);
        if (r < 0)
            return r;
        for (t = 0; t < LCONT_NS_COUNT; t++)
            if (strcmp(lcont__spec_ns_oci_name(t), type) == 0)
                break;
        if (t == LCONT_NS_COUNT)
            return lcont__error_set(reterr, -EINVAL, "%s.type: unknown namespace type '%s'", path,
                                    type);
        if (lx->namespaces[t].present)
            return lcont__error_set(reterr, -EINVAL, "%s.type: duplicate namespace type '%s'", path,
                                    type);

        r = lcont__spec_get_string(c, path, "path", &nspath, reterr);
        if (r < 0)
            return r;
        /* An empty path means "create a new one", as in runc. */
        if (nspath && !*nspath) {
            free(nspath);
            nspath = NULL;
        }
        if (nspath && nspath[0] != '/')
            return lcont__error_set(reterr, -EINVAL, "%s.path: must be an absolute path", path);
        lx->namespaces[t].present = true;
        lx->namespaces[t].path = TAKE_PTR(nspath);
    }
    return 0;
}

/* ---- id mappings ---- */

static int parse_idmaps(const cJSON *arr, const char *name, struct lcont_spec_idmap **ret,
                        size_t *ret_n, lcont_error **reterr)
{
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    char apath[SPEC_PATH_SIZE];

    lcont__spec_path_member(apath, "linux", name);
    *ret = calloc(n ? n : 1, sizeof(**ret));
    if (!*ret)
        return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", apath);
    *ret_n = n;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        static const char *const keys[] = { "containerID", "hostID", "size" };
        uint64_t v[3];
        char path[SPEC_PATH_SIZE];
        int r;

        lcont__spec_path_index(path, apath, i);
        r = lcont__spec_node_object(c, path, reterr);
        if (r < 0)
            return r;
        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
            r = lcont__spec_need_u64(c, path, keys[k], k == 2 ? 1 : 0, SPEC_U32_MAX, &v[k], reterr);
            if (r < 0)
                return r;
        }
        /* The kernel refuses ranges that wrap around the 32-bit id space. */
        if (v[0] + v[2] - 1 > SPEC_U32_MAX || v[1] + v[2] - 1 > SPEC_U32_MAX)
            return lcont__error_set(reterr, -EINVAL, "%s: range goes beyond id 4294967295", path);
        (*ret)[i] = (struct lcont_spec_idmap){ (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2] };
    }
    return 0;
}

/* ---- devices ---- */

static int parse_device(const cJSON *obj, const char *path, struct lcont_spec_device *d,
                        lcont_error **reterr)
{
    _cleanup_free_ char *type = NULL;
    uint64_t v = 0;
    int r;

    r = lcont__spec_node_object(obj, path, reterr);
    if (r < 0)
        return r;
    r = lcont__spec_need_string(obj, path, "type", &type, reterr);
    if (r < 0)
        return r;
    if (strlen(type) != 1 || !strchr("cbup", type[0]))
        return lcont__error_set(reterr, -EINVAL, "%s.type: unknown device type '%s'", path, type);
    d->type = type[0];

    r = lcont__spec_need_string(obj, path, "path", &d->path, reterr);
    if (r < 0)
        return r;
    if (d->path[0] != '/')
        return lcont__error_set(reterr, -EINVAL, "%s.path: must be an absolute path", path);

    /* major/minor: REQUIRED unless the device is a FIFO. */
    r = lcont__spec_get_i64(obj, path, "major", 0, (int64_t)SPEC_U32_MAX, &d->major, reterr);
    if (r < 0)
        return r;
    if (r == 0 && d->type != 'p')
        return lcont__spec_missing(reterr, path, "major");
    r = lcont__spec_get_i64(obj, path, "minor", 0, (int64_t)SPEC_U32_MAX, &d->minor, reterr);
    if (r < 0)
        return r;
    if (r == 0 && d->type != 'p')
        return lcont__spec_missing(reterr, path, "minor");

    r = lcont__spec_get_u64(obj, path, "fileMode", 0, SPEC_U32_MAX, &v, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        d->has_file_mode = true;
        d->file_mode = (mode_t)(v & ~(uint64_t)S_IFMT); /* the type comes from "type" (runc) */
    }
    r = lcont__spec_get_u64(obj, path, "uid", 0, SPEC_ID_MAX, &v, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        d->has_uid = true;
        d->uid = (uid_t)v;
    }
    r = lcont__spec_get_u64(obj, path, "gid", 0, SPEC_ID_MAX, &v, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        d->has_gid = true;
        d->gid = (gid_t)v;
    }
    return 0;
}

static int parse_devices(const cJSON *arr, struct lcont_spec_linux *lx, lcont_error **reterr)
{
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;

    lx->devices = calloc(n ? n : 1, sizeof(*lx->devices));
    if (!lx->devices)
        return lcont__error_set(reterr, -ENOMEM, "linux.devices: out of memory");
    lx->n_devices = n;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        char path[SPEC_PATH_SIZE];
        int r;
        lcont__spec_path_index(path, "linux.devices", i);
        r = parse_device(c, path, &lx->devices[i], reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- paths and sysctl ---- */

static int parse_abs_paths(const cJSON *obj, const char *key, char ***ret, lcont_error **reterr)
{
    int r = lcont__spec_get_strv(obj, "linux", key, ret, reterr);
    if (r <= 0)
        return r;
    for (size_t i = 0; (*ret)[i]; i++)
        if ((*ret)[i][0] != '/')
            return lcont__error_set(reterr, -EINVAL, "linux.%s[%zu]: must be an absolute path", key,
                                    i);
    return 0;
}

/*
 * A sysctl name becomes a path below /proc/sys ('.' and '/' both separate
 * components). Empty components would allow "..", so they are refused.
 */
static bool sysctl_name_valid(const char *name)
{
    bool empty = true;

    for (const char *p = name;; p++) {
        if (*p == '.' || *p == '/' || *p == '\0') {
            if (empty)
                return false;
            if (*p == '\0')
                return true;
            empty = true;
        } else {
            empty = false;
        }
    }
}

static int parse_sysctl(const cJSON *obj, struct lcont_spec_linux *lx, lcont_error **reterr)
{
    int r = lcont__spec_get_kv(obj, "linux", "sysctl", &lx->sysctls, &lx->n_sysctls, reterr);
    if (r <= 0)
        return r;
    for (size_t i = 0; i < lx->n_sysctls; i++)
        if (!sysctl_name_valid(lx->sysctls[i].key)) {
            char path[SPEC_PATH_SIZE];
            lcont__spec_path_member(path, "linux.sysctl", lx->sysctls[i].key);
            return lcont__error_set(reterr, -EINVAL, "%s: invalid sysctl name", path);
        }
    return 0;
}

/* ---- personality and time offsets ---- */

static int parse_personality(const cJSON *obj, struct lcont_spec_linux *lx, lcont_error **reterr)
{
    const char *P = "linux.personality";
    _cleanup_free_ char *domain = NULL;
    uint64_t flags = 0;
    int r;

    r = lcont__spec_need_string(obj, P, "domain", &domain, reterr);
    if (r < 0)
        return r;
    if (strcmp(domain, "LINUX") == 0)
        lx->personality = PER_LINUX;
    else if (strcmp(domain, "LINUX32") == 0)
        lx->personality = PER_LINUX32;
    else
        return lcont__error_set(reterr, -EINVAL, "%s.domain: unknown domain '%s'", P, domain);

    r = lcont__spec_get_flags(obj, P, "flags", personality_flags, ELEMENTSOF(personality_flags),
                              &flags, reterr);
    if (r < 0)
        return r;
    lx->personality |= (unsigned long)flags;
    lx->has_personality = true;
    return 0;
}

static int parse_time_offsets(const cJSON *obj, struct lcont_spec_linux *lx, lcont_error **reterr)
{
    const char *P = "linux.timeOffsets";

    for (const cJSON *c = obj->child; c; c = c->next) {
        const char *clock = c->string ? c->string : "";
        char path[SPEC_PATH_SIZE];
        int64_t *secs;
        uint32_t *nsecs;
        uint64_t ns = 0;
        int r;

        lcont__spec_path_member(path, P, clock);
        if (cJSON_IsNull(c))
            continue;
        if (strcmp(clock, "boottime") == 0) {
            secs = &lx->boottime_secs;
            nsecs = &lx->boottime_nsecs;
        } else if (strcmp(clock, "monotonic") == 0) {
            secs = &lx->monotonic_secs;
            nsecs = &lx->monotonic_nsecs;
        } else {
            return lcont__error_set(reterr, -EINVAL,
                                    "%s: unknown clock (must be boottime or monotonic)", path);
        }
        r = lcont__spec_node_object(c, path, reterr);
        if (r < 0)
            return r;
        r = lcont__spec_get_i64(c, path, "secs", INT64_MIN, INT64_MAX, secs, reterr);
        if (r < 0)
            return r;
        /* timens_offsets(5) wants nanoseconds below one second. */
        r = lcont__spec_get_u64(c, path, "nanosecs", 0, 999999999, &ns, reterr);
        if (r < 0)
            return r;
        *nsecs = (uint32_t)ns;
    }
    lx->has_time_offsets = true;
    return 0;
}

/* ---- linux ---- */

static int parse_propagation(const cJSON *obj, struct lcont_spec_linux *lx, lcont_error **reterr)
{
    _cleanup_free_ char *value = NULL;
    const struct spec_name_value *e;
    int r;

    r = lcont__spec_get_string(obj, "linux", "rootfsPropagation", &value, reterr);
    if (r <= 0 || !*value)
        return r < 0 ? r : 0;
    e = lcont__spec_name_find(propagations, ELEMENTSOF(propagations), value);
    if (e) {
        lx->rootfs_propagation = (unsigned long)e->value;
        return 0;
    }
    return lcont__error_set(reterr, -EINVAL, "linux.rootfsPropagation: unknown propagation '%s'",
                            value);
}

/* Features that change isolation must not be dropped silently. */
static int refuse_unsupported(const cJSON *obj, lcont_error **reterr)
{
    static const char *const unsupported[] = { "intelRdt", "netDevices" };

    for (size_t k = 0; k < ELEMENTSOF(unsupported); k++)
        if (lcont__spec_member(obj, unsupported[k]))
            return lcont__error_set(reterr, -EINVAL, "linux.%s: not supported", unsupported[k]);
    return 0;
}

int lcont__spec_parse_linux(const cJSON *obj, struct lcont_spec *spec, lcont_error **reterr)
{
    struct lcont_spec_linux *lx = &spec->linux_;
    const cJSON *sub = NULL;
    int r;

    r = lcont__spec_get_array(obj, "linux", "namespaces", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0 && (r = parse_namespaces(sub, lx, reterr)) < 0)
        return r;

    sub = NULL;
    r = lcont__spec_get_array(obj, "linux", "uidMappings", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0 &&
        (r = parse_idmaps(sub, "uidMappings", &lx->uid_mappings, &lx->n_uid_mappings, reterr)) < 0)
        return r;
    sub = NULL;
    r = lcont__spec_get_array(obj, "linux", "gidMappings", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0 &&
        (r = parse_idmaps(sub, "gidMappings", &lx->gid_mappings, &lx->n_gid_mappings, reterr)) < 0)
        return r;

    sub = NULL;
    r = lcont__spec_get_array(obj, "linux", "devices", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0 && (r = parse_devices(sub, lx, reterr)) < 0)
        return r;

    r = lcont__spec_get_string(obj, "linux", "cgroupsPath", &lx->cgroups_path, reterr);
    if (r < 0)
        return r;

    sub = NULL;
    r = lcont__spec_get_object(obj, "linux", "resources", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        lx->has_resources = true;
        r = lcont__spec_parse_resources(sub, &lx->resources, reterr);
        if (r < 0)
            return r;
    }

    if ((r = parse_propagation(obj, lx, reterr)) < 0 ||
        (r = parse_abs_paths(obj, "maskedPaths", &lx->masked_paths, reterr)) < 0 ||
        (r = parse_abs_paths(obj, "readonlyPaths", &lx->readonly_paths, reterr)) < 0 ||
        (r = lcont__spec_get_string(obj, "linux", "mountLabel", &lx->mount_label, reterr)) < 0 ||
        (r = parse_sysctl(obj, lx, reterr)) < 0)
        return r;

    sub = NULL;
    r = lcont__spec_get_object(obj, "linux", "seccomp", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0) {
        lx->seccomp = calloc(1, sizeof(*lx->seccomp));
        if (!lx->seccomp)
            return lcont__error_set(reterr, -ENOMEM, "linux.seccomp: out of memory");
        r = lcont__spec_parse_seccomp(sub, lx->seccomp, reterr);
        if (r < 0)
            return r;
    }

    sub = NULL;
    r = lcont__spec_get_object(obj, "linux", "personality", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0 && (r = parse_personality(sub, lx, reterr)) < 0)
        return r;

    sub = NULL;
    r = lcont__spec_get_object(obj, "linux", "timeOffsets", &sub, reterr);
    if (r < 0)
        return r;
    if (r > 0 && (r = parse_time_offsets(sub, lx, reterr)) < 0)
        return r;

    return refuse_unsupported(obj, reterr);
}
