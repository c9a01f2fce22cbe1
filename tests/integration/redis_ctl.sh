#!/usr/bin/env bash
# redis_ctl.sh stop|start|tamper SID - what redis.py asks of the Redis
# that redis.sh started (REDIS_SOCK, T exported).  tamper flips one byte
# of the stored blob of session SID, whatever key holds it.
set -u
case $1 in
stop)
    pid=$(redis-cli -s "$REDIS_SOCK" info server | sed -n 's/^process_id:\([0-9]*\).*/\1/p')
    kill -KILL "$pid"
    # Gone (a condition polled, up to 10 s), so that its socket is free.
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    rm -f "$REDIS_SOCK" ;;
start)
    # A fresh process on the same socket and no data: what a restart of
    # a Redis without persistence looks like.
    setsid redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 \
        --dir "$T" --save '' --appendonly no --daemonize no \
        >> "$T/redis.log" 2>&1 < /dev/null &
    echo $! >> "$T/redis.pids"
    for _ in $(seq 1 100); do
        redis-cli -s "$REDIS_SOCK" ping 2>/dev/null | grep -q PONG && exit 0
        sleep 0.1
    done
    exit 1 ;;
tamper)
    for key in $(redis-cli -s "$REDIS_SOCK" --scan); do
        [ "$(redis-cli -s "$REDIS_SOCK" type "$key")" = hash ] || continue
        val=$(redis-cli -s "$REDIS_SOCK" --no-raw hexists "$key" "$2")
        [ "$val" = "(integer) 1" ] || continue
        case $(redis-cli -s "$REDIS_SOCK" hget "$key" "$2" | head -c 7) in
        signed.) ;;
        *) continue ;;
        esac
        # Rewrite the JSON part: the user's session now says it never
        # expires.  The MAC no longer fits.
        redis-cli -s "$REDIS_SOCK" eval \
            "local v = redis.call('HGET', KEYS[1], ARGV[1]); \
             v = string.gsub(v, '\"refresh_expires_at\":', '\"refresh_expires_at\":9'); \
             return redis.call('HSET', KEYS[1], ARGV[1], v)" 1 "$key" "$2" > /dev/null
        exit 0
    done
    echo "no stored blob for session $2" >&2
    exit 1 ;;
esac
