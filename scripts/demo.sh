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
  for id in demo web1 web2; do "$RUN" --root "$WORK/state" delete --force "$id" >/dev/null 2>&1 || true; done
  [ -n "${GW:-}" ] && kill "$GW" 2>/dev/null || true
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
echo "-- a host directory (-v) and limits (--memory, --pids-limit) land in the container"
mkdir -p "$WORK/shared" && echo "written on the host" >"$WORK/shared/note.txt"
$LC run --rm -u 0 -v "$WORK/shared:/shared:ro" --memory 64m --pids-limit 50 lcont-test/bb:latest \
    sh -c 'cat /shared/note.txt; for f in memory.max memory/memory.limit_in_bytes; do
           [ -e /sys/fs/cgroup/$f ] && echo "memory limit: $(cat /sys/fs/cgroup/$f) bytes"; done; true'
echo "-- the image's layers are cached once; a mount assembles them with overlayfs"
mkdir -p "$WORK/mnt"
$LC image mount lcont-test/bb:latest "$WORK/mnt"
grep " $WORK/mnt " /proc/self/mountinfo | sed 's/ - overlay.*lowerdir=/ overlay lowerdir=/' | cut -c1-160
$LC image umount "$WORK/mnt"
echo "-- detached: lcont run -d, then ps, logs, exec, stop (a monitor process keeps the log)"
$LC run -d --name ticker lcont-test/bb:latest \
    sh -c 'trap "echo stopping; exit 3" INT TERM; i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done'
sleep 1
$LC ps
$LC logs --tail 2 ticker
$LC exec ticker sh -c 'echo "exec sees pid 1 as: $(cat /proc/1/cmdline | tr "\0" " ")"'
$LC stop -t 5 ticker
$LC logs --tail 1 ticker
$LC ps -a
$LC rm ticker
$LC image rm lcont-test/bb:latest >/dev/null

echo
echo "== the same bundle from Python (bindings/python, examples/python/run_bundle.py)"
PYTHONPATH="$B/bindings/python" /usr/bin/python3 examples/python/run_bundle.py "$WORK/bundle" demo-py

echo
echo "== services: two web containers, a Kubernetes Service + EndpointSlice, lcont-gateway in front"
for i in 1 2; do
  cp -a "$WORK/bundle" "$WORK/web$i"
  mkdir -p "$WORK/web$i/rootfs/www"
  echo "hello from web$i" > "$WORK/web$i/rootfs/www/index.html"
  ln -sf busybox "$WORK/web$i/rootfs/bin/httpd"
  python3 - "$WORK/web$i/config.json" "$i" <<'PY'
import json, sys
path, i = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["process"]["args"] = ["httpd", "-f", "-p", "127.0.0.%s:18081" % i, "-h", "/www"]
c["hostname"] = "web" + i
# the host's network namespace: the pod network arrives with pods (lib/pod)
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
json.dump(c, open(path, "w"))
PY
  "$RUN" --root "$WORK/state" run --detach --bundle "$WORK/web$i" "web$i" </dev/null >/dev/null 2>&1
done
cat > "$WORK/services.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 18081}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc, namespace: demo, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 18081}]
endpoints:
  - {addresses: ["127.0.0.1"], conditions: {ready: true}, targetRef: {kind: Pod, name: web1}}
  - {addresses: ["127.0.0.2"], conditions: {ready: true}, targetRef: {kind: Pod, name: web2}}
YAML
cat > "$WORK/gateway.yaml" <<YAML
workers: 1
admin: 127.0.0.1:18090
services:
  - name: web
    table: {file: $WORK/services.yaml, service: demo/web, port: http}
listeners:
  - listen: 127.0.0.1:18080
    protocol: http
    routes:
      - service: web
YAML
"$B/examples/lcont-gateway/lcont-gateway" -c "$WORK/gateway.yaml" &
GW=$!
for _ in $(seq 50); do
  python3 -c 'import socket; socket.create_connection(("127.0.0.1", 18080), 0.2)' 2>/dev/null && break
  sleep 0.1
done
for n in 1 2 3 4; do
  printf 'GET / #%s -> ' "$n"
  python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:18080/").read().decode().strip())'
done
echo "-- from the gateway's /metrics (picks per endpoint):"
python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:18090/metrics").read().decode())' |
  grep -E '^lcont_gateway_(endpoint_picks_total|responses_total.service="web".*2xx)' || true
kill -TERM "$GW"; wait "$GW" || true
for i in 1 2; do "$RUN" --root "$WORK/state" delete --force "web$i"; done
