#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# process.terminal: the pty master goes to --console-socket; without one,
# "run" proxies the terminal itself; "create"/"run -d" refuse to lose it.
. "$(dirname "$0")/lib.sh"

HERE=$(dirname "$0")
B="$T/bundle"
make_bundle "$B" sh -c 'test -t 0 && test -t 1 && echo is-a-tty; read line; echo "got:$line"'
set_config "$B" '.process.terminal = true'

# --console-socket: an external receiver gets the master and talks to the container
python3 "$HERE/recv-console.py" "$T/console.sock" "$T/console.out" "hello-in
" &
recv=$!
bg $recv
wait_for sh -c "test -S '$T/console.sock' || ! kill -0 $recv"
test -S "$T/console.sock" || fail "console receiver did not start"
track "${P}tty1"
lcr create --bundle "$B" --console-socket "$T/console.sock" "${P}tty1" </dev/null >"$T/out" 2>&1 ||
    fail "create with console socket: $(cat "$T/out")"
lcr start "${P}tty1"
wait $recv || fail "console receiver failed"
grep -q "is-a-tty" "$T/console.out" || fail "stdio is not the pty: $(cat "$T/console.out")"
grep -q "got:hello-in" "$T/console.out" || fail "input did not arrive: $(cat "$T/console.out")"
wait_for status_is "${P}tty1" stopped
lcr delete "${P}tty1"

# a terminal with nobody to hold the master is refused up front (runc's rule)
expect_fail "$T/err" lcr create --bundle "$B" "${P}tty2"
grep -q "cannot allocate tty" "$T/err" || fail "create without console socket: $(cat "$T/err")"
expect_fail "$T/err" lcr run -d --bundle "$B" "${P}tty2"
grep -q "cannot allocate tty" "$T/err" || fail "run -d without console socket: $(cat "$T/err")"
[ -z "$(lcr list -q)" ] || fail "refused create left a container"
# and a console socket without a terminal is refused too
set_config "$B" '.process.terminal = false'
expect_fail "$T/err" lcr create --bundle "$B" --console-socket "$T/console.sock" "${P}tty2"
grep -q "cannot use console socket" "$T/err" || fail "console socket without tty: $(cat "$T/err")"

# foreground run on a terminal: raw mode, proxied I/O, tty restored, exit status kept
set_config "$B" '.process.terminal = true
    | .process.args = ["sh", "-c",
        "tty; echo size:$(stty size); echo ready; read line; echo got:$line size:$(stty size); exit 5"]'
track "${P}tty3"
set +e
python3 "$HERE/tty-run.py" "$LCONT_RUN" --root "$ROOT" run --bundle "$B" "${P}tty3" >"$T/tty.out" 2>"$T/tty.err"
rc=$?
set -e
[ $rc -eq 5 ] || fail "tty run exit status $rc: $(cat "$T/tty.err") $(cat "$T/tty.out")"
grep -q "^/dev/pts/" "$T/tty.out" || fail "container has no pts: $(cat "$T/tty.out")"
grep -q "got:typed-line" "$T/tty.out" || fail "typed input lost: $(cat "$T/tty.out")"
grep -q "size:33 77" "$T/tty.out" || fail "initial window size not passed on: $(cat "$T/tty.out")"
grep -q "size:44 88" "$T/tty.out" || fail "SIGWINCH resize not passed on: $(cat "$T/tty.out")"
[ -z "$(lcr list -q)" ] || fail "tty run left a container"

# foreground run with a terminal but no tty of our own: still proxied
set_config "$B" '.process.args = ["sh", "-c", "test -t 1 && echo proxied-tty"]'
lcr run --bundle "$B" "${P}tty4" </dev/null >"$T/out4" 2>&1 || fail "run tty without tty: $(cat "$T/out4")"
grep -q "proxied-tty" "$T/out4" || fail "pty output not proxied: $(cat "$T/out4")"
