#!/usr/bin/env python3
"""milter_proxy.py - a counting relay between an MTA and a milter (tests only).

usage: milter_proxy.py [--lifetime SECONDS] [--pidfile FILE]
                       LISTEN_PATH UPSTREAM_PATH LOG

Listens on the unix socket LISTEN_PATH (mode 0666: Postfix connects as
user postfix) and relays every connection, byte for byte in both
directions, to the milter on the unix socket UPSTREAM_PATH.  So a test can
see how many milter sessions the MTA opened and for which messages,
whatever the milter itself logs.  One line per event goes to LOG:

  open N                 the MTA opened session N (counted from 1)
  mail N SENDER QID      SMFIC_MAIL in session N: the envelope sender as
                         the MTA sent it, in angle brackets (<a@b>, <>
                         for the null sender) also where it sent none
                         (Postfix's cleanup sends a@b and an empty string)
                         and the queue id from the macro "i" sent with it
                         ("-" if none)
  close N headers=H body=B
                         session N ended; H SMFIC_HEADER and B SMFIC_BODY
                         packets had passed (content the milter was sent)
  refused N WHY          the milter could not be reached: session N is
                         closed at once, as if the milter were down

It parses the MTA's side of the milter protocol only to log (packets are
a 4-byte big-endian length, a command byte and the data); it never
changes a byte, and a packet it cannot parse is relayed all the same.
Exits after --lifetime seconds (default 600) or on SIGTERM, removing
LISTEN_PATH.  Not for anything but loopback tests.
"""
import argparse
import os
import signal
import socket
import struct
import sys
import threading
import time

MAX_PACKET = 64 << 20


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def line(self, text):
        with self.lock:
            self.f.write(text + "\n")
            self.f.flush()


def pump(src, dst, on_data):
    """copy src to dst until EOF or error; on_data sees every chunk"""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if on_data:
                on_data(data)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


class Session:
    """the MTA's side of one milter session, parsed for the log"""

    def __init__(self, n, log):
        self.n, self.log = n, log
        self.buf = b""
        self.macros = {}
        self.headers = self.body = 0

    def feed(self, data):
        self.buf += data
        while len(self.buf) >= 4:
            size = struct.unpack(">I", self.buf[:4])[0]
            if size < 1 or size > MAX_PACKET:
                self.buf = b""      # not the milter protocol: stop parsing
                return
            if len(self.buf) < 4 + size:
                return
            cmd, arg = self.buf[4:5], self.buf[5:4 + size]
            self.buf = self.buf[4 + size:]
            self.packet(cmd, arg)

    def packet(self, cmd, arg):
        if cmd == b"D" and arg:
            # macros for the command arg[0]: name NUL value NUL ...
            f = arg[1:].split(b"\0")
            for i in range(0, len(f) - 1, 2):
                name = f[i].decode("latin-1").strip("{}")
                self.macros[name] = f[i + 1].decode("latin-1")
        elif cmd == b"M":
            # smtpd sends "<a@b>" and "<>", Postfix's cleanup "a@b" and ""
            sender = arg.split(b"\0")[0].decode("latin-1")
            if not sender.startswith("<"):
                sender = "<%s>" % sender
            self.log.line("mail %d %s %s" % (self.n, sender,
                                             self.macros.get("i") or "-"))
        elif cmd == b"L":
            self.headers += 1
        elif cmd == b"B":
            self.body += 1


def serve(conn, n, upstream, log):
    log.line("open %d" % n)
    up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        up.connect(upstream)
    except OSError as e:
        log.line("refused %d %s" % (n, e.strerror or e))
        up.close()
        conn.close()
        return
    s = Session(n, log)
    back = threading.Thread(target=pump, args=(up, conn, None), daemon=True)
    back.start()
    pump(conn, up, s.feed)
    back.join()
    log.line("close %d headers=%d body=%d" % (n, s.headers, s.body))
    conn.close()
    up.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lifetime", type=float, default=600)
    ap.add_argument("--pidfile")
    ap.add_argument("listen")
    ap.add_argument("upstream")
    ap.add_argument("log")
    a = ap.parse_args()
    log = Log(a.log)
    if os.path.exists(a.listen):
        os.unlink(a.listen)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(a.listen)
    os.chmod(a.listen, 0o666)
    srv.listen(128)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    end = time.time() + a.lifetime
    n = 0
    try:
        while True:
            srv.settimeout(max(0.1, min(1.0, end - time.time())))
            if time.time() >= end:
                break
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            conn.settimeout(None)
            n += 1
            threading.Thread(target=serve, args=(conn, n, a.upstream, log),
                             daemon=True).start()
    finally:
        srv.close()
        try:
            os.unlink(a.listen)
        except OSError:
            pass


if __name__ == "__main__":
    main()
