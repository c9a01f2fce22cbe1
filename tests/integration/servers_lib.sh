# servers_lib.sh - shared by server_nginx.sh, server_lighttpd.sh and
# server_apache.sh, sourced after lib.sh: the daemon's config and files,
# the site's files, starting and stopping servers by PID, and the checks
# on the logs.  Everything lives in $T; servers bind 127.0.0.1 only.
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs:$BUILD/plugins/cred_htpasswd/.libs
SERVERS_PY=$SRC/tests/integration/servers.py
# The user a root-started server hands its workers to (Apache insists).
WEB_USER=www-data
getent passwd "$WEB_USER" > /dev/null 2>&1 || WEB_USER=nobody

# need_binary NAME PATH PACKAGE: a missing server (or module) fails the test (CI
# installs the packages; a skip would hide that they are gone).
need_binary() {
    local found=0
    case $2 in
        *.so) [ -r "$2" ] && found=1 ;;
        *) [ -x "$2" ] && found=1 ;;
    esac
    if [ "$found" -eq 0 ]; then
        echo "not ok - $1 is not installed: no $2 (Debian package $3)"
        echo "0 passed, 1 failed"
        exit 1
    fi
}

# servers_setup: the secret, an htpasswd (alice / wonderland), the issuer
# key, the plugins, $T/charon.ini, and the site: $T/www (static files and
# the login page) and $T/cgi-bin/echo.cgi.
servers_setup() {
    local p
    make_secret
    # The web server's workers (www-data when started as root) traverse
    # $T to the site; the secret, key cache and sessions stay private.
    chmod 711 "$T"
    printf 'alice:%s\n' "$(openssl passwd -6 -salt saltsalt wonderland)" \
        > "$T/htpasswd"
    (umask 077 && head -c 48 /dev/urandom | base64 -w0 > "$T/issuer.key")
    # Plugins by plugin_dir, since lighttpd starts the daemon with an
    # empty environment (no CHARON_PLUGIN_PATH).
    mkdir "$T/plugins"
    for p in token_jwt store_local cred_htpasswd; do
        ln -s "$BUILD/plugins/$p/.libs/$p.so" "$T/plugins/$p.so"
    done
    base_config | sed 's/^session_store = dummy/session_store = local/' \
        > "$T/charon.ini"
    cat >> "$T/charon.ini" <<INI
plugin_dir = $T/plugins
log_level = debug

[endpoints]
credentials = htpasswd
issuer_key_file = $T/issuer.key

[authorizer]
require_session = true
export_claims = role iss

[profile admin]
claim_equals.role = admin

[store_local]
path = $T/sessions

[cred_htpasswd]
file = $T/htpasswd
INI
    mkdir -p "$T/www/private" "$T/www/admin" "$T/cgi-bin" "$T/tmp"
    printf "the secret file of charon-fcgi's server tests\n" \
        > "$T/www/private/secret.txt"
    printf "the admin page of charon-fcgi's server tests\n" \
        > "$T/www/admin/index.html"
    printf '<!doctype html><title>login</title><p>charon-fcgi test login page</p>\n' \
        > "$T/www/login.html"
    sed "1s|.*|#!$PY|" "$SRC/tests/integration/servers_echo.cgi" \
        > "$T/cgi-bin/echo.cgi"
    chmod -R a+rX "$T/www" "$T/cgi-bin"
    chmod 755 "$T/cgi-bin/echo.cgi"
}

# no_defaults FILE PATTERN: the templated snippet must not point at any
# system path or port any more (a missed substitution would test the
# machine's own setup, or nothing).
no_defaults() {
    local left
    left=$(grep -nE "$2" "$1" | grep -v '^[0-9]*: *#' || true)
    if [ -n "$left" ]; then
        not_ok "the test config $1 still uses the snippet's defaults" "$left"
        return 1
    fi
    ok "the snippet is templated for paths and ports only"
}

# free_ports N: N distinct free TCP ports of 127.0.0.1, one a line (all
# bound at once, so that no two are the same)
free_ports() {
    "$PY" -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# wait_for_port PORT: up to 60 s for 127.0.0.1:PORT to take connections
port_open() {
    (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}
wait_for_port() {
    wait_for 60 port_open "$1"
}

# start_daemon ADDR: charon-fcgi on ADDR (unix:PATH or tcp:HOST:PORT),
# logging to $T/daemon.log; sets DPID.
start_daemon() {
    "$DAEMON" -c "$T/charon.ini" --listen "$1" --threads 8 \
        2>> "$T/daemon.log" &
    DPID=$!
    PIDS="$PIDS $DPID"
}

# stop_pid NAME PID [WANT_STATUS]: SIGTERM, then up to 60 s for the exit
# (SIGKILL and a failure after that); WANT_STATUS checks the exit status
# of a child of this shell.
stop_pid() {
    local name=$1 pid=$2
    kill -TERM "$pid" 2> /dev/null
    if wait_for_exit "$pid" 60; then
        if [ $# -gt 2 ]; then
            expect_eq "$name stops cleanly on SIGTERM" "$EXIT_STATUS" "$3"
        fi
    else
        kill -KILL "$pid" 2> /dev/null
        not_ok "$name (pid $pid) did not stop within 15 s of SIGTERM"
    fi
}

# children PID: the PIDs whose parent is PID (from /proc: no procps)
children() {
    local f st
    for f in /proc/[0-9]*/stat; do
        st=$(cat "$f" 2> /dev/null) || continue
        st=${st##*) }       # "STATE PPID ..." after "PID (COMM) "
        st=${st#* }
        [ "${st%% *}" = "$1" ] || continue
        f=${f#/proc/}
        echo "${f%/stat}"
    done
}

# none_running PID...: none of them runs (a zombie does not); the others
# in $left
none_running() {
    local p
    left=""
    for p in "$@"; do
        [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2> /dev/null &&
            left="$left $p"
    done
    [ -z "$left" ]
}
# gone PID...: none of them runs any more (up to 60 s)
gone() {
    local left
    wait_for 60 none_running "$@" && return 0
    echo "still running:$left"
    return 1
}

# sanitizer_clean FILE...: no ASan/LSan/UBSan report in the daemon's logs
sanitizer_clean() {
    local hits
    hits=$(grep -hE -A12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$@" \
        2> /dev/null | head -n 60)
    if [ -n "$hits" ]; then
        not_ok "no sanitizer report in the daemon's log" "$hits"
    else
        ok "no sanitizer report in the daemon's log"
    fi
}

# show_logs FILE...: the tail of each log, on failure
show_logs() {
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        echo "# ----- $f (last 30 lines)"
        tail -n 30 "$f" | sed 's/^/# /'
    done
}
