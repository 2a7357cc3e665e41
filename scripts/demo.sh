#!/bin/bash
# The main job, end to end on a fresh Debian 12 machine (as root): install the
# dependencies, build liblcont and lcont-run, prepare an OCI bundle from
# busybox-static and run real containers with it, through the CLI and through
# the C API.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
B=build
RUN="$B/examples/lcont-run/lcont-run"
WORK=$(mktemp -d /tmp/lcont-demo.XXXXXX)
cleanup() {
  "$RUN" --root "$WORK/state" delete --force demo >/dev/null 2>&1 || true
  umount -l "$WORK/mnt" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== preparing an OCI bundle in $WORK/bundle (busybox-static rootfs)"
mkdir -p "$WORK/bundle/rootfs/bin" "$WORK/bundle/rootfs/etc"
cp /bin/busybox "$WORK/bundle/rootfs/bin/"
for a in sh echo cat ls hostname id uname ps grep head; do ln -s busybox "$WORK/bundle/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$WORK/bundle/rootfs/etc/passwd"
"$RUN" spec --bundle "$WORK/bundle"
python3 - "$WORK/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c",
    "echo \"hello from pid $$ in $(hostname)\"; id; echo 'mounts:'; grep -E ' /(proc|sys|dev)? ' /proc/self/mounts; "
    "echo 'capabilities:'; grep Cap /proc/self/status; echo 'processes:'; ps"]
c["hostname"] = "lcont-demo"
c["linux"]["resources"] = {"memory": {"limit": 67108864}, "pids": {"limit": 32}}
json.dump(c, open(path, "w"), indent=2)
PY

echo "== lcont-run run demo   (memory limit 64 MiB, pids limit 32)"
"$RUN" --root "$WORK/state" run --bundle "$WORK/bundle" demo
echo "== exit status: $?"

echo "== the same lifecycle through the C API (examples/run-bundle.c)"
"$B/examples/run-bundle" "$WORK/bundle" "$WORK/state" demo-api

echo
echo "== images: a two-layer busybox image saved as a docker-archive, loaded and run"
LC="$B/examples/lcont/lcont --root $WORK/store --runroot $WORK/state"
python3 tests/integration/lcont-cli/mkimage.py /bin/busybox "$WORK/img" >/dev/null
$LC image load "docker-archive:$WORK/img/image.tar"
$LC image ls
echo "-- lcont run --rm lcont-test/bb:latest sh -c '...'"
$LC run --rm --hostname from-an-image lcont-test/bb:latest \
    sh -c 'echo "hello from $(hostname) as $(id -un)"; cat /hello.txt; ls /etc/motd 2>&1 || true'
echo "-- the image's layers are cached once; a mount assembles them with overlayfs"
mkdir -p "$WORK/mnt"
$LC image mount lcont-test/bb:latest "$WORK/mnt"
grep " $WORK/mnt " /proc/self/mountinfo | sed 's/ - overlay.*lowerdir=/ overlay lowerdir=/' | cut -c1-160
$LC image umount "$WORK/mnt"
$LC image rm lcont-test/bb:latest >/dev/null

echo
echo "== the same bundle from Python (bindings/python, examples/python/run_bundle.py)"
PYTHONPATH="$B/bindings/python" /usr/bin/python3 examples/python/run_bundle.py "$WORK/bundle" demo-py
