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
start_charon "$SOCK" --threads 4

"$PY" "$SRC/tests/integration/sessions.py" "unix:$SOCK" "$FCGI_REQ" "$CTL" \
    "$T/charon.ini" "$T/daemon.log"
rc=$?

# Plain CGI (mod_cgi, fcgiwrap): the login body comes on stdin, and the
# session lands in the store the running daemon uses.  CGI ignores
# CHARON_PLUGIN_PATH, so the plugins come from plugin_dir.
mkdir "$T/plugins"
for p in token_jwt store_local cred_htpasswd; do
    ln -s "$BUILD/plugins/$p/.libs/$p.so" "$T/plugins/$p.so"
done
sed "s|^\[charon\]|[charon]\nplugin_dir = $T/plugins|" "$T/charon.ini" > "$T/cgi.ini"
body='username=alice&password=wonderland'
out=$(printf '%s' "$body" | env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
      CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=${#body} \
      SCRIPT_NAME=/auth/session "$DAEMON" -c "$T/cgi.ini" 2>> "$T/cgi.log")
expect_contains "CGI: a form login is 201" "$out" "Status: 201"
at=$(printf '%s' "$out" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
out=$("$FCGI_REQ" --role authorizer -p "HTTP_AUTHORIZATION=Bearer $at" "unix:$SOCK")
expect_contains "the daemon sees the CGI's session" "$out" "Status: 200"
out=$(env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=DELETE SCRIPT_NAME=/auth/session \
      "HTTP_AUTHORIZATION=Bearer $at" "$DAEMON" -c "$T/cgi.ini" < /dev/null 2>> "$T/cgi.log")
expect_contains "CGI: logout is 204" "$out" "Status: 204"
out=$("$FCGI_REQ" --role authorizer -p "HTTP_AUTHORIZATION=Bearer $at" "unix:$SOCK")
expect_contains "and the daemon sees it gone" "$out" "Status: 401"
[ "$FAILED" -eq 0 ] || rc=1
echo "$PASSED passed (CGI), $FAILED failed (CGI)"
kill -TERM "$DPID"
wait_for_exit "$DPID" 60 || rc=1
exit $rc
