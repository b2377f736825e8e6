#!/usr/bin/env python3
"""fake_smtp.py - scripted SMTP peers on 127.0.0.1 for the real-MTA tests.

usage: fake_smtp.py [--lifetime SECONDS] [--savedir DIR] [--log FILE]
                    [--pidfile FILE] PORT:BEHAVIOUR [PORT:BEHAVIOUR ...]

One listening port per behaviour, each answered from its own thread:
  refuse     nothing listens on PORT (the MTA sees "Connection refused")
  greylist   RCPT -> 450 4.2.0 ... Greylisted, please try again later
  ratelimit  banner -> 421 4.7.0 ... too many connections ..., rate limited
  tlsreq     RCPT -> 451 4.7.0 ... TLS is required for this domain ...
  quota      RCPT -> 452 4.2.2 ... Mailbox full
  unknown    RCPT -> 550 5.1.1 ... User unknown in virtual mailbox table
  dropdata   accepts DATA, then closes the connection instead of answering
  accept     accepts everything (no DSN extension); with --savedir each
             message is written there as NNN-PORT.eml (CRLF turned into LF,
             dot-stuffing undone): a DSN sink for other MTAs
  greyonce   greylists each recipient for 30 s after its first attempt,
             then accepts like "accept"
Binds 127.0.0.1 only.  Exits 0 by itself after --lifetime seconds
(default 600) and at once on SIGTERM/SIGINT.  It does not speak TLS, AUTH
or BDAT, does not pipeline answers cleverly (one reply per command line),
and is not meant for anything but loopback tests.
"""
import argparse
import os
import signal
import socket
import socketserver
import sys
import threading
import time

BEHAVIOURS = {
    # name: (phase, reply)
    "refuse": (None, None),
    "greylist": ("rcpt", "450 4.2.0 <{rcpt}>: Recipient address rejected: "
                 "Greylisted, please try again later"),
    "ratelimit": ("banner", "421 4.7.0 mx.ratelimit.test Error: too many "
                  "connections from {peer}, rate limited; try again later"),
    "tlsreq": ("rcpt", "451 4.7.0 <{rcpt}>: Recipient address rejected: TLS "
               "is required for this domain, try again with STARTTLS"),
    "quota": ("rcpt", "452 4.2.2 <{rcpt}>: Recipient address rejected: "
              "Mailbox full"),
    "unknown": ("rcpt", "550 5.1.1 <{rcpt}>: Recipient address rejected: "
                "User unknown in virtual mailbox table"),
    "dropdata": ("data_end", None),
    "accept": (None, None),
    "greyonce": ("rcpt_grey", "450 4.2.0 <{rcpt}>: Recipient address "
                 "rejected: Greylisted for {left} more seconds"),
}
GREY_SECONDS = 30

_log_lock = threading.Lock()
_log_file = sys.stderr
_first_seen = {}
_saved = [0]


def log(text):
    with _log_lock:
        _log_file.write("%s %s\n" % (time.strftime("%H:%M:%S"), text))
        _log_file.flush()


class Handler(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, text):
        self.wfile.write(text.encode("ascii", "replace") + b"\r\n")
        self.wfile.flush()

    def handle(self):
        srv = self.server
        port = srv.server_address[1]
        phase, text = BEHAVIOURS[srv.behaviour]
        peer = self.client_address[0]
        log("%d %s: connect from %s" % (port, srv.behaviour, peer))
        if phase == "banner":
            out = text.format(peer=peer)
            self.reply(out)
            log("%d -> %s" % (port, out))
            return
        self.reply("220 mx.%s.test ESMTP fake peer" % srv.behaviour)
        rcpts = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            cmd = raw.decode("latin-1").rstrip("\r\n")
            up = cmd.upper()
            log("%d <- %s" % (port, cmd))
            if up.startswith("EHLO"):
                lines = ["mx.fake.test", "PIPELINING", "SIZE 52428800",
                         "8BITMIME"]
                if srv.behaviour not in ("accept", "greyonce"):
                    lines.append("DSN")
                for i, l in enumerate(lines):
                    sep = " " if i == len(lines) - 1 else "-"
                    self.reply("250" + sep + l)
            elif up.startswith("HELO"):
                self.reply("250 mx.fake.test")
            elif up.startswith("MAIL FROM:"):
                rcpts = []
                self.reply("250 2.1.0 Ok")
            elif up.startswith("RCPT TO:"):
                arg = cmd[8:].strip().split(" ")[0]
                rcpt = arg.strip("<>")
                if phase == "rcpt":
                    out = text.format(rcpt=rcpt)
                    self.reply(out)
                    log("%d -> %s" % (port, out))
                    continue
                if phase == "rcpt_grey":
                    with _log_lock:
                        first = _first_seen.setdefault(rcpt, time.time())
                    left = int(first + GREY_SECONDS - time.time())
                    if left > 0:
                        out = text.format(rcpt=rcpt, left=left)
                        self.reply(out)
                        log("%d -> %s" % (port, out))
                        continue
                rcpts.append(rcpt)
                self.reply("250 2.1.5 Ok")
            elif up == "DATA":
                if not rcpts:
                    self.reply("554 5.5.1 Error: no valid recipients")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while True:
                    l = self.rfile.readline()
                    if not l:
                        return
                    if l in (b".\r\n", b".\n"):
                        break
                    if l.startswith(b"."):
                        l = l[1:]
                    if l.endswith(b"\r\n"):
                        l = l[:-2] + b"\n"
                    data.append(l)
                if phase == "data_end":
                    log("%d -> (connection dropped after end of data)" % port)
                    return
                if srv.savedir:
                    with _log_lock:
                        _saved[0] += 1
                        n = _saved[0]
                    name = os.path.join(srv.savedir, "%03d-%d.eml" % (n, port))
                    tmp = name + ".tmp"
                    with open(tmp, "wb") as f:
                        f.write(b"".join(data))
                    os.rename(tmp, name)
                    log("%d saved %s" % (port, name))
                self.reply("250 2.0.0 Ok: queued as FAKE%d" % int(time.time()))
            elif up in ("RSET", "NOOP"):
                rcpts = []
                self.reply("250 2.0.0 Ok")
            elif up == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    global _log_file
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lifetime", type=float, default=600)
    ap.add_argument("--savedir")
    ap.add_argument("--log")
    ap.add_argument("--pidfile")
    ap.add_argument("specs", nargs="+", metavar="PORT:BEHAVIOUR")
    a = ap.parse_args()
    if a.log:
        _log_file = open(a.log, "a")
    plan = []
    for spec in a.specs:
        port, _, beh = spec.partition(":")
        if beh not in BEHAVIOURS or not port.isdigit():
            ap.error("bad PORT:BEHAVIOUR %r (behaviours: %s)"
                     % (spec, " ".join(sorted(BEHAVIOURS))))
        plan.append((int(port), beh))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    servers = []
    try:
        for port, beh in plan:
            if beh == "refuse":
                log("%d refuse: nothing listens" % port)
                continue
            s = Server(("127.0.0.1", port), Handler)
            s.behaviour, s.savedir = beh, a.savedir
            threading.Thread(target=s.serve_forever, daemon=True).start()
            servers.append(s)
            log("%d %s: listening on 127.0.0.1" % (port, beh))
    except OSError as e:
        log("cannot listen: %s" % e)
        for s in servers:
            s.shutdown()
            s.server_close()
        return 1
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    stop.wait(a.lifetime)
    for s in servers:
        s.shutdown()
        s.server_close()
    log("exiting (%s)" % ("signal" if stop.is_set() else "lifetime over"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
