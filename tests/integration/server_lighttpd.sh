#!/usr/bin/env bash
# server_lighttpd.sh - charon-fcgi behind the real lighttpd (Debian
# package lighttpd), configured by etc/lighttpd/charon.conf with only its
# paths changed: mod_fastcgi in "mode" => "authorizer", the identity
# passed on as environment variables (Variable-*) to a CGI script
# (mod_cgi), a [profile admin] area (setenv CHARON_PROFILE), the
# client's own X-Charon-* headers dropped in every spelling (mod_magnet),
# and the session endpoints as a responder.  Deployment modes: (a) lighttpd
# spawns the daemon itself ("bin-path", the socket on fd 0) for the whole
# of servers.py; (b) the daemon runs on its own socket, for one flow.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers_lib.sh"

LIGHTTPD=/usr/sbin/lighttpd
need_binary lighttpd "$LIGHTTPD" lighttpd

servers_setup
PORT=$(free_port)

# etc/lighttpd/charon.conf for paths only; SNIPPET_MODE b also keeps the
# snippet's variant (b) (an external socket) instead of (a).
template() {
    local mode=$1 sel=()
    if [ "$mode" = b ]; then
        sel=(-e '/^var.charon = (/,/^)/d' -e '/^#var.charon = (/,/^#)/s/^#//')
    fi
    sed "${sel[@]}" \
        -e "s|/run/lighttpd/charon-fcgi.sock|$T/charon.sock|" \
        -e "s|/run/charon-fcgi/charon.sock|$T/ext.sock|" \
        -e "s|/usr/local/bin/charon-fcgi|$DAEMON|" \
        -e "s|/etc/charon-fcgi/charon.ini|$T/charon.ini|" \
        -e "s|/etc/lighttpd/charon-strip-headers.lua|$T/charon-strip-headers.lua|" \
        "$SRC/etc/lighttpd/charon.conf" > "$T/charon-$mode.conf"
}
install -m 0644 "$SRC/etc/lighttpd/charon-strip-headers.lua" "$T/"
template a
template b
no_defaults "$T/charon-a.conf" '/run/|/usr/local|/etc/'
no_defaults "$T/charon-b.conf" '/run/|/usr/local|/etc/'
if grep -q '^ *"bin-path"' "$T/charon-b.conf" || ! grep -q "^var.charon = " "$T/charon-b.conf"; then
    not_ok "variant (b) of the snippet is selected" "$(grep -n 'var.charon' "$T/charon-b.conf")"
fi

# The main config around it: Debian's lighttpd.conf and 10-cgi.conf, in
# $T.  Run as root, lighttpd keeps root (no server.username), and so does
# the daemon it spawns, which owns the secret.
# write_conf MODE: $T/lighttpd-MODE.conf
write_conf() {
    cat > "$T/lighttpd-$1.conf" <<EOF
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $PORT
server.pid-file = "$T/lighttpd.pid"
server.errorlog = "$T/lighttpd-error.log"
server.upload-dirs = ( "$T/tmp" )
server.modules = ( "mod_access", "mod_alias", "mod_accesslog" )
accesslog.filename = "$T/lighttpd-access.log"
accesslog.format = "%h %u %s \"%r\""
mimetype.assign = ( ".txt" => "text/plain", ".html" => "text/html" )
index-file.names = ( "index.html" )

server.modules += ( "mod_cgi" )
\$HTTP["url"] =~ "^/cgi-bin/" {
    cgi.assign = ( "" => "" )
    alias.url += ( "/cgi-bin/" => "$T/cgi-bin/" )
}

include "$T/charon-$1.conf"
EOF
}
write_conf a
write_conf b

for m in a b; do
    if out=$("$LIGHTTPD" -tt -f "$T/lighttpd-$m.conf" 2>&1); then
        ok "lighttpd -tt accepts etc/lighttpd/charon.conf ($m)"
    else
        not_ok "lighttpd -tt accepts etc/lighttpd/charon.conf ($m)" "$out"
        finish; exit 1
    fi
done

# start_lighttpd MODE: sets LPID.  The spawned daemon's stderr is
# lighttpd's.
start_lighttpd() {
    "$LIGHTTPD" -D -f "$T/lighttpd-$1.conf" >> "$T/lighttpd.out" 2>&1 &
    LPID=$!; PIDS="$PIDS $LPID"
    wait_for_port "$PORT" || { show_logs "$T/lighttpd-error.log" "$T/lighttpd.out"; exit 1; }
}

# --- (a) lighttpd spawns the daemon: bin-path, the socket on fd 0 -------
start_lighttpd a
"$PY" "$SERVERS_PY" --server lighttpd --url "http://127.0.0.1:$PORT" \
    --secret "$T/secret" --issuer-key "$T/issuer.key" --deny-page json \
    --backend /cgi-bin/echo.cgi=env
rc=$?

# The daemon lighttpd started: a child of lighttpd, serving fd 0 (the
# socket lighttpd made, "-0" appended), and its worker processes.
spawned=$(children "$LPID")
kids=""
for p in $spawned; do kids="$kids $(children "$p")"; done
exe=$(for p in $spawned; do readlink "/proc/$p/exe"; done)
expect_eq "lighttpd spawned one charon-fcgi" "$(echo $spawned | wc -w) $(basename "$exe")" "1 charon-fcgi"
fd0=$(for p in $spawned; do readlink "/proc/$p/fd/0"; done)
expect_contains "its fd 0 is the socket" "$fd0" "socket:"
socks=$(cd "$T" && echo charon.sock*)
expect_eq "lighttpd made the socket" "$socks" "charon.sock-0"
stop_pid lighttpd "$LPID" 0
expect_contains "the access log has the user (%u from Variable-REMOTE_USER)" \
    "$(cat "$T/lighttpd-access.log")" '127.0.0.1 alice 200 "GET /private/secret.txt'
if out=$(gone $spawned $kids); then
    ok "stopping lighttpd stops the daemon it spawned"
else
    not_ok "stopping lighttpd stops the daemon it spawned" "$out"
    kill -KILL $spawned $kids 2> /dev/null
fi

# --- (b) the daemon on its own socket ------------------------------------
start_daemon "unix:$T/ext.sock"
wait_for_socket "$T/ext.sock" || { show_logs "$T/daemon.log"; exit 1; }
: > "$T/lighttpd-access.log"
start_lighttpd b
"$PY" "$SERVERS_PY" --server "lighttpd (b)" --url "http://127.0.0.1:$PORT" \
    --secret "$T/secret" --issuer-key "$T/issuer.key" --deny-page json \
    --backend /cgi-bin/echo.cgi=env --quick || rc=1
expect_eq "no second daemon spawned in (b)" "$(children "$LPID")" ""
stop_pid lighttpd "$LPID" 0
stop_pid charon-fcgi "$DPID" 0

sanitizer_clean "$T/lighttpd.out" "$T/daemon.log"
[ $rc -eq 0 ] && [ "$FAILED" -eq 0 ] ||
    show_logs "$T/lighttpd.out" "$T/daemon.log" "$T/lighttpd-error.log"
finish || rc=1
exit $rc
