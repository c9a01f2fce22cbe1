#!/bin/bash
# fcgi_bench.sh - the do-nothing FastCGI app (fcgi_null) and charon-fcgi's
# AUTHORIZER role under the same fcgi_load load, in one run; prints a table
# and the ratio charon/null of the median req/s (target >= 0.8).
#
#   bash bench/fcgi_bench.sh                    # BUILDDIR found, or "."
#   BUILDDIR=/tmp/build CONNS=2 DUR=10 ROUNDS=3 THREADS=4 bash bench/fcgi_bench.sh
#   TARGET2=null bash bench/fcgi_bench.sh       # null against a second null
#
# Env: CONNS (2) client connections, DUR (10) seconds measured per run,
# WARMUP (1) seconds before each, ROUNDS (3) rounds alternating which server
# goes first (medians reported), THREADS (4) server threads, TARGET2
# (charon | null), MIN_RATIO (0.8), PER_REQUEST (0; 1: a new connection
# for every request, as nginx's auth_request makes, so that the cost of
# waking the server's idle threads shows: run it with THREADS=64).
# Everything lives in a mktemp -d
# directory; every server is started in the background, its PID recorded,
# and stopped by PID from the trap.  See bench/README.md "## fcgi_load".
set -euo pipefail

CONNS=${CONNS:-2}
DUR=${DUR:-10}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-4}
TARGET2=${TARGET2:-charon}
PER_REQUEST=${PER_REQUEST:-0}
MIN_RATIO=${MIN_RATIO:-0.8}
PYTHON3=${PYTHON3:-/usr/bin/python3}

die() { echo "fcgi_bench: $*" >&2; exit 2; }

case $TARGET2 in charon|null) ;; *) die "TARGET2 must be charon or null" ;; esac
for v in CONNS DUR ROUNDS THREADS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
[[ $WARMUP =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "WARMUP must be a number"

# The top build dir: $BUILDDIR, else the tree this script sits in (an
# in-tree build), else the current directory.
here=$(cd "$(dirname "$0")" && pwd)
if [[ -z ${BUILDDIR:-} ]]; then
    for d in "$here/.." . ..; do
        if [[ -x $d/bench/fcgi_load ]]; then BUILDDIR=$d; break; fi
    done
fi
BUILDDIR=$(cd "${BUILDDIR:-.}" && pwd)
LOAD=$BUILDDIR/bench/fcgi_load
NULL=$BUILDDIR/bench/fcgi_null
REQ=$BUILDDIR/tests/helpers/fcgi_req
CHARON=$BUILDDIR/src/charon-fcgi
CHARONCTL=$BUILDDIR/src/charonctl
[[ -x $LOAD && -x $NULL ]] \
    || die "no bench/fcgi_load in $BUILDDIR: run make there, or set BUILDDIR"
if [[ ! -x $REQ ]]; then          # a check program: not built by "make"
    make -C "$BUILDDIR/tests" helpers/fcgi_req >/dev/null \
        || die "cannot build tests/helpers/fcgi_req"
fi
if [[ $TARGET2 = charon ]]; then
    [[ -x $CHARON && -x $CHARONCTL ]] || die "no src/charon-fcgi or" \
        "src/charonctl in $BUILDDIR (TARGET2=null benchmarks null vs null)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fcgi_bench.XXXXXX")
pids=()
BENCH=fcgi_bench
. "$here/bench_lib.sh"
cleanup() { bench_cleanup "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_ready NAME SOCK PID: until the server answers one request.
wait_ready() {
    local i
    for i in $(seq 100); do
        kill -0 "$3" 2>/dev/null || { cat "$tmp/$1.log" >&2; die "$1 exited"; }
        if "$REQ" "unix:$2" --role authorizer --status-only --timeout-ms 1000 \
                >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    die "$1 does not answer on $2"
}

# start_null NAME: a fcgi_null on $tmp/NAME.sock; sets pid_NAME.
start_null() {
    "$NULL" --listen "unix:$tmp/$1.sock" --threads "$THREADS" \
        >>"$tmp/$1.log" 2>&1 &
    pids+=($!)
    printf -v "pid_$1" %s $!
    wait_ready "$1" "$tmp/$1.sock" $!
}

start_charon() {
    bench_stateless_charon "$THREADS"
    wait_ready charon "$tmp/charon.sock" "$pid_charon_master"
}

# sanity NAME: 200 with the bearer token, 401 without.
sanity() {
    local with without
    with=$("$REQ" "unix:$tmp/$1.sock" --role authorizer --status-only \
           -p "HTTP_AUTHORIZATION=Bearer $(cat "$tmp/token")") || true
    without=$("$REQ" "unix:$tmp/$1.sock" --role authorizer --status-only) || true
    [[ $with = 200 && $without = 401 ]] \
        || die "$1: expected 200 with the token and 401 without, got" \
               "'$with' and '$without'"
    echo "sanity $1: 200 with the token, 401 without"
}

# field KEY LINE: the value of KEY=value in a fcgi_load line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

failed=0
# run ROUND NAME PID
run() {
    local line rc=0 per=()
    [[ $PER_REQUEST = 1 ]] && per=(--connect-per-request)
    line=$("$LOAD" --connect "unix:$tmp/$2.sock" --conns "$CONNS" \
           --duration "$DUR" --warmup "$WARMUP" --role authorizer \
           --token-file "$tmp/token" --expect-status 200 --server-pid "$3" \
           "${per[@]}" 2>>"$tmp/load.log") || rc=$?
    if [[ $rc -ne 0 || -z $line ]]; then
        echo "fcgi_bench: fcgi_load against $2 exited $rc: $line" >&2
        failed=1
        [[ -n $line ]] || return 0
    fi
    printf '%s %s %s %s %s %s %s %s %s\n' "$1" "$2" "$(field rps "$line")" \
        "$(field p50_us "$line")" "$(field p99_us "$line")" \
        "$(field server_cpu_us_per_req "$line")" "$(field bad_status "$line")" \
        "$(field errors "$line")" "$(field reconnects "$line")" \
        >>"$tmp/results"
    printf '  round %s %-7s %s\n' "$1" "$2" "$line"
}

echo "fcgi_bench: $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r)"
echo "fcgi_bench: CONNS=$CONNS DUR=$DUR WARMUP=$WARMUP ROUNDS=$ROUNDS THREADS=$THREADS TARGET2=$TARGET2 BUILDDIR=$BUILDDIR"

start_null null
if [[ $TARGET2 = charon ]]; then
    t2=charon
    start_charon
else
    t2=null2
    start_null null2
    # a token of the size charon-fcgi issues (335 bytes; bench/README.md)
    "$PYTHON3" -c 'print("eyJ" + "x" * 332)' >"$tmp/token"
fi
sanity null
sanity "$t2"
pid_t2=pid_$t2

: >"$tmp/results"
for r in $(seq "$ROUNDS"); do
    if (( r % 2 == 1 )); then
        run "$r" null "$pid_null"
        run "$r" "$t2" "${!pid_t2}"
    else
        run "$r" "$t2" "${!pid_t2}"
        run "$r" null "$pid_null"
    fi
done

# median NAME COLUMN
median() {
    awk -v n="$1" -v c="$2" '$2 == n && $c != "" { print $c }' "$tmp/results" \
        | sort -g | awk '{ v[NR] = $1 } END {
              if (NR == 0) { print "-"; exit }
              if (NR % 2) print v[(NR + 1) / 2]
              else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
printf '%-7s %12s %8s %8s %16s %6s %6s %6s\n' server "req/s" p50_us p99_us \
    "server_cpu_us/req" bad errors reconn
awk '{ printf "%-7s %12s %8s %8s %16s %6s %6s %6s   (round %s)\n",
       $2, $3, $4, $5, $6, $7, $8, $9, $1 }' "$tmp/results"
for n in null "$t2"; do
    printf '%-7s %12s %8s %8s %16s   median of %s\n' "$n" "$(median "$n" 3)" \
        "$(median "$n" 4)" "$(median "$n" 5)" "$(median "$n" 6)" "$ROUNDS"
done
ratio=$(awk -v a="$(median "$t2" 3)" -v b="$(median null 3)" \
        'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }')
per_round=$(awk -v t="$t2" -v rounds="$ROUNDS" '
        $2 == "null" { n[$1] = $3 } $2 == t { c[$1] = $3 }
        END { for (r = 1; r <= rounds; r++)
                  if (n[r] > 0 && r in c) printf " %.3f", c[r] / n[r] }' \
        "$tmp/results")
verdict=$(awk -v r="$ratio" -v m="$MIN_RATIO" \
          'BEGIN { print (r + 0 >= m + 0) ? "meets" : "BELOW" }')
echo
echo "ratio $t2/null (median req/s): $ratio  (per round:$per_round)  $verdict the target >= $MIN_RATIO"
if [[ $failed -ne 0 ]]; then
    echo "fcgi_bench: some runs had errors or unexpected statuses (see above)" >&2
    exit 1
fi
