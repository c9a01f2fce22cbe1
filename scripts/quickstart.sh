#!/usr/bin/env bash
# Sets up and runs the charon-fcgi demo on a fresh Debian 12, as root:
# installs the packages (scripts/deps.sh), builds and installs charon-fcgi
# into /usr/local (in _build-quickstart/), creates the system user _charon,
# then runs charon-fcgi (as _charon, on a unix socket) behind a separate
# nginx master on http://127.0.0.1:8080, where /private/ needs an access
# token (auth_request -> GET /auth/check).  It mints a token with charonctl,
# proves the walkthrough with curl (exit 1 and the logs if it does not
# hold) and prints the curl commands to try.  Running it again restarts the
# demo; everything lives in one directory.
#   bash scripts/quickstart.sh          set up and (re)start the demo
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
NGINX_PIDFILE=$DEMO/nginx.pid     # written by nginx itself (pid directive)
NGINX=(nginx -p "$DEMO/" -e "$DEMO/nginx-error.log" -c "$DEMO/nginx.conf")

say() { printf '==> %s\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

usage() {
    echo "usage: bash scripts/quickstart.sh [--stop]   (env: DEMO_DIR, JOBS)"
}

# The demo directory ends up in nginx.conf and in a sed replacement.
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

stop_demo() {
    stopped=0
    stop_one nginx "$NGINX_PIDFILE"
    stop_one charon-fcgi "$DAEMON_PIDFILE"
    rm -f "$DEMO/charon.sock"
}

case "${1:-}" in
    "") ;;
    --stop)
        [ "$(id -u)" -eq 0 ] || die "run me as root"
        [ $# -eq 1 ] || { usage >&2; exit 64; }
        if [ -d "$DEMO" ]; then stop_demo; else stopped=0; fi
        [ "$stopped" = 1 ] || echo "no charon-fcgi demo running in $DEMO"
        exit 0 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 64 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 64; }
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
        rm -rf "$dir" && mkdir "$dir" || return
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
# refuses anything else).  Kept across runs, like the derived-key cache.
secret=$DEMO/secret
if [ ! -f "$secret" ] || [ -L "$secret" ] ||
    [ "$(stat -c %U:%a "$secret")" != "$USR:600" ] ||
    [ "$(stat -c %s "$secret")" -lt 33 ]; then
    rm -f "$secret" "$secret.new"
    (umask 077 && head -c 48 /dev/urandom | base64 -w0 >"$secret.new" &&
        echo >>"$secret.new")
    chown "$USR:$USR" "$secret.new"
    mv -f "$secret.new" "$secret"
fi
install -d -m 0700 -o "$USR" -g "$USR" "$DEMO/keycache"

cat >"$DEMO/charon.ini" <<EOF
; charon-fcgi quickstart demo (written by scripts/quickstart.sh)
[charon]
token_issuer = $URL
base_secret_file = $DEMO/secret
session_store = dummy
key_cache_dir = $DEMO/keycache
cookie_secure = false          ; the demo is plain http on 127.0.0.1

[authorizer]
export_claims = sub
EOF

mkdir -p "$DEMO/www/private" "$DEMO/tmp"
cat >"$DEMO/www/index.html" <<'EOF'
<!doctype html>
<title>charon-fcgi demo</title>
<p>This page is public. <a href="/private/">/private/</a> needs an access token.</p>
EOF
cat >"$DEMO/www/private/index.html" <<'EOF'
<!doctype html>
<title>charon-fcgi demo: private</title>
<p>you are in</p>
EOF
chmod -R a+rX "$DEMO/www"

sed "s|@DEMO@|$DEMO|g" "$top/etc/nginx/quickstart.conf.in" >"$DEMO/nginx.conf"
: >"$DEMO/charon-fcgi.log"
: >"$DEMO/nginx-error.log"
: >"$DEMO/nginx-access.log"

setpriv --reuid="$WEB" --regid="$WEB" --clear-groups -- \
    test -r "$DEMO/www/private/index.html" ||
    die "$WEB cannot reach $DEMO/www: every parent of DEMO_DIR must be searchable by others"

# --- 5./6. start the servers ------------------------------------------------
if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
    die "something already listens on 127.0.0.1:8080 (another demo with another DEMO_DIR? stop it first)"
fi

started=0
ok=0
on_exit() {
    local rc=$?
    [ "$started" = 1 ] && [ "$ok" = 0 ] || return 0
    echo
    echo "----- $DEMO/charon-fcgi.log (last 40 lines)"
    tail -n 40 "$DEMO/charon-fcgi.log" 2>/dev/null || true
    echo "----- $DEMO/nginx-error.log (last 40 lines)"
    tail -n 40 "$DEMO/nginx-error.log" 2>/dev/null || true
    echo "-----"
    echo "quickstart FAILED (status $rc); stopping the demo's servers" >&2
    stop_demo || true
    exit 1
}
trap on_exit EXIT

say "checking $DEMO/charon.ini"
runuser -u "$USR" -- "$CTL" check-config -c "$DEMO/charon.ini" </dev/null

say "starting charon-fcgi as $USR on unix:$DEMO/charon.sock"
started=1
# setpriv execs (runuser would stay around as the parent), so $! is the
# daemon's PID.  The supplementary group www-data lets the daemon hand the
# socket to that group (chown to a group one is not in is EPERM).
setsid setpriv --reuid="$USR" --regid="$USR" --groups="$WEB" --reset-env -- \
    "$DAEMON" -c "$DEMO/charon.ini" --listen "unix:$DEMO/charon.sock" \
    --socket-group "$WEB" </dev/null >>"$DEMO/charon-fcgi.log" 2>&1 &
daemon_pid=$!
echo "$daemon_pid" >"$DAEMON_PIDFILE"
for ((i = 0; i < 300; i++)); do
    [ -S "$DEMO/charon.sock" ] && break
    if ! alive "$daemon_pid"; then
        rc=0
        wait "$daemon_pid" || rc=$?
        die "charon-fcgi exited with status $rc before creating its socket"
    fi
    sleep 0.1
done
[ -S "$DEMO/charon.sock" ] || die "charon-fcgi did not create $DEMO/charon.sock within 30 s"
[ "$(readlink "/proc/$daemon_pid/exe")" = "$DAEMON" ] ||
    die "PID $daemon_pid is $(readlink "/proc/$daemon_pid/exe"), not $DAEMON"

say "starting nginx on $URL"
"${NGINX[@]}" -t -q
"${NGINX[@]}"
for ((i = 0; i < 100; i++)); do
    [ -s "$NGINX_PIDFILE" ] && break
    sleep 0.1
done
[ -s "$NGINX_PIDFILE" ] || die "nginx wrote no $NGINX_PIDFILE"
nginx_pid=$(cat "$NGINX_PIDFILE")

for ((i = 0; i < 100; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL/auth/health" || true)" = 200 ] && break
    sleep 0.1
done

# --- 7. a token --------------------------------------------------------------
say "minting a session for user demo (charonctl session create)"
session_json=$(runuser -u "$USR" -- "$CTL" -c "$DEMO/charon.ini" \
    session create --user demo </dev/null)
read -r TOKEN TOKEN_EXP < <(printf '%s' "$session_json" | "$PY" -c '
import json, sys
t = json.load(sys.stdin)["tokens"]
print(t["access_token"], t["access_token_exp"])') ||
    die "cannot read the access token from: $session_json"
# The same token with its "sub" claim changed to admin: the signature no
# longer matches.  (Flipping the last base64url character would not do:
# its low bits are padding that a decoder may ignore.)
FORGED=$("$PY" - "$TOKEN" <<'EOF'
import base64, json, sys
h, p, s = sys.argv[1].split(".")
claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
claims["sub"] = "admin"
p = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode())
print(".".join((h, p.rstrip(b"=").decode(), s)))
EOF
)

# --- 8. prove the walkthrough --------------------------------------------------
say "checking the walkthrough with curl"
failures=0
check() {   # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        printf '  ok    %s: %s\n' "$1" "$3"
    else
        printf '  FAIL  %s: got %s, expected %s\n' "$1" "$3" "$2"
        failures=$((failures + 1))
    fi
}
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" || true; }

check "GET / (public)" 200 "$(status "$URL/")"
check "GET /private/ without a token" 401 "$(status "$URL/private/")"
resp=$(curl -s -i --max-time 10 -H "Authorization: Bearer $TOKEN" "$URL/private/" |
    tr -d '\r' || true)
check "GET /private/ with the token" 200 "$(printf '%s\n' "$resp" | sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p')"
check "  X-Charon-User header" demo "$(printf '%s\n' "$resp" | sed -n 's/^[Xx]-[Cc]haron-[Uu]ser: *//p' | head -1)"
check "  page" "you are in" "$(printf '%s\n' "$resp" | grep -o 'you are in' || true)"
check "GET /private/ with a forged token (sub=admin)" 401 \
    "$(status -H "Authorization: Bearer $FORGED" "$URL/private/")"
check "GET /auth/health" 200 "$(status "$URL/auth/health")"
[ "$failures" -eq 0 ] || die "$failures check(s) failed"
ok=1

# --- 9. tell the person --------------------------------------------------------
stop_hint="bash scripts/quickstart.sh --stop"
[ -z "${DEMO_DIR:-}" ] || stop_hint="DEMO_DIR=$DEMO $stop_hint"
cat <<EOF

charon-fcgi demo is running:
  nginx        $URL/  (pid $nginx_pid)
  charon-fcgi  unix:$DEMO/charon.sock  (pid $daemon_pid, user $USR)

Try it (the access token expires $(date -d "@$TOKEN_EXP" '+%F %T %Z')):

  curl -i $URL/private/
      401 Unauthorized: no token; nginx's auth_request asked charon-fcgi
      (GET /auth/check) and passes on its WWW-Authenticate header

  curl -i -H "Authorization: Bearer $TOKEN" $URL/private/
      200 and "you are in"; X-Charon-User: demo is the user charon-fcgi
      found in the token (nginx copies it from X-Charon-User-Id)

  curl -i -H "Authorization: Bearer $FORGED" $URL/private/
      401: the same token with "sub" changed to "admin"; the signature
      no longer matches

  curl -i $URL/auth/health
      200: the daemon and its session store answer

  runuser -u $USR -- $CTL -c $DEMO/charon.ini session create --user alice
      mints tokens for another user (JSON; use .tokens.access_token)
  runuser -u $USR -- $CTL -c $DEMO/charon.ini verify TOKEN
      prints a token's claims (charonctl runs as $USR, which owns the secret)

Config:  $DEMO/charon.ini, $DEMO/nginx.conf (from etc/nginx/quickstart.conf.in)
Logs:    $DEMO/charon-fcgi.log, $DEMO/nginx-error.log, $DEMO/nginx-access.log
Stop:    $stop_hint
EOF
