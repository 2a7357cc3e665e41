#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# linux.resources end to end: a container started by lcont-run from a config with memory, pids,
# cpu (with burst), a blockIO throttle and a hugepage limit gets them in its cgroup files; an
# update with only blockIO and pids changes those and nothing else; pause/resume freeze it.
# Args: LCONT_RUN BUSYBOX (as the cli tests). Hybrid, plain v1 or v2 host.
. "$(dirname "$0")/../cli/lib.sh"

MIB=1048576
ID="${P}res"
B="$T/bundle"
make_bundle "$B" sh -c 'echo ready > /out/ready; while :; do sleep 1000 & wait; done'

# a whole disk to throttle (io throttling refuses partitions)
DISK=""
for d in /sys/block/vd* /sys/block/sd* /sys/block/nvme*; do
    [ -r "$d/dev" ] && { DISK=$(cat "$d/dev"); break; }
done
MAJ=${DISK%%:*} MIN=${DISK##*:}

if awk '$3 == "cgroup2" { found = 1 } END { exit !found }' /proc/self/mounts; then
    HUGE=1 # hugetlb is on the cgroup2 side of this host, or v2
else
    HUGE=0
fi
[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || HUGE=0

set_config "$B" "
  .linux.resources.memory = {\"limit\": $((64 * MIB))}
  | .linux.resources.pids = {\"limit\": 20}
  | .linux.resources.cpu = {\"shares\": 512, \"quota\": 20000, \"period\": 100000, \"burst\": 10000}
  | if \"$DISK\" != \"\" then .linux.resources.blockIO = {\"throttleReadBpsDevice\":
        [{\"major\": ${MAJ:-0}, \"minor\": ${MIN:-0}, \"rate\": $MIB}]} else . end
  | if $HUGE == 1 then .linux.resources.hugepageLimits =
        [{\"pageSize\": \"2MB\", \"limit\": $((8 * MIB))}] else . end"

track "$ID"
lcr run -d --bundle "$B" "$ID" </dev/null >"$T/out" 2>&1 || fail "run: $(cat "$T/out")"
wait_for test -s "$B/out/ready"

CG=/lcont/$ID
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    V2=/sys/fs/cgroup$CG
    MEM=$V2/memory.max PIDS=$V2/pids.max
    [ "$(cat "$V2/cpu.max")" = "20000 100000" ] || fail "cpu.max $(cat "$V2/cpu.max")"
    [ "$(cat "$V2/cpu.max.burst")" = 10000 ] || fail "cpu.max.burst"
    [ "$(cat "$V2/cpu.weight")" = 20 ] || fail "cpu.weight $(cat "$V2/cpu.weight") (512 -> 20)"
    [ -z "$DISK" ] || grep -q "^$DISK rbps=$MIB " "$V2/io.max" || fail "io.max: $(cat "$V2/io.max")"
    HUGEFILE=$V2/hugetlb.2MB.max
else
    MEM=/sys/fs/cgroup/memory$CG/memory.limit_in_bytes PIDS=/sys/fs/cgroup/pids$CG/pids.max
    [ "$(cat /sys/fs/cgroup/cpu$CG/cpu.cfs_quota_us)" = 20000 ] || fail "cfs_quota_us"
    [ "$(cat /sys/fs/cgroup/cpu$CG/cpu.cfs_burst_us)" = 10000 ] || fail "cfs_burst_us"
    [ "$(cat /sys/fs/cgroup/cpu$CG/cpu.shares)" = 512 ] || fail "cpu.shares"
    [ -z "$DISK" ] || [ "$(cat /sys/fs/cgroup/blkio$CG/blkio.throttle.read_bps_device)" = "$DISK $MIB" ] ||
        fail "read_bps_device: $(cat /sys/fs/cgroup/blkio$CG/blkio.throttle.read_bps_device)"
    HUGEFILE=/sys/fs/cgroup/unified$CG/hugetlb.2MB.max
fi
[ "$(cat "$MEM")" = $((64 * MIB)) ] || fail "memory limit $(cat "$MEM")"
[ "$(cat "$PIDS")" = 20 ] || fail "pids.max $(cat "$PIDS")"
[ $HUGE = 0 ] || [ "$(cat "$HUGEFILE")" = $((8 * MIB)) ] || fail "hugetlb $(cat "$HUGEFILE")"

# update: only the members given change
echo '{"pids": {"limit": 30}}' >"$T/update.json"
lcr update --resources "$T/update.json" "$ID" >"$T/out" 2>&1 || fail "update: $(cat "$T/out")"
[ "$(cat "$PIDS")" = 30 ] || fail "pids.max after update $(cat "$PIDS")"
[ "$(cat "$MEM")" = $((64 * MIB)) ] || fail "memory limit changed by a pids update"

# pause / resume reach the freezer
lcr pause "$ID" >"$T/out" 2>&1 || fail "pause: $(cat "$T/out")"
[ "$(status "$ID")" = paused ] || fail "status $(status "$ID") after pause"
if [ -f /sys/fs/cgroup/freezer$CG/freezer.state ]; then
    [ "$(cat /sys/fs/cgroup/freezer$CG/freezer.state)" = FROZEN ] || fail "freezer.state"
else
    grep -qx "frozen 1" "/sys/fs/cgroup$CG/cgroup.events" || fail "cgroup.events not frozen"
fi
lcr resume "$ID" >"$T/out" 2>&1 || fail "resume: $(cat "$T/out")"
[ "$(status "$ID")" = running ] || fail "status $(status "$ID") after resume"

lcr delete --force "$ID" >"$T/out" 2>&1 || fail "delete: $(cat "$T/out")"
[ ! -e "$(dirname "$MEM")" ] || fail "cgroup $(dirname "$MEM") left behind"
echo "ok"
