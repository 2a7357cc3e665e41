#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont-run exec: runc's flags, exit status, --process, --detach + --pid-file, a
# terminal through --console-socket, and refusal on a stopped container.
. "$(dirname "$0")/../cli/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

B="$T/bundle"
make_bundle "$B" sleep 1000
for a in readlink; do ln -sf busybox "$B/rootfs/bin/$a"; done
track "${P}x"
lcr run -d --bundle "$B" "${P}x" </dev/null >"$T/out" 2>&1 || fail "run: $(cat "$T/out")"

# output, and the container's own pid namespace (the init is pid 1 there)
out=$(lcr exec "${P}x" sh -c 'echo hello; echo $$; cat /proc/1/cmdline')
[ "$(echo "$out" | sed -n 1p)" = hello ] || fail "exec output: $out"
[ "$(echo "$out" | sed -n 2p)" -gt 1 ] || fail "exec pid: $out"
echo "$out" | grep -q sleep || fail "pid 1 is not the init: $out"
init=$(lcr state "${P}x" | jq .pid)
[ "$(lcr exec "${P}x" readlink /proc/self/ns/net)" = "$(readlink /proc/"$init"/ns/net)" ] ||
    fail "exec is not in the container's network namespace"

# the process's exit status is ours
set +e
lcr exec "${P}x" sh -c 'exit 7'
rc=$?
set -e
[ $rc -eq 7 ] || fail "exit status 7 came back as $rc"

# --cwd, --env, --user, --additional-gids
out=$(lcr exec --cwd /tmp --env FOO=bar -e BAZ=qux --user 1000:1001 --additional-gids 5,6 \
    "${P}x" sh -c 'pwd; echo $FOO $BAZ; id')
[ "$out" = "/tmp
bar qux
uid=1000 gid=1001 groups=5,6" ] || fail "cwd/env/user: $out"

# --preserve-fds: fd 3 reaches the process, fd 4 does not
echo passed-fd >"$T/fd3"
out=$(lcr exec --preserve-fds 1 "${P}x" sh -c 'cat <&3; ls /proc/self/fd/4 2>/dev/null || echo no-fd4' \
    3<"$T/fd3" 4<"$T/fd3")
[ "$out" = "passed-fd
no-fd4" ] || fail "--preserve-fds: $out"

# --process: the whole process from a file
cat >"$T/process.json" <<'JSON'
{"args": ["sh", "-c", "echo from-$X; pwd"], "env": ["X=file"], "cwd": "/dev",
 "user": {"uid": 0, "gid": 0}}
JSON
out=$(lcr exec --process "$T/process.json" "${P}x")
[ "$out" = "from-file
/dev" ] || fail "--process: $out"

# --detach + --pid-file: lcont-run returns at once, the process runs in the container
lcr exec -d --pid-file "$T/exec.pid" "${P}x" sleep 1000
pid=$(cat "$T/exec.pid")
lcr ps --format json "${P}x" | jq -e --argjson p "$pid" 'index($p) != null' >/dev/null ||
    fail "detached exec $pid not in ps: $(lcr ps --format json "${P}x")"
kill "$pid"

# a terminal through --console-socket (what podman and containerd do)
python3 "$HERE/../cli/recv-console.py" "$T/console.sock" "$T/console.out" &
bg $!
recv=$!
wait_for test -S "$T/console.sock"
lcr exec -t -d --console-socket "$T/console.sock" "${P}x" sh -c 'tty; echo via-console'
wait "$recv" || fail "console receiver failed"
grep -q '^/dev/pts/' "$T/console.out" || fail "no tty: $(cat "$T/console.out")"
grep -q via-console "$T/console.out" || fail "no output: $(cat "$T/console.out")"
# a foreground terminal, proxied by lcont-run itself
lcr exec -t "${P}x" tty </dev/null >"$T/tty.out"
grep -q '^/dev/pts/' "$T/tty.out" || fail "exec -t: $(od -c "$T/tty.out")"

# runc's rules for console sockets
expect_fail "$T/err" lcr exec -t -d "${P}x" true
grep -q "cannot allocate tty" "$T/err" || fail "tty+detach without socket: $(cat "$T/err")"
expect_fail "$T/err" lcr exec --console-socket "$T/x.sock" "${P}x" true
grep -q "cannot use console socket" "$T/err" || fail "socket without tty: $(cat "$T/err")"

# a failed exec exits 255 like runc's (any status of the process is possible)
expect_255() {
    set +e
    "$@" >/dev/null 2>"$T/err"
    rc=$?
    set -e
    [ $rc -eq 255 ] || fail "expected exit 255 from '$*', got $rc: $(cat "$T/err")"
}
# a missing binary, and a stopped container
expect_255 lcr exec "${P}x" no-such-binary
grep -q "executable file not found" "$T/err" || fail "missing binary: $(cat "$T/err")"
lcr kill "${P}x" KILL
wait_for status_is "${P}x" stopped
expect_255 lcr exec "${P}x" true
grep -q "stopped" "$T/err" || fail "exec into a stopped container: $(cat "$T/err")"
expect_fail "$T/err" lcr exec nosuch true
grep -q "container does not exist" "$T/err" || fail "missing container: $(cat "$T/err")"
echo ok
