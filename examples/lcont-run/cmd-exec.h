/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUN_CMD_EXEC_H
#define LCONT_RUN_CMD_EXEC_H

/* Commands on a running container: exec, ps, pause/resume, update, events. */

#include "cli.h"

int cmd_exec(struct cli *cli, int argc, char **argv);
int cmd_ps(struct cli *cli, int argc, char **argv);
int cmd_pause(struct cli *cli, int argc, char **argv);
int cmd_resume(struct cli *cli, int argc, char **argv);
int cmd_update(struct cli *cli, int argc, char **argv);
int cmd_events(struct cli *cli, int argc, char **argv);

#endif
