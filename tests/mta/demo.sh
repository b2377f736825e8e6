#!/bin/sh
# demo.sh - the README's quick start: see dsnexplain-milter explain a real
# Postfix delay notice, on loopback, in about half a minute.
#
# usage: sh tests/mta/demo.sh [BUILD_DIR]      (as root; Postfix installed)
#
# Starts a throwaway Postfix (tests/mta/pfx.sh, smtpd on 127.0.0.1:10225,
# everything under a mktemp -d directory) with dsnexplain-milter from
# BUILD_DIR (default: this checkout) on a unix socket as its
# non_smtpd_milters, with internal_mail_filter_classes = bounce.  Sends one
# message to friend@refused.test, whose mail server is 127.0.0.1:2750 where
# nothing listens.  Postfix retries; after ~20 s it writes a delay notice,
# which passes the milter.  Prints that notice's X-DSN-Explain header and
# its plain-language part (decoded) to standard output, progress to standard
# error, then stops Postfix and the milter and removes the temp dir (also on
# ^C).  Not a test: it checks nothing beyond the notice arriving (exit 1 if
# it does not within 90 s).  Never sends anything off 127.0.0.1.

me=demo.sh
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir}" 2>/dev/null && pwd) || {
	echo "$me: no build directory ${1:-}" >&2
	exit 1
}
. "$here/lib.sh"
SMTPD_PORT=10225
REFUSED_PORT=2750

say() { echo "$me: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "run me as root (Postfix needs it)"; exit 1; }
case :$PATH: in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
command -v postfix >/dev/null 2>&1 || { say "install Postfix first (apt-get install postfix)"; exit 1; }
command -v "$PYTHON" >/dev/null 2>&1 || { say "python3 is needed"; exit 1; }
[ -x "$MILTER_BIN" ] || { say "$MILTER_BIN is not built (run make)"; exit 1; }
for p in $SMTPD_PORT $REFUSED_PORT; do
	port_free $p || { say "127.0.0.1:$p is in use; stop whatever listens there"; exit 1; }
done

mta_tmpdir demo
trap 'rc=$?; trap - EXIT; [ $rc -eq 0 ] || dump_logs >&2; mta_cleanup >&2; exit $rc' EXIT
trap 'exit 1' HUP INT TERM

say "starting dsnexplain-milter and a private Postfix in $T"
milter_start >&2 || exit 1
SMTPD_PORT=$SMTPD_PORT PFX_PEER_BASE=$REFUSED_PORT \
	PFX_NON_SMTPD_MILTERS="unix:$T/milter.sock" \
	sh "$MTA_DIR/pfx.sh" init "$T/pfx" >"$T/pfx-init.log" 2>&1 || {
	cat "$T/pfx-init.log" >&2
	exit 1
}
sh "$MTA_DIR/pfx.sh" start "$T/pfx" >&2 || exit 1

say "sending a message from you@sink.test to friend@refused.test (nobody answers there)"
"$PYTHON" "$MTA_DIR/send.py" --port $SMTPD_PORT --from you@sink.test \
	--to friend@refused.test --subject "Lunch on Friday?" >&2 || exit 1
say "waiting for Postfix's delay notice (about 20 s)..."
maildir_wait "$T/pfx/mail/sink" 1 90 '^Subject: Delayed Mail' || {
	say "no delay notice within 90 s"
	exit 1
}
f=$(find "$T/pfx/mail/sink/new" "$T/pfx/mail/sink/cur" -type f | head -n 1)
"$PYTHON" - "$f" <<'EOF'
import email, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                     policy=email.policy.default)
print("Subject: %s" % msg["Subject"])
print("X-DSN-Explain: %s" % msg["X-DSN-Explain"])
print()
for part in msg.walk():
    if part.get_content_type() == "text/plain" and part["Content-Language"]:
        print(part.get_content().rstrip("\n"))
        break
else:
    print("(no explanation was added: is the milter running?)")
EOF
say "stopping and cleaning up"
exit 0
