/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec: runc's flags on lcont_container_exec(). Without --detach it stays in the
 * foreground like "run": forwards signals, proxies the terminal and exits with the
 * process's status. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd-exec.h"
#include "run.h"

struct exec_args {
    const char *id;
    char *console_socket; /* absolute */
    char *pid_file;       /* absolute */
    char *process;        /* --process file */
    const char *cwd;
    const char *user;
    const char *apparmor;
    const char *label;
    char **env; /* borrowed strings, malloc'ed vectors */
    size_t n_env;
    char **caps;
    size_t n_caps;
    gid_t *gids;
    size_t n_gids;
    int tty, detach, no_new_privs, preserve_fds;
    char **command; /* argv after the id */
};

static void exec_args_free(struct exec_args *a)
{
    free(a->console_socket);
    free(a->pid_file);
    free(a->process);
    free(a->env);
    free(a->caps);
    free(a->gids);
}

enum {
    OPT_CONSOLE_SOCKET = 256,
    OPT_CWD,
    OPT_PID_FILE,
    OPT_PROCESS_LABEL,
    OPT_APPARMOR,
    OPT_NO_NEW_PRIVS,
    OPT_PRESERVE_FDS,
    OPT_CGROUP,
    OPT_IGNORE_PAUSED,
};

static const struct option exec_opts[] = {
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "env", required_argument, NULL, 'e' },
    { "tty", optional_argument, NULL, 't' },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "process", required_argument, NULL, 'p' },
    { "detach", optional_argument, NULL, 'd' },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "no-new-privs", optional_argument, NULL, OPT_NO_NEW_PRIVS },
    { "cap", required_argument, NULL, 'c' },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "cgroup", required_argument, NULL, OPT_CGROUP },
    { "ignore-paused", optional_argument, NULL, OPT_IGNORE_PAUSED },
    { "help", no_argument, NULL, 'h' },
    {},
};

static int push(void *vec, size_t *n, size_t size, const void *item)
{
    void **v = vec;
    void *grown = realloc(*v, (*n + 2) * size);

    if (!grown)
        return -ENOMEM;
    memcpy((char *)grown + *n * size, item, size);
    memset((char *)grown + (*n + 1) * size, 0, size); /* keeps string vectors NULL-terminated */
    *v = grown;
    (*n)++;
    return 0;
}

static int parse_id(const char *s, unsigned *ret)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > 0xfffffffeUL || *s == '-')
        return -EINVAL;
    *ret = (unsigned)v;
    return 0;
}

static int set_abs(struct cli *cli, char **dst, const char *path)
{
    free(*dst);
    *dst = args_abs_path(path);
    if (!*dst)
        return cli_fail(cli, "resolve path %s: %s", path, strerror(errno));
    return 0;
}

static int add_gids(struct cli *cli, struct exec_args *a, const char *list)
{
    char *copy = strdup(list), *save = NULL;
    int r = 0;

    if (!copy)
        return cli_fail(cli, "out of memory");
    for (char *tok = strtok_r(copy, ",", &save); tok && !r; tok = strtok_r(NULL, ",", &save)) {
        unsigned g;
        if (parse_id(tok, &g) < 0)
            r = cli_fail(cli, "invalid additional-gids value %s", tok);
        else if (push(&a->gids, &a->n_gids, sizeof(gid_t), &(gid_t){ g }) < 0)
            r = cli_fail(cli, "out of memory");
    }
    free(copy);
    return r;
}

/* Returns -1 to go on, or the exit status (0 after --help). */
static int parse(struct cli *cli, const struct command *cmd, int argc, char **argv,
                 struct exec_args *a)
{
    int c, r = 0;

    optind = 0;
    while ((c = getopt_long_only(argc, argv, "+:e:tu:g:p:dc:h", exec_opts, NULL)) != -1) {
        switch (c) {
        case OPT_CONSOLE_SOCKET:
            r = set_abs(cli, &a->console_socket, optarg);
            break;
        case OPT_CWD:
            a->cwd = optarg;
            break;
        case 'e':
            if (push(&a->env, &a->n_env, sizeof(char *), &optarg) < 0)
                r = cli_fail(cli, "out of memory");
            break;
        case 't':
            r = args_set_bool(cli, "tty", optarg, &a->tty);
            break;
        case 'u':
            a->user = optarg;
            break;
        case 'g':
            r = add_gids(cli, a, optarg);
            break;
        case 'p':
            r = set_abs(cli, &a->process, optarg);
            break;
        case 'd':
            r = args_set_bool(cli, "detach", optarg, &a->detach);
            break;
        case OPT_PID_FILE:
            r = set_abs(cli, &a->pid_file, optarg);
            break;
        case OPT_PROCESS_LABEL:
            a->label = optarg;
            break;
        case OPT_APPARMOR:
            a->apparmor = optarg;
            break;
        case OPT_NO_NEW_PRIVS:
            r = args_set_bool(cli, "no-new-privs", optarg, &a->no_new_privs);
            break;
        case 'c':
            if (push(&a->caps, &a->n_caps, sizeof(char *), &optarg) < 0)
                r = cli_fail(cli, "out of memory");
            break;
        case OPT_PRESERVE_FDS:
            if (args_parse_uint(optarg, &a->preserve_fds) < 0)
                r = cli_fail(cli, "invalid value \"%s\" for flag -preserve-fds: parse error",
                             optarg);
            break;
        case OPT_CGROUP:
            r = cli_fail(cli, "--cgroup is not supported: exec joins the container's cgroup");
            break;
        case OPT_IGNORE_PAUSED:
            break; /* the library refuses a paused container anyway */
        default:
            return args_help_or_error(cli, cmd, argv, c);
        }
        if (r)
            return r;
    }
    if (argc - optind < 1 || (!a->process && argc - optind < 2))
        return args_check_count(cli, cmd, argc - optind, 2, 1 << 30);
    a->id = argv[optind];
    a->command = argv + optind + 1;
    r = cli_reserve_fds(cli, a->preserve_fds);
    if (r < 0)
        return cli_fail(cli, "move log fd above the preserved fds: %s", strerror(-r));
    return -1;
}

static int read_process_file(struct cli *cli, const char *path, char **ret, int *ret_terminal)
{
    FILE *f = fopen(path, "re");
    char *text = NULL;
    size_t len = 0;
    cJSON *doc, *t;
    int ok;

    if (!f)
        return cli_fail(cli, "open process file %s: %s", path, strerror(errno));
    {
        FILE *mem = open_memstream(&text, &len);
        char buf[8192];
        size_t n;
        while (mem && (n = fread(buf, 1, sizeof(buf), f)) > 0)
            fwrite(buf, 1, n, mem);
        ok = mem && !ferror(f) && fclose(mem) == 0;
    }
    fclose(f);
    if (!ok) {
        free(text);
        return cli_fail(cli, "read process file %s", path);
    }
    doc = cJSON_Parse(text);
    if (!doc) {
        free(text);
        return cli_fail(cli, "parse process file %s: invalid JSON", path);
    }
    t = cJSON_GetObjectItemCaseSensitive(doc, "terminal");
    *ret_terminal = cJSON_IsTrue(t);
    cJSON_Delete(doc);
    *ret = text;
    return 0;
}

static int wait_loop(struct cli *cli, lcont_process *p, int sigfd, struct tty_proxy *con,
                     int *ret_status)
{
    int pidfd = lcont_process_get_pidfd(p), tty = con->master >= 0, r, signo;
    lcont_error *err = NULL;

    for (;;) {
        struct pollfd pfd[4] = { { .fd = sigfd, .events = POLLIN },
                                 { .fd = pidfd, .events = POLLIN } };
        int n = tty_poll_add(con, pfd, 2);

        if (poll(pfd, n, -1) < 0 && errno != EINTR)
            return cli_fail(cli, "poll: %s", strerror(errno));
        while ((signo = signals_next(sigfd)) > 0) {
            if (signo == SIGWINCH)
                tty_resize(con);
            else if (signo != SIGCHLD && signo != SIGPIPE)
                lcont_process_signal(p, signo, 0, NULL);
        }
        tty_poll_handle(con, pfd);
        if (pfd[1].revents)
            break;
    }
    /* other holders of the pty may keep it open: drain what is there now */
    while (tty && tty_pump_out(con) > 0)
        ;
    r = lcont_process_wait(p, 0, ret_status, &err);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "wait for the exec process");
    return 0;
}

static int check_console(struct cli *cli, const struct exec_args *a, int terminal)
{
    if (terminal && a->detach && !a->console_socket)
        return cli_fail(cli, "cannot allocate tty if %s will detach without setting console socket",
                        PROGRAM_NAME);
    if (a->console_socket && (!terminal || !a->detach))
        return cli_fail(cli, "cannot use console socket if %s will not detach or allocate tty",
                        PROGRAM_NAME);
    return 0;
}

static int fill_user(struct cli *cli, const struct exec_args *a, lcont_exec_opts *o,
                     uint64_t *flags)
{
    char *colon;
    unsigned uid, gid = 0;

    if (!a->user && !a->n_gids)
        return 0;
    if (a->user) {
        char *copy = strdup(a->user);
        int bad;
        if (!copy)
            return cli_fail(cli, "out of memory");
        colon = strchr(copy, ':');
        if (colon)
            *colon = '\0';
        bad = parse_id(copy, &uid) < 0 || (colon && parse_id(colon + 1, &gid) < 0);
        free(copy);
        if (bad)
            return cli_fail(cli, "parsing %s as int for uid[:gid] failed", a->user);
        o->uid = uid;
        o->gid = gid;
        *flags |= LCONT_EXEC_USER;
    }
    if (a->n_gids) {
        if (!a->user)
            return cli_fail(cli, "--additional-gids needs --user (uid[:gid])");
        o->additional_gids = a->gids;
        o->n_additional_gids = a->n_gids;
    }
    return 0;
}

int cmd_exec(struct cli *cli, int argc, char **argv)
{
    struct exec_args a = { 0 };
    struct tty_proxy con;
    lcont_exec_opts o = LCONT_EXEC_OPTS_INIT;
    lcont_container *c = NULL;
    lcont_process *p = NULL;
    lcont_error *err = NULL;
    char *process_json = NULL;
    uint64_t flags = 0;
    int terminal, sigfd = -1, status = 0, r;

    tty_init(&con);
    r = parse(cli, command_find("exec"), argc, argv, &a);
    if (r >= 0)
        goto out;
    terminal = a.tty;
    if (a.process) {
        r = read_process_file(cli, a.process, &process_json, &terminal);
        if (r)
            goto out;
    } else {
        o.args = (const char *const *)a.command;
        o.env = (const char *const *)a.env;
        o.cwd = a.cwd;
        o.caps = (const char *const *)a.caps;
        o.apparmor_profile = a.apparmor;
        o.selinux_label = a.label;
        r = fill_user(cli, &a, &o, &flags);
        if (r)
            goto out;
        if (a.tty)
            flags |= LCONT_EXEC_TERMINAL;
        if (a.no_new_privs)
            flags |= LCONT_EXEC_NO_NEW_PRIVS;
    }
    r = check_console(cli, &a, terminal);
    if (r)
        goto out;
    o.pid_file = a.pid_file;
    o.preserve_fds = a.preserve_fds;
    o.console_socket = a.console_socket;
    r = cli_load(cli, a.id, 0, &c);
    if (r)
        goto out;
    if (!a.detach) {
        /* signals that arrive meanwhile are queued and forwarded once the process runs */
        r = signals_install(cli->min_fd, &sigfd);
        if (r < 0) {
            r = cli_fail(cli, "install signal handlers: %s", strerror(-r));
            goto out;
        }
        if (terminal) {
            r = tty_listen(&con);
            if (r >= 0)
                r = con.listen_fd = cli_fd_high(cli, con.listen_fd);
            if (r < 0) {
                r = cli_fail(cli, "set up console socket: %s", strerror(-r));
                goto out;
            }
            o.console_socket = con.path;
        }
    }
    cli_debug(cli, "exec in container %s", a.id);
    r = lcont_container_exec(c, process_json, &o, flags, &p, &err);
    if (r < 0) {
        cli_fail_lib(cli, r, &err, NULL);
        r = 255; /* runc's status for a failed exec, apart from any status of the process */
        goto out;
    }
    if (a.detach) {
        r = 0;
        goto out;
    }
    if (terminal) {
        r = tty_receive(&con, lcont_process_get_pidfd(p));
        if (r < 0 && r != -ESRCH) {
            r = cli_fail(cli, "receive the exec's console: %s", strerror(-r));
            lcont_process_signal(p, SIGKILL, 0, NULL);
            lcont_process_wait(p, 0, NULL, NULL);
            goto out;
        }
    }
    r = wait_loop(cli, p, sigfd, &con, &status);
    if (r == 0)
        r = status;
out:
    tty_cleanup(&con);
    lcont_error_free(err);
    lcont_process_unref(p);
    lcont_container_unref(c);
    free(process_json);
    exec_args_free(&a);
    return r;
}
