#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# containerd (runc shim v2) drives lcont-run: every scenario is one PASS/FAIL/SKIP line.
# usage: containerd.sh LCONT_RUN BUSYBOX [SCENARIO-REGEX]
# Runs inside its own mount+net+pid namespaces with a private /run, containerd
# root/state/socket and config; the image comes from `podman save` of a busybox rootfs.
set -u
LCONT_RUN=$(realpath "$1")
BUSYBOX=$(realpath "$2")
ENG_ONLY=${3:-${ENG_ONLY:-}}
HERE=$(dirname "$(realpath "$0")")
# a containerd namespace of our own: cgroupsPath is /<namespace>/<id>, so the cgroups of
# this run (and only they) live under /sys/fs/cgroup/<controller>/$NS
NS=lcont-engines-${ENG_NS_SUFFIX:-$$}-run
export ENG_NS_SUFFIX=${ENG_NS_SUFFIX:-$$}

if [ "$(id -u)" -ne 0 ]; then echo "needs root"; exit 77; fi
for tool in containerd ctr containerd-shim-runc-v2 podman unshare; do
    command -v $tool >/dev/null || { echo "$tool not installed"; exit 77; }
done

if [ -z "${ENG_INSIDE:-}" ]; then
    export ENG_DIR=${ENG_KEEP_DIR:-$(mktemp -d /var/tmp/lcont-engines-ctrd.XXXXXX)}
    export ENG_INSIDE=1 ENG_ONLY
    . "$HERE/lib.sh"
    unshare --mount --net --pid --fork --mount-proc --propagation private "$0" "$@" &
    ns_pid=$!
    # killed (meson timeout, ^C): end the namespace (its init is unshare's child) and
    # still clean up below
    trap 'thaw_all "/$NS/"; pkill -KILL -P $ns_pid' TERM INT
    while :; do
        wait $ns_pid
        rc=$?
        kill -0 $ns_pid 2>/dev/null || break
    done
    cleanup_cgroups "/$NS" $(ls "$ENG_DIR/storage/overlay-containers" 2>/dev/null)
    cleanup_shared_cgroups
    [ -n "${ENG_KEEP_DIR:-}" ] || rm -rf "$ENG_DIR"
    exit $rc
fi

. "$HERE/lib.sh"
trap 'thaw_all "/$NS/"' EXIT
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /var/lib/cni && mount -t tmpfs tmpfs /var/lib/cni
ip link set lo up

SOCK=$ENG_DIR/ctrd.sock

start_containerd() {
    # the shim finds "runc" on containerd's PATH: our wrapper comes first
    PATH=$ENG_DIR/bin:$PATH containerd --config "$ENG_DIR/containerd.toml" \
        >>"$ENG_DIR/containerd.log" 2>&1 &
    echo $! >"$ENG_DIR/containerd.pid"
    wait_for ctr --address "$SOCK" version
}

stop_containerd() {
    local pid
    pid=$(cat "$ENG_DIR/containerd.pid")
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

setup() {
    make_wrapper && make_rootfs_tar && podman_world || return 1
    podman save -q --format docker-archive -o "$ENG_DIR/bb.tar" localhost/bb:latest || return 1
    mkdir -p "$ENG_DIR/containerd" || return 1
    cat >"$ENG_DIR/containerd.toml" <<T
version = 2
root = "$ENG_DIR/containerd/root"
state = "$ENG_DIR/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
    "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
    "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$SOCK"

[ttrpc]
  address = "$SOCK.ttrpc"

[metrics]
  address = ""
T
    start_containerd || return 1
    ctr --address "$SOCK" -n $NS image import "$ENG_DIR/bb.tar" || return 1
    ctr --address "$SOCK" -n $NS image ls
}

C() { ctr --address "$SOCK" -n $NS "$@"; }

. "$HERE/containerd-scenarios.sh"

if ! setup >"$ENG_DIR/setup.log" 2>&1; then
    echo "FAIL: containerd setup"
    cat "$ENG_DIR/setup.log"
    exit 1
fi
if [ -n "${ENG_SHELL_CMD:-}" ]; then
    bash -c "$ENG_SHELL_CMD"
    exit $?
fi
run_containerd_scenarios
summary
