# bench_lib.sh - what the bench scripts share; sourced after they set
# BENCH (their name, for messages), tmp (their mktemp -d directory) and
# pids (an array of the PIDs they start).
#
#   bench_stop PID            SIGTERM, SIGKILL after 5 s (reported), reap
#   bench_cleanup DIR...      bench_stop every PID in pids, then rm -rf DIRs
#   bench_stateless_config    the secret, key cache and [charon] lines of
#                             $tmp/charon.ini that the next one uses
#   bench_stateless_charon THREADS
#                             charon-fcgi with the stateless store on
#                             $tmp/charon.sock (secret, key cache and
#                             config in $tmp); sets pid_charon_master and
#                             pid_charon (its worker, whose CPU is the
#                             work) and writes an access token to
#                             $tmp/token.  Needs CHARON, CHARONCTL,
#                             BUILDDIR, PYTHON3 and a die function.

bench_stop() {
    local i
    kill -TERM "$1" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$1" 2>/dev/null; then
        echo "$BENCH: PID $1 ignored SIGTERM; killing it" >&2
        kill -KILL "$1" 2>/dev/null || true
    fi
    wait "$1" 2>/dev/null || true
}

bench_cleanup() {
    local pid
    for pid in "${pids[@]}"; do bench_stop "$pid"; done
    rm -rf "$@"
}

# bench_stateless_config: a secret, a key cache and $tmp/charon.ini's
# [charon] lines for the stateless store (more [charon] lines may follow).
bench_stateless_config() {
    head -c 48 /dev/urandom >"$tmp/secret"
    chmod 600 "$tmp/secret"
    mkdir -m 700 "$tmp/keycache"
    cat >"$tmp/charon.ini" <<INI
[charon]
token_issuer = https://bench.test
base_secret_file = $tmp/secret
session_store = dummy
key_cache_dir = $tmp/keycache
INI
}

bench_stateless_charon() {
    local i
    bench_stateless_config
    export CHARON_PLUGIN_PATH="$BUILDDIR/plugins/token_jwt/.libs:$BUILDDIR/plugins/store_dummy/.libs"
    "$CHARON" -c "$tmp/charon.ini" --listen "unix:$tmp/charon.sock" \
        --threads "$1" --foreground >>"$tmp/charon.log" 2>&1 &
    pids+=($!)
    pid_charon_master=$!
    pid_charon=
    for i in $(seq 100); do
        kill -0 "$pid_charon_master" 2>/dev/null \
            || { cat "$tmp/charon.log" >&2; die "charon-fcgi exited"; }
        # A master and one worker: the worker does the work.
        pid_charon=$(pgrep -P "$pid_charon_master" | head -1) || true
        [[ -S $tmp/charon.sock && -n $pid_charon ]] && break
        sleep 0.1
    done
    [[ -S $tmp/charon.sock && -n $pid_charon ]] \
        || die "charon-fcgi does not listen on $tmp/charon.sock"
    "$CHARONCTL" -c "$tmp/charon.ini" session create --user bench \
        2>>"$tmp/charon.log" \
        | "$PYTHON3" -c 'import json,sys;print(json.load(sys.stdin)["tokens"]["access_token"])' \
        >"$tmp/token" || { cat "$tmp/charon.log" >&2; die "charonctl session create failed"; }
}
