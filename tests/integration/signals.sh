#!/usr/bin/env bash
# signals.sh - the daemon keeps serving through long idle periods (longer
# than the socket read timeout), SIGUSR1 (to the master or the worker)
# and SIGHUP (a reload); SIGTERM to one of several processes sharing a
# socket (spawn-fcgi -F 2) leaves the socket working for the others.
. "$(dirname "$0")/lib.sh"

make_secret
{ base_config; echo "read_timeout = 2"; } > "$T/charon.ini"
SOCK=$T/s.sock
start_charon "$SOCK" --threads 2
health() { "$FCGI_REQ" --status-only --timeout-ms 5000 -p DOCUMENT_URI=/auth/health "$1"; }

expect_eq "serves at start" "$(health "unix:$SOCK")" "200"
sleep 3      # longer than read_timeout, the receive timeout of connections
expect_eq "still serves after 3 s idle (read_timeout 2)" "$(health "unix:$SOCK")" "200"
WPID=$(pgrep -P "$DPID" | head -1)
# main + 2 worker threads + the shed thread (src/fcgi_shed.c)
expect_eq "the worker's threads are all alive" "$(ls /proc/$WPID/task | wc -l)" "4"
kill -USR1 "$DPID"; kill -USR1 "$WPID"; sleep 0.3
r=""
for i in 1 2 3 4; do r="$r$(health "unix:$SOCK") "; done
expect_eq "SIGUSR1 does not stop the worker threads" "$r" "200 200 200 200 "
kill -HUP "$DPID"; sleep 0.3
expect_eq "SIGHUP does not stop the daemon" "$(health "unix:$SOCK")" "200"
grep -q "SIGHUP: .* reloaded" "$T/daemon.log" && ok "SIGHUP is logged" || not_ok "SIGHUP is logged"
kill -TERM "$DPID"
wait_for_exit "$DPID" 10 && expect_eq "SIGTERM exits 0" "$EXIT_STATUS" "0" || not_ok "SIGTERM exits"

# Two processes on one inherited TCP socket: stopping one keeps the other.
PORT=$(free_port)
spawn-fcgi -a 127.0.0.1 -p "$PORT" -F 2 -P "$T/spawn.pid" -- \
    "$DAEMON" -c "$T/charon.ini" --threads 2 > "$T/spawn.out" 2> "$T/spawn.log"
sleep 0.5
mapfile -t SPIDS < <(grep -o 'PID: [0-9]*' "$T/spawn.out" | awk '{print $2}')
PIDS="$PIDS ${SPIDS[*]}"
expect_eq "spawn-fcgi -F 2 started two daemons" "${#SPIDS[@]}" "2"
for i in $(seq 1 50); do [ "$(health "tcp:127.0.0.1:$PORT" 2>/dev/null)" = 200 ] && break; sleep 0.1; done
kill -TERM "${SPIDS[0]}"
for i in $(seq 1 100); do kill -0 "${SPIDS[0]}" 2>/dev/null || break; sleep 0.1; done
kill -0 "${SPIDS[0]}" 2>/dev/null && not_ok "the first daemon stops" || ok "the first daemon stops"
r=""
for i in 1 2 3; do r="$r$(health "tcp:127.0.0.1:$PORT") "; done
expect_eq "the shared socket still serves through the second daemon" "$r" "200 200 200 "
kill -TERM "${SPIDS[1]}"
finish
