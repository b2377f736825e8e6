#!/usr/bin/env python3
"""client.py - the MTA side of the milter protocol (version 6), for tests.

What it does: connects to a milter (unix:PATH, local:PATH, inet:PORT@HOST,
inet6:PORT@HOST, or a bare /path), negotiates the way Postfix 3.x does with
milter_protocol = 6, sends one message with a given envelope the way
Postfix's cleanup(8) sends its own bounces to non_smtpd_milters (connect
"localhost"/127.0.0.1, HELO localhost, MAIL, RCPT, DATA, headers, EOH,
body in chunks of at most 65535 bytes, end of message, QUIT), honours every
flag the milter negotiated (SMFIP_NO* steps are not sent, SMFIP_NR_* steps
get no reply read, SMFIS_SKIP stops the body, SMFIS_ACCEPT / REJECT /
TEMPFAIL / DISCARD / reply code end the transaction), collects the edits
sent at end of message and applies them the way Postfix's cleanup would.
It is a library (Message, MilterClient, run()) and a command:

  client.py SOCKET [--from ''|'<>'|ADDR] [--rcpt ADDR]... [--macro NAME=VALUE]...
            [--leadspc | --no-leadspc] [--offer MASK] [--offer-actions MASK]
            [--summary FILE] [--wire FILE] [--lf]
            [--chunk N] [--pause-after-chunk N --pause SECONDS [--ready-file F]]
            [--disconnect-after-chunk N] [--timeout SECONDS] [--keep-from-line]
            FILE

stdout: the resulting message (CRLF line ends, or LF with --lf); a JSON
summary of what happened goes to stderr, or to --summary FILE.  --wire FILE
writes the message exactly as the milter was handed it, reconstructed as
Name ":" value CRLF ... CRLF body (see wire_bytes()).  Exit status: 0 the
exchange completed (whatever the milter decided), 1 protocol or I/O error
(the summary says what), 2 usage.

What it does NOT do: SMTP, TLS, DNS, real queue files, Postfix's own
header processing (no Received: of its own, no address rewriting, no
header_checks), SMFIC_UNKNOWN commands, recipient edits beyond recording
them, or the _FFR_MDS_NEGOTIATE bigger packet sizes.

How headers are handed over (checked against Postfix's src/milter/milter8.c,
milter8_header(), and src/global/is_header.c):
  * the header name is the label without any blanks before the colon;
  * the value is everything after the colon; Postfix eats ONE leading space
    (not a tab) unless the milter negotiated SMFIP_HDR_LEADSPC, in which
    case the value is sent as is, leading blanks included;
  * a folded header is sent as one value whose lines are separated by a
    bare LF ("Sendmail 8 sends multi-line headers as text separated by
    newline"), no CR anywhere, no line end at the end;
  * the headers end at the first empty line, or at the first line that is
    neither a header nor a continuation (that line then starts the body);
  * a leading mbox "From " line is dropped (it never exists on the wire;
    --keep-from-line keeps it, and it then ends the headers at once);
  * the body is sent with CRLF line ends (a CR before LF in the file is
    not doubled; a last line without LF still gets CRLF), in packets of
    exactly 65535 bytes and a last shorter one, then SMFIC_BODYEOB
    without data.
How edits are applied (Postfix cleanup_milter.c / milter8.c):
  * SMFIR_ADDHEADER appends after the last header; the line is
    name ":" value, with a space after the colon unless HDR_LEADSPC;
  * SMFIR_CHGHEADER index N (0 counts as 1) replaces the Nth header of
    that name (case-insensitive); an empty value deletes it; a missing Nth
    header is added at the end; SMFIR_INSHEADER index N inserts before the
    (N+1)th header;
  * SMFIR_REPLBODY packets are concatenated and split into lines at LF (a
    CR before the LF dropped, a last unterminated line kept), each line
    written with CRLF; a replbody packet after any other reply that came
    after a replbody packet is the error Postfix logs as "body replacement
    requests can't currently be mixed with other requests".
Options: --leadspc (the default) offers SMFIP_HDR_LEADSPC as Postfix does,
--no-leadspc withholds it, --offer MASK offers exactly MASK of protocol
steps, --offer-actions MASK exactly MASK of actions; --chunk N
sends body packets of at most N bytes (Postfix: 65535); --pause-after-chunk
N --pause S sleeps S seconds after body packet N (writing --ready-file
first); --disconnect-after-chunk N hangs up after body packet N; --timeout
is the wait for each reply (Postfix: milter_content_timeout, 300 s).
Note: libmilter accepts SMFIC_BODY right after SMFIC_DATA only when the
milter negotiated away both the header and the eoh steps (engine.c,
trans_ok()/fix_stm()); so a message without header fields, sent as
Postfix sends it, gets no reply from a milter that asked for SMFIP_NOEOH
alone.  The client reports that as a timeout, like Postfix would.
Macros: those of Postfix's default milter_*_macros, for which a value is
known, sent before each event (also before events the milter asked not to
get, as Postfix does).  --macro NAME=VALUE sets a value; i is the queue id.
"""

import argparse
import json
import os
import select
import socket
import struct
import sys
import time

# --- protocol constants (libmilter/mfdef.h) ---------------------------------

SMFI_VERSION = 6
MILTER_CHUNK_SIZE = 65535

SMFIF = {
    'ADDHDRS': 0x001, 'CHGBODY': 0x002, 'ADDRCPT': 0x004, 'DELRCPT': 0x008,
    'CHGHDRS': 0x010, 'QUARANTINE': 0x020, 'CHGFROM': 0x040,
    'ADDRCPT_PAR': 0x080, 'SETSYMLIST': 0x100,
}
SMFIP = {
    'NOCONNECT': 0x1, 'NOHELO': 0x2, 'NOMAIL': 0x4, 'NORCPT': 0x8,
    'NOBODY': 0x10, 'NOHDRS': 0x20, 'NOEOH': 0x40, 'NR_HDR': 0x80,
    'NOUNKNOWN': 0x100, 'NODATA': 0x200, 'SKIP': 0x400, 'RCPT_REJ': 0x800,
    'NR_CONN': 0x1000, 'NR_HELO': 0x2000, 'NR_MAIL': 0x4000,
    'NR_RCPT': 0x8000, 'NR_DATA': 0x10000, 'NR_UNKN': 0x20000,
    'NR_EOH': 0x40000, 'NR_BODY': 0x80000, 'HDR_LEADSPC': 0x100000,
    'MDS_256K': 0x10000000, 'MDS_1M': 0x20000000,
}
P = SMFIP
# What Postfix offers for milter_protocol = 6 (MILTER8_V6_PROTO_MASK).
POSTFIX_V6_EVENTS = (P['NOCONNECT'] | P['NOHELO'] | P['NOMAIL'] | P['NORCPT']
                     | P['NOBODY'] | P['NOHDRS'] | P['NOEOH'] | P['NOUNKNOWN']
                     | P['NODATA'] | P['SKIP'] | P['RCPT_REJ'] | P['NR_HDR']
                     | P['NR_CONN'] | P['NR_HELO'] | P['NR_MAIL']
                     | P['NR_RCPT'] | P['NR_DATA'] | P['NR_UNKN']
                     | P['NR_EOH'] | P['NR_BODY'] | P['HDR_LEADSPC'])
POSTFIX_ACTIONS = 0x1FF

# Event -> (name, SMFIP "don't send" flag, SMFIP "no reply" flag)
EVENTS = {
    'C': ('connect', P['NOCONNECT'], P['NR_CONN']),
    'H': ('helo', P['NOHELO'], P['NR_HELO']),
    'M': ('mail', P['NOMAIL'], P['NR_MAIL']),
    'R': ('rcpt', P['NORCPT'], P['NR_RCPT']),
    'T': ('data', P['NODATA'], P['NR_DATA']),
    'L': ('header', P['NOHDRS'], P['NR_HDR']),
    'N': ('eoh', P['NOEOH'], P['NR_EOH']),
    'B': ('body', P['NOBODY'], P['NR_BODY']),
    'E': ('eom', 0, 0),
}
REPLIES = {
    'c': 'continue', 'a': 'accept', 'r': 'reject', 't': 'tempfail',
    'd': 'discard', 's': 'skip', 'y': 'replycode', 'p': 'progress',
    '4': 'shutdown', 'f': 'connfail', 'q': 'quarantine',
    'h': 'addheader', 'i': 'insheader', 'm': 'chgheader', 'b': 'replbody',
    '+': 'addrcpt', '-': 'delrcpt', '2': 'addrcpt_par', 'e': 'chgfrom',
    'l': 'setsymlist', 'O': 'optneg',
}
FINAL = ('continue', 'accept', 'reject', 'tempfail', 'discard', 'replycode',
         'shutdown', 'connfail')
# The action flag each edit needs (libmilter refuses edits without it).
EDIT_FLAG = {
    'addheader': 'ADDHDRS', 'insheader': 'ADDHDRS', 'chgheader': 'CHGHDRS',
    'replbody': 'CHGBODY', 'addrcpt': 'ADDRCPT', 'delrcpt': 'DELRCPT',
    'addrcpt_par': 'ADDRCPT_PAR', 'chgfrom': 'CHGFROM',
    'quarantine': 'QUARANTINE',
}
# Postfix's default milter_*_macros (Postfix 3.7), by event.
POSTFIX_MACROS = {
    'C': ['j', '{daemon_name}', '{daemon_addr}', 'v', '_'],
    'H': ['{tls_version}', '{cipher}', '{cipher_bits}', '{cert_subject}',
          '{cert_issuer}'],
    'M': ['i', '{auth_type}', '{auth_authen}', '{auth_author}', '{mail_addr}',
          '{mail_host}', '{mail_mailer}'],
    'R': ['i', '{rcpt_addr}', '{rcpt_host}', '{rcpt_mailer}'],
    'T': ['i'],
    'L': ['i'],        # headers use the end-of-header macros
    'N': ['i'],
    'B': ['i'],        # body chunks use the end-of-data macros
    'E': ['i'],
}
SYMLIST_STAGE = {0: 'C', 1: 'H', 2: 'M', 3: 'R', 4: 'T', 5: 'E', 6: 'N'}


def flag_names(table, mask):
    names = [k for k, v in sorted(table.items(), key=lambda kv: kv[1])
             if mask & v]
    rest = mask & ~sum(table.values())
    if rest:
        names.append('0x%x' % rest)
    return names


class MilterError(Exception):
    """Protocol or I/O failure talking to the milter."""


# --- the message as Postfix holds it ----------------------------------------

def _header_label(line):
    """Length of the header label if line is a header (Postfix is_header()),
    with the offset of its colon; else None."""
    n = 0
    i = 0
    while i < len(line):
        c = line[i]
        if c == 0x3a:                      # ':'
            return (n, i) if n else None
        if c in (0x20, 0x09):
            if n == 0:
                return None
            while i < len(line) and line[i] in (0x20, 0x09):
                i += 1
            if i < len(line) and line[i] == 0x3a:
                return (n, i)
            return None
        if c < 0x21 or c > 0x7e:
            return None
        n += 1
        i += 1
    return None


class Message:
    """A message split the way Postfix splits it for a milter.

    headers: list of [name, value, raw] (bytes); value is everything after
    the colon, continuation lines joined with b'\\n', no CR, no final line
    end; raw is the whole header the same way (what Postfix stores).
    body: bytes with CRLF line ends.
    """

    def __init__(self, headers, body, dropped_from_line=None):
        self.headers = headers
        self.body = body
        self.dropped_from_line = dropped_from_line

    @classmethod
    def parse(cls, data, keep_from_line=False):
        lines = data.split(b'\n')
        if lines and lines[-1] == b'':
            lines.pop()                    # the file's last LF
        lines = [ln[:-1] if ln.endswith(b'\r') else ln for ln in lines]
        dropped = None
        if lines and lines[0].startswith(b'From ') and not keep_from_line:
            dropped = lines.pop(0)
        headers = []
        i = 0
        while i < len(lines):
            ln = lines[i]
            if ln == b'':
                i += 1                     # the empty line is no body line
                break
            if ln[:1] in (b' ', b'\t') and headers:
                headers[-1][1] += b'\n' + ln
                headers[-1][2] += b'\n' + ln
                i += 1
                continue
            lab = _header_label(ln)
            if lab is None:
                break                      # this line starts the body
            n, colon = lab
            headers.append([ln[:n], ln[colon + 1:], ln])
            i += 1
        body = b''.join(ln + b'\r\n' for ln in lines[i:])
        return cls(headers, body, dropped)

    def header_value_sent(self, value, leadspc):
        """The value as Postfix puts it in SMFIC_HEADER."""
        if not leadspc and value.startswith(b' '):
            return value[1:]
        return value


def wire_bytes(msg, leadspc):
    """The message as the milter was handed it, put together the way the
    spec says the milter does: Name ":" value CRLF (a space after the colon
    when HDR_LEADSPC was not negotiated, as Postfix ate it), the folded
    lines' LF as CRLF, an empty line, the CRLF body."""
    out = []
    for name, value, _ in msg.headers:
        v = msg.header_value_sent(value, leadspc)
        if not leadspc:
            v = b' ' + v
        out.append(name + b':' + v.replace(b'\n', b'\r\n') + b'\r\n')
    out.append(b'\r\n')
    out.append(msg.body)
    return b''.join(out)


# --- wire format --------------------------------------------------------------

def _cstr(s):
    if isinstance(s, str):
        s = s.encode('utf-8', 'surrogateescape')
    return s + b'\0'


def parse_socket(spec):
    if spec.startswith('/'):
        return socket.AF_UNIX, spec
    kind, _, rest = spec.partition(':')
    if kind in ('unix', 'local'):
        return socket.AF_UNIX, rest
    if kind in ('inet', 'inet6'):
        fam = socket.AF_INET if kind == 'inet' else socket.AF_INET6
        if '@' in rest:
            port, _, host = rest.partition('@')
        elif ':' in rest:                   # Postfix style inet:host:port
            host, _, port = rest.rpartition(':')
        else:
            port, host = rest, ('127.0.0.1' if kind == 'inet' else '::1')
        return fam, (host.strip('[]'), int(port))
    raise MilterError('bad socket specification: %r' % spec)


class MilterClient:
    """One connection to a milter.  Events are recorded in self.log."""

    def __init__(self, spec, timeout=30.0, version=SMFI_VERSION,
                 actions=POSTFIX_ACTIONS, protocol=POSTFIX_V6_EVENTS):
        self.spec = spec
        self.timeout = timeout
        self.offer = (version, actions, protocol)
        self.sock = None
        self.version = self.actions = self.protocol = None
        self.symlists = {}
        self.log = []          # list of dicts: what happened, in order
        self.result = None     # the Result of the transaction under way
        self.warnings = []
        self.bytes_sent = 0

    # low level
    def connect(self):
        fam, addr = parse_socket(self.spec)
        s = socket.socket(fam, socket.SOCK_STREAM)
        if fam != socket.AF_UNIX:
            # Postfix writes a macro packet and its command separately too,
            # but with Nagle off; without it each pair waits ~40 ms.
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(self.timeout)
        try:
            s.connect(addr)
        except OSError as e:
            s.close()
            raise MilterError('connect to %s: %s' % (self.spec, e))
        self.sock = s

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def _check_unexpected(self, before):
        """A milter that answers a step it said it would not answer leaves
        bytes we never asked for; look before each write."""
        try:
            r, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return
        if r:
            try:
                peek = self.sock.recv(5, socket.MSG_PEEK)
            except OSError:
                return
            if len(peek) == 0:
                raise MilterError('milter closed the connection before %s'
                                  % before)
            if len(peek) == 5:
                self.warnings.append(
                    'unexpected data from the milter before %s: packet %r'
                    % (before, chr(peek[4])))

    def send(self, cmd, data=b''):
        pkt = struct.pack('>I', len(data) + 1) + cmd.encode() + data
        try:
            self.sock.sendall(pkt)
        except OSError as e:
            raise MilterError('write %s: %s' % (cmd, e))
        self.bytes_sent += len(pkt)

    def _recvn(self, n, what):
        buf = b''
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except socket.timeout:
                raise MilterError('timeout (%gs) waiting for %s'
                                  % (self.timeout, what))
            except OSError as e:
                raise MilterError('read %s: %s' % (what, e))
            if not chunk:
                raise MilterError('EOF from the milter while reading %s'
                                  % what)
            buf += chunk
        return buf

    def recv(self, what):
        (n,) = struct.unpack('>I', self._recvn(4, what))
        if n < 1 or n > 0x7fffffff // 2:
            raise MilterError('bad packet length %d in %s' % (n, what))
        body = self._recvn(n, what)
        return chr(body[0]), body[1:]

    # negotiation
    def negotiate(self):
        v, a, p = self.offer
        self.send('O', struct.pack('>III', v, a, p))
        cmd, data = self.recv('the SMFIC_OPTNEG reply')
        if cmd != 'O' or len(data) < 12:
            raise MilterError('bad negotiation reply %r (%d bytes)'
                              % (cmd, len(data)))
        self.version, self.actions, self.protocol = struct.unpack(
            '>III', data[:12])
        if self.version > v:
            raise MilterError('milter protocol version %d > %d'
                              % (self.version, v))
        if self.actions & ~a:
            raise MilterError('request mask 0x%x conflicts with 0x%x'
                              % (self.actions, a))
        if self.protocol & ~p & ~(P['MDS_256K'] | P['MDS_1M']):
            self.warnings.append('milter asked for protocol bits not offered:'
                                 ' 0x%x' % (self.protocol & ~p))
        rest = data[12:]
        while len(rest) >= 4:
            (stage,) = struct.unpack('>I', rest[:4])
            end = rest.find(b'\0', 4)
            if end < 0:
                raise MilterError('unterminated macro list in negotiation')
            names = rest[4:end].decode('ascii', 'replace').split()
            self.symlists[SYMLIST_STAGE.get(stage, str(stage))] = names
            rest = rest[end + 1:]
        return self.negotiated()

    def negotiated(self):
        return {
            'version': self.version,
            'actions': '0x%x' % self.actions,
            'action_names': flag_names(SMFIF, self.actions),
            'protocol': '0x%x' % self.protocol,
            'protocol_names': flag_names(SMFIP, self.protocol),
            'symlists': self.symlists,
            'offered': {'version': self.offer[0],
                        'actions': '0x%x' % self.offer[1],
                        'protocol': '0x%x' % self.offer[2]},
        }

    def has(self, name):
        return bool(self.protocol & SMFIP[name])

    # one event
    def macros(self, ev, values):
        names = self.symlists.get(ev, POSTFIX_MACROS.get(ev, []))
        data = b''
        for n in names:
            key = n if n in values else n.strip('{}')
            if key in values and values[key] is not None:
                data += _cstr(n) + _cstr(values[key])
        if data:
            self.send('D', ev.encode() + data)

    def event(self, ev, data, macros, eom_edits=None):
        """Send event ev as Postfix would.  Returns the final reply name,
        None when no reply is expected, or 'skipped' when the milter
        negotiated the step away."""
        name, noflag, nrflag = EVENTS[ev]
        self._check_unexpected(name)
        self.macros(ev, macros)
        if noflag and self.protocol & noflag:
            return 'skipped'
        self.send(ev, data)
        if nrflag and self.protocol & nrflag:
            return None
        while True:
            cmd, rdata = self.recv('the reply to %s' % name)
            rname = REPLIES.get(cmd, 'unknown(%r)' % cmd)
            if rname == 'progress':
                self.log.append({'step': name, 'reply': 'progress'})
                continue
            if rname in ('continue', 'accept', 'reject', 'tempfail',
                         'discard', 'skip', 'shutdown', 'connfail'):
                if rdata:
                    raise MilterError('reply %s to %s carries %d bytes'
                                      % (rname, name, len(rdata)))
                if rname == 'skip' and not self.has('SKIP'):
                    self.warnings.append('SMFIR_SKIP without SMFIP_SKIP')
                return rname
            if rname == 'replycode':
                text = rdata.rstrip(b'\0').decode('utf-8', 'replace')
                self.log.append({'step': name, 'replycode': text})
                return 'replycode'
            if eom_edits is not None and rname in (
                    'addheader', 'insheader', 'chgheader', 'replbody',
                    'addrcpt', 'delrcpt', 'addrcpt_par', 'chgfrom',
                    'quarantine'):
                eom_edits.append((rname, rdata))
                continue
            raise MilterError('unexpected reply %s after %s' % (rname, name))


# --- applying edits the way Postfix's cleanup does ----------------------------

def decode_edit(kind, data):
    """Edit packet -> dict (bytes values kept as latin-1-safe text)."""
    def s(b):
        return b.decode('utf-8', 'surrogateescape')
    if kind in ('chgheader', 'insheader'):
        (idx,) = struct.unpack('>I', data[:4])
        name, value = (data[4:].split(b'\0') + [b'', b''])[:2]
        return {'type': kind, 'index': idx, 'name': s(name), 'value': s(value),
                '_name': name, '_value': value}
    if kind == 'addheader':
        name, value = (data.split(b'\0') + [b'', b''])[:2]
        return {'type': kind, 'name': s(name), 'value': s(value),
                '_name': name, '_value': value}
    if kind == 'replbody':
        return {'type': kind, 'size': len(data), '_data': data}
    args = [s(x) for x in data.split(b'\0') if x]
    return {'type': kind, 'args': args}


class Result:
    """What came of one message."""

    def __init__(self, msg):
        self.msg = msg
        self.steps = []
        self.final = None
        self.stopped_at = None
        self.edits = []
        self.errors = []         # what Postfix would call an error
        self.body_chunks = []    # sizes sent
        self.headers_sent = 0
        self.disconnected = False
        self.output = None

    def replbody_info(self):
        idx = [i for i, e in enumerate(self.edits) if e['type'] == 'replbody']
        sizes = [self.edits[i]['size'] for i in idx]
        between = []
        if idx:
            for e in self.edits[idx[0]:idx[-1] + 1]:
                if e['type'] != 'replbody':
                    between.append(e['type'])
        return {'packets': len(idx), 'sizes': sizes, 'total': sum(sizes),
                'back_to_back': not between and (
                    not idx or idx[-1] - idx[0] + 1 == len(idx)),
                'between': between,
                'ends_with_crlf': (b''.join(self.edits[i]['_data'] for i in idx)
                                   .endswith(b'\r\n')) if idx else None}


def apply_edits(msg, edits, leadspc, errors):
    """Postfix cleanup semantics; returns (headers, body) where headers is
    a list of raw header texts (name ':' value, LF inside folded ones)."""
    space = b'' if leadspc else b' '
    hdrs = [[n, raw] for n, _, raw in msg.headers]
    body = None
    body_lines = None
    seen_other_after_body = False
    started = False
    for e in edits:
        t = e['type']
        if t == 'replbody':
            if seen_other_after_body:
                errors.append("body replacement requests can't currently be"
                              " mixed with other requests")
                return hdrs, body, True
            if body_lines is None:
                body_lines = [b'']
            started = True
            parts = e['_data'].split(b'\n')
            body_lines[-1] += parts[0]
            body_lines.extend(parts[1:])
            continue
        if started:
            seen_other_after_body = True
        if t == 'addheader':
            hdrs.append([e['_name'], e['_name'] + b':' + space + e['_value']])
        elif t == 'chgheader':
            idx = e['index'] or 1
            if idx >= 0x80000000:
                errors.append('bad change header index: %d' % idx)
                return hdrs, body, True
            if not e['_name']:
                errors.append('null change header name')
                return hdrs, body, True
            lname = e['_name'].lower()
            pos = [k for k, h in enumerate(hdrs) if h[0].lower() == lname]
            if idx <= len(pos):
                k = pos[idx - 1]
                if e['_value']:
                    hdrs[k] = [e['_name'],
                               e['_name'] + b':' + space + e['_value']]
                else:
                    del hdrs[k]
            elif e['_value']:
                hdrs.append([e['_name'],
                             e['_name'] + b':' + space + e['_value']])
        elif t == 'insheader':
            idx = min(e['index'], len(hdrs))
            hdrs.insert(idx, [e['_name'],
                              e['_name'] + b':' + space + e['_value']])
    if body_lines is not None:
        # split at LF, drop the CR before it; a last unterminated line counts
        lines = body_lines
        if lines[-1] == b'':
            lines = lines[:-1]
        body = b''.join((ln[:-1] if ln.endswith(b'\r') else ln) + b'\r\n'
                        for ln in lines)
    return hdrs, body, False


def render(hdrs, body, lf=False):
    eol = b'\n' if lf else b'\r\n'
    out = []
    for _, text in hdrs:
        for ln in text.split(b'\n'):
            out.append(ln + eol)
    out.append(eol)
    if lf:
        body = body.replace(b'\r\n', b'\n')
    out.append(body)
    return b''.join(out)


# --- one transaction ----------------------------------------------------------

def default_macros(sender, rcpt, user):
    m = {'j': 'mta.test', '{daemon_name}': 'mta.test',
         '{daemon_addr}': '127.0.0.1', 'v': 'Postfix 3.7.11',
         '_': 'localhost [127.0.0.1]'}
    addr = sender.strip('<>')
    m['{mail_addr}'] = addr
    m['{mail_mailer}'] = 'smtp' if addr else 'local'
    m['{rcpt_addr}'] = rcpt.strip('<>') if rcpt else None
    m['{rcpt_mailer}'] = 'local'
    m.update(user)
    return m


def envelope_arg(a):
    """MAIL/RCPT argument: '' and '<...>' verbatim (Postfix's own bounces
    give ''; SMTP gives '<>'); a bare address is put in brackets."""
    if a == '' or a.startswith('<'):
        return a
    return '<%s>' % a


def transact(client, msg, sender='', rcpts=('postmaster@sink.test',),
             macros=None, chunk=MILTER_CHUNK_SIZE, hooks=None):
    """Run one message over a negotiated connection.  hooks: dict with
    optional 'after_chunk' callable(n) -> 'disconnect' or None."""
    hooks = hooks or {}
    r = Result(msg)
    client.result = r          # so that a failure still shows the steps
    mv = default_macros(sender, rcpts[0] if rcpts else '', macros or {})
    leadspc = client.has('HDR_LEADSPC')

    def step(ev, data, label=None, edits=None):
        t0 = time.monotonic()
        rec = {'step': label or EVENTS[ev][0], 'reply': 'ERROR'}
        r.steps.append(rec)
        rep = client.event(ev, data, mv, edits)
        rec['reply'] = rep
        rec['ms'] = round((time.monotonic() - t0) * 1000, 2)
        return rep

    def done(rep, where):
        if rep in ('accept', 'reject', 'tempfail', 'discard', 'replycode',
                   'shutdown', 'connfail'):
            r.final = rep
            r.stopped_at = where
            return True
        return False

    fam = b'4'
    if done(step('C', _cstr('localhost') + fam + struct.pack('>H', 0)
                 + _cstr('127.0.0.1')), 'connect'):
        return r
    if done(step('H', _cstr('localhost')), 'helo'):
        return r
    if done(step('M', _cstr(envelope_arg(sender))), 'mail'):
        return r
    kept = 0
    for rc in rcpts:
        rep = step('R', _cstr(envelope_arg(rc)), 'rcpt')
        if rep in ('accept', 'discard', 'shutdown', 'connfail'):
            done(rep, 'rcpt')  # these end the whole transaction
            return r
        if rep in ('continue', 'skipped', None, 'skip'):
            kept += 1          # a refused recipient only drops itself
    if not kept:
        r.final = 'reject'
        r.stopped_at = 'rcpt (no recipient left)'
        return r
    if done(step('T', b''), 'data'):
        return r
    # headers: a reply other than continue ends them (skip skips them)
    skip_hdrs = False
    for name, value, _ in msg.headers:
        if skip_hdrs:
            break
        rep = step('L', _cstr(name) + _cstr(msg.header_value_sent(value,
                                                                  leadspc)))
        if rep != 'skipped':
            r.headers_sent += 1
        if done(rep, 'header'):
            return r
        if rep == 'skip':
            skip_hdrs = True
    if done(step('N', b''), 'eoh'):
        return r
    body = msg.body
    if not client.has('NOBODY'):
        n = 0
        for off in range(0, len(body), chunk):
            piece = body[off:off + chunk]
            r.body_chunks.append(len(piece))
            rep = step('B', piece)
            n += 1
            if done(rep, 'body'):
                return r
            if rep == 'skip':
                break
            cb = hooks.get('after_chunk')
            if cb and cb(n) == 'disconnect':
                r.disconnected = True
                r.stopped_at = 'body (client hung up)'
                return r
    raw_edits = []
    rep = step('E', b'', 'eom', raw_edits)
    r.final = rep
    r.stopped_at = 'eom'
    r.edits = [decode_edit(k, d) for k, d in raw_edits]
    for e in r.edits:
        need = EDIT_FLAG.get(e['type'])
        if need and not client.actions & SMFIF[need]:
            client.warnings.append('%s without SMFIF_%s negotiated'
                                   % (e['type'], need))
    return r


def run(spec, data, sender='', rcpts=('postmaster@sink.test',), macros=None,
        timeout=30.0, offer_protocol=POSTFIX_V6_EVENTS, chunk=MILTER_CHUNK_SIZE,
        hooks=None, keep_from_line=False, lf=False,
        offer_actions=POSTFIX_ACTIONS):
    """Connect, negotiate, send data as one message, QUIT.  Returns
    (output bytes or None, summary dict, Message)."""
    msg = Message.parse(data, keep_from_line)
    c = MilterClient(spec, timeout=timeout, protocol=offer_protocol,
                     actions=offer_actions)
    summary = {'socket': spec, 'sender': sender, 'rcpts': list(rcpts),
               'ok': False}
    r = None
    t0 = time.monotonic()
    try:
        c.connect()
        summary['negotiated'] = c.negotiate()
        transact(c, msg, sender, rcpts, macros, chunk, hooks)
        r = c.result
        if not r.disconnected:
            try:               # Postfix writes QUIT and reads nothing
                c._check_unexpected('quit')
                c.send('Q')
            except MilterError as e:
                c.warnings.append('at QUIT: %s' % e)
        summary['ok'] = True
    except MilterError as e:
        summary['error'] = str(e)
        r = c.result
        if r is not None:
            r.final = None
            r.stopped_at = 'error in %s' % (r.steps[-1]['step'] if r.steps
                                            else 'negotiation')
    finally:
        c.close()
    summary['ms'] = round((time.monotonic() - t0) * 1000, 2)
    summary['warnings'] = c.warnings
    out = None
    if r is not None:
        leadspc = c.has('HDR_LEADSPC')
        summary.update({
            'steps': r.steps,
            'final': r.final,
            'stopped_at': r.stopped_at,
            'headers_in_message': len(msg.headers),
            'headers_sent': r.headers_sent,
            'body_bytes': len(msg.body),
            'body_chunks_sent': r.body_chunks,
            'dropped_from_line': msg.dropped_from_line is not None,
            'edits': [{k: v for k, v in e.items() if not k.startswith('_')}
                      for e in r.edits],
            'replbody': r.replbody_info(),
            'disconnected': r.disconnected,
            'log': c.log,
        })
        changed = False
        if r.final in ('continue', 'accept') and not r.disconnected:
            errors = []
            hdrs, body, failed = apply_edits(msg, r.edits, leadspc, errors)
            summary['postfix_errors'] = errors
            if failed:
                # Postfix drops the milter (default action); treat the
                # message as unchanged but say so.
                hdrs, body = [[n, raw] for n, _, raw in msg.headers], None
            changed = bool(r.edits) and not failed
            out = render(hdrs, msg.body if body is None else body, lf)
        summary['changed'] = changed
    return out, summary, msg


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog='client.py',
        description='MTA side of the milter protocol, for tests.')
    ap.add_argument('socket')
    ap.add_argument('file')
    ap.add_argument('--from', dest='sender', default='',
                    help="envelope sender: '' (Postfix bounce), '<>' or ADDR")
    ap.add_argument('--rcpt', action='append', default=None)
    ap.add_argument('--macro', action='append', default=[],
                    metavar='NAME=VALUE')
    g = ap.add_mutually_exclusive_group()
    g.add_argument('--leadspc', dest='leadspc', action='store_true',
                   default=True, help='offer SMFIP_HDR_LEADSPC (default, as'
                   ' Postfix does)')
    g.add_argument('--no-leadspc', dest='leadspc', action='store_false',
                   help='do not offer SMFIP_HDR_LEADSPC')
    ap.add_argument('--offer', type=lambda x: int(x, 0), default=None,
                    help='protocol mask to offer (default Postfix v6)')
    ap.add_argument('--offer-actions', type=lambda x: int(x, 0),
                    default=POSTFIX_ACTIONS,
                    help='action mask to offer (default Postfix: 0x1ff)')
    ap.add_argument('--summary', help='write the JSON summary here')
    ap.add_argument('--wire', help='write the message as handed over here')
    ap.add_argument('--lf', action='store_true', help='LF line ends out')
    ap.add_argument('--chunk', type=int, default=MILTER_CHUNK_SIZE)
    ap.add_argument('--pause-after-chunk', type=int, default=0)
    ap.add_argument('--pause', type=float, default=0.0)
    ap.add_argument('--ready-file')
    ap.add_argument('--disconnect-after-chunk', type=int, default=0)
    ap.add_argument('--timeout', type=float, default=30.0)
    ap.add_argument('--keep-from-line', action='store_true')
    a = ap.parse_args(argv)
    if not 1 <= a.chunk <= MILTER_CHUNK_SIZE:
        ap.error('--chunk must be 1..65535')
    macros = {}
    for m in a.macro:
        k, eq, v = m.partition('=')
        if not eq or not k:
            ap.error('--macro wants NAME=VALUE')
        macros[k] = v
    offer = a.offer if a.offer is not None else POSTFIX_V6_EVENTS
    if not a.leadspc:
        offer &= ~P['HDR_LEADSPC']

    def after_chunk(n):
        if a.pause_after_chunk and n == a.pause_after_chunk:
            if a.ready_file:
                with open(a.ready_file, 'w') as f:
                    f.write('%d\n' % os.getpid())
            time.sleep(a.pause)
        if a.disconnect_after_chunk and n == a.disconnect_after_chunk:
            return 'disconnect'
        return None

    try:
        with open(a.file, 'rb') as f:
            data = f.read()
    except OSError as e:
        print('client.py: %s' % e, file=sys.stderr)
        return 2
    out, summary, msg = run(a.socket, data, a.sender,
                            a.rcpt or ['postmaster@sink.test'], macros,
                            a.timeout, offer, a.chunk,
                            {'after_chunk': after_chunk}, a.keep_from_line,
                            a.lf, a.offer_actions)
    if a.wire:
        neg = summary.get('negotiated')
        lead = bool(neg and 'HDR_LEADSPC' in neg['protocol_names'])
        with open(a.wire, 'wb') as f:
            f.write(wire_bytes(msg, lead))
    text = json.dumps(summary, indent=1, sort_keys=True)
    if a.summary:
        with open(a.summary, 'w') as f:
            f.write(text + '\n')
    else:
        print(text, file=sys.stderr)
    if out is not None:
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
    return 0 if summary['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
