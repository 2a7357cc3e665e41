#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# --preserve-fds N passes the caller's fds 3..3+N-1, and only those: asking for more fds
# than the caller has open must not hand the container lcont's own fds that land in the
# range (cgroup directories, the trusted /proc, namespace fds, lcont-run's signal pipe or
# log file): that would be a way out of the container.
. "$(dirname "$0")/lib.sh"

B="$T/bundle"
make_bundle "$B" ls -l /proc/self/fd/
track "${P}pf"

check_fds() { # $1: listing, $2: what
    # the caller's fd 3 (the bundle's config.json) must be there when asked for
    # anything else must be something the test shell itself had open (0-2: /dev/null, files)
    if grep -E -- '-> (/sys/fs/cgroup|/proc/?$|/run/|.*/state|pipe:|socket:|anon_inode:|[a-z]+:\[)' "$1" |
        grep -vE ' [012] -> '; then
        fail "$2: lcont's own fds leaked into the container"
    fi
    grep -q "$T/log" "$1" && fail "$2: lcont-run's log file leaked into the container"
    return 0
}

# fd 3 is the caller's; 4..62 are not open in the caller
"$LCONT_RUN" --root "$ROOT" --log "$T/log" run --bundle "$B" --preserve-fds 60 "${P}pf" \
    3<"$B/config.json" </dev/null >"$T/out"
grep -qE " 3 -> $B/config.json" "$T/out" || fail "the caller's fd 3 was not passed: $(cat "$T/out")"
check_fds "$T/out" "run --preserve-fds 60"

# create + start with a console-less create: the same rule
"$LCONT_RUN" --root "$ROOT" --log "$T/log" create --bundle "$B" --preserve-fds 20 "${P}pf" \
    3<"$B/config.json" </dev/null >"$T/out2" 2>&1
lcr start "${P}pf"
i=0
while [ "$(lcr state "${P}pf" | jq -r .status)" != stopped ] && [ $i -lt 100 ]; do
    sleep 0.05; i=$((i + 1))
done
lcr delete "${P}pf"
check_fds "$T/out2" "create --preserve-fds 20"
echo "ok: preserve-fds"
