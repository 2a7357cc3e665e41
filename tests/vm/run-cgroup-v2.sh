#!/bin/bash
# run-cgroup-v2.sh [TESTDIR] - run the cgroup integration tests on a pure cgroup v2 kernel.
# lcont tests/vm, based on shared/vm recipe (/work/shared/vm).
#
# Boots the test VM (make-vm.sh builds it once into $LCONTVM_DIR, default
# /var/tmp/lcont-vm; the first build downloads .debs with apt) and runs every
# already-built test-cgroup-* binary of TESTDIR inside it. Nothing is built in
# the VM: TESTDIR (default build/tests/integration/cgroup) is shared as /host
# and host /usr is visible, so the host-built binaries run as they are.
# The tests are told to expect the v2 layout. Exit status: 0 when every binary
# passed, 1 when one failed (a whole-binary skip, exit 77, counts as a failure
# here: the VM runs as root with cgroup2, nothing should be skipped), 124 on
# timeout, 125 when the VM could not run.
# Usually run as `ninja -C <builddir> vm-cgroup-v2`.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:-$HERE/../../build/tests/integration/cgroup}
DIR=$(realpath -e "$DIR") || { echo "run-cgroup-v2: no such dir: ${1:-}" >&2; exit 125; }
VMDIR=${LCONTVM_DIR:-/var/tmp/lcont-vm}

tests=()
for t in "$DIR"/test-cgroup-*; do
    [ -f "$t" ] && [ -x "$t" ] && tests+=("$(basename "$t")")
done
[ ${#tests[@]} -gt 0 ] || { echo "run-cgroup-v2: no test-cgroup-* binaries in $DIR (build first)" >&2; exit 125; }

if [ ! -r "$VMDIR/initramfs.cpio.gz" ] || [ ! -r "$VMDIR/vmlinuz" ]; then
    "$HERE/make-vm.sh"
fi

# Runs in the guest (/bin/sh, cwd /host = TESTDIR).
script='failed=0
for t in '"${tests[*]}"'; do
    echo "=== $t"
    ./$t
    rc=$?
    if [ $rc -ne 0 ]; then echo "=== $t FAILED (exit $rc)"; failed=1; fi
done
exit $failed'

export LCONTVM_TIMING=1
exec "$HERE/run-in-vm.sh" -t 600 -e LCONT_EXPECT_CGROUP_LAYOUT=v2 "$DIR" "$script"
