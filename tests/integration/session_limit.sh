#!/usr/bin/env bash
# session_limit.sh - [charon] max_sessions_per_user: a login past the
# limit ends the user's least recently refreshed sessions of that type
# (never the new one, never another user's or another type's), each with
# a charon.session.delete event.
. "$(dirname "$0")/lib.sh"
export CHARON_PLUGIN_PATH=$CHARON_PLUGIN_PATH:$BUILD/plugins/store_local/.libs

make_secret
head -c 36 /dev/urandom | base64 -w0 > "$T/issuer.key"; chmod 600 "$T/issuer.key"
{ base_config | sed 's/^session_store = dummy/session_store = local/'; cat <<INI
max_sessions_per_user = 3

[endpoints]
issuer_key_file = $T/issuer.key
metrics = true

[authorizer]
require_session = true

[store_local]
path = $T/sessions
INI
} > "$T/charon.ini"
SOCK=$T/l.sock
start_charon "$SOCK" --threads 2

"$PY" - "unix:$SOCK" "$FCGI_REQ" "$T/issuer.key" <<'PY'
import sys, time
sys.path.insert(0, __import__("os").environ["CHARON_TEST_SRCDIR"] + "/tests/integration")
from fcgi_http import Client, Tally, wait_for
c = Client(sys.argv[1], sys.argv[2])
key = open(sys.argv[3]).read().strip()
t = Tally()

def login(user, stype=None):
    body = {"user_id": user}
    if stype:
        body["session_type"] = stype
    r = c.request("POST", "/auth/session", json=body,
                  headers={"X-Charon-Issuer-Key": key})
    assert r.status == 201, r
    return r.json()["tokens"]

def alive(tok):
    return c.request("GET", "/auth/check", bearer=tok["access_token"]).status == 200

def tick():
    """refreshed_at has a resolution of one second: waits until the wall
    clock, which the daemon reads too, is in the next one."""
    s = int(time.time())
    wait_for(2, lambda: int(time.time()) > s)

a = login("lena"); b = login("lena")
other = login("otto"); api = login("lena", "api")
tick(); cc = login("lena")
tick()
r = c.request("POST", "/auth/session/refresh", bearer=a["refresh_token"])
t.eq("A is refreshed (now the most recently used of the first three)", r.status, 200)
a = r.json()["tokens"]
tick(); d = login("lena")
t.eq("a fourth login ends the least recently refreshed one (B)",
     [alive(x) for x in (a, b, cc, d)], [True, False, True, True])
tick(); e = login("lena")
t.eq("a fifth ends the next (C), the new one stays",
     [alive(x) for x in (a, cc, d, e)], [True, False, True, True])
t.eq("another user's session is untouched", alive(other), True)
t.eq("and so is the user's session of another type", alive(api), True)
r = c.request("GET", "/auth/sessions", bearer=e["access_token"])
t.eq("the user lists exactly the limit", len(r.json()["sessions"]), 3)
m = c.request("GET", "/auth/metrics").body.decode()
t.check("the evictions are counted as deletes",
        'charon_session_events_total{event="delete"} 2' in m, m)
sys.exit(t.finish())
PY
rc=$?
grep -c '"event":"charon.session.delete"' "$T/daemon.log" | grep -qx 2 \
    && ok "one delete event line per evicted session" \
    || { not_ok "one delete event line per evicted session"; rc=1; }
kill -TERM "$DPID"
wait_for_exit "$DPID" 60 || rc=1
finish || rc=1
exit $rc
