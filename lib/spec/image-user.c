/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The image's User field -> uid, gid, supplementary groups and home, from the
 * image's own /etc/passwd and /etc/group. The files are opened below the
 * rootfs with RESOLVE_IN_ROOT, so an image whose /etc/passwd is a symlink to
 * "/../../etc/passwd" reads its own file (or none), never the host's; the
 * host's NSS is never asked.
 */
#include "spec/image-config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"

/* /etc/passwd and /etc/group larger than this are refused (they are a few KiB). */
#define DB_MAX_SIZE (4u * 1024 * 1024)
/* Linux's NGROUPS_MAX. */
#define MAX_GROUPS 65536u
#define ID_MAX 4294967294ULL /* (uid_t)-1 means "no change" to the kernel */

/* A passwd or group database read into memory (NULL text: the file does not exist). */
struct db {
    const char *path;
    char *text;
};

static int read_fd(int fd, char **ret)
{
    return lcont__read_fd(fd, DB_MAX_SIZE, ret, NULL);
}

static int db_load(int rootfd, const char *path, struct db *db, lcont_error **reterr)
{
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    _cleanup_close_ int fd = -1;
    struct stat st;
    int r;

    db->path = path;
    db->text = NULL;
    if (rootfd < 0)
        return 0;
    /* RESOLVE_IN_ROOT returns EAGAIN if a rename raced with ".." resolution */
    for (int i = 0; i < 32; i++) {
        fd = lcont__sys_openat2(rootfd, path, &how, sizeof(how));
        if (fd != -EAGAIN)
            break;
    }
    if (fd == -ENOENT || fd == -ENOTDIR)
        return 0;
    if (fd < 0)
        return lcont__error_setsys(reterr, fd, "open %s in the image", path);
    if (fstat(fd, &st) < 0)
        return lcont__error_setsys(reterr, lcont__negerrno(), "stat %s in the image", path);
    /* a FIFO or device would block or read from the host */
    if (!S_ISREG(st.st_mode))
        return lcont__error_set(reterr, -EINVAL, "%s in the image: not a regular file", path);
    r = read_fd(fd, &db->text);
    if (r == -EFBIG)
        return lcont__error_set(reterr, r, "%s in the image: larger than %u bytes", path,
                                DB_MAX_SIZE);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "read %s in the image", path);
    return 0;
}

/* Decimal id without sign or spaces, at most ID_MAX. */
static bool parse_id(const char *s, size_t len, unsigned *ret)
{
    unsigned long long v = 0;

    if (len == 0 || len > 10)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > ID_MAX)
        return false;
    *ret = (unsigned)v;
    return true;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Split a line into at most @max ':'-separated fields (pointers into the line, not terminated). */
struct field {
    const char *s;
    size_t len;
};

static size_t split_line(const char *line, size_t len, struct field *f, size_t max)
{
    size_t n = 0;
    const char *start = line;

    for (size_t i = 0; i <= len && n < max; i++) {
        if (i == len || line[i] == ':') {
            f[n].s = start;
            f[n].len = (size_t)(line + i - start);
            n++;
            start = line + i + 1;
        }
    }
    return n;
}

static bool field_eq(const struct field *f, const char *s)
{
    return strlen(s) == f->len && memcmp(f->s, s, f->len) == 0;
}

/*
 * Call @fn for each well-formed line of @db with its fields (@nfields of them);
 * stop when it returns non-zero and return that.
 */
static int db_foreach(const struct db *db, size_t nfields,
                      int (*fn)(const struct field *f, void *userdata), void *userdata)
{
    const char *p = db->text;

    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        struct field f[7];
        int r;

        if (len > 0 && p[0] != '#' && split_line(p, len, f, nfields) == nfields) {
            r = fn(f, userdata);
            if (r != 0)
                return r;
        }
        p = nl ? nl + 1 : p + len;
    }
    return 0;
}

/* ---- passwd: name:password:uid:gid:gecos:home:shell ---- */

struct pw_query {
    const char *name; /* match by name, or */
    unsigned uid;     /* by uid when name is NULL */
    /* result */
    bool found;
    unsigned r_uid, r_gid;
    char *r_name, *r_home;
};

static int pw_match(const struct field *f, void *userdata)
{
    struct pw_query *q = userdata;
    unsigned uid, gid;

    if (!parse_id(f[2].s, f[2].len, &uid) || !parse_id(f[3].s, f[3].len, &gid))
        return 0;
    if (q->name ? !field_eq(&f[0], q->name) : uid != q->uid)
        return 0;
    q->r_name = strndup(f[0].s, f[0].len);
    q->r_home = f[5].len ? strndup(f[5].s, f[5].len) : NULL;
    if (!q->r_name || (f[5].len && !q->r_home))
        return -ENOMEM;
    q->found = true;
    q->r_uid = uid;
    q->r_gid = gid;
    return 1;
}

/* ---- group: name:password:gid:member,member ---- */

struct gr_query {
    const char *name;   /* find this group's gid, or */
    const char *member; /* collect every group listing this user */
    bool found;
    unsigned r_gid;
    gid_t *gids;
    size_t n_gids;
};

static bool list_has(const struct field *members, const char *name)
{
    const char *p = members->s, *end = members->s + members->len;
    size_t nlen = strlen(name);

    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        size_t len = comma ? (size_t)(comma - p) : (size_t)(end - p);
        if (len == nlen && memcmp(p, name, len) == 0)
            return true;
        p += len + 1;
    }
    return false;
}

static int add_gid(gid_t **gids, size_t *n, gid_t gid)
{
    gid_t *ng;

    for (size_t i = 0; i < *n; i++)
        if ((*gids)[i] == gid)
            return 0;
    if (*n >= MAX_GROUPS)
        return -E2BIG;
    ng = realloc(*gids, (*n + 1) * sizeof(gid_t));
    if (!ng)
        return -ENOMEM;
    ng[(*n)++] = gid;
    *gids = ng;
    return 0;
}

static int gr_match(const struct field *f, void *userdata)
{
    struct gr_query *q = userdata;
    unsigned gid;

    if (!parse_id(f[2].s, f[2].len, &gid))
        return 0;
    if (q->name) {
        if (!field_eq(&f[0], q->name))
            return 0;
        q->found = true;
        q->r_gid = gid;
        return 1;
    }
    if (list_has(&f[3], q->member))
        return add_gid(&q->gids, &q->n_gids, gid);
    return 0;
}

/* A group given by number or by name. */
static int resolve_group(const struct db *group, const char *what, const char *spec, gid_t *ret,
                         lcont_error **reterr)
{
    struct gr_query q = { .name = spec };
    unsigned gid;
    int r;

    if (parse_id(spec, strlen(spec), &gid)) {
        *ret = gid;
        return 0;
    }
    if (all_digits(spec))
        return lcont__error_set(reterr, -EINVAL, "%s: group id %s out of range 0..%llu", what, spec,
                                ID_MAX);
    if (!group->text)
        return lcont__error_set(reterr, -ENOENT,
                                "%s: group '%s' cannot be resolved: the image has no %s", what,
                                spec, group->path);
    r = db_foreach(group, 4, gr_match, &q);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "%s: look up group '%s'", what, spec);
    if (!q.found)
        return lcont__error_set(reterr, -ENOENT, "%s: no group '%s' in the image's %s", what, spec,
                                group->path);
    *ret = q.r_gid;
    return 0;
}

static int cmp_gid(const void *a, const void *b)
{
    gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
    return x < y ? -1 : x > y;
}

int lcont__image_user_resolve(int rootfd, const char *user, const char *const *groups,
                              struct lcont_image_user *ret, lcont_error **reterr)
{
    struct db passwd = { 0 }, group = { 0 };
    _cleanup_free_ char *passwd_text = NULL, *group_text = NULL, *user_part = NULL;
    _cleanup_free_ char *pw_name = NULL, *home = NULL;
    _cleanup_free_ gid_t *gids = NULL;
    struct pw_query pq = { 0 };
    const char *group_part = NULL, *colon;
    size_t n_gids = 0;
    unsigned uid = 0, gid = 0;
    int r;

    if (!ret)
        return lcont__error_set(reterr, -EINVAL, "resolve user: invalid argument");
    if (!user)
        user = "";
    colon = strchr(user, ':');
    user_part = colon ? strndup(user, (size_t)(colon - user)) : strdup(user);
    if (!user_part)
        return lcont__error_set(reterr, -ENOMEM, "user '%s': out of memory", user);
    if (colon)
        group_part = colon + 1;
    if (group_part && strchr(group_part, ':'))
        return lcont__error_set(reterr, -EINVAL, "user '%s': not of the form USER[:GROUP]", user);

    r = db_load(rootfd, "/etc/passwd", &passwd, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "user '%s'", user);
    passwd_text = passwd.text;
    r = db_load(rootfd, "/etc/group", &group, reterr);
    if (r < 0)
        return lcont__error_prefix(reterr, r, "user '%s'", user);
    group_text = group.text;

    /* the user: a number need not exist in passwd, a name must */
    if (all_digits(user_part) && !parse_id(user_part, strlen(user_part), &uid))
        return lcont__error_set(reterr, -EINVAL, "user '%s': uid out of range 0..%llu", user,
                                ID_MAX);
    if (!*user_part || parse_id(user_part, strlen(user_part), &uid)) {
        pq.uid = uid;
    } else {
        if (!passwd.text)
            return lcont__error_set(reterr, -ENOENT,
                                    "user '%s': '%s' cannot be resolved: the image has no "
                                    "/etc/passwd (use a numeric uid)",
                                    user, user_part);
        pq.name = user_part;
    }
    r = db_foreach(&passwd, 7, pw_match, &pq);
    pw_name = pq.r_name;
    home = pq.r_home;
    if (r < 0)
        return lcont__error_setsys(reterr, r, "user '%s': read /etc/passwd", user);
    if (pq.name && !pq.found)
        return lcont__error_set(
            reterr, -ENOENT, "user '%s': no user '%s' in the image's /etc/passwd", user, user_part);
    if (pq.found) {
        uid = pq.r_uid;
        gid = pq.r_gid;
    }

    /* the primary group: explicit, else the passwd entry's, else 0 */
    if (group_part && *group_part) {
        gid_t g;
        char what[64];
        snprintf(what, sizeof(what), "user '%.40s'", user);
        r = resolve_group(&group, what, group_part, &g, reterr);
        if (r < 0)
            return r;
        gid = g;
    } else if (pw_name && group.text) {
        /* like runc: a user found in passwd also gets the groups that list it */
        struct gr_query gq = { .member = pw_name };
        r = db_foreach(&group, 4, gr_match, &gq);
        gids = gq.gids;
        n_gids = gq.n_gids;
        if (r < 0)
            return lcont__error_setsys(reterr, r, "user '%s': read /etc/group", user);
    }

    for (size_t i = 0; groups && groups[i]; i++) {
        gid_t g;
        r = resolve_group(&group, "additional groups", groups[i], &g, reterr);
        if (r < 0)
            return r;
        r = add_gid(&gids, &n_gids, g);
        if (r < 0)
            return lcont__error_setsys(reterr, r, "additional groups");
    }
    if (n_gids > 1)
        qsort(gids, n_gids, sizeof(gid_t), cmp_gid);

    ret->uid = uid;
    ret->gid = gid;
    ret->additional_gids = TAKE_PTR(gids);
    ret->n_additional_gids = n_gids;
    ret->home = TAKE_PTR(home);
    return 0;
}

void lcont__image_user_done(struct lcont_image_user *u)
{
    if (!u)
        return;
    free(u->additional_gids);
    free(u->home);
    u->additional_gids = NULL;
    u->n_additional_gids = 0;
    u->home = NULL;
}
