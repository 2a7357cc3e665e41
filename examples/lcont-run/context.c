/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library context (created on first use) and container loading with
 * runc's wording for the usual failures. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli.h"

int cli_context(struct cli *cli, lcont_context **ret)
{
    lcont_context_opts opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_error *err = NULL;
    int r;

    if (!cli->ctx) {
        opts.state_root = cli->root;
        r = lcont_context_new(&opts, 0, &cli->ctx, &err);
        if (r < 0)
            return cli_fail_lib(cli, r, &err, "create library context");
        r = lcont_context_set_log_fn(cli->ctx, cli->debug ? LCONT_LOG_DEBUG : LCONT_LOG_WARNING,
                                     log_lib_fn, cli, NULL);
        if (r < 0)
            return cli_fail_lib(cli, r, NULL, "set log function");
    }
    *ret = cli->ctx;
    return 0;
}

int cli_load(struct cli *cli, const char *id, int missing_ok, lcont_container **ret)
{
    lcont_context *ctx;
    lcont_error *err = NULL;
    int r;

    r = cli_context(cli, &ctx);
    if (r)
        return r;
    r = lcont_container_load(ctx, id, 0, ret, &err);
    if (r == -ENOENT) {
        lcont_error_free(err);
        if (missing_ok) {
            *ret = NULL;
            return 0;
        }
        return cli_fail(cli, "container does not exist");
    }
    if (r < 0)
        return cli_fail_lib(cli, r, &err, NULL);
    return 0;
}

const char *status_name(int status)
{
    switch (status) {
    case LCONT_STATUS_CREATING:
        return "creating";
    case LCONT_STATUS_CREATED:
        return "created";
    case LCONT_STATUS_RUNNING:
        return "running";
    case LCONT_STATUS_STOPPED:
        return "stopped";
    case LCONT_STATUS_PAUSED:
        return "paused";
    default:
        return "unknown";
    }
}

int cli_fd_high(struct cli *cli, int fd)
{
    int high;

    if (fd < 0 || fd >= cli->min_fd)
        return fd;
    high = fcntl(fd, F_DUPFD_CLOEXEC, cli->min_fd);
    if (high < 0)
        return -errno;
    close(fd);
    return high;
}

int cli_reserve_fds(struct cli *cli, int preserve_fds)
{
    int fd;

    cli->min_fd = preserve_fds > 0 ? 3 + preserve_fds : 0;
    if (cli->log_is_stderr)
        return 0;
    fd = cli_fd_high(cli, cli->log_fd);
    if (fd < 0)
        return fd;
    cli->log_fd = fd;
    return 0;
}
