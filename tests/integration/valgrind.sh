#!/usr/bin/env bash
# valgrind.sh - the daemon's request path under valgrind memcheck: every
# kind of request (authorizer, /check, the session endpoints with good and
# bad input), then SIGTERM; any invalid access or definite/indirect leak
# fails.  In an ASan build valgrind cannot run, so the daemon runs
# bare and LeakSanitizer does the same job at exit.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs:$BUILD/plugins/cred_htpasswd/.libs

make_secret
printf 'vera:%s\n' "$(openssl passwd -6 -salt saltsalt secret-pw)" > "$T/htpasswd"
printf 'issuer-key-of-at-least-32-bytes-long\n' > "$T/issuer.key"; chmod 600 "$T/issuer.key"
{ base_config | sed 's/^session_store = dummy/session_store = local/'; cat <<INI; } > "$T/charon.ini"

[endpoints]
credentials = htpasswd
issuer_key_file = $T/issuer.key
metrics = true

[store_local]
path = $T/sessions

[cred_htpasswd]
file = $T/htpasswd

[authorizer]
export_claims = role scope

[profile shop]
claim_has_all.scope = write
INI
mapfile -t MINTED < <("$PY" "$SRC/tests/integration/mint.py" "$T/secret" \
    'good={"role":"admin","scope":["read","write"]}' 'read={"scope":"read"}' \
    'expired={"exp":1000000000}')
declare -A TOK
for line in "${MINTED[@]}"; do TOK[${line%% *}]=${line#* }; done

if [ "${CHARON_SANITIZERS:-no}" = yes ]; then
    runner=()
    tool="LeakSanitizer"
else
    command -v valgrind > /dev/null || { not_ok "valgrind is installed (scripts/deps.sh)"; finish; exit 1; }
    runner=(valgrind -q --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite,indirect
            --show-leak-kinds=definite,indirect --error-exitcode=3
            --log-file="$T/valgrind.log")
    tool="valgrind"
fi
SOCK=$T/v.sock
"${runner[@]}" "$DAEMON" -c "$T/charon.ini" --listen "unix:$SOCK" --threads 3 2> "$T/daemon.log" &
DPID=$!; PIDS="$PIDS $DPID"
wait_for 300 listening "$SOCK" || { cat "$T/daemon.log"; not_ok "daemon starts under $tool"; finish; exit 1; }

req() { "$FCGI_REQ" --timeout-ms 20000 "$@" "unix:$SOCK"; }
for round in 1 2; do
    out=$(req --role authorizer -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}")
    expect_contains "allow ($round)" "$out" "Status: 200"
    out=$(req --role authorizer -p "HTTP_AUTHORIZATION=Bearer ${TOK[expired]}")
    expect_contains "expired ($round)" "$out" "Status: 401"
    out=$(req --role authorizer -p "HTTP_AUTHORIZATION=Bearer x.y.z")
    expect_contains "malformed ($round)" "$out" "Status: 401"
    out=$(req --role authorizer -p "HTTP_AUTHORIZATION=Bearer ${TOK[read]}" -p CHARON_PROFILE=shop)
    expect_contains "claim rule ($round)" "$out" "Status: 403"
    hp=${TOK[good]%.*}; sig=${TOK[good]##*.}
    out=$(req --role authorizer -p "HTTP_AUTHORIZATION=Bearer $hp" -p "HTTP_COOKIE=_access_token_signature=.$sig")
    expect_contains "cookie transport ($round)" "$out" "Status: 200"
    out=$(req --role responder -p DOCUMENT_URI=/auth/check -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}")
    expect_contains "check ($round)" "$out" "X-Charon-Claim-Scope: read write"
    out=$(req --role responder -p DOCUMENT_URI=/auth/jwks.json -p REQUEST_METHOD=GET)
    expect_contains "jwks ($round)" "$out" "Status: 200"
    out=$(req --role responder -p DOCUMENT_URI=/auth/health -p REQUEST_METHOD=DELETE)
    expect_contains "405 ($round)" "$out" "Status: 405"
    out=$(req --role responder -p DOCUMENT_URI=/nope --body "some body")
    expect_contains "404 ($round)" "$out" "Status: 404"
    out=$(req --role responder -p DOCUMENT_URI=/auth/health -p "HTTP_X=$(head -c 20000 /dev/zero | tr '\0' x)")
    expect_contains "431 ($round)" "$out" "Status: 431"
    out=$(req --role responder --keep-conn --repeat 3 -p DOCUMENT_URI=/auth/health -p REQUEST_METHOD=GET)
    expect_eq "kept connection ($round)" "$(echo $out)" "200 200 200"
    # The session endpoints, good and bad.
    post() { local path=$1 b=$2; shift 2; req -p REQUEST_METHOD=POST -p "DOCUMENT_URI=$path" -p "CONTENT_LENGTH=${#b}" --body "$b" "$@"; }
    out=$(post /auth/session '{"username":"vera","password":"secret-pw","token_transport":"cookie"}' -p CONTENT_TYPE=application/json)
    expect_contains "login ($round)" "$out" "Status: 201"
    at=$(printf '%s' "$out" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    rt=$(printf '%s' "$out" | sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p')
    ac=$(printf '%s' "$out" | grep -o '_access_token_signature=[^;]*')
    rc=$(printf '%s' "$out" | grep -o '_refresh_token_signature=[^;]*')
    out=$(req -p REQUEST_METHOD=POST -p DOCUMENT_URI=/auth/session/refresh -p "HTTP_AUTHORIZATION=Bearer $rt" -p "HTTP_COOKIE=$ac; $rc" -p HTTP_X_CSRF_PROTECT=1)
    expect_contains "refresh ($round)" "$out" "Status: 200"
    out=$(req -p REQUEST_METHOD=POST -p DOCUMENT_URI=/auth/session/refresh -p "HTTP_AUTHORIZATION=Bearer $rt" -p "HTTP_COOKIE=$ac; $rc")
    expect_contains "refresh without CSRF header ($round)" "$out" "Status: 403"
    out=$(req -p REQUEST_METHOD=GET -p DOCUMENT_URI=/auth/sessions -p "HTTP_AUTHORIZATION=Bearer $at" -p "HTTP_COOKIE=$ac")
    expect_contains "list ($round)" "$out" '"current":true'
    out=$(post /auth/session '{"user_id":7,"session_type":"api","extra_session_payload":{"a":[1]},"access_claim_overrides":{"role":"x"}}' -p CONTENT_TYPE=application/json -p "HTTP_X_CHARON_ISSUER_KEY=issuer-key-of-at-least-32-bytes-long")
    expect_contains "issuer login ($round)" "$out" "Status: 201"
    out=$(post /auth/session 'username=vera&password=wrong' -p CONTENT_TYPE=application/x-www-form-urlencoded)
    expect_contains "wrong password ($round)" "$out" "Status: 401"
    out=$(post /auth/session '{"username":' -p CONTENT_TYPE=application/json)
    expect_contains "broken JSON ($round)" "$out" "Status: 400"
    out=$(post /auth/session 'a=%zz' -p CONTENT_TYPE=application/x-www-form-urlencoded)
    expect_contains "broken form ($round)" "$out" "Status: 400"
    out=$(post /auth/session 'x' -p CONTENT_TYPE=text/plain)
    expect_contains "wrong type ($round)" "$out" "Status: 415"
    out=$(req -p REQUEST_METHOD=DELETE -p DOCUMENT_URI=/auth/sessions/others -p "HTTP_AUTHORIZATION=Bearer $at" -p "HTTP_COOKIE=$ac" -p HTTP_X_CSRF_PROTECT=1)
    expect_contains "logout others ($round)" "$out" "Status: 204"
    out=$(req -p REQUEST_METHOD=DELETE -p DOCUMENT_URI=/auth/session -p "HTTP_AUTHORIZATION=Bearer $at" -p "HTTP_COOKIE=$ac" -p HTTP_X_CSRF_PROTECT=1)
    expect_contains "logout ($round)" "$out" "Status: 204"
    out=$(req -p REQUEST_METHOD=POST -p DOCUMENT_URI=/auth/session/refresh -p "HTTP_AUTHORIZATION=Bearer $rt" -p "HTTP_COOKIE=$ac; $rc" -p HTTP_X_CSRF_PROTECT=1)
    expect_contains "refresh of a deleted session ($round)" "$out" "Status: 401"
    out=$(req -p REQUEST_METHOD=DELETE -p DOCUMENT_URI=/auth/sessions -p "HTTP_AUTHORIZATION=Bearer $at" -p "HTTP_COOKIE=$ac" -p HTTP_X_CSRF_PROTECT=1)
    expect_contains "logout everywhere with an ended session's token ($round)" "$out" "Status: 401"
    out=$(post /auth/session '{"username":"vera","password":"secret-pw"}' -p CONTENT_TYPE=application/json)
    at=$(printf '%s' "$out" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    out=$(req -p REQUEST_METHOD=DELETE -p DOCUMENT_URI=/auth/sessions -p "HTTP_AUTHORIZATION=Bearer $at")
    expect_contains "logout everywhere ($round)" "$out" "Status: 204"
    out=$(req -p REQUEST_METHOD=GET -p DOCUMENT_URI=/auth/metrics)
    expect_contains "metrics ($round)" "$out" "charon_session_events_total"
done

kill -TERM "$DPID"
if wait_for_exit "$DPID" 60; then
    if [ "$EXIT_STATUS" = 0 ]; then
        ok "no memory error or leak in the request path ($tool)"
    else
        not_ok "no memory error or leak in the request path ($tool): exit $EXIT_STATUS" \
            "$(cat "$T/valgrind.log" "$T/daemon.log" 2>/dev/null | tail -60)"
    fi
else
    not_ok "daemon stops on SIGTERM under $tool"
fi
finish
