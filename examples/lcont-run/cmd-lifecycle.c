/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* start, kill and delete: one call each on a loaded container, with runc's
 * rules for which states they accept. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "cli.h"

int cmd_start(struct cli *cli, int argc, char **argv)
{
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    int r;

    r = args_parse_no_options(cli, command_find("start"), argc, argv, 1);
    if (r >= 0)
        return r;
    r = cli_load(cli, argv[optind], 0, &c);
    if (r)
        return r;

    switch (lcont_container_get_status(c, 0, NULL)) {
    case LCONT_STATUS_RUNNING:
    case LCONT_STATUS_PAUSED:
        r = cli_fail(cli, "cannot start an already running container");
        break;
    case LCONT_STATUS_STOPPED:
        r = cli_fail(cli, "cannot start a container that has stopped");
        break;
    default:
        r = lcont_container_start(c, 0, &err);
        if (r < 0)
            r = cli_fail_lib(cli, r, &err, NULL);
    }
    lcont_container_unref(c);
    return r;
}

int cmd_kill(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "all", optional_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        {},
    };
    const struct command *cmd = command_find("kill");
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    int all = 0, signo = SIGTERM, r, opt;

    optind = 0;
    while ((opt = getopt_long_only(argc, argv, "+:ah", opts, NULL)) != -1) {
        switch (opt) {
        case 'a':
            if (args_set_bool(cli, "all", optarg, &all))
                return 1;
            break;
        default:
            return args_help_or_error(cli, cmd, argv, opt);
        }
    }
    r = args_check_count(cli, cmd, argc - optind, 1, 2);
    if (r)
        return r;
    if (argc - optind == 2) {
        signo = args_parse_signal(argv[optind + 1]);
        if (signo < 0)
            return cli_fail(cli, "unknown signal \"%s\"", argv[optind + 1]);
    }
    r = cli_load(cli, argv[optind], 0, &c);
    if (r)
        return r;
    cli_debug(cli, "kill %s with signal %d%s", argv[optind], signo, all ? " (all)" : "");
    r = lcont_container_kill(c, signo, all ? LCONT_KILL_ALL : 0, &err);
    if (r == -ESRCH)
        r = cli_fail(cli, "container not running");
    else if (r < 0)
        r = cli_fail_lib(cli, r, &err, NULL);
    lcont_error_free(err);
    lcont_container_unref(c);
    return r;
}

int cmd_delete(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "force", optional_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        {},
    };
    const struct command *cmd = command_find("delete");
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    uint64_t flags = 0;
    int force = 0, status, r, opt;

    optind = 0;
    while ((opt = getopt_long_only(argc, argv, "+:fh", opts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (args_set_bool(cli, "force", optarg, &force))
                return 1;
            break;
        default:
            return args_help_or_error(cli, cmd, argv, opt);
        }
    }
    r = args_check_count(cli, cmd, argc - optind, 1, 1);
    if (r)
        return r;
    /* runc: "delete --force" of something already gone is success */
    r = cli_load(cli, argv[optind], force, &c);
    if (r || !c)
        return r;

    status = lcont_container_get_status(c, 0, NULL);
    if (force || status == LCONT_STATUS_CREATED || status == LCONT_STATUS_CREATING) {
        /* runc deletes a merely created container without --force too */
        flags = LCONT_DELETE_FORCE;
    } else if (status >= 0 && status != LCONT_STATUS_STOPPED) {
        r = cli_fail(cli, "cannot delete container %s that is not stopped: %s", argv[optind],
                     status_name(status));
        lcont_container_unref(c);
        return r;
    }
    r = lcont_container_delete(c, flags, &err);
    if (r < 0)
        r = cli_fail_lib(cli, r, &err, NULL);
    lcont_container_unref(c);
    return r;
}
