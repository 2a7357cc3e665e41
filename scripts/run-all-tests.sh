#!/bin/bash
# Every test of the project (as root on Debian 12): unit, public API, ABI, headers, format and
# the privileged integration tests in real namespaces and cgroups on this kernel (hybrid
# layout, and plain v1 by hiding cgroup2), then the same privileged binaries on a pure
# cgroup v2 kernel in qemu (tests/vm; the first run downloads the Debian kernel with apt).
# The service table's reader/writer stress test also runs in a ThreadSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
meson test -C build --print-errorlogs --num-processes 1 "$@"
echo "== service table: concurrent readers and writer under ThreadSanitizer"
[ -d build-tsan ] || meson setup build-tsan -Db_sanitize=thread -Db_lundef=false >/dev/null
ninja -C build-tsan tests/unit/service/test-service-stress-tsan
meson test -C build-tsan --no-rebuild --print-errorlogs --suite tsan
if [ "${LCONT_SKIP_VM:-0}" != 1 ]; then
  echo "== pure cgroup v2 (qemu): cgroup and runtime integration tests"
  ninja -C build vm-tests
fi
