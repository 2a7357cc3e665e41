#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Compare a freshly built liblcont.so (with -g) against the committed ABI
# baseline (STYLE §12.3). ANY non-zero abidiff exit fails: an int -> int64_t
# return type change sets only bit 4 (ABIDIFF_ABI_CHANGE), not bit 8.
#
# usage: tests/abi/check-abi.sh BUILDDIR/lib/liblcont.so [BUILDDIR]
# LCONT_ABI_BASELINE (baseline file) and LCONT_ABI_HEADERS (colon-separated
# public header dirs) override the defaults; the self-test uses them.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    sed -n '3,11p' "$0" >&2
    exit 2
fi
so=$1
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${2:-$(cd "$(dirname "$so")/.." && pwd)}
baseline=${LCONT_ABI_BASELINE:-$srcdir/tests/abi/liblcont.so.0.xml}
headers=${LCONT_ABI_HEADERS:-$srcdir/include/lcont:$builddir/include/lcont}

if ! command -v abidiff >/dev/null 2>&1; then
    echo "check-abi: abidiff not installed (apt install abigail-tools)"
    exit 77
fi
if ! readelf -S "$so" | grep -q '\.debug_info'; then
    # A release build cannot be compared; CI builds with -g.
    echo "check-abi: $so has no DWARF (build with -g); cannot compare"
    exit 77
fi
if [ ! -f "$baseline" ]; then
    echo "check-abi: FAIL: no baseline $baseline (run tests/abi/update-baseline.sh)"
    exit 1
fi

hdr_args=
old_ifs=$IFS; IFS=:
for d in $headers; do hdr_args="$hdr_args --headers-dir2 $d"; done
IFS=$old_ifs
# shellcheck disable=SC2086 # word splitting of hdr_args is intended (no spaces in paths)
abidiff $hdr_args \
        --drop-private-types --no-added-syms \
        --suppressions "$srcdir/tests/abi/lcont.abignore" \
        "$baseline" "$so"
rc=$?
if [ $rc -ne 0 ]; then
    echo "check-abi: FAIL: abidiff exit $rc (bits: 1 error, 2 usage, 4 ABI change, 8 incompatible)"
    echo "check-abi: an intended change (e.g. appending to an options struct) regenerates the"
    echo "check-abi: baseline with tests/abi/update-baseline.sh in the same commit; see docs/abi.md"
    exit 1
fi
echo "check-abi: no ABI change against $(basename "$baseline")"
exit 0
