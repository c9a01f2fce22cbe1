#!/usr/bin/env bash
# sessions.sh - the whole session life over FastCGI for each token
# transport (bearer, cookie, cookie_only): password login, access through
# the AUTHORIZER role and GET /check, list, refresh, logout, logout
# everywhere (else); cookies and the CSRF header; events and counters;
# charonctl on the daemon's store.  The checks themselves are in
# sessions.py.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs:$BUILD/plugins/cred_htpasswd/.libs

make_secret
printf 'alice:%s\n' "$(openssl passwd -6 -salt saltsalt wonderland)" > "$T/htpasswd"
printf 'bob:%s\n' "$(openssl passwd -5 -salt pepper builder)" >> "$T/htpasswd"
base_config | sed 's/^session_store = dummy/session_store = local/' > "$T/charon.ini"
cat >> "$T/charon.ini" <<INI
log_level = debug
cookie_domain = it.test

[endpoints]
credentials = htpasswd
metrics = true

[authorizer]
require_session = true
export_claims = sid

; The same site without instant revocation: an access token stays good
; until it expires, as in Charon.
[profile stateless]
require_session = false

[store_local]
path = $T/sessions

[cred_htpasswd]
file = $T/htpasswd
INI

SOCK=$T/s.sock
"$DAEMON" -c "$T/charon.ini" --listen "unix:$SOCK" --threads 4 2> "$T/daemon.log" &
DPID=$!; PIDS="$PIDS $DPID"
wait_for_socket "$SOCK" || { cat "$T/daemon.log"; exit 1; }

"$PY" "$SRC/tests/integration/sessions.py" "unix:$SOCK" "$FCGI_REQ" "$CTL" \
    "$T/charon.ini" "$T/daemon.log"
rc=$?
kill -TERM "$DPID"
wait_for_exit "$DPID" 10 || rc=1
exit $rc
