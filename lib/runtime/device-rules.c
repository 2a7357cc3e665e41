/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "runtime/device-rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct lcont_spec_device_rule default_allow[] = {
    { true, 'c', -1, -1, "m" },    { true, 'b', -1, -1, "m" },    /* mknod of any node */
    { true, 'c', 1, 3, "rwm" },    { true, 'c', 1, 5, "rwm" },    /* null, zero */
    { true, 'c', 1, 7, "rwm" },    { true, 'c', 1, 8, "rwm" },    /* full, random */
    { true, 'c', 1, 9, "rwm" },    { true, 'c', 5, 0, "rwm" },    /* urandom, tty */
    { true, 'c', 5, 1, "rwm" },    { true, 'c', 5, 2, "rwm" },    /* console, ptmx */
    { true, 'c', 136, -1, "rwm" }, { true, 'c', 10, 200, "rwm" }, /* pts, tun */
};

int lcont__device_rules_effective(const struct lcont_spec *spec,
                                  struct lcont_spec_device_rule **ret, size_t *ret_n)
{
    const struct lcont_spec_resources *res = &spec->linux_.resources;
    size_t n_default = sizeof(default_allow) / sizeof(default_allow[0]);
    size_t n = res->n_device_rules + n_default + spec->linux_.n_devices, k = 0;
    struct lcont_spec_device_rule *rules = calloc(n ? n : 1, sizeof(*rules));

    if (!rules)
        return -ENOMEM;
    for (size_t i = 0; i < res->n_device_rules; i++)
        rules[k++] = res->device_rules[i];
    for (size_t i = 0; i < n_default; i++)
        rules[k++] = default_allow[i];
    for (size_t i = 0; i < spec->linux_.n_devices; i++) {
        const struct lcont_spec_device *d = &spec->linux_.devices[i];
        if (d->type == 'p')
            continue; /* fifos are not device-cgroup controlled */
        rules[k] = (struct lcont_spec_device_rule){ true, d->type == 'b' ? 'b' : 'c', d->major,
                                                    d->minor, "rwm" };
        k++;
    }
    *ret = rules;
    *ret_n = k;
    return 0;
}
