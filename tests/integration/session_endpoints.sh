#!/usr/bin/env bash
# session_endpoints.sh - what a session endpoint lets a token do, through
# the daemon: a token whose session has ended (logout, revocation) or that
# does not verify can end none of the user's sessions, even without
# require_session; and an issuer login's claim overrides stay on every
# token a refresh mints.  The checks themselves are in session_endpoints.py.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs

make_secret
head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key"
chmod 600 "$T/issuer.key"
base_config | sed 's/^session_store = dummy/session_store = local/' > "$T/charon.ini"
cat >> "$T/charon.ini" <<INI

[endpoints]
issuer_key_file = $T/issuer.key

; The default, said out loud: access tokens are not checked against the
; store by /check, so only the session endpoints themselves can refuse a
; revoked token.
[authorizer]
require_session = false

[store_local]
path = $T/sessions
INI

SOCK=$T/s.sock
start_charon "$SOCK" --threads 2

CHARON_IT_ISSUER_KEY=$(cat "$T/issuer.key") \
    "$PY" "$SRC/tests/integration/session_endpoints.py" "unix:$SOCK" \
    "$FCGI_REQ" "$CTL" "$T/charon.ini" "$T/secret" "$SRC/tests/integration/mint.py"
rc=$?
kill -TERM "$DPID"
expect_exit_0 "$DPID" "the daemon"
[ "$FAILED" -eq 0 ] || rc=1
exit $rc
