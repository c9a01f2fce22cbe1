#!/usr/bin/env bash
# failure_injection.sh - store failures of every kind on every endpoint.
# The daemon runs on the store_fail test plugin (tests/plugins/store_fail.c,
# loaded by absolute path from the build tree), whose control file is
# rewritten between requests to make one operation fail with one error
# kind; failure_injection.py checks the statuses, the JSON bodies, that
# nothing is half-written and that the log names the failure.  Then the
# daemon must still run, stop cleanly, and its log hold no token and no
# sanitizer report.
. "$(dirname "$0")/lib.sh"

PLUGIN=$BUILD/tests/.libs/store_fail.so
[ -f "$PLUGIN" ] || { echo "missing $PLUGIN (make -C tests store_fail.la)"; exit 1; }

make_secret
head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key"
echo >> "$T/issuer.key"
chmod 600 "$T/issuer.key"
: > "$T/control"
base_config | sed "s|^session_store = dummy|session_store = $PLUGIN|" > "$T/charon.ini"
cat >> "$T/charon.ini" <<INI
max_sessions_per_user = 3

[endpoints]
issuer_key_file = $T/issuer.key

[authorizer]
require_session = true

[store_fail]
control = $T/control
INI

SOCK=$T/s.sock
start_charon "$SOCK" --threads 4

CHARON_IT_ADDR=unix:$SOCK CHARON_IT_FCGI_REQ=$FCGI_REQ \
CHARON_IT_CONTROL=$T/control CHARON_IT_LOG=$T/daemon.log \
CHARON_IT_ISSUER_KEY=$T/issuer.key CHARON_IT_PID=$DPID \
CHARON_IT_TOKENS=$T/tokens.txt \
    "$PY" "$SRC/tests/integration/failure_injection.py"
rc=$?
[ "$rc" -eq 0 ] && ok "failure_injection.py passed" \
    || not_ok "failure_injection.py failed (exit $rc)"

if kill -0 "$DPID" 2>/dev/null; then ok "the daemon is still running"
else not_ok "the daemon is still running" "$(tail -20 "$T/daemon.log")"; fi
kill -TERM "$DPID" 2>/dev/null
expect_exit_0 "$DPID" "the daemon"
expect_no_sanitizer_report "no sanitizer report" "$T/daemon.log"
if [ -s "$T/tokens.txt" ] && grep -qF -f "$T/tokens.txt" "$T/daemon.log"; then
    not_ok "the daemon never logs a token" "$(grep -F -f "$T/tokens.txt" "$T/daemon.log" | head -5)"
else
    ok "the daemon never logs a token"
fi
expect_contains "the log names the injected failures" "$(cat "$T/daemon.log")" \
    "store_fail: injected failure of upsert"
# --- allocation failures (not in sanitizer builds: ASan owns malloc) -------
# One CGI process per request, so that the N-th allocation is the same
# point every time: a counting run gives C, then every N of the last
# SWEEP allocations (the request's own) fails once.  Each run must exit
# without a signal, answer a success or a clean 500/503 with a JSON body,
# leave no more allocations live at exit than the counting run, and a
# failed refresh must leave the session's lock_version as it was.
FM=$BUILD/tests/.libs/failmalloc.so
SWEEP=${CHARON_FM_SWEEP:-400}
STRIDE=${CHARON_FM_STRIDE:-13}
if [ "${CHARON_SANITIZERS:-no}" = yes ]; then
    echo "ok - allocation failures # SKIP sanitizer build"
elif [ ! -f "$FM" ]; then
    not_ok "allocation failures: $FM is built"
else
    mkdir "$T/plugins"
    for p in token_jwt store_local; do
        ln -s "$BUILD/plugins/$p/.libs/$p.so" "$T/plugins/$p.so"
    done
    { base_config | sed "s|^\[charon\]|[charon]\nplugin_dir = $T/plugins|;s|^session_store = dummy|session_store = local|"
      printf '\n[endpoints]\nissuer_key_file = %s\n\n[store_local]\npath = %s\n' \
          "$T/issuer.key" "$T/fm-sessions"; } > "$T/cgi.ini"
    IK=$(cat "$T/issuer.key")
    fm_login() { # ENV...
        local body='{"user_id":"fm"}'
        printf '%s' "$body" | env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
            CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} \
            SCRIPT_NAME=/auth/session "HTTP_X_CHARON_ISSUER_KEY=$IK" "$@" \
            "$DAEMON" -c "$T/cgi.ini"
    }
    fm_refresh() { # ENV...
        env -i GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
            SCRIPT_NAME=/auth/session/refresh "HTTP_AUTHORIZATION=Bearer $RT" \
            "$@" "$DAEMON" -c "$T/cgi.ini" < /dev/null
    }
    field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }
    fm_login > /dev/null 2>&1     # derives the keys into the key cache
    for path in login refresh; do
        # (after the login sweep, whose sessions max_sessions_per_user trims)
        if [ "$path" = refresh ]; then
            out=$(fm_login 2>/dev/null)
            RT=$(printf '%s' "$out" | field refresh_token)
        fi
        rm -f "$T/fm.rep"
        fm_$path LD_PRELOAD="$FM" FAILMALLOC_REPORT="$T/fm.rep" > "$T/fm.out" 2>/dev/null
        [ "$path" = refresh ] && LOCK=$(field lock_version < "$T/fm.out")
        C=$(sed -n 's/.*calls=\([0-9]*\).*/\1/p' "$T/fm.rep")
        L0=$(sed -n 's/.*live=\([0-9]*\).*/\1/p' "$T/fm.rep")
        bad=""; leaks=""
        # The request's own allocations one by one; before them (start-up:
        # OpenSSL, config, plugins, keys) every STRIDE-th.
        FIRST=$((C > SWEEP ? C - SWEEP : 1))
        for n in $(seq 1 "$STRIDE" $((FIRST - 1))) $(seq "$FIRST" $((C + 20))); do
            rm -f "$T/fm.rep"
            fm_$path LD_PRELOAD="$FM" FAILMALLOC_N=$n FAILMALLOC_REPORT="$T/fm.rep" \
                > "$T/fm.out" 2> "$T/fm.err"
            rc=$?
            st=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/fm.out")
            live=$(sed -n 's/.*live=\([0-9]*\).*/\1/p' "$T/fm.rep" 2>/dev/null)
            why=""
            if [ "$rc" -ge 128 ]; then
                why="killed by signal $((rc - 128))"
            elif [ -z "$st" ] && [ "$rc" -eq 0 ]; then
                why="exit 0 without a Status"
            elif [ -n "$st" ] && ! grep -q '^{"error":"[a-z_]*","message":' "$T/fm.out" \
                 && [ "$st" != 200 ] && [ "$st" != 201 ]; then
                why="status $st without a JSON error body"
            elif [ -n "$st" ] && [ "$st" != 200 ] && [ "$st" != 201 ] \
                 && [ "$st" != 500 ] && [ "$st" != 503 ]; then
                why="status $st"
            fi
            # More blocks live at exit than in the counting run: a leak, or
            # state a library keeps after a failure (OpenSSL's error
            # queue), so only noted, not failed.
            if [ -n "$live" ] && [ "$live" -gt "$L0" ]; then
                leaks="$leaks $n:+$((live - L0))"
            fi
            if [ "$path" = refresh ]; then
                case $st in
                # (the newest refresh token: the sweep outlasts a
                # fresh_cycle, after which an old generation is stale)
                200) LOCK=$(field lock_version < "$T/fm.out")
                     tok=$(field refresh_token < "$T/fm.out")
                     if [ -n "$tok" ]; then RT=$tok
                     else why="${why}200 without a refresh token"; fi ;;
                *)  # the same refresh token again, nothing failing
                    fm_refresh > "$T/fm.out2" 2>/dev/null
                    now=$(field lock_version < "$T/fm.out2")
                    if [ "$now" != $((LOCK + 1)) ]; then
                        why="$why${why:+; }a failed refresh (status ${st:-none}) moved lock_version from $LOCK (now $now after one good refresh)"
                    fi
                    [ -n "$now" ] && LOCK=$now && RT=$(field refresh_token < "$T/fm.out2") ;;
                esac
            fi
            [ -n "$why" ] && bad="$bad
N=$n (of $C): $why: $(grep -v '"event"' "$T/fm.err" | head -2 | tr '\n' ' ')"
        done
        [ -n "$leaks" ] && echo "# $path: more blocks live at exit than the counting run's $L0 (N:+blocks):$leaks" | fold -w 100
        if [ -z "$bad" ]; then
            ok "allocation failures on the $path path: N = 1..$((FIRST - 1)) every $STRIDE-th, $FIRST..$((C + 20)) each, all clean"
        else
            not_ok "allocation failures on the $path path" "$(printf '%s\n' "$bad" | sed '/^$/d' | head -40)"
        fi
    done
fi
finish
