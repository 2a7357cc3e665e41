#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run an OCI bundle with lcont from Python and print its output and exit status.

usage: run_bundle.py BUNDLE_DIR [ID]
(as root; PYTHONPATH=build/bindings/python for a build tree)
"""
import os
import sys

import lcont


def main():
    bundle = sys.argv[1]
    cid = sys.argv[2] if len(sys.argv) > 2 else "pyexample-%d" % os.getpid()
    r, w = os.pipe()
    with lcont.Context(log=lambda lvl, msg: print("lcont:", msg, file=sys.stderr),
                       log_level=lcont.LogLevel.WARNING) as ctx:
        with ctx.create(cid, bundle, stdout=w, stderr=w) as c:
            os.close(w)
            c.start()
            with os.fdopen(r, "rb") as out:
                sys.stdout.write(out.read().decode(errors="replace"))
            status = c.wait()
    print("exit status:", status)
    return status


if __name__ == "__main__":
    sys.exit(main())
