"""redis_garbage.py - run by redis_garbage.sh: store_redis facing a Redis
that answers garbage, on every endpoint that touches the store.

Daemon A (FCALL, unix socket) and daemon B (EVALSHA, TCP) reach a real
redis-server through redis_garbage_proxy.py.  Part 1 replaces A's function
library (same name) with functions answering the wrong shapes; part 2 has
the proxy answer byte-level garbage.  B gets part 2 only: its code runs by
EVALSHA of the SHA-1 of the script, and a script with the same SHA-1 but
other code cannot be made, so a real Redis cannot give it the wrong
shapes; only what is on the wire can be garbage.

For each request: the status and JSON body, an answer within BOUND, the
daemon alive, the log naming Redis; after switching back: /health 200
again without a restart, and nothing half-written (the session is as it
was, or whole where the write went through; its refresh token from
before refreshes once and moves lock_version by one).  What became of
the connection that got the garbage comes from the proxy's event log,
not from counting connections (how many a case makes depends on timing,
e.g. a reconnect's handshake timing out on a loaded machine): garbage
closes it and it carries no command after, the next request reconnects;
an error reply leaves it open.

Environment (redis_garbage.sh): CHARON_IT_FCGI_REQ, CHARON_IT_ISSUER_KEY,
CHARON_IT_A / _B (daemon addresses), CHARON_IT_PID_A / _B, CHARON_IT_LOG_A
/ _B, CHARON_IT_CONTROL (the proxy's control file), CHARON_IT_REDIS (the
real Redis' socket), CHARON_IT_PROXY_EVENTS (the proxy's event log),
CHARON_IT_TOKENS (written: token parts, one a line, for the shell's
"never logged" check).
"""
import os
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True       # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcgi_http  # noqa: E402
from fcgi_http import Client, Tally, wait_for  # noqa: E402
from redis_garbage_proxy import Reader, encode  # noqa: E402

ENV = os.environ
COMMAND_TIMEOUT = 0.2                # command_timeout_ms in the configs
# "A few times command_timeout_ms": an operation may take a reconnect,
# its handshake and a reload; the rest is fcgi_req and the daemon (a busy
# ASan build).  What this is against: a reply that never ends held a
# worker for good before.
BOUND = 4 * COMMAND_TIMEOUT + 0.7
CONTROL = ENV["CHARON_IT_CONTROL"]
EVENTS = ENV["CHARON_IT_PROXY_EVENTS"]
with open(ENV["CHARON_IT_ISSUER_KEY"]) as f:
    ISSUER_KEY = f.read().strip()
t = Tally()
TOKENS = []


# A hung daemon must fail this test in seconds, not after fcgi_http's 30 s
# per request: its subprocess.run gets a 5 s timeout here.
class _Subprocess:
    TimeoutExpired = subprocess.TimeoutExpired

    @staticmethod
    def run(*args, **kw):
        kw["timeout"] = min(kw.get("timeout", 5), 5)
        return subprocess.run(*args, **kw)


fcgi_http.subprocess = _Subprocess


class Daemon:
    def __init__(self, tag, side):
        self.tag = tag
        self.side = side             # its connections' prefix in EVENTS
        self.cl = Client(ENV["CHARON_IT_" + tag], ENV["CHARON_IT_FCGI_REQ"])
        self.pid = int(ENV["CHARON_IT_PID_" + tag])
        self.log = ENV["CHARON_IT_LOG_" + tag]

    def alive(self):
        try:
            os.kill(self.pid, 0)
            return True
        except OSError:
            return False

    def log_size(self):
        return os.path.getsize(self.log)

    def log_since(self, pos):
        with open(self.log, "rb") as f:
            f.seek(pos)
            return f.read()

    def request(self, *a, **kw):
        r = self.cl.request(*a, **kw)
        TOKENS.extend(r.tokens())
        return r

    def events(self, pos):
        """[(offset, conn, kind, words)] of the proxy's events from pos on,
        on this daemon's connections (whole lines only)."""
        with open(EVENTS, "rb") as f:
            f.seek(pos)
            data = f.read()
        out = []
        for line in data.split(b"\n")[:-1]:
            conn, kind, *words = line.decode().split(" ")
            if conn.startswith(self.side):
                out.append((pos, conn, kind, words))
            pos += len(line) + 1
        return out


def events_mark():
    return os.path.getsize(EVENTS)


A, B = Daemon("A", "u"), Daemon("B", "t")


class Redis:
    """A minimal RESP2 client on the real Redis (not the proxy)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.rd = Reader(self.sock)

    def parse(self):
        line = self.rd.line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.rd.exactly(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.parse() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)

    def call(self, *args):
        self.sock.sendall(encode([a if isinstance(a, bytes) else
                                  str(a).encode() for a in args]))
        return self.parse()


redis = Redis(ENV["CHARON_IT_REDIS"])


def control(words):
    """Switches the proxy (it reads the file before each command)."""
    with open(CONTROL + ".tmp", "w") as f:
        f.write(words + "\n")
    os.rename(CONTROL + ".tmp", CONTROL)


n_user = 0


def user(tag):
    global n_user
    n_user += 1
    return "g%d-%s" % (n_user, tag)


def login(d, u):
    return d.request("POST", "/auth/session", json={"user_id": u},
                     headers={"X-Charon-Issuer-Key": ISSUER_KEY})


def listing(d, at):
    """(status, {session id: lock_version}) of GET /sessions."""
    r = d.request("GET", "/auth/sessions", bearer=at)
    if r.status != 200:
        return r.status, r.body[:200]
    return 200, {s["id"]: s["lock_version"] for s in r.json()["sessions"]}


class Session:
    """A session made while Redis answers properly, and the user a login
    under garbage will try."""

    def __init__(self, d, tag):
        r = login(d, user(tag))
        if r.status != 201:
            raise RuntimeError("setup login failed: %r" % r)
        b = r.json()
        self.at = b["tokens"]["access_token"]
        self.rt = b["tokens"]["refresh_token"]
        self.sid = b["session"]["id"]
        self.login_user = user(tag + "-login")


ENDPOINTS = {
    "login": lambda d, s: login(d, s.login_user),
    "refresh": lambda d, s: d.request("POST", "/auth/session/refresh",
                                      bearer=s.rt),
    "sessions": lambda d, s: d.request("GET", "/auth/sessions", bearer=s.at),
    "check": lambda d, s: d.request("GET", "/auth/check", bearer=s.at),
    "logout": lambda d, s: d.request("DELETE", "/auth/session", bearer=s.at),
    "logout_all": lambda d, s: d.request("DELETE", "/auth/sessions",
                                         bearer=s.at),
}
ALL = ("login", "refresh", "sessions", "check", "logout", "logout_all")
ERROR_OF = {503: "service_unavailable", 401: "invalid_token"}
SHOWN = set()


def recover(d):
    """Seconds until /health (a PING) is 200 again, or None after 10 s."""
    t0 = time.monotonic()
    if wait_for(10, lambda: d.request("GET", "/auth/health").status == 200):
        return time.monotonic() - t0
    return None


def connection_fate(d, label, mark, end, garbage, dropped, log):
    """What the daemon did with each connection that got garbage between
    the proxy event offsets mark and end (garbage(kind, words) says which
    events are garbage), by the time /health is 200 again.  dropped: it
    is closed (the proxy sees that when it next reads or writes it: after
    relaying a big reply, on a loaded machine seconds later), carries no
    command after its garbage, and the next request went over another
    connection.  Kept: it is still open, unless a command_timeout_ms
    expired on it (a loaded machine), which drops any connection."""
    hit = {}
    for off, conn, kind, words in d.events(mark):
        if off < end and garbage(kind, words):
            hit.setdefault(conn, off)
    if not dropped and not hit:
        return
    t.check(label + ": the request met the garbage", hit, d.events(mark))

    def closed():
        return {c for _, c, kind, _ in d.events(mark) if kind == "close"}

    if dropped:
        t.check(label + ": the connection that got garbage was closed",
                wait_for(20, lambda: set(hit) <= closed()), hit)
        evs = d.events(mark)
        t.eq(label + ": and never used again",
             [(c, w) for off, c, kind, w in evs
              if kind == "cmd" and c in hit and off > hit[c]], [])
        later = {c for off, c, kind, _ in evs if kind == "cmd" and off >= end}
        t.check(label + ": the next request reconnected",
                later and not later & set(hit), evs)
    else:
        gone = set(hit) & closed()
        t.check(label + ": the connection was kept",
                not gone or b"command_timeout_ms" in log, (gone, log[-600:]))


def timed(d, ep, s):
    """(the response, or the exception of a request with no answer in 5
    s; seconds it took)."""
    t0 = time.monotonic()
    try:
        r = ENDPOINTS[ep](d, s)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        r = e
    return r, time.monotonic() - t0


def one(d, name, ep, s, want, inject, restore, garbage, drops=True):
    """One request under garbage, then back to a proper Redis.  A 503 from
    anything but an error reply must have dropped the connection that got
    the garbage (connection_fate); other answers keep it, unless drops is
    "also" (garbage the endpoint could do without)."""
    label = "%s: %s" % (name, ep)
    pos = d.log_size()
    mark = events_mark()
    inject()
    r, took = timed(d, ep, s)
    restore()
    end = events_mark()
    if isinstance(r, Exception):
        t.check(label + ": answered", False, r)
        t.check(label + ": the daemon lives", d.alive())
        recover(d)
        return None
    t.eq(label + ": status", r.status, want)
    t.check(label + ": answered within %.1f s (%.2f s)" % (BOUND, took),
            took < BOUND, took)
    if want >= 400:
        try:
            body = r.json()
        except ValueError:
            body = None
        t.check(label + ": a JSON error body",
                isinstance(body, dict) and body.get("error") ==
                ERROR_OF.get(want) and "message" in body and
                (r.header("Content-Type") or "").startswith(
                    "application/json"), r)
    t.check(label + ": the daemon lives", d.alive())
    log = d.log_since(pos)
    if want == 503:
        t.check(label + ": the log names Redis", b"Redis at " in log,
                log[-600:])
    t.check(label + ": the log holds only printable text",
            all(c == 10 or 32 <= c < 127 for c in log), log[-600:])
    if want == 503 and name.split(" ")[0] not in SHOWN:
        SHOWN.add(name.split(" ")[0])
        for line in log.decode("latin-1").splitlines():
            if "Redis at" in line:
                print("#   log (%s): %s" % (label, line[:300]))
                break
    back = recover(d)
    t.check(label + ": /health is 200 again without a restart%s" %
            ("" if back is None else " (%.2f s)" % back), back is not None)
    dropped = drops == "also" or (want == 503 and drops)
    connection_fate(d, label, mark, end, garbage, dropped, d.log_since(pos))
    return r


def case(d, name, inject, restore, garbage, plan, lock=1, gone=False,
         drops=True):
    """The plan's (endpoint, status) requests under garbage on one session,
    then: the session is whole, as it was (lock_version == lock; or gone),
    a failed login stored nothing, and the old refresh token works once.
    garbage(kind, words): which proxy events are garbage; drops: a 503
    drops the connection (not so for an error reply)."""
    s = Session(d, name.replace(" ", "-"))
    logins = 0
    for ep, want, *also in plan:
        r = one(d, name, ep, s, want, inject, restore, garbage,
                also[0] if also else drops)
        if ep == "login" and r is not None and r.status == 201:
            logins += 1
        if ep == "sessions" and want == 200 and r is not None \
                and r.status == 200:
            t.eq(name + ": sessions: lists no garbage",
                 [x["id"] for x in r.json()["sessions"]], [])
    if gone:
        t.eq(name + ": the session is wholly gone",
             d.request("GET", "/auth/check", bearer=s.at).status, 401)
        t.eq(name + ": and cannot be refreshed",
             d.request("POST", "/auth/session/refresh", bearer=s.rt).status,
             401)
        return
    t.eq(name + ": the session is whole, lock_version %d" % lock,
         listing(d, s.at), (200, {s.sid: lock}))
    if any(step[0] == "login" for step in plan):
        r = login(d, s.login_user)
        st, ids = listing(d, r.json()["tokens"]["access_token"]) \
            if r.status == 201 else (r.status, {})
        t.eq(name + ": the login under garbage stored %d session(s)" % logins,
             (st, len(ids)), (200, logins + 1))
    r = d.request("POST", "/auth/session/refresh", bearer=s.rt)
    t.eq(name + ": the refresh token from before refreshes",
         r.status, 200)
    if r.status == 200:
        t.eq(name + ": and moves lock_version by one",
             r.json()["session"]["lock_version"], lock + 1)
        t.eq(name + ": the store agrees", listing(d, s.at),
             (200, {s.sid: lock + 1}))


# --- part 1: A's library replaced by one answering wrong shapes ------------
r = login(A, user("warmup"))
t.eq("A works through the proxy", r.status, 201)
t.eq("B works through the proxy (EVALSHA)", login(B, user("warmup")).status,
     201)
libs = redis.call("FUNCTION", "LIST", "WITHCODE")
lib = code = None
for entry in libs:
    kv = dict(zip(entry[0::2], entry[1::2]))
    if kv[b"library_name"].startswith(b"charon_fcgi_"):
        lib, code = kv[b"library_name"].decode(), kv[b"library_code"]
t.check("A loaded its library, charon_fcgi_<hash>", lib is not None, libs)
t.eq("B loaded none (FUNCTION is forbidden to it)", len(libs), 1)
body = code[:code.index(b"\nredis.register_function")].decode()
OPS = ("get", "get_all", "upsert", "delete", "delete_all")


def forged(over):
    """The real library's code, with the callbacks of some functions
    replaced by Lua expressions (keys, args in scope)."""
    regs = []
    for op in OPS:
        cb = "op_" + op
        if op in over:
            cb = "function(keys, args) return %s end" % over[op]
        regs.append("redis.register_function{function_name = '%s_%s', "
                    "callback = %s%s}" % (lib, op, cb,
                                          ", flags = {'no-writes'}"
                                          if op.startswith("get") else ""))
    return body + "\n" + "\n".join(regs) + "\n"


def load(text):
    r = redis.call("FUNCTION", "LOAD", "REPLACE", text)
    if r != lib.encode():
        raise RuntimeError("FUNCTION LOAD REPLACE: %r" % r)


SHAPES = {
    "int": "7",
    "nil": "false",
    "array3": "{'a', 'b', 'c'}",
    "nested": "{{'a', 'b'}, {'c', 'd'}}",
    "ints": "{1, 2}",
    "huge": "string.rep('x', 8 * 1024 * 1024)",
    "bigarray": "(function() local t = {} for i = 1, 20000 do "
                "t[i] = 'x' end return t end)()",
    "error": "redis.error_reply('ERR forged by the test')",
    "status": "redis.status_reply('OK')",
    "negative": "-5",
    "notsigned": "{'this is not a signed session', '1'}",
    "badlock": "(function() local r = op_get(keys, args) "
               "if r then r[2] = 'x' end return r end)()",
    "biglock": "(function() local r = op_get(keys, args) "
               "if r then r[2] = '99999999999999999999999' end "
               "return r end)()",
    # The write happens, the answer is wrong.
    "upsert_lies": "(function() op_upsert(keys, args) "
                   "return 'OK' end)()",
    "delete_lies": "(function() op_delete(keys, args) return {} end)()",
}


def forged_case(name, over, plan, **kw):
    text = forged({op: SHAPES[shape] for op, shape in over.items()})
    case(A, "library " + name, lambda: load(text), lambda: load(code),
         lambda kind, words: kind == "cmd" and words[1] in over, plan,
         drops="error" not in over.values(), **kw)


# Every function answers the same wrong shape.  get answering nil is a
# proper "no such session" (401), also for the logouts, which load the
# token's session first; everything else is 503.
for shape in ("int", "nil", "array3", "nested", "ints", "huge", "bigarray",
              "error", "status"):
    absent = 401 if shape == "nil" else 503
    forged_case("all=" + shape, {op: shape for op in OPS},
                [("login", 503), ("refresh", absent), ("sessions", absent),
                 ("check", absent), ("logout", absent),
                 ("logout_all", absent)])
# One function at a time, the others real.
for shape in ("int", "nil", "ints", "nested", "error"):
    forged_case("get_all=" + shape, {"get_all": shape},
                [("sessions", 503)])
# Right shape, wrong values: each pair is skipped (one log line).
for shape in ("bigarray", "notsigned"):
    forged_case("get_all=" + shape, {"get_all": shape},
                [("sessions", 200), ("login", 201)])
# The login stands without its max_sessions_per_user check (logged).
forged_case("get_all=int, login", {"get_all": "int"},
            [("login", 201, "also")])
for shape in ("negative", "nil", "status", "huge"):
    forged_case("upsert=" + shape, {"upsert": shape},
                [("refresh", 503), ("login", 503)])
for shape in ("int", "nil"):
    forged_case("delete=" + shape, {"delete": shape}, [("logout", 503)])
for shape in ("int", "status"):
    forged_case("delete_all=" + shape, {"delete_all": shape},
                [("logout_all", 503)])
# A stored session that is not one: absent (401), as a tampered blob is.
for shape in ("notsigned", "badlock", "biglock"):
    forged_case("get=" + shape, {"get": shape},
                [("check", 401), ("refresh", 401), ("sessions", 401)])
# The write went through and the answer is garbage: 503, and the session
# is whole at its new lock_version (or wholly gone).
forged_case("upsert=upsert_lies", {"upsert": "upsert_lies"},
            [("refresh", 503)], lock=2)
forged_case("delete=delete_lies", {"delete": "delete_lies"},
            [("logout", 503)], gone=True)
t.eq("the real library is back", redis.call("FCALL", lib + "_get", 3, "a",
                                            "b", "c", "s", "0"), None)

# --- part 2: byte-level garbage from the proxy ------------------------------
BYTE_MODES = ("random", "truncated", "hugelen", "hugearray", "nested",
              "badtype", "errctl", "badint", "trailing", "silence", "eof",
              "endless", "flood")


def proxy_case(d, words, plan, **kw):
    case(d, "%s proxy %s" % (d.tag, words), lambda: control(words),
         lambda: control("pass"), lambda kind, _: kind == "hit", plan,
         drops=not words.startswith("errctl"), **kw)


for mode in BYTE_MODES:
    proxy_case(A, mode, [(ep, 503) for ep in ALL])
# Write went through, reply replaced: the session is whole.
proxy_case(A, "random forward op=upsert", [("refresh", 503)], lock=2)
proxy_case(A, "truncated forward op=delete", [("logout", 503)], gone=True)

# Not garbage: the real replies, three bytes at a time.
s = Session(A, "dribble")
control("dribble")
for ep, want in (("check", 200), ("sessions", 200), ("refresh", 200),
                 ("login", 201)):
    t.eq("A proxy dribble: %s" % ep, ENDPOINTS[ep](A, s).status, want)
control("pass")
t.eq("A proxy dribble: lock_version 2 after one refresh", listing(A, s.at),
     (200, {s.sid: 2}))

# The connect handshake (FUNCTION LOAD; B: AUTH, SCRIPT LOAD) gets it too:
# the first request meets it on the operation, a later one (once the
# backoff has passed: until then they get 503 without touching Redis) on
# the reconnect.
for d, modes in ((A, ("random", "hugearray", "silence", "eof")),
                 (B, ("random", "truncated"))):
    for mode in modes:
        s = Session(d, "handshake")
        name = "%s proxy %s all" % (d.tag, mode)
        control(mode + " all")
        pos = d.log_size()
        answers = []

        def check_until_handshake():
            answers.append(timed(d, "check", s))
            return len(answers) > 1 and b"handshake: " in d.log_since(pos)

        met = wait_for(10, check_until_handshake)
        for i, (r, took) in enumerate(answers):
            t.eq("%s: check %d: 503" % (name, i + 1),
                 getattr(r, "status", r), 503)
            t.check("%s: check %d within %.1f s (%.2f s)" %
                    (name, i + 1, BOUND, took), took < BOUND, took)
        log = d.log_since(pos)
        t.check(name + ": the reconnect's handshake met it",
                met and b"Redis at " in log, log[-600:])
        control("pass")
        t.check(name + ": /health is 200 again", recover(d) is not None)
        t.eq(name + ": the session is whole", listing(d, s.at),
             (200, {s.sid: 1}))

# B: the same garbage on the EVALSHA path, over TCP.
for mode in ("random", "truncated", "hugearray", "nested", "badint",
             "trailing", "errctl", "silence", "eof", "endless"):
    proxy_case(B, mode, [(ep, 503) for ep in ALL])

t.check("A lives at the end", A.alive())
t.check("B lives at the end", B.alive())
with open(ENV["CHARON_IT_TOKENS"], "w") as f:
    for tok in TOKENS:
        for part in tok.split(".")[1:]:
            if len(part) >= 16:
                f.write(part + "\n")
sys.exit(t.finish())
