#!/usr/bin/env bash
# redis_garbage.sh - store_redis against a Redis that answers garbage.
# A real redis-server (unix socket in the temp dir, stopped by PID), and in
# front of it redis_garbage_proxy.py, a fault-injecting proxy (unix socket
# and TCP) switched by a control file.  Daemon A uses FCALL through the
# proxy's unix socket; daemon B is an ACL user without FUNCTION, so it runs
# the same code through EVALSHA, over the proxy's TCP port.  Both have
# command_timeout_ms = 200 and one worker thread, so every request meets
# the garbage.  redis_garbage.py replaces A's function library with ones
# whose functions answer the wrong shapes, then has the proxy answer
# byte-level garbage to A and B, and checks every endpoint that touches
# the store: a JSON error in time, the daemon alive, nothing half-written,
# recovery without a restart.  Then: exit 0 on SIGTERM, no sanitizer
# report, no token and no Redis password in the logs.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_redis/.libs

command -v redis-server > /dev/null || { not_ok "redis-server is installed (scripts/deps.sh)"; finish; exit 1; }
make_secret
head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key"; chmod 600 "$T/issuer.key"
REDIS_PASS=garbage-test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$REDIS_PASS" > "$T/redis.pass"; chmod 600 "$T/redis.pass"

REDIS_SOCK=$T/redis.sock
redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 \
    --dir "$T" --save '' --appendonly no --daemonize no \
    > "$T/redis.log" 2>&1 &
REDIS_PID=$!; PIDS="$PIDS $REDIS_PID"
redis_up() { redis-cli -s "$REDIS_SOCK" ping 2>/dev/null | grep -q PONG; }
wait_for 60 redis_up || { cat "$T/redis.log"; exit 1; }
# B's user may do everything but FUNCTION/FCALL: store_redis falls back to
# EVALSHA (as in test_store_redis "EVALSHA runs the same code ...").
redis-cli -s "$REDIS_SOCK" acl setuser nofn reset on ">$REDIS_PASS" '~*' '&*' \
    +@all -function -fcall -fcall_ro > /dev/null \
    || { not_ok "ACL user for the EVALSHA daemon"; finish; exit 1; }

CONTROL=$T/proxy.control
echo pass > "$CONTROL"
"$PY" "$SRC/tests/integration/redis_garbage_proxy.py" "$REDIS_SOCK" \
    "$CONTROL" "$T/proxy.sock" "$T/proxy.port" "$T/proxy.events" \
    2> "$T/proxy.log" &
PROXY_PID=$!; PIDS="$PIDS $PROXY_PID"
wait_for_socket "$T/proxy.sock" || { cat "$T/proxy.log"; exit 1; }
wait_for 60 test -s "$T/proxy.port" || { cat "$T/proxy.log"; exit 1; }
PROXY_PORT=$(cat "$T/proxy.port")

# write_config NAME PREFIX STORE_LINES
write_config() {
    { base_config | sed 's/^session_store = dummy/session_store = redis/'; cat <<INI

[endpoints]
issuer_key_file = $T/issuer.key

[authorizer]
require_session = true

[store_redis]
key_prefix = $2
connect_timeout_ms = 200
command_timeout_ms = 200
$3
INI
    } > "$T/$1.ini"
}
write_config a ga_ "socket = $T/proxy.sock"
write_config b gb_ "host = 127.0.0.1
port = $PROXY_PORT
username = nofn
password_file = $T/redis.pass"

for d in a b; do
    "$DAEMON" -c "$T/$d.ini" --listen "unix:$T/$d.sock" --threads 1 2> "$T/$d.log" &
    PIDS="$PIDS $!"; eval "PID_$d=\$!"
    wait_for_socket "$T/$d.sock" || { cat "$T/$d.log"; exit 1; }
done

CHARON_IT_FCGI_REQ=$FCGI_REQ CHARON_IT_ISSUER_KEY=$T/issuer.key \
CHARON_IT_A=unix:$T/a.sock CHARON_IT_B=unix:$T/b.sock \
CHARON_IT_PID_A=$PID_a CHARON_IT_PID_B=$PID_b \
CHARON_IT_LOG_A=$T/a.log CHARON_IT_LOG_B=$T/b.log \
CHARON_IT_CONTROL=$CONTROL CHARON_IT_REDIS=$REDIS_SOCK \
CHARON_IT_PROXY_EVENTS=$T/proxy.events \
CHARON_IT_TOKENS=$T/tokens.txt \
    "$PY" "$SRC/tests/integration/redis_garbage.py"
rc=$?
[ "$rc" -eq 0 ] && ok "redis_garbage.py passed" \
    || not_ok "redis_garbage.py failed (exit $rc)"

for d in a b; do
    pid_var=PID_$d
    if kill -0 "${!pid_var}" 2>/dev/null; then
        ok "daemon $d is still running"
    else
        not_ok "daemon $d is still running" "$(tail -20 "$T/$d.log")"
    fi
    kill -TERM "${!pid_var}" 2>/dev/null
    expect_exit_0 "${!pid_var}" "daemon $d"
    expect_no_sanitizer_report "no sanitizer report from daemon $d" "$T/$d.log"
    if [ -s "$T/tokens.txt" ] && grep -qF -f "$T/tokens.txt" "$T/$d.log"; then
        not_ok "daemon $d never logs a token" "$(grep -F -f "$T/tokens.txt" "$T/$d.log" | head -5)"
    else
        ok "daemon $d never logs a token"
    fi
    if grep -qF -e "$REDIS_PASS" -e "$(cat "$T/issuer.key")" "$T/$d.log"; then
        not_ok "daemon $d never logs the Redis password or the issuer key"
    else
        ok "daemon $d never logs the Redis password or the issuer key"
    fi
done
[ -s "$T/tokens.txt" ] && ok "tokens were collected for the log check" \
    || not_ok "tokens were collected for the log check"
# For debugging: CHARON_IT_KEEP_LOGS=DIR keeps the logs there.
[ -n "${CHARON_IT_KEEP_LOGS:-}" ] && cp "$T"/*.log "$CHARON_IT_KEEP_LOGS"/
finish || rc=1
exit $rc
