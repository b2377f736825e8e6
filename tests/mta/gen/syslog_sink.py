#!/usr/bin/env python3
"""syslog_sink.py - a /dev/log stand-in that writes what it gets to a file.

usage: syslog_sink.py SOCKET LOGFILE [LIFETIME]

Binds the unix datagram socket SOCKET and appends every message to LOGFILE,
one line each, with the time it arrived.  For MTAs that log only through
syslog (Sendmail) on a machine without a syslog daemon: the caller binds
SOCKET over /dev/log in a private mount namespace.  It parses nothing
(priority and tag stay as sent) and exits after LIFETIME seconds (default
900) or at once on SIGTERM.
"""
import os
import select
import signal
import socket
import sys
import time


def main():
    path, out = sys.argv[1], sys.argv[2]
    life = float(sys.argv[3]) if len(sys.argv) > 3 else 900.0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    end = time.time() + life
    with open(out, "a") as f:
        while not stop and time.time() < end:
            try:
                ready = select.select([s], [], [], 0.5)[0]
            except InterruptedError:
                continue
            if ready:
                line = s.recv(65536).decode("utf-8", "replace").rstrip("\n\0")
                f.write(time.strftime("%H:%M:%S ") + line + "\n")
                f.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
