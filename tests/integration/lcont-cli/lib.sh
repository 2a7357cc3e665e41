# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers for the lcont CLI tests (sourced, not run).
# Usage in a test: . "$(dirname "$0")/lib.sh" "$@"   with args: LCONT LCONT_RUN BUSYBOX

set -eu

LCONT=${1:?usage: $0 LCONT LCONT_RUN BUSYBOX}
LCONT_RUN=${2:?usage: $0 LCONT LCONT_RUN BUSYBOX}
BUSYBOX=${3:?usage: $0 LCONT LCONT_RUN BUSYBOX}
HERE=$(cd "$(dirname "$0")" && pwd)
# meson passes build-relative paths; tests change directory
case $LCONT in /*) ;; *) LCONT=$PWD/$LCONT ;; esac
case $LCONT_RUN in /*) ;; *) LCONT_RUN=$PWD/$LCONT_RUN ;; esac
case $BUSYBOX in /*) ;; *) BUSYBOX=$PWD/$BUSYBOX ;; esac

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs root"
    exit 77
fi
for tool in jq python3; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

T=$(mktemp -d /tmp/lcont-image-cli.XXXXXX)
STORE="$T/store"
RUNROOT="$T/run"
# container names are unique per run: cgroup paths derive from the name alone
# shellcheck disable=SC2034 # used by the tests that source this file
P="lci$$-"

cleanup() {
    rc=$?
    set +e
    # containers left by a failing test, then mounts below the temp dir (should be none)
    for id in $(ls "$RUNROOT" 2>/dev/null); do
        timeout 30 "$LCONT_RUN" --root "$RUNROOT" delete --force "$id" >/dev/null 2>&1
    done
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

# lc ARGS...: lcont with this test's store and runtime state.
lc() {
    "$LCONT" --root "$STORE" --runroot "$RUNROOT" "$@"
}

# lc_exec ARGS...: lcont replacing the calling (sub)shell, so "lc_exec ... &" makes $! the
# pid of lcont itself (signals sent to it must reach lcont, not a wrapper shell).
lc_exec() {
    exec "$LCONT" --root "$STORE" --runroot "$RUNROOT" "$@"
}

# make_images: the generated image as $T/img/oci (tag 1.0) and $T/img/image.tar; sets
# CONFIG_DIGEST and MANIFEST_DIGEST (of the OCI layout's manifest).
make_images() {
    python3 "$HERE/mkimage.py" "$BUSYBOX" "$T/img"
    CONFIG_DIGEST=$(sed -n 's/^config=//p' "$T/img/ids")
    MANIFEST_DIGEST=$(sed -n 's/^manifest=//p' "$T/img/ids")
}

# expect_status WANT FILE CMD...: CMD must exit WANT; its stdout goes to FILE, stderr to
# FILE.err.
expect_status() {
    want=$1
    out=$2
    shift 2
    set +e
    "$@" >"$out" 2>"$out.err"
    rc=$?
    set -e
    [ "$rc" -eq "$want" ] || fail "expected exit $want from '$*', got $rc: $(cat "$out.err")"
}

# no_mounts_below DIR: nothing is mounted at or below DIR.
no_mounts_below() {
    ! grep -q " $1[/ ]" /proc/self/mountinfo || fail "still mounted below $1: $(grep " $1" /proc/self/mountinfo)"
}

# retry CMD...: until CMD succeeds, bounded by attempts (not by time).
retry() {
    n=0
    until "$@" >/dev/null 2>&1; do
        n=$((n + 1))
        [ $n -lt 3000 ] || fail "never true: $*"
        sleep 0.01
    done
}

# wait_output FILE TEXT PID: wait until FILE holds TEXT; fail at once if PID exited first.
# Bounded by attempts, not by time.
wait_output() {
    i=0
    until grep -q "$2" "$1" 2>/dev/null; do
        kill -0 "$3" 2>/dev/null || grep -q "$2" "$1" || fail "process $3 exited before '$2': $(cat "$1")"
        i=$((i + 1))
        [ $i -lt 3000 ] || fail "'$2' never appeared in $1"
        sleep 0.01
    done
}
