#!/usr/bin/env bash
# connections.sh - what a worker does with connections it cannot serve:
# read_timeout closes silent and idle kept ones, queue_timeout answers
# 503 once every thread is stuck (and never during a mere burst),
# FCGI_WEB_SERVER_ADDRS keeps other TCP peers out.  connections.py holds
# the connections; the daemon must stay up and stop cleanly.
. "$(dirname "$0")/lib.sh"

make_secret
# start_daemon NAME LISTEN EXTRA_INI [ENV...]: daemon on 2 threads
start_daemon() {
    local name=$1 listen=$2 extra=$3
    shift 3
    { base_config; printf '%b\n' "$extra"; printf '\n[endpoints]\nmetrics = true\n'; } \
        > "$T/$name.ini"
    env "$@" "$DAEMON" -c "$T/$name.ini" --listen "$listen" --threads 2 \
        2> "$T/$name.log" &
    DPID=$!; PIDS="$PIDS $DPID"
}
# stop_daemon NAME: SIGTERM, exit 0, no sanitizer report
stop_daemon() {
    kill -TERM "$DPID" 2>/dev/null
    expect_exit_0 "$DPID" "$1: the daemon"
    expect_no_sanitizer_report "$1: no sanitizer report" "$T/$1.log"
}
# py MODE ADDR [ARGS...]
py() {
    CHARON_TEST_SRCDIR=$SRC PYTHONPATH=$SRC/tests/integration \
        "$PY" "$SRC/tests/integration/connections.py" "$@"
    local rc=$?
    [ "$rc" -eq 0 ] && ok "connections.py $1 passed" \
        || not_ok "connections.py $1 failed (exit $rc)"
}

RT=3
start_daemon stuck "unix:$T/stuck.sock" "read_timeout = $RT\nqueue_timeout = 1"
wait_for_socket "$T/stuck.sock" || { cat "$T/stuck.log"; exit 1; }
py stuck "unix:$T/stuck.sock" "$RT"
# The shed thread logs these on its own time: waited for.
wait_for_log 60 "$T/stuck.log" "all 2 threads have held their connections for 1000 ms: answering new connections 503" \
    && ok "the log says when it starts answering 503" \
    || not_ok "the log says when it starts answering 503" "$(tail -5 "$T/stuck.log")"
wait_for_log 60 "$T/stuck.log" "a thread is free again: no longer answering 503" \
    && ok "... and when it stops" || not_ok "... and when it stops" "$(tail -5 "$T/stuck.log")"
stop_daemon stuck

start_daemon at_once "unix:$T/now.sock" "queue_timeout = 0"
wait_for_socket "$T/now.sock" || { cat "$T/at_once.log"; exit 1; }
CHARON_IT_LOG=$T/at_once.log py at_once "unix:$T/now.sock"
stop_daemon at_once

PORT=$(free_port)
start_daemon peer_refused "tcp:127.0.0.1:$PORT" "" FCGI_WEB_SERVER_ADDRS=127.0.0.2
wait_for_log 60 "$T/peer_refused.log" 'serving with' || { cat "$T/peer_refused.log"; exit 1; }
py peer_refused "tcp:127.0.0.1:$PORT"
stop_daemon peer_refused
PORT=$(free_port)
start_daemon peer_allowed "tcp:127.0.0.1:$PORT" "" "FCGI_WEB_SERVER_ADDRS=127.0.0.2, 127.0.0.1"
wait_for_log 60 "$T/peer_allowed.log" 'serving with' || { cat "$T/peer_allowed.log"; exit 1; }
py peer_allowed "tcp:127.0.0.1:$PORT"
stop_daemon peer_allowed
finish
