/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON text -> cJSON tree, plus typed accessors that report the JSON path.
 *
 * cJSON keeps numbers only as double, which silently rounds integers above
 * 2^53 (seccomp argument masks, memory limits like INT64_MAX). After a
 * successful parse we walk the tree in document order alongside a small
 * scanner over the text and store each number's exact spelling in the
 * node's valuestring; integers are then converted from that text. The same
 * walk rejects strings with an escaped NUL, which cJSON would truncate.
 */
#include "spec/parse-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* ---- paths ---- */

static bool is_plain_key(const char *key)
{
    if (!*key)
        return false;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return false;
    return true;
}

void lcont__spec_path_member(char *buf, const char *parent, const char *key)
{
    if (!is_plain_key(key))
        snprintf(buf, SPEC_PATH_SIZE, "%s[\"%s\"]", parent ? parent : "", key);
    else if (!parent || !*parent)
        snprintf(buf, SPEC_PATH_SIZE, "%s", key);
    else
        snprintf(buf, SPEC_PATH_SIZE, "%s.%s", parent, key);
}

void lcont__spec_path_index(char *buf, const char *parent, size_t index)
{
    snprintf(buf, SPEC_PATH_SIZE, "%s[%zu]", parent ? parent : "", index);
}

/* ---- scanner over the source text ---- */

struct scanner {
    const char *text;
    size_t len;
    size_t pos;
};

enum token {
    TOKEN_STRING,
    TOKEN_NUMBER
};

/*
 * Advance to the next string or number token. Structural characters,
 * whitespace and the literals true/false/null contain neither quotes nor
 * characters that start a number, so skipping everything else is exact for
 * text cJSON accepted.
 */
static int next_token(struct scanner *sc, enum token want, size_t *start, size_t *end,
                      bool *has_nul)
{
    const char *s = sc->text;

    while (sc->pos < sc->len) {
        char c = s[sc->pos];
        if (c == '"') {
            size_t i = sc->pos + 1;
            bool nul = false;
            while (i < sc->len && s[i] != '"') {
                if (s[i] == '\\' && i + 1 < sc->len) {
                    if (s[i + 1] == 'u' && i + 5 < sc->len && memcmp(s + i + 2, "0000", 4) == 0)
                        nul = true;
                    i++;
                }
                i++;
            }
            if (want != TOKEN_STRING || i >= sc->len)
                return -EINVAL;
            *start = sc->pos;
            *end = i + 1;
            if (has_nul)
                *has_nul = nul;
            sc->pos = i + 1;
            return 0;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            size_t i = sc->pos;
            while (i < sc->len && s[i] && strchr("0123456789+-.eE", s[i]))
                i++;
            if (want != TOKEN_NUMBER)
                return -EINVAL;
            *start = sc->pos;
            *end = i;
            sc->pos = i;
            return 0;
        }
        sc->pos++;
    }
    return -EINVAL;
}

static int scan_mismatch(lcont_error **reterr, const struct scanner *sc)
{
    /* Cannot happen for text cJSON accepted; refuse rather than guess. */
    return lcont__error_set(reterr, -EINVAL, "config.json: unexpected token near byte %zu",
                            sc->pos);
}

/*
 * The walk shares one path buffer (segments appended and cut off again), so
 * its stack frames stay small even at cJSON's nesting limit of 1000.
 */
struct walk {
    struct scanner sc;
    char path[SPEC_PATH_SIZE];
    size_t len;
};

static size_t path_push(struct walk *w, const cJSON *parent, const cJSON *child, size_t index)
{
    size_t old = w->len, room = sizeof(w->path) - old;
    int n;

    if (cJSON_IsArray(parent))
        n = snprintf(w->path + old, room, "[%zu]", index);
    else if (!is_plain_key(child->string ? child->string : ""))
        n = snprintf(w->path + old, room, "[\"%s\"]", child->string ? child->string : "");
    else
        n = snprintf(w->path + old, room, old ? ".%s" : "%s", child->string);
    if (n > 0)
        w->len = (size_t)n < room ? old + (size_t)n : sizeof(w->path) - 1;
    return old;
}

static void path_pop(struct walk *w, size_t old)
{
    w->len = old;
    w->path[old] = '\0';
}

static const char *path_or_doc(const struct walk *w)
{
    return w->len ? w->path : "config.json";
}

static int annotate(cJSON *node, struct walk *w, lcont_error **reterr)
{
    size_t start, end;
    bool nul;
    int r;

    if (cJSON_IsString(node)) {
        r = next_token(&w->sc, TOKEN_STRING, &start, &end, &nul);
        if (r < 0)
            return scan_mismatch(reterr, &w->sc);
        if (nul)
            return lcont__error_set(reterr, -EINVAL, "%s: must not contain a NUL character",
                                    path_or_doc(w));
        return 0;
    }
    if (cJSON_IsNumber(node)) {
        char *raw;
        r = next_token(&w->sc, TOKEN_NUMBER, &start, &end, NULL);
        if (r < 0)
            return scan_mismatch(reterr, &w->sc);
        /* cJSON_Delete() frees valuestring with cJSON's allocator. */
        raw = cJSON_malloc(end - start + 1);
        if (!raw)
            return lcont__error_set(reterr, -ENOMEM, "config.json: out of memory");
        memcpy(raw, w->sc.text + start, end - start);
        raw[end - start] = '\0';
        node->valuestring = raw;
        return 0;
    }
    if (cJSON_IsArray(node) || cJSON_IsObject(node)) {
        size_t index = 0;
        for (cJSON *c = node->child; c; c = c->next, index++) {
            size_t old;
            if (cJSON_IsObject(node)) {
                r = next_token(&w->sc, TOKEN_STRING, &start, &end, &nul);
                if (r < 0)
                    return scan_mismatch(reterr, &w->sc);
                if (nul)
                    return lcont__error_set(reterr, -EINVAL,
                                            "%s: member names must not contain a NUL character",
                                            path_or_doc(w));
            }
            old = path_push(w, node, c, index);
            r = annotate(c, w, reterr);
            path_pop(w, old);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

int lcont__spec_json_parse(const char *json, size_t len, cJSON **ret, lcont_error **reterr)
{
    _cleanup_free_ char *copy = NULL;
    const char *text = json, *end = NULL;
    size_t n = strnlen(json, len);
    struct walk *w;
    cJSON *root;
    int r;

    /* Trailing NUL padding is fine (callers passing sizeof); a NUL inside the text is not. */
    for (size_t i = n; i < len; i++)
        if (json[i] != '\0')
            return lcont__error_set(reterr, -EINVAL, "config.json: not valid JSON near byte %zu",
                                    n);
    if (n == len) {
        /* cJSON wants the terminating NUL inside the buffer it is given. */
        copy = malloc(n + 1);
        if (!copy)
            return lcont__error_set(reterr, -ENOMEM, "config.json: out of memory");
        memcpy(copy, json, n);
        copy[n] = '\0';
        text = copy;
    }

    root = cJSON_ParseWithLengthOpts(text, n + 1, &end, 1);
    if (!root) {
        size_t at = end && end >= text ? (size_t)(end - text) : 0;
        return lcont__error_set(reterr, -EINVAL, "config.json: not valid JSON near byte %zu", at);
    }

    w = calloc(1, sizeof(*w));
    if (!w) {
        cJSON_Delete(root);
        return lcont__error_set(reterr, -ENOMEM, "config.json: out of memory");
    }
    w->sc = (struct scanner){ .text = text, .len = n, .pos = 0 };
    r = annotate(root, w, reterr);
    free(w);
    if (r < 0) {
        cJSON_Delete(root);
        return r;
    }
    *ret = root;
    return 0;
}

/* ---- accessors ---- */

const cJSON *lcont__spec_member(const cJSON *obj, const char *key)
{
    const cJSON *found = NULL;

    if (!obj || !cJSON_IsObject(obj))
        return NULL;
    for (const cJSON *c = obj->child; c; c = c->next)
        if (c->string && strcmp(c->string, key) == 0)
            found = c;
    if (found && cJSON_IsNull(found))
        return NULL;
    return found;
}

int lcont__spec_missing(lcont_error **reterr, const char *parent, const char *key)
{
    char p[SPEC_PATH_SIZE];
    lcont__spec_path_member(p, parent, key);
    return lcont__error_set(reterr, -EINVAL, "%s: missing", p);
}

int lcont__spec_node_string(const cJSON *node, const char *path, char **ret, lcont_error **reterr)
{
    char *s;

    if (!cJSON_IsString(node) || !node->valuestring)
        return lcont__error_set(reterr, -EINVAL, "%s: must be a string", path);
    s = strdup(node->valuestring);
    if (!s)
        return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", path);
    free(*ret);
    *ret = s;
    return 0;
}

/*
 * Split the exact text of an integer ("-12", "0", "18446744073709551615").
 * JSON integers have no '+', no leading zeros, no fraction and no exponent.
 * Returns false if the text is not such an integer or its magnitude
 * overflows 64 bits (*overflow set).
 */
static bool parse_integer(const char *raw, bool *neg, uint64_t *mag, bool *overflow)
{
    const char *p = raw;
    uint64_t v = 0;

    *overflow = false;
    *neg = false;
    if (*p == '-') {
        *neg = true;
        p++;
    }
    if (*p < '0' || *p > '9')
        return false;
    if (*p == '0' && p[1] != '\0')
        return false;
    for (; *p; p++) {
        unsigned d;
        if (*p < '0' || *p > '9')
            return false;
        d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            *overflow = true;
        else
            v = v * 10 + d;
    }
    *mag = v;
    return !*overflow;
}

static int range_error_u(lcont_error **reterr, const char *path, uint64_t min, uint64_t max)
{
    return lcont__error_set(
        reterr, -EINVAL, "%s: must be an integer in range %" PRIu64 "..%" PRIu64, path, min, max);
}

static int range_error_i(lcont_error **reterr, const char *path, int64_t min, int64_t max)
{
    return lcont__error_set(
        reterr, -EINVAL, "%s: must be an integer in range %" PRId64 "..%" PRId64, path, min, max);
}

int lcont__spec_node_u64(const cJSON *node, const char *path, uint64_t min, uint64_t max,
                         uint64_t *ret, lcont_error **reterr)
{
    bool neg, overflow;
    uint64_t mag;

    if (!cJSON_IsNumber(node) || !node->valuestring)
        return range_error_u(reterr, path, min, max);
    if (!parse_integer(node->valuestring, &neg, &mag, &overflow))
        return range_error_u(reterr, path, min, max);
    if ((neg && mag != 0) || mag < min || mag > max)
        return range_error_u(reterr, path, min, max);
    *ret = mag;
    return 0;
}

int lcont__spec_node_i64(const cJSON *node, const char *path, int64_t min, int64_t max,
                         int64_t *ret, lcont_error **reterr)
{
    bool neg, overflow;
    uint64_t mag;
    int64_t v;

    if (!cJSON_IsNumber(node) || !node->valuestring)
        return range_error_i(reterr, path, min, max);
    if (!parse_integer(node->valuestring, &neg, &mag, &overflow))
        return range_error_i(reterr, path, min, max);
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1)
            return range_error_i(reterr, path, min, max);
        v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return range_error_i(reterr, path, min, max);
        v = (int64_t)mag;
    }
    if (v < min || v > max)
        return range_error_i(reterr, path, min, max);
    *ret = v;
    return 0;
}

int lcont__spec_node_strv(const cJSON *node, const char *path, char ***ret, lcont_error **reterr)
{
    _cleanup_strv_ char **v = NULL;
    size_t n = 0;

    if (!cJSON_IsArray(node))
        return lcont__error_set(reterr, -EINVAL, "%s: must be an array of strings", path);
    for (const cJSON *c = node->child; c; c = c->next)
        n++;
    v = calloc(n + 1, sizeof(char *));
    if (!v)
        return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", path);
    n = 0;
    for (const cJSON *c = node->child; c; c = c->next) {
        if (!cJSON_IsString(c) || !c->valuestring)
            return lcont__error_set(reterr, -EINVAL, "%s: must be an array of strings", path);
        v[n] = strdup(c->valuestring);
        if (!v[n])
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", path);
        n++;
    }
    lcont__strv_free(*ret);
    *ret = TAKE_PTR(v);
    return 0;
}

int lcont__spec_node_object(const cJSON *node, const char *path, lcont_error **reterr)
{
    if (!cJSON_IsObject(node))
        return lcont__error_set(reterr, -EINVAL, "%s: must be an object", path);
    return 0;
}

int lcont__spec_node_array(const cJSON *node, const char *path, lcont_error **reterr)
{
    if (!cJSON_IsArray(node))
        return lcont__error_set(reterr, -EINVAL, "%s: must be an array", path);
    return 0;
}

int lcont__spec_get_string(const cJSON *obj, const char *parent, const char *key, char **ret,
                           lcont_error **reterr)
{
    const cJSON *m = lcont__spec_member(obj, key);
    char p[SPEC_PATH_SIZE];
    int r;

    if (!m)
        return 0;
    lcont__spec_path_member(p, parent, key);
    r = lcont__spec_node_string(m, p, ret, reterr);
    return r < 0 ? r : 1;
}

int lcont__spec_get_bool(const cJSON *obj, const char *parent, const char *key, bool *ret,
                         lcont_error **reterr)
{
    const cJSON *m = lcont__spec_member(obj, key);
    char p[SPEC_PATH_SIZE];

    if (!m)
        return 0;
    if (!cJSON_IsBool(m)) {
        lcont__spec_path_member(p, parent, key);
        return lcont__error_set(reterr, -EINVAL, "%s: must be a boolean", p);
    }
    *ret = cJSON_IsTrue(m);
    return 1;
}

int lcont__spec_get_u64(const cJSON *obj, const char *parent, const char *key, uint64_t min,
                        uint64_t max, uint64_t *ret, lcont_error **reterr)
{
    const cJSON *m = lcont__spec_member(obj, key);
    char p[SPEC_PATH_SIZE];
    int r;

    if (!m)
        return 0;
    lcont__spec_path_member(p, parent, key);
    r = lcont__spec_node_u64(m, p, min, max, ret, reterr);
    return r < 0 ? r : 1;
}

int lcont__spec_get_i64(const cJSON *obj, const char *parent, const char *key, int64_t min,
                        int64_t max, int64_t *ret, lcont_error **reterr)
{
    const cJSON *m = lcont__spec_member(obj, key);
    char p[SPEC_PATH_SIZE];
    int r;

    if (!m)
        return 0;
    lcont__spec_path_member(p, parent, key);
    r = lcont__spec_node_i64(m, p, min, max, ret, reterr);
    return r < 0 ? r : 1;
}

int lcont__spec_get_strv(const cJSON *obj, const char *parent, const char *key, char ***ret,
                         lcont_error **reterr)
{
    const cJSON *m = lcont__spec_member(obj, key);
    char p[SPEC_PATH_SIZE];
    int r;

    if (!m)
        return 0;
    lcont__spec_path_member(p, parent, key);
    r = lcont__spec_node_strv(m, p, ret, reterr);
    return r < 0 ? r : 1;
}

/* The member, type-checked as an object (or an array), borrowed from the tree. */
static int get_container(const cJSON *obj, const char *parent, const char *key, bool array,
                         const cJSON **ret, lcont_error **reterr)
{
    const cJSON *m = lcont__spec_member(obj, key);
    char p[SPEC_PATH_SIZE];
    int r;

    if (!m)
        return 0;
    lcont__spec_path_member(p, parent, key);
    r = array ? lcont__spec_node_array(m, p, reterr) : lcont__spec_node_object(m, p, reterr);
    if (r < 0)
        return r;
    *ret = m;
    return 1;
}

int lcont__spec_get_object(const cJSON *obj, const char *parent, const char *key, const cJSON **ret,
                           lcont_error **reterr)
{
    return get_container(obj, parent, key, false, ret, reterr);
}

int lcont__spec_get_array(const cJSON *obj, const char *parent, const char *key, const cJSON **ret,
                          lcont_error **reterr)
{
    return get_container(obj, parent, key, true, ret, reterr);
}

/* What a lcont__spec_need_*() returns for the result @r of its lcont__spec_get_*(). */
static int need(int r, const char *parent, const char *key, lcont_error **reterr)
{
    if (r == 0)
        return lcont__spec_missing(reterr, parent, key);
    return r < 0 ? r : 0;
}

int lcont__spec_need_string(const cJSON *obj, const char *parent, const char *key, char **ret,
                            lcont_error **reterr)
{
    return need(lcont__spec_get_string(obj, parent, key, ret, reterr), parent, key, reterr);
}

int lcont__spec_need_bool(const cJSON *obj, const char *parent, const char *key, bool *ret,
                          lcont_error **reterr)
{
    return need(lcont__spec_get_bool(obj, parent, key, ret, reterr), parent, key, reterr);
}

int lcont__spec_need_u64(const cJSON *obj, const char *parent, const char *key, uint64_t min,
                         uint64_t max, uint64_t *ret, lcont_error **reterr)
{
    return need(lcont__spec_get_u64(obj, parent, key, min, max, ret, reterr), parent, key, reterr);
}

int lcont__spec_need_i64(const cJSON *obj, const char *parent, const char *key, int64_t min,
                         int64_t max, int64_t *ret, lcont_error **reterr)
{
    return need(lcont__spec_get_i64(obj, parent, key, min, max, ret, reterr), parent, key, reterr);
}

static void kv_free_all(struct lcont_spec_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

struct kv_order {
    const char *key;
    size_t index;
};

static int kv_order_cmp(const void *a, const void *b)
{
    const struct kv_order *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * JSON objects may repeat a key; like runc (Go maps) the last value wins.
 * Sort-based so a huge object stays O(n log n). Keeps document order of the
 * survivors and updates *n to their count.
 */
static int dedup_keep_last(struct lcont_spec_kv *kv, size_t *n_inout)
{
    _cleanup_free_ struct kv_order *order = NULL;
    _cleanup_free_ bool *drop = NULL;
    size_t n = *n_inout, out = 0;

    if (n < 2)
        return 0;
    order = calloc(n, sizeof(*order));
    drop = calloc(n, sizeof(*drop));
    if (!order || !drop)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        order[i] = (struct kv_order){ kv[i].key, i };
    qsort(order, n, sizeof(*order), kv_order_cmp);
    for (size_t i = 0; i + 1 < n; i++)
        if (strcmp(order[i].key, order[i + 1].key) == 0)
            drop[order[i].index] = true;
    for (size_t i = 0; i < n; i++) {
        if (drop[i]) {
            free(kv[i].key);
            free(kv[i].value);
            continue;
        }
        kv[out++] = kv[i];
    }
    *n_inout = out;
    return 0;
}

int lcont__spec_get_kv(const cJSON *obj, const char *parent, const char *key,
                       struct lcont_spec_kv **ret, size_t *ret_n, lcont_error **reterr)
{
    const cJSON *m = NULL;
    struct lcont_spec_kv *kv;
    char p[SPEC_PATH_SIZE];
    size_t n = 0, i = 0;
    int r;

    r = lcont__spec_get_object(obj, parent, key, &m, reterr);
    if (r <= 0)
        return r;
    lcont__spec_path_member(p, parent, key);
    for (const cJSON *c = m->child; c; c = c->next)
        n++;
    kv = calloc(n ? n : 1, sizeof(*kv));
    if (!kv)
        return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", p);
    for (const cJSON *c = m->child; c; c = c->next, i++) {
        char cp[SPEC_PATH_SIZE];
        lcont__spec_path_member(cp, p, c->string ? c->string : "");
        if (!cJSON_IsString(c) || !c->valuestring) {
            kv_free_all(kv, i);
            return lcont__error_set(reterr, -EINVAL, "%s: must be a string", cp);
        }
        kv[i].key = strdup(c->string ? c->string : "");
        kv[i].value = strdup(c->valuestring);
        if (!kv[i].key || !kv[i].value) {
            kv_free_all(kv, i + 1);
            return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", cp);
        }
    }
    if (dedup_keep_last(kv, &n) < 0) {
        kv_free_all(kv, n);
        return lcont__error_set(reterr, -ENOMEM, "%s: out of memory", p);
    }
    kv_free_all(*ret, *ret_n);
    *ret = kv;
    *ret_n = n;
    return 1;
}
