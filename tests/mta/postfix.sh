#!/bin/sh
# postfix.sh - dsnexplain-milter inside a real Postfix: Postfix's own delay
# notices and bounces, DSNs arriving over SMTP, ordinary mail, milter down.
#
# One private Postfix (tests/mta/pfx.sh; smtpd 127.0.0.1:10025, scripted
# peers fake_smtp.py on 2550-2558) with non_smtpd_milters +
# internal_mail_filter_classes = bounce and smtpd_milters, both the milter
# on unix:$T/milter.sock.  In ONE timer cycle (~75 s) one message each goes
# to refused (nothing listens), greylist (450 4.2.0), ratelimit (421 4.7.0
# banner), tlsreq (451 4.7.0 TLS required), quota (452 4.2.2) and unknown
# (550 5.1.1, bounced at once).  Each of the 11 DSNs (5 delay notices, 6
# bounces) must arrive with:
#   - exactly one X-DSN-Explain header, the last one, with the scenario's
#     cause key (connection-refused, greylisted, rate-limited, tls-required,
#     mailbox-full, user-unknown) and status;
#   - as the first part of the multipart/report a multipart/alternative
#     whose text/plain part starts with Content-Language and says, decoded,
#     "has not been delivered yet" (delayed) or "could not be delivered"
#     (failed), "Recipient: <rcpt>" and "Cause: <key>";
#   - with the milter's changes undone (that header and that part removed),
#     Postfix's own report as it generates it: parts Notification,
#     message/delivery-status (Reporting-MTA mta.test, the recipient, the
#     Action and Status), returned message (our Subject); and
#     `dsnexplain rewrite` of the undone message == the delivered message,
#     byte for byte (LF line ends; Postfix's own Received: header is not
#     shown to milters, so it is set aside for this comparison) - so the
#     delivery-status and returned-message parts are byte-identical to
#     Postfix's and the milter did exactly what the CLI does;
#   - one "QID: enriched: ... cause=<key>" line in the milter's log for the
#     DSN's queue id.
# Also, with the milter running: an ordinary message (non-null sender, to
# sink.test) arrives byte-identical to what was sent (after Postfix's
# Received and virtual(8)'s Return-Path/X-Original-To/Delivered-To) and
# without X-DSN-Explain; a Sendmail DSN from the corpus (or
# tests/data/samples without the corpus) submitted with MAIL FROM:<>
# arrives as `dsnexplain rewrite` makes it.  Then the milter is stopped
# (SIGTERM) and a DSN submitted with MAIL FROM:<>, an ordinary message and
# a Postfix bounce (unknown user) are still delivered, unchanged (the
# checks above must FAIL on that bounce: the negative control), and the
# maillog has smtpd's and cleanup's "warning: connect to Milter service".
# Wall time about 80 s.
#
# It does not cover Sendmail, other languages, reload/restart or load.
# Environment: top_srcdir, top_builddir (automake TESTS); DSNX_MTA_TESTS=no
# skips; KEEP_TMP=1 keeps the temp dir.  Exit 0 pass, 1 fail, 77 skip.

me=postfix.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/mta/lib.sh"
SMTPD_PORT=10025
PEER_BASE=2550

mta_prereq milter cli
for p in $SMTPD_PORT $(seq $PEER_BASE $((PEER_BASE + 8))); do
	port_free "$p" || {
		echo "$me: FAIL: 127.0.0.1:$p is in use"
		exit 1
	}
done
replay=$top_srcdir/../shared/corpus/mta-generated/sendmail-warning-greylisted-450.eml
[ -f "$replay" ] || replay=$top_srcdir/tests/data/samples/sendmail-return-4.4.7-timeout.eml
[ -f "$replay" ] || {
	echo "$me: FAIL: no Sendmail DSN to replay ($replay)"
	exit 1
}

mta_tmpdir postfix
trap 'rc=$?; trap - EXIT; [ $rc -eq 0 ] || dump_logs; mta_cleanup; exit $rc' EXIT
trap 'exit 1' HUP INT TERM
t_start=$(now)

peers_start $PEER_BASE 400 || exit 1
milter_start || exit 1
SMTPD_PORT=$SMTPD_PORT PFX_PEER_BASE=$PEER_BASE \
	PFX_SMTPD_MILTERS="unix:$T/milter.sock" \
	PFX_NON_SMTPD_MILTERS="unix:$T/milter.sock" \
	sh "$MTA_DIR/pfx.sh" init "$T/pfx" >"$T/pfx-init.log" 2>&1 || {
	cat "$T/pfx-init.log"
	exit 1
}
sh "$MTA_DIR/pfx.sh" start "$T/pfx" || exit 1
t_up=$(now)
sink=$T/pfx/mail/sink

send() {
	"$PYTHON" "$MTA_DIR/send.py" --port $SMTPD_PORT "$@" >>"$T/send.log" 2>&1 || {
		fail "send.py $*"
		tail -n 3 "$T/send.log"
		return 1
	}
}

# --- the timer cycle starts: one message per scenario -----------------------
# scenario:cause:status:actions
scenarios="refused:connection-refused:4.4.1:delayed,failed
greylist:greylisted:4.2.0:delayed,failed
ratelimit:rate-limited:4.7.0:delayed,failed
tlsreq:tls-required:4.7.0:delayed,failed
quota:mailbox-full:4.2.2:delayed,failed
unknown:user-unknown:5.1.1:failed"
for s in $(echo "$scenarios" | cut -d: -f1); do
	send --from "pfx-$s@sink.test" --to "user@$s.test" \
		--subject "dsnx scenario $s" || exit 1
done
t_sent=$(now)

cat >"$T/check.py" <<'EOF'
# check.py: the DSN checks of postfix.sh (see its header)
import email, email.policy, glob, os, re, subprocess, sys
sys.path.insert(0, os.environ["MTA_TEST_DIR"])
from postfix_view import postfix_view

CLI, RULES = sys.argv[2], sys.argv[3]
RCV = re.compile(rb"Received: [^\n]*\n(?:\t[^\n]*\n)*")


def delivered(path):
    """(X-Original-To, message without virtual(8)'s three lines)"""
    data = open(path, "rb").read()
    m = re.match(rb"Return-Path: <([^>\n]*)>\nX-Original-To: ([^\n]*)\n"
                 rb"Delivered-To: [^\n]*\n", data)
    if not m:
        raise SystemExit("FAIL: %s lacks the delivery header lines" % path)
    return m.group(2).decode(), data[m.end():]


def find(maildir, rcpt):
    out = []
    for p in sorted(glob.glob(maildir + "/new/*") + glob.glob(maildir + "/cur/*")):
        to, msg = delivered(p)
        if to == rcpt:
            out.append((p, msg))
    return out


def rewrite(msg):
    """`dsnexplain rewrite` as the milter: CRLF in, LF out"""
    r = subprocess.run([CLI, "rewrite", "--rules", RULES, "-"],
                       input=msg.replace(b"\n", b"\r\n"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        return None
    return r.stdout.replace(b"\r\n", b"\n")




def lf(path):
    d = re.sub(rb"\r?\n", b"\n", open(path, "rb").read())
    return d if d.endswith(b"\n") else d + b"\n"


def check_dsn(msg, cause, status, action, rcpt, subject):
    """list of problems with one delivered Postfix DSN; [] = all good"""
    bad = []
    head, _, body = msg.partition(b"\n\n")
    hl = re.split(rb"\n(?![ \t])", head)
    xd = [h for h in hl if h.lower().startswith(b"x-dsn-explain:")]
    if len(xd) != 1 or hl[-1] != xd[0]:
        return ["want exactly one X-DSN-Explain header, the last one; got %d"
                % len(xd)]
    xv = xd[0].decode()
    if ("; cause=%s;" % cause) not in xv or ("status=%s;" % status) not in xv:
        bad.append("X-DSN-Explain: %r lacks cause=%s / status=%s"
                   % (xv, cause, status))
    outcome = ("delayed" if action == "delayed"
               else "expired" if status.startswith("4.") else "failed")
    if not xv.startswith("X-DSN-Explain: v=1; outcome=%s; " % outcome):
        bad.append("X-DSN-Explain: %r does not open with outcome=%s"
                   % (xv, outcome))
    top = email.message_from_bytes(msg, policy=email.policy.compat32)
    if top.get_content_type() != "multipart/report":
        return bad + ["not multipart/report"]
    delim = b"--" + top.get_boundary().encode()
    lines = body.split(b"\n")
    at = [i for i, l in enumerate(lines) if l.rstrip() == delim]
    if len(at) < 4:
        return bad + ["want 4 parts, found %d delimiters" % len(at)]
    ours = b"\n".join(lines[at[0] + 1:at[1]])
    if not ours.startswith(b"Content-Type: multipart/alternative;"):
        bad.append("first part is not our multipart/alternative: %r"
                   % ours[:60])
    alt = email.message_from_bytes(ours, policy=email.policy.compat32)
    plain = [p for p in alt.walk() if p.get_content_type() == "text/plain"]
    if not plain:
        return bad + ["no text/plain in the inserted part"]
    raw_plain = ours.split(b"--" + alt.get_boundary().encode() + b"\n")[1]
    if not raw_plain.startswith(b"Content-Language: "):
        bad.append("the text/plain part does not begin with Content-Language")
    text = plain[0].get_payload(decode=True).decode("utf-8")
    lead = {"delayed": "has not been delivered yet",
            "failed": "could not be delivered"}[action]
    for want in ("Your message to %s %s" % (rcpt, lead),
                 "Recipient: %s" % rcpt, "Cause: %s" % cause):
        if want not in text:
            bad.append("plain-language text lacks %r" % want)
    # undo the milter's changes: its header and its part
    undone = b"\n".join(hl[:-1]) + b"\n\n" + b"\n".join(lines[:at[0]] + lines[at[1]:])
    u = email.message_from_bytes(undone, policy=email.policy.compat32)
    parts = u.get_payload()
    types = [p.get_content_type() for p in parts]
    if (len(parts) != 3 or parts[0].get("Content-Description") != "Notification"
            or types[1] != "message/delivery-status"
            or types[2] not in ("message/rfc822", "text/rfc822-headers")):
        bad.append("undone message is not Postfix's report: %s" % types)
    else:
        ds = b"\n".join(lines[at[2] + 1:at[3]])
        for want in (b"Reporting-MTA: dns; mta.test",
                     b"Final-Recipient: rfc822; " + rcpt.encode(),
                     b"Action: " + action.encode(),
                     b"Status: " + status.encode()):
            if want not in ds:
                bad.append("delivery-status part lacks %r" % want)
        ret = b"\n".join(lines[at[3] + 1:])
        if b"Subject: " + subject.encode() not in ret:
            bad.append("returned message lacks our Subject")
    # oracle: the CLI on the undone message gives the delivered one
    m = RCV.match(undone)
    if not m:
        bad.append("no Received: header first")
    else:
        want = rewrite(undone[m.end():])
        if want is None or m.group(0) + want != msg:
            bad.append("dsnexplain rewrite of the undone DSN != delivered DSN")
    return bad


def main():
    mode, maildir = sys.argv[1], sys.argv[4]
    fails = 0

    def report(what, problems):
        nonlocal fails
        if problems:
            fails += 1
            for p in problems:
                print("FAIL: %s: %s" % (what, p))
        else:
            print("ok: %s" % what)

    if mode == "dsns":                  # check.py dsns CLI RULES MAILDIR SCENARIOS
        qids = open(sys.argv[6], "w")
        for line in sys.argv[5].split():
            sc, cause, status, actions = line.split(":")
            got = find(maildir, "pfx-%s@sink.test" % sc)
            acts = {}
            for p, msg in got:
                a = re.search(rb"^Action: (\w+)$", msg, re.M)
                acts.setdefault(a.group(1).decode() if a else "?", []).append(msg)
            for action in actions.split(","):
                if len(acts.get(action, [])) != 1:
                    report("%s %s" % (sc, action), ["want 1 DSN, got %d (%s)"
                           % (len(acts.get(action, [])), sorted(acts))])
                    continue
                msg = acts[action][0]
                report("%s: %s DSN, cause %s, status %s" % (sc, action, cause, status),
                       check_dsn(msg, cause, status, action, "user@%s.test" % sc,
                                 "dsnx scenario " + sc))
                q = re.search(rb"^Received: by mta\.test \(Postfix\)\n\tid (\w+);",
                              msg, re.M)
                qids.write("%s %s\n" % (q.group(1).decode() if q else "?", cause))
            if len(got) != len(actions.split(",")):
                report(sc, ["want %d DSNs, got %d" % (len(actions.split(",")),
                                                      len(got))])
    elif mode == "plain":               # check.py plain CLI RULES MAILDIR RCPT FILE
        got = find(maildir, sys.argv[5])
        if len(got) != 1:
            report("ordinary message", ["%d delivered" % len(got)])
        else:
            m = RCV.match(got[0][1])
            body = got[0][1][m.end():] if m else b""
            report("ordinary message %s arrives byte-identical, no X-DSN-Explain"
                   % sys.argv[5], [] if body == lf(sys.argv[6]) and
                   b"\nX-DSN-Explain:" not in body.split(b"\n\n")[0]
                   else ["differs from what was sent"])
    elif mode in ("replay", "replay-unchanged"):  # ... MAILDIR RCPT FILE
        got = find(maildir, sys.argv[5])
        if len(got) != 1:
            report("replayed DSN", ["%d delivered" % len(got)])
        else:
            m = RCV.match(got[0][1])
            msg = got[0][1][m.end():] if m else b""
            seen = postfix_view(lf(sys.argv[6]))
            if mode == "replay":
                want, what = rewrite(seen), "enriched as by dsnexplain rewrite"
                if b"\nX-DSN-Explain: " not in b"\n" + msg.split(b"\n\n")[0]:
                    report("replayed DSN has X-DSN-Explain", ["it has not"])
            else:
                want, what = seen, "unchanged"
            report("DSN submitted with MAIL FROM:<> to %s arrives %s"
                   % (sys.argv[5], what), [] if msg == want else ["it does not"])
    elif mode == "negative":            # ... MAILDIR SCENARIO-LINE
        sc, cause, status, actions = sys.argv[5].split(":")
        got = find(maildir, "pfx-%s@sink.test" % sc)
        if len(got) != 1:
            report("bounce without milter", ["%d delivered" % len(got)])
        else:
            msg = got[0][1]
            probs = check_dsn(msg, cause, status, "failed", "user2@%s.test" % sc,
                              "dsnx scenario " + sc)
            report("negative control: the DSN checks reject Postfix's bounce made "
                   "without the milter (%s)" % (probs[:1] or ["-"])[0],
                   [] if probs else ["they accepted it"])
            u = email.message_from_bytes(msg, policy=email.policy.compat32)
            report("that bounce is delivered, Postfix's 3-part report",
                   [] if len(u.get_payload()) == 3 else ["%d parts"
                                                         % len(u.get_payload())])
    return 1 if fails else 0


sys.exit(main())
EOF

# --- while Postfix retries: ordinary mail and a DSN arriving over SMTP ------
cat >"$T/plain.eml" <<'EOF'
From: Ordinary Sender <sender@sink.test>
To: <plain@sink.test>
Subject: an ordinary message must pass untouched
Date: Mon, 23 Nov 2026 12:00:00 +0000
Message-ID: <plain-1@sink.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Grüße: 8-bit text, a line with a leading dot:
.just so
Action: failed
Status: 5.1.1
and a line longer than Postfix's line_length_limit (2048):
EOF
printf '%3000s\nend\n' '' | tr ' ' x >>"$T/plain.eml"
send --from sender@sink.test --to plain@sink.test "$T/plain.eml"
send --from '' --to replay@sink.test "$replay"
maildir_wait "$sink" 2 30 '^X-Original-To: (plain|replay)@sink\.test$' ||
	fail "ordinary message / replayed DSN not delivered within 30 s"
"$PYTHON" "$T/check.py" plain "$CLI_BIN" "$RULES_DIR" "$sink" plain@sink.test "$T/plain.eml" ||
	failures=$((failures + 1))
"$PYTHON" "$T/check.py" replay "$CLI_BIN" "$RULES_DIR" "$sink" replay@sink.test "$replay" ||
	failures=$((failures + 1))

# --- wait for the 11 DSNs of the cycle ---------------------------------------
want=11
pat='^X-Original-To: pfx-[a-z]+@sink\.test$'
first_delay=
end=$(($(date +%s) + 180))
while :; do
	n=$(maildir_count "$sink" "$pat")
	if [ -z "$first_delay" ] &&
		[ "$(maildir_count "$sink" '^Subject: Delayed Mail \(still being retried\)$')" -gt 0 ]; then
		first_delay=$(now)
	fi
	[ "$n" -ge $want ] && break
	if [ "$(date +%s)" -ge $end ]; then
		fail "only $n of $want DSNs after 180 s"
		break
	fi
	sleep 0.5
done
t_dsns=$(now)
sleep 1 # nothing more may come: one delay notice per message
"$PYTHON" "$T/check.py" dsns "$CLI_BIN" "$RULES_DIR" "$sink" "$scenarios" "$T/qids" ||
	failures=$((failures + 1))

# the milter's log: one enriched line per DSN, with the cause
while read -r qid cause; do
	c=$(grep -c "^dsnexplain-milter\[[0-9]*\]: $qid: enriched: recipients=1 outcome=[a-z]* status=.* cause=$cause " "$T/milter.log")
	[ "$c" -eq 1 ] || fail "milter log: $c 'enriched ... cause=$cause' lines for $qid (want 1)"
done <"$T/qids"
nenr=$(grep -c ': enriched: ' "$T/milter.log")
# 11 Postfix DSNs + the replayed one
[ "$nenr" -eq 12 ] && ok "milter log: 12 enriched lines (11 Postfix DSNs + 1 replayed)" ||
	fail "milter log: $nenr enriched lines, want 12"
! grep -q 'error, passed unchanged' "$T/milter.log" ||
	fail "milter log has 'error, passed unchanged'"

# --- the milter goes away: mail still flows, unchanged -----------------------
milter_stop || fail "the milter did not stop on SIGTERM"
grep -q 'stopped$' "$T/milter.log" && ok "milter logged 'stopped'" ||
	fail "milter did not log 'stopped'"
send --from sender@sink.test --to plain2@sink.test "$T/plain.eml"
send --from '' --to replay2@sink.test "$replay"
send --from pfx-unknown2@sink.test --to user2@unknown.test --subject "dsnx scenario unknown2"
maildir_wait "$sink" 3 30 '^X-Original-To: (plain2|replay2|pfx-unknown2)@sink\.test$' ||
	fail "with the milter down, mail was not delivered within 30 s"
"$PYTHON" "$T/check.py" plain "$CLI_BIN" "$RULES_DIR" "$sink" plain2@sink.test "$T/plain.eml" ||
	failures=$((failures + 1))
"$PYTHON" "$T/check.py" replay-unchanged "$CLI_BIN" "$RULES_DIR" "$sink" replay2@sink.test "$replay" ||
	failures=$((failures + 1))
"$PYTHON" "$T/check.py" negative "$CLI_BIN" "$RULES_DIR" "$sink" unknown2:user-unknown:5.1.1:failed ||
	failures=$((failures + 1))
for d in smtpd cleanup; do
	grep -q "postfix/$d\[[0-9]*\]: warning: connect to Milter service unix:$T/milter.sock" \
		"$T/pfx/log/maillog" &&
		ok "maillog: $d warns that the milter is unreachable" ||
		fail "maillog: no '$d: warning: connect to Milter service' line"
done

"$PYTHON" -c 'import sys; a = [float(x) if x else 0 for x in sys.argv[1:]]
print("timing: up %.1fs; after sending: first delay notice %.1fs, all 11 DSNs %.1fs;"
      " total %.1fs" % (a[1] - a[0], a[3] - a[2], a[4] - a[2], a[5] - a[0]))' \
	"$t_start" "$t_up" "$t_sent" "${first_delay:-}" "$t_dsns" "$(now)"
[ "$failures" -eq 0 ] || exit 1
echo "$me: PASS"
exit 0
