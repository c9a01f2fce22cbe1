#!/usr/bin/python3
"""redis.py FCGI_REQ ISSUER_KEY A B C REDIS_CTL - see redis.sh.

A and B share one Redis and key prefix; C has another prefix."""
import json
import subprocess
import sys
import threading
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from fcgi_http import Client, Tally, wait_for  # noqa: E402

FCGI_REQ, KEY_FILE, A, B, C, CTL = sys.argv[1:7]
ISSUER_KEY = open(KEY_FILE).read().strip()
a, b, c = Client(A, FCGI_REQ), Client(B, FCGI_REQ), Client(C, FCGI_REQ)
t = Tally()


def login(cl, user, **extra):
    body = dict({"user_id": user}, **extra)
    return cl.request("POST", "/auth/session", json=body,
                      headers={"X-Charon-Issuer-Key": ISSUER_KEY})


def check(cl, access, profile=None):
    params = {"CHARON_PROFILE": profile} if profile else None
    return cl.request("GET", "/auth/check", bearer=access, params=params)


def refresh(cl, rt):
    return cl.request("POST", "/auth/session/refresh", bearer=rt)


def sessions(cl, access):
    r = cl.request("GET", "/auth/sessions", bearer=access)
    return r.json()["sessions"] if r.status == 200 else r


def ctl(*args):
    return subprocess.run([CTL] + list(args), capture_output=True,
                          text=True).returncode


# Two daemons, one Redis.
r = login(a, "ann")
t.eq("login at A is 201", r.status, 201)
tok = r.json()["tokens"]
sid = r.json()["session"]["id"]
t.eq("B passes A's session (require_session)",
     check(b, tok["access_token"]).status, 200)
r = refresh(b, tok["refresh_token"])
t.eq("B refreshes A's session", r.status, 200)
t.eq("with the next lock_version", r.json()["session"]["lock_version"], 2)
tok = r.json()["tokens"]
t.eq("A lists what B wrote", [(s["id"], s["lock_version"])
                             for s in sessions(a, tok["access_token"])],
     [(sid, 2)])
r = login(b, 42)
t.eq("an integer user id at B", (r.status, r.json()["session"]["user_id"]),
     (201, 42))
t.eq("seen by A", check(a, r.json()["tokens"]["access_token"]).status, 200)
r = login(a, "odd{user}.x")
t.eq("a user id with braces and dots", r.status, 201)
t.eq("passes at B", check(b, r.json()["tokens"]["access_token"]).status, 200)

# key_prefix isolation: C shares the Redis but not the prefix.
t.eq("C (another key_prefix) does not see A's session",
     (check(c, tok["access_token"]).status,
      check(c, tok["access_token"], "stateless").status), (401, 200))
rc = login(c, "ann")
t.eq("C keeps its own sessions", len(sessions(c, rc.json()["tokens"]
                                              ["access_token"])), 1)
t.eq("and A still sees only its one", len(sessions(a, tok["access_token"])),
     1)

# Races across the two daemons: every answer 200 or 409, and the lock
# counts exactly the winners.
def race(rounds=4, n=8):
    won = conflicts = 0
    bad = []
    for rnd in range(rounds):
        r = login(a, "racer")
        rt = r.json()["tokens"]["refresh_token"]
        access = r.json()["tokens"]["access_token"]
        results = [None] * n
        go = threading.Barrier(n)

        def one(i):
            go.wait()
            results[i] = refresh((a, b)[i % 2], rt).status
        ths = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        if any(s not in (200, 409) for s in results):
            bad.append(results)
        ok = results.count(200)
        won += ok
        conflicts += results.count(409)
        lst = [s for s in sessions(a, access) if s["current"]]
        if not lst or lst[0]["lock_version"] != 1 + ok:
            bad.append(("lock", results, lst))
    return won, conflicts, bad


won, conflicts, bad = race()
t.eq("racing refreshes on A and B: only 200/409, lock = 1 + winners", bad,
     [])
t.check("at least one refresh won each round", won >= 4, won)
print("# race: %d won, %d conflicts" % (won, conflicts))

# Tampering inside Redis: the MAC no longer fits, the session is absent.
r = login(a, "tess")
tt = r.json()["tokens"]
t.eq("before tampering the session passes", check(b, tt["access_token"]).status,
     200)
t.eq("the blob is rewritten in Redis", ctl("tamper", r.json()["session"]["id"]),
     0)
r = check(b, tt["access_token"])
t.eq("a tampered session is absent", (r.status, r.json()["message"]),
     (401, "session not found"))
t.eq("and cannot be refreshed", refresh(a, tt["refresh_token"]).status, 401)

# Redis dies in the middle.
r = login(a, "dora")
dt = r.json()["tokens"]
t.eq("Redis stops", ctl("stop"), 0)
for name, fn, want in (
        ("a stateless check keeps answering 200",
         lambda: check(a, dt["access_token"], "stateless"), 200),
        ("a check that needs the session is 503",
         lambda: check(a, dt["access_token"]), 503),
        ("login is 503", lambda: login(a, "dora"), 503),
        ("refresh is 503", lambda: refresh(b, dt["refresh_token"]), 503),
        ("GET /health is 503",
         lambda: a.request("GET", "/auth/health"), 503)):
    t0 = time.monotonic()
    r = fn()
    took = time.monotonic() - t0
    t.eq(name, r.status, want)
    t.check(name + ", within a second or two (%.2f s)" % took, took < 2.5,
            took)
    if want == 503:
        t.eq(name + ", with a JSON error", r.json().get("error"),
             "service_unavailable")
# A dead Redis must not make every request wait for a connect timeout.
t0 = time.monotonic()
for _ in range(20):
    check(a, dt["access_token"])
took = time.monotonic() - t0
t.check("20 checks while Redis is down take under 5 s (%.2f s)" % took,
        took < 5, took)
t.eq("Redis starts again, empty", ctl("start"), 0)
# Each daemon reconnects once its backoff (at most 1 s) has passed.
last = []


def logged_in():
    last[:] = [login(a, "dora")]
    return last[0].status == 201


t.check("A recovers without a restart: login is 201 again",
        wait_for(60, logged_in), last)
r = last[0]
nt = r.json()["tokens"] if r.status == 201 else {"access_token": "none"}
t.check("so does B", wait_for(60, lambda: check(b, nt["access_token"]).status
                              == 200))
t.eq("the sessions lost with Redis stay lost",
     check(b, dt["access_token"]).status, 401)
r = a.request("GET", "/auth/metrics")
t.check("/metrics still answers", r.status == 200 and
        b"charon_session_events_total" in r.body, r)
sys.exit(t.finish())
