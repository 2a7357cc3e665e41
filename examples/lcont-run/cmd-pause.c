/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pause and resume: the cgroup freezer, with runc's messages for the wrong states. */
#include <errno.h>

#include "cmd-exec.h"

static int freeze_cmd(struct cli *cli, int argc, char **argv, int pause)
{
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    int r, status;

    r = args_parse_no_options(cli, command_find(pause ? "pause" : "resume"), argc, argv, 1);
    if (r >= 0)
        return r;
    r = cli_load(cli, argv[optind], 0, &c);
    if (r)
        return r;
    status = lcont_container_get_status(c, 0, NULL);
    if (pause && status != LCONT_STATUS_RUNNING)
        r = cli_fail(cli, "container not running");
    else if (!pause && status != LCONT_STATUS_PAUSED)
        r = cli_fail(cli, "container not paused");
    else if ((r = pause ? lcont_container_pause(c, 0, &err) : lcont_container_resume(c, 0, &err)) <
             0)
        r = cli_fail_lib(cli, r, &err, NULL);
    lcont_container_unref(c);
    return r;
}

int cmd_pause(struct cli *cli, int argc, char **argv)
{
    return freeze_cmd(cli, argc, argv, 1);
}

int cmd_resume(struct cli *cli, int argc, char **argv)
{
    return freeze_cmd(cli, argc, argv, 0);
}
