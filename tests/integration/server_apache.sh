#!/usr/bin/env bash
# server_apache.sh - charon-fcgi behind the real Apache httpd (Debian
# package apache2), configured by etc/apache2/charon.conf with only its
# ports changed: mod_authnz_fcgi (AuthnzFcgiCheckAuthnProvider, UserExpr,
# CGIPassAuth) reaching the daemon over TCP, the identity passed on as
# environment variables to a CGI script (mod_cgi) and as request headers
# to an HTTP backend (mod_proxy_http + RequestHeader, servers.py's echo),
# a [profile admin] area (SetEnvIf CHARON_PROFILE), the client's own
# X-Charon-* headers dropped in every spelling (mod_lua), and the session
# endpoints through mod_proxy_fcgi.  Apache runs in the foreground with
# its own config, ServerRoot and logs in $T, modules loaded from
# /usr/lib/apache2/modules.  The checks are in servers.py.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers_lib.sh"

APACHE=/usr/sbin/apache2
MODS=/usr/lib/apache2/modules
need_binary apache2 "$APACHE" apache2
need_binary mod_authnz_fcgi "$MODS/mod_authnz_fcgi.so" apache2

servers_setup
{ read -r PORT; read -r DPORT; read -r ECHO_PORT; } < <(free_ports 3)

# etc/apache2/charon.conf, for ports and paths only; its Lua hook in $T,
# which Apache's children (www-data when started as root) read.
sed -e "s|127.0.0.1:9000|127.0.0.1:$DPORT|g" \
    -e "s|127.0.0.1:8081|127.0.0.1:$ECHO_PORT|g" \
    -e "s|/etc/apache2/charon-strip-headers.lua|$T/charon-strip-headers.lua|" \
    "$SRC/etc/apache2/charon.conf" > "$T/charon.conf"
no_defaults "$T/charon.conf" ':9000|:8081|/etc/apache2'
install -m 0644 "$SRC/etc/apache2/charon-strip-headers.lua" "$T/"

# The main config around it: the modules a2enmod would enable, Debian's
# ScriptAlias /cgi-bin/ (serve-cgi-bin.conf) pointing into $T.  Started
# as root, Apache hands its children to www-data, which reaches $T/www and
# $T/cgi-bin (servers_setup made $T traversable).
mkdir -p "$T/apache/run"
user=""
[ "$(id -u)" -eq 0 ] && user="User $WEB_USER
Group $(id -gn "$WEB_USER")"
{
    cat <<EOF
ServerRoot $T/apache
DefaultRuntimeDir $T/apache/run
PidFile $T/apache/apache2.pid
Mutex file:$T/apache/run default
Listen 127.0.0.1:$PORT
ServerName 127.0.0.1
$user
ErrorLog $T/apache-error.log
LogLevel warn
LogFormat "%h %u %>s \"%r\"" charon
CustomLog $T/apache-access.log charon
StartServers 2
MinSpareServers 2
MaxRequestWorkers 16
TypesConfig /etc/mime.types
DocumentRoot $T/www
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory $T/www>
    Require all granted
</Directory>
ScriptAlias /cgi-bin/ $T/cgi-bin/
<Directory $T/cgi-bin>
    Options +ExecCGI
    Require all granted
</Directory>
EOF
    for m in mpm_prefork authz_core authn_core authz_user authnz_fcgi \
             proxy proxy_fcgi proxy_http headers setenvif alias cgi mime \
             dir lua; do
        echo "LoadModule ${m}_module $MODS/mod_$m.so"
    done
    echo "Include $T/charon.conf"
} > "$T/apache2.conf"
AP=("$APACHE" -d "$T/apache" -f "$T/apache2.conf")

start_daemon "tcp:127.0.0.1:$DPORT"
wait_for_port "$DPORT" || { show_logs "$T/daemon.log"; exit 1; }

if out=$("${AP[@]}" -t 2>&1); then
    ok "apache2 -t accepts etc/apache2/charon.conf"
else
    not_ok "apache2 -t accepts etc/apache2/charon.conf" "$out"
    finish; exit 1
fi
# In a session of its own: on SIGTERM, Apache's parent signals its whole
# process group, which would otherwise be this script and make.  (setsid
# execs in place: a background job of a script leads no process group.)
setsid "${AP[@]}" -DFOREGROUND >> "$T/apache.out" 2>&1 &
APID=$!; PIDS="$PIDS $APID"
wait_for_port "$PORT" || { show_logs "$T/apache-error.log" "$T/apache.out"; exit 1; }

"$PY" "$SERVERS_PY" --server apache --url "http://127.0.0.1:$PORT" \
    --secret "$T/secret" --issuer-key "$T/issuer.key" \
    --echo-port "$ECHO_PORT" --deny-page json \
    --backend /cgi-bin/echo.cgi=env --backend /app/echo=headers
rc=$?

stop_pid apache2 "$APID" 0
expect_contains "the access log has the user (UserExpr from Variable-REMOTE_USER)" \
    "$(cat "$T/apache-access.log")" '127.0.0.1 alice 200 "GET /private/secret.txt'
stop_pid charon-fcgi "$DPID" 0
sanitizer_clean "$T/daemon.log"
[ $rc -eq 0 ] && [ "$FAILED" -eq 0 ] ||
    show_logs "$T/daemon.log" "$T/apache-error.log" "$T/apache.out"
finish || rc=1
exit $rc
