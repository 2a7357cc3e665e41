/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "runtime/state.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/util.h"

static const char *const status_names[] = {
    [LCONT_STATE_CREATING] = "creating", [LCONT_STATE_CREATED] = "created",
    [LCONT_STATE_RUNNING] = "running",   [LCONT_STATE_STOPPED] = "stopped",
    [LCONT_STATE_PAUSED] = "paused",
};

const char *lcont__state_status_name(enum lcont_state_status s)
{
    return (unsigned)s < ELEMENTSOF(status_names) ? status_names[s] : "unknown";
}

static int status_from_name(const char *name, enum lcont_state_status *ret)
{
    for (size_t i = 0; i < ELEMENTSOF(status_names); i++)
        if (strcmp(status_names[i], name) == 0) {
            *ret = (enum lcont_state_status)i;
            return 0;
        }
    return -EINVAL;
}

int lcont__state_validate_id(const char *id, lcont_error **reterr)
{
    size_t len;

    if (!id || !*id)
        return lcont__error_set(reterr, -EINVAL, "container id must not be empty");
    len = strlen(id);
    if (len > 1024)
        return lcont__error_set(reterr, -EINVAL, "container id is longer than 1024 characters");
    if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return lcont__error_set(reterr, -EINVAL, "invalid container id '%s'", id);
    for (const char *p = id; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '+' || c == '-' || c == '.'))
            return lcont__error_set(reterr, -EINVAL,
                                    "invalid container id '%s': only [A-Za-z0-9_+.-] allowed", id);
    }
    return 0;
}

int lcont__state_open_root(const lcont_context *ctx, int create, lcont_error **reterr)
{
    int fd;

    if (create) {
        int r = lcont__mkdir_p(ctx->state_root, 0700);
        if (r < 0)
            return lcont__error_setsys(reterr, r, "create state root '%s'", ctx->state_root);
    }
    fd = open(ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "open state root '%s'", ctx->state_root);
    return fd;
}

static int lock_dir(int fd, const char *id, lcont_error **reterr)
{
    struct stat st;

    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR)
            return lcont__error_setsys(reterr, -errno, "lock state of '%s'", id);
    /* A concurrent delete may have removed the directory while we waited. */
    if (fstat(fd, &st) < 0)
        return lcont__error_setsys(reterr, -errno, "stat state of '%s'", id);
    if (st.st_nlink == 0)
        return lcont__error_set(reterr, -ENOENT, "container '%s' does not exist", id);
    return 0;
}

int lcont__state_dir_create(int rootfd, const char *id, lcont_error **reterr)
{
    _cleanup_close_ int fd = -1;
    int r;

    if (mkdirat(rootfd, id, 0700) < 0) {
        if (errno == EEXIST)
            return lcont__error_set(reterr, -EEXIST, "container '%s' already exists", id);
        return lcont__error_setsys(reterr, -errno, "create state directory for '%s'", id);
    }
    fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "open state directory for '%s'", id);
    r = lock_dir(fd, id, reterr);
    if (r < 0)
        return r;
    return TAKE_FD(fd);
}

int lcont__state_dir_open(int rootfd, const char *id, lcont_error **reterr)
{
    _cleanup_close_ int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    int r;

    if (fd < 0) {
        if (errno == ENOENT)
            return lcont__error_set(reterr, -ENOENT, "container '%s' does not exist", id);
        return lcont__error_setsys(reterr, -errno, "open state of '%s'", id);
    }
    r = lock_dir(fd, id, reterr);
    if (r < 0)
        return r;
    return TAKE_FD(fd);
}

int lcont__state_write(int dirfd, const struct lcont_state *st, lcont_error **reterr)
{
    cJSON *o = cJSON_CreateObject();
    _cleanup_free_ char *text = NULL;
    int r;

    if (!o)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    cJSON_AddStringToObject(o, "id", st->id);
    cJSON_AddStringToObject(o, "status", lcont__state_status_name(st->status));
    cJSON_AddNumberToObject(o, "pid", st->pid);
    cJSON_AddNumberToObject(o, "pidStartTime", (double)st->pid_start_time);
    cJSON_AddStringToObject(o, "bundle", st->bundle);
    cJSON_AddStringToObject(o, "rootfs", st->rootfs ? st->rootfs : "");
    cJSON_AddStringToObject(o, "created", st->created);
    cJSON_AddNumberToObject(o, "owner", st->owner);
    if (st->cgroup_path)
        cJSON_AddStringToObject(o, "cgroupPath", st->cgroup_path);
    if (st->annotations_json) {
        cJSON *ann = cJSON_Parse(st->annotations_json);
        if (ann)
            cJSON_AddItemToObject(o, "annotations", ann);
    }
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    r = lcont__write_file_atomic_at(dirfd, LCONT_STATE_FILE, text, strlen(text), 0600, false);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "write state of '%s'", st->id);
    return 0;
}

static char *dup_json_string(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
}

int lcont__state_read(int dirfd, struct lcont_state *ret, lcont_error **reterr)
{
    _cleanup_free_ char *text = NULL;
    struct lcont_state st = { 0 };
    const cJSON *v;
    cJSON *o;
    int r;

    r = lcont__read_file_at(dirfd, LCONT_STATE_FILE, 1 << 20, &text, NULL);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "read %s", LCONT_STATE_FILE);
    o = cJSON_Parse(text);
    if (!o)
        return lcont__error_set(reterr, -EINVAL, "%s: not valid JSON", LCONT_STATE_FILE);
    st.id = dup_json_string(o, "id");
    st.bundle = dup_json_string(o, "bundle");
    st.rootfs = dup_json_string(o, "rootfs");
    st.created = dup_json_string(o, "created");
    st.cgroup_path = dup_json_string(o, "cgroupPath");
    v = cJSON_GetObjectItemCaseSensitive(o, "annotations");
    if (cJSON_IsObject(v))
        st.annotations_json = cJSON_PrintUnformatted(v);
    v = cJSON_GetObjectItemCaseSensitive(o, "status");
    r = cJSON_IsString(v) ? status_from_name(v->valuestring, &st.status) : -EINVAL;
    v = cJSON_GetObjectItemCaseSensitive(o, "pid");
    if (cJSON_IsNumber(v))
        st.pid = (pid_t)v->valuedouble;
    v = cJSON_GetObjectItemCaseSensitive(o, "pidStartTime");
    if (cJSON_IsNumber(v))
        st.pid_start_time = (uint64_t)v->valuedouble;
    v = cJSON_GetObjectItemCaseSensitive(o, "owner");
    if (cJSON_IsNumber(v))
        st.owner = (uid_t)v->valuedouble;
    cJSON_Delete(o);
    if (r < 0 || !st.id || !st.bundle || !st.created) {
        lcont__state_clear(&st);
        return lcont__error_set(reterr, -EINVAL, "%s: missing or invalid fields", LCONT_STATE_FILE);
    }
    *ret = st;
    return 0;
}

void lcont__state_clear(struct lcont_state *st)
{
    free(st->id);
    free(st->bundle);
    free(st->rootfs);
    free(st->created);
    free(st->cgroup_path);
    free(st->annotations_json);
    memset(st, 0, sizeof(*st));
}

char *lcont__state_to_oci_json(const struct lcont_state *st, enum lcont_state_status status)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *ann = st->annotations_json ? cJSON_Parse(st->annotations_json) : NULL;
    char *text;

    if (!o) {
        cJSON_Delete(ann);
        return NULL;
    }
    cJSON_AddStringToObject(o, "ociVersion", "1.2.0");
    cJSON_AddStringToObject(o, "id", st->id);
    cJSON_AddNumberToObject(o, "pid", status == LCONT_STATE_STOPPED ? 0 : st->pid);
    cJSON_AddStringToObject(o, "status", lcont__state_status_name(status));
    cJSON_AddStringToObject(o, "bundle", st->bundle);
    cJSON_AddStringToObject(o, "rootfs", st->rootfs ? st->rootfs : "");
    cJSON_AddStringToObject(o, "created", st->created);
    cJSON_AddStringToObject(o, "owner", "");
    if (ann)
        cJSON_AddItemToObject(o, "annotations", ann);
    text = cJSON_Print(o);
    cJSON_Delete(o);
    return text;
}

uint64_t lcont__proc_start_time(pid_t pid, int *is_zombie)
{
    char path[64], buf[1024];
    _cleanup_close_ int fd = -1;
    ssize_t n;
    char *p;
    unsigned long long start = 0;

    *is_zombie = 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* comm may contain spaces and ')': fields start after the last ')' */
    p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return 0;
    p += 2;
    *is_zombie = (*p == 'Z' || *p == 'X');
    /* field 3 is state; start time is field 22 → skip 19 more fields */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return 0;
        p++;
    }
    if (sscanf(p, "%llu", &start) != 1)
        return 0;
    return start;
}

char *lcont__state_now_rfc3339(void)
{
    struct timespec ts;
    struct tm tm;
    char date[64];
    char *out = NULL;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    if (asprintf(&out, "%s.%09ldZ", date, ts.tv_nsec) < 0)
        return NULL;
    return out;
}
