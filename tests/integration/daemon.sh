#!/usr/bin/env bash
# daemon.sh - charon-fcgi over a real FastCGI client: the AUTHORIZER and
# RESPONDER roles on a unix socket and on TCP, the socket on fd 0
# (spawn-fcgi), plain CGI, profiles, limits, SIGTERM, and no token in logs.
. "$(dirname "$0")/lib.sh"

make_secret
{ base_config; cat <<INI; } > "$T/charon.ini"
max_header_bytes = 16384
; Nothing here: plugins come from CHARON_PLUGIN_PATH (or, for CGI, by path),
; never from an installed copy.
plugin_dir = $T/no-plugins-here

[authorizer]
export_claims = role scope

[profile shop]
claim_equals.role = admin

[profile blog]
token_issuer = https://blog.test
INI
# CGI ignores CHARON_PLUGIN_PATH (the web server sets the environment):
# name the plugins by absolute path there.
sed "s|^session_store = dummy|session_store = $BUILD/plugins/store_dummy/.libs/store_dummy.so\ntoken_factory = $BUILD/plugins/token_jwt/.libs/token_jwt.so|" \
    "$T/charon.ini" > "$T/cgi.ini"

mapfile -t MINTED < <("$PY" "$SRC/tests/integration/mint.py" "$T/secret" \
    'good={"role":"admin","scope":["read","write"]}' \
    'user={"role":"user"}' \
    'expired={"exp":1000000000}' \
    'future={"nbf":4102444800}' \
    'refresh={"type":"refresh"}' \
    'nosub={"sub":null}' \
    'wrongkey={"_key":"wrong"}' \
    'inject={"role":"admin\r\nSet-Cookie: x=1"}' \
    'intsub={"sub":42}' \
    'otheriss={"iss":"https://other.test"}' \
    'noiss={"iss":null}' \
    'blog={"iss":"https://blog.test"}')
declare -A TOK
for line in "${MINTED[@]}"; do TOK[${line%% *}]=${line#* }; done
[ "${#TOK[@]}" -eq 12 ] || { echo "minting failed"; exit 1; }

SOCK=$T/charon.sock
"$DAEMON" -c "$T/charon.ini" --listen "unix:$SOCK" --threads 4 \
    2> "$T/daemon.log" &
DPID=$!
PIDS="$PIDS $DPID"
wait_for_socket "$SOCK" || { cat "$T/daemon.log"; echo "daemon did not start"; exit 1; }
expect_eq "unix socket is mode 0660" "$(stat -c %a "$SOCK")" "660"

authz() { "$FCGI_REQ" --role authorizer "$@" "unix:$SOCK"; }
resp() { "$FCGI_REQ" --role responder "$@" "unix:$SOCK"; }

# --- AUTHORIZER role ---
out=$(authz -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}" -p REQUEST_URI=/private/x)
expect_contains "authorizer allows a valid token" "$out" "Status: 200 OK"
expect_contains "authorizer sets Variable-REMOTE_USER" "$out" "Variable-REMOTE_USER: alice"
expect_contains "authorizer sets Variable-CHARON_USER_ID" "$out" "Variable-CHARON_USER_ID: alice"
expect_contains "authorizer sets Variable-CHARON_SESSION_ID" "$out" "Variable-CHARON_SESSION_ID: sid-good"
expect_contains "authorizer sets Variable-CHARON_SESSION_TYPE" "$out" "Variable-CHARON_SESSION_TYPE: full"
expect_contains "authorizer exports a string claim" "$out" "Variable-CHARON_CLAIM_ROLE: admin"
expect_contains "authorizer exports a list claim space-separated" "$out" "Variable-CHARON_CLAIM_SCOPE: read write"
hdrs=$(printf '%s' "$out" | sed -n '/^\r\{0,1\}$/q;p' | grep -v '^Status:' | grep -v '^Variable-' || true)
expect_eq "authorizer allow carries only Variable- headers" "$hdrs" ""

out=$(authz)
expect_contains "authorizer without a token is 401" "$out" "Status: 401"
expect_contains "401 carries WWW-Authenticate" "$out" 'WWW-Authenticate: Bearer error="invalid_token"'
expect_contains "401 JSON says bearer token not found" "$out" '{"error":"invalid_token","message":"bearer token not found"}'

check_reason() {
    local name=$1 token=$2 want=$3
    out=$(authz -p "HTTP_AUTHORIZATION=Bearer $token")
    expect_contains "$name" "$out" "\"message\":\"$want\""
}
check_reason "an expired token is refused" "${TOK[expired]}" "bearer token expired"
check_reason "a not-yet-valid token is refused" "${TOK[future]}" "bearer token not yet valid"
check_reason "a refresh token is not an access token" "${TOK[refresh]}" "bearer token claim type invalid"
check_reason "a token without sub is refused" "${TOK[nosub]}" "bearer token claim sub not found"
check_reason "a token signed with another key is refused" "${TOK[wrongkey]}" "bearer token signature invalid"
tampered=$(tamper "${TOK[good]}")
check_reason "a tampered signature is refused" "$tampered" "bearer token signature invalid"
check_reason "a malformed token is refused" "not.a.jwt" "bearer token signature invalid"
check_reason "garbage is refused" "%%%" "bearer token signature invalid"
big=$(head -c 3000 /dev/zero | tr '\0' 'a')
check_reason "an oversized token is refused" "$big.$big.$big" "bearer token signature invalid"

check_reason "a token of another issuer is refused" "${TOK[otheriss]}" "bearer token claim iss invalid"
check_reason "a token without iss is refused" "${TOK[noiss]}" "bearer token claim iss not found"
out=$(authz -p "HTTP_AUTHORIZATION=Bearer ${TOK[blog]}" -p CHARON_PROFILE=blog)
expect_contains "a profile's own issuer is accepted there" "$out" "Status: 200"
out=$(authz -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}" -p CHARON_PROFILE=blog)
expect_contains "the base site's token does not pass another profile's issuer" "$out" "bearer token claim iss invalid"
out=$(authz -p "HTTP_AUTHORIZATION=Bearer ${TOK[blog]}")
expect_contains "a profile's token does not pass the base site" "$out" "Status: 401"

out=$(authz -p "HTTP_AUTHORIZATION=Bearer ${TOK[intsub]}")
expect_contains "an integer sub becomes REMOTE_USER text" "$out" "Variable-REMOTE_USER: 42"

out=$(authz -p "HTTP_AUTHORIZATION=Bearer ${TOK[inject]}")
expect_not_contains "a claim cannot inject a header" "$out" $'\r\nSet-Cookie'

# Cookie transports: header.payload in Authorization + .signature cookie.
hp=${TOK[good]%.*}; sig=${TOK[good]##*.}
out=$(authz -p "HTTP_AUTHORIZATION=Bearer $hp" -p "HTTP_COOKIE=a=b; _access_token_signature=.$sig")
expect_contains "cookie transport re-joins the signature" "$out" "Status: 200"
out=$(authz -p "HTTP_COOKIE=_access_token_signature=${TOK[good]}")
expect_contains "cookie_only transport takes the whole cookie" "$out" "Status: 200"

# Profiles, chosen by CHARON_PROFILE.
out=$(authz -p "HTTP_AUTHORIZATION=Bearer ${TOK[user]}" -p CHARON_PROFILE=shop)
expect_contains "a profile claim rule answers 403" "$out" "Status: 403"
expect_contains "403 says insufficient_scope" "$out" 'error="insufficient_scope"'
expect_contains "403 names the claim" "$out" "bearer token claim role invalid"
out=$(authz -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}" -p CHARON_PROFILE=shop)
expect_contains "the profile admits an admin" "$out" "Status: 200"
out=$(authz -p "HTTP_AUTHORIZATION=Bearer ${TOK[user]}")
expect_contains "the base policy has no claim rule" "$out" "Status: 200"
out=$(authz -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}" -p CHARON_PROFILE=nope)
expect_contains "an unknown profile is a 500" "$out" "Status: 500"

# Stdin sent to an authorizer is ignored.
out=$(authz -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}" --body 'ignored body')
expect_contains "authorizer ignores stdin" "$out" "Status: 200"

# --- RESPONDER role ---
check() { resp -p DOCUMENT_URI=/auth/check -p SCRIPT_NAME=/auth/check "$@"; }
out=$(check -p REQUEST_METHOD=GET -p REQUEST_URI=/private/page -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}")
expect_contains "GET /auth/check allows" "$out" "Status: 200"
expect_contains "/check sends X-Charon-User-Id" "$out" "X-Charon-User-Id: alice"
expect_contains "/check sends X-Charon-Session-Id" "$out" "X-Charon-Session-Id: sid-good"
expect_contains "/check sends X-Charon-Session-Type" "$out" "X-Charon-Session-Type: full"
expect_contains "/check sends X-Charon-Claim-Role" "$out" "X-Charon-Claim-Role: admin"
out=$(check -p REQUEST_METHOD=POST -p REQUEST_URI=/private/form -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}")
expect_contains "/check accepts the protected request's method (POST)" "$out" "Status: 200"
out=$(check -p REQUEST_METHOD=GET)
expect_contains "/check without a token is 401" "$out" "Status: 401"
out=$(check -p REQUEST_METHOD=GET -p "HTTP_AUTHORIZATION=Bearer ${TOK[user]}" -p CHARON_PROFILE=shop)
expect_contains "/check applies the profile (403)" "$out" "Status: 403"

out=$(resp -p REQUEST_METHOD=GET -p REQUEST_URI=/auth/jwks.json)
expect_contains "GET /auth/jwks.json routes by REQUEST_URI" "$out" "Status: 200"
expect_contains "jwks is a JWKS" "$out" '{"keys":['
out=$(resp -p REQUEST_METHOD=POST -p DOCUMENT_URI=/auth/jwks.json)
expect_contains "POST /auth/jwks.json is 405" "$out" "Status: 405"
expect_contains "405 names the allowed methods" "$out" "Allow: GET, HEAD"
out=$(resp -p REQUEST_METHOD=HEAD -p DOCUMENT_URI=/auth/health)
expect_contains "HEAD /auth/health is 200" "$out" "Status: 200"
expect_not_contains "HEAD has no body" "$out" '"status"'
out=$(resp -p REQUEST_METHOD=GET -p SCRIPT_NAME=/auth -p PATH_INFO=/health)
expect_contains "SCRIPT_NAME+PATH_INFO routes /auth/health" "$out" '{"status":"ok"}'
out=$(resp -p REQUEST_METHOD=GET -p DOCUMENT_URI=/auth/nope)
expect_contains "an unknown endpoint is 404 JSON" "$out" '"error":"not_found"'
out=$(resp -p REQUEST_METHOD=GET -p DOCUMENT_URI=/authx/check)
expect_contains "a path outside the prefix is 404" "$out" "Status: 404"
out=$(resp -p REQUEST_METHOD=GET -p DOCUMENT_URI=/auth/health -p "HTTP_X_BIG=$(head -c 20000 /dev/zero | tr '\0' 'b')")
expect_contains "headers over max_header_bytes are 431" "$out" "Status: 431"
out=$(check -p REQUEST_METHOD=GET -p "HTTP_X_BIG=$(head -c 20000 /dev/zero | tr '\0' 'b')")
expect_contains "oversized headers on /check are 401 (nginx allows 2xx/401/403 only)" "$out" "Status: 401"
out=$(resp -p REQUEST_METHOD=GET -p DOCUMENT_URI=/auth/health --body "$(head -c 100000 /dev/zero | tr '\0' 'c')")
expect_contains "an undeclared body nobody reads is drained" "$out" "Status: 200"
out=$(resp -p REQUEST_METHOD=POST -p DOCUMENT_URI=/auth/health -p CONTENT_LENGTH=70000 --body "$(head -c 70000 /dev/zero | tr '\0' 'c')")
expect_contains "a body over max_body_bytes is 413" "$out" "Status: 413"
out=$(check -p REQUEST_METHOD=POST -p CONTENT_LENGTH=70000 -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}")
expect_contains "/check ignores the protected request's CONTENT_LENGTH" "$out" "Status: 200"
out=$(resp -p REQUEST_METHOD=POST -p DOCUMENT_URI=/auth/jwks.json -p CONTENT_LENGTH=12x)
expect_contains "a CONTENT_LENGTH that is not a number is 400" "$out" "Status: 400"
out=$(authz -p CONTENT_LENGTH=999999999 -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}")
expect_contains "an authorizer ignores CONTENT_LENGTH (lighttpd/nginx duplicates)" "$out" "Status: 200"
out=$("$FCGI_REQ" --role responder --keep-conn --repeat 3 -p REQUEST_METHOD=GET -p DOCUMENT_URI=/auth/health "unix:$SOCK")
expect_eq "three requests on one kept connection" "$(echo $out)" "200 200 200"

# --- TCP ---
PORT=$(free_port)
"$DAEMON" -c "$T/charon.ini" --listen "tcp:127.0.0.1:$PORT" --threads 2 2> "$T/tcp.log" &
TPID=$!; PIDS="$PIDS $TPID"
tcp_serving() { "$FCGI_REQ" --status-only -p DOCUMENT_URI=/auth/health "tcp:127.0.0.1:$PORT" >/dev/null 2>&1; }
wait_for 60 tcp_serving
out=$("$FCGI_REQ" --role authorizer -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}" "tcp:127.0.0.1:$PORT")
expect_contains "AUTHORIZER over TCP" "$out" "Variable-REMOTE_USER: alice"
kill -TERM "$TPID"
wait_for_exit "$TPID" 60 && expect_eq "TCP daemon exits 0 on SIGTERM" "$EXIT_STATUS" "0" || not_ok "TCP daemon exits on SIGTERM"

# --- socket on fd 0 (spawn-fcgi) ---
if command -v spawn-fcgi >/dev/null; then
    spawn-fcgi -s "$T/spawned.sock" -M 0660 -P "$T/spawned.pid" -- \
        "$DAEMON" -c "$T/charon.ini" --threads 2 > /dev/null 2> "$T/spawn.log"
    SPID=$(cat "$T/spawned.pid"); PIDS="$PIDS $SPID"
    wait_for_socket "$T/spawned.sock"
    out=$("$FCGI_REQ" --role authorizer -p "HTTP_AUTHORIZATION=Bearer ${TOK[good]}" "unix:$T/spawned.sock")
    expect_contains "serves the listening socket on fd 0 (spawn-fcgi)" "$out" "Variable-REMOTE_USER: alice"
    kill -TERM "$SPID"
    wait_for 60 exited "$SPID" && ok "spawned daemon stops on SIGTERM" || not_ok "spawned daemon stops on SIGTERM"
else
    not_ok "spawn-fcgi is installed (scripts/deps.sh installs it)"
fi

# --- CGI ---
cgi() {
    env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET "$@" \
        "$DAEMON" -c "$T/cgi.ini" < /dev/null 2>> "$T/cgi.log"
}
out=$(cgi DOCUMENT_URI=/auth/check "HTTP_AUTHORIZATION=Bearer ${TOK[good]}")
expect_contains "CGI: /auth/check allows" "$out" "X-Charon-User-Id: alice"
out=$(cgi SCRIPT_NAME=/auth PATH_INFO=/check)
expect_contains "CGI: no token is 401" "$out" "Status: 401"
out=$(echo -n 'body' | env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST CONTENT_LENGTH=4 \
      DOCUMENT_URI=/auth/health "$DAEMON" -c "$T/cgi.ini" 2>>"$T/cgi.log")
expect_contains "CGI: POST /auth/health is 405" "$out" "Status: 405"
out=$(env -i GATEWAY_INTERFACE=CGI/1.1 DOCUMENT_URI=/auth/health CHARON_PLUGIN_PATH="$CHARON_PLUGIN_PATH" \
      "$DAEMON" -c "$T/charon.ini" 2>&1 < /dev/null)
expect_contains "CGI ignores CHARON_PLUGIN_PATH from the web server" "$out" "Status: 500"
n=$(ls "$T/keycache" | wc -l)
expect_eq "CGI requests reuse one cached derived key" "$n" "1"

# --- charonctl against store_dummy ---
out=$("$CTL" -c "$T/charon.ini" session create --user carol --transport cookie 2>&1)
expect_contains "session create with cookie transport prints the cookie part" "$out" '"_access_token_signature":".'
tok=$(printf '%s' "$out" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["tokens"]["access_token"] + d["cookies"]["_access_token_signature"])')
out=$("$CTL" -c "$T/charon.ini" verify "$tok" 2>&1)
expect_contains "a re-joined cookie token verifies" "$out" '"sub":"carol"'
out=$("$CTL" -c "$T/charon.ini" verify "$(tamper "$tok")" 2>&1); st=$?
expect_eq "charonctl verify refuses a damaged token (exit 1)" "$st" "1"
out=$("$CTL" -c "$T/charon.ini" session list --user carol 2>&1); st=$?
expect_eq "store_dummy cannot list sessions (exit 1)" "$st" "1"
expect_contains "and says so" "$out" "store_dummy cannot list sessions"
out=$("$CTL" -c "$T/charon.ini" session revoke --user carol --session x 2>&1); st=$?
expect_eq "store_dummy revoke succeeds (nothing kept)" "$st" "0"
out=$("$CTL" nonsense 2>&1); st=$?
expect_eq "an unknown charonctl command is a usage error" "$st" "64"
out=$("$CTL" --help)
expect_contains "charonctl --help lists session create" "$out" "session create -c FILE --user ID"

# --- bad configuration ---
printf '[charon]\ntoken_issuer = x\nbase_secret_file = %s\nsession_stor = dummy\n' "$T/secret" > "$T/bad.ini"
out=$("$DAEMON" -c "$T/bad.ini" --listen "unix:$T/bad.sock" 2>&1); st=$?
expect_eq "a bad config exits 2" "$st" "2"
expect_contains "a bad config names file:line and key" "$out" "bad.ini:4: [charon] unknown key \"session_stor\""
chmod 644 "$T/secret"
out=$("$DAEMON" -c "$T/charon.ini" --listen "unix:$T/bad.sock" 2>&1); st=$?
chmod 600 "$T/secret"
expect_eq "a group-readable secret exits 2" "$st" "2"
expect_contains "the secret error says how to fix it" "$out" "run chmod 600"
out=$("$DAEMON" -c "$T/charon.ini" < /dev/null 2>&1); st=$?
expect_eq "no socket and no CGI environment is a usage error" "$st" "64"

# --- SIGTERM with an idle kept connection ---
"$FCGI_REQ" --role responder --keep-conn --repeat 1 -p DOCUMENT_URI=/auth/health "unix:$SOCK" > /dev/null
kill -TERM "$DPID"
if wait_for_exit "$DPID" 60; then
    expect_eq "SIGTERM: exit status 0" "$EXIT_STATUS" "0"
else
    not_ok "SIGTERM stops the daemon within 10 s"
fi
[ -e "$SOCK" ] && not_ok "the unix socket is removed at exit" || ok "the unix socket is removed at exit"

# --- secrets never logged ---
for name in "${!TOK[@]}"; do
    sig=${TOK[$name]##*.}
    if grep -qF -- "$sig" "$T"/*.log; then not_ok "token $name is not in any log"; else ok "token $name is not in any log"; fi
done
if grep -qF -- "$(cat "$T/secret")" "$T"/*.log; then not_ok "the secret is not in any log"; else ok "the secret is not in any log"; fi

finish
