#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate the test images of the image store tests, deterministically (fixed mtimes,
owners and order), into OUT:

  good/oci            OCI layout, tag "v1": busybox + 2 layers (gzip, gzip, plain)
  good/oci.tar        the same as an oci-archive
  good/docker.tar     classic docker-archive (RepoTags example.com/good:v1)
  good/docker-oci.tar docker-archive in the newer OCI-in-docker-save layout
  share-a/oci, share-b/oci  two images sharing their busybox base layer
  multi/oci           an index with an amd64 and an arm64 image (no tags)
  bad/<case>/...      one broken image per case (see BAD below)

usage: gen-images.py OUT
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

MTIME = 1700000000
BUSYBOX = "/bin/busybox"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_MT = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_bytes(entries):
    """entries: (name, kind, payload, mode) with kind in file/dir/symlink/hardlink/char."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, payload, mode in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = MTIME
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            ti.mode = mode
            data = None
            if kind == "file":
                data = payload
                ti.size = len(data)
            elif kind == "dir":
                ti.type = tarfile.DIRTYPE
            elif kind == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = payload
            elif kind == "hardlink":
                ti.type = tarfile.LNKTYPE
                ti.linkname = payload
            elif kind == "char":
                ti.type = tarfile.CHRTYPE
                ti.devmajor, ti.devminor = payload
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def compress(data, kind):
    if kind == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if kind == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, check=True,
                              stdout=subprocess.PIPE).stdout
    return data


def busybox_layer():
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    e = [("bin", "dir", None, 0o755), ("bin/busybox", "file", bb, 0o755)]
    for applet in ("sh", "ls", "cat", "echo", "true"):
        e.append(("bin/" + applet, "symlink", "busybox", 0o777))
    e += [
        ("etc", "dir", None, 0o755),
        ("etc/passwd", "file", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n", 0o644),
        ("etc/group", "file", b"root:x:0:\nnogroup:x:65534:\n", 0o644),
        ("etc/removed", "file", b"this file is deleted by layer 1\n", 0o644),
        ("dir", "dir", None, 0o755),
        ("dir/opaque", "dir", None, 0o755),
        ("dir/opaque/a", "file", b"a from layer 0\n", 0o644),
        ("tmp", "dir", None, 0o1777),
    ]
    return tar_bytes(e)


def layer1():
    return tar_bytes([
        ("etc", "dir", None, 0o755),
        ("etc/.wh.removed", "file", b"", 0o644),
        ("etc/motd", "file", b"hello from layer 1\n", 0o644),
        ("etc/motd-link", "hardlink", "etc/motd", 0o644),
        ("dir", "dir", None, 0o755),
        ("dir/opaque", "dir", None, 0o755),
        ("dir/opaque/.wh..wh..opq", "file", b"", 0o644),
        ("dir/opaque/b", "file", b"b from layer 1\n", 0o644),
        ("usr", "dir", None, 0o755),
        ("usr/bin", "dir", None, 0o755),
        ("usr/bin/suid", "file", b"#!/bin/sh\n", 0o4755),
    ])


def layer2():
    return tar_bytes([
        ("etc", "dir", None, 0o755),
        ("etc/motd", "file", b"hello from layer 2\n", 0o644),
        ("bin", "dir", None, 0o755),
        ("bin/busybox-hardlink", "hardlink", "bin/busybox", 0o755),
    ])


def config_for(diff_ids, arch="amd64", extra=None):
    cfg = {
        "created": "2023-11-14T22:13:20Z",
        "architecture": arch,
        "os": "linux",
        "config": {"Env": ["PATH=/bin:/usr/bin"], "Cmd": ["/bin/sh"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [],
    }
    if extra:
        cfg.update(extra)
    return json.dumps(cfg, sort_keys=True).encode()


class Layout:
    """An OCI image layout being built in memory."""

    def __init__(self):
        self.blobs = {}
        self.manifests = []

    def blob(self, data):
        d = sha(data)
        self.blobs[d] = data
        return d

    def desc(self, mt, data, **kw):
        d = {"mediaType": mt, "digest": self.blob(data), "size": len(data)}
        d.update(kw)
        return d

    def image(self, layers, arch="amd64", config_extra=None, layer_mt=None):
        """layers: [(tar, compression)]; returns the manifest bytes (stored as a blob)."""
        diff_ids = [sha(t) for t, _ in layers]
        cfg = config_for(diff_ids, arch, config_extra)
        ldescs = []
        for i, (t, comp) in enumerate(layers):
            mt = layer_mt[i] if layer_mt and layer_mt[i] else LAYER_MT[comp]
            ldescs.append(self.desc(mt, compress(t, comp)))
        m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
             "config": self.desc(OCI_CONFIG, cfg), "layers": ldescs}
        return json.dumps(m, sort_keys=True).encode()

    def write(self, out, index=None):
        os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(out, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        for d, data in sorted(self.blobs.items()):
            with open(os.path.join(out, "blobs", "sha256", d[7:]), "wb") as f:
                f.write(data)
        if index is None:
            index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": self.manifests}
        with open(os.path.join(out, "index.json"), "w") as f:
            if isinstance(index, (bytes, str)):
                f.write(index if isinstance(index, str) else index.decode())
            else:
                json.dump(index, f, sort_keys=True)

    def tag(self, manifest, ref=None, **kw):
        d = self.desc(OCI_MANIFEST, manifest, **kw)
        if ref:
            d["annotations"] = {"org.opencontainers.image.ref.name": ref}
        self.manifests.append(d)
        return d


def tar_dir(src, dest):
    """A deterministic tar of directory @src (an oci-archive)."""
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as t:
        for root, dirs, files in os.walk(src):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                p = os.path.join(root, name)
                ti = t.gettarinfo(p, os.path.relpath(p, src))
                ti.mtime = MTIME
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = ""
                if ti.isfile():
                    with open(p, "rb") as f:
                        t.addfile(ti, f)
                else:
                    t.addfile(ti)


def tar_members(dest, members):
    """members: [(name, bytes or ('symlink', target))]."""
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.mtime = MTIME
            if isinstance(data, tuple):
                ti.type = tarfile.SYMTYPE
                ti.linkname = data[1]
                t.addfile(ti)
            else:
                ti.size = len(data)
                ti.mode = 0o644
                t.addfile(ti, io.BytesIO(data))


def docker_archive(dest, layers, tags, layer_paths=None, extra_members=()):
    """Classic docker save: <hex>.json config, <id>/layer.tar, manifest.json."""
    diff_ids = [sha(t) for t in layers]
    cfg = config_for(diff_ids)
    cfg_name = sha(cfg)[7:] + ".json"
    members = [(cfg_name, cfg)]
    paths = []
    for i, t in enumerate(layers):
        p = layer_paths[i] if layer_paths else "%s/layer.tar" % sha(t)[7:]
        paths.append(p)
        if not layer_paths or not p.startswith(("/", "..")):
            members.append((p, t))
    members += list(extra_members)
    manifest = [{"Config": cfg_name, "RepoTags": tags, "Layers": paths}]
    members.insert(0, ("manifest.json", json.dumps(manifest).encode()))
    tar_members(dest, members)


def docker_oci_archive(dest, layers, tags):
    """The newer docker save: an OCI layout plus manifest.json naming blobs/sha256/<hex>."""
    lay = Layout()
    m = lay.image([(t, "none") for t in layers])
    lay.tag(m, tags[0])
    cfg_digest = json.loads(m)["config"]["digest"]
    manifest = [{"Config": "blobs/sha256/" + cfg_digest[7:], "RepoTags": tags,
                 "Layers": ["blobs/sha256/" + sha(t)[7:] for t in layers]}]
    members = [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
               ("manifest.json", json.dumps(manifest).encode())]
    members += [("blobs/sha256/" + d[7:], data) for d, data in sorted(lay.blobs.items())]
    members.append(("index.json", json.dumps({"schemaVersion": 2,
                                              "manifests": lay.manifests}).encode()))
    tar_members(dest, members)


def main(out):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    l0, l1, l2 = busybox_layer(), layer1(), layer2()
    good = [(l0, "gzip"), (l1, "gzip"), (l2, "none")]

    lay = Layout()
    lay.tag(lay.image(good), "v1")
    lay.write(os.path.join(out, "good", "oci"))
    tar_dir(os.path.join(out, "good", "oci"), os.path.join(out, "good", "oci.tar"))
    docker_archive(os.path.join(out, "good", "docker.tar"), [l0, l1, l2],
                   ["example.com/good:v1"])
    docker_oci_archive(os.path.join(out, "good", "docker-oci.tar"), [l0, l1, l2],
                       ["example.com/good-oci:v1"])
    if shutil.which("zstd"):
        lay = Layout()
        lay.tag(lay.image([(l0, "zstd"), (l1, "zstd"), (l2, "zstd")]), "zstd")
        lay.write(os.path.join(out, "good", "oci-zstd"))

    for name, content in (("share-a", b"image a\n"), ("share-b", b"image b\n")):
        lay = Layout()
        top = tar_bytes([("etc", "dir", None, 0o755), ("etc/which", "file", content, 0o644)])
        lay.tag(lay.image([(l0, "gzip"), (top, "gzip")]), "latest")
        lay.write(os.path.join(out, name, "oci"))

    lay = Layout()
    for arch in ("amd64", "arm64"):
        top = tar_bytes([("etc", "dir", None, 0o755),
                         ("etc/arch", "file", arch.encode() + b"\n", 0o644)])
        m = lay.image([(top, "gzip")], arch=arch)
        lay.manifests.append(dict(lay.desc(OCI_MANIFEST, m),
                                  platform={"os": "linux", "architecture": arch}))
    lay.write(os.path.join(out, "multi", "oci"))

    # Many small layers: 60 need the short "/proc/self/fd/N" lowerdir form, 250 do not fit
    # in one page of mount options at all. The first 60 are shared.
    lay = Layout()
    many = [(l0, "gzip")] + [(tar_bytes([("etc", "dir", None, 0o755),
                                         ("etc/layer-%03d" % i, "file", b"%d\n" % i, 0o644)]),
                              "gzip") for i in range(249)]
    lay.tag(lay.image(many[:60]), "many60")
    lay.tag(lay.image(many), "many250")
    lay.write(os.path.join(out, "many", "oci"))

    bad = os.path.join(out, "bad")

    # The layer blob's content does not hash to its name.
    lay = Layout()
    m = lay.image(good)
    lay.tag(m, "v1")
    d = json.loads(m)["layers"][1]["digest"]
    lay.blobs[d] = lay.blobs[d][:-1] + bytes([lay.blobs[d][-1] ^ 1])
    lay.write(os.path.join(bad, "digest-mismatch"))

    # The manifest says one byte more than the blob has.
    lay = Layout()
    mj = json.loads(lay.image(good))
    mj["layers"][0]["size"] += 1
    lay.tag(json.dumps(mj).encode(), "v1")
    lay.write(os.path.join(bad, "size-mismatch"))

    # rootfs.diff_ids wrong for a compressed layer: found when the layer is unpacked.
    lay = Layout()
    lay.tag(lay.image(good, config_extra={"rootfs": {"type": "layers", "diff_ids": [
        sha(l0), sha(b"not layer 1"), sha(l2)]}}), "v1")
    lay.write(os.path.join(bad, "diffid-wrong"))

    # rootfs.diff_ids wrong for an uncompressed layer: found at load already.
    lay = Layout()
    lay.tag(lay.image(good, config_extra={"rootfs": {"type": "layers", "diff_ids": [
        sha(l0), sha(l1), sha(b"not layer 2")]}}), "v1")
    lay.write(os.path.join(bad, "diffid-wrong-plain"))

    # Fewer diff_ids than layers.
    lay = Layout()
    lay.tag(lay.image(good, config_extra={"rootfs": {"type": "layers",
                                                     "diff_ids": [sha(l0)]}}), "v1")
    lay.write(os.path.join(bad, "diffids-short"))

    # index.json is not JSON.
    lay = Layout()
    lay.image(good)
    lay.write(os.path.join(bad, "index-bad-json"), index='{"schemaVersion": 2, "manifests": [')

    # The manifest blob is not JSON (its digest is right).
    lay = Layout()
    lay.tag(b'{"schemaVersion": 2, "config": ', "v1")
    lay.write(os.path.join(bad, "manifest-bad-json"))

    # A digest that would be a path outside the store.
    lay = Layout()
    lay.image(good)
    lay.write(os.path.join(bad, "digest-invalid"), index={
        "schemaVersion": 2, "manifests": [{"mediaType": OCI_MANIFEST, "size": 10,
                                           "digest": "sha256:../../../../etc/passwd"}]})

    # A layer digest in upper case (not the canonical form, refused as a path).
    lay = Layout()
    mj = json.loads(lay.image(good))
    mj["layers"][0]["digest"] = mj["layers"][0]["digest"].upper().replace("SHA256", "sha256")
    lay.tag(json.dumps(mj).encode(), "v1")
    lay.write(os.path.join(bad, "layer-digest-invalid"))

    # Indexes nested 6 deep (the default limit is 4).
    lay = Layout()
    inner = lay.desc(OCI_MANIFEST, lay.image(good),
                     platform={"os": "linux", "architecture": "amd64"})
    for _ in range(6):
        idx = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                          "manifests": [inner]}).encode()
        inner = lay.desc(OCI_INDEX, idx, platform={"os": "linux", "architecture": "amd64"})
    lay.manifests.append(inner)
    lay.write(os.path.join(bad, "index-nesting"))

    # A non-distributable layer whose blob is not in the layout.
    lay = Layout()
    m = lay.image(good, layer_mt=[None, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", None])
    lay.tag(m, "v1")
    del lay.blobs[json.loads(m)["layers"][1]["digest"]]
    lay.write(os.path.join(bad, "foreign-missing"))

    # A layer whose media type says gzip but which is a plain tar.
    lay = Layout()
    lay.tag(lay.image([(l0, "gzip"), (l1, "none")],
                      layer_mt=[None, LAYER_MT["gzip"]]), "v1")
    lay.write(os.path.join(bad, "media-type-lie"))

    # A layer blob that is a symlink to a host file: resolved inside the layout, never
    # outside it (the host file would not match the digest anyway).
    lay = Layout()
    m = lay.image(good)
    lay.tag(m, "v1")
    d = json.loads(m)["layers"][0]["digest"]
    del lay.blobs[d]
    lay.write(os.path.join(bad, "blob-symlink"))
    os.symlink("/bin/busybox", os.path.join(bad, "blob-symlink", "blobs", "sha256", d[7:]))

    # No oci-layout file.
    lay = Layout()
    lay.tag(lay.image(good), "v1")
    lay.write(os.path.join(bad, "no-layout-file"))
    os.unlink(os.path.join(bad, "no-layout-file", "oci-layout"))

    # An oci-archive cut in the middle of a blob.
    with open(os.path.join(out, "good", "oci.tar"), "rb") as f:
        data = f.read()
    with open(os.path.join(bad, "truncated.tar"), "wb") as f:
        f.write(data[:len(data) // 2])

    # docker-archive: layer paths leaving the archive, absolute, through a symlink.
    os.makedirs(os.path.join(bad, "docker"), exist_ok=True)
    docker_archive(os.path.join(bad, "docker", "escape.tar"), [l0], ["bad:escape"],
                   layer_paths=["../outside/layer.tar"])
    docker_archive(os.path.join(bad, "docker", "absolute.tar"), [l0], ["bad:absolute"],
                   layer_paths=["/etc/passwd"])
    docker_archive(os.path.join(bad, "docker", "symlink.tar"), [l0], ["bad:symlink"],
                   layer_paths=["link/layer.tar"],
                   extra_members=[("link", ("symlink", "/etc")),
                                  ("real/layer.tar", l0)])
    # The member is itself a symlink.
    diff = sha(l0)
    cfg = config_for([diff])
    tar_members(os.path.join(bad, "docker", "symlink-member.tar"), [
        ("manifest.json", json.dumps([{"Config": "c.json", "RepoTags": ["bad:member"],
                                       "Layers": ["l/layer.tar"]}]).encode()),
        ("c.json", cfg), ("real.tar", l0), ("l/layer.tar", ("symlink", "../real.tar"))])
    # A layer.tar that is not the layer the config's diff_ids names.
    cfg = config_for([sha(l0), sha(b"something else")])
    tar_members(os.path.join(bad, "docker", "diffid.tar"), [
        ("manifest.json", json.dumps([{"Config": "c.json", "RepoTags": ["bad:diffid"],
                                       "Layers": ["a/layer.tar", "b/layer.tar"]}]).encode()),
        ("c.json", cfg), ("a/layer.tar", l0), ("b/layer.tar", l1)])
    # A layer named in manifest.json that is not in the archive.
    cfg = config_for([sha(l0)])
    tar_members(os.path.join(bad, "docker", "missing-layer.tar"), [
        ("manifest.json", json.dumps([{"Config": "c.json", "RepoTags": ["bad:missing"],
                                       "Layers": ["gone/layer.tar"]}]).encode()),
        ("c.json", cfg)])
    # manifest.json is not JSON.
    tar_members(os.path.join(bad, "docker", "bad-json.tar"), [("manifest.json", b"[{")])


if __name__ == "__main__":
    main(sys.argv[1])
