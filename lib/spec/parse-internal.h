/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_SPEC_PARSE_INTERNAL_H
#define LCONT_SPEC_PARSE_INTERNAL_H

/*
 * Private to lib/spec: typed JSON accessors that name the JSON path in their
 * errors, the section parsers, and the name tables shared by the parser and
 * the features document.
 */

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error-internal.h"
#include "spec/spec.h"

/* Buffer size for a JSON path in an error message; longer paths are truncated. */
#define SPEC_PATH_SIZE 256

/* ---- JSON paths ("process.args", "mounts[0]", "annotations[\"a.b\"]") ---- */

void lcont__spec_path_member(char *buf, const char *parent, const char *key);
void lcont__spec_path_index(char *buf, const char *parent, size_t index);

/* ---- the document ---- */

/*
 * Parse JSON text into a cJSON tree. Every number node keeps its exact source
 * text in valuestring, so integers are converted without going through double.
 * Strings or member names holding an escaped NUL are rejected.
 */
int lcont__spec_json_parse(const char *json, size_t len, cJSON **ret, lcont_error **reterr);

/* Member @key of object @obj (case-sensitive, the last duplicate wins); null counts as absent. */
const cJSON *lcont__spec_member(const cJSON *obj, const char *key);

/* "<parent>.<key>: missing" */
int lcont__spec_missing(lcont_error **reterr, const char *parent, const char *key);

/*
 * Node accessors: @path names @node in the error. They return 0 or -EINVAL.
 * Integers must be written as integers (no fraction, no exponent) within [min, max].
 */
int lcont__spec_node_string(const cJSON *node, const char *path, char **ret, lcont_error **reterr);
int lcont__spec_node_u64(const cJSON *node, const char *path, uint64_t min, uint64_t max,
                         uint64_t *ret, lcont_error **reterr);
int lcont__spec_node_i64(const cJSON *node, const char *path, int64_t min, int64_t max,
                         int64_t *ret, lcont_error **reterr);
int lcont__spec_node_strv(const cJSON *node, const char *path, char ***ret, lcont_error **reterr);
int lcont__spec_node_object(const cJSON *node, const char *path, lcont_error **reterr);
int lcont__spec_node_array(const cJSON *node, const char *path, lcont_error **reterr);

/*
 * Member accessors: read member @key of @obj. They return 0 when it is absent
 * or null (*ret untouched), 1 when it was read, or -EINVAL naming
 * "<parent>.<key>". Strings and vectors are new allocations; an old *ret is
 * freed when replaced.
 */
int lcont__spec_get_string(const cJSON *obj, const char *parent, const char *key, char **ret,
                           lcont_error **reterr);
int lcont__spec_get_bool(const cJSON *obj, const char *parent, const char *key, bool *ret,
                         lcont_error **reterr);
int lcont__spec_get_u64(const cJSON *obj, const char *parent, const char *key, uint64_t min,
                        uint64_t max, uint64_t *ret, lcont_error **reterr);
int lcont__spec_get_i64(const cJSON *obj, const char *parent, const char *key, int64_t min,
                        int64_t max, int64_t *ret, lcont_error **reterr);
int lcont__spec_get_strv(const cJSON *obj, const char *parent, const char *key, char ***ret,
                         lcont_error **reterr);
/* An object or array member, type-checked, borrowed from the tree. */
int lcont__spec_get_object(const cJSON *obj, const char *parent, const char *key, const cJSON **ret,
                           lcont_error **reterr);
int lcont__spec_get_array(const cJSON *obj, const char *parent, const char *key, const cJSON **ret,
                          lcont_error **reterr);
/*
 * Required members: like the accessors above, but an absent (or null) member is
 * the error "<parent>.<key>: missing". They return 0 or -EINVAL.
 */
int lcont__spec_need_string(const cJSON *obj, const char *parent, const char *key, char **ret,
                            lcont_error **reterr);
int lcont__spec_need_bool(const cJSON *obj, const char *parent, const char *key, bool *ret,
                          lcont_error **reterr);
int lcont__spec_need_u64(const cJSON *obj, const char *parent, const char *key, uint64_t min,
                         uint64_t max, uint64_t *ret, lcont_error **reterr);
int lcont__spec_need_i64(const cJSON *obj, const char *parent, const char *key, int64_t min,
                         int64_t max, int64_t *ret, lcont_error **reterr);
/* A {string: string} object, in document order. */
int lcont__spec_get_kv(const cJSON *obj, const char *parent, const char *key,
                       struct lcont_spec_kv **ret, size_t *ret_n, lcont_error **reterr);

/* Values for lcont__spec_get_u64()/_i64() ranges. */
#define SPEC_U32_MAX UINT64_C(4294967295)
#define SPEC_ID_MAX UINT64_C(4294967294) /* uid/gid: (uid_t)-1 means "no change" */

/* ---- section parsers (fill @spec; on error the caller frees the whole spec) ---- */

int lcont__spec_parse_process(const cJSON *obj, struct lcont_spec *spec, lcont_error **reterr);
int lcont__spec_parse_mounts(const cJSON *root, struct lcont_spec *spec, lcont_error **reterr);
int lcont__spec_parse_hooks(const cJSON *root, struct lcont_spec *spec, lcont_error **reterr);
int lcont__spec_parse_linux(const cJSON *obj, struct lcont_spec *spec, lcont_error **reterr);
int lcont__spec_parse_resources(const cJSON *obj, struct lcont_spec_resources *res,
                                lcont_error **reterr);
int lcont__spec_parse_seccomp(const cJSON *obj, struct lcont_spec_seccomp *sc,
                              lcont_error **reterr);
/* Cross-field rules of the spec (namespaces vs. mappings, hostname, time offsets...). */
int lcont__spec_validate(const struct lcont_spec *spec, lcont_error **reterr);

/* ---- building documents (json-build.c), for generate.c and features.c ---- */

/* Remembers the first allocation failure so callers check once, at the end. */
struct spec_builder {
    bool failed;
};

cJSON *lcont__spec_add_object(struct spec_builder *b, cJSON *parent, const char *key);
cJSON *lcont__spec_add_array(struct spec_builder *b, cJSON *parent, const char *key);
/* Append to an array when @key is NULL. */
void lcont__spec_add_string(struct spec_builder *b, cJSON *parent, const char *key,
                            const char *value);
void lcont__spec_add_bool(struct spec_builder *b, cJSON *parent, const char *key, bool value);
/* Exact for |value| < 2^53, which is all these documents hold. */
void lcont__spec_add_number(struct spec_builder *b, cJSON *parent, const char *key, double value);
void lcont__spec_add_strings(struct spec_builder *b, cJSON *parent, const char *key,
                             const char *const *values);
/* Print indented into a malloc()ed string (callers free it with lcont_free()). */
int lcont__spec_print(const cJSON *doc, char **ret);

/* ---- name tables (names.c), shared with features.c ---- */

enum spec_mount_opt_kind {
    SPEC_MOPT_FLAG_SET = 0, /* MS_* to set (and forget an earlier clear) */
    SPEC_MOPT_FLAG_CLEAR,   /* MS_* to clear */
    SPEC_MOPT_PROPAGATION,  /* MS_SHARED... (| MS_REC) */
    SPEC_MOPT_ATTR_SET,     /* MOUNT_ATTR_* for mount_setattr(), recursive */
    SPEC_MOPT_ATTR_CLEAR,
    SPEC_MOPT_EXTENSION,   /* runtime extension (tmpcopyup): kept in options only */
    SPEC_MOPT_UNSUPPORTED, /* known but refused (idmap) */
    SPEC_MOPT_NOOP,        /* "defaults" */
};

struct spec_mount_opt {
    const char *name;
    enum spec_mount_opt_kind kind;
    unsigned long value;
};

/* A name the config may use and the value it stands for (policies, flags, resources). */
struct spec_name_value {
    const char *name;
    uint64_t value;
};

/* The entry of @table (@n entries) named @name, or NULL. */
const struct spec_name_value *lcont__spec_name_find(const struct spec_name_value *table, size_t n,
                                                    const char *name);

/*
 * Optional member @key of @obj: an array of flag names from @table, OR'ed into *ret.
 * Unknown names fail with "<parent>.<key>[i]: unknown flag 'x'". Returns 1 if present, 0 if absent.
 */
int lcont__spec_get_flags(const cJSON *obj, const char *parent, const char *key,
                          const struct spec_name_value *table, size_t n, uint64_t *ret,
                          lcont_error **reterr);

/* Sorted by name, terminated by a NULL name. */
extern const struct spec_mount_opt lcont__spec_mount_opts[];
const struct spec_mount_opt *lcont__spec_mount_opt_lookup(const char *name);

/* NULL-terminated name lists, in the order the features document prints them. */
extern const char *const lcont__spec_seccomp_action_names[]; /* by enum lcont_seccomp_action */
extern const char *const lcont__spec_seccomp_op_names[];     /* by enum lcont_seccomp_op */
extern const char *const lcont__spec_seccomp_arch_names[];   /* "SCMP_ARCH_X86_64", ... */
extern const char *const lcont__spec_seccomp_flag_names[];   /* "SECCOMP_FILTER_FLAG_TSYNC", ... */

/* OCI name of a namespace type ("pid", "network", "mount", ...). */
const char *lcont__spec_ns_oci_name(enum lcont_ns_type type);

/* libseccomp knows this "SCMP_ARCH_*" name on this build. */
bool lcont__spec_seccomp_arch_known(const char *name);

/* Highest capability number of the running kernel (cap_last_cap), or the build's. */
int lcont__spec_cap_last_cap(void);

#endif
