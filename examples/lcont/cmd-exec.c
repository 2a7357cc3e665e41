/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont exec: a new process in a running container (lcont_container_exec), with this
 * terminal's stdout and stderr (stdin with -i; a pty proxied like run -t with -t).
 * Signals to lcont are forwarded to the process; the exit status is the process's.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"

static const char exec_usage[] =
    "Usage: lcont exec [OPTIONS] NAME COMMAND [ARG...]\n"
    "\n"
    "Run COMMAND in the running container NAME: in its namespaces and cgroup, with its\n"
    "security settings, user, environment and working directory unless overridden.\n"
    "\n"
    "Exit status: the command's (128+N if it was killed by signal N); 125 if lcont\n"
    "failed; 126 if COMMAND cannot be run; 127 if COMMAND was not found.\n"
    "\n"
    "Options:\n"
    "  -i, --interactive      connect stdin (default: /dev/null)\n"
    "  -t, --tty              give the process a pseudo-terminal, proxied through this one\n"
    "  -e, --env K=V          set an environment variable (K alone: take it from here)\n"
    "  -w, --workdir DIR      working directory inside the container\n"
    "  -u, --user USER[:GROUP]  user and group, by name (the container's own /etc/passwd\n"
    "                         and /etc/group) or number\n"
    "  -h, --help             show this help\n";

struct exec_args {
    int interactive, tty, has_user;
    const char *user; /* a name to resolve in the container's files */
    uid_t uid;
    gid_t gid;
    gid_t *gids; /* supplementary groups of a resolved name */
    size_t n_gids;
    const char *workdir, *name;
    char **env;
    size_t n_env;
    char **command;
};

static int parse_id(const char *s, unsigned long *ret)
{
    char *end;

    errno = 0;
    *ret = strtoul(s, &end, 10);
    return *s >= '0' && *s <= '9' && !*end && !errno && *ret <= 4294967294UL ? 0 : -1;
}

static int parse_user(struct exec_args *a, const char *s)
{
    char buf[64], *colon;
    unsigned long uid, gid = 0;

    if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
        return -1;
    colon = strchr(buf, ':');
    if (colon)
        *colon++ = '\0';
    if (!buf[0] || (colon && !*colon))
        return -1; /* "", ":g", "u:" */
    a->has_user = 1;
    if (parse_id(buf, &uid) < 0 || (colon && parse_id(colon, &gid) < 0)) {
        a->user = s; /* a name: resolved once the container is known */
        return 0;
    }
    a->uid = (uid_t)uid;
    a->gid = (gid_t)gid;
    return 0;
}

/*
 * A user name resolved like docker exec -u: in the container's own /etc/passwd and
 * /etc/group, read inside its root filesystem (the library's image-user rules, through
 * lcont_spec_from_image_config on a minimal image config), never through the host's NSS.
 */
static int resolve_user(struct cli *cli, struct exec_args *a)
{
    static const char config[] = "{\"os\":\"linux\",\"architecture\":\"amd64\","
                                 "\"config\":{\"Cmd\":[\"true\"]},"
                                 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
    lcont_image_spec_opts o = LCONT_IMAGE_SPEC_OPTS_INIT;
    lcont_error *err = NULL;
    char rootfs[4096], *json = NULL;
    const cJSON *user, *extra, *g;
    cJSON *spec;
    int r;

    if (bundle_path(cli, a->name, "rootfs", rootfs, sizeof(rootfs)) < 0)
        return cli_fail("container %s: bundle path too long", a->name), -1;
    o.user = a->user;
    r = lcont_spec_from_image_config(config, rootfs, &o, 0, &json, &err);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "user '%s' in container %s", a->user, a->name), -1;
    spec = cJSON_Parse(json);
    lcont_free(json);
    user = cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "process"), "user");
    if (!cJSON_IsNumber(cJSON_GetObjectItem(user, "uid")) ||
        !cJSON_IsNumber(cJSON_GetObjectItem(user, "gid"))) {
        cJSON_Delete(spec);
        return cli_fail("user '%s': no ids in the generated config", a->user), -1;
    }
    a->uid = (uid_t)cJSON_GetObjectItem(user, "uid")->valuedouble;
    a->gid = (gid_t)cJSON_GetObjectItem(user, "gid")->valuedouble;
    extra = cJSON_GetObjectItem(user, "additionalGids");
    a->gids = calloc((size_t)cJSON_GetArraySize(extra) + 1, sizeof(gid_t));
    if (!a->gids) {
        cJSON_Delete(spec);
        return cli_fail("out of memory"), -1;
    }
    cJSON_ArrayForEach(g, extra) a->gids[a->n_gids++] = (gid_t)g->valuedouble;
    cJSON_Delete(spec);
    return 0;
}

/* -1 to go on, else the exit status. */
static int parse_exec(int argc, char **argv, struct exec_args *a)
{
    static const struct option opts[] = {
        { "interactive", no_argument, NULL, 'i' },
        { "tty", no_argument, NULL, 't' },
        { "env", required_argument, NULL, 'e' },
        { "workdir", required_argument, NULL, 'w' },
        { "user", required_argument, NULL, 'u' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = getopt_long(argc, argv, "+ite:w:u:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            a->interactive = 1;
            break;
        case 't':
            a->tty = 1;
            break;
        case 'e':
            if (env_push(&a->env, &a->n_env, optarg) < 0)
                return cli_fail("out of memory"), EXIT_RUN_FAILED;
            break;
        case 'w':
            a->workdir = optarg;
            break;
        case 'u':
            if (parse_user(a, optarg) < 0)
                return cli_usage_error(exec_usage, "-u '%s': want USER[:GROUP]", optarg);
            break;
        case 'h':
            fputs(exec_usage, stdout);
            return 0;
        default:
            fputs(exec_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 >= argc)
        return cli_usage_error(exec_usage, "'exec' needs a NAME and a COMMAND");
    a->name = argv[optind];
    a->command = argv + optind + 1;
    return -1;
}

int cmd_exec(struct cli *cli, int argc, char **argv)
{
    struct exec_args a = { 0 };
    lcont_exec_opts eo = LCONT_EXEC_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_process *proc = NULL;
    lcont_error *err = NULL;
    struct tty_proxy tty;
    uint64_t flags = 0;
    int r, status = EXIT_RUN_FAILED, sigfd = -1, devnull = -1;

    tty_init(&tty);
    tty.eof_to_container = true; /* a piped stdin ends with ^D, as with docker -t */
    r = parse_exec(argc, argv, &a);
    if (r >= 0) {
        status = r;
        goto out_args;
    }
    r = container_find(cli, a.name, &c);
    if (r) {
        status = EXIT_RUN_FAILED;
        goto out;
    }
    eo.args = (const char *const *)a.command;
    eo.env = (const char *const *)a.env;
    eo.cwd = a.workdir;
    if (a.has_user) {
        if (a.user && resolve_user(cli, &a) < 0)
            goto out;
        flags |= LCONT_EXEC_USER;
        eo.uid = a.uid;
        eo.gid = a.gid;
        eo.additional_gids = a.gids;
        eo.n_additional_gids = a.n_gids;
    }
    if (a.tty) {
        r = tty_listen(&tty);
        if (r < 0) {
            cli_fail("set up the console socket: %s", strerror(-r));
            goto out;
        }
        eo.console_socket = tty.path;
        flags |= LCONT_EXEC_TERMINAL;
    } else if (!a.interactive) {
        /* docker's default: no stdin without -i */
        devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (devnull < 0) {
            cli_fail("open /dev/null: %s", strerror(errno));
            goto out;
        }
        eo.stdin_fd = devnull;
        eo.stdout_fd = STDOUT_FILENO;
        eo.stderr_fd = STDERR_FILENO;
        flags |= LCONT_EXEC_STDIO;
    }
    r = signals_install(&sigfd);
    if (r < 0) {
        cli_fail("install signal handlers: %s", strerror(-r));
        goto out;
    }
    r = lcont_container_exec(c, NULL, &eo, flags, &proc, &err);
    if (r == -ESRCH) {
        lcont_error_free(err);
        err = NULL;
        cli_fail("container %s is not running", a.name);
        goto out;
    }
    if (r < 0) {
        status = run_fail(cli, r, &err, "exec");
        goto out;
    }
    if (a.tty) {
        r = tty_receive(&tty, lcont_process_get_pidfd(proc));
        if (r < 0 && r != -ESRCH) {
            cli_fail("receive the terminal: %s", strerror(-r));
            lcont_process_signal(proc, SIGKILL, 0, NULL);
        }
        if (!a.interactive)
            tty.stdin_open = 0; /* the terminal gets no input, as with docker exec -t */
    }
    if (wait_forwarding(cli, proc, sigfd, a.tty && tty.master_open ? &tty : NULL, &status))
        status = EXIT_RUN_FAILED;
out:
    tty_cleanup(&tty);
    if (devnull >= 0)
        close(devnull);
    lcont_error_free(err);
    lcont_process_unref(proc);
    lcont_container_unref(c);
out_args:
    env_free(a.env, a.n_env);
    free(a.gids);
    return status;
}
