#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Without a terminal the container inherits lcont-run's stdin, stdout, stderr.
. "$(dirname "$0")/lib.sh"

B="$T/bundle"
make_bundle "$B" sh -c 'echo hello-stdout; echo hello-stderr >&2; test ! -t 1 && echo not-a-tty'
track "${P}io"
out=$(lcr run --bundle "$B" "${P}io" </dev/null 2>"$T/err")
[ "$out" = "hello-stdout
not-a-tty" ] || fail "stdout through the pipe: '$out'"
[ "$(cat "$T/err")" = "hello-stderr" ] || fail "stderr: '$(cat "$T/err")'"

set_config "$B" '.process.args = ["cat"]'
out=$(echo data-through-stdin | lcr run --bundle "$B" "${P}io")
[ "$out" = "data-through-stdin" ] || fail "stdin: '$out'"

# run -d: the detached container writes to the files it was given
set_config "$B" '.process.args = ["sh", "-c", "echo detached-out"]'
lcr run -d --bundle "$B" "${P}io" </dev/null >"$T/dout" 2>&1
wait_for status_is "${P}io" stopped
lcr delete "${P}io"
[ "$(cat "$T/dout")" = "detached-out" ] || fail "detached stdout: '$(cat "$T/dout")'"

# --preserve-fds passes fd 3 on
set_config "$B" '.process.args = ["sh", "-c", "echo via-fd3 >&3"]'
lcr run --preserve-fds 1 --bundle "$B" "${P}io" </dev/null 3>"$T/fd3" || fail "run with fd 3"
[ "$(cat "$T/fd3")" = "via-fd3" ] || fail "fd 3: '$(cat "$T/fd3")'"
