/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_HOOKS_H
#define LCONT_RUNTIME_HOOKS_H

/*
 * OCI hooks. The runner does no allocation, so the container child can run
 * createContainer and startContainer hooks itself between clone and exec.
 */

#include <stddef.h>

#include "core/childmsg.h"
#include "spec/spec.h"

/*
 * Run every hook of @kind in order with @state (the OCI state JSON) on its
 * stdin; stop at the first failure (non-zero exit, signal or timeout).
 * Returns 0 or -errno with @err filled ("hook prestart[1] '/bin/x': exited with status 2").
 */
int lcont__hooks_run(const struct lcont_spec_hooks *hooks, enum lcont_hook_kind kind,
                     const char *state, size_t len, struct lcont_child_error *err);

#endif
