#!/bin/sh
# pfx.sh - a private, throwaway Postfix instance on loopback for DSN tests.
#
# usage: pfx.sh init|start|stop|status|flush DIR
#   init    write DIR/etc/{main.cf,master.cf,transport,vmailbox} and create
#           the queue (DIR/spool), data (DIR/data), maildir base (DIR/mail)
#           and log (DIR/log/maillog) directories.  DIR must not hold a
#           running instance.  The parent of DIR must be searchable by
#           other users (chmod 755): virtual(8) delivers as uid 65534.
#   start   start it (postfix -c DIR/etc start) and wait until smtpd listens
#   stop    stop it and wait until the master process is gone
#   status  exit 0 while it runs
#   flush   ask the queue manager to retry every deferred message now
# Needs root and an installed postfix (Debian: postfix; postfix-pcre is not
# needed).  It uses no syslog (maillog_file) and no chroot.
#
# Environment, read by "init" only (the defaults in brackets):
#   SMTPD_PORT [10025]         smtpd on 127.0.0.1:SMTPD_PORT
#   PFX_SMTPD_MILTERS []       smtpd_milters (mail received over SMTP)
#   PFX_NON_SMTPD_MILTERS []   non_smtpd_milters; when set, also
#                              internal_mail_filter_classes = bounce, so
#                              Postfix's own DSNs pass the milter
#   PFX_DEFAULT_ACTION [accept]  milter_default_action
#   PFX_PEER_BASE [2550]       transport to the scripted peers of
#                              fake_smtp.py (all [127.0.0.1]:PORT):
#                                refused.test   BASE+0 (nothing listens)
#                                greylist.test  BASE+1   ratelimit.test BASE+2
#                                tlsreq.test    BASE+3   quota.test     BASE+4
#                                unknown.test   BASE+5   dropdata.test  BASE+6
#                                accept.test    BASE+7   greyonce.test  BASE+8
#   PFX_FAKE_DNS [0]           1: also nxhost.test, nxdomain.test,
#                              dnsfail.test, nxdomain-mx.test, which make
#                              Postfix look names up; "start" then runs
#                              Postfix in a private mount namespace whose
#                              /etc/resolv.conf says nameserver 127.0.0.1
#                              (the caller runs a fake DNS there, or the
#                              lookups simply fail; nothing leaves loopback)
#   PFX_MAIN_EXTRA []          lines appended verbatim to main.cf, e.g.
#                              "default_transport = discard"; a parameter
#                              set here has its default line above removed
#   PFX_MASTER_EXTRA []        lines appended verbatim to master.cf
#
# Fixed facts: myhostname mta.test; mynetworks 127.0.0.0/8 may relay; the
# domains sink.test and mta.test are virtual maildirs, each a catch-all:
# every address @sink.test is delivered to DIR/mail/sink/ and @mta.test
# (postmaster, double bounces) to DIR/mail/postmaster/ (LF line ends,
# Return-Path/X-Original-To/Delivered-To prepended).  Any other domain
# without a transport entry bounces at once (error transport): this
# instance never resolves a name or leaves 127.0.0.1 unless PFX_FAKE_DNS=1.
# Headers of mail from SMTP clients are not rewritten and no missing
# Date/Message-ID/From is added (local_header_rewrite_clients is empty).
# Timers: a delay notice ~20 s after the first failed attempt
# (delay_warning_time 15s), expiry ~60-70 s (maximal_queue_lifetime 60s),
# retries every 5-10 s.  confirm_delay_cleared = yes.
# The master's pid is in DIR/spool/pid/master.pid.

set -u
here=$(cd "$(dirname "$0")" && pwd)
me=pfx.sh
# shellcheck source=lib.sh
. "$here/lib.sh"
case :$PATH: in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

[ $# -eq 2 ] || {
	echo "usage: pfx.sh init|start|stop|status|flush DIR" >&2
	exit 2
}
cmd=$1
D=$2
case $D in /*) ;; *) D=$(pwd)/$D ;; esac

master_pid() {
	tr -dc 0-9 <"$D/spool/pid/master.pid" 2>/dev/null
}

do_init() {
	port=${SMTPD_PORT:-10025}
	base=${PFX_PEER_BASE:-2550}
	smtpd_m=${PFX_SMTPD_MILTERS:-}
	non_smtpd_m=${PFX_NON_SMTPD_MILTERS:-}
	classes=
	[ -n "$non_smtpd_m" ] && classes=bounce
	mkdir -p "$D/etc" "$D/spool" "$D/data" "$D/mail" "$D/log" || exit 1
	chmod 755 "$D"
	cat >"$D/etc/main.cf" <<EOF
# written by tests/mta/pfx.sh init
compatibility_level = 3.6
queue_directory = $D/spool
data_directory = $D/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.test
mydomain = mta.test
myorigin = mta.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtpd_banner = \$myhostname ESMTP test instance
local_header_rewrite_clients =
biff = no
maillog_file = $D/log/maillog
maillog_file_prefixes = $D
# no DNS: IP-literal next hops; anything unrouted bounces at once
smtp_dns_support_level = disabled
smtp_host_lookup = native
default_transport = error:5.1.2 this test instance routes only its test domains
relay_transport = error:5.1.2 this test instance routes only its test domains
transport_maps = texthash:$D/etc/transport
virtual_mailbox_domains = sink.test, mta.test
virtual_mailbox_base = $D/mail
virtual_mailbox_maps = texthash:$D/etc/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_mailbox_limit = 0
message_size_limit = 52428800
# short timers: delay notice ~20 s, expiry ~60-70 s
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
delay_warning_time = 15s
maximal_queue_lifetime = 60s
bounce_queue_lifetime = 60s
smtp_connect_timeout = 5s
confirm_delay_cleared = yes
# milters
smtpd_milters = $smtpd_m
non_smtpd_milters = $non_smtpd_m
internal_mail_filter_classes = $classes
milter_default_action = ${PFX_DEFAULT_ACTION:-accept}
milter_protocol = 6
EOF
	if [ -n "${PFX_MAIN_EXTRA:-}" ]; then
		# drop the earlier setting of each parameter PFX_MAIN_EXTRA sets, so
		# that Postfix does not warn "overriding earlier entry" everywhere
		printf '%s\n' "$PFX_MAIN_EXTRA" >"$D/etc/main.extra"
		awk 'NR == FNR { if ($0 ~ /^[A-Za-z0-9_]+[ \t]*=/) {
				n = $0; sub(/[ \t]*=.*/, "", n); set[n] = 1 }
			next }
		/^[A-Za-z0-9_]+[ \t]*=/ { n = $0; sub(/[ \t]*=.*/, "", n)
			if (n in set) next }
		{ print }' "$D/etc/main.extra" "$D/etc/main.cf" >"$D/etc/main.cf.new" &&
			mv "$D/etc/main.cf.new" "$D/etc/main.cf"
		printf '# PFX_MAIN_EXTRA\n%s\n' "$PFX_MAIN_EXTRA" >>"$D/etc/main.cf"
		rm -f "$D/etc/main.extra"
	fi
	cat >"$D/etc/master.cf" <<EOF
# written by tests/mta/pfx.sh init; every service chroot n
127.0.0.1:$port inet n - n - - smtpd
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
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
smtpdns   unix  -       -       n       -       -       smtp
  -o smtp_dns_support_level=enabled
  -o smtp_host_lookup=dns
EOF
	if [ -n "${PFX_MASTER_EXTRA:-}" ]; then
		printf '# PFX_MASTER_EXTRA\n%s\n' "$PFX_MASTER_EXTRA" >>"$D/etc/master.cf"
	fi
	cat >"$D/etc/transport" <<EOF
refused.test     smtp:[127.0.0.1]:$base
greylist.test    smtp:[127.0.0.1]:$((base + 1))
ratelimit.test   smtp:[127.0.0.1]:$((base + 2))
tlsreq.test      smtp:[127.0.0.1]:$((base + 3))
quota.test       smtp:[127.0.0.1]:$((base + 4))
unknown.test     smtp:[127.0.0.1]:$((base + 5))
dropdata.test    smtp:[127.0.0.1]:$((base + 6))
accept.test      smtp:[127.0.0.1]:$((base + 7))
greyonce.test    smtp:[127.0.0.1]:$((base + 8))
EOF
	rm -f "$D/etc/resolv.conf"
	if [ "${PFX_FAKE_DNS:-0}" = 1 ]; then
		cat >>"$D/etc/transport" <<EOF
nxhost.test      smtp:[no-such-host.invalid]:25
nxdomain.test    smtp:[nxdomain-host.invalid]:25
dnsfail.test     smtpdns:
nxdomain-mx.test smtpdns:
EOF
		printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' \
			>"$D/etc/resolv.conf"
	fi
	printf '@sink.test sink/\n@mta.test postmaster/\n' >"$D/etc/vmailbox"
	chown 65534:65534 "$D/mail"
	chown postfix "$D/data" && chmod 700 "$D/data"
	# creates the queue directories with their owners and modes
	postfix -c "$D/etc" check || {
		echo "pfx.sh: postfix check failed for $D/etc" >&2
		exit 1
	}
}

do_start() {
	if [ -f "$D/etc/resolv.conf" ]; then
		unshare --mount --propagation private sh -c \
			"mount --bind '$D/etc/resolv.conf' /etc/resolv.conf &&
			exec postfix -c '$D/etc' start" || exit 1
	else
		postfix -c "$D/etc" start || exit 1
	fi
	port=$(awk '$2 == "inet" && $8 == "smtpd" { sub(/.*:/, "", $1); print $1; exit }' \
		"$D/etc/master.cf")
	wait_port tcp "$port" 15 || {
		tail -n 20 "$D/log/maillog" >&2
		exit 1
	}
}

do_stop() {
	postfix -c "$D/etc" status >/dev/null 2>&1 || return 0
	mp=$(master_pid)
	postfix -c "$D/etc" stop >/dev/null 2>&1
	n=0
	while alive "$mp"; do
		n=$((n + 1))
		if [ $n -gt 150 ]; then
			echo "pfx.sh: master $mp still there after 15 s: SIGKILL" >&2
			kill -KILL "$mp" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	# children of a killed master exit by themselves; give them a moment
	return 0
}

case $cmd in
init) do_init ;;
start) do_start ;;
stop) do_stop ;;
status) postfix -c "$D/etc" status >/dev/null 2>&1 ;;
flush) postqueue -c "$D/etc" -f ;;
*)
	echo "usage: pfx.sh init|start|stop|status|flush DIR" >&2
	exit 2
	;;
esac
