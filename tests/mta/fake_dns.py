#!/usr/bin/env python3
"""fake_dns.py - a loopback DNS server that only ever answers with an error.

usage: fake_dns.py [--address 127.0.0.1] [--port 53] [--lifetime SECONDS]
                   [--servfail SUFFIX ...] [--log FILE] [--pidfile FILE]

Answers every UDP query on ADDRESS:PORT (ADDRESS must be in 127.0.0.0/8):
a name equal to or under one of the --servfail suffixes gets SERVFAIL
(rcode 2: the lookup failed temporarily, the MTA retries), every other name
NXDOMAIN (rcode 3: it does not exist).  NXDOMAIN as the default matters:
MTAs look up their own name, peers' PTR records and the like, and a
temporary failure there makes some of them sleep or defer everything.

It gives no positive answer at all, speaks no TCP, ignores EDNS (the answer
has no OPT record) and is meant for a private network namespace or a private
resolv.conf in the real-MTA tests only.  Exits 0 by itself after --lifetime
seconds (default 900) and at once on SIGTERM.
"""
import argparse
import ipaddress
import select
import signal
import socket
import struct
import sys
import time


def question(data):
    """(name, qtype, end of the question) of the first question, or None."""
    if len(data) < 12 or struct.unpack("!H", data[4:6])[0] < 1:
        return None
    i, labels = 12, []
    while i < len(data) and data[i] != 0:
        n = data[i]
        if n & 0xC0 or i + 1 + n > len(data):   # no compression in a query
            return None
        labels.append(data[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    if i + 5 > len(data):
        return None
    qtype = struct.unpack("!H", data[i + 1:i + 3])[0]
    return ".".join(labels).lower().rstrip("."), qtype, i + 5


def answer(data, servfail):
    q = question(data)
    if q is None:
        return None, None
    name, qtype, end = q
    rcode = 3
    for suffix in servfail:
        if name == suffix or name.endswith("." + suffix):
            rcode = 2
    qid, flags = struct.unpack("!HH", data[:4])
    # QR, the query's opcode and RD, RA, the rcode
    rflags = 0x8000 | (flags & 0x7900) | 0x0080 | rcode
    head = struct.pack("!HHHHHH", qid, rflags, 1, 0, 0, 0)
    return head + data[12:end], (name, qtype, rcode)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--lifetime", type=float, default=900)
    ap.add_argument("--servfail", action="append", default=[])
    ap.add_argument("--log")
    ap.add_argument("--pidfile")
    a = ap.parse_args()
    if ipaddress.ip_address(a.address) not in ipaddress.ip_network("127.0.0.0/8"):
        ap.error("--address must be in 127.0.0.0/8")
    servfail = [s.lower().strip(".") for s in a.servfail]
    out = open(a.log, "a") if a.log else sys.stderr
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.address, a.port))
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % __import__("os").getpid())
    end = time.time() + a.lifetime
    while not stop and time.time() < end:
        try:
            ready = select.select([s], [], [], 0.5)[0]
        except InterruptedError:
            continue
        if not ready:
            continue
        data, peer = s.recvfrom(4096)
        reply, what = answer(data, servfail)
        if reply is None:
            continue
        s.sendto(reply, peer)
        out.write("%s %s type %d -> %s\n" % (time.strftime("%H:%M:%S"),
                  what[0], what[1], {2: "SERVFAIL", 3: "NXDOMAIN"}[what[2]]))
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
