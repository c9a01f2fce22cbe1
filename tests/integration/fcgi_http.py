"""fcgi_http.py - HTTP-like requests to charon-fcgi over FastCGI, for the
integration tests, through tests/helpers/fcgi_req (our own FastCGI client).

    from fcgi_http import Client, Tally
    c = Client("unix:/tmp/x.sock", fcgi_req="/path/to/fcgi_req")
    r = c.request("POST", "/auth/session", json={"username": "a", ...},
                  headers={"X-CSRF-Protect": "1"}, cookies={"n": "v"})
    r.status, r.headers (list of (name, value)), r.header("Content-Type"),
    r.json(), r.set_cookies() -> {name: (value, attrs)}
    wait_for(seconds, cond): cond()'s first true value, or its last one

Params are those nginx's fastcgi_params sends: REQUEST_METHOD,
DOCUMENT_URI, REQUEST_URI, CONTENT_TYPE, CONTENT_LENGTH, HTTP_*.
"""
import json as jsonlib
import subprocess
import time
import urllib.parse


def wait_for(seconds, cond, interval=0.02):
    """Calls cond() until it returns something true, or seconds have
    passed: its last value.  How a test waits for a condition, never for
    a fixed time."""
    end = time.monotonic() + seconds
    while True:
        v = cond()
        if v or time.monotonic() >= end:
            return v
        time.sleep(interval)


class Response:
    def __init__(self, raw):
        head, _, body = raw.partition(b"\r\n\r\n")
        self.body = body
        self.headers = []
        self.status = 0
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            value = value.strip()
            if name.lower() == "status":
                self.status = int(value.split()[0])
            elif name:
                self.headers.append((name, value))
        if self.status == 0 and head:
            self.status = 200

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def json(self):
        return jsonlib.loads(self.body.decode())

    def tokens(self):
        """The access and refresh tokens a JSON reply carries under
        "tokens" ([] when the body is not JSON or has none)."""
        try:
            d = self.json()
        except ValueError:
            return []
        tok = d.get("tokens") if isinstance(d, dict) else None
        if not isinstance(tok, dict):
            return []
        return [tok[k] for k in ("access_token", "refresh_token")
                if isinstance(tok.get(k), str) and tok[k]]

    def set_cookies(self):
        """{name: (value, "attr; attr")} of every Set-Cookie header."""
        out = {}
        for n, v in self.headers:
            if n.lower() == "set-cookie":
                pair, _, attrs = v.partition("; ")
                name, _, value = pair.partition("=")
                out[name] = (value, attrs)
        return out

    def __repr__(self):
        return "<%d %r %r>" % (self.status, self.headers, self.body[:300])


class Client:
    def __init__(self, addr, fcgi_req, role="responder"):
        self.addr = addr
        self.fcgi_req = fcgi_req
        self.role = role

    def request(self, method, path, json=None, form=None, body=None,
                content_type=None, headers=None, cookies=None, params=None,
                bearer=None, role=None, content_length=None):
        if json is not None:
            body = jsonlib.dumps(json).encode()
            content_type = content_type or "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            content_type = content_type or "application/x-www-form-urlencoded"
        env = {"REQUEST_METHOD": method, "DOCUMENT_URI": path,
               "REQUEST_URI": path, "SERVER_PROTOCOL": "HTTP/1.1"}
        if content_type is not None:
            env["CONTENT_TYPE"] = content_type
        if body is not None:
            env["CONTENT_LENGTH"] = str(len(body))
        if content_length is not None:
            env["CONTENT_LENGTH"] = str(content_length)
        hdrs = dict(headers or {})
        if bearer is not None:
            hdrs["Authorization"] = "Bearer " + bearer
        if cookies:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in cookies.items())
        for name, value in hdrs.items():
            env["HTTP_" + name.upper().replace("-", "_")] = value
        env.update(params or {})
        argv = [self.fcgi_req, self.addr, "--role", role or self.role]
        for k, v in env.items():
            argv += ["-p", "%s=%s" % (k, v)]
        stdin = None
        if body is not None:
            argv += ["--body-file", "-"]
            stdin = body
        p = subprocess.run(argv, input=stdin, capture_output=True,
                           timeout=30)
        if p.returncode != 0:
            raise RuntimeError("fcgi_req failed (%d): %s" %
                               (p.returncode, p.stderr.decode()))
        return Response(p.stdout)


class Tally:
    """TAP-ish lines and the "N passed, N failed" summary of lib.sh."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print("ok - " + name)
        else:
            self.failed += 1
            print("not ok - " + name)
            if detail:
                for line in str(detail).splitlines():
                    print("#   " + line)
        return cond

    def eq(self, name, got, want):
        return self.check(name, got == want,
                          "expected: %r\ngot: %r" % (want, got))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 else 1
