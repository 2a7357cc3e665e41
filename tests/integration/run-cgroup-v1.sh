#!/bin/sh
# Run one privileged test binary on a pure cgroup v1 layout: this host is hybrid, and hiding
# its cgroup2 mount (/sys/fs/cgroup/unified) in a private mount namespace leaves plain v1.
[ "$(id -u)" = 0 ] || exit 77
[ -d /sys/fs/cgroup/unified ] || exit 77 # not a hybrid host: nothing to hide
export LCONT_EXPECT_CGROUP_LAYOUT=v1
exec unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$0" "$@"' "$@"
