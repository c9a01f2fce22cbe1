# lib.sh - shared by the integration tests: a temp dir, servers stopped by
# PID, a pass/fail tally ending with "N passed, N failed".
set -u

BUILD=${CHARON_TEST_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SRC=${CHARON_TEST_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=${PYTHON3:-/usr/bin/python3}
DAEMON=$BUILD/src/charon-fcgi
CTL=$BUILD/src/charonctl
FCGI_REQ=$BUILD/tests/helpers/fcgi_req
export CHARON_PLUGIN_PATH=$BUILD/plugins/token_jwt/.libs:$BUILD/plugins/store_dummy/.libs

T=$(mktemp -d "${TMPDIR:-/tmp}/charon-it.XXXXXX")
PIDS=""
PASSED=0
FAILED=0

cleanup() {
    local p
    for p in $PIDS; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT

ok() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/#   /'; }

# expect_contains NAME HAYSTACK NEEDLE
expect_contains() {
    case "$2" in
        *"$3"*) ok "$1" ;;
        *) not_ok "$1" "expected to contain: $3
got: $2" ;;
    esac
}
expect_not_contains() {
    case "$2" in
        *"$3"*) not_ok "$1" "expected NOT to contain: $3
got: $2" ;;
        *) ok "$1" ;;
    esac
}
expect_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $3
got: $2"; fi
}

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

# A private secret file and a key cache dir.
make_secret() {
    head -c 48 /dev/urandom | base64 -w0 > "$T/secret"
    chmod 600 "$T/secret"
    mkdir -p "$T/keycache"
    chmod 700 "$T/keycache"
}

# tamper TOKEN: the token with its signature's first character changed
# (the last one also carries padding bits that base64url decoding ignores,
# as Charon's does, so changing it may change nothing).
tamper() {
    local sig=${1##*.} flip=A
    case $sig in A*) flip=B ;; esac
    printf '%s.%s%s' "${1%.*}" "$flip" "${sig#?}"
}

# base_config: the [charon] lines every test config starts with (a secret
# from make_secret, the dummy store, a private key cache).
base_config() {
    cat <<INI
[charon]
token_issuer = https://it.test
base_secret_file = $T/secret
session_store = dummy
key_cache_dir = $T/keycache
INI
}

# wait_for SECONDS CMD...: runs CMD until it succeeds (0), or SECONDS have
# passed (1): how a test waits for a condition, never for a fixed time.
wait_for() {
    local limit=$1 start=${EPOCHREALTIME/./}
    shift
    until "$@"; do
        (( ${EPOCHREALTIME/./} - start >= limit * 1000000 )) && return 1
        sleep 0.05
    done
}

# listening PATH: a unix socket is bound at PATH and listening (the file
# exists from bind() on, but connections are refused until listen());
# /proc/net/unix shows it without connecting (flags __SO_ACCEPTCON).
listening() {
    [ -S "$1" ] && awk -v p="$1" '$NF == p && $4 == "00010000" { f = 1 } END { exit !f }' /proc/net/unix
}

# wait_for_socket PATH: up to 60 s for a unix socket that takes connections
wait_for_socket() {
    wait_for 60 listening "$1"
}

# exited PID: process PID has exited (and been reaped)
exited() {
    ! kill -0 "$1" 2>/dev/null
}

# wait_for_exit PID SECONDS: 0 and the exit status in $EXIT_STATUS if done
wait_for_exit() {
    if wait_for "$2" exited "$1"; then
        wait "$1"; EXIT_STATUS=$?
        return 0
    fi
    return 1
}

# wait_for_log SECONDS FILE REGEX: FILE gets a line matching REGEX (grep -E)
wait_for_log() {
    wait_for "$1" grep -Eq -- "$3" "$2"
}

# expect_exit_0 PID WHAT [SUFFIX]: waits up to 60 s for PID (already sent
# SIGTERM), drops it from PIDS, and checks "WHAT exits 0 on SIGTERM[SUFFIX]".
expect_exit_0() {
    if wait_for_exit "$1" 60; then
        PIDS=$(printf '%s\n' $PIDS | grep -vx "$1" | tr '\n' ' ')
        expect_eq "$2 exits 0 on SIGTERM${3:-}" "$EXIT_STATUS" "0"
    else
        not_ok "$2 exits on SIGTERM${3:-}"
    fi
}

# expect_no_sanitizer_report NAME LOG: no ASan, LSan or UBSan report in LOG.
expect_no_sanitizer_report() {
    if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$2"; then
        not_ok "$1" "$(grep -E -A20 'Sanitizer|runtime error:' "$2" | head -40)"
    else
        ok "$1"
    fi
}

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_charon SOCK [ARGS...]: charon-fcgi -c $T/charon.ini listening on
# unix:SOCK with ARGS (e.g. --threads 2), stderr in $T/daemon.log, its pid
# in DPID and PIDS; prints the log and exits 1 unless the socket appears.
start_charon() {
    local sock=$1
    shift
    "$DAEMON" -c "$T/charon.ini" --listen "unix:$sock" "$@" 2> "$T/daemon.log" &
    DPID=$!; PIDS="$PIDS $DPID"
    wait_for_socket "$sock" || { cat "$T/daemon.log"; exit 1; }
}

# issuer_daemon: charon-fcgi on $SOCK with store_local and an issuer key
# ($T/issuer.key, for logins by a trusted backend), plus the config lines
# given on stdin ("[authorizer]..."); sets SOCK and DPID, exits on failure.
issuer_daemon() {
    export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs
    make_secret
    head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key"
    chmod 600 "$T/issuer.key"
    { base_config | sed 's/^session_store = dummy/session_store = local/'
      printf '\n[endpoints]\nissuer_key_file = %s\n\n[store_local]\npath = %s\n' \
          "$T/issuer.key" "$T/sessions"
      cat; } > "$T/charon.ini"
    SOCK=$T/s.sock
    start_charon "$SOCK" --threads 2
}
