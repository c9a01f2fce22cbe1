"""session_errors.py - run by session_errors.sh: bad input to the session
endpoints gets the exact status and JSON error body, and nothing is
half-written (after each refused request, GET /sessions with a good token
shows the same sessions, each with the same lock_version, as before).

Environment (set by session_errors.sh): CHARON_IT_DIR (the temp dir with
main.sock, race.sock, full.sock, issuer.key, *.ini), CHARON_IT_PASSWORD
(alice's password), CHARON_IT_FCGI_REQ, CHARON_IT_CTL.
"""
import base64
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True       # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fcgi_http import Client, Response, Tally, wait_for  # noqa: E402

T = os.environ["CHARON_IT_DIR"]
PASSWORD = os.environ["CHARON_IT_PASSWORD"]
FCGI_REQ = os.environ["CHARON_IT_FCGI_REQ"]
CTL = os.environ["CHARON_IT_CTL"]
with open(os.path.join(T, "issuer.key")) as f:
    ISSUER_KEY = f.read().rstrip("\n")

main = Client("unix:" + os.path.join(T, "main.sock"), FCGI_REQ)
race = Client("unix:" + os.path.join(T, "race.sock"), FCGI_REQ)
full = Client("unix:" + os.path.join(T, "full.sock"), FCGI_REQ)
t = Tally()
TOKENS = []          # every token seen, for the "never logged" check


def err(code, message):
    return {"error": code, "message": message}


BAD_JSON = err("invalid_request", "the body is not a JSON object")
MISSING = err("invalid_request", "username and password are required")
BAD_CREDS = err("invalid_credentials", "invalid username or password")
NEED_ISSUER = err("invalid_request", "user_id, session_type, claim overrides "
                  "and extra_session_payload need the issuer key")
BAD_TRANSPORT = err("invalid_request",
                    "token_transport must be bearer, cookie or cookie_only")
BROWSER = err("invalid_request", "Token transport method bearer is not "
              "allowed for browser clients.")
TOO_BIG = err("payload_too_large", "request body too large")
BAD_KEY = err("invalid_issuer_key", "the issuer key is not valid")
CSRF = err("csrf_header_missing", "a request authenticated by a cookie must "
           "send the X-CSRF-Protect header")
CONFLICT = err("conflict", "A conflict occurred when updating a session. "
               "The update was cancelled.")


def body_json(r):
    try:
        return r.json()
    except Exception:
        return None


def expect(name, r, status, body=None):
    """r has the status and (if given) exactly this JSON body."""
    ok = r.status == status
    if body is not None:
        ok = ok and body_json(r) == body
    if ok and status >= 400:
        ok = (r.header("Content-Type") or "").startswith("application/json")
    return t.check(name, ok, "expected: %d %r\ngot: %r" % (status, body, r))


def b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def claims(token):
    return b64url_json(token.split(".")[1])


def remember(r):
    TOKENS.extend(r.tokens())
    for _, (value, _) in r.set_cookies().items():
        if value:
            TOKENS.append(value)


def login(client, body, headers=None, **kw):
    r = client.request("POST", "/auth/session", json=body, headers=headers,
                       **kw)
    remember(r)
    return r


def issuer_login(client, body, key=None):
    return login(client, body,
                 headers={"X-Charon-Issuer-Key": key or ISSUER_KEY})


def sessions_state(client, access):
    r = client.request("GET", "/auth/sessions", bearer=access)
    if r.status != 200:
        return ("status", r.status, r.body)
    return sorted((json.dumps(s, sort_keys=True) for s in r.json()["sessions"]))


def ctl_list(ini, user, typ="full"):
    """charonctl's view of the store: one JSON line per session."""
    p = subprocess.run([CTL, "session", "list", "-c", os.path.join(T, ini),
                        "--user", user, "--type", typ],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        return ("exit", p.returncode, p.stderr)
    return sorted(line for line in p.stdout.splitlines() if line.strip())


def ctl_count(ini, user, typ="full"):
    out = ctl_list(ini, user, typ)
    return len(out) if isinstance(out, list) else out


# --- raw FastCGI: requests sent on sockets connected beforehand, so that
# concurrent ones arrive as close together as can be; and several requests
# on one kept-alive connection.
def fcgi_record(rtype, rid, content):
    return struct.pack(">BBHHBx", 1, rtype, rid, len(content), 0) + content


def fcgi_pair(name, value):
    out = b""
    for x in (name, value):
        n = len(x)
        out += bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return out + name + value


def fcgi_request(params, body=b"", rid=1, keep_conn=False):
    pairs = b"".join(fcgi_pair(k.encode(), v.encode())
                     for k, v in params.items())
    out = (fcgi_record(1, rid, struct.pack(">HB5x", 1, int(keep_conn))) +
           fcgi_record(4, rid, pairs) + fcgi_record(4, rid, b""))
    for i in range(0, len(body), 32768):
        out += fcgi_record(5, rid, body[i:i + 32768])
    return out + fcgi_record(5, rid, b"")


def fcgi_read(sock):
    """The Response of one request (FCGI_STDOUT up to FCGI_END_REQUEST)."""
    data, out = b"", b""
    sock.settimeout(30)
    while True:
        while len(data) < 8:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed")
            data += chunk
        _, rtype, _, clen, plen = struct.unpack(">BBHHB", data[:7])
        while len(data) < 8 + clen + plen:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed")
            data += chunk
        content = data[8:8 + clen]
        data = data[8 + clen + plen:]
        if rtype == 6:
            out += content
        elif rtype == 3:
            return Response(out)


def fcgi_connect(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.path.join(T, name + ".sock"))
    return s


def fcgi_together(name, reqs):
    """Sends each request on its own connection at once; the Responses
    (or the exceptions) in order."""
    socks = [fcgi_connect(name) for _ in reqs]
    barrier = threading.Barrier(len(reqs))
    results = [None] * len(reqs)

    def one(i):
        try:
            barrier.wait()
            socks[i].sendall(reqs[i])
            results[i] = fcgi_read(socks[i])
        except Exception as e:  # reported by the caller
            results[i] = e
        finally:
            socks[i].close()

    threads = [threading.Thread(target=one, args=(i,))
               for i in range(len(reqs))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return results


def status_of(x):
    return x.status if isinstance(x, Response) else repr(x)


def refresh(client, token=None, **kw):
    r = client.request("POST", "/auth/session/refresh", bearer=token, **kw)
    remember(r)
    return r


def invalid_token(name, r, message):
    expect(name, r, 401, err("invalid_token", message))
    t.eq("... WWW-Authenticate", r.header("WWW-Authenticate"),
         'Bearer error="invalid_token", error_description="%s"' % message)


# --- a witness session: its token shows alice's sessions --------------------
r = login(main, {"username": "alice", "password": PASSWORD})
expect("a JSON password login works", r, 201)
WITNESS = r.json()["tokens"]["access_token"]
WITNESS_REFRESH = r.json()["tokens"]["refresh_token"]
t.eq("a new session has lock_version 1", r.json()["session"]["lock_version"], 1)
BASE = sessions_state(main, WITNESS)
t.check("GET /sessions lists the witness session", isinstance(BASE, list) and
        len(BASE) == 1, repr(BASE))


def unchanged(name):
    now = sessions_state(main, WITNESS)
    t.check("nothing written: " + name, now == BASE,
            "before: %r\nafter:  %r" % (BASE, now))


def rebase():
    global BASE
    BASE = sessions_state(main, WITNESS)


def raw_login(name, body, content_type, status, want, **kw):
    r = main.request("POST", "/auth/session", body=body,
                     content_type=content_type, **kw)
    remember(r)
    expect(name, r, status, want)
    unchanged(name)
    return r


# --- login: bodies that are not what they claim -----------------------------
good = json.dumps({"username": "alice", "password": PASSWORD}).encode()
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
raw_login("broken JSON is 400", good[:-5], JSON, 400, BAD_JSON)
raw_login("an unterminated string is 400",
          b'{"username":"alice","password":"' + PASSWORD.encode(), JSON, 400,
          BAD_JSON)
raw_login("a JSON array is 400", b"[]", JSON, 400, BAD_JSON)
raw_login("a JSON string is 400", b'"x"', JSON, 400, BAD_JSON)
raw_login("a JSON number is 400", b"1", JSON, 400, BAD_JSON)
raw_login("JSON null is 400", b"null", JSON, 400, BAD_JSON)
raw_login("trailing garbage after the object is 400", good + b" x", JSON,
          400, BAD_JSON)
raw_login("a second object after the first is 400", good + b'{"a":1}', JSON,
          400, BAD_JSON)
raw_login("single-quoted JSON is 400",
          b"{'username':'alice','password':'%s'}" % PASSWORD.encode(), JSON,
          400, BAD_JSON)
raw_login("nesting deeper than the parser allows is 400",
          b'{"username":"alice","password":"x","a":' + b"[" * 40 +
          b"]" * 40 + b"}", JSON, 400, BAD_JSON)
raw_login("a NUL byte in the body is 400", good[:-2] + b"\0" + good[-2:],
          JSON, 400, err("invalid_request", "the body contains a NUL byte"))
raw_login("trailing white space is fine (but the password is wrong)",
          json.dumps({"username": "alice", "password": "nope"}).encode() +
          b" \r\n\t", JSON, 401, BAD_CREDS)
raw_login("Content-Type text/plain is 415", good, "text/plain", 415,
          err("unsupported_media_type", "Content-Type must be "
              "application/json or application/x-www-form-urlencoded"))
raw_login("Content-Type application/jsonx is 415", good, "application/jsonx",
          415, err("unsupported_media_type", "Content-Type must be "
                   "application/json or application/x-www-form-urlencoded"))
raw_login("a body without Content-Type is 415", good, None, 415,
          err("unsupported_media_type", "Content-Type is missing"))
raw_login("no body at all is a missing username", None, None, 400, MISSING)
raw_login("JSON with charset parameter works (but the password is wrong)",
          json.dumps({"username": "alice", "password": "nope"}).encode(),
          "Application/JSON; charset=utf-8", 401, BAD_CREDS)

BAD_FORM = err("invalid_request", "the form body is not well formed")
raw_login("broken form escape %zz is 400",
          b"username=alice&password=%zz", FORM, 400, BAD_FORM)
raw_login("a truncated form escape is 400",
          b"username=alice&password=abc%4", FORM, 400, BAD_FORM)
raw_login("%00 in a form value is 400",
          b"username=alice%00x&password=" + PASSWORD.encode(), FORM, 400,
          BAD_FORM)
raw_login("a form field without = is 400", b"username=alice&password", FORM,
          400, BAD_FORM)
raw_login("a form field without a name is 400",
          b"=x&username=alice&password=y", FORM, 400, BAD_FORM)
raw_login("a form without password is 400", b"username=alice", FORM, 400,
          MISSING)

for name, body in [("an empty object", {}),
                   ("no username", {"password": PASSWORD}),
                   ("no password", {"username": "alice"}),
                   ("an empty username", {"username": "", "password": "x"}),
                   ("a numeric password", {"username": "alice",
                                           "password": 123}),
                   ("a null password", {"username": "alice",
                                        "password": None}),
                   ("a list password", {"username": "alice",
                                        "password": [PASSWORD]}),
                   ("an object username", {"username": {"a": "alice"},
                                           "password": PASSWORD})]:
    r = login(main, body)
    expect("login with %s is 400" % name, r, 400, MISSING)
    unchanged("login with " + name)

# NUL inside a JSON string must not cut the string short.
r = login(main, {"username": "alice\u0000mallory", "password": PASSWORD})
expect("a username with \\u0000 is refused, not cut to alice", r, 400, MISSING)
unchanged("a username with \\u0000")
r = login(main, {"username": "alice", "password": PASSWORD + "\u0000junk"})
expect("a password with \\u0000 is refused, not cut short", r, 400, MISSING)
unchanged("a password with \\u0000")

# Unknown user and wrong password: the same answer, byte for byte.
r1 = login(main, {"username": "nobody", "password": PASSWORD})
expect("an unknown user is 401 invalid_credentials", r1, 401, BAD_CREDS)
r2 = login(main, {"username": "alice", "password": PASSWORD + "x"})
expect("a wrong password is 401 invalid_credentials", r2, 401, BAD_CREDS)
t.eq("unknown user and wrong password look the same", (r1.body, r1.headers),
     (r2.body, r2.headers))
r3 = login(main, {"username": "carol", "password": PASSWORD})
t.eq("alice's password does not open carol's account (same 401)",
     (r3.status, r3.body), (401, r2.body))
r4 = login(main, {"username": "ALICE", "password": PASSWORD})
expect("user names are case-sensitive", r4, 401, BAD_CREDS)
unchanged("failed logins")

# --- body size: max_body_bytes = 1024 ---------------------------------------
def padded(obj, size):
    text = json.dumps(obj)
    return (text[:-1] + " " * (size - len(text)) + "}").encode()


r = raw_login("a 1024-byte body is read (wrong password: 401)",
              padded({"username": "alice", "password": "nope"}, 1024), JSON,
              401, BAD_CREDS)
raw_login("a 1025-byte body is 413",
          padded({"username": "alice", "password": PASSWORD}, 1025), JSON,
          413, TOO_BIG)
raw_login("a 100 kB body is 413",
          padded({"username": "alice", "password": PASSWORD}, 100000), JSON,
          413, TOO_BIG)
raw_login("CONTENT_LENGTH over the limit is 413 before any body is read",
          b"{}", JSON, 413, TOO_BIG, content_length=5000)
raw_login("an oversized body without CONTENT_LENGTH is 413",
          padded({"username": "alice", "password": PASSWORD}, 5000), JSON,
          413, TOO_BIG, params={"CONTENT_LENGTH": ""})
start = time.monotonic()
raw_login("CONTENT_LENGTH larger than the body sent is 400",
          good, JSON, 400,
          err("invalid_request", "the request body could not be read"),
          content_length=len(good) + 100)
t.check("... at once, not after a timeout", time.monotonic() - start < 10)
raw_login("CONTENT_LENGTH smaller than the body: only that much is parsed",
          good, JSON, 400, BAD_JSON, content_length=len(good) - 3)
raw_login("a CONTENT_LENGTH that is not a number is 400", good, JSON, 400,
          err("invalid_request", "CONTENT_LENGTH is not a number"),
          content_length="12abc")
raw_login("a negative CONTENT_LENGTH is 400", good, JSON, 400,
          err("invalid_request", "CONTENT_LENGTH is not a number"),
          content_length="-1")

# Whatever part of a body a refused request left unread, the next request
# on the same kept-alive connection is answered normally.
LOGIN = {"REQUEST_METHOD": "POST", "DOCUMENT_URI": "/auth/session",
         "REQUEST_URI": "/auth/session", "CONTENT_TYPE": JSON}
HEALTH = {"REQUEST_METHOD": "GET", "DOCUMENT_URI": "/auth/health",
          "REQUEST_URI": "/auth/health"}
for name, params, body, status in [
        ("a 413 (CONTENT_LENGTH over the limit, body sent)",
         dict(LOGIN, CONTENT_LENGTH="5000"), b"x" * 5000, 413),
        ("a 413 (no CONTENT_LENGTH, 200 kB sent)", LOGIN, b" " * 200000,
         413),
        ("a short CONTENT_LENGTH", dict(LOGIN, CONTENT_LENGTH="2"),
         b"{}" + b" " * 3000, 400),
        ("a 405 with a body", dict(LOGIN, REQUEST_METHOD="PUT",
                                  CONTENT_LENGTH="900"), b"z" * 900, 405),
        ("a 404 with a body", dict(LOGIN, DOCUMENT_URI="/auth/x",
                                  CONTENT_LENGTH="900"), b"z" * 900, 404)]:
    sock = fcgi_connect("main")
    try:
        sock.sendall(fcgi_request(params, body, rid=1, keep_conn=True))
        first = fcgi_read(sock)
        sock.sendall(fcgi_request(HEALTH, rid=2, keep_conn=True))
        second = fcgi_read(sock)
        sock.sendall(fcgi_request(LOGIN, good, rid=1, keep_conn=False))
        third = fcgi_read(sock)
        remember(third)
        t.check("kept-alive connection: %s, then /health, then a login" %
                name, (first.status, second.status, third.status) ==
                (status, 200, 201), "%r\n%r\n%r" % (first, second, third))
    except Exception as e:
        t.check("kept-alive connection: %s, then /health, then a login" %
                name, False, repr(e))
    finally:
        sock.close()
rebase()

# --- form login, transports, browsers ---------------------------------------
r = main.request("POST", "/auth/session",
                 form={"username": "alice", "password": PASSWORD})
remember(r)
expect("a form login works", r, 201)
t.eq("... with bearer tokens", r.json()["tokens"]["access_token"].count("."),
     2)
before = len(BASE)
rebase()
t.eq("... and adds a session", len(BASE), before + 1)

r = login(main, {"username": "alice", "password": PASSWORD,
                 "token_transport": "carrier-pigeon"})
expect("token_transport carrier-pigeon is 400", r, 400, BAD_TRANSPORT)
unchanged("token_transport carrier-pigeon")
r = login(main, {"username": "alice", "password": PASSWORD,
                 "token_transport": 1})
expect("a numeric token_transport is 400", r, 400, BAD_TRANSPORT)
r = login(main, {"username": "alice", "password": PASSWORD,
                 "token_transport": "Cookie"})
expect("token_transport is case-sensitive", r, 400, BAD_TRANSPORT)
unchanged("bad token_transport")
r = login(main, {"username": "alice", "password": PASSWORD},
          headers={"Sec-Fetch-Mode": "cors"})
expect("a browser (Sec-Fetch-Mode) may not get bearer tokens", r, 400,
       BROWSER)
r = login(main, {"username": "alice", "password": PASSWORD,
                 "token_transport": "bearer"},
          headers={"Sec-Fetch-Mode": "navigate"})
expect("... not even when asking for them by name", r, 400, BROWSER)
r = login(main, {"username": "alice", "password": "wrong",
                 "token_transport": "bearer"},
          headers={"Sec-Fetch-Mode": "navigate"})
expect("... which is refused before the password is checked", r, 400,
       BROWSER)
unchanged("bearer for a browser")

for field, value in [("user_id", "mallory"), ("session_type", "oauth2"),
                     ("access_claim_overrides", {"role": "admin"}),
                     ("refresh_claim_overrides", {"x": 1}),
                     ("extra_session_payload", {"x": 1})]:
    body = {"username": "alice", "password": PASSWORD, field: value}
    r = login(main, body)
    expect("a password login may not set %s" % field, r, 400, NEED_ISSUER)
    unchanged("password login setting " + field)
t.eq("no session for mallory", ctl_count("main.ini", "mallory"), 0)

# --- issuer logins ----------------------------------------------------------
r = issuer_login(main, {"user_id": "mallory"}, key=ISSUER_KEY + "x")
expect("a wrong issuer key is 401", r, 401, BAD_KEY)
r = issuer_login(main, {"user_id": "mallory"}, key=ISSUER_KEY[:-1])
expect("a prefix of the issuer key is 401", r, 401, BAD_KEY)
r = login(main, {"user_id": "mallory"}, headers={"X-Charon-Issuer-Key": ""})
expect("an empty issuer key is 401", r, 401, BAD_KEY)
r = issuer_login(main, {"username": "alice", "password": PASSWORD},
                 key="wrong")
expect("a wrong issuer key is 401 even with a good password", r, 401, BAD_KEY)
r = login(main, {"user_id": "mallory"})
expect("user_id without the key is a password login: 400", r, 400, MISSING)
unchanged("issuer key errors")
t.eq("still no session for mallory", ctl_count("main.ini", "mallory"), 0)

for name, body, want in [
        ("no user_id", {}, err("invalid_request", "user_id is required")),
        ("user_id null", {"user_id": None},
         err("invalid_request", "user_id is required")),
        ("user_id true", {"user_id": True},
         err("invalid_request",
             "user_id must be a non-empty string or an integer")),
        ("user_id 1.5", {"user_id": 1.5},
         err("invalid_request",
             "user_id must be a non-empty string or an integer")),
        ("user_id \"\"", {"user_id": ""},
         err("invalid_request",
             "user_id must be a non-empty string or an integer")),
        ("user_id with \\u0000", {"user_id": "mallory\u0000x"},
         err("invalid_request",
             "user_id must be a non-empty string or an integer")),
        ("user_id a list", {"user_id": ["mallory"]},
         err("invalid_request",
             "user_id must be a non-empty string or an integer")),
        ("session_type with a space", {"user_id": "mallory",
                                       "session_type": "o auth"},
         err("invalid_request",
             "session_type must be 1 to 64 of A-Z a-z 0-9 _ . -")),
        ("session_type empty", {"user_id": "mallory", "session_type": ""},
         err("invalid_request",
             "session_type must be 1 to 64 of A-Z a-z 0-9 _ . -")),
        ("session_type of 65 characters", {"user_id": "mallory",
                                           "session_type": "a" * 65},
         err("invalid_request",
             "session_type must be 1 to 64 of A-Z a-z 0-9 _ . -")),
        ("session_type a number", {"user_id": "mallory", "session_type": 2},
         err("invalid_request",
             "session_type must be 1 to 64 of A-Z a-z 0-9 _ . -")),
        ("access_claim_overrides a list", {"user_id": "mallory",
                                           "access_claim_overrides": []},
         err("invalid_request",
             "access_claim_overrides must be a JSON object")),
        ("refresh_claim_overrides a string",
         {"user_id": "mallory", "refresh_claim_overrides": "x"},
         err("invalid_request",
             "refresh_claim_overrides must be a JSON object")),
        ("extra_session_payload a number",
         {"user_id": "mallory", "extra_session_payload": 5},
         err("invalid_request",
             "extra_session_payload must be a JSON object")),
        ("token_transport carrier-pigeon",
         {"user_id": "mallory", "token_transport": "carrier-pigeon"},
         BAD_TRANSPORT)]:
    r = issuer_login(main, body)
    expect("issuer login with %s is 400" % name, r, 400, want)
t.eq("no session for mallory after the refused issuer logins",
     ctl_count("main.ini", "mallory"), 0)
unchanged("refused issuer logins")

r = issuer_login(main, {"user_id": 42})
expect("issuer login with an integer user_id", r, 201)
if r.status == 201:
    t.eq("... the session's user_id is the integer", r.json()["session"]
         ["user_id"], 42)
    t.eq("... so is the access token's sub",
         claims(r.json()["tokens"]["access_token"])["sub"], 42)
    t.eq("... and the refresh token's",
         claims(r.json()["tokens"]["refresh_token"])["sub"], 42)
r = issuer_login(main, {"user_id": "bob", "session_type": "oauth2",
                        "extra_session_payload": {"scopes": ["a", "b"],
                                                  "n": 1},
                        "access_claim_overrides": {"role": "admin",
                                                   "aud": "api"},
                        "refresh_claim_overrides": {"scope": "offline"}})
expect("issuer login with a string user_id, session_type, payload and "
       "overrides", r, 201)
if r.status == 201:
    d = r.json()
    a = claims(d["tokens"]["access_token"])
    rf = claims(d["tokens"]["refresh_token"])
    t.eq("... session user_id and type", (d["session"]["user_id"],
                                          d["session"]["type"]),
         ("bob", "oauth2"))
    t.eq("... access token sub, styp, type", (a["sub"], a["styp"], a["type"]),
         ("bob", "oauth2", "access"))
    t.eq("... access claim overrides are in the access token",
         (a.get("role"), a.get("aud")), ("admin", "api"))
    t.check("... and not in the refresh token",
            "role" not in rf and "aud" not in rf, repr(rf))
    t.eq("... refresh claim overrides are in the refresh token",
         rf.get("scope"), "offline")
    t.check("... and not in the access token", "scope" not in a, repr(a))
    t.eq("... the refresh token is of type refresh", rf["type"], "refresh")
    BOB = d
    r = main.request("GET", "/auth/check", bearer=d["tokens"]["access_token"])
    expect("the overridden access token passes /check", r, 200)
    t.eq("... as bob's oauth2 session", (r.header("X-Charon-User-Id"),
                                         r.header("X-Charon-Session-Type")),
         ("bob", "oauth2"))
    r = main.request("GET", "/auth/sessions",
                     bearer=d["tokens"]["access_token"])
    expect("bob lists his oauth2 session", r, 200)
    t.eq("... just that one", [s["id"] for s in r.json()["sessions"]],
         [d["session"]["id"]])
    t.eq("charonctl sees bob's oauth2 session",
         ctl_count("main.ini", "bob", "oauth2"), 1)
    t.eq("... and no full one", ctl_count("main.ini", "bob", "full"), 0)
unchanged("issuer logins for other users")

# A user id the login accepts must be one its tokens can carry: either
# the login refuses it (400, nothing stored) or the new tokens work (the
# access token passes /check as exactly that user, the refresh token
# refreshes).  /check takes integer subs only below 1e15 in magnitude and
# string subs without control characters.
for name, raw, uid in [
        ("the integer 999999999999999", b"999999999999999",
         "999999999999999"),
        ("the integer -5", b"-5", "-5"),
        ("a 255-character string", json.dumps("u" * 255).encode(),
         "u" * 255),
        ("the integer 1000000000000000", b"1000000000000000",
         "1000000000000000"),
        ("the integer 9223372036854775807 (INT64_MAX)",
         b"9223372036854775807", "9223372036854775807"),
        ("the integer 9223372036854775808 (INT64_MAX + 1)",
         b"9223372036854775808", "9223372036854775808"),
        ("the integer 99999999999999999999", b"99999999999999999999",
         "99999999999999999999"),
        ("a string with a newline", b'"eve\\nroot"', "eve\nroot"),
        ("a string with a tab", b'"eve\\tx"', "eve\tx"),
        ("a string with DEL", b'"eve\\u007f"', "eve\x7f")]:
    r = main.request("POST", "/auth/session",
                     body=b'{"user_id": ' + raw + b'}',
                     content_type="application/json",
                     headers={"X-Charon-Issuer-Key": ISSUER_KEY})
    remember(r)
    if r.status != 201:
        t.check("user_id %s: refused with 400 invalid_request" % name,
                r.status == 400 and (body_json(r) or {}).get("error") ==
                "invalid_request", repr(r))
        t.eq("user_id %s: nothing stored" % name, ctl_count("main.ini", uid),
             0)
        continue
    d = r.json()
    c = main.request("GET", "/auth/check", bearer=d["tokens"]["access_token"])
    f = refresh(main, d["tokens"]["refresh_token"])
    t.check("user_id %s: accepted (201), so its access token passes /check "
            "as that user and its refresh token refreshes" % name,
            c.status == 200 and c.header("X-Charon-User-Id") == uid and
            f.status == 200,
            "login: session user_id %r, token sub %r\n/check: %r\n"
            "refresh: %r" % (d["session"]["user_id"],
                             claims(d["tokens"]["access_token"]).get("sub"),
                             c, f))

# --- methods and paths ------------------------------------------------------
NOT_ALLOWED = err("method_not_allowed", "method not allowed")
for method, path, allow in [("GET", "/auth/session", "POST, DELETE"),
                            ("PUT", "/auth/session", "POST, DELETE"),
                            ("PUT", "/auth/sessions", "GET, HEAD, DELETE"),
                            ("POST", "/auth/sessions", "GET, HEAD, DELETE"),
                            ("GET", "/auth/session/refresh", "POST"),
                            ("DELETE", "/auth/session/refresh", "POST"),
                            ("GET", "/auth/session/logout", "POST"),
                            ("GET", "/auth/sessions/others", "DELETE")]:
    r = main.request(method, path, bearer=WITNESS)
    expect("%s %s is 405" % (method, path), r, 405, NOT_ALLOWED)
    t.eq("... Allow: " + allow, r.header("Allow"), allow)
    unchanged("%s %s" % (method, path))
for path in ["/auth/sessionz", "/auth/session/", "/auth/session/refreshx",
             "/auth/sessions/other", "/authsession", "/session"]:
    r = main.request("POST", path, json={"username": "alice",
                                         "password": PASSWORD})
    remember(r)
    expect("POST %s is 404" % path, r, 404,
           err("not_found", "no such endpoint"))
    unchanged("POST " + path)

# --- refresh errors ---------------------------------------------------------
invalid_token("refresh without a token is 401", refresh(main),
              "bearer token not found")
unchanged("refresh without a token")
invalid_token("an access token is no refresh token", refresh(main, WITNESS),
              "bearer token claim type invalid")
unchanged("refresh with an access token")
# The signature's first character changed (as lib.sh's tamper does).
sig = WITNESS_REFRESH.rsplit(".", 1)
TAMPERED = sig[0] + "." + ("B" if sig[1][0] == "A" else "A") + sig[1][1:]
invalid_token("a tampered refresh token is 401", refresh(main, TAMPERED),
              "bearer token signature invalid")
unchanged("refresh with a tampered token")
payload = claims(WITNESS_REFRESH)
payload["sub"] = "bob"
parts = WITNESS_REFRESH.split(".")
forged = "%s.%s.%s" % (parts[0], base64.urlsafe_b64encode(
    json.dumps(payload).encode()).decode().rstrip("="), parts[2])
invalid_token("a refresh token with a changed payload is 401",
              refresh(main, forged), "bearer token signature invalid")
r = main.request("POST", "/auth/session/refresh",
                 headers={"Authorization": "Basic " + WITNESS_REFRESH})
invalid_token("a refresh token under Basic is not found", r,
              "bearer token not found")
unchanged("forged refresh tokens")

r = login(main, {"username": "alice", "password": PASSWORD})
expect("another login", r, 201)
GONE = r.json()
r = main.request("DELETE", "/auth/session",
                 bearer=GONE["tokens"]["access_token"])
expect("logout is 204", r, 204)
invalid_token("the refresh token of a logged-out session is 401",
              refresh(main, GONE["tokens"]["refresh_token"]),
              "session not found")
unchanged("refresh of a deleted session")
r = main.request("GET", "/auth/sessions", bearer=GONE["tokens"]["access_token"])
invalid_token("the logged-out session's access token cannot list sessions",
              r, "session not found")
r = main.request("DELETE", "/auth/session",
                 bearer=GONE["tokens"]["access_token"])
invalid_token("logging out again is 401: the token's session is gone", r,
              "session not found")
r = main.request("DELETE", "/auth/sessions/others",
                 bearer=GONE["tokens"]["access_token"])
invalid_token("DELETE /sessions/others needs the current session", r,
              "session not found")
unchanged("DELETE /sessions/others for a deleted session")
r = main.request("HEAD", "/auth/sessions", bearer=WITNESS)
t.check("HEAD /sessions is 200 without a body",
        r.status == 200 and r.body == b"", repr(r))

# Browser enforcement on refresh: a bearer refresh from a browser.
r = refresh(main, WITNESS_REFRESH, headers={"Sec-Fetch-Mode": "cors"})
expect("a bearer refresh from a browser is 400", r, 400, BROWSER)
unchanged("bearer refresh from a browser")

# --- cookie transports ------------------------------------------------------
r = login(main, {"username": "alice", "password": PASSWORD,
                 "token_transport": "cookie"},
          headers={"Sec-Fetch-Mode": "cors"})
expect("a browser may log in with token_transport cookie", r, 201)
rebase()
CK = r.json()
ck = r.set_cookies()
t.check("... the body holds header.payload",
        CK["tokens"]["refresh_token"].count(".") == 1, repr(CK["tokens"]))
t.check("... the cookies hold .signature",
        ck.get("_refresh_token_signature", ("",))[0].startswith(".") and
        ck.get("_access_token_signature", ("",))[0].startswith("."),
        repr(ck))
rcookie = {"_refresh_token_signature": ck["_refresh_token_signature"][0]}
r = refresh(main, CK["tokens"]["refresh_token"], cookies=rcookie)
expect("a cookie refresh without the CSRF header is 403", r, 403, CSRF)
unchanged("cookie refresh without the CSRF header")
r = refresh(main, CK["tokens"]["refresh_token"], cookies=rcookie,
            headers={"Sec-Fetch-Mode": "cors"})
expect("... also from a browser", r, 403, CSRF)
unchanged("browser cookie refresh without the CSRF header")
r = refresh(main, CK["tokens"]["refresh_token"] + ".", cookies=rcookie,
            headers={"X-CSRF-Protect": "1"})
invalid_token("a cookie refresh with a mangled header part is 401", r,
              "bearer token signature invalid")
unchanged("mangled cookie refresh")
r = refresh(main, CK["tokens"]["refresh_token"], cookies=rcookie,
            headers={"X-CSRF-Protect": "1", "Sec-Fetch-Mode": "cors"})
expect("a cookie refresh with the CSRF header is 200", r, 200)
if r.status == 200:
    d = r.json()
    c2 = r.set_cookies()
    t.eq("... lock_version 2", d["session"]["lock_version"], 2)
    t.check("... cookie in, cookies out: body header.payload",
            d["tokens"]["access_token"].count(".") == 1 and
            d["tokens"]["refresh_token"].count(".") == 1, repr(d["tokens"]))
    t.check("... and .signature cookies",
            set(c2) == {"_access_token_signature",
                        "_refresh_token_signature"} and
            all(v.startswith(".") for v, _ in c2.values()), repr(c2))
    t.check("... HttpOnly, SameSite=Strict, secure",
            all("HttpOnly" in a and "SameSite=Strict" in a and "secure" in a
                for _, a in c2.values()), repr(c2))
    r = main.request("GET", "/auth/check", bearer=d["tokens"]["access_token"],
                     cookies={"_access_token_signature":
                              c2["_access_token_signature"][0]})
    expect("... the new cookie access token passes /check", r, 200)
rebase()

r = login(main, {"username": "alice", "password": PASSWORD,
                 "token_transport": "cookie_only"})
expect("a cookie_only login", r, 201)
rebase()
if r.status == 201:
    t.eq("... no tokens in the body",
         (r.json()["tokens"]["access_token"],
          r.json()["tokens"]["refresh_token"]), (None, None))
    co = r.set_cookies()
    rc = {"_refresh_token_signature": co["_refresh_token_signature"][0]}
    r = refresh(main, cookies=rc)
    expect("a cookie_only refresh without the CSRF header is 403", r, 403,
           CSRF)
    unchanged("cookie_only refresh without the CSRF header")
    r = refresh(main, cookies=rc, headers={"X-CSRF-Protect": "yes"})
    expect("a cookie_only refresh with it is 200", r, 200)
    if r.status == 200:
        co2 = r.set_cookies()
        t.eq("... still cookie_only: no tokens in the body",
             (r.json()["tokens"]["access_token"],
              r.json()["tokens"]["refresh_token"]), (None, None))
        t.check("... whole JWTs in the cookies",
                all(v.count(".") == 2 and not v.startswith(".")
                    for v, _ in co2.values()) and len(co2) == 2, repr(co2))
    rebase()
    r = main.request("DELETE", "/auth/sessions/others",
                     cookies={"_access_token_signature":
                              co["_access_token_signature"][0]})
    expect("DELETE /sessions/others by cookie without CSRF is 403", r, 403,
           CSRF)
    unchanged("DELETE /sessions/others without CSRF")
    r = main.request("DELETE", "/auth/session",
                     cookies={"_access_token_signature":
                              co["_access_token_signature"][0]})
    expect("logout by cookie without CSRF is 403", r, 403, CSRF)
    unchanged("logout by cookie without CSRF")

# --- a full store: logins until the 1 MiB map is full -----------------------
# Log in here first: this access token (access_token_ttl = 2, clock_skew =
# 0) is used once it has expired, below.
r = issuer_login(full, {"user_id": "erin"})
expect("a login on the small store", r, 201)
ERIN = r.json() if r.status == 201 else None

# --- stale generations: fresh_cycle = 1, clock_skew = 0 ---------------------


def clock_reaches(second):
    """Waits until the wall clock, which the daemon reads too, shows
    second: time passing is what these checks are about."""
    wait_for(second - time.time() + 5, lambda: time.time() >= second)


def next_cycle(r):
    """Waits for the next generation of r's session: a refresh starts one
    once cur + cycle < now (cur: its tokens_fresh_from)."""
    s = r.json().get("session", {}) if r.status in (200, 201) else {}
    clock_reaches(s.get("tokens_fresh_from", int(time.time())) + 1 + 1)


r = login(main, {"username": "alice", "password": PASSWORD})
expect("login: token A", r, 201)
A = r.json()["tokens"]["refresh_token"]
next_cycle(r)
r = refresh(main, A)
expect("refresh A -> B after one cycle", r, 200)
B = r.json()["tokens"]["refresh_token"] if r.status == 200 else A
s1 = r.json()["session"] if r.status == 200 else {}
t.check("... a new generation", s1.get("tokens_fresh_from", 0) >
        s1.get("prev_tokens_fresh_from", 0), repr(s1))
next_cycle(r)
r = refresh(main, B)
expect("refresh B -> C after another cycle", r, 200)
s2 = r.json()["session"] if r.status == 200 else {}
t.check("... another generation", s2.get("prev_tokens_fresh_from") ==
        s1.get("tokens_fresh_from") and s2.get("tokens_fresh_from", 0) >
        s1.get("tokens_fresh_from", 0), "%r\n%r" % (s1, s2))
# At once (before a third cycle could begin): B is of the previous
# generation and still passes; no new cycle, so the generations stay.
r = refresh(main, B)
expect("B, of the previous generation, still refreshes", r, 200)
rebase()
invalid_token("A is two generations old: stale", refresh(main, A),
              "token stale")
unchanged("refresh with a stale token")

# --- an expired access token cannot log out (the full daemon) ---------------
if ERIN is not None:
    at = ERIN["tokens"]["access_token"].split(".")[1]
    clock_reaches(json.loads(base64.urlsafe_b64decode(
        at + "=" * (-len(at) % 4)))["exp"])
    r = full.request("DELETE", "/auth/session",
                     bearer=ERIN["tokens"]["access_token"])
    invalid_token("logout with an expired access token is 401", r,
                  "bearer token expired")
    t.eq("... the session is still there", ctl_count("full.ini", "erin"), 1)
    r = refresh(full, ERIN["tokens"]["refresh_token"])
    expect("... and its refresh token still works", r, 200)
    if r.status == 200:
        ERIN = r.json()

# --- concurrent refreshes of one session ------------------------------------
def race_round(token, n=8):
    req = fcgi_request({"REQUEST_METHOD": "POST",
                        "DOCUMENT_URI": "/auth/session/refresh",
                        "REQUEST_URI": "/auth/session/refresh",
                        "HTTP_AUTHORIZATION": "Bearer " + token})
    return fcgi_together("race", [req] * n)


def lock_conflicts():
    r = race.request("GET", "/auth/metrics")
    m = re.search(r'^charon_session_events_total\{event="lock_conflict"\} '
                  r'(\d+)$', r.body.decode(), re.M)
    return int(m.group(1)) if m else None


total_200 = total_409 = 0
conflicts_before = lock_conflicts()
t.check("/auth/metrics counts lock conflicts", conflicts_before is not None)
for rnd in range(4):
    r = issuer_login(race, {"user_id": "racer"})
    if not expect("race %d: login" % rnd, r, 201):
        continue
    d = r.json()
    results = race_round(d["tokens"]["refresh_token"])
    statuses = [status_of(x) for x in results]
    n200 = statuses.count(200)
    n409 = statuses.count(409)
    total_200 += n200
    total_409 += n409
    t.check("race %d: every answer is 200 or 409 (%s)" %
            (rnd, sorted(statuses, key=str)),
            n200 + n409 == len(statuses), repr(results))
    t.check("race %d: at least one refresh wins" % rnd, n200 >= 1)
    for x in results:
        if isinstance(x, Response) and x.status == 409:
            expect("race %d: a conflict's body" % rnd, x, 409, CONFLICT)
            break
    r = race.request("GET", "/auth/sessions",
                     bearer=d["tokens"]["access_token"])
    lv = [s["lock_version"] for s in r.json()["sessions"]
          if s["id"] == d["session"]["id"]] if r.status == 200 else []
    t.eq("race %d: lock_version is 1 + the number of wins" % rnd, lv,
         [1 + n200])
    wins = [x.json()["session"]["lock_version"] for x in results
            if isinstance(x, Response) and x.status == 200]
    t.eq("race %d: each win reports its own lock_version" % rnd,
         sorted(wins), list(range(2, 2 + n200)))
conflicts_after = lock_conflicts()
if conflicts_before is not None and conflicts_after is not None:
    t.eq("lock_conflict events == 409 answers (%d)" % total_409,
         conflicts_after - conflicts_before, total_409)
print("# races: %d refreshes won, %d conflicts" % (total_200, total_409))

# A logout racing refreshes of its session: once DELETE /session has
# answered 204 and every refresh has answered, the session must be gone.
# (A refresher that loaded the session before the delete and writes after
# it must get a conflict, not bring the session back.)
resurrected = []
for rnd in range(10):
    r = issuer_login(race, {"user_id": "zombie%d" % rnd})
    if not expect("logout race %d: login" % rnd, r, 201):
        continue
    d = r.json()
    ref = fcgi_request({"REQUEST_METHOD": "POST",
                        "DOCUMENT_URI": "/auth/session/refresh",
                        "HTTP_AUTHORIZATION": "Bearer " +
                        d["tokens"]["refresh_token"]})
    out = fcgi_request({"REQUEST_METHOD": "DELETE",
                        "DOCUMENT_URI": "/auth/session",
                        "HTTP_AUTHORIZATION": "Bearer " +
                        d["tokens"]["access_token"]})
    results = fcgi_together("race", [ref, out, ref, ref])
    statuses = [status_of(x) for x in results]
    for x in results:
        if isinstance(x, Response):
            remember(x)
    ok = (statuses[1] == 204 and
          all(st in (200, 401, 409) for st in statuses[::2] + statuses[3:]))
    t.check("logout race %d: logout 204, refreshes 200/401/409 (%s)" %
            (rnd, statuses), ok, repr(results))
    left = ctl_list("race.ini", "zombie%d" % rnd)
    if left:
        resurrected.append((rnd, statuses, left))
t.check("a session logged out (204) stays logged out when refreshes race "
        "the logout (%d of 10 rounds brought it back)" % len(resurrected),
        not resurrected, "\n".join("round %d %s: %s" % x
                                    for x in resurrected[:3]))

# --- a dead store: the 1 MiB map fills up -----------------------------------
blob = {"blob": "x" * 60000}
statuses = []
for i in range(64):
    r = issuer_login(full, {"user_id": "filler", "extra_session_payload": blob})
    statuses.append(r.status)
    if r.status != 201:
        break
t.check("big sessions fill the store, then 503 (%s)" % statuses,
        statuses[-1] == 503 and set(statuses[:-1]) <= {201}, repr(r))
expect("... service_unavailable", r, 503,
       err("service_unavailable", "the session store is unavailable"))
filled = statuses.count(201)
t.eq("... and nothing half-written: charonctl lists the stored ones",
     ctl_count("full.ini", "filler"), filled)
r = issuer_login(full, {"user_id": "filler", "extra_session_payload": blob})
expect("a full store stays 503", r, 503,
       err("service_unavailable", "the session store is unavailable"))
r = full.request("GET", "/auth/health")
expect("/health still answers 200 (reads work)", r, 200)
r = full.request("GET", "/auth/check", bearer=WITNESS)
expect("a stateless check still passes (the main daemon's token)", r, 200)
t.eq("... for alice", r.header("X-Charon-User-Id"), "alice")
r = full.request("GET", "/auth/check", bearer=TAMPERED)
expect("a tampered token is still refused", r, 401)
r = login(full, {"username": "alice", "password": PASSWORD + "x"})
expect("a wrong password is still 401", r, 401, BAD_CREDS)
if ERIN is not None:
    before = ctl_list("full.ini", "erin")
    t.eq("erin's session is listed", len(before), 1)
    r = refresh(full, ERIN["tokens"]["refresh_token"])
    t.check("a refresh on the full store: 200 or 503 (%d)" % r.status,
            r.status in (200, 503), repr(r))
    if r.status == 503:
        expect("... service_unavailable", r, 503,
               err("service_unavailable", "the session store is unavailable"))
        t.eq("... and erin's session is unchanged",
             ctl_list("full.ini", "erin"), before)
p = subprocess.run([CTL, "session", "revoke-all", "-c",
                    os.path.join(T, "full.ini"), "--user", "filler"],
                   capture_output=True, text=True, timeout=30)
t.eq("charonctl can revoke the big sessions of the full store",
     (p.returncode, p.stderr), (0, ""))
# The space the revoked sessions held must be usable again at once.
# (LMDB lets a write reuse pages freed by a transaction only two commits
# later; a write that aborts for want of space commits nothing, so
# without care every big login stays 503 until some small write happens
# to commit.)
r = issuer_login(full, {"user_id": "filler", "extra_session_payload": blob})
expect("then a big login fits again", r, 201)
r = issuer_login(full, {"user_id": "filler", "extra_session_payload": blob})
expect("... and another", r, 201)
r = issuer_login(full, {"user_id": "small"})
expect("a small login", r, 201)
r = issuer_login(full, {"user_id": "filler", "extra_session_payload": blob})
expect("after it a big login fits for sure", r, 201)
r = full.request("GET", "/auth/metrics")
expect("/metrics still answers", r, 200)

# --- last: DELETE /sessions ends all of alice's sessions -------------------
r = main.request("DELETE", "/auth/sessions", bearer=WITNESS)
expect("DELETE /sessions is 204", r, 204)
t.eq("... and clears both cookies", sorted(r.set_cookies()),
     ["_access_token_signature", "_refresh_token_signature"])
invalid_token("then the witness token lists nothing: its session is gone",
              main.request("GET", "/auth/sessions", bearer=WITNESS),
              "session not found")
invalid_token("... and its refresh token is refused",
              refresh(main, WITNESS_REFRESH), "session not found")
t.eq("charonctl: alice has no session left", ctl_count("main.ini", "alice"),
     0)
t.eq("... bob's oauth2 session is another type: kept",
     ctl_count("main.ini", "bob", "oauth2"), 1)

# --- nothing leaked into the logs -------------------------------------------
with open(os.path.join(T, "tokens.txt"), "w") as f:
    for tok in TOKENS:
        sig = tok.rsplit(".", 1)[-1]
        if len(sig) >= 20:
            f.write(sig + "\n")

sys.exit(t.finish())
