#!/usr/bin/env bash
# server_nginx.sh - charon-fcgi behind the real nginx (Debian package
# nginx), configured by etc/nginx/charon.conf with only its paths and
# ports changed: auth_request to /auth/check on a unix socket, the
# identity passed on as request headers to an HTTP backend (proxy_pass to
# servers.py's echo) and to CGI through fcgiwrap (Debian package
# fcgiwrap), the login page on 401, a [profile admin] check, and the
# session endpoints.  The checks are in servers.py.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers_lib.sh"

NGINX=/usr/sbin/nginx
FCGIWRAP=/usr/sbin/fcgiwrap
need_binary nginx "$NGINX" nginx
need_binary fcgiwrap "$FCGIWRAP" fcgiwrap

servers_setup
{ read -r PORT; read -r ECHO_PORT; } < <(free_ports 2)

# etc/nginx/charon.conf, for paths and ports only.
sed -e "s|listen 80;|listen 127.0.0.1:$PORT;|" \
    -e "s|unix:/run/charon-fcgi/charon.sock|unix:$T/charon.sock|" \
    -e "s|/var/www/html|$T/www|" \
    -e "s|127.0.0.1:8081|127.0.0.1:$ECHO_PORT|" \
    -e "s|unix:/run/fcgiwrap.socket|unix:$T/fcgiwrap.sock|" \
    -e "s|/usr/lib\$fastcgi_script_name|$T\$fastcgi_script_name|" \
    "$SRC/etc/nginx/charon.conf" > "$T/charon.conf"
no_defaults "$T/charon.conf" '/run/|/var/www|/usr/lib|:8081|listen 80'
# "include fastcgi_params" is relative to the config's directory, as in
# /etc/nginx.
ln -s /etc/nginx/fastcgi_params "$T/fastcgi_params"

# The main config around it, as Debian's nginx.conf includes sites.
user=""
[ "$(id -u)" -eq 0 ] && user="user root;"
cat > "$T/nginx.conf" <<EOF
$user
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx-error.log info;
events { worker_connections 128; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $T/nginx-access.log;
    client_body_temp_path $T/tmp/client_body;
    proxy_temp_path $T/tmp/proxy;
    fastcgi_temp_path $T/tmp/fastcgi;
    uwsgi_temp_path $T/tmp/uwsgi;
    scgi_temp_path $T/tmp/scgi;
    include $T/charon.conf;
}
EOF
NGX=("$NGINX" -p "$T/" -e "$T/nginx-error.log" -c "$T/nginx.conf")

start_daemon "unix:$T/charon.sock"
wait_for_socket "$T/charon.sock" || { show_logs "$T/daemon.log"; exit 1; }
"$FCGIWRAP" -s "unix:$T/fcgiwrap.sock" 2> "$T/fcgiwrap.log" &
FPID=$!; PIDS="$PIDS $FPID"
wait_for_socket "$T/fcgiwrap.sock" || { show_logs "$T/fcgiwrap.log"; exit 1; }

if out=$("${NGX[@]}" -t 2>&1); then
    ok "nginx -t accepts etc/nginx/charon.conf"
else
    not_ok "nginx -t accepts etc/nginx/charon.conf" "$out"
    finish; exit 1
fi
"${NGX[@]}" -g 'daemon off;' 2>> "$T/nginx-error.log" &
NPID=$!; PIDS="$PIDS $NPID"
wait_for_port "$PORT" || { show_logs "$T/nginx-error.log"; exit 1; }

"$PY" "$SERVERS_PY" --server nginx --url "http://127.0.0.1:$PORT" \
    --secret "$T/secret" --issuer-key "$T/issuer.key" \
    --echo-port "$ECHO_PORT" --deny-page login \
    --backend /app/echo=headers --backend /cgi-bin/echo.cgi=headers
rc=$?

stop_pid nginx "$NPID" 0
stop_pid fcgiwrap "$FPID"
stop_pid charon-fcgi "$DPID" 0
sanitizer_clean "$T/daemon.log"
[ $rc -eq 0 ] && [ "$FAILED" -eq 0 ] ||
    show_logs "$T/daemon.log" "$T/nginx-error.log" "$T/fcgiwrap.log"
finish || rc=1
exit $rc
