# SPDX-License-Identifier: LGPL-2.1-or-later
"""The scripts in examples/python run (so the tutorial cannot rot)."""
import os
import subprocess
import sys

import pytest

import ociimage

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                        "examples", "python")


def run_example(name, *args):
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, name)] + list(args),
                          capture_output=True, text=True, timeout=120)


@pytest.mark.root
def test_run_bundle_example(bundle):
    bundle.script("echo hi from the example; exit 4")
    r = run_example("run_bundle.py", bundle.write())
    assert r.returncode == 4, r.stderr
    assert r.stdout == "hi from the example\nexit status: 4\n"


@pytest.mark.root
def test_wait_async_example(bundle):
    bundle.script("exit 2")
    r = run_example("wait_async.py", bundle.write(), "3")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "exit statuses: [2, 2, 2]\n"


@pytest.mark.root
def test_run_image_example(tmpdir_short):
    layout = os.path.join(tmpdir_short, "layout")
    ociimage.write_layout(layout, motd="motd of the example\n")
    r = run_example("run_image.py", "--store", os.path.join(tmpdir_short, "store"),
                    "--state", os.path.join(tmpdir_short, "state"), "--name", "ex:1",
                    "oci:" + layout, "/bin/sh", "-c", "cat /etc/motd; exit 6")
    assert r.returncode == 6, r.stderr
    assert r.stdout.startswith("loaded ex:1 sha256:")
    assert r.stdout.endswith("(2 layers)\nmotd of the example\nexit status: 6\n")
    assert r.stderr.count("copied sha256:") == 2  # one line per layer blob
    assert os.listdir(os.path.join(tmpdir_short, "state")) == []


def test_service_table_example():
    r = run_example("service_table.py")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("applied 1 objects\n"
                        "10.1.0.1:8080 picked 3 times\n"
                        "10.1.0.2:8080 picked 3 times\n"
                        "10.1.0.3:8080 picked 3 times\n"
                        "10.96.0.80:80 -> True\n"
                        "saved 1 service(s), generation 3\n")
