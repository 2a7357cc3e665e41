#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont pause and unpause (the freezer: a paused container runs nothing; stop, kill and
# rm -f still work), stats (CPU, memory against the limit, network, processes; one table
# or a stream) and top (the host's ps, the container's rows only).
. "$(dirname "$0")/lib.sh" "$@"

make_images
IMG=lcont-test/bb
lc image load "docker-archive:$T/img/image.tar" >/dev/null 2>&1 || fail "load"

lines() { lc logs "$1" | wc -l; }
more_lines() { [ "$(lines "$1")" -gt "$2" ]; }
status_of() { lc inspect "$1" | jq -r '.[0].State.Status'; }

# ---- pause: nothing runs while paused; unpause: it goes on ----
lc run -d --name "${P}tick" $IMG sh -c 'trap "exit 7" INT; trap "echo usr1" USR1
    while :; do echo tick; sleep 0.02; done' >/dev/null
retry more_lines "${P}tick" 2
expect_status 0 "$T/out" lc pause "${P}tick"
[ "$(cat "$T/out")" = "${P}tick" ] || fail "pause printed: $(cat "$T/out")"
[ "$(status_of "${P}tick")" = paused ] || fail "inspect after pause: $(status_of "${P}tick")"
lc ps | grep -q "^${P}tick .* Up .* (Paused)$" || fail "ps after pause: $(lc ps)"
# frozen once pause returns: the log stands still (a running one gets 25 lines in 0.5 s)
n=$(lines "${P}tick")
sleep 0.5
[ "$(lines "${P}tick")" -eq "$n" ] || fail "a paused container wrote $(($(lines "${P}tick") - n)) lines"
# and uses no CPU: the counter does not move between the two readings of stats
lc stats --no-stream "${P}tick" >"$T/stats"
grep -q "^${P}tick  *0\.00%  " "$T/stats" || fail "stats of a paused container: $(cat "$T/stats")"
expect_status 1 "$T/out" lc pause "${P}tick"
grep -q "is already paused" "$T/out.err" || fail "pause twice: $(cat "$T/out.err")"
expect_status 0 "$T/out" lc unpause "${P}tick"
[ "$(cat "$T/out")" = "${P}tick" ] || fail "unpause printed: $(cat "$T/out")"
[ "$(status_of "${P}tick")" = running ] || fail "inspect after unpause"
retry more_lines "${P}tick" "$n"
expect_status 1 "$T/out" lc unpause "${P}tick"
grep -q "is not paused" "$T/out.err" || fail "unpause of a running one: $(cat "$T/out.err")"
expect_status 1 "$T/out" lc pause "${P}nosuch"
grep -q "no such container: ${P}nosuch" "$T/out.err" || fail "pause nosuch: $(cat "$T/out.err")"
# a signal waits in the frozen container until unpause
lc pause "${P}tick" >/dev/null
lc kill -s USR1 "${P}tick" >/dev/null
sleep 0.3
! lc logs "${P}tick" | grep -q usr1 || fail "a paused container ran its USR1 trap"
[ "$(status_of "${P}tick")" = paused ] || fail "a signal thawed the container"
lc unpause "${P}tick" >/dev/null
usr1_seen() { lc logs "${P}tick" | grep -q usr1; }
retry usr1_seen
# stop of a paused container: it gets its stop signal (thawed to act on it)
lc pause "${P}tick" >/dev/null
expect_status 0 "$T/out" lc stop -t 600 "${P}tick"
[ "$(lc wait "${P}tick")" = 7 ] || fail "stop of a paused container"
expect_status 1 "$T/out" lc pause "${P}tick"
grep -q "is not running" "$T/out.err" || fail "pause of a stopped one: $(cat "$T/out.err")"
# kill -s KILL and rm -f of paused containers
lc run -d --name "${P}pk" $IMG sleep 1000 >/dev/null
lc pause "${P}pk" >/dev/null
lc kill -s KILL "${P}pk" >/dev/null
[ "$(lc wait "${P}pk")" = 137 ] || fail "kill of a paused container"
lc run -d --name "${P}prm" $IMG sleep 1000 >/dev/null
lc pause "${P}prm" >/dev/null
expect_status 0 "$T/out" lc rm -f "${P}prm"
[ ! -e "$STORE/containers/${P}prm" ] || fail "rm -f of a paused container left its bundle"

# ---- stats: a busy container under a memory limit, an idle one, an exited one ----
lc run -d --name "${P}busy" -m 64m $IMG sh -c 'sleep 1000 & while :; do :; done' >/dev/null
lc run -d --name "${P}idle" $IMG sh -c 'sleep 1000 & sleep 1000 & wait' >/dev/null
pids_are() { lc stats --no-stream "$1" | grep -q "^$1 .*  $2$"; }
retry pids_are "${P}idle" 3
lc stats --no-stream >"$T/stats"
head -n1 "$T/stats" | grep -q '^NAME  *CPU %  *MEM USAGE / LIMIT  *MEM %  *NET I/O  *BLOCK I/O  *PIDS$' ||
    fail "stats header: $(head -n1 "$T/stats")"
# running containers only, by name; the exited tick is not listed
[ "$(sed 1d "$T/stats" | awk '{print $1}' | grep "^${P}" | tr '\n' ' ')" = "${P}busy ${P}idle " ] ||
    fail "stats rows: $(cat "$T/stats")"
row=$(grep "^${P}busy " "$T/stats")
cpu=$(echo "$row" | awk '{print $2}' | tr -d %)
awk -v c="$cpu" 'BEGIN { exit !(c > 0) }' || fail "a busy loop used no CPU: $row"
echo "$row" | grep -q ' / 64MiB  ' || fail "memory limit: $row"
echo "$row" | grep -q '  0B / 0B  ' || fail "network of a container with only lo: $row"
echo "$row" | grep -q '  2$' || fail "busy pids: $row"
# MEM % is the usage over the limit (the usage is printed to 3 digits)
echo "$row" | awk '{ u = $3; sub(/[KMG]iB$/, "", u); m = $3 ~ /MiB$/ ? 1024 : $3 ~ /KiB$/ ? 1 : 0
    p = $6; sub(/%$/, "", p); want = 100 * u * m / 65536
    d = p - want; if (d < 0) d = -d
    exit !(m > 0 && d <= want * 0.005 + 0.01) }' || fail "memory and MEM %: $row"
# without a limit, the host's memory
host=$(awk '/^MemTotal:/ {printf "%.3g", $2 / 1048576}' /proc/meminfo)
grep "^${P}idle " "$T/stats" | grep -q " / ${host}GiB " ||
    fail "limit without one: $(grep "^${P}idle " "$T/stats") (host ${host}GiB)"
# -a lists the exited one, with no numbers
lc stats --no-stream -a >"$T/stats"
grep -q "^${P}tick  *--  *--  *--  *--  *--  *--$" "$T/stats" || fail "stats -a: $(cat "$T/stats")"
expect_status 1 "$T/out" lc stats --no-stream "${P}nosuch"
grep -q "no such container: ${P}nosuch" "$T/out.err" || fail "stats nosuch: $(cat "$T/out.err")"
# a stream: a new table each second, until interrupted
lc_exec stats "${P}idle" >"$T/stream" 2>&1 &
stream=$!
tables() { [ "$(grep -c '^NAME ' "$T/stream")" -ge 3 ]; }
retry tables
kill $stream
wait $stream || true
[ "$(grep -c "^${P}idle " "$T/stream")" -ge 3 ] || fail "stream: $(cat "$T/stream")"
grep -q '^$' "$T/stream" || fail "stream tables are not apart: $(cat "$T/stream")"

# --format json: one object per line with docker's keys, for stats and ps
lc stats --no-stream --format json "${P}busy" >"$T/json"
[ "$(wc -l <"$T/json")" -eq 1 ] || fail "stats json lines: $(cat "$T/json")"
jq -e --arg n "${P}busy" '.Name == $n and .ID == $n and (.CPUPerc | endswith("%")) and
    (.MemUsage | endswith(" / 64MiB")) and (.MemPerc | endswith("%")) and .NetIO == "0B / 0B" and
    (.BlockIO | contains(" / ")) and .PIDs == "2"' "$T/json" >/dev/null ||
    fail "stats --format json: $(cat "$T/json")"
lc ps -a --format json >"$T/json"
# (slurped: jq 1.6 -e goes by the last input, which select() may leave without output)
jq -s -e --arg n "${P}busy" '.[] | select(.Names == $n) | .ID == $n and .State == "running" and
    (.Status | startswith("Up ")) and .Image == "lcont-test/bb:latest" and
    (.Command | startswith("\"sh -c ")) and (.CreatedAt | test("^[0-9-]+T[0-9:.]+Z$")) and
    (.RunningFor | endswith(" ago"))' "$T/json" >/dev/null || fail "ps --format json: $(cat "$T/json")"
jq -s -e --arg n "${P}tick" '.[] | select(.Names == $n) | .State == "exited" and
    (.Status | startswith("Exited (7) "))' "$T/json" >/dev/null || fail "ps -a json, exited: $(cat "$T/json")"
[ "$(jq -s length "$T/json")" -eq "$(lc ps -aq | wc -l)" ] || fail "ps json rows: $(cat "$T/json")"
expect_status 2 "$T/out" lc ps --format '{{.Names}}'
grep -q "table or json" "$T/out.err" || fail "ps --format template: $(cat "$T/out.err")"
expect_status 2 "$T/out" lc stats --format yaml

# ---- top: ps -ef rows of the container's processes only ----
expect_status 0 "$T/out" lc top "${P}idle"
head -n1 "$T/out" | grep -q '^UID  *PID  *PPID .*CMD$' || fail "top header: $(head -n1 "$T/out")"
[ "$(grep -c 'sleep 1000$' "$T/out")" -eq 2 ] || fail "top rows: $(cat "$T/out")"
[ "$(sed 1d "$T/out" | wc -l)" -eq 3 ] || fail "top shows other processes: $(cat "$T/out")"
pid1=$(lc inspect "${P}idle" | jq -r '.[0].State.Pid')
sed 1d "$T/out" | awk '{print $2}' | grep -qx "$pid1" || fail "top without the init ($pid1): $(cat "$T/out")"
expect_status 0 "$T/out" lc top "${P}idle" -eo pid,comm
grep -q "^ *$pid1 sh$" "$T/out" || fail "top -eo pid,comm, the init: $(cat "$T/out")"
[ "$(grep -c ' sleep$' "$T/out")" -eq 2 ] || fail "top -eo pid,comm: $(cat "$T/out")"
expect_status 1 "$T/out" lc top "${P}idle" -eo comm
grep -q "no PID column" "$T/out.err" || fail "top without PID: $(cat "$T/out.err")"
expect_status 1 "$T/out" lc top "${P}idle" --no-such-ps-option
expect_status 1 "$T/out" lc top "${P}tick"
grep -q "is not running" "$T/out.err" || fail "top of a stopped one: $(cat "$T/out.err")"
expect_status 1 "$T/out" lc top "${P}nosuch"

lc rm -f "${P}busy" "${P}idle" "${P}tick" "${P}pk" >/dev/null
echo PASS
