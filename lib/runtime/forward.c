/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "runtime/forward.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "runtime/sync.h"

int lcont__forward_console(const char *console_socket, int fd, lcont_error **reterr)
{
    int r;

    if (fd < 0)
        return lcont__error_set(reterr, -EPROTO, "console: no pty master received");
    r = lcont__sync_send_fd_to_path(console_socket, fd, "/dev/ptmx", 9);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "send pty master to console socket '%s'",
                                   console_socket);
    return 0;
}

int lcont__forward_seccomp_listener(const struct lcont_spec_seccomp *sc,
                                    const struct lcont_state *st, enum lcont_state_status status,
                                    pid_t pid, int fd, lcont_error **reterr)
{
    _cleanup_free_ char *state = NULL;
    _cleanup_free_ char *text = NULL;
    cJSON *o, *fds;
    int r;

    if (fd < 0)
        return lcont__error_set(reterr, -EPROTO, "seccomp: no listener received");
    if (!sc || !sc->listener_path)
        return lcont__error_set(reterr, -EINVAL, "seccomp notify needs linux.seccomp.listenerPath");
    state = lcont__state_to_oci_json(st, status);
    o = cJSON_CreateObject();
    if (o && state) {
        cJSON_AddStringToObject(o, "ociVersion", "1.2.0");
        fds = cJSON_AddArrayToObject(o, "fds");
        cJSON_AddItemToArray(fds, cJSON_CreateString("seccompFd"));
        cJSON_AddNumberToObject(o, "pid", pid);
        cJSON_AddStringToObject(o, "metadata", sc->listener_metadata ? sc->listener_metadata : "");
        cJSON_AddItemToObject(o, "state", cJSON_Parse(state));
        text = cJSON_PrintUnformatted(o);
    }
    cJSON_Delete(o);
    if (!text)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    r = lcont__sync_send_fd_to_path(sc->listener_path, fd, text, strlen(text));
    if (r < 0)
        return lcont__error_setsys(reterr, r, "send seccomp listener to '%s'", sc->listener_path);
    return 0;
}
