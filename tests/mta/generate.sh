#!/bin/sh
# generate.sh - make real MTAs write real DSNs for the test set in
# tests/data/mta/ (delay notices and bounces for induced causes)
#
# usage: tests/mta/generate.sh [OUTDIR]
#
# Runs Postfix (the installed Debian package), Sendmail, Exim 4 and
# OpenSMTPD (Debian's packages fetched with "apt-get download" and unpacked
# with "dpkg -x" into $DSNX_MTA_CACHE, never installed: they conflict with
# each other and with the installed Postfix) as private instances with
# their own configuration, queue and short timers, each against the same
# scripted peers, one per induced cause (tests/mta/gen/scenarios): refused,
# timed-out and dropped connections, DNS SERVFAIL and NXDOMAIN,
# greylisting, rate limits, TLS demanded by the peer or required by the
# MTA, mailbox full, unknown user, message too big, policy rejection.
# Every MTA relays the DSNs it writes to a saving SMTP sink.  Then
# gen/keep.py files each DSN as OUTDIR/<mta>/<scenario>-<kind>.eml (kind:
# delayed = delay notice, expired = given up after retrying, failed =
# rejected at once) and writes OUTDIR/manifest.jsonl.  OUTDIR defaults to
# tests/data/mta of this checkout.  Old .eml files of a regenerated MTA are
# replaced; the manifest lists what OUTDIR then holds.
#
# Everything runs in a private network namespace (unshare --net) whose only
# interface is its own loopback, so no packet can leave the machine and no
# port of the host is used; inside it a private mount namespace gives the
# MTAs a resolv.conf that names only the fake DNS on 127.0.0.1, an
# /etc/hosts with the test names, and an /etc/passwd and /etc/group with
# the users Exim and OpenSMTPD expect (Debian-exim, opensmtpd,
# opensmtpq): the host's files are not changed.  See gen/netns.sh.
#
# Needs root, util-linux (unshare, nsenter), iproute2 (ip), python3, m4,
# the postfix package, and the Debian archive for the first download (the
# libraries the unpacked MTAs link against are installed with apt-get
# when missing: liblockfile1 libwrap0 libidn12 libdb5.3 libevent-2.1-7
# libgnutls-dane0).  It is not part of "make check": it takes 3-6 minutes
# (the OpenSMTPD connect timeout of about two minutes is the longest wait).
#
# Environment: GEN_MTAS (default "postfix sendmail exim opensmtpd"),
# GEN_TIMEOUT (seconds to wait for every queue to empty, default 600),
# DSNX_MTA_CACHE (default ${TMPDIR:-/tmp}/dsnx-mta-root), GEN_KEEP=1 keeps
# the work directory (configs, logs, queues, raw sink files).
# Exit status: 0 done, 1 a failure, 2 usage or missing prerequisite.

set -u
me=generate.sh
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
OUT=${1:-$top_srcdir/tests/data/mta}
MTAS=${GEN_MTAS:-postfix sendmail exim opensmtpd}
CACHE=${DSNX_MTA_CACHE:-${TMPDIR:-/tmp}/dsnx-mta-root}
PATH=$PATH:/usr/sbin:/sbin

die() { echo "$me: $*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, port 25 and 53 inside them)"
for c in unshare nsenter ip python3 m4 dpkg apt-get postfix postconf; do
	command -v "$c" >/dev/null 2>&1 || die "$c not found"
done
for m in $MTAS; do
	case $m in postfix | sendmail | exim | opensmtpd) ;; *) die "unknown MTA $m" ;; esac
done

# --- the MTAs, unpacked once ---------------------------------------------
debs() {
	case $1 in
	sendmail) echo sendmail-bin sendmail-base sendmail-cf ;;
	exim) echo exim4-base exim4-daemon-light ;;
	opensmtpd) echo opensmtpd ;;
	esac
}
main_package() {
	case $1 in
	sendmail) echo sendmail-bin ;; exim) echo exim4-daemon-light ;;
	opensmtpd) echo opensmtpd ;; postfix) echo postfix ;;
	esac
}
binary() {
	case $1 in
	sendmail) echo "$CACHE/sendmail/usr/libexec/sendmail/sendmail" ;;
	exim) echo "$CACHE/exim/usr/sbin/exim4" ;;
	opensmtpd) echo "$CACHE/opensmtpd/usr/sbin/smtpd" ;;
	esac
}
libs="liblockfile1 libwrap0 libidn12 libdb5.3 libevent-2.1-7 libgnutls-dane0"
missing=
for p in $libs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "$me: installing the libraries the unpacked MTAs need:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		$missing >/dev/null || die "apt-get install$missing failed"
fi
for m in $MTAS; do
	[ "$m" = postfix ] && continue
	[ -x "$(binary "$m")" ] && continue
	echo "$me: fetching $(debs "$m") into $CACHE/$m"
	dl=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-deb.XXXXXX") || exit 1
	# shellcheck disable=SC2046
	if ! (cd "$dl" && apt-get -q -o APT::Sandbox::User=root download $(debs "$m")) \
		>"$dl/apt.log" 2>&1; then
		apt-get -qq update >>"$dl/apt.log" 2>&1
		# shellcheck disable=SC2046
		(cd "$dl" && apt-get -q -o APT::Sandbox::User=root download $(debs "$m")) \
			>>"$dl/apt.log" 2>&1 || { tail -5 "$dl/apt.log"; rm -rf "$dl"; die "download failed"; }
	fi
	rm -rf "$CACHE/$m.new" && mkdir -p "$CACHE/$m.new" || exit 1
	for d in "$dl"/*.deb; do
		dpkg -x "$d" "$CACHE/$m.new" || die "dpkg -x $d failed"
		dpkg-deb -W --showformat='${Package} ${Version}\n' "$d" >>"$CACHE/$m.new/VERSIONS"
	done
	rm -rf "$dl" "$CACHE/$m"
	mv "$CACHE/$m.new" "$CACHE/$m" || exit 1
done
for m in $MTAS; do
	[ "$m" = postfix ] && continue
	if ldd "$(binary "$m")" | grep -q 'not found'; then
		ldd "$(binary "$m")" | grep 'not found'
		die "$m lacks libraries"
	fi
done

# --- the work directory and the namespace's /etc files --------------------
W=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-gen.XXXXXX") || exit 1
chmod 755 "$W"
if [ "${GEN_KEEP:-0}" = 1 ]; then
	trap 'echo "$me: kept $W"' 0
else
	trap 'rm -rf "$W"' 0
fi
trap 'exit 1' 1 2 15
mkdir -p "$W/etc"
# users for Exim and OpenSMTPD, seen only inside the namespace; uids far
# from the host's
{
	grep -v -E '^(Debian-exim|opensmtpd|opensmtpq):' /etc/passwd
	echo 'Debian-exim:x:64101:64101:Exim (generate.sh):/nonexistent:/usr/sbin/nologin'
	echo 'opensmtpd:x:64102:64102:OpenSMTPD (generate.sh):/nonexistent:/usr/sbin/nologin'
	echo 'opensmtpq:x:64103:64103:OpenSMTPD queue (generate.sh):/nonexistent:/usr/sbin/nologin'
} >"$W/etc/passwd"
{
	grep -v -E '^(Debian-exim|opensmtpd|opensmtpq):' /etc/group
	echo 'Debian-exim:x:64101:'
	echo 'opensmtpd:x:64102:'
	echo 'opensmtpq:x:64103:'
} >"$W/etc/group"
cat >"$W/etc/hosts" <<'EOF'
127.0.0.1	localhost
127.0.1.1	postfix.mta.test
127.0.1.2	sendmail.mta.test sendmail
127.0.1.3	exim.mta.test
127.0.1.4	opensmtpd.mta.test
EOF
printf '127.0.0.1\t%s.mta.test %s\n' "$(hostname)" "$(hostname)" >>"$W/etc/hosts"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$W/etc/resolv.conf"

# --- run -------------------------------------------------------------------
echo "$me: running $MTAS in a private network namespace (work dir $W)"
t0=$(date +%s)
GEN_ROOT=$CACHE GEN_MTAS=$MTAS EXIM_USER=Debian-exim \
	unshare --net --mount --propagation private sh "$here/gen/netns.sh" "$W"
rc=$?
echo "$me: the MTAs ran for $(($(date +%s) - t0)) s (netns.sh exit $rc)"
for m in $MTAS; do
	p=$(main_package "$m")
	case $m in
	postfix) dpkg-query -W -f='${Package} ${Version}\n' postfix ;;
	*) grep "^$p " "$CACHE/$m/VERSIONS" ;;
	esac >"$W/sink/$m.version"
done
python3 "$here/gen/keep.py" --scenarios "$here/gen/scenarios" --sinks "$W/sink" \
	--out "$OUT" $MTAS || rc=1
[ $rc -eq 0 ] || GEN_KEEP=1
[ "${GEN_KEEP:-0}" = 1 ] && trap 'echo "$me: kept $W"' 0
exit $rc
