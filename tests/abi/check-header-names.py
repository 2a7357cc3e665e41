#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""No private header may define a public type while sharing its file name
with a public header.

libabigail 2.2.0 decides which types are public (abidw/abidiff --headers-dir)
by the *base name* of the file that defines them. lib/core/context.h defining
`struct lcont_context { ... }` looks like include/lcont/context.h to it, so
the private layout of the opaque handle lands in the ABI baseline: every
internal change to it then fails abi-abidiff, and a real break could hide
among those false alarms. Define such structs in a header with another name
(e.g. lib/core/context-internal.h) or in the one .c file that uses them.

usage: check-header-names.py PUBLIC_INCLUDE_DIR LIB_DIR
"""
import glob
import os
import re
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    include_dir, lib_dir = sys.argv[1:]
    public_names = set()
    public_types = set()
    for path in glob.glob(os.path.join(include_dir, "*.h*")):
        name = os.path.basename(path)
        public_names.add(name[:-3] if name.endswith(".in") else name)
        with open(path) as f:
            public_types.update(re.findall(r"\bstruct\s+(lcont_\w+)", f.read()))

    clashes = []
    for path in sorted(glob.glob(os.path.join(lib_dir, "**", "*.h"), recursive=True)):
        if os.path.basename(path) not in public_names:
            continue
        with open(path) as f:
            text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
        for tag in sorted(public_types):
            if re.search(r"\bstruct\s+%s\s*\{" % tag, text):
                clashes.append((os.path.relpath(path, os.path.dirname(lib_dir.rstrip("/"))), tag))
    print("%d public types, %d public header names checked against %s"
          % (len(public_types), len(public_names), lib_dir))
    for path, tag in clashes:
        print("FAIL: %s defines struct %s but is named like a public header: libabigail "
              "would treat its private layout as ABI" % (path, tag))
    return 1 if clashes else 0


if __name__ == "__main__":
    sys.exit(main())
