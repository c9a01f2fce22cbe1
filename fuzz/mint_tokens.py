#!/usr/bin/env python3
"""mint_tokens.py - writes the token seeds of the fuzz corpora.

Run from fuzz/ (python3, python3-cryptography): it (re)writes
corpus/token_verify/tok_* and corpus/router/tok_*.  The keys are those of
the harnesses: fuzz_token_verify.c's host derives a key as
SHA-512("charon-fuzz:" SALT) cut to the hash size, and its Ed25519 PEM is
copied below; fuzz_router.c's snapshot derives with PBKDF2 (250000
iterations) from FUZZ_SECRET, as the daemon does.
"""
import base64
import hashlib
import hmac
import json
import os

from cryptography.hazmat.primitives.serialization import load_pem_private_key

ED_PEM = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIK3yhfpp/TiYZDRZeo1yaWozub01E/j8GVTUUT8CHu8X
-----END PRIVATE KEY-----
"""
ROUTER_SECRET = b"charon-fcgi-fuzzing-secret-0123456789abcdef0123456789"
NOW = 1700000000


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def js(o):
    return json.dumps(o, separators=(",", ":")).encode()


def hs256(header, payload, key):
    si = b64(js(header)) + "." + b64(js(payload))
    return si + "." + b64(hmac.new(key, si.encode(), hashlib.sha256).digest())


def eddsa(header, payload):
    si = b64(js(header)) + "." + b64(js(payload))
    k = load_pem_private_key(ED_PEM, None)
    return si + "." + b64(k.sign(si.encode()))


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def main():
    fuzz_key = hashlib.sha512(b"charon-fuzz:charon_jwt_default").digest()[:32]
    claims = {"exp": NOW + 600, "iat": NOW, "nbf": NOW,
              "iss": "https://fuzz.test", "jti": "j1", "sid": "s1",
              "sub": "alice", "type": "access", "styp": "full"}
    d = "corpus/token_verify"
    write(d + "/tok_hs256", hs256({"alg": "HS256", "typ": "JWT",
                                   "kid": "default"}, claims, fuzz_key))
    write(d + "/tok_hs256_nokid", hs256({"alg": "HS256", "typ": "JWT"},
                                        claims, fuzz_key))
    write(d + "/tok_eddsa", eddsa({"alg": "EdDSA", "typ": "JWT",
                                   "kid": "ed"}, claims))
    write(d + "/tok_alg_mismatch", hs256({"alg": "HS512", "typ": "JWT",
                                          "kid": "default"}, claims,
                                         fuzz_key))
    write(d + "/tok_bad_sig", hs256({"alg": "HS256", "kid": "default"},
                                    claims, b"wrong key"))

    rkey = hashlib.pbkdf2_hmac("sha256", ROUTER_SECRET,
                               b"charon_jwt_default", 250000, 32)
    good = hs256({"alg": "HS256", "typ": "JWT", "kid": "default"}, claims,
                 rkey)
    expired = hs256({"alg": "HS256", "typ": "JWT", "kid": "default"},
                    dict(claims, exp=NOW - 10), rkey)
    sig = good.rsplit(".", 1)
    d = "corpus/router"
    base = b"DOCUMENT_URI=/auth/check\0REQUEST_METHOD=GET\0REMOTE_ADDR=127.0.0.1\0"
    write(d + "/tok_bearer", b"\x00" + base +
          b"HTTP_AUTHORIZATION=Bearer " + good.encode())
    write(d + "/tok_authorizer", b"\x01REQUEST_METHOD=GET\0REQUEST_URI=/p\0"
          b"HTTP_AUTHORIZATION=Bearer " + good.encode())
    write(d + "/tok_split_cookie", b"\x00" + base +
          b"HTTP_AUTHORIZATION=Bearer " + sig[0].encode() +
          b"\0HTTP_COOKIE=a=1; _access_token_signature=." + sig[1].encode())
    write(d + "/tok_expired", b"\x00" + base +
          b"HTTP_AUTHORIZATION=Bearer " + expired.encode())


if __name__ == "__main__":
    main()
