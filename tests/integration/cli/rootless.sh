#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Rootless: an unprivileged user (uid 4242, no passwd entry needed) runs containers with
# a config from "spec --rootless": a user namespace mapping that uid to root, no cgroup.
. "$(dirname "$0")/lib.sh"

U=4242
[ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] || { echo "SKIP: no user namespaces"; exit 77; }
[ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ] ||
    { echo "SKIP: unprivileged user namespaces disabled"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv not installed"; exit 77; }

chmod 755 "$T"
cp "$LCONT_RUN" "$T/lcont-run" # the build tree may not be readable by the user
chmod 755 "$T/lcont-run"
B="$T/bundle"
UROOT="$T/ustate"
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/sys" "$B/rootfs/tmp" \
    "$UROOT"
cp "$BUSYBOX" "$B/rootfs/bin/busybox"
for applet in sh sleep cat id hostname touch; do
    ln -sf busybox "$B/rootfs/bin/$applet"
done
chown -R $U:$U "$B" "$UROOT"

# as the user, with its own state root
ulcr() {
    setpriv --reuid=$U --regid=$U --clear-groups "$T/lcont-run" --root "$UROOT" "$@"
}
ulcr spec --rootless --bundle "$B"
[ "$(jq -r '.linux.uidMappings[0] | "\(.containerID) \(.hostID) \(.size)"' "$B/config.json")" = \
    "0 $U 1" ] || fail "spec --rootless does not map $U to root: $(jq -c .linux.uidMappings "$B/config.json")"
set_config "$B" '.process.terminal = false | .hostname = "rootless" | .root.readonly = false
    | .process.args = ["sh", "-c",
        "id -u; id -g; cat /proc/self/uid_map; echo $$; hostname; touch /tmp/made; exit 7"]'
chown $U:$U "$B/config.json"

# run: root inside, the user outside, its exit status back
set +e
ulcr run --bundle "$B" "${P}rl" </dev/null >"$T/out" 2>"$T/err"
rc=$?
set -e
[ $rc -eq 7 ] || fail "run gave $rc: $(cat "$T/err")"
set -- $(tr '\n' ' ' <"$T/out")
[ "$1 $2" = "0 0" ] || fail "ids inside: $1 $2"
[ "$3 $4 $5" = "0 $U 1" ] || fail "uid_map inside: $3 $4 $5"
[ "$6" = 1 ] || fail "not pid 1 inside: $6"
[ "$7" = rootless ] || fail "hostname inside: $7"
[ "$(stat -c %u "$B/rootfs/tmp/made")" = $U ] || fail "a file made inside is not owned by $U"
grep -q "running without resource limits" "$T/err" || fail "no warning about the cgroup: $(cat "$T/err")"
for m in /sys/fs/cgroup /sys/fs/cgroup/memory /sys/fs/cgroup/pids; do
    [ -z "$(find "$m" -maxdepth 4 -name "*${P}rl*" 2>/dev/null)" ] || fail "a cgroup was made in $m"
done
[ -z "$(ulcr list -q)" ] || fail "run left the container behind"

# the lifecycle, step by step
set_config "$B" '.process.args = ["sleep", "1000"]'
chown $U:$U "$B/config.json"
ulcr create --bundle "$B" "${P}rl" </dev/null >/dev/null 2>&1
[ "$(ulcr state "${P}rl" | jq -r .status)" = created ] || fail "not created"
pid=$(ulcr state "${P}rl" | jq -r .pid)
[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = $U ] || fail "init does not run as $U"
# the init waits for start non-dumpable again (its /proc files belong to root), although it
# had to stay dumpable until its id maps were written
[ "$(stat -c %u "/proc/$pid/environ")" = 0 ] || fail "init is dumpable while created"
ulcr start "${P}rl"
[ "$(ulcr state "${P}rl" | jq -r .status)" = running ] || fail "not running"
ulcr kill "${P}rl" KILL
i=0
until [ "$(ulcr state "${P}rl" | jq -r .status)" = stopped ]; do
    i=$((i + 1))
    [ $i -lt 3000 ] || fail "never stopped"
    sleep 0.01
done
ulcr delete "${P}rl"
[ -z "$(ulcr list -q)" ] || fail "delete left the container"
echo "ok"
