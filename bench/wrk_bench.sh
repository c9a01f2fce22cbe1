#!/bin/bash
# wrk_bench.sh - end to end with wrk through nginx, in one run:
#   (a) open    nginx serves a small static file, no auth
#   (b) null    the same behind auth_request -> bench/fcgi_null (always 200
#               when an Authorization header is present)
#   (c) charon  the same behind auth_request -> charon-fcgi GET /auth/check,
#               a bearer HS256 token verified statelessly (session_store =
#               dummy)
# wrk sends "Authorization: Bearer <token>" in all three.  (b) and (c) have
# the same nginx config (a dedicated short fastcgi_param list, unix socket,
# fastcgi_keep_conn on + upstream keepalive); only the upstream differs.
# Prints every run, the medians, server CPU per request (nginx master and
# workers + the FastCGI process, /proc utime+stime) and the ratios
# (b)/(a), (c)/(a), (c)/(b) (target (c)/(b) >= 0.9).
#
#   bash bench/wrk_bench.sh [BUILDDIR]          # BUILDDIR found, or "."
#   make -C bench wrk-bench                     # from a build tree
#   NGINX_WORKERS=auto DUR=5 ROUNDS=1 bash bench/wrk_bench.sh /tmp/build
#
# Env: CONNS (50) wrk connections, WRK_THREADS (2), DUR (10) seconds per
# measured run, WARMUP (1) seconds of wrk before each (not measured),
# ROUNDS (3) rounds alternating the order a b c / c b a (medians),
# THREADS (64, charon-fcgi's default) threads of fcgi_null and of
# charon-fcgi, the same for both (libfcgi pins one thread per open
# connection: keep it >= CONNS), KEEPALIVE (64) idle upstream connections
# each nginx worker may keep.  nginx 1.22 does not actually re-use them for
# auth_request: the subrequest is header-only, so nginx finalizes it before
# it parses FCGI_END_REQUEST and closes the connection; every check
# connects anew (the "kept" column: connections still open after a run).
# NGINX_WORKERS ("1 auto": the whole run once per value, each with its own
# nginx and table), PORT (18080, on 127.0.0.1), FILE_BYTES (1024),
# MIN_RATIO (0.9).  Installs nothing: without wrk or nginx it says what to
# install and exits 2.  Everything lives in a mktemp -d directory (nginx's
# pid, logs and temp paths too); every server is started in the
# background, its PID recorded, and stopped by PID (nginx after each
# NGINX_WORKERS value, everything from the trap).  Exit 1 if a wrk run saw
# errors or non-2xx answers, 2 on setup errors.  See bench/README.md
# "## wrk_bench".
set -euo pipefail

CONNS=${CONNS:-50}
WRK_THREADS=${WRK_THREADS:-2}
DUR=${DUR:-10}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-64}
KEEPALIVE=${KEEPALIVE:-64}
NGINX_WORKERS=${NGINX_WORKERS:-1 auto}
PORT=${PORT:-18080}
FILE_BYTES=${FILE_BYTES:-1024}
MIN_RATIO=${MIN_RATIO:-0.9}
PYTHON3=${PYTHON3:-/usr/bin/python3}

die() { echo "wrk_bench: $*" >&2; exit 2; }

for v in CONNS WRK_THREADS DUR ROUNDS THREADS KEEPALIVE PORT FILE_BYTES; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a whole number of seconds"
for w in $NGINX_WORKERS; do
    [[ $w = auto || $w =~ ^[1-9][0-9]*$ ]] \
        || die "NGINX_WORKERS: a list of 'auto' or positive integers"
done
(( CONNS >= WRK_THREADS )) || die "CONNS must be >= WRK_THREADS"
(( THREADS >= CONNS )) || die "THREADS must be >= CONNS (libfcgi: one thread" \
    "per open connection)"

command -v wrk >/dev/null || die "wrk is not installed: apt-get install wrk"
NGINX=${NGINX:-$(command -v nginx || true)}
[[ -n $NGINX && -x $NGINX ]] || die "nginx is not installed: apt-get install nginx"
command -v curl >/dev/null || die "curl is not installed: apt-get install curl"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is not installed: apt-get install time"

# The top build dir: the argument, $BUILDDIR, else the tree this script
# sits in (an in-tree build), else the current directory.
here=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${1:-${BUILDDIR:-}}
if [[ -z $BUILDDIR ]]; then
    for d in "$here/.." . ..; do
        if [[ -x $d/bench/fcgi_null ]]; then BUILDDIR=$d; break; fi
    done
fi
BUILDDIR=$(cd "${BUILDDIR:-.}" && pwd)
NULL=$BUILDDIR/bench/fcgi_null
CHARON=$BUILDDIR/src/charon-fcgi
CHARONCTL=$BUILDDIR/src/charonctl
[[ -x $NULL ]] || die "no bench/fcgi_null in $BUILDDIR: run make there, or give BUILDDIR"
[[ -x $CHARON && -x $CHARONCTL ]] || die "no src/charon-fcgi or src/charonctl in $BUILDDIR"
for p in token_jwt store_dummy; do
    [[ -d $BUILDDIR/plugins/$p/.libs ]] || die "no plugins/$p in $BUILDDIR"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wrk_bench.XXXXXX")
chmod 711 "$tmp"                  # nginx workers may run as another user
pids=()
BENCH=wrk_bench
. "$here/bench_lib.sh"
cleanup() { bench_cleanup "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the two FastCGI servers and the token -------------------------------

# wait_socket NAME PID: until $tmp/NAME.sock exists.
wait_socket() {
    local i
    for i in $(seq 100); do
        kill -0 "$2" 2>/dev/null || { cat "$tmp/$1.log" >&2; die "$1 exited"; }
        [[ -S $tmp/$1.sock ]] && return 0
        sleep 0.1
    done
    die "$1 does not listen on $tmp/$1.sock"
}

"$NULL" --listen "unix:$tmp/null.sock" --threads "$THREADS" \
    >>"$tmp/null.log" 2>&1 &
pids+=($!)
pid_null=$!
wait_socket null "$pid_null"

bench_stateless_charon "$THREADS"
pid_charon=$pid_charon_master     # measured with its children (family)
token=$(cat "$tmp/token")
[[ $token =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] \
    || die "charonctl did not print a JWT: '$token'"
# the same token with the first signature character changed (all six bits
# of the first character count; the last one's low bits may be padding)
sig=${token##*.}
if [[ ${sig:0:1} = A ]]; then c=B; else c=A; fi
bad_token=${token%.*}.$c${sig:1}

# --- the static file and nginx -------------------------------------------

mkdir -p "$tmp/www/open" "$tmp/tmp"
head -c "$FILE_BYTES" /dev/zero | tr '\0' 'x' >"$tmp/www/open/file.html"
for d in null charon; do
    mkdir -p "$tmp/www/$d"
    cp "$tmp/www/open/file.html" "$tmp/www/$d/file.html"
done
chmod -R a+rX "$tmp/www"

# check_location NAME: the auth subrequest's location, the same for every
# upstream (etc/nginx/quickstart.conf.in's list, no fastcgi_params).
check_location() {
    cat <<EOF
        location = /_check_$1 {
            internal;
            fastcgi_pass $1_up;
            fastcgi_keep_conn on;
            fastcgi_pass_request_body off;
            fastcgi_param DOCUMENT_URI   /auth/check;
            fastcgi_param REQUEST_METHOD \$request_method;
            fastcgi_param REQUEST_URI    \$request_uri;
            fastcgi_param REMOTE_ADDR    \$remote_addr;
            fastcgi_param SERVER_NAME    \$host;
            fastcgi_param HTTPS          \$https if_not_empty;
        }
        location /$1/ {
            auth_request /_check_$1;
            auth_request_set \$auth_user \$upstream_http_x_charon_user_id;
        }
EOF
}

# nginx_conf WORKERS
nginx_conf() {
    local user_line=
    [[ $(id -u) = 0 ]] && user_line="user root;"
    cat <<EOF
# wrk_bench.sh: written for this run only
$user_line
worker_processes $1;
daemon off;
master_process on;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;

events {
    worker_connections 4096;
}

http {
    default_type text/html;
    server_tokens off;
    access_log off;
    sendfile on;
    keepalive_requests 100000000;
    keepalive_timeout 65s;

    client_body_temp_path $tmp/tmp/client_body;
    proxy_temp_path $tmp/tmp/proxy;
    fastcgi_temp_path $tmp/tmp/fastcgi;
    uwsgi_temp_path $tmp/tmp/uwsgi;
    scgi_temp_path $tmp/tmp/scgi;

    upstream null_up {
        server unix:$tmp/null.sock;
        keepalive $KEEPALIVE;
        keepalive_requests 100000000;
        keepalive_timeout 5s;
    }
    upstream charon_up {
        server unix:$tmp/charon.sock;
        keepalive $KEEPALIVE;
        keepalive_requests 100000000;
        keepalive_timeout 5s;
    }

    server {
        listen 127.0.0.1:$PORT;
        server_name 127.0.0.1;
        root $tmp/www;

        location /open/ {
        }
$(check_location null)
$(check_location charon)
    }
}
EOF
}

pid_nginx=
start_nginx() {
    local i
    nginx_conf "$1" >"$tmp/nginx.conf"
    : >"$tmp/nginx-error.log"
    "$NGINX" -p "$tmp/" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" -t \
        >"$tmp/nginx-t.log" 2>&1 \
        || { cat "$tmp/nginx-t.log" >&2; die "nginx -t failed"; }
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/"; then
        die "something already answers on 127.0.0.1:$PORT: set PORT"
    fi
    rm -f "$tmp/nginx.pid"
    "$NGINX" -p "$tmp/" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" \
        >>"$tmp/nginx.out" 2>&1 &
    pid_nginx=$!
    pids+=("$pid_nginx")
    # nginx writes its pid file once it has bound the port.
    for i in $(seq 100); do
        kill -0 "$pid_nginx" 2>/dev/null \
            || { cat "$tmp/nginx-error.log" "$tmp/nginx.out" >&2; die "nginx exited"; }
        if [[ $(cat "$tmp/nginx.pid" 2>/dev/null) = "$pid_nginx" ]] \
            && curl -s -o /dev/null "http://127.0.0.1:$PORT/open/file.html"; then
            return 0
        fi
        sleep 0.1
    done
    die "nginx does not answer on 127.0.0.1:$PORT"
}
stop_nginx() {
    local keep=() pid
    bench_stop "$pid_nginx"
    for pid in "${pids[@]}"; do
        [[ $pid = "$pid_nginx" ]] || keep+=("$pid")
    done
    pids=("${keep[@]}")
    pid_nginx=
}

# status PATH [TOKEN]
status() {
    local h=()
    [[ -n ${2:-} ]] && h=(-H "Authorization: Bearer $2")
    curl -s -o /dev/null -w '%{http_code}' "${h[@]}" \
        "http://127.0.0.1:$PORT/$1/file.html" || true
}
sanity() {
    local got
    got="$(status open "$token") $(status null "$token") $(status charon "$token")"
    got+=" $(status null) $(status charon) $(status charon "$bad_token")"
    [[ $got = "200 200 200 401 401 401" ]] \
        || die "sanity: expected open/null/charon 200 with the token, null and" \
               "charon 401 without, charon 401 with a tampered one; got $got"
    echo "  sanity: 200 x3 with the token; 401 without (null, charon) and with a tampered signature (charon)"
}

# --- CPU accounting -------------------------------------------------------

# family PID: PID and its children.
family() { echo "$1"; ps -o pid= --ppid "$1" 2>/dev/null || true; }
# ticks PID...: the sum of utime+stime (fields 14, 15 of /proc/PID/stat).
ticks() {
    local pid sum=0 t
    for pid in "$@"; do
        t=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null \
            | awk '{ print $12 + $13 }') || t=0
        sum=$(( sum + ${t:-0} ))
    done
    echo "$sum"
}
hz=$(getconf CLK_TCK)

# upstream_conns NAME: connected sockets on $tmp/NAME.sock (server side),
# read just after a run: the idle connections nginx kept.
upstream_conns() {
    command -v ss >/dev/null || { echo -; return 0; }
    ss -xH state connected 2>/dev/null | awk -v p="$tmp/$1.sock" '$5 == p' | wc -l
}

cat >"$tmp/report.lua" <<'EOF'
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "wrk_result requests=%d seconds=%.2f rps=%.1f p50_us=%.0f p99_us=%.0f max_us=%.0f" ..
        " err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
        summary.requests, summary.duration / 1e6,
        summary.requests / summary.duration * 1e6,
        latency:percentile(50), latency:percentile(99), latency.max,
        e.connect, e.read, e.write, e.status, e.timeout))
end
EOF

# field KEY LINE
field() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"; }

failed=0
# run WORKERS ROUND VARIANT: one warm-up and one measured wrk run.
run() {
    local url=http://127.0.0.1:$PORT/$3/file.html out line rc=0
    local ngx_pids fcgi_pids n0 n1 f0 f1 w0 w1 req nus fus wus conns
    if (( WARMUP > 0 )); then
        wrk -t"$WRK_THREADS" -c"$CONNS" -d"${WARMUP}s" \
            -H "Authorization: Bearer $token" "$url" >/dev/null 2>&1 || true
    fi
    ngx_pids=$(family "$pid_nginx")
    case $3 in
        open) fcgi_pids="$(family "$pid_null") $(family "$pid_charon")" ;;
        null) fcgi_pids=$(family "$pid_null") ;;
        charon) fcgi_pids=$(family "$pid_charon") ;;
    esac
    n0=$(ticks $ngx_pids) f0=$(ticks $fcgi_pids)
    out=$(/usr/bin/time -f 'wrk_cpu %U %S' wrk -t"$WRK_THREADS" -c"$CONNS" \
          -d"${DUR}s" --timeout 5s -s "$tmp/report.lua" \
          -H "Authorization: Bearer $token" "$url" 2>&1) || rc=$?
    n1=$(ticks $ngx_pids) f1=$(ticks $fcgi_pids)
    conns=-
    [[ $3 != open ]] && conns=$(upstream_conns "$3")
    line=$(grep '^wrk_result' <<<"$out" || true)
    if [[ $rc -ne 0 || -z $line ]]; then
        echo "wrk_bench: wrk against /$3/ exited $rc:" >&2
        sed 's/^/    /' <<<"$out" >&2
        failed=1
        return 0
    fi
    req=$(field requests "$line")
    read -r w0 w1 < <(sed -n 's/^wrk_cpu //p' <<<"$out")
    read -r nus fus wus < <(awk -v n="$((n1 - n0))" -v f="$((f1 - f0))" \
        -v w="$(awk -v a="$w0" -v b="$w1" 'BEGIN { print a + b }')" \
        -v r="$req" -v hz="$hz" 'BEGIN {
            if (r > 0) printf "%.1f %.1f %.1f\n", n * 1e6 / hz / r,
                f * 1e6 / hz / r, w * 1e6 / r
            else print "- - -" }')
    local bad=$(( $(field err_status "$line") ))
    local errs=$(( $(field err_connect "$line") + $(field err_read "$line") \
                   + $(field err_write "$line") + $(field err_timeout "$line") ))
    if (( bad + errs > 0 )); then
        echo "wrk_bench: /$3/ had $bad non-2xx answers and $errs socket errors" >&2
        failed=1
    fi
    echo "$1 $2 $3 $(field rps "$line") $(field p50_us "$line") $(field p99_us "$line") $nus $fus $wus $bad $errs $conns" \
        >>"$tmp/results"
    printf '  round %s %-6s %s nginx_us=%s fcgi_us=%s wrk_us=%s kept=%s\n' \
        "$2" "$3" "${line#wrk_result }" "$nus" "$fus" "$wus" "$conns"
}

# median WORKERS VARIANT COLUMN
median() {
    awk -v w="$1" -v n="$2" -v c="$3" '$1 == w && $3 == n && $c != "-" { print $c }' \
        "$tmp/results" | sort -g | awk '{ v[NR] = $1 } END {
              if (NR == 0) { print "-"; exit }
              if (NR % 2) print v[(NR + 1) / 2]
              else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# per_round WORKERS X Y: req/s of X over Y, round by round.
per_round() {
    awk -v w="$1" -v x="$2" -v y="$3" -v rounds="$ROUNDS" '
        $1 == w && $3 == x { a[$2] = $4 } $1 == w && $3 == y { b[$2] = $4 }
        END { sep = ""
              for (r = 1; r <= rounds; r++)
                  if (b[r] > 0 && r in a) { printf "%s%.3f", sep, a[r] / b[r]; sep = " / " } }' \
        "$tmp/results"
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.3f", a / b; else print "-" }'
}
label() {
    case $1 in
        open) echo "(a) static, no auth" ;;
        null) echo "(b) auth_request -> fcgi_null" ;;
        charon) echo "(c) auth_request -> charon-fcgi" ;;
    esac
}

cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
echo "wrk_bench: $(nproc) CPUs ($cpu), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk_bench: $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-3)"
echo "wrk_bench: CONNS=$CONNS WRK_THREADS=$WRK_THREADS DUR=$DUR WARMUP=$WARMUP ROUNDS=$ROUNDS THREADS=$THREADS KEEPALIVE=$KEEPALIVE NGINX_WORKERS='$NGINX_WORKERS' FILE_BYTES=$FILE_BYTES BUILDDIR=$BUILDDIR"
echo "wrk_bench: token ${#token} bytes; fcgi_null and charon-fcgi with $THREADS threads each"

: >"$tmp/results"
variants=(open null charon)
for w in $NGINX_WORKERS; do
    start_nginx "$w"
    echo "nginx worker_processes $w: $(( $(family "$pid_nginx" | wc -l) - 1 )) workers"
    sanity
    for r in $(seq "$ROUNDS"); do
        if (( r % 2 == 1 )); then order=(open null charon); else order=(charon null open); fi
        for v in "${order[@]}"; do run "$w" "$r" "$v"; done
    done
    if [[ -s $tmp/nginx-error.log ]]; then
        echo "wrk_bench: nginx logged (worker_processes $w):" >&2
        sed 's/^/    /' "$tmp/nginx-error.log" | tail -20 >&2
    fi
    stop_nginx
done

for w in $NGINX_WORKERS; do
    echo
    echo "nginx worker_processes $w"
    printf '%-32s %9s %7s %7s %8s %8s %8s %8s %5s %5s %5s  %s\n' variant "req/s" \
        p50_us p99_us ngx_us fcgi_us srv_us wrk_us bad err kept round
    awk -v w="$w" '$1 == w' "$tmp/results" | while read -r _ r v rps p50 p99 n f c bad err conns; do
        printf '%-32s %9s %7s %7s %8s %8s %8s %8s %5s %5s %5s  %s\n' "$(label "$v")" \
            "$rps" "$p50" "$p99" "$n" "$f" \
            "$(awk -v a="$n" -v b="$f" 'BEGIN { printf "%.1f", a + b }')" \
            "$c" "$bad" "$err" "$conns" "$r"
    done
    printf '%-32s %9s %7s %7s %8s %8s %8s %8s\n' "median of $ROUNDS" "req/s" \
        p50_us p99_us ngx_us fcgi_us srv_us wrk_us
    for v in "${variants[@]}"; do
        n=$(median "$w" "$v" 7) f=$(median "$w" "$v" 8)
        printf '%-32s %9s %7s %7s %8s %8s %8s %8s\n' "$(label "$v")" \
            "$(median "$w" "$v" 4)" "$(median "$w" "$v" 5)" "$(median "$w" "$v" 6)" \
            "$n" "$f" "$(awk -v a="$n" -v b="$f" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.1f", a + b }')" \
            "$(median "$w" "$v" 9)"
    done
    a=$(median "$w" open 4) b=$(median "$w" null 4) c=$(median "$w" charon 4)
    cb=$(ratio "$c" "$b")
    echo "ratios (median req/s): (b)/(a) $(ratio "$b" "$a") (per round $(per_round "$w" null open))"
    echo "                       (c)/(a) $(ratio "$c" "$a") (per round $(per_round "$w" charon open))"
    echo "                       (c)/(b) $cb (per round $(per_round "$w" charon null))" \
         "$(awk -v r="$cb" -v m="$MIN_RATIO" 'BEGIN { print (r != "-" && r + 0 >= m + 0) ? "meets" : "BELOW" }') the target >= $MIN_RATIO"
done
echo
echo "wrk_bench: srv_us = ngx_us + fcgi_us: server CPU (utime+stime) per request of the nginx master and workers and of the FastCGI process (both for (a): ~0); wrk_us is wrk's own"
echo "wrk_bench: load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $failed -ne 0 ]]; then
    echo "wrk_bench: some runs had errors or non-2xx answers (see above)" >&2
    exit 1
fi
