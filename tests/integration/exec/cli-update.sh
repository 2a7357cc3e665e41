#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont-run update: runc's flags, --resources FILE and -, read back from the cgroup files.
. "$(dirname "$0")/../cli/lib.sh"

B="$T/bundle"
make_bundle "$B" sleep 1000
track "${P}u"
lcr run -d --bundle "$B" "${P}u" </dev/null >"$T/out" 2>&1 || fail "run: $(cat "$T/out")"

# the files of the container's cgroup: v1 controllers or the v2 directory
cg=$(jq -r .cgroupPath "$ROOT/${P}u/state.json" 2>/dev/null || true)
[ -n "$cg" ] && [ "$cg" != null ] || cg="/lcont/${P}u"
mem_limit() {
    if [ -e "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes" ]; then
        cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes"
    else
        cat "/sys/fs/cgroup$cg/memory.max"
    fi
}
pids_max() {
    if [ -e "/sys/fs/cgroup/pids$cg/pids.max" ]; then
        cat "/sys/fs/cgroup/pids$cg/pids.max"
    else
        cat "/sys/fs/cgroup$cg/pids.max"
    fi
}

lcr update --memory 64m --pids-limit 77 "${P}u"
[ "$(mem_limit)" = 67108864 ] || fail "--memory 64m: $(mem_limit)"
[ "$(pids_max)" = 77 ] || fail "--pids-limit: $(pids_max)"

echo '{"memory": {"limit": 33554432}}' >"$T/res.json"
lcr update --resources "$T/res.json" "${P}u"
[ "$(mem_limit)" = 33554432 ] || fail "--resources file: $(mem_limit)"
[ "$(pids_max)" = 77 ] || fail "an update that does not name pids changed them: $(pids_max)"

echo '{"pids": {"limit": 55}}' | lcr update -r - "${P}u"
[ "$(pids_max)" = 55 ] || fail "--resources -: $(pids_max)"

expect_fail "$T/err" lcr update --memory lots "${P}u"
echo '{"memory": {"limit": "x"}}' >"$T/bad.json"
expect_fail "$T/err" lcr update -r "$T/bad.json" "${P}u"
grep -q "memory.limit" "$T/err" || fail "bad resources: $(cat "$T/err")"
[ "$(mem_limit)" = 33554432 ] || fail "a rejected update changed the limit: $(mem_limit)"
echo ok
