#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Layer unpack benchmark: a generated image (busybox + generated files, ~270 MB
# uncompressed, ~16k entries, 3 layers; gzip and zstd variants, as one OCI layout
# with tags "gzip" and "zstd") unpacked by, in ONE interleaved run (each round runs
# every command once, in a seeded random order):
#   lcont-cli    `lcont --root STORE image unpack oci:DIR:gzip OUT` (examples/lcont;
#                fresh store each run, so it includes the import: digest checks and
#                copying the blobs into the store), when that binary exists and works
#   lcont-apply  bench/image/apply-layers: lcont__layer_apply of the 3 blobs in order
#                into OUT, DiffIDs checked (gzip and zstd); "-mt" rows with
#                opts.threaded (decompression + hashing on a second thread)
#   umoci        `umoci unpack --image DIR:gzip OUT` (also writes its mtree manifest)
#   tar          `tar -xzf` of the 3 gzip layers in order into OUT (GNU tar; no
#                whiteout handling), and `tar --zstd -xf` of the zstd ones
#
# "Cold" here means: every run writes into a FRESH ext4 filesystem (a loop-mounted
# image file made with mkfs.ext4 just before the run; unmounted, which flushes it,
# after the timing), with the input blobs in the page cache (the page cache is NOT
# dropped: the machine is shared). A fresh filesystem per run matters: on a reused
# ext4, files created within minutes after a big `rm -rf` pay for ext4's
# recently_deleted() inode scan (~0.7 ms per create here), which would punish
# whichever command runs after a cleanup instead of measuring the unpacker.
#
# usage: bench/unpack.sh [-n ROUNDS] [-w WARMUP] [BUILDDIR]   (root; default BUILDDIR=build)
# The generated image is kept in $LCONT_BENCH_CACHE (default /var/tmp/lcont-bench-unpack)
# and reused by later runs. Ends with one JSON line (see docs/benchmarks.md).
set -eu

rounds=5
warmup=1
while getopts n:w: opt; do
    case $opt in
    n) rounds=$OPTARG ;;
    w) warmup=$OPTARG ;;
    *) sed -n '25p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${1:-$srcdir/build}" && pwd)
cache=${LCONT_BENCH_CACHE:-/var/tmp/lcont-bench-unpack}

[ "$(id -u)" = 0 ] || { echo "unpack.sh: needs root (owners, device nodes)" >&2; exit 1; }
for tool in busybox umoci tar gzip zstd python3 mkfs.ext4 losetup mount umount; do
    command -v $tool >/dev/null || { echo "unpack.sh: $tool not installed" >&2; exit 1; }
done
[ -x "$builddir/bench/image/apply-layers" ] ||
    { echo "unpack.sh: build $builddir first (bench/image/apply-layers)" >&2; exit 1; }

python3 - "$srcdir" "$builddir" "$cache" "$rounds" "$warmup" <<'PY'
import hashlib
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import time

srcdir, builddir, cache, rounds, warmup = sys.argv[1:6]
rounds, warmup = int(rounds), int(warmup)
VERSION = "v1"  # bump when the generator changes: the cache is keyed by it
MTIME = 1600000000

# ---- the image (generated once, deterministic) ----

def gen_layers():
    rng = random.Random(4)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(2, 12)))
             for _ in range(3000)]
    # a pool that compresses like a real image (text, code, some binary): ~3:1 with gzip
    pool = io.BytesIO()
    while pool.tell() < 8 << 20:
        if rng.random() < 0.35:
            pool.write(rng.randbytes(4096))
        else:
            pool.write((" ".join(rng.choices(words, k=700)) + "\n").encode())
    pool = pool.getvalue()

    def info(name, kind=tarfile.REGTYPE, mode=0o644, size=0, link=""):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.size, ti.linkname = kind, mode, size, link
        ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = MTIME, 0, 0, "root", "root"
        return ti

    def sizes(n, total):
        s = []
        for _ in range(n):
            x = rng.random()
            s.append(rng.randint(200, 8 << 10) if x < 0.75 else
                     rng.randint(8 << 10, 64 << 10) if x < 0.98 else
                     rng.randint(64 << 10, 3 << 20))
        f = total / sum(s)
        return [max(0, int(v * f)) for v in s]

    def files(tf, prefix, n, total, dirs):
        made = []
        for i, size in enumerate(sizes(n, total)):
            d = "%s/d%03d" % (prefix, i % dirs)
            if i < dirs:
                tf.addfile(info(d, tarfile.DIRTYPE, 0o755))
            off = rng.randrange(0, len(pool) - size) if size < len(pool) else 0
            name = "%s/f%05d%s" % (d, i, rng.choice([".py", ".so", ".txt", ".h", ""]))
            tf.addfile(info(name, mode=rng.choice([0o644, 0o755]), size=size),
                       io.BytesIO(pool[off:off + size]))
            made.append(name)
        return made

    layers = []
    # layer 1: busybox with its applet links, a base of directories and files
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for d in ("bin", "etc", "usr", "usr/bin", "usr/lib", "usr/share", "var", "tmp"):
            tf.addfile(info(d, tarfile.DIRTYPE, 0o1777 if d == "tmp" else 0o755))
        bb = open(shutil.which("busybox"), "rb").read()
        tf.addfile(info("bin/busybox", mode=0o755, size=len(bb)), io.BytesIO(bb))
        applets = subprocess.run(["busybox", "--list"], stdout=subprocess.PIPE, text=True,
                                 check=True).stdout.split()
        for a in applets:
            if a != "busybox":
                tf.addfile(info("bin/" + a, tarfile.SYMTYPE, 0o777, link="busybox"))
        for name, data in (("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
                           ("etc/group", b"root:x:0:\n")):
            tf.addfile(info(name, size=len(data)), io.BytesIO(data))
        base = files(tf, "usr/lib/gen1", 5200, 100 << 20, 260)
        for i in range(0, 400, 4):
            tf.addfile(info(base[i] + ".link", tarfile.LNKTYPE, link=base[i]))
    layers.append(buf.getvalue())
    # layer 2: more of the same, some replaced files
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        tf.addfile(info("usr/share/gen2", tarfile.DIRTYPE, 0o755))
        files(tf, "usr/share/gen2", 5200, 100 << 20, 260)
        for name in base[1000:1300]:
            tf.addfile(info(name, size=100), io.BytesIO(pool[:100]))
    layers.append(buf.getvalue())
    # layer 3: an application layer with whiteouts over the base
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        tf.addfile(info("opt", tarfile.DIRTYPE, 0o755))
        files(tf, "opt/app", 4800, 70 << 20, 200)
        for name in base[2000:2300]:
            d, f = name.rsplit("/", 1)
            tf.addfile(info(d + "/.wh." + f))
    layers.append(buf.getvalue())
    return layers


def write_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)


def make_image():
    layout = os.path.join(cache, "oci")
    if os.path.exists(os.path.join(cache, "done-" + VERSION)):
        return json.load(open(os.path.join(cache, "layers.json")))
    print("generating the image in %s (once) ..." % cache, flush=True)
    shutil.rmtree(cache, ignore_errors=True)
    os.makedirs(os.path.join(layout, "blobs", "sha256"))
    raws = gen_layers()
    diff_ids = ["sha256:" + hashlib.sha256(r).hexdigest() for r in raws]
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/bin:/bin"]},
              "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": []}
    cdigest, csize = write_blob(layout, json.dumps(config).encode())
    index = {"schemaVersion": 2, "manifests": []}
    out = {"uncompressed_bytes": sum(map(len, raws)), "diff_ids": diff_ids}
    for kind, cmd, mt in (("gzip", ["gzip", "-n", "-6", "-c"], "tar+gzip"),
                          ("zstd", ["zstd", "-q", "-3", "-c"], "tar+zstd")):
        layers, paths = [], []
        for raw in raws:
            blob = subprocess.run(cmd, input=raw, stdout=subprocess.PIPE, check=True).stdout
            d, n = write_blob(layout, blob)
            layers.append({"mediaType": "application/vnd.oci.image.layer.v1." + mt,
                           "digest": d, "size": n})
            paths.append(os.path.join(layout, "blobs", "sha256", d[7:]))
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": cdigest, "size": csize}, "layers": layers}
        md, ms = write_blob(layout, json.dumps(manifest).encode())
        index["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                   "digest": md, "size": ms,
                                   "annotations": {"org.opencontainers.image.ref.name": kind}})
        out[kind] = paths
        out[kind + "_bytes"] = sum(l["size"] for l in layers)
    json.dump(index, open(os.path.join(layout, "index.json"), "w"))
    json.dump({"imageLayoutVersion": "1.0.0"}, open(os.path.join(layout, "oci-layout"), "w"))
    out["entries"] = sum(len(tarfile.open(fileobj=io.BytesIO(r)).getmembers()) for r in raws)
    json.dump(out, open(os.path.join(cache, "layers.json"), "w"))
    open(os.path.join(cache, "done-" + VERSION), "w").close()
    return out


img = make_image()
layout = os.path.join(cache, "oci")
work = os.path.join(cache, "mnt")
fsimg = os.path.join(cache, "fs.img")
os.makedirs(work, exist_ok=True)


loop = {"dev": None, "img": None, "n": 0}


def drop_fs():
    if os.path.ismount(work):
        subprocess.run(["umount", work], check=True)
    if loop["dev"]:
        subprocess.run(["losetup", "-d", loop["dev"]], check=True)
    if loop["img"] and os.path.exists(loop["img"]):
        os.unlink(loop["img"])
    loop["dev"] = loop["img"] = None


def fresh_fs():
    # A new image file and an explicit loop device each time: `mount -o loop` would reuse
    # a loop device still attached to the previous image (detaching is asynchronous).
    drop_fs()
    loop["n"] += 1
    loop["img"] = "%s.%d" % (fsimg, loop["n"])
    with open(loop["img"], "wb") as f:
        f.truncate(4 << 30)
    loop["dev"] = subprocess.run(["losetup", "--find", "--show", loop["img"]], check=True,
                                 stdout=subprocess.PIPE, text=True).stdout.strip()
    subprocess.run(["mkfs.ext4", "-q", "-F", "-E",
                    "lazy_itable_init=0,lazy_journal_init=0,nodiscard", loop["dev"]], check=True)
    subprocess.run(["mount", "-o", "nodiscard", loop["dev"], work], check=True)


apply_layers = os.path.join(builddir, "bench", "image", "apply-layers")
cli = os.path.join(builddir, "examples", "lcont", "lcont")


def run_tar(out, paths, flag):
    os.mkdir(out)
    for p in paths:
        subprocess.run(["tar", flag, "-xf", p, "-C", out], check=True)


def run(cmd, out):
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise subprocess.CalledProcessError(p.returncode, cmd)


commands = {
    "lcont-apply-gzip": lambda out: run([apply_layers, out] + [
        "%s=%s" % (p, d) for p, d in zip(img["gzip"], img["diff_ids"])], out),
    "lcont-apply-zstd": lambda out: run([apply_layers, out] + [
        "%s=%s" % (p, d) for p, d in zip(img["zstd"], img["diff_ids"])], out),
    "lcont-apply-gzip-mt": lambda out: run([apply_layers, "-t", out] + [
        "%s=%s" % (p, d) for p, d in zip(img["gzip"], img["diff_ids"])], out),
    "lcont-apply-zstd-mt": lambda out: run([apply_layers, "-t", out] + [
        "%s=%s" % (p, d) for p, d in zip(img["zstd"], img["diff_ids"])], out),
    "umoci-gzip": lambda out: run(["umoci", "unpack", "--image", layout + ":gzip", out], out),
    "tar-gzip": lambda out: run_tar(out, img["gzip"], "-z"),
    "tar-zstd": lambda out: run_tar(out, img["zstd"], "--zstd"),
}


def cli_cmd(out):
    store = out + ".store"
    try:
        run([cli, "--root", store, "image", "unpack", "oci:%s:gzip" % layout, out], out)
    finally:
        shutil.rmtree(store, ignore_errors=True)


try:
    # prefer the real CLI when it is built and works on this image
    if os.access(cli, os.X_OK):
        fresh_fs()
        try:
            cli_cmd(os.path.join(work, "probe"))
            commands["lcont-cli-gzip"] = cli_cmd
        except subprocess.CalledProcessError as e:
            print("note: %s image unpack failed (%s); using the harness only" % (cli, e))

    times = {k: [] for k in commands}
    rng = random.Random(1)
    for r in range(warmup + rounds):
        order = list(commands)
        rng.shuffle(order)
        for name in order:
            fresh_fs()
            out = os.path.join(work, "out")
            t0 = time.perf_counter()
            commands[name](out)
            dt = time.perf_counter() - t0
            if r >= warmup:
                times[name].append(dt)
        print("round %d/%d done" % (r + 1, warmup + rounds), file=sys.stderr, flush=True)
finally:
    drop_fs()

med = {k: statistics.median(v) for k, v in times.items()}
print("image: %.0f MB uncompressed, %d entries, 3 layers; gzip %.0f MB, zstd %.0f MB" % (
    img["uncompressed_bytes"] / 1e6, img["entries"], img["gzip_bytes"] / 1e6,
    img["zstd_bytes"] / 1e6))
print("%d rounds (+%d warmup), interleaved; medians:" % (rounds, warmup))
for k in sorted(med):
    print("  %-18s %7.3f s   (min %.3f, max %.3f)" % (k, med[k], min(times[k]), max(times[k])))
lcont = med.get("lcont-cli-gzip", med["lcont-apply-gzip"])
which = "lcont-cli-gzip" if "lcont-cli-gzip" in med else "lcont-apply-gzip"
ratios = {
    "ratio_vs_tar": lcont / med["tar-gzip"],
    "apply_ratio_vs_tar": med["lcont-apply-gzip"] / med["tar-gzip"],
    "umoci_speedup": med["umoci-gzip"] / lcont,
    "zstd_ratio_vs_tar": med["lcont-apply-zstd"] / med["tar-zstd"],
    "mt_ratio_vs_tar": med["lcont-apply-gzip-mt"] / med["tar-gzip"],
    "mt_zstd_ratio_vs_tar": med["lcont-apply-zstd-mt"] / med["tar-zstd"],
}
print("%s / tar-gzip = %.2f   (goal <= 0.9)" % (which, ratios["ratio_vs_tar"]))
print("umoci-gzip / %s = %.2f   (goal >= 1.5)" % (which, ratios["umoci_speedup"]))
print("lcont-apply-zstd / tar-zstd = %.2f" % ratios["zstd_ratio_vs_tar"])
print("lcont-apply-gzip-mt / tar-gzip = %.2f, lcont-apply-zstd-mt / tar-zstd = %.2f" % (
    ratios["mt_ratio_vs_tar"], ratios["mt_zstd_ratio_vs_tar"]))
result = {"bench": "unpack", "lcont": which, "lcont_s": round(lcont, 3),
          "lcont_apply_gzip_s": round(med["lcont-apply-gzip"], 3),
          "lcont_apply_zstd_s": round(med["lcont-apply-zstd"], 3),
          "lcont_apply_gzip_mt_s": round(med["lcont-apply-gzip-mt"], 3),
          "lcont_apply_zstd_mt_s": round(med["lcont-apply-zstd-mt"], 3),
          "tar_gzip_s": round(med["tar-gzip"], 3), "tar_zstd_s": round(med["tar-zstd"], 3),
          "umoci_s": round(med["umoci-gzip"], 3)}
if "lcont-cli-gzip" in med:
    result["lcont_cli_gzip_s"] = round(med["lcont-cli-gzip"], 3)
result.update({k: round(v, 2) for k, v in ratios.items()})
print(json.dumps(result))
PY
