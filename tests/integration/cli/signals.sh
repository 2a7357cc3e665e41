#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A foreground "run" forwards the signals it receives to the container's init.
. "$(dirname "$0")/lib.sh"

B="$T/bundle"
make_bundle "$B" sh /bin/init.sh
cat >"$B/rootfs/bin/init.sh" <<'SCRIPT'
for s in USR1 USR2 INT HUP QUIT WINCH; do trap "echo $s >> /out/log" $s; done
trap 'echo TERM >> /out/log; exit 42' TERM
echo ready > /out/ready
while :; do sleep 1000 & wait; done
SCRIPT

track "${P}fwd"
# not through the lcr function: $! must be lcont-run itself, not a subshell
"$LCONT_RUN" --root "$ROOT" run --bundle "$B" "${P}fwd" </dev/null &
runpid=$!
bg $runpid
wait_file "$B/out/ready" "$runpid"

log_has_lines() {
    [ -f "$B/out/log" ] && [ "$(wc -l <"$B/out/log")" -ge "$1" ]
}
n=0
for sig in USR1 INT HUP WINCH USR2 QUIT; do
    if [ "$sig" = WINCH ]; then
        # without a terminal WINCH is ours, not the container's: if it were
        # forwarded, the init would log it before the signals sent after it
        kill -s WINCH "$runpid"
        continue
    fi
    n=$((n + 1))
    kill -s "$sig" "$runpid"
    wait_for log_has_lines $n
    [ "$(tail -n 1 "$B/out/log")" = "$sig" ] || fail "$sig forwarded as $(tail -n 1 "$B/out/log")"
done
kill -s TERM "$runpid"
set +e
wait "$runpid"
rc=$?
set -e
[ $rc -eq 42 ] || fail "run exit status $rc, expected the container's 42"
[ "$(tail -n 1 "$B/out/log")" = TERM ] || fail "log: $(cat "$B/out/log")"
! grep -q WINCH "$B/out/log" || fail "WINCH was forwarded"
[ -z "$(lcr list -q)" ] || fail "run left the container"
