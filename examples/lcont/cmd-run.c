/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lcont run: image -> mounted rootfs -> config.json -> container, in the
 * foreground with stdio inherited; and lcont rm for what run leaves behind.
 *
 * A container's bundle lives in <root>/containers/<id>/ (config.json and the
 * rootfs mount point), its runtime state in <runroot>/<id>/, so lcont-run
 * --root <runroot> sees the same containers.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"

static const char run_usage[] =
    "Usage: lcont run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
    "\n"
    "Run COMMAND (default: the image's Entrypoint and Cmd) in a new container of IMAGE, in\n"
    "the foreground, with this terminal's stdin, stdout and stderr. IMAGE is a stored\n"
    "image's name or digest, or a transport (oci:DIR, docker-archive:FILE, ...) that is\n"
    "loaded first. The root filesystem is an overlay of the image's cached layers with a\n"
    "private writable layer. Signals (INT, TERM, HUP, QUIT, USR1, USR2) are forwarded.\n"
    "\n"
    "Exit status: the command's (128+N if it was killed by signal N); 125 if lcont\n"
    "failed; 126 if COMMAND cannot be run; 127 if COMMAND was not found.\n"
    "\n"
    "With -d, a monitor process (its own session, no daemon) creates the container, logs\n"
    "its output to <root>/containers/<name>/ctr.log (see 'lcont logs'), records its exit\n"
    "code and, with --rm, removes it; lcont prints the name and returns at once.\n"
    "\n"
    "Options:\n"
    "  -d, --detach          run in the background; stdin is /dev/null\n"
    "  --rm                  delete the container and its root filesystem when it exits\n"
    "  --name NAME           container name (default: 12 random hex digits)\n"
    "  -e, --env K=V         set an environment variable (K alone: take it from here)\n"
    "  -w, --workdir DIR     working directory inside the container\n"
    "  -u, --user USER[:GROUP]  user, by name (from the image's /etc/passwd) or number\n"
    "  --entrypoint CMD      replace the image's Entrypoint (and drop its Cmd)\n"
    "  --hostname NAME       hostname (default: the container name)\n"
    "  --read-only           mount the root filesystem read-only\n"
    "  -t, --tty             give the container a pseudo-terminal, proxied through this one\n"
    "                        (raw mode when stdin is a terminal; window size follows)\n"
    "  -i, --interactive     accepted for docker compatibility: stdin is always attached\n"
    "  -v, --volume HOST:CTR[:ro|rw]  bind-mount the host path HOST (absolute, existing)\n"
    "                        at CTR in the container, read-write unless :ro\n"
    "  -m, --memory SIZE     memory limit (suffix k, m or g)\n"
    "  --cpus N              CPU time limit in CPUs (1.5: 150 ms per 100 ms)\n"
    "  --pids-limit N        at most N processes\n"
    "  --log-opt max-size=SIZE  with -d: rotate ctr.log once it would pass SIZE bytes\n"
    "                        (suffix k, m or g; default: no limit)\n"
    "  --log-opt max-file=N  with -d and max-size: keep N files in all, ctr.log and\n"
    "                        ctr.log.1 (newest) to ctr.log.<N-1> (default 1: start over)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Without --rm the stopped container stays until 'lcont rm NAME'.\n";

static const char rm_usage[] =
    "Usage: lcont rm [OPTIONS] NAME...\n"
    "\n"
    "Delete containers made by 'lcont run': their runtime state, root filesystem mount\n"
    "and bundle directory.\n"
    "\n"
    "Options:\n"
    "  -f, --force  kill a running container first\n"
    "  -h, --help   show this help\n";

/* ---- signal forwarding: a self-pipe, read by the wait loop ---- */

static int sig_pipe_w = -1; /* a handler can reach nothing else */

static void on_signal(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;
    if (write(sig_pipe_w, &b, 1) < 0) {
        /* pipe full: drop it, like a coalesced signal */
    }
    errno = saved;
}

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

int signals_install(int *ret_fd)
{
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
    int fds[2];

    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
        return -errno;
    sig_pipe_w = fds[1];
    sigfillset(&sa.sa_mask);
    /* handlers, not a blocked mask: exec resets them, so the container starts clean */
    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
        if (sigaction(forwarded[i], &sa, NULL) < 0)
            return -errno;
    *ret_fd = fds[0];
    return 0;
}

/* ---- ids ---- */

static int random_id(char buf[13])
{
    unsigned char b[6];

    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
        return -errno;
    for (size_t i = 0; i < sizeof(b); i++)
        snprintf(buf + 2 * i, 3, "%02x", b[i]);
    return 0;
}

/* ---- run ---- */

struct run_args {
    int rm, readonly, tty, detach;
    uint64_t log_max_size; /* 0: no rotation */
    unsigned log_max_files;
    struct run_extra extra; /* volumes and limits */
    const char *name, *workdir, *user, *hostname;
    char **env; /* "K=V" */
    size_t n_env;
    char *entrypoint[2];
    int has_entrypoint;
    const char *image;
    char **command; /* NULL-terminated, borrowed from argv; NULL: the image's */
};

int env_push(char ***env, size_t *n_env, const char *arg)
{
    char **n = realloc(*env, (*n_env + 2) * sizeof(char *));
    const char *value;

    if (!n)
        return -ENOMEM;
    *env = n;
    n[*n_env] = NULL;
    if (strchr(arg, '=')) {
        n[*n_env] = strdup(arg);
    } else {
        /* docker's "-e NAME": pass our value, or nothing when unset */
        value = getenv(arg);
        if (!value)
            return 0;
        if (asprintf(&n[*n_env], "%s=%s", arg, value) < 0)
            n[*n_env] = NULL;
    }
    if (!n[*n_env])
        return -ENOMEM;
    n[++*n_env] = NULL;
    return 0;
}

void env_free(char **env, size_t n_env)
{
    for (size_t i = 0; i < n_env; i++)
        free(env[i]);
    free(env);
}

static void run_args_free(struct run_args *a)
{
    env_free(a->env, a->n_env);
    for (size_t i = 0; i < a->extra.n_volumes; i++)
        volume_free(&a->extra.volumes[i]);
    free(a->extra.volumes);
}

static int add_volume(struct run_args *a, const char *arg)
{
    struct run_volume *v =
        realloc(a->extra.volumes, (a->extra.n_volumes + 1) * sizeof(*a->extra.volumes));
    if (!v)
        return cli_fail("out of memory");
    a->extra.volumes = v;
    int r = volume_parse(arg, &v[a->extra.n_volumes]);
    if (r == 0)
        a->extra.n_volumes++;
    return r;
}

/* "max-size=10m" or "max-file=3", as docker's json-file driver takes them. */
static int parse_log_opt(const char *opt, struct run_args *a)
{
    if (strncmp(opt, "max-size=", 9) == 0)
        return parse_size(opt + 9, &a->log_max_size);
    if (strncmp(opt, "max-file=", 9) == 0) {
        const char *v = opt + 9;
        char *end;
        errno = 0;
        unsigned long n = strtoul(v, &end, 10);
        if (!isdigit((unsigned char)*v) || *end || errno || n < 1 || n > LOG_MAX_FILES)
            return -1;
        a->log_max_files = (unsigned)n;
        return 0;
    }
    return -1;
}

/* -1 to go on, else the exit status. */
static int parse_run(int argc, char **argv, struct run_args *a)
{
    static const struct option opts[] = {
        { "rm", no_argument, NULL, 'R' },
        { "detach", no_argument, NULL, 'd' },
        { "name", required_argument, NULL, 'n' },
        { "env", required_argument, NULL, 'e' },
        { "workdir", required_argument, NULL, 'w' },
        { "user", required_argument, NULL, 'u' },
        { "entrypoint", required_argument, NULL, 'E' },
        { "hostname", required_argument, NULL, 'H' },
        { "read-only", no_argument, NULL, 'r' },
        { "tty", no_argument, NULL, 't' },
        { "interactive", no_argument, NULL, 'i' },
        { "log-opt", required_argument, NULL, 'L' },
        { "volume", required_argument, NULL, 'v' },
        { "memory", required_argument, NULL, 'm' },
        { "cpus", required_argument, NULL, 'C' },
        { "pids-limit", required_argument, NULL, 'P' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    /* "+": the first non-option is IMAGE; everything after it is the command */
    while ((c = getopt_long(argc, argv, "+de:w:u:tiv:m:h", opts, NULL)) != -1) {
        switch (c) {
        case 'R':
            a->rm = 1;
            break;
        case 'd':
            a->detach = 1;
            break;
        case 'n':
            a->name = optarg;
            break;
        case 'e':
            if (env_push(&a->env, &a->n_env, optarg) < 0)
                return cli_fail("out of memory");
            break;
        case 'w':
            a->workdir = optarg;
            break;
        case 'u':
            a->user = optarg;
            break;
        case 'E':
            a->entrypoint[0] = optarg;
            a->entrypoint[1] = NULL;
            a->has_entrypoint = 1;
            break;
        case 'H':
            a->hostname = optarg;
            break;
        case 'r':
            a->readonly = 1;
            break;
        case 't':
            a->tty = 1;
            break;
        case 'i':
            break;
        case 'v':
            if (add_volume(a, optarg) != 0)
                return EXIT_USAGE;
            break;
        case 'm':
            if (parse_size(optarg, &a->extra.memory) < 0)
                return cli_usage_error(run_usage, "--memory '%s': want SIZE[k|m|g]", optarg);
            break;
        case 'C':
            if (parse_cpus(optarg, &a->extra.cpu_quota) < 0)
                return cli_usage_error(run_usage, "--cpus '%s': want a number of CPUs >= 0.01",
                                       optarg);
            break;
        case 'P': {
            char *end;
            errno = 0;
            long long n = strtoll(optarg, &end, 10);
            if (!*optarg || *end || errno || n < 1)
                return cli_usage_error(run_usage, "--pids-limit '%s': want N >= 1", optarg);
            a->extra.pids_limit = n;
            break;
        }
        case 'L':
            if (parse_log_opt(optarg, a) < 0)
                return cli_usage_error(run_usage,
                                       "--log-opt '%s': want max-size=SIZE[k|m|g] or "
                                       "max-file=N (N >= 1)",
                                       optarg);
            break;
        case 'h':
            fputs(run_usage, stdout);
            return 0;
        default:
            fputs(run_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage_error(run_usage, "'run' needs an IMAGE");
    if (a->log_max_size && !a->detach)
        return cli_usage_error(run_usage, "--log-opt: only a detached container (-d) has a log");
    if (a->detach && a->tty)
        return cli_usage_error(run_usage, "-d and -t together are not supported: lcont cannot "
                                          "attach to a detached container's terminal");
    a->image = argv[optind];
    a->command = optind + 1 < argc ? argv + optind + 1 : NULL;
    return -1;
}

/* The exit status for a failure to create or start: what a shell uses for exec errors. */
int run_fail(struct cli *cli, int r, lcont_error **err, const char *what)
{
    const char *msg = *err ? lcont_error_message(*err) : "";
    int status = EXIT_RUN_FAILED;

    if (strstr(msg, "exec:")) {
        if (r == -ENOENT)
            status = EXIT_NOT_FOUND;
        else if (r == -EACCES || r == -EPERM || r == -ENOEXEC || r == -EISDIR)
            status = EXIT_CANNOT_INVOKE;
    }
    cli_fail_lib(cli, r, err, "%s", what);
    return status;
}

int wait_forwarding(struct cli *cli, lcont_process *init, int sigfd, struct tty_proxy *tty,
                    int *ret_status)
{
    lcont_error *err = NULL;
    int r;

    for (;;) {
        struct pollfd pfd[4] = {
            { .fd = sigfd, .events = POLLIN },
            { .fd = lcont_process_get_pidfd(init), .events = POLLIN },
        };
        int n = tty_poll_add(tty, pfd, 2);
        unsigned char b;

        if (poll(pfd, (nfds_t)n, -1) < 0 && errno != EINTR)
            return cli_fail("poll: %s", strerror(errno));
        while (read(sigfd, &b, 1) == 1) {
            if (b == SIGWINCH) {
                if (tty)
                    tty_resize(tty);
                continue;
            }
            cli_debug(cli, "forwarding signal %d", b);
            r = lcont_process_signal(init, b, 0, NULL);
            if (r < 0 && r != -ESRCH)
                cli_debug(cli, "forward signal %d: %s", b, strerror(-r));
        }
        tty_poll_handle(tty, pfd);
        if (pfd[1].revents)
            break;
    }
    /* the pid namespace died with its init: what is left in the pty is final */
    while (tty && tty->master_open && tty_pump_out(tty) > 0)
        ;
    r = lcont_process_wait(init, 0, ret_status, &err);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "wait for the container");
    return 0;
}

/* meta.json: what ps and inspect show beside the runtime state. */
static int write_meta(const struct run_args *a, const char *id, lcont_image *img, const char *dir)
{
    cJSON *o = cJSON_CreateObject();
    char created[64], *text;
    int r;

    if (!o)
        return -ENOMEM;
    format_time_now(created, sizeof(created));
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "image", a->image);
    if (lcont_image_get_name(img))
        cJSON_AddStringToObject(o, "image_name", lcont_image_get_name(img));
    cJSON_AddStringToObject(o, "image_digest", lcont_image_get_digest(img));
    cJSON_AddStringToObject(o, "created", created);
    cJSON_AddBoolToObject(o, "rm", a->rm);
    cJSON_AddBoolToObject(o, "detached", a->detach);
    cJSON_AddBoolToObject(o, "tty", a->tty);
    if (a->log_max_size) {
        cJSON_AddNumberToObject(o, "log_max_size", (double)a->log_max_size);
        cJSON_AddNumberToObject(o, "log_max_files", a->log_max_files ? a->log_max_files : 1);
    }
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        return -ENOMEM;
    r = cli_write_file(dir, BUNDLE_META, text);
    free(text);
    return r;
}

static int prepare_bundle(struct cli *cli, const struct run_args *a, const char *id,
                          lcont_image *img, char *dir, size_t dir_size)
{
    lcont_image_spec_opts so = LCONT_IMAGE_SPEC_OPTS_INIT;
    char rootfs[4096], containers[4096];
    lcont_error *err = NULL;
    char *json = NULL;
    int r;

    if (snprintf(containers, sizeof(containers), "%s/containers", cli->root) >=
            (int)sizeof(containers) ||
        bundle_path(cli, id, NULL, dir, dir_size) < 0 ||
        bundle_path(cli, id, "rootfs", rootfs, sizeof(rootfs)) < 0)
        return cli_fail("%s: name too long", id);
    if (mkdir(containers, 0700) < 0 && errno != EEXIST)
        return cli_fail("create %s: %s", containers, strerror(errno));
    if (mkdir(dir, 0700) < 0) {
        if (errno == EEXIST)
            return cli_fail("the name '%s' is in use (remove it with 'lcont rm %s')", id, id);
        return cli_fail("create %s: %s", dir, strerror(errno));
    }
    if (mkdir(rootfs, 0755) < 0) {
        r = cli_fail("create %s: %s", rootfs, strerror(errno));
        bundle_remove(cli, id, 1);
        return r;
    }
    r = lcont_image_mount(cli->store, img, rootfs, NULL, 0, &err);
    progress_finish(cli);
    if (r < 0) {
        r = cli_fail_lib(cli, r, &err, "mount %s", a->image);
        bundle_remove(cli, id, 1);
        return r;
    }

    so.args = (const char *const *)a->command;
    so.entrypoint = a->has_entrypoint ? (const char *const *)a->entrypoint : NULL;
    so.env = (const char *const *)a->env;
    so.cwd = a->workdir;
    so.user = a->user;
    so.hostname = a->hostname ? a->hostname : (strlen(id) <= 63 ? id : NULL);
    so.root_path = "rootfs";
    so.image_name = lcont_image_get_name(img);
    so.image_digest = lcont_image_get_digest(img);
    so.readonly = a->readonly;
    so.terminal = a->tty;
    r = lcont_spec_from_image_config(lcont_image_get_config_json(img), rootfs, &so, 0, &json, &err);
    if (r < 0) {
        r = cli_fail_lib(cli, r, &err, "image %s", a->image);
        bundle_remove(cli, id, 1);
        return r;
    }
    char *edited = NULL;
    if (a->extra.n_volumes || a->extra.memory || a->extra.cpu_quota || a->extra.pids_limit) {
        r = config_add_run_extra(json, &a->extra, &edited);
        if (r < 0) {
            lcont_free(json);
            cli_fail("add volumes and limits to the config: %s", strerror(-r));
            bundle_remove(cli, id, 1);
            return 1;
        }
    }
    r = cli_write_file(dir, "config.json", edited ? edited : json);
    free(edited);
    lcont_free(json);
    if (r == 0)
        r = write_meta(a, id, img, dir);
    if (r < 0) {
        cli_fail("write %s/config.json: %s", dir, strerror(-r));
        bundle_remove(cli, id, 1);
        return 1;
    }
    return 0;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
    struct run_args a = { 0 };
    lcont_create_opts co = LCONT_CREATE_OPTS_INIT;
    lcont_image *img = NULL;
    lcont_container *c = NULL;
    lcont_process *init = NULL;
    lcont_error *err = NULL;
    struct tty_proxy tty;
    char idbuf[13], dir[4096], started[64], finished[64];
    const char *id;
    int r, status = EXIT_RUN_FAILED, sigfd = -1, monfd = -1, lockfd;

    tty_init(&tty);
    tty.eof_to_container = true; /* a piped stdin ends with ^D, as with docker -t */
    r = parse_run(argc, argv, &a);
    if (r >= 0) {
        run_args_free(&a);
        return r;
    }
    if (a.name) {
        if (!name_valid(a.name)) {
            cli_usage_error(run_usage, "--name '%s': use [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128",
                            a.name);
            run_args_free(&a);
            return EXIT_USAGE;
        }
        id = a.name;
    } else {
        if (random_id(idbuf) < 0) {
            cli_fail("getrandom: %s", strerror(errno));
            run_args_free(&a);
            return EXIT_RUN_FAILED;
        }
        id = idbuf;
    }
    if (image_get(cli, a.image, &img) || cli_open_context(cli))
        goto out;
    if (prepare_bundle(cli, &a, id, img, dir, sizeof(dir)))
        goto out;
    if (a.detach) {
        status = monitor_spawn(cli, id, a.rm, 0);
        if (status == 0)
            printf("%s\n", id);
        goto out;
    }
    /* we reap the container: `lcont wait` and `stop` wait for this lock */
    monfd = monitor_lock(cli, id);
    if (monfd < 0) {
        cli_fail("lock %s/%s: %s", dir, BUNDLE_MONITOR_LOCK, strerror(-monfd));
        goto remove_bundle;
    }
    /* signals arriving during create are queued and forwarded after start */
    r = signals_install(&sigfd);
    if (r < 0) {
        cli_fail("install signal handlers: %s", strerror(-r));
        goto remove_bundle;
    }
    if (a.tty) {
        r = tty_listen(&tty);
        if (r < 0) {
            cli_fail("set up the console socket: %s", strerror(-r));
            goto remove_bundle;
        }
        co.console_socket = tty.path;
    }
    co.bundle = dir;
    cli_debug(cli, "create container %s from bundle %s", id, dir);
    r = lcont_container_create(cli->ctx, id, &co, 0, &c, &err);
    if (r < 0) {
        status = run_fail(cli, r, &err, "create container");
        goto remove_bundle;
    }
    r = lcont_container_get_init_process(c, 0, &init, &err);
    if (r >= 0 && a.tty) {
        r = tty_receive(&tty, lcont_process_get_pidfd(init));
        if (r < 0) {
            cli_fail("receive the container's terminal: %s", strerror(-r));
            lcont_container_delete(c, LCONT_DELETE_FORCE, NULL);
            goto remove_bundle;
        }
    }
    if (r >= 0)
        r = lcont_container_start(c, 0, &err);
    if (r < 0) {
        status = run_fail(cli, r, &err, "start container");
        lcont_container_delete(c, LCONT_DELETE_FORCE, NULL);
        goto remove_bundle;
    }
    format_time_now(started, sizeof(started));
    status_write(cli, id, started, NULL, 0, -1); /* best effort: only ps reads it */
    if (wait_forwarding(cli, init, sigfd, a.tty ? &tty : NULL, &status))
        status = EXIT_RUN_FAILED;
    tty_cleanup(&tty); /* our terminal back to normal before anything else is printed */
    cli_debug(cli, "container %s exited with status %d", id, status);
    format_time_now(finished, sizeof(finished));
    status_write(cli, id, started, finished, status, -1);
    if (!a.rm)
        goto out;
    r = lcont_container_delete(c, LCONT_DELETE_FORCE, &err);
    if (r < 0 && r != -ENOENT)
        cli_fail_lib(cli, r, &err, "delete container %s", id);
    lcont_error_free(err);
    err = NULL;
remove_bundle:
    tty_cleanup(&tty);
    /* the monitor lock first: a `wait` holds the bundle lock until the lock is free */
    if (monfd >= 0)
        close(monfd);
    monfd = -1;
    lockfd = bundle_lock(cli, id, LOCK_EX);
    if (lockfd >= 0) {
        if (bundle_remove(cli, id, 0) && status == 0)
            status = EXIT_RUN_FAILED;
        close(lockfd);
    }
out:
    if (monfd >= 0)
        close(monfd);
    tty_cleanup(&tty);
    lcont_error_free(err);
    lcont_process_unref(init);
    lcont_container_unref(c);
    lcont_image_unref(img);
    run_args_free(&a);
    /* sigfd stays open: a late signal lands in the pipe instead of killing us */
    return status;
}

/* ---- rm ---- */

/* 0, or 1 with a message printed. */
static int rm_one(struct cli *cli, const char *id, int force)
{
    lcont_container *ct = NULL;
    lcont_error *err = NULL;
    int r, found = 0, lockfd;

    if (!name_valid(id))
        return cli_fail("no such container: %s", id);
    r = container_load(cli, id, &ct);
    if (r > 0)
        return 1;
    if (r == 0) {
        found = 1;
        /* with --force this kills the container; its monitor then records the exit code */
        r = lcont_container_delete(ct, force ? LCONT_DELETE_FORCE : 0, &err);
        lcont_container_unref(ct);
        if (r == -EBUSY) {
            lcont_error_free(err);
            return cli_fail("container %s is running (use --force)", id);
        }
        if (r < 0 && r != -ENOENT)
            return cli_fail_lib(cli, r, &err, "delete %s", id);
        lcont_error_free(err);
    }
    /* whoever reaps it (monitor, foreground run) finishes first: it may remove it itself */
    r = monitor_wait(cli, id);
    if (r < 0 && r != -ENOENT)
        return cli_fail("wait for the monitor of %s: %s", id, strerror(-r));
    /* the bundle may outlive the state (a crash between the two): clean it too */
    lockfd = bundle_lock(cli, id, LOCK_EX);
    if (lockfd == -ENOENT)
        return found ? (printf("%s\n", id), 0) : cli_fail("no such container: %s", id);
    if (lockfd < 0)
        return cli_fail("lock container %s: %s", id, strerror(-lockfd));
    r = bundle_remove(cli, id, 0);
    close(lockfd);
    if (r)
        return 1;
    printf("%s\n", id);
    return 0;
}

int cmd_rm(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "force", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int force = 0, c, status = 0;

    while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            force = 1;
            break;
        case 'h':
            fputs(rm_usage, stdout);
            return 0;
        default:
            fputs(rm_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage_error(rm_usage, "'rm' needs at least one NAME");
    if (cli_open_store(cli))
        return 1;
    for (int i = optind; i < argc; i++)
        if (rm_one(cli, argv[i], force))
            status = 1;
    return status;
}
