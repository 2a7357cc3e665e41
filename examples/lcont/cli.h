/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CLI_H
#define LCONT_CLI_H

/*
 * lcont: a docker/podman-like front end built only on the public API.
 * One file per command group (cmd-image.c, cmd-run.c, later ps/logs/exec/pods);
 * main.c owns the global options, the command table and the shared handles.
 */

#include <stdint.h>
#include <stdio.h>
#include <termios.h>

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
void format_size(uint64_t bytes, char *buf, size_t size);
/* "3 minutes ago" from an RFC 3339 time; the text itself when it cannot be parsed. */
void format_since(const char *rfc3339, char *buf, size_t size);
/* "repo:tag" -> repo and tag (tag "latest"-less names give "<none>"). */
void split_name(const char *name, char *repo, size_t repo_size, char *tag, size_t tag_size);

/* cmd-image.c */
int cmd_image(struct cli *cli, int argc, char **argv);
/* Find @name in the store; with a transport prefix ("oci:", "docker-archive:"...) load it. */
int image_get(struct cli *cli, const char *name, lcont_image **ret);
int image_is_transport(const char *source);

/* tty.c: a pseudo-terminal for "run -t", proxied through our stdin/stdout */
struct tty_proxy {
    char dir[256], path[300]; /* private console socket */
    int listen_fd, master;
    int master_open, stdin_open;
    int raw; /* our terminal is in raw mode; restore @saved */
    struct termios saved;
    char inbuf[4096];
    size_t inlen, inoff;
};
void tty_init(struct tty_proxy *t);
int tty_listen(struct tty_proxy *t);
/* Accept the library's connection and take the pty master (-ESRCH: the container died). */
int tty_receive(struct tty_proxy *t, int init_pidfd);
void tty_resize(struct tty_proxy *t);
void tty_pump_in(struct tty_proxy *t, int stdin_ready);
int tty_pump_out(struct tty_proxy *t);
void tty_cleanup(struct tty_proxy *t);

/* cmd-run.c */
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_rm(struct cli *cli, int argc, char **argv);

#endif
