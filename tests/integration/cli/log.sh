#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# --log / --log-format: logrus-compatible lines that containerd and podman parse.
. "$(dirname "$0")/lib.sh"

rfc3339='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})'

# both spellings of the json format
i=0
for spelling in "--log-format=json" "--log-format json" "-log-format json"; do
    i=$((i + 1))
    log="$T/log-$i.json"
    # shellcheck disable=SC2086
    expect_fail "$T/err" "$LCONT_RUN" --root "$ROOT" --log "$log" $spelling state nosuch
    grep -q "container does not exist" "$T/err" || fail "$spelling: stderr: $(cat "$T/err")"
    [ -s "$log" ] || fail "$spelling: empty log"
    # every line is one JSON object with level, msg and an RFC 3339 time
    while IFS= read -r line; do
        echo "$line" | jq -e 'type == "object" and (.level | type == "string")
                                and (.msg | type == "string")' >/dev/null ||
            fail "$spelling: not a JSON log line: $line"
        echo "$line" | jq -r .time | grep -Eq "^$rfc3339\$" || fail "time: $line"
    done <"$log"
    [ "$(jq -r 'select(.level == "error") | .msg' "$log")" = "container does not exist" ] ||
        fail "$spelling: error line: $(cat "$log")"
done

# text format: time="..." level=error msg="..."
expect_fail "$T/err" "$LCONT_RUN" --root "$ROOT" --log "$T/log.txt" state nosuch
grep -Eq "^time=\"$rfc3339\" level=error msg=\"container does not exist\"\$" "$T/log.txt" ||
    fail "text log: $(cat "$T/log.txt")"
[ "$(cat "$T/err")" = "container does not exist" ] || fail "stderr with --log: $(cat "$T/err")"

# without --log, the log is stderr itself (runc's behaviour)
expect_fail "$T/err" "$LCONT_RUN" --root "$ROOT" --log-format json state nosuch
jq -e '.level == "error" and .msg == "container does not exist"' "$T/err" >/dev/null ||
    fail "json on stderr: $(cat "$T/err")"

# quotes and newlines in messages stay valid JSON
expect_fail "$T/err" "$LCONT_RUN" --root "$ROOT" --log "$T/q.json" --log-format json kill x 'BAD"SIG'
jq -e '.msg == "unknown signal \"BAD\"SIG\""' "$T/q.json" >/dev/null || fail "escaping: $(cat "$T/q.json")"

# --debug adds debug lines
B="$T/bundle"
make_bundle "$B" true
track "${P}dbg"
"$LCONT_RUN" --root "$ROOT" --debug --log "$T/debug.json" --log-format json \
    run --bundle "$B" "${P}dbg" </dev/null || fail "run with --debug"
jq -e 'select(.level == "debug")' "$T/debug.json" >/dev/null || fail "no debug lines: $(cat "$T/debug.json")"
"$LCONT_RUN" --root "$ROOT" --log "$T/nodebug.json" --log-format json list >/dev/null
! grep -q '"level":"debug"' "$T/nodebug.json" 2>/dev/null || fail "debug lines without --debug"

expect_fail "$T/err" "$LCONT_RUN" --log-format xml list
grep -q "invalid log-format" "$T/err" || fail "bad log format: $(cat "$T/err")"
