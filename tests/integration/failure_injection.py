"""failure_injection.py - run by failure_injection.sh: every store operation
fails with every error kind (through the store_fail test plugin's control
file), and each endpoint that uses it answers the documented status with a
JSON body, the daemon lives on, the failed request writes nothing (once the
failure is lifted the session is as it was), and the log names the failure.

Environment (set by failure_injection.sh): CHARON_IT_ADDR, CHARON_IT_FCGI_REQ,
CHARON_IT_CONTROL (store_fail's control file), CHARON_IT_LOG (the daemon's
stderr), CHARON_IT_ISSUER_KEY (file), CHARON_IT_PID (the daemon), and
CHARON_IT_TOKENS (file: every token seen, one a line, for the shell's
"never logged" check).
"""
import json
import os
import sys
import time

sys.dont_write_bytecode = True       # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fcgi_http import Client, Tally  # noqa: E402

ADDR = os.environ["CHARON_IT_ADDR"]
CONTROL = os.environ["CHARON_IT_CONTROL"]
LOG = os.environ["CHARON_IT_LOG"]
PID = int(os.environ["CHARON_IT_PID"])
with open(os.environ["CHARON_IT_ISSUER_KEY"]) as f:
    ISSUER_KEY = f.read().rstrip("\n")
c = Client(ADDR, os.environ["CHARON_IT_FCGI_REQ"])
t = Tally()
TOKENS = []

STORE_FAILED = ("An error occurred when storing a new/updated session. "
                "The operation was cancelled.")
CONFLICT_MSG = ("A conflict occurred when updating a session. "
                "The update was cancelled.")
# Error kinds of store_fail and the code it returns for each.
CODES = {"unavail": -5, "io": -7, "nomem": -1, "conflict": -4}
READ_KINDS = ("unavail", "io", "nomem")
WRITE_KINDS = ("unavail", "io", "nomem", "conflict")


def inject(words):
    """Makes store_fail fail as the words ("upsert=io ...") say."""
    with open(CONTROL + ".tmp", "w") as f:
        f.write(words + "\n")
    os.rename(CONTROL + ".tmp", CONTROL)


def lift():
    inject("")


def log_size():
    return os.path.getsize(LOG)


def log_since(pos):
    with open(LOG, "rb") as f:
        f.seek(pos)
        return f.read().decode("utf-8", "replace")


def alive():
    try:
        os.kill(PID, 0)
        return True
    except OSError:
        return False


def remember(r):
    TOKENS.extend(r.tokens())


def login(user):
    r = c.request("POST", "/auth/session", json={"user_id": user},
                  headers={"X-Charon-Issuer-Key": ISSUER_KEY})
    remember(r)
    return r


def refresh(rt):
    r = c.request("POST", "/auth/session/refresh", bearer=rt)
    remember(r)
    return r


def listing(at):
    """(status, {session id: lock_version}) of GET /sessions."""
    r = c.request("GET", "/auth/sessions", bearer=at)
    if r.status != 200:
        return r.status, r.body
    return 200, {s["id"]: s["lock_version"] for s in r.json()["sessions"]}


def new_session(user):
    r = login(user)
    if r.status != 201:
        raise RuntimeError("setup login of %s failed: %r" % (user, r))
    b = r.json()
    return (b["tokens"]["access_token"], b["tokens"]["refresh_token"],
            b["session"]["id"])


def expected(op, kind, write):
    """(status, error, message or None) the endpoint must answer."""
    if kind == "conflict":
        return 409, "conflict", CONFLICT_MSG
    if kind in ("unavail", "nomem"):
        return 503, "service_unavailable", None
    if write:
        return 500, "server_error", STORE_FAILED
    return 500, None, None


def failed_as(name, r, op, kind, write, pos):
    """The common checks of one request made while op fails with kind."""
    status, error, message = expected(op, kind, write)
    t.eq(name + ": status", r.status, status)
    try:
        body = r.json()
    except ValueError:
        body = None
    t.check(name + ": a JSON body with error and message",
            isinstance(body, dict) and "error" in body and "message" in body
            and (r.header("Content-Type") or "").startswith(
                "application/json"), r)
    if isinstance(body, dict):
        if error is not None:
            t.eq(name + ": error", body.get("error"), error)
        if message is not None:
            t.eq(name + ": message", body.get("message"), message)
    t.check(name + ": the daemon lives", alive())
    if kind != "conflict":
        log = log_since(pos)
        t.check(name + ": the log names the failure",
                "store_fail" in log and
                ("injected failure of " + op) in log, log[-2000:])


n = 0


def user(tag):
    global n
    n += 1
    return "u%d-%s" % (n, tag)


# --- health -----------------------------------------------------------------
lift()
r = c.request("GET", "/auth/health")
t.eq("health: 200 with nothing failing", r.status, 200)
for kind in READ_KINDS:
    name = "health fails with %s" % kind
    inject("health=" + kind)
    pos = log_size()
    r = c.request("GET", "/auth/health")
    failed_as(name, r, "health", "unavail", False, pos)
    t.eq(name + ": error", r.json().get("error") if r.status else None,
         "service_unavailable")
    lift()
    t.eq(name + ": 200 once lifted", c.request("GET", "/auth/health").status,
         200)

# --- login: upsert ----------------------------------------------------------
for kind in WRITE_KINDS:
    name = "login, upsert fails with %s" % kind
    u = user("login-" + kind)
    inject("upsert=" + kind)
    pos = log_size()
    r = login(u)
    failed_as(name, r, "upsert", kind, True, pos)
    t.check(name + ": no tokens handed out",
            not (r.body and b"access_token" in r.body), r)
    lift()
    at, rt, sid = new_session(u)
    t.eq(name + ": nothing was stored (one session after a good login)",
         listing(at), (200, {sid: 1}))

# --- login: max_sessions_per_user (get_all, delete_one after the upsert) ----
for kind in READ_KINDS:
    name = "login, get_all of max_sessions_per_user fails with %s" % kind
    u = user("limit-" + kind)
    inject("get_all=" + kind)
    pos = log_size()
    r = login(u)
    t.eq(name + ": the login stands (201)", r.status, 201)
    log = log_since(pos)
    t.check(name + ": logged", "max_sessions_per_user" in log, log[-2000:])
    t.check(name + ": the daemon lives", alive())
    lift()
    if r.status == 201:
        at = r.json()["tokens"]["access_token"]
        sid = r.json()["session"]["id"]
        t.eq(name + ": the session is stored", listing(at), (200, {sid: 1}))
for kind in ("unavail", "io"):
    name = "login, delete_one of max_sessions_per_user fails with %s" % kind
    u = user("limit-del-" + kind)
    sessions = [new_session(u) for _ in range(3)]
    inject("delete_one=" + kind)
    pos = log_size()
    r = login(u)
    remember(r)
    t.eq(name + ": the login stands (201)", r.status, 201)
    t.check(name + ": logged", "max_sessions_per_user" in log_since(pos))
    lift()
    st, ids = listing(sessions[0][0])
    t.eq(name + ": all four sessions are still there", (st, len(ids)),
         (200, 4))
    r = login(u)
    st, ids = listing(r.json()["tokens"]["access_token"])
    t.eq(name + ": the next login trims back to the limit", (st, len(ids)),
         (200, 3))

# --- refresh: get, then upsert ----------------------------------------------
for op, kinds in (("get", READ_KINDS), ("upsert", WRITE_KINDS)):
    for kind in kinds:
        name = "refresh, %s fails with %s" % (op, kind)
        at, rt, sid = new_session(user("refresh-%s-%s" % (op, kind)))
        before = listing(at)
        inject("%s=%s" % (op, kind))
        pos = log_size()
        r = refresh(rt)
        failed_as(name, r, op, kind, op == "upsert", pos)
        t.check(name + ": no tokens handed out",
                not (r.body and b"refresh_token" in r.body), r)
        lift()
        t.eq(name + ": the session is unchanged (lock_version)",
             listing(at), before)
        r = refresh(rt)
        t.eq(name + ": the old refresh token still works", r.status, 200)
        if r.status == 200:
            t.eq(name + ": and moves lock_version by one",
                 r.json()["session"]["lock_version"], before[1][sid] + 1)

# --- check with require_session: get ----------------------------------------
for kind in READ_KINDS:
    name = "GET /check, get fails with %s" % kind
    at, rt, sid = new_session(user("check-" + kind))
    inject("get=" + kind)
    pos = log_size()
    r = c.request("GET", "/auth/check", bearer=at)
    failed_as(name, r, "get", kind, False, pos)
    r2 = c.request("GET", "/private/x", role="authorizer", bearer=at)
    t.eq(name + ": the AUTHORIZER role does not allow either",
         r2.status, r.status)
    lift()
    t.eq(name + ": 200 once lifted",
         c.request("GET", "/auth/check", bearer=at).status, 200)

# --- GET /sessions: get (its session), get_all ------------------------------
for op in ("get", "get_all"):
    for kind in READ_KINDS:
        name = "GET /sessions, %s fails with %s" % (op, kind)
        at, rt, sid = new_session(user("list-%s-%s" % (op, kind)))
        inject("%s=%s" % (op, kind))
        pos = log_size()
        r = c.request("GET", "/auth/sessions", bearer=at)
        failed_as(name, r, op, kind, op == "get_all", pos)
        t.check(name + ": no partial listing",
                b'"sessions"' not in (r.body or b""), r)
        lift()
        t.eq(name + ": lists once lifted", listing(at), (200, {sid: 1}))

# --- logout: delete_one -----------------------------------------------------
for kind in READ_KINDS:
    name = "logout, delete_one fails with %s" % kind
    at, rt, sid = new_session(user("logout-" + kind))
    inject("delete_one=" + kind)
    pos = log_size()
    r = c.request("DELETE", "/auth/session", bearer=at)
    failed_as(name, r, "delete_one", kind, True, pos)
    lift()
    t.eq(name + ": the session is still there",
         c.request("GET", "/auth/check", bearer=at).status, 200)
    t.eq(name + ": logout works once lifted",
         c.request("DELETE", "/auth/session", bearer=at).status, 204)
    t.eq(name + ": and the session is gone",
         c.request("GET", "/auth/check", bearer=at).status, 401)

# A failed cookie logout keeps the cookies: the session still exists.
name = "cookie logout, delete_one fails with unavail"
r = c.request("POST", "/auth/session",
              json={"user_id": user("cookie"), "token_transport": "cookie"},
              headers={"X-Charon-Issuer-Key": ISSUER_KEY,
                       "Sec-Fetch-Mode": "cors"})
remember(r)
jar = {k: v for k, (v, a) in r.set_cookies().items()}
cat = r.json()["tokens"]["access_token"]
for v in jar.values():
    TOKENS.append(cat + v)
inject("delete_one=unavail")
r = c.request("DELETE", "/auth/session", bearer=cat, cookies=jar,
              headers={"X-CSRF-Protect": "1"})
t.eq(name + ": 503", r.status, 503)
t.eq(name + ": the cookies are not expired", r.set_cookies(), {})
lift()

# --- DELETE /sessions (delete_all), DELETE /sessions/others (get, delete_all)
for path, ops in (("/auth/sessions", ("delete_all",)),
                  ("/auth/sessions/others", ("get", "delete_all"))):
    for op in ops:
        for kind in READ_KINDS:
            name = "DELETE %s, %s fails with %s" % (path, op, kind)
            u = user("delall")
            a1, r1, s1 = new_session(u)
            a2, r2_, s2 = new_session(u)
            before = listing(a1)
            inject("%s=%s" % (op, kind))
            pos = log_size()
            r = c.request("DELETE", path, bearer=a1)
            failed_as(name, r, op, kind, op == "delete_all", pos)
            lift()
            t.eq(name + ": both sessions are still there", listing(a1),
                 before)

# --- every operation failing at once ----------------------------------------
at, rt, sid = new_session(user("all"))
inject("all=unavail")
for method, path, kw in (("GET", "/auth/health", {}),
                         ("POST", "/auth/session/refresh", {"bearer": rt}),
                         ("GET", "/auth/check", {"bearer": at}),
                         ("GET", "/auth/sessions", {"bearer": at}),
                         ("DELETE", "/auth/session", {"bearer": at}),
                         ("DELETE", "/auth/sessions", {"bearer": at})):
    r = c.request(method, path, **kw)
    t.eq("everything unavailable: %s %s is 503" % (method, path),
         r.status, 503)
r = login(user("all2"))
t.eq("everything unavailable: login is 503", r.status, 503)
lift()
t.eq("everything unavailable: the session survives",
     listing(at), (200, {sid: 1}))
t.check("the daemon lives at the end", alive())

with open(os.environ["CHARON_IT_TOKENS"], "w") as f:
    for tok in TOKENS:
        # The signature (and, for the "never logged" check, the payload).
        for part in tok.split(".")[1:]:
            if len(part) >= 16:
                f.write(part + "\n")
sys.exit(t.finish())
