#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont exec: a process in a running (detached) container's namespaces; status, options.
. "$(dirname "$0")/lib.sh" "$@"

make_images
IMG=lcont-test/bb
lc image load "docker-archive:$T/img/image.tar" >/dev/null 2>&1 || fail "load"
N="${P}ex"
lc run -d --name "$N" $IMG sh -c 'echo ready; while :; do sleep 0.05; done' >/dev/null || fail "run -d"
i=0
until lc logs "$N" 2>/dev/null | grep -qx ready; do
    i=$((i + 1))
    [ $i -lt 3000 ] || fail "the container never got ready"
    sleep 0.01
done
init=$(lc inspect "$N" | jq -r '.[0].State.Pid')

# same namespaces: hostname, pid namespace (the init is pid 1 there), mount namespace
expect_status 0 "$T/out" lc exec "$N" hostname
[ "$(cat "$T/out")" = "$N" ] || fail "hostname: $(cat "$T/out")"
expect_status 0 "$T/out" lc exec "$N" sh -c 'echo $$; cat /proc/1/cmdline | tr "\0" " "'
[ "$(head -n1 "$T/out")" != 1 ] || fail "exec'd process is pid 1"
[ "$(tail -n1 "$T/out")" = "sh -c echo ready; while :; do sleep 0.05; done " ] ||
    fail "pid 1 seen by exec: $(cat "$T/out")"
for ns in pid mnt uts ipc net; do
    expect_status 0 "$T/out" lc exec "$N" ls -l "/proc/self/ns/$ns"
    [ "$(sed 's/.*-> //' "$T/out")" = "$(readlink "/proc/$init/ns/$ns")" ] ||
        fail "$ns namespace: $(cat "$T/out") vs $(readlink "/proc/$init/ns/$ns")"
done
# the image's user, environment and working directory, and overrides
expect_status 0 "$T/out" lc exec "$N" sh -c 'echo $(id -u) $(pwd) $GREETING'
[ "$(cat "$T/out")" = "1000 /work from-image" ] || fail "defaults: $(cat "$T/out")"
expect_status 0 "$T/out" lc exec -u 0:50 -w /tmp -e GREETING=over -e NEW=1 "$N" \
    sh -c 'echo $(id -u):$(id -g) $(pwd) $GREETING $NEW'
[ "$(cat "$T/out")" = "0:50 /tmp over 1" ] || fail "overrides: $(cat "$T/out")"
# names come from the container's own /etc/passwd and /etc/group (app is in staff)
expect_status 0 "$T/out" lc exec -u root "$N" sh -c 'echo $(id -u):$(id -g)'
[ "$(cat "$T/out")" = "0:0" ] || fail "-u root: $(cat "$T/out")"
expect_status 0 "$T/out" lc exec -u app "$N" sh -c 'echo $(id -u):$(id -g):$(id -G)'
[ "$(cat "$T/out")" = "1000:1000:1000 50" ] || fail "-u app: $(cat "$T/out")"
expect_status 0 "$T/out" lc exec -u app:staff "$N" sh -c 'echo $(id -u):$(id -g)'
[ "$(cat "$T/out")" = "1000:50" ] || fail "-u app:staff: $(cat "$T/out")"
expect_status 125 "$T/out" lc exec -u nobody-here "$N" true
grep -q "nobody-here" "$T/out.err" || fail "unknown user message: $(cat "$T/out.err")"

# stdin: /dev/null without -i, ours with -i
echo piped | lc exec "$N" cat >"$T/out" || fail "exec cat"
[ ! -s "$T/out" ] || fail "stdin attached without -i: $(cat "$T/out")"
echo piped | lc exec -i "$N" cat >"$T/out" || fail "exec -i cat"
[ "$(cat "$T/out")" = piped ] || fail "exec -i: $(cat "$T/out")"

# exit statuses: the command's, 127 not found, 126 not executable, signals as 128+N
expect_status 7 "$T/out" lc exec "$N" sh -c 'exit 7'
expect_status 127 "$T/out" lc exec "$N" no-such-command
expect_status 126 "$T/out" lc exec "$N" /bin/notexec
expect_status 137 "$T/out" lc exec "$N" sh -c 'kill -KILL $$'
expect_status 2 "$T/out" lc exec "$N"
expect_status 125 "$T/out" lc exec "${P}nosuch" true
grep -q "no such container" "$T/out.err" || fail "exec in a missing container: $(cat "$T/out.err")"

# signals to lcont exec reach the process
lc_exec exec "$N" sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.05; done' \
    >"$T/sig.out" 2>&1 </dev/null &
pid=$!
wait_output "$T/sig.out" ready $pid
kill -TERM $pid
set +e
wait $pid
rc=$?
set -e
[ $rc -eq 42 ] || fail "SIGTERM not forwarded to the exec'd process: $rc"

# -t: a pseudo-terminal, proxied (script(1) gives us one)
if command -v script >/dev/null; then
    script -qec "$LCONT --root $STORE --runroot $RUNROOT exec -t $N sh -c 'test -t 0 && echo is-a-tty; exit 4'" \
        /dev/null </dev/null >"$T/tty.out" 2>&1 && rc=0 || rc=$?
    [ $rc -eq 4 ] || fail "exec -t: exit $rc: $(cat -v "$T/tty.out")"
    grep -q is-a-tty "$T/tty.out" || fail "exec -t: no terminal: $(cat -v "$T/tty.out")"
fi

# the container stopped: exec fails with 125
lc stop -t 1 "$N" >/dev/null
expect_status 125 "$T/out" lc exec "$N" true
grep -q "not running" "$T/out.err" || fail "exec in a stopped container: $(cat "$T/out.err")"
lc rm "$N" >/dev/null
echo PASS
