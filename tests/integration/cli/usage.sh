#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad command lines exit 1 with the usage on stderr; global flag spellings.
. "$(dirname "$0")/lib.sh"

expect_fail "$T/err" lcr frobnicate
grep -q "USAGE" "$T/err" || fail "unknown command: no usage on stderr: $(cat "$T/err")"
grep -q 'frobnicate' "$T/err" || fail "unknown command not named"

expect_fail "$T/err" "$LCONT_RUN" --bogus list
grep -q "flag provided but not defined: -bogus" "$T/err" || fail "global flag: $(cat "$T/err")"
grep -q "USAGE" "$T/err" || fail "unknown global flag: no usage"

expect_fail "$T/err" lcr list --bogus
grep -q "flag provided but not defined: -bogus" "$T/err" || fail "command flag: $(cat "$T/err")"
grep -q "lcont-run list" "$T/err" || fail "unknown command flag: no command usage"

expect_fail "$T/err" lcr state
grep -q 'requires exactly 1 argument' "$T/err" || fail "missing arg: $(cat "$T/err")"
expect_fail "$T/err" lcr create --bundle
grep -q 'flag needs an argument' "$T/err" || fail "missing flag value: $(cat "$T/err")"
# flags after the id are not flags (getopt '+' like Go's flag package)
expect_fail "$T/err" lcr kill someid TERM --all

expect_fail "$T/err" lcr --systemd-cgroup list
grep -q "systemd cgroup driver is not supported: no systemd on this host" "$T/err" ||
    fail "systemd: $(cat "$T/err")"
expect_fail "$T/err" lcr checkpoint foo
grep -q "not supported" "$T/err" || fail "checkpoint: $(cat "$T/err")"

# accepted global spellings
for g in "--rootless auto" "--rootless=true" "--rootless false" "-rootless auto" \
    "--systemd-cgroup=false" "--debug=false" "--criu /x"; do
    # shellcheck disable=SC2086
    lcr $g list -q >"$T/out" 2>"$T/err" || fail "global '$g': $(cat "$T/err")"
done
"$LCONT_RUN" -root "$ROOT" list -q || fail "-root"
"$LCONT_RUN" --root="$ROOT" list -q || fail "--root="
expect_fail "$T/err" lcr --rootless maybe list

# a relative --root is taken from the current directory
mkdir "$T/cwd"
(cd "$T/cwd" && "$LCONT_RUN" --root rel list -f json) | grep -qx null || fail "relative root"
