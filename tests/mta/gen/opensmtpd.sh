#!/bin/sh
# gen/opensmtpd.sh - the OpenSMTPD of tests/mta/generate.sh
#
# usage: opensmtpd.sh init|start|empty|stop DIR
#   init   write DIR/smtpd.conf and make the queue directory
#   start  start smtpd (foreground, debug log to DIR/smtpd.log) and wait
#          for port 25
#   empty  exit 0 when its queue holds no message
#   stop   stop it
# Environment: MTA_ROOT (Debian's opensmtpd unpacked with dpkg -x),
# MTA_ADDR, SINK_ADDR, SCENARIOS.  The users opensmtpd and opensmtpq must
# exist in the namespace's /etc/passwd (generate.sh adds them there).
#
# OpenSMTPD 6.8 as a private instance, never installed.  Its queue
# (/var/spool/smtpd), privilege-separation chroot (/var/lib/opensmtpd/empty)
# and control socket (/run/smtpd.sock) are built into the binary, so it
# runs in a mount and UTS namespace of its own in which those paths are
# private (DIR/spool is bound on the queue) and the host name is
# opensmtpd.mta.test.  Only inside generate.sh's network namespace.
# Timers: "queue ttl 90s" and "bounce warn-interval 30s"; its retry
# schedule is built in (and slower than that), which does not matter: the
# warning and the expiry come from the timers.  DSNs go to
# $SINK_ADDR over SMTP.  The "tls" route relays with "smtp+tls://"
# (STARTTLS mandatory).

set -u
cmd=$1 D=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
SMTPD=$MTA_ROOT/usr/sbin/smtpd

ns_setup='
	D=$0; set -e
	hostname opensmtpd.mta.test
	mount -t tmpfs -o mode=755 dsnx-varlib /var/lib
	mkdir -p /var/lib/opensmtpd/empty
	mount -t tmpfs -o mode=755 dsnx-spool /var/spool
	mkdir -p /var/spool/smtpd
	mount --bind "$D/spool" /var/spool/smtpd
	mount -t tmpfs -o mode=755 dsnx-run /run
	exec "$@"'

case $cmd in
init)
	mkdir -p "$D/spool" || exit 1
	chmod 755 "$D"
	chmod 711 "$D/spool"
	{
		cat <<EOF
# written by tests/mta/gen/opensmtpd.sh
queue ttl 90s
bounce warn-interval 30s
listen on $MTA_ADDR port 25 hostname opensmtpd.mta.test
action "sink" relay host smtp://$SINK_ADDR:25
action "mx" relay
EOF
		grep -v '^#' "$SCENARIOS" | while read -r name cause route peer beh kind; do
			case $route in
			ip) printf 'action "to-%s" relay host smtp://%s:25\n' "$name" "$peer" ;;
			tls) printf 'action "to-%s" relay host smtp+tls://%s:25\n' "$name" "$peer" ;;
			esac
		done
		for from in local any; do
			printf 'match from %s for domain "sink.test" action "sink"\n' "$from"
			grep -v '^#' "$SCENARIOS" | while read -r name cause route peer beh kind; do
				case $route in
				ip | tls) printf 'match from %s for domain "%s.test" action "to-%s"\n' \
					"$from" "$name" "$name" ;;
				mx) printf 'match from %s for domain "%s.test" action "mx"\n' \
					"$from" "$name" ;;
				esac
			done
		done
	} >"$D/smtpd.conf"
	"$SMTPD" -n -f "$D/smtpd.conf" >"$D/smtpd-n.out" 2>&1 || {
		cat "$D/smtpd-n.out"
		exit 1
	}
	;;
start)
	unshare --mount --uts --propagation private sh -c "$ns_setup" "$D" \
		"$SMTPD" -d -f "$D/smtpd.conf" >>"$D/smtpd.log" 2>&1 &
	echo $! >"$D/daemon.pid"
	wait_smtp "$MTA_ADDR" || {
		tail -20 "$D/smtpd.log"
		exit 1
	}
	;;
empty)
	# a message is a directory queue/XX/ID/ with a file "message" in it
	[ -z "$(find "$D/spool/queue" -name message 2>/dev/null)" ]
	;;
stop)
	stop_pidfile "$D/daemon.pid"
	;;
*)
	echo "usage: opensmtpd.sh init|start|empty|stop DIR" >&2
	exit 2
	;;
esac
