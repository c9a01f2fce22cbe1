#!/usr/bin/env bash
# require_session.sh - with session_store = local and require_session, a
# token passes only while its session exists: charonctl (one process) and
# the daemon (another) share the LMDB store, and a revoke is instant.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs

make_secret
base_config | sed 's/^session_store = dummy/session_store = local/' > "$T/charon.ini"
cat >> "$T/charon.ini" <<INI

[authorizer]
require_session = true

[store_local]
path = $T/sessions

; One JWT key for both configs below, so that only the session signing
; key (derived from the base secret) differs between them.
[token_jwt]
key.default = HS256:file:$T/jwt.key
INI
head -c 32 /dev/urandom > "$T/jwt.key"; chmod 600 "$T/jwt.key"

SOCK=$T/r.sock
start_charon "$SOCK" --threads 2

session() {
    "$CTL" -c "$T/charon.ini" session create --user "$1" | "$PY" -c \
        'import json,sys; d=json.load(sys.stdin); print(d["session"]["id"], d["tokens"]["access_token"])'
}
authz() { "$FCGI_REQ" --role authorizer -p "HTTP_AUTHORIZATION=Bearer $1" "unix:$SOCK"; }

read -r SID1 TOK1 < <(session dave)
read -r SID2 TOK2 < <(session dave)
expect_contains "a live session's token passes" "$(authz "$TOK1")" "Status: 200"
expect_contains "so does the user's second session" "$(authz "$TOK2")" "Status: 200"
out=$("$CTL" -c "$T/charon.ini" session list --user dave)
expect_eq "charonctl lists both sessions" "$(printf '%s\n' "$out" | grep -c '"id"')" "2"
"$CTL" -c "$T/charon.ini" session revoke --user dave --session "$SID1"
out=$(authz "$TOK1")
expect_contains "a revoked session's token is refused at once" "$out" "Status: 401"
expect_contains "with Charon's message" "$out" '"message":"session not found"'
expect_contains "the other session still passes" "$(authz "$TOK2")" "Status: 200"
"$CTL" -c "$T/charon.ini" session revoke-all --user dave
expect_contains "revoke-all ends the rest" "$(authz "$TOK2")" "Status: 401"
# A store someone else can write to cannot forge a session: one written
# under another base secret (charonctl with a second config, same store)
# has an invalid signature and counts as absent.
head -c 48 /dev/urandom | base64 -w0 > "$T/other-secret"; chmod 600 "$T/other-secret"
sed "s|^base_secret_file = .*|base_secret_file = $T/other-secret|" "$T/charon.ini" > "$T/forger.ini"
read -r _ FORGED < <("$CTL" -c "$T/forger.ini" session create --user erin | "$PY" -c \
    'import json,sys; d=json.load(sys.stdin); print(d["session"]["id"], d["tokens"]["access_token"])')
out=$(authz "$FORGED")
expect_contains "a session signed with another secret is refused" "$out" "Status: 401"
grep -q "ignored stored session .* of user \"erin\": invalid signature" "$T/daemon.log" \
    && ok "and the daemon says why" || not_ok "and the daemon says why"
out=$("$CTL" -c "$T/charon.ini" session list --user erin 2>&1)
expect_contains "charonctl list skips it and says so" "$out" "ignored 1 stored session with an invalid signature"
# A token (signed with the shared JWT key) that names no session.
mapfile -t M < <("$PY" - "$T/jwt.key" <<'PY'
import json, sys, time, jwt
key = open(sys.argv[1], "rb").read()
now = int(time.time())
print(jwt.encode({"exp": now + 60, "iat": now, "nbf": now, "iss": "https://it.test",
                  "jti": "j", "sub": "frank", "type": "access", "styp": "full"},
                 key, algorithm="HS256", headers={"kid": "default"}))
PY
)
expect_contains "a token without sid cannot name its session" "$(authz "${M[0]}")" \
    "bearer token claim sub, sid or styp not found"
kill -TERM "$DPID"
wait_for_exit "$DPID" 60 && expect_eq "SIGTERM exits 0" "$EXIT_STATUS" "0" || not_ok "SIGTERM exits"
finish
