#!/usr/bin/env python3
"""send.py - submit test messages over SMTP to a loopback MTA.

usage: send.py [--host H] [--port P] [--from ADDR] --to ADDR [--to ADDR...]
               [--notify LIST] [--orcpt ADDR] [--ret FULL|HDRS] [--envid ID]
               [--subject S] [--no-crlf] [--each-to] [FILE ...]

--from '' sends MAIL FROM:<> (the default sender is test@sink.test).
Without FILE a small text/plain message is generated (From/To/Subject/
Date/Message-ID).  With FILEs, each file is sent as is, one transaction per
file in one session; its line ends are first turned into CRLF (CRLF and bare
LF both become CRLF; a bare CR is left alone) unless --no-crlf, and a final
line end is added when missing.  --each-to pairs the Nth FILE with the Nth
--to (otherwise every FILE goes to all --to addresses).  BODY=8BITMIME is
given when the message has 8-bit bytes and the server offers 8BITMIME.
Prints one line per transaction ("sent FILE -> RCPT: 250 ...") and exits 1
when any transaction is refused.  It does no TLS/AUTH and never resolves a
name: use 127.0.0.1.
"""
import argparse
import email.utils
import re
import smtplib
import sys


def to_crlf(data):
    data = re.sub(rb"\r?\n", b"\r\n", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


def generated(sender, rcpt, subject):
    return ("From: Test Sender <%s>\r\nTo: <%s>\r\nSubject: %s\r\n"
            "Date: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            "Hello,\r\n\r\nthis is a test message for dsnexplain.\r\n"
            "It ends with this line.\r\n") % (
        sender or "MAILER-DAEMON@sink.test", rcpt,
        subject or ("test message to " + rcpt),
        email.utils.formatdate(localtime=False),
        email.utils.make_msgid(domain="sink.test"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=10025)
    ap.add_argument("--from", dest="sender", default="test@sink.test")
    ap.add_argument("--to", action="append", required=True)
    ap.add_argument("--notify")
    ap.add_argument("--orcpt", action="store_true",
                    help="give ORCPT=rfc822;RCPT for each recipient")
    ap.add_argument("--ret")
    ap.add_argument("--envid")
    ap.add_argument("--subject")
    ap.add_argument("--no-crlf", action="store_true")
    ap.add_argument("--each-to", action="store_true")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    if a.each_to and len(a.files) != len(a.to):
        ap.error("--each-to needs as many --to as FILEs")

    jobs = []   # (label, rcpts, bytes)
    if not a.files:
        for r in a.to:
            jobs.append(("generated", [r],
                         generated(a.sender, r, a.subject).encode()))
    for i, fn in enumerate(a.files):
        with open(fn, "rb") as f:
            data = f.read()
        if not a.no_crlf:
            data = to_crlf(data)
        jobs.append((fn, [a.to[i]] if a.each_to else a.to, data))

    bad = 0
    with smtplib.SMTP(a.host, a.port, local_hostname="client.test",
                      timeout=60) as s:
        s.ehlo()
        dsn = a.notify or a.ret or a.envid or a.orcpt
        if dsn and not s.has_extn("dsn"):
            sys.exit("send.py: the server offers no DSN extension")
        for label, rcpts, data in jobs:
            mo = []
            if a.envid:
                mo.append("ENVID=" + a.envid)
            if a.ret:
                mo.append("RET=" + a.ret)
            if re.search(rb"[\x80-\xff]", data) and s.has_extn("8bitmime"):
                mo.append("BODY=8BITMIME")
            s.rset()
            code, resp = s.mail(a.sender, mo)
            if code != 250:
                print("refused MAIL FROM for %s: %d %s" % (label, code, resp))
                bad += 1
                continue
            ok = 0
            for r in rcpts:
                ro = []
                if a.notify:
                    ro.append("NOTIFY=" + a.notify)
                if a.orcpt:
                    ro.append("ORCPT=rfc822;" + r)
                code, resp = s.rcpt(r, ro)
                if code in (250, 251):
                    ok += 1
                else:
                    print("refused RCPT %s for %s: %d %s" % (r, label, code,
                                                             resp.decode()))
                    bad += 1
            if not ok:
                continue
            try:
                code, resp = s.data(data)
            except smtplib.SMTPDataError as e:
                code, resp = e.smtp_code, e.smtp_error
            if code != 250:
                bad += 1
            print("sent %s -> %s: %d %s" % (label, ",".join(rcpts), code,
                                           resp.decode("latin-1")))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
