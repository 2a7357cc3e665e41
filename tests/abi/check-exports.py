#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""STYLE §12.1: the shared library exports exactly the symbols of liblcont.sym,
each carrying the LCONT_* version node the file assigns it to.

usage: check-exports.py LIBLCONT_SO LIBLCONT_SYM
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import symfile  # noqa: E402


def run(cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          universal_newlines=True).stdout


def nm_exports(lib, node_names):
    names = set()
    for line in run(["nm", "-D", "--defined-only", lib]).splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        name = parts[2].split("@", 1)[0]
        # nm also prints each version node as an absolute symbol.
        if parts[1] == "A" and name in node_names:
            continue
        names.add(name)
    return names


def objdump_versions(lib):
    """{defined dynamic symbol: version or None}"""
    versions = {}
    for line in run(["objdump", "-T", lib]).splitlines():
        if "\t" not in line:
            continue
        head, tail = line.split("\t", 1)
        if "*UND*" in head:
            continue
        fields = tail.split()
        if len(fields) == 3:
            version, name = fields[1].strip("()"), fields[2]
        elif len(fields) == 2:
            version, name = None, fields[1]
        else:
            continue
        versions[name] = version
    return versions


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    lib, sym = sys.argv[1:]
    try:
        nodes = symfile.parse(sym)
    except symfile.SymfileError as e:
        print("FAIL: %s" % e)
        return 1
    node_names = {n[0] for n in nodes}
    expected = symfile.symbol_nodes(nodes)
    exported = nm_exports(lib, node_names)
    versions = objdump_versions(lib)

    failures = []
    for s in sorted(set(expected) - exported):
        failures.append("%s is in %s but not exported (not defined, or not LCONT_API?)"
                        % (s, os.path.basename(sym)))
    for s in sorted(exported - set(expected)):
        failures.append("%s is exported but not listed in %s" % (s, os.path.basename(sym)))
    for s in sorted(exported & set(expected)):
        v = versions.get(s)
        if v is None or not v.startswith("LCONT_"):
            failures.append("%s has no LCONT_* symbol version (objdump -T says %s)" % (s, v))
        elif v != expected[s]:
            failures.append("%s has version %s but %s puts it in %s"
                            % (s, v, os.path.basename(sym), expected[s]))

    print("%d symbols in %s, %d exported by %s"
          % (len(expected), os.path.basename(sym), len(exported), os.path.basename(lib)))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
