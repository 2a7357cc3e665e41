#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# run waits and exits with the container's status; 128+n when killed by signal n.
. "$(dirname "$0")/lib.sh"

B="$T/bundle"
make_bundle "$B" sh -c 'exit 3'
track "${P}ex"
set +e
lcr run --bundle "$B" "${P}ex" </dev/null
rc=$?
set -e
[ $rc -eq 3 ] || fail "exit 3 gave $rc"
# run deletes the container once it has exited
[ -z "$(lcr list -q)" ] || fail "container left behind after run"

# an init killed by a signal: the pid-namespace init is immune to its own
# SIGKILL, so this container shares the host pid namespace
set_config "$B" '.process.args = ["sh", "-c", "kill -9 $$"]
                 | .linux.namespaces |= map(select(.type != "pid"))'
set +e
lcr run -b "$B" "${P}ex" </dev/null
rc=$?
set -e
[ $rc -eq 137 ] || fail "kill -9 self gave $rc"

# killed from outside while "run" waits for it
set_config "$B" '.process.args = ["sleep", "1000"]'
"$LCONT_RUN" --root "$ROOT" run --bundle "$B" --pid-file "$T/pid" "${P}ex" </dev/null &
runpid=$!
bg $runpid
wait_file "$T/pid" "$runpid"
wait_for status_is "${P}ex" running
kill -9 "$(cat "$T/pid")"
set +e
wait $runpid
rc=$?
set -e
[ $rc -eq 137 ] || fail "init killed by SIGKILL from outside gave $rc"
rm -f "$T/pid"

# --keep leaves the stopped container in place
set_config "$B" '.process.args = ["true"]'
lcr run --keep --bundle="$B" "${P}ex" </dev/null || fail "run true"
status_is "${P}ex" stopped || fail "kept container is $(status "${P}ex")"
lcr delete "${P}ex"

# a binary that does not exist: create fails with a clear message, nothing remains
set_config "$B" '.process.args = ["/no/such/binary"]'
set +e
lcr create --bundle "$B" "${P}nobin" </dev/null >"$T/out" 2>"$T/err"
rc=$?
set -e
track "${P}nobin"
[ $rc -ne 0 ] || { lcr delete -f "${P}nobin"; fail "create with a missing binary succeeded"; }
grep -q "/no/such/binary" "$T/err" || fail "message does not name the binary: $(cat "$T/err")"
[ -z "$(lcr list -q)" ] || fail "failed create left a container"

set +e
lcr run --bundle "$B" "${P}nobin" </dev/null >"$T/out" 2>"$T/err"
rc=$?
set -e
[ $rc -ne 0 ] || fail "run with a missing binary succeeded"
grep -q "/no/such/binary" "$T/err" || fail "run message does not name the binary: $(cat "$T/err")"
[ -z "$(lcr list -q)" ] || fail "failed run left a container"
