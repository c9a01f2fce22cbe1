#!/usr/bin/python3
"""sessions.py ADDR FCGI_REQ CHARONCTL CONFIG DAEMON_LOG - see sessions.sh."""
import base64
import json
import re
import subprocess
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from fcgi_http import Client, Tally  # noqa: E402

ADDR, FCGI_REQ, CTL, CONFIG, DAEMON_LOG = sys.argv[1:6]
c = Client(ADDR, FCGI_REQ)
t = Tally()
CSRF = {"X-CSRF-Protect": "1"}
SEEN_TOKENS = []


def claims(token_or_hp):
    part = token_or_hp.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class Browser:
    """What a client of one transport holds and sends."""

    def __init__(self, transport):
        self.transport = transport
        self.access = self.refresh = None      # body parts
        self.jar = {}                          # cookies

    def take(self, r):
        for name, (value, attrs) in r.set_cookies().items():
            if "max-age=0" in attrs:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        if r.status in (200, 201):
            tok = r.json()["tokens"]
            self.access, self.refresh = tok["access_token"], tok["refresh_token"]
            for v in (self.access, self.refresh):
                if v:
                    SEEN_TOKENS.append(v)

    def send(self, which):
        """kwargs for a request authenticated by the access/refresh token."""
        part = self.access if which == "access" else self.refresh
        kw = {"cookies": dict(self.jar)}
        if part is not None:
            kw["bearer"] = part
        return kw


def login(user, password, transport, **extra):
    body = {"username": user, "password": password,
            "token_transport": transport}
    headers = extra.pop("headers", {})
    if transport != "bearer":
        headers = dict(headers, **{"Sec-Fetch-Mode": "cors"})
    return c.request("POST", "/auth/session", json=body, headers=headers,
                     **extra)


def check(b, profile=None):
    params = {"CHARON_PROFILE": profile} if profile else None
    return c.request("GET", "/auth/check", params=params, **b.send("access"))


def authorize(b):
    return c.request("GET", "/private/x", role="authorizer", **b.send("access"))


def flow(transport):
    pre = transport + ": "
    b = Browser(transport)
    r = login("alice", "wonderland", transport)
    t.eq(pre + "login is 201", r.status, 201)
    t.eq(pre + "login is not cached", r.header("Cache-Control"), "no-store")
    body = r.json()
    b.take(r)
    tok, sess = body["tokens"], body["session"]
    t.eq(pre + "session fields", sorted(sess), sorted([
        "id", "user_id", "type", "created_at", "expires_at",
        "refresh_expires_at", "refreshed_at", "tokens_fresh_from",
        "prev_tokens_fresh_from", "lock_version", "version"]))
    t.eq(pre + "a new session has lock_version 1", sess["lock_version"], 1)
    t.eq(pre + "it belongs to the user", (sess["user_id"], sess["type"]),
         ("alice", "full"))
    t.check(pre + "token exps never outlive the session",
            tok["access_token_exp"] <= tok["refresh_token_exp"]
            == sess["refresh_expires_at"] <= sess["expires_at"])
    cookies = r.set_cookies()
    if transport == "bearer":
        t.eq(pre + "no cookies", cookies, {})
        t.eq(pre + "whole tokens in the body",
             [v.count(".") for v in (tok["access_token"], tok["refresh_token"])],
             [2, 2])
    elif transport == "cookie":
        t.eq(pre + "body holds header.payload",
             [v.count(".") for v in (tok["access_token"], tok["refresh_token"])],
             [1, 1])
        t.check(pre + "cookies hold .signature",
                all(cookies[n][0].startswith(".") and cookies[n][0].count(".") == 1
                    for n in ("_access_token_signature", "_refresh_token_signature")),
                cookies)
    else:
        t.eq(pre + "no tokens in the body",
             (tok["access_token"], tok["refresh_token"]), (None, None))
        t.eq(pre + "cookies hold whole tokens",
             [cookies[n][0].count(".") for n in
              ("_access_token_signature", "_refresh_token_signature")], [2, 2])
    if transport != "bearer":
        a_attrs = cookies["_access_token_signature"][1]
        r_attrs = cookies["_refresh_token_signature"][1]
        for attr in ("path=/", "domain=it.test", "secure", "HttpOnly",
                     "SameSite=Strict"):
            t.check(pre + "cookie attribute " + attr,
                    attr in a_attrs.split("; ") and attr in r_attrs.split("; "),
                    a_attrs)
        t.check(pre + "access cookie max-age is the access TTL",
                "max-age=%d" % (tok["access_token_exp"] - sess["created_at"])
                in a_attrs, a_attrs)
        t.check(pre + "refresh cookie max-age is the refresh TTL",
                "max-age=%d" % (tok["refresh_token_exp"] - sess["created_at"])
                in r_attrs, r_attrs)
    sid = sess["id"]

    r = check(b)
    t.eq(pre + "GET /check passes", r.status, 200)
    t.eq(pre + "with the user id", r.header("X-Charon-User-Id"), "alice")
    t.eq(pre + "and the session id", r.header("X-Charon-Session-Id"), sid)
    r = authorize(b)
    t.eq(pre + "the AUTHORIZER role passes", r.status, 200)
    t.eq(pre + "with REMOTE_USER", r.header("Variable-REMOTE_USER"), "alice")

    r = c.request("GET", "/auth/sessions", **b.send("access"))
    t.eq(pre + "GET /sessions is 200", r.status, 200)
    listed = r.json()["sessions"]
    t.check(pre + "lists this session as current",
            [s for s in listed if s["id"] == sid and s["current"]], listed)
    t.check(pre + "lists no extra_payload or refresh token id",
            all("extra_payload" not in s and "refresh_token_id" not in s
                for s in listed), listed)

    # Refresh: state change, so the cookie transports need the CSRF header.
    old = Browser(transport)
    old.access, old.refresh, old.jar = b.access, b.refresh, dict(b.jar)
    if transport != "bearer":
        r = c.request("POST", "/auth/session/refresh", **b.send("refresh"))
        t.eq(pre + "refresh without the CSRF header is 403", r.status, 403)
        t.eq(pre + "saying why", r.json()["error"], "csrf_header_missing")
    r = c.request("POST", "/auth/session/refresh", headers=CSRF,
                  **b.send("refresh"))
    t.eq(pre + "refresh is 200", r.status, 200)
    b.take(r)
    body = r.json()
    t.eq(pre + "same session", body["session"]["id"], sid)
    t.eq(pre + "lock_version went up", body["session"]["lock_version"], 2)
    t.eq(pre + "the transport is kept", bool(r.set_cookies()),
         transport != "bearer")
    t.check(pre + "the new refresh token has a new jti",
            claims(b.refresh or b.jar["_refresh_token_signature"])["jti"]
            != claims(old.refresh or old.jar["_refresh_token_signature"])["jti"])
    t.eq(pre + "the new access token passes", check(b).status, 200)
    t.eq(pre + "the old refresh token is still fresh (same generation)",
         c.request("POST", "/auth/session/refresh", headers=CSRF,
                   **old.send("refresh")).status, 200)
    # An access token where the refresh token belongs: with bearer its
    # type is wrong; with cookie its header.payload does not fit the
    # refresh cookie's signature.  (cookie_only sends both cookies, and
    # the refresh cookie is what counts.)
    if transport != "cookie_only":
        r = c.request("POST", "/auth/session/refresh", headers=CSRF,
                      **b.send("access"))
        t.eq(pre + "an access token is no refresh token",
             (r.status, r.json()["message"]),
             (401, "bearer token claim type invalid" if transport == "bearer"
              else "bearer token signature invalid"))

    # Logout.
    if transport != "bearer":
        r = c.request("DELETE", "/auth/session", **b.send("access"))
        t.eq(pre + "logout without the CSRF header is 403", r.status, 403)
    r = c.request("POST", "/auth/session/logout", headers=CSRF,
                  **b.send("access"))
    t.eq(pre + "POST /session/logout is 204", r.status, 204)
    t.eq(pre + "it expires both cookies",
         sorted((n, "max-age=0" in a) for n, (v, a) in r.set_cookies().items()),
         [("_access_token_signature", True), ("_refresh_token_signature", True)])
    t.eq(pre + "the session is gone for require_session", check(b).status, 401)
    t.eq(pre + "a stateless profile still takes the token until exp",
         check(b, "stateless").status, 200)
    r = c.request("POST", "/auth/session/refresh", headers=CSRF,
                  **old.send("refresh"))
    t.eq(pre + "its refresh token is refused", (r.status, r.json()["message"]),
         (401, "session not found"))
    r = c.request("DELETE", "/auth/session", headers=CSRF,
                  **b.send("access"))
    t.eq(pre + "logout again is 401: the token's session is gone",
         (r.status, r.json()["message"]), (401, "session not found"))


def everywhere():
    pre = "logout everywhere: "
    bs = []
    for tr in ("bearer", "cookie", "bearer"):
        b = Browser(tr)
        b.take(login("bob", "builder", tr))
        bs.append(b)
    other = Browser("bearer")
    other.take(login("alice", "wonderland", "bearer"))
    r = c.request("GET", "/auth/sessions", **bs[0].send("access"))
    t.eq(pre + "bob has three sessions", len(r.json()["sessions"]), 3)
    r = c.request("DELETE", "/auth/sessions/others", **bs[1].send("access"))
    t.eq(pre + "DELETE /sessions/others by cookie needs the CSRF header",
         r.status, 403)
    r = c.request("DELETE", "/auth/sessions/others", **bs[0].send("access"))
    t.eq(pre + "DELETE /sessions/others is 204", r.status, 204)
    t.eq(pre + "and keeps the cookies", r.set_cookies(), {})
    t.eq(pre + "this one lives", check(bs[0]).status, 200)
    t.eq(pre + "the others are gone", [check(bs[1]).status,
                                       check(bs[2]).status], [401, 401])
    ctl = subprocess.run([CTL, "-c", CONFIG, "session", "list", "--user",
                          "bob"], capture_output=True, text=True)
    t.eq(pre + "charonctl sees the daemon's store",
         ctl.stdout.count('"id"'), 1)
    r = c.request("DELETE", "/auth/sessions", **bs[0].send("access"))
    t.eq(pre + "DELETE /sessions is 204", r.status, 204)
    t.eq(pre + "bob's last session is gone", check(bs[0]).status, 401)
    t.eq(pre + "alice's session is untouched", check(other).status, 200)
    r = c.request("GET", "/auth/sessions", **bs[0].send("access"))
    t.eq(pre + "a revoked session's token cannot list", r.status, 401)


def ctl_made():
    pre = "charonctl: "
    p = subprocess.run([CTL, "-c", CONFIG, "session", "create", "--user",
                        "carol"], capture_output=True, text=True)
    out = json.loads(p.stdout)
    b = Browser("bearer")
    b.access, b.refresh = (out["tokens"]["access_token"],
                           out["tokens"]["refresh_token"])
    SEEN_TOKENS.extend([b.access, b.refresh])
    t.eq(pre + "a session it creates passes the daemon's check",
         check(b).status, 200)
    r = c.request("POST", "/auth/session/refresh", **b.send("refresh"))
    t.eq(pre + "and refreshes at the daemon", r.status, 200)
    subprocess.run([CTL, "-c", CONFIG, "session", "revoke-all", "--user",
                    "carol"], check=True)
    t.eq(pre + "revoke-all is seen at once", check(b).status, 401)


def metrics_counts():
    """{reason: count} of charon_token_checks_total's invalid results."""
    text = c.request("GET", "/auth/metrics").body.decode()
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r'^charon_token_checks_total\{result="invalid",reason="(\w+)"\} '
        r'(\d+)$', text, re.M)}


def mint(**specs):
    """{name: token} signed by mint.py with the daemon's base secret."""
    secret = re.search(r"^base_secret_file = (.*)$", open(CONFIG).read(),
                       re.M).group(1)
    out = subprocess.run(
        [sys.executable, __file__.rsplit("/", 1)[0] + "/mint.py", secret] +
        ["%s=%s" % (k, json.dumps(v)) for k, v in specs.items()],
        check=True, capture_output=True, text=True).stdout
    return dict(line.split(" ", 1) for line in out.splitlines())


def reasons():
    """Each refusal moves its own /metrics label by one, and no other."""
    pre = "reasons: "
    now = int(__import__("time").time())
    b = Browser("bearer")
    b.take(login("alice", "wonderland", "bearer"))
    sid = claims(b.refresh)["sid"]
    tok = mint(expired={"exp": now - 60, "nbf": now - 600},
               early={"nbf": now + 600},
               claim={"type": "refresh"},
               session={"sid": "no-such-session"},
               stale={"type": "refresh", "sid": sid, "iat": now - 100000})
    cases = [
        ("not_found", lambda: c.request("GET", "/auth/check")),
        ("signature", lambda: c.request("GET", "/auth/check",
                                        bearer=b.access[:-2] + "xx")),
        ("expired", lambda: c.request("GET", "/auth/check",
                                      bearer=tok["expired"])),
        ("not_yet_valid", lambda: c.request("GET", "/auth/check",
                                            bearer=tok["early"])),
        ("claim", lambda: c.request("GET", "/auth/check",
                                    bearer=tok["claim"])),
        ("session", lambda: c.request("GET", "/auth/check",
                                      bearer=tok["session"])),
        ("stale", lambda: c.request("POST", "/auth/session/refresh",
                                    bearer=tok["stale"])),
    ]
    for label, send in cases:
        before = metrics_counts()
        r = send()
        after = metrics_counts()
        moved = {k: after[k] - before.get(k, 0) for k in after
                 if after[k] != before.get(k, 0)}
        t.eq(pre + "a %s refusal (%d) counts reason=\"%s\" once" %
             (label, r.status, label), moved, {label: 1})


def observability():
    pre = "events: "
    r = c.request("GET", "/auth/metrics")
    text = r.body.decode()
    t.eq(pre + "/metrics is 200", r.status, 200)

    def count(name, label):
        m = re.search(r'^%s\{%s\} (\d+)$' % (re.escape(name), label), text,
                      re.M)
        return int(m.group(1)) if m else -1
    t.check(pre + "session creates counted",
            count("charon_session_events_total", 'event="create"') >= 7, text)
    t.check(pre + "refreshes counted",
            count("charon_session_events_total", 'event="refresh"') >= 7, text)
    t.check(pre + "deletes and delete_alls counted",
            count("charon_session_events_total", 'event="delete"') >= 3 and
            count("charon_session_events_total", 'event="delete_all"') >= 2,
            text)
    t.check(pre + "refused tokens counted by reason",
            count("charon_token_checks_total",
                  'result="invalid",reason="session"') >= 3, text)
    log = open(DAEMON_LOG).read()
    lines = [json.loads(m) for m in re.findall(r"(\{\"event\":.*\})$", log, re.M)]
    kinds = {e["event"] for e in lines}
    for k in ("charon.session.create", "charon.session.refresh",
              "charon.session.delete", "charon.session.delete_all",
              "charon.token.valid", "charon.token.invalid"):
        t.check(pre + "a JSON log line for " + k, k in kinds, sorted(kinds))
    leaked = [x for x in SEEN_TOKENS
              if any(seg in log for seg in x.split(".")[1:])]
    t.eq(pre + "no token or token part in the log", leaked, [])
    t.check(pre + "no password in the log",
            "wonderland" not in log and "builder" not in log)


for transport in ("bearer", "cookie", "cookie_only"):
    flow(transport)
everywhere()
ctl_made()
reasons()
observability()
sys.exit(t.finish())
