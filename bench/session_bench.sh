#!/bin/bash
# session_bench.sh - charon-fcgi's session endpoints on store_local under
# session_load, in one run: GET /check without and with require_session,
# refresh chains, issuer-key logins (the session-creation rate) and, for
# information, password logins against a $6$ sha-crypt htpasswd entry at
# the default 5000 rounds.  Prints every run, the medians, and the ratio of
# each workload's req/s to the stateless check of the same run.
#
#   bash bench/session_bench.sh [BUILDDIR]       # BUILDDIR found, or "."
#   make -C bench session-bench                  # from a build tree
#   DUR=5 ROUNDS=1 bash bench/session_bench.sh /tmp/build
#   STORE_DIR=/dev/shm bash bench/session_bench.sh   # the store on tmpfs
#
# Env: CONNS (2) client connections, DUR (10) seconds measured per run,
# PW_DUR (DUR) the same for password logins, WARMUP (1) seconds before
# each, ROUNDS (3) rounds alternating the order of the workloads (medians
# reported), THREADS (4) server threads, STORE_DIR (the run's mktemp -d
# directory) where the LMDB stores go, PASSWORD (1; 0 skips password
# logins), LOG_LEVEL (info: the default, which logs one event line per
# login and refresh; warn drops them), MAP_MB (4096: [store_local]
# map_size_mb; the default 1024 MiB holds ~1.3 million sessions, which
# logins on tmpfs can fill within a round), SYNC (full: [store_local]
# sync, full | data | none), STORE (local | redis: with redis, a
# redis-server of this run on a unix socket in the temp dir holds the
# sessions, each store a key_prefix of its own; WARMUP defaults to 0 and
# every run also reports Redis round trips per request, from INFO
# commandstats, and redis-server's CPU per request).  Three daemons share one base secret and
# issuer key:
#   A  require_session = false, store S       (a) check, (c) refresh
#   B  require_session = true,  store S       (b) check
#   L  a fresh store every round              (d) login, (p) password
# Every daemon is started in the background, its PID recorded, and
# stopped by PID (L at every round, all from the trap).  See
# bench/README.md "## session_load".
set -euo pipefail

CONNS=${CONNS:-2}
DUR=${DUR:-10}
PW_DUR=${PW_DUR:-$DUR}
WARMUP=${WARMUP:-}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-4}
PASSWORD=${PASSWORD:-1}
LOG_LEVEL=${LOG_LEVEL:-info}
MAP_MB=${MAP_MB:-4096}
SYNC=${SYNC:-full}
STORE=${STORE:-local}
[[ $STORE = local || $STORE = redis ]] || { echo "session_bench: STORE is local or redis" >&2; exit 2; }
if [[ -z $WARMUP ]]; then
    if [[ $STORE = redis ]]; then WARMUP=0; else WARMUP=1; fi
fi

die() { echo "session_bench: $*" >&2; exit 2; }

for v in CONNS ROUNDS THREADS MAP_MB; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
for v in DUR PW_DUR WARMUP; do
    [[ ${!v} =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "$v must be a number"
done
[[ $PASSWORD = 0 || $PASSWORD = 1 ]] || die "PASSWORD must be 0 or 1"
[[ $LOG_LEVEL =~ ^(err|warn|info|debug)$ ]] || die "LOG_LEVEL: err, warn, info or debug"
(( THREADS >= CONNS )) || die "THREADS must be >= CONNS (libfcgi keeps one" \
    "thread per kept connection)"

# The top build dir: the argument, $BUILDDIR, else the tree this script
# sits in (an in-tree build), else the current directory.
here=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${1:-${BUILDDIR:-}}
if [[ -z $BUILDDIR ]]; then
    for d in "$here/.." . ..; do
        if [[ -x $d/bench/session_load ]]; then BUILDDIR=$d; break; fi
    done
fi
BUILDDIR=$(cd "${BUILDDIR:-.}" && pwd)
LOAD=$BUILDDIR/bench/session_load
CHARON=$BUILDDIR/src/charon-fcgi
[[ -x $LOAD ]] \
    || die "no bench/session_load in $BUILDDIR: run make there, or set BUILDDIR"
[[ -x $CHARON ]] || die "no src/charon-fcgi in $BUILDDIR"
for p in token_jwt store_local cred_htpasswd; do
    [[ -d $BUILDDIR/plugins/$p/.libs ]] || die "no plugins/$p in $BUILDDIR"
done
command -v openssl >/dev/null || die "openssl (for the \$6\$ hash) not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/session_bench.XXXXXX")
stores=$(mktemp -d "${STORE_DIR:-$tmp}/session_bench_stores.XXXXXX")
pids=()
BENCH=session_bench
. "$here/bench_lib.sh"
cleanup() { bench_cleanup "$stores" "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

head -c 48 /dev/urandom >"$tmp/secret"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/issuer.key"
echo >>"$tmp/issuer.key"
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/password"
chmod 600 "$tmp/secret" "$tmp/issuer.key" "$tmp/password"
salt=$(head -c 12 /dev/urandom | base64 | tr -d '+/=\n' | head -c 16)
printf 'bench:%s\n' "$(openssl passwd -6 -salt "$salt" -stdin <"$tmp/password")" \
    >"$tmp/htpasswd"
grep -q '^bench:\$6\$[^$]*\$' "$tmp/htpasswd" \
    || die "openssl passwd -6 did not make a sha-crypt hash"
export CHARON_PLUGIN_PATH="$BUILDDIR/plugins/token_jwt/.libs:$BUILDDIR/plugins/store_local/.libs:$BUILDDIR/plugins/cred_htpasswd/.libs:$BUILDDIR/plugins/store_redis/.libs"

# With STORE=redis: this run's redis-server, on a unix socket.
redis_pid=
if [[ $STORE = redis ]]; then
    command -v redis-server >/dev/null || die "redis-server is not installed (scripts/deps.sh)"
    redis-server --port 0 --unixsocket "$tmp/redis.sock" --unixsocketperm 700 \
        --dir "$tmp" --save '' --appendonly no --daemonize no \
        >"$tmp/redis.log" 2>&1 &
    redis_pid=$!
    pids+=("$redis_pid")
    for i in $(seq 100); do
        redis-cli -s "$tmp/redis.sock" ping 2>/dev/null | grep -q PONG && break
        sleep 0.1
    done
    redis-cli -s "$tmp/redis.sock" ping 2>/dev/null | grep -q PONG \
        || { cat "$tmp/redis.log" >&2; die "redis-server does not answer"; }
fi
# redis_stat: the commands clients sent Redis so far (round trips: the
# calls of FCALL, EVALSHA, PING, ... themselves, not what a function runs
# inside), and redis-server's CPU ticks.
redis_stat() {
    local trips ticks
    trips=$(redis-cli -s "$tmp/redis.sock" info commandstats | awk -F'[:=,]' '
        $1 ~ /^cmdstat_(fcall|fcall_ro|evalsha|eval|ping|function|script|auth|select|hello|client)/ { n += $3 }
        END { print n + 0 }')
    ticks=$(awk '{ print $14 + $15 }' "/proc/$redis_pid/stat")
    echo "$trips $ticks"
}

# store_section STORE: the session store's config; STORE is a directory
# (local) whose name is also the key prefix (redis).
store_section() {
    if [[ $STORE = redis ]]; then
        printf '[store_redis]\nsocket = %s\nkey_prefix = bench_%s_\n' \
            "$tmp/redis.sock" "$(basename "$1")"
    else
        printf '[store_local]\npath = %s\nmap_size_mb = %s\nsync = %s\n' \
            "$1" "$MAP_MB" "$SYNC"
    fi
}

# start NAME REQUIRE_SESSION STORE: a daemon on $tmp/NAME.sock; sets pid_NAME.
start() {
    local i
    [[ -d $tmp/keycache-$1 ]] || mkdir -m 700 "$tmp/keycache-$1"
    cat >"$tmp/$1.ini" <<EOF
[charon]
token_issuer = https://bench.test
base_secret_file = $tmp/secret
session_store = $STORE
key_cache_dir = $tmp/keycache-$1
log_level = $LOG_LEVEL

[endpoints]
credentials = htpasswd
issuer_key_file = $tmp/issuer.key

[cred_htpasswd]
file = $tmp/htpasswd

$(store_section "$3")

[authorizer]
require_session = $2
EOF
    rm -f "$tmp/$1.sock"
    "$CHARON" -c "$tmp/$1.ini" --listen "unix:$tmp/$1.sock" \
        --threads "$THREADS" --foreground >>"$tmp/$1.log" 2>&1 &
    pids+=($!)
    printf -v "master_$1" %s $!
    local master=$! worker
    for i in $(seq 100); do
        kill -0 "$master" 2>/dev/null || { cat "$tmp/$1.log" >&2; die "$1 exited"; }
        # A master and one worker: the worker's CPU is what counts.
        worker=$(pgrep -P "$master" | head -1) || true
        if [[ -S $tmp/$1.sock && -n $worker ]]; then
            printf -v "pid_$1" %s "$worker"
            return 0
        fi
        sleep 0.1
    done
    die "$1 does not listen on $tmp/$1.sock"
}

# restart_login: daemon L again, on an empty store.
restart_login() {
    local keep=() pid
    if [[ -n ${master_login:-} ]]; then
        bench_stop "$master_login"
        for pid in "${pids[@]}"; do
            [[ $pid = "$master_login" ]] || keep+=("$pid")
        done
        pids=("${keep[@]}")
    fi
    login_n=$(( ${login_n:-0} + 1 ))
    rm -rf "$stores/login"*
    start login false "$stores/login$login_n"
}

# field KEY LINE: the value of KEY=value in a session_load line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

failed=0
# run ROUND WORKLOAD: one session_load run; a line to $tmp/results.
run() {
    local line rc=0 mode daemon extra=() dur=$DUR
    case $2 in
        a) mode=check daemon=stateless extra=(--revoked-status 200) ;;
        b) mode=check daemon=require extra=(--revoked-status 401) ;;
        c) mode=refresh daemon=stateless ;;
        d) mode=login daemon=login ;;
        p) mode=password daemon=login dur=$PW_DUR
           extra=(--username bench --password-file "$tmp/password") ;;
    esac
    local pidvar=pid_$daemon before after
    [[ $STORE = redis ]] && before=$(redis_stat)
    line=$("$LOAD" --connect "unix:$tmp/$daemon.sock" --mode "$mode" \
           --conns "$CONNS" --duration "$dur" --warmup "$WARMUP" \
           --issuer-key-file "$tmp/issuer.key" --server-pid "${!pidvar}" \
           "${extra[@]}" 2>"$tmp/load.$1$2.log") || rc=$?
    if [[ $STORE = redis && -n $line ]]; then
        # Everything Redis did during the run (preflight and warmup
        # included: small next to the measured requests with WARMUP=0).
        after=$(redis_stat)
        line+=$(awk -v b="$before" -v a="$after" -v n="$(field requests "$line")" \
                -v hz="$(getconf CLK_TCK)" 'BEGIN {
                    split(b, x, " "); split(a, y, " ")
                    if (n > 0) printf " redis_round_trips_per_req=%.2f redis_cpu_us_per_req=%.1f",
                        (y[1] - x[1]) / n, (y[2] - x[2]) * 1e6 / hz / n }')
    fi
    if [[ $rc -ne 0 || -z $line ]]; then
        echo "session_bench: session_load $2 ($mode on $daemon) exited $rc:" \
             "$line" >&2
        sed 's/^/    /' "$tmp/load.$1$2.log" >&2
        failed=1
        [[ -n $line ]] || return 0
    fi
    printf '%s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$1" "$2" \
        "$(field rps "$line")" "$(field p50_us "$line")" \
        "$(field p99_us "$line")" "$(field server_cpu_us_per_req "$line")" \
        "$(field client_cpu_us_per_req "$line")" "$(field bad_status "$line")" \
        "$(field errors "$line")" "$(field reconnects "$line")" \
        "$(field relogins "$line")" "$(field redis_round_trips_per_req "$line")" \
        "$(field redis_cpu_us_per_req "$line")" >>"$tmp/results"
    printf '  round %s %s %s\n' "$1" "$2" "$line"
}

cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
echo "session_bench: $(nproc) CPUs ($cpu), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "session_bench: CONNS=$CONNS DUR=$DUR PW_DUR=$PW_DUR WARMUP=$WARMUP ROUNDS=$ROUNDS THREADS=$THREADS LOG_LEVEL=$LOG_LEVEL MAP_MB=$MAP_MB BUILDDIR=$BUILDDIR"
if [[ $STORE = redis ]]; then
    echo "session_bench: sessions in redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on $tmp/redis.sock"
else
    echo "session_bench: stores in $stores ($(df -PT "$stores" | awk 'NR == 2 { print $2 " on " $1 }'))"
fi

mkdir -m 700 "$stores/shared"
start stateless false "$stores/shared"
start require true "$stores/shared"

workloads=(a b c d)
[[ $PASSWORD = 1 ]] && workloads+=(p)
: >"$tmp/results"
for r in $(seq "$ROUNDS"); do
    restart_login
    order=("${workloads[@]}")
    if (( r % 2 == 0 )); then
        order=()
        for (( i = ${#workloads[@]} - 1; i >= 0; i-- )); do
            order+=("${workloads[i]}")
        done
    fi
    for wl in "${order[@]}"; do run "$r" "$wl"; done
done
# what the preflights saw, once per distinct line
cat "$tmp"/load.*.log 2>/dev/null | sed -n 's/^session_load: preflight: //p' \
    | sort | uniq -c | sed 's/^ *\([0-9]*\) /session_bench: preflight (x\1): /'

# median WORKLOAD COLUMN
median() {
    awk -v n="$1" -v c="$2" '$2 == n && $c != "" { print $c }' "$tmp/results" \
        | sort -g | awk '{ v[NR] = $1 } END {
              if (NR == 0) { print "-"; exit }
              if (NR % 2) print v[(NR + 1) / 2]
              else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# per_round WORKLOAD: req/s over (a)'s req/s, round by round.
per_round() {
    awk -v t="$1" -v rounds="$ROUNDS" '
        $2 == "a" { a[$1] = $3 } $2 == t { x[$1] = $3 }
        END { sep = ""
              for (r = 1; r <= rounds; r++)
                  if (a[r] > 0 && r in x) { printf "%s%.3f", sep, x[r] / a[r]; sep = " / " } }' \
        "$tmp/results"
}
label() {
    case $1 in
        a) echo "(a) check, stateless" ;;
        b) echo "(b) check, require_session" ;;
        c) echo "(c) refresh (chain)" ;;
        d) echo "(d) login, issuer key" ;;
        p) echo "(p) login, password \$6\$" ;;
    esac
}

echo
printf '%-29s %10s %8s %8s %8s %10s %10s %4s %4s %4s %4s\n' workload "req/s" \
    "vs (a)" p50_us p99_us srv_us/req cli_us/req bad err rcn rlg
while read -r r wl rps p50 p99 srv cli bad err rcn rlg _; do
    vs=$(awk -v r="$r" -v x="$rps" '$1 == r && $2 == "a" && $3 > 0 {
             printf "%.3f", x / $3 }' "$tmp/results")
    printf '%-29s %10s %8s %8s %8s %10s %10s %4s %4s %4s %4s  round %s\n' \
        "$(label "$wl")" "$rps" "$vs" "$p50" "$p99" "$srv" "$cli" "$bad" "$err" \
        "$rcn" "$rlg" "$r"
done <"$tmp/results"
echo
printf '%-29s %10s %8s %8s %8s %10s %10s   %s\n' "median of $ROUNDS" "req/s" \
    "vs (a)" p50_us p99_us srv_us/req cli_us/req "ratio vs (a) per round"
a_rps=$(median a 3)
for wl in "${workloads[@]}"; do
    rps=$(median "$wl" 3)
    ratio=$(awk -v x="$rps" -v a="$a_rps" \
            'BEGIN { if (a > 0 && x != "-") printf "%.3f", x / a; else print "-" }')
    printf '%-29s %10s %8s %8s %8s %10s %10s   %s\n' "$(label "$wl")" "$rps" \
        "$ratio" "$(median "$wl" 4)" "$(median "$wl" 5)" "$(median "$wl" 6)" \
        "$(median "$wl" 7)" "$(per_round "$wl")"
done
if [[ $STORE = redis ]]; then
    echo
    printf '%-29s %16s %18s\n' "Redis, median of $ROUNDS" "round trips/req" "redis-server us/req"
    for wl in "${workloads[@]}"; do
        printf '%-29s %16s %18s\n' "$(label "$wl")" "$(median "$wl" 12)" "$(median "$wl" 13)"
    done
fi
echo "session_bench: load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $failed -ne 0 ]]; then
    echo "session_bench: some runs had errors or unexpected statuses (see above)" >&2
    exit 1
fi
