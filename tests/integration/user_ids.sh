#!/usr/bin/env bash
# user_ids.sh - a user id reaches the backend unchanged, or not at all.
# Web servers trim spaces around header values (X-Charon-User-Id) and
# Variable-* values (REMOTE_USER), and cut or replace control
# characters, so the daemon refuses such ids: at login (400, nothing
# stored), for the issuer key's user_id, for what the credentials plugin
# returns and for charonctl session create, and in a token's "sub"
# minted elsewhere with the same secret (401 "bearer token claim sub
# invalid", /check and AUTHORIZER).
# The checks are in user_ids.py.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs:$BUILD/plugins/cred_htpasswd/.libs

make_secret
HASH=$(openssl passwd -6 -salt saltsalt wonderland)
# "bob " (a trailing space) is a name the htpasswd file may hold.
printf 'alice:%s\nbob :%s\n' "$HASH" "$HASH" > "$T/htpasswd"
(umask 077 && head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key")
{
    base_config | sed 's/^session_store = dummy/session_store = local/'
    cat <<INI

[endpoints]
credentials = htpasswd
issuer_key_file = $T/issuer.key

[cred_htpasswd]
file = $T/htpasswd

[store_local]
path = $T/sessions
INI
} > "$T/charon.ini"

"$DAEMON" -c "$T/charon.ini" --listen "unix:$T/charon.sock" 2> "$T/daemon.log" &
DPID=$!; PIDS="$PIDS $DPID"
wait_for_socket "$T/charon.sock" || { cat "$T/daemon.log"; exit 1; }

CHARON_IT_DIR=$T CHARON_IT_FCGI_REQ=$FCGI_REQ CHARON_IT_CTL=$CTL \
    "$PY" "$SRC/tests/integration/user_ids.py"
rc=$?
[ "$rc" -eq 0 ] && ok "user_ids.py passed" || not_ok "user_ids.py failed (exit $rc)"

kill -TERM "$DPID"
expect_exit_0 "$DPID" "the daemon"
expect_no_sanitizer_report "no sanitizer report from the daemon" "$T/daemon.log"
finish
