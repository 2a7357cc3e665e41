#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate a small, deterministic test image from busybox-static.

usage: mkimage.py BUSYBOX OUTDIR

Writes OUTDIR/oci (an OCI image layout, gzip layers, tag "1.0") and
OUTDIR/image.tar (a classic `docker save` archive, uncompressed layers,
RepoTags ["lcont-test/bb:latest"]). Both hold the same two layers:
  1. /bin/busybox and applet symlinks, /etc/passwd, /etc/group, /work, /tmp
  2. /hello.txt, /work/data, and a whiteout removing /etc/motd from layer 1
and an image config with Env, WorkingDir, User, Cmd, Labels, StopSignal.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

MTIME = 1700000000
APPLETS = ["sh", "echo", "cat", "id", "env", "pwd", "true", "false", "ls", "test", "sleep",
           "kill", "touch", "mkdir", "hostname", "printenv"]
PASSWD = ("root:x:0:0:root:/root:/bin/sh\n"
          "app:x:1000:1000:App:/home/app:/bin/sh\n"
          "nobody:x:65534:65534:nobody:/:/bin/false\n")
GROUP = "root:x:0:\napp:x:1000:\nstaff:x:50:app\nnogroup:x:65534:\n"


def add(tar, name, data=None, mode=0o644, kind=tarfile.REGTYPE, link="", uid=0, gid=0):
    info = tarfile.TarInfo(name)
    info.mtime = MTIME
    info.mode = mode
    info.type = kind
    info.linkname = link
    info.uid, info.gid = uid, gid
    info.uname = info.gname = ""
    if data is not None:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        tar.addfile(info)


def layer1(busybox):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in ["bin", "etc", "home", "root", "tmp", "work", "proc", "sys", "dev"]:
            add(tar, d, kind=tarfile.DIRTYPE, mode=0o1777 if d == "tmp" else 0o755)
        add(tar, "home/app", kind=tarfile.DIRTYPE, mode=0o755, uid=1000, gid=1000)
        with open(busybox, "rb") as f:
            add(tar, "bin/busybox", f.read(), mode=0o755)
        for a in APPLETS:
            add(tar, "bin/" + a, kind=tarfile.SYMTYPE, link="busybox", mode=0o777)
        add(tar, "etc/passwd", PASSWD.encode())
        add(tar, "etc/group", GROUP.encode())
        add(tar, "etc/motd", b"removed by layer 2\n")
        add(tar, "bin/notexec", b"#!/bin/sh\necho never\n", mode=0o644)
    return buf.getvalue()


def layer2():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        add(tar, "hello.txt", b"hello from layer 2\n")
        add(tar, "work", kind=tarfile.DIRTYPE, mode=0o755)
        add(tar, "work/data", b"data\n")
        add(tar, "etc", kind=tarfile.DIRTYPE, mode=0o755)
        add(tar, "etc/.wh.motd", b"")
    return buf.getvalue()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def config(diff_ids):
    return json.dumps({
        "architecture": "amd64",
        "os": "linux",
        "created": "2023-11-14T22:13:20Z",
        "config": {
            "Env": ["PATH=/bin", "GREETING=from-image"],
            "Cmd": ["echo", "default command"],
            "WorkingDir": "/work",
            "User": "app",
            "Labels": {"org.example.test": "yes"},
            "StopSignal": "SIGINT",
            "ExposedPorts": {"8080/tcp": {}},
        },
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diff_ids]},
        "history": [{"created_by": "mkimage.py layer 1"}, {"created_by": "mkimage.py layer 2"}],
    }, sort_keys=True).encode()


def write_blob(root, data):
    d = sha(data)
    with open(os.path.join(root, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return d


def oci_layout(out, layers, cfg):
    root = os.path.join(out, "oci")
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    descs = []
    for raw in layers:
        gz = gzip.compress(raw, mtime=0)
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                      "digest": "sha256:" + write_blob(root, gz), "size": len(gz)})
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:" + write_blob(root, cfg), "size": len(cfg)},
        "layers": descs,
    }, sort_keys=True).encode()
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": "sha256:" + write_blob(root, manifest), "size": len(manifest),
                       "annotations": {"org.opencontainers.image.ref.name": "1.0"}}],
    }
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    return "sha256:" + sha(manifest)


def docker_archive(out, layers, cfg):
    with tarfile.open(os.path.join(out, "image.tar"), "w", format=tarfile.PAX_FORMAT) as tar:
        cfg_name = sha(cfg) + ".json"
        add(tar, cfg_name, cfg)
        names = []
        for raw in layers:
            d = sha(raw)
            add(tar, d, kind=tarfile.DIRTYPE, mode=0o755)
            add(tar, d + "/layer.tar", raw)
            names.append(d + "/layer.tar")
        manifest = [{"Config": cfg_name, "RepoTags": ["lcont-test/bb:latest"], "Layers": names}]
        add(tar, "manifest.json", json.dumps(manifest).encode())
        add(tar, "repositories",
            json.dumps({"lcont-test/bb": {"latest": sha(layers[-1])}}).encode())


def main():
    busybox, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    layers = [layer1(busybox), layer2()]
    cfg = config([sha(raw) for raw in layers])
    digest = oci_layout(out, layers, cfg)
    docker_archive(out, layers, cfg)
    # what the tests compare against
    with open(os.path.join(out, "ids"), "w") as f:
        f.write("config=sha256:%s\nmanifest=%s\n" % (sha(cfg), digest))


if __name__ == "__main__":
    main()
