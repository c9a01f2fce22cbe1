# login_daemon.sh - shared by user_ids.sh and log_lines.sh, sourced after
# lib.sh: one daemon with password logins (htpasswd: alice / wonderland,
# and the "user:" names of $EXTRA_USERS with the same password) and an
# issuer key ($T/issuer.key), on $T/charon.sock, logging to $T/daemon.log.
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs:$BUILD/plugins/cred_htpasswd/.libs

# login_daemon_start STORE [ARGS...]: STORE is local or dummy; ARGS go to
# the daemon.  Sets DPID.
login_daemon_start() {
    local store=$1 hash u
    shift
    make_secret
    hash=$(openssl passwd -6 -salt saltsalt wonderland)
    printf 'alice:%s\n' "$hash" > "$T/htpasswd"
    for u in ${EXTRA_USERS[@]+"${EXTRA_USERS[@]}"}; do
        printf '%s%s\n' "$u" "$hash" >> "$T/htpasswd"
    done
    (umask 077 && head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key")
    {
        base_config | sed "s/^session_store = dummy/session_store = $store/"
        printf '\n[endpoints]\ncredentials = htpasswd\nissuer_key_file = %s\n' \
            "$T/issuer.key"
        printf '\n[cred_htpasswd]\nfile = %s\n' "$T/htpasswd"
        [ "$store" != local ] || printf '\n[store_local]\npath = %s\n' \
            "$T/sessions"
    } > "$T/charon.ini"
    "$DAEMON" -c "$T/charon.ini" --listen "unix:$T/charon.sock" "$@" \
        2> "$T/daemon.log" &
    DPID=$!; PIDS="$PIDS $DPID"
    wait_for_socket "$T/charon.sock" || { cat "$T/daemon.log"; exit 1; }
}

# login_daemon_run NAME.py: runs the checks, with CHARON_IT_DIR,
# CHARON_IT_FCGI_REQ and CHARON_IT_CTL set.
login_daemon_run() {
    CHARON_IT_DIR=$T CHARON_IT_FCGI_REQ=$FCGI_REQ CHARON_IT_CTL=$CTL \
        "$PY" "$SRC/tests/integration/$1"
    local rc=$?
    [ "$rc" -eq 0 ] && ok "$1 passed" || not_ok "$1 failed (exit $rc)"
}

# login_daemon_stop: SIGTERM; it exits 0 with no sanitizer report.
login_daemon_stop() {
    kill -TERM "$DPID"
    expect_exit_0 "$DPID" "the daemon"
    expect_no_sanitizer_report "no sanitizer report from the daemon" \
        "$T/daemon.log"
}
