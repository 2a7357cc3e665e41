/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CLI_H
#define LCONT_CLI_H

#include "tty-proxy.h"

/*
 * lcont: a docker/podman-like front end built only on the public API.
 * One file per command group (cmd-image.c, cmd-run.c, later ps/logs/exec/pods);
 * main.c owns the global options, the command table and the shared handles.
 */

#include <stdint.h>
#include <stdio.h>

#include <lcont/lcont.h>
#include <lcont/image.h>
#include <lcont/spec.h>

/* Exit statuses: like podman, 125 is "lcont itself failed" for run; other commands use 1. */
#define EXIT_USAGE 2
#define EXIT_RUN_FAILED 125
#define EXIT_CANNOT_INVOKE 126
#define EXIT_NOT_FOUND 127

struct cli {
    const char *root;    /* --root: image store (and container bundles) */
    const char *runroot; /* --runroot: runtime state */
    int debug;
    lcont_context *ctx;
    lcont_image_store *store;
    /* progress display */
    int progress_tty;
    int last_phase;
    uint32_t last_index;
    int bar_shown;
};

/* A command: @argv[0] is the command's own name; returns the exit status. */
struct command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *summary;
};

/* main.c */
int cli_open_context(struct cli *cli);
int cli_open_store(struct cli *cli);
/* "lcont: <what>: <library message>" on stderr; frees *err; returns 1. */
int cli_fail_lib(struct cli *cli, int r, lcont_error **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "lcont: <message>" on stderr; returns 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_debug(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "usage" for a bad invocation and return EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Dispatch argv[1] among @cmds (a NULL-named entry ends the table); -1 when not found. */
int cli_dispatch(struct cli *cli, const struct command *cmds, int argc, char **argv);
/* Write @text to @path atomically enough for a new bundle (temp file + rename). */
int cli_write_file(const char *dir, const char *name, const char *text);

/* progress.c: the store's progress callback */
void progress_init(struct cli *cli);
void progress_report(const lcont_image_progress *p, void *userdata);
void progress_finish(struct cli *cli);

/* format.c */
/* "1.5MB": decimal units (image sizes, I/O, as docker); "1.5MiB": binary (memory). */
void format_size(uint64_t bytes, char *buf, size_t size);
void format_size_binary(uint64_t bytes, char *buf, size_t size);
/* Columns of characters, not bytes ("…" is three). */
size_t text_width(const char *s);
/* @n cells padded to @width + 3 columns each, the last one not padded; a newline. */
void table_print_row(const char *const *cells, const size_t *width, size_t n);
/* --format: 0 "table", 1 "json" (one object per line, docker's keys), -1 anything else
 * (docker's Go templates are not supported). */
int format_option(const char *arg);
/* One JSON object of @n string members on a line of its own. */
void json_line_print(const char *const *keys, const char *const *values, size_t n);
/* "3 minutes ago" from an RFC 3339 time; the text itself when it cannot be parsed. */
void format_since(const char *rfc3339, char *buf, size_t size);
/* "repo:tag" -> repo and tag (tag "latest"-less names give "<none>"). */
void split_name(const char *name, char *repo, size_t repo_size, char *tag, size_t tag_size);

/* cmd-image.c */
int cmd_image(struct cli *cli, int argc, char **argv);
/* Find @name in the store; with a transport prefix ("oci:", "docker-archive:"...) load it. */
int image_get(struct cli *cli, const char *name, lcont_image **ret);
int image_is_transport(const char *source);

/* the container's terminal in the foreground: examples/common/tty-proxy.h */

/* format.c: times. Times are stored as RFC 3339 with nanoseconds, in UTC. */
void format_time_now(char *buf, size_t size);
/* Nanoseconds since the epoch, or -1 when @s cannot be parsed. */
int64_t parse_time_ns(const char *s);
int64_t now_ns(void);
/* docker's "3 seconds", "About a minute", "2 hours" for a duration. */
void format_duration(int64_t ns, char *buf, size_t size);

/* bundle.c: a container's directory <root>/containers/<id>/ and lcont's files in it */
#define BUNDLE_CONFIG "config.json"
#define BUNDLE_LOG "ctr.log"               /* CRI log of a detached container */
#define BUNDLE_META "meta.json"            /* what run was asked: image, created, rm */
#define BUNDLE_STATUS "status.json"        /* started/finished times, exit code */
#define BUNDLE_MONITOR_LOCK "monitor.lock" /* held by the process that reaps the container */
/* the most --log-opt max-file allows: ctr.log and ctr.log.1 .. ctr.log.999 */
#define LOG_MAX_FILES 1000
int bundle_path(const struct cli *cli, const char *id, const char *leaf, char *buf, size_t size);
/* Docker's rule for names, which also keeps them safe as one path component. */
int name_valid(const char *name);
/* The names of every bundle under <root>/containers, sorted: 0 or -errno. */
int bundle_list(const struct cli *cli, char ***ret, size_t *ret_n);
void bundle_list_free(char **names, size_t n);
/* Open and flock() (LOCK_SH or LOCK_EX) the bundle directory: serializes removals. Returns
 * the fd, or -ENOENT when there is no such bundle (or it was removed while we waited). */
int bundle_lock(const struct cli *cli, const char *id, int op);
/* Unmount the rootfs (if mounted) and remove the bundle; missing pieces are fine. */
int bundle_remove(struct cli *cli, const char *id, int quiet);
/* The bundle's rootfs is a mount of its own (the overlay does not survive a reboot: an
 * empty directory is left); @path receives its path. */
bool bundle_rootfs_mounted(const struct cli *cli, const char *id, char *path, size_t size);
/* A JSON file of the bundle, parsed (cJSON *, NULL when missing or invalid). */
void *bundle_read_json(const struct cli *cli, const char *id, const char *leaf);
/* 1 when a monitor (or a foreground run) holds the monitor lock, 0 when none, -errno. */
int monitor_alive(const struct cli *cli, const char *id);
/* Block until no process holds the monitor lock (the exit status is recorded by then). */
int monitor_wait(const struct cli *cli, const char *id);
/* Take the monitor lock (exclusive, never blocks): the fd, -EBUSY when held, -errno. */
int monitor_lock(const struct cli *cli, const char *id);
/* Write status.json atomically: started and, when @finished is set, finished and exit code.
 * With @reserve_fd (from status_reserve(), consumed) it needs no free space. */
int status_write(const struct cli *cli, const char *id, const char *started, const char *finished,
                 int exit_code, int reserve_fd);
/* Reserve the blocks of the final status.json now, so that a full disk cannot lose the exit
 * code: an fd for status_write(), or -errno. */
int status_reserve(const struct cli *cli, const char *id);
/* Load the container's runtime state: 0, -ENOENT, or 1 with a message printed. */
int container_load(struct cli *cli, const char *id, lcont_container **ret);
/* container_load() for commands that need the container: 0, or 1 with a message printed
 * ("no such container" included). */
int container_find(struct cli *cli, const char *id, lcont_container **ret);

/* cmd-run.c */
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_rm(struct cli *cli, int argc, char **argv);
/* Forwarded signals arrive as bytes on the returned pipe (handlers, reset by exec). */
int signals_install(int *ret_fd);
/* Until @init exits: forward signals from @sigfd and, with a tty, copy the terminal. */
int wait_forwarding(struct cli *cli, lcont_process *init, int sigfd, struct tty_proxy *tty,
                    int *ret_status);
/* -e K=V or -e K (our value of K, nothing when unset) appended to a NULL-terminated list. */
int env_push(char ***env, size_t *n_env, const char *arg);
void env_free(char **env, size_t n_env);
/* The exit status for a failure to create, start or exec (125, 126 or 127); prints it. */
int run_fail(struct cli *cli, int r, lcont_error **err, const char *what);

/* monitor.c: run -d. Forks the monitor, which creates, starts and reaps container @id from
 * its prepared bundle; returns 0 once it is running, else the exit status (125/126/127).
 * When it cannot start, the bundle is removed, unless @keep (lcont start). */
int monitor_spawn(struct cli *cli, const char *id, int rm, int keep);

/* cmd-ps.c */
int cmd_ps(struct cli *cli, int argc, char **argv);
int cmd_container_inspect(struct cli *cli, int argc, char **argv);
/* run-config.c: what run adds to the image's config */
struct run_volume {
    char *source, *destination; /* absolute; source resolved on the host */
    int readonly;
};
struct run_extra {
    struct run_volume *volumes;
    size_t n_volumes;
    uint64_t memory;    /* bytes; 0: no limit */
    uint64_t cpu_quota; /* us per 100 ms; 0: no limit */
    int64_t pids_limit; /* 0: no limit */
};
/* "64m", "1g", "512k", "1048576": bytes (k/m/g are powers of 1024). */
int parse_size(const char *s, uint64_t *ret);
/* "1.5": a CFS quota per 100 ms period. */
int parse_cpus(const char *s, uint64_t *ret_quota);
/* -v HOST:CONTAINER[:ro|rw]; prints the error itself (returns its exit status). */
int volume_parse(const char *arg, struct run_volume *ret);
void volume_free(struct run_volume *v);
/* @json with the mounts and resources of @x added; -EINVAL when @json is not an object. */
int config_add_run_extra(const char *json, const struct run_extra *x, char **ret);

/* cmd-logs.c */
int cmd_logs(struct cli *cli, int argc, char **argv);
/* cmd-ctl.c */
int cmd_stop(struct cli *cli, int argc, char **argv);
int cmd_kill(struct cli *cli, int argc, char **argv);
int cmd_wait(struct cli *cli, int argc, char **argv);
int cmd_start(struct cli *cli, int argc, char **argv);
int cmd_restart(struct cli *cli, int argc, char **argv);
int cmd_pause(struct cli *cli, int argc, char **argv);
int cmd_unpause(struct cli *cli, int argc, char **argv);
/* Signal number from "KILL", "SIGKILL" or "9"; -1 when unknown. */
int parse_signal(const char *s);
/* cmd-exec.c */
int cmd_exec(struct cli *cli, int argc, char **argv);
/* cmd-stats.c */
int cmd_stats(struct cli *cli, int argc, char **argv);
int cmd_top(struct cli *cli, int argc, char **argv);
/* cmd-cp.c */
int cmd_cp(struct cli *cli, int argc, char **argv);

#endif
