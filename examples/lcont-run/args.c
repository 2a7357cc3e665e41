/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Argument helpers that mimic urfave/cli, which runc uses: Go-style messages,
 * Go boolean spellings, exact argument counts. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* strconv.ParseBool's spellings, for "--detach=false" and friends. */
int args_parse_bool(const char *value, int *ret)
{
    static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
    static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };

    if (!value) {
        *ret = 1;
        return 0;
    }
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcmp(value, yes[i]) == 0) {
            *ret = 1;
            return 0;
        }
        if (strcmp(value, no[i]) == 0) {
            *ret = 0;
            return 0;
        }
    }
    return -EINVAL;
}

int args_set_bool(struct cli *cli, const char *flag, const char *value, int *ret)
{
    if (args_parse_bool(value, ret) < 0)
        return cli_fail(cli, "invalid boolean value \"%s\" for -%s: parse error", value, flag);
    return 0;
}

int args_parse_uint(const char *value, int *ret)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < 0 || v > INT_MAX)
        return -EINVAL;
    *ret = (int)v;
    return 0;
}

static void print_usage(const struct command *cmd)
{
    if (cmd)
        fputs(cmd->usage, stderr);
    else
        usage_global(stderr);
}

int args_usage_error(struct cli *cli, const struct command *cmd, char **argv, int c)
{
    char name[64];

    if (optopt > 0 && optopt < 256) {
        snprintf(name, sizeof(name), "-%c", optopt);
    } else {
        /* unknown long option: "--bogus=1" -> "-bogus", as Go's flag package says it */
        const char *arg = argv[optind - 1];
        size_t n;

        while (*arg == '-')
            arg++;
        n = strcspn(arg, "=");
        snprintf(name, sizeof(name), "-%.*s", (int)(n < 60 ? n : 60), arg);
    }
    fputs("Incorrect Usage.\n\n", stderr);
    print_usage(cmd);
    if (c == ':')
        return cli_fail(cli, "flag needs an argument: %s", name);
    return cli_fail(cli, "flag provided but not defined: %s", name);
}

int args_help_or_error(struct cli *cli, const struct command *cmd, char **argv, int opt)
{
    if (opt == 'h') {
        fputs(cmd->usage, stdout);
        return 0;
    }
    return args_usage_error(cli, cmd, argv, opt);
}

int args_parse_no_options(struct cli *cli, const struct command *cmd, int argc, char **argv,
                          int nargs)
{
    static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, {} };
    int opt;

    optind = 0;
    /* the first option ends parsing: either --help or a usage error */
    opt = getopt_long_only(argc, argv, "+:h", opts, NULL);
    if (opt != -1)
        return args_help_or_error(cli, cmd, argv, opt);
    if (args_check_count(cli, cmd, argc - optind, nargs, nargs))
        return 1;
    return -1;
}

int args_check_count(struct cli *cli, const struct command *cmd, int nargs, int min, int max)
{
    if (nargs >= min && nargs <= max)
        return 0;
    fputs("Incorrect Usage.\n\n", stderr);
    print_usage(cmd);
    if (min == max)
        return cli_fail(cli, "%s: \"%s\" requires exactly %d argument(s)", PROGRAM_NAME, cmd->name,
                        min);
    if (nargs < min)
        return cli_fail(cli, "%s: \"%s\" requires a minimum of %d argument(s)", PROGRAM_NAME,
                        cmd->name, min);
    return cli_fail(cli, "%s: \"%s\" requires a maximum of %d argument(s)", PROGRAM_NAME, cmd->name,
                    max);
}

char *args_abs_path(const char *path)
{
    char *cwd, *res = NULL;

    if (path[0] == '/')
        return strdup(path);
    cwd = getcwd(NULL, 0);
    if (!cwd)
        return NULL;
    if (strcmp(path, ".") == 0)
        return cwd;
    if (asprintf(&res, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path) < 0)
        res = NULL;
    free(cwd);
    return res;
}

static int parse_number(const char *s, int *ret)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < INT_MIN || v > INT_MAX)
        return -EINVAL;
    *ret = (int)v;
    return 0;
}

int args_parse_signal(const char *s)
{
    static const struct {
        const char *name;
        int signo;
    } aliases[] = { { "IOT", SIGABRT }, { "CLD", SIGCHLD }, { "POLL", SIGIO } };
    char upper[32];
    const char *name;
    size_t len = strlen(s);
    int n;

    if (parse_number(s, &n) == 0)
        return n >= 0 && n <= SIGRTMAX ? n : -1;
    if (len == 0 || len >= sizeof(upper))
        return -1;
    for (size_t i = 0; i <= len; i++)
        upper[i] = (char)toupper((unsigned char)s[i]);
    name = strncmp(upper, "SIG", 3) == 0 ? upper + 3 : upper;

    for (int signo = 1; signo < SIGRTMIN; signo++) {
        const char *abbrev = sigabbrev_np(signo);
        if (abbrev && strcmp(abbrev, name) == 0)
            return signo;
    }
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcmp(aliases[i].name, name) == 0)
            return aliases[i].signo;
    if (strcmp(name, "RTMIN") == 0)
        return SIGRTMIN;
    if (strcmp(name, "RTMAX") == 0)
        return SIGRTMAX;
    if (strncmp(name, "RTMIN+", 6) == 0 && parse_number(name + 6, &n) == 0 && n >= 0 &&
        SIGRTMIN + n <= SIGRTMAX)
        return SIGRTMIN + n;
    if (strncmp(name, "RTMAX-", 6) == 0 && parse_number(name + 6, &n) == 0 && n >= 0 &&
        SIGRTMAX - n >= SIGRTMIN)
        return SIGRTMAX - n;
    return -1;
}
