"""log_lines.py - run by log_lines.sh: request values cannot end, forge
or flood the daemon's log lines.

Environment: CHARON_IT_DIR (charon.sock, daemon.log, issuer.key),
CHARON_IT_FCGI_REQ.
"""
import json
import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True       # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fcgi_http import Client, Tally  # noqa: E402

T = os.environ["CHARON_IT_DIR"]
LOG = os.path.join(T, "daemon.log")
daemon = Client("unix:" + os.path.join(T, "charon.sock"),
                os.environ["CHARON_IT_FCGI_REQ"])
t = Tally()
BURST = 20                                # LOG_BURST_PER_SECOND
LINE = re.compile(rb"^charon-fcgi\[\d+\]: (error|warning|info|debug): "
                  rb"[\x20-\x7e]*$")
# the value: one JSON string; "..." after it if it was cut
REFUSED = re.compile(rb': info: login refused for user ("(?:[^"\\]|\\.)*")'
                     rb'(\.\.\.)?$')
SUPPRESSED = re.compile(rb": info: (\d+) similar lines? suppressed: "
                        rb"\"login refused for user %s\"$")
sent = 0                                  # failed logins so far


def log_lines():
    with open(LOG, "rb") as f:
        return f.read().split(b"\n")[:-1]


def refuse(username):
    """A failed login as username (str, or bytes sent as a form)."""
    global sent
    if isinstance(username, bytes):
        r = daemon.request("POST", "/auth/session",
                           body=b"username=" + username +
                           b"&password=wrong",
                           content_type="application/x-www-form-urlencoded")
    else:
        r = daemon.request("POST", "/auth/session",
                           json={"username": username, "password": "wrong"})
    sent += 1
    return r.status


# --- values that try to end the line or pose as another ------------------
FORGED = "info: login ok for user admin"
names = ["x\n" + FORGED, "x\r\n" + FORGED, "x\u2028" + FORGED,
         "x\u2029" + FORGED, "x\u0085" + FORGED, "x\x7f\x1b[2K\r" + FORGED,
         "x\" " + FORGED + " \"", "x\\\" " + FORGED, "Jos\u00e9 \U0001f600"]
for n in names:
    t.eq("a failed login as %r is 401" % n, refuse(n), 401)
t.eq("a failed login as the bytes ff 0a ... (a form) is 401",
     refuse(b"x%FF%0A" + FORGED.replace(" ", "+").encode()), 401)

lines = log_lines()
bad = [ln for ln in lines if not LINE.match(ln)]
t.eq("every log line is 'charon-fcgi[PID]: LEVEL: ' and printable ASCII",
     bad, [])
t.eq("no line says 'login ok' outside a quoted value",
     [ln for ln in lines if b"login ok" in ln and not REFUSED.search(ln)],
     [])
quoted = [json.loads(REFUSED.search(ln).group(1).decode())
          for ln in lines if REFUSED.search(ln)]
for n in names:
    t.check("the user name %r is in the log as one JSON string that reads "
            "back as sent" % n, n in quoted, "\n".join(map(repr, quoted)))
t.check("the bytes ff 0a ...: read back with U+FFFD for the bad byte",
        "x\ufffd\n" + FORGED in quoted, "\n".join(map(repr, quoted)))

# --- a flood of failed logins ------------------------------------------------
FLOOD, THREADS = 300, 8
statuses = []
lock = threading.Lock()


def flood(k):
    got = [refuse("flood-%d-%d" % (k, i)) for i in range(FLOOD // THREADS)]
    with lock:
        statuses.extend(got)


t0 = time.monotonic()
workers = [threading.Thread(target=flood, args=(k,)) for k in range(THREADS)]
for w in workers:
    w.start()
for w in workers:
    w.join()
elapsed = time.monotonic() - t0
flooded = FLOOD // THREADS * THREADS
t.eq("%d failed logins, all 401" % flooded, statuses, [401] * flooded)


def totals():
    lines = log_lines()
    written = sum(1 for ln in lines if REFUSED.search(ln))
    suppressed = sum(int(SUPPRESSED.search(ln).group(1)) for ln in lines
                     if SUPPRESSED.search(ln))
    return written, suppressed


# The count of a second is written with the next line after it: wait (up
# to 20 s) for every failed login to be accounted for, logging a line of
# another site (a wrong issuer key) now and then.
deadline = time.monotonic() + 20
while True:
    written, suppressed = totals()
    if written + suppressed >= sent or time.monotonic() > deadline:
        break
    time.sleep(0.3)
    daemon.request("POST", "/auth/session", json={"user_id": "x"},
                   headers={"X-Charon-Issuer-Key": "wrong"})
t.eq("every failed login is a line or counted in a 'similar lines "
     "suppressed' line", written + suppressed, sent)
flood_lines = written - len(names) - 1
t.check("the flood wrote at most %d lines a second (%d in %.1f s)" %
        (BURST, flood_lines, elapsed),
        flood_lines <= BURST * (int(elapsed) + 2), "")
if elapsed < FLOOD / BURST - 2:
    t.check("so lines were suppressed (%d)" % suppressed, suppressed > 0)
t.eq("every line is still printable ASCII after the flood",
     [ln for ln in log_lines() if not LINE.match(ln)], [])
sys.exit(t.finish())
