#!/bin/sh
# postfix-corpus.sh - every corpus DSN through real Postfix + dsnexplain-milter:
# milter output must equal `dsnexplain rewrite` output, byte for byte.
#
# A private Postfix (tests/mta/pfx.sh; smtpd on 127.0.0.1:10125, no peers)
# with smtpd_milters = the milter on a unix socket in the temp dir.  All 407
# messages of ../shared/corpus/{sisimai/eml,mta-generated} are submitted in
# one SMTP session with MAIL FROM:<>, message N to cNNNN@sink.test (a
# catch-all maildir), so X-Original-To maps each delivered file back to its
# source.  For each delivered message:
#   * drop the three lines virtual(8) prepends (Return-Path, X-Original-To,
#     Delivered-To) and smtpd's own Received: header;
#   * reconstruct what the milter saw: the corpus file as sent (line ends
#     CRLF) with Postfix's own header edits applied - measured on this
#     Postfix 3.7 with no milter, these are the only ones, and they leave
#     the other 407 messages byte-identical:
#       - a first line "From ..." (mbox separator) becomes the header
#         "X-Mailbox-Line: From ..." (cleanup, 27 files);
#       - Return-Path: and Content-Length: header fields are removed
#         (cleanup; with their continuation lines);
#     Postfix does NOT pass its own Received: header to milters (measured:
#     with it in the CLI's input, 259 of the 365 enriched messages differ -
#     the new MIME boundary is a hash of the whole input; without it, none
#     differs), so it is not part of the input;
#   * run `cli/dsnexplain rewrite --rules rules -` on that and require the
#     result (plus the Received: header, LF line ends on both sides) to equal
#     the delivered message exactly.  A message the milter left alone must
#     thus arrive exactly as reconstructed (the CLI leaves it alone too).
# Nothing is excluded.  Also: the milter logs one "enriched" line per
# enriched message and one "unchanged" line per other message.
# Prints the counts enriched / unchanged / mismatches (mismatches must be 0)
# and the wall time.  About 25 s, most of it the 407 CLI runs.
#
# It does not check what the explanation says (tests/rewrite.sh and the
# golden tests do) nor Postfix's own DSNs (tests/mta/postfix.sh).
# Environment: top_srcdir, top_builddir (automake TESTS); DSNX_MTA_TESTS=no
# skips; KEEP_TMP=1 keeps the temp dir.  Exit 0 pass, 1 fail, 77 skip.

me=postfix-corpus.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/mta/lib.sh"
SMTPD_PORT=10125

mta_prereq milter cli corpus
port_free $SMTPD_PORT || {
	echo "$me: FAIL: 127.0.0.1:$SMTPD_PORT is in use"
	exit 1
}

mta_tmpdir corpus
trap 'rc=$?; trap - EXIT; [ $rc -eq 0 ] || dump_logs; mta_cleanup; exit $rc' EXIT
trap 'exit 1' HUP INT TERM
t_start=$(now)

milter_start || exit 1
SMTPD_PORT=$SMTPD_PORT PFX_SMTPD_MILTERS="unix:$T/milter.sock" \
	sh "$MTA_DIR/pfx.sh" init "$T/pfx" >"$T/pfx-init.log" 2>&1 || {
	cat "$T/pfx-init.log"
	exit 1
}
sh "$MTA_DIR/pfx.sh" start "$T/pfx" || exit 1

# the corpus, in a stable order
(cd "$corpus_dir" && ls sisimai/eml/*/*.eml mta-generated/*.eml) >"$T/list"
total=$(wc -l <"$T/list")
[ "$total" -gt 0 ] || {
	echo "$me: FAIL: empty corpus"
	exit 1
}
set --
n=0
while read -r f; do
	n=$((n + 1))
	set -- "$@" --to "$(printf 'c%04d@sink.test' $n)"
done <"$T/list"
sed "s|^|$corpus_dir/|" "$T/list" >"$T/paths"
t_send=$(now)
# shellcheck disable=SC2046
"$PYTHON" "$MTA_DIR/send.py" --port $SMTPD_PORT --from '' --each-to "$@" \
	$(cat "$T/paths") >"$T/send.log" 2>&1 || {
	echo "$me: FAIL: submission failed:"
	grep -v ': 250 ' "$T/send.log" | head -20
	exit 1
}
if ! maildir_wait "$T/pfx/mail/sink" "$total" 120; then
	echo "$me: FAIL: only $(maildir_count "$T/pfx/mail/sink") of $total delivered after 120 s"
	exit 1
fi
t_deliv=$(now)

cat >"$T/verify.py" <<'EOF'
# verify.py MAILDIR PATHS CLI RULES: milter output == CLI output, see above
import glob, os, re, subprocess, sys, difflib
sys.path.insert(0, os.environ["MTA_TEST_DIR"])
from postfix_view import postfix_view
maildir, pathsf, cli, rules = sys.argv[1:5]
paths = [l.rstrip("\n") for l in open(pathsf)]
got = {}
for fn in glob.glob(maildir + "/new/*") + glob.glob(maildir + "/cur/*"):
    data = open(fn, "rb").read()
    m = re.match(rb"Return-Path: <>\nX-Original-To: c(\d{4})@sink\.test\n"
                 rb"Delivered-To: c\1@sink\.test\n", data)
    if not m:
        print("FAIL: unexpected delivery header block in", fn)
        sys.exit(1)
    got[int(m.group(1))] = data[m.end():]



enriched = unchanged = bad = 0
for n, path in enumerate(paths, 1):
    if n not in got:
        print("FAIL: not delivered:", path)
        bad += 1
        continue
    sent = re.sub(rb"\r?\n", b"\n", open(path, "rb").read())   # as send.py
    if not sent.endswith(b"\n"):
        sent += b"\n"
    seen = postfix_view(sent)
    m = re.match(rb"Received: from client\.test [^\n]*\n(?:\t[^\n]*\n)*",
                 got[n])
    if not m:
        print("FAIL: no Received: header of ours first in", path)
        bad += 1
        continue
    received, delivered = got[n][:m.end()], got[n][m.end():]
    r = subprocess.run([cli, "rewrite", "--rules", rules, "-"],
                       input=seen.replace(b"\n", b"\r\n"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    want = r.stdout.replace(b"\r\n", b"\n")
    if r.returncode != 0 or want != delivered:
        bad += 1
        print("FAIL: milter output != CLI output (exit %d) for %s"
              % (r.returncode, path))
        for l in list(difflib.unified_diff(
                want.decode("latin-1").split("\n"),
                delivered.decode("latin-1").split("\n"),
                "cli", "delivered", lineterm="", n=1))[:16]:
            print("    " + l[:160])
        continue
    if delivered == seen:
        unchanged += 1
    elif b"\nX-DSN-Explain: " in b"\n" + delivered.split(b"\n\n", 1)[0]:
        enriched += 1
    else:
        bad += 1
        print("FAIL: changed without X-DSN-Explain:", path)
print("enriched=%d unchanged=%d mismatches=%d" % (enriched, unchanged, bad))
sys.exit(1 if bad or enriched + unchanged != len(paths) else 0)
EOF
"$PYTHON" "$T/verify.py" "$T/pfx/mail/sink" "$T/paths" "$CLI_BIN" "$RULES_DIR" \
	>"$T/verify.out" 2>&1
vrc=$?
head -n 60 "$T/verify.out"
counts=$(tail -n 1 "$T/verify.out")
t_verify=$(now)
[ $vrc -eq 0 ] && ok "milter output == CLI output for all $total corpus messages ($counts)" ||
	fail "milter output differs from the CLI's ($counts)"

# the milter's log: one line per message, as many "enriched" as enriched
enr=$(echo "$counts" | sed -n 's/.*enriched=\([0-9]*\).*/\1/p')
unc=$(echo "$counts" | sed -n 's/.*unchanged=\([0-9]*\).*/\1/p')
lenr=$(grep -c ': enriched: recipients=[0-9]* outcome=[a-z,]* status=.* cause=' "$T/milter.log")
lunc=$(grep -c ': unchanged: ' "$T/milter.log")
if [ "$lenr" = "$enr" ] && [ "$lunc" = "$unc" ]; then
	ok "milter log: $lenr enriched and $lunc unchanged lines"
else
	fail "milter log: $lenr enriched (want $enr), $lunc unchanged (want $unc) lines"
fi
lerr=$(grep -c 'error, passed unchanged' "$T/milter.log")
[ "$lerr" -eq 0 ] || fail "milter log: $lerr 'error, passed unchanged' lines"

"$PYTHON" -c 'import sys; a = [float(x) for x in sys.argv[1:]]
print("timing: setup %.1fs, submit+deliver %.1fs, verify %.1fs, total %.1fs"
      % (a[1] - a[0], a[2] - a[1], a[3] - a[2], a[3] - a[0]))' \
	"$t_start" "$t_send" "$t_deliv" "$t_verify"
[ "$failures" -eq 0 ] || exit 1
echo "$me: PASS"
exit 0
