#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Layer apply tests: generate layers (tarfile, fixed mtimes, deterministic), apply them with
layer-apply-tool (lcont__layer_apply), and compare the tree entry by entry (type, mode,
owner, size, content hash, xattrs, link targets, device numbers, mtimes, hardlink groups)
with a model of what applying those layers must give. Bad inputs assert the error AND that
nothing outside the root changed.

usage: test-layers.py TOOL CASE      (exit 77 = skipped: the case needs root)
       test-layers.py --list
"""
import gzip
import hashlib
import io
import os
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import tempfile

MTIME = 1600000000
IS_ROOT = os.geteuid() == 0
SKIP = 77


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


# ---------------------------------------------------------------- layer generator

def _info(name, kind, mode, uid=0, gid=0, mtime=MTIME, xattrs=None, pax=None):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.uid, ti.gid = uid, gid
    ti.uname = ti.gname = ""
    ti.mtime = mtime
    headers = dict(pax or {})
    for k, v in (xattrs or {}).items():
        if isinstance(v, bytes):
            v = v.decode("utf-8", "surrogateescape")
        headers["SCHILY.xattr." + k] = v
    ti.pax_headers = headers
    return ti


def F(name, data=b"", mode=0o644, **kw):
    ti = _info(name, tarfile.REGTYPE, mode, **kw)
    ti.size = len(data)
    return (ti, data)


def D(name, mode=0o755, **kw):
    return (_info(name, tarfile.DIRTYPE, mode, **kw), None)


def L(name, target, **kw):
    ti = _info(name, tarfile.SYMTYPE, 0o777, **kw)
    ti.linkname = target
    return (ti, None)


def H(name, target, **kw):
    ti = _info(name, tarfile.LNKTYPE, 0o644, **kw)
    ti.linkname = target
    return (ti, None)


def FIFO(name, mode=0o644, **kw):
    return (_info(name, tarfile.FIFOTYPE, mode, **kw), None)


def CHR(name, major, minor, mode=0o666, **kw):
    ti = _info(name, tarfile.CHRTYPE, mode, **kw)
    ti.devmajor, ti.devminor = major, minor
    return (ti, None)


def WH(name):
    return F(name)


def tar_bytes(members, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for ti, data in members:
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def compress(raw, kind):
    if kind == "gzip":
        return gzip.compress(raw, compresslevel=6, mtime=0)
    if kind == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=raw, stdout=subprocess.PIPE,
                              check=True).stdout
    return raw


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


# ---------------------------------------------------------------- model of the result

class ModelError(Exception):
    pass


def norm(name):
    out = []
    for c in name.split("/"):
        if c in ("", "."):
            continue
        if c == "..":
            if not out:
                raise ModelError("leaves the root")
            out.pop()
        else:
            out.append(c)
    return "/".join(out)


def parent_of(p):
    return p.rsplit("/", 1)[0] if "/" in p else ""


def join(a, b):
    return a + "/" + b if a else b


class Model:
    """What the tree must look like: path -> entry dict (hardlinks share one dict)."""

    XATTR_OK = ("user.", "security.capability")

    def __init__(self, overlay=False, userxattr=False, uidmap=None, gidmap=None,
                 unprivileged=False):
        self.tree = {}
        self.overlay, self.userxattr = overlay, userxattr
        self.uidmap, self.gidmap = uidmap, gidmap
        self.unprivileged = unprivileged

    def _map(self, m, i):
        if not m:
            return i
        c, h, n = m
        if not c <= i < c + n:
            raise ModelError("unmapped id")
        return h + i - c

    def _delete(self, p):
        for k in [k for k in self.tree if k == p or k.startswith(p + "/")]:
            del self.tree[k]

    def _ensure_parents(self, p, touched):
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            q = "/".join(parts[:i])
            if q not in self.tree:
                self.tree[q] = dict(type="d", mode=0o755, uid=self._map(self.uidmap, 0),
                                    gid=self._map(self.gidmap, 0), mtime=None, xattrs={})
                touched.add(parent_of(q))

    def apply(self, members):
        written, touched, layer_dirs = set(), set(), {}
        for ti, data in members:
            p = norm(ti.name)
            base = p.rsplit("/", 1)[-1]
            par = parent_of(p)
            if base == ".wh..wh..opq":
                if self.overlay:
                    self._ensure_parents(p, touched)
                    key = ("user" if self.userxattr else "trusted") + ".overlay.opaque"
                    self.tree[par]["xattrs"][key] = b"y"
                else:
                    pre = par + "/" if par else ""
                    for k in list(self.tree):
                        if k.startswith(pre) and k != par and k in self.tree:
                            child = join(par, k[len(pre):].split("/")[0])
                            if child not in written:
                                self._delete(child)
                                touched.add(par)
                continue
            if base.startswith(".wh..wh."):
                continue  # aufs bookkeeping
            if base.startswith(".wh."):
                victim = join(par, base[4:])
                if victim in self.tree:
                    touched.add(par)
                self._delete(victim)
                if self.overlay:
                    self._ensure_parents(victim, touched)
                    self.tree[victim] = dict(type="c", mode=0, uid=0, gid=0, rdev=(0, 0),
                                             mtime=None, xattrs={})
                continue
            if not p:
                continue  # the root's own metadata is checked by the cases themselves
            if ti.type in (tarfile.CHRTYPE, tarfile.BLKTYPE) and self.unprivileged:
                continue  # skipped before anything is created
            q = p
            while q:
                written.add(q)
                q = parent_of(q)
            self._ensure_parents(p, touched)
            old = self.tree.get(p)
            if ti.type == tarfile.DIRTYPE and old and old["type"] == "d":
                pass
            elif old or ti.type == tarfile.LNKTYPE:
                self._delete(p)
            touched.add(par)
            if ti.type == tarfile.LNKTYPE:
                self.tree[p] = self.tree[norm(ti.linkname)]
                continue
            xattrs = {}
            for k, v in ti.pax_headers.items():
                if k.startswith("SCHILY.xattr."):
                    name = k[len("SCHILY.xattr."):]
                    if name.startswith(self.XATTR_OK) and not name.startswith("user.overlay."):
                        xattrs[name] = v.encode("utf-8", "surrogateescape")
            e = dict(mode=ti.mode & 0o7777, uid=self._map(self.uidmap, ti.uid),
                     gid=self._map(self.gidmap, ti.gid), mtime=ti.mtime, xattrs=xattrs)
            if ti.type == tarfile.DIRTYPE:
                e["type"] = "d"
                if old and old["type"] == "d":
                    old.update(uid=e["uid"], gid=e["gid"], xattrs={**old["xattrs"], **xattrs})
                    e = old
                layer_dirs[p] = (ti.mode & 0o7777, ti.mtime)
            elif ti.type == tarfile.SYMTYPE:
                e.update(type="l", target=ti.linkname, mode=None, xattrs={})
            elif ti.type in (tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE):
                e.update(type={tarfile.CHRTYPE: "c", tarfile.BLKTYPE: "b"}.get(ti.type, "p"),
                         rdev=(ti.devmajor, ti.devminor) if ti.type != tarfile.FIFOTYPE
                         else None, xattrs={})
            else:
                e.update(type="f", data=data if data is not None else b"",
                         size=ti.size if ti.size else len(data or b""))
            self.tree[p] = e
        # directories' times and modes land at the end of the layer; content changes to a
        # directory not listed in this layer leave its mtime unknown
        for d in touched:
            if d in self.tree and d not in layer_dirs:
                self.tree[d]["mtime"] = None
        for d, (mode, mtime) in layer_dirs.items():
            if d in self.tree and self.tree[d]["type"] == "d":
                self.tree[d].update(mode=mode, mtime=mtime)


def scan(root):
    """The actual tree: path -> entry dict, plus inode of each path for hardlink groups."""
    out, inodes = {}, {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            st = os.lstat(full)
            xattrs = {}
            if not stat.S_ISLNK(st.st_mode):
                for x in os.listxattr(full, follow_symlinks=False):
                    xattrs[x] = os.getxattr(full, x, follow_symlinks=False)
            e = dict(mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
                     mtime=st.st_mtime_ns // 10**9, xattrs=xattrs)
            if stat.S_ISDIR(st.st_mode):
                e["type"] = "d"
            elif stat.S_ISLNK(st.st_mode):
                e.update(type="l", target=os.readlink(full), mode=None)
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    data = f.read()
                e.update(type="f", size=st.st_size, sha=sha256(data), blocks=st.st_blocks)
            elif stat.S_ISFIFO(st.st_mode):
                e.update(type="p", rdev=None)
            else:
                e.update(type="c" if stat.S_ISCHR(st.st_mode) else "b",
                         rdev=(os.major(st.st_rdev), os.minor(st.st_rdev)))
            out[rel] = e
            inodes[rel] = (st.st_dev, st.st_ino)
    return out, inodes


def compare(model, root):
    actual, inodes = scan(root)
    exp = model.tree
    check(set(actual) == set(exp), "paths differ: missing %s, unexpected %s" % (
        sorted(set(exp) - set(actual))[:10], sorted(set(actual) - set(exp))[:10]))
    groups = {}
    for p, e in exp.items():
        groups.setdefault(id(e), []).append(p)
        a = actual[p]
        for k in ("type", "mode", "uid", "gid", "target", "rdev", "xattrs"):
            if k in e and e[k] is not None or k in ("type",):
                check(a.get(k) == e.get(k), "%s: %s is %r, expected %r" % (p, k, a.get(k),
                                                                              e.get(k)))
        if e.get("mtime") is not None:
            check(a["mtime"] == e["mtime"], "%s: mtime %r != %r" % (p, a["mtime"], e["mtime"]))
        if e["type"] == "f":
            check(a["size"] == e["size"], "%s: size %d != %d" % (p, a["size"], e["size"]))
            if len(e["data"]) == e["size"]:
                check(a["sha"] == sha256(e["data"]), "%s: content differs" % p)
    for paths in groups.values():
        check(len({inodes[p] for p in paths}) == 1, "not hardlinked together: %s" % paths)
    check(len({inodes[ps[0]] for ps in groups.values()}) == len(groups),
          "distinct entries share an inode")


# ---------------------------------------------------------------- fixture

class T:
    def __init__(self, tool):
        self.tool = tool
        self.tmp = tempfile.mkdtemp(prefix="lcont-layer-test.")
        self.root = os.path.join(self.tmp, "root")
        os.mkdir(self.root)
        self.work = os.path.join(self.tmp, "work")  # layers and scratch: not checked
        os.mkdir(self.work)
        # The canary: what an escape would touch. Every case checks it is unchanged.
        self.outside = os.path.join(self.tmp, "outside")
        os.mkdir(self.outside)
        with open(os.path.join(self.outside, "canary"), "w") as f:
            f.write("canary\n")
        os.mkdir(os.path.join(self.outside, "dir"))
        self.n = 0
        self.before = self.snapshot()

    def snapshot(self):
        """Everything in the test directory except the root and the scratch dir."""
        snap = {}
        for dirpath, dirnames, filenames in os.walk(self.tmp):
            dirnames[:] = [d for d in dirnames
                           if os.path.join(dirpath, d) not in (self.root, self.work)]
            for name in dirnames + filenames:
                full = os.path.join(dirpath, name)
                st = os.lstat(full)
                data = open(full, "rb").read() if stat.S_ISREG(st.st_mode) else None
                snap[full] = (st.st_mode, st.st_uid, st.st_gid, st.st_nlink, st.st_mtime_ns,
                              data)
        return snap

    def layer(self, members, kind="gzip", fmt=tarfile.PAX_FORMAT, raw=None):
        raw = tar_bytes(members, fmt) if raw is None else raw
        self.n += 1
        path = os.path.join(self.work, "layer%d" % self.n)
        with open(path, "wb") as f:
            f.write(compress(raw, kind))
        return path, raw

    def run(self, layers, *opts):
        if not IS_ROOT and "--unprivileged" not in opts:
            opts = opts + ("--unprivileged",)
        p = subprocess.run([self.tool, *opts, self.root, *layers], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        lines = p.stdout.splitlines()
        check(all(not line.startswith("error object") for line in lines), p.stdout)
        return p.returncode, lines

    def ok(self, layers, *opts):
        rc, lines = self.run([l[0] for l in layers], *opts)
        check(rc == 0, "apply failed: %s" % lines)
        check(len(lines) == len(layers), "output: %s" % lines)
        results = []
        for (path, raw), line in zip(layers, lines):
            f = line.split()
            check(f[0] == "ok" and f[1] == sha256(raw), "diff_id %s != %s" % (f[1], sha256(raw)))
            check(int(f[5]) == len(raw), "uncompressed bytes %s != %d" % (f[5], len(raw)))
            results.append(dict(entries=int(f[2]), skipped_devices=int(f[3]),
                                skipped_xattrs=int(f[4]), progress_calls=int(f[6]),
                                progress_entries=int(f[7])))
        self.assert_outside_untouched()
        return results

    def bad(self, layers, errno_name, text, *opts):
        """The last layer must fail with -errno_name and a message containing text."""
        import errno as E
        rc, lines = self.run([l[0] for l in layers], *opts)
        check(rc == 1 and lines and lines[-1].startswith("error "), "expected an error: %s" % lines)
        code = int(lines[-1].split()[1])
        check(code == getattr(E, errno_name), "errno %s (%s), expected %s: %s" % (
            code, E.errorcode.get(code), errno_name, lines[-1]))
        check(text in lines[-1], "message %r lacks %r" % (lines[-1], text))
        self.assert_outside_untouched()
        return lines[-1]

    def assert_outside_untouched(self):
        after = self.snapshot()
        check(after == self.before, "something outside the root changed: %s" % sorted(
            set(after.items()) ^ set(self.before.items()))[:4])

    def unlock(self, path):
        """Without root, read-only directories from a layer would block removal. (chmod -R
        never follows symlinks met while recursing.)"""
        if not IS_ROOT and os.path.exists(path):
            subprocess.run(["chmod", "-R", "u+rwx", path], stderr=subprocess.DEVNULL)

    def reset_root(self):
        # rm -rf: shutil.rmtree recurses in Python and the deep cases nest 1500 levels
        self.unlock(self.root)
        subprocess.run(["rm", "-rf", "--one-file-system", self.root], check=True)
        os.mkdir(self.root)

    def cleanup(self):
        self.unlock(self.tmp)
        subprocess.run(["rm", "-rf", "--one-file-system", self.tmp])


CAP_NET_BIND = struct.pack("<IIIII", 0x02000001, 1 << 10, 0, 0, 0)


def needs_root():
    if not IS_ROOT:
        raise SystemExit(SKIP)


# ---------------------------------------------------------------- good layers

def base_layer():
    return [
        D("./", mode=0o751, mtime=MTIME + 7),
        D("bin"), D("etc", mode=0o750, uid=0, gid=42),
        F("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
        F("etc/shadow", b"root:*:1::::::\n", mode=0o640, gid=42),
        F("bin/su", b"\x7fELF fake su", mode=0o4755),
        F("bin/wall", b"\x7fELF fake wall", mode=0o2755, gid=5),
        D("tmp", mode=0o1777),
        F("bin/ping", b"ping", mode=0o755, xattrs={"security.capability": CAP_NET_BIND}),
        F("etc/xattrs", b"x", xattrs={"user.keep": b"yes", "trusted.overlay.opaque": b"y",
                                      "security.selinux": b"system_u:object_r:etc_t:s0",
                                      "user.overlay.redirect": b"/x", "trusted.evil": b"1"}),
        L("bin/sh", "busybox"), L("etc/abs", "/etc/passwd"), L("dangling", "../../nowhere"),
        F("bin/busybox", bytes(range(256)) * 1000, mode=0o755),
        H("bin/ls", "bin/busybox"), H("./bin/cat", "/bin/busybox"),
        D("home/user", mode=0o700, uid=1000, gid=1000),
        F("home/user/.profile", b"export PS1\n", uid=1000, gid=1000, mtime=MTIME + 5),
        D("implicit/a/b"),  # parents not in the layer
        F("empty", b""),
        D("ro", mode=0o555), F("ro/file", b"inside a read-only dir", mode=0o444),
        D("locked", mode=0o000), F("locked/f", b"z"),
        FIFO("run/fifo", mode=0o600),
        CHR("dev/null", 1, 3), CHR("dev/zero", 1, 5, mode=0o600),
        F("long/" + "n" * 255, b"max name"),
    ]


def case_basic(t):
    needs_root()
    members = base_layer()
    m = Model()
    m.apply(members)
    res = t.ok([t.layer(members)])
    compare(m, t.root)
    check(res[0]["entries"] == len(members), "entries %d" % res[0]["entries"])
    check(res[0]["skipped_xattrs"] == 4, "skipped xattrs %d" % res[0]["skipped_xattrs"])
    # the tree's own checks, independent of the model
    st = os.lstat(os.path.join(t.root, "bin/su"))
    check(st.st_mode & 0o7777 == 0o4755, "setuid kept")
    check(os.getxattr(os.path.join(t.root, "bin/ping"), "security.capability") == CAP_NET_BIND,
          "file capability kept")
    check(os.readlink(os.path.join(t.root, "dangling")) == "../../nowhere", "symlink verbatim")
    st = os.lstat(t.root)
    check(st.st_mode & 0o7777 == 0o751 and st.st_mtime == MTIME + 7, "root entry's metadata")


def case_formats(t):
    """gzip, zstd, none, multi-member gzip and the ustar/gnu formats give the same tree."""
    needs_root()
    members = base_layer()
    m = Model()
    m.apply(members)
    raw = tar_bytes(members)
    variants = [("gzip", "gzip", raw), ("zstd", "zstd", raw), ("none", "none", raw),
                ("auto", "gzip", raw), ("auto", "zstd", raw)]
    for opt, kind, data in variants:
        t.reset_root()
        t.ok([t.layer(None, kind=kind, raw=data)], "--compression=" + opt)
        compare(m, t.root)
    # two gzip members (pigz, cat a.gz b.gz) are one stream
    t.reset_root()
    half = len(raw) // 2
    path = os.path.join(t.work, "multi.gz")
    with open(path, "wb") as f:
        f.write(gzip.compress(raw[:half], mtime=0) + gzip.compress(raw[half:], mtime=0))
    t.ok([(path, raw)], "--compression=gzip")
    compare(m, t.root)
    simple = [D("d"), F("d/f", b"1" * 3000), L("d/l", "f"), H("d/h", "d/f")]
    sm = Model()
    sm.apply(simple)
    for fmt in (tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT):
        t.reset_root()
        t.ok([t.layer(simple, fmt=fmt)])
        compare(sm, t.root)
    # an empty tar (and a zero-length blob) is a valid, empty layer
    t.reset_root()
    t.ok([t.layer([])])
    t.ok([t.layer(None, kind="none", raw=b"")])
    check(os.listdir(t.root) == [], "empty layer leaves an empty root")


def case_threaded(t):
    """opts.threaded: the same trees, DiffIDs and errors with decompression on a thread."""
    members = [D("d"), F("d/big", os.urandom(3 << 20)), F("d/small", b"s"), L("d/l", "big")]
    m = Model()
    m.apply(members)
    for kind in ("gzip", "zstd", "none"):
        t.reset_root()
        t.ok([t.layer(members, kind=kind)], "--threaded")
        if IS_ROOT:
            compare(m, t.root)
    for kind in ("gzip", "zstd"):
        t.reset_root()
        t.bad([truncated(t, kind)], "EBADMSG", "stream is truncated", "--threaded")
    t.reset_root()
    t.bad([t.layer(bomb(8 << 20))], "EFBIG", "size limit", "--threaded", "--max-bytes=4000000")
    t.reset_root()
    t.bad([t.layer([F("../x", b"1")] + members)], "EINVAL", "leaves the root", "--threaded")


def three_layers():
    l1 = [D("etc"), F("etc/a", b"a1"), F("etc/b", b"b1"), D("usr/lib", mode=0o755),
          F("usr/lib/x.so", b"x1"), F("usr/lib/y.so", b"y1"), D("opq"), F("opq/old", b"o"),
          D("opq/olddir"), F("opq/olddir/f", b"f"), D("fileoverdir"), F("fileoverdir/f", b"1"),
          F("diroverfile", b"1"), F("linked", b"shared"), H("linked2", "linked"),
          D("symoverdir"), F("symoverdir/f", b"1"), F("target-of-later-link", b"t")]
    l2 = [WH("etc/.wh.a"), WH("usr/.wh.lib"), D("opq"), F("opq/new-before", b"n"),
          WH("opq/.wh..wh..opq"), F("opq/new-after", b"n2"), D("opq/newdir/sub"),
          F("fileoverdir", b"now a file"), D("diroverfile", mode=0o711),
          F("diroverfile/in", b"in"), F("linked", b"replaced, not written through"),
          L("symoverdir", "etc"), H("later-link", "target-of-later-link"),
          WH(".wh.nonexistent"), WH("missing/parent/.wh.x"), F(".wh..wh.plnk", b"")]
    l3 = [F("etc/a", b"a3"), WH("opq/.wh.new-after"), L("etc/b", "a"), F("usr/lib/z.so", b"z"),
          D("etc", mode=0o700, mtime=MTIME + 100)]
    return l1, l2, l3


def case_whiteouts(t):
    """Whiteouts, opaque dirs, type replacement, hardlinks across layers (applied in one dir)."""
    needs_root()
    m = Model()
    layers = []
    for members in three_layers():
        m.apply(members)
        layers.append(t.layer(members))
    t.ok(layers)
    compare(m, t.root)
    r = t.root
    check(not os.path.exists(os.path.join(r, "usr/lib/x.so")), "whiteout removed the dir")
    check(sorted(os.listdir(os.path.join(r, "opq"))) == ["new-before", "newdir"],
          "opaque kept only this layer's entries: %s" % os.listdir(os.path.join(r, "opq")))
    check(open(os.path.join(r, "linked2")).read() == "shared", "lower hardlink not written")
    check(os.stat(os.path.join(r, "later-link")).st_ino ==
          os.stat(os.path.join(r, "target-of-later-link")).st_ino, "hardlink across layers")


def case_overlay(t):
    """overlay_whiteouts: whiteouts become char 0:0, opaque dirs get the opaque xattr."""
    needs_root()
    l1, l2, _ = three_layers()
    lower = os.path.join(t.work, "lower")
    os.mkdir(lower)
    m1 = Model()
    m1.apply(l1)
    # layer 2 on its own directory; its hardlink to a lower file comes from --lower
    m = Model(overlay=True)
    m.tree = {"target-of-later-link": m1.tree["target-of-later-link"]}
    m.apply([x for x in l2 if x[0].name != "later-link"])
    low = t.layer(l1)
    check(subprocess.run([t.tool, lower, low[0]], stdout=subprocess.DEVNULL).returncode == 0,
          "lower layer applies")
    t.ok([t.layer(l2)], "--overlay", "--lower=" + lower)
    del m.tree["target-of-later-link"]
    m.tree["later-link"] = m1.tree["target-of-later-link"]
    check(os.stat(os.path.join(t.root, "later-link")).st_ino ==
          os.stat(os.path.join(lower, "target-of-later-link")).st_ino,
          "hardlink taken from the lower layer")
    compare(m, t.root)
    st = os.lstat(os.path.join(t.root, "usr/lib"))
    check(stat.S_ISCHR(st.st_mode) and st.st_rdev == 0, "whiteout is char 0:0")
    check(os.getxattr(os.path.join(t.root, "opq"), "trusted.overlay.opaque") == b"y", "opaque")
    t.reset_root()
    t.ok([t.layer([D("o"), WH("o/.wh..wh..opq")])], "--overlay", "--userxattr")
    check(os.getxattr(os.path.join(t.root, "o"), "user.overlay.opaque") == b"y", "userxattr")


def oci_layout(path, raws):
    """A minimal OCI image layout (tag "t") with the given gzip layer blobs."""
    import json
    blobs = os.path.join(path, "blobs", "sha256")
    os.makedirs(blobs)

    def put(data):
        d = hashlib.sha256(data).hexdigest()
        open(os.path.join(blobs, d), "wb").write(data)
        return {"digest": "sha256:" + d, "size": len(data)}

    config = put(json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                             "rootfs": {"type": "layers",
                                        "diff_ids": [sha256(r) for r in raws]}}).encode())
    config["mediaType"] = "application/vnd.oci.image.config.v1+json"
    layers = []
    for r in raws:
        layers.append(put(compress(r, "gzip")))
        layers[-1]["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    manifest = put(json.dumps({"schemaVersion": 2, "config": config, "layers": layers}).encode())
    manifest["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    manifest["annotations"] = {"org.opencontainers.image.ref.name": "t"}
    json.dump({"schemaVersion": 2, "manifests": [manifest]},
              open(os.path.join(path, "index.json"), "w"))
    json.dump({"imageLayoutVersion": "1.0.0"}, open(os.path.join(path, "oci-layout"), "w"))
    return [os.path.join(blobs, l["digest"][7:]) for l in layers]


def case_vs_umoci(t):
    """Differential check against another implementation: the same three layers unpacked
    by umoci give the same tree (types, modes, owners, content, link targets, mtimes)."""
    needs_root()
    if not shutil.which("umoci"):
        raise SystemExit(SKIP)
    l1, l2, l3 = three_layers()
    l1 = [m for m in base_layer() if m[0].name not in ("./",)] + l1
    raws = [tar_bytes(m) for m in (l1, l2, l3)]
    layout = os.path.join(t.work, "oci")
    blobs = oci_layout(layout, raws)
    t.ok([(b, r) for b, r in zip(blobs, raws)])
    bundle = os.path.join(t.work, "bundle")
    subprocess.run(["umoci", "unpack", "--image", layout + ":t", bundle], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ours, _ = scan(t.root)
    theirs, _ = scan(os.path.join(bundle, "rootfs"))
    for tree in (ours, theirs):
        for e in tree.values():
            e.pop("blocks", None)
            if e["type"] == "d":
                e.pop("mtime")  # umoci leaves directory mtimes to the kernel
            # umoci also applies trusted.* and user.overlay.* from the image; we refuse them
            e["xattrs"] = {k: v for k, v in e["xattrs"].items()
                           if k.startswith(Model.XATTR_OK) and not k.startswith("user.overlay.")}
    diff = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
    check(not diff, "differs from umoci: %s" % [(k, ours.get(k), theirs.get(k))
                                                 for k in diff[:3]])


def case_implicit_dirs(t):
    """Parents a layer does not list: 0755 whatever the caller's umask; with lower layers
    (overlay cache), the lower directory's owner and mode (/tmp stays 1777)."""
    old = os.umask(0o077)
    try:
        t.ok([t.layer([F("a/b/c", b"x")])])
    finally:
        os.umask(old)
    for d in ("a", "a/b"):
        check(os.lstat(os.path.join(t.root, d)).st_mode & 0o7777 == 0o755, "%s is 0755" % d)
    needs_root()
    lower = os.path.join(t.work, "lower")
    os.mkdir(lower)
    low = t.layer([D("tmp", mode=0o1777), D("opt/app", mode=0o750, uid=1000, gid=1001)])
    check(subprocess.run([t.tool, lower, low[0]], stdout=subprocess.DEVNULL).returncode == 0,
          "lower layer applies")
    t.reset_root()
    t.ok([t.layer([F("tmp/x", b"x"), F("opt/app/y", b"y"), F("new/z", b"z")])], "--overlay",
         "--lower=" + lower)
    st = os.lstat(os.path.join(t.root, "tmp"))
    check(st.st_mode & 0o7777 == 0o1777, "tmp keeps 1777: %o" % st.st_mode)
    st = os.lstat(os.path.join(t.root, "opt/app"))
    check((st.st_mode & 0o7777, st.st_uid, st.st_gid) == (0o750, 1000, 1001),
          "opt/app copies the lower dir")
    st = os.lstat(os.path.join(t.root, "new"))
    check((st.st_mode & 0o7777, st.st_uid) == (0o755, 0), "new dir: 0755 root")


def case_overlay_hardlink_whited_out(t):
    """Overlay cache: a hardlink target is looked up as the merged rootfs shows it, so a
    target that a layer in between deleted (a whiteout, an opaque directory, a file where its
    directory was) is an error, not a link to the hidden lower file; a visible one links."""
    needs_root()
    bottom = os.path.join(t.work, "bottom")
    middle = os.path.join(t.work, "middle")
    for d in (bottom, middle):
        os.mkdir(d)
    low = t.layer([F("a", b"a"), D("d"), F("d/a", b"da"), D("f"), F("f/a", b"fa"),
                   F("keep", b"k"), D("e"), F("e/keep", b"ek")])
    check(subprocess.run([t.tool, bottom, low[0]], stdout=subprocess.DEVNULL).returncode == 0,
          "bottom layer applies")
    mid = t.layer([WH(".wh.a"), D("d"), WH("d/.wh..wh..opq"), F("f", b"now a file")])
    check(subprocess.run([t.tool, "--overlay", "--lower=" + bottom, middle, mid[0]],
                         stdout=subprocess.DEVNULL).returncode == 0, "middle layer applies")
    lowers = ("--overlay", "--lower=" + middle, "--lower=" + bottom)
    for target in ("a", "d/a", "f/a"):
        t.reset_root()
        t.bad([t.layer([H("link", target)])], "ENOENT",
              "hardlink target '%s' was deleted by a whiteout" % target, *lowers)
        check(not os.path.lexists(os.path.join(t.root, "link")), "no link to %s" % target)
    # this layer's own whiteout hides the lower file too
    t.reset_root()
    t.bad([t.layer([WH(".wh.keep"), H("link", "keep")])], "ENOENT", "deleted by a whiteout",
          *lowers)
    t.reset_root()
    t.ok([t.layer([H("link", "keep"), H("link2", "e/keep")])], *lowers)
    check(os.stat(os.path.join(t.root, "link")).st_ino ==
          os.stat(os.path.join(bottom, "keep")).st_ino, "visible lower target linked")
    check(open(os.path.join(t.root, "link2")).read() == "ek", "nested visible target linked")


def case_overlay_symlinked_parent(t):
    """Overlay cache: a layer entry under a directory that is a symlink in a lower layer
    (usrmerge's lib -> usr/lib) goes where the symlink points, as it would in the merged
    rootfs; a real "lib" directory here would hide the lower symlink and break the image.
    Targets are resolved inside the root: "../../.." cannot leave it."""
    needs_root()
    lower = os.path.join(t.work, "lower")
    os.mkdir(lower)
    low = t.layer([D("usr/lib"), L("lib", "usr/lib"), L("lib64", "/usr/lib"),
                   D("usr/share"), L("usr/doc", "share"), L("up", "../../..")])
    check(subprocess.run([t.tool, lower, low[0]], stdout=subprocess.DEVNULL).returncode == 0,
          "lower layer applies")
    t.reset_root()
    t.ok([t.layer([F("lib/x", b"x"), F("lib64/y", b"y"), F("usr/doc/z", b"z"),
                   F("up/w", b"w"), D("lib/sub"), F("lib/sub/v", b"v")])],
         "--overlay", "--lower=" + lower)
    for path, data in (("usr/lib/x", "x"), ("usr/lib/y", "y"), ("usr/share/z", "z"),
                       ("w", "w"), ("usr/lib/sub/v", "v")):
        check(open(os.path.join(t.root, path)).read() == data, "%s written" % path)
    for path in ("lib", "lib64", "usr/doc", "up"):
        check(not os.path.lexists(os.path.join(t.root, path)),
              "%s must not exist in this layer (it would hide the lower symlink)" % path)


def read_acl(path, name):
    """system.posix_acl_* of path as sorted (tag, perm, id) tuples (id -1: none)."""
    import struct
    raw = os.getxattr(path, name, follow_symlinks=False)
    version, = struct.unpack_from("<I", raw)
    check(version == 2, "ACL xattr version %d" % version)
    ents = [struct.unpack_from("<HHI", raw, 4 + 8 * i) for i in range((len(raw) - 4) // 8)]
    return [(tag, perm, -1 if ident == 0xFFFFFFFF else ident) for tag, perm, ident in ents]


def case_acls(t):
    """POSIX.1e ACLs (PAX SCHILY.acl.access/default) land as system.posix_acl_* xattrs, in
    the kernel's order, with named users and groups shifted through the id maps."""
    needs_root()
    access = "user::rw-,user:1000:r--,group::r--,group:1500:rw-,mask::rw-,other::---"
    default = "user::rwx,group::r-x,other::r-x,user:1001:rwx,mask::rwx"
    layer = [F("f", b"x", mode=0o660, pax={"SCHILY.acl.access": access}),
             D("d", mode=0o775, pax={"SCHILY.acl.access": "user::rwx,group::rwx,other::r-x",
                                     "SCHILY.acl.default": default})]
    t.ok([t.layer(layer)], "--uidmap=0:100000:65536", "--gidmap=0:200000:65536")
    USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER = 1, 2, 4, 8, 0x10, 0x20
    check(read_acl(os.path.join(t.root, "f"), "system.posix_acl_access") ==
          [(USER_OBJ, 6, -1), (USER, 4, 101000), (GROUP_OBJ, 4, -1), (GROUP, 6, 201500),
           (MASK, 6, -1), (OTHER, 0, -1)], "file ACL: %s" %
          read_acl(os.path.join(t.root, "f"), "system.posix_acl_access"))
    check(read_acl(os.path.join(t.root, "d"), "system.posix_acl_default") ==
          [(USER_OBJ, 7, -1), (USER, 7, 101001), (GROUP_OBJ, 5, -1), (MASK, 7, -1),
           (OTHER, 5, -1)], "default ACL: %s" %
          read_acl(os.path.join(t.root, "d"), "system.posix_acl_default"))
    # a file made in the directory now inherits the default ACL, as in the image
    open(os.path.join(t.root, "d", "new"), "w").close()
    check(any(e[:2] == (USER, 7) or e[0] == USER for e in
              read_acl(os.path.join(t.root, "d", "new"), "system.posix_acl_access")),
          "default ACL inherited")
    t.reset_root()
    t.bad([t.layer([F("g", b"", pax={"SCHILY.acl.access":
                                     "user::rw-,user:70000:r--,group::r--,mask::r--,other::---"})])],
          "EINVAL", "ACL uid 70000 is not mapped", "--uidmap=0:100000:65536",
          "--gidmap=0:200000:65536")


def case_idmap(t):
    """uid/gid shifting for a user-namespaced rootfs; unmapped ids are an error."""
    needs_root()
    members = base_layer()
    m = Model(uidmap=(0, 100000, 65536), gidmap=(0, 200000, 65536))
    m.apply(members)
    t.ok([t.layer(members)], "--uidmap=0:100000:65536", "--gidmap=0:200000:65536")
    compare(m, t.root)
    check(os.lstat(os.path.join(t.root, "home/user")).st_uid == 101000, "shifted")
    check(os.lstat(os.path.join(t.root, "implicit/a")).st_uid == 100000,
          "implicit parents belong to container root")
    t.reset_root()
    t.bad([t.layer([F("f", b"", uid=70000)])], "EINVAL", "uid 70000 is not mapped",
          "--uidmap=0:100000:65536")


def case_unprivileged(t):
    """unprivileged: device nodes are skipped and counted; fifos are still made."""
    members = base_layer()
    m = Model(unprivileged=True)
    m.apply(members)
    res = t.ok([t.layer(members)], "--unprivileged")
    check(res[0]["skipped_devices"] == 2, "skipped %d" % res[0]["skipped_devices"])
    if IS_ROOT:
        compare(m, t.root)
    check(stat.S_ISFIFO(os.lstat(os.path.join(t.root, "run/fifo")).st_mode), "fifo made")
    check(not os.path.lexists(os.path.join(t.root, "dev/null")), "no device node")


def sparse_member(name, realsize, chunks):
    """A PAX 1.0 GNU sparse file: map block + data, logical size realsize."""
    smap = "%d\n" % len(chunks) + "".join("%d\n%d\n" % (o, len(d)) for o, d in chunks)
    block = smap.encode().ljust((len(smap) + 511) // 512 * 512, b"\0")
    data = block + b"".join(d for _, d in chunks)
    ti = _info("GNUSparseFile.0/" + name, tarfile.REGTYPE, 0o644, pax={
        "GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": name,
        "GNU.sparse.realsize": str(realsize)})
    ti.size = len(data)
    return (ti, data)


def case_sparse(t):
    """A sparse file keeps its holes and its logical size."""
    chunk = b"S" * 4096
    t.ok([t.layer([sparse_member("sparse", 8 << 20, [(1 << 20, chunk)])])])
    st = os.lstat(os.path.join(t.root, "sparse"))
    check(st.st_size == 8 << 20, "logical size %d" % st.st_size)
    check(st.st_blocks * 512 < 1 << 20, "holes kept (%d blocks)" % st.st_blocks)
    with open(os.path.join(t.root, "sparse"), "rb") as f:
        f.seek(1 << 20)
        check(f.read(4096) == chunk, "sparse data at its offset")
        f.seek(0)
        check(f.read(4096) == b"\0" * 4096, "hole reads as zeros")


def case_symlinked_parent(t):
    """A parent that is a symlink inside the image (lib -> usr/lib) is followed within the
    root, like the kernel would inside the container; an absolute one too."""
    t.ok([t.layer([D("usr/lib"), L("lib", "usr/lib"), L("abs", "/usr"),
                   F("lib/libc.so", b"c"), F("abs/lib/libm.so", b"m")])])
    check(open(os.path.join(t.root, "usr/lib/libc.so")).read() == "c", "through relative link")
    check(open(os.path.join(t.root, "usr/lib/libm.so")).read() == "m", "through absolute link")


def case_progress_limits_ok(t):
    """Limits that are not exceeded do not get in the way."""
    members = [F("f%d" % i, b"x" * 100) for i in range(50)]
    t.ok([t.layer(members)], "--max-entries=50", "--max-bytes=1000000")
    # progress: every 1024 entries and once at the end, with the final count
    t.reset_root()
    res = t.ok([t.layer([F("g%d" % i) for i in range(2100)])])
    check(res[0]["progress_calls"] == 3, "progress calls %d" % res[0]["progress_calls"])
    check(res[0]["progress_entries"] == 2100, "final progress %d" % res[0]["progress_entries"])


# ---------------------------------------------------------------- bad layers

def case_bad_traversal_name(t):
    t.bad([t.layer([F("../outside/canary", b"pwned")])], "EINVAL", "leaves the root")
    t.bad([t.layer([F("a/../../outside/canary", b"pwned")])], "EINVAL", "leaves the root")
    t.bad([t.layer([D("../outside/dir")])], "EINVAL", "leaves the root")


def case_bad_absolute(t):
    """Absolute names are contained (taken relative to the root, as tar does)."""
    t.ok([t.layer([F(t.outside + "/canary", b"contained"), F("/abs", b"a")])])
    check(open(t.root + t.outside + "/canary").read() == "contained", "landed inside root")
    check(open(os.path.join(t.root, "abs")).read() == "a", "abs")


def case_bad_traversal_link_target(t):
    t.bad([t.layer([H("h", "../outside/canary")])], "EINVAL", "hardlink target leaves the root")
    t.bad([t.layer([H("h", "/../../outside/canary")])], "EINVAL", "leaves the root")


def case_bad_traversal_whiteout(t):
    t.bad([t.layer([WH("../outside/.wh.canary")])], "EINVAL", "leaves the root")
    t.bad([t.layer([WH("../.wh.outside")])], "EINVAL", "leaves the root")
    t.bad([t.layer([D("a"), WH("a/.wh..")])], "EINVAL", "whiteout of '.'")
    t.bad([t.layer([D("a"), WH("a/.wh...")])], "EINVAL", "whiteout of '..'")
    t.bad([t.layer([WH(".wh.")])], "EINVAL", "whiteout of '(empty name)'")


def case_bad_symlink_escape(t):
    """Writing through a symlink that points out (relative or absolute) stays inside."""
    for target in ("../outside", "../../../../../../" + t.outside.lstrip("/"), t.outside):
        t.reset_root()
        rc, lines = t.run([t.layer([L("esc", target), F("esc/canary", b"pwned"),
                                    D("esc/dir/new")])[0]])
        t.assert_outside_untouched()
        if rc == 0:
            # contained: the symlink resolved inside the root
            check(os.path.exists(os.path.join(t.root, "outside/canary")) or
                  os.path.exists(t.root + t.outside + "/canary"), "written inside: %s" % lines)
    # an entry named like the symlink replaces the link, never writes through it
    t.reset_root()
    t.ok([t.layer([L("esc", "../outside/canary"), F("esc", b"replaced")])])
    check(not os.path.islink(os.path.join(t.root, "esc")), "symlink replaced")


def case_bad_hardlink_escape(t):
    """A hardlink through a symlinked parent cannot reach a host file."""
    rc, lines = t.run([t.layer([L("s", t.outside), H("h", "s/canary")])[0]])
    check(rc == 1 and "not found" in lines[-1], "hardlink out refused: %s" % lines)
    t.assert_outside_untouched()
    check(os.lstat(os.path.join(t.outside, "canary")).st_nlink == 1, "no link to the canary")
    t.reset_root()
    t.bad([t.layer([L("s", "../outside/canary"), H("h", "s/x")])], "ENOENT", "not found")
    t.reset_root()
    t.bad([t.layer([D("d"), H("h", "d")])], "EPERM", "is a directory")
    t.reset_root()
    t.bad([t.layer([H("h", "nothing")])], "ENOENT", "not found")


def case_bad_symlink_swap(t):
    """A directory replaced by a symlink between entries: later entries do not follow an old
    resolution, and the new symlink resolves inside the root."""
    rc, lines = t.run([t.layer([D("d"), F("d/a", b"1"), L("d", "../outside"),
                                F("d/canary", b"pwned")])[0]])
    t.assert_outside_untouched()
    check(rc == 1 or open(os.path.join(t.root, "outside/canary")).read() == "pwned",
          "either refused or contained: %s" % lines)
    t.reset_root()
    rc, lines = t.run([t.layer([D("d/sub"), F("d/sub/a", b"1"), L("d", t.outside),
                                F("d/dir/x", b"pwned"), F("d/sub/b", b"2")])[0]])
    t.assert_outside_untouched()


def case_bad_dot_symlink(t):
    t.bad([t.layer([L(".", t.outside)])], "EINVAL", "the root can only be a directory")
    t.bad([t.layer([L("./", "/")])], "EINVAL", "the root can only be a directory")
    t.bad([t.layer([F("./.", b"x")])], "EINVAL", "the root can only be a directory")
    t.bad([t.layer([F("a", b"1"), H(".", "a")])], "EINVAL", "the root can only be a directory")
    check(os.path.isdir(t.root) and not os.path.islink(t.root), "root is still a dir")


def truncated(t, kind):
    data = compress(tar_bytes([F("big", os.urandom(200000))]), kind)
    path = os.path.join(t.work, "trunc." + kind)
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    return (path, None)


def case_bad_truncated_gzip(t):
    t.bad([truncated(t, "gzip")], "EBADMSG", "gzip stream is truncated")


def case_bad_truncated_zstd(t):
    t.bad([truncated(t, "zstd")], "EBADMSG", "zstd stream is truncated")


def case_bad_corrupt_gzip(t):
    data = bytearray(compress(tar_bytes([F("f", b"hello" * 1000)]), "gzip"))
    data[-6] ^= 0xFF  # the CRC32 trailer
    path = os.path.join(t.work, "crc.gz")
    open(path, "wb").write(data)
    t.bad([(path, None)], "EBADMSG", "gzip stream")


def case_bad_media_type_lie(t):
    members = [F("f", b"x")]
    t.bad([t.layer(members, kind="gzip")], "EINVAL", "media type says zstd but the blob is gzip",
          "--compression=zstd")
    t.bad([t.layer(members, kind="none")], "EINVAL", "says gzip but the blob is uncompressed",
          "--compression=gzip")
    t.bad([t.layer(members, kind="zstd")], "EINVAL", "says uncompressed but the blob is zstd",
          "--compression=none")
    path = os.path.join(t.work, "layer.xz")
    open(path, "wb").write(subprocess.run(["xz", "-c"], input=b"x", stdout=subprocess.PIPE)
                           .stdout if shutil.which("xz") else b"\xfd7zXZ\0rest")
    t.bad([(path, None)], "EOPNOTSUPP", "xz")
    path = os.path.join(t.work, "garbage")
    open(path, "wb").write(b"this is not a tar archive at all" * 40)
    t.bad([(path, None)], "EINVAL", "layer:")


def case_bad_huge_pax(t):
    """A 2 MiB PAX header (over the 1 MiB default), and one claiming 8 GiB."""
    ti, data = F("f", b"x")
    ti.pax_headers = {"comment": "A" * (600 << 10)}
    t.bad([t.layer([(ti, data)])], "E2BIG", "headers of", "--max-header=65536")
    ti.pax_headers = {"comment": "A" * (2 << 20)}
    t.bad([t.layer([(ti, data)])], "EINVAL", "too large")
    # hand-made: a pax 'x' header whose size field says 8 GiB, then EOF
    hdr = tarfile.TarInfo("PaxHeaders/f")
    hdr.type = tarfile.XHDTYPE
    hdr.size = 8 << 30
    raw = hdr.tobuf(tarfile.GNU_FORMAT) + b"30 comment=" + b"B" * 1000
    path, _ = t.layer(None, raw=raw)
    rc, lines = t.run([path])
    check(rc == 1 and lines[-1].startswith("error"), "huge pax claim refused: %s" % lines)
    t.assert_outside_untouched()


def case_bad_sparse_huge(t):
    """A sparse entry claiming 1 TiB: refused by the size limit before any write."""
    t.bad([t.layer([sparse_member("huge", 1 << 40, [(0, b"x" * 512)])])], "EFBIG",
          "exceeds the layer size limit")
    check(not os.path.lexists(os.path.join(t.root, "huge")), "nothing written")


def case_bad_deep_nesting(t):
    # deep but within PATH_MAX works
    deep = "/".join(["d"] * 1500)
    t.ok([t.layer([F(deep + "/f", b"deep")])])
    check(open(os.path.join(t.root, deep, "f")).read() == "deep", "deep file")
    t.bad([t.layer([F("/".join(["d"] * 2100) + "/f", b"x")])], "ENAMETOOLONG",
          "longer than PATH_MAX")
    t.bad([t.layer([F("a/" + "n" * 256, b"x")])], "ENAMETOOLONG", "longer than NAME_MAX")


def bomb(size):
    return [F("zeros", b"\0" * size)]


def case_bad_bomb_size(t):
    t.bad([t.layer(bomb(32 << 20))], "EFBIG", "exceeds the layer size limit", "--max-bytes=8000000")
    # the streaming limit (total tar bytes) also stops a stream of many small files
    t.reset_root()
    t.bad([t.layer([F("f%d" % i, b"\0" * 100000) for i in range(100)])], "EFBIG",
          "size limit", "--max-bytes=4000000")


def case_bad_bomb_ratio(t):
    t.bad([t.layer(bomb(80 << 20))], "EFBIG", "compression ratio limit", "--max-ratio=100")
    st = os.lstat(os.path.join(t.root, "zeros"))
    check(st.st_size < 80 << 20, "stopped before the end (%d bytes)" % st.st_size)


def case_bad_entry_count(t):
    t.bad([t.layer([F("f%d" % i) for i in range(2000)])], "E2BIG", "more than 1000 entries",
          "--max-entries=1000")


def case_bad_empty_name(t):
    ti, data = F("x", b"")
    raw = bytearray(tar_bytes([(ti, data)], fmt=tarfile.USTAR_FORMAT))
    raw[0] = 0  # name field now empty; fix the checksum
    raw[148:156] = b" " * 8
    raw[148:155] = ("%06o\0" % sum(raw[:512])).encode()
    path, _ = t.layer(None, raw=bytes(raw))
    rc, lines = t.run([path])
    check(rc == 1 and lines[-1].startswith("error"), "empty name refused: %s" % lines)
    t.assert_outside_untouched()


CASES = {name[len("case_"):]: fn for name, fn in sorted(globals().items())
         if name.startswith("case_")}


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    tool, case = sys.argv[1], sys.argv[2]
    t = T(tool)
    try:
        CASES[case](t)
    except Fail as e:
        print("FAIL %s: %s" % (case, e))
        return 1
    finally:
        t.cleanup()
    print("ok %s" % case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
