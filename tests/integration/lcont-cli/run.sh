#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont run: image to running process in one line; exit statuses, overrides, --rm, rm.
. "$(dirname "$0")/lib.sh" "$@"

make_images
IMG=lcont-test/bb
lc image load "docker-archive:$T/img/image.tar" >/dev/null 2>&1 || fail "load"

# the image's own command, user, working directory and environment
expect_status 0 "$T/out" lc run --rm $IMG
[ "$(cat "$T/out")" = "default command" ] || fail "default command: $(cat "$T/out")"
expect_status 0 "$T/out" lc run --rm $IMG echo hi
[ "$(cat "$T/out")" = "hi" ] || fail "echo hi: $(cat "$T/out")"
expect_status 0 "$T/out" lc run --rm $IMG sh -c 'echo $(id -u) $(id -G); pwd; cat /hello.txt; test ! -e /etc/motd'
[ "$(cat "$T/out")" = "$(printf '1000 1000 50\n/work\nhello from layer 2')" ] ||
    fail "image user/cwd/layers: $(cat "$T/out")"
expect_status 0 "$T/out" lc run --rm -e GREETING=override -e NEW=1 $IMG env
grep -qx "GREETING=override" "$T/out" || fail "env override: $(cat "$T/out")"
grep -qx "NEW=1" "$T/out" || fail "env add: $(cat "$T/out")"
grep -qx "PATH=/bin" "$T/out" || fail "image PATH: $(cat "$T/out")"
grep -qx "HOME=/home/app" "$T/out" || fail "HOME from the image's passwd: $(cat "$T/out")"
[ "$(grep -c '^GREETING=' "$T/out")" -eq 1 ] || fail "duplicate env: $(cat "$T/out")"

# overrides: user by name and number, working directory, hostname
expect_status 0 "$T/out" lc run --rm -u nobody $IMG id -u
[ "$(cat "$T/out")" = 65534 ] || fail "-u nobody: $(cat "$T/out")"
expect_status 0 "$T/out" lc run --rm -u 0:50 -w /tmp $IMG sh -c 'echo $(id -u):$(id -g) $(pwd)'
[ "$(cat "$T/out")" = "0:50 /tmp" ] || fail "-u 0:50 -w /tmp: $(cat "$T/out")"
expect_status 0 "$T/out" lc run --rm --name "${P}host" $IMG hostname
[ "$(cat "$T/out")" = "${P}host" ] || fail "hostname: $(cat "$T/out")"
expect_status 125 "$T/out" lc run --rm -u nosuchuser $IMG true
grep -q "no user 'nosuchuser' in the image's /etc/passwd" "$T/out.err" ||
    fail "unknown user message: $(cat "$T/out.err")"

# --entrypoint replaces Entrypoint and Cmd; --read-only root
expect_status 0 "$T/out" lc run --rm --entrypoint /bin/echo $IMG via entrypoint
[ "$(cat "$T/out")" = "via entrypoint" ] || fail "--entrypoint: $(cat "$T/out")"
expect_status 0 "$T/out" lc run --rm --entrypoint /bin/pwd $IMG
[ "$(cat "$T/out")" = /work ] || fail "--entrypoint kept the image's Cmd: $(cat "$T/out")"
expect_status 1 "$T/out" lc run --rm --read-only -u 0 $IMG touch /x
grep -q "Read-only file system" "$T/out.err" || fail "--read-only: $(cat "$T/out.err")"
expect_status 0 "$T/out" lc run --rm -u 0 $IMG touch /x

# stdin is inherited
echo "piped in" | lc run --rm $IMG cat >"$T/out" || fail "stdin run failed"
[ "$(cat "$T/out")" = "piped in" ] || fail "stdin: $(cat "$T/out")"

# -t: a pseudo-terminal in the container, proxied through ours (script(1) provides one)
if command -v script >/dev/null; then
    script -qec "$LCONT --root $STORE --runroot $RUNROOT run --rm -t $IMG sh -c 'tty; echo \$TERM; exit 5'" \
        /dev/null </dev/null >"$T/tty.out" 2>&1 && rc=0 || rc=$?
    [ $rc -eq 5 ] || fail "run -t: exit $rc: $(cat -v "$T/tty.out")"
    grep -q "/dev/pts/[0-9]" "$T/tty.out" || fail "run -t: no tty: $(cat -v "$T/tty.out")"
    grep -q "xterm" "$T/tty.out" || fail "run -t: TERM: $(cat -v "$T/tty.out")"
    # keys typed on our terminal reach the container's shell
    printf 'echo typed-$((6*7))\nexit 3\n' |
        script -qec "$LCONT --root $STORE --runroot $RUNROOT run --rm -t $IMG sh" /dev/null \
            >"$T/tty.out" 2>&1 && rc=0 || rc=$?
    [ $rc -eq 3 ] || fail "run -t sh: exit $rc: $(cat -v "$T/tty.out")"
    grep -q "typed-42" "$T/tty.out" || fail "run -t: input not proxied: $(cat -v "$T/tty.out")"
fi
# without a terminal there is none
expect_status 0 "$T/out" lc run --rm $IMG sh -c 'test -t 1 && echo tty || echo no-tty'
[ "$(cat "$T/out")" = no-tty ] || fail "a terminal without -t: $(cat "$T/out")"

# exit statuses: the process's, 127 not found, 126 not executable
expect_status 3 "$T/out" lc run --rm $IMG sh -c 'exit 3'
expect_status 127 "$T/out" lc run --rm $IMG no-such-command
grep -q "no-such-command" "$T/out.err" || fail "127 message: $(cat "$T/out.err")"
expect_status 126 "$T/out" lc run --rm $IMG /bin/notexec
expect_status 125 "$T/out" lc run --rm no/such:image true
# a container that never started is not kept, even without --rm
expect_status 127 "$T/out" lc run --name "${P}nocmd" $IMG no-such-command
[ ! -e "$STORE/containers/${P}nocmd" ] || fail "failed run left its bundle"
[ ! -e "$RUNROOT/${P}nocmd" ] || fail "failed run left runtime state"
no_mounts_below "$STORE/containers"
expect_status 2 "$T/out" lc run --rm
# names are one path component
expect_status 2 "$T/out" lc run --rm --name ../escape $IMG true
[ ! -e "$STORE/escape" ] || fail "--name escaped the containers directory"
expect_status 1 "$T/out" lc rm ../escape

# signals to lcont reach the container's process; a kill by signal N is status 128+N
lc_exec run --rm --name "${P}sig" $IMG sh -c 'trap "exit 42" TERM; echo ready; sleep 1000 & wait' \
    >"$T/sig.out" 2>&1 </dev/null &
pid=$!
wait_output "$T/sig.out" ready $pid
kill -TERM $pid
set +e
wait $pid
rc=$?
set -e
[ $rc -eq 42 ] || fail "SIGTERM not forwarded: exit $rc: $(cat "$T/sig.out")"
lc_exec run --rm --name "${P}kill" $IMG sh -c 'echo ready; sleep 1000' >"$T/kill.out" 2>&1 </dev/null &
pid=$!
wait_output "$T/kill.out" ready $pid
"$LCONT_RUN" --root "$RUNROOT" kill "${P}kill" KILL
set +e
wait $pid
rc=$?
set -e
[ $rc -eq 137 ] || fail "killed container: exit $rc, want 137: $(cat "$T/kill.out")"

# --rm leaves nothing: no state, no bundle, no mount
expect_status 0 "$T/out" lc run --rm --name "${P}gone" $IMG true
[ ! -e "$RUNROOT/${P}gone" ] || fail "--rm left runtime state"
[ ! -e "$STORE/containers/${P}gone" ] || fail "--rm left the bundle"
no_mounts_below "$STORE/containers"

# without --rm the stopped container stays (name in use) until lcont rm
expect_status 0 "$T/out" lc run --name "${P}keep" $IMG sh -c 'echo kept > /tmp/file'
[ -d "$RUNROOT/${P}keep" ] || fail "no runtime state kept"
[ "$(cat "$STORE/containers/${P}keep/rootfs/tmp/file")" = kept ] || fail "rootfs not kept"
[ "$("$LCONT_RUN" --root "$RUNROOT" state "${P}keep" | jq -r .status)" = stopped ] ||
    fail "kept container is not stopped"
"$LCONT_RUN" --root "$RUNROOT" state "${P}keep" >"$T/state"
[ "$(jq -r '.annotations["org.opencontainers.image.base.name"]' "$T/state")" = "$IMG:latest" ] ||
    fail "image name annotation: $(cat "$T/state")"
[ "$(jq -r '.annotations["org.opencontainers.image.stopSignal"]' "$T/state")" = SIGINT ] ||
    fail "stop signal annotation: $(cat "$T/state")"
expect_status 125 "$T/out" lc run --name "${P}keep" $IMG true
grep -q "is in use" "$T/out.err" || fail "name in use: $(cat "$T/out.err")"
expect_status 0 "$T/out" lc rm "${P}keep"
[ ! -e "$RUNROOT/${P}keep" ] || fail "rm left runtime state"
[ ! -e "$STORE/containers/${P}keep" ] || fail "rm left the bundle"
no_mounts_below "$STORE/containers"
expect_status 1 "$T/out" lc rm "${P}keep"
# a running container is removed only with --force, which kills it
lc_exec run --name "${P}busy" $IMG sh -c 'echo ready; sleep 1000' >"$T/busy.out" 2>&1 </dev/null &
pid=$!
wait_output "$T/busy.out" ready $pid
expect_status 1 "$T/out" lc rm "${P}busy"
grep -q "is running" "$T/out.err" || fail "rm of a running container: $(cat "$T/out.err")"
expect_status 0 "$T/out" lc rm --force "${P}busy"
set +e
wait $pid
rc=$?
set -e
[ $rc -eq 137 ] || fail "rm --force: run exited $rc, want 137: $(cat "$T/busy.out")"
[ ! -e "$RUNROOT/${P}busy" ] || fail "rm --force left runtime state"
[ ! -e "$STORE/containers/${P}busy" ] || fail "rm --force left the bundle"
no_mounts_below "$STORE/containers"

# -v: a host directory bind-mounted read-write, or read-only with :ro; bad specs refused
mkdir -p "$T/vol"
echo from-host >"$T/vol/in.txt"
expect_status 0 "$T/out" lc run --rm -u 0 -v "$T/vol:/data" $IMG sh -c 'cat /data/in.txt; echo from-ctr >/data/out.txt'
[ "$(cat "$T/out")" = from-host ] || fail "-v read: $(cat "$T/out")"
[ "$(cat "$T/vol/out.txt")" = from-ctr ] || fail "-v write did not reach the host"
expect_status 1 "$T/out" lc run --rm -u 0 -v "$T/vol/:/data:ro" $IMG sh -c 'cat /data/in.txt && echo x >/data/ro.txt'
[ "$(cat "$T/out")" = from-host ] || fail "-v :ro read: $(cat "$T/out")"
[ ! -e "$T/vol/ro.txt" ] || fail "a :ro volume was written"
grep -qi 'read-only' "$T/out.err" || fail "-v :ro write error: $(cat "$T/out.err")"
for bad in "relative:/x" "$T/nosuch:/x" "$T/vol:/x:bogus" "$T/vol:relative" "$T/vol:/" "$T/vol"; do
    expect_status 2 "$T/out" lc run --rm -v "$bad" $IMG true
done
grep -q 'named volumes are not supported' "$T/out.err" || fail "-v HOST only: $(cat "$T/out.err")"

# --memory, --cpus, --pids-limit: in the container's cgroup (read from inside it)
cg_file() { # v2 file, v1 controller/file
    echo "if [ -e /sys/fs/cgroup/cgroup.controllers ]; then cat /sys/fs/cgroup/$1; else cat /sys/fs/cgroup/$2; fi"
}
expect_status 0 "$T/out" lc run --rm --memory 48m --cpus 0.5 --pids-limit 42 $IMG sh -c \
    "$(cg_file memory.max memory/memory.limit_in_bytes); $(cg_file pids.max pids/pids.max); $(cg_file cpu.max cpu/cpu.cfs_quota_us)"
[ "$(sed -n 1p "$T/out")" = $((48 * 1024 * 1024)) ] || fail "--memory: $(cat "$T/out")"
[ "$(sed -n 2p "$T/out")" = 42 ] || fail "--pids-limit: $(cat "$T/out")"
case "$(sed -n 3p "$T/out")" in "50000 100000" | 50000) ;; *) fail "--cpus: $(cat "$T/out")" ;; esac
for bad in "--memory 12x" "--memory 0" "--cpus 0" "--cpus x" "--pids-limit 0" "--pids-limit -1"; do
    # shellcheck disable=SC2086
    expect_status 2 "$T/out" lc run --rm $bad $IMG true
done

# a transport runs directly (loaded first)
expect_status 0 "$T/out" lc run --rm "oci:$T/img/oci:1.0" echo direct
[ "$(tail -n1 "$T/out")" = direct ] || fail "run from a transport: $(cat "$T/out")"
echo PASS
