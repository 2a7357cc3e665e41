#!/bin/bash
# Install what lcont needs to build, test and benchmark on Debian 12 (as root).
# Idempotent: only missing packages are installed.
set -euo pipefail

PKGS=(
  # build
  gcc g++ meson ninja-build pkg-config
  libcjson-dev libseccomp-dev libcap-ng-dev
  # images: tar, gzip (zlib, ISA-L), zstd, sha256; services: YAML; gateway: TLS
  libarchive-dev zlib1g-dev libisal-dev libzstd-dev libssl-dev libyaml-dev
  # tests
  libcmocka-dev abigail-tools busybox-static clang-format jq procps util-linux iproute2
  # pure cgroup v2 tier: qemu boots a Debian kernel (tests/vm)
  qemu-system-x86 xz-utils bc file
  # fuzzing and benchmarks (peers measured side by side)
  clang libclang-rt-14-dev crun runc hyperfine time valgrind
  umoci skopeo haproxy nginx libnginx-mod-stream wrk iperf3
  # real engines driving lcont-run (tests/engines)
  podman containerd
  # python bindings
  python3 python3-cffi python3-pytest python3-setuptools
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
