#!/usr/bin/env bash
# valgrind.sh - the daemon's request path under valgrind memcheck: every
# kind of request, then SIGTERM; any invalid access or definite/indirect
# leak fails.  In an ASan build valgrind cannot run, so the daemon runs
# bare and LeakSanitizer does the same job at exit.
. "$(dirname "$0")/lib.sh"

make_secret
{ base_config; cat <<INI; } > "$T/charon.ini"

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
    runner=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect
            --show-leak-kinds=definite,indirect --error-exitcode=3
            --log-file="$T/valgrind.log")
    tool="valgrind"
fi
SOCK=$T/v.sock
"${runner[@]}" "$DAEMON" -c "$T/charon.ini" --listen "unix:$SOCK" --threads 3 2> "$T/daemon.log" &
DPID=$!; PIDS="$PIDS $DPID"
for i in $(seq 1 300); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { cat "$T/daemon.log"; not_ok "daemon starts under $tool"; finish; exit 1; }

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
