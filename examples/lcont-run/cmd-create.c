/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create and run. "run" without --detach stays in the foreground: it forwards
 * signals to the container's init, proxies a terminal if the config asks for
 * one, exits with the container's status and deletes it afterwards. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "run.h"

struct create_args {
    const char *id;
    char *bundle;         /* absolute */
    char *console_socket; /* absolute, or NULL */
    char *pid_file;       /* absolute, or NULL */
    int preserve_fds;
    int no_pivot;
    int no_new_keyring; /* accepted; the library has no keyring switch */
    int detach;         /* run only */
    int keep;           /* run only */
    int no_subreaper;   /* run only */
};

static void create_args_free(struct create_args *a)
{
    free(a->bundle);
    free(a->console_socket);
    free(a->pid_file);
}

enum {
    OPT_CONSOLE_SOCKET = 256,
    OPT_PID_FILE,
    OPT_PRESERVE_FDS,
    OPT_NO_PIVOT,
    OPT_NO_NEW_KEYRING,
    OPT_KEEP,
    OPT_NO_SUBREAPER,
};

static const struct option create_opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "no-pivot", optional_argument, NULL, OPT_NO_PIVOT },
    { "no-new-keyring", optional_argument, NULL, OPT_NO_NEW_KEYRING },
    { "help", no_argument, NULL, 'h' },
    {},
};

static const struct option run_opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "no-pivot", optional_argument, NULL, OPT_NO_PIVOT },
    { "no-new-keyring", optional_argument, NULL, OPT_NO_NEW_KEYRING },
    { "detach", optional_argument, NULL, 'd' },
    { "keep", optional_argument, NULL, OPT_KEEP },
    { "no-subreaper", optional_argument, NULL, OPT_NO_SUBREAPER },
    { "help", no_argument, NULL, 'h' },
    {},
};

static int set_abs(struct cli *cli, char **dst, const char *path)
{
    free(*dst);
    *dst = args_abs_path(path);
    if (!*dst)
        return cli_fail(cli, "resolve path %s: %s", path, strerror(errno));
    return 0;
}

/* Returns -1 to go on, or the exit status (0 after --help). */
static int parse(struct cli *cli, const struct command *cmd, int is_run, int argc, char **argv,
                 struct create_args *a)
{
    int c, r = 0;

    optind = 0;
    while ((c = getopt_long_only(argc, argv, is_run ? "+:b:dh" : "+:b:h",
                                 is_run ? run_opts : create_opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            r = set_abs(cli, &a->bundle, optarg);
            break;
        case OPT_CONSOLE_SOCKET:
            r = set_abs(cli, &a->console_socket, optarg);
            break;
        case OPT_PID_FILE:
            r = set_abs(cli, &a->pid_file, optarg);
            break;
        case OPT_PRESERVE_FDS:
            if (args_parse_uint(optarg, &a->preserve_fds) < 0)
                r = cli_fail(cli, "invalid value \"%s\" for flag -preserve-fds: parse error",
                             optarg);
            break;
        case OPT_NO_PIVOT:
            r = args_set_bool(cli, "no-pivot", optarg, &a->no_pivot);
            break;
        case OPT_NO_NEW_KEYRING:
            r = args_set_bool(cli, "no-new-keyring", optarg, &a->no_new_keyring);
            break;
        case 'd':
            r = args_set_bool(cli, "detach", optarg, &a->detach);
            break;
        case OPT_KEEP:
            r = args_set_bool(cli, "keep", optarg, &a->keep);
            break;
        case OPT_NO_SUBREAPER:
            r = args_set_bool(cli, "no-subreaper", optarg, &a->no_subreaper);
            break;
        default:
            return args_help_or_error(cli, cmd, argv, c);
        }
        if (r)
            return r;
    }
    r = args_check_count(cli, cmd, argc - optind, 1, 1);
    if (r)
        return r;
    a->id = argv[optind];
    if (!a->bundle && set_abs(cli, &a->bundle, "."))
        return 1;
    r = cli_reserve_fds(cli, a->preserve_fds);
    if (r < 0)
        return cli_fail(cli, "move log fd above the preserved fds: %s", strerror(-r));
    return -1;
}

static int create_container(struct cli *cli, const struct create_args *a,
                            const char *console_socket, lcont_container **ret)
{
    lcont_create_opts opts = LCONT_CREATE_OPTS_INIT;
    lcont_context *ctx;
    lcont_error *err = NULL;
    int r;

    r = cli_context(cli, &ctx);
    if (r)
        return r;
    opts.bundle = a->bundle;
    opts.console_socket = console_socket;
    opts.pid_file = a->pid_file;
    opts.preserve_fds = a->preserve_fds;
    cli_debug(cli, "create container %s from bundle %s", a->id, a->bundle);
    r = lcont_container_create(ctx, a->id, &opts, a->no_pivot ? LCONT_CREATE_NO_PIVOT : 0, ret,
                               &err);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, NULL);
    return 0;
}

/* Remove a container we made but could not finish; its error was reported already. */
static void discard(struct cli *cli, lcont_container *c)
{
    lcont_error *err = NULL;
    int r = lcont_container_delete(c, LCONT_DELETE_FORCE, &err);

    if (r < 0)
        cli_fail_lib(cli, r, &err, "clean up after failure");
}

/* runc's rules: a terminal needs someone to hold the master. */
static int check_console(struct cli *cli, const struct create_args *a, int terminal)
{
    if (terminal > 0 && a->detach && !a->console_socket)
        return cli_fail(cli,
                        "cannot allocate tty if %s will detach without setting console "
                        "socket",
                        PROGRAM_NAME);
    if (a->console_socket && (terminal == 0 || !a->detach))
        return cli_fail(cli, "cannot use console socket if %s will not detach or allocate tty",
                        PROGRAM_NAME);
    return 0;
}

int cmd_create(struct cli *cli, int argc, char **argv)
{
    struct create_args a = { .detach = 1 };
    lcont_container *c = NULL;
    int r;

    r = parse(cli, command_find("create"), 0, argc, argv, &a);
    if (r >= 0)
        goto out;
    r = check_console(cli, &a, json_config_terminal(a.bundle));
    if (r == 0)
        r = create_container(cli, &a, a.console_socket, &c);
    lcont_container_unref(c);
out:
    create_args_free(&a);
    return r;
}

/* Reap children reparented to us (we are a subreaper), but never the init:
 * its status belongs to lcont_process_wait(). */
static void reap_orphans(pid_t init_pid)
{
    for (;;) {
        siginfo_t si = { 0 };

        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
            return;
        if (si.si_pid == init_pid)
            return;
        waitpid(si.si_pid, NULL, WNOHANG);
    }
}

static void handle_signal(struct cli *cli, lcont_process *init, struct tty_proxy *con, int signo)
{
    int r;

    switch (signo) {
    case SIGCHLD:
        reap_orphans(lcont_process_get_pid(init));
        break;
    case SIGWINCH:
        tty_resize(con);
        break;
    case SIGPIPE:
        /* raised by our own writes to a closed pipe; nothing for the container */
        break;
    default:
        cli_debug(cli, "forwarding signal %d to %d", signo, (int)lcont_process_get_pid(init));
        r = lcont_process_signal(init, signo, 0, NULL);
        if (r < 0 && r != -ESRCH)
            cli_debug(cli, "forward signal %d: %s", signo, strerror(-r));
    }
}

/* Until the init exits: forward signals, move terminal bytes. */
static int wait_loop(struct cli *cli, lcont_process *init, int sigfd, struct tty_proxy *con,
                     int *ret_status)
{
    int pidfd = lcont_process_get_pidfd(init);
    int tty = con->master >= 0;
    lcont_error *err = NULL;
    int r;

    for (;;) {
        struct pollfd pfd[4] = { { .fd = sigfd, .events = POLLIN },
                                 { .fd = pidfd, .events = POLLIN } };
        int n = tty_poll_add(con, pfd, 2), signo;

        if (poll(pfd, n, -1) < 0 && errno != EINTR)
            return cli_fail(cli, "poll: %s", strerror(errno));

        while ((signo = signals_next(sigfd)) > 0)
            handle_signal(cli, init, con, signo);
        tty_poll_handle(con, pfd);
        if (pfd[1].revents)
            break;
    }
    /* The pid namespace is gone with its init; what is left in the pty buffer is final. */
    while (tty && tty_pump_out(con) > 0)
        ;
    r = lcont_process_wait(init, 0, ret_status, &err);
    reap_orphans(-1);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "wait for the container's init process");
    return 0;
}

static int run_foreground(struct cli *cli, const struct create_args *a, int terminal)
{
    struct tty_proxy con;
    lcont_container *c = NULL;
    lcont_process *init = NULL;
    lcont_error *err = NULL;
    int sigfd = -1, status = 1, r;

    tty_init(&con);
    /* Signals that arrive while we create are queued and forwarded after start. */
    r = signals_install(cli->min_fd, &sigfd);
    if (r < 0)
        return cli_fail(cli, "install signal handlers: %s", strerror(-r));
    if (!a->no_subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        cli_debug(cli, "cannot become a subreaper: %s", strerror(errno));
    if (terminal > 0) {
        r = tty_listen(&con);
        if (r >= 0)
            r = con.listen_fd = cli_fd_high(cli, con.listen_fd);
        if (r < 0) {
            status = cli_fail(cli, "set up console socket: %s", strerror(-r));
            goto out;
        }
    }
    r = create_container(cli, a, terminal > 0 ? con.path : NULL, &c);
    if (r)
        goto out;
    r = lcont_container_get_init_process(c, 0, &init, &err);
    if (r < 0) {
        cli_fail_lib(cli, r, &err, "get init process");
        discard(cli, c);
        goto out;
    }
    if (terminal > 0) {
        r = tty_receive(&con, lcont_process_get_pidfd(init));
        if (r < 0) {
            cli_fail(cli, "receive the container's console: %s", strerror(-r));
            discard(cli, c);
            goto out;
        }
    }
    cli_debug(cli, "start container %s (init pid %d)", a->id, (int)lcont_process_get_pid(init));
    r = lcont_container_start(c, 0, &err);
    if (r < 0) {
        cli_fail_lib(cli, r, &err, NULL);
        discard(cli, c);
        goto out;
    }
    r = wait_loop(cli, init, sigfd, &con, &status);
    if (r)
        status = r;
    tty_cleanup(&con);
    if (!a->keep) {
        r = lcont_container_delete(c, LCONT_DELETE_FORCE, &err);
        /* -ENOENT: someone ran "delete --force" meanwhile; the goal is reached */
        if (r < 0 && r != -ENOENT)
            cli_fail_lib(cli, r, &err, "delete container");
    }
    cli_debug(cli, "container %s exited with status %d", a->id, status);
out:
    tty_cleanup(&con);
    lcont_error_free(err);
    lcont_process_unref(init);
    lcont_container_unref(c);
    /* sigfd stays open: late signals still land in the pipe instead of killing us */
    return status;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
    struct create_args a = { 0 };
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    int terminal, r;

    r = parse(cli, command_find("run"), 1, argc, argv, &a);
    if (r >= 0)
        goto out;
    terminal = json_config_terminal(a.bundle);
    r = check_console(cli, &a, terminal);
    if (r)
        goto out;
    if (!a.detach) {
        r = run_foreground(cli, &a, terminal);
        goto out;
    }
    r = create_container(cli, &a, a.console_socket, &c);
    if (r)
        goto out;
    r = lcont_container_start(c, 0, &err);
    if (r < 0) {
        r = cli_fail_lib(cli, r, &err, NULL);
        discard(cli, c);
    }
out:
    lcont_error_free(err);
    lcont_container_unref(c);
    create_args_free(&a);
    return r;
}
