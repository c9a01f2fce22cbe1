"""guardian.py ADDR FCGI_REQ CHARONCTL INI ISSUER_KEY SECRET - see
guardian.sh."""
import base64
import json
import os
import subprocess
import sys

from fcgi_http import Client, Tally

addr, fcgi_req, ctl, ini, issuer_key, secret = sys.argv[1:7]
c = Client(addr, fcgi_req)
t = Tally()
MINT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mint.py")


def mint(**specs):
    """{name: token} minted by mint.py with the daemon's key."""
    args = ["%s=%s" % (n, json.dumps(o)) for n, o in specs.items()]
    p = subprocess.run([sys.executable, MINT, secret] + args,
                       capture_output=True, text=True, check=True)
    return dict(line.split(" ", 1) for line in p.stdout.splitlines())


def login(user):
    r = c.request("POST", "/auth/session",
                  json={"user_id": user, "token_transport": "bearer"},
                  headers={"X-Charon-Issuer-Key": issuer_key})
    tok = r.json()["tokens"]
    return tok["access_token"], tok["refresh_token"]


def claims(token):
    p = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


def forge(token):
    """token with its signature's first character changed."""
    head, sig = token.rsplit(".", 1)
    return head + "." + ("B" if sig[0] == "A" else "A") + sig[1:]


def message(r):
    try:
        return "%d %s" % (r.status, r.json()["message"])
    except (ValueError, KeyError):
        return "%d" % r.status


# --- time claims ----------------------------------------------------------
toks = mint(exp_str={"exp": "17"}, exp_huge={"exp": 1e300},
            nbf_str={"nbf": "0"}, nbf_huge={"nbf": -1e300},
            iat_str={"iat": "now"}, exp_bool={"exp": True},
            good={})
for name, want in (("exp_str", "401 bearer token claim exp invalid"),
                   ("exp_huge", "401 bearer token claim exp invalid"),
                   ("exp_bool", "401 bearer token claim exp invalid"),
                   ("nbf_str", "401 bearer token claim nbf invalid"),
                   ("nbf_huge", "401 bearer token claim nbf invalid"),
                   ("good", "200")):
    r = c.request("GET", "/auth/check", bearer=toks[name])
    t.eq("/check of a token with %s" % name, message(r), want)
    p = subprocess.run([ctl, "-c", ini, "verify", toks[name]],
                       capture_output=True, text=True)
    t.eq("charonctl verify of %s" % name, p.returncode,
         0 if want == "200" else 1)

# --- a forged token revokes nothing ----------------------------------------
access, refresh = login("victim")
sid = claims(access)["sid"]
other, _ = login("victim")
forged = {
    "a tampered signature": forge(access),
    "another key": mint(f={"sub": "victim", "sid": sid, "_key": "wrong"})["f"],
    "alg none": base64.urlsafe_b64encode(
        b'{"alg":"none","kid":"default"}').decode().rstrip("=") + "." +
    access.split(".")[1] + ".",
    "a tampered refresh token": forge(refresh),
}
for what, tok in forged.items():
    for method, path in (("POST", "/auth/session/logout"),
                         ("DELETE", "/auth/sessions"),
                         ("DELETE", "/auth/sessions/others")):
        r = c.request(method, path, bearer=tok)
        t.eq("%s %s with %s is 401" % (method, path, what), r.status, 401)
t.eq("the victim's session still checks", c.request(
    "GET", "/auth/check", bearer=access).status, 200)
t.eq("the victim's other session still checks", c.request(
    "GET", "/auth/check", bearer=other).status, 200)
r = c.request("GET", "/auth/sessions", bearer=access)
t.eq("the victim still has both sessions", len(r.json()["sessions"]), 2)
r = c.request("POST", "/auth/session/refresh", bearer=refresh)
t.eq("the victim's refresh token still refreshes", r.status, 200)
sys.exit(t.finish())
