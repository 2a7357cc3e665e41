/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont-run: an OCI runtime with runc 1.1's command line, built only on the
 * public lcont API. Global options, help, version and command dispatch. */
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd-exec.h"

#define DEFAULT_ROOT "/run/lcont"

static const char global_usage[] =
    "NAME:\n"
    "   " PROGRAM_NAME " - Open Container Initiative runtime built on liblcont\n"
    "\n"
    "USAGE:\n"
    "   " PROGRAM_NAME " [global options] command [command options] [arguments...]\n"
    "\n"
    "COMMANDS:\n"
    "%s"
    "   help, h     Shows a list of commands or help for one command\n"
    "\n"
    "GLOBAL OPTIONS:\n"
    "   --debug             enable debug logging\n"
    "   --log value         set the log file to write " PROGRAM_NAME " logs to (default is "
    "'/dev/stderr')\n"
    "   --log-format value  set the log format ('text' (default), or 'json') (default: "
    "\"text\")\n"
    "   --root value        root directory for storage of container state (this should be "
    "located in tmpfs) (default: \"" DEFAULT_ROOT "\")\n"
    "   --criu value        accepted for compatibility; checkpoint/restore is not supported\n"
    "   --systemd-cgroup    not supported (there is no systemd cgroup driver)\n"
    "   --rootless value    accepted for compatibility ('true', 'false', or 'auto') "
    "(default: \"auto\")\n"
    "   --help, -h          show help\n"
    "   --version, -v       print the version\n";

#define BUNDLE_OPTS                                                                           \
    "   --bundle value, -b value  path to the root of the bundle directory, defaults to the " \
    "current directory\n"                                                                     \
    "   --console-socket value    path to an AF_UNIX socket which will receive a file "       \
    "descriptor referencing the master end of the console's pseudoterminal\n"                 \
    "   --pid-file value          specify the file to write the process id to\n"              \
    "   --no-pivot                do not use pivot root to jail process inside rootfs\n"      \
    "   --no-new-keyring          accepted for compatibility\n"                               \
    "   --preserve-fds value      Pass N additional file descriptors to the container "       \
    "(stdio + N in total) (default: 0)\n"

static const struct command commands[] = {
    { "create", cmd_create, "create a container",
      "NAME:\n   " PROGRAM_NAME " create - create a container\n\n"
      "USAGE:\n   " PROGRAM_NAME " create [command options] <container-id>\n\n"
      "OPTIONS:\n" BUNDLE_OPTS },
    { "delete", cmd_delete, "delete any resources held by the container",
      "NAME:\n   " PROGRAM_NAME " delete - delete any resources held by the container\n\n"
      "USAGE:\n   " PROGRAM_NAME " delete [command options] <container-id>\n\n"
      "OPTIONS:\n"
      "   --force, -f  Forcibly deletes the container if it is still running (uses SIGKILL)\n" },
    { "events", cmd_events,
      "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
      "NAME:\n   " PROGRAM_NAME
      " events - display container events such as OOM notifications, cpu, "
      "memory, and IO usage statistics\n\n"
      "USAGE:\n   " PROGRAM_NAME " events [command options] <container-id>\n\n"
      "OPTIONS:\n"
      "   --interval value  set the stats collection interval (default: 5s)\n"
      "   --stats           display the container's stats then exit\n" },
    { "exec", cmd_exec, "execute new process inside the container",
      "NAME:\n   " PROGRAM_NAME " exec - execute new process inside the container\n\n"
      "USAGE:\n   " PROGRAM_NAME " exec [command options] <container-id> <command> [command "
      "options]  || -p process.json <container-id>\n\n"
      "OPTIONS:\n"
      "   --console-socket value          path to an AF_UNIX socket which will receive a file "
      "descriptor referencing the master end of the console's pseudoterminal\n"
      "   --cwd value                     current working directory in the container\n"
      "   --env value, -e value           set environment variables\n"
      "   --tty, -t                       allocate a pseudo-TTY\n"
      "   --user value, -u value          UID (format: <uid>[:<gid>])\n"
      "   --additional-gids value, -g value  additional gids\n"
      "   --process value, -p value       path to the process.json\n"
      "   --detach, -d                    detach from the container's process\n"
      "   --pid-file value                specify the file to write the process id to\n"
      "   --process-label value           set the asm process label for the process commonly "
      "used with selinux\n"
      "   --apparmor value                set the apparmor profile for the process\n"
      "   --no-new-privs                  set the no new privileges value for the process\n"
      "   --cap value, -c value           add a capability to the bounding set for the process\n"
      "   --preserve-fds value            Pass N additional file descriptors to the container "
      "(stdio + N in total) (default: 0)\n" },
    { "features", cmd_features, "show the enabled features",
      "NAME:\n   " PROGRAM_NAME " features - show the enabled features\n\n"
      "USAGE:\n   " PROGRAM_NAME " features\n\n"
      "DESCRIPTION:\n   Show the enabled features. The result is parsable as JSON.\n" },
    { "kill", cmd_kill,
      "kill sends the specified signal (default: SIGTERM) to the container's init process",
      "NAME:\n   " PROGRAM_NAME " kill - send a signal (default: SIGTERM) to the container's "
      "init process\n\n"
      "USAGE:\n   " PROGRAM_NAME " kill [command options] <container-id> [signal]\n\n"
      "OPTIONS:\n"
      "   --all, -a  send the specified signal to all processes inside the container\n" },
    { "list", cmd_list, "lists containers started by " PROGRAM_NAME " with the given root",
      "NAME:\n   " PROGRAM_NAME " list - lists containers started with the given root\n\n"
      "USAGE:\n   " PROGRAM_NAME " list [command options]\n\n"
      "OPTIONS:\n"
      "   --format value, -f value  select one of: table or json (default: \"table\")\n"
      "   --quiet, -q               display only container IDs\n" },
    { "pause", cmd_pause, "pause suspends all processes inside the container",
      "NAME:\n   " PROGRAM_NAME " pause - pause suspends all processes inside the container\n\n"
      "USAGE:\n   " PROGRAM_NAME " pause <container-id>\n" },
    { "ps", cmd_ps, "ps displays the processes running inside a container",
      "NAME:\n   " PROGRAM_NAME " ps - ps displays the processes running inside a container\n\n"
      "USAGE:\n   " PROGRAM_NAME " ps [command options] <container-id> [ps options]\n\n"
      "OPTIONS:\n"
      "   --format value, -f value  select one of: table or json (default: \"table\")\n" },
    { "resume", cmd_resume, "resumes all processes that have been previously paused",
      "NAME:\n   " PROGRAM_NAME " resume - resumes all processes that have been previously "
      "paused\n\n"
      "USAGE:\n   " PROGRAM_NAME " resume <container-id>\n" },
    { "run", cmd_run, "create and run a container",
      "NAME:\n   " PROGRAM_NAME " run - create and run a container\n\n"
      "USAGE:\n   " PROGRAM_NAME " run [command options] <container-id>\n\n"
      "OPTIONS:\n" BUNDLE_OPTS "   --detach, -d              detach from the container's process\n"
      "   --keep                    do not delete the container after it exits\n"
      "   --no-subreaper            disable the use of the subreaper used to reap reparented "
      "processes\n" },
    { "spec", cmd_spec, "create a new specification file",
      "NAME:\n   " PROGRAM_NAME " spec - create a new specification file\n\n"
      "USAGE:\n   " PROGRAM_NAME " spec [command options]\n\n"
      "OPTIONS:\n"
      "   --bundle value, -b value  path to the root of the bundle directory\n"
      "   --rootless                generate a configuration for a rootless container\n" },
    { "start", cmd_start, "executes the user defined process in a created container",
      "NAME:\n   " PROGRAM_NAME " start - executes the user defined process in a created "
      "container\n\n"
      "USAGE:\n   " PROGRAM_NAME " start <container-id>\n" },
    { "state", cmd_state, "output the state of a container",
      "NAME:\n   " PROGRAM_NAME " state - output the state of a container\n\n"
      "USAGE:\n   " PROGRAM_NAME " state <container-id>\n" },
    { "update", cmd_update, "update container resource constraints",
      "NAME:\n   " PROGRAM_NAME " update - update container resource constraints\n\n"
      "USAGE:\n   " PROGRAM_NAME " update [command options] <container-id>\n\n"
      "OPTIONS:\n"
      "   --resources value, -r value   path to the file containing the resources to update "
      "or '-' to read from the standard input\n"
      "   --blkio-weight value          Specifies per cgroup weight, range is from 10 to 1000 "
      "(default: 0)\n"
      "   --cpu-period value            CPU CFS period to be used for hardcapping (in usecs). 0 "
      "to use system default\n"
      "   --cpu-quota value             CPU CFS hardcap limit (in usecs). Allowed cpu time in a "
      "given period\n"
      "   --cpu-share value             CPU shares (relative weight vs. other containers)\n"
      "   --cpu-rt-period value         CPU realtime period to be used for hardcapping (in "
      "usecs). 0 to use system default\n"
      "   --cpu-rt-runtime value        CPU realtime hardcap limit (in usecs). Allowed cpu time "
      "in a given period\n"
      "   --cpuset-cpus value           CPU(s) to use\n"
      "   --cpuset-mems value           Memory node(s) to use\n"
      "   --memory value                Memory limit (in bytes)\n"
      "   --memory-reservation value    Memory reservation or soft_limit (in bytes)\n"
      "   --memory-swap value           Total memory usage (memory + swap); set '-1' to enable "
      "unlimited swap\n"
      "   --pids-limit value            Maximum number of pids allowed in the container "
      "(default: 0)\n" },
};

/* runc commands lcont-run knows of but does not implement. */
static const char *const unsupported[] = { "checkpoint", "restore" };

const struct command *command_find(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void usage_global(FILE *out)
{
    char *list = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&list, &len);

    if (!f)
        return;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "   %-10s  %s\n", commands[i].name, commands[i].summary);
    if (fclose(f) == 0)
        fprintf(out, global_usage, list);
    free(list);
}

static void print_version(void)
{
    const struct scmp_version *v = seccomp_version();

    printf("%s version %s\nspec: %s\n", PROGRAM_NAME, lcont_version(), OCI_SPEC_VERSION);
    if (v)
        printf("libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
}

static int cmd_help(struct cli *cli, int argc, char **argv)
{
    const struct command *cmd;

    if (argc < 2) {
        usage_global(stdout);
        return 0;
    }
    cmd = command_find(argv[1]);
    if (!cmd)
        return cli_fail(cli, "No help topic for '%s'", argv[1]);
    fputs(cmd->usage, stdout);
    return 0;
}

enum {
    OPT_ROOT = 256,
    OPT_LOG,
    OPT_LOG_FORMAT,
    OPT_DEBUG,
    OPT_SYSTEMD_CGROUP,
    OPT_ROOTLESS,
    OPT_CRIU,
};

static const struct option global_opts[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "log", required_argument, NULL, OPT_LOG },
    { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
    { "debug", optional_argument, NULL, OPT_DEBUG },
    { "systemd-cgroup", optional_argument, NULL, OPT_SYSTEMD_CGROUP },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { "criu", required_argument, NULL, OPT_CRIU },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'v' },
    {},
};

static int run(struct cli *cli, int argc, char **argv)
{
    const char *log_path = NULL, *log_format = "text", *rootless = NULL, *root = DEFAULT_ROOT;
    const char *debug_arg = NULL, *systemd_arg = NULL;
    int systemd = 0, want_help = 0, want_version = 0, usage_error = 0;
    const struct command *cmd;
    int c, r;

    opterr = 0;
    optind = 0;
    while ((c = getopt_long_only(argc, argv, "+:hv", global_opts, NULL)) != -1) {
        switch (c) {
        case OPT_ROOT:
            root = optarg;
            break;
        case OPT_LOG:
            log_path = optarg;
            break;
        case OPT_LOG_FORMAT:
            log_format = optarg;
            break;
        case OPT_DEBUG:
            debug_arg = optarg ? optarg : "true";
            break;
        case OPT_SYSTEMD_CGROUP:
            systemd_arg = optarg ? optarg : "true";
            break;
        case OPT_ROOTLESS:
            rootless = optarg;
            break;
        case OPT_CRIU:
            break;
        case 'h':
            want_help = 1;
            break;
        case 'v':
            want_version = 1;
            break;
        default:
            usage_error = c;
            break;
        }
        if (usage_error)
            break;
    }

    /* The log goes first, so that every later error reaches it. */
    if (strcmp(log_format, "json") == 0)
        cli->log_json = 1;
    else if (strcmp(log_format, "text") != 0)
        return cli_fail(cli, "invalid log-format: %s", log_format);
    if (log_path && *log_path) {
        r = log_open(cli, log_path);
        if (r < 0)
            return cli_fail(cli, "open log file %s: %s", log_path, strerror(-r));
    }
    if (usage_error)
        return args_usage_error(cli, NULL, argv, usage_error);
    if (debug_arg && args_set_bool(cli, "debug", debug_arg, &cli->debug))
        return 1;
    if (systemd_arg && args_set_bool(cli, "systemd-cgroup", systemd_arg, &systemd))
        return 1;
    if (rootless && strcmp(rootless, "auto") != 0) {
        int ignored;
        if (args_parse_bool(rootless, &ignored) < 0)
            return cli_fail(cli, "invalid --rootless value: %s ('true', 'false' or 'auto')",
                            rootless);
    }

    if (want_version) {
        print_version();
        return 0;
    }
    if (want_help || optind >= argc) {
        usage_global(stdout);
        return 0;
    }
    if (systemd)
        return cli_fail(cli, "systemd cgroup driver is not supported: no systemd on this host");

    cli->root_owned = args_abs_path(root);
    if (!cli->root_owned)
        return cli_fail(cli, "resolve --root %s: %s", root, strerror(errno));
    cli->root = cli->root_owned;

    argc -= optind;
    argv += optind;
    if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "h") == 0)
        return cmd_help(cli, argc, argv);
    cmd = command_find(argv[0]);
    if (cmd) {
        cli_debug(cli, "command %s, state root %s", cmd->name, cli->root);
        return cmd->fn(cli, argc, argv);
    }
    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
        if (strcmp(argv[0], unsupported[i]) == 0)
            return cli_fail(cli, "command \"%s\" is not supported by %s", argv[0], PROGRAM_NAME);
    fputs("Incorrect Usage.\n\n", stderr);
    usage_global(stderr);
    return cli_fail(cli, "unknown command \"%s\"", argv[0]);
}

int main(int argc, char **argv)
{
    struct cli cli = { .log_fd = STDERR_FILENO, .log_is_stderr = 1 };
    int status = run(&cli, argc, argv);

    if (fflush(stdout) != 0 && status == 0)
        status = 1;
    lcont_context_unref(cli.ctx);
    free(cli.root_owned);
    if (!cli.log_is_stderr)
        close(cli.log_fd);
    return status;
}
