#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# --version / -v and help output.
. "$(dirname "$0")/lib.sh"

for flag in --version -v -version; do
    "$LCONT_RUN" $flag >"$T/v"
    [ "$(wc -l <"$T/v")" -eq 3 ] || fail "$flag: $(cat "$T/v")"
    sed -n 1p "$T/v" | grep -Eq '^lcont-run version [0-9]+\.[0-9]+\.[0-9]+$' || fail "line 1: $(cat "$T/v")"
    [ "$(sed -n 2p "$T/v")" = "spec: 1.2.0" ] || fail "line 2: $(cat "$T/v")"
    sed -n 3p "$T/v" | grep -Eq '^libseccomp: [0-9]+\.[0-9]+\.[0-9]+$' || fail "line 3: $(cat "$T/v")"
done
pkgver=$(pkg-config --modversion libseccomp 2>/dev/null || true)
[ -z "$pkgver" ] || grep -q "libseccomp: $pkgver" "$T/v" || fail "libseccomp version $pkgver"

for help in --help -h help; do
    "$LCONT_RUN" $help >"$T/h" || fail "$help exit status"
    for cmd in create start run state kill delete list spec features; do
        grep -Eq "^   $cmd " "$T/h" || fail "$help does not list $cmd"
    done
done
"$LCONT_RUN" kill --help | grep -q -- "--all, -a" || fail "kill --help"
"$LCONT_RUN" help run | grep -q -- "--detach, -d" || fail "help run"
"$LCONT_RUN" >"$T/h" || fail "no arguments"
grep -q "USAGE" "$T/h" || fail "no arguments prints usage"
