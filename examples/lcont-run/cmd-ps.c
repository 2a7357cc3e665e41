/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ps: the container's pids as JSON, or the lines of `ps -ef` (or the given ps options)
 * whose PID column is one of them, under ps's own header (runc's output). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd-exec.h"

extern char **environ;

static int has_pid(const pid_t *pids, size_t n, long pid)
{
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return 1;
    return 0;
}

/* Index of the "PID" column in ps's header, or -1. */
static int pid_column(const char *header)
{
    char *copy = strdup(header), *save = NULL;
    int i = 0, found = -1;

    for (char *tok = copy ? strtok_r(copy, " \t\n", &save) : NULL; tok;
         tok = strtok_r(NULL, " \t\n", &save), i++)
        if (strcmp(tok, "PID") == 0) {
            found = i;
            break;
        }
    free(copy);
    return found;
}

static long field_at(const char *line, int index)
{
    char *copy = strdup(line), *save = NULL, *tok;
    long v = -1;
    int i = 0;

    for (tok = copy ? strtok_r(copy, " \t\n", &save) : NULL; tok && i < index; i++)
        tok = strtok_r(NULL, " \t\n", &save);
    if (tok)
        v = strtol(tok, NULL, 10);
    free(copy);
    return v;
}

static int print_table(struct cli *cli, const pid_t *pids, size_t n, char **ps_args, int n_args)
{
    char **argv = calloc((size_t)n_args + 3, sizeof(char *)); /* "ps", "-ef" or args, NULL */
    posix_spawn_file_actions_t fa;
    int pipefd[2], status, col, r;
    char *line = NULL;
    size_t cap = 0;
    pid_t child;
    FILE *f;

    if (!argv || pipe2(pipefd, O_CLOEXEC) < 0) {
        free(argv);
        return cli_fail(cli, "ps: %s", strerror(errno));
    }
    argv[0] = "ps";
    for (int i = 0; i < n_args; i++)
        argv[i + 1] = ps_args[i];
    if (n_args == 0)
        argv[1] = "-ef";
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    r = posix_spawnp(&child, "ps", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    close(pipefd[1]);
    if (r != 0) {
        close(pipefd[0]);
        return cli_fail(cli, "exec ps: %s", strerror(r));
    }
    f = fdopen(pipefd[0], "r");
    if (!f) {
        close(pipefd[0]);
        waitpid(child, NULL, 0);
        return cli_fail(cli, "ps: %s", strerror(errno));
    }
    r = 0;
    if (getline(&line, &cap, f) > 0) {
        col = pid_column(line);
        if (col < 0)
            r = cli_fail(cli, "couldn't find PID field in ps output");
        else
            fputs(line, stdout);
        while (r == 0 && getline(&line, &cap, f) > 0)
            if (has_pid(pids, n, field_at(line, col)))
                fputs(line, stdout);
    }
    free(line);
    fclose(f);
    if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return r ? r : cli_fail(cli, "ps failed");
    return r;
}

int cmd_ps(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        {},
    };
    const struct command *cmd = command_find("ps");
    const char *format = "table";
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    pid_t *pids = NULL;
    size_t n = 0;
    int r, opt;

    optind = 0;
    while ((opt = getopt_long_only(argc, argv, "+:f:h", opts, NULL)) != -1) {
        if (opt == 'f')
            format = optarg;
        else
            return args_help_or_error(cli, cmd, argv, opt);
    }
    r = args_check_count(cli, cmd, argc - optind, 1, 1 << 30);
    if (r)
        return r;
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
        return cli_fail(cli, "invalid format option");
    r = cli_load(cli, argv[optind], 0, &c);
    if (r)
        return r;
    r = lcont_container_get_pids(c, 0, &pids, &n, &err);
    if (r < 0) {
        r = cli_fail_lib(cli, r, &err, NULL);
    } else if (strcmp(format, "json") == 0) {
        putchar('[');
        for (size_t i = 0; i < n; i++)
            printf("%s%d", i ? "," : "", (int)pids[i]);
        puts("]");
        r = 0;
    } else {
        fflush(stdout);
        r = print_table(cli, pids, n, argv + optind + 1, argc - optind - 1);
    }
    lcont_free(pids);
    lcont_container_unref(c);
    return r;
}
