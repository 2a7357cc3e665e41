#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compile one translation unit that includes ONLY one public header.

Like libgit2's tests/headertest: a header that is not self-contained, that
needs a newer language standard, or that trips a warning fails here, in the
strictest mode users are likely to build with.

usage: headertest.py --lang c|c++ (--header lcont/x.h | --source FILE) [-I DIR]...
                     [--extra-flag=FLAG]... [--expect-error=TEXT] -- COMPILER [ARGS...]

--expect-error turns the check around (for the harness's own self-test): the
compile must fail and its diagnostics must contain TEXT.
"""
import argparse
import os
import subprocess
import sys
import tempfile

STRICT = {
    "c": ["-x", "c", "-std=c99", "-pedantic", "-Werror", "-Wall", "-Wextra"],
    "c++": ["-x", "c++", "-std=c++11", "-pedantic", "-Werror", "-Wall", "-Wextra"],
}


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit("usage: headertest.py [options] -- COMPILER [ARGS...]")
    split = argv.index("--")
    ap = argparse.ArgumentParser()
    ap.add_argument("--lang", choices=sorted(STRICT), required=True)
    ap.add_argument("--header", help="header to include, as in #include <...>")
    ap.add_argument("--source", help="compile this file instead of a generated TU")
    ap.add_argument("-I", dest="incdirs", action="append", default=[])
    ap.add_argument("--extra-flag", action="append", default=[])
    ap.add_argument("--expect-error")
    opts = ap.parse_args(argv[:split])
    compiler = argv[split + 1:]
    if not compiler:
        sys.exit("headertest.py: no compiler given")
    if bool(opts.header) == bool(opts.source):
        sys.exit("headertest.py: give exactly one of --header and --source")

    with tempfile.TemporaryDirectory(prefix="lcont-headertest-") as tmp:
        if opts.source:
            src = opts.source
        else:
            src = os.path.join(tmp, "tu." + ("c" if opts.lang == "c" else "cpp"))
            with open(src, "w") as f:
                f.write("#include <%s>\n" % opts.header)
                # Keeps a macro-only header (version.h) from being an empty TU,
                # which -pedantic rejects in C.
                f.write("typedef int lcont_headertest_nonempty;\n")
        cmd = compiler + STRICT[opts.lang] + opts.extra_flag
        cmd += ["-I" + d for d in opts.incdirs]
        cmd += ["-c", src, "-o", os.path.join(tmp, "tu.o")]
        print(" ".join(cmd))
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True)
        sys.stdout.write(res.stdout)
        if opts.expect_error is not None:
            if res.returncode != 0 and opts.expect_error in res.stdout:
                print("OK: rejected as expected")
                return 0
            print("FAIL: expected a compile error mentioning '%s'" % opts.expect_error)
            return 1
        if res.returncode != 0:
            print("FAIL: %s does not compile cleanly as %s"
                  % (opts.header or opts.source, opts.lang))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
