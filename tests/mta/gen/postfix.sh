#!/bin/sh
# gen/postfix.sh - the Postfix of tests/mta/generate.sh
#
# usage: postfix.sh init|start|empty|stop DIR
#   init   write DIR/etc/{main.cf,master.cf,transport} and the queue
#   start  start it and wait until smtpd listens on $MTA_ADDR:25
#   empty  exit 0 when its queue holds no message
#   stop   stop it and wait until the master is gone
# Environment: MTA_ADDR (listen address), SINK_ADDR (where mail for
# sink.test, i.e. every DSN, is relayed), SCENARIOS (gen/scenarios).
#
# The installed Debian postfix, as a private instance (own config, queue,
# log file; no chroot, no syslog).  Only runs inside generate.sh's network
# namespace: it listens on and talks to loopback addresses only and looks
# names up (MX routes only) through that namespace's resolv.conf.
# Timers: a delay notice once a message has waited 15 s, expiry after 60 s.
# It does not deliver anything locally: DSNs go to $SINK_ADDR over SMTP.

set -u
cmd=$1 D=$2
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

case $cmd in
init)
	mkdir -p "$D/etc" "$D/spool" "$D/data" "$D/log" || exit 1
	chmod 755 "$D"
	cat >"$D/etc/main.cf" <<EOF
# written by tests/mta/gen/postfix.sh
compatibility_level = 3.6
queue_directory = $D/spool
data_directory = $D/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.mta.test
mydomain = mta.test
myorigin = postfix.mta.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains =
inet_interfaces = $MTA_ADDR
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtpd_banner = \$myhostname ESMTP
local_header_rewrite_clients =
biff = no
maillog_file = $D/log/maillog
maillog_file_prefixes = $D
smtp_dns_support_level = disabled
smtp_host_lookup = native
default_transport = error:5.1.2 this instance routes only its test domains
relay_transport = error:5.1.2 this instance routes only its test domains
transport_maps = texthash:$D/etc/transport
message_size_limit = 52428800
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
delay_warning_time = 15s
maximal_queue_lifetime = 60s
bounce_queue_lifetime = 60s
smtp_connect_timeout = 5s
EOF
	cat >"$D/etc/master.cf" <<EOF
# written by tests/mta/gen/postfix.sh; every service chroot n
$MTA_ADDR:25 inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
smtpdns   unix  -       -       n       -       -       smtp
  -o smtp_dns_support_level=enabled
  -o smtp_host_lookup=dns
smtptls   unix  -       -       n       -       -       smtp
  -o smtp_tls_security_level=encrypt
EOF
	{
		printf 'sink.test smtp:[%s]:25\n' "$SINK_ADDR"
		grep -v '^#' "$SCENARIOS" | while read -r name cause route peer beh kind; do
			[ -n "$name" ] || continue
			case $route in
			ip) printf '%s.test smtp:[%s]:25\n' "$name" "$peer" ;;
			tls) printf '%s.test smtptls:[%s]:25\n' "$name" "$peer" ;;
			mx) printf '%s.test smtpdns:\n' "$name" ;;
			esac
		done
	} >"$D/etc/transport"
	chown postfix "$D/data" && chmod 700 "$D/data"
	postfix -c "$D/etc" check
	;;
start)
	postfix -c "$D/etc" start || exit 1
	wait_smtp "$MTA_ADDR" || {
		tail -20 "$D/log/maillog"
		exit 1
	}
	;;
empty)
	postqueue -c "$D/etc" -p 2>/dev/null | grep -q 'Mail queue is empty'
	;;
stop)
	postfix -c "$D/etc" status >/dev/null 2>&1 || exit 0
	mp=$(tr -dc 0-9 <"$D/spool/pid/master.pid")
	postfix -c "$D/etc" stop >/dev/null 2>&1
	n=0
	while alive "$mp"; do
		n=$((n + 1))
		[ $n -lt 150 ] || { kill -KILL "$mp"; break; }
		sleep 0.1
	done
	;;
*)
	echo "usage: postfix.sh init|start|empty|stop DIR" >&2
	exit 2
	;;
esac
