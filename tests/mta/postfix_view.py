"""postfix_view - a message as Postfix's cleanup(8) stores it.

Used by the real-Postfix tests to rebuild, from a file they submitted,
the bytes a milter is handed.  With local_header_rewrite_clients empty
(the test instances' setting) cleanup changes only this in a message's
header: a leading mbox "From " line becomes X-Mailbox-Line, and
Return-Path and Content-Length fields are removed.  Line ends are LF.
It does not model anything else cleanup can do (address rewriting,
missing-header insertion), which the test instances turn off.
"""
import re

# a header field name as Postfix's is_header() sees it
HDR = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
DROPPED = (b"return-path", b"content-length")


def postfix_view(msg):
    lines = msg.split(b"\n")
    out, i, drop = [], 0, False
    if lines[0].startswith(b"From "):
        out.append(b"X-Mailbox-Line: " + lines[0])
        i = 1
    while i < len(lines) and lines[i] != b"":
        line = lines[i]
        if line[:1] in (b" ", b"\t"):
            if not drop:
                out.append(line)
        elif not HDR.match(line):
            break               # a non-header line ends the header block
        else:
            drop = line.split(b":")[0].strip().lower() in DROPPED
            if not drop:
                out.append(line)
        i += 1
    return b"\n".join(out + lines[i:])
