#!/usr/bin/python3
"""session_endpoints.py ADDR FCGI_REQ CHARONCTL CONFIG SECRET MINT -
see session_endpoints.sh."""
import base64
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from fcgi_http import Client, Tally  # noqa: E402

ADDR, FCGI_REQ, CTL, CONFIG, SECRET, MINT = sys.argv[1:7]
ISSUER_KEY = os.environ["CHARON_IT_ISSUER_KEY"]
c = Client(ADDR, FCGI_REQ)
t = Tally()
ISSUER = {"X-Charon-Issuer-Key": ISSUER_KEY}


def claims(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def login(user_id, **body):
    r = c.request("POST", "/auth/session", json=dict(body, user_id=user_id),
                  headers=ISSUER)
    if r.status != 201:
        raise RuntimeError("login of %s: %r" % (user_id, r))
    d = r.json()
    return d["tokens"]["access_token"], d["tokens"]["refresh_token"], \
        d["session"]["id"]


def stored(user):
    """The ids of user's sessions in the store, as charonctl lists them."""
    p = subprocess.run([CTL, "-c", CONFIG, "session", "list", "--user", user],
                       capture_output=True, text=True, check=True)
    return sorted(json.loads(line)["id"] for line in p.stdout.splitlines()
                  if line.startswith("{"))


def mint(name, over):
    p = subprocess.run([sys.executable, MINT, SECRET,
                        "%s=%s" % (name, json.dumps(over))],
                       capture_output=True, text=True, check=True)
    return p.stdout.split()[1]


def refused(name, r, message="session not found"):
    body = {}
    try:
        body = r.json()
    except ValueError:
        pass
    t.eq(name, (r.status, body.get("error"), body.get("message")),
         (401, "invalid_token", message))


# --- a token whose session has ended ends nothing --------------------------
pre = "revoked token: "
stolen, _, old_sid = login("victim")
r = c.request("DELETE", "/auth/session", bearer=stolen)
t.eq(pre + "the victim logs out (204)", r.status, 204)
a1, _, s1 = login("victim")
a2, _, s2 = login("victim")
t.eq(pre + "the victim has two new sessions", stored("victim"),
     sorted([s1, s2]))
t.eq(pre + "without require_session /check still takes the stolen token",
     c.request("GET", "/auth/check", bearer=stolen).status, 200)
refused(pre + "DELETE /sessions with it is 401",
        c.request("DELETE", "/auth/sessions", bearer=stolen))
refused(pre + "DELETE /sessions/others with it is 401",
        c.request("DELETE", "/auth/sessions/others", bearer=stolen))
refused(pre + "GET /sessions with it is 401",
        c.request("GET", "/auth/sessions", bearer=stolen))
refused(pre + "DELETE /session with it is 401",
        c.request("DELETE", "/auth/session", bearer=stolen))
refused(pre + "POST /session/logout with it is 401",
        c.request("POST", "/auth/session/logout", bearer=stolen))
t.eq(pre + "the victim's new sessions are all still there",
     stored("victim"), sorted([s1, s2]))

# Revoked by the operator rather than logged out: the same.
subprocess.run([CTL, "-c", CONFIG, "session", "revoke", "--user", "victim",
                "--session", s1], check=True)
refused(pre + "a token of a session charonctl revoked cannot end the others",
        c.request("DELETE", "/auth/sessions", bearer=a1))
t.eq(pre + "so the other session stays", stored("victim"), [s2])

# --- a token that does not verify revokes nothing --------------------------
pre = "unverified token: "
sig = a2.rsplit(".", 1)
tampered = sig[0] + "." + ("B" if sig[1][0] == "A" else "A") + sig[1][1:]
refused(pre + "logout with a tampered signature is 401",
        c.request("DELETE", "/auth/session", bearer=tampered),
        "bearer token signature invalid")
body = claims(a2)
forged = mint("forged", dict(body, _key="wrong"))
refused(pre + "logout with a token naming the session, signed with another "
        "key, is 401", c.request("DELETE", "/auth/session", bearer=forged),
        "bearer token signature invalid")
refused(pre + "so is DELETE /sessions",
        c.request("DELETE", "/auth/sessions", bearer=forged),
        "bearer token signature invalid")
t.eq(pre + "the session is still there", stored("victim"), [s2])
r = c.request("DELETE", "/auth/session", bearer=a2)
t.eq(pre + "its own token still logs it out (204)", r.status, 204)
t.eq(pre + "and then it is gone", stored("victim"), [])

# --- claim overrides stay on every token a refresh mints ------------------
pre = "claim overrides: "


def refresh(rt):
    r = c.request("POST", "/auth/session/refresh", bearer=rt)
    if r.status != 200:
        raise RuntimeError("refresh: %r" % (r,))
    return r.json()


end = int(time.time()) + 120
r = c.request("POST", "/auth/session", headers=ISSUER, json={
    "user_id": "mallory",
    "access_claim_overrides": {"scope": "read-only",
                               "impersonated_by": "admin"},
    "refresh_claim_overrides": {"impersonated_by": "admin", "exp": end}})
t.eq(pre + "an issuer login with overrides is 201", r.status, 201)
d = r.json()
for n in ("login", "first refresh", "second refresh"):
    if n != "login":
        d = refresh(d["tokens"]["refresh_token"])
    at, rt = d["tokens"]["access_token"], d["tokens"]["refresh_token"]
    ac, rc = claims(at), claims(rt)
    t.eq(pre + n + ": the access token keeps scope and impersonated_by",
         (ac.get("scope"), ac.get("impersonated_by")), ("read-only", "admin"))
    t.eq(pre + n + ": the refresh token keeps impersonated_by and its exp",
         (rc.get("impersonated_by"), rc.get("exp")), ("admin", end))
    t.eq(pre + n + ": the session's refresh lifetime ends at that exp",
         (d["session"]["refresh_expires_at"],
          d["tokens"]["refresh_token_exp"]), (end, end))
    t.check(pre + n + ": the access token ends no later",
            ac["exp"] <= end and d["tokens"]["access_token_exp"] <= end, ac)
t.eq(pre + "the refreshes moved the lock", d["session"]["lock_version"], 3)
r = c.request("GET", "/auth/check", bearer=at)
t.eq(pre + "the refreshed access token passes /check", r.status, 200)
t.check(pre + "the session's id is the login's",
        d["session"]["id"] == stored("mallory")[0], stored("mallory"))
p = subprocess.run([CTL, "-c", CONFIG, "session", "list", "--user",
                    "mallory"], capture_output=True, text=True, check=True)
kept = json.loads(p.stdout.splitlines()[0])
t.eq(pre + "the store keeps them with the session",
     (kept.get("access_claim_overrides"), kept.get("refresh_claim_overrides"),
      kept["refresh_expires_at"]),
     ({"scope": "read-only", "impersonated_by": "admin"},
      {"impersonated_by": "admin", "exp": end}, end))
t.check(pre + "the client never sees them",
        not any("overrides" in k for k in d["session"]), d["session"])

# Without overrides nothing is added, and the refresh lifetime is the TTL.
at, rt, _ = login("plain")
d = refresh(rt)
t.check(pre + "a login without overrides refreshes to plain tokens",
        "scope" not in claims(d["tokens"]["access_token"]) and
        d["tokens"]["refresh_token_exp"] - d["session"]["refreshed_at"]
        == 5184000, d)
r = c.request("POST", "/auth/session", headers=ISSUER, json={
    "user_id": "mallory", "refresh_claim_overrides": {"exp": 1000}})
t.eq(pre + "a refresh override exp in the past is 400",
     (r.status, r.json().get("error")), (400, "invalid_request"))

# --- the route table: a listed path and another method is a 405 ----------
pre = "routes: "
ALLOW = {"/jwks.json": "GET, HEAD", "/health": "GET, HEAD",
         "/metrics": "GET, HEAD", "/session": "POST, DELETE",
         "/session/refresh": "POST", "/session/logout": "POST",
         "/sessions": "GET, HEAD, DELETE", "/sessions/others": "DELETE"}
wrong = []
for path, allow in sorted(ALLOW.items()):
    for method in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"):
        if method in allow.split(", "):
            continue
        r = c.request(method, "/auth" + path)
        if (r.status, r.header("Allow")) != (405, allow):
            wrong.append((method, path, r.status, r.header("Allow")))
t.eq(pre + "every other method of a listed path is 405 with its Allow",
     wrong, [])
r = c.request("PUT", "/auth/check")
t.eq(pre + "/check answers any method (PUT without a token: 401)",
     r.status, 401)
r = c.request("POST", "/auth/nowhere", content_length=10 ** 9)
t.eq(pre + "an oversized body is 413 even on an unknown path", r.status, 413)
r = c.request("GET", "/auth/check", content_length=10 ** 9)
t.eq(pre + "but /check ignores CONTENT_LENGTH", r.status, 401)

sys.exit(t.finish())
