#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# features prints the OCI features document as valid JSON.
. "$(dirname "$0")/lib.sh"

"$LCONT_RUN" features >"$T/f.json"
jq -e '
    (.ociVersionMin | type == "string") and (.ociVersionMax | type == "string")
    and (.hooks | index("prestart") and index("poststop"))
    and (.mountOptions | index("bind") and index("ro"))
    and (.linux.namespaces | index("pid") and index("mount") and index("user"))
    and (.linux.capabilities | index("CAP_SYS_ADMIN"))
    and (.linux.cgroup | type == "object")
    and (.linux.seccomp | type == "object")' "$T/f.json" >/dev/null ||
    fail "features document: $(cat "$T/f.json")"
# runc indents features by four spaces
grep -q '^    "ociVersionMin": ' "$T/f.json" || fail "features is not indented like runc's"
expect_fail "$T/err" "$LCONT_RUN" features extra
