#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the docs/api.md example on a real container: its exit status must be
# the container's, and nothing may be left under /run/lcont.
# usage: run-example.sh EXAMPLE MAKE_BUNDLE
set -u
example=$1 make_bundle=$2

[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
bundle=$("$make_bundle" /bin/sh -c "exit 3")
rc=$?
[ $rc -eq 0 ] || exit $rc
trap 'rm -rf "$bundle"' EXIT

id=api-example-$$
out=$("$example" "$id" "$bundle")
rc=$?
echo "$out"
if [ $rc -ne 3 ]; then
    echo "FAIL: example exited $rc, expected the container's status 3"
    exit 1
fi
if [ "$out" != "$id exited with status 3" ]; then
    echo "FAIL: unexpected output"
    exit 1
fi
if [ -e "/run/lcont/$id" ]; then
    echo "FAIL: /run/lcont/$id left behind"
    exit 1
fi
echo "ok"
