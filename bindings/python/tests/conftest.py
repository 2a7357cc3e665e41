# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures: a busybox-static bundle and a private state root per test."""
import os
import shutil
import tempfile

import pytest

import lcont

BUSYBOX = "/bin/busybox"
APPLETS = ["sh", "echo", "cat", "sleep", "true", "false", "hostname", "id", "ls", "kill"]


def pytest_configure(config):
    config.addinivalue_line("markers", "root: needs root (real namespaces, mounts, cgroups)")


def pytest_collection_modifyitems(config, items):
    if os.geteuid() == 0 and os.path.exists(BUSYBOX):
        return
    skip = pytest.mark.skip(reason="needs root and busybox-static")
    for item in items:
        if "root" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def tmpdir_short():
    # Unix socket paths and state dirs want short paths: not pytest's long tmp_path.
    d = tempfile.mkdtemp(prefix="lcpy-", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def ctx(tmpdir_short):
    with lcont.Context(state_root=os.path.join(tmpdir_short, "state"),
                       store_root=os.path.join(tmpdir_short, "store")) as c:
        yield c
        for cont in c.containers():
            cont.delete(force=True)


class Bundle:
    """A bundle directory whose config is a dict edited by the test, then written."""

    def __init__(self, path):
        self.path = path
        root = os.path.join(path, "rootfs")
        for d in ["bin", "proc", "sys", "dev", "tmp", "etc"]:
            os.makedirs(os.path.join(root, d), exist_ok=True)
        shutil.copy2(BUSYBOX, os.path.join(root, "bin", "busybox"))
        for a in APPLETS:
            os.symlink("busybox", os.path.join(root, "bin", a))
        self.config = lcont.generate_spec()
        self.config["process"]["terminal"] = False
        self.config["root"] = {"path": "rootfs", "readonly": False}

    def script(self, text):
        self.config["process"]["args"] = ["/bin/sh", "-c", text]
        return self

    def write(self):
        import json
        with open(os.path.join(self.path, "config.json"), "w") as f:
            json.dump(self.config, f)
        return self.path


@pytest.fixture
def bundle(tmpdir_short):
    path = os.path.join(tmpdir_short, "bundle")
    os.makedirs(path)
    return Bundle(path)
