#!/usr/bin/env python3
"""Does Python's email package read a rewritten bounce as well as the original?

Usage: check-rewrite.py --list PAIRS-FILE

A pairs file has one line per message: the original path, the rewritten
path and, optionally, the path of the rewritten message rewritten once
more (same options), separated by TABs.  For each pair whose rewritten
message differs from the original, check that
 * Python's email package parses the result without a defect kind (and
   count) the original did not already have;
 * every text part still decodes in its declared charset;
 * every header field of the original is still there, byte for byte, in
   the same order, and the only new fields are X-DSN-Explain (exactly
   one) and, for a single-part bounce, MIME-Version, Content-Type and,
   for one without MIME declared UTF-8, Content-Transfer-Encoding; when
   one is wrapped in multipart/mixed, its old Content-Type and
   Content-Transfer-Encoding fields must stand, byte for byte, in the
   header of a body part; a single part's declaration may be widened in
   place, and only to one that reads its old bytes the same: "7bit" to
   "8bit", and the charset parameter to UTF-8 when the old text reads
   as ASCII (every other parameter unchanged);
 * a single-part text bounce's new text, decoded, starts with the whole
   old text, decoded;
 * every message/delivery-status, message/global-delivery-status,
   message/rfc822, message/global and text/rfc822-headers part of the
   original appears byte for byte in the result;
 * the third file, when given, equals the second (idempotence).
Prints "DIFF ORIGINAL -> REWRITTEN" and the problems for each pair that
fails, then `rewrite: N messages, C changed, U unchanged, F failed`; exits
1 if any check failed, 2 for usage errors.
"""
import email
import email.policy
import re
import sys

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


def moved(field, out):
    """A Content-Type or Content-Transfer-Encoding field of a wrapped
    single-part bounce: found again, whole, as a line of the new body."""
    name = field.split(b":", 1)[0].strip().lower()
    if name not in (b"content-type", b"content-transfer-encoding"):
        return False
    body = out[len(header_block(out)):]
    return re.search(rb"(?:\r\n|\n|\r)" + re.escape(field) + rb"(?:\r\n|\n|\r)",
                     body) is not None


def ascii_text(data):
    return all(b < 0x80 and b not in (0x1B, 0x0E, 0x0F) for b in data)


def widened(old_field, new_field, old):
    """Is new_field the in-place widening of old_field (the same field
    name) for the single-part message old?"""
    on, _, ov = old_field.partition(b":")
    nn, _, nv = new_field.partition(b":")
    if on.strip().lower() != nn.strip().lower() or old.is_multipart():
        return False
    name = on.strip().lower()
    ov = re.sub(rb"\r?\n[ \t]", b" ", ov).strip()
    nv = nv.strip()
    if name == b"content-transfer-encoding":
        return ov.lower() == b"7bit" and nv == b"8bit"
    if name != b"content-type":
        return False
    def params(v):
        m = email.message_from_bytes(b"Content-Type: " + v + b"\n\n",
                                     policy=email.policy.compat32)
        return m.get_content_type(), {k.lower(): val for k, val in
                                      (m.get_params() or [])[1:]}
    ot, op = params(ov)
    nt, np_ = params(nv)
    if ot != nt or np_.pop("charset", "").lower() != "utf-8":
        return False
    op.pop("charset", None)
    return op == np_ and ascii_text(old.get_payload(decode=True) or b"")


def defects(msg):
    """Defect class names with their counts, over every part."""
    out = {}
    for p in msg.walk():
        for d in p.defects:
            out[type(d).__name__] = out.get(type(d).__name__, 0) + 1
    return out


def check(orig, out, again):
    problems = []
    new = email.message_from_bytes(out, policy=email.policy.default)
    old = email.message_from_bytes(orig, policy=email.policy.default)
    od, nd = defects(old), defects(new)
    more = sorted(k for k in nd if nd[k] > od.get(k, 0))
    if more:
        problems.append("email package found new defects: %s (original: %s)"
                        % (", ".join("%s x%d" % (k, nd[k]) for k in more),
                           ", ".join("%s x%d" % kv for kv in sorted(od.items()))
                           or "none"))
    for p in new.walk():
        if p.get_content_maintype() == "text" and not p.is_multipart():
            try:
                p.get_content()
            except Exception as e:  # pylint: disable=broad-except
                problems.append("text part %s does not decode: %s"
                                % (p.get_content_type(), e))
    of, nf = fields(header_block(orig)), fields(header_block(out))
    # A widened field stands where the old one stood.
    of = [f if f in nf else next((g for g in nf if g not in of
                                  and widened(f, g, old)), f) for f in of]
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
    if (not old.is_multipart() and not new.is_multipart()
            and old.get_content_maintype() == "text"):
        was = old.get_payload(decode=True) or b""
        now = new.get_payload(decode=True) or b""
        if not now.startswith(was):
            problems.append("the old text, decoded, is not the start of "
                            "the new one")
    kept = 0
    for chunk in kept_parts(orig):
        kept += 1
        if chunk.strip() and chunk not in out:
            problems.append("a kept part (%r...) is not byte-identical"
                            % chunk[:40])
    if again is not None and again != out:
        problems.append("a second rewrite changed it again")
    return problems, kept


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "--list":
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    pairs = []
    with open(sys.argv[2], encoding="utf-8", errors="surrogateescape") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 2 or not cols[0] or not cols[1]:
                print("%s:%d: want ORIGINAL TAB REWRITTEN [TAB AGAIN]"
                      % (sys.argv[2], n), file=sys.stderr)
                sys.exit(2)
            pairs.append((cols[0], cols[1], cols[2] if len(cols) > 2 and cols[2] else None))
    changed = unchanged = failed = kept = 0
    for path, newpath, againpath in pairs:
        try:
            orig = open(path, "rb").read()
            out = open(newpath, "rb").read()
            again = open(againpath, "rb").read() if againpath else None
        except OSError as e:
            failed += 1
            print("DIFF %s -> %s\n  cannot read: %s" % (path, newpath, e))
            continue
        if out == orig:
            unchanged += 1
            problems = []
            if again is not None and again != out:
                problems.append("a second rewrite changed it")
        else:
            changed += 1
            try:
                problems, k = check(orig, out, again)
                kept += k
            except Exception as e:  # pylint: disable=broad-except
                problems = ["the email package failed: %r" % e]
        if problems:
            failed += 1
            print("DIFF %s -> %s" % (path, newpath))
            for p in problems:
                print("  " + p)
    print("rewrite: %d messages, %d changed, %d unchanged, %d failed "
          "(%d kept parts compared byte for byte)"
          % (len(pairs), changed, unchanged, failed, kept))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
