# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write a small OCI image layout (busybox-static plus one layer) at test time, with only
tarfile, gzip, json and hashlib."""
import gzip
import hashlib
import io
import json
import os
import tarfile

BUSYBOX = "/bin/busybox"
APPLETS = ["sh", "echo", "cat", "sleep", "true", "hostname", "id", "ls", "kill"]
MTIME = 1700000000


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_bytes(entries):
    """entries: (name, kind, payload, mode), kind in file/dir/symlink."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, payload, mode in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.mode = MTIME, mode
            data = None
            if kind == "file":
                data = payload
                ti.size = len(data)
            elif kind == "dir":
                ti.type = tarfile.DIRTYPE
            else:
                ti.type = tarfile.SYMTYPE
                ti.linkname = payload
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def base_layer():
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    e = [(d, "dir", None, 0o755) for d in ("bin", "etc", "proc", "sys", "dev", "root")]
    e += [("tmp", "dir", None, 0o1777), ("bin/busybox", "file", bb, 0o755)]
    e += [("bin/" + a, "symlink", "busybox", 0o777) for a in APPLETS]
    e += [("etc/passwd", "file", b"root:x:0:0:root:/root:/bin/sh\n"
                                 b"app:x:1000:1000:app:/tmp:/bin/sh\n", 0o644),
          ("etc/group", "file", b"root:x:0:\napp:x:1000:\n", 0o644)]
    return tar_bytes(e)


def motd_layer(text):
    return tar_bytes([("etc", "dir", None, 0o755),
                      ("etc/motd", "file", text.encode(), 0o644)])


def write_layout(out, tag="v1", motd="hello from the image layer\n",
                 cmd=("/bin/sh", "-c", "cat /etc/motd"), env=("GREETING=hi",),
                 user=None, ref_name=None):
    """Write an OCI layout to @out; returns (manifest digest, config digest)."""
    blobs = {}

    def blob(data, media_type):
        d = sha256(data)
        blobs[d] = data
        return {"mediaType": media_type, "digest": d, "size": len(data)}

    tars = [base_layer(), motd_layer(motd)]
    layers = [blob(gzip.compress(tars[0], mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"),
              blob(tars[1], "application/vnd.oci.image.layer.v1.tar")]
    cfg = {"created": "2023-11-14T22:13:20Z", "architecture": "amd64", "os": "linux",
           "config": {"Env": ["PATH=/bin"] + list(env), "Cmd": list(cmd),
                      "WorkingDir": "/tmp"},
           "rootfs": {"type": "layers", "diff_ids": [sha256(t) for t in tars]},
           "history": []}
    if user:
        cfg["config"]["User"] = user
    config = blob(json.dumps(cfg, sort_keys=True).encode(),
                  "application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config, "layers": layers}
    mdesc = blob(json.dumps(manifest, sort_keys=True).encode(),
                 "application/vnd.oci.image.manifest.v1+json")
    mdesc["annotations"] = {"org.opencontainers.image.ref.name": ref_name or tag}
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    for d, data in blobs.items():
        with open(os.path.join(out, "blobs", "sha256", d[7:]), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [mdesc]}, f)
    return mdesc["digest"], config["digest"]


def write_archive(layout, dest):
    """An oci-archive: the layout directory as a tar file."""
    with tarfile.open(dest, "w") as t:
        for name in sorted(os.listdir(layout)):
            t.add(os.path.join(layout, name), name)
    return dest


def write_docker_archive(dest, tags=("example.com/py/docker:1",), motd="hello from docker\n"):
    """A classic `docker save` archive: manifest.json, <config>.json, <n>/layer.tar.
    Returns the config digest (the image ID)."""
    tars = [base_layer(), motd_layer(motd)]
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh", "-c", "cat /etc/motd"]},
                      "rootfs": {"type": "layers", "diff_ids": [sha256(t) for t in tars]}},
                     sort_keys=True).encode()
    members = {sha256(cfg)[7:] + ".json": cfg}
    layers = []
    for i, t in enumerate(tars):
        members["layer%d/layer.tar" % i] = t
        layers.append("layer%d/layer.tar" % i)
    members["manifest.json"] = json.dumps([{"Config": sha256(cfg)[7:] + ".json",
                                            "RepoTags": list(tags), "Layers": layers}]).encode()
    with tarfile.open(dest, "w") as t:
        for name, data in members.items():
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime = len(data), MTIME
            t.addfile(ti, io.BytesIO(data))
    return sha256(cfg)
