#!/usr/bin/env bash
# prefork.sh - --workers N: a worker killed with SIGKILL under load is
# replaced and requests keep succeeding; SIGHUP reloads config, keys and
# plugins into new workers while a request in progress in an old one
# completes (a new signing key: old tokens still verify, new ones carry
# the new kid); a broken config on SIGHUP changes nothing; /metrics sums
# every worker's counters; SIGTERM stops them all and exits 0.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs:$BUILD/plugins/cred_htpasswd/.libs

make_secret
head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key"; chmod 600 "$T/issuer.key"
head -c 32 /dev/urandom > "$T/k1.key"; head -c 32 /dev/urandom > "$T/k2.key"
chmod 600 "$T/k1.key" "$T/k2.key"
# A slow login: bcrypt at cost 13 takes a good part of a second.
"$PY" -W ignore - "$T/htpasswd" <<'PY'
import crypt, sys
h = crypt.crypt("slow-password", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 13))
open(sys.argv[1], "w").write("slow:" + h + "\n")
PY
config() { # SIGNING_KEY [extra key lines]
    { base_config | sed 's/^session_store = dummy/session_store = local/'; cat <<INI

[endpoints]
credentials = htpasswd
issuer_key_file = $T/issuer.key
metrics = true

[cred_htpasswd]
file = $T/htpasswd

[store_local]
path = $T/sessions

[token_jwt]
signing_key = $1
key.k1 = HS256:file:$T/k1.key
${2:-}
INI
    } > "$T/charon.ini"
}
config k1

SOCK=$T/p.sock
start_charon "$SOCK" --workers 2 --threads 4
workers() { pgrep -P "$DPID" | sort; }
# serving LOG N: N workers logged that they serve (a forked worker may
# still be loading its configuration and plugins)
serving() { [ "$(grep -c 'serving with' "$1")" -ge "$2" ]; }
wait_for 60 serving "$T/daemon.log" 2
expect_eq "two worker processes" "$(workers | wc -l)" "2"

req() { "$FCGI_REQ" --timeout-ms 10000 "$@" "unix:$SOCK"; }
login() { # USER -> the reply
    local b="{\"user_id\":\"$1\"}"
    req -p REQUEST_METHOD=POST -p DOCUMENT_URI=/auth/session -p CONTENT_TYPE=application/json \
        -p "CONTENT_LENGTH=${#b}" -p "HTTP_X_CHARON_ISSUER_KEY=$(cat "$T/issuer.key")" --body "$b"
}
token_of() { sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'; }
kid_of() { "$PY" -c 'import base64,json,sys; h=sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h+"="*(-len(h)%4)))["kid"])' "$1"; }
check() { req --status-only -p DOCUMENT_URI=/auth/check -p "HTTP_AUTHORIZATION=Bearer $1"; }

T1=$(login before | token_of)
expect_eq "tokens are signed with k1" "$(kid_of "$T1")" "k1"

# Under load (a new connection per request), one worker is killed.
( for i in $(seq 1 300); do check "$T1"; done > "$T/load.out" 2>&1 ) &
LOAD=$!
answered() { [ "$(wc -l < "$T/load.out")" -ge "$1" ]; }
wait_for 60 answered 20
VICTIM=$(workers | head -1)
kill -KILL "$VICTIM"
wait "$LOAD"
good=$(grep -c '^200$' "$T/load.out")
# A request the dying worker had accepted may be lost with it; nothing else.
if [ "$good" -ge 298 ]; then ok "requests keep succeeding while a worker is killed ($good/300)"
else not_ok "requests keep succeeding while a worker is killed ($good/300)" "$(sort "$T/load.out" | uniq -c)"; fi
replaced() { [ "$(workers | wc -l)" = 2 ] && ! workers | grep -qx "$VICTIM"; }
wait_for 60 replaced
expect_eq "the master started another worker" "$(workers | wc -l)" "2"
grep -q "worker $VICTIM was killed by signal 9; starting another" "$T/daemon.log" \
    && ok "and logged why" || not_ok "and logged why" "$(tail -5 "$T/daemon.log")"

# /metrics sums the workers.  A second daemon with one thread per worker:
# while a slow login holds one worker, the next connection can only go to
# the other, so concurrent slow logins are spread over both.
MSOCK=$T/m.sock
"$DAEMON" -c "$T/charon.ini" --listen "unix:$MSOCK" --workers 2 --threads 1 2> "$T/m.log" &
MPID=$!; PIDS="$PIDS $MPID"
wait_for_socket "$MSOCK" || { cat "$T/m.log"; exit 1; }
wait_for 60 serving "$T/m.log" 2
body='{"username":"slow","password":"slow-password"}'
for i in 1 2 3 4; do
    "$FCGI_REQ" --timeout-ms 20000 -p REQUEST_METHOD=POST -p DOCUMENT_URI=/auth/session \
        -p CONTENT_TYPE=application/json -p "CONTENT_LENGTH=${#body}" --body "$body" \
        "unix:$MSOCK" > "$T/m$i.out" 2>&1 &
done
wait $(jobs -p | grep -vx "$DPID\|$MPID") 2>/dev/null
expect_eq "four concurrent slow logins" "$(cat "$T"/m[1-4].out | grep -c 'Status: 201')" "4"
n=$("$FCGI_REQ" -p DOCUMENT_URI=/auth/metrics "unix:$MSOCK" | sed -n 's/^charon_session_events_total{event="create"} \([0-9]*\).*/\1/p')
expect_eq "/metrics counts every worker's session creates" "$n" "4"
pids=$(grep '"event":"charon.session.create"' "$T/m.log" | sed -n 's/^charon-fcgi\[\([0-9]*\)\].*/\1/p' | sort -u | wc -l)
expect_eq "the creates came from both workers" "$pids" "2"
kill -TERM "$MPID"
wait_for_exit "$MPID" 60 && expect_eq "that daemon stops too, exit 0" "$EXIT_STATUS" "0" \
    || not_ok "that daemon stops"

# SIGHUP with a new signing key, while a slow login is in progress.
OLD=$(workers)
# The login is in progress once an old worker holds its connection: one
# socket more among the workers' file descriptors.
sockets() { local w; for w in $OLD; do ls -l "/proc/$w/fd" 2>/dev/null; done | grep -c 'socket:'; }
SOCKETS0=$(sockets)
body='{"username":"slow","password":"slow-password"}'
( req -p REQUEST_METHOD=POST -p DOCUMENT_URI=/auth/session -p CONTENT_TYPE=application/json \
      -p "CONTENT_LENGTH=${#body}" --body "$body" > "$T/slow.out" 2>&1 ) &
SLOW=$!
wait_for 10 eval '[ "$(sockets)" -gt "$SOCKETS0" ]' || echo "# the login's connection was not seen in a worker: SIGHUP anyway"
config k2 "key.k2 = HS256:file:$T/k2.key"
kill -HUP "$DPID"
wait "$SLOW"
expect_contains "a login in progress across the reload completes" "$(cat "$T/slow.out")" "Status: 201"
renewed() { [ "$(workers | wc -l)" = 2 ] && [ -z "$(comm -12 <(echo "$OLD") <(workers))" ]; }
wait_for 60 renewed
expect_eq "two new workers replaced the old ones" "$(comm -12 <(echo "$OLD") <(workers) | wc -l) $(workers | wc -l)" "0 2"
T2=$(login after | token_of)
expect_eq "new tokens are signed with k2" "$(kid_of "$T2")" "k2"
expect_eq "old tokens still verify" "$(check "$T1")" "200"
expect_eq "new ones too" "$(check "$T2")" "200"

# A broken config on SIGHUP: logged, and the workers stay as they are.
CUR=$(workers)
echo "bogus_key = 1" >> "$T/charon.ini"
kill -HUP "$DPID"
wait_for_log 60 "$T/daemon.log" "SIGHUP: .* has errors" && ok "a broken config on SIGHUP is logged" \
    || not_ok "a broken config on SIGHUP is logged"
expect_eq "and changes no worker" "$(workers)" "$CUR"
expect_eq "requests still pass" "$(check "$T2")" "200"

kill -TERM "$DPID"
wait_for_exit "$DPID" 60 && expect_eq "SIGTERM stops master and workers, exit 0" "$EXIT_STATUS" "0" \
    || not_ok "SIGTERM stops master and workers"
expect_eq "no worker left" "$(pgrep -P "$DPID" | wc -l)" "0"
finish
