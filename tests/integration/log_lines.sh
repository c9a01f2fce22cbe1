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
. "$(dirname "$0")/login_daemon.sh"

login_daemon_start dummy --threads 4
login_daemon_run log_lines.py
login_daemon_stop
if LC_ALL=C grep -n '[^ -~]' "$T/daemon.log" > "$T/bad-lines"; then
    not_ok "after the exit too, every byte of the log is printable ASCII" \
        "$(head -5 "$T/bad-lines")"
else
    ok "after the exit too, every byte of the log is printable ASCII"
fi
[ "$FAILED" -eq 0 ] || tail -40 "$T/daemon.log" | sed 's/^/# /'
finish
