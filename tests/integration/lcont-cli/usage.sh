#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Help for every command, version, and usage errors (exit 2).
. "$(dirname "$0")/lib.sh" "$@"

expect_status 0 "$T/out" lc --help
for c in image run ps logs exec start restart stop kill wait pause unpause stats top cp inspect rm; do
    grep -q "^  $c " "$T/out" || fail "--help does not list '$c'"
done
expect_status 0 "$T/out" lc --version
grep -q "^lcont version [0-9.]* (liblcont [0-9.]*)$" "$T/out" || fail "version: $(cat "$T/out")"

for cmd in "run" "ps" "logs" "exec" "start" "restart" "stop" "kill" "wait" "pause" "unpause" "stats" "top" \
    "cp" "inspect" "rm" "image" "image load" "image ls" "image inspect" "image rm" \
    "image prune" "image unpack" "image mount" "image umount"; do
    # shellcheck disable=SC2086 # split the command words on purpose
    expect_status 0 "$T/out" lc $cmd --help
    grep -q "^Usage: lcont $cmd" "$T/out" || fail "'$cmd --help': $(head -n2 "$T/out")"
done

expect_status 2 "$T/out" lc
expect_status 2 "$T/out" lc no-such-command
grep -q "unknown command 'no-such-command'" "$T/out.err" || fail "unknown command message"
expect_status 2 "$T/out" lc image frobnicate
expect_status 2 "$T/out" lc image load
expect_status 2 "$T/out" lc image mount onlyone
expect_status 2 "$T/out" lc --no-such-option image ls
expect_status 2 "$T/out" lc image ls --no-such-option
for cmd in "logs" "exec" "exec onlyname" "start" "stop" "kill" "wait" "inspect" "ps extra" "stop -t x n" \
    "logs --tail x n" "kill -s NOSIG n" "exec -u : n true" "pause" "unpause" "top" "stats --nope" "restart" "restart -t x n" "cp" "cp onlyone"; do
    # shellcheck disable=SC2086 # split the command words on purpose
    expect_status 2 "$T/out" lc $cmd
done
echo PASS
