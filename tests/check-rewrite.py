#!/usr/bin/env python3
"""Check `dsnexplain rewrite` on every message of the shared corpus.

Usage: check-rewrite.py [--lang LL] CLI RULES_DIR CORPUS_DIR...

For each *.eml below each CORPUS_DIR: rewrite it, then check that
 * Python's email package parses the result without defects (beyond those
   the original already had);
 * every header field of the original is still there, byte for byte, in
   the same order, and the only new fields are X-DSN-Explain (and, for a
   single-part bounce, MIME-Version, Content-Type and, for one without
   MIME declared UTF-8, Content-Transfer-Encoding; when one is wrapped in
   multipart/mixed, its old Content-Type and Content-Transfer-Encoding
   fields must stand, byte for byte, in the header of a body part);
 * every message/delivery-status, message/global-delivery-status,
   message/rfc822, message/global and text/rfc822-headers part of the
   original appears byte for byte in the result;
 * a rewritten message rewritten again is unchanged (idempotence).
Prints a summary line `rewrite: N messages, C changed, U unchanged, F failed`
and exits 1 if any check failed.
"""
import email
import email.policy
import os
import re
import subprocess
import sys
import tempfile

KEPT = {"message/delivery-status", "message/global-delivery-status",
        "message/rfc822", "message/global", "text/rfc822-headers",
        "message/global-headers"}


def header_block(raw):
    m = re.search(rb"\r?\n\r?\n|\r\r", raw)
    return raw[:m.start()] if m else raw


def fields(block):
    """Raw header fields, folded lines kept, in order."""
    out = []
    for line in re.split(rb"(?<=\n)", block):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += line
        else:
            out.append(line)
    return [f.rstrip(b"\r\n") for f in out]


def split_raw(raw, out, depth=0):
    """Collects the raw bytes of every kept part below raw (a whole part:
    header and body), splitting multiparts on their boundary lines
    ourselves, so the check does not trust any MIME library's offsets."""
    if depth > 20:
        return
    m = re.search(rb"\r?\n\r?\n|\r\r", raw)
    head = raw[:m.start()] if m else raw
    body = raw[m.end():] if m else b""
    msg = email.message_from_bytes(head + b"\n\n", policy=email.policy.compat32)
    ctype = msg.get_content_type()
    if ctype in KEPT:
        out.append(raw)
        if ctype in ("message/rfc822", "message/global"):
            split_raw(body, out, depth + 1)
        return
    if msg.get_content_maintype() != "multipart" or not msg.get_boundary():
        return
    delim = re.escape(b"--" + msg.get_boundary().encode("utf-8", "surrogateescape"))
    pieces = re.split(rb"(?:\r\n|\n|\r|^)" + delim + rb"(?:--)?[ \t]*(?=\r?\n|\r|$)", body)
    for piece in pieces[1:-1] if len(pieces) > 2 else []:
        piece = re.sub(rb"^[ \t]*(\r\n|\n|\r)", b"", piece, count=1)
        split_raw(piece, out, depth + 1)


def kept_parts(raw):
    out = []
    split_raw(raw, out)
    return out


LANG = []


def moved(field, out):
    """A Content-Type or Content-Transfer-Encoding field of a wrapped
    single-part bounce: found again, whole, as a line of the new body."""
    name = field.split(b":", 1)[0].strip().lower()
    if name not in (b"content-type", b"content-transfer-encoding"):
        return False
    body = out[len(header_block(out)):]
    return re.search(rb"(?:\r\n|\n|\r)" + re.escape(field) + rb"(?:\r\n|\n|\r)",
                     body) is not None


def run(cli, rules, path):
    p = subprocess.run([cli, "rewrite", "--rules", rules] + LANG + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def main():
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "--lang":
        LANG[:] = ["--lang", args[1]]
        args = args[2:]
    if len(args) < 3:
        sys.exit(__doc__)
    cli, rules, dirs = args[0], args[1], args[2:]
    files = []
    for d in dirs:
        for root, _, names in os.walk(d):
            files += [os.path.join(root, n) for n in sorted(names) if n.endswith(".eml")]
    changed = unchanged = failed = kept = 0
    for path in sorted(files):
        orig = open(path, "rb").read()
        rc, out, err = run(cli, rules, path)
        problems = []
        if rc != 0:
            problems.append("exit %d: %s" % (rc, err.strip()))
        elif out == orig:
            unchanged += 1
        else:
            changed += 1
            new = email.message_from_bytes(out, policy=email.policy.default)
            old = email.message_from_bytes(orig, policy=email.policy.default)
            old_defects = sum(len(p.defects) for p in old.walk())
            new_defects = sum(len(p.defects) for p in new.walk())
            if new_defects > old_defects:
                problems.append("email package found %d defects (original %d): %s"
                                % (new_defects, old_defects,
                                   [str(d) for p in new.walk() for d in p.defects][:3]))
            of, nf = fields(header_block(orig)), fields(header_block(out))
            added = [f for f in nf if f not in of]
            of = [f for f in of if f in nf or not moved(f, out)]
            if [f for f in nf if f in of] != of:
                problems.append("original header fields changed or reordered")
            for f in added:
                name = f.split(b":", 1)[0].lower()
                if name not in (b"x-dsn-explain", b"mime-version", b"content-type",
                                b"content-transfer-encoding"):
                    problems.append("unexpected new header field %r" % f[:60])
            if len([f for f in added if f.lower().startswith(b"x-dsn-explain:")]) != 1:
                problems.append("not exactly one X-DSN-Explain field")
            for chunk in kept_parts(orig):
                kept += 1
                if chunk.strip() and chunk not in out:
                    problems.append("a kept part (%s...) is not byte-identical"
                                    % chunk[:40])
            with tempfile.NamedTemporaryFile(suffix=".eml") as fh:
                fh.write(out)
                fh.flush()
                rc2, out2, _ = run(cli, rules, fh.name)
                if out2 != out:
                    problems.append("a second rewrite changed it again")
        if problems:
            failed += 1
            print("FAIL %s: %s" % (path, "; ".join(problems)))
    print("rewrite: %d messages, %d changed, %d unchanged, %d failed "
          "(%d kept parts compared byte for byte)"
          % (len(files), changed, unchanged, failed, kept))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
