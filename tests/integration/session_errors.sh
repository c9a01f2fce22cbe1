#!/usr/bin/env bash
# session_errors.sh - the session endpoints refuse bad input of every kind
# with the exact status and JSON error body, and a refused request writes
# nothing.  Three daemons share one base secret (so one daemon's tokens
# pass another's stateless checks), each with its own LMDB store:
#   main  - max_body_bytes = 1024, fresh_cycle = 1, clock_skew = 0: the
#           input errors, methods, refresh errors, stale generations
#   race  - --threads 8, metrics: concurrent refreshes of one session, and
#           a logout racing refreshes
#   full  - map_size_mb = 1, access_token_ttl = 2: an expired access token
#           cannot log out; a full store answers 503 and the daemon lives on
# The checks themselves are in session_errors.py.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs:$BUILD/plugins/cred_htpasswd/.libs

make_secret
PASSWORD="s3cret-$(head -c 9 /dev/urandom | base64 | tr '+/' '-_')"
# A password hash from openssl, as an admin would make it.
printf 'alice:%s\n' "$(openssl passwd -6 -salt "$(head -c 6 /dev/urandom | base64 | tr '+/' 'ab')" "$PASSWORD")" \
    > "$T/htpasswd"
printf 'carol:%s\n' "$(openssl passwd -6 -salt carolsalt other-password)" >> "$T/htpasswd"
chmod 600 "$T/htpasswd"
head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key"
echo >> "$T/issuer.key"
chmod 600 "$T/issuer.key"

# write_config NAME [charon lines] [endpoints lines] [store_local lines]
write_config() {
    {
        base_config | sed 's/^session_store = dummy/session_store = local/'
        printf '%s\n' "$2"
        cat <<INI

[endpoints]
credentials = htpasswd
issuer_key_file = $T/issuer.key
$3

[cred_htpasswd]
file = $T/htpasswd

[store_local]
path = $T/store-$1
$4
INI
    } > "$T/$1.ini"
}
write_config main "max_body_bytes = 1024
fresh_cycle = 1
clock_skew = 0" "metrics = true" ""
write_config race "" "metrics = true" ""
write_config full "access_token_ttl = 2
clock_skew = 0" "metrics = true" "map_size_mb = 1
prune_every = 0"

start_daemon() { # NAME THREADS
    "$DAEMON" -c "$T/$1.ini" --listen "unix:$T/$1.sock" --threads "$2" \
        2> "$T/$1.log" &
    PIDS="$PIDS $!"
    eval "PID_$1=\$!"
    wait_for_socket "$T/$1.sock" || { cat "$T/$1.log"; exit 1; }
}
start_daemon main 4
start_daemon race 8
start_daemon full 4

CHARON_IT_DIR=$T CHARON_IT_PASSWORD=$PASSWORD CHARON_IT_FCGI_REQ=$FCGI_REQ \
CHARON_IT_CTL=$CTL \
    "$PY" "$SRC/tests/integration/session_errors.py"
rc=$?
[ "$rc" -eq 0 ] && ok "session_errors.py passed" \
    || not_ok "session_errors.py failed (exit $rc)"

# Every daemon lived through it all and stops cleanly; then their logs
# (with any sanitizer report from the exit) are checked.
for d in main race full; do
    eval "pid=\$PID_$d"
    if kill -0 "$pid" 2>/dev/null; then ok "the $d daemon is still running"
    else not_ok "the $d daemon is still running" "$(tail -20 "$T/$d.log")"; fi
    kill -TERM "$pid" 2>/dev/null
done
for d in main race full; do
    eval "pid=\$PID_$d"
    expect_exit_0 "$pid" "the $d daemon"
    expect_no_sanitizer_report "no sanitizer report from the $d daemon" "$T/$d.log"
    if grep -qF -- "$PASSWORD" "$T/$d.log"; then
        not_ok "the $d daemon never logs the password"
    else
        ok "the $d daemon never logs the password"
    fi
    # tokens.txt: the signature of every token the test was given.
    if [ -s "$T/tokens.txt" ] && grep -qF -f "$T/tokens.txt" "$T/$d.log"; then
        not_ok "the $d daemon never logs a token"
    else
        ok "the $d daemon never logs a token"
    fi
done
finish
