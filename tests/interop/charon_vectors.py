"""charon_vectors.py - replays tests/data/charon/charon-vectors.json (tokens
of the real Charon 4.3.0 and of charon-fcgi, with what each side answered)
against charonctl and the daemon's GET /auth/check, and expects Charon's
answer for every case, except the deliberate differences listed in
DEVIATIONS (also in README.md, "Charon"), which are expected as written
there.

    charon_vectors.py VECTORS CHARONCTL DAEMON WORKDIR

charonctl: one process per configuration reads every token on stdin
(verify --at -), as of the moment the vectors were recorded (the latest
"iat" in the file), so tokens that have expired since answer as they did.
The daemon: one process per configuration, every /check over one kept
FastCGI connection, at the real time: a token Charon accepted whose exp
has passed since is expected "bearer token expired" (the signature, JSON
and nbf were checked before exp, so that still proves them).
One line per check, then "N passed, N failed".
"""
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed448, ed25519

# id -> (what charon-fcgi answers instead of Charon, why).  The daemon
# answers "401 bearer token signature invalid" for each.
ALG_PINNED = "the key decides the algorithm: a header alg other than the key's is refused (Charon ignores alg)"
STRICT_JSON = "the payload must be exactly one JSON object without repeated names (RFC 8259, RFC 7519 §4)"
NO_PADDING = "base64url without '=' padding (RFC 7515 §2); Charon's decoder accepts padded signatures"
DEVIATIONS = {
    "py/default/alg_none_resigned": ("algorithm mismatch", ALG_PINNED),
    "py/default/alg_HS512_resigned_HS256": ("algorithm mismatch", ALG_PINNED),
    "py/poly1305/alg_HS256_resigned_poly": ("algorithm mismatch", ALG_PINNED),
    "py/default/payload_leading_space": ("json invalid", STRICT_JSON),
    "py/default/payload_duplicate_sub": ("json invalid", STRICT_JSON),
    "py/default/payload_array": ("json invalid", STRICT_JSON),
}
for _id in ("charon/default/det_access", "charon/hs512/det_access",
            "charon/poly1305/det_access", "fcgi/default/login_int_far_access",
            "fcgi/hs512/login_int_far_access",
            "fcgi/poly1305/login_int_far_access"):
    DEVIATIONS[_id + "/sig_padded@rotation"] = ("malformed token", NO_PADDING)
SIG_LEVEL = ("ok", "malformed token", "signature invalid", "key not found")

# The vectors' INIs, with the fix the interop asked for: Charon's hs512k32
# keyset is an HS512 key of Charon's default 32 bytes.
INI_FIXES = {
    "hs512k32_derived": ("HS512:derived:interop_hs512\n",
                         "HS512:derived:interop_hs512:32\n"),
}
# Replayed under a second configuration too: the same key as a file.
ALSO_UNDER = {"hs512k32_derived": "hs512k32_file"}


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def eq(self, name, got, want):
        if got == want:
            self.passed += 1
            print("ok - " + name)
        else:
            self.failed += 1
            print("not ok - %s\n#   expected: %r\n#   got:      %r"
                  % (name, want, got))


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def payload_of(token):
    try:
        p = json.loads(b64d(token.split(".")[1]))
    except (ValueError, IndexError):
        return None
    return p if isinstance(p, dict) else None


def deviation(case):
    return DEVIATIONS.get(case["id"],
                          DEVIATIONS.get(case["id"].split("@")[0]))


def resolve(cases, case):
    """(token, cookie) of a case, following same_token_as."""
    seen = case
    while seen.get("token") is None and seen.get("same_token_as"):
        seen = cases[seen["same_token_as"]]
    return seen.get("token"), seen.get("cookie")


def whole_token(token, cookie):
    """The token Charon's cookie plugs would put together."""
    if token is None:
        return cookie                   # cookie only
    if cookie is None:
        return token
    if cookie.startswith("."):
        return token + cookie           # "h.p" + ".sig"
    return token + cookie               # Charon 3.x: "h.p." + "sig"


def write_keys(v, work):
    keys = os.path.join(work, "keys")
    os.makedirs(keys, mode=0o700)
    os.makedirs(os.path.join(work, "keycache"), mode=0o700)

    def put(name, data, mode=0o600):
        path = os.path.join(keys, name)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, mode), "wb") as f:
            f.write(data)

    put("secret", v["base_secret"].encode())
    put("issuer.key", v["issuer_key"].encode())
    put("hs512k32.bin",
        bytes.fromhex(v["derived_keys_pbkdf2_sha256_250000"]["interop_hs512"]))
    raw = serialization.Encoding.PEM
    pkcs8 = serialization.PrivateFormat.PKCS8
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    none = serialization.NoEncryption()
    for name, cls, file in (
            ("ed25519", ed25519.Ed25519PrivateKey, "ed25519"),
            ("ed448", ed448.Ed448PrivateKey, "ed448"),
            ("fcgi_gen_ed25519", ed25519.Ed25519PrivateKey,
             "fcgi_gen_ed25519")):
        k = cls.from_private_bytes(bytes.fromhex(v["eddsa_keys"][name]["priv"]))
        put(file + ".pem", k.private_bytes(raw, pkcs8, none))
        put(file + ".pub.pem", k.public_key().public_bytes(raw, spki), 0o644)


def write_ini(v, work, name):
    ini = v["fcgi_configs_ini"][name].replace("$WORK", work)
    if name in INI_FIXES:
        old, new = INI_FIXES[name]
        assert old in ini, name
        ini = ini.replace(old, new)
    path = os.path.join(work, name + ".ini")
    with open(path, "w") as f:
        f.write(ini)
    return path


def ctl_answers(ctl, ini, tokens, at):
    p = subprocess.run([ctl, "-c", ini, "--at", str(at), "verify", "--tokens", "-"],
                       input="".join(t + "\n" for t in tokens),
                       capture_output=True, text=True, timeout=120)
    lines = p.stdout.splitlines()
    if p.returncode != 0 or len(lines) != len(tokens):
        raise RuntimeError("charonctl verify - failed (%d): %s"
                           % (p.returncode, p.stderr))
    return lines


def ctl_split(line):
    """(signature-level answer, time-claim answer or None)."""
    if line == "ok":
        return "ok", None
    reason = line[len("rejected: "):]
    if reason.startswith("bearer token signature invalid ("):
        return reason[len("bearer token signature invalid ("):-1], None
    return "ok", reason


# --- FastCGI over one kept connection -------------------------------------
def fcgi_record(rtype, rid, content):
    return struct.pack("!BBHHBx", 1, rtype, rid, len(content), 0) + content


def fcgi_params(env):
    out = b""
    for k, val in env.items():
        k, val = k.encode(), val.encode()
        for n in (len(k), len(val)):
            out += bytes([n]) if n < 128 else struct.pack("!I", n | 1 << 31)
        out += k + val
    return out


class Fcgi:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(30)
        try:
            self.s.connect(path)
        except OSError:
            self.s.close()
            raise
        self.buf = b""

    def read(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise RuntimeError("the daemon closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def get(self, env):
        req = fcgi_record(1, 1, struct.pack("!HB5x", 1, 1))  # KEEP_CONN
        params = fcgi_params(env)
        for i in range(0, len(params), 65535):
            req += fcgi_record(4, 1, params[i:i + 65535])
        req += fcgi_record(4, 1, b"") + fcgi_record(5, 1, b"")
        self.s.sendall(req)
        out = b""
        while True:
            _, rtype, _, clen, plen = struct.unpack("!BBHHBx", self.read(8))
            content = self.read(clen + plen)[:clen]
            if rtype == 6:
                out += content
            elif rtype == 3:
                return out

    def close(self):
        self.s.close()


def check_answer(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    status = 200
    for line in head.decode("latin-1").split("\r\n"):
        if line.lower().startswith("status:"):
            status = int(line.split()[1])
    if status == 200:
        return "200"
    try:
        return "%d %s" % (status, json.loads(body)["message"])
    except (ValueError, KeyError):
        return "%d %r" % (status, body[:200])


def start_daemon(daemon, ini, work, name):
    sock = os.path.join(work, name + ".sock")
    log = open(os.path.join(work, name + ".log"), "w")
    proc = subprocess.Popen([daemon, "-c", ini, "--listen", "unix:" + sock,
                             "--threads", "1"], stderr=log)
    deadline = time.time() + 30
    while True:                 # until it accepts a connection
        try:
            return proc, Fcgi(sock)
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError("%s: the daemon did not start; see %s"
                                   % (name, log.name))
            time.sleep(0.05)


def main():
    vectors, ctl, daemon, work = sys.argv[1:5]
    with open(vectors) as f:
        v = json.load(f)
    cases = {c["id"]: c for c in v["cases"]}
    write_keys(v, work)
    # As of the latest issue time in the file: every token existed then.
    at = max(p.get("iat", 0) for p in
             (payload_of(c["token"]) for c in v["cases"] if c.get("token"))
             if p and isinstance(p.get("iat"), int))
    now = int(time.time())
    by_config = {}
    for c in v["cases"]:
        by_config.setdefault(c["fcgi_config"], []).append(c)
        if c["fcgi_config"] in ALSO_UNDER:
            by_config.setdefault(ALSO_UNDER[c["fcgi_config"]], []).append(c)
    t = Tally()
    for config, group in sorted(by_config.items()):
        ini = write_ini(v, work, config)
        tokens = [whole_token(*resolve(cases, c)) for c in group]
        answers = ctl_answers(ctl, ini, tokens, at)
        proc, conn = start_daemon(daemon, ini, work, config)
        try:
            for c, token, line in zip(group, tokens, answers):
                replay(t, c, config, token, line, conn, cases, now)
        finally:
            conn.close()
            proc.terminate()
            proc.wait(timeout=30)
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


def replay(t, c, config, token, line, conn, cases, now):
    obs = c["observed"]
    dev = deviation(c)
    name = "%s [%s]" % (c["id"], config)
    sig, when = ctl_split(line)
    want_sig = dev[0] if dev else obs["charon_jwt_verify"]
    t.eq(name + ": charonctl verify", sig, want_sig)
    pipeline = obs["charon_pipeline"]
    if sig == "ok" and want_sig == "ok" and pipeline is not None:
        t.eq(name + ": charonctl time claims", when,
             None if pipeline == "ok" else pipeline)
    if c["kind"] != "access":
        return
    if dev:
        want = "401 bearer token signature invalid"
    elif pipeline == "ok":
        want = "200"
        exp = (payload_of(token) or {}).get("exp")
        if isinstance(exp, (int, float)) and exp <= now - 5:
            want = "401 bearer token expired"
    else:
        want = "401 " + pipeline
    bearer, cookie = resolve(cases, c)
    env = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/auth/check",
           "DOCUMENT_URI": "/auth/check", "SERVER_PROTOCOL": "HTTP/1.1"}
    if bearer is not None:
        env["HTTP_AUTHORIZATION"] = "Bearer " + bearer
    if cookie is not None:
        env["HTTP_COOKIE"] = "_access_token_signature=" + cookie
    t.eq(name + ": GET /auth/check", check_answer(conn.get(env)), want)


if __name__ == "__main__":
    sys.exit(main())
