# SPDX-License-Identifier: LGPL-2.1-or-later
"""cffi builder (out-of-line API mode) for the lcont bindings.

The C declarations are the curated files in decl/ (one per public header),
checked against the library's version script by tests/abi/check-decls.py.

Where the library comes from:
  LCONT_BUILD_DIR=<meson build dir>   the build tree (headers from the source
                                      tree next to this file, rpath to build/lib)
  otherwise                           pkg-config lcont (the installed library)
"""
import glob
import json
import os
import shlex
import subprocess

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
DECL_ORDER = ["common", "context", "process", "container", "spec", "image", "service"]

# Callbacks into Python; the C side gets these trampolines, userdata is a
# handle from ffi.new_handle() kept alive by the owning Python object.
CALLBACKS = """
extern "Python" void _lcont_py_log(int level, const char *msg, void *userdata);
extern "Python" void _lcont_py_destroy(void *userdata);
extern "Python" void _lcont_py_image_progress(const lcont_image_progress *progress,
                                              void *userdata);
"""


def _decls():
    paths = {os.path.splitext(os.path.basename(p))[0]: p
             for p in glob.glob(os.path.join(HERE, "decl", "*.h"))}
    order = [n for n in DECL_ORDER if n in paths] + sorted(set(paths) - set(DECL_ORDER))
    text = []
    for name in order:
        with open(paths[name]) as f:
            text.append(f.read())
    return "\n".join(text) + CALLBACKS


def _build_flags():
    build_dir = os.environ.get("LCONT_BUILD_DIR")
    if build_dir:
        build_dir = os.path.abspath(build_dir)
        # The build tree knows its source tree (this file may have been copied by pip).
        with open(os.path.join(build_dir, "meson-info", "meson-info.json")) as f:
            src_root = json.load(f)["directories"]["source"]
        libdir = os.path.join(build_dir, "lib")
        return dict(include_dirs=[os.path.join(src_root, "include"),
                                  os.path.join(build_dir, "include")],
                    library_dirs=[libdir], runtime_library_dirs=[libdir],
                    libraries=["lcont"])
    cflags = shlex.split(subprocess.check_output(["pkg-config", "--cflags", "lcont"], text=True))
    libs = shlex.split(subprocess.check_output(["pkg-config", "--libs", "lcont"], text=True))
    return dict(include_dirs=[f[2:] for f in cflags if f.startswith("-I")],
                library_dirs=[f[2:] for f in libs if f.startswith("-L")],
                libraries=[f[2:] for f in libs if f.startswith("-l")])


ffibuilder = FFI()
ffibuilder.cdef(_decls())
ffibuilder.set_source("lcont._lcont", "#include <lcont/lcont.h>\n", **_build_flags())

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
