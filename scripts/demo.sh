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
trap '"$RUN" --root "$WORK/state" delete --force demo >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

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
