#!/usr/bin/python3
"""redis_garbage_proxy.py UPSTREAM CONTROL UNIX_PATH PORT_FILE EVENTS - a
fault-injecting Redis proxy for redis_garbage.sh (toxiproxy's idea, RESP
aware).

It listens on the unix socket UNIX_PATH and on 127.0.0.1 (a free port,
written to PORT_FILE), and forwards each client's commands, one at a time,
to the real redis-server on the unix socket UPSTREAM, relaying exactly one
reply per command.  Before each command it reads CONTROL, one line:

    MODE [all] [forward] [op=NAME]

MODE says what the client gets instead of the reply (see garbage()
below; "pass" relays it).  By default only operations are hit (FCALL, FCALL_RO,
EVALSHA, EVAL); "all" hits every command, the connect handshake (AUTH,
FUNCTION LOAD, SCRIPT LOAD) and PING too.  "op=NAME" hits only that store
operation (get, get_all, upsert, delete, delete_all).  Without "forward"
a hit command never reaches Redis (nothing it would write is written);
with it the command runs and its real reply is thrown away.  Every hit is
logged on stderr.  The proxy is the only fake here: Redis is real.

EVENTS gets one line per event of a client connection, written before
the client can see its effect: "CONN open", "CONN cmd COMMAND OP" (every
command, OP "-" for one that is no store operation), "CONN hit MODE" (the
command just logged gets garbage), "CONN close" (the client closed it, or
the proxy did: mode eof).  CONN is u<n> on the unix socket, t<n> on TCP.
"""
import os
import random
import socket
import sys
import threading
import time

UPSTREAM = CONTROL = EVENTS = None        # set by main()
EVENTS_LOCK = threading.Lock()
OPS = (b"FCALL", b"FCALL_RO", b"EVALSHA", b"EVAL")
# A first byte that is no RESP2 type (+ - : $ *), so random bytes never
# happen to be a well-formed reply.
NOT_A_TYPE = bytes(b for b in range(256) if b not in b"+-:$*")


def log(msg):
    sys.stderr.write("proxy: %s\n" % msg)
    sys.stderr.flush()


def event(conn, what):
    with EVENTS_LOCK:
        EVENTS.write("%s %s\n" % (conn, what))
        EVENTS.flush()


class Closed(Exception):
    pass


class Reader:
    """Buffered reads of RESP from a socket (an offset into the buffer, so
    a reply of many elements is not copied once per element; a bytearray,
    so a bulk of megabytes arriving in small reads is not copied once per
    read: on a loaded machine that took seconds)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0

    def fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise Closed()
        del self.buf[:self.pos]          # O(1) at the front of a bytearray
        self.pos = 0
        self.buf += data

    def line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                break
            self.fill()
        line = bytes(self.buf[self.pos:end])
        self.pos = end + 2
        return line

    def exactly(self, n):
        while len(self.buf) - self.pos < n:
            self.fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return data

    def command(self):
        """One command as hiredis sends it: *N then N bulk strings."""
        head = self.line()
        if not head.startswith(b"*"):
            raise Closed()
        argv = []
        for _ in range(int(head[1:])):
            n = int(self.line()[1:])
            argv.append(self.exactly(n + 2)[:-2])
        return argv

    def reply(self, out=None):
        """The raw bytes of one RESP2 reply."""
        top = out is None
        if top:
            out = []
        line = self.line()
        out.append(line + b"\r\n")
        kind = line[:1]
        if kind == b"$":
            n = int(line[1:])
            if n >= 0:
                out.append(self.exactly(n + 2))
        elif kind == b"*":
            for _ in range(max(int(line[1:]), 0)):
                self.reply(out)
        return b"".join(out) if top else None


def encode(argv):
    out = [b"*%d\r\n" % len(argv)]
    for a in argv:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def control():
    try:
        with open(CONTROL) as f:
            words = f.read().split()
    except OSError:
        words = []
    return words or ["pass"]


def op_of(argv):
    """The store operation a command runs, or None."""
    cmd = argv[0].upper()
    if cmd in (b"FCALL", b"FCALL_RO") and len(argv) > 1:
        # charon_fcgi_<16 hex>_<op>
        return argv[1][29:].decode("latin-1")
    if cmd in (b"EVALSHA", b"EVAL") and len(argv) > 3:
        nkeys = int(argv[2])
        if len(argv) > 3 + nkeys:
            return argv[3 + nkeys].decode("latin-1")
    return None


def hits(words, argv):
    if "all" not in words and argv[0].upper() not in OPS:
        return False
    for w in words:
        if w.startswith("op=") and op_of(argv) != w[3:]:
            return False
    return True


def stream(client, first, chunk, pause, stop, limit):
    """Sends first, then chunk every pause seconds until the client goes
    (or limit bytes went: a client that never stops reading must not take
    the test machine's memory with it)."""
    sent = 0
    try:
        client.sendall(first)
        while not stop.is_set() and sent < limit:
            client.sendall(chunk)
            sent += len(chunk)
            if pause:
                time.sleep(pause)
    except OSError:
        pass


# What a hit command gets instead of its reply: the bytes returned (the
# modes that stream or close do it themselves).  None is a reply the
# command can give, but for "trailing" (one it can give, then one more)
# and "dribble" (the real one, slowly: the control case).
def garbage(mode, op, real, client, stop):
    if mode == "random":
        rnd = random.Random()
        return (bytes([rnd.choice(NOT_A_TYPE)]) +
                bytes(rnd.randrange(256) for _ in range(63)))
    if mode == "truncated":
        # The start of a get reply, then silence.
        return b"*2\r\n$120\r\nsigned.0123456789"
    if mode == "hugelen":
        return b"$999999999\r\nsigned."
    if mode == "hugearray":
        return b"*2147483647\r\n:1\r\n"
    if mode == "nested":
        return b"*1\r\n" * 100000 + b":1\r\n"
    if mode == "badtype":
        return b"%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n"
    if mode == "errctl":
        # An error reply holding control bytes and non-ASCII.
        return b"-ERR garbage \x1b[2J\x07\xff\xfe\x00tail\r\n"
    if mode == "badint":
        return b":12x\r\n"
    if mode == "trailing":
        # A reply of the right shape for the operation, then one more.
        right = {"get": b"$-1\r\n", "get_all": b"*0\r\n"}.get(op, b":1\r\n")
        return right + b":1\r\n"
    if mode == "silence":
        return b""
    if mode == "eof":
        client.shutdown(socket.SHUT_RDWR)
        return b""
    if mode == "endless":
        # A simple string that never ends, a kilobyte every 5 ms.
        threading.Thread(target=stream, daemon=True,
                         args=(client, b"+", b"a" * 1024, 0.005, stop,
                               4 << 20)).start()
        return b""
    if mode == "flood":
        # A bulk string that never ends, as fast as the socket takes it.
        threading.Thread(target=stream, daemon=True,
                         args=(client, b"$999999999\r\n", b"x" * 1048576, 0,
                               stop, 256 << 20)).start()
        return b""
    if mode == "dribble":
        # The real reply, three bytes at a time: not garbage at all.  A
        # pause after each piece keeps them apart, but only for the first
        # 50 ms: on a loaded machine each pause lasts milliseconds, and the
        # reply must still be whole within command_timeout_ms (200 ms).
        end = time.monotonic() + 0.05
        for i in range(0, len(real), 3):
            client.sendall(real[i:i + 3])
            if time.monotonic() < end:
                time.sleep(0.0005)
        return b""
    raise ValueError("unknown mode %r" % mode)


def serve(client, n):
    stop = threading.Event()
    up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    event(n, "open")
    try:
        up.connect(UPSTREAM)
        cr, ur = Reader(client), Reader(up)
        while True:
            argv = cr.command()
            words = control()
            mode = words[0]
            hit = mode != "pass" and hits(words, argv)
            event(n, "cmd %s %s" % (argv[0].decode("latin-1").upper(),
                                    op_of(argv) or "-"))
            if hit:
                event(n, "hit " + mode)
            if not hit:
                up.sendall(encode(argv))
                client.sendall(ur.reply())
                continue
            real = b""
            if "forward" in words or mode == "dribble":
                up.sendall(encode(argv))
                real = ur.reply()
            log("conn %s: %s %s (op %s): %s%s" % (
                n, argv[0].decode("latin-1"),
                argv[1][:40].decode("latin-1") if len(argv) > 1 else "",
                op_of(argv), mode, " (forwarded)" if real else ""))
            out = garbage(mode, op_of(argv), real, client, stop)
            if out:
                client.sendall(out)
    except (Closed, OSError, ValueError) as e:
        if isinstance(e, ValueError):
            log("conn %s: %s" % (n, e))
    finally:
        stop.set()
        up.close()
        client.close()
        event(n, "close")


def accept(listener, side):
    n = 0
    while True:
        client, _ = listener.accept()
        n += 1
        threading.Thread(target=serve, args=(client, "%s%d" % (side, n)),
                         daemon=True).start()


def main():
    global UPSTREAM, CONTROL, EVENTS
    UPSTREAM, CONTROL, unix_path, port_file, events = sys.argv[1:6]
    EVENTS = open(events, "a")
    ux = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ux.bind(unix_path)
    ux.listen(64)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % tcp.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    threading.Thread(target=accept, args=(tcp, "t"), daemon=True).start()
    accept(ux, "u")


if __name__ == "__main__":
    main()
