/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_RUNTIME_DEVICE_RULES_H
#define LCONT_RUNTIME_DEVICE_RULES_H

#include <stddef.h>

#include "spec/spec.h"

/*
 * The device cgroup rules a container really gets: the config's own rules,
 * then allow rules for the devices every container has (/dev/null, zero,
 * full, random, urandom, tty, console, ptmx, pts, tun, plus mknod of any
 * node) and for each linux.devices entry, as runc does. Without these the
 * usual "deny all" rule of a config would forbid the container's /dev.
 * The array is malloc'ed; the caller frees it.
 */
int lcont__device_rules_effective(const struct lcont_spec *spec,
                                  struct lcont_spec_device_rule **ret, size_t *ret_n);

#endif
