#!/usr/bin/env python3
"""pyjwt_interop.py CHARONCTL - token_jwt against PyJWT, both ways.

charonctl (with the token_jwt and store_dummy plugins found through
CHARON_PLUGIN_PATH) mints sessions whose tokens PyJWT must verify, and
verifies tokens that PyJWT mints: HS256 with Charon's default key
PBKDF2-HMAC-SHA256(secret, "charon_jwt_default", 250000, 32) computed
here with hashlib, and EdDSA with an Ed25519 key from charonctl keygen.
PyJWT's alg "none" and a key-confusion HS256 token must be refused.
Prints one line per check and "N passed, N failed"; exit 1 on a mismatch.
"""
import hashlib
import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time

import jwt
from cryptography.hazmat.primitives import serialization

ISSUER = "https://interop.test"
RESULTS = {"passed": 0, "failed": 0}


def check(name, cond, detail=""):
    if cond:
        RESULTS["passed"] += 1
        print("ok - " + name)
    else:
        RESULTS["failed"] += 1
        print("not ok - " + name)
        for line in str(detail).splitlines():
            print("#   " + line)


def run(*argv):
    """(exit status, stdout, stderr) of one charonctl call."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                           check=False)
    except OSError as e:
        return 127, "", str(e)
    except subprocess.TimeoutExpired:
        return 124, "", "timed out"
    return p.returncode, p.stdout, p.stderr


def private_file(path, data, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def write_config(path, tmp, token_jwt=""):
    with open(path, "w") as f:
        f.write("[charon]\n"
                "token_issuer = %s\n"
                "base_secret_file = %s/secret\n"
                "session_store = dummy\n"
                "key_cache_dir = %s/keycache\n" % (ISSUER, tmp, tmp))
        if token_jwt:
            f.write("\n[token_jwt]\n" + token_jwt)


def mint(ctl, conf, user):
    """The session create JSON, or None (with a failed check)."""
    rc, out, err = run(ctl, "-c", conf, "session", "create", "--user", user)
    try:
        doc = json.loads(out) if rc == 0 else None
        doc["tokens"]["access_token"]
    except (TypeError, ValueError, KeyError):
        check("charonctl session create prints tokens", False,
              "exit %d\nstdout: %s\nstderr: %s" % (rc, out, err))
        return None
    return doc


def verify(ctl, conf, token):
    """(accepted, claims or None, stderr) from charonctl verify."""
    rc, out, err = run(ctl, "-c", conf, "verify", token)
    if rc != 0:
        return False, None, "exit %d: %s" % (rc, err.strip())
    try:
        return True, json.loads(out), err
    except ValueError:
        return False, None, "exit 0 but stdout is not JSON: " + out


def claims_for(user):
    now = int(time.time())
    return {"exp": now + 600, "iat": now, "nbf": now, "iss": ISSUER,
            "jti": secrets.token_urlsafe(16), "sid": secrets.token_urlsafe(16),
            "sub": user, "type": "access", "styp": "full"}


def pyjwt_decodes(token, key, alg, **kw):
    try:
        return (jwt.decode(token, key, algorithms=[alg], issuer=ISSUER, **kw),
                "")
    except jwt.PyJWTError as e:
        return None, "%s: %s" % (type(e).__name__, e)


def test_hs256(ctl, conf, secret):
    key = hashlib.pbkdf2_hmac("sha256", secret, b"charon_jwt_default",
                              250000, 32)
    doc = mint(ctl, conf, "42")
    if doc is None:
        return
    for kind in ("access", "refresh"):
        token = doc["tokens"][kind + "_token"]
        check("charonctl HS256 %s token has Charon's header bytes" % kind,
              token.split(".")[0] == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIs"
              "ImtpZCI6ImRlZmF1bHQifQ", token.split(".")[0])
        claims, why = pyjwt_decodes(token, key, "HS256")
        check("PyJWT verifies charonctl's HS256 %s token with the PBKDF2 key"
              % kind, claims is not None and claims.get("sub") == "42" and
              claims.get("type") == kind, why or claims)
    claims, why = pyjwt_decodes(doc["tokens"]["access_token"],
                                bytes(32), "HS256")
    check("PyJWT refuses charonctl's HS256 token under another key",
          claims is None and "Signature" in why, why)

    mine = claims_for("7")
    token = jwt.encode(mine, key, algorithm="HS256",
                       headers={"kid": "default"})
    ok, got, why = verify(ctl, conf, token)
    check("charonctl verifies a PyJWT HS256 token (kid default)",
          ok and got.get("jti") == mine["jti"] and got.get("sub") == "7",
          why or got)
    bad = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    ok, got, why = verify(ctl, conf, bad)
    check("charonctl refuses a PyJWT HS256 token with a changed signature",
          not ok and "signature invalid" in why, why or got)
    ok, got, why = verify(ctl, conf, jwt.encode(
        mine, bytes(32), algorithm="HS256", headers={"kid": "default"}))
    check("charonctl refuses a PyJWT HS256 token signed with another key",
          not ok, why or got)
    ok, got, why = verify(ctl, conf, jwt.encode(
        mine, key, algorithm="HS512", headers={"kid": "default"}))
    check("charonctl refuses a PyJWT HS512 token on its HS256 key",
          not ok and "algorithm mismatch" in why, why or got)

    for headers in ({"kid": "default"}, None):
        token = jwt.encode(mine, None, algorithm="none", headers=headers)
        ok, got, why = verify(ctl, conf, token)
        check("charonctl refuses PyJWT's alg none token (%s)" %
              ("kid default" if headers else "no kid"), not ok, why or got)


def test_eddsa(ctl, conf, pem_path):
    with open(pem_path, "rb") as f:
        priv = serialization.load_pem_private_key(f.read(), password=None)
    pub = priv.public_key()
    raw_pub = pub.public_bytes(serialization.Encoding.Raw,
                               serialization.PublicFormat.Raw)
    doc = mint(ctl, conf, "alice")
    if doc is None:
        return
    token = doc["tokens"]["access_token"]
    check("charonctl EdDSA token header is {alg EdDSA, typ JWT, kid ed}",
          jwt.get_unverified_header(token) ==
          {"alg": "EdDSA", "typ": "JWT", "kid": "ed"}, token.split(".")[0])
    claims, why = pyjwt_decodes(token, pub, "EdDSA")
    check("PyJWT verifies charonctl's Ed25519 token with the public key",
          claims is not None and claims.get("sub") == "alice", why or claims)

    rc, out, err = run(ctl, "-c", conf, "jwks")
    try:
        jwks = jwt.PyJWKSet.from_json(out)
        key = jwks["ed"]
        claims, why = pyjwt_decodes(token, key.key, "EdDSA")
    except (jwt.PyJWTError, ValueError, KeyError) as e:
        claims, why = None, "exit %d: %s %s (%s)" % (rc, out, err, e)
    check("PyJWT verifies it with the key from charonctl jwks",
          claims is not None, why)

    mine = claims_for("bob")
    token = jwt.encode(mine, priv, algorithm="EdDSA", headers={"kid": "ed"})
    ok, got, why = verify(ctl, conf, token)
    check("charonctl verifies a PyJWT Ed25519 token (kid ed)",
          ok and got.get("jti") == mine["jti"], why or got)
    head, payload, sig = token.split(".")
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    ok, got, why = verify(ctl, conf, ".".join((head, payload, flipped)))
    check("charonctl refuses a PyJWT Ed25519 token with a changed signature",
          not ok and "signature invalid" in why, why or got)
    ok, got, why = verify(ctl, conf, jwt.encode(
        mine, raw_pub, algorithm="HS256", headers={"kid": "ed"}))
    check("charonctl refuses HS256 keyed with the Ed25519 public key",
          not ok and "algorithm mismatch" in why, why or got)


def main():
    if len(sys.argv) != 2:
        print("usage: pyjwt_interop.py CHARONCTL", file=sys.stderr)
        return 64
    ctl = sys.argv[1]
    print("# PyJWT %s, charonctl %s" % (jwt.__version__, ctl))
    tmp = tempfile.mkdtemp(prefix="charon-pyjwt.")
    try:
        secret = secrets.token_urlsafe(36).encode()     # 48 bytes, no newline
        private_file(os.path.join(tmp, "secret"), secret)
        os.mkdir(os.path.join(tmp, "keycache"), 0o700)
        hs_conf = os.path.join(tmp, "hs256.ini")
        write_config(hs_conf, tmp)
        test_hs256(ctl, hs_conf, secret)

        pem = os.path.join(tmp, "ed25519.pem")
        rc, out, err = run(ctl, "keygen", "ed25519", "-o", pem)
        made = rc == 0 and os.path.exists(pem)
        check("charonctl keygen ed25519 writes a 0600 PEM", made and
              stat.S_IMODE(os.stat(pem).st_mode) == 0o600,
              "exit %d: %s %s" % (rc, out, err))
        if made:
            ed_conf = os.path.join(tmp, "ed.ini")
            write_config(ed_conf, tmp, "signing_key = ed\n"
                         "key.default = HS256:derived\n"
                         "key.ed = EdDSA:%s\n" % pem)
            test_eddsa(ctl, ed_conf, pem)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] or not RESULTS["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
