#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Service table benchmark (issue 5): pick latency p50/p99 with 30k services x 10
# endpoints, cost of a one-endpoint update, full load of 10k x 10 (JSON and API).
# No peer library is installed for this; the goals of issue 5 are the reference.
# Picks for a random service among 30k are bound by memory latency: one 64-byte
# hot line per service, 1.9 MiB in all. The script first prints
# bench/memory-latency over 16 MiB (about 25 ns when the L3 is ours, 115+ ns
# when a neighbour, another VM or a build on the sibling CPU, is using it), and
# each run times one random load over 1.9 MiB around its picks
# (memory_p99_ns): pick p99 follows that figure.
#
# usage: bench/table.sh [-r RUNS] [BUILDDIR]      (default BUILDDIR=build, RUNS=3)
# Prints every run, then the run with the median pick p99 again, whose JSON
# line ends the output.
set -eu

runs=3
while getopts r: opt; do
    case $opt in
    r) runs=$OPTARG ;;
    *) sed -n 's/^# usage: /usage: /p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${1:-$srcdir/build}" && pwd)

ninja -C "$builddir" bench/service/bench-table bench/memory-latency >/dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "memory: $("$builddir/bench/memory-latency" 16)"
tmp=$(mktemp -d /tmp/lcont-bench-table.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
i=0
while [ "$i" -lt "$runs" ]; do
    "$builddir/bench/service/bench-table" >"$tmp/run$i"
    sed -n '1,6p' "$tmp/run$i"
    i=$((i + 1))
done
med=$(for f in "$tmp"/run*; do
    printf '%s %s\n' "$(tail -1 "$f" | sed 's/.*"pick_p99_ns":\([0-9]*\).*/\1/')" "$f"
done | sort -n | sed -n "$(((runs + 1) / 2))p" | cut -d' ' -f2)
echo "median run (by pick p99):"
cat "$med"
