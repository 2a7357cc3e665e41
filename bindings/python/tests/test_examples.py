# SPDX-License-Identifier: LGPL-2.1-or-later
"""The scripts in examples/python run (so the tutorial cannot rot)."""
import os
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                        "examples", "python")

pytestmark = pytest.mark.root


def run_example(name, *args):
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, name)] + list(args),
                          capture_output=True, text=True, timeout=120)


def test_run_bundle_example(bundle):
    bundle.script("echo hi from the example; exit 4")
    r = run_example("run_bundle.py", bundle.write())
    assert r.returncode == 4, r.stderr
    assert r.stdout == "hi from the example\nexit status: 4\n"


def test_wait_async_example(bundle):
    bundle.script("exit 2")
    r = run_example("wait_async.py", bundle.write(), "3")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "exit statuses: [2, 2, 2]\n"
