# SPDX-License-Identifier: LGPL-2.1-or-later
"""`pip install --no-build-isolation ./bindings/python` works offline."""
import os
import shutil
import subprocess
import sys

import pytest

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


@pytest.mark.skipif(not os.environ.get("LCONT_BUILD_DIR") and
                    subprocess.run(["pkg-config", "--exists", "lcont"]).returncode != 0,
                    reason="neither a build tree (LCONT_BUILD_DIR) nor an installed liblcont")
def test_pip_install_offline(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SRC, src, ignore=shutil.ignore_patterns("build", "*.egg-info",
                                                            "__pycache__", "tests"))
    target = tmp_path / "site"
    env = dict(os.environ)
    if env.get("LCONT_BUILD_DIR"):
        env["LCONT_BUILD_DIR"] = os.path.abspath(env["LCONT_BUILD_DIR"])
    # --no-deps: cffi comes from Debian (python3-cffi); --no-index: never the network.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation",
                    "--no-index", "--no-deps", "--target", str(target), str(src)],
                   check=True, env=env, cwd=str(tmp_path))
    assert any(n.startswith("_lcont") and n.endswith(".so")
               for n in os.listdir(target / "lcont"))
    out = subprocess.run([sys.executable, "-m", "lcont", "--version"], check=True,
                         capture_output=True, text=True, cwd=str(tmp_path),
                         env=dict(env, PYTHONPATH=str(target))).stdout
    assert out.startswith("liblcont ")
