#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""STYLE §12.2 / §7.2 / §7.3: the LCONT_API declarations in include/lcont/*.h,
lib/liblcont.sym and (once it exists) bindings/python/lcont/decl/*.h name the
same symbols; the symbol file has the required shape; every declaration has a
doc comment whose @since matches the version node of its symbol.

usage: check-decls.py INCLUDE_DIR LIBLCONT_SYM [PYTHON_DECL_DIR]
A PYTHON_DECL_DIR that does not exist (yet) is skipped.
"""
import glob
import os
import re
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import symfile  # noqa: E402

COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)
DEPRECATED_RE = re.compile(r'LCONT_DEPRECATED\s*\((?:[^()"]|"(?:[^"\\]|\\.)*")*\)')
IDENT_RE = re.compile(r"[A-Za-z_]\w*")


def blank(match):
    """Replace a match by spaces/newlines so offsets and line numbers survive."""
    return re.sub(r"[^\n]", " ", match.group(0))


def strip_preprocessor(text):
    # Directive lines, with backslash continuations (e.g. the LCONT_API #define).
    return re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", blank, text, flags=re.M)


def header_decls(include_dir):
    """[(symbol, since or None, 'file:line')] for every LCONT_API declaration."""
    decls = []
    for path in sorted(glob.glob(os.path.join(include_dir, "*.h"))):
        with open(path) as f:
            raw = f.read()
        code = strip_preprocessor(COMMENT_RE.sub(blank, raw))
        for m in re.finditer(r"\bLCONT_API\b", code):
            end = code.find(";", m.end())
            stmt = DEPRECATED_RE.sub(" ", code[m.end():end])
            paren = stmt.find("(")
            idents = IDENT_RE.findall(stmt[:paren] if paren >= 0 else stmt)
            where = "%s:%d" % (os.path.basename(path), raw.count("\n", 0, m.start()) + 1)
            if not idents:
                decls.append((None, None, where))
                continue
            # The doc comment is the /** ... */ right before the declaration.
            before = raw[:m.start()].rstrip()
            since = None
            if before.endswith("*/"):
                start = before.rfind("/**")
                if start >= 0:
                    sm = re.search(r"@since\s+(\S+)", before[start:])
                    since = sm.group(1).rstrip(".") if sm else "missing"
            decls.append((idents[-1], since, where))
    return decls


def python_decls(decl_dir):
    names = set()
    for path in sorted(glob.glob(os.path.join(decl_dir, "*.h"))):
        with open(path) as f:
            code = COMMENT_RE.sub(" ", f.read())
        for stmt in code.split(";"):
            if re.match(r"\s*(static|typedef)\b", stmt):
                continue
            names.update(re.findall(r"(?<!\w)(lcont_\w+)\s*\(", stmt))
    return names


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    include_dir, sym = sys.argv[1:3]
    decl_dir = sys.argv[3] if len(sys.argv) == 4 else None
    failures = []

    try:
        nodes = symfile.parse(sym)
    except symfile.SymfileError as e:
        print("FAIL: %s" % e)
        return 1
    failures += symfile.lint(nodes)
    in_sym = symfile.symbol_nodes(nodes)

    decls = header_decls(include_dir)
    in_headers = {}
    for name, since, where in decls:
        if name is None:
            failures.append("%s: cannot find the name of this LCONT_API declaration" % where)
            continue
        if name in in_headers:
            failures.append("%s: %s already declared at %s" % (where, name, in_headers[name]))
        in_headers[name] = where
        node = in_sym.get(name)
        if node and node != "LCONT_EXPERIMENTAL":
            want = node[len("LCONT_"):]
            if since is None:
                failures.append("%s: %s has no doc comment (STYLE §9.3)" % (where, name))
            elif since != want:
                failures.append("%s: %s says @since %s but is in node %s"
                                % (where, name, since, node))

    for s in sorted(set(in_sym) - set(in_headers)):
        failures.append("%s is in %s but has no LCONT_API declaration in %s"
                        % (s, os.path.basename(sym), include_dir))
    for s in sorted(set(in_headers) - set(in_sym)):
        failures.append("%s (%s) is declared LCONT_API but missing from %s"
                        % (s, in_headers[s], os.path.basename(sym)))

    checked = "headers and symbol file"
    if decl_dir and os.path.isdir(decl_dir):
        in_py = python_decls(decl_dir)
        checked += " and python decl/"
        for s in sorted(set(in_sym) - in_py):
            failures.append("%s is exported but not declared in %s" % (s, decl_dir))
        for s in sorted(in_py - set(in_sym)):
            failures.append("%s is declared in %s but not exported" % (s, decl_dir))

    print("%d declarations, %d symbols: checked %s" % (len(in_headers), len(in_sym), checked))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
