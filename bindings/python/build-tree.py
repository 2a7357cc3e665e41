#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build the lcont package into a meson build tree: copy the pure-Python files and compile
the cffi extension against the build tree's liblcont (rpath to build/lib).

usage: build-tree.py MESON_BUILD_DIR OUT_DIR STAMP
"""
import os
import shutil
import sys

src = os.path.dirname(os.path.abspath(__file__))
build_dir, out_dir, stamp = (os.path.abspath(a) for a in sys.argv[1:4])
os.environ["LCONT_BUILD_DIR"] = build_dir
pkg_out = os.path.join(out_dir, "lcont")
os.makedirs(os.path.join(pkg_out, "decl"), exist_ok=True)
for name in os.listdir(os.path.join(src, "lcont")):
    path = os.path.join(src, "lcont", name)
    if name.endswith((".py", ".pyi")) or name == "py.typed":
        shutil.copy2(path, pkg_out)
for name in os.listdir(os.path.join(src, "lcont", "decl")):
    shutil.copy2(os.path.join(src, "lcont", "decl", name), os.path.join(pkg_out, "decl"))

sys.path.insert(0, os.path.join(src, "lcont"))
import _build  # noqa: E402

_build.ffibuilder.compile(tmpdir=out_dir, verbose=False)
with open(stamp, "w") as f:
    f.write("ok\n")
