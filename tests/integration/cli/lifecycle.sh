#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# create -> created (+ pid file) -> start -> running -> kill -> stopped -> delete -> gone
. "$(dirname "$0")/lib.sh"

B="$T/bundle"
make_bundle "$B" sh -c 'trap "exit 0" TERM; while :; do sleep 1000 & wait; done'

track "${P}life"
lcr create --bundle "$B" --pid-file "$T/pid" "${P}life" >"$T/create.out" 2>&1 ||
    fail "create: $(cat "$T/create.out")"

lcr state "${P}life" >"$T/state.json"
[ "$(jq -r .status "$T/state.json")" = created ] || fail "status after create: $(cat "$T/state.json")"
[ "$(jq -r .id "$T/state.json")" = "${P}life" ] || fail "id"
[ "$(jq -r .bundle "$T/state.json")" = "$B" ] || fail "bundle: $(jq -r .bundle "$T/state.json")"
jq -e '.ociVersion and .created and has("owner") and has("rootfs")' "$T/state.json" >/dev/null ||
    fail "state lacks OCI fields: $(cat "$T/state.json")"
# runc prints the state indented by two spaces
grep -q "^  \"id\": \"${P}life\",\$" "$T/state.json" || fail "state is not pretty-printed"
pid=$(jq -r .pid "$T/state.json")
[ "$pid" -gt 0 ] || fail "pid $pid"
[ "$(cat "$T/pid")" = "$pid" ] || fail "pid file $(cat "$T/pid") != state pid $pid"
[ -d "/proc/$pid" ] || fail "init $pid not alive"

lcr start "${P}life"
status_is "${P}life" running || fail "status after start: $(status "${P}life")"

# a second start is refused
expect_fail "$T/err" lcr start "${P}life"
grep -q "already running" "$T/err" || fail "second start: $(cat "$T/err")"

lcr kill "${P}life"
wait_for status_is "${P}life" stopped
wait_for pid_dead "$pid"

lcr delete "${P}life"
expect_fail "$T/err" lcr state "${P}life"
grep -q "container does not exist" "$T/err" || fail "state after delete: $(cat "$T/err")"
[ -z "$(lcr list -q)" ] || fail "list not empty after delete"
