#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont-run events: --stats prints one stats event; the stream prints stats every
# --interval and an "oom" event when a process of the container is OOM-killed.
. "$(dirname "$0")/../cli/lib.sh"

B="$T/bundle"
make_bundle "$B" sleep 1000
set_config "$B" '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
for a in dd; do ln -sf busybox "$B/rootfs/bin/$a"; done
track "${P}ev"
lcr run -d --bundle "$B" "${P}ev" </dev/null >"$T/out" 2>&1 || fail "run: $(cat "$T/out")"

lcr events --stats "${P}ev" >"$T/stats"
[ "$(wc -l <"$T/stats")" -eq 1 ] || fail "--stats printed more than one line: $(cat "$T/stats")"
jq -e --arg id "${P}ev" '.type == "stats" and .id == $id and .data.pids.current == 1
    and .data.memory.usage.limit == 16777216 and .data.cpu.usage.total > 0' "$T/stats" \
    >/dev/null || fail "stats: $(cat "$T/stats")"

lcr events --interval 50ms "${P}ev" >"$T/events" 2>"$T/events.err" &
bg $!
events=$!
wait_for sh -c "[ \$(grep -c '\"type\":\"stats\"' '$T/events') -ge 2 ]"
# busybox dd allocates its 64M block in one piece: OOM-killed under a 16M limit
set +e
lcr exec "${P}ev" dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
rc=$?
set -e
[ $rc -eq 137 ] || fail "dd was not OOM-killed (status $rc)"
wait_for grep -q "{\"type\":\"oom\",\"id\":\"${P}ev\"}" "$T/events"
# the stream ends with the container
lcr kill "${P}ev" KILL
wait "$events" || fail "events exited with an error: $(cat "$T/events.err")"
echo ok
