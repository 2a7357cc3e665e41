#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# delete: refuses a running container, --force kills it; missing containers.
. "$(dirname "$0")/lib.sh"

B="$T/bundle"
make_bundle "$B" sleep 1000
track "${P}del"
lcr run -d --bundle "$B" "${P}del" </dev/null >"$T/out" 2>&1 || fail "run: $(cat "$T/out")"
pid=$(lcr state "${P}del" | jq -r .pid)

expect_fail "$T/err" lcr delete "${P}del"
grep -q "not stopped" "$T/err" || fail "delete of a running container: $(cat "$T/err")"
status_is "${P}del" running || fail "refused delete changed the container"

lcr delete --force "${P}del"
wait_for pid_dead "$pid"
expect_fail "$T/err" lcr state "${P}del"
grep -q "container does not exist" "$T/err" || fail "state after delete -f: $(cat "$T/err")"

# runc: a missing container is an error without --force, fine with it
expect_fail "$T/err" lcr delete nosuch
grep -q "container does not exist" "$T/err" || fail "delete missing: $(cat "$T/err")"
lcr delete -f nosuch || fail "delete -f of a missing container must succeed"

# a created (never started) container is deleted without --force, like runc
track "${P}cr"
lcr create --bundle "$B" "${P}cr" </dev/null >"$T/out" 2>&1 || fail "create: $(cat "$T/out")"
pid=$(lcr state "${P}cr" | jq -r .pid)
lcr delete "${P}cr"
wait_for pid_dead "$pid"
[ -z "$(lcr list -q)" ] || fail "containers left: $(lcr list -q)"
