#!/bin/sh
# gen/sendmail.sh - the Sendmail of tests/mta/generate.sh
#
# usage: sendmail.sh init|start|empty|stop DIR
#   init   write DIR/{sendmail.mc,sendmail.cf,mailertable,access,...}
#   start  start the daemon (queue run every 10 s) and wait for port 25
#   empty  exit 0 when its queue holds no message
#   stop   stop it
# Environment: MTA_ROOT (Debian's sendmail-bin, sendmail-base and
# sendmail-cf unpacked with dpkg -x), MTA_ADDR, SINK_ADDR, SCENARIOS.
#
# Sendmail 8.17 as a private instance, never installed: own .cf, queue,
# aliases; it runs in a mount and UTS namespace of its own (host name
# sendmail.mta.test; /dev a private tmpfs whose /dev/log is
# gen/syslog_sink.py writing DIR/sendmail.log, since Sendmail logs only
# through syslog).  Only inside generate.sh's network namespace.
# Timers: Timeout.queuewarn 30s, Timeout.queuereturn 90s.  Mail for
# sink.test (the DSNs) goes to $SINK_ADDR over SMTP.  The "tls" route is
# an access-map entry TLS_Srv:<peer> ENCR:128 (encryption required).

set -u
cmd=$1 D=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
SM=$MTA_ROOT/usr/libexec/sendmail/sendmail
MAKEMAP=$MTA_ROOT/usr/libexec/sendmail/makemap
CFDIR=$MTA_ROOT/usr/share/sendmail/cf

# the namespace of every sendmail command: host name, /dev with our log
ns_setup='
	D=$0; set -e
	hostname sendmail.mta.test
	mount --rbind /dev "$D/dev"
	mount -t tmpfs -o mode=755 dsnx-dev /dev
	for n in null zero random urandom full tty; do
		[ -e "$D/dev/$n" ] || continue
		touch "/dev/$n"; mount --bind "$D/dev/$n" "/dev/$n"
	done
	ln -s /proc/self/fd /dev/fd
	touch /dev/log; mount --bind "$D/log.sock" /dev/log
	exec "$@"'
inns() {
	unshare --mount --uts --propagation private sh -c "$ns_setup" "$D" "$@"
}

case $cmd in
init)
	mkdir -p "$D/mqueue" "$D/dev" || exit 1
	chmod 755 "$D"
	chmod 700 "$D/mqueue"
	cat >"$D/sendmail.mc" <<EOF
divert(-1)
# written by tests/mta/gen/sendmail.sh
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`sendmail.mta.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`QUEUE_DIR', \`$D/mqueue')dnl
define(\`ALIAS_FILE', \`$D/aliases')dnl
define(\`STATUS_FILE', \`$D/statistics')dnl
define(\`confPID_FILE', \`$D/sendmail.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$D/service.switch')dnl
define(\`confHOSTS_FILE', \`/etc/hosts')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confPRIVACY_FLAGS', \`authwarnings')dnl
define(\`confLOG_LEVEL', \`14')dnl
define(\`confTO_QUEUEWARN', \`30s')dnl
define(\`confTO_QUEUERETURN', \`90s')dnl
define(\`confMIN_QUEUE_AGE', \`0')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_ICONNECT', \`5s')dnl
define(\`confCON_EXPENSIVE', \`False')dnl
define(\`confQUEUE_LA', \`1000')dnl
define(\`confREFUSE_LA', \`1000')dnl
define(\`confDELAY_LA', \`0')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`mailertable', \`hash -o $D/mailertable')dnl
FEATURE(\`access_db', \`hash -T<TMPF> -o $D/access')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA, Port=25, Addr=$MTA_ADDR')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
	m4 -D_CF_DIR_="$CFDIR/" "$CFDIR/m4/cf.m4" "$D/sendmail.mc" >"$D/sendmail.cf" || exit 1
	{
		printf 'sink.test\tesmtp:[%s]\n' "$SINK_ADDR"
		grep -v '^#' "$SCENARIOS" | while read -r name cause route peer beh kind; do
			case $route in
			ip | tls) printf '%s.test\tesmtp:[%s]\n' "$name" "$peer" ;;
			esac
		done
	} >"$D/mailertable"
	{
		printf 'Connect:127\tRELAY\n'
		grep -v '^#' "$SCENARIOS" | while read -r name cause route peer beh kind; do
			[ "$route" = tls ] && printf 'TLS_Srv:%s\tENCR:128\n' "$peer"
		done
	} >"$D/access"
	"$MAKEMAP" -C "$D/sendmail.cf" hash "$D/mailertable" <"$D/mailertable" || exit 1
	"$MAKEMAP" -C "$D/sendmail.cf" hash "$D/access" <"$D/access" || exit 1
	printf 'postmaster: root\nMAILER-DAEMON: postmaster\nroot: postmaster@sink.test\n' >"$D/aliases"
	# DNS only for the MX routes; every answer comes from the fake DNS
	printf 'hosts\tfiles dns\naliases\tfiles\n' >"$D/service.switch"
	: >"$D/statistics"
	python3 "$here/syslog_sink.py" "$D/log.sock" "$D/sendmail.log" 1800 &
	echo $! >"$D/syslog.pid"
	n=0
	while [ ! -S "$D/log.sock" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	inns "$SM" -C "$D/sendmail.cf" -bi >"$D/newaliases.out" 2>&1 || {
		cat "$D/newaliases.out"
		exit 1
	}
	;;
start)
	inns "$SM" -C "$D/sendmail.cf" -bD -q10s >>"$D/sendmail.out" 2>&1 &
	echo $! >"$D/daemon.pid"
	wait_smtp "$MTA_ADDR" || {
		tail -20 "$D/sendmail.log" "$D/sendmail.out"
		exit 1
	}
	;;
empty)
	[ -z "$(find "$D/mqueue" -name 'qf*' 2>/dev/null)" ]
	;;
stop)
	stop_pidfile "$D/daemon.pid"
	stop_pidfile "$D/syslog.pid"
	;;
*)
	echo "usage: sendmail.sh init|start|empty|stop DIR" >&2
	exit 2
	;;
esac
