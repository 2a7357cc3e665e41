#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont image unpack SOURCE DIR: a standalone bundle that lcont-run runs.
. "$(dirname "$0")/lib.sh" "$@"

make_images
B="$T/bundle"

expect_status 0 "$T/out" lc image unpack "docker-archive:$T/img/image.tar" "$B"
[ -x "$B/rootfs/bin/busybox" ] || fail "layer 1 missing"
[ "$(cat "$B/rootfs/hello.txt")" = "hello from layer 2" ] || fail "layer 2 missing"
[ ! -e "$B/rootfs/etc/motd" ] || fail "whiteout not applied"
[ "$(stat -c %u "$B/rootfs/home/app")" = 1000 ] || fail "ownership not kept"
no_mounts_below "$B"

C="$B/config.json"
[ "$(jq -r .root.path "$C")" = rootfs ] || fail "root.path: $(jq .root "$C")"
[ "$(jq -c .process.args "$C")" = '["echo","default command"]' ] || fail "args: $(jq .process.args "$C")"
[ "$(jq -r .process.user.uid "$C")" = 1000 ] || fail "uid: $(jq .process.user "$C")"
[ "$(jq -r .process.user.gid "$C")" = 1000 ] || fail "gid: $(jq .process.user "$C")"
[ "$(jq -c .process.user.additionalGids "$C")" = "[50]" ] || fail "groups: $(jq .process.user "$C")"
[ "$(jq -r .process.cwd "$C")" = /work ] || fail "cwd: $(jq .process.cwd "$C")"
[ "$(jq -r .process.terminal "$C")" = false ] || fail "terminal"
[ "$(jq -r '.annotations["org.opencontainers.image.stopSignal"]' "$C")" = SIGINT ] ||
    fail "stopSignal annotation: $(jq .annotations "$C")"
[ "$(jq -r '.annotations["org.opencontainers.image.base.name"]' "$C")" = lcont-test/bb:latest ] ||
    fail "name annotation: $(jq .annotations "$C")"
jq -e '.process.env | index("GREETING=from-image")' "$C" >/dev/null || fail "env: $(jq .process.env "$C")"
# lcont's secure defaults are kept
jq -e '.linux.maskedPaths | index("/proc/kcore")' "$C" >/dev/null || fail "maskedPaths"
jq -e '.linux.namespaces | map(.type) | index("pid")' "$C" >/dev/null || fail "namespaces"

# lcont-run runs the bundle as it is
set +e
(cd "$B" && "$LCONT_RUN" --root "$RUNROOT" run "${P}u") >"$T/bundle-out" 2>"$T/bundle-out.err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "lcont-run run: exit $rc: $(cat "$T/bundle-out.err")"
[ "$(cat "$T/bundle-out")" = "default command" ] || fail "lcont-run output: $(cat "$T/bundle-out")"

# a non-empty directory is refused and left alone
expect_status 1 "$T/out" lc image unpack "docker-archive:$T/img/image.tar" "$B"
grep -q "not empty" "$T/out.err" || fail "non-empty dir message: $(cat "$T/out.err")"
[ -f "$C" ] || fail "existing bundle damaged"
# a missing image leaves no directory behind
expect_status 1 "$T/out" lc image unpack no/such:image "$T/b2"
[ ! -e "$T/b2" ] || fail "failed unpack left $T/b2"
# from an image already in the store, rootless
expect_status 0 "$T/out" lc image unpack --rootless lcont-test/bb "$T/b3"
jq -e '.linux.namespaces | map(.type) | index("user")' "$T/b3/config.json" >/dev/null ||
    fail "--rootless: no user namespace"
echo PASS
