/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont: global options, help, version, command dispatch and the shared handles. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define DEFAULT_ROOT "/var/lib/lcont"
#define DEFAULT_RUNROOT "/run/lcont"

static const struct command commands[] = {
    { "image", cmd_image, "Manage images: load, ls, inspect, rm, prune, unpack, mount, umount" },
    { "run", cmd_run, "Run a command in a new container from an image" },
    { "ps", cmd_ps, "List containers" },
    { "logs", cmd_logs, "Show the output of a detached container" },
    { "exec", cmd_exec, "Run a command in a running container" },
    { "start", cmd_start, "Start stopped containers again, detached" },
    { "restart", cmd_restart, "Stop containers, then start them again" },
    { "stop", cmd_stop, "Stop containers: their stop signal, then SIGKILL after a timeout" },
    { "kill", cmd_kill, "Send a signal to containers" },
    { "wait", cmd_wait, "Wait for containers to exit and print their exit codes" },
    { "pause", cmd_pause, "Freeze every process of containers" },
    { "unpause", cmd_unpause, "Thaw paused containers" },
    { "stats", cmd_stats, "Show containers' CPU, memory, network and block I/O use" },
    { "top", cmd_top, "Show the processes of a container" },
    { "cp", cmd_cp, "Copy files between a container and the host" },
    { "inspect", cmd_container_inspect, "Show containers' details as JSON" },
    { "rm", cmd_rm, "Remove containers (and their root filesystem mounts)" },
    { NULL, NULL, NULL },
};

static void print_usage(FILE *f)
{
    fprintf(f, "Usage: lcont [GLOBAL OPTIONS] COMMAND [ARG...]\n"
               "\n"
               "A container front end built on liblcont: no daemon, images stored under --root,\n"
               "containers' runtime state under --runroot.\n"
               "\n"
               "Commands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-8s %s\n", c->name, c->summary);
    fprintf(f, "\n"
               "Global options:\n"
               "  --root DIR     image store and container bundles (default " DEFAULT_ROOT ")\n"
               "  --runroot DIR  runtime state of containers (default " DEFAULT_RUNROOT ")\n"
               "  --debug        log the library's debug messages to stderr\n"
               "  -h, --help     show this help\n"
               "  -v, --version  print the versions of lcont and liblcont\n"
               "\n"
               "Run 'lcont COMMAND --help' for more about a command.\n");
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("lcont: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

int cli_fail_lib(struct cli *cli, int r, lcont_error **err, const char *fmt, ...)
{
    va_list ap;

    (void)cli;
    fputs("lcont: ", stderr);
    if (fmt) {
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs(": ", stderr);
    }
    fprintf(stderr, "%s\n", *err ? lcont_error_message(*err) : strerror(-r));
    lcont_error_free(*err);
    *err = NULL;
    return 1;
}

void cli_debug(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;

    if (!cli->debug)
        return;
    fputs("lcont: debug: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
    va_list ap;

    fputs("lcont: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n\n%s", usage);
    return EXIT_USAGE;
}

static void log_to_stderr(int level, const char *msg, void *userdata)
{
    static const char *const names[] = { [LCONT_LOG_ERROR] = "error",
                                         [LCONT_LOG_WARNING] = "warning",
                                         [LCONT_LOG_INFO] = "info",
                                         [LCONT_LOG_DEBUG] = "debug" };
    (void)userdata;
    fprintf(stderr, "lcont: %s: %s\n",
            level >= 0 && level <= LCONT_LOG_DEBUG && names[level] ? names[level] : "log", msg);
}

int cli_open_context(struct cli *cli)
{
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_error *err = NULL;
    int r;

    if (cli->ctx)
        return 0;
    opts.state_root = cli->runroot;
    opts.store_root = cli->root;
    r = lcont_context_new(&opts, 0, &cli->ctx, &err);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "create context");
    lcont_context_set_log_fn(cli->ctx, cli->debug ? LCONT_LOG_DEBUG : LCONT_LOG_WARNING,
                             log_to_stderr, NULL, NULL);
    return 0;
}

int cli_open_store(struct cli *cli)
{
    lcont_error *err = NULL;
    int r;

    if (cli->store)
        return 0;
    r = cli_open_context(cli);
    if (r)
        return r;
    r = lcont_image_store_open(cli->ctx, NULL, 0, &cli->store, &err);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "open image store %s", cli->root);
    progress_init(cli);
    lcont_image_store_set_progress_fn(cli->store, progress_report, cli, NULL);
    return 0;
}

int cli_dispatch(struct cli *cli, const struct command *cmds, int argc, char **argv)
{
    for (const struct command *c = cmds; c->name; c++)
        if (strcmp(c->name, argv[0]) == 0)
            return c->run(cli, argc, argv);
    return -1;
}

int cli_write_file(const char *dir, const char *name, const char *text)
{
    char tmp[4096], path[4096];
    size_t len = strlen(text);
    int fd;

    if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp) ||
        snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return -e;
        }
        off += (size_t)n;
    }
    /* durable before it replaces the old file: a crash leaves one or the other, whole */
    if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return -e;
    }
    return 0;
}

/* Make *@path absolute (relative to the current directory); *@buf holds a new string. */
static int absolute_path(const char **path, char **buf)
{
    char *cwd;

    if ((*path)[0] == '/')
        return 0;
    cwd = getcwd(NULL, 0);
    if (!cwd)
        return -errno;
    if (asprintf(buf, "%s/%s", cwd, *path) < 0) {
        free(cwd);
        return -ENOMEM;
    }
    free(cwd);
    *path = *buf;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "root", required_argument, NULL, 'r' }, { "runroot", required_argument, NULL, 'R' },
        { "debug", no_argument, NULL, 'd' },      { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'v' },    { NULL, 0, NULL, 0 },
    };
    struct cli cli = { .root = DEFAULT_ROOT, .runroot = DEFAULT_RUNROOT };
    char *root_buf = NULL, *runroot_buf = NULL;
    int c, status;

    /* "+": options after the command belong to the command */
    while ((c = getopt_long(argc, argv, "+hv", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            cli.root = optarg;
            break;
        case 'R':
            cli.runroot = optarg;
            break;
        case 'd':
            cli.debug = 1;
            break;
        case 'h':
            print_usage(stdout);
            return 0;
        case 'v':
            printf("lcont version %s (liblcont %s)\n", LCONT_VERSION_STRING, lcont_version());
            return 0;
        default:
            print_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[optind], "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    /* the monitor of run -d works from "/": keep no relative path */
    if (absolute_path(&cli.root, &root_buf) < 0 || absolute_path(&cli.runroot, &runroot_buf) < 0) {
        fprintf(stderr, "lcont: getcwd: %s\n", strerror(errno));
        return 1;
    }
    argc -= optind;
    argv += optind;
    optind = 0; /* reset getopt for the command's own parsing (0: full reinit in glibc) */
    status = cli_dispatch(&cli, commands, argc, argv);
    if (status < 0) {
        fprintf(stderr, "lcont: unknown command '%s'\n\n", argv[0]);
        print_usage(stderr);
        status = EXIT_USAGE;
    }
    lcont_image_store_unref(cli.store);
    lcont_context_unref(cli.ctx);
    free(root_buf);
    free(runroot_buf);
    return status;
}
