#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# podman drives lcont-run: every scenario is one PASS/FAIL/SKIP line.
# usage: podman.sh LCONT_RUN BUSYBOX [SCENARIO-REGEX]
# Runs inside its own mount+net+pid namespaces with a private /run, storage,
# containers.conf and CNI config, so the host's podman state is never touched.
set -u
LCONT_RUN=$(realpath "$1")
BUSYBOX=$(realpath "$2")
ENG_ONLY=${3:-${ENG_ONLY:-}}
HERE=$(dirname "$(realpath "$0")")

if [ "$(id -u)" -ne 0 ]; then echo "needs root"; exit 77; fi
for tool in podman conmon unshare; do
    command -v $tool >/dev/null || { echo "$tool not installed"; exit 77; }
done

if [ -z "${ENG_INSIDE:-}" ]; then
    export ENG_DIR=${ENG_KEEP_DIR:-$(mktemp -d /var/tmp/lcont-engines-podman.XXXXXX)}
    export ENG_INSIDE=1 ENG_ONLY
    . "$HERE/lib.sh"
    unshare --mount --net --pid --fork --mount-proc --propagation private "$0" "$@" &
    ns_pid=$!
    # killed (meson timeout, ^C): end the namespace (its init is unshare's child) and
    # still clean up below
    trap 'thaw_all $(ls "$ENG_DIR/storage/overlay-containers" 2>/dev/null); pkill -KILL -P $ns_pid' TERM INT
    while :; do
        wait $ns_pid
        rc=$?
        kill -0 $ns_pid 2>/dev/null || break
    done
    # every process died with the pid namespace; remove what podman left in the cgroup trees
    cleanup_cgroups $(cat "$ENG_DIR/ids" "$ENG_DIR/pod-ids" 2>/dev/null) \
        $(ls "$ENG_DIR/storage/overlay-containers" 2>/dev/null)
    cleanup_shared_cgroups
    [ -n "${ENG_KEEP_DIR:-}" ] || rm -rf "$ENG_DIR"
    exit $rc
fi

. "$HERE/lib.sh"
# On the way out: thaw anything left paused (a frozen process cannot die, so the pid
# namespace could never end), let podman remove its containers and pods, and note
# their ids so the outer script removes exactly their cgroups.
at_exit() {
    local ids
    ids=$(podman ps -aq --no-trunc 2>/dev/null; podman pod ls -q --no-trunc 2>/dev/null)
    printf '%s\n' $ids >"$ENG_DIR/ids"
    thaw_all $ids
    podman pod rm -af -t 0 >/dev/null 2>&1
    podman rm -af -t 0 >/dev/null 2>&1
}
trap at_exit EXIT
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /var/lib/cni && mount -t tmpfs tmpfs /var/lib/cni
ip link set lo up

setup() {
    make_wrapper && make_rootfs_tar && podman_world
}

P() { podman "$@"; }

. "$HERE/podman-scenarios.sh"

if ! setup >"$ENG_DIR/setup.log" 2>&1; then
    echo "FAIL: podman setup"
    cat "$ENG_DIR/setup.log"
    exit 1
fi
# debugging aid: ENG_SHELL_CMD='podman run ...' runs one command in the prepared world
if [ -n "${ENG_SHELL_CMD:-}" ]; then
    bash -c "$ENG_SHELL_CMD"
    exit $?
fi
run_podman_scenarios
summary
