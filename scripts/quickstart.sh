#!/usr/bin/env bash
# Sets up and runs the charon-fcgi demo on a fresh Debian 12, as root:
# installs the packages (scripts/deps.sh), builds and installs charon-fcgi
# into /usr/local (in _build-quickstart/), creates the system user _charon,
# then runs charon-fcgi (as _charon, sessions in its embedded store,
# password login for the htpasswd user "demo") behind a web server of its
# own on http://127.0.0.1:8080: nginx (the default; charon-fcgi on a unix
# socket, auth_request -> GET /auth/check), lighttpd (the same socket,
# mod_fastcgi in the AUTHORIZER role) or Apache (charon-fcgi on
# tcp:127.0.0.1:9000, mod_authnz_fcgi).  The server serves a login page
# (share/demo/), /private/, which needs an access token, and the daemon's
# endpoints under /auth/.  The script runs the curl walkthrough it prints
# (login, /private/, refresh, sessions, logout) and replays the login
# page's requests; if any answer is wrong it exits 1 with the logs.
# Running it again restarts the demo (stopping the server of the last run,
# whichever it was); everything lives in one directory.
#   bash scripts/quickstart.sh          set up and (re)start the demo
#   bash scripts/quickstart.sh --server nginx|lighttpd|apache
#                                       ... behind that server
#   bash scripts/quickstart.sh --stop   stop the demo's servers by PID
# Env: DEMO_DIR (default /var/tmp/charon-fcgi-demo), JOBS=N sets make's
# parallelism (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
umask 022
export CI=${CI:-true} DEBIAN_FRONTEND=noninteractive

DEMO=${DEMO_DIR:-/var/tmp/charon-fcgi-demo}
DEMO=${DEMO%/}
JOBS=${JOBS:-$(nproc)}
BUILD=$top/_build-quickstart
PREFIX=/usr/local
DAEMON=$PREFIX/bin/charon-fcgi
CTL=$PREFIX/bin/charonctl
PY=/usr/bin/python3
USR=_charon
WEB=www-data
URL=http://127.0.0.1:8080
DAEMON_PIDFILE=$DEMO/charon-fcgi.pid
DAEMON_PORT=9000                  # charon-fcgi's TCP port for Apache
SERVER_FILE=$DEMO/server          # which server the demo runs
NGINX_PIDFILE=$DEMO/nginx.pid     # written by nginx itself (pid directive)
NGINX=(nginx -p "$DEMO/" -e "$DEMO/nginx-error.log" -c "$DEMO/nginx.conf")
LIGHTTPD=(lighttpd -f "$DEMO/lighttpd.conf")
APACHE=(apache2 -d "$DEMO/apache" -f "$DEMO/apache2.conf")

say() { printf '==> %s\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

usage() {
    echo "usage: bash scripts/quickstart.sh [--server nginx|lighttpd|apache] | --stop"
    echo "       (env: DEMO_DIR, JOBS)"
}

# The demo directory ends up in the server's config and in a sed replacement.
[[ $DEMO =~ ^/[A-Za-z0-9._/+-]+$ ]] ||
    die "DEMO_DIR must be an absolute path of [A-Za-z0-9._/+-], not \"$DEMO\""

alive() {   # alive PID: running, not a zombie
    local st
    [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "${st%% *}" != Z ]
}

stop_one() {   # stop_one NAME PIDFILE: SIGTERM the demo's process, then wait
    local name=$1 pidfile=$2 pid i
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile" 2>/dev/null || true)
    # Only a process of this demo: its command line names the demo dir
    # (guards against a PID reused since the file was written).
    if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DEMO/"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then
            echo "$name (pid $pid) did not stop within 10 s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        say "stopped $name (pid $pid)"
        stopped=1
    fi
    rm -f "$pidfile"
}

server_pidfile() {   # server_pidfile SERVER: written by the server itself
    case $1 in
        nginx) echo "$NGINX_PIDFILE" ;;
        lighttpd) echo "$DEMO/lighttpd.pid" ;;
        apache) echo "$DEMO/apache2.pid" ;;
    esac
}

# Stops the server recorded in $SERVER_FILE first, then whatever other
# server's PID file is left (a run of an older quickstart.sh, or one that
# failed before it recorded its server), then the daemon.  stop_one only
# signals a process whose command line names the demo dir, and removes
# the PID file, so a second call for the same server does nothing.
stop_demo() {
    local s last=""
    stopped=0
    [ -f "$SERVER_FILE" ] && last=$(cat "$SERVER_FILE" 2>/dev/null || true)
    case $last in nginx|lighttpd|apache) ;; *) last="" ;; esac
    for s in $last nginx lighttpd apache; do
        stop_one "$s" "$(server_pidfile "$s")"
    done
    stop_one charon-fcgi "$DAEMON_PIDFILE"
    rm -f "$DEMO/charon.sock" "$SERVER_FILE"
}

SERVER=nginx
case "${1:-}" in
    "") ;;
    --stop)
        [ "$(id -u)" -eq 0 ] || die "run me as root"
        [ $# -eq 1 ] || { usage >&2; exit 64; }
        if [ -d "$DEMO" ]; then stop_demo; else stopped=0; fi
        [ "$stopped" = 1 ] || echo "no charon-fcgi demo running in $DEMO"
        exit 0 ;;
    --server) [ $# -eq 2 ] || { usage >&2; exit 64; }; SERVER=$2; shift ;;
    --server=*) SERVER=${1#--server=} ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 64 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 64; }
# Per server: its config (made from its template in etc/), its logs, and
# where charon-fcgi listens for it.  lighttpd and nginx connect to the
# same unix socket; Apache reaches FastCGI authorizers over TCP only.
case $SERVER in
    nginx)
        CONF=$DEMO/nginx.conf TEMPLATE=etc/nginx/quickstart.conf.in
        ERROR_LOG=$DEMO/nginx-error.log ACCESS_LOG=$DEMO/nginx-access.log
        LISTEN=unix:$DEMO/charon.sock ;;
    lighttpd)
        CONF=$DEMO/lighttpd.conf TEMPLATE=etc/lighttpd/quickstart.conf.in
        ERROR_LOG=$DEMO/lighttpd-error.log ACCESS_LOG=$DEMO/lighttpd-access.log
        LISTEN=unix:$DEMO/charon.sock ;;
    apache)
        CONF=$DEMO/apache2.conf TEMPLATE=etc/apache2/quickstart.conf.in
        ERROR_LOG=$DEMO/apache-error.log ACCESS_LOG=$DEMO/apache-access.log
        LISTEN=tcp:127.0.0.1:$DAEMON_PORT ;;
    *) usage >&2; die "unknown server \"$SERVER\" (nginx, lighttpd or apache)" ;;
esac
SERVER_PIDFILE=$(server_pidfile "$SERVER")
[ "$(id -u)" -eq 0 ] || die "run me as root (it installs packages and runs servers)"

# --- 1. packages -----------------------------------------------------------
say "installing the Debian packages (scripts/deps.sh)"
bash scripts/deps.sh

# --- 2. build and install ----------------------------------------------------
# A separate build dir keeps out of an in-tree build.  Autoconf refuses a
# VPATH build of a source tree that is configured in-tree (scripts/test.sh
# does that), so then build a clean copy of the sources instead.
build_log=$BUILD/build.log
build() {   # called in an if: set -e is off in here, hence the || return
    local conf=(--prefix="$PREFIX" --localstatedir=/var) dir=$BUILD
    if [ ! -f "$top/config.status" ]; then
        (cd "$top" && autoreconf -fi) || return
        (cd "$BUILD" && ../configure "${conf[@]}") || return
    else
        dir=$BUILD/src
        echo "source tree configured in-tree: building a clean copy in $dir"
        rm -rf "${dir:?}" && mkdir "$dir" || return
        tar -C "$top" --exclude=./.git --exclude='./_build*' \
            --exclude=./autom4te.cache --exclude=./config.status \
            --exclude=./config.log --exclude=./config.h --exclude=./libtool \
            --exclude=./stamp-h1 --exclude=Makefile --exclude=.deps \
            --exclude=.libs --exclude='*.o' --exclude='*.lo' --exclude='*.la' \
            --exclude=./src/charon-fcgi --exclude=./src/charonctl -cf - . |
            tar -C "$dir" -xf - || return
        (cd "$dir" && autoreconf -fi && ./configure "${conf[@]}") || return
    fi
    make -C "$dir" -j"$JOBS" || return
    make -C "$dir" install || return
    ldconfig
}
say "building and installing charon-fcgi into $PREFIX (log: $build_log)"
mkdir -p "$BUILD"
if ! build >"$build_log" 2>&1; then
    tail -n 60 "$build_log"
    die "the build failed; the whole log is in $build_log"
fi
"$DAEMON" --version

# --- 3. system user ----------------------------------------------------------
if ! getent passwd "$USR" >/dev/null; then
    say "creating the system user $USR"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$USR"
fi
getent group "$WEB" >/dev/null || die "no group $WEB (it comes with Debian's base-passwd)"

# --- 4. the demo directory ----------------------------------------------------
say "setting up $DEMO"
[ ! -L "$DEMO" ] || die "$DEMO is a symlink; set DEMO_DIR to a real directory"
if [ -d "$DEMO" ]; then
    stop_demo
    owner=$(stat -c %U "$DEMO")
    [ "$owner" = root ] || [ "$owner" = "$USR" ] ||
        die "$DEMO belongs to $owner, not root; remove it or set DEMO_DIR"
fi
mkdir -p "$DEMO"
# root-owned, group _charon may create (the socket) but, with the sticky
# bit, not replace root's files (configs, PID files); www-data may traverse.
chown "root:$USR" "$DEMO"
chmod 1775 "$DEMO"

# Base secret: 0600 and owned by the user that reads it (charon-fcgi
# refuses anything else).  Kept across runs, like the derived-key cache and
# the sessions, which are signed with a key derived from it.
secret=$DEMO/secret
if [ ! -f "$secret" ] || [ -L "$secret" ] ||
    [ "$(stat -c %U:%a "$secret")" != "$USR:600" ] ||
    [ "$(stat -c %s "$secret")" -lt 33 ]; then
    rm -f "$secret" "$secret.new"
    (umask 077 && head -c 48 /dev/urandom | base64 -w0 >"$secret.new" &&
        echo >>"$secret.new")
    chown "$USR:$USR" "$secret.new"
    mv -f "$secret.new" "$secret"
    rm -rf "${DEMO:?}/sessions"     # signed under the old secret: useless now
fi
install -d -m 0700 -o "$USR" -g "$USR" "$DEMO/keycache"
# The embedded session store (store_local, LMDB files): only _charon (the
# daemon, and charonctl run as _charon) opens it.
install -d -m 0700 -o "$USR" -g "$USR" "$DEMO/sessions"

# The demo user's password: random, kept across runs (root's, 0600) and
# printed at the end.  Letters and digits only, so that it goes into the
# JSON of the printed curl commands as is.
pwfile=$DEMO/demo-password
if [ ! -f "$pwfile" ] || [ -L "$pwfile" ] ||
    ! grep -qxE '[A-Za-z0-9]{16}' "$pwfile"; then
    rm -f "$pwfile"
    (umask 077 && set +o pipefail &&
        tr -dc A-Za-z0-9 </dev/urandom | head -c 16 >"$pwfile" &&
        echo >>"$pwfile")
fi
PASSWORD=$(cat "$pwfile")
# htpasswd for cred_htpasswd: "demo:" and a SHA-512 crypt hash ($6$).  The
# password reaches openssl on stdin, never on a command line.  Written
# anew each run, readable by group _charon only.
hash=$(printf '%s\n' "$PASSWORD" | openssl passwd -6 -stdin) ||
    die "openssl passwd -6 failed"
rm -f "$DEMO/htpasswd.new"
(umask 027 && printf 'demo:%s\n' "$hash" >"$DEMO/htpasswd.new")
chown "root:$USR" "$DEMO/htpasswd.new"
mv -f "$DEMO/htpasswd.new" "$DEMO/htpasswd"

cat >"$DEMO/charon.ini" <<EOF
; charon-fcgi quickstart demo (written by scripts/quickstart.sh)
[charon]
token_issuer = $URL
base_secret_file = $DEMO/secret
session_store = local
key_cache_dir = $DEMO/keycache
; DEMO ONLY.  The demo is plain http, and a Secure cookie does not travel
; over plain http (curl and some browsers make an exception for
; 127.0.0.1 and localhost, other browsers and every other host name do
; not).  Production serves https and must keep cookie_secure = true.
cookie_secure = false

[endpoints]
; POST /auth/session checks username and password with [cred_htpasswd].
credentials = htpasswd

[authorizer]
; Every /auth/check also finds the session in the store, so a logout (or
; charonctl session revoke) ends access at once, not at the token's exp.
require_session = true
export_claims = sub

[store_local]
path = $DEMO/sessions

[cred_htpasswd]
file = $DEMO/htpasswd
EOF

# The login page, its script and the private page, from share/demo/.
rm -rf "${DEMO:?}/www"
mkdir -p "$DEMO/www" "$DEMO/tmp"
cp -R "$top/share/demo/." "$DEMO/www/"
chown -R root:root "$DEMO/www"
chmod -R u=rwX,go=rX "$DEMO/www"

# The server's config: its template with the demo dir (and, for Apache,
# the daemon's port) filled in.  Apache also gets a ServerRoot of its own
# and lighttpd the Lua hook that shows the user (etc/lighttpd/).
sed -e "s|@DEMO@|$DEMO|g" -e "s|@DAEMON_PORT@|$DAEMON_PORT|g" \
    "$top/$TEMPLATE" >"$CONF"
case $SERVER in
    lighttpd) install -m 0644 "$top/etc/lighttpd/quickstart-user.lua" \
        "$DEMO/charon-user.lua" ;;
    apache) mkdir -p "$DEMO/apache/run" ;;
esac
: >"$DEMO/charon-fcgi.log"
: >"$ERROR_LOG"
: >"$ACCESS_LOG"
# lighttpd opens its logs after it has become www-data (nginx and Apache
# open theirs as root).
[ "$SERVER" != lighttpd ] || chown "$WEB:$WEB" "$ERROR_LOG" "$ACCESS_LOG"

setpriv --reuid="$WEB" --regid="$WEB" --clear-groups -- \
    test -r "$DEMO/www/private/index.html" ||
    die "$WEB cannot reach $DEMO/www: every parent of DEMO_DIR must be searchable by others"

# --- 5./6. start the servers ------------------------------------------------
if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
    die "something already listens on 127.0.0.1:8080 (another demo with another DEMO_DIR? stop it first)"
fi
if [ "$SERVER" = apache ] &&
    (exec 3<>"/dev/tcp/127.0.0.1/$DAEMON_PORT") 2>/dev/null; then
    die "something already listens on 127.0.0.1:$DAEMON_PORT, where charon-fcgi would listen for Apache (another demo with another DEMO_DIR? stop it first)"
fi

started=0
ok=0
on_exit() {
    local rc=$?
    [ "$started" = 1 ] && [ "$ok" = 0 ] || return 0
    echo
    echo "----- $DEMO/charon-fcgi.log (last 40 lines)"
    tail -n 40 "$DEMO/charon-fcgi.log" 2>/dev/null || true
    echo "----- $ERROR_LOG (last 40 lines)"
    tail -n 40 "$ERROR_LOG" 2>/dev/null || true
    echo "-----"
    echo "quickstart FAILED (status $rc); stopping the demo's servers" >&2
    stop_demo || true
    exit 1
}
trap on_exit EXIT

say "checking $DEMO/charon.ini"
runuser -u "$USR" -- "$CTL" check-config -c "$DEMO/charon.ini" </dev/null

# listening: charon-fcgi's socket is there (unix) or takes connections (tcp)
listening() {
    case $LISTEN in
        unix:*) [ -S "${LISTEN#unix:}" ] ;;
        tcp:*) (exec 3<>"/dev/tcp/127.0.0.1/$DAEMON_PORT") 2>/dev/null ;;
    esac
}

say "starting charon-fcgi as $USR on $LISTEN"
started=1
# setpriv execs (runuser would stay around as the parent), so $! is the
# daemon's PID.  The supplementary group www-data lets the daemon hand the
# socket to that group (chown to a group one is not in is EPERM).
sockopt=()
[ "${LISTEN%%:*}" = tcp ] || sockopt=(--socket-group "$WEB")
setsid setpriv --reuid="$USR" --regid="$USR" --groups="$WEB" --reset-env -- \
    "$DAEMON" -c "$DEMO/charon.ini" --listen "$LISTEN" \
    "${sockopt[@]}" </dev/null >>"$DEMO/charon-fcgi.log" 2>&1 &
daemon_pid=$!
echo "$daemon_pid" >"$DAEMON_PIDFILE"
for ((i = 0; i < 300; i++)); do
    listening && break
    if ! alive "$daemon_pid"; then
        rc=0
        wait "$daemon_pid" || rc=$?
        die "charon-fcgi exited with status $rc before listening on $LISTEN"
    fi
    sleep 0.1
done
listening || die "charon-fcgi did not listen on $LISTEN within 30 s"
[ "$(readlink "/proc/$daemon_pid/exe")" = "$DAEMON" ] ||
    die "PID $daemon_pid is $(readlink "/proc/$daemon_pid/exe"), not $DAEMON"

say "starting $SERVER on $URL"
echo "$SERVER" >"$SERVER_FILE"
case $SERVER in
    nginx)
        "${NGINX[@]}" -t -q
        "${NGINX[@]}" ;;
    lighttpd)
        "${LIGHTTPD[@]}" -tt
        "${LIGHTTPD[@]}" ;;    # goes into the background by itself
    apache)
        out=$("${APACHE[@]}" -t 2>&1) || { printf '%s\n' "$out"; die "apache2 -t failed"; }
        "${APACHE[@]}" ;;      # goes into the background by itself
esac
for ((i = 0; i < 100; i++)); do
    [ -s "$SERVER_PIDFILE" ] && break
    sleep 0.1
done
[ -s "$SERVER_PIDFILE" ] || die "$SERVER wrote no $SERVER_PIDFILE"
server_pid=$(cat "$SERVER_PIDFILE")

for ((i = 0; i < 100; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/auth/health" || true)" = 200 ] && break
    sleep 0.1
done

# --- 7. the walkthrough ---------------------------------------------------------
# The curl walkthrough: printed at the end, and run word for word by the
# self-check below first.  step WANT COMMAND MUST-CONTAIN TEXT: WANT is the
# HTTP status of the curl's answer (curl -i prints it first), or "-" for a
# command that is no request; MUST-CONTAIN lists (one a line) strings the
# output must hold; TEXT explains the step.
# The walkthrough logs in with token_transport "cookie_only": the cookies
# then hold the whole tokens, so the cookie jar is all curl needs, just as
# a browser navigating to /private/.  The login page uses "cookie", where
# the cookies hold only the signatures (see share/demo/demo.js).
steps_want=() steps_cmd=() steps_must=() steps_text=()
# Where the servers differ: how they ask charon-fcgi, and what a refusal
# looks like.  nginx passes on the status and WWW-Authenticate only (the
# body is its error_page, share/demo/401.html); lighttpd and Apache pass on
# charon-fcgi's whole answer, JSON body included.  And lighttpd answers a
# POST without Content-Length (curl -X POST sends none) with 411 Length
# Required, so its walkthrough sends "Content-Length: 0" (browsers do).
post0='' post0_note=''
case $SERVER in
    nginx)
        deny_how='nginx asked charon-fcgi (auth_request to GET /auth/check) and
passes on its WWW-Authenticate header.'
        deny_must='' deny_page='401: no valid access token' ;;
    lighttpd)
        deny_how='lighttpd asked charon-fcgi (mod_fastcgi, AUTHORIZER role) and
passes on its answer: the status, WWW-Authenticate and the JSON body.'
        deny_must='"error":"invalid_token"' deny_page=$deny_must
        post0="-H 'Content-Length: 0' "
        post0_note='  (lighttpd answers a POST without Content-Length, as curl -X
POST sends it, with 411 Length Required: hence -H '"'"'Content-Length: 0'"'"'.)' ;;
    apache)
        deny_how='Apache asked charon-fcgi (mod_authnz_fcgi, AUTHORIZER role,
over TCP) and passes on its status, WWW-Authenticate and JSON body
(labelled text/html).'
        deny_must='"error":"invalid_token"' deny_page=$deny_must ;;
esac
step() { steps_want+=("$1"); steps_cmd+=("$2"); steps_must+=("$3"); steps_text+=("$4"); }
csrf="-H 'X-CSRF-Protect: 1'"

step 201 "curl -si -c cookies.txt -H 'Content-Type: application/json' \\
    -d '{\"username\":\"demo\",\"password\":\"$PASSWORD\",\"token_transport\":\"cookie_only\"}' \\
    $URL/auth/session" \
'"session":{"id":' \
'log in: the new session as JSON.  With "cookie_only" the tokens (null in
the body) come as two HttpOnly cookies, which curl keeps in cookies.txt
(-c).'

step 401 "curl -si $URL/private/" "$deny_must" "no token: $deny_how"

step 200 "curl -si -b cookies.txt $URL/private/" 'you are in
X-Charon-User: demo' \
'with the cookies (-b): "you are in"; X-Charon-User: demo is the user
charon-fcgi found in the token.'

step 403 "curl -si -b cookies.txt -X POST $post0$URL/auth/session/refresh" \
'csrf_header_missing' \
'a state change authenticated by a cookie needs the X-CSRF-Protect
header (any value).'"$post0_note"

step 200 "curl -si -b cookies.txt -c cookies.txt -X POST $csrf \\
    $post0$URL/auth/session/refresh" '"session":{"id":' \
'refresh: new tokens in new cookies (-c saves them).'

step 200 "curl -si -b cookies.txt $URL/auth/sessions" '"current":true' \
'the user'"'"'s sessions; "current":true marks this one.  Log in again,
or on the login page, to see more.'

step - "cp cookies.txt cookies-old.txt" '' \
'keeps a copy of the cookies, to show what logout does to the session.'

step 204 "curl -si -b cookies.txt -c cookies.txt -X DELETE $csrf \\
    $URL/auth/session" '' \
'log out: the session is deleted from the store and the cookies are
cleared (Set-Cookie with max-age=0).'

step 401 "curl -si -b cookies.txt $URL/private/" '' \
'the cleared cookies hold no token any more.'

step 401 "curl -si -b cookies-old.txt $URL/private/" 'session not found' \
'the old access token is well signed and not expired, but its session is
gone ([authorizer] require_session = true).'

# --- 8. prove the walkthrough --------------------------------------------------
failures=0
check() {   # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        printf '  ok    %s: %s\n' "$1" "$3"
    else
        printf '  FAIL  %s: got %s, expected %s\n' "$1" "${3:-nothing}" "$2"
        failures=$((failures + 1))
    fi
}
first_line() { printf '%s\n' "$1" | head -n 1; }

say "running the curl walkthrough"
walk=$DEMO/walkthrough
rm -rf "${walk:?}"
mkdir -m 0700 "$walk"
for i in "${!steps_cmd[@]}"; do
    cmd=${steps_cmd[$i]} want=${steps_want[$i]}
    desc="$((i + 1)). $(first_line "${cmd//\\$'\n'    /}")"
    [ ${#desc} -le 90 ] || desc="${desc:0:87}..."
    rc=0
    out=$(cd "$walk" && bash -c "$cmd" 2>&1 | tr -d '\r') || rc=$?
    if [ "$want" = - ]; then
        check "$desc" "exit 0" "exit $rc"
        continue
    fi
    check "$desc" "$want" "$(printf '%s\n' "$out" |
        sed -n '1s/^HTTP[^ ]* \([0-9][0-9]*\).*/\1/p')"
    while IFS= read -r must; do
        [ -n "$must" ] || continue
        if printf '%s\n' "$out" | grep -qiF -- "$must"; then
            printf '  ok    %s   has %s\n' "${desc//?/ }" "$must"
        else
            printf '  FAIL  %s   lacks %s\n' "${desc//?/ }" "$must"
            failures=$((failures + 1))
        fi
    done <<<"${steps_must[$i]}"
done

# The login page's requests, exactly as demo.js makes them in a browser
# (token_transport "cookie"; fetch() adds Sec-Fetch-*, Origin on POST and
# DELETE, and the cookies of this origin).
say "replaying the login page's requests (demo.js)"
page=$DEMO/walkthrough/page
mkdir -m 0700 "$page"
jar=$page/cookies.txt
saved() { local f=${1//[^A-Za-z0-9]/_}; echo "$page/$f.$2"; }   # NAME hdr|body
page_req() {   # page_req NAME EXPECTED CURL-ARGS...
    local name=$1 want=$2
    shift 2
    check "$name" "$want" "$(curl -s --max-time 10 -b "$jar" -c "$jar" \
        -D "$(saved "$name" hdr)" -o "$(saved "$name" body)" \
        -w '%{http_code}' "$@" || true)"
}
has() {   # has NAME hdr|body STRING: NAME's headers/body hold STRING
    if tr -d '\r' <"$(saved "$1" "$2")" 2>/dev/null | grep -qiF -- "$3"; then
        printf '  ok    %s has %s\n' "$1" "$3"
    else
        printf '  FAIL  %s lacks %s\n' "$1" "$3"
        failures=$((failures + 1))
    fi
}
token() {   # token NAME access_token|refresh_token: from NAME's JSON body
    "$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["tokens"][sys.argv[2]] or "")' \
        "$(saved "$1" body)" "$2" 2>/dev/null || true
}
halves() { local t=${1//[^.]/}; echo "${#t}"; }   # dots in a token
FETCH=(-H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Site: same-origin'
    -H 'Sec-Fetch-Dest: empty')
CHANGE=("${FETCH[@]}" -H "Origin: $URL" -H 'X-CSRF-Protect: 1')
NAV=(-H 'Sec-Fetch-Mode: navigate' -H 'Sec-Fetch-Site: none'
    -H 'Sec-Fetch-Dest: document')
JSON=(-H 'Content-Type: application/json')
login_body() {
    printf '{"username":"demo","password":"%s","token_transport":"%s"}' \
        "${2:-$PASSWORD}" "$1"
}

page_req "GET / (the login page)" 200 "${NAV[@]}" "$URL/"
has "GET / (the login page)" body 'src="/demo.js"'
has "GET / (the login page)" hdr "Content-Security-Policy: default-src 'none'"
page_req "GET /demo.js" 200 -H 'Sec-Fetch-Mode: no-cors' \
    -H 'Sec-Fetch-Dest: script' "$URL/demo.js"
page_req "login asking for bearer (the page never does)" 400 \
    "${CHANGE[@]}" "${JSON[@]}" --data-raw "$(login_body bearer)" \
    "$URL/auth/session"
page_req "login, wrong password" 401 "${CHANGE[@]}" "${JSON[@]}" \
    --data-raw "$(login_body cookie wrong)" "$URL/auth/session"
page_req "login (cookie)" 201 "${CHANGE[@]}" "${JSON[@]}" \
    --data-raw "$(login_body cookie)" "$URL/auth/session"
has "login (cookie)" hdr 'Set-Cookie: _access_token_signature=.'
has "login (cookie)" hdr 'Set-Cookie: _refresh_token_signature=.'
ACCESS=$(token "login (cookie)" access_token)
REFRESH=$(token "login (cookie)" refresh_token)
check "  the body holds header.payload of the access token" 1 "$(halves "$ACCESS")"
check "  the body holds header.payload of the refresh token" 1 "$(halves "$REFRESH")"
page_req "navigate to /private/ (cookie only has the signature)" 401 \
    "${NAV[@]}" "$URL/private/"
has "navigate to /private/ (cookie only has the signature)" body "$deny_page"
page_req "fetch /private/ with Bearer header.payload" 200 "${FETCH[@]}" \
    -H "Authorization: Bearer $ACCESS" "$URL/private/"
has "fetch /private/ with Bearer header.payload" hdr 'X-Charon-User: demo'
has "fetch /private/ with Bearer header.payload" body 'you are in'
# The same header.payload with "sub" changed to admin: the cookie's
# signature no longer matches.
FORGED=$("$PY" - "$ACCESS" <<'EOF'
import base64, json, sys
h, p = sys.argv[1].split(".")
claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
claims["sub"] = "admin"
p = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode())
print(h + "." + p.rstrip(b"=").decode())
EOF
) || FORGED=forged
page_req "fetch /private/ with a forged payload (sub=admin)" 401 \
    "${FETCH[@]}" -H "Authorization: Bearer $FORGED" "$URL/private/"
page_req "GET /auth/sessions" 200 "${FETCH[@]}" \
    -H "Authorization: Bearer $ACCESS" "$URL/auth/sessions"
has "GET /auth/sessions" body '"current":true'
page_req "refresh without X-CSRF-Protect" 403 "${FETCH[@]}" -H "Origin: $URL" \
    -H 'Content-Length: 0' -H "Authorization: Bearer $REFRESH" \
    -X POST "$URL/auth/session/refresh"
page_req "refresh" 200 "${CHANGE[@]}" -H 'Content-Length: 0' \
    -H "Authorization: Bearer $REFRESH" -X POST "$URL/auth/session/refresh"
ACCESS2=$(token refresh access_token)
check "  new header.payload of the access token" 1 "$(halves "$ACCESS2")"
page_req "fetch /private/ with the old header.payload" 401 "${FETCH[@]}" \
    -H "Authorization: Bearer $ACCESS" "$URL/private/"
page_req "fetch /private/ with the new one" 200 "${FETCH[@]}" \
    -H "Authorization: Bearer $ACCESS2" "$URL/private/"
cp "$jar" "$page/cookies-old.txt"
page_req "log out" 204 "${CHANGE[@]}" -H "Authorization: Bearer $ACCESS2" \
    -X DELETE "$URL/auth/session"
jar=$page/cookies-old.txt
page_req "fetch /private/ with the logged-out token" 401 "${FETCH[@]}" \
    -H "Authorization: Bearer $ACCESS2" "$URL/private/"
jar=$page/cookies.txt
page_req "login (cookie_only box)" 201 "${CHANGE[@]}" "${JSON[@]}" \
    --data-raw "$(login_body cookie_only)" "$URL/auth/session"
page_req "navigate to /private/ after cookie_only" 200 "${NAV[@]}" \
    "$URL/private/"
page_req "log out (cookie_only)" 204 "${CHANGE[@]}" -X DELETE \
    "$URL/auth/session"
page_req "GET /auth/health" 200 "$URL/auth/health"
[ "$failures" -eq 0 ] || die "$failures check(s) failed"
ok=1
rm -rf "${walk:?}"      # cookie jars of sessions that are all logged out

# --- 9. tell the person --------------------------------------------------------
reason() {
    case $1 in
        200) echo OK ;; 201) echo Created ;; 204) echo "No Content" ;;
        401) echo Unauthorized ;; 403) echo Forbidden ;; *) echo ;;
    esac
}
stop_hint="bash scripts/quickstart.sh --stop"
[ -z "${DEMO_DIR:-}" ] || stop_hint="DEMO_DIR=$DEMO $stop_hint"
printf '\ncharon-fcgi demo is running:\n  %-12s %s  (pid %s)\n' \
    "$SERVER" "$URL/" "$server_pid"
cat <<EOF
  charon-fcgi  $LISTEN  (pid $daemon_pid, user $USR)
  sessions     $DEMO/sessions (session_store = local)

Log in on the page:  $URL/
  user demo, password $PASSWORD   (kept in $pwfile)
  It logs in with token_transport "cookie", keeps the header.payload halves
  of the tokens in sessionStorage (the signatures are HttpOnly cookies), and
  fetches /private/, /auth/sessions, refresh and logout with them.

The walkthrough with curl, in an empty directory (it writes cookies.txt and
cookies-old.txt):

  cd "\$(mktemp -d)"
EOF
for i in "${!steps_cmd[@]}"; do
    printf '\n  %s\n' "${steps_cmd[$i]}"
    want=${steps_want[$i]}
    { [ "$want" = - ] || printf '%s %s: ' "$want" "$(reason "$want")"
        printf '%s\n' "${steps_text[$i]}"; } | fmt -w 70 | sed 's/^/      /'
done
cat <<EOF

  runuser -u $USR -- $CTL -c $DEMO/charon.ini session list --user demo
      demo's sessions, read from the store by charonctl (as $USR)
  runuser -u $USR -- $CTL -c $DEMO/charon.ini session create --user alice
      a session and tokens for any user, no password (JSON; try
      curl -H "Authorization: Bearer ACCESS_TOKEN" $URL/private/)

Config:  $DEMO/charon.ini, $DEMO/htpasswd,
         $CONF (from $TEMPLATE)
Pages:   $DEMO/www (from share/demo/)
Logs:    $DEMO/charon-fcgi.log, $ERROR_LOG, $ACCESS_LOG
Stop:    $stop_hint
EOF
