#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# run --detach returns at once and leaves the container running.
. "$(dirname "$0")/lib.sh"

B="$T/bundle"
make_bundle "$B" sleep 1000
track "${P}det"
lcr run --detach --bundle "$B" --pid-file "$T/pid" "${P}det" </dev/null >"$T/out" 2>&1 ||
    fail "run -d: $(cat "$T/out")"
status_is "${P}det" running || fail "status after run -d: $(status "${P}det")"
pid=$(lcr state "${P}det" | jq -r .pid)
[ "$(cat "$T/pid")" = "$pid" ] || fail "pid file"
[ -d "/proc/$pid" ] || fail "init not alive"

# same id again: refused, the first one untouched
track "${P}det"
expect_fail "$T/err" lcr run -d --bundle "$B" "${P}det"
status_is "${P}det" running || fail "running container disturbed by a duplicate id"

# -d in the single-dash spelling urfave/cli accepts, with -bundle
track "${P}det2"
lcr run -detach -bundle "$B" "${P}det2" </dev/null >"$T/out" 2>&1 || fail "run -detach: $(cat "$T/out")"
status_is "${P}det2" running || fail "det2 not running"

lcr kill "${P}det" KILL
lcr kill "${P}det2" 9
wait_for status_is "${P}det" stopped
wait_for status_is "${P}det2" stopped
lcr delete "${P}det"
lcr delete "${P}det2"
