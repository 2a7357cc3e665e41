# SPDX-License-Identifier: LGPL-2.1-or-later
"""Image store from Python: load (OCI layout / archive), look up, list, remove, prune,
progress callbacks, errors; as root: mount, unpack, and run a container of an image."""
import errno
import json
import os
import shutil

import pytest

import lcont
from lcont import context as lcont_context

import ociimage

needs_busybox = pytest.mark.skipif(not os.path.exists(ociimage.BUSYBOX),
                                   reason="needs busybox-static")
pytestmark = needs_busybox


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    """One image for the module (gzip of busybox takes a while); tests copy it to change it."""
    path = str(tmp_path_factory.mktemp("img") / "layout")
    digest, config = ociimage.write_layout(path)
    return path, digest, config


@pytest.fixture
def store(ctx, tmpdir_short):
    with lcont.ImageStore(ctx, os.path.join(tmpdir_short, "images")) as s:
        yield s


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def test_load_properties_and_lookup(store, layout, tmpdir_short):
    path, digest, config_digest = layout
    img = store.load("oci:%s:v1" % path, "example.com/py/busy:1.0")
    assert img.digest == digest
    assert img.id == config_digest
    assert img.name == "example.com/py/busy:1.0"
    assert img.names == ["example.com/py/busy:1.0"]
    assert img.layer_count == 2
    assert img.created == "2023-11-14T22:13:20Z"
    blobs = os.path.join(path, "blobs", "sha256")
    assert img.size == sum(d["size"] for d in [img.manifest["config"]] + img.manifest["layers"])
    assert img.size == sum(os.path.getsize(os.path.join(blobs, d["digest"][7:]))
                           for d in [img.manifest["config"]] + img.manifest["layers"])
    assert img.config["config"]["Cmd"] == ["/bin/sh", "-c", "cat /etc/motd"]
    # By full name, a unique suffix, digest, image ID and a 12-digit prefix.
    for key in ["example.com/py/busy:1.0", "busy:1.0", digest, config_digest, digest[7:19]]:
        assert store.lookup(key) == img, key
    assert store.digests() == [digest]
    assert [i.digest for i in store] == [digest]
    assert len(store) == 1 and "busy:1.0" in store and "nope:1" not in store
    assert store.root == os.path.join(tmpdir_short, "images")


def test_default_name_from_layout_dir_and_tag(store, layout):
    path, digest, _ = layout
    img = store.load("oci:" + path)  # one manifest: the tag may be omitted
    assert img.name == "layout:v1" and img.digest == digest


def test_load_oci_archive(store, layout, tmpdir_short):
    path, digest, _ = layout
    tar = ociimage.write_archive(path, os.path.join(tmpdir_short, "img.tar"))
    img = store.load("oci-archive:%s:v1" % tar, name="arch:1")
    assert img.digest == digest and store.lookup("arch:1") == img


def test_load_docker_archive_takes_its_repo_tags(store, tmpdir_short):
    tar = os.path.join(tmpdir_short, "docker.tar")
    image_id = ociimage.write_docker_archive(tar, tags=["example.com/py/d:1", "d:latest"])
    img = store.load("docker-archive:" + tar)
    assert img.id == image_id
    assert sorted(img.names) == ["d:latest", "example.com/py/d:1"]
    assert store.lookup("d") == img  # "repo" means "repo:latest"
    with pytest.raises(FileNotFoundError):
        store.load("docker-archive:%s:no/such:tag" % tar)


def test_progress_callback_reports_every_blob(ctx, layout, tmpdir_short):
    path, digest, _ = layout
    events = []
    with lcont.ImageStore(ctx, os.path.join(tmpdir_short, "images"),
                          progress=events.append) as store:
        store.load("oci:" + path)
    copies = [e for e in events if e.phase == lcont.ImagePhase.COPY]
    assert {e.digest for e in copies} == {d["digest"] for d in
                                         json.load(open(os.path.join(
                                             path, "blobs", "sha256", digest[7:])))["layers"]}
    assert all(e.count == 2 for e in copies)
    done = [e for e in copies if e.bytes_done == e.bytes_total]
    assert len(done) >= 2
    assert events[-1].phase == lcont.ImagePhase.DONE


def test_progress_exception_is_raised_and_handle_released(ctx, layout, tmpdir_short):
    path, _, _ = layout
    base = lcont_context.held_count()

    def boom(progress):
        raise RuntimeError("from the progress callback")

    store = lcont.ImageStore(ctx, os.path.join(tmpdir_short, "images"), progress=boom)
    assert lcont_context.held_count() == base + 1
    with pytest.raises(RuntimeError, match="from the progress callback"):
        store.load("oci:" + path)
    store.set_progress(None)
    assert lcont_context.held_count() == base
    store.set_progress(lambda p: None)
    assert lcont_context.held_count() == base + 1
    store.close()
    assert lcont_context.held_count() == base


def test_progress_callback_cannot_reenter_the_store(ctx, layout, tmpdir_short):
    path, _, _ = layout
    with lcont.ImageStore(ctx, os.path.join(tmpdir_short, "images")) as store:
        store.set_progress(lambda p: store.digests())
        with pytest.raises(RuntimeError, match="called again from inside"):
            store.load("oci:" + path, "re:1")
        store.set_progress(None)
        assert "re:1" in store  # the load itself went through


def test_bad_sources_raise_the_right_oserror(store, layout, tmpdir_short):
    path, _, _ = layout
    with pytest.raises(FileNotFoundError):
        store.load("oci:" + os.path.join(tmpdir_short, "missing"))
    with pytest.raises(FileNotFoundError):
        store.load("oci:%s:no-such-tag" % path)
    with pytest.raises(OSError) as e:
        store.load("ftp://example.com/image")
    assert e.value.errno == errno.EINVAL
    with pytest.raises(ValueError):
        store.load("oci:" + path, platform="linux")  # caught by the binding
    # A corrupted layer blob: the digest check names it.
    bad = os.path.join(tmpdir_short, "bad")
    shutil.copytree(path, bad)
    manifest_digest = json.load(open(os.path.join(bad, "index.json")))["manifests"][0]["digest"]
    manifest = json.load(open(os.path.join(bad, "blobs", "sha256", manifest_digest[7:])))
    layer = os.path.join(bad, "blobs", "sha256", manifest["layers"][1]["digest"][7:])
    with open(layer, "r+b") as f:
        f.seek(600)
        f.write(b"X")
    with pytest.raises(OSError) as e:
        store.load("oci:" + bad)
    assert e.value.errno == errno.EINVAL
    assert manifest["layers"][1]["digest"][7:19] in str(e.value)
    assert store.digests() == []


def test_unknown_store_option_and_limits(ctx, layout, tmpdir_short):
    with pytest.raises(TypeError):
        lcont.ImageStore(ctx, os.path.join(tmpdir_short, "x"), max_layers=3)
    path, _, _ = layout
    tar = ociimage.write_archive(path, os.path.join(tmpdir_short, "img.tar"))
    with lcont.ImageStore(ctx, os.path.join(tmpdir_short, "small"), max_blob_bytes=4096) as s:
        with pytest.raises(OSError) as e:
            s.load("oci-archive:" + tar)  # busybox's layer is ~1 MiB
        assert e.value.errno == errno.EFBIG
        assert "more than 4096 bytes" in str(e.value)
        assert s.digests() == []


def test_remove_and_prune(store, layout):
    path, digest, _ = layout
    store.load("oci:" + path, "a:1")
    store.load("oci:" + path, "b:1")
    assert sorted(store.lookup(digest).names) == ["a:1", "b:1"]
    store.remove("a:1")
    assert "a:1" not in store and store.lookup("b:1").digest == digest
    with pytest.raises(FileNotFoundError):
        store.remove("a:1")
    with pytest.raises(FileNotFoundError):
        store.lookup("a:1")
    store.remove("b:1")  # the last name: the image goes
    assert store.digests() == []
    assert store.prune() >= 0
    store.load("oci:" + path, "c:1")
    assert store.prune() == 0 and len(store) == 1  # named: kept
    assert store.prune(all=True) > 0 and len(store) == 0


@pytest.mark.root
def test_mount_context_manager_unmounts(store, layout, tmpdir_short):
    path, _, _ = layout
    img = store.load("oci:" + path, "m:1")
    target = os.path.join(tmpdir_short, "rootfs")
    os.mkdir(target)
    with img.mount(target) as m:
        assert is_mounted(target)
        with open(os.path.join(m, "etc", "motd")) as f:
            assert f.read() == "hello from the image layer\n"
        with pytest.raises(OSError) as e:
            store.remove("m:1")
        assert e.value.errno == errno.EBUSY
        with pytest.raises(OSError) as e:
            img.mount(target)
        assert e.value.errno == errno.EBUSY
    assert not is_mounted(target)
    assert os.listdir(target) == []
    with pytest.raises(FileNotFoundError):
        store.umount(target)
    store.remove("m:1")


@pytest.mark.root
def test_unpack(store, layout, tmpdir_short):
    path, _, _ = layout
    img = store.load("oci:" + path)
    dest = os.path.join(tmpdir_short, "flat")
    img.unpack(dest)
    assert os.path.islink(os.path.join(dest, "bin", "sh"))
    with open(os.path.join(dest, "etc", "motd")) as f:
        assert f.read() == "hello from the image layer\n"
    with pytest.raises(OSError) as e:
        img.unpack(dest)  # not empty any more
    assert e.value.errno == errno.ENOTEMPTY


def test_spec_from_image_without_rootfs():
    cfg = {"architecture": "amd64", "os": "linux",
           "config": {"Entrypoint": ["/bin/app"], "Cmd": ["--serve"], "Env": ["A=1"],
                      "User": "1000:1000"},
           "rootfs": {"type": "layers", "diff_ids": []}}
    spec = lcont.spec_from_image(cfg, args=["--check"], env={"B": "2"}, hostname="img")
    assert spec["process"]["args"] == ["/bin/app", "--check"]
    assert "A=1" in spec["process"]["env"] and "B=2" in spec["process"]["env"]
    assert spec["process"]["user"]["uid"] == 1000 and spec["hostname"] == "img"
    assert spec["root"]["path"] == "rootfs"
    with pytest.raises(FileNotFoundError):
        lcont.spec_from_image(cfg, user="nobody")  # names need the image's /etc/passwd
    with pytest.raises(OSError) as e:
        lcont.spec_from_image(dict(cfg, os="windows"))
    assert e.value.errno == errno.EOPNOTSUPP


@pytest.mark.root
def test_run_a_container_of_the_image(ctx, store, layout, tmpdir_short):
    path, _, _ = layout
    img = store.load("oci:" + path, "run:1")
    bundle = os.path.join(tmpdir_short, "bundle")
    rootfs = os.path.join(bundle, "rootfs")
    os.makedirs(rootfs)
    with img.mount(rootfs):
        config = img.runtime_config(rootfs, root_path="rootfs", user="app",
                                    args=["/bin/sh", "-c", "cat /etc/motd; echo $GREETING "
                                          "$(pwd) $(id -u); exit 3"])
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(config, f)
        r, w = os.pipe()
        try:
            c = ctx.create("py-image-run", bundle, stdout=w, stderr=w)
        finally:
            os.close(w)
        with c, os.fdopen(r, "rb") as out:
            c.start()
            status = c.wait()
            data = out.read().decode()
    assert status == 3
    assert data == "hello from the image layer\nhi /tmp 1000\n"
    assert config["annotations"]["org.opencontainers.image.base.name"] == "run:1"
    assert not is_mounted(rootfs)


@pytest.mark.root
def test_image_bundle_helper(ctx, store, layout, tmpdir_short):
    path, _, _ = layout
    img = store.load("oci:" + path)
    bdir = os.path.join(tmpdir_short, "b")
    with img.bundle(bdir, args=["/bin/sh", "-c", "echo $GREETING; exit 2"],
                    hostname="imgbox") as b:
        assert b.config["hostname"] == "imgbox" and b.config["root"]["path"] == "rootfs"
        with open(os.path.join(bdir, "config.json")) as f:
            assert json.load(f) == b.config
        r, w = os.pipe()
        try:
            c = ctx.create("py-bundle", b, stdout=w, stderr=w)
        finally:
            os.close(w)
        with c, os.fdopen(r, "rb") as out:
            c.start()
            assert (c.wait(), out.read()) == (2, b"hi\n")
    assert not is_mounted(os.path.join(bdir, "rootfs"))
    assert not os.path.exists(os.path.join(bdir, "config.json"))
