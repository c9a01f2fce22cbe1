#!/usr/bin/env bash
# systemd_units.sh - etc/systemd/ units pass `systemd-analyze verify` with
# their programs pointed at this build, and the service's command line is
# one the daemon accepts (it serves the socket systemd puts on fd 0: the
# same path as spawn-fcgi, tested in daemon.sh and signals.sh).
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze > /dev/null || { not_ok "systemd-analyze is installed"; finish; exit 1; }
mkdir "$T/units"
cp "$SRC/etc/systemd/charon-fcgi.socket" "$T/units/"
sed -e "s|/usr/local/bin/charon-fcgi|$DAEMON|g" -e "s|/usr/local/bin/charonctl|$CTL|g" \
    "$SRC/etc/systemd/charon-fcgi.service" > "$T/units/charon-fcgi.service"
out=$(cd "$T/units" && systemd-analyze verify --man=no charon-fcgi.socket charon-fcgi.service 2>&1)
expect_eq "systemd-analyze verify finds nothing" "$out" ""
grep -q '^StandardInput=socket$' "$T/units/charon-fcgi.service" \
    && ok "the service takes the socket on fd 0" || not_ok "the service takes the socket on fd 0"
# The ExecStart options, on a socket on fd 0 as systemd would pass it.
make_secret
base_config > "$T/charon.ini"
args=$(sed -n 's/^ExecStart=[^ ]* -c [^ ]* //p' "$SRC/etc/systemd/charon-fcgi.service")
PORT=$(free_port)
export LOG=$T/daemon.log
# spawn-fcgi gives its child no stderr: the daemon's log goes to
# daemon.log through an exec (the same process, the same PID).
# shellcheck disable=SC2086
spawn-fcgi -a 127.0.0.1 -p "$PORT" -P "$T/spawn.pid" -- \
    /bin/sh -c 'exec "$0" "$@" 2>> "$LOG"' "$DAEMON" -c "$T/charon.ini" $args \
    > "$T/spawn.out" 2> "$T/spawn.log"
MPID=$(cat "$T/spawn.pid"); PIDS="$PIDS $MPID"
serving() { [ "$("$FCGI_REQ" --status-only -p DOCUMENT_URI=/auth/health "tcp:127.0.0.1:$PORT" 2>/dev/null)" = 200 ]; }
wait_for 60 serving
expect_eq "the daemon serves with the unit's options ($args)" \
    "$("$FCGI_REQ" --status-only -p DOCUMENT_URI=/auth/health "tcp:127.0.0.1:$PORT")" "200"
# The first worker may answer before the second has loaded its plugins.
workers_serving() { [ "$(grep -c 'serving with' "$T/daemon.log")" -ge 2 ]; }
wait_for 60 workers_serving
expect_eq "as many workers as the unit says" "$(pgrep -P "$MPID" | wc -l)" \
    "$(sed -n 's/.*--workers \([0-9]*\).*/\1/p' "$SRC/etc/systemd/charon-fcgi.service")"
kill -HUP "$MPID"
wait_for_log 60 "$T/daemon.log" "SIGHUP: .* reloaded" && ok "systemctl reload (SIGHUP) reloads" \
    || not_ok "systemctl reload (SIGHUP) reloads" "$(tail -5 "$T/daemon.log")"
expect_eq "systemctl reload (SIGHUP) keeps it serving" \
    "$("$FCGI_REQ" --status-only -p DOCUMENT_URI=/auth/health "tcp:127.0.0.1:$PORT")" "200"
kill -TERM "$MPID"
# Not this shell's child (spawn-fcgi forked it): waited for by its PID.
wait_for 60 exited "$MPID" && ok "systemctl stop (SIGTERM) ends it" || not_ok "systemctl stop (SIGTERM) ends it"
finish
