/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont stop, kill, wait, start, restart, pause, unpause: signals, exit codes, new runs and
 * the freezer of containers. They work on any container of the runtime state (detached or
 * not): signals go through the library, the exit code comes from status.json, written by
 * the process that reaps the container.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"

static const char stop_usage[] =
    "Usage: lcont stop [OPTIONS] NAME...\n"
    "\n"
    "Stop running containers: send the image's StopSignal (SIGTERM when it has none), and\n"
    "SIGKILL when the container is still running after the timeout. Returns once the\n"
    "container has exited and its exit code is recorded.\n"
    "\n"
    "Options:\n"
    "  -t, --time SECONDS  seconds to wait before SIGKILL (default 10)\n"
    "  -h, --help          show this help\n";

static const char kill_usage[] =
    "Usage: lcont kill [OPTIONS] NAME...\n"
    "\n"
    "Send a signal to the init process of running containers.\n"
    "\n"
    "Options:\n"
    "  -s, --signal SIGNAL  signal name (KILL, SIGTERM) or number (default KILL)\n"
    "  -h, --help           show this help\n";

static const char wait_usage[] =
    "Usage: lcont wait NAME...\n"
    "\n"
    "Wait until containers exit, then print their exit codes, one per line.\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help\n";

static const char start_usage[] =
    "Usage: lcont start NAME...\n"
    "\n"
    "Start stopped containers made by 'lcont run' again, detached as with 'run -d': the\n"
    "same configuration and writable layer; the output is appended to the log.\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help\n";

static const char restart_usage[] =
    "Usage: lcont restart [OPTIONS] NAME...\n"
    "\n"
    "Stop containers as 'stop' does (a stopped one is left as it is), then start them again\n"
    "as 'start' does. Containers that 'start' could not run again (run with -t or --rm)\n"
    "are refused before they are stopped.\n"
    "\n"
    "Options:\n"
    "  -t, --time SECONDS  seconds to wait before SIGKILL (default 10)\n"
    "  -h, --help          show this help\n";

static const char pause_usage[] =
    "Usage: lcont pause NAME...\n"
    "\n"
    "Freeze every process of running containers (cgroup freezer): they are not told and\n"
    "cannot notice. 'stop' and 'kill -s KILL' still work on a paused container.\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help\n";

static const char unpause_usage[] = "Usage: lcont unpause NAME...\n"
                                    "\n"
                                    "Thaw paused containers.\n"
                                    "\n"
                                    "Options:\n"
                                    "  -h, --help  show this help\n";

static const struct {
    const char *name;
    int signo;
} signals[] = {
    { "HUP", SIGHUP },   { "INT", SIGINT },       { "QUIT", SIGQUIT }, { "ILL", SIGILL },
    { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },     { "IOT", SIGIOT },   { "BUS", SIGBUS },
    { "FPE", SIGFPE },   { "KILL", SIGKILL },     { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
    { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },     { "ALRM", SIGALRM }, { "TERM", SIGTERM },
    { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
    { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },   { "XCPU", SIGXCPU },
    { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
    { "IO", SIGIO },     { "PWR", SIGPWR },       { "SYS", SIGSYS },   { "STKFLT", SIGSTKFLT },
};

int parse_signal(const char *s)
{
    char *end;
    long n;

    if (!s || !*s)
        return -1;
    if (*s >= '0' && *s <= '9') {
        errno = 0;
        n = strtol(s, &end, 10);
        return *end || errno || n < 1 || n >= NSIG ? -1 : (int)n;
    }
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        if (strcasecmp(s, signals[i].name) == 0)
            return signals[i].signo;
    /* RTMIN+n, as docker accepts them */
    if (strncasecmp(s, "RTMIN+", 6) == 0) {
        n = strtol(s + 6, &end, 10);
        if (!*end && n >= 0 && SIGRTMIN + n <= SIGRTMAX)
            return SIGRTMIN + (int)n;
    }
    return -1;
}

/* The signal the image asks for (org.opencontainers.image.stopSignal), else SIGTERM. */
static int stop_signal(lcont_container *c)
{
    char *json = NULL;
    cJSON *state, *ann, *sig;
    int signo = SIGTERM;

    if (lcont_container_get_state_json(c, 0, &json, NULL) < 0)
        return SIGTERM;
    state = cJSON_Parse(json);
    lcont_free(json);
    ann = cJSON_GetObjectItemCaseSensitive(state, "annotations");
    sig = cJSON_GetObjectItemCaseSensitive(ann, "org.opencontainers.image.stopSignal");
    if (cJSON_IsString(sig) && parse_signal(sig->valuestring) > 0)
        signo = parse_signal(sig->valuestring);
    cJSON_Delete(state);
    return signo;
}

/* Wait up to @timeout_ms (-1: forever) for @init to exit: 1 exited, 0 timed out. */
static int wait_exit(lcont_process *init, int timeout_ms)
{
    struct pollfd pfd = { .fd = lcont_process_get_pidfd(init), .events = POLLIN };
    int r;

    do
        r = poll(&pfd, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    return r != 0;
}

/* 0 for a stopped container; else 1 with a message printed. */
static int stop_one(struct cli *cli, const char *id, int timeout)
{
    lcont_container *c = NULL;
    lcont_process *init = NULL;
    lcont_error *err = NULL;
    int r, status = 0;

    if (container_find(cli, id, &c))
        return 1;
    r = lcont_container_get_status(c, 0, &err);
    if (r == LCONT_STATUS_PAUSED)
        r = lcont_container_resume(c, 0, &err); /* a frozen process cannot act on a signal */
    if (r < 0) {
        status = cli_fail_lib(cli, r, &err, "container %s", id);
        goto out;
    }
    r = lcont_container_get_init_process(c, 0, &init, &err);
    if (r == -ESRCH && lcont_container_get_status(c, 0, NULL) == LCONT_STATUS_STOPPED) {
        lcont_error_free(err);
        err = NULL;
        goto stopped; /* stopped already: docker's stop succeeds too */
    }
    if (r < 0) {
        status = cli_fail_lib(cli, r, &err, "container %s", id);
        goto out;
    }
    r = lcont_container_kill(c, stop_signal(c), 0, &err);
    if (r < 0 && r != -ESRCH) {
        status = cli_fail_lib(cli, r, &err, "signal %s", id);
        goto out;
    }
    lcont_error_free(err);
    err = NULL;
    if (!wait_exit(init, timeout > INT_MAX / 1000 ? INT_MAX : timeout * 1000)) {
        cli_debug(cli, "%s still running after %d s: SIGKILL", id, timeout);
        r = lcont_container_kill(c, SIGKILL, LCONT_KILL_ALL, &err);
        if (r < 0 && r != -ESRCH) {
            status = cli_fail_lib(cli, r, &err, "kill %s", id);
            goto out;
        }
        wait_exit(init, -1);
    }
stopped:
    /* return once the exit code is recorded, so that ps and wait show it */
    r = monitor_wait(cli, id);
    if (r < 0 && r != -ENOENT)
        status = cli_fail("wait for the monitor of %s: %s", id, strerror(-r));
out:
    lcont_error_free(err);
    lcont_process_unref(init);
    lcont_container_unref(c);
    return status;
}

/* Parse NAME... commands' shared "-h" handling; returns -1 to go on, else the status. */
static int parse_names(int argc, char **argv, const char *usage, const char *shortopts,
                       const struct option *opts, int *ret_timeout, int *ret_signal)
{
    char *end;
    int c;

    while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
        switch (c) {
        case 't':
            errno = 0;
            *ret_timeout = (int)strtol(optarg, &end, 10);
            if (!*optarg || *end || errno || *ret_timeout < 0)
                return cli_usage_error(usage, "-t '%s': not a number of seconds", optarg);
            break;
        case 's':
            *ret_signal = parse_signal(optarg);
            if (*ret_signal < 0)
                return cli_usage_error(usage, "-s '%s': unknown signal", optarg);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage_error(usage, "'%s' needs at least one NAME", argv[0]);
    return -1;
}

/* parse_names() for commands whose only option is -h. */
static int parse_plain_names(int argc, char **argv, const char *usage)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int timeout = 0, signo = 0;

    return parse_names(argc, argv, usage, "h", opts, &timeout, &signo);
}

/*
 * @one on each NAME after the options, with @arg (stop: the timeout; pause: 1 to freeze,
 * 0 to thaw; start: none); prints the names it succeeded on, as docker does. 0, or 1 if one failed.
 */
static int each_name(struct cli *cli, int argc, char **argv,
                     int (*one)(struct cli *cli, const char *id, int arg), int arg)
{
    int status = 0;

    for (int i = optind; i < argc; i++) {
        if (one(cli, argv[i], arg))
            status = 1;
        else
            printf("%s\n", argv[i]);
        fflush(stdout);
    }
    return status;
}

/* parse_names() for stop and restart: -t SECONDS (default 10) and -h. */
static int parse_timeout_names(int argc, char **argv, const char *usage, int *ret_timeout)
{
    static const struct option opts[] = {
        { "time", required_argument, NULL, 't' },
        { "timeout", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int signo = 0;

    *ret_timeout = 10;
    return parse_names(argc, argv, usage, "t:h", opts, ret_timeout, &signo);
}

int cmd_stop(struct cli *cli, int argc, char **argv)
{
    int timeout;
    int r = parse_timeout_names(argc, argv, stop_usage, &timeout);

    if (r >= 0)
        return r;
    return each_name(cli, argc, argv, stop_one, timeout);
}

int cmd_kill(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "signal", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int timeout = 0, signo = SIGKILL, status = 0;
    int r = parse_names(argc, argv, kill_usage, "s:h", opts, &timeout, &signo);

    if (r >= 0)
        return r;
    for (int i = optind; i < argc; i++) {
        lcont_container *c = NULL;
        lcont_error *err = NULL;

        if (container_find(cli, argv[i], &c)) {
            status = 1;
            continue;
        }
        r = lcont_container_kill(c, signo, 0, &err);
        lcont_container_unref(c);
        if (r == -ESRCH) {
            lcont_error_free(err);
            status = cli_fail("container %s is not running", argv[i]);
        } else if (r < 0) {
            status = cli_fail_lib(cli, r, &err, "signal %s", argv[i]);
        } else {
            printf("%s\n", argv[i]);
        }
    }
    return status;
}

/* Print the exit code of @id once it has exited; 0, or 1 with a message printed. */
static int wait_one(struct cli *cli, const char *id)
{
    lcont_container *c = NULL;
    lcont_process *init = NULL;
    cJSON *st, *code;
    int lockfd, r, status = 0;

    if (!name_valid(id))
        return cli_fail("no such container: %s", id);
    /* shared: the monitor of a --rm container removes it only after we read the code */
    lockfd = bundle_lock(cli, id, LOCK_SH);
    if (lockfd == -ENOENT)
        return cli_fail("no such container: %s", id);
    if (lockfd < 0)
        return cli_fail("lock container %s: %s", id, strerror(-lockfd));
    r = monitor_alive(cli, id);
    if (r == 0 && container_load(cli, id, &c) == 0 &&
        lcont_container_get_init_process(c, 0, &init, NULL) == 0) {
        /* nobody reaps it (its monitor was killed): at least wait for the end */
        wait_exit(init, -1);
    }
    r = monitor_wait(cli, id);
    if (r < 0 && r != -ENOENT) {
        status = cli_fail("wait for the monitor of %s: %s", id, strerror(-r));
        goto out;
    }
    st = bundle_read_json(cli, id, BUNDLE_STATUS);
    code = cJSON_GetObjectItemCaseSensitive(st, "exit_code");
    if (cJSON_IsNumber(code) && code->valueint >= 0)
        printf("%d\n", code->valueint);
    else
        status =
            cli_fail("the exit code of %s is unknown (not recorded: was its monitor killed?)", id);
    cJSON_Delete(st);
out:
    lcont_process_unref(init);
    lcont_container_unref(c);
    close(lockfd);
    return status;
}

int cmd_wait(struct cli *cli, int argc, char **argv)
{
    int status = 0;
    int r = parse_plain_names(argc, argv, wait_usage);

    if (r >= 0)
        return r;
    for (int i = optind; i < argc; i++) {
        if (wait_one(cli, argv[i]))
            status = 1;
        fflush(stdout);
    }
    return status;
}

/* Why start cannot run a container with this meta.json again, or NULL. */
static const char *start_refusal(const cJSON *meta)
{
    if (!meta)
        return "was not made by 'lcont run'";
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(meta, "tty")))
        return "has a terminal: lcont cannot start it detached";
    return NULL;
}

/* 0 once @id runs again (or ran already), else 1 with a message printed. */
static int start_one(struct cli *cli, const char *id, int unused)
{
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    char rootfs[4096];
    cJSON *meta = NULL;
    int lockfd, r, status = 1, monitor;

    if (!name_valid(id))
        return cli_fail("no such container: %s", id);
    /* exclusive: no rm, no second start meanwhile; released once the monitor runs it */
    lockfd = bundle_lock(cli, id, LOCK_EX);
    if (lockfd == -ENOENT)
        return cli_fail("no such container: %s", id);
    if (lockfd < 0)
        return cli_fail("lock container %s: %s", id, strerror(-lockfd));
    meta = bundle_read_json(cli, id, BUNDLE_META);
    if (!meta || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(meta, "tty"))) {
        cli_fail("container %s %s", id, start_refusal(meta));
        goto out;
    }
    monitor = monitor_alive(cli, id) == 1;
    r = container_load(cli, id, &c);
    if (r > 0)
        goto out;
    if (r == 0) {
        r = lcont_container_get_status(c, 0, NULL);
        if (r == LCONT_STATUS_RUNNING || r == LCONT_STATUS_PAUSED) {
            status = 0; /* docker's start of a running container succeeds */
            goto out;
        }
        if (r != LCONT_STATUS_STOPPED || monitor) {
            cli_fail("container %s is being created or stopped: try again", id);
            goto out;
        }
        /* a stopped container cannot run again (OCI): create it anew from its bundle */
        r = lcont_container_delete(c, 0, &err);
        if (r < 0 && r != -ENOENT) {
            cli_fail_lib(cli, r, &err, "delete the stopped container %s", id);
            goto out;
        }
        lcont_error_free(err);
        err = NULL;
    } else if (monitor) {
        cli_fail("container %s is being created: try again", id);
        goto out;
    }
    if (!bundle_rootfs_mounted(cli, id, rootfs, sizeof(rootfs))) {
        cli_fail("the root filesystem of %s is not mounted: remove it and run it again", id);
        goto out;
    }
    status = monitor_spawn(cli, id, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(meta, "rm")), 1)
                 ? 1
                 : 0;
out:
    cJSON_Delete(meta);
    lcont_error_free(err);
    lcont_container_unref(c);
    close(lockfd);
    return status;
}

int cmd_start(struct cli *cli, int argc, char **argv)
{
    int r = parse_plain_names(argc, argv, start_usage);

    if (r >= 0)
        return r;
    if (cli_open_store(cli))
        return 1;
    return each_name(cli, argc, argv, start_one, 0);
}

/* stop, then start; refused before the stop when start could not run it again. */
static int restart_one(struct cli *cli, const char *id, int timeout)
{
    cJSON *meta = bundle_read_json(cli, id, BUNDLE_META);
    const char *why = start_refusal(meta);
    lcont_container *c = NULL;

    if (meta && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(meta, "rm")))
        why = "was run with --rm: stopping it removes it";
    cJSON_Delete(meta);
    if (why && container_find(cli, id, &c))
        return 1; /* no such container */
    lcont_container_unref(c);
    if (why)
        return cli_fail("container %s %s", id, why);
    return stop_one(cli, id, timeout) ? 1 : start_one(cli, id, 0);
}

int cmd_restart(struct cli *cli, int argc, char **argv)
{
    int timeout;
    int r = parse_timeout_names(argc, argv, restart_usage, &timeout);

    if (r >= 0)
        return r;
    if (cli_open_store(cli))
        return 1;
    return each_name(cli, argc, argv, restart_one, timeout);
}

/* Freeze (@pause) or thaw @id; 0, or 1 with a message printed. */
static int pause_one(struct cli *cli, const char *id, int pause)
{
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    int r, status = 0;

    if (container_find(cli, id, &c))
        return 1;
    r = lcont_container_get_status(c, 0, &err);
    if (r >= 0 && pause && r == LCONT_STATUS_PAUSED)
        status = cli_fail("container %s is already paused", id);
    else if (r >= 0 && !pause && r != LCONT_STATUS_PAUSED)
        status = cli_fail("container %s is not paused", id);
    else if (r >= 0 && r != LCONT_STATUS_RUNNING && r != LCONT_STATUS_PAUSED)
        status = cli_fail("container %s is not running", id);
    else if (r >= 0)
        r = pause ? lcont_container_pause(c, 0, &err) : lcont_container_resume(c, 0, &err);
    if (r < 0)
        status = cli_fail_lib(cli, r, &err, "%s %s", pause ? "pause" : "unpause", id);
    lcont_error_free(err);
    lcont_container_unref(c);
    return status;
}

static int pause_names(struct cli *cli, int argc, char **argv, const char *usage, int pause)
{
    int r = parse_plain_names(argc, argv, usage);

    if (r >= 0)
        return r;
    return each_name(cli, argc, argv, pause_one, pause);
}

int cmd_pause(struct cli *cli, int argc, char **argv)
{
    return pause_names(cli, argc, argv, pause_usage, 1);
}

int cmd_unpause(struct cli *cli, int argc, char **argv)
{
    return pause_names(cli, argc, argv, unpause_usage, 0);
}
