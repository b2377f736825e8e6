#!/usr/bin/env python3
"""make-seeds.py - seed corpora for the fuzz/ targets, made at run time

usage: make-seeds.py SRCDIR OUTDIR [CORPUS_DIR]

Writes OUTDIR/classify, rewrite, rules, settings and mlfi from what the
tree holds (tests/data, tests/rules-cases, rules/, the sample
configuration) and, when CORPUS_DIR (default SRCDIR/../shared/corpus)
exists, from its messages.  Nothing is copied into the tree: the corpora
are read where they are.  Large inputs (up to about 1 MiB) are made from
a sample so that the paths past 64 KiB are seeded too.

The mlfi seeds are the messages as the MTA hands them to the milter, in
the record format fuzz_mlfi.c reads; the rules seeds are rule
directories in the "==> NAME <==" layout fuzz_rules.c reads.
"""
import os
import re
import struct
import sys


def messages(src, corpus):
    """Every .eml of tests/data and every message file of the corpus."""
    found = []
    roots = [os.path.join(src, "tests", "data")]
    if corpus and os.path.isdir(corpus):
        roots.append(corpus)
    for root in roots:
        for d, _, files in sorted(os.walk(root)):
            for f in sorted(files):
                if f.endswith(".eml") or (root != roots[0]
                                          and "/eml" in d + "/"):
                    found.append(os.path.join(d, f))
    return found


def big_messages(sample):
    """A few inputs past the 64 KiB marks, up to just under 1 MiB."""
    with open(sample, "rb") as fp:
        msg = fp.read()
    head, _, body = msg.partition(b"\n\n")
    out = []
    # A long Diagnostic-Code (a field cut at 65,530 bytes).
    diag = b"Diagnostic-Code: smtp; 550 5.1.1 " + b"x" * 70000 + b" user unknown"
    out.append(msg.replace(b"Diagnostic-Code:", diag + b"\nX-Old-Diagnostic:", 1))
    # A returned message of about 900 KiB.
    out.append(msg + b"\n" + (b"padding line of the returned message\n" * 24000))
    # A header field over 64 KiB, folded.
    out.append(head + b"\nX-Long: " + b"\n ".join([b"a" * 70] * 1000)
               + b"\n\n" + body)
    return out


def mlfi_records(msg, leadspc, second):
    """The message as a milter sees it: negotiate, MAIL FROM:<>, one
    header callback per field, end of header, body chunks, end."""
    def rec(op, payload=b""):
        payload = payload[:65535]
        return bytes([op]) + struct.pack("<H", len(payload)) + payload

    out = bytes([1 if second else 0])
    steps = 0x3fffff if leadspc else 0x3fffff & ~0x100000
    out += rec(0, struct.pack("<II", 0x1ff, steps))
    out += rec(8, b"4XyZ1abc")
    out += rec(1, b"<>")
    out += rec(7)
    msg = msg.replace(b"\r\n", b"\n")
    head, _, body = msg.partition(b"\n\n")
    fields = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\n" + line
        elif b":" in line:
            fields.append(line)
    for f in fields:
        name, _, value = f.partition(b":")
        if not leadspc and value.startswith(b" "):
            value = value[1:]
        out += rec(2, name + b"\0" + value)
    out += rec(3)
    body = body.replace(b"\n", b"\r\n")
    for i in range(0, len(body), 65535):
        out += rec(4, body[i:i + 65535])
    out += rec(5)
    return out


def rule_dirs(src):
    """Each rule-case directory, and each shipped rule file alone."""
    out = []
    cases = os.path.join(src, "tests", "rules-cases")
    dirs = [os.path.join(cases, d) for d in sorted(os.listdir(cases))]
    dirs += [os.path.join(src, "tests", "data", "rules", d)
             for d in ("good", "bad")]
    for d in dirs:
        text = b""
        for sub, prefix in ((d, b""), (os.path.join(d, "site"), b"site/")):
            if not os.path.isdir(sub):
                continue
            for f in sorted(os.listdir(sub)):
                if f.endswith(".json"):
                    with open(os.path.join(sub, f), "rb") as fp:
                        text += b"==> " + prefix + f.encode() + b" <==\n" + fp.read()
        if text:
            out.append(text)
    rules = os.path.join(src, "rules")
    for f in sorted(os.listdir(rules)):
        if f.endswith(".json") and f != "causes.json":
            with open(os.path.join(rules, f), "rb") as fp:
                out.append(b"==> " + f.encode() + b" <==\n" + fp.read())
    return out


def settings(src):
    with open(os.path.join(src, "contrib", "dsnexplain-milter.conf.in"),
              "rb") as fp:
        conf = fp.read()
    conf = re.sub(rb"@[A-Za-z_]+@", b"/var/lib/x", conf)
    live = re.sub(rb"(?m)^#([A-Z])", rb"\1", conf)
    out = [conf, live]
    for line in live.split(b"\n"):
        if line[:1].isalpha():
            out.append(line + b"\n")
    out += [b"TimeZone Europe/Berlin\n", b"TimeZone +05:30\n",
            b"Socket inet:8891@127.0.0.1\nSocketMode 0600\n",
            b"MaximumSize 1G\nBodyChunkSize 65535\nMatchBudget 0\n",
            b"UserID nobody:nogroup\nSyslogFacility local7\n"]
    return out


def write(outdir, name, seeds):
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    for i, s in enumerate(seeds):
        with open(os.path.join(d, "seed-%04d" % i), "wb") as fp:
            fp.write(s)
    return len(seeds)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.split("\n\n")[1])
    src, outdir = sys.argv[1], sys.argv[2]
    corpus = sys.argv[3] if len(sys.argv) == 4 else os.path.join(
        src, "..", "shared", "corpus")
    msgs = []
    for path in messages(src, corpus):
        with open(path, "rb") as fp:
            data = fp.read()
        if len(data) <= 1 << 20:
            msgs.append(data)
    sample = os.path.join(src, "tests", "data", "samples",
                          "postfix-user-unknown-5.1.1.eml")
    msgs += big_messages(sample)
    regress = os.path.join(src, "tests", "data", "fuzz-regress")
    counts = {}
    counts["classify"] = write(outdir, "classify", msgs)
    counts["rewrite"] = write(outdir, "rewrite", msgs)
    counts["mlfi"] = write(outdir, "mlfi", [
        mlfi_records(m, i % 2 == 0, i % 3 == 0) for i, m in enumerate(msgs)])
    counts["rules"] = write(outdir, "rules", rule_dirs(src))
    counts["settings"] = write(outdir, "settings", settings(src))
    # The regression inputs seed their own target too.
    if os.path.isdir(regress):
        for t in sorted(os.listdir(regress)):
            d = os.path.join(regress, t)
            if os.path.isdir(d) and t in counts:
                extra = []
                for f in sorted(os.listdir(d)):
                    with open(os.path.join(d, f), "rb") as fp:
                        extra.append(fp.read())
                for i, s in enumerate(extra):
                    with open(os.path.join(outdir, t, "regress-%04d" % i),
                              "wb") as fp:
                        fp.write(s)
                counts[t] += len(extra)
    print("seeds: " + ", ".join("%s %d" % kv for kv in sorted(counts.items())))


main()
