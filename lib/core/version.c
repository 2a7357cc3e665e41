/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include <lcont/context.h>
#include <lcont/version.h>

/* Features this build always has; the runtime ones are checked where they live. */
static const char *const features[] = {
    "seccomp",         "seccomp-notify", "cgroup-v1", "cgroup-v2",      "cgroup-hybrid",
    "user-namespaces", "console-socket", "hooks",     "time-namespace", "pidfd",
    "idmap-userns",    "spec-generate",  NULL,
};

const char *lcont_version(void)
{
    return LCONT_VERSION_STRING;
}

int lcont_has_feature(const char *name)
{
    if (!name)
        return 0;
    for (size_t i = 0; features[i]; i++)
        if (strcmp(features[i], name) == 0)
            return 1;
    return 0;
}
