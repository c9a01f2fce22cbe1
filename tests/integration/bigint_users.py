"""bigint_users.py ADDR FCGI_REQ CHARONCTL INI ISSUER_KEY - see
bigint_users.sh."""
import base64
import json
import subprocess
import sys

from fcgi_http import Client, Tally

addr, fcgi_req, ctl, ini, issuer_key = sys.argv[1:6]
c = Client(addr, fcgi_req)
t = Tally()

# Raw JSON text: Python's json keeps big integers exact, and so must we.
USERS = ["9007199254740993", "1234567890123456789",
         "123456789012345678901234567890", "-98765432109876543210"]


def sub_text(token):
    """The sub member of a token's payload as written (its digits)."""
    p = token.split(".")[1]
    text = base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode()
    return text.split('"sub":', 1)[1].split(",", 1)[0].rstrip("}")


for user in USERS:
    pre = "user_id %s: " % user
    body = '{"user_id":%s,"token_transport":"bearer"}' % user
    r = c.request("POST", "/auth/session", body=body.encode(),
                  content_type="application/json",
                  headers={"X-Charon-Issuer-Key": issuer_key})
    t.eq(pre + "issuer login is 201", r.status, 201)
    if r.status != 201:
        print("#  ", r)
        continue
    tok = r.json()["tokens"]
    access, refresh = tok["access_token"], tok["refresh_token"]
    t.eq(pre + "the access token's sub is the integer, exactly",
         sub_text(access), user)
    r = c.request("GET", "/auth/check", bearer=access)
    t.eq(pre + "/check is 200 (the session is found under its key)",
         r.status, 200)
    t.eq(pre + "X-Charon-User-Id", r.header("X-Charon-User-Id"), user)
    r = c.request("GET", "/private/x", role="authorizer", bearer=access)
    t.eq(pre + "AUTHORIZER Variable-REMOTE_USER",
         r.header("Variable-REMOTE_USER"), user)
    r = c.request("GET", "/auth/sessions", bearer=access)
    t.eq(pre + "the session list is 200", r.status, 200)
    listed = r.body.decode()
    t.check(pre + "the session list carries the integer, exactly",
            ('"user_id":%s,' % user) in listed.replace(" ", ""), listed)
    r = c.request("POST", "/auth/session/refresh", bearer=refresh)
    t.eq(pre + "refresh is 200", r.status, 200)
    if r.status == 200:
        t.eq(pre + "the refreshed token's sub is exact",
             sub_text(r.json()["tokens"]["access_token"]), user)
    p = subprocess.run([ctl, "-c", ini, "verify", access],
                       capture_output=True, text=True)
    t.check(pre + "charonctl verify prints the exact sub",
            ('"sub":%s,' % user) in p.stdout, p.stdout + p.stderr)

# A user id is an integer or a string: a fraction is neither.
r = c.request("POST", "/auth/session", body=b'{"user_id":1.5}',
              content_type="application/json",
              headers={"X-Charon-Issuer-Key": issuer_key})
t.eq("a fractional user_id is 400", r.status, 400)
sys.exit(t.finish())
