#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerate the ABI baseline tests/abi/liblcont.so.0.xml from a liblcont.so
# built with -g (buildtype debug or debugoptimized). Builds nothing.
#
# usage: tests/abi/update-baseline.sh BUILDDIR/lib/liblcont.so [BUILDDIR]
#   BUILDDIR (for the generated include/lcont/version.h) defaults to the
#   directory above the library's lib/.
# LCONT_ABI_BASELINE (output file) and LCONT_ABI_HEADERS (colon-separated
# public header dirs) override the defaults; the self-test uses them.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    sed -n '3,11p' "$0" >&2
    exit 2
fi
so=$1
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${2:-$(cd "$(dirname "$so")/.." && pwd)}
out=${LCONT_ABI_BASELINE:-$srcdir/tests/abi/liblcont.so.0.xml}
headers=${LCONT_ABI_HEADERS:-$srcdir/include/lcont:$builddir/include/lcont}

[ -f "$so" ] || { echo "update-baseline: $so: no such file" >&2; exit 1; }
if ! readelf -S "$so" | grep -q '\.debug_info'; then
    echo "update-baseline: $so has no DWARF; rebuild with -g (buildtype=debugoptimized)" >&2
    exit 1
fi
if [ -z "${LCONT_ABI_HEADERS:-}" ] && [ ! -f "$builddir/include/lcont/version.h" ]; then
    echo "update-baseline: $builddir is not an lcont build dir (no include/lcont/version.h)" >&2
    exit 1
fi

# Locations and paths are left out so the baseline does not depend on where
# it was built; only types and symbols matter.
hdr_args=
old_ifs=$IFS; IFS=:
for d in $headers; do hdr_args="$hdr_args --headers-dir $d"; done
IFS=$old_ifs
# shellcheck disable=SC2086 # word splitting of hdr_args is intended (no spaces in paths)
abidw $hdr_args \
      --drop-private-types --no-corpus-path --no-comp-dir-path --short-locs \
      --out-file "$out" "$so"
echo "wrote $out"
