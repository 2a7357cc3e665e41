#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# list: table (tabwriter alignment), json (null when empty), quiet.
. "$(dirname "$0")/lib.sh"

# empty (the state root does not even exist yet)
[ "$(lcr list -f json)" = null ] || fail "empty json list: $(lcr list -f json)"
[ -z "$(lcr list -q)" ] || fail "empty quiet list"
lcr list >"$T/table"
[ "$(wc -l <"$T/table")" -eq 1 ] || fail "empty table: $(cat "$T/table")"
grep -Eq '^ID +PID +STATUS +BUNDLE +CREATED +OWNER$' "$T/table" || fail "header: $(cat "$T/table")"

B="$T/bundle-with-a-long-name"
make_bundle "$B" sleep 1000
track "${P}beta"
track "${P}alpha"
lcr create --bundle "$B" "${P}beta" </dev/null >"$T/out" 2>&1 || fail "create beta: $(cat "$T/out")"
lcr run -d --bundle "$B" "${P}alpha" </dev/null >"$T/out" 2>&1 || fail "run alpha: $(cat "$T/out")"

[ "$(lcr list -q | tr '\n' ' ')" = "${P}alpha ${P}beta " ] || fail "quiet: $(lcr list -q)"
# --quiet wins over --format, as in runc
[ "$(lcr list -q -f json | tr '\n' ' ')" = "${P}alpha ${P}beta " ] || fail "quiet json"

lcr list --format json >"$T/json"
jq -e 'length == 2' "$T/json" >/dev/null || fail "json: $(cat "$T/json")"
[ "$(jq -r '.[0].id + " " + .[0].status + " " + .[1].id + " " + .[1].status' "$T/json")" = \
    "${P}alpha running ${P}beta created" ] || fail "json content: $(cat "$T/json")"
[ "$(jq -r '.[0].bundle' "$T/json")" = "$B" ] || fail "json bundle"
[ "$(wc -l <"$T/json")" -eq 1 ] || fail "json list should be one compact line"

lcr list >"$T/table"
[ "$(wc -l <"$T/table")" -eq 3 ] || fail "table rows: $(cat "$T/table")"
# every column starts where its header starts (Go tabwriter: min width 12, padding 3)
python3 - "$T/table" "$B" "$P" <<'PY' || fail "table layout: $(cat "$T/table")"
import sys
lines = open(sys.argv[1]).read().splitlines()
header = lines[0]
starts = [header.index(h) for h in ("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER")]
assert starts[1] == max(12, len(sys.argv[3] + "alpha") + 3), starts  # min width 12
assert starts[4] - starts[3] == len(sys.argv[2]) + 3, starts  # widest cell + 3
rows = {}
for line in lines[1:]:
    cells = [line[a:b].rstrip() for a, b in zip(starts, starts[1:] + [None])]
    assert all(c and " " not in c for c in cells), cells
    rows[cells[0]] = cells
alpha, beta = sys.argv[3] + "alpha", sys.argv[3] + "beta"
assert list(rows) == [alpha, beta], rows
assert rows[alpha][2] == "running" and rows[beta][2] == "created", rows
assert rows[alpha][3] == sys.argv[2], rows
assert rows[alpha][5] == "root", rows
PY

expect_fail "$T/err" lcr list --format yaml
expect_fail "$T/err" lcr list extra-arg
