#!/usr/bin/env bash
# bigint_users.sh - integer user ids of any size (a Snowflake id such as
# 9007199254740993, a 30-digit bigint) stay exact end to end: issuer
# login, token sub, X-Charon-User-Id, Variable-REMOTE_USER, the store's
# keys, the session list, refresh and charonctl verify.  The checks are
# in bigint_users.py.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs

make_secret
head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key"
chmod 600 "$T/issuer.key"
base_config | sed 's/^session_store = dummy/session_store = local/' > "$T/charon.ini"
cat >> "$T/charon.ini" <<INI

[endpoints]
issuer_key_file = $T/issuer.key

[authorizer]
require_session = true

[store_local]
path = $T/sessions
INI

SOCK=$T/s.sock
"$DAEMON" -c "$T/charon.ini" --listen "unix:$SOCK" --threads 2 2> "$T/daemon.log" &
DPID=$!; PIDS="$PIDS $DPID"
wait_for_socket "$SOCK" || { cat "$T/daemon.log"; exit 1; }

"$PY" "$SRC/tests/integration/bigint_users.py" "unix:$SOCK" "$FCGI_REQ" \
    "$CTL" "$T/charon.ini" "$(cat "$T/issuer.key")"
