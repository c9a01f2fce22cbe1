#!/usr/bin/python3
"""Mints test tokens with PyJWT, independently of charon-fcgi.

usage: mint.py SECRET_FILE NAME=JSON_OVERRIDES [NAME=JSON_OVERRIDES ...]

The key is PBKDF2-HMAC-SHA256(secret, "charon_jwt_default", 250000, 32),
computed here with hashlib, so a token that charon-fcgi accepts proves the
two derivations agree.  Each NAME=JSON prints "NAME TOKEN"; the JSON object
is merged over a valid access token's claims (a null value removes the
claim).  Special keys: "_alg" (default HS256), "_kid" (default "default",
null for none), "_key" ("wrong" signs with another key).
"""
import hashlib
import json
import sys
import time

import jwt


def main():
    with open(sys.argv[1], "rb") as f:
        secret = f.read()
    if secret.endswith(b"\n"):
        secret = secret[:-1]
    key = hashlib.pbkdf2_hmac("sha256", secret, b"charon_jwt_default",
                              250000, 32)
    now = int(time.time())
    for spec in sys.argv[2:]:
        name, _, overrides = spec.partition("=")
        claims = {"exp": now + 600, "iat": now, "nbf": now,
                  "iss": "https://it.test", "jti": "jti-" + name,
                  "sid": "sid-" + name, "sub": "alice", "type": "access",
                  "styp": "full"}
        extra = json.loads(overrides) if overrides else {}
        alg = extra.pop("_alg", "HS256")
        kid = extra.pop("_kid", "default")
        sign_key = b"x" * 32 if extra.pop("_key", None) == "wrong" else key
        for k, v in extra.items():
            if v is None:
                claims.pop(k, None)
            else:
                claims[k] = v
        headers = {"kid": kid} if kid is not None else {}
        token = jwt.encode(claims, sign_key, algorithm=alg, headers=headers)
        print(name, token)


if __name__ == "__main__":
    main()
