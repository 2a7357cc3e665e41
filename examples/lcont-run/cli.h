/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUN_CLI_H
#define LCONT_RUN_CLI_H

/* Shared state and helpers of lcont-run, a runc-compatible front end that
 * uses only the public lcont API. */

#include <getopt.h>
#include <stdio.h>

#include <lcont/lcont.h>

#define PROGRAM_NAME "lcont-run"
#define OCI_SPEC_VERSION "1.2.0"

/* Global options plus the lazily created library context. */
struct cli {
    const char *root;  /* absolute state root (--root) */
    char *root_owned;  /* allocation behind root when made absolute */
    int debug;         /* --debug */
    int log_json;      /* --log-format json */
    int log_fd;        /* where log lines go: --log file or stderr */
    int log_is_stderr; /* no --log: errors are printed only once */
    int min_fd;        /* our own fds live at or above this: below are fds to preserve */
    lcont_context *ctx;
};

/* One sub-command: fn gets argv[0] == the command's name. */
struct command {
    const char *name;
    int (*fn)(struct cli *cli, int argc, char **argv);
    const char *summary;
    const char *usage; /* full help text, printed by "<cmd> --help" */
};

const struct command *command_find(const char *name);
void usage_global(FILE *out);

/* log.c: runc/logrus compatible log lines ("time=... level=... msg=..." or JSON). */
int log_open(struct cli *cli, const char *path);
void log_line(struct cli *cli, int level, const char *msg);
/* Log an error and print it on stderr; returns the exit status 1. */
int cli_fail(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, with the library's message (or strerror(-r) when *err is NULL); frees *err and
 * sets it to NULL, so the caller's later lcont_error_free() stays harmless. */
int cli_fail_lib(struct cli *cli, int r, lcont_error **err, const char *what);
void cli_debug(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_lib_fn(int level, const char *msg, void *userdata);

/* args.c: getopt_long_only wrappers (accept -flag, --flag, --flag=v, --flag v). */
int args_parse_bool(const char *value, int *ret);
/* Parse a boolean flag value (NULL means true); on error logs it and returns exit status 1. */
int args_set_bool(struct cli *cli, const char *flag, const char *value, int *ret);
int args_parse_uint(const char *value, int *ret);
/* Report a getopt error (unknown flag / missing value) with the command's usage on stderr. */
int args_usage_error(struct cli *cli, const struct command *cmd, char **argv, int c);
/* The tail of every command's option switch: 'h' prints the usage on stdout and returns 0,
 * anything else is reported by args_usage_error(). */
int args_help_or_error(struct cli *cli, const struct command *cmd, char **argv, int opt);
/* For commands whose only option is --help: parse it, then require exactly nargs arguments
 * (at argv[optind]). Returns -1 to go on, else the exit status (0 after --help). */
int args_parse_no_options(struct cli *cli, const struct command *cmd, int argc, char **argv,
                          int nargs);
/* "<cmd> requires exactly N argument(s)" check, usage on stderr. */
int args_check_count(struct cli *cli, const struct command *cmd, int nargs, int min, int max);
/* Absolute form of path (relative to the cwd, symlinks kept, like Go filepath.Abs). */
char *args_abs_path(const char *path);
/* Parse "TERM", "SIGTERM", "sigterm", "15", "RTMIN+2": signal number or -1. */
int args_parse_signal(const char *s);

/* context.c */
/* --preserve-fds N: fds 3..3+N-1 are the caller's to pass on, so move our own (the log)
 * above them and have later ones (signal pipe, console socket) made there too. */
int cli_reserve_fds(struct cli *cli, int preserve_fds);
/* Move @fd to the lowest number >= cli->min_fd (CLOEXEC); returns the new fd or -errno. */
int cli_fd_high(struct cli *cli, int fd);
int cli_context(struct cli *cli, lcont_context **ret);
/* Load container id; prints "container does not exist" etc. Returns 0 or exit status.
 * With missing_ok, a container that does not exist is not an error: *ret becomes NULL. */
int cli_load(struct cli *cli, const char *id, int missing_ok, lcont_container **ret);
const char *status_name(int status);

/* json.c: whitespace re-formatting of JSON text, Go json.MarshalIndent style. */
int json_write_indented(FILE *out, const char *json, const char *indent);
/* Reformatted copy (indent NULL: compact), freed with free(). */
char *json_format(const char *json, const char *indent);
/* process.terminal of <bundle>/config.json: 1, 0, or -errno when unreadable. */
int json_config_terminal(const char *bundle);

/* Commands. */
int cmd_create(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_start(struct cli *cli, int argc, char **argv);
int cmd_state(struct cli *cli, int argc, char **argv);
int cmd_kill(struct cli *cli, int argc, char **argv);
int cmd_delete(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_spec(struct cli *cli, int argc, char **argv);
int cmd_features(struct cli *cli, int argc, char **argv);

#endif
