#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# spec: writes a valid config.json, refuses to overwrite one, --rootless content.
. "$(dirname "$0")/lib.sh"

mkdir "$T/a"
(cd "$T/a" && "$LCONT_RUN" spec) || fail "spec in the current directory"
jq -e '.ociVersion and (.process.args | length > 0) and .root.path == "rootfs"
       and (.linux.namespaces | map(.type) | index("pid") and index("mount"))' \
    "$T/a/config.json" >/dev/null || fail "default spec: $(cat "$T/a/config.json")"
# a fresh spec asks for a terminal and is not rootless, like runc's
jq -e '.process.terminal == true and (.linux.uidMappings // [] | length == 0)' \
    "$T/a/config.json" >/dev/null || fail "default spec terminal/uidMappings"

# refuses to overwrite, leaves the file alone
echo '{"mine": true}' >"$T/a/config.json"
(cd "$T/a" && "$LCONT_RUN" spec) >"$T/out" 2>"$T/err" && fail "spec overwrote config.json"
grep -q "File config.json exists. Remove it first" "$T/err" || fail "message: $(cat "$T/err")"
[ "$(cat "$T/a/config.json")" = '{"mine": true}' ] || fail "config.json was modified"
expect_fail "$T/err" "$LCONT_RUN" spec --bundle "$T/a"

# --bundle in its spellings
for spelling in "--bundle $T/b1" "--bundle=$T/b2" "-b $T/b3" "-bundle $T/b4"; do
    dir=${spelling##*[ =]}
    mkdir "$dir"
    # shellcheck disable=SC2086
    "$LCONT_RUN" spec $spelling || fail "spec $spelling"
    jq -e .ociVersion "$dir/config.json" >/dev/null || fail "spec $spelling wrote no config"
done
expect_fail "$T/err" "$LCONT_RUN" spec --bundle "$T/does-not-exist"
[ ! -e "$T/does-not-exist" ] || fail "spec created the bundle dir"

# --rootless: own user namespace with mappings for the caller, no network namespace
mkdir "$T/rl"
"$LCONT_RUN" spec --rootless --bundle "$T/rl"
jq -e '(.linux.namespaces | map(.type) | index("user")) and
       (.linux.namespaces | map(.type) | index("network") | not) and
       (.linux.uidMappings | length > 0) and (.linux.gidMappings | length > 0)' \
    "$T/rl/config.json" >/dev/null || fail "rootless spec: $(cat "$T/rl/config.json")"
[ "$(jq -r '.linux.uidMappings[0].hostID' "$T/rl/config.json")" = "$(id -u)" ] ||
    fail "rootless uid mapping is not the caller's uid"
# rootless containers cannot set cgroup limits
jq -e '.linux.resources == null or (.linux.resources | length == 0)' "$T/rl/config.json" \
    >/dev/null || fail "rootless spec keeps resources"
