#!/usr/bin/env bash
# redis.sh - charon-fcgi on store_redis against a real redis-server (unix
# socket in the temp dir, stopped by PID): two daemons on one Redis see
# each other's sessions and race on one session with one winner per
# lock_version; a session tampered with inside Redis counts as absent; a
# second key_prefix sees nothing of the first; Redis killed in the middle
# gives quick 503s while stateless checks keep answering, and the daemons
# recover when it is back, without a restart.  Checks in redis.py.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_redis/.libs

# Redis processes redis_ctl.sh starts are recorded in $T/redis.pids.
cleanup_redis() {
    local p
    [ -f "$T/redis.pids" ] || return 0
    for p in $(cat "$T/redis.pids"); do
        kill "$p" 2>/dev/null
    done
}
trap 'cleanup_redis; cleanup' EXIT

command -v redis-server > /dev/null || { not_ok "redis-server is installed (scripts/deps.sh)"; finish; exit 1; }
make_secret
head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key"; chmod 600 "$T/issuer.key"

REDIS_SOCK=$T/redis.sock
start_redis() {
    redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 \
        --dir "$T" --save '' --appendonly no --daemonize no \
        > "$T/redis.log" 2>&1 &
    REDIS_PID=$!; PIDS="$PIDS $REDIS_PID"
    wait_for_socket "$REDIS_SOCK" || { cat "$T/redis.log"; exit 1; }
    wait_for 60 redis_up
}
redis_up() { redis-cli -s "$REDIS_SOCK" ping 2>/dev/null | grep -q PONG; }
stop_redis() {
    kill -TERM "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
    rm -f "$REDIS_SOCK"
}
start_redis

# write_config NAME PREFIX
write_config() {
    { base_config | sed 's/^session_store = dummy/session_store = redis/'; cat <<INI
log_level = debug

[endpoints]
issuer_key_file = $T/issuer.key
metrics = true

[authorizer]
require_session = true

[profile stateless]
require_session = false

[store_redis]
socket = $REDIS_SOCK
key_prefix = $2
connect_timeout_ms = 300
command_timeout_ms = 300
INI
    } > "$T/$1.ini"
}
write_config a it_
write_config b it_
write_config c other_

for d in a b c; do
    "$DAEMON" -c "$T/$d.ini" --listen "unix:$T/$d.sock" --threads 8 2> "$T/$d.log" &
    PIDS="$PIDS $!"; eval "PID_$d=\$!"
    wait_for_socket "$T/$d.sock" || { cat "$T/$d.log"; exit 1; }
done

export REDIS_SOCK T
"$PY" "$SRC/tests/integration/redis.py" "$FCGI_REQ" "$T/issuer.key" \
    "unix:$T/a.sock" "unix:$T/b.sock" "unix:$T/c.sock" \
    "$SRC/tests/integration/redis_ctl.sh"
rc=$?
for d in a b c; do
    pid_var=PID_$d
    kill -TERM "${!pid_var}"
    if wait_for_exit "${!pid_var}" 60 && [ "$EXIT_STATUS" = 0 ]; then
        ok "daemon $d exits 0 on SIGTERM"
    else
        not_ok "daemon $d exits 0 on SIGTERM" "$(tail -20 "$T/$d.log")"
    fi
done
grep -q "invalid signature" "$T/a.log" "$T/b.log" \
    && ok "the tampered session is logged as such" \
    || not_ok "the tampered session is logged as such"
if grep -l "$(cat "$T/issuer.key")" "$T"/*.log > /dev/null 2>&1; then
    not_ok "no issuer key in any log"
else
    ok "no issuer key in any log"
fi
finish || rc=1
exit $rc
