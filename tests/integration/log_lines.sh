#!/usr/bin/env bash
# log_lines.sh - what a client sends cannot forge or flood the daemon's
# log.  Failed logins with user names holding a newline, U+2028, NEL, DEL,
# a terminal escape, a quote or a byte that is not UTF-8, and then a flood
# of failed logins, through the real daemon; then its log is read: every
# line printable ASCII, each user name inside one JSON string that reads
# back as what was sent, and at most 20 lines a second from the login
# site, the rest counted in "similar lines suppressed" lines.  The checks
# are in log_lines.py.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/cred_htpasswd/.libs

make_secret
printf 'alice:%s\n' "$(openssl passwd -6 -salt saltsalt wonderland)" \
    > "$T/htpasswd"
(umask 077 && head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key")
{
    base_config
    cat <<INI

[endpoints]
credentials = htpasswd
issuer_key_file = $T/issuer.key

[cred_htpasswd]
file = $T/htpasswd
INI
} > "$T/charon.ini"

"$DAEMON" -c "$T/charon.ini" --listen "unix:$T/charon.sock" --threads 4 \
    2> "$T/daemon.log" &
DPID=$!; PIDS="$PIDS $DPID"
wait_for_socket "$T/charon.sock" || { cat "$T/daemon.log"; exit 1; }

CHARON_IT_DIR=$T CHARON_IT_FCGI_REQ=$FCGI_REQ \
    "$PY" "$SRC/tests/integration/log_lines.py"
rc=$?
[ "$rc" -eq 0 ] && ok "log_lines.py passed" || not_ok "log_lines.py failed (exit $rc)"

kill -TERM "$DPID"
expect_exit_0 "$DPID" "the daemon"
expect_no_sanitizer_report "no sanitizer report from the daemon" "$T/daemon.log"
if LC_ALL=C grep -n '[^ -~]' "$T/daemon.log" > "$T/bad-lines"; then
    not_ok "after the exit too, every byte of the log is printable ASCII" \
        "$(head -5 "$T/bad-lines")"
else
    ok "after the exit too, every byte of the log is printable ASCII"
fi
[ "$FAILED" -eq 0 ] || tail -40 "$T/daemon.log" | sed 's/^/# /'
finish
