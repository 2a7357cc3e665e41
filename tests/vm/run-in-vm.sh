#!/bin/bash
# lcont tests/vm copy, based on shared/vm recipe (/work/shared/vm).
# run-in-vm.sh [options] DIR CMD [ARGS...]
#
# Boot the lcont test VM (pure cgroup v2, built by make-vm.sh), mount DIR
# read-write at /host (9p), run CMD as root with cwd /host, power off and exit
# with CMD's exit status.  One CMD argument is a shell string (sh -c); several
# arguments are run as an argv.  Output of CMD streams to stdout (serial).
#
# Options:
#   -t SECS    wall-clock timeout for the whole VM (default 900) -> exit 124
#   -m MB      guest memory (default 1024)
#   -c N       vCPUs (default: host nproc, max 8)
#   -a ACCEL   kvm | tcg | auto (default auto: kvm only if usable VT-x/AMD-V)
#   -e VAR=VAL export VAR to CMD (repeatable)
#   -b MB      attach an empty sparse scratch disk as /dev/vda (for io.max)
#   -M         minimal guest: busybox only (no host /usr,/etc; static binaries)
#   -C MODE    9p cache mode for /host: mmap (default), loose, none
#   -d FILE    save guest dmesg to FILE
#   -v         verbose: show kernel log on the console
#   -k VMDIR   where vmlinuz/initramfs live (default $LCONTVM_DIR or /var/tmp/lcont-vm)
# Exit status: CMD's status; 124 timeout; 125 VM/harness failure (no status).
# Env: LCONTVM_TIMING=1 prints boot/command timings to stderr; LCONTVM_KERNEL,
#   LCONTVM_CPU (TCG cpu model, default max), LCONTVM_MACHINE (default q35),
#   LCONTVM_QEMU_EXTRA (extra qemu args, word-split) for experiments.
# Guest: pure cgroup v2 at /sys/fs/cgroup (all controllers in root
#   subtree_control, nsdelegate), host /usr read-only + host /etc as a
#   throw-away overlay (unless -M), tmpfs /, /tmp, /root; CMD runs in the root
#   cgroup with stdin=/dev/null.
set -uo pipefail

usage() { awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0" >&2; exit 125; }

VMDIR=${LCONTVM_DIR:-/var/tmp/lcont-vm}
TIMEOUT=900 MEM=1024 ACCEL=auto MINIMAL=0 DMESG_OUT='' VERBOSE=0 DISK_MB='' CACHE=mmap
NCPU=$(nproc); [ "$NCPU" -gt 8 ] && NCPU=8
ENVS=()
while getopts "t:m:c:a:e:b:MC:d:vk:h" o; do
    case $o in
        t) TIMEOUT=$OPTARG ;; m) MEM=$OPTARG ;; c) NCPU=$OPTARG ;; a) ACCEL=$OPTARG ;;
        e) ENVS+=("$OPTARG") ;; b) DISK_MB=$OPTARG ;; M) MINIMAL=1 ;; C) CACHE=$OPTARG ;;
        d) DMESG_OUT=$OPTARG ;; v) VERBOSE=1 ;; k) VMDIR=$OPTARG ;; *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
DIR=$(realpath -e "$1") || { echo "run-in-vm: no such dir: $1" >&2; exit 125; }
shift
KERNEL=$VMDIR/vmlinux; [ -r "$KERNEL" ] || KERNEL=$VMDIR/vmlinuz   # ELF = PVH boot, faster
KERNEL=${LCONTVM_KERNEL:-$KERNEL} INITRD=$VMDIR/initramfs.cpio.gz
BIOS=(); [ -r /usr/share/qemu/qboot.rom ] && BIOS=(-bios /usr/share/qemu/qboot.rom)  # faster than SeaBIOS
for f in "$KERNEL" "$INITRD"; do
    [ -r "$f" ] || { echo "run-in-vm: $f missing; run make-vm.sh" >&2; exit 125; }
done
QEMU=$(command -v qemu-system-x86_64) || { echo "run-in-vm: qemu-system-x86_64 missing" >&2; exit 125; }

if [ "$ACCEL" = auto ]; then
    ACCEL=tcg
    # /dev/kvm backed by kvm_pvm (nested "PVM") only runs PVM-enabled guest
    # kernels; a stock kernel crawls there and dies, so require real VT-x/AMD-V.
    if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && [ ! -d /sys/module/kvm_pvm ]; then
        ACCEL=kvm
    fi
fi
case $ACCEL in
    kvm) ACCEL_ARGS=(-accel kvm -cpu host) ;;
    tcg) ACCEL_ARGS=(-accel "tcg,thread=multi" -cpu "${LCONTVM_CPU:-max}") ;;
    *) usage ;;
esac

CTL=$(mktemp -d /tmp/lcontvm.XXXXXX)
QPID=
cleanup() {
    if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
        kill "$QPID" 2>/dev/null; sleep 1; kill -9 "$QPID" 2>/dev/null
    fi
    rm -rf "$CTL"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
    if [ $# -eq 1 ]; then
        printf '%s\n' "$1"
    else
        printf 'exec'; for a in "$@"; do printf ' %s' "$(sq "$a")"; done; printf '\n'
    fi
} > "$CTL/cmd"
: > "$CTL/env"
for kv in "${ENVS[@]}"; do
    [[ $kv == *=* ]] || { echo "run-in-vm: -e needs VAR=VAL" >&2; exit 125; }
    printf '%s=%s\n' "${kv%%=*}" "$(sq "${kv#*=}")" >> "$CTL/env"
done
{
    echo "LCONTVM_VERBOSE=$VERBOSE"
    echo "LCONTVM_HOST_CACHE=$CACHE"
    [ -n "$DMESG_OUT" ] && echo "LCONTVM_DMESG=1"
} > "$CTL/vmopts"

# passthrough keeps real uids/modes on the host (needs host root)
SM=passthrough; [ "$(id -u)" = 0 ] || SM=none
share() {  # tag path [extra fsdev opts]
    QARGS+=(-fsdev "local,id=fs_$1,path=${2//,/,,},security_model=$SM,multidevs=remap${3:+,$3}"
            -device "virtio-9p-pci,fsdev=fs_$1,mount_tag=$1")
}
QARGS=()
share lcontctl "$CTL"
share host "$DIR"
if [ "$MINIMAL" = 0 ]; then
    share hostusr /usr readonly=on
    share hostetc /etc readonly=on
fi
if [ -n "$DISK_MB" ]; then
    truncate -s "${DISK_MB}M" "$CTL/scratch.img"
    # shellcheck disable=SC2054  # commas are qemu option syntax
    QARGS+=(-drive "file=$CTL/scratch.img,format=raw,if=none,id=scratch,cache=unsafe"
            -device virtio-blk-pci,drive=scratch)
fi

APPEND="console=ttyS0 panic=-1 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all"
APPEND+=" mitigations=off random.trust_cpu=on 8250.nr_uarts=1 i8042.noaux i8042.nokbd"
[ "$VERBOSE" = 1 ] || APPEND+=" quiet loglevel=1"

"$QEMU" -version >/dev/null || exit 125
T0=$(date +%s.%N)
timeout -k 5 "$TIMEOUT" "$QEMU" -nodefaults -no-user-config -display none -no-reboot \
    -machine "${LCONTVM_MACHINE:-q35}" "${BIOS[@]}" "${ACCEL_ARGS[@]}" ${LCONTVM_QEMU_EXTRA:-} -m "$MEM" -smp "$NCPU" \
    -serial stdio -kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND" \
    "${QARGS[@]}" &
QPID=$!
wait "$QPID"; qrc=$?
QPID=
T1=$(date +%s.%N)

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    echo "run-in-vm: TIMEOUT after ${TIMEOUT}s" >&2; rc=124
elif [ -s "$CTL/rc" ]; then
    rc=$(cat "$CTL/rc")
else
    echo "run-in-vm: VM ended without exit status (qemu rc=$qrc)" >&2; rc=125
fi
[ -n "$DMESG_OUT" ] && [ -f "$CTL/dmesg" ] && cp "$CTL/dmesg" "$DMESG_OUT"
if [ -n "${LCONTVM_TIMING:-}" ]; then
    read -r gs _ < "$CTL/t_start" 2>/dev/null; read -r ge _ < "$CTL/t_end" 2>/dev/null
    echo "run-in-vm: accel=$ACCEL wall=$(echo "$T1 - $T0" | bc)s guest_uptime_at_cmd=${gs:-?}s cmd=$(echo "${ge:-0} - ${gs:-0}" | bc)s" >&2
fi
exit "$rc"
