#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont-run ps: the ps -ef table of the container's processes, --format json, ps options.
. "$(dirname "$0")/../cli/lib.sh"
command -v ps >/dev/null || { echo "SKIP: no ps"; exit 77; }

B="$T/bundle"
make_bundle "$B" sleep 1000
track "${P}ps"
lcr run -d --bundle "$B" "${P}ps" </dev/null >"$T/out" 2>&1 || fail "run: $(cat "$T/out")"
init=$(lcr state "${P}ps" | jq .pid)
lcr exec -d --pid-file "$T/pid" "${P}ps" sleep 999
extra=$(cat "$T/pid")

[ "$(lcr ps --format json "${P}ps")" = "[$init,$extra]" ] ||
    fail "json: $(lcr ps --format json "${P}ps"), expected [$init,$extra]"
lcr ps "${P}ps" >"$T/table"
head -n 1 "$T/table" | grep -q "PID" || fail "no header: $(cat "$T/table")"
[ "$(wc -l <"$T/table")" -eq 3 ] || fail "table: $(cat "$T/table")"
grep -q "sleep 1000" "$T/table" && grep -q "sleep 999" "$T/table" || fail "table: $(cat "$T/table")"
# ps options after the id replace -ef
lcr ps "${P}ps" -o pid,comm >"$T/table"
[ "$(awk 'NR > 1 { print $1 }' "$T/table" | sort -n | tr '\n' ' ')" = "$init $extra " ] ||
    fail "ps -o: $(cat "$T/table")"
expect_fail "$T/err" lcr ps --format yaml "${P}ps"
echo ok
