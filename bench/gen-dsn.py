#!/usr/bin/env python3
"""Write a large multipart/report bounce for the benchmarks.

Usage: gen-dsn.py [--text-bytes N] [--recipients N] OUT_FILE

The message is what a busy relay sends when a mailing goes wrong: a
multipart/report (RFC 6522) with a text/plain human-readable part of
exactly --text-bytes bytes of bounce prose (default 4 MiB), a
message/delivery-status part with one block per recipient, and the
returned headers.  The recipients' statuses and diagnostics are drawn in
turn from a list of common failures (unknown user, full mailbox, refused
and timed-out connections, greylisting, IP reputation, TLS, DNS, ...), so
the rules are exercised as real traffic exercises them.

The human-readable text does not depend on the number of recipients: the
same --text-bytes give the same text, so a sweep over recipients changes
only the delivery-status part.  Deterministic (no clock, no randomness
beyond a fixed seed).  For the benchmarks only.
"""
import argparse
import random

HOST = "mx1.example.net"

# (action, status, remote MTA, diagnostic); {rcpt} is the address.
FAILURES = [
    ("failed", "5.1.1", "mx.example.org",
     "smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in "
     "virtual mailbox table"),
    ("failed", "5.2.2", "mail.example.com",
     "smtp; 552 5.2.2 <{rcpt}>: Mailbox full, quota exceeded"),
    ("delayed", "4.4.1", "mx2.example.org",
     "X-Postfix; connect to mx2.example.org[192.0.2.25]:25: Connection refused"),
    ("failed", "4.4.7", "mx3.example.org",
     "X-Postfix; delivery temporarily suspended: connect to "
     "mx3.example.org[192.0.2.31]:25: Connection timed out"),
    ("delayed", "4.7.1", "mx.example.info",
     "smtp; 450 4.7.1 <{rcpt}>: Recipient address rejected: Greylisted, see "
     "http://postgrey.example.info/help.html"),
    ("failed", "5.7.1", "example-com.mail.protection.outlook.com",
     "smtp; 550 5.7.1 Service unavailable, Client host [198.51.100.7] blocked "
     "using Spamhaus. To request removal from this list see "
     "https://www.spamhaus.org/query/ip/198.51.100.7 (AS3130)"),
    ("delayed", "4.7.0", "gmail-smtp-in.l.google.com",
     "smtp; 421-4.7.0 Try again later, closing connection. (EHLO) "
     "For more information, go to https://support.google.com/mail/answer/7720"),
    ("failed", "5.1.2", None,
     "X-Postfix; Host or domain name not found. Name service error for "
     "name=example.invalid type=MX: Host not found"),
    ("delayed", "4.7.5", "mx.example.biz",
     "X-Postfix; Cannot start TLS: handshake failure"),
    ("failed", "5.3.4", "mx.example.edu",
     "smtp; 552 5.3.4 Message size exceeds fixed limit"),
    ("failed", "5.7.1", "relay.example.org",
     "smtp; 554 5.7.1 <{rcpt}>: Relay access denied"),
    ("failed", "5.7.26", "mx.example.net",
     "smtp; 550 5.7.26 This message does not have authentication information "
     "or fails to pass authentication checks (SPF or DKIM)"),
]

PROSE = [
    "This is the mail system at host {host}.",
    "I'm sorry to have to inform you that your message could not be "
    "delivered to one or more recipients. It's attached below.",
    "For further assistance, please send mail to postmaster. If you do so, "
    "please include this problem report. You can delete your own text from "
    "the attached returned message.",
    "The mail system",
    "<{user}@{domain}>: host {mx}[{ip}] said: {code} {status} {text} (in "
    "reply to RCPT TO command)",
    "<{user}@{domain}>: connect to {mx}[{ip}]:25: Connection timed out",
    "<{user}@{domain}>: delivery temporarily suspended: lost connection with "
    "{mx}[{ip}] while receiving the initial server greeting",
    "<{user}@{domain}>: Host or domain name not found. Name service error "
    "for name={domain} type=MX: Host not found, try again",
    "Your message was received at {date} and has been queued for {days} "
    "days. The system will keep trying to deliver it for another {left} "
    "hours; you do not need to send it again.",
    "Delivery to the following recipients has been delayed. The remote "
    "server did not accept the message in time; it said that the mailbox "
    "is temporarily unavailable.",
]

TEXTS = [
    ("550", "5.1.1", "User unknown"),
    ("452", "4.2.2", "Mailbox over quota, try again later"),
    ("421", "4.7.0", "Too many connections from your IP"),
    ("554", "5.7.1", "Message rejected as spam by content filter"),
    ("450", "4.7.1", "Greylisted, please retry in 300 seconds"),
]


def prose(size, rng):
    """Exactly size bytes of bounce text, CRLF lines of at most 76 bytes."""
    out = []
    total = 0
    while total < size:
        code, status, text = rng.choice(TEXTS)
        para = rng.choice(PROSE).format(
            host=HOST, user="user%d" % rng.randrange(100000),
            domain="example%d.org" % rng.randrange(500),
            mx="mx%d.example%d.org" % (rng.randrange(4), rng.randrange(500)),
            ip="192.0.2.%d" % rng.randrange(1, 255), code=code,
            status=status, text=text, date="Mon, 23 Nov 2026 18:%02d:00 +0000"
            % rng.randrange(60), days=rng.randrange(1, 5),
            left=rng.randrange(1, 72))
        line = ""
        for word in para.split(" "):
            if line and len(line) + 1 + len(word) > 76:
                out.append(line + "\r\n")
                total += len(line) + 2
                line = word
            else:
                line = word if not line else line + " " + word
        out.append(line + "\r\n\r\n")
        total += len(line) + 4
    text = "".join(out)
    # Cut on a line end, then pad the last line to the exact size.
    cut = text[:size - 2]
    cut = cut[:cut.rfind("\r\n") + 2]
    return cut + "x" * (size - len(cut) - 2) + "\r\n"


def recipient_block(i):
    action, status, remote, diag = FAILURES[i % len(FAILURES)]
    rcpt = "user%d@example%d.org" % (i, i % 97)
    lines = ["Final-Recipient: rfc822; " + rcpt,
             "Original-Recipient: rfc822;" + rcpt,
             "Action: " + action,
             "Status: " + status]
    if remote:
        lines.append("Remote-MTA: dns; " + remote)
    lines.append("Diagnostic-Code: " + diag.format(rcpt=rcpt))
    lines.append("Last-Attempt-Date: Tue, 24 Nov 2026 06:%02d:%02d +0000"
                 % (i % 60, (i * 7) % 60))
    if action == "delayed":
        lines.append("Will-Retry-Until: Sat, 28 Nov 2026 18:00:00 +0000")
    return "\r\n".join(lines) + "\r\n"


def message(text_bytes, recipients):
    boundary = "bench.%d.%d/%s" % (text_bytes, recipients, HOST)
    text = prose(text_bytes, random.Random(20261123))
    status = ("Reporting-MTA: dns; %s\r\nX-Postfix-Queue-ID: 4ZbQ1x0Gz3z9t\r\n"
              "X-Postfix-Sender: rfc822; news@example.com\r\n"
              "Arrival-Date: Mon, 23 Nov 2026 18:00:00 +0000\r\n\r\n" % HOST)
    status += "\r\n".join(recipient_block(i) for i in range(recipients))
    return "".join([
        "Return-Path: <>\r\n",
        "Received: by %s (Postfix) id 4ZbQ1x0Gz3z9t; "
        "Tue, 24 Nov 2026 06:00:00 +0000 (UTC)\r\n" % HOST,
        "Date: Tue, 24 Nov 2026 06:00:00 +0000 (UTC)\r\n",
        "From: MAILER-DAEMON@%s (Mail Delivery System)\r\n" % HOST,
        "Subject: Undelivered Mail Returned to Sender\r\n",
        "To: news@example.com\r\n",
        "Auto-Submitted: auto-replied\r\n",
        "MIME-Version: 1.0\r\n",
        "Content-Type: multipart/report; report-type=delivery-status;\r\n",
        "\tboundary=\"%s\"\r\n" % boundary,
        "Message-Id: <20261124060000.4ZbQ1x0Gz3z9t@%s>\r\n" % HOST,
        "\r\n",
        "This is a MIME-encapsulated message.\r\n\r\n",
        "--%s\r\n" % boundary,
        "Content-Description: Notification\r\n",
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n",
        text,
        "\r\n--%s\r\n" % boundary,
        "Content-Description: Delivery report\r\n",
        "Content-Type: message/delivery-status\r\n\r\n",
        status,
        "\r\n--%s\r\n" % boundary,
        "Content-Description: Undelivered Message Headers\r\n",
        "Content-Type: text/rfc822-headers\r\n\r\n",
        "From: News <news@example.com>\r\n",
        "To: subscribers@example.com\r\n",
        "Subject: November newsletter\r\n",
        "Message-Id: <newsletter-2026-11@example.com>\r\n",
        "\r\n--%s--\r\n" % boundary,
    ])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--text-bytes", type=int, default=4 << 20)
    ap.add_argument("--recipients", type=int, default=1)
    ap.add_argument("out")
    args = ap.parse_args()
    if args.text_bytes < 64 or args.recipients < 1:
        ap.error("--text-bytes must be at least 64, --recipients at least 1")
    with open(args.out, "w", encoding="ascii", newline="") as fh:
        fh.write(message(args.text_bytes, args.recipients))


if __name__ == "__main__":
    main()
