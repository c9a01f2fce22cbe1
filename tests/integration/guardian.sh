#!/usr/bin/env bash
# guardian.sh - lessons from Guardian's advisories (2.4.1, 2.5.0): a time
# claim that is not a number ("exp":"17") or is absurd (1e300) is refused,
# and logout and revocation verify the token first, so a forged token
# revokes nothing.  The checks are in guardian.py.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs

make_secret
head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key"
chmod 600 "$T/issuer.key"
base_config | sed 's/^session_store = dummy/session_store = local/' > "$T/charon.ini"
cat >> "$T/charon.ini" <<INI

[endpoints]
issuer_key_file = $T/issuer.key

[store_local]
path = $T/sessions
INI

SOCK=$T/s.sock
"$DAEMON" -c "$T/charon.ini" --listen "unix:$SOCK" --threads 2 2> "$T/daemon.log" &
DPID=$!; PIDS="$PIDS $DPID"
wait_for_socket "$SOCK" || { cat "$T/daemon.log"; exit 1; }

"$PY" "$SRC/tests/integration/guardian.py" "unix:$SOCK" "$FCGI_REQ" \
    "$CTL" "$T/charon.ini" "$(cat "$T/issuer.key")" "$T/secret"
