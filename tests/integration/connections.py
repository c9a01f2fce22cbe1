"""connections.py - connection limits of a charon-fcgi worker, driven by
connections.sh: read_timeout closes silent and idle kept connections,
queue_timeout turns a stuck worker's new connections into 503s (and a
mere burst into a short queue, never a 503), FCGI_WEB_SERVER_ADDRS.

Uses its own few lines of FastCGI (holding a connection open, or kept
alive between requests, is what fcgi_req cannot do).

    connections.py MODE ADDR
"""
import os
import socket
import struct
import sys
import threading
import time

from fcgi_http import Response, Tally, wait_for

BEGIN, PARAMS, STDIN, STDOUT, END = 1, 4, 5, 6, 3
RESPONDER, AUTHORIZER = 1, 2


def record(rtype, content, rid=1):
    return struct.pack(">BBHHBx", 1, rtype, rid, len(content), 0) + content


def pair(name, value):
    def ln(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(name)) + ln(len(value)) + name + value


def request_bytes(path, role=RESPONDER, keep=False, extra=None):
    env = {"REQUEST_METHOD": "GET", "DOCUMENT_URI": path,
           "REQUEST_URI": path, "SERVER_PROTOCOL": "HTTP/1.1"}
    env.update(extra or {})
    params = b"".join(pair(k.encode(), v.encode()) for k, v in env.items())
    return (record(BEGIN, struct.pack(">HB5x", role, 1 if keep else 0)) +
            record(PARAMS, params) + record(PARAMS, b"") +
            record(STDIN, b""))


def connect(addr, timeout=10):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX)
        target = addr[5:]
    else:
        host, port = addr[4:].rsplit(":", 1)
        s = socket.socket()
        target = (host, int(port))
    s.settimeout(timeout)
    s.connect(target)
    return s


def read_reply(s):
    """The STDOUT of one request, as a Response; None when the daemon
    closed the connection (or sent garbage) first."""
    out, buf = b"", b""
    while True:
        while len(buf) < 8:
            chunk = s.recv(65536)
            if not chunk:
                return None
            buf += chunk
        _, rtype, _, clen, plen = struct.unpack(">BBHHBx", buf[:8])
        while len(buf) < 8 + clen + plen:
            chunk = s.recv(65536)
            if not chunk:
                return None
            buf += chunk
        content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
        if rtype == STDOUT:
            out += content
        elif rtype == END:
            return Response(out)


def ask(addr, path="/auth/health", role=RESPONDER, sock=None, keep=False):
    s = sock or connect(addr)
    try:
        s.sendall(request_bytes(path, role, keep))
        return read_reply(s)
    finally:
        if sock is None:
            s.close()


def closed_after(s, limit):
    """Seconds until the daemon closes s (None if not within limit)."""
    t0 = time.monotonic()
    s.settimeout(limit)
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - t0


def metric(addr, name):
    r = ask(addr, "/auth/metrics")
    for line in r.body.decode().splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    return None


def stuck(t, addr, read_timeout):
    """Two threads held by silent connections, then by idle kept ones."""
    refused0 = metric(addr, "charon_connections_refused_total")
    t.eq("/metrics counts refused connections (none yet)", refused0, 0)

    one = connect(addr)
    t_one = time.monotonic()
    r = ask(addr)
    t.eq("one silent connection leaves the other thread serving",
         r and r.status, 200)

    two = connect(addr)
    t0 = time.monotonic()
    r = ask(addr)
    waited = time.monotonic() - t0
    t.eq("both threads held by silent connections: a new one gets 503",
         r and r.status, 503)
    if r:
        t.eq("... with Retry-After: 1", r.header("Retry-After"), "1")
        t.eq("... and a JSON error", r.json().get("error"),
             "service_unavailable")
    t.check("... after queue_timeout (1 s), not at once: %.2f s" % waited,
            0.5 <= waited < 5, waited)
    r = ask(addr, "/auth/check", role=AUTHORIZER)
    t.eq("an AUTHORIZER request gets the 503 too", r and r.status, 503)

    junk = connect(addr)
    junk.sendall(b"GET / HTTP/1.0\r\n\r\n")
    t.check("a connection that does not speak FastCGI is closed, unanswered",
            closed_after(junk, 5) is not None)

    for name, s, since in (("first", one, t_one), ("second", two, t0)):
        dt = closed_after(s, read_timeout + 5)
        if dt is not None:
            dt = time.monotonic() - since
        t.check("the %s silent connection is closed after read_timeout "
                "(%d s): %s s" % (name, read_timeout,
                                  dt if dt is None else "%.1f" % dt),
                dt is not None and read_timeout - 0.5 <= dt, dt)
    r = ask(addr)
    t.eq("then the worker serves again", r and r.status, 200)
    refused = metric(addr, "charon_connections_refused_total")
    t.eq("/metrics: charon_connections_refused_total 2 (the junk "
         "connection was never answered)", refused, 2)

    kept = [connect(addr), connect(addr)]
    for i, s in enumerate(kept):
        r = ask(addr, sock=s, keep=True)
        t.eq("kept connection %d answered" % (i + 1), r and r.status, 200)
    r = ask(addr)
    t.eq("both threads held by idle kept connections: 503", r and r.status,
         503)
    r = ask(addr, sock=kept[0], keep=True)
    t.eq("a kept connection's next request is still served",
         r and r.status, 200)
    for i, s in enumerate(kept):
        dt = closed_after(s, read_timeout + 5)
        t.check("idle kept connection %d is closed after read_timeout"
                % (i + 1), dt is not None, dt)
    r = ask(addr)
    t.eq("then the worker serves again", r and r.status, 200)


def burst(t, addr):
    """20 clients, each 25 requests on new connections, on 2 threads: the
    backlog queues them (threads keep coming free), nobody gets a 503."""
    before = metric(addr, "charon_connections_refused_total")
    statuses, lock = {}, threading.Lock()

    def client():
        for _ in range(25):
            try:
                r = ask(addr)
                st = r.status if r else "closed"
            except OSError as e:
                st = type(e).__name__
            with lock:
                statuses[st] = statuses.get(st, 0) + 1

    th = [threading.Thread(target=client) for _ in range(20)]
    for x in th:
        x.start()
    for x in th:
        x.join()
    t.eq("a burst of 500 connections on 2 threads: all 200", statuses,
         {200: 500})
    t.eq("... and none refused",
         metric(addr, "charon_connections_refused_total"), before)


def at_once(t, addr, log):
    """queue_timeout = 0: 503 as soon as every thread is held (which the
    log says: until then a thread may not have taken its connection)."""
    held = [connect(addr), connect(addr)]

    def shedding():
        with open(log, "rb") as f:
            return b"all 2 threads have held their connections" in f.read()

    t.check("the log says both threads are held", wait_for(60, shedding))
    t0 = time.monotonic()
    r = ask(addr)
    t.eq("queue_timeout = 0: a connection finding both threads held gets 503",
         r and r.status, 503)
    t.check("... without waiting", time.monotonic() - t0 < 0.9)
    for s in held:
        s.close()


def peers(t, addr, allowed):
    try:
        r = ask(addr)
    except OSError:
        r = None
    if allowed:
        t.eq("FCGI_WEB_SERVER_ADDRS lists 127.0.0.1: served",
             r and r.status, 200)
    else:
        t.eq("FCGI_WEB_SERVER_ADDRS without 127.0.0.1: closed unanswered",
             r, None)


def main():
    mode, addr = sys.argv[1], sys.argv[2]
    t = Tally()
    if mode == "stuck":
        stuck(t, addr, int(sys.argv[3]))
        burst(t, addr)
    elif mode == "at_once":
        at_once(t, addr, os.environ["CHARON_IT_LOG"])
    elif mode in ("peer_allowed", "peer_refused"):
        peers(t, addr, mode == "peer_allowed")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
