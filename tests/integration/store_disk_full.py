"""store_disk_full.py - run by store_disk_full.sh against a daemon whose
[store_local] path is on a small tmpfs: fills the file system, checks that
every endpoint answers cleanly while it is full, frees the space and
checks that the daemon recovers by itself and that nothing was
half-written.

    store_disk_full.py fill       the full disk and the recovery
    store_disk_full.py restarted  after the daemon was restarted on the
                                  same store: the sessions are all there

What LMDB can and cannot do on a full file system (store_local opens it
without MDB_WRITEMAP): a commit writes its pages with pwrite(), so a
commit that needs the file to grow fails (ENOSPC, or EIO for a short
write) and leaves nothing behind.  LMDB copies on write, so every write
(an insert, an update, and a delete too) needs new pages; those come from
the end of the file or from pages earlier transactions freed, and a
freed page may be reused only when no reader can still see it.  So on a
full disk a write fails exactly when no freed page is left to reuse.  To
make that certain, the test holds a read transaction open from before the
first write (as a long `charonctl session list` might): no page freed
after it is reused, so every write needs the file to grow, and once a
login has found the disk full every write does.  Reads need no space.

Environment: CHARON_IT_ADDR, CHARON_IT_FCGI_REQ, CHARON_IT_ISSUER_KEY
(file), CHARON_IT_LOG (the daemon's stderr), CHARON_IT_PID (the daemon),
CHARON_IT_STORE (the [store_local] path), CHARON_IT_MOUNT (the tmpfs),
CHARON_IT_CTL (charonctl), CHARON_IT_CONFIG (charon.ini),
CHARON_IT_NEW_STORE_CONFIG (the same with a path not created yet, on the
tmpfs), CHARON_IT_STATE
(a JSON file the fill run leaves for the restarted run) and
CHARON_IT_TOKENS (file: every token seen, appended one a line, for the
shell's "never logged" check).
"""
import ctypes
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True       # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fcgi_http import Client, Tally  # noqa: E402

MODE = sys.argv[1] if len(sys.argv) > 1 else "fill"
ADDR = os.environ["CHARON_IT_ADDR"]
LOG = os.environ["CHARON_IT_LOG"]
PID = int(os.environ["CHARON_IT_PID"])
STORE = os.environ["CHARON_IT_STORE"]
MOUNT = os.environ["CHARON_IT_MOUNT"]
CTL = os.environ["CHARON_IT_CTL"]
CONFIG = os.environ["CHARON_IT_CONFIG"]
NEW_STORE_CONFIG = os.environ["CHARON_IT_NEW_STORE_CONFIG"]
STATE = os.environ["CHARON_IT_STATE"]
with open(os.environ["CHARON_IT_ISSUER_KEY"]) as f:
    ISSUER_KEY = f.read().rstrip("\n")
FILLER = os.path.join(MOUNT, "filler")
c = Client(ADDR, os.environ["CHARON_IT_FCGI_REQ"])
t = Tally()
TOKENS = []

# What the daemon says about a store that cannot write (endpoint_store_error).
UNAVAILABLE = {"error": "service_unavailable",
               "message": "the session store is unavailable"}
# How the plugin names a full disk (plugins/store_local/lmdb_env.c).
FULL_LOG = "in %s; free some space there" % STORE


# --- LMDB, read-only, through ctypes (liblmdb is the daemon's own) ----------
class MDBVal(ctypes.Structure):
    _fields_ = [("mv_size", ctypes.c_size_t), ("mv_data", ctypes.c_void_p)]


class Lmdb:
    """A read-only view of the store from this process: a reader that can
    be held open, and a full scan of both databases."""
    RDONLY = 0x20000
    NOTLS = 0x200000
    NEXT = 8

    def __init__(self, path):
        self.lib = ctypes.CDLL("liblmdb.so.0")
        self.lib.mdb_strerror.restype = ctypes.c_char_p
        self.env = ctypes.c_void_p()
        self.pinned = None
        self.call("mdb_env_create", ctypes.byref(self.env))
        self.call("mdb_env_set_maxdbs", self.env, 3)
        self.call("mdb_env_open", self.env, path.encode(),
                  self.RDONLY | self.NOTLS, 0o600)

    def call(self, name, *args):
        rc = getattr(self.lib, name)(*args)
        if rc != 0:
            raise RuntimeError("%s: %s" % (name, self.lib.mdb_strerror(rc)))

    def begin(self):
        txn = ctypes.c_void_p()
        self.call("mdb_txn_begin", self.env, None, self.RDONLY,
                  ctypes.byref(txn))
        return txn

    def pin(self):
        self.pinned = self.begin()

    def unpin(self):
        if self.pinned is not None:
            self.lib.mdb_txn_abort(self.pinned)
            self.pinned = None

    def dump(self, txn, name):
        dbi = ctypes.c_uint()
        cur = ctypes.c_void_p()
        k, v = MDBVal(), MDBVal()
        out = []
        self.call("mdb_dbi_open", txn, name.encode(), 0, ctypes.byref(dbi))
        self.call("mdb_cursor_open", txn, dbi, ctypes.byref(cur))
        while self.lib.mdb_cursor_get(cur, ctypes.byref(k), ctypes.byref(v),
                                      self.NEXT) == 0:
            out.append((ctypes.string_at(k.mv_data, k.mv_size),
                        ctypes.string_at(v.mv_data, v.mv_size)))
        self.lib.mdb_cursor_close(cur)
        return out

    def scan(self):
        """(sessions, expiry) as lists of (key, value) bytes."""
        txn = self.begin()
        try:
            return self.dump(txn, "sessions"), self.dump(txn, "expiry")
        finally:
            self.lib.mdb_txn_abort(txn)

    def close(self):
        self.unpin()
        self.lib.mdb_env_close(self.env)


def consistent(db):
    """'' if every session record has its header and exactly its one
    expiry index entry (store_local.h's layout), else what is wrong."""
    sessions, expiry = db.scan()
    want = set()
    for k, v in sessions:
        if len(v) < 16:
            return "a %d-byte session record" % len(v)
        lock = int.from_bytes(v[:8], "big")
        if lock < 1:
            return "a session record with lock_version 0"
        exp = int.from_bytes(v[8:16], "big") ^ (1 << 63)
        want.add(exp.to_bytes(8, "big") + k)
    have = set(k for k, _ in expiry)
    if want != have:
        return "%d index entries without a session, %d sessions without one" \
            % (len(have - want), len(want - have))
    return ""


# --- requests ----------------------------------------------------------------
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


def new_session(user):
    r = login(user)
    if r.status != 201:
        raise RuntimeError("setup login of %s failed: %r" % (user, r))
    b = r.json()
    return {"at": b["tokens"]["access_token"],
            "rt": b["tokens"]["refresh_token"], "sid": b["session"]["id"]}


def listing(at):
    """(status, {session id: lock_version}) of GET /sessions."""
    r = c.request("GET", "/auth/sessions", bearer=at)
    if r.status != 200:
        return r.status, r.body
    return 200, {s["id"]: s["lock_version"] for s in r.json()["sessions"]}


def check(at):
    return c.request("GET", "/auth/check", bearer=at).status


def authorize(at):
    return c.request("GET", "/private/x", role="authorizer", bearer=at).status


def ctl_list(user):
    """(exit status, session ids, stderr) of charonctl session list."""
    p = subprocess.run([CTL, "-c", CONFIG, "session", "list", "--user", user],
                       capture_output=True, timeout=30)
    ids = set()
    for line in p.stdout.decode().splitlines():
        ids.add(json.loads(line)["id"])
    return p.returncode, ids, p.stderr.decode()


def alive():
    try:
        os.kill(PID, 0)
        return True
    except OSError:
        return False


def log_size():
    return os.path.getsize(LOG)


def log_since(pos):
    with open(LOG, "rb") as f:
        f.seek(pos)
        return f.read().decode("utf-8", "replace")


def free_bytes():
    st = os.statvfs(MOUNT)
    return st.f_bavail * st.f_frsize


def unavailable(name, r, pos, tokens_field="access_token"):
    """A write the full disk refused: 503, the store's JSON error, no
    token, the daemon alive, and the log says the disk is full."""
    t.eq(name + ": 503", r.status, 503)
    try:
        body = r.json()
    except ValueError:
        body = None
    t.eq(name + ": the JSON error body", body, UNAVAILABLE)
    t.check(name + ": as application/json",
            (r.header("Content-Type") or "").startswith("application/json"))
    t.check(name + ": no token handed out",
            tokens_field.encode() not in (r.body or b""), r)
    t.check(name + ": the daemon lives", alive())
    log = log_since(pos)
    t.check(name + ": the log says no space left on device, and where",
            ("no space left on device " + FULL_LOG) in log, log[-1500:])


def fill():
    # A reader held from before the first write: no page freed after it is
    # ever reused, so every write needs data.mdb to grow (see above).
    db = Lmdb(STORE)
    db.pin()
    # --- sessions made while there is room -------------------------------
    alice = new_session("alice")           # refreshed on the full disk
    bob = [new_session("bob") for _ in range(3)]   # logout, logout everywhere
    carol = new_session("carol")           # read-only checks
    alice_lock = listing(alice["at"])[1][alice["sid"]]

    # --- logins until the disk is full ------------------------------------
    # Leave 128 KiB: LMDB grows data.mdb a commit at a time until a
    # commit finds no room.
    with open(FILLER, "wb") as f:
        f.write(b"\0" * max(0, free_bytes() - 128 * 1024))
    pos = log_size()
    fitted, failed_user, r = [], None, None
    for i in range(5000):
        user = "filler-%d" % i
        r = login(user)
        if r.status != 201:
            failed_user = user
            break
        fitted.append(user)
    t.check("logins fill the disk: some fit, then one fails (%d fitted)"
            % len(fitted), len(fitted) > 0 and failed_user is not None)
    if failed_user is None:
        return 1
    unavailable("the login that found the disk full", r, pos)
    t.eq("the file system is full", free_bytes(), 0)

    # --- every endpoint on the full disk -----------------------------------
    before = listing(alice["at"])
    pos = log_size()
    unavailable("refresh on the full disk", refresh(alice["rt"]), pos,
                "refresh_token")
    t.eq("refresh on the full disk: the session is unchanged",
         listing(alice["at"]), before)
    pos = log_size()
    unavailable("login on the full disk", login("late"), pos)

    # A delete is a write like any other (copy on write): it is refused,
    # and the session stays.
    pos = log_size()
    r = c.request("DELETE", "/auth/session", bearer=bob[0]["at"])
    unavailable("logout on the full disk", r, pos)
    t.eq("logout on the full disk: the session is still there",
         check(bob[0]["at"]), 200)
    for path in ("/auth/sessions", "/auth/sessions/others"):
        pos = log_size()
        r = c.request("DELETE", path, bearer=bob[1]["at"])
        unavailable("DELETE %s on the full disk" % path, r, pos)
    st, ids = listing(bob[2]["at"])
    t.eq("logout everywhere on the full disk: all three sessions stay",
         (st, sorted(ids) if st == 200 else ids),
         (200, sorted(b["sid"] for b in bob)))

    # Reads need no space.
    t.eq("the session list answers on the full disk",
         listing(carol["at"]), (200, {carol["sid"]: 1}))
    for i in range(3):
        t.eq("require_session check %d answers 200 on the full disk" % i,
             check(carol["at"]), 200)
    t.eq("the AUTHORIZER role answers 200 on the full disk",
         authorize(alice["at"]), 200)
    t.eq("/health answers 200 on the full disk",
         c.request("GET", "/auth/health").status, 200)
    rc, ids, err = ctl_list("carol")
    t.eq("charonctl session list reads the full store",
         (rc, ids), (0, {carol["sid"]}))
    t.eq("the store is consistent on the full disk", consistent(db), "")
    # A store created on the full disk: LMDB would write the header of
    # its new lock.mdb through a mapping of a page the file system cannot
    # back (SIGBUS); store_local reserves the page first and says why not.
    p = subprocess.run([CTL, "-c", NEW_STORE_CONFIG, "session", "list",
                        "--user", "alice"], capture_output=True, timeout=30)
    err = p.stderr.decode()
    t.check("charonctl on a new store on the full disk: fails, no signal "
            "(exit %d)" % p.returncode, p.returncode > 0, err)
    t.check("and says there is no space left on device, and where",
            ("%s/new-store/lock.mdb: no space left on device" % MOUNT) in err,
            err)

    # --- space comes back: no restart --------------------------------------
    db.unpin()
    os.unlink(FILLER)
    r = refresh(alice["rt"])
    t.eq("space freed: the same refresh token works", r.status, 200)
    if r.status == 200:
        t.eq("and lock_version moved by exactly one",
             r.json()["session"]["lock_version"], alice_lock + 1)
        alice = {"at": r.json()["tokens"]["access_token"],
                 "rt": r.json()["tokens"]["refresh_token"],
                 "sid": alice["sid"]}
    t.eq("space freed: the refreshed session lists with it",
         listing(alice["at"]), (200, {alice["sid"]: alice_lock + 1}))
    r = refresh(alice["rt"])
    t.eq("space freed: refresh again", r.status, 200)
    if r.status == 200:
        alice["at"] = r.json()["tokens"]["access_token"]
        alice["rt"] = r.json()["tokens"]["refresh_token"]
    r = c.request("DELETE", "/auth/session", bearer=bob[0]["at"])
    t.eq("space freed: logout", r.status, 204)
    t.eq("and that session is gone", check(bob[0]["at"]), 401)
    r = c.request("DELETE", "/auth/sessions/others", bearer=bob[1]["at"])
    t.eq("space freed: logout of the other sessions", r.status, 204)
    t.eq("which ends the third", check(bob[2]["at"]), 401)
    r = c.request("DELETE", "/auth/sessions", bearer=bob[1]["at"])
    t.eq("space freed: logout everywhere", r.status, 204)
    t.eq("which ends the last", check(bob[1]["at"]), 401)
    late = login("late")
    t.eq("space freed: login", late.status, 201)
    if late.status == 201:
        at = late.json()["tokens"]["access_token"]
        t.eq("and its logout",
             c.request("DELETE", "/auth/session", bearer=at).status, 204)
    rc, ids, err = ctl_list(failed_user)
    t.check("the login the full disk refused stored nothing",
            rc == 0 and ids == set() and "no live session" in err,
            (rc, ids, err))
    rc, ids, err = ctl_list(fitted[-1])
    t.check("the last login that fitted is stored",
            rc == 0 and len(ids) == 1 and "ignored" not in err,
            (rc, ids, err))
    rc, ids, err = ctl_list("alice")
    t.check("charonctl reads alice's one session, signature intact",
            rc == 0 and ids == {alice["sid"]} and "ignored" not in err,
            (rc, ids, err))
    t.eq("the store is consistent after the recovery", consistent(db), "")
    sessions, _ = db.scan()
    db.close()
    t.check("the daemon lives", alive())
    with open(STATE, "w") as f:
        json.dump({"alice": alice, "carol": carol,
                   "fitted": [fitted[0], fitted[-1]],
                   "sessions": len(sessions)}, f)
    return 0


def restarted():
    with open(STATE) as f:
        s = json.load(f)
    alice, carol = s["alice"], s["carol"]
    t.eq("after a restart: alice's session passes the check",
         check(alice["at"]), 200)
    t.eq("after a restart: carol's too", check(carol["at"]), 200)
    t.eq("after a restart: alice's session lists",
         sorted(listing(alice["at"])[1]), [alice["sid"]])
    r = refresh(alice["rt"])
    t.eq("after a restart: her refresh token works", r.status, 200)
    for user in s["fitted"]:
        rc, ids, err = ctl_list(user)
        t.check("after a restart: %s's session is stored" % user,
                rc == 0 and len(ids) == 1 and "ignored" not in err,
                (rc, ids, err))
    db = Lmdb(STORE)
    sessions, _ = db.scan()
    t.eq("after a restart: the store is consistent", consistent(db), "")
    db.close()
    t.eq("after a restart: every session record is still there",
         len(sessions), s["sessions"])
    return 0


rc = fill() if MODE == "fill" else restarted()
with open(os.environ["CHARON_IT_TOKENS"], "a") as f:
    for tok in TOKENS:
        # The signature (and, for the "never logged" check, the payload).
        for part in tok.split(".")[1:]:
            if len(part) >= 16:
                f.write(part + "\n")
sys.exit(t.finish() or rc)
