#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Container start benchmark: `lcont-run run` vs `crun run` vs `runc run` on the
# same busybox bundle running /bin/true, in ONE interleaved run (each round runs
# every runtime once, in a seeded random order), plus the in-process API loop
# (bench/start-api: create+start+wait+delete per iteration).
#
# usage: bench/start.sh [-n ROUNDS] [-w WARMUP] [BUILDDIR]     (root; default BUILDDIR=build)
#
# crun 1.8 refuses the hybrid cgroup layout of this host, so every runtime
# (and the API loop) runs as `unshare -m sh -c 'umount /sys/fs/cgroup/unified;
# exec RUNTIME ...'`: the same wrapper for all, so the comparison is fair. The
# wrapper alone is measured too ("wrapper" row) and the net times are printed.
# Each command also runs under /usr/bin/time -f %M for its peak RSS.
# Ends with one JSON line (see docs/benchmarks.md).
set -eu

rounds=30
warmup=3
while getopts n:w: opt; do
    case $opt in
    n) rounds=$OPTARG ;;
    w) warmup=$OPTARG ;;
    *) sed -n '9p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${1:-$srcdir/build}" && pwd)

[ "$(id -u)" = 0 ] || { echo "start.sh: needs root" >&2; exit 1; }
for tool in busybox crun runc unshare python3 /usr/bin/time; do
    command -v $tool >/dev/null || { echo "start.sh: $tool not installed" >&2; exit 1; }
done
busybox=$(command -v busybox)
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
    { echo "start.sh: $busybox is not static (apt install busybox-static)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/lcont-bench-start.XXXXXX)
# Runtime state on a tmpfs, as in real use (/run/crun, /run/runc, /run/lcont are tmpfs): on
# ext4 every atomic state update (write, rename over the old file) makes ext4 start writeback
# of the new file (auto_da_alloc), which costs 0.3-3 ms a rename on this shared disk. The
# bundle stays on disk, like container storage.
mkdir "$tmp/run"
mount -t tmpfs -o mode=0755,size=64m lcont-bench-run "$tmp/run"
cleanup() {
    for rt in lcont api crun runc; do
        [ -d "$tmp/run/state-$rt" ] || continue
        for dir in "$tmp/run/state-$rt"/*; do
            [ -d "$dir" ] || continue
            id=$(basename "$dir")
            case $rt in
            lcont | api) "$builddir/examples/lcont-run/lcont-run" --root "$tmp/run/state-$rt" delete -f "$id" ;;
            *) $rt --root "$tmp/run/state-$rt" delete -f "$id" ;;
            esac
        done >/dev/null 2>&1 || true
    done
    umount "$tmp/run" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The bundle: runc's default config (default namespaces, mounts, masked paths),
# /bin/true as the process, no terminal.
bundle=$tmp/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/dev" "$bundle/rootfs/sys"
cp "$busybox" "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/true"
(cd "$bundle" && runc spec)
python3 - "$bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
cfg = json.load(open(path))
cfg["process"]["args"] = ["/bin/true"]
cfg["process"]["terminal"] = False
json.dump(cfg, open(path, "w"), indent=2)
PY

python3 - "$srcdir" "$builddir" "$tmp" "$bundle" "$rounds" "$warmup" <<'PY'
import json
import os
import random
import statistics
import subprocess
import sys
import time

srcdir, builddir, tmp, bundle, rounds, warmup = sys.argv[1:]
rounds, warmup = int(rounds), int(warmup)
# Same wrapper for every runtime: private mount namespace without cgroup2.
WRAP = ["unshare", "-m", "sh", "-c",
        'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"']

lcont_run = os.path.join(builddir, "examples", "lcont-run", "lcont-run")
start_api = os.path.join(builddir, "bench", "start-api")


def runtime_cmd(name, cid):
    state = os.path.join(tmp, "run", "state-" + name)
    if name == "wrapper":
        return WRAP + ["/bin/true"]
    binary = {"lcont": lcont_run, "crun": "crun", "runc": "runc"}[name]
    return WRAP + [binary, "--root", state, "run", "--bundle", bundle, cid]


RSS_FILE = os.path.join(tmp, "rss")


def run_once(name, cid):
    """(wall ms, peak RSS kB of the runtime and the processes it reaped)"""
    # GNU time forks the command from a small process: a child forked from
    # python would report python's RSS high-water mark from before its exec.
    cmd = ["/usr/bin/time", "-f", "%M", "-o", RSS_FILE] + runtime_cmd(name, cid)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, check=False)
    elapsed = (time.perf_counter() - t0) * 1e3
    if p.returncode != 0:
        sys.exit("start.sh: %s run failed (exit %d): %s"
                 % (name, p.returncode, p.stderr.decode(errors="replace").strip()))
    with open(RSS_FILE) as f:
        return elapsed, int(f.read().split()[-1])


names = ["lcont", "crun", "runc", "wrapper"]
if not os.access(lcont_run, os.X_OK):
    print("start.sh: %s not built; measuring crun and runc only" % lcont_run, file=sys.stderr)
    names.remove("lcont")

times = {n: [] for n in names}
rss = {n: [] for n in names}
# A seeded shuffle per round, not a fixed rotation: with a rotation some runtime always runs
# right after runc and pays for runc's teardown (its Go process and namespaces dying in the
# kernel); a shuffle gives every runtime every predecessor equally often.
order_rng = random.Random(20261128)
for r in range(-warmup, rounds):
    order = names[:]
    order_rng.shuffle(order)
    for name in order:
        ms, kb = run_once(name, "bench-%s-%d" % (name, r + warmup))
        if r >= 0:
            times[name].append(ms)
            rss[name].append(kb)

api = None
if os.access(start_api, os.X_OK):
    # Under GNU time too: its own ru_maxrss would include python's pre-exec pages.
    out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", RSS_FILE] + WRAP +
                         [start_api, bundle, os.path.join(tmp, "run", "state-api"), str(rounds),
                          str(warmup)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, check=False)
    if out.returncode == 0:
        api = json.loads(out.stdout.decode().strip().splitlines()[-1])
        with open(RSS_FILE) as f:
            api["rss_kb"] = int(f.read().split()[-1])
    else:
        print("start.sh: start-api failed (exit %d)" % out.returncode, file=sys.stderr)
else:
    print("start.sh: %s not built; no API numbers" % start_api, file=sys.stderr)

# ---- exec latency and pause+resume round trip on a running container (issue 3) ----
# Each runtime runs one long-lived container (same rootfs, /bin/sleep); then, interleaved
# and shuffled like above, `RUNTIME exec ID /bin/true` (foreground: waits for the exit) and
# `RUNTIME pause ID; RUNTIME resume ID`, each under the same wrapper.
sleep_link = os.path.join(bundle, "rootfs", "bin", "sleep")
if not os.path.lexists(sleep_link):
    os.symlink("busybox", sleep_link)
long_bundle = os.path.join(tmp, "bundle-long")
os.makedirs(long_bundle, exist_ok=True)
with open(os.path.join(bundle, "config.json")) as f:
    long_cfg = json.load(f)
long_cfg["process"]["args"] = ["/bin/sleep", "1000000"]
long_cfg["root"]["path"] = os.path.join(bundle, "rootfs")
with open(os.path.join(long_bundle, "config.json"), "w") as f:
    json.dump(long_cfg, f)
ex_names = [n for n in names if n != "wrapper"]


def rt_cmd(name, *args):
    binary = {"lcont": lcont_run, "crun": "crun", "runc": "runc"}[name]
    return WRAP + [binary, "--root", os.path.join(tmp, "run", "state-" + name)] + list(args)


ERR_FILE = os.path.join(tmp, "stderr")


def timed(cmds):
    """Wall ms of running @cmds in sequence. stderr goes to a file, not a pipe: a detached
    container inherits it and would hold a pipe open forever."""
    t0 = time.perf_counter()
    for cmd in cmds:
        with open(ERR_FILE, "w") as err:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=err, check=False)
        if p.returncode != 0:
            with open(ERR_FILE) as err:
                sys.exit("start.sh: %s failed (exit %d): %s"
                         % (" ".join(cmd[5:]), p.returncode, err.read()))
    return (time.perf_counter() - t0) * 1e3


for n in ex_names:
    timed([rt_cmd(n, "run", "-d", "--bundle", long_bundle, "long-" + n)])
ex_times = {n: [] for n in ex_names + ["wrapper"]}
pr_times = {n: [] for n in ex_names}
for r in range(-warmup, rounds):
    order = ex_names + ["wrapper"]
    order_rng.shuffle(order)
    for n in order:
        if n == "wrapper":
            ms = timed([WRAP + ["/bin/true"]])
            if r >= 0:
                ex_times[n].append(ms)
            continue
        ms = timed([rt_cmd(n, "exec", "long-" + n, "/bin/true")])
        pr = timed([rt_cmd(n, "pause", "long-" + n), rt_cmd(n, "resume", "long-" + n)])
        if r >= 0:
            ex_times[n].append(ms)
            pr_times[n].append(pr)
for n in ex_names:
    timed([rt_cmd(n, "delete", "-f", "long-" + n)])
ex_med = {n: statistics.median(v) for n, v in ex_times.items()}
pr_med = {n: statistics.median(v) for n, v in pr_times.items()}

med = {n: statistics.median(times[n]) for n in names}
wrap = med["wrapper"]
print("%d interleaved rounds (+%d warm-up), bundle: busybox /bin/true, default namespaces"
      % (rounds, warmup))
print("every command runs under the same unshare -m wrapper (its own cost: %.2f ms, %d kB);"
      % (wrap, statistics.median(rss["wrapper"])))
print("the wrapper's RSS is the floor of the RSS column")
print()
print("%-18s %10s %10s %10s %10s %12s" % ("runtime", "median ms", "net ms", "min ms",
                                           "max ms", "peak RSS kB"))
for n in names:
    label = {"lcont": "lcont-run run", "crun": "crun run", "runc": "runc run",
             "wrapper": "(wrapper only)"}[n]
    print("%-18s %10.2f %10.2f %10.2f %10.2f %12d"
          % (label, med[n], med[n] - wrap if n != "wrapper" else 0.0, min(times[n]),
             max(times[n]), statistics.median(rss[n])))
if api:
    print("%-18s %10.2f %10s %10.2f %10.2f %12d"
          % ("API loop", api["median_ms"], "-", api["min_ms"], api["max_ms"], api["rss_kb"]))
print()


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


lcont_ms = med.get("lcont")
api_ms = api["median_ms"] if api else None
result = {
    "bench": "start",
    "lcont_ms": round(lcont_ms, 3) if lcont_ms is not None else None,
    "crun_ms": round(med["crun"], 3),
    "runc_ms": round(med["runc"], 3),
    "api_ms": round(api_ms, 3) if api_ms is not None else None,
    "ratio_vs_crun": ratio(lcont_ms, med["crun"]),
    "api_ratio_vs_crun": ratio(api_ms, med["crun"]),
    "lcont_rss_kb": int(statistics.median(rss["lcont"])) if "lcont" in rss else None,
    "crun_rss_kb": int(statistics.median(rss["crun"])),
    "runc_rss_kb": int(statistics.median(rss["runc"])),
}
if ex_names:
    print("%-22s %10s %10s %22s" % ("exec / pause+resume", "exec ms", "net ms",
                                     "pause+resume ms (2 cmds)"))
    for n in ex_names:
        print("%-22s %10.2f %10.2f %22.2f" % (n, ex_med[n], ex_med[n] - ex_med["wrapper"],
                                              pr_med[n]))
    print()
    result.update({
        "exec_lcont_ms": round(ex_med["lcont"], 3) if "lcont" in ex_med else None,
        "exec_crun_ms": round(ex_med["crun"], 3),
        "exec_runc_ms": round(ex_med["runc"], 3),
        "exec_ratio_vs_crun": ratio(ex_med.get("lcont"), ex_med["crun"]),
        "pause_resume_lcont_ms": round(pr_med["lcont"], 3) if "lcont" in pr_med else None,
        "pause_resume_crun_ms": round(pr_med["crun"], 3),
        "pause_resume_runc_ms": round(pr_med["runc"], 3),
        "pause_resume_ratio_vs_crun": ratio(pr_med.get("lcont"), pr_med["crun"]),
    })
print(json.dumps(result, separators=(",", ":")))
PY
