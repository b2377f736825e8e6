#!/bin/sh
# sendmail.sh - dsnexplain-milter behind a real Sendmail 8.17, end to end
#
# Runs throwaway Sendmails (unpacked from Debian's sendmail-bin,
# sendmail-base and sendmail-cf with "apt-get download" + "dpkg -x"; never
# installed).  The filtering one listens on 127.0.0.1:10626 with
# contrib/sendmail/dsnexplain.mc as shipped (its socket replaced with the
# test's unix socket) and relays everything, its local users included
# (MAIL_HUB), to tests/mta/fake_smtp.py on 127.0.0.1:10627, which saves
# each message and stands in for the mailboxes.  DSNX_SM_PORT_BASE moves
# the five ports (10626-10630).  Checks:
#   - a DSN sent with MAIL FROM:<> arrives enriched: one X-DSN-Explain
#     field with the expected status and cause, our multipart/alternative
#     with the English text/plain explanation first, the
#     message/delivery-status part and every other original part byte for
#     byte after it, and the whole message equal to "dsnexplain rewrite" of
#     what Sendmail handed the milter (the DSN as sent, in CRLF), apart
#     from the Received field Sendmail adds and the Return-Path it drops;
#   - the milter logs one "enriched:" line per DSN, with Sendmail's queue id;
#   - an ordinary message, and the same DSN with a non-null sender, pass
#     byte for byte (apart from the same Received and Return-Path);
#   - Sendmail's OWN DSNs, with contrib/sendmail/own-notices.mc: a second,
#     "front" Sendmail on 10628 (the MTA that delivers to the outside
#     world; here everything to 10629, where nothing listens, and
#     unknown.test to a 550 peer on 10630) whose local users, @front.test,
#     are served by the filtering one as their mail hub.  A message from
#     alice@front.test to bob@remote.test gets the front's delay warning
#     (after 10 s) and its return (after 40 s), one to carol@unknown.test
#     its immediate return; all three are the front's own DSNs
#     (Reporting-MTA front.test), reach alice through the hub and arrive
#     explained (one X-DSN-Explain, our English text first, Sendmail's
#     three report parts after it), with three more "enriched:" lines;
#   - negative controls: the filtering Sendmail without INPUT_MAIL_FILTER
#     delivers the DSN unchanged, and the front's own bounce through it
#     arrives unexplained; the checks above reject both.
# The DSN is tests/data/samples/postfix-delay-warning-4.4.1.eml, plus
# ../shared/corpus/mta-generated/postfix-delayed-conn-refused.eml when the
# shared corpus sits beside the checkout.  Why Sendmail's own DSNs need
# the hub: Sendmail runs milters only in its SMTP server, and the DSNs it
# writes itself are delivered without passing it (libmilter/README:
# "Email messages must be injected via SMTP to be filtered"); see
# own-notices.mc.  Load average limits are off (confQUEUE_LA,
# confREFUSE_LA 999): on a busy machine Sendmail would otherwise refuse
# connections ("rejecting connections on daemon MTA: load average").
#
# Everything runs on loopback.  Sendmail runs in a private mount namespace
# whose /etc/resolv.conf points at 127.0.0.1 (it looks its own name up by
# DNS even with "hosts files"; nothing answers there, so no query leaves
# the machine) and whose /etc/hosts gives this host a qualified name
# (otherwise it sleeps 60 s at start: "My unqualified host name ...
# unknown").  /dev is a private tmpfs there too, with /dev/log bound to a
# small syslog sink, because Sendmail logs only through syslog.
#
# The unpacked Sendmail is cached in $SMROOT (default
# $top_builddir/tests/sendmail-root) and reused.  Needs root, unshare,
# python3, m4, liblockfile1 and libwrap0, and the Debian archive for the
# first download.  Wall time: about 60 s with the cache, plus the
# download (the front's return takes 40 s).
#
# Run by "make check" with top_srcdir and top_builddir in the environment.
# Exit status: 0 pass, 1 fail, 77 skip (DSNX_MTA_TESTS=no, or a missing
# prerequisite when CI is not "true"; under CI=true that is a failure).

me=sendmail.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SM_PORT=${DSNX_SM_PORT_BASE:-10626}	# the filtering instance (the hub)
SINK_PORT=$((SM_PORT + 1))
FRONT_PORT=$((SM_PORT + 2))	# the front instance of the own-notices recipe
DEAD_PORT=$((SM_PORT + 3))	# nothing listens: "Connection refused"
UNKNOWN_PORT=$((SM_PORT + 4))	# fake_smtp.py "unknown": 550 5.1.1 at RCPT
own_notices=$top_srcdir/contrib/sendmail/own-notices.mc
filter_mc=$top_srcdir/contrib/sendmail/dsnexplain.mc
milter=$top_builddir/milter/dsnexplain-milter
cli=$top_builddir/cli/dsnexplain
rules=$top_srcdir/rules
fake_smtp=$top_srcdir/tests/mta/fake_smtp.py
smroot=${SMROOT:-$top_builddir/tests/sendmail-root}
sm=$smroot/usr/libexec/sendmail/sendmail
dsns="$top_srcdir/tests/data/samples/postfix-delay-warning-4.4.1.eml"
corpus_dsn=$top_srcdir/../shared/corpus/mta-generated/postfix-delayed-conn-refused.eml
[ -f "$corpus_dsn" ] && dsns="$dsns $corpus_dsn"
expect_status=4.4.1
expect_cause=connection-refused

# --- skip or fail on missing prerequisites --------------------------------
if [ "${DSNX_MTA_TESTS:-}" = no ]; then
	echo "$me: SKIP: DSNX_MTA_TESTS=no"
	exit 77
fi
missing() {
	if [ "${CI:-}" = true ]; then
		echo "$me: FAIL: $* (CI=true: every prerequisite must be there)"
		exit 1
	fi
	echo "$me: SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || missing "not root (needs a mount namespace)"
for c in unshare mount python3 m4 dpkg apt-get; do
	command -v "$c" >/dev/null 2>&1 || missing "no $c"
done
for f in "$milter" "$cli"; do
	[ -x "$f" ] || { echo "$me: FAIL: $f is not built"; exit 1; }
done
[ -f "$fake_smtp" ] || { echo "$me: FAIL: $fake_smtp is missing"; exit 1; }

# --- Sendmail, unpacked once into $smroot ---------------------------------
if [ ! -x "$sm" ]; then
	echo "$me: fetching Sendmail into $smroot"
	dl=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-smdeb.XXXXXX") || exit 1
	fetch() {
		(cd "$dl" && apt-get -q -o APT::Sandbox::User=root download \
			sendmail-bin sendmail-base sendmail-cf) >"$dl/apt.log" 2>&1
	}
	if ! fetch; then
		# A machine whose package lists were never fetched: fetch them once.
		apt-get -qq update >>"$dl/apt.log" 2>&1 && fetch
	fi || {
		tail -5 "$dl/apt.log"; rm -rf "$dl"
		missing "cannot download the Sendmail packages from the Debian archive"
	}
	rm -rf "$smroot.new.$$" && mkdir -p "$smroot.new.$$" || exit 1
	for d in "$dl"/*.deb; do
		dpkg -x "$d" "$smroot.new.$$" || { rm -rf "$dl" "$smroot.new.$$"; exit 1; }
	done
	rm -rf "$dl" "$smroot"
	mv "$smroot.new.$$" "$smroot" || exit 1
fi
# (ldd, not "sendmail -d0.1": that looks the host name up and may sleep 60 s)
if ldd "$sm" 2>&1 | grep -q 'not found'; then
	ldd "$sm" | grep 'not found'
	missing "$sm lacks libraries (apt-get install liblockfile1 libwrap0)"
fi

# --- the instance directory and cleanup -----------------------------------
T=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-sm.XXXXXX") || exit 1
chmod 755 "$T"	# Sendmail refuses unsafe paths; /tmp is sticky (TrustStickyBit)
mkdir "$T/mqueue" "$T/got" "$T/dev" && chmod 700 "$T/mqueue" || exit 1
sm_pid='' front_pid='' milter_pid='' sink_pid='' log_pid=''

alive() {	# alive PID: running and not a zombie (PID 1 may reap late)
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	case $(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null) in
	Z|X|'') return 1 ;;
	esac
	return 0
}
stop() {	# stop PID [SECONDS]: SIGTERM, wait, then SIGKILL
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	n=0
	while alive "$1" && [ $n -lt $((${2:-5} * 10)) ]; do
		sleep 0.1; n=$((n + 1))
	done
	alive "$1" && kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
cleanup() {
	stop "$front_pid"
	stop "$sm_pid"
	stop "$milter_pid" 10
	stop "$sink_pid"
	stop "$log_pid"
	if [ "${failures:-1}" -ne 0 ] && [ -d "$T" ]; then
		for f in sendmail.log milter.log sink.log sendmail.out; do
			[ -s "$T/$f" ] || continue
			echo "---- tail of $f"
			tail -40 "$T/$f"
		done
	fi
	if [ -n "${DSNX_KEEP:-}" ]; then echo "$me: kept $T"; else rm -rf "$T"; fi
}
trap cleanup 0
trap 'exit 1' 1 2 15

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# --- helpers in Python: port probe, SMTP client, message checks ------------
cat >"$T/util.py" <<'EOF'
"""Helpers for sendmail.sh: port probes, an SMTP client, message checks."""
import email, email.policy, re, smtplib, socket, subprocess, sys, time

def lf(data):
    return re.sub(rb"\r\n", b"\n", data)

def split(data):
    """(header lines as fields [bytes], body) of an LF message."""
    head, sep, body = data.partition(b"\n\n")
    fields = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\n" + line
        else:
            fields.append(line)
    return fields, body

def name(field):
    return field.split(b":", 1)[0].strip().lower()

def without_received(data, orig):
    """data minus the Received fields the MTA put on top of orig's."""
    fields, body = split(data)
    ofields, _ = split(orig)
    k = len(fields) - len(ofields)
    if k > 0 and all(name(f) == b"received" for f in fields[:k]):
        fields = fields[k:]
    return b"\n".join(fields) + b"\n\n" + body

def parts(data):
    """The raw top-level body parts of a multipart LF message."""
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    b = msg.get_boundary()
    _, body = split(data)
    pieces = re.split(rb"(?m)^--" + re.escape(b.encode()) + rb"(?:--)?[ \t]*\n", body)
    return pieces[1:-1]

def listening(port):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", int(port)))
        return True
    except OSError:
        return False
    finally:
        s.close()

def cmd_port_free(port):
    return 1 if listening(port) else 0

def cmd_wait_port(port, secs):
    end = time.time() + float(secs)
    while time.time() < end:
        if listening(port):
            s = smtplib.SMTP("127.0.0.1", int(port), timeout=10)
            s.quit()
            return 0
        time.sleep(0.05)
    return 1

def cmd_wait_free(port, secs):
    end = time.time() + float(secs)
    while time.time() < end:
        if not listening(port):
            return 0
        time.sleep(0.05)
    return 1

def cmd_send(port, sender, rcpt, path):
    data = re.sub(rb"\r?\n", b"\r\n", open(path, "rb").read())
    s = smtplib.SMTP("127.0.0.1", int(port), local_hostname="client.test",
                     timeout=60)
    try:
        s.sendmail(sender, [rcpt], data)
    finally:
        s.quit()
    return 0

def without_return_path(data):
    """Sendmail drops Return-Path fields from mail it receives."""
    fields, body = split(data)
    return b"\n".join(f for f in fields if name(f) != b"return-path") \
        + b"\n\n" + body

def cmd_same(got, orig):
    """Exit 0 when got equals orig apart from the Received fields Sendmail
    added and the Return-Path fields it removed."""
    g, o = lf(open(got, "rb").read()), lf(open(orig, "rb").read())
    o = without_return_path(o)
    g = without_received(g, o)
    if g == o:
        return 0
    gl, ol = g.split(b"\n"), o.split(b"\n")
    for i, (a, b) in enumerate(zip(gl, ol)):
        if a != b:
            print("  first difference at line %d:\n  got:  %r\n  sent: %r"
                  % (i + 1, a, b))
            break
    else:
        print("  lengths differ: got %d lines, sent %d" % (len(gl), len(ol)))
    return 1

def cmd_enriched(got, orig, cli, rules, status, cause):
    """Exit 0 when got is orig enriched as the milter should enrich it."""
    g, o = lf(open(got, "rb").read()), lf(open(orig, "rb").read())
    bad = []
    fields, gbody = split(g)
    x = [f for f in fields if name(f) == b"x-dsn-explain"]
    if len(x) != 1:
        bad.append("%d X-DSN-Explain fields" % len(x))
    else:
        v = x[0].decode()
        if "status=%s;" % status not in v or "cause=%s;" % cause not in v:
            bad.append("X-DSN-Explain lacks status=%s/cause=%s: %s"
                       % (status, cause, v))
    gp, op = parts(g), parts(o)
    if len(gp) != len(op) + 1:
        bad.append("%d body parts, expected %d" % (len(gp), len(op) + 1))
    else:
        if b"multipart/alternative" not in gp[0].split(b"\n\n")[0] or \
                not re.search(rb"(?m)^Content-Language: en\n(.+\n)*"
                              rb"Content-Type: text/plain", gp[0]):
            bad.append("first part is not our multipart/alternative "
                       "with the English text/plain explanation")
        if gp[1:] != op:
            bad.append("the original parts are not byte for byte the same")
    ds = [p for p in op if re.search(rb"(?im)^content-type:\s*message/delivery-status", p)]
    if len(ds) != 1 or ds[0] not in gp:
        bad.append("the message/delivery-status part is not byte for byte the same")
    # the whole message is "dsnexplain rewrite" of the DSN as sent with
    # CRLF line ends (Sendmail hands the milter the header fields as
    # received, Return-Path included and without its own Received; the
    # boundaries are a hash of those bytes), apart from the Received field
    # Sendmail adds and the Return-Path it drops on the way out
    crlf = re.sub(rb"\r?\n", b"\r\n", open(orig, "rb").read())
    ref = subprocess.run([cli, "rewrite", "--rules", rules, "-"], input=crlf,
                         stdout=subprocess.PIPE, check=True).stdout
    ref = without_return_path(lf(ref))
    g = without_received(g, ref)
    if ref != g:
        rl, gl = ref.split(b"\n"), g.split(b"\n")
        for i, (a, b) in enumerate(zip(rl, gl)):
            if a != b:
                bad.append("differs from dsnexplain rewrite of the DSN, "
                           "line %d:\n  rewrite: %r\n  milter:  %r"
                           % (i + 1, a, b))
                break
        else:
            bad.append("differs from dsnexplain rewrite of the DSN in "
                       "length (%d / %d lines)" % (len(rl), len(gl)))
    for b in bad:
        print("  " + b)
    return 1 if bad else 0

LEAD = {"delayed": "Not delivered yet", "failed": "Not delivered"}

def cmd_explained(got, action, rcpt, reporting_mta):
    """Exit 0 when got is a DSN Sendmail made itself (Reporting-MTA,
    Action, Final-Recipient as given), explained by the milter: one
    X-DSN-Explain field, our multipart/alternative first with the English
    text/plain for ACTION, and Sendmail's own report after it (a text
    part, message/delivery-status, the returned message).  Prints the
    X-DSN-Explain field when there is one."""
    g = lf(open(got, "rb").read())
    bad = []
    fields, _ = split(g)
    x = [f for f in fields if name(f) == b"x-dsn-explain"]
    if len(x) != 1:
        bad.append("%d X-DSN-Explain fields" % len(x))
    else:
        print("  " + x[0].decode())
    msg = email.message_from_bytes(g, policy=email.policy.compat32)
    parts = msg.get_payload() if msg.is_multipart() else []
    types = [p.get_content_type() for p in parts]
    if len(parts) != 4 or types[0] != "multipart/alternative":
        bad.append("parts %s: not ours then Sendmail's three" % types)
    else:
        plain = [p for p in parts[0].walk()
                 if p.get_content_type() == "text/plain"]
        text = plain[0].get_payload(decode=True).decode("utf-8") if plain else ""
        if not plain or plain[0].get("Content-Language") != "en":
            bad.append("no English text/plain first in our part")
        want = "%s: your message to %s." % (LEAD[action], rcpt)
        if want not in text:
            bad.append("our text lacks %r" % want)
        if types[1] != "text/plain" or types[2] != "message/delivery-status" \
                or types[3] not in ("message/rfc822", "text/rfc822-headers"):
            bad.append("Sendmail's report parts are %s" % types[1:])
    ds = re.search(rb"(?ims)^content-type: message/delivery-status\n\n(.*?)\n--", g)
    for w in ("Reporting-MTA: dns; " + reporting_mta, "Action: " + action,
              "Final-Recipient: RFC822; " + rcpt):
        if not ds or w.lower().encode() not in ds.group(1).lower():
            bad.append("delivery-status lacks %r" % w)
    for b in bad:
        print("  " + b)
    return 1 if bad else 0

if __name__ == "__main__":
    sys.exit(globals()["cmd_" + sys.argv[1].replace("-", "_")](*sys.argv[2:]))
EOF
util() { python3 "$T/util.py" "$@"; }

# --- the Sendmail configuration -------------------------------------------
# mkcf NAME FILTER: $T/NAME.cf; FILTER yes adds INPUT_MAIL_FILTER.
mkcf() {
	{
	cat <<EOF
divert(-1)
# dsnexplain test instance ($1); built by tests/mta/sendmail.sh
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`smta.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`QUEUE_DIR', \`$T/mqueue')dnl
define(\`ALIAS_FILE', \`$T/aliases')dnl
define(\`STATUS_FILE', \`$T/statistics')dnl
define(\`confPID_FILE', \`$T/$1.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$T/service.switch')dnl
define(\`confHOSTS_FILE', \`/etc/hosts')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confPRIVACY_FLAGS', \`authwarnings')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_ICONNECT', \`5s')dnl
define(\`confQUEUE_LA', \`999')dnl
define(\`confREFUSE_LA', \`999')dnl
define(\`confLOG_LEVEL', \`14')dnl
define(\`confMILTER_LOG_LEVEL', \`14')dnl
define(\`SMART_HOST', \`sink:[127.0.0.1]')dnl
define(\`MAIL_HUB', \`sink:[127.0.0.1]')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
RELAY_DOMAIN(\`sink.test')dnl
RELAY_DOMAIN(\`front.test')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA, Port=$SM_PORT, Addr=127.0.0.1')dnl
EOF
	# contrib/sendmail/dsnexplain.mc as shipped, with the test's socket
	# (F= empty: if the milter is unreachable, mail passes unfiltered)
	[ "$2" = yes ] && sed "s|S=unix:[^,]*,|S=unix:$T/milter.sock,|" "$filter_mc"
	cat <<EOF
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MAILER_DEFINITIONS
Msink, P=[IPC], F=mDFMuXa, S=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP, E=\r\n, L=990, T=DNS/RFC822/SMTP, A=TCP \$h $SINK_PORT
EOF
	} >"$T/$1.mc"
	m4 -D_CF_DIR_="$smroot/usr/share/sendmail/cf/" \
		"$smroot/usr/share/sendmail/cf/m4/cf.m4" "$T/$1.mc" >"$T/$1.cf"
}

# mkcf_front: $T/front.cf, a Sendmail that delivers to the outside world
# (here: everything to [127.0.0.1]:DEAD_PORT, where nothing listens, and
# unknown.test to the 550 peer) and whose local users (front.test) are
# served by a hub, the instance on SM_PORT: contrib/sendmail/own-notices.mc
# as shipped, its hub port 10026 replaced with SM_PORT.  Short timers: a
# delay warning after 10 s, the return after 40 s.
mkcf_front() {
	tab=$(printf '\t')
	{
	cat <<EOF
divert(-1)
# dsnexplain test instance (front); built by tests/mta/sendmail.sh
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`front.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`QUEUE_DIR', \`$T/mqueue-front')dnl
define(\`ALIAS_FILE', \`$T/aliases')dnl
define(\`STATUS_FILE', \`$T/statistics')dnl
define(\`confPID_FILE', \`$T/front.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$T/service.switch')dnl
define(\`confHOSTS_FILE', \`/etc/hosts')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confPRIVACY_FLAGS', \`authwarnings')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_ICONNECT', \`5s')dnl
define(\`confTO_QUEUEWARN', \`10s')dnl
define(\`confTO_QUEUERETURN', \`40s')dnl
define(\`confQUEUE_LA', \`999')dnl
define(\`confREFUSE_LA', \`999')dnl
define(\`confLOG_LEVEL', \`14')dnl
define(\`SMART_HOST', \`dead:[127.0.0.1]')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
RELAY_DOMAIN(\`remote.test')dnl
RELAY_DOMAIN(\`unknown.test')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA, Port=$FRONT_PORT, Addr=127.0.0.1')dnl
EOF
	# the recipe: its define lines here, its mailers after MAILER()
	sed '/^MAILER_DEFINITIONS/,$d' "$own_notices"
	cat <<EOF
MAILER(\`local')dnl
MAILER(\`smtp')dnl
LOCAL_RULE_0
R\$* < @ unknown.test . > \$*${tab}\$#unknown \$@ [127.0.0.1] \$: \$1 < @ unknown.test . > \$2
MAILER_DEFINITIONS
Mdead, P=[IPC], F=mDFMuXa, S=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP, E=\r\n, L=990, T=DNS/RFC822/SMTP, A=TCP \$h $DEAD_PORT
Munknown, P=[IPC], F=mDFMuXa, S=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP, E=\r\n, L=990, T=DNS/RFC822/SMTP, A=TCP \$h $UNKNOWN_PORT
EOF
	sed '1,/^MAILER_DEFINITIONS/d' "$own_notices" |
		sed "s/ 10026\$/ $SM_PORT/"
	} >"$T/front.mc"
	grep -q "^Mdsnxhub,.* A=TCP \\\$h $SM_PORT\$" "$T/front.mc" || return 1
	m4 -D_CF_DIR_="$smroot/usr/share/sendmail/cf/" \
		"$smroot/usr/share/sendmail/cf/m4/cf.m4" "$T/front.mc" >"$T/front.cf"
}

# inns CMD...: run CMD in a private mount namespace (resolv.conf, hosts,
# a /dev whose log socket is our sink).  unshare and sh exec CMD, so a
# background "inns CMD &" would still leave $! the subshell's pid: smstart
# calls unshare itself.
ns_setup='
	T=$0; set -e
	mount --bind "$T/resolv.conf" /etc/resolv.conf
	mount --bind "$T/hosts" /etc/hosts
	mount --rbind /dev "$T/dev"
	mount -t tmpfs -o mode=755 dsnx-dev /dev
	for n in null zero random urandom full tty; do
		[ -e "$T/dev/$n" ] || continue
		touch "/dev/$n"; mount --bind "$T/dev/$n" "/dev/$n"
	done
	ln -s /proc/self/fd /dev/fd
	touch /dev/log; mount --bind "$T/log.sock" /dev/log
	exec "$@"'
inns() {
	unshare --mount --propagation private sh -c "$ns_setup" "$T" "$@"
}

# smstart NAME: Sendmail with $T/NAME.cf in the foreground (-bD), so that
# $! is its pid (unshare and sh exec it).
smstart() {
	util wait-free $SM_PORT 10 || { fail "127.0.0.1:$SM_PORT is in use"; exit 1; }
	unshare --mount --propagation private sh -c "$ns_setup" "$T" \
		"$sm" -C "$T/$1.cf" -bD >>"$T/sendmail.out" 2>&1 &
	sm_pid=$!
	if ! util wait-port $SM_PORT 15; then
		fail "Sendmail ($1) does not listen on 127.0.0.1:$SM_PORT"
		exit 1
	fi
}

# smstart_front: the front instance, running its queue every 5 s
smstart_front() {
	util wait-free $FRONT_PORT 10 || { fail "127.0.0.1:$FRONT_PORT is in use"; exit 1; }
	unshare --mount --propagation private sh -c "$ns_setup" "$T" \
		"$sm" -C "$T/front.cf" -bD -q5s >>"$T/sendmail.out" 2>&1 &
	front_pid=$!
	if ! util wait-port $FRONT_PORT 15; then
		fail "Sendmail (front) does not listen on 127.0.0.1:$FRONT_PORT"
		exit 1
	fi
}

# sink_wait N SECS: wait until N saved messages wait in $T/sink; false on
# timeout.  own_notices_run LABEL: move them to $T/got/LABEL-K.eml.
sink_wait() {
	w=0
	while [ "$(ls "$T/sink" | wc -l)" -lt "$1" ] && [ $w -lt $(($2 * 10)) ]; do
		sleep 0.1; w=$((w + 1))
	done
	[ "$(ls "$T/sink" | wc -l)" -ge "$1" ]
}
collect() {
	k=0
	for f in $(ls "$T/sink" | sort); do
		k=$((k + 1))
		mv "$T/sink/$f" "$T/got/$1-$k.eml"
		n_saved=$((n_saved + 1))
	done
}
# dsn_of FILE: "ACTION RECIPIENT" from its delivery-status part
dsn_of() {
	a=$(sed -n 's/^Action: *//p' "$1" | head -1 | tr -d '\r')
	r=$(sed -n 's/^Final-Recipient: *[Rr][Ff][Cc]822; *//p' "$1" | head -1 | tr -d '\r')
	echo "$a $r"
}

# deliver LABEL SENDER FILE: send FILE through Sendmail, wait for the sink to
# save it, move it to $T/got/LABEL.eml.  Returns 1 when nothing arrived.
n_saved=0
deliver() {
	if ! util send $SM_PORT "$2" "user@sink.test" "$3" >"$T/send.out" 2>&1; then
		fail "$1: Sendmail refused the message: $(tail -1 "$T/send.out")"
		return 1
	fi
	n_saved=$((n_saved + 1))
	f=$(printf '%s/%03d-%d.eml' "$T/sink" $n_saved $SINK_PORT)
	w=0
	while [ ! -f "$f" ] && [ $w -lt 200 ]; do sleep 0.1; w=$((w + 1)); done
	if [ ! -f "$f" ]; then
		fail "$1: nothing reached the sink in 20 s"
		n_saved=$((n_saved - 1))
		return 1
	fi
	mv "$f" "$T/got/$1.eml"
}

# --- set up ----------------------------------------------------------------
start_time=$(date +%s)
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$T/resolv.conf"
h=$(hostname)
{ printf '127.0.0.1\t%s.smta.test %s localhost\n' "$h" "$h"; cat /etc/hosts; } >"$T/hosts"
printf 'hosts\tfiles\naliases\tfiles\n' >"$T/service.switch"
printf 'postmaster: root\nMAILER-DAEMON: postmaster\n' >"$T/aliases"
: >"$T/statistics"
for p in $SM_PORT $SINK_PORT $FRONT_PORT $DEAD_PORT $UNKNOWN_PORT; do
	util port-free "$p" || { fail "127.0.0.1:$p is already in use"; exit 1; }
done

# syslog sink for Sendmail (only for the diagnostics on failure)
python3 - "$T/log.sock" "$T/sendmail.log" 300 <<'EOF' &
import os, select, signal, socket, sys, time
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
path, out, life = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
end = time.time() + life
with open(out, "a") as f:
    while time.time() < end:
        if select.select([s], [], [], 0.5)[0]:
            line = s.recv(65536).decode("utf-8", "replace").rstrip("\n\0")
            f.write(time.strftime("%H:%M:%S ") + line + "\n")
            f.flush()
EOF
log_pid=$!

mkdir "$T/sink"
python3 "$fake_smtp" --lifetime 300 --savedir "$T/sink" --log "$T/sink.log" \
	--pidfile "$T/sink.pid" $SINK_PORT:accept $UNKNOWN_PORT:unknown &
sink_pid=$!

"$milter" -f -o Syslog=no -s none -r "$rules" -p "unix:$T/milter.sock" \
	2>"$T/milter.log" &
milter_pid=$!

i=0
while { [ ! -S "$T/milter.sock" ] || [ ! -s "$T/sink.pid" ] || [ ! -S "$T/log.sock" ]; } \
	&& [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
[ -S "$T/milter.sock" ] || { fail "the milter did not create $T/milter.sock in 10 s"; exit 1; }
[ -s "$T/sink.pid" ] || { fail "fake_smtp.py did not start"; exit 1; }
[ -S "$T/log.sock" ] || { fail "the syslog sink did not start"; exit 1; }

mkcf filtered yes || { fail "m4 could not build filtered.cf"; exit 1; }
grep -q "^Xdsnexplain, S=unix:$T/milter.sock, F=, T=" "$T/filtered.cf" &&
	[ "$(grep -c '^X' "$T/filtered.cf")" -eq 1 ] ||
	{ fail "filtered.cf does not have exactly the filter of $filter_mc"; exit 1; }
mkcf plain no || { fail "m4 could not build plain.cf"; exit 1; }
inns "$sm" -C "$T/filtered.cf" -bi >>"$T/sendmail.out" 2>&1 \
	|| { fail "newaliases failed"; cat "$T/sendmail.out"; exit 1; }

cat >"$T/ordinary.eml" <<'EOF'
From: Alice Example <alice@smta.test>
To: Bob Example <user@sink.test>
Subject: lunch on Friday
Date: Mon, 23 Nov 2026 12:00:00 +0000
Message-ID: <ordinary-1@smta.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello Bob,

shall we meet at noon?
.a line that starts with a dot
Alice
EOF

# --- with the milter --------------------------------------------------------
smstart filtered
i=0
for dsn in $dsns; do
	i=$((i + 1))
	label=dsn$i
	deliver $label "" "$dsn" || continue
	if util enriched "$T/got/$label.eml" "$dsn" "$cli" "$rules" \
		$expect_status $expect_cause; then
		pass "$label (${dsn##*/}) from <> arrives enriched"
	else
		fail "$label (${dsn##*/}) from <> is not enriched as expected"
	fi
	# the milter's i-th "enriched" line names the queue id of a null-sender
	# message in Sendmail's log
	line=$(grep ": enriched: recipients=1 outcome=[a-z]* status=$expect_status reason=[a-z]* cause=$expect_cause rule=" \
		"$T/milter.log" | sed -n ${i}p)
	qid=$(printf '%s\n' "$line" | sed -n 's/^[^:]*: \([A-Za-z0-9]*\): enriched: .*/\1/p')
	if [ -z "$line" ]; then
		fail "$label: no 'enriched: ... cause=$expect_cause' line in the milter's log"
	elif [ -z "$qid" ] || ! grep -q "\[[0-9]*\]: $qid: from=<>" "$T/sendmail.log"; then
		fail "$label: queue id '$qid' of the milter's log is not a from=<> message in Sendmail's log"
	else
		pass "$label: milter log: ${line#*: }"
	fi
done

# expect_same LABEL SENDER FILE WHAT: FILE through Sendmail arrives as sent
expect_same() {
	deliver "$1" "$2" "$3" || return 0
	if util same "$T/got/$1.eml" "$3"; then
		pass "$4 passes byte for byte"
	else
		fail "$4 was changed"
	fi
}
expect_same ordinary "alice@smta.test" "$T/ordinary.eml" "an ordinary message"
first_dsn=${dsns%% *}
expect_same nonnull "alice@smta.test" "$first_dsn" "the DSN with a non-null sender"

# --- Sendmail's own notices, through a hub (contrib/sendmail/own-notices.mc)
# The front Sendmail (FRONT_PORT) serves its local users, @front.test,
# through the hub, the filtered instance above.  alice@front.test sends
# to bob@remote.test (connection refused: a delay warning after 10 s,
# the return after 40 s) and to carol@unknown.test (550 5.1.1: returned
# at once).  All three DSNs are the front's own (Reporting-MTA
# front.test), reach alice through the hub, and must arrive explained.
mkcf_front || { fail "could not build front.cf from $own_notices"; exit 1; }
mkdir "$T/mqueue-front" && chmod 700 "$T/mqueue-front" || exit 1
cat >"$T/own.eml" <<'EOF'
From: Alice Example <alice@front.test>
To: <bob@remote.test>
Subject: a message that will not get through
Date: Mon, 23 Nov 2026 12:00:00 +0000
Message-ID: <own-1@front.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello,
this one goes nowhere.
EOF
own_before=$(grep -c ': enriched: ' "$T/milter.log")
own_t0=$(date +%s)
smstart_front
util send $FRONT_PORT alice@front.test bob@remote.test "$T/own.eml" >"$T/send.out" 2>&1 ||
	fail "front refused the message to bob@remote.test: $(tail -1 "$T/send.out")"
util send $FRONT_PORT alice@front.test carol@unknown.test "$T/own.eml" >"$T/send.out" 2>&1 ||
	fail "front refused the message to carol@unknown.test: $(tail -1 "$T/send.out")"
sink_wait 3 120 || fail "own notices: $(ls "$T/sink" | wc -l) of 3 DSNs reached the sink in 120 s"
own_secs=$(($(date +%s) - own_t0))
collect own
for want in "failed carol@unknown.test" "delayed bob@remote.test" "failed bob@remote.test"; do
	f=''
	for g in "$T"/got/own-*.eml; do
		[ -f "$g" ] && [ "$(dsn_of "$g")" = "$want" ] && f=$g
	done
	if [ -z "$f" ]; then
		fail "own notices: no '$want' DSN arrived"
	elif util explained "$f" $want front.test >"$T/explained.out"; then
		pass "own notice ($want) from the front arrives explained: $(sed -n '1s/^ *//p' "$T/explained.out")"
	else
		fail "own notice ($want) is not explained as expected:"
		cat "$T/explained.out"
	fi
done
n=$(($(grep -c ': enriched: ' "$T/milter.log") - own_before))
[ "$n" -eq 3 ] && pass "milter log: 3 more enriched lines" ||
	fail "milter log: $n more enriched lines, want 3"
grep -q 'sender notify: Warning: could not send message for past' "$T/sendmail.log" &&
	pass "the front logged its delay warning ('sender notify')" ||
	fail "no 'sender notify: Warning' line in Sendmail's log"
stop "$front_pid"; front_pid=''
echo "$me: own notices: 3 DSNs in ${own_secs}s"

if grep -q "error, passed unchanged" "$T/milter.log"; then
	fail "the milter logged an error: $(grep -m1 'error, passed unchanged' "$T/milter.log")"
fi
alive "$milter_pid" || fail "the milter is no longer running"
stop "$sm_pid"; sm_pid=''

# --- negative control: no INPUT_MAIL_FILTER ----------------------------------
smstart plain
expect_same control "" "$first_dsn" "control: without INPUT_MAIL_FILTER the DSN"
# the check that passed the milter's output must reject this one
if [ -f "$T/got/control.eml" ]; then
	if util enriched "$T/got/control.eml" "$first_dsn" "$cli" "$rules" \
		$expect_status $expect_cause >"$T/control.out"; then
		fail "control: the enrichment check accepts an unfiltered DSN"
	else
		pass "control: the enrichment check rejects it ($(sed -n '1s/^ *//p' "$T/control.out"))"
	fi
fi
# the front's own bounce through a hub without the milter: the check that
# passed the explained ones must reject it
smstart_front
util send $FRONT_PORT alice@front.test carol@unknown.test "$T/own.eml" >"$T/send.out" 2>&1 ||
	fail "front refused the control message: $(tail -1 "$T/send.out")"
if sink_wait 1 30; then
	collect owncontrol
	if util explained "$T/got/owncontrol-1.eml" failed carol@unknown.test front.test \
		>"$T/control.out"; then
		fail "control: the own-notice check accepts the front's bounce without the milter"
	else
		pass "control: the own-notice check rejects the front's bounce through a hub without the milter ($(sed -n '1s/^ *//p' "$T/control.out"))"
	fi
else
	fail "control: the front's bounce did not reach the sink in 30 s"
fi
stop "$front_pid"; front_pid=''
stop "$sm_pid"; sm_pid=''

echo "$me: $(($(date +%s) - start_time)) s after the download"
[ "$failures" -eq 0 ] || { echo "$me: $failures failure(s)"; exit 1; }
echo "$me: all passed"
exit 0
