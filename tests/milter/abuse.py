#!/usr/bin/env python3
"""abuse.py - an MTA that misbehaves, for tests/milter-limits.sh.

Uses client.py's MilterClient for the protocol and measures what the milter
does about each kind of abuse.  Every command prints one JSON object on
stdout; the shell test decides what passes.

  abuse.py idle SOCKET [--negotiate] [--wait S]
      connect (and negotiate), then send nothing: seconds until the milter
      closes the connection (null: still open after --wait)
  abuse.py drip SOCKET --mode bytes|chunks [--interval S] [--wait S]
      start a null-sender message with one header, then send the body one
      byte per interval inside a single body packet (bytes) or as a 100
      byte body packet per interval, each answered (chunks): seconds from
      the first header until the connection ends (EOF, or an accept reply)
  abuse.py halfsent SOCKET --pid PID [--count N] [--size BYTES]
      N connections one after the other, each a null-sender message whose
      body should be BYTES long, of which the first half is sent (less if
      the milter answers accept); all are held open, then the worker's peak
      RSS (VmHWM of PID) is read
  abuse.py flood SOCKET --pid PID [--count N] [--hold S]
      N connections at once, held for S seconds; how many the milter kept,
      the worker's CPU share while they are held, its peak RSS, and how long
      a new connection waits for its answer meanwhile

What it does NOT do: decide pass/fail, start or stop the milter.
"""

import argparse
import json
import os
import resource
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client as mc  # noqa: E402

CLK_TCK = os.sysconf('SC_CLK_TCK')


def cpu_ticks(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])   # utime + stime


def status_kb(pid, key):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    return None


def fd_count(pid):
    try:
        return len(os.listdir('/proc/%d/fd' % pid))
    except OSError:
        return None


def readable(sock):
    """sock has data or EOF waiting (poll: descriptors past FD_SETSIZE)."""
    p = select.poll()
    p.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(p.poll(0))


def closed(sock, wait):
    """Seconds until EOF/reset on sock (reading and discarding), or None."""
    t0 = time.monotonic()
    while True:
        left = wait - (time.monotonic() - t0)
        if left <= 0:
            return None
        r, _, _ = select.select([sock], [], [], left)
        if r:
            try:
                data = sock.recv(65536)
            except OSError:
                return time.monotonic() - t0
            if not data:
                return time.monotonic() - t0


def start_message(c, sender=''):
    """Negotiate, MAIL FROM, one header; returns the time the header went."""
    c.negotiate()
    mv = mc.default_macros(sender, 'postmaster@sink.test', {'i': 'ABUSE'})
    rep = c.event('M', mc._cstr(mc.envelope_arg(sender)), mv)
    if rep not in ('continue', None, 'skipped'):
        raise mc.MilterError('MAIL FROM answered %s' % rep)
    c.event('T', b'', mv)
    t = time.monotonic()
    c.event('L', mc._cstr('Subject') + mc._cstr(' Undelivered Mail'), mv)
    c.event('L', mc._cstr('Content-Type') +
            mc._cstr(' multipart/report; report-type=delivery-status;'
                     ' boundary="b"'), mv)
    c.event('N', b'', mv)
    return t, mv


def cmd_idle(a):
    c = mc.MilterClient(a.socket, timeout=a.wait)
    c.connect()
    t0 = time.monotonic()
    if a.negotiate:
        c.negotiate()
        t0 = time.monotonic()
    s = closed(c.sock, a.wait)
    if s is not None:
        s = time.monotonic() - t0 if a.negotiate else s
    c.close()
    return {'test': 'idle', 'negotiated': a.negotiate,
            'closed_after_s': None if s is None else round(s, 3)}


def cmd_drip(a):
    c = mc.MilterClient(a.socket, timeout=a.wait)
    c.connect()
    t0, mv = start_message(c)
    end = None
    how = None
    sent = 0
    try:
        if a.mode == 'bytes':
            size = 65535
            c.sock.sendall(struct.pack('>I', size + 1) + b'B')
            while time.monotonic() - t0 < a.wait:
                r, _, _ = select.select([c.sock], [], [], a.interval)
                if r:
                    data = c.sock.recv(4096)
                    if not data:
                        end, how = time.monotonic(), 'eof'
                        break
                    continue
                c.sock.sendall(b'x')
                sent += 1
        else:
            while time.monotonic() - t0 < a.wait:
                rep = c.event('B', b'x' * 98 + b'\r\n', mv)
                sent += 1
                if rep not in ('continue', None):
                    end, how = time.monotonic(), 'reply ' + rep
                    break
                r, _, _ = select.select([c.sock], [], [], a.interval)
                if r and not c.sock.recv(4096, socket.MSG_PEEK):
                    end, how = time.monotonic(), 'eof'
                    break
    except (OSError, mc.MilterError) as e:
        end, how = time.monotonic(), 'error: %s' % e
    c.close()
    return {'test': 'drip', 'mode': a.mode, 'interval_s': a.interval,
            'units_sent': sent, 'how': how,
            'ended_after_s': None if end is None else round(end - t0, 3)}


def cmd_halfsent(a):
    conns = []
    accepted = 0
    sent_total = 0
    rss0 = status_kb(a.pid, 'VmRSS')
    for i in range(a.count):
        c = mc.MilterClient(a.socket, timeout=30)
        c.connect()
        _, mv = start_message(c)
        half = a.size // 2
        chunk = b'y' * 65533 + b'\r\n'
        sent = 0
        while sent < half:
            rep = c.event('B', chunk, mv)
            sent += len(chunk)
            if rep == 'accept':
                accepted += 1
                break
            if rep not in ('continue', None):
                raise mc.MilterError('body answered %s' % rep)
        sent_total += sent
        conns.append(c)
    time.sleep(0.5)
    out = {'test': 'halfsent', 'connections': a.count,
           'message_bytes': a.size, 'sent_bytes': sent_total,
           'accepted_early': accepted,
           'worker_rss_before_kb': rss0,
           'worker_rss_kb': status_kb(a.pid, 'VmRSS'),
           'worker_peak_rss_kb': status_kb(a.pid, 'VmHWM')}
    for c in conns:
        c.close()
    return out


def cmd_flood(a):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.count + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (min(want, hard) if hard != resource.RLIM_INFINITY
                            else want, hard))
    fam, addr = mc.parse_socket(a.socket)
    socks = []
    failed = 0
    t0 = time.monotonic()
    for i in range(a.count):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(addr)
            socks.append(s)
        except OSError:
            failed += 1
            s.close()
    connect_s = time.monotonic() - t0
    time.sleep(1.0)                     # let the milter settle
    # which ones did the milter close at once?
    open_socks = []
    refused = 0
    for s in socks:
        if readable(s):
            try:
                gone = not s.recv(1, socket.MSG_PEEK)
            except OSError:
                gone = True
            if gone:
                refused += 1
                s.close()
                continue
        open_socks.append(s)
    fds = fd_count(a.pid)
    c0, w0 = cpu_ticks(a.pid), time.monotonic()
    # a new MTA connection meanwhile: answered (or refused) at once?
    probe = mc.MilterClient(a.socket, timeout=10)
    p0 = time.monotonic()
    try:
        probe.connect()
        probe.negotiate()
        probe_result = 'negotiated'
    except mc.MilterError as e:
        probe_result = 'refused: %s' % e
    probe_ms = (time.monotonic() - p0) * 1000
    probe.close()
    time.sleep(max(0.0, a.hold - (time.monotonic() - w0)))
    c1, w1 = cpu_ticks(a.pid), time.monotonic()
    cpu = 100.0 * (c1 - c0) / CLK_TCK / (w1 - w0)
    still = 0
    for s in open_socks:
        if not readable(s):
            still += 1
        else:
            try:
                still += 1 if s.recv(1, socket.MSG_PEEK) else 0
            except OSError:
                pass
    out = {'test': 'flood', 'connections': a.count,
           'connect_failed': failed, 'connect_s': round(connect_s, 2),
           'refused_at_once': refused, 'held': len(open_socks),
           'held_at_end': still,
           'worker_fds': fds, 'hold_s': round(w1 - w0, 2),
           'worker_cpu_percent': round(cpu, 2),
           'worker_rss_kb': status_kb(a.pid, 'VmRSS'),
           'worker_peak_rss_kb': status_kb(a.pid, 'VmHWM'),
           'worker_threads': status_kb(a.pid, 'Threads'),
           'probe': probe_result, 'probe_ms': round(probe_ms, 1)}
    for s in open_socks:
        s.close()
    return out


def main():
    ap = argparse.ArgumentParser(prog='abuse.py')
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('idle')
    p.add_argument('socket')
    p.add_argument('--negotiate', action='store_true')
    p.add_argument('--wait', type=float, default=30)
    p = sub.add_parser('drip')
    p.add_argument('socket')
    p.add_argument('--mode', choices=('bytes', 'chunks'), required=True)
    p.add_argument('--interval', type=float, default=1.0)
    p.add_argument('--wait', type=float, default=30)
    p = sub.add_parser('halfsent')
    p.add_argument('socket')
    p.add_argument('--pid', type=int, required=True)
    p.add_argument('--count', type=int, default=50)
    p.add_argument('--size', type=int, default=30 * 1024 * 1024)
    p = sub.add_parser('flood')
    p.add_argument('socket')
    p.add_argument('--pid', type=int, required=True)
    p.add_argument('--count', type=int, default=2000)
    p.add_argument('--hold', type=float, default=5)
    a = ap.parse_args()
    fn = {'idle': cmd_idle, 'drip': cmd_drip, 'halfsent': cmd_halfsent,
          'flood': cmd_flood}[a.cmd]
    try:
        out = fn(a)
    except (OSError, mc.MilterError) as e:
        out = {'test': a.cmd, 'error': str(e)}
    print(json.dumps(out, sort_keys=True))
    return 0 if 'error' not in out else 1


if __name__ == '__main__':
    sys.exit(main())
