#!/bin/bash
# run-tests-v2.sh BUILDDIR TEST... - run already-built test binaries on a pure cgroup v2 kernel.
# lcont tests/vm, based on shared/vm recipe.
#
# Boots the test VM (make-vm.sh builds it once into $LCONTVM_DIR, default /var/tmp/lcont-vm;
# the first build downloads .debs with apt) with BUILDDIR shared as /host and the host's /usr
# visible, so host-built binaries (and their build-tree liblcont.so) run unchanged. Each TEST
# is a path relative to BUILDDIR (a test ending in .sh is run by sh). Exit 0 when every test passed; 1 when one failed (a skip,
# exit 77, is a failure here: the VM is root on cgroup2 and nothing should be skipped);
# 124 on timeout; 125 when the VM could not run.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 BUILDDIR TEST..." >&2; exit 125; }
DIR=$(realpath -e "$1") || { echo "run-tests-v2: no such dir: $1" >&2; exit 125; }
shift
VMDIR=${LCONTVM_DIR:-/var/tmp/lcont-vm}
for t in "$@"; do
    case $t in
    *.sh) [ -r "$DIR/$t" ] ;;
    *) [ -x "$DIR/$t" ] ;;
    esac || { echo "run-tests-v2: $DIR/$t is not built" >&2; exit 125; }
done
if [ ! -r "$VMDIR/initramfs.cpio.gz" ] || [ ! -r "$VMDIR/vmlinuz" ]; then
    "$HERE/make-vm.sh"
fi

# Runs in the guest (/bin/sh, cwd /host = BUILDDIR).
script='failed=0
for t in '"$*"'; do
    echo "=== $t"
    case $t in *.sh) sh ./$t ;; *) ./$t ;; esac
    rc=$?
    if [ $rc -ne 0 ]; then echo "=== $t FAILED (exit $rc)"; failed=1; fi
done
exit $failed'

export LCONTVM_TIMING=1
# -b: a scratch virtio disk (/dev/vda) for the io.max tests
exec "$HERE/run-in-vm.sh" -t 900 -m 2048 -b 64 -e LCONT_EXPECT_CGROUP_LAYOUT=v2 "$DIR" "$script"
