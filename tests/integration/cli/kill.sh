#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kill: signal names in every spelling, numbers, the SIGTERM default, --all,
# and refusal of unknown signals.
. "$(dirname "$0")/lib.sh"

B="$T/bundle"
make_bundle "$B" sh /bin/init.sh
cat >"$B/rootfs/bin/init.sh" <<'SCRIPT'
for s in TERM USR1 USR2 HUP; do trap "echo $s >> /out/log" $s; done
child() {
    trap 'echo child >> /out/log; exit 0' USR1
    echo ready > /out/child-ready
    while :; do sleep 1000 & wait; done
}
child &
echo ready > /out/ready
while :; do sleep 1000 & wait; done
SCRIPT

track "${P}k"
lcr run -d --bundle "$B" "${P}k" </dev/null >"$T/out" 2>&1 || fail "run: $(cat "$T/out")"
wait_for test -s "$B/out/ready"
wait_for test -s "$B/out/child-ready"

# send_and_expect SIGNAL-ARG EXPECTED-LINE: the init's trap logs EXPECTED-LINE
n=0
send_and_expect() {
    n=$((n + 1))
    if [ -n "$1" ]; then lcr kill "${P}k" "$1"; else lcr kill "${P}k"; fi
    wait_for log_has_lines $n
    last=$(tail -n 1 "$B/out/log")
    [ "$last" = "$2" ] || fail "kill '$1' logged '$last', expected '$2'"
}
log_has_lines() {
    [ -f "$B/out/log" ] && [ "$(wc -l <"$B/out/log")" -ge "$1" ]
}

send_and_expect TERM TERM
send_and_expect SIGUSR1 USR1
send_and_expect sigusr2 USR2
send_and_expect 1 HUP
send_and_expect Usr1 USR1
send_and_expect "" TERM
# plain kill only reached the init: the child never logged
! grep -q child "$B/out/log" || fail "signal without --all reached a non-init process"

expect_fail "$T/err" lcr kill "${P}k" FOO
grep -q 'unknown signal .*FOO' "$T/err" || fail "unknown name: $(cat "$T/err")"
expect_fail "$T/err" lcr kill "${P}k" 99
grep -q 'unknown signal .*99' "$T/err" || fail "unknown number: $(cat "$T/err")"
expect_fail "$T/err" lcr kill "${P}k" TERM extra
expect_fail "$T/err" lcr kill nosuch TERM
grep -q "container does not exist" "$T/err" || fail "kill of a missing container: $(cat "$T/err")"

# --all reaches every process of the container
lcr kill --all "${P}k" USR1
wait_for grep -q child "$B/out/log"
status_is "${P}k" running || fail "init should survive USR1 (it traps it)"

lcr kill -a "${P}k" KILL
wait_for status_is "${P}k" stopped
expect_fail "$T/err" lcr kill "${P}k" TERM
grep -q "container not running" "$T/err" || fail "kill of a stopped container: $(cat "$T/err")"
lcr delete "${P}k"
