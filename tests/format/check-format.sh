#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# clang-format check (STYLE §14): every git-tracked .c/.h file under include,
# lib, examples, tests, bench and bindings must already be formatted with the
# top-level .clang-format. To fix a file: clang-format -i FILE.
#
# usage: check-format.sh SOURCE_ROOT    (CLANG_FORMAT overrides the binary)
set -u

root=${1:?usage: check-format.sh SOURCE_ROOT}
clang_format=${CLANG_FORMAT:-clang-format}

if ! command -v "$clang_format" >/dev/null 2>&1; then
    echo "check-format: $clang_format not installed"
    exit 77
fi
if ! git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "check-format: $root is not a git checkout; nothing to check"
    exit 77
fi
"$clang_format" --version

files=$(git -C "$root" ls-files -- \
    'include/*.c' 'include/*.h' 'lib/*.c' 'lib/*.h' 'examples/*.c' 'examples/*.h' \
    'tests/*.c' 'tests/*.h' 'bench/*.c' 'bench/*.h' 'bindings/*.c' 'bindings/*.h')
if [ -z "$files" ]; then
    echo "check-format: no tracked C files found"
    exit 1
fi

cd "$root" || exit 1
bad=0
count=0
for f in $files; do
    [ -f "$f" ] || continue # deleted in the work tree, not yet committed
    count=$((count + 1))
    if ! "$clang_format" --style=file --dry-run -Werror "$f" 2>/dev/null; then
        bad=$((bad + 1))
        echo "needs formatting: $f"
        "$clang_format" --style=file "$f" | diff -u "$f" - | head -40
    fi
done
echo "check-format: $count files checked, $bad need formatting"
[ $bad -eq 0 ]
