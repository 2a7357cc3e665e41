#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont image load / ls / inspect / mount / umount / rm / prune on a generated image.
. "$(dirname "$0")/lib.sh" "$@"

make_images

# load an OCI layout under a chosen name: its manifest digest is kept
expect_status 0 "$T/load-oci" lc image load --name localhost/bb:oci "oci:$T/img/oci:1.0"
grep -qx "Loaded image: localhost/bb:oci" "$T/load-oci" || fail "load output: $(cat "$T/load-oci")"
grep -qx "Digest: $MANIFEST_DIGEST" "$T/load-oci" || fail "load digest: $(cat "$T/load-oci")"
# stderr is not a terminal: one plain progress line per blob, no escape sequences
grep -q "^Copying blob sha256:" "$T/load-oci.err" || fail "no progress lines: $(cat "$T/load-oci.err")"
! grep -q "$(printf '\033')" "$T/load-oci.err" || fail "escape sequences in non-tty progress"

# a missing source is a clear error, and stores nothing
expect_status 1 "$T/load-missing" lc image load "oci:$T/no-such-dir"
grep -q "no-such-dir" "$T/load-missing.err" || fail "missing source: $(cat "$T/load-missing.err")"
expect_status 1 "$T/load-missing" lc image load "$T/img/image.tar"
grep -q "image $T/img/image.tar" "$T/load-missing.err" || fail "bare name: $(cat "$T/load-missing.err")"

# a docker-save archive is named by its RepoTags
expect_status 0 "$T/load-docker" lc image load "docker-archive:$T/img/image.tar"
grep -qx "Loaded image: lcont-test/bb:latest" "$T/load-docker" ||
    fail "load output: $(cat "$T/load-docker")"
DOCKER_DIGEST=$(sed -n 's/^Digest: //p' "$T/load-docker")
[ -n "$DOCKER_DIGEST" ] || fail "no digest printed"

# on a terminal the progress is a bar redrawn in place (no per-blob lines)
if command -v script >/dev/null; then
    script -qec "$LCONT --root $T/store-tty --runroot $RUNROOT image load oci:$T/img/oci:1.0 2>&1" \
        /dev/null >"$T/tty-out" </dev/null || fail "load on a tty: $(cat "$T/tty-out")"
    grep -q "$(printf '\033')\[K" "$T/tty-out" || fail "no line redraws on a tty: $(cat -v "$T/tty-out")"
    grep -q "\[=*>* *\]" "$T/tty-out" || fail "no progress bar on a tty: $(cat -v "$T/tty-out")"
    ! grep -q "^Copying blob sha256:[0-9a-f]* ([0-9]/[0-9])" "$T/tty-out" ||
        fail "plain progress lines on a tty"
fi

# a name already in the store is there: load just reports it
expect_status 0 "$T/load-again" lc image load lcont-test/bb
grep -qx "Digest: $DOCKER_DIGEST" "$T/load-again" || fail "load by name: $(cat "$T/load-again")"
expect_status 2 "$T/load-again" lc image load --name x/y:z lcont-test/bb

# ls: a table with a header and one row per name
expect_status 0 "$T/ls" lc image ls
head -n1 "$T/ls" | grep -q "^NAME  *TAG  *DIGEST  *CREATED  *SIZE$" || fail "ls header: $(head -n1 "$T/ls")"
grep -q "^localhost/bb  *oci  *$(echo "$MANIFEST_DIGEST" | cut -c8-19) " "$T/ls" ||
    fail "ls row: $(cat "$T/ls")"
grep -q "^lcont-test/bb  *latest " "$T/ls" || fail "ls row: $(cat "$T/ls")"
[ "$(wc -l <"$T/ls")" -eq 3 ] || fail "ls rows: $(cat "$T/ls")"
# ls --format json: full digests, the config digest as id
expect_status 0 "$T/ls.json" lc image ls --format json
[ "$(jq length "$T/ls.json")" -eq 2 ] || fail "ls json: $(cat "$T/ls.json")"
[ "$(jq -r --arg d "$MANIFEST_DIGEST" '.[] | select(.digest == $d) | .id' "$T/ls.json")" = "$CONFIG_DIGEST" ] ||
    fail "ls json id: $(cat "$T/ls.json")"
[ "$(jq -r --arg d "$MANIFEST_DIGEST" '.[] | select(.digest == $d) | .names[0]' "$T/ls.json")" = localhost/bb:oci ] ||
    fail "ls json names: $(cat "$T/ls.json")"
[ "$(jq -r '.[0].layers' "$T/ls.json")" -eq 2 ] || fail "ls json layers"
expect_status 2 "$T/ls-bad" lc image ls --format yaml

# inspect: the stored config and manifest, by name and by digest
expect_status 0 "$T/inspect" lc image inspect localhost/bb:oci "$DOCKER_DIGEST"
[ "$(jq length "$T/inspect")" -eq 2 ] || fail "inspect: $(cat "$T/inspect")"
[ "$(jq -r '.[0].Id' "$T/inspect")" = "$CONFIG_DIGEST" ] || fail "inspect Id"
[ "$(jq -r '.[0].Digest' "$T/inspect")" = "$MANIFEST_DIGEST" ] || fail "inspect Digest"
[ "$(jq -r '.[0].Config.config.User' "$T/inspect")" = app ] || fail "inspect Config"
[ "$(jq -r '.[0].Config.rootfs.diff_ids | length' "$T/inspect")" -eq 2 ] || fail "inspect diff_ids"
[ "$(jq -r '.[0].Manifest.layers | length' "$T/inspect")" -eq 2 ] || fail "inspect Manifest"
[ "$(jq -r '.[0].LayerCount' "$T/inspect")" -eq 2 ] || fail "inspect LayerCount"
[ "$(jq -r '.[1].Names[0]' "$T/inspect")" = lcont-test/bb:latest ] || fail "inspect by digest"
expect_status 1 "$T/inspect-missing" lc image inspect no/such:image
grep -q "no/such:image" "$T/inspect-missing.err" || fail "inspect error: $(cat "$T/inspect-missing.err")"

# mount: the layers applied in order (layer 2's whiteout hides /etc/motd)
mkdir "$T/mnt"
expect_status 0 "$T/mount" lc image mount lcont-test/bb "$T/mnt"
[ "$(cat "$T/mnt/hello.txt")" = "hello from layer 2" ] || fail "mounted rootfs lacks layer 2"
[ -x "$T/mnt/bin/busybox" ] || fail "mounted rootfs lacks layer 1"
[ ! -e "$T/mnt/etc/motd" ] || fail "whiteout not applied"
# an image in use is not removed without --force
expect_status 1 "$T/rm-busy" lc image rm "$DOCKER_DIGEST"
expect_status 0 "$T/umount" lc image umount "$T/mnt"
no_mounts_below "$T/mnt"
expect_status 1 "$T/umount-again" lc image umount "$T/mnt"

# rm: by name, then the other image by digest; unknown names fail
expect_status 0 "$T/rm" lc image rm localhost/bb:oci
expect_status 0 "$T/ls.json" lc image ls --format json
[ "$(jq length "$T/ls.json")" -eq 1 ] || fail "rm left: $(cat "$T/ls.json")"
expect_status 1 "$T/rm-missing" lc image rm localhost/bb:oci
expect_status 0 "$T/rm2" lc image rm "$DOCKER_DIGEST"

# prune: nothing references any blob or layer any more
expect_status 0 "$T/prune" lc image prune
grep -q "^Total reclaimed space: " "$T/prune" || fail "prune output: $(cat "$T/prune")"
[ -z "$(find "$STORE/blobs" -type f)" ] || fail "blobs left after prune: $(find "$STORE/blobs" -type f)"
expect_status 0 "$T/ls" lc image ls --quiet
[ ! -s "$T/ls" ] || fail "images left: $(cat "$T/ls")"
echo PASS
