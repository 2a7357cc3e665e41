# SPDX-License-Identifier: LGPL-2.1-or-later
"""python3 -m lcont --version"""
import argparse

import lcont


def main():
    p = argparse.ArgumentParser(prog="python3 -m lcont", description="lcont Python bindings")
    p.add_argument("--version", action="store_true", help="print library and binding versions")
    args = p.parse_args()
    if args.version:
        print("liblcont %s, python bindings %s" % (lcont.version(), lcont.__version__))
        return 0
    p.print_help()
    return 0


raise SystemExit(main())
