# SPDX-License-Identifier: LGPL-2.1-or-later
# containerd scenarios (sourced by containerd.sh). Each sc_* function is one step.

IMG=localhost/bb:latest
RUNC=${ENG_RUNC:-$ENG_DIR/bin/lcont-run} # ENG_RUNC=/usr/sbin/runc compares with runc

status_of() {
    set +e
    "$@" >"$ENG_DIR/last.out" 2>&1
    echo $?
    set -e
}

# "ctr task ls" status of one task (RUNNING, PAUSED, STOPPED, CREATED)
task_status() { C task ls | awk -v id="$1" '$1 == id { print $3 }'; }
task_pid() { C task ls | awk -v id="$1" '$1 == id { print $2 }'; }
# ctr 1.6 has neither "task wait" nor an exit status from "task rm": an attached
# "ctr run" in the background is what reports the status (bg_run ID ARGS, bg_status).
bg_run() {
    local id=$1
    shift
    C run --rm --runc-binary "$RUNC" $IMG "$id" "$@" >"$ENG_DIR/bg.out" 2>&1 </dev/null &
    BG_PID=$!
    wait_for sh -c "ctr --address $SOCK -n $NS task ls | grep -q '^$id .*RUNNING'"
}
bg_wait() {
    set +e
    wait $BG_PID
    BG_STATUS=$?
    set -e
}
task_reap() {
    wait_for sh -c "ctr --address $SOCK -n $NS task ls | grep -q '^$1 .*STOPPED'"
    C task rm "$1" >/dev/null
}
# Kill, reap and remove a task and its container.
task_cleanup() {
    C task kill -s SIGKILL "$1" >/dev/null 2>&1 || true
    task_reap "$1" >/dev/null
    C container rm "$1" >/dev/null 2>&1 || true
}

sc_run_exit_codes() {
    expect_eq "true" 0 "$(status_of C run --rm --runc-binary "$RUNC" $IMG x1 true)"
    expect_eq "exit 3" 3 "$(status_of C run --rm --runc-binary "$RUNC" $IMG x2 sh -c 'exit 3')"
    out=$(C run --rm --runc-binary "$RUNC" $IMG x3 echo hello)
    expect_eq "stdout" hello "$out"
    expect_eq "missing binary fails" 1 \
        "$(status_of C run --rm --runc-binary "$RUNC" $IMG x4 /no/such/binary)"
    expect_match "missing binary message" '[Nn]o such file or directory' "$(cat "$ENG_DIR/last.out")"
    C container rm x4 >/dev/null 2>&1 || true
    grep -q "ARGV:.*\[create\].*\[x1\]" "$ENG_DIR/runtime.log" || fail "lcont-run was not used"
}

sc_run_env_cwd() {
    out=$(C run --rm --runc-binary "$RUNC" --env FOO=bar --cwd /tmp $IMG x5 \
        sh -c 'echo "$FOO $(pwd) $(id -u):$(id -g)"')
    expect_eq "env/cwd/user" "bar /tmp 0:0" "$out"
}

sc_run_mounts_limits() {
    mkdir -p "$ENG_DIR/cvol"
    out=$(C run --rm --runc-binary "$RUNC" --read-only \
        --mount "type=bind,src=$ENG_DIR/cvol,dst=/data,options=rbind:rw" $IMG x8 \
        sh -c 'echo in >/data/f; touch /x 2>/dev/null && echo rw || echo ro')
    expect_eq "read-only root" "ro" "$out"
    expect_eq "bind write" in "$(cat "$ENG_DIR/cvol/f")"
    C run -d --runc-binary "$RUNC" --memory-limit 67108864 $IMG x10 sleep 1000 >/dev/null
    mem=$(cat /sys/fs/cgroup/memory/$NS/x10/memory.limit_in_bytes 2>/dev/null ||
        cat /sys/fs/cgroup/$NS/x10/memory.max)
    task_cleanup x10
    expect_eq "memory limit in the /<namespace>/<id> cgroup" 67108864 "$mem"
    out=$(C run --rm --runc-binary "$RUNC" --net-host --privileged $IMG x9 \
        sh -c 'grep CapEff /proc/self/status | tr -d " \t"; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " "')
    expect_eq "privileged, host net" "CapEff:$(awk '/^CapBnd/{print $2}' /proc/self/status)
$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " ")" "$out"
}

sc_run_stdin() {
    # ctr 1.6 "run" never closes the task's stdin at EOF (with runc either), so read one line
    out=$(printf 'abc\n' | C run --rm --runc-binary "$RUNC" $IMG x6 sh -c 'read l; echo $l | tr a-z A-Z')
    expect_eq "stdin" ABC "$out"
}

sc_run_tty() {
    command -v script >/dev/null || skip "script(1) not installed"
    out=$(script -qec "ctr --address $SOCK -n $NS run --rm -t --runc-binary $RUNC $IMG x7 sh -c 'tty; exit 6'" /dev/null; echo "rc=$?")
    out=$(printf '%s' "$out" | tr -d '\r')
    expect_match "tty" '/dev/pts/[0-9]+' "$out"
    expect_match "tty exit" 'rc=6' "$out"
}

sc_runc_on_path() {
    # no --runc-binary: the shim runs "runc" from PATH, which is lcont-run
    C container create $IMG c2 echo via-path >/dev/null
    out=$(C task start c2; echo "rc=$?") || true
    expect_eq "output" 'via-path
rc=0' "$out"
    C task rm c2 >/dev/null 2>&1 || true
    C container rm c2
    C container create $IMG c3 false >/dev/null
    out=$(C task start c3; echo "rc=$?") || true
    expect_eq "exit code" 'rc=1' "$out"
    C task rm c3 >/dev/null 2>&1 || true
    C container rm c3
    grep -q "ARGV:.*\[create\].*\[c2\]" "$ENG_DIR/runtime.log" || fail "runc from PATH not used"
}

sc_systemd_cgroup_refused() {
    # containerd passes --systemd-cgroup; there is no systemd here: a clear error, no task
    expect_eq "refused" 1 "$(status_of C run --rm --runc-binary "$RUNC" --runc-systemd-cgroup --cgroup "system.slice:lcont:sd" $IMG sd true)"
    expect_match "message" 'systemd cgroup driver is not supported' "$(cat "$ENG_DIR/last.out")"
    C container rm sd >/dev/null 2>&1 || true
    [ -z "$(C task ls -q | grep -x sd)" ] || fail "task left behind"
}

sc_kill_all() {
    bg_run ka sh -c 'sleep 1000 & sleep 1000 & wait'
    pid=$(task_pid ka)
    wait_for sh -c "[ \$(pgrep -c -P $pid sleep) -eq 2 ]"
    kids=$(pgrep -P "$pid" sleep | tr '\n' ' ')
    C task kill --all -s SIGKILL ka
    bg_wait
    expect_eq "init status" 137 "$BG_STATUS"
    for k in $kids; do
        [ ! -e /proc/$k ] || fail "process $k survived kill --all"
    done
}

sc_kill_signal() {
    bg_run ks sh -c 'trap "exit 8" USR1; echo ready; while :; do sleep 1 & wait; done'
    wait_for grep -q ready "$ENG_DIR/bg.out"
    C task kill -s SIGUSR1 ks
    bg_wait
    expect_eq "exit after USR1" 8 "$BG_STATUS"
}

sc_with_ns_network() {
    C run -d --runc-binary "$RUNC" $IMG srv httpd -f -p 8090 -h /var/www >/dev/null
    wait_for sh -c "ctr --address $SOCK -n $NS task ls | grep -q '^srv .*RUNNING'"
    pid=$(task_pid srv)
    # ctr makes a bare netns (no CNI): bring its loopback up from outside
    nsenter --net=/proc/$pid/ns/net ip link set lo up
    out=$(C run --rm --runc-binary "$RUNC" --with-ns "network:/proc/$pid/ns/net" $IMG cli \
        sh -c 'for i in $(seq 1 300); do wget -qO- http://127.0.0.1:8090/ 2>/dev/null && exit 0; sleep 0.1; done; exit 1')
    expect_eq "shared netns" "hello from image" "$out"
    task_cleanup srv
}

sc_restart_containerd() {
    C run -d --runc-binary "$RUNC" $IMG rs sleep 1000 >/dev/null
    wait_for sh -c "ctr --address $SOCK -n $NS task ls | grep -q '^rs .*RUNNING'"
    pid=$(task_pid rs)
    # an attached client across the restart: it must get the exit status at the end
    C task attach rs >"$ENG_DIR/attach.out" 2>&1 </dev/null &
    attach=$!
    stop_containerd
    kill -0 "$pid" || fail "container died with containerd"
    start_containerd
    expect_eq "still running after restart" RUNNING "$(task_status rs)"
    expect_eq "same pid" "$pid" "$(task_pid rs)"
    C task kill -s SIGKILL rs
    while [ -e /proc/$pid ]; do sleep 0.05; done
    wait_for sh -c "! ctr --address $SOCK -n $NS task ls | grep -q '^rs .*RUNNING'"
    C task rm rs >/dev/null 2>&1 || true
    C container rm rs
    kill $attach 2>/dev/null || true
}

needs_exec() {
    if "$LCONT_RUN" --root "$ENG_DIR/probe" exec x true 2>&1 | grep -q 'is not supported'; then
        skip "needs lcont-run exec"
    fi
}

sc_task_exec() {
    needs_exec
    C run -d --runc-binary "$RUNC" $IMG ex sleep 1000 >/dev/null
    wait_for sh -c "ctr --address $SOCK -n $NS task ls | grep -q '^ex .*RUNNING'"
    expect_eq "exec" hi "$(C task exec --exec-id e1 ex echo hi)"
    expect_eq "exec status" 5 "$(status_of C task exec --exec-id e2 ex sh -c 'exit 5')"
    expect_eq "exec cwd/user" "/tmp 1000" "$(C task exec --exec-id e3 --cwd /tmp --user 1000 ex sh -c 'echo $(pwd) $(id -u)')"
    out=$(script -qec "ctr --address $SOCK -n $NS task exec -t --exec-id e4 ex tty" /dev/null | tr -d '\r')
    expect_match "exec tty" '/dev/pts/[0-9]+' "$out"
    task_cleanup ex
}

sc_task_ps() {
    C run -d --runc-binary "$RUNC" $IMG tp sh -c 'sleep 1000 & wait' >/dev/null
    wait_for sh -c "ctr --address $SOCK -n $NS task ls | grep -q '^tp .*RUNNING'"
    pid=$(task_pid tp)
    if ! C task ps tp >"$ENG_DIR/ps.out" 2>&1; then
        task_cleanup tp
        grep -q 'not supported' "$ENG_DIR/ps.out" && skip "needs lcont-run ps"
        cat "$ENG_DIR/ps.out"; fail "task ps"
    fi
    grep -q "^$pid " "$ENG_DIR/ps.out" || fail "init pid $pid not in task ps: $(cat "$ENG_DIR/ps.out")"
    [ "$(grep -c '^[0-9]' "$ENG_DIR/ps.out")" -ge 2 ] || fail "child not listed: $(cat "$ENG_DIR/ps.out")"
    task_cleanup tp
}

sc_pause_resume() {
    C run -d --runc-binary "$RUNC" $IMG pr sleep 1000 >/dev/null
    wait_for sh -c "ctr --address $SOCK -n $NS task ls | grep -q '^pr .*RUNNING'"
    if ! C task pause pr >"$ENG_DIR/pause.out" 2>&1; then
        task_cleanup pr
        grep -q 'not supported' "$ENG_DIR/pause.out" && skip "needs lcont-run pause"
        cat "$ENG_DIR/pause.out"; fail "task pause"
    fi
    expect_eq "paused" PAUSED "$(task_status pr)"
    expect_match "cgroup frozen" '^(FROZEN|1)$' "$(freezer_state $NS/pr)"
    C task resume pr
    expect_eq "resumed" RUNNING "$(task_status pr)"
    expect_match "cgroup thawed" '^(THAWED|0)$' "$(freezer_state $NS/pr)"
    task_cleanup pr
}

run_containerd_scenarios() {
    step ctr-run-exit-codes sc_run_exit_codes
    [ -z "${ENG_RESTART_ONLY:-}" ] || { for i in 1 2 3 4 5; do step ctr-restart-$i sc_restart_containerd; done; return; }
    step ctr-run-env-cwd sc_run_env_cwd
    step ctr-run-mounts-limits sc_run_mounts_limits
    step ctr-run-stdin sc_run_stdin
    step ctr-run-tty sc_run_tty
    step ctr-runc-on-path sc_runc_on_path
    step ctr-systemd-cgroup-refused sc_systemd_cgroup_refused
    step ctr-kill-all sc_kill_all
    step ctr-kill-signal sc_kill_signal
    step ctr-with-ns-network sc_with_ns_network
    step ctr-task-exec sc_task_exec
    step ctr-task-ps sc_task_ps
    step ctr-pause-resume sc_pause_resume
    step ctr-restart-containerd sc_restart_containerd
}
