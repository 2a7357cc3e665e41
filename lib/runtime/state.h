/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_STATE_H
#define LCONT_RUNTIME_STATE_H

/*
 * Persisted container state: <state_root>/<id>/ holds
 *   state.json   our record (superset of the OCI state), rewritten atomically
 *   config.json  a copy of the config the container was created from
 *   exec.fifo    present from create until start (runc's convention)
 * The directory itself is the lock (flock on its fd), so deleting the
 * directory never races with a lock file.
 */

#include <stdint.h>
#include <sys/types.h>

#include <lcont/error.h>

#include "core/context-internal.h"

enum lcont_state_status {
    LCONT_STATE_CREATING = 0,
    LCONT_STATE_CREATED = 1,
    LCONT_STATE_RUNNING = 2,
    LCONT_STATE_STOPPED = 3,
    LCONT_STATE_PAUSED = 4,
};

struct lcont_state {
    char *id;
    char *bundle;                   /* absolute */
    char *rootfs;                   /* absolute */
    char *created;                  /* RFC 3339 with nanoseconds, UTC */
    char *cgroup_path;              /* resolved cgroup path, NULL when none */
    enum lcont_state_status status; /* as recorded; see lcont__state_refresh() */
    pid_t pid;                      /* 0 until the init process exists */
    uint64_t pid_start_time;        /* /proc/<pid>/stat field 22, against pid reuse */
    uid_t owner;
    char *annotations_json; /* config annotations as a JSON object, NULL if none */
};

#define LCONT_STATE_FILE "state.json"
#define LCONT_CONFIG_FILE "config.json"
#define LCONT_EXEC_FIFO "exec.fifo"

/* Container ids: [A-Za-z0-9_+.-], 1..1024 chars, not "." or ".." (like runc). */
int lcont__state_validate_id(const char *id, lcont_error **reterr);

/* Open (creating if needed, mode 0700) the state root; returns an O_DIRECTORY fd. */
int lcont__state_open_root(const lcont_context *ctx, int create, lcont_error **reterr);

/* mkdir <root>/<id> exclusively, open it and lock it; returns the dir fd. -EEXIST if taken. */
int lcont__state_dir_create(int rootfd, const char *id, lcont_error **reterr);

/* Open and lock <root>/<id>; -ENOENT when it does not exist (or was deleted meanwhile). */
int lcont__state_dir_open(int rootfd, const char *id, lcont_error **reterr);

int lcont__state_write(int dirfd, const struct lcont_state *st, lcont_error **reterr);
int lcont__state_read(int dirfd, struct lcont_state *ret, lcont_error **reterr);
void lcont__state_clear(struct lcont_state *st);

/* Render the OCI state JSON (ociVersion, id, status, pid, bundle, rootfs, created, owner,
 * annotations) for the given effective status. Returned string is malloc'ed. */
char *lcont__state_to_oci_json(const struct lcont_state *st, enum lcont_state_status status);

const char *lcont__state_status_name(enum lcont_state_status s);

/* Start time of @pid (field 22 of /proc/<pid>/stat) or 0 if gone; sets *is_zombie. */
uint64_t lcont__proc_start_time(pid_t pid, int *is_zombie);

/* The current time as RFC 3339 (UTC, nanoseconds); malloc'ed. */
char *lcont__state_now_rfc3339(void);

#endif
