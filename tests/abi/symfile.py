# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reader for lib/liblcont.sym, shared by check-exports.py and check-decls.py."""
import re

NODE_RE = re.compile(r"([A-Za-z_][\w.]*)\s*\{(.*?)\}\s*([A-Za-z_][\w.]*)?\s*;", re.S)
NODE_NAME_RE = re.compile(r"^LCONT_(\d+\.\d+|EXPERIMENTAL)$")


class SymfileError(Exception):
    pass


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"#[^\n]*", " ", text)


def parse(path):
    """Return [(node, parent or None, [symbols], has_local_star)] in file order."""
    with open(path) as f:
        text = strip_comments(f.read())
    nodes = []
    pos = 0
    for m in NODE_RE.finditer(text):
        if text[pos:m.start()].strip():
            raise SymfileError("%s: cannot parse near '%s'"
                               % (path, text[pos:m.start()].strip()[:40]))
        pos = m.end()
        name, body, parent = m.group(1), m.group(2), m.group(3)
        section = None
        symbols = []
        local_star = False
        for item in body.split(";"):
            item = item.strip()
            while True:
                sm = re.match(r"(global|local)\s*:\s*", item)
                if not sm:
                    break
                section = sm.group(1)
                item = item[sm.end():].strip()
            if not item:
                continue
            if section == "global":
                symbols.append(item)
            elif section == "local" and item == "*":
                local_star = True
            else:
                raise SymfileError("%s: node %s: unexpected '%s' in %s section"
                                   % (path, name, item, section))
        nodes.append((name, parent, symbols, local_star))
    if text[pos:].strip():
        raise SymfileError("%s: cannot parse near '%s'" % (path, text[pos:].strip()[:40]))
    if not nodes:
        raise SymfileError("%s: no version nodes" % path)
    return nodes


def lint(nodes):
    """STYLE §7.2 shape rules; returns a list of problems."""
    problems = []
    seen = {}
    for i, (name, parent, symbols, local_star) in enumerate(nodes):
        if not NODE_NAME_RE.match(name):
            problems.append("node %s: name must be LCONT_<major>.<minor> or "
                            "LCONT_EXPERIMENTAL" % name)
        if i == 0:
            if parent:
                problems.append("node %s: the first node inherits nothing" % name)
            if not local_star:
                problems.append("node %s: the first node must end with 'local: *;'" % name)
        else:
            if local_star:
                problems.append("node %s: only the first node has 'local: *;'" % name)
            if name != "LCONT_EXPERIMENTAL" and parent != nodes[i - 1][0]:
                problems.append("node %s: must inherit the previous node %s, not %s"
                                % (name, nodes[i - 1][0], parent))
        for s in symbols:
            if "*" in s or "?" in s:
                problems.append("node %s: wildcard '%s' in global section" % (name, s))
            if not s.startswith("lcont_"):
                problems.append("node %s: '%s' lacks the lcont_ prefix" % (name, s))
            if s in seen:
                problems.append("symbol %s is in both %s and %s" % (s, seen[s], name))
            seen[s] = name
    return problems


def symbol_nodes(nodes):
    """{symbol: node}"""
    return {s: name for name, _, symbols, _ in nodes for s in symbols}
