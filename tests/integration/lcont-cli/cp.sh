#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont cp: host <-> container, running (its mount namespace: volumes) and stopped (its
# rootfs); files, directories, contents (SRC/.), symlinks, -L, modes, times, owners (-a);
# paths in the container stay inside its root (absolute symlinks, "..") and a symlink in
# the way of a new file is replaced, never written through.
. "$(dirname "$0")/lib.sh" "$@"

make_images
IMG=lcont-test/bb
lc image load "docker-archive:$T/img/image.tar" >/dev/null 2>&1 || fail "load"

mkdir -p "$T/vol" "$T/src/dir/sub"
echo hello >"$T/src/file"
chmod 640 "$T/src/file"
touch -d '2001-02-03 04:05:06' "$T/src/file"
echo a >"$T/src/dir/a"
echo b >"$T/src/dir/sub/b"
ln -s a "$T/src/dir/link"
chown 1234:5678 "$T/src/dir/a"
echo canary >"$T/canary"
C="${P}c"
in_ctr() { lc exec -u 0 "$C" "$@"; } # the image runs as "app"; copies are root's
# what the container sees at PATH, read from the host (the image has few tools)
at() { echo "/proc/$(lc inspect "$C" | jq -r '.[0].State.Pid')/root$1"; }

lc run -d --name "$C" -v "$T/vol:/data" $IMG sh -c "ln -s / /tmp/evil; ln -s ../../../../.. /tmp/up
    ln -s $T/canary /tmp/hostlink; ln -s $T/canary /tmp/hostlink2; mkdir -p /tmp/d /tmp/clash/file
    echo ready >/tmp/ready; while :; do sleep 0.05; done" >/dev/null
retry in_ctr test -e /tmp/ready

# ---- host -> container ----
expect_status 0 "$T/out" lc cp "$T/src/file" "$C:/tmp/f"
[ "$(cat "$(at /tmp/f)")" = hello ] || fail "file copied in"
[ "$(stat -c '%a %u %g %Y' "$(at /tmp/f)")" = "640 0 0 $(stat -c %Y "$T/src/file")" ] ||
    fail "mode, owner, time: $(stat -c '%a %u %g %Y' "$(at /tmp/f)")"
lc cp "$T/src/file" "$C:/tmp/d" || fail "into a directory"
[ "$(cat "$(at /tmp/d/file)")" = hello ] || fail "a directory receives the file under its name"
lc cp "$T/src/dir" "$C:/tmp/newdir" || fail "a directory copied in"
[ "$(cat "$(at /tmp/newdir/sub/b)")" = b ] || fail "nested file"
[ "$(readlink "$(at /tmp/newdir/link)")" = a ] || fail "a symlink stays a symlink"
[ "$(stat -c '%u:%g' "$(at /tmp/newdir/a)")" = 0:0 ] || fail "owner without -a"
lc cp -a "$T/src/dir" "$C:/tmp/arch" || fail "cp -a"
[ "$(stat -c '%u:%g' "$(at /tmp/arch/a)")" = 1234:5678 ] || fail "owner with -a"
lc cp "$T/src/dir/." "$C:/tmp/d" || fail "contents"
[ "$(cat "$(at /tmp/d/a)")" = a ] && [ "$(cat "$(at /tmp/d/file)")" = hello ] ||
    fail "SRC/. merges the contents"
# the container's mount namespace: a volume gets the file on the host
lc cp "$T/src/file" "$C:/data/f" || fail "into a volume"
[ "$(cat "$T/vol/f")" = hello ] || fail "the volume did not get the file"

# ---- container -> host ----
lc cp "$C:/etc/passwd" "$T/passwd" || fail "file copied out"
cmp -s "$(at /etc/passwd)" "$T/passwd" || fail "passwd differs"
lc cp "$C:/tmp/newdir" "$T/back" || fail "directory copied out"
diff -r --no-dereference "$T/src/dir" "$T/back" >/dev/null || fail "tree differs: $(diff -r "$T/src/dir" "$T/back")"
[ "$(readlink "$T/back/link")" = a ] || fail "symlink copied out"
lc cp -L "$C:/tmp/newdir/link" "$T/followed" || fail "cp -L"
[ -f "$T/followed" ] && [ ! -L "$T/followed" ] && [ "$(cat "$T/followed")" = a ] || fail "-L follows"
mkdir "$T/into"
lc cp "$C:/tmp/newdir/sub/" "$T/into" || fail "a directory into a host directory"
[ "$(cat "$T/into/sub/b")" = b ] || fail "received under its name"

# out of the container, its setuid bits go (kept with -a) and its devices are not made
mkdir "$(at /tmp/special)"
echo x >"$(at /tmp/special/suid)"
chmod 4755 "$(at /tmp/special/suid)"
mknod "$(at /tmp/special/null)" c 1 3
lc cp "$C:/tmp/special" "$T/special" 2>"$T/special.err" || fail "special tree: $(cat "$T/special.err")"
[ "$(stat -c %a "$T/special/suid")" = 755 ] || fail "setuid kept on the host: $(stat -c %a "$T/special/suid")"
[ ! -e "$T/special/null" ] || fail "a device was made on the host"
grep -q "skipping the device" "$T/special.err" || fail "no word of the skipped device"
lc cp -a "$C:/tmp/special/suid" "$T/suid-a" || fail "cp -a of a setuid file"
[ "$(stat -c %a "$T/suid-a")" = 4755 ] || fail "-a keeps setuid: $(stat -c %a "$T/suid-a")"
# into the container a device is made (its device rules still decide who may open it)
mknod "$T/null" c 1 3
lc cp "$T/null" "$C:/tmp/null" || fail "a device into the container"
[ -c "$(at /tmp/null)" ] || fail "the device in the container"

# ---- the container's root is the root ----
lc cp "$C:/tmp/evil/etc/passwd" "$T/evil" || fail "through an absolute symlink"
cmp -s "$T/passwd" "$T/evil" || fail "an absolute symlink left the container's root"
lc cp "$T/src/file" "$C:/tmp/up/tmp/${P}escaped" || fail "through a .. symlink"
[ ! -e "/tmp/${P}escaped" ] || fail "a .. symlink wrote on the host"
[ "$(cat "$(at "/tmp/${P}escaped")")" = hello ] || fail "the .. symlink resolves in the root"
# a symlink to a host path where the file goes: replaced, the host file untouched
lc cp "$T/src/file" "$C:/tmp/hostlink" || fail "onto a symlink"
[ "$(cat "$T/canary")" = canary ] || fail "wrote through a symlink to the host"
[ -f "$(at /tmp/hostlink)" ] && [ ! -L "$(at /tmp/hostlink)" ] || fail "the symlink was not replaced"
# -L on a symlink to a host path follows it inside the container, where it leads nowhere
expect_status 1 "$T/out" lc cp -L "$C:/tmp/hostlink2" "$T/stolen"
[ ! -e "$T/stolen" ] || fail "-L read a host file"

# ---- errors ----
expect_status 2 "$T/out" lc cp "$T/src/file" "$T/x"
grep -q "exactly one of the paths" "$T/out.err" || fail "two host paths: $(cat "$T/out.err")"
expect_status 2 "$T/out" lc cp "$C:/a" "$C:/b"
expect_status 1 "$T/out" lc cp "$C:/nonexistent" "$T/x"
grep -q "No such file" "$T/out.err" || fail "missing source: $(cat "$T/out.err")"
expect_status 1 "$T/out" lc cp "$T/src/file" "${P}nosuch:/tmp"
grep -q "no such container" "$T/out.err" || fail "missing container: $(cat "$T/out.err")"
expect_status 1 "$T/out" lc cp "$T/src/file" "$C:/nodir/x"
grep -q "no such directory" "$T/out.err" || fail "missing parent: $(cat "$T/out.err")"
expect_status 1 "$T/out" lc cp "$T/src/file" "$C:/tmp/clash"
grep -q "cannot overwrite a directory" "$T/out.err" || fail "file onto a directory: $(cat "$T/out.err")"
expect_status 1 "$T/out" lc cp "$T/src/dir" "$C:/tmp/f"
grep -q "cannot overwrite a non-directory" "$T/out.err" || fail "directory onto a file: $(cat "$T/out.err")"

# ---- a stopped container: its rootfs ----
lc kill "$C" >/dev/null
lc wait "$C" >/dev/null
lc cp "$C:/tmp/f" "$T/after" || fail "cp from a stopped container"
[ "$(cat "$T/after")" = hello ] || fail "stopped: content"
lc cp "$T/src/file" "$C:/tmp/later" || fail "cp into a stopped container"
lc start "$C" >/dev/null
retry in_ctr test -e /tmp/later
lc rm -f "$C" >/dev/null
echo PASS
