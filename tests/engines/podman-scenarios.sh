# SPDX-License-Identifier: LGPL-2.1-or-later
# podman scenarios (sourced by podman.sh). Each sc_* function is one step: it
# runs with errexit in a subshell and fails through fail/expect_*.

IMG=localhost/bb:latest

# Status of a command, without tripping errexit.
status_of() {
    set +e
    "$@" >"$ENG_DIR/last.out" 2>&1
    echo $?
    set -e
}

inspect() { P inspect --format "$2" "$1"; }

# What conmon does, without conmon: "create" exits at once and the created init must
# survive it. (It did not, about one time in three, before the init cleared its
# parent-death signal ahead of reporting ready.)
sc_create_survives_creator() {
    mkdir -p "$ENG_DIR/race"
    (cd "$ENG_DIR/race" && rm -f config.json && "$LCONT_RUN" spec)
    sed -i -e 's|"rootfs"|"'"$ENG_DIR"'/rootfs"|' -e 's|"terminal": true|"terminal": false|' \
        -e 's|"sh"|"true"|' "$ENG_DIR/race/config.json"
    for i in $(seq 1 20); do
        id=lcont-engines-race-$$-$i
        "$LCONT_RUN" --root "$ENG_DIR/race/state" create --bundle "$ENG_DIR/race" $id </dev/null
        st=$("$LCONT_RUN" --root "$ENG_DIR/race/state" state $id | grep '"status"')
        "$LCONT_RUN" --root "$ENG_DIR/race/state" delete --force $id
        expect_match "run $i: status after create" '"created"' "$st"
    done
}

sc_run_exit_codes() {
    expect_eq "true" 0 "$(status_of P run --rm $IMG true)"
    expect_eq "exit 3" 3 "$(status_of P run --rm $IMG sh -c 'exit 3')"
    expect_eq "missing executable" 127 "$(status_of P run --rm $IMG /no/such/binary)"
    expect_match "127 message" '[Nn]o such file or directory|executable file not found' \
        "$(cat "$ENG_DIR/last.out")"
    expect_eq "missing in PATH" 127 "$(status_of P run --rm $IMG no-such-command)"
    expect_match "127 PATH message" 'executable file not found in \$PATH' \
        "$(cat "$ENG_DIR/last.out")"
    expect_eq "not executable" 126 "$(status_of P run --rm $IMG /etc/passwd)"
    expect_match "126 message" '[Pp]ermission denied' "$(cat "$ENG_DIR/last.out")"
}

sc_runtime_protocol() {
    # a failed create leaves one JSON error line in the oci-log that podman reads
    expect_eq "failed run" 127 "$(status_of P run --name badexec $IMG /no/such/binary)"
    id=$(inspect badexec '{{.Id}}')
    log=$ENG_DIR/runroot/overlay-containers/$id/userdata/oci-log
    [ -s "$log" ] || fail "no oci-log at $log"
    python3 - "$log" <<'PY' || fail "oci-log is not logrus JSON: $(cat "$log")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert lines and all({"level", "msg", "time"} <= set(l) for l in lines)
assert any(l["level"] == "error" and "no such file or directory" in l["msg"].lower() for l in lines)
PY
    # podman really ran lcont-run, with the JSON log format (runtime_supports_json)
    grep -q '^ARGV: \[--log-format=json\] \[--log\] .*\[create\] \[--bundle\] .*\[--pid-file\]' \
        "$ENG_DIR/runtime.log" || fail "no create with --log-format=json in runtime.log"
    P rm badexec >/dev/null
}

sc_run_env_workdir_user_hostname() {
    out=$(P run --rm -e FOO=bar -w /tmp -u 1000:1000 --hostname box $IMG \
        sh -c 'echo "$FOO $(pwd) $(id -u):$(id -g) $(hostname) $HOME"')
    expect_eq "env/cwd/user/hostname" "bar /tmp 1000:1000 box /home/user" "$out"
    out=$(P run --rm -u user $IMG id -un)
    expect_eq "user by name" "user" "$out"
}

sc_run_stdin_pipe() {
    out=$(printf 'hello\nworld\n' | P run --rm -i $IMG tr a-z A-Z)
    expect_eq "stdin through tr" "HELLO
WORLD" "$out"
    # without -i the container's stdin is empty
    out=$(echo nope | P run --rm $IMG sh -c 'cat; echo end')
    expect_eq "no -i" "end" "$out"
}

sc_run_tty() {
    command -v script >/dev/null || skip "script(1) not installed"
    out=$(script -qec "podman run --rm -t $IMG sh -c 'tty; [ -t 0 ] && echo stdin-is-tty; exit 4'" \
        /dev/null | tr -d '\r')
    rc=${PIPESTATUS[0]}
    expect_match "tty name" '^/dev/pts/[0-9]+' "$out"
    expect_match "stdin is a tty" 'stdin-is-tty' "$out"
    out=$(script -qec "podman run --rm -t $IMG sh -c 'exit 4'" /dev/null; echo "rc=$?")
    expect_match "tty exit code" 'rc=4' "$out"
    # keystrokes reach the container through the terminal (-it); typed again and again
    # until the container has read one, since keys typed before the attach may be dropped
    out=$( (for i in $(seq 1 120); do printf 'typed-line\n'; sleep 0.5; done) | script -qec "podman run --rm -it $IMG sh -c 'read x; echo got:\$x'" /dev/null | tr -d '\r')
    expect_match "tty input" 'got:typed-line' "$out"
}

sc_detach_logs_ps_top_inspect() {
    id=$(P run -d --name d1 $IMG sh -c 'echo to-stdout; echo to-stderr >&2; exec sleep 1000')
    wait_for sh -c "podman logs d1 2>&1 | grep -q to-stderr"
    expect_match "logs" 'to-stdout' "$(P logs d1 2>&1)"
    expect_match "ps" "d1" "$(P ps --format '{{.Names}} {{.Status}}')"
    expect_match "ps status" "^d1 Up" "$(P ps --format '{{.Names}} {{.Status}}' | grep d1)"
    expect_match "top" "sleep 1000" "$(P top d1)"
    expect_eq "inspect running" "running true" "$(inspect d1 '{{.State.Status}} {{.State.Running}}')"
    pid=$(inspect d1 '{{.State.Pid}}')
    [ "$pid" -gt 0 ] || fail "inspect pid $pid"
    expect_match "pid is sleep" 'sleep' "$(tr '\0' ' ' </proc/$pid/cmdline)"
    P rm -f d1 >/dev/null
    [ ! -e /proc/$pid ] || [ "$(awk '/^State/{print $2}' /proc/$pid/status)" = Z ] \
        || fail "container process $pid survived rm -f"
}

sc_stop_graceful() {
    P run -d --name g1 $IMG sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 1 & wait; done' >/dev/null
    wait_for sh -c "podman logs g1 | grep -q ready"
    P stop -t 30 g1 >/dev/null
    expect_eq "exit code after TERM trap" 7 "$(inspect g1 '{{.State.ExitCode}}')"
    expect_match "trap ran" 'got-term' "$(P logs g1)"
    P rm g1 >/dev/null
}

sc_stop_sigkill_fallback() {
    # pid 1 without a handler ignores SIGTERM: podman must fall back to SIGKILL
    P run -d --name k1 $IMG sleep 1000 >/dev/null
    P stop -t 1 k1 >/dev/null
    expect_eq "exit code after SIGKILL" 137 "$(inspect k1 '{{.State.ExitCode}}')"
    expect_eq "stopped" "exited" "$(inspect k1 '{{.State.Status}}')"
    P rm k1 >/dev/null
}

sc_kill_signal() {
    P run -d --name s1 $IMG sh -c 'trap "echo got-usr1" USR1; trap "exit 9" HUP; echo ready; while :; do sleep 1 & wait; done' >/dev/null
    wait_for sh -c "podman logs s1 | grep -q ready"
    P kill -s USR1 s1 >/dev/null
    wait_for sh -c "podman logs s1 | grep -q got-usr1"
    P kill -s SIGHUP s1 >/dev/null
    P wait s1 >/dev/null
    expect_eq "exit code after HUP" 9 "$(inspect s1 '{{.State.ExitCode}}')"
    P rm s1 >/dev/null
}

sc_create_then_start() {
    P create --name cs $IMG sh -c 'echo created-then-started; exit 5' >/dev/null
    expect_eq "created" "created" "$(inspect cs '{{.State.Status}}')"
    out=$(P start -a cs; echo "rc=$?") || true
    expect_match "start -a output" 'created-then-started' "$out"
    expect_eq "exit code" 5 "$(inspect cs '{{.State.ExitCode}}')"
    P rm cs >/dev/null
}

sc_restart() {
    P run -d --name rst $IMG sleep 1000 >/dev/null
    pid1=$(inspect rst '{{.State.Pid}}')
    P restart -t 1 rst >/dev/null
    expect_eq "running after restart" "running" "$(inspect rst '{{.State.Status}}')"
    pid2=$(inspect rst '{{.State.Pid}}')
    [ "$pid1" != "$pid2" ] || fail "same init pid $pid1 after restart"
    [ ! -e /proc/$pid1 ] || fail "old init $pid1 still there"
    P rm -f rst >/dev/null
}

sc_rm_force_running() {
    P run -d --name rf $IMG sleep 1000 >/dev/null
    P rm -f rf >/dev/null
    expect_eq "gone" "" "$(P ps -a --format '{{.Names}}' | grep -x rf || true)"
}

sc_bind_mounts() {
    mkdir -p "$ENG_DIR/vol" "$ENG_DIR/rovol"
    echo from-host >"$ENG_DIR/rovol/file"
    P run --rm -v "$ENG_DIR/vol:/data" $IMG sh -c 'echo from-container >/data/out'
    expect_eq "rw bind" from-container "$(cat "$ENG_DIR/vol/out")"
    out=$(P run --rm -v "$ENG_DIR/rovol:/ro:ro" $IMG sh -c 'cat /ro/file; touch /ro/x 2>/dev/null && echo writable || echo readonly')
    expect_eq "ro bind" "from-host
readonly" "$out"
}

sc_read_only() {
    out=$(P run --rm --read-only $IMG sh -c 'touch /x 2>/dev/null && echo root-writable || echo root-readonly; touch /tmp/y && echo tmp-writable')
    expect_eq "read-only rootfs" "root-readonly
tmp-writable" "$out"
}

sc_memory_pids_limits() {
    P run -d --name lim --memory 64m --pids-limit 50 $IMG sleep 1000 >/dev/null
    id=$(inspect lim '{{.Id}}')
    mem=$(cat /sys/fs/cgroup/memory/libpod_parent/libpod-$id/memory.limit_in_bytes 2>/dev/null ||
        cat /sys/fs/cgroup/libpod_parent/libpod-$id/memory.max)
    expect_eq "memory limit" 67108864 "$mem"
    pids=$(cat /sys/fs/cgroup/pids/libpod_parent/libpod-$id/pids.max 2>/dev/null ||
        cat /sys/fs/cgroup/libpod_parent/libpod-$id/pids.max)
    expect_eq "pids limit" 50 "$pids"
    P rm -f lim >/dev/null
}

sc_memory_oom_kill() {
    # a 256 MiB buffer under a 32 MiB limit: the kernel kills the init (SIGKILL: 137).
    # (conmon 2.1.6 does not see v1 OOM events on this hybrid host, with runc either,
    # so State.OOMKilled is not checked.)
    expect_eq "oom status" 137 "$(status_of P run --rm --memory 32m --memory-swap 32m $IMG \
        dd if=/dev/zero of=/dev/null bs=256M count=1)"
}

sc_pids_limit_bites() {
    # 60 sleeping children cannot all be forked under pids.max=50
    out=$(P run --rm --pids-limit 50 $IMG sh -c 'i=0; while [ $i -lt 60 ]; do sleep 100 & i=$((i+1)); done 2>&1; echo done' 2>&1 || true)
    expect_match "fork fails at pids.max" "can't fork|Resource temporarily unavailable|Cannot allocate" "$out"
}

sc_privileged() {
    out=$(P run --rm --privileged $IMG sh -c 'grep CapEff /proc/self/status; ls /dev | grep -c . ; mount | grep -c " /proc/kcore " || true')
    # every capability this host's bounding set still has (it lacks CAP_SYS_RESOURCE)
    expect_eq "all caps" "CapEff:$(awk '/^CapBnd/{print $2}' /proc/self/status)" \
        "$(echo "$out" | sed -n 1p | tr -d ' \t')"
    [ "$(echo "$out" | sed -n 2p)" -gt 20 ] || fail "host devices missing: $out"
    expect_eq "no masked paths" 0 "$(echo "$out" | sed -n 3p)"
}

sc_tmpfs_sysctl_ulimit_caps() {
    out=$(P run --rm --tmpfs /scratch:size=1m --sysctl net.ipv4.ip_forward=1 \
        --ulimit nofile=512:512 --ulimit nproc=1024:$(ulimit -Hu) --cap-drop all --cap-add NET_BIND_SERVICE $IMG \
        sh -c 'mount | grep " /scratch " | cut -d" " -f5; cat /proc/sys/net/ipv4/ip_forward; ulimit -n; grep CapEff /proc/self/status')
    expect_eq "tmpfs/sysctl/ulimit/caps" "tmpfs
1
512
CapEff:	0000000000000400" "$out"
}

sc_seccomp_nnp_device() {
    st='grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -d " \t" | tr "\n" " "'
    expect_eq "default" "NoNewPrivs:0 Seccomp:2 " "$(P run --rm $IMG sh -c "$st")"
    expect_eq "unconfined + nnp" "NoNewPrivs:1 Seccomp:0 " \
        "$(P run --rm --security-opt seccomp=unconfined --security-opt no-new-privileges $IMG sh -c "$st")"
    out=$(P run --rm --device /dev/null:/dev/mynull $IMG sh -c 'test -c /dev/mynull && echo x >/dev/mynull && echo dev-ok')
    expect_eq "--device" "dev-ok" "$out"
}

sc_user_namespace() {
    out=$(P run --rm --uidmap 0:200000:65536 --gidmap 0:200000:65536 $IMG \
        sh -c 'cat /proc/self/uid_map | tr -s " "; id -u; touch /tmp/x && stat -c %u /tmp/x')
    expect_eq "uid map" " 0 200000 65536
0
0" "$out"
}

sc_shared_namespaces() {
    # host namespaces: the pid namespace of this harness (its init is our script) and its netns
    ifaces='tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " "'
    out=$(P run --rm --pid host --network host --uts host $IMG \
        sh -c "cat /proc/1/comm; $ifaces; echo; hostname")
    expect_eq "host pid/net/uts" "$(cat /proc/1/comm)
$(sh -c "$ifaces")
$(hostname)" "$out"
    # another container's namespaces: joined by path
    P run -d --name nsowner --hostname owner $IMG httpd -f -p 8082 -h /var/www >/dev/null
    out=$(P run --rm --pid container:nsowner --network container:nsowner --uts container:nsowner \
        $IMG sh -c 'pidof httpd >/dev/null && echo sees-httpd; hostname; wget -qO- http://127.0.0.1:8082/')
    expect_eq "container:X namespaces" "sees-httpd
owner
hello from image" "$out"
    P rm -f nsowner >/dev/null
}

sc_network_none() {
    out=$(P run --rm --network none $IMG sh -c 'ls /sys/class/net | tr "\n" " "')
    expect_eq "only lo" "lo " "$out"
}

sc_port_forward() {
    P run -d --name web -p 8080:80 $IMG httpd -f -p 80 -h /var/www >/dev/null
    ip=$(inspect web '{{.NetworkSettings.IPAddress}}')
    wait_for wget -qO- "http://$ip:80/"
    # through the DNAT rule to the bridge address of this (private) host netns
    out=$(wget -qO- http://10.88.0.1:8080/)
    expect_eq "via published port" "hello from image" "$out"
    # and on localhost (portmap sets route_localnet and masquerades 127.0.0.1)
    out=$(wget -qO- http://127.0.0.1:8080/)
    expect_eq "via localhost:8080" "hello from image" "$out"
    P rm -f web >/dev/null
}

sc_pod_localhost() {
    # podman leaves a removed pod's cgroup in the named/unified hierarchies: note its id
    P pod create --name p1 >>"$ENG_DIR/pod-ids"
    P run -d --pod p1 --name pweb $IMG httpd -f -p 8081 -h /var/www >/dev/null
    out=$(P run --rm --pod p1 $IMG sh -c 'for i in $(seq 1 300); do wget -qO- http://127.0.0.1:8081/ 2>/dev/null && exit 0; sleep 0.1; done; exit 1')
    expect_eq "pod localhost" "hello from image" "$out"
    # the pod shares its UTS namespace too: its hostname is the pod's name
    expect_eq "pod hostname" "p1" "$(P run --rm --pod p1 $IMG hostname)"
    P pod rm -f p1 >/dev/null
}

needs_exec() {
    P run -d --name probe-exec $IMG sleep 1000 >/dev/null
    if ! P exec probe-exec true >/dev/null 2>&1; then
        P rm -f probe-exec >/dev/null
        skip "needs lcont-run exec"
    fi
    P rm -f probe-exec >/dev/null
}

sc_exec() {
    needs_exec
    P run -d --name e1 $IMG sleep 1000 >/dev/null
    expect_eq "exec echo" hi "$(P exec e1 echo hi)"
    expect_eq "exec status" 5 "$(status_of P exec e1 sh -c 'exit 5')"
    expect_eq "exec user" "1000" "$(P exec -u 1000 e1 id -u)"
    expect_eq "exec cwd" "/tmp" "$(P exec -w /tmp e1 pwd)"
    expect_eq "exec env" "v" "$(P exec -e X=v e1 sh -c 'echo $X')"
    expect_eq "exec stdin" "PIPE" "$(echo pipe | P exec -i e1 tr a-z A-Z)"
    out=$(script -qec "podman exec -t e1 sh -c 'tty'" /dev/null | tr -d '\r')
    expect_match "exec tty" '^/dev/pts/[0-9]+' "$out"
    P exec -d e1 sh -c 'echo detached >/tmp/det' >/dev/null
    wait_for podman exec e1 test -s /tmp/det
    expect_eq "detached exec" detached "$(P exec e1 cat /tmp/det)"
    P rm -f e1 >/dev/null
}

sc_pause_unpause() {
    P run -d --name pz $IMG sh -c 'while :; do date +%s%N >/tmp/tick; sleep 0.05; done' >/dev/null
    if ! P pause pz >"$ENG_DIR/pause.out" 2>&1; then
        P rm -f pz >/dev/null
        grep -q 'not supported' "$ENG_DIR/pause.out" && skip "needs lcont-run pause"
        cat "$ENG_DIR/pause.out"
        fail "pause"
    fi
    expect_eq "paused" paused "$(inspect pz '{{.State.Status}}')"
    pid=$(inspect pz '{{.State.Pid}}')
    cg=libpod_parent/libpod-$(inspect pz '{{.Id}}')
    expect_match "cgroup frozen" '^(FROZEN|1)$' "$(freezer_state $cg)"
    P unpause pz >/dev/null
    expect_eq "running again" running "$(inspect pz '{{.State.Status}}')"
    expect_match "cgroup thawed" '^(THAWED|0)$' "$(freezer_state $cg)"
    # a paused container can be removed by force
    P pause pz >/dev/null
    P rm -f pz >/dev/null
    [ ! -e /proc/$pid ] || [ "$(awk '/^State/{print $2}' /proc/$pid/status)" = Z ] \
        || fail "paused init $pid survived rm -f"
}

run_podman_scenarios() {
    step lcont-run-create-survives-creator sc_create_survives_creator
    step podman-run-exit-codes sc_run_exit_codes
    step podman-runtime-protocol sc_runtime_protocol
    step podman-run-env-workdir-user-hostname sc_run_env_workdir_user_hostname
    step podman-run-stdin-pipe sc_run_stdin_pipe
    step podman-run-tty sc_run_tty
    step podman-detach-logs-ps-top-inspect sc_detach_logs_ps_top_inspect
    step podman-stop-graceful sc_stop_graceful
    step podman-stop-sigkill-fallback sc_stop_sigkill_fallback
    step podman-kill-signal sc_kill_signal
    step podman-create-then-start sc_create_then_start
    step podman-restart sc_restart
    step podman-rm-force sc_rm_force_running
    step podman-bind-mounts sc_bind_mounts
    step podman-read-only sc_read_only
    step podman-memory-pids-limits sc_memory_pids_limits
    step podman-memory-oom-kill sc_memory_oom_kill
    step podman-pids-limit-bites sc_pids_limit_bites
    step podman-privileged sc_privileged
    step podman-tmpfs-sysctl-ulimit-caps sc_tmpfs_sysctl_ulimit_caps
    step podman-seccomp-nnp-device sc_seccomp_nnp_device
    step podman-user-namespace sc_user_namespace
    step podman-shared-namespaces sc_shared_namespaces
    step podman-network-none sc_network_none
    step podman-port-forward sc_port_forward
    step podman-pod-localhost sc_pod_localhost
    step podman-exec sc_exec
    step podman-pause-unpause sc_pause_unpause
}
