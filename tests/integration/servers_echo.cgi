#!/usr/bin/python3
"""servers_echo.cgi - the CGI backend of the server tests (server_*.sh):
answers, as JSON, the request's method, its body and the variables that
say who the user is (CHARON_*, REMOTE_USER, and HTTP_X_CHARON_* request
headers: every variable whose name holds CHARON, so that servers.py sees
any X-Charon-* spelling a client forged, which the server folds into
HTTP_X_CHARON_*).  The test copies it with its own python3 in the #!
line."""
import json
import os
import sys

n = int(os.environ.get("CONTENT_LENGTH") or 0)
body = sys.stdin.buffer.read(n) if n > 0 else b""
env = {k: v for k, v in os.environ.items()
       if "CHARON" in k or k in ("REMOTE_USER", "AUTH_TYPE")}
out = json.dumps({"env": env, "method": os.environ.get("REQUEST_METHOD"),
                  "body": body.decode("latin-1")})
sys.stdout.write("Content-Type: application/json\r\n"
                 "Cache-Control: no-store\r\n\r\n" + out)
