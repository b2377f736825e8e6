#!/bin/sh
# gen/exim.sh - the Exim of tests/mta/generate.sh
#
# usage: exim.sh init|start|empty|stop DIR
#   init   write DIR/exim.conf and make the spool and log directories
#   start  start the daemon (queue run every 10 s) and wait for port 25
#   empty  exit 0 when its queue holds no message
#   stop   stop it
# Environment: MTA_ROOT (Debian's exim4-base and exim4-daemon-light
# unpacked with dpkg -x), MTA_ADDR, SINK_ADDR, SCENARIOS, EXIM_USER (a user
# that exists in the namespace's /etc/passwd; generate.sh adds
# Debian-exim there, the name this binary was built for).
#
# Exim 4 as a private instance, never installed: its own configuration
# (written here from scratch, not Debian's exim4-config), spool, logs and
# pid file.  Only inside generate.sh's network namespace.  Timers: a retry
# every 10 s for 90 s (retry rule F,90s,10s), then the address fails; one
# delay warning after a minute (delay_warning = 1m:1h).  DSNs go to $SINK_ADDR
# over SMTP.  The "tls" route is an smtp transport with hosts_require_tls.

set -u
cmd=$1 D=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
EXIM=$MTA_ROOT/usr/sbin/exim4

case $cmd in
init)
	mkdir -p "$D/spool" "$D/log" || exit 1
	chmod 755 "$D"
	chown "$EXIM_USER:" "$D/spool" "$D/log" || exit 1
	ip_routes= tls_routes= mx_domains=
	while read -r name cause route peer beh kind; do
		case $name in '#'* | '') continue ;; esac
		case $route in
		ip) ip_routes="$ip_routes; $name.test $peer" ;;
		tls) tls_routes="$tls_routes; $name.test $peer" ;;
		mx) mx_domains="$mx_domains : $name.test" ;;
		esac
	done <"$SCENARIOS"
	cat >"$D/exim.conf" <<EOF
# written by tests/mta/gen/exim.sh
primary_hostname = exim.mta.test
qualify_domain = exim.mta.test
exim_path = $EXIM
exim_user = $EXIM_USER
exim_group = $EXIM_USER
spool_directory = $D/spool
log_file_path = $D/log/%slog
pid_file_path = $D/exim.pid
daemon_smtp_ports = 25
local_interfaces = $MTA_ADDR
keep_environment =
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
acl_smtp_rcpt = acl_check_rcpt
delay_warning = 1m:1h
dns_retrans = 1s
dns_retry = 1
log_selector = +all -subject -arguments

begin acl
acl_check_rcpt:
  accept hosts = 127.0.0.0/8
  deny   message = relaying is not permitted here

begin routers
sink:
  driver = manualroute
  domains = sink.test
  route_list = * $SINK_ADDR
  transport = remote_smtp
  no_more
tls_routes:
  driver = manualroute
  route_list = ${tls_routes#; }
  transport = remote_smtp_tls
ip_routes:
  driver = manualroute
  route_list = ${ip_routes#; }
  transport = remote_smtp
mx_routes:
  driver = dnslookup
  domains = ${mx_domains# : }
  transport = remote_smtp
  no_more
unrouted:
  driver = redirect
  data = :fail: this instance routes only its test domains

begin transports
remote_smtp:
  driver = smtp
  connect_timeout = 5s
  hosts_try_fastopen =
remote_smtp_tls:
  driver = smtp
  connect_timeout = 5s
  hosts_try_fastopen =
  hosts_require_tls = *

begin retry
*   *   F,90s,10s

begin rewrite
EOF
	"$EXIM" -C "$D/exim.conf" -bV >"$D/exim-bV.out" 2>&1 || {
		cat "$D/exim-bV.out"
		exit 1
	}
	;;
start)
	"$EXIM" -C "$D/exim.conf" -bdf -q10s >>"$D/exim.out" 2>&1 &
	echo $! >"$D/daemon.pid"
	wait_smtp "$MTA_ADDR" || {
		tail -20 "$D/log/mainlog" "$D/log/paniclog" "$D/exim.out" 2>/dev/null
		exit 1
	}
	;;
empty)
	[ "$("$EXIM" -C "$D/exim.conf" -bpc 2>/dev/null)" = 0 ]
	;;
stop)
	stop_pidfile "$D/daemon.pid"
	;;
*)
	echo "usage: exim.sh init|start|empty|stop DIR" >&2
	exit 2
	;;
esac
