#!/bin/bash
# Every test of the project (as root on Debian 12): unit, api, abi, headers,
# format, privileged integration tests on this kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
meson test -C build --print-errorlogs --num-processes 1 "$@"
