/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_SPEC_IMAGE_CONFIG_H
#define LCONT_SPEC_IMAGE_CONFIG_H

/*
 * OCI / Docker image configuration (the config blob a manifest points to) and
 * what lib/spec derives from it: the image user resolved inside the rootfs,
 * and an OCI runtime config for a container of the image.
 *
 * Image configs come from untrusted archives: every field is type checked and
 * every size is bounded; errors name the JSON path ("config.Env[2]: ...").
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <lcont/error.h>

#include "spec/spec.h"

/* Larger config blobs are refused before parsing (real ones are a few KiB, history included). */
#define LCONT_IMAGE_CONFIG_MAX_SIZE (8u * 1024 * 1024)
/* At most this many entries in any list or map of the config (Env, Labels, ports...). */
#define LCONT_IMAGE_CONFIG_MAX_ENTRIES 10000u
/* More layers than this cannot be stacked by overlayfs anyway (docker stops at 125). */
#define LCONT_IMAGE_CONFIG_MAX_LAYERS 500u

struct lcont_image_config {
    char *os;           /* required: "linux", ... */
    char *architecture; /* required: "amd64", "arm64", ... */
    char *variant;      /* "v8", ...; NULL if absent */
    char *created;      /* RFC 3339 text as written; NULL if absent */
    char *author;
    /* config: each NULL when absent */
    char **entrypoint;
    char **cmd;
    char **env; /* every entry "NAME=value" with a non-empty NAME */
    char *working_dir;
    char *user;
    char *stop_signal;
    char **exposed_ports; /* keys of ExposedPorts ("80/tcp"), in document order */
    char **volumes;       /* keys of Volumes */
    struct lcont_spec_kv *labels;
    size_t n_labels;
    /* rootfs */
    char **diff_ids; /* "sha256:<hex>" each, validated; never NULL after parsing */
};

/* Parse an image config blob (@len bytes, need not be NUL-terminated). -EINVAL names the field. */
int lcont__image_config_parse(const char *json, size_t len, struct lcont_image_config **ret,
                              lcont_error **reterr);
void lcont__image_config_free(struct lcont_image_config *c);
void lcont__image_config_freep(struct lcont_image_config **c);

/* ---- the image user (image-user.c) ---- */

struct lcont_image_user {
    uid_t uid;
    gid_t gid;
    gid_t *additional_gids; /* supplementary groups, sorted, without duplicates */
    size_t n_additional_gids;
    char *home; /* from the passwd entry; NULL when the user has none */
};

/*
 * Resolve a User string ("", "name", "uid", "name:group", "uid:gid", ...)
 * plus extra groups (@groups: names or numbers, may be NULL) against the
 * image's own /etc/passwd and /etc/group, read below @rootfd with
 * RESOLVE_IN_ROOT so symlinks in the image cannot reach the host's files.
 * @rootfd may be -1: numbers still work, names are an error. Like runc and
 * docker: a user name adds the groups that list it as a member, unless a
 * group was given explicitly; an empty string means root.
 */
int lcont__image_user_resolve(int rootfd, const char *user, const char *const *groups,
                              struct lcont_image_user *ret, lcont_error **reterr);
void lcont__image_user_done(struct lcont_image_user *u);

#endif
