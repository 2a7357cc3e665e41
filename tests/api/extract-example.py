#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Copy the code block that follows the extraction marker in docs/api.md
into a .c file, so the documented example is compiled and run as a test.

usage: extract-example.py DOC.md OUT.c
"""
import sys

MARKER = "<!-- tests/api/meson.build extracts the next code block -->"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    doc, out = sys.argv[1:]
    lines = open(doc).read().splitlines()
    try:
        start = lines.index(MARKER)
    except ValueError:
        sys.exit("%s: marker '%s' not found" % (doc, MARKER))
    fence = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("```")), None)
    if fence is None or lines[fence].strip() != "```c":
        sys.exit("%s: no ```c block after the marker" % doc)
    end = next((i for i in range(fence + 1, len(lines)) if lines[i].startswith("```")), None)
    if end is None:
        sys.exit("%s: unterminated code block" % doc)
    with open(out, "w") as f:
        f.write("/* Generated from %s by extract-example.py; edit the doc. */\n" % doc)
        f.write("#line %d \"%s\"\n" % (fence + 2, doc))
        f.write("\n".join(lines[fence + 1:end]) + "\n")


if __name__ == "__main__":
    main()
