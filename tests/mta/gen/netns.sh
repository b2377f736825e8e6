#!/bin/sh
# gen/netns.sh - the part of tests/mta/generate.sh that runs inside its
# private network and mount namespace.
#
# usage (by generate.sh only): unshare --net --mount --propagation private \
#            sh gen/netns.sh WORKDIR
# Brings up the namespace's loopback (its only interface: nothing can leave
# the machine from here), binds WORKDIR/etc/{passwd,group,hosts,resolv.conf}
# over /etc (MTA users that exist nowhere else; the test host names; the
# fake DNS as the only name server), then starts
#   - tests/mta/fake_dns.py on 127.0.0.1:53 (SERVFAIL for dns-tempfail.test,
#     NXDOMAIN for every other name);
#   - tests/mta/fake_smtp.py with one scripted peer per scenario on its
#     127.0.0.x:25 (gen/scenarios);
#   - one saving sink per MTA on 127.0.2.N:25 (WORKDIR/sink/<mta>/);
#   - each MTA of $GEN_MTAS on 127.0.1.N:25 (gen/<mta>.sh),
# sends each MTA one message per scenario (tests/mta/send.py), waits until
# every queue is empty (every DSN written and handed to its sink) or
# $GEN_TIMEOUT seconds have passed, and stops everything it started.
# Exit status 0 when every queue emptied in time, 1 otherwise (the DSNs
# that did arrive are kept either way).

set -u
W=$1
gen=$(cd "$(dirname "$0")" && pwd)
mta_dir=$(dirname "$gen")
. "$gen/common.sh"
MTAS=${GEN_MTAS:-postfix sendmail exim opensmtpd}
TIMEOUT=${GEN_TIMEOUT:-600}
SCENARIOS=$gen/scenarios
export SCENARIOS

log() { echo "netns: $(date +%H:%M:%S) $*"; }

mta_addr() {
	case $1 in
	postfix) echo 127.0.1.1 ;; sendmail) echo 127.0.1.2 ;;
	exim) echo 127.0.1.3 ;; opensmtpd) echo 127.0.1.4 ;;
	esac
}
sink_addr() { mta_addr "$1" | sed 's/^127\.0\.1\./127.0.2./'; }
mta_root() {
	case $1 in
	postfix) echo / ;;
	*) echo "$GEN_ROOT/$1" ;;
	esac
}

ip link set lo up || exit 1
# Postfix binds only to addresses an interface has; the others do not care
for m in $MTAS; do
	ip addr add "$(mta_addr "$m")/32" dev lo &&
		ip addr add "$(sink_addr "$m")/32" dev lo || exit 1
done
for f in passwd group hosts resolv.conf; do
	mount --bind "$W/etc/$f" "/etc/$f" || exit 1
done

cleanup() {
	for m in $MTAS; do
		MTA_ROOT=$(mta_root "$m") MTA_ADDR=$(mta_addr "$m") \
			SINK_ADDR=$(sink_addr "$m") sh "$gen/$m.sh" stop "$W/$m" >/dev/null 2>&1
	done
	for p in "$W"/run/*.pid; do
		[ -f "$p" ] && stop_pidfile "$p"
	done
}
trap cleanup 0
trap 'exit 1' 1 2 15
mkdir -p "$W/run" "$W/sink"

life=$((TIMEOUT + 300))
python3 "$mta_dir/fake_dns.py" --lifetime "$life" --servfail dns-tempfail.test \
	--log "$W/dns.log" --pidfile "$W/run/dns.pid" 2>>"$W/dns.log" &
specs=$(grep -v '^#' "$SCENARIOS" | awk 'NF >= 6 && $3 != "mx" { print $4 ":25:" $5 }')
python3 "$mta_dir/fake_smtp.py" --lifetime "$life" --log "$W/peers.log" \
	--pidfile "$W/run/peers.pid" $specs 2>>"$W/peers.log" &
for m in $MTAS; do
	mkdir -p "$W/sink/$m"
	python3 "$mta_dir/fake_smtp.py" --lifetime "$life" --savedir "$W/sink/$m" \
		--return-path --log "$W/sink-$m.log" --pidfile "$W/run/sink-$m.pid" \
		"$(sink_addr "$m"):25:accept" 2>>"$W/sink-$m.log" &
done
n=0
while [ $n -lt 100 ]; do
	ready=1
	for p in dns peers; do [ -s "$W/run/$p.pid" ] || ready=0; done
	for m in $MTAS; do [ -s "$W/run/sink-$m.pid" ] || ready=0; done
	[ $ready = 1 ] && break
	sleep 0.1
	n=$((n + 1))
done
[ $ready = 1 ] || { log "the fake DNS, peers or sinks did not start"; exit 1; }

for m in $MTAS; do
	export MTA_ROOT MTA_ADDR SINK_ADDR
	MTA_ROOT=$(mta_root "$m") MTA_ADDR=$(mta_addr "$m") SINK_ADDR=$(sink_addr "$m")
	mkdir -p "$W/$m"
	sh "$gen/$m.sh" init "$W/$m" >"$W/$m.init.log" 2>&1 ||
		{ log "$m: init failed"; cat "$W/$m.init.log"; exit 1; }
	sh "$gen/$m.sh" start "$W/$m" >"$W/$m.start.log" 2>&1 ||
		{ log "$m: start failed"; cat "$W/$m.start.log"; exit 1; }
	log "$m listens on $MTA_ADDR:25, its DSNs go to $SINK_ADDR:25"
done

start=$(date +%s)
for m in $MTAS; do
	grep -v '^#' "$SCENARIOS" | awk 'NF >= 6 { print $1 }' | while read -r s; do
		python3 "$mta_dir/send.py" --host "$(mta_addr "$m")" --port 25 \
			--from "$s@sink.test" --to "user@$s.test" \
			--subject "dsnexplain test message: $s via $m" \
			>>"$W/send-$m.log" 2>&1 || log "$m: $s: not accepted (see send-$m.log)"
	done
done
log "sent $(cat "$W"/send-*.log | grep -c '^sent') messages"

# Nothing is looked at before 20 s: a message may sit in an MTA's incoming
# queue for a moment before it shows in the queue listing.
rc=1
while :; do
	sleep 5
	t=$(($(date +%s) - start))
	left=
	for m in $MTAS; do
		MTA_ROOT=$(mta_root "$m") MTA_ADDR=$(mta_addr "$m") SINK_ADDR=$(sink_addr "$m")
		sh "$gen/$m.sh" empty "$W/$m" || left="$left $m"
	done
	if [ $t -ge 20 ] && [ -z "$left" ]; then
		log "every queue is empty after $t s"
		rc=0
		break
	fi
	if [ $t -ge "$TIMEOUT" ]; then
		log "still queued after $t s:$left"
		break
	fi
	[ $((t % 30)) -lt 5 ] && log "$t s: $(for m in $MTAS; do
		printf '%s=%s ' "$m" "$(ls "$W/sink/$m" | grep -c '\.eml$')"; done)DSNs; queued:$left"
done
sleep 2
exit $rc
