#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont run -d and its monitor; ps, logs, stop, kill, wait, inspect, rm -f of detached
# containers; a killed monitor; names used twice; commands racing on one container.
. "$(dirname "$0")/lib.sh" "$@"

make_images
IMG=lcont-test/bb
lc image load "docker-archive:$T/img/image.tar" >/dev/null 2>&1 || fail "load"
CRI='^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]\{9\}Z std\(out\|err\) [FP] '

logs_have() { lc logs "$1" 2>&1 | grep -qx "$2"; }
monitor_pid() { lc inspect "$1" | jq -r '.[0].State.MonitorPid'; }
init_pid() { lc inspect "$1" | jq -r '.[0].State.Pid'; }
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status"; }
# nothing_left NAME: no state, no bundle, no mount
nothing_left() {
    [ ! -e "$RUNROOT/$1" ] || fail "$1: runtime state left"
    [ ! -e "$STORE/containers/$1" ] || fail "$1: bundle left: $(ls "$STORE/containers/$1")"
    no_mounts_below "$STORE/containers/$1"
}
bundle_gone() { [ ! -e "$STORE/containers/$1" ]; }

# ---- run -d: prints the name and returns while the container runs; ps shows it Up ----
exec 7>"$T/canary" # an fd of ours that the monitor must not keep
expect_status 0 "$T/out" lc run -d --name "${P}up" $IMG sh -c \
    'echo line1; echo err1 >&2; trap "echo later; exit 6" USR1; while :; do sleep 0.05; done'
exec 7>&-
[ "$(cat "$T/out")" = "${P}up" ] || fail "run -d printed: $(cat "$T/out")"
lc ps >"$T/ps"
grep -q "^${P}up  *$IMG:latest  *\"sh -c echo line1; e…\"  *.* ago  *Up " "$T/ps" ||
    fail "ps: $(cat "$T/ps")"
[ "$(lc ps -q)" = "${P}up" ] || fail "ps -q: $(lc ps -q)"

# the monitor: its own session and process group, cwd /, stdio /dev/null, none of our fds
mon=$(monitor_pid "${P}up")
[ "$mon" -gt 0 ] || fail "no monitor pid: $(lc inspect "${P}up")"
[ "$(cat "/proc/$mon/comm")" = lcont-monitor ] || fail "monitor name: $(cat "/proc/$mon/comm")"
[ "$(readlink "/proc/$mon/cwd")" = / ] || fail "monitor cwd: $(readlink "/proc/$mon/cwd")"
# shellcheck disable=SC2046 # ps prints numbers
set -- $(ps -o sid=,pgid= -p "$mon")
[ "$1" != "$(ps -o sid= -p $$ | tr -d ' ')" ] || fail "monitor in our session"
[ "$2" = "$mon" ] || fail "monitor not its own process group leader: pgid $2"
for fd in 0 1 2; do
    [ "$(readlink "/proc/$mon/fd/$fd")" = /dev/null ] || fail "monitor fd $fd: $(readlink "/proc/$mon/fd/$fd")"
done
for f in "/proc/$mon/fd/"*; do
    [ "$(readlink "$f")" != "$T/canary" ] || fail "monitor kept our fd $f"
done
[ "$(ps -o ppid= -p "$(init_pid "${P}up")" | tr -d ' ')" = "$mon" ] ||
    fail "the monitor is not the container's parent"

# ---- logs: text without the CRI prefix, stdout and stderr apart, -t, --tail, -f ----
retry logs_have "${P}up" err1
lc logs "${P}up" >"$T/logs.out" 2>"$T/logs.err"
[ "$(cat "$T/logs.out")" = line1 ] || fail "logs stdout: $(cat "$T/logs.out")"
[ "$(cat "$T/logs.err")" = err1 ] || fail "logs stderr: $(cat "$T/logs.err")"
lc logs -t "${P}up" >"$T/logs.out" 2>&1
grep -q '^[0-9-]*T[0-9:]*\.[0-9]\{9\}Z line1$' "$T/logs.out" || fail "logs -t: $(cat "$T/logs.out")"
[ "$(lc logs --tail 1 "${P}up" 2>&1)" = err1 ] || fail "logs --tail 1: $(lc logs --tail 1 "${P}up" 2>&1)"
[ "$(wc -l <"$STORE/containers/${P}up/ctr.log")" -eq 2 ] || fail "ctr.log lines"
[ "$(grep -vc "$CRI" "$STORE/containers/${P}up/ctr.log")" -eq 0 ] ||
    fail "ctr.log is not in the CRI format: $(cat "$STORE/containers/${P}up/ctr.log")"
grep -q "stdout F line1$" "$STORE/containers/${P}up/ctr.log" || fail "ctr.log stdout record"
lc_exec logs -f "${P}up" >"$T/follow" 2>&1 &
follow=$!
wait_output "$T/follow" err1 $follow
lc kill -s USR1 "${P}up" >/dev/null || fail "kill -s USR1"
wait_output "$T/follow" later $follow
# -f ends by itself once the container has exited
wait $follow || fail "logs -f failed"
[ "$(lc wait "${P}up")" = 6 ] || fail "wait after USR1"

# a 32 kB line is split into partial records and joined again; a last line without a
# newline stays without one
lc run -d --name "${P}long" $IMG sh -c 'i=0; s=x; while test $i -lt 15; do s=$s$s; i=$((i + 1)); done
    echo $s; printf no-newline' >/dev/null
[ "$(lc wait "${P}long")" = 0 ] || fail "long line container"
lc logs "${P}long" >"$T/long.out"
[ "$(head -n1 "$T/long.out" | tr -d x | wc -c)" -eq 1 ] && [ "$(head -n1 "$T/long.out" | wc -c)" -eq 32769 ] ||
    fail "long line: $(head -c 100 "$T/long.out")"
[ "$(tail -c 11 "$T/long.out")" = "
no-newline" ] || fail "last line: $(tail -c 20 "$T/long.out")"
[ "$(grep -c ' stdout P ' "$STORE/containers/${P}long/ctr.log")" -ge 2 ] || fail "no partial records"
[ "$(grep -vc "$CRI" "$STORE/containers/${P}long/ctr.log")" -eq 0 ] || fail "long: CRI format"
lc rm "${P}long" >/dev/null

# ---- --log-opt: ctr.log rotates under max-size into max-file files; logs reads them in order ----
expect_status 2 "$T/out" lc run --log-opt max-size=1k $IMG true
grep -q 'only a detached container' "$T/out.err" || fail "--log-opt without -d: $(cat "$T/out.err")"
expect_status 2 "$T/out" lc run -d --log-opt max-size=1x $IMG true
expect_status 2 "$T/out" lc run -d --log-opt max-file=0 $IMG true
lc run -d --name "${P}rot" --log-opt max-size=2k --log-opt max-file=3 $IMG sh -c \
    'i=0; while test $i -lt 200; do echo line$i; i=$((i + 1)); done' >/dev/null
[ "$(lc wait "${P}rot")" = 0 ] || fail "rotating container"
D="$STORE/containers/${P}rot"
[ -f "$D/ctr.log.1" ] && [ -f "$D/ctr.log.2" ] && [ ! -e "$D/ctr.log.3" ] || fail "rotated: $(ls "$D")"
for f in "$D"/ctr.log*; do
    [ "$(stat -c %s "$f")" -le 2048 ] || fail "$f is over max-size"
    [ "$(grep -vc "$CRI" "$f")" -eq 0 ] || fail "$f: a record was split"
done
lc logs "${P}rot" >"$T/rot.out"
first=$(head -n1 "$T/rot.out" | sed 's/^line//')
[ "$first" -gt 0 ] || fail "nothing was rotated away"
seq -f 'line%g' "$first" 199 | cmp -s - "$T/rot.out" || fail "rotated logs: $(head -3 "$T/rot.out")"
[ "$(lc logs --tail 3 "${P}rot")" = "$(printf 'line197\nline198\nline199')" ] ||
    fail "--tail across files: $(lc logs --tail 3 "${P}rot")"
lc rm "${P}rot" >/dev/null
# -f follows ctr.log across rotations (file by file: enough files that none is rotated out
# before it is read), nothing lost or repeated
lc run -d --name "${P}rotf" --log-opt max-size=1k --log-opt max-file=10 $IMG sh -c \
    'go=; trap "go=1" USR1; echo ready; while [ -z "$go" ]; do sleep 0.01; done
     i=0; while test $i -lt 100; do echo f$i; i=$((i + 1)); done' >/dev/null
lc_exec logs -f "${P}rotf" >"$T/rotf" 2>&1 &
follow=$!
wait_output "$T/rotf" ready $follow
lc kill -s USR1 "${P}rotf" >/dev/null || fail "kill -s USR1"
wait $follow || fail "logs -f across rotations failed"
{ echo ready; seq -f 'f%g' 0 99; } | cmp -s - "$T/rotf" || fail "logs -f lost or repeated: $(cat "$T/rotf" | tr '\n' ' ')"
[ -f "$STORE/containers/${P}rotf/ctr.log.1" ] || fail "no rotation under -f"
lc rm "${P}rotf" >/dev/null
# a reader that falls behind by more than max-file rotations says that output is gone, and
# goes on with the oldest file left: in order, no repeats, up to the last line
lc run -d --name "${P}lag" --log-opt max-size=1k --log-opt max-file=2 $IMG sh -c \
    'go=; trap "go=1" USR1; echo ready; while [ -z "$go" ]; do sleep 0.01; done
     i=0; while test $i -lt 100; do echo f$i; i=$((i + 1)); done' >/dev/null
lc_exec logs -f "${P}lag" >"$T/lag" 2>"$T/lag.err" &
follow=$!
wait_output "$T/lag" ready $follow
kill -STOP $follow
lc kill -s USR1 "${P}lag" >/dev/null || fail "kill -s USR1"
[ "$(lc wait "${P}lag")" = 0 ] || fail "lagging container"
kill -CONT $follow
wait $follow || fail "logs -f that fell behind failed"
grep -q "rotated away before it was read" "$T/lag.err" || fail "no word of lost output: $(cat "$T/lag.err")"
[ "$(tail -n1 "$T/lag")" = f99 ] || fail "lagging reader's last line: $(tail -n1 "$T/lag")"
sed 1d "$T/lag" | sed 's/^f//' | sort -n -c 2>/dev/null || fail "lagging reader: out of order"
[ "$(sort "$T/lag" | uniq -d)" = "" ] || fail "lagging reader: repeats"
[ "$(wc -l <"$T/lag")" -lt 101 ] || fail "nothing was rotated away?"
lc rm "${P}lag" >/dev/null
# one file: it starts over at max-size
lc run -d --name "${P}rot1" --log-opt max-size=1k $IMG sh -c \
    'i=0; while test $i -lt 100; do echo o$i; i=$((i + 1)); done' >/dev/null
[ "$(lc wait "${P}rot1")" = 0 ] || fail "one-file container"
[ ! -e "$STORE/containers/${P}rot1/ctr.log.1" ] || fail "max-file=1 made ctr.log.1"
[ "$(lc logs --tail 1 "${P}rot1")" = o99 ] || fail "max-file=1: $(lc logs "${P}rot1" | tail -2)"
[ "$(stat -c %s "$STORE/containers/${P}rot1/ctr.log")" -le 1024 ] || fail "max-file=1 size"
lc rm "${P}rot1" >/dev/null

# a monitor killed in the middle of a rotation leaves an index empty, or no ctr.log: logs
# still reads every file there is, in order (ctr.log.4 was dropped by the renames)
lc run -d --name "${P}cut" --log-opt max-size=1k --log-opt max-file=5 $IMG sh -c \
    'i=0; while test $i -lt 200; do echo c$i; i=$((i + 1)); done' >/dev/null
[ "$(lc wait "${P}cut")" = 0 ] || fail "cut container"
D="$STORE/containers/${P}cut"
lc logs "${P}cut" >"$T/cut.all"
dropped=$(wc -l <"$D/ctr.log.4")
mv "$D/ctr.log.3" "$D/ctr.log.4"
mv "$D/ctr.log.2" "$D/ctr.log.3"
tail -n +$((dropped + 1)) "$T/cut.all" >"$T/cut.want"
lc logs "${P}cut" >"$T/cut.out"
cmp -s "$T/cut.want" "$T/cut.out" || fail "logs with ctr.log.2 missing: $(head -n2 "$T/cut.out")"
mv "$D/ctr.log.1" "$D/ctr.log.2"
mv "$D/ctr.log" "$D/ctr.log.1"
lc logs "${P}cut" >"$T/cut.out"
cmp -s "$T/cut.want" "$T/cut.out" || fail "logs with ctr.log missing: $(head -n2 "$T/cut.out")"
timeout 10 "$LCONT" --root "$STORE" --runroot "$RUNROOT" logs -f "${P}cut" >"$T/cut.out" ||
    fail "logs -f with ctr.log missing"
cmp -s "$T/cut.want" "$T/cut.out" || fail "logs -f with ctr.log missing: $(head -n2 "$T/cut.out")"
[ "$(lc logs --tail 1 "${P}cut")" = c199 ] || fail "--tail with ctr.log missing"
lc rm "${P}cut" >/dev/null

# ---- ps -a: Exited (N); ps alone does not list it ----
lc ps -a >"$T/ps"
grep -q "^${P}up .*Exited (6) .* ago$" "$T/ps" || fail "ps -a: $(cat "$T/ps")"
! lc ps | grep -q "${P}up" || fail "ps lists an exited container"
[ "$(lc inspect "${P}up" | jq -r '.[0].State | "\(.Status) \(.ExitCode) \(.Running)"')" = \
    "exited 6 false" ] || fail "inspect state: $(lc inspect "${P}up")"
retry gone "$mon"
expect_status 1 "$T/out" lc logs "${P}nosuch"
expect_status 0 "$T/out" lc rm "${P}up"
nothing_left "${P}up"

# ---- stop: the stop signal (the image's SIGINT) is ignored: SIGKILL after -t, 137 ----
lc run -d --name "${P}stub" $IMG sh -c 'trap "" INT TERM; echo ready; while :; do sleep 0.05; done' >/dev/null
retry logs_have "${P}stub" ready
t0=$(date +%s%N)
expect_status 0 "$T/out" lc stop -t 2 "${P}stub"
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -ge 2000 ] || fail "stop did not wait for the timeout"
[ "$(cat "$T/out")" = "${P}stub" ] || fail "stop printed: $(cat "$T/out")"
# stop returns once the exit code is recorded
lc ps -a | grep -q "^${P}stub .*Exited (137) " || fail "ps after stop: $(lc ps -a)"
[ "$(lc wait "${P}stub")" = 137 ] || fail "wait after stop"
# stopping a stopped container succeeds
expect_status 0 "$T/out" lc stop "${P}stub"
expect_status 1 "$T/out" lc kill "${P}stub"
grep -q "is not running" "$T/out.err" || fail "kill of a stopped container: $(cat "$T/out.err")"
# a container that obeys its stop signal exits with its own status
lc run -d --name "${P}polite" $IMG sh -c 'trap "exit 5" INT; echo ready; while :; do sleep 0.05; done' >/dev/null
retry logs_have "${P}polite" ready
expect_status 0 "$T/out" lc stop -t 600 "${P}polite"
[ "$(lc wait "${P}polite")" = 5 ] || fail "stop with the image's stop signal"
# kill: a named signal; bad signals are usage errors
lc run -d --name "${P}kill" $IMG sleep 1000 >/dev/null
expect_status 2 "$T/out" lc kill -s NOSUCH "${P}kill"
expect_status 0 "$T/out" lc kill -s SIGKILL "${P}kill"
[ "$(lc wait "${P}kill")" = 137 ] || fail "kill -s SIGKILL"
expect_status 0 "$T/out" lc rm "${P}stub" "${P}polite" "${P}kill"
for n in stub polite kill; do nothing_left "$P$n"; done

# ---- start: a stopped container runs again, same writable layer, log appended ----
lc run -d --name "${P}again" $IMG sh -c 'echo run >>/tmp/runs; cat /tmp/runs; exit 3' >/dev/null
[ "$(lc wait "${P}again")" = 3 ] || fail "wait before start"
expect_status 0 "$T/out" lc start "${P}again"
[ "$(cat "$T/out")" = "${P}again" ] || fail "start printed: $(cat "$T/out")"
[ "$(lc wait "${P}again")" = 3 ] || fail "wait after start"
[ "$(lc logs "${P}again" | tr '\n' ' ')" = "run run run " ] || fail "logs after start: $(lc logs "${P}again")"
expect_status 1 "$T/out" lc start "${P}nosuch"
lc rm "${P}again" >/dev/null
nothing_left "${P}again"

# ---- restart: stop then start (same writable layer); a stopped one just starts ----
lc run -d --name "${P}re" $IMG sh -c 'trap "exit 4" INT; echo run >>/tmp/runs; cat /tmp/runs
    while :; do sleep 0.05; done' >/dev/null
retry logs_have "${P}re" run
pid=$(init_pid "${P}re")
expect_status 0 "$T/out" lc restart -t 600 "${P}re"
[ "$(cat "$T/out")" = "${P}re" ] || fail "restart printed: $(cat "$T/out")"
[ "$(init_pid "${P}re")" != "$pid" ] || fail "restart left the same init"
lc ps | grep -q "^${P}re .* Up " || fail "ps after restart: $(lc ps -a)"
two_runs() { [ "$(lc logs "${P}re" | tr '\n' ' ')" = "run run run " ]; }
retry two_runs
lc stop "${P}re" >/dev/null
[ "$(lc wait "${P}re")" = 4 ] || fail "the restarted container's exit code"
expect_status 0 "$T/out" lc restart "${P}re"
lc ps | grep -q "^${P}re .* Up " || fail "restart of a stopped container: $(lc ps -a)"
expect_status 1 "$T/out" lc restart "${P}nosuch"
grep -q "no such container: ${P}nosuch" "$T/out.err" || fail "restart nosuch: $(cat "$T/out.err")"
# refused before the stop when it could not start again: --rm
lc run -d --rm --name "${P}rerm" $IMG sleep 1000 >/dev/null
expect_status 1 "$T/out" lc restart "${P}rerm"
grep -q "was run with --rm" "$T/out.err" || fail "restart --rm: $(cat "$T/out.err")"
lc ps | grep -q "^${P}rerm .* Up " || fail "a refused restart stopped the container"
lc rm -f "${P}re" "${P}rerm" >/dev/null

# ---- SIGTERM to the monitor reaches the container (even if run -d had it blocked) ----
python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
os.execv(sys.argv[1], sys.argv[1:])' "$LCONT" --root "$STORE" --runroot "$RUNROOT" run -d \
    --name "${P}term" $IMG sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.05; done' >/dev/null
retry logs_have "${P}term" ready
kill -TERM "$(monitor_pid "${P}term")"
exited() { [ "$(lc inspect "$1" | jq -r '.[0].State.Status')" = exited ]; }
retry exited "${P}term"
[ "$(lc wait "${P}term")" = 42 ] || fail "SIGTERM to the monitor not forwarded"
lc rm "${P}term" >/dev/null

# ---- run -d --rm: nothing left after the exit (state, bundle, mount, monitor) ----
lc run -d --rm --name "${P}auto" $IMG sh -c 'echo ready; while :; do sleep 0.05; done' >/dev/null
retry logs_have "${P}auto" ready
mon=$(monitor_pid "${P}auto")
pid=$(init_pid "${P}auto")
# wait gets the exit code although the container removes itself
lc_exec wait "${P}auto" >"$T/wait.out" 2>&1 &
waiter=$!
# it is blocked on the monitor's lock (a "->" line of /proc/locks) before the kill
waiting() { grep -q -- "-> FLOCK  *ADVISORY  *READ  *$waiter " /proc/locks; }
retry waiting
lc kill -s KILL "${P}auto" >/dev/null
wait $waiter || fail "wait on a --rm container: $(cat "$T/wait.out")"
[ "$(cat "$T/wait.out")" = 137 ] || fail "wait on a --rm container printed: $(cat "$T/wait.out")"
retry bundle_gone "${P}auto"
retry gone "$mon"
gone "$pid" || fail "container process left"
nothing_left "${P}auto"

# ---- a monitor killed with SIGKILL: ps shows the container's real state; rm -f cleans up ----
lc run -d --name "${P}orphan" $IMG sh -c 'echo ready; while :; do sleep 0.05; done' >/dev/null
retry logs_have "${P}orphan" ready
mon=$(monitor_pid "${P}orphan")
pid=$(init_pid "${P}orphan")
kill -KILL "$mon"
retry gone "$mon"
lc ps | grep -q "^${P}orphan .* Up " || fail "ps after the monitor died: $(lc ps -a)"
[ "$(lc inspect "${P}orphan" | jq -r '.[0].State.MonitorAlive')" = false ] || fail "monitor alive"
expect_status 1 "$T/out" lc rm "${P}orphan"
expect_status 0 "$T/out" lc rm -f "${P}orphan"
retry gone "$pid"
nothing_left "${P}orphan"
# after such a container exits, nobody knows its exit code, and ps and wait say so
lc run -d --name "${P}lost" $IMG sh -c 'echo ready; while :; do sleep 0.05; done' >/dev/null
retry logs_have "${P}lost" ready
mon=$(monitor_pid "${P}lost")
kill -KILL "$mon"
retry gone "$mon"
lc kill "${P}lost" >/dev/null
lost() { lc ps -a | grep -q "^${P}lost .* Exited (unknown)$"; }
retry lost
expect_status 1 "$T/out" lc wait "${P}lost"
grep -q "exit code of ${P}lost is unknown" "$T/out.err" || fail "wait, lost code: $(cat "$T/out.err")"
expect_status 0 "$T/out" lc rm "${P}lost"
nothing_left "${P}lost"

# ---- a container that cannot start: run -d fails as run does, and leaves nothing ----
expect_status 127 "$T/out" lc run -d --name "${P}nocmd" $IMG no-such-command
grep -q "no-such-command" "$T/out.err" || fail "run -d 127 message: $(cat "$T/out.err")"
[ ! -s "$T/out" ] || fail "run -d printed a name for a failed container: $(cat "$T/out")"
nothing_left "${P}nocmd"
expect_status 126 "$T/out" lc run -d --rm $IMG /bin/notexec

# ---- names: in use (clear error, the first container untouched), two at once ----
lc run -d --name "${P}dup" $IMG sleep 1000 >/dev/null
expect_status 125 "$T/out" lc run -d --name "${P}dup" $IMG true
grep -q "'${P}dup' is in use" "$T/out.err" || fail "name in use: $(cat "$T/out.err")"
lc ps | grep -q "^${P}dup .* Up " || fail "the first ${P}dup was disturbed"
expect_status 2 "$T/out" lc run -d -t $IMG true
grep -q "not supported" "$T/out.err" || fail "-d -t: $(cat "$T/out.err")"
(lc_exec run -d --name "${P}race" $IMG sleep 1000 >"$T/race1" 2>&1) &
r1=$!
(lc_exec run -d --name "${P}race" $IMG sleep 1000 >"$T/race2" 2>&1) &
r2=$!
s1=0 s2=0
wait $r1 || s1=$?
wait $r2 || s2=$?
[ $((s1 == 0)) -ne $((s2 == 0)) ] || fail "two runs with one name: $s1 $s2: $(cat "$T/race1" "$T/race2")"
[ "$(lc ps -q | grep -c "^${P}race$")" -eq 1 ] || fail "ps after the race: $(lc ps -a)"

# ---- commands racing on one container: two rm -f, a wait and a stop at once ----
(lc_exec wait "${P}race" >"$T/w.out" 2>&1) &
w=$!
(lc_exec rm -f "${P}race" >"$T/rm1" 2>&1) &
r1=$!
(lc_exec rm -f "${P}race" >"$T/rm2" 2>&1) &
r2=$!
(lc_exec stop -t 1 "${P}dup" >"$T/stop1" 2>&1) &
s=$!
expect_status 0 "$T/out" lc rm -f "${P}dup"
s1=0 s2=0
wait $r1 || s1=$?
wait $r2 || s2=$?
[ $s1 -eq 0 ] || [ $s2 -eq 0 ] || fail "no rm -f succeeded: $(cat "$T/rm1" "$T/rm2")"
! cat "$T/rm1" "$T/rm2" | grep -v "^${P}race$" | grep -v "no such container: ${P}race" | grep -q . ||
    fail "rm -f race: $(cat "$T/rm1" "$T/rm2")"
wait $w || true # it may find the container removed already: no crash, no hang
wait $s || true
nothing_left "${P}race"
nothing_left "${P}dup"

# ---- a full disk for the log: records are dropped whole, the container keeps running ----
mkdir "$T/small"
mount -t tmpfs -o size=24m tmpfs "$T/small"
SSTORE="$T/small/store"
lcs() { "$LCONT" --root "$SSTORE" --runroot "$RUNROOT" "$@"; }
lcs image load "docker-archive:$T/img/image.tar" >/dev/null 2>&1 || fail "load on tmpfs"
lcs run -d --name "${P}full" $IMG sh -c 'trap "go=1" USR1; trap "echo resumed" USR2; trap "exit 9" HUP
    echo first; while test -z "$go"; do sleep 0.05; done
    i=0; while test $i -lt 3000; do
        echo "burst-$i-.........................................................................."
        i=$((i + 1)); done
    : >/dev/shm/burst-done; while :; do sleep 0.05; done' >/dev/null || fail "run -d on tmpfs"
full_first() { lcs logs "${P}full" | grep -qx first; }
retry full_first
dd if=/dev/zero of="$T/small/fill" bs=64k >/dev/null 2>&1 || true
lcs kill -s USR1 "${P}full" >/dev/null
# the burst (250 kB, more than a pipe holds) gets through: the monitor does not block
retry lcs exec "${P}full" test -e /dev/shm/burst-done
lcs ps | grep -q "^${P}full .* Up " || fail "the container died on a full disk: $(lcs ps -a)"
# records get in again once there is room
rm "$T/small/fill"
lcs kill -s USR2 "${P}full" >/dev/null
full_resumed() { lcs logs "${P}full" | grep -qx resumed; }
retry full_resumed
# and the exit code is recorded although the disk is full again (its space was reserved)
dd if=/dev/zero of="$T/small/fill" bs=64k >/dev/null 2>&1 || true
lcs kill -s HUP "${P}full" >/dev/null
[ "$(lcs wait "${P}full")" = 9 ] || fail "exit code on a full disk: $(lcs wait "${P}full" 2>&1)"
rm "$T/small/fill"
lcs logs "${P}full" >"$T/full.out"
[ "$(grep -c '^burst-' "$T/full.out")" -lt 3000 ] || fail "nothing dropped on a full disk?"
# every record that got in is whole: a torn one would run into the next
[ "$(grep -c '^burst-[0-9]*-\.\{74\}$' "$T/full.out")" -eq "$(grep -c burst- "$T/full.out")" ] ||
    fail "a torn record: $(grep 'burst-' "$T/full.out" | grep -v '^burst-[0-9]*-\.\{74\}$' | head -n2)"
[ "$(grep -vc "$CRI" "$SSTORE/containers/${P}full/ctr.log")" -eq 0 ] ||
    fail "a torn record in ctr.log: $(grep -v "$CRI" "$SSTORE/containers/${P}full/ctr.log" | head -n3)"
lcs rm "${P}full" >/dev/null || fail "rm on tmpfs"
umount "$T/small"
echo PASS
