# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers for the lcont-run integration tests (sourced, not run).
# Usage in a test: . "$(dirname "$0")/lib.sh" "$@"   with args: LCONT_RUN BUSYBOX

set -eu

LCONT_RUN=${1:?usage: $0 LCONT_RUN BUSYBOX}
BUSYBOX=${2:?usage: $0 LCONT_RUN BUSYBOX}
# meson passes build-relative paths; tests change directory
case $LCONT_RUN in /*) ;; *) LCONT_RUN=$PWD/$LCONT_RUN ;; esac
case $BUSYBOX in /*) ;; *) BUSYBOX=$PWD/$BUSYBOX ;; esac

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs root"
    exit 77
fi
for tool in jq python3; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

T=$(mktemp -d /tmp/lcont-cli-test.XXXXXX)
# Container ids are unique per run: cgroup paths are derived from the id alone,
# so other tests running at the same time must not share ours.
# shellcheck disable=SC2034 # used by the tests that source this file
P="cli$$-"
ROOT="$T/state"
CREATED_IDS=""
BG_PIDS=""

cleanup() {
    rc=$?
    set +e
    for pid in $BG_PIDS; do
        kill -9 "$pid" 2>/dev/null
    done
    for id in $CREATED_IDS; do
        # bounded: a broken library must not turn a failure into a hang
        timeout 30 "$LCONT_RUN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
    done
    # anything still mounted below the temp dir (there should be nothing)
    grep -o " ${T}[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$T"
    exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM INT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# lcr ARGS...: lcont-run with this test's state root.
lcr() {
    "$LCONT_RUN" --root "$ROOT" "$@"
}

# track ID: delete --force it at exit.
track() {
    CREATED_IDS="$CREATED_IDS $1"
}

# bg PID: a background helper of the test, killed at exit if still there.
bg() {
    BG_PIDS="$BG_PIDS $1"
}

# make_bundle DIR ARG...: a busybox rootfs and a config.json from "lcont-run spec"
# with process.args set and no terminal. A writable /out is bind-mounted from DIR/out.
make_bundle() {
    dir=$1
    shift
    mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/dev" "$dir/rootfs/sys" \
        "$dir/rootfs/tmp" "$dir/rootfs/out" "$dir/out"
    cp "$BUSYBOX" "$dir/rootfs/bin/busybox"
    for applet in sh sleep echo cat ls tty test kill true false env id stty; do
        ln -sf busybox "$dir/rootfs/bin/$applet"
    done
    "$LCONT_RUN" spec --bundle "$dir"
    args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
    jq --argjson args "$args" --arg out "$dir/out" '
        .process.args = $args
        | .process.terminal = false
        | .mounts += [{"destination": "/out", "type": "bind", "source": $out,
                       "options": ["rbind", "rw"]}]' \
        "$dir/config.json" >"$dir/config.json.new"
    mv "$dir/config.json.new" "$dir/config.json"
}

# set_config DIR JQ-FILTER: edit a bundle's config.json.
set_config() {
    jq "$2" "$1/config.json" >"$1/config.json.new"
    mv "$1/config.json.new" "$1/config.json"
}

# status ID: the "status" field of "lcont-run state".
status() {
    lcr state "$1" | jq -r .status
}

# wait_for CMD...: retry a condition until true; bounded by attempts, not by time.
wait_for() {
    i=0
    until "$@"; do
        i=$((i + 1))
        [ $i -lt 3000 ] || fail "condition never became true: $*"
        sleep 0.01
    done
}

# wait_file FILE PID: wait until FILE is non-empty; fail at once if PID died first.
wait_file() {
    i=0
    until [ -s "$1" ]; do
        ! pid_dead "$2" || [ -s "$1" ] || fail "process $2 exited before $1 appeared"
        i=$((i + 1))
        [ $i -lt 3000 ] || fail "$1 never appeared"
        sleep 0.01
    done
}

status_is() {
    [ "$(status "$1")" = "$2" ]
}

# pid_dead PID: gone, or a zombie nobody reaped yet.
pid_dead() {
    [ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" = Z ]
}

# expect_fail FILE CMD...: CMD must exit 1; its stderr is saved in FILE.
expect_fail() {
    out=$1
    shift
    set +e
    "$@" >"$out.stdout" 2>"$out"
    rc=$?
    set -e
    [ $rc -eq 1 ] || fail "expected exit 1 from '$*', got $rc: $(cat "$out")"
}
