"""user_ids.py - run by user_ids.sh: user ids a header or a CGI variable
would change are refused at login and in tokens; the others pass
unchanged.

Environment: CHARON_IT_DIR (charon.sock, charon.ini, secret, issuer.key),
CHARON_IT_FCGI_REQ, CHARON_IT_CTL.
"""
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True       # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fcgi_http import Client, Tally  # noqa: E402

T = os.environ["CHARON_IT_DIR"]
CTL = os.environ["CHARON_IT_CTL"]
with open(os.path.join(T, "issuer.key")) as f:
    ISSUER_KEY = f.read().strip()
daemon = Client("unix:" + os.path.join(T, "charon.sock"),
                os.environ["CHARON_IT_FCGI_REQ"])
authz = Client("unix:" + os.path.join(T, "charon.sock"),
               os.environ["CHARON_IT_FCGI_REQ"], role="authorizer")
t = Tally()
SUB_INVALID = "bearer token claim sub invalid"


def issuer_login(raw_user_id):
    """An issuer-key login whose user_id is raw JSON text (bytes)."""
    return daemon.request("POST", "/auth/session",
                          body=b'{"user_id": ' + raw_user_id + b'}',
                          content_type="application/json",
                          headers={"X-Charon-Issuer-Key": ISSUER_KEY})


def stored(user):
    p = subprocess.run([CTL, "session", "list", "-c",
                        os.path.join(T, "charon.ini"), "--user", user],
                       capture_output=True, timeout=30)
    return len([ln for ln in p.stdout.splitlines() if ln.strip()])


def message(r):
    try:
        return r.json().get("message", "")
    except ValueError:
        return ""


# --- login: refused ids (issuer key) ------------------------------------
for name, raw, says in [
        ('" admin " (the finding)', b'" admin "', "start or end with a space"),
        ('"admin " (a trailing space)', b'"admin "', "space"),
        ('" admin" (a leading space)', b'" admin"', "space"),
        ('"\\tadmin" (a tab)', b'"\\tadmin"', "U+0009"),
        ('"admin\\r\\n" (CR LF)', b'"admin\\r\\n"', "U+000D"),
        ('"admin\\u007f" (DEL)', b'"admin\\u007f"', "U+007F"),
        ('"ad\\u0085min" (NEL, a C1 control)', b'"ad\\u0085min"', "U+0085"),
        ('"admin\\u2028x" (LINE SEPARATOR)', b'"admin\\u2028x"', "U+2028"),
        ('"admin\\u2029" (PARAGRAPH SEPARATOR)', b'"admin\\u2029"',
         "U+2029"),
        ("a 256-byte string", json.dumps("u" * 256).encode(), "1 to 255"),
        ("an integer of 256 digits", b"1" * 256, "1 to 255")]:
    r = issuer_login(raw)
    t.check("login with user_id %s: 400 invalid_request" % name,
            r.status == 400 and (r.json() or {}).get("error") ==
            "invalid_request", repr(r))
    t.check("... and the message says why (%s)" % says, says in message(r),
            message(r))
for user in (" admin ", "admin ", " admin", "admin"):
    t.eq("nothing stored for %r" % user, stored(user), 0)
r = issuer_login(b'"adm\xffin"')
t.eq("login with a user_id of invalid UTF-8: 400", r.status, 400)

# --- login: a credentials plugin's user id is checked too ----------------
r = daemon.request("POST", "/auth/session",
                   json={"username": "bob ", "password": "wonderland"})
t.check("password login as htpasswd's \"bob \": 400, the id is refused",
        r.status == 400 and "space" in message(r), repr(r))
t.eq("nothing stored for \"bob \"", stored("bob "), 0)
r = daemon.request("POST", "/auth/session",
                   json={"username": "alice", "password": "wonderland"})
t.eq("password login as alice: 201", r.status, 201)

# --- charonctl session create: the same rule ------------------------------
p = subprocess.run([CTL, "session", "create", "-c",
                    os.path.join(T, "charon.ini"), "--user", " admin "],
                   capture_output=True, text=True, timeout=60)
t.check("charonctl session create --user \" admin \": refused, says why",
        p.returncode != 0 and "space" in p.stderr, repr(p))
t.eq("nothing stored for \" admin \" by charonctl", stored(" admin "), 0)

# --- login: valid ids pass unchanged ----------------------------------------
for name, raw, want in [("admin", b'"admin"', "admin"),
                        ("a space inside", b'"alice smith"', "alice smith"),
                        ("UTF-8", b'"Jos\\u00e9 \\u65e5\\u672c"',
                         "Jos\u00e9 \u65e5\u672c"),
                        ("the integer 42", b"42", "42"),
                        ("the integer -5", b"-5", "-5"),
                        ("the integer 999999999999999", b"999999999999999",
                         "999999999999999")]:
    r = issuer_login(raw)
    if not t.eq("login with user_id %s: 201" % name, r.status, 201):
        print("#   %r" % r)
        continue
    access = r.json()["tokens"]["access_token"]
    c = daemon.request("GET", "/auth/check", bearer=access)
    got = c.header("X-Charon-User-Id")
    t.eq("... /check answers X-Charon-User-Id %r" % want,
         (c.status, got.encode("latin-1").decode() if got else got),
         (200, want))
    a = authz.request("GET", "/private/", bearer=access)
    got = a.header("Variable-REMOTE_USER")
    t.eq("... the authorizer answers Variable-REMOTE_USER %r" % want,
         (a.status, got.encode("latin-1").decode() if got else got),
         (200, want))

# --- tokens minted elsewhere (same secret) --------------------------------
specs = {"space_around": {"sub": " admin "}, "space_after": {"sub": "admin "},
         "tab": {"sub": "\tadmin"}, "del": {"sub": "admin\u007f"},
         "nel": {"sub": "ad\u0085min"}, "ls": {"sub": "admin\u2028"},
         "nul": {"sub": "ad\u0000min"}, "long": {"sub": "u" * 256},
         "good": {"sub": "admin"}, "int": {"sub": 42},
         "utf8": {"sub": "Jos\u00e9"}}
out = subprocess.run(
    [sys.executable, os.path.join(os.path.dirname(__file__), "mint.py"),
     os.path.join(T, "secret")] +
    ["%s=%s" % (k, json.dumps(v)) for k, v in specs.items()],
    capture_output=True, text=True, check=True).stdout
tok = dict(line.split(" ", 1) for line in out.splitlines() if line)
for name in ("space_around", "space_after", "tab", "del", "nel", "ls", "nul",
             "long"):
    sub = specs[name]["sub"]
    c = daemon.request("GET", "/auth/check", bearer=tok[name])
    t.check("/check with sub %r: 401 %s" % (sub, SUB_INVALID),
            c.status == 401 and SUB_INVALID in message(c) and
            c.header("X-Charon-User-Id") is None, repr(c))
    a = authz.request("GET", "/private/", bearer=tok[name])
    t.check("the authorizer with sub %r: 401, no Variable-REMOTE_USER" % sub,
            a.status == 401 and a.header("Variable-REMOTE_USER") is None,
            repr(a))
for name, want in (("good", "admin"), ("int", "42"), ("utf8", "Jos\u00e9")):
    c = daemon.request("GET", "/auth/check", bearer=tok[name])
    got = c.header("X-Charon-User-Id")
    t.eq("/check with sub %r: 200 as %r" % (specs[name]["sub"], want),
         (c.status, got.encode("latin-1").decode() if got else got),
         (200, want))
sys.exit(t.finish())
