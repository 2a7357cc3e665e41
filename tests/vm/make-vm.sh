#!/bin/bash
# lcont tests/vm copy, based on shared/vm recipe (/work/shared/vm).
# make-vm.sh - build a tiny cgroup-v2-only test VM for lcont (kernel + initramfs).
#
# Downloads (apt-get download, never installs) the Debian kernel image and
# busybox-static, extracts them with dpkg -x and writes
#   $LCONTVM_DIR/vmlinuz           kernel bzImage (from linux-image-*.deb)
#   $LCONTVM_DIR/vmlinux           same kernel, uncompressed ELF (PVH boot; ~3 s
#                                  faster under TCG; needs xz on the host)
#   $LCONTVM_DIR/initramfs.cpio.gz busybox + modules + two-stage /init
#   $LCONTVM_DIR/build-info        versions used
# Scratch: $LCONTVM_DIR/debs (kept), kpkg/bbpkg/stage (removed after build).
# LCONTVM_DIR defaults to /var/tmp/lcont-vm.  Nothing is installed on the
# host except qemu-system-x86 (only if qemu-system-x86_64 is missing).
#
# Env knobs:
#   LCONTVM_DIR       output dir (default /var/tmp/lcont-vm)
#   KERNEL_PKG        exact kernel package (default: dependency of linux-image-amd64)
#   EXTRA_MODULES     extra module names to load at boot (space separated)
#   FORCE_DOWNLOAD=1  re-download the .debs
#   KEEP_SCRATCH=1    keep the extracted kpkg/bbpkg/stage trees
set -euo pipefail

OUT=${LCONTVM_DIR:-/var/tmp/lcont-vm}
# Modules loaded at boot, in this order (deps are resolved from modules.dep).
MODULES="virtio_pci 9pnet_virtio 9p overlay virtio_blk loop veth bridge tun fuse ${EXTRA_MODULES:-}"

log() { echo "make-vm: $*" >&2; }
die() { echo "make-vm: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get download/mknod)"
command -v dpkg >/dev/null || die "dpkg missing"

if ! command -v qemu-system-x86_64 >/dev/null; then
    log "installing qemu-system-x86 (host package, no recommends)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends qemu-system-x86 >&2
fi

mkdir -p "$OUT/debs"
cd "$OUT/debs"
if [ -z "${KERNEL_PKG:-}" ]; then
    KERNEL_PKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
                 awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$KERNEL_PKG" ] || die "cannot resolve linux-image-amd64 dependency (apt-get update?)"
fi
for pkg in "$KERNEL_PKG" busybox-static; do
    if [ -n "${FORCE_DOWNLOAD:-}" ] || ! ls "${pkg}"_*.deb >/dev/null 2>&1; then
        rm -f "${pkg}"_*.deb
        log "apt-get download $pkg"
        # (the "_apt couldn't access" sandbox warning is harmless)
        apt-get download "$pkg" >&2 2>/dev/null || apt-get download "$pkg" >&2
    fi
done
KDEB=$(ls "$OUT"/debs/"${KERNEL_PKG}"_*.deb | tail -1)
BDEB=$(ls "$OUT"/debs/busybox-static_*.deb | tail -1)

log "extracting $(basename "$KDEB") and $(basename "$BDEB")"
rm -rf "$OUT/kpkg" "$OUT/bbpkg" "$OUT/stage"
mkdir -p "$OUT/kpkg" "$OUT/bbpkg"
dpkg -x "$KDEB" "$OUT/kpkg"
dpkg -x "$BDEB" "$OUT/bbpkg"
KVER=$(ls "$OUT/kpkg/lib/modules" | head -1)
BB="$OUT/bbpkg/bin/busybox"
[ -x "$BB" ] || die "busybox not found in $BDEB"
KCONF="$OUT/kpkg/boot/config-$KVER"
for opt in CGROUPS MEMCG CGROUP_PIDS CPUSETS CGROUP_SCHED BLK_CGROUP USER_NS PID_NS NET_NS DEVTMPFS; do
    grep -q "^CONFIG_$opt=y" "$KCONF" || die "kernel lacks CONFIG_$opt=y"
done
for opt in NET_9P NET_9P_VIRTIO 9P_FS VIRTIO_PCI OVERLAY_FS; do
    grep -Eq "^CONFIG_$opt=[ym]" "$KCONF" || die "kernel lacks CONFIG_$opt"
done
cp "$OUT/kpkg/boot/vmlinuz-$KVER" "$OUT/vmlinuz.new"
# Uncompressed ELF vmlinux for PVH direct boot: under TCG the in-guest xz
# decompression of the bzImage alone costs ~3 s, so run-in-vm.sh prefers it.
rm -f "$OUT/vmlinux"
if grep -q '^CONFIG_PVH=y' "$KCONF" && command -v xz >/dev/null; then
    off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$OUT/vmlinuz.new" | head -1 | cut -d: -f1)
    # (tail may die of SIGPIPE once xz has the whole stream: check the result, not the pipe)
    [ -n "$off" ] && { tail -c +$((off + 1)) "$OUT/vmlinuz.new" | xz -dc --single-stream > "$OUT/vmlinux.new" 2>/dev/null || true; }
    if [ -s "$OUT/vmlinux.new" ] && [ "$(head -c 4 "$OUT/vmlinux.new" | od -An -c | tr -d ' ')" = '177ELF' ]; then
        mv "$OUT/vmlinux.new" "$OUT/vmlinux"
    else
        rm -f "$OUT/vmlinux.new"; log "warning: could not extract vmlinux; bzImage boot (slower under TCG)"
    fi
else
    log "warning: no xz or no CONFIG_PVH; bzImage boot only (slower under TCG)"
fi

# ---- resolve module closure (busybox depmod on the extracted tree) -----------
MODDIR="$OUT/kpkg/lib/modules/$KVER"
[ -f "$MODDIR/modules.dep" ] || "$BB" depmod -b "$OUT/kpkg" "$KVER"
declare -A seen=()
modfiles=()
addmod() {   # $1 = module name; depth-first so dependencies come first
    local name=${1//-/_} line path deps d
    line=$(grep -E "/${name}\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" | head -1) || true
    if [ -z "$line" ]; then
        grep -q "/${name}\.ko" "$MODDIR/modules.builtin" && return 0
        die "module $name not found"
    fi
    path=${line%%:*}; deps=${line#*:}
    [ -n "${seen[$path]:-}" ] && return 0
    seen[$path]=1
    for d in $deps; do d=$(basename "$d"); addmod "${d%%.ko*}"; done
    modfiles+=("$path")
}
for m in $MODULES; do addmod "$m"; done

# ---- stage the initramfs ------------------------------------------------------
S="$OUT/stage"
mkdir -p "$S"/{bin,dev,proc,sys,newroot,etc,lcontvm/bin} "$S/lib/modules/$KVER"
cp "$BB" "$S/bin/busybox"
ln -s busybox "$S/bin/sh"
cp "$BB" "$S/lcontvm/bin/busybox"
for a in $("$BB" --list); do
    [ "$a" = busybox ] || ln -s busybox "$S/lcontvm/bin/$a"
done
for m in "${modfiles[@]}"; do
    mkdir -p "$S/lib/modules/$KVER/$(dirname "$m")"
    cp "$MODDIR/$m" "$S/lib/modules/$KVER/$m"
done
cp "$MODDIR"/modules.builtin* "$MODDIR/modules.order" "$S/lib/modules/$KVER/" 2>/dev/null || true
"$BB" depmod -b "$S" "$KVER"
echo $MODULES > "$S/etc/lcontvm-modules"
mknod -m 600 "$S/dev/console" c 5 1
mknod -m 666 "$S/dev/null" c 1 3

# Stage 1: runs from the initramfs (rootfs).  Loads modules, then copies the
# small userland into a tmpfs and switch_root's into it, because pivot_root(2)
# (used by container runtimes) fails with EINVAL when / is the initramfs rootfs.
cat > "$S/init" <<'EOF'
#!/bin/busybox sh
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
busybox modprobe -a $(busybox cat /etc/lcontvm-modules) || echo "lcontvm: modprobe failed" >/dev/console
busybox mount -t tmpfs -o mode=755 lcontroot /newroot
busybox cp -a /lcontvm /newroot/
busybox umount /dev /sys /proc
exec busybox switch_root /newroot /lcontvm/init2
EOF

# Stage 2: PID 1 on a tmpfs root.
cat > "$S/lcontvm/init2" <<'EOF'
#!/lcontvm/bin/sh
# lcont test VM init (stage 2).  Mounts, cgroup2 setup, runs the command from
# the "lcontctl" 9p share, stores its exit status there, powers off.
export PATH=/lcontvm/bin
msg() { echo "lcontvm: $*" >/dev/console; }
mkdir -p /proc /sys /dev /tmp /run /root /host /etc /usr /var /mnt
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm
mount -t mqueue mqueue /dev/mqueue 2>/dev/null
mount -t tmpfs -o mode=1777,nosuid,nodev tmp /tmp
mount -t tmpfs -o mode=755,nosuid,nodev run /run
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null

# ---- pure cgroup v2, all controllers enabled at the root ----
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup ||
    mount -t cgroup2 cgroup2 /sys/fs/cgroup || msg "cgroup2 mount FAILED"
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
    echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control || msg "cannot enable $c"
done

has_tag() { cat /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag 2>/dev/null | tr '\0' '\n' | grep -qx "$1"; }
NINEP=trans=virtio,version=9p2000.L,msize=512000

mkdir -p /run/lcontvm
mount -t 9p -o $NINEP,cache=none lcontctl /run/lcontvm || msg "ctl share missing"
[ -f /run/lcontvm/vmopts ] && . /run/lcontvm/vmopts

if has_tag hostusr; then
    # host /usr (read-only, cached) so host-built dynamically linked binaries run
    mount -t 9p -o $NINEP,ro,cache=loose hostusr /usr
    for d in bin sbin lib lib64; do [ -e /usr/$d ] && ln -s usr/$d /$d; done
    if has_tag hostetc; then
        mkdir -p /run/etc.lower /run/etc.rw
        mount -t 9p -o $NINEP,ro,cache=loose hostetc /run/etc.lower
        mount -t tmpfs tmpfs /run/etc.rw && mkdir -p /run/etc.rw/u /run/etc.rw/w
        mount -t overlay -o lowerdir=/run/etc.lower,upperdir=/run/etc.rw/u,workdir=/run/etc.rw/w overlay /etc ||
            mount --bind /run/etc.lower /etc
    fi
else
    ln -s lcontvm/bin /bin; ln -s lcontvm/bin /sbin
    mkdir -p /usr; ln -s ../lcontvm/bin /usr/bin; ln -s ../lcontvm/bin /usr/sbin
    echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd
    echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >> /etc/passwd
    printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' > /etc/group
fi
ln -sf /proc/self/mounts /etc/mtab 2>/dev/null
mkdir -p /var/tmp && mount -t tmpfs -o mode=1777 vartmp /var/tmp
if has_tag host; then
    mount -t 9p -o $NINEP,${LCONTVM_HOST_CACHE:-mmap} host /host || msg "mounting /host FAILED"
fi
hostname lcontvm
stty -F /dev/console -onlcr 2>/dev/null   # plain LF output on the host side
ip link set lo up 2>/dev/null
[ "${LCONTVM_VERBOSE:-0}" = 1 ] || echo "1 4 1 7" > /proc/sys/kernel/printk

export HOME=/root TERM=${LCONTVM_TERM:-dumb} LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/lcontvm/bin
[ -f /run/lcontvm/env ] && { set -a; . /run/lcontvm/env; set +a; }
cat /proc/uptime > /run/lcontvm/t_start 2>/dev/null
cd /host 2>/dev/null || cd /
if [ -f /run/lcontvm/cmd ]; then
    /bin/sh /run/lcontvm/cmd </dev/null >/dev/console 2>&1
    rc=$?
else
    msg "no command"; rc=125
fi
cd /
cat /proc/uptime > /run/lcontvm/t_end 2>/dev/null
[ "${LCONTVM_DMESG:-0}" = 1 ] && dmesg > /run/lcontvm/dmesg 2>/dev/null
echo "$rc" > /run/lcontvm/rc
sync
umount /host 2>/dev/null
echo "LCONTVM_EXIT=$rc" >/dev/console
poweroff -f
EOF
chmod 755 "$S/init" "$S/lcontvm/init2"

log "packing initramfs ($(echo ${#modfiles[@]}) module files)"
( cd "$S" && find . | LC_ALL=C sort | "$BB" cpio -o -H newc 2>/dev/null | gzip -6 ) > "$OUT/initramfs.cpio.gz.new"
mv "$OUT/vmlinuz.new" "$OUT/vmlinuz"
mv "$OUT/initramfs.cpio.gz.new" "$OUT/initramfs.cpio.gz"
{
    echo "kernel_pkg=$(basename "$KDEB")"
    echo "kernel_release=$KVER"
    echo "busybox_pkg=$(basename "$BDEB")"
    echo "modules=${modfiles[*]}"
    echo "built=$(date -u +%FT%TZ)"
} > "$OUT/build-info"
[ -n "${KEEP_SCRATCH:-}" ] || rm -rf "$OUT/kpkg" "$OUT/bbpkg" "$OUT/stage"   # ~400 MB of modules
log "done: $OUT/vmlinuz $OUT/initramfs.cpio.gz ($(du -h "$OUT/initramfs.cpio.gz" | cut -f1))"
