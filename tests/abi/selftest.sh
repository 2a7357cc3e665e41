#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Self-test of update-baseline.sh + check-abi.sh + lcont.abignore on a tiny
# library (selftest/): every change STYLE §12.3 names must fail the check,
# an unchanged rebuild and a change to an LCONT_EXPERIMENTAL symbol must pass.
#
# usage: selftest.sh CC [CC_ARGS...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
if ! command -v abidiff >/dev/null 2>&1 || ! command -v abidw >/dev/null 2>&1; then
    echo "abigail-tools not installed"
    exit 77
fi
[ $# -ge 1 ] || { echo "usage: selftest.sh CC [CC_ARGS...]" >&2; exit 2; }
cc=$*
tmp=$(mktemp -d /tmp/lcont-abi-selftest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

build() { # build DIR [MACRO]: DIR/lib/liblcont-mini.so
    mkdir -p "$tmp/$1/lib"
    # shellcheck disable=SC2086 # $cc is a word list
    $cc -g -O2 -shared -fPIC ${2:+-D$2} -I"$here/selftest" \
        -Wl,--version-script="$here/selftest/mini.sym" -Wl,-soname,liblcont-mini.so.0 \
        -o "$tmp/$1/lib/liblcont-mini.so" "$here/selftest/mini.c" || exit 1
}

export LCONT_ABI_BASELINE="$tmp/baseline.xml"
export LCONT_ABI_HEADERS="$here/selftest/lcont"

build base
"$here/update-baseline.sh" "$tmp/base/lib/liblcont-mini.so" >/dev/null || exit 1

failures=0
expect() { # expect pass|fail [MACRO]
    dir=v-${2:-unchanged}
    build "$dir" "${2:-}"
    if "$here/check-abi.sh" "$tmp/$dir/lib/liblcont-mini.so" >"$tmp/out" 2>&1; then
        got=pass
    else
        got=fail
    fi
    if [ "$got" = "$1" ]; then
        echo "ok: ${2:-unchanged rebuild}: $got"
    else
        echo "NOT OK: ${2:-unchanged rebuild}: check-abi said $got, expected $1"
        cat "$tmp/out"
        failures=$((failures + 1))
    fi
}

expect pass
expect fail MINI_APPEND
expect fail MINI_INSERT_MIDDLE
expect fail MINI_CHANGE_MEMBER_TYPE
expect fail MINI_RETURN_INT64
expect pass MINI_CHANGE_EXPERIMENTAL
[ $failures -eq 0 ] || exit 1
