# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared pieces of the engine scenarios (sourced): an isolated world for
# podman/containerd (private /run, netns, storage, configs), a logging
# runtime wrapper around lcont-run, a busybox test image, and PASS/FAIL lines.

ENG_FAILS=0
ENG_PASSES=0
ENG_SKIPS=0

log() { printf '%s\n' "$*" >&2; }

# step NAME FUNCTION: run one scenario in a subshell with errexit, print its verdict.
# A scenario skips by exiting 77 (after printing why).
step() {
    local name=$1 fn=$2 rc
    if [ -n "${ENG_ONLY:-}" ] && ! printf '%s\n' "$name" | grep -Eq "$ENG_ONLY"; then
        return 0
    fi
    log "--- $name"
    (set -e; "$fn") >"$ENG_DIR/step.out" 2>&1 &
    local pid=$!
    # a hung engine must not hang the suite: kill the step after ENG_STEP_TIMEOUT seconds
    (sleep "${ENG_STEP_TIMEOUT:-120}"; echo "ASSERT: step timed out" >>"$ENG_DIR/step.out";
        pkill -KILL -P $pid; kill -KILL $pid) >/dev/null 2>&1 &
    local watchdog=$!
    wait $pid
    rc=$?
    kill $watchdog 2>/dev/null
    wait $watchdog 2>/dev/null
    case $rc in
    0) echo "PASS: $name"; ENG_PASSES=$((ENG_PASSES + 1)) ;;
    77) echo "SKIP: $name ($(tail -n1 "$ENG_DIR/step.out"))"; ENG_SKIPS=$((ENG_SKIPS + 1)) ;;
    *)
        echo "FAIL: $name (status $rc)"
        sed 's/^/    | /' "$ENG_DIR/step.out" | tail -n 40
        ENG_FAILS=$((ENG_FAILS + 1))
        ;;
    esac
    return 0
}

fail() { echo "ASSERT: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
    [ "$2" = "$3" ] || fail "$1: expected [$2], got [$3]"
}
# expect_match WHAT REGEX TEXT
expect_match() {
    printf '%s' "$3" | grep -Eq -- "$2" || fail "$1: [$3] does not match /$2/"
}

# Retry CMD until it succeeds (polling, not a timing threshold: the bound only
# keeps a broken run from hanging the suite).
wait_for() {
    local i
    for i in $(seq 1 600); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.05
    done
    fail "timed out waiting for: $*"
}

# The runtime wrapper: logs argv (and the bundle's config.json on create/run)
# to $ENG_DIR/runtime.log, then execs lcont-run. Engines call it as their runtime.
make_wrapper() {
    mkdir -p "$ENG_DIR/bin"
    cat >"$ENG_DIR/bin/lcont-run" <<WRAP
#!/bin/sh
log=$ENG_DIR/runtime.log
{
    printf 'ARGV:'; for a in "\$@"; do printf ' [%s]' "\$a"; done; printf '\n'
    bundle=
    prev=
    for a in "\$@"; do
        case \$prev in --bundle|-b|-bundle) bundle=\$a ;; esac
        case \$a in --bundle=*) bundle=\${a#--bundle=} ;; esac
        prev=\$a
    done
    if [ -n "\$bundle" ] && [ -f "\$bundle/config.json" ]; then
        printf 'CONFIG: '; tr -d '\n' <"\$bundle/config.json"; printf '\n'
    fi
} >>"\$log" 2>/dev/null
exec $LCONT_RUN "\$@"
WRAP
    chmod 755 "$ENG_DIR/bin/lcont-run"
    # containerd's shim runs "runc" from PATH for "ctr container create"
    ln -sf lcont-run "$ENG_DIR/bin/runc"
}

# A minimal busybox rootfs tarball: /bin/<applet> links, passwd, group, a nobody user.
make_rootfs_tar() {
    local r=$ENG_DIR/rootfs
    mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/home/user" "$r/proc" "$r/sys" "$r/dev" \
        "$r/var/www"
    cp "$BUSYBOX" "$r/bin/busybox"
    for applet in $("$BUSYBOX" --list); do
        [ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
    done
    cat >"$r/etc/passwd" <<P
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
P
    cat >"$r/etc/group" <<G
root:x:0:
user:x:1000:
nogroup:x:65534:
G
    chown 1000:1000 "$r/home/user"
    chmod 1777 "$r/tmp"
    echo 'hello from image' >"$r/var/www/index.html"
    # the pod infra process: waits until told to stop
    printf '#!/bin/sh\ntrap "exit 0" TERM INT\nsleep 100000 &\nwait\n' >"$r/pause"
    chmod 755 "$r/pause"
    tar -C "$r" -cf "$ENG_DIR/rootfs.tar" .
}

# Remove the cgroup directories (in every hierarchy) whose name contains one of the
# given ids, deepest first. Only this run's ids: other helpers may run the suite
# at the same time, and their empty, just-created cgroups must not vanish.
cleanup_cgroups() {
    local id
    for id in "$@"; do
        [ -n "$id" ] || continue
        find /sys/fs/cgroup/ -mindepth 2 -depth -type d -path "*$id*" -exec rmdir {} \; \
            2>/dev/null || true
    done
}

# Shared parents (podman's libpod_parent and its conmon child) go only when no other
# engines run is active and they are empty.
cleanup_shared_cgroups() {
    # (no command substitution around pgrep: that subshell would match the pattern too)
    pgrep -f '^/bin/bash .*tests/engines/(podman|containerd)\.sh' >"$ENG_DIR/engine-pids"
    grep -qvx "$$" "$ENG_DIR/engine-pids" && return 0
    find /sys/fs/cgroup/*/libpod_parent -depth -type d -name conmon -exec rmdir {} \; 2>/dev/null
    rmdir /sys/fs/cgroup/*/libpod_parent 2>/dev/null
    return 0
}

# podman with private storage/config/CNI, lcont-run (the wrapper) as its runtime,
# and the busybox image imported as localhost/bb:latest (its CMD is the pod infra
# command, so it is the infra image too).
podman_world() {
    mkdir -p "$ENG_DIR/cni" "$ENG_DIR/tmp" "$ENG_DIR/storage" "$ENG_DIR/runroot" || return 1
    cat >"$ENG_DIR/containers.conf" <<C
[containers]
default_ulimits = ["nofile=1024:$(ulimit -Hn)", "nproc=1024:$(ulimit -Hu)"]
log_driver = "k8s-file"
netns = "bridge"

[network]
network_backend = "cni"
cni_plugin_dirs = ["/usr/lib/cni"]
network_config_dir = "$ENG_DIR/cni"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$ENG_DIR/events.log"
runtime = "lcont-run"
runtime_supports_json = ["lcont-run"]
tmp_dir = "$ENG_DIR/tmp/libpod"
image_copy_tmp_dir = "$ENG_DIR/tmp"
conmon_path = ["/usr/bin/conmon"]
infra_image = "localhost/bb:latest"
infra_command = "/pause"

[engine.runtimes]
lcont-run = ["$ENG_DIR/bin/lcont-run"]
C
    cat >"$ENG_DIR/storage.conf" <<S
[storage]
driver = "overlay"
graphroot = "$ENG_DIR/storage"
runroot = "$ENG_DIR/runroot"
S
    : >"$ENG_DIR/registries.conf"
    export CONTAINERS_CONF=$ENG_DIR/containers.conf
    export CONTAINERS_STORAGE_CONF=$ENG_DIR/storage.conf
    export CONTAINERS_REGISTRIES_CONF=$ENG_DIR/registries.conf
    export TMPDIR=$ENG_DIR/tmp
    podman import -q --change 'CMD ["/pause"]' "$ENG_DIR/rootfs.tar" localhost/bb:latest >/dev/null
}

# A frozen (paused) process cannot die, and the pid namespace's init cannot exit
# before every process in it is gone: thaw whatever the engines left paused.
thaw_all() {
    local id f
    for id in "$@"; do
        [ -n "$id" ] || continue
        for f in $(find /sys/fs/cgroup/ -path "*$id*" \( -name freezer.state -o -name cgroup.freeze \) \
            2>/dev/null); do
            case $f in
            *freezer.state) echo THAWED >"$f" 2>/dev/null || true ;;
            *) echo 0 >"$f" 2>/dev/null || true ;;
            esac
        done
    done
}

# Freezer state of a cgroup (path below the hierarchy root): FROZEN/THAWED on v1,
# 1/0 from cgroup.freeze on v2.
freezer_state() {
    cat "/sys/fs/cgroup/freezer/$1/freezer.state" 2>/dev/null || cat "/sys/fs/cgroup/$1/cgroup.freeze"
}

summary() {
    echo "engines: $ENG_PASSES passed, $ENG_FAILS failed, $ENG_SKIPS skipped"
    [ "$ENG_FAILS" -eq 0 ]
}
