#!/bin/sh
# postfix.sh - dsnexplain-milter inside a real Postfix, set up as
# contrib/postfix/ recommends: Postfix's own notices explained, ordinary
# mail never near the milter; then the smtpd_milters option for relays.
#
# One private Postfix (tests/mta/pfx.sh; smtpd on 127.0.0.1:10025, the
# scripted peers of fake_smtp.py on 2550-2558; DSNX_PFX_PORT and
# DSNX_PFX_PEER_BASE move them) whose main.cf names no milter.  Its
# master.cf gets every entry of contrib/postfix/master.cf.snippet as it is
# (postconf -M): the dsnx-cleanup service, chrooted as on Debian, with
# non_smtpd_milters=unix:dsnexplain/milter.sock, and the bounce, defer and
# trace services posting through it.  That socket, relative to the queue
# directory, is tests/mta/milter_proxy.py, which relays to the milter on
# $T/milter.sock and logs every milter session Postfix opens, with the
# envelope sender and queue id it carried: the count of sessions does not
# depend on what the milter logs.
#
# 1. Ordinary mail (non-null sender, to sink.test), once over SMTP and
#    once submitted with the instance's own sendmail(1) (-C: postdrop,
#    pickup), arrives without X-DSN-Explain (over SMTP byte-identical
#    after Postfix's Received and virtual(8)'s Return-Path/X-Original-To/
#    Delivered-To; from sendmail(1) with the body unchanged), and Postfix
#    opened NO milter session for it.
# 2. In ONE timer cycle (~75 s) one message each goes to refused (nothing
#    listens), greylist (450 4.2.0), ratelimit (421 4.7.0 banner), tlsreq
#    (451 4.7.0 TLS required), quota (452 4.2.2) and unknown (550 5.1.1,
#    bounced at once), and two with NOTIFY=SUCCESS: to a local mailbox
#    (a "delivered" notice) and to a peer without DSN (a "relayed"
#    notice).  Each of the 13 notices (5 delay notices, 6 bounces, 2
#    success notices) must arrive with:
#      - exactly one X-DSN-Explain header, the last one, with the
#        scenario's cause key and status;
#      - as the first part of the multipart/report a multipart/alternative
#        whose text/plain part starts with Content-Language and says,
#        decoded, "Not delivered yet: your message to <rcpt>." (delayed),
#        "Not delivered: ..." (failed) or "Delivered: ..." (delivered,
#        relayed),
#        "Recipient: <rcpt>" and "Cause: <key>";
#      - with the milter's changes undone (that header and that part
#        removed), Postfix's own report: parts Notification,
#        message/delivery-status (Reporting-MTA mta.test, the recipient,
#        the Action and Status), returned message (our Subject); and
#        `dsnexplain rewrite` of the undone message == the delivered
#        message, byte for byte (LF line ends; Postfix's own Received: is
#        not shown to milters and is set aside);
#      - one "QID: enriched: ... cause=<key>" line in the milter's log;
#      - at least one milter session carrying MAIL FROM:<> and the notice's
#        queue id; and no session of the whole cycle carried any other
#        sender (the 8 ordinary messages and their retries opened none).
# 3. The recipe must be whole (these checks can fail): with the bounce,
#    defer and trace services' cleanup_service_name removed, and with
#    internal_mail_filter_classes moved from them to dsnx-cleanup (it is
#    read by the process that posts the notice), a bounce (unknown user)
#    is delivered as Postfix made it, the DSN checks above reject it, and
#    no milter session was opened.
# 4. The documented option, contrib/postfix/main.cf.snippet (smtpd_milters)
#    added: a Sendmail DSN from the corpus (tests/data/samples without the
#    corpus) sent over SMTP with MAIL FROM:<> arrives as `dsnexplain
#    rewrite` makes it; an ordinary message arrives byte-identical, and
#    did open a milter session (the cost of the option) that carried its
#    sender and none of its header or body.
# 5. The milter and the proxy stopped: a DSN sent with MAIL FROM:<>, an
#    ordinary message and a Postfix bounce are still delivered, unchanged
#    (the DSN checks must FAIL on that bounce), and the maillog has
#    smtpd's and dsnx-cleanup's "warning: connect to Milter service".
#    main.cf's milter_default_action is Postfix's default, tempfail, so
#    this is the snippets' own default_action=accept (dsnx-cleanup's -o,
#    the braced smtpd_milters entry) at work.
# Wall time about 110 s.
#
# It does not cover Sendmail, other languages, reload/restart or load.
# Environment: top_srcdir, top_builddir (automake TESTS); DSNX_MTA_TESTS=no
# skips; KEEP_TMP=1 keeps the temp dir.  Exit 0 pass, 1 fail, 77 skip.

me=postfix.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/mta/lib.sh"
SMTPD_PORT=${DSNX_PFX_PORT:-10025}
PEER_BASE=${DSNX_PFX_PEER_BASE:-2550}
RECIPE=$top_srcdir/contrib/postfix/master.cf.snippet
SMTPD_OPTION=$top_srcdir/contrib/postfix/main.cf.snippet

mta_prereq milter cli
for p in $SMTPD_PORT $(seq $PEER_BASE $((PEER_BASE + 8))); do
	port_free "$p" || {
		echo "$me: FAIL: 127.0.0.1:$p is in use (DSNX_PFX_PORT, DSNX_PFX_PEER_BASE move the ports)"
		exit 1
	}
done
for f in "$RECIPE" "$SMTPD_OPTION"; do
	[ -f "$f" ] || {
		echo "$me: FAIL: $f is missing"
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
P=$T/pfx
sink=$P/mail/sink
# the recipe's socket, unix:dsnexplain/milter.sock, from the queue directory
SOCK=$P/spool/dsnexplain/milter.sock

peers_start $PEER_BASE 500 || exit 1
milter_start || exit 1
# main.cf keeps Postfix's default milter_default_action, tempfail: only
# the recipe's own settings may let mail pass while the milter is down
SMTPD_PORT=$SMTPD_PORT PFX_PEER_BASE=$PEER_BASE PFX_DEFAULT_ACTION=tempfail \
	sh "$MTA_DIR/pfx.sh" init "$P" >"$T/pfx-init.log" 2>&1 || {
	cat "$T/pfx-init.log"
	exit 1
}
pfx_master_snippet "$P" "$RECIPE" || exit 1
mkdir -p "$P/spool/dsnexplain" && chmod 755 "$P/spool/dsnexplain" || exit 1
proxy_start "$SOCK" || exit 1
sh "$MTA_DIR/pfx.sh" start "$P" || exit 1
t_up=$(now)
m=$(postconf -c "$P/etc" -h smtpd_milters non_smtpd_milters internal_mail_filter_classes | tr -d '\n')
[ -z "$m" ] && ok "main.cf names no milter and no internal_mail_filter_classes" ||
	fail "main.cf has milter settings: $m"

# restart_with CHANGE...: stop Postfix, put the recipe back as shipped, run
# each CHANGE (a postconf command line) on it, start again
restart_with() {
	sh "$MTA_DIR/pfx.sh" stop "$P" || return 1
	pfx_master_snippet "$P" "$RECIPE" || return 1
	for _c in "$@"; do
		eval "postconf -c '$P/etc' $_c" || return 1
	done
	sh "$MTA_DIR/pfx.sh" start "$P"
}

send() {
	"$PYTHON" "$MTA_DIR/send.py" --port $SMTPD_PORT "$@" >>"$T/send.log" 2>&1 || {
		fail "send.py $*"
		tail -n 3 "$T/send.log"
		return 1
	}
}

cat >"$T/check.py" <<'EOF'
# check.py: the message checks of postfix.sh (see its header)
import email, email.policy, glob, os, re, subprocess, sys
sys.path.insert(0, os.environ["MTA_TEST_DIR"])
from postfix_view import postfix_view

CLI, RULES = sys.argv[2], sys.argv[3]
RCV = re.compile(rb"Received: [^\n]*\n(?:\t[^\n]*\n)*")
LEAD = {"delayed": "Not delivered yet", "failed": "Not delivered",
        "delivered": "Delivered", "relayed": "Delivered"}


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


def queue_id(msg):
    """the queue id in the topmost Received (this Postfix's)"""
    r = RCV.match(msg)
    q = re.search(rb"\sid ([0-9A-Za-z]+)[;\s]", r.group(0)) if r else None
    return q.group(1).decode() if q else "?"


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
               else "delivered" if action in ("delivered", "relayed", "expanded")
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
    for want in ("%s: your message to %s." % (LEAD[action], rcpt),
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

    if mode == "dsns":                  # check.py dsns CLI RULES MAILDIR SCENARIOS QIDFILE
        qids = open(sys.argv[6], "w")
        for line in sys.argv[5].split():
            sc, cause, status, actions, rcpt = (line.split(":") + [""])[:5]
            rcpt = rcpt or "user@%s.test" % sc
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
                       check_dsn(msg, cause, status, action, rcpt,
                                 "dsnx scenario " + sc))
                qids.write("%s %s\n" % (queue_id(msg), cause))
            if len(got) != len(actions.split(",")):
                report(sc, ["want %d DSNs, got %d" % (len(actions.split(",")),
                                                      len(got))])
    elif mode == "plain":               # check.py plain CLI RULES MAILDIR RCPT FILE [QIDFILE]
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
            if len(sys.argv) > 7:
                open(sys.argv[7], "a").write(queue_id(got[0][1]) + "\n")
    elif mode == "local":               # check.py local CLI RULES MAILDIR RCPT FILE QIDFILE
        # submitted with sendmail(1): pickup adds its Received and may
        # complete the header; the body must be as sent
        got = find(maildir, sys.argv[5])
        if len(got) != 1:
            report("message from sendmail(1)", ["%d delivered" % len(got)])
        else:
            head, _, body = got[0][1].partition(b"\n\n")
            want = lf(sys.argv[6]).partition(b"\n\n")[2]
            report("ordinary message %s from sendmail(1) arrives with its body "
                   "unchanged, no X-DSN-Explain" % sys.argv[5],
                   [] if body == want and
                   b"\nx-dsn-explain:" not in b"\n" + head.lower()
                   else ["differs from what was sent"])
            open(sys.argv[7], "a").write(queue_id(got[0][1]) + "\n")
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
    elif mode == "negative":            # ... MAILDIR SCENARIO RCPT WHY
        sc, rcpt, why = sys.argv[5], sys.argv[6], sys.argv[7]
        got = find(maildir, "pfx-%s@sink.test" % sc)
        if len(got) != 1:
            report("bounce %s" % why, ["%d delivered" % len(got)])
        else:
            msg = got[0][1]
            probs = check_dsn(msg, "user-unknown", "5.1.1", "failed", rcpt,
                              "dsnx scenario " + sc)
            report("%s: the DSN checks reject the bounce (%s)"
                   % (why, (probs[:1] or ["-"])[0]),
                   [] if probs else ["they accepted it"])
            u = email.message_from_bytes(msg, policy=email.policy.compat32)
            report("%s: the bounce is delivered, Postfix's 3-part report" % why,
                   [] if len(u.get_payload()) == 3 else ["%d parts"
                                                         % len(u.get_payload())])
    return 1 if fails else 0


sys.exit(main())
EOF
# check MODE ARGS...: check.py MODE CLI RULES MAILDIR ARGS...
check() {
	_m=$1
	shift
	"$PYTHON" "$T/check.py" "$_m" "$CLI_BIN" "$RULES_DIR" "$sink" "$@" ||
		failures=$((failures + 1))
}

# --- 1. ordinary mail, over SMTP and from sendmail(1) ------------------------
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
sendmail -C "$P/etc" -i -f sender@sink.test plain-local@sink.test <"$T/plain.eml" \
	>>"$T/send.log" 2>&1 || fail "sendmail(1) -C $P/etc refused the message"
maildir_wait "$sink" 2 30 '^X-Original-To: plain(-local)?@sink\.test$' ||
	fail "ordinary messages not delivered within 30 s"
: >"$T/ordinary-qids"
check plain plain@sink.test "$T/plain.eml" "$T/ordinary-qids"
check local plain-local@sink.test "$T/plain.eml" "$T/ordinary-qids"
n=$(proxy_sessions)
[ "$n" -eq 0 ] &&
	ok "ordinary mail over SMTP and from sendmail(1): no milter session" ||
	fail "ordinary mail opened $n milter session(s): $(head -3 "$T/proxy.log")"

# --- 2. the timer cycle: one message per scenario ----------------------------
# scenario:cause:status:actions[:recipient (default user@SCENARIO.test)]
scenarios="refused:connection-refused:4.4.1:delayed,failed
greylist:greylisted:4.2.0:delayed,failed
ratelimit:rate-limited:4.7.0:delayed,failed
tlsreq:tls-required:4.7.0:delayed,failed
quota:mailbox-full:4.2.2:delayed,failed
unknown:user-unknown:5.1.1:failed
local:delivered:2.0.0:delivered:ok@sink.test
relay:delivered:2.0.0:relayed:user@accept.test"
for s in refused greylist ratelimit tlsreq quota unknown; do
	send --from "pfx-$s@sink.test" --to "user@$s.test" \
		--subject "dsnx scenario $s" || exit 1
done
send --from pfx-local@sink.test --to ok@sink.test --notify SUCCESS \
	--subject "dsnx scenario local" || exit 1
send --from pfx-relay@sink.test --to user@accept.test --notify SUCCESS \
	--subject "dsnx scenario relay" || exit 1
t_sent=$(now)

want=13
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
check dsns "$scenarios" "$T/qids"

# the milter's log: one enriched line per notice, with the cause
while read -r qid cause; do
	c=$(grep -c "^dsnexplain-milter\[[0-9]*\]: $qid: enriched: recipients=1 outcome=[a-z]* status=.* cause=$cause " "$T/milter.log")
	[ "$c" -eq 1 ] || fail "milter log: $c 'enriched ... cause=$cause' lines for $qid (want 1)"
done <"$T/qids"
nenr=$(grep -c ': enriched: ' "$T/milter.log")
[ "$nenr" -eq $want ] && ok "milter log: $want enriched lines, one per notice" ||
	fail "milter log: $nenr enriched lines, want $want"
! grep -q 'error, passed unchanged' "$T/milter.log" ||
	fail "milter log has 'error, passed unchanged'"

# the sessions Postfix opened: one (or more) per notice, none for the rest
nq=0
while read -r qid cause; do
	nq=$((nq + 1))
	c=$(proxy_sessions "^mail [0-9]+ <> $qid\$")
	[ "$c" -ge 1 ] || fail "no milter session carried notice $qid ($cause)"
done <"$T/qids"
nses=$(proxy_sessions)
nnull=$(proxy_sessions '^mail [0-9]+ <> ')
nother=$(proxy_sessions '^mail [0-9]+ <[^>]')
[ "$nother" -eq 0 ] && [ "$nses" -ge "$nq" ] && [ "$nnull" -ge "$nq" ] &&
	ok "milter sessions: $nses for $nq notices, each with MAIL FROM:<>; none for the 8 ordinary messages of the cycle or their retries" ||
	fail "milter sessions: $nses, $nnull with MAIL FROM:<>, $nother with another sender, for $nq notices"
while read -r qid; do
	case $qid in
	\?) fail "no queue id in an ordinary message's Received" ;;
	*) ! grep -q " $qid\$" "$T/proxy.log" ||
		fail "ordinary message $qid reached the milter" ;;
	esac
done <"$T/ordinary-qids"

# --- 3. the recipe cut short: the notice must go unexplained -----------------
# negative NAME WHY CHANGE...: restart with the changes, bounce a message
# (unknown user), check that it is unexplained and opened no milter session
negative() {
	_name=$1 _why=$2
	shift 2
	restart_with "$@" || {
		fail "$_why: Postfix did not restart"
		return
	}
	_n0=$(proxy_sessions)
	send --from "pfx-$_name@sink.test" --to "user@unknown.test" \
		--subject "dsnx scenario $_name" || return
	maildir_wait "$sink" 1 30 "^X-Original-To: pfx-$_name@sink\\.test\$" ||
		fail "$_why: no bounce within 30 s"
	check negative "$_name" user@unknown.test "$_why"
	_n1=$(proxy_sessions)
	[ "$_n1" -eq "$_n0" ] && ok "$_why: no milter session" ||
		fail "$_why: $((_n1 - _n0)) milter session(s)"
}
negative nocleanup "without cleanup_service_name on bounce/defer/trace" \
	"-PX bounce/unix/cleanup_service_name" "-PX defer/unix/cleanup_service_name" \
	"-PX trace/unix/cleanup_service_name"
negative classes "internal_mail_filter_classes on dsnx-cleanup, not on bounce/defer/trace" \
	"-PX bounce/unix/internal_mail_filter_classes" \
	"-PX defer/unix/internal_mail_filter_classes" \
	"-PX trace/unix/internal_mail_filter_classes" \
	"-P dsnx-cleanup/unix/internal_mail_filter_classes=bounce"

# --- 4. the smtpd_milters option (main.cf.snippet) ---------------------------
pfx_main_snippet "$P" "$SMTPD_OPTION" || fail "main.cf.snippet does not apply"
restart_with || fail "Postfix did not restart with main.cf.snippet"
n0=$(proxy_sessions)
send --from sender@sink.test --to plain-smtpd@sink.test "$T/plain.eml"
send --from '' --to replay@sink.test "$replay"
maildir_wait "$sink" 2 30 '^X-Original-To: (plain-smtpd|replay)@sink\.test$' ||
	fail "ordinary message / replayed DSN not delivered within 30 s"
check plain plain-smtpd@sink.test "$T/plain.eml"
check replay replay@sink.test "$replay"
# two SMTP sessions, one after the other: two milter sessions; the
# ordinary one was accepted at MAIL FROM, so no header or body reached it
s1=$((n0 + 1)) s2=$((n0 + 2))
w=0
while ! grep -q "^close $s2 " "$T/proxy.log" && [ $w -lt 100 ]; do
	sleep 0.1
	w=$((w + 1))
done
if [ "$(proxy_sessions)" -eq $s2 ] &&
	grep -q "^mail $s1 <sender@sink.test> " "$T/proxy.log" &&
	grep -q "^close $s1 headers=0 body=0\$" "$T/proxy.log" &&
	grep -q "^mail $s2 <> " "$T/proxy.log" &&
	! grep -q "^close $s2 headers=0 " "$T/proxy.log"; then
	ok "smtpd_milters: each SMTP session opened a milter session; the ordinary message's header and body never reached it"
else
	fail "smtpd_milters: sessions $(proxy_sessions) (was $n0): $(tail -6 "$T/proxy.log" | tr '\n' '|')"
fi
nenr=$(grep -c ': enriched: ' "$T/milter.log")
[ "$nenr" -eq $((want + 1)) ] && ok "milter log: the replayed DSN enriched" ||
	fail "milter log: $nenr enriched lines, want $((want + 1))"

# --- 5. the milter goes away: mail still flows, unchanged --------------------
milter_stop || fail "the milter did not stop on SIGTERM"
grep -q 'stopped$' "$T/milter.log" && ok "milter logged 'stopped'" ||
	fail "milter did not log 'stopped'"
proxy_stop
send --from sender@sink.test --to plain2@sink.test "$T/plain.eml"
send --from '' --to replay2@sink.test "$replay"
send --from pfx-unknown2@sink.test --to user2@unknown.test --subject "dsnx scenario unknown2"
maildir_wait "$sink" 3 30 '^X-Original-To: (plain2|replay2|pfx-unknown2)@sink\.test$' ||
	fail "with the milter down, mail was not delivered within 30 s"
check plain plain2@sink.test "$T/plain.eml"
check replay-unchanged replay2@sink.test "$replay"
check negative unknown2 user2@unknown.test "milter down"
for d in smtpd dsnx-cleanup/cleanup; do
	grep -q "postfix/$d\[[0-9]*\]: warning: connect to Milter service unix:dsnexplain/milter.sock" \
		"$P/log/maillog" &&
		ok "maillog: postfix/$d warns that the milter is unreachable" ||
		fail "maillog: no 'postfix/$d: warning: connect to Milter service' line"
done

"$PYTHON" -c 'import sys; a = [float(x) if x else 0 for x in sys.argv[1:]]
print("timing: up %.1fs; after sending: first delay notice %.1fs, all 13 notices %.1fs;"
      " total %.1fs" % (a[1] - a[0], a[3] - a[2], a[4] - a[2], a[5] - a[0]))' \
	"$t_start" "$t_up" "$t_sent" "${first_delay:-}" "$t_dsns" "$(now)"
[ "$failures" -eq 0 ] || exit 1
echo "$me: PASS"
exit 0
