#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont-run pause/resume: the state says paused, a busy loop makes no progress while
# frozen and continues after resume; runc's messages for the wrong states.
. "$(dirname "$0")/../cli/lib.sh"

B="$T/bundle"
make_bundle "$B" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/out/c.new; mv /out/c.new /out/c; done'
track "${P}p"
lcr run -d --bundle "$B" "${P}p" </dev/null >"$T/out" 2>&1 || fail "run: $(cat "$T/out")"
wait_for test -s "$B/out/c"

lcr pause "${P}p"
status_is "${P}p" paused || fail "state after pause: $(status "${P}p")"
lcr list | grep -q "${P}p .*paused" || fail "list: $(lcr list)"
before=$(cat "$B/out/c")
sleep 0.2
[ "$(cat "$B/out/c")" = "$before" ] || fail "the container made progress while paused"
expect_fail "$T/err" lcr pause "${P}p"
grep -q "not running" "$T/err" || fail "pause twice: $(cat "$T/err")"
set +e
lcr exec "${P}p" true 2>"$T/err"
rc=$?
set -e
[ $rc -eq 255 ] || fail "exec while paused exited $rc"
grep -q "paused" "$T/err" || fail "exec while paused: $(cat "$T/err")"

lcr resume "${P}p"
status_is "${P}p" running || fail "state after resume: $(status "${P}p")"
wait_for sh -c "[ \"\$(cat '$B/out/c')\" != '$before' ]"
expect_fail "$T/err" lcr resume "${P}p"
grep -q "not paused" "$T/err" || fail "resume twice: $(cat "$T/err")"

# SIGKILL reaches a paused init (the runtime thaws, as runc's does): podman stop does this
lcr pause "${P}p"
lcr kill "${P}p" KILL
wait_for status_is "${P}p" stopped
lcr delete "${P}p"

# and a paused container is deleted by force
track "${P}p2"
lcr run -d --bundle "$B" "${P}p2" </dev/null >"$T/out" 2>&1 || fail "run: $(cat "$T/out")"
lcr pause "${P}p2"
lcr delete --force "${P}p2"
expect_fail "$T/err" lcr state "${P}p2"
echo ok
