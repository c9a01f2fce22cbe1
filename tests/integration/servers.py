#!/usr/bin/python3
"""servers.py - the checks every real web server passes (server_*.sh).

    servers.py --server NAME --url http://127.0.0.1:PORT --secret FILE
               --issuer-key FILE [--backend PATH=KIND ...]
               [--echo-port PORT] [--deny-page login|json|any] [--quick]

The server in front of charon-fcgi serves (see etc/<server>/charon.conf):
  /private/secret.txt   a static file behind the check
  /admin/index.html     a static file behind [profile admin]
                        (claim_equals.role = admin)
  each --backend PATH   an echo backend behind the check; KIND says how it
                        learns who the user is: "env" (CHARON_USER_ID,
                        REMOTE_USER, CHARON_CLAIM_* from Variable-*:
                        lighttpd, Apache) or "headers" (X-Charon-* request
                        headers: nginx, Apache's RequestHeader)
  /auth/                charon-fcgi's endpoints
--echo-port runs the HTTP echo backend (a thread of this script) there.
--deny-page says what a 401 from a static location carries: charon-fcgi's
JSON (lighttpd, Apache), the site's login page (nginx's error_page).
--quick runs one bearer flow only (a second deployment mode).
Prints "ok - ..." lines and "N passed, N failed" like the other tests.
"""
import argparse
import base64
import http.client
import http.server
import itertools
import json
import os
import subprocess
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fcgi_http import Tally  # noqa: E402

SECRET_TEXT = "the secret file of charon-fcgi's server tests\n"
ADMIN_TEXT = "the admin page of charon-fcgi's server tests\n"
LOGIN_MARK = "charon-fcgi test login page"
STATIC = "/private/secret.txt"
ADMIN = "/admin/index.html"
CSRF = {"X-CSRF-Protect": "1"}
# The headers the locations set.  A client may send them itself, to pose
# as someone else, in any spelling a backend folds into the same variable
# (CGI, WSGI and Rack read "-" and "_" alike, in any case) and more than
# once: the server must pass the daemon's values (or none) to the
# backend, never one of these.
IDENTITY_HEADERS = ("X-Charon-User-Id", "X-Charon-Session-Id",
                    "X-Charon-Session-Type", "X-Charon-Claim-Role",
                    "X-Charon-Claim-Iss")
FORGED_MARK = "mallory"


def forged_headers():
    """Every "-"/"_" spelling of each name, in three cases, and the plain
    name twice, each with a value holding FORGED_MARK."""
    out = []
    for name in IDENTITY_HEADERS:
        parts = name.split("-")
        for i, seps in enumerate(itertools.product("-_",
                                                   repeat=len(parts) - 1)):
            n = parts[0] + "".join(a + b for a, b in zip(seps, parts[1:]))
            n = (n, n.lower(), n.upper())[i % 3]
            out.append((n, "%s-%d" % (FORGED_MARK, i)))
        out += [(name, FORGED_MARK + "-dup"), (name, FORGED_MARK + "-dup")]
    return out


FORGED = forged_headers()

ap = argparse.ArgumentParser()
ap.add_argument("--server", required=True)
ap.add_argument("--url", required=True)
ap.add_argument("--secret", required=True)
ap.add_argument("--issuer-key", required=True)
ap.add_argument("--backend", action="append", default=[])
ap.add_argument("--echo-port", type=int)
ap.add_argument("--deny-page", default="json",
                choices=("json", "login", "any"))
ap.add_argument("--quick", action="store_true")
A = ap.parse_args()
URL = urllib.parse.urlsplit(A.url)
BACKENDS = [tuple(b.split("=", 1)) for b in A.backend]
with open(A.issuer_key) as f:
    ISSUER_KEY = f.read().strip()
t = Tally()
PRE = A.server + ": "


# --- the HTTP echo backend ---------------------------------------------
class Echo(http.server.BaseHTTPRequestHandler):
    """Answers what a CGI echo script answers, from its request headers:
    {"env": {"HTTP_X_CHARON_USER_ID": [...], ...}, "method", "body"}.
    Names fold as a WSGI/CGI/Rack backend folds them ("-" and "_" alike,
    any case): every header that lands in one variable is in its list."""

    def reply(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        env = {}
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            env.setdefault(key, []).append(value)
        out = json.dumps({"env": env, "method": self.command,
                          "body": body.decode("latin-1")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_DELETE = reply

    def log_message(self, *args):
        pass


if A.echo_port:
    echo = http.server.ThreadingHTTPServer(("127.0.0.1", A.echo_port), Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()


# --- HTTP client ---------------------------------------------------------
class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def text(self):
        return self.body.decode("latin-1")

    def json(self):
        try:
            return json.loads(self.body.decode())
        except ValueError:
            return None

    def set_cookies(self):
        out = {}
        for n, v in self.headers:
            if n.lower() == "set-cookie":
                pair, _, attrs = v.partition(";")
                name, _, value = pair.partition("=")
                out[name.strip()] = (value.strip(), attrs)
        return out

    def __repr__(self):
        return "<%d %r %r>" % (self.status, self.headers, self.body[:400])


def http_req(method, path, headers=None, body=None, chunked=False):
    """headers: a dict, or a list of (name, value) pairs that may repeat
    a name (sent as they are, without a body)."""
    conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=25)
    hdrs = headers if isinstance(headers, list) else dict(headers or {})
    try:
        if isinstance(hdrs, list):
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in hdrs:
                conn.putheader(name, value)
            conn.endheaders()
        elif chunked:
            hdrs["Transfer-Encoding"] = "chunked"
            conn.request(method, path, body=iter(body), headers=hdrs,
                         encode_chunked=True)
        else:
            conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        return Resp(r.status, r.getheaders(), r.read())
    except (OSError, http.client.HTTPException) as e:
        return Resp(0, [], ("%s %s: %r" % (method, path, e)).encode())
    finally:
        conn.close()


def post_json(path, obj, headers=None, chunked=False):
    data = json.dumps(obj).encode()
    hdrs = dict({"Content-Type": "application/json"}, **(headers or {}))
    if chunked:
        return http_req("POST", path, hdrs, [data[:7], data[7:]], True)
    return http_req("POST", path, hdrs, data)


class Browser:
    """The tokens (body parts) and cookies one client holds."""

    def __init__(self, transport):
        self.transport = transport
        self.access = self.refresh = None
        self.jar = {}

    def take(self, r):
        for name, (value, attrs) in r.set_cookies().items():
            if "max-age=0" in attrs.lower():
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        data = r.json()
        if r.status in (200, 201) and data and "tokens" in data:
            self.access = data["tokens"]["access_token"]
            self.refresh = data["tokens"]["refresh_token"]

    def copy(self):
        b = Browser(self.transport)
        b.access, b.refresh, b.jar = self.access, self.refresh, dict(self.jar)
        return b

    def headers(self, which="access", extra=None):
        h = dict(extra or {})
        part = self.access if which == "access" else self.refresh
        if part:
            h["Authorization"] = "Bearer " + part
        if self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        return h


def login(transport, user="alice", password="wonderland", **kw):
    body = {"username": user, "password": password,
            "token_transport": transport}
    return post_json("/auth/session", body, **kw)


def issuer_login(user_id, role, key=None):
    body = {"user_id": user_id, "token_transport": "bearer",
            "access_claim_overrides": {"role": role}}
    return post_json("/auth/session", body,
                     {"X-Charon-Issuer-Key": key or ISSUER_KEY})


def bearer(token):
    b = Browser("bearer")
    b.access = token
    return b


# --- what a backend saw ---------------------------------------------------
def seen(r, kind):
    """The identity a backend received, as {"user", "session", "type",
    "role", "iss", "remote_user"}; None for what it did not get."""
    data = r.json()
    if not data or "env" not in data:
        return None
    env = data["env"]

    def one(name):
        v = env.get(name)
        if isinstance(v, list):     # the HTTP echo: every copy of a header
            return v[0] if len(v) == 1 else v
        return v
    if kind == "env":
        return {"user": one("CHARON_USER_ID"),
                "session": one("CHARON_SESSION_ID"),
                "type": one("CHARON_SESSION_TYPE"),
                "role": one("CHARON_CLAIM_ROLE"),
                "iss": one("CHARON_CLAIM_ISS"),
                "remote_user": one("REMOTE_USER")}
    return {"user": one("HTTP_X_CHARON_USER_ID"),
            "session": one("HTTP_X_CHARON_SESSION_ID"),
            "type": one("HTTP_X_CHARON_SESSION_TYPE"),
            # an empty header is as good as none
            "role": one("HTTP_X_CHARON_CLAIM_ROLE") or None,
            "iss": one("HTTP_X_CHARON_CLAIM_ISS"),
            "remote_user": None}


def forged(headers):
    """A client's headers (a dict) with FORGED added."""
    return list(headers.items()) + FORGED


def expect_identity(name, r, kind, user, session, role):
    if not t.eq(name + " is 200", r.status, 200):
        print("#   " + repr(r))
        return
    got = seen(r, kind)
    want = {"user": user, "session": session, "type": "full", "role": role,
            "iss": "https://it.test",
            "remote_user": user if kind == "env" else None}
    t.eq(name + " gets the daemon's identity (" + kind + ")", got, want)


def expect_no_forgery(name, r):
    """No header the client forged reaches the backend, under any name
    (the CGI echo shows every *CHARON* variable, the HTTP echo every
    header)."""
    env = (r.json() or {}).get("env", {})
    leaked = sorted("%s=%s" % (k, v) for k, v in env.items()
                    if FORGED_MARK in json.dumps(v))
    t.eq(name + ": no forged X-Charon-* spelling reaches the backend",
         leaked, [])


def expect_denied(name, r, status, reason=None, static=False):
    """A refusal: the status, and where the server passes it on,
    charon-fcgi's WWW-Authenticate and body."""
    t.eq(name + ": " + str(status), r.status, status)
    if SECRET_TEXT in r.text() or ADMIN_TEXT in r.text():
        t.check(name + ": no protected content", False, r)
    www = r.header("WWW-Authenticate") or ""
    if reason is not None and (status == 401 or A.server != "nginx"):
        t.check(name + ": WWW-Authenticate says " + reason,
                reason in www, www)
    if not static or A.deny_page == "any":
        return
    if A.deny_page == "login" and status == 401:
        t.check(name + ": the login page", LOGIN_MARK in r.text(), r)
    elif A.deny_page == "json":
        data = r.json()
        t.check(name + ": charon-fcgi's JSON",
                isinstance(data, dict) and
                (reason is None or reason in data.get("message", "") or
                 reason == data.get("error")), r)


def no_leak(name, r):
    """What the daemon tells the server is for the server, not the client."""
    leaked = [n for n, _ in r.headers
              if n.lower().startswith(("variable-", "x-charon-"))]
    t.eq(name + ": no Variable-/X-Charon- header reaches the client",
         leaked, [])


# --- the checks --------------------------------------------------------------
def flow(transport):
    pre = PRE + transport + ": "
    b = Browser(transport)
    extra = {"Sec-Fetch-Mode": "cors"} if transport != "bearer" else {}
    r = login(transport, headers=extra)
    if not t.eq(pre + "login through the server is 201", r.status, 201):
        print("#   " + repr(r))
        return
    b.take(r)
    sid = r.json()["session"]["id"]
    if transport == "cookie":
        t.eq(pre + "the body holds header.payload", b.access.count("."), 1)
    if transport != "bearer":
        t.eq(pre + "the server passes both Set-Cookie headers",
             sorted(b.jar), ["_access_token_signature",
                             "_refresh_token_signature"])

    r = http_req("GET", STATIC, b.headers())
    t.eq(pre + "the static file is served", (r.status, r.text()),
         (200, SECRET_TEXT))
    no_leak(pre + "static", r)
    for path, kind in BACKENDS:
        r = http_req("GET", path, forged(b.headers()))
        expect_identity(pre + path, r, kind, "alice", sid, None)
        expect_no_forgery(pre + path, r)
        no_leak(pre + path, r)
    r = http_req("GET", "/auth/sessions", b.headers())
    t.check(pre + "GET /auth/sessions lists this session as current",
            r.status == 200 and
            [s for s in (r.json() or {}).get("sessions", [])
             if s["id"] == sid and s["current"]], r)

    old = b.copy()
    if transport != "bearer":
        r = http_req("POST", "/auth/session/refresh", b.headers("refresh"))
        t.eq(pre + "refresh without the CSRF header is 403",
             (r.status, (r.json() or {}).get("error")),
             (403, "csrf_header_missing"))
    r = http_req("POST", "/auth/session/refresh", b.headers("refresh", CSRF))
    if t.eq(pre + "refresh through the server is 200", r.status, 200):
        b.take(r)
        t.eq(pre + "same session", r.json()["session"]["id"], sid)
    else:
        print("#   " + repr(r))
    r = http_req("GET", STATIC, b.headers())
    t.eq(pre + "the refreshed token is let in", r.status, 200)
    if BACKENDS:
        path, kind = BACKENDS[0]
        r = http_req("GET", path, b.headers())
        expect_identity(pre + "refreshed: " + path, r, kind, "alice", sid,
                        None)

    if transport != "bearer":
        r = http_req("DELETE", "/auth/session", b.headers())
        t.eq(pre + "logout without the CSRF header is 403", r.status, 403)
    r = http_req("DELETE", "/auth/session", b.headers(extra=CSRF))
    t.eq(pre + "logout through the server is 204", r.status, 204)
    if transport != "bearer":
        t.eq(pre + "logout expires both cookies",
             sorted(n for n, (v, a) in r.set_cookies().items()
                    if "max-age=0" in a.lower()),
             ["_access_token_signature", "_refresh_token_signature"])
    b.take(r)
    last = b.copy()
    for who, creds in (("the logged-out token", old),
                       ("what the client holds after logout", last)):
        r = http_req("GET", STATIC, creds.headers())
        want = "session not found" if creds is old or transport == "bearer" \
            else None
        expect_denied(pre + who + " on the static file", r, 401, want,
                      static=True)
    if BACKENDS:
        r = http_req("GET", BACKENDS[0][0], old.headers())
        expect_denied(pre + "the logged-out token on " + BACKENDS[0][0], r,
                      401, "session not found")
    r = http_req("POST", "/auth/session/refresh", old.headers("refresh", CSRF))
    t.eq(pre + "its refresh token is refused", r.status, 401)


def bad_tokens():
    pre = PRE
    r = http_req("GET", STATIC)
    expect_denied(pre + "no token", r, 401, "bearer token not found",
                  static=True)
    for path, _ in BACKENDS:
        r = http_req("GET", path)
        expect_denied(pre + "no token on " + path, r, 401,
                      "bearer token not found")
    b = Browser("bearer")
    b.take(login("bearer"))
    sig = b.access.rsplit(".", 1)[1]
    tampered = b.access.rsplit(".", 1)[0] + "." + \
        ("B" if sig[0] == "A" else "A") + sig[1:]
    r = http_req("GET", STATIC, bearer(tampered).headers())
    expect_denied(pre + "a tampered token", r, 401,
                  "bearer token signature invalid", static=True)
    # The payload changed to another user, the signature kept.
    h, p, s = b.access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    claims["sub"] = "admin"
    p2 = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode()
    r = http_req("GET", STATIC, bearer(h + "." + p2.rstrip("=") + "." + s)
                 .headers())
    expect_denied(pre + "a payload changed to sub=admin", r, 401,
                  "bearer token signature invalid", static=True)
    minted = subprocess.run(
        [sys.executable, os.path.join(os.path.dirname(__file__), "mint.py"),
         A.secret, 'expired={"exp":1000000000}',
         'otheriss={"iss":"https://other.test"}'],
        capture_output=True, text=True, check=True).stdout.split("\n")
    tok = dict(line.split(" ", 1) for line in minted if line)
    r = http_req("GET", STATIC, bearer(tok["expired"]).headers())
    expect_denied(pre + "an expired token", r, 401, "bearer token expired",
                  static=True)
    for path, _ in BACKENDS[:1]:
        r = http_req("GET", path, bearer(tok["expired"]).headers())
        expect_denied(pre + "an expired token on " + path, r, 401,
                      "bearer token expired")
    r = http_req("GET", STATIC, bearer(tok["otheriss"]).headers())
    expect_denied(pre + "a token of another issuer", r, 401, None,
                  static=True)
    r = login("bearer", password="wrong")
    t.eq(pre + "a wrong password is 401", r.status, 401)
    http_req("DELETE", "/auth/session", b.headers())


def claim_rules():
    pre = PRE + "claim rule: "
    b = Browser("bearer")
    b.take(login("bearer"))
    r = http_req("GET", ADMIN, b.headers())
    expect_denied(pre + "a token without role on /admin/", r, 403,
                  "insufficient_scope", static=True)
    r = issuer_login("boss", "admin")
    if not t.eq(pre + "issuer-key login (role admin) is 201", r.status, 201):
        print("#   " + repr(r))
        return
    boss = Browser("bearer")
    boss.take(r)
    boss_sid = r.json()["session"]["id"]
    r = http_req("GET", ADMIN, boss.headers())
    t.eq(pre + "role admin gets /admin/", (r.status, r.text()),
         (200, ADMIN_TEXT))
    for path, kind in BACKENDS:
        r = http_req("GET", path, forged(boss.headers()))
        expect_identity(pre + "exported claim on " + path, r, kind, "boss",
                        boss_sid, "admin")
        expect_no_forgery(pre + "exported claim on " + path, r)
    r = issuer_login("carol", "user")
    t.eq(pre + "issuer-key login (role user) is 201", r.status, 201)
    carol = Browser("bearer")
    carol.take(r)
    r = http_req("GET", ADMIN, carol.headers())
    expect_denied(pre + "role user on /admin/", r, 403, "insufficient_scope",
                  static=True)
    t.eq(pre + "role user still gets /private/",
         http_req("GET", STATIC, carol.headers()).status, 200)
    r = issuer_login("eve", "admin", key="not-the-issuer-key-" + "x" * 20)
    t.eq(pre + "a wrong issuer key is 401", r.status, 401)
    for who in (b, boss, carol):
        http_req("DELETE", "/auth/session", who.headers())


def bodies():
    pre = PRE + "request bodies: "
    form = urllib.parse.urlencode({"username": "alice",
                                   "password": "wonderland"}).encode()
    r = http_req("POST", "/auth/session",
                 {"Content-Type": "application/x-www-form-urlencoded"}, form)
    t.eq(pre + "a form login is 201", r.status, 201)
    b = Browser("bearer")
    b.take(r)
    r = post_json("/auth/session", {"username": "alice",
                                    "password": "wonderland"}, chunked=True)
    t.eq(pre + "a chunked JSON login is 201", r.status, 201)
    if r.status != 201:
        print("#   " + repr(r))
    huge = json.dumps({"username": "alice", "password": "wonderland",
                       "pad": "x" * 200000}).encode()
    r = http_req("POST", "/auth/session",
                 {"Content-Type": "application/json"}, huge)
    t.eq(pre + "a login body over max_body_bytes is 413", r.status, 413)
    r = post_json("/auth/session", {"username": "alice", "pad": "x" * 200000,
                                    "password": "wonderland"}, chunked=True)
    t.eq(pre + "a chunked one too", r.status, 413)
    big = b"0123456789abcdef" * 4096            # 64 KiB
    for path, kind in BACKENDS:
        r = http_req("POST", path, dict(b.headers(),
                     **{"Content-Type": "application/octet-stream"}), big)
        data = r.json() or {}
        t.eq(pre + "a POST body reaches " + path + " whole after the check",
             (r.status, data.get("method"), len(data.get("body", ""))),
             (200, "POST", len(big)))
    r = http_req("POST", STATIC, dict(b.headers(),
                 **{"Content-Type": "application/octet-stream"}), big)
    t.check(pre + "a POST to the static file gets past the check",
            r.status in (200, 405), r)
    r = http_req("POST", STATIC, {"Content-Type": "application/json"},
                 b'{"x":1}')
    expect_denied(pre + "a POST without a token", r, 401,
                  "bearer token not found", static=True)
    http_req("DELETE", "/auth/session", b.headers())


def paths():
    """Spellings of a protected path must not skip the check."""
    pre = PRE + "path tricks: "
    for p in ("//private/secret.txt", "/./private/secret.txt",
              "/x/../private/secret.txt", "/%70rivate/secret.txt",
              "/private//secret.txt", "/private/./secret.txt",
              "/private/%73ecret.txt", "/admin/../private/secret.txt"):
        r = http_req("GET", p)
        t.check(pre + p + " without a token is refused",
                r.status != 200 and SECRET_TEXT not in r.text(), r)
    r = http_req("GET", "/auth/health")
    t.eq(PRE + "GET /auth/health is 200", r.status, 200)


def single_headers(name, r):
    """No header twice but Set-Cookie (a duplicate is the daemon's: the
    servers pass its headers on as they are)."""
    names = [n.lower() for n, _ in r.headers if n.lower() != "set-cookie"]
    t.eq(name + ": no header twice",
         sorted({n for n in names if names.count(n) > 1}), [])


def endpoints():
    """The rest of the endpoints, as the server passes them on."""
    pre = PRE + "endpoints: "
    r = http_req("GET", "/auth/health")
    single_headers(pre + "GET /auth/health", r)
    r = login("cookie", headers={"Sec-Fetch-Mode": "cors"})
    single_headers(pre + "a login", r)
    r = http_req("GET", "/auth/sessions")
    single_headers(pre + "a 401 from /auth/sessions", r)
    r = http_req("GET", "/auth/jwks.json")
    t.eq(pre + "GET /auth/jwks.json is a JWKS",
         (r.status, sorted((r.json() or {}).keys())), (200, ["keys"]))
    r = http_req("GET", "/auth/session/refresh")
    t.eq(pre + "a wrong method is 405 with Allow",
         (r.status, r.header("Allow")), (405, "POST"))
    r = http_req("GET", "/auth/nothing-here")
    t.eq(pre + "an unknown endpoint is 404", r.status, 404)
    r = login("bearer", headers={"Sec-Fetch-Mode": "cors"})
    t.eq(pre + "a browser may not ask for bearer tokens", r.status, 400)
    r = post_json("/auth/session", {"username": "alice",
                                    "password": "wonderland"},
                  {"Content-Type": "application/json; charset=utf-8"})
    t.eq(pre + "a JSON login with a charset (fetch, axios) is 201",
         r.status, 201)
    r = http_req("POST", "/auth/session", {
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
        b"username=alice&password=wonderland")
    t.eq(pre + "a form login with a charset (jQuery) is 201", r.status, 201)
    r = post_json("/auth/session", ["not", "an", "object"])
    t.eq(pre + "a login body that is no JSON object is 400", r.status, 400)
    r = http_req("POST", "/auth/session", {"Content-Type": "text/plain"},
                 b"username=alice")
    t.eq(pre + "a login of another content type is 415", r.status, 415)
    b = Browser("bearer")
    b.take(login("bearer"))
    r = http_req("HEAD", STATIC, b.headers())
    t.eq(pre + "HEAD on the static file with a token is 200", r.status, 200)
    r = http_req("HEAD", STATIC)
    t.eq(pre + "HEAD without a token is 401", r.status, 401)
    # The token cookie among a browser's other cookies.
    c = Browser("cookie_only")
    c.take(login("cookie_only", headers={"Sec-Fetch-Mode": "cors"}))
    c.jar = dict([("pref%d" % i, "v" * 150) for i in range(12)] +
                 list(c.jar.items()) + [("z", "1")])
    r = http_req("GET", STATIC, c.headers())
    t.eq(pre + "the access cookie among 13 other cookies", r.status, 200)
    # Logout everywhere else, then everywhere.
    r = http_req("DELETE", "/auth/sessions/others", b.headers())
    t.eq(pre + "DELETE /auth/sessions/others is 204", r.status, 204)
    t.eq(pre + "the other session is gone",
         http_req("GET", STATIC, c.headers()).status, 401)
    t.eq(pre + "this one lives", http_req("GET", STATIC, b.headers()).status,
         200)
    r = http_req("DELETE", "/auth/sessions", b.headers())
    t.eq(pre + "DELETE /auth/sessions is 204", r.status, 204)
    t.eq(pre + "and this one is gone too",
         http_req("GET", STATIC, b.headers()).status, 401)


def concurrency():
    """Many clients at once: checks, backends and refreshes racing."""
    pre = PRE + "concurrency: "
    b = Browser("bearer")
    b.take(login("bearer"))
    results = []
    lock = threading.Lock()

    def worker(i):
        out = []
        for j in range(6):
            path = STATIC if (i + j) % 2 else \
                (BACKENDS[0][0] if BACKENDS else STATIC)
            r = http_req("GET", path, b.headers())
            out.append(("get", r.status))
        r = http_req("POST", "/auth/session/refresh", b.headers("refresh"))
        out.append(("refresh", r.status))
        with lock:
            results.extend(out)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    gets = [st for kind, st in results if kind == "get"]
    refreshes = [st for kind, st in results if kind == "refresh"]
    t.eq(pre + "48 parallel requests all let in", gets, [200] * len(gets))
    t.check(pre + "8 parallel refreshes of one session: 200 or 409, one "
            "winner at least",
            set(refreshes) <= {200, 409} and 200 in refreshes, refreshes)
    http_req("DELETE", "/auth/session", b.headers())


if A.quick:
    flow("bearer")
else:
    for tr in ("bearer", "cookie", "cookie_only"):
        flow(tr)
    bad_tokens()
    claim_rules()
    bodies()
    paths()
    endpoints()
    concurrency()
sys.exit(t.finish())
