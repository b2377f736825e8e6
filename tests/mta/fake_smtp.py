#!/usr/bin/env python3
"""fake_smtp.py - scripted SMTP peers on 127.0.0.1 for the real-MTA tests.

usage: fake_smtp.py [--lifetime SECONDS] [--savedir DIR] [--return-path]
                    [--log FILE] [--pidfile FILE]
                    [ADDRESS:]PORT:BEHAVIOUR [[ADDRESS:]PORT:BEHAVIOUR ...]

One listening socket per behaviour, each answered from its own thread, on
ADDRESS (default 127.0.0.1; it must be in 127.0.0.0/8):
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
  blackhole  listens, but its accept queue is full and never drained, so
             the kernel drops every new SYN: the MTA's connect() times out
  droprcpt   closes the connection when it reads RCPT TO (lost mid-session)
  greylist471  RCPT -> 451 4.7.1 Greylisting in action, please come back later
  ratemsg    MAIL -> 450 4.7.1 ... too many messages ..., rate limited
  starttls   MAIL -> 530 5.7.0 Must issue a STARTTLS command first (it does
             not offer STARTTLS, as a misconfigured server that demands it)
  plain      accepts everything and discards it; offers no STARTTLS (the
             peer of an MTA that is told to require TLS)
  quota552   RCPT -> 552 5.2.2 ... Mailbox full
  toobig     end of data -> 552 5.3.4 Message size exceeds fixed maximum
  policy     RCPT -> 550 5.7.1 ... Access denied
With --return-path, "accept" starts each saved message with the field
"Return-Path: <MAIL FROM address>", as a final delivery agent does.
Binds loopback addresses only.  Exits 0 by itself after --lifetime seconds
(default 600) and at once on SIGTERM/SIGINT.  It does not speak TLS, AUTH
or BDAT, does not pipeline answers cleverly (one reply per command line),
and is not meant for anything but loopback tests.
"""
import argparse
import ipaddress
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
    "blackhole": (None, None),
    "droprcpt": ("rcpt_drop", None),
    "greylist471": ("rcpt", "451 4.7.1 <{rcpt}>: Greylisting in action, "
                    "please come back later"),
    "ratemsg": ("mail", "450 4.7.1 Error: too many messages from {peer}, "
                "rate limited; please try again later"),
    "starttls": ("mail", "530 5.7.0 Must issue a STARTTLS command first"),
    "plain": (None, None),
    "quota552": ("rcpt", "552 5.2.2 <{rcpt}>: Recipient address rejected: "
                 "Mailbox full, quota exceeded"),
    "toobig": ("data_reply", "552 5.3.4 Message size exceeds fixed maximum "
               "message size"),
    "policy": ("rcpt", "550 5.7.1 <{rcpt}>: Recipient address rejected: "
               "Access denied"),
}
# Behaviours that announce no DSN extension, so that an MTA writes its own
# success notices for NOTIFY=SUCCESS.
NO_DSN = ("accept", "greyonce", "plain")
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
        where = "%s:%d" % srv.server_address[:2]
        phase, text = BEHAVIOURS[srv.behaviour]
        peer = self.client_address[0]
        log("%s %s: connect from %s" % (where, srv.behaviour, peer))
        if phase == "banner":
            out = text.format(peer=peer)
            self.reply(out)
            log("%s -> %s" % (where, out))
            return
        self.reply("220 mx.%s.test ESMTP fake peer" % srv.behaviour)
        rcpts = []
        sender = None
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            cmd = raw.decode("latin-1").rstrip("\r\n")
            up = cmd.upper()
            log("%s <- %s" % (where, cmd))
            if up.startswith("EHLO"):
                lines = ["mx.fake.test", "PIPELINING", "SIZE 52428800",
                         "8BITMIME"]
                if srv.behaviour not in NO_DSN:
                    lines.append("DSN")
                for i, l in enumerate(lines):
                    sep = " " if i == len(lines) - 1 else "-"
                    self.reply("250" + sep + l)
            elif up.startswith("HELO"):
                self.reply("250 mx.fake.test")
            elif up.startswith("MAIL FROM:"):
                rcpts = []
                sender = None
                if phase == "mail":
                    out = text.format(peer=peer)
                    self.reply(out)
                    log("%s -> %s" % (where, out))
                    continue
                sender = cmd[10:].strip().split(" ")[0].strip("<>")
                self.reply("250 2.1.0 Ok")
            elif up.startswith("RCPT TO:") and sender is None:
                self.reply("503 5.5.1 Error: need MAIL command")
            elif up.startswith("RCPT TO:"):
                arg = cmd[8:].strip().split(" ")[0]
                rcpt = arg.strip("<>")
                if phase == "rcpt_drop":
                    log("%s -> (connection dropped after RCPT TO)" % where)
                    return
                if phase == "rcpt":
                    out = text.format(rcpt=rcpt)
                    self.reply(out)
                    log("%s -> %s" % (where, out))
                    continue
                if phase == "rcpt_grey":
                    with _log_lock:
                        first = _first_seen.setdefault(rcpt, time.time())
                    left = int(first + GREY_SECONDS - time.time())
                    if left > 0:
                        out = text.format(rcpt=rcpt, left=left)
                        self.reply(out)
                        log("%s -> %s" % (where, out))
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
                    log("%s -> (connection dropped after end of data)" % where)
                    return
                if phase == "data_reply":
                    self.reply(text)
                    log("%s -> %s" % (where, text))
                    rcpts, sender = [], None
                    continue
                if srv.savedir and srv.behaviour in ("accept", "greyonce"):
                    if srv.return_path:
                        data.insert(0, ("Return-Path: <%s>\n" % sender)
                                    .encode("latin-1"))
                    with _log_lock:
                        _saved[0] += 1
                        n = _saved[0]
                    name = os.path.join(srv.savedir, "%03d-%d.eml" % (n, port))
                    tmp = name + ".tmp"
                    with open(tmp, "wb") as f:
                        f.write(b"".join(data))
                    os.rename(tmp, name)
                    log("%s saved %s" % (where, name))
                self.reply("250 2.0.0 Ok: queued as FAKE%d" % int(time.time()))
                rcpts, sender = [], None
            elif up == "RSET":
                rcpts = []
                sender = None
                self.reply("250 2.0.0 Ok")
            elif up == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif up == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def parse_spec(spec):
    """(address, port, behaviour) of "[ADDRESS:]PORT:BEHAVIOUR", or None."""
    parts = spec.split(":")
    if len(parts) == 2:
        parts.insert(0, "127.0.0.1")
    if len(parts) != 3:
        return None
    addr, port, beh = parts
    try:
        ok = ipaddress.ip_address(addr) in ipaddress.ip_network("127.0.0.0/8")
    except ValueError:
        ok = False
    if not ok or not port.isdigit() or beh not in BEHAVIOURS:
        return None
    return addr, int(port), beh


def blackhole(addr, port):
    """A listening socket whose accept queue is full: the kernel drops the
    SYN of every further connection, so clients time out in connect()."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(0)
    held = []
    for _ in range(8):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.settimeout(0.5)
        try:
            c.connect((addr, port))
        except OSError:
            c.close()
            break
        held.append(c)
    return [s] + held


def main():
    global _log_file
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lifetime", type=float, default=600)
    ap.add_argument("--savedir")
    ap.add_argument("--return-path", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--pidfile")
    ap.add_argument("specs", nargs="+", metavar="[ADDRESS:]PORT:BEHAVIOUR")
    a = ap.parse_args()
    if a.log:
        _log_file = open(a.log, "a")
    plan = []
    for spec in a.specs:
        p = parse_spec(spec)
        if p is None:
            ap.error("bad [ADDRESS:]PORT:BEHAVIOUR %r (ADDRESS in 127.0.0.0/8;"
                     " behaviours: %s)" % (spec, " ".join(sorted(BEHAVIOURS))))
        plan.append(p)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    servers = []
    holes = []
    try:
        for addr, port, beh in plan:
            if beh == "refuse":
                log("%d refuse: nothing listens on %s" % (port, addr))
                continue
            if beh == "blackhole":
                holes += blackhole(addr, port)
                log("%d blackhole: %s:%d drops every SYN" % (port, addr, port))
                continue
            s = Server((addr, port), Handler)
            s.behaviour, s.savedir, s.return_path = beh, a.savedir, a.return_path
            threading.Thread(target=s.serve_forever, daemon=True).start()
            servers.append(s)
            log("%d %s: listening on %s" % (port, beh, addr))
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
    for h in holes:
        h.close()
    log("exiting (%s)" % ("signal" if stop.is_set() else "lifetime over"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
