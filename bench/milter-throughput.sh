#!/bin/sh
# milter-throughput.sh - what dsnexplain-milter costs a real Postfix, side by
# side with no milter and with a do-nothing milter (bench/nullmilter.c).
#
# usage: sh bench/milter-throughput.sh BUILD_DIR SRC_DIR
#
# Two parts, in one run.
#
# THE RECOMMENDED SETUP (contrib/postfix/master.cf.snippet).  Three more
# private Postfix instances, the same in every way but one: "alone"
# (smtpd 127.0.0.1:11031) and "twin" (11033), no milter anywhere, and
# "recipe" (11032), with every entry of master.cf.snippet applied as it
# is and dsnexplain-milter listening on its queue directory's
# dsnexplain/milter.sock, the socket the recipe names.  All deliver to
# discard.  PAIR_RUNS (12) rounds; in each, one cell per instance back to
# back, the order running through all six permutations so that no
# instance is always first.  twin vs alone compares two identical
# Postfixes: its spread is the noise of the machine.  Traffic:
#   ordinary  N_ORD generated 5 KB messages over SESSIONS sessions, as
#             below; under the recipe they never reach the milter
#   bounce    N_BOUNCE (500) of them to a local user that does not exist
#             (mydestination bounce.test), so that local(8) bounces each
#             at once: Postfix's own bounces, which under
#             the recipe pass dsnexplain-milter (each is checked in its
#             log: "enriched:"); the rate counts until the queue is empty
# The table gives each round's ratios recipe / alone and twin / alone and
# their medians.  Target: ordinary >= 0.97 of Postfix alone.  bounce has
# none: it shows what explaining Postfix's own notices costs.
#
# THE smtpd_milters PATH (the option for relays, main.cf.snippet).
# ONE private Postfix (tests/mta/pfx.sh, no chroot, everything delivered to
# the discard transport) with five smtpd services on 127.0.0.1:
#   11025 no milter          11026 nullmilter unix   11027 nullmilter TCP
#   11028 dsnexplain unix    11029 dsnexplain TCP
#   11030 nullmilter in its "accept" mode (accept at MAIL FROM), unix: the
#         floor for ordinary mail through any milter, ordinary traffic only
# (milters: unix sockets in the temp dir, TCP on 11040/11041; the transport
# map's unused peers point at 11050-11058, where nothing listens.)
# Two kinds of traffic, each through every service, SESSIONS (20) parallel
# SMTP sessions with smtp-source, one message per connection:
#   ordinary  N_ORD (2000) generated 5 KB messages, MAIL FROM:<bench@sink.test>
#             (dsnexplain-milter accepts these at MAIL FROM)
#   dsn       N_DSN (1000) copies of one real DSN (DSN_FILE, default
#             corpus/mta-generated/postfix-expired-greylisted-450.eml) sent
#             with smtp-source -F FILE -f '' (MAIL FROM:<>), which the milter
#             rewrites (every one is checked in its log: "enriched:")
# dsn-1 is the dsn traffic over ONE session (N_DSN1, 200): latency, not
# concurrency, decides its rate (it shows e.g. Nagle stalls over TCP).
# RUNS (3) rounds; within a round every cell runs once, in a fixed order,
# each after the queue has drained.  A cell's rate is messages / wall time
# of smtp-source (SMTP acceptance, delivery to discard running alongside);
# CPU is the whole machine's busy time from /proc/stat over the run and the
# queue drain, per message.  The table shows the median of the RUNS rates
# and the ratio: ordinary vs no milter, dsn vs the do-nothing milter on the
# same socket type.  Targets: ordinary >= 0.90 (unix) / 0.80 (TCP) of no
# milter; dsn >= 0.90 of the do-nothing milter.  Exit 0 when the runs
# completed (whether or not targets were met), 1 on any error.
#
# SMTPD_ROWS=no skips this part.
#
# It does not test correctness beyond the enrichment count, and it is not
# part of make check (about 7 minutes, needs root).  nullmilter is taken from
# BUILD_DIR/bench/nullmilter (make bench) or compiled into the temp dir.
set -u
[ $# -eq 2 ] || {
	echo "usage: sh bench/milter-throughput.sh BUILD_DIR SRC_DIR" >&2
	exit 2
}
top_builddir=$(cd "$1" && pwd) || exit 2
top_srcdir=$(cd "$2" && pwd) || exit 2
me=milter-throughput
. "$top_srcdir/tests/mta/lib.sh"
RUNS=${RUNS:-3}
PAIR_RUNS=${PAIR_RUNS:-12}
N_ORD=${N_ORD:-2000}
N_DSN=${N_DSN:-1000}
N_DSN1=${N_DSN1:-200}
N_BOUNCE=${N_BOUNCE:-500}
SESSIONS=${SESSIONS:-20}
SMTPD_ROWS=${SMTPD_ROWS:-yes}
RECIPE=$top_srcdir/contrib/postfix/master.cf.snippet
DSN_FILE=${DSN_FILE:-$top_srcdir/../shared/corpus/mta-generated/postfix-expired-greylisted-450.eml}
P_NONE=11025 P_NULL_U=11026 P_NULL_T=11027 P_DSNX_U=11028 P_DSNX_T=11029
P_ACC_U=11030 P_ALONE=11031 P_RECIPE=11032 P_TWIN=11033
M_NULL_T=11040 M_DSNX_T=11041 PEERS=11050

die() {
	echo "$me: $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || die "needs root (private Postfix)"
case :$PATH: in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
for c in postfix postqueue smtp-source; do
	command -v $c >/dev/null 2>&1 || die "$c not found (apt-get install postfix)"
done
[ -x "$MILTER_BIN" ] || die "$MILTER_BIN is not built"
[ -r "$DSN_FILE" ] || die "no DSN file $DSN_FILE"
[ -r "$RECIPE" ] || die "no $RECIPE"
for p in $P_NONE $P_NULL_U $P_NULL_T $P_DSNX_U $P_DSNX_T $P_ACC_U $P_ALONE \
	$P_RECIPE $P_TWIN $M_NULL_T $M_DSNX_T; do
	port_free $p || die "127.0.0.1:$p is in use"
done

PIDS=
cleanup() {
	rc=$?
	trap - EXIT
	[ $rc -eq 0 ] || dump_logs >&2
	for i in alone twin recipe; do
		[ -d "$T/$i/etc" ] && sh "$MTA_DIR/pfx.sh" stop "$T/$i" >/dev/null 2>&1
	done
	for p in $PIDS; do stop_pid "$p" 20; done
	mta_cleanup
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
mta_tmpdir bench

# --- the do-nothing milter --------------------------------------------------
NULLMILTER=$top_builddir/bench/nullmilter
if [ ! -x "$NULLMILTER" ]; then
	NULLMILTER=$T/nullmilter
	gcc -O2 -Wall -o "$NULLMILTER" "$top_srcdir/bench/nullmilter.c" \
		-lmilter -pthread || die "cannot build nullmilter"
fi

# bg LOGNAME CMD...: start in the background, remember the pid
bg() {
	_log=$1
	shift
	"$@" 2>>"$T/$_log" >&2 &
	PIDS="$PIDS $!"
}
bg nullmilter-unix.log "$NULLMILTER" "unix:$T/null.sock"
NULL_U_PID=$!
bg nullmilter-tcp.log "$NULLMILTER" "inet:$M_NULL_T@127.0.0.1"
NULL_T_PID=$!
bg nullmilter-accept.log "$NULLMILTER" "unix:$T/acc.sock" accept
for s in unix:$T/dsnx.sock inet:$M_DSNX_T@127.0.0.1; do
	case $s in unix:*) n=unix ;; *) n=tcp ;; esac
	bg "milter-$n.log" "$MILTER_BIN" -f -o Syslog=no -o SocketMode=0666 \
		-o LogUnchanged=no -p "$s" -r "$top_srcdir/rules" -s none \
		-P "$T/milter-$n.pid"
done
wait_port unix "$T/null.sock" 10 && wait_port tcp $M_NULL_T 10 &&
	wait_port unix "$T/acc.sock" 10 &&
	wait_port unix "$T/dsnx.sock" 15 && wait_port tcp $M_DSNX_T 15 ||
	die "a milter did not come up"

# --- Postfix ------------------------------------------------------------------
svc() { # PORT MILTER
	echo "127.0.0.1:$1 inet n - n - - smtpd -o smtpd_milters=$2"
}
SMTPD_PORT=$P_NONE PFX_PEER_BASE=$PEERS PFX_DEFAULT_ACTION=tempfail \
	PFX_MAIN_EXTRA='virtual_transport = discard' \
	PFX_MASTER_EXTRA="$(svc $P_NULL_U "unix:$T/null.sock")
$(svc $P_NULL_T "inet:127.0.0.1:$M_NULL_T")
$(svc $P_DSNX_U "unix:$T/dsnx.sock")
$(svc $P_DSNX_T "inet:127.0.0.1:$M_DSNX_T")
$(svc $P_ACC_U "unix:$T/acc.sock")" \
	sh "$MTA_DIR/pfx.sh" init "$T/pfx" >"$T/pfx-init.log" 2>&1 ||
	die "pfx.sh init failed: $(cat "$T/pfx-init.log")"
sh "$MTA_DIR/pfx.sh" start "$T/pfx" >>"$T/pfx-init.log" 2>&1 ||
	die "pfx.sh start failed"
for p in $P_NULL_U $P_NULL_T $P_DSNX_U $P_DSNX_T $P_ACC_U; do
	wait_port tcp $p 10 || die "smtpd on $p does not listen"
done

# --- Postfix alone (twice) and Postfix with the recipe --------------------------
port_of() {
	case $1 in alone) echo $P_ALONE ;; twin) echo $P_TWIN ;; recipe) echo $P_RECIPE ;; esac
}
for i in alone twin recipe; do
	p=$(port_of $i)
	SMTPD_PORT=$p PFX_PEER_BASE=$PEERS PFX_MAIN_EXTRA='virtual_transport = discard
mydestination = bounce.test
mailbox_size_limit = 0' \
		sh "$MTA_DIR/pfx.sh" init "$T/$i" >>"$T/pfx-init.log" 2>&1 ||
		die "pfx.sh init $i failed: $(tail -5 "$T/pfx-init.log")"
done
pfx_master_snippet "$T/recipe" "$RECIPE" || die "$RECIPE does not apply"
mkdir -p "$T/recipe/spool/dsnexplain" && chmod 755 "$T/recipe/spool/dsnexplain" ||
	die "cannot make the recipe's socket directory"
bg milter-recipe.log "$MILTER_BIN" -f -o Syslog=no -o SocketMode=0666 \
	-o LogUnchanged=no -p "unix:$T/recipe/spool/dsnexplain/milter.sock" \
	-r "$top_srcdir/rules" -s none -P "$T/milter-recipe.pid"
wait_port unix "$T/recipe/spool/dsnexplain/milter.sock" 15 ||
	die "the recipe's milter did not come up"
for i in alone twin recipe; do
	sh "$MTA_DIR/pfx.sh" start "$T/$i" >>"$T/pfx-init.log" 2>&1 ||
		die "pfx.sh start $i failed"
done

# the instance that PORT belongs to
inst() {
	case $1 in
	$P_ALONE) echo "$T/alone" ;;
	$P_TWIN) echo "$T/twin" ;;
	$P_RECIPE) echo "$T/recipe" ;;
	*) echo "$T/pfx" ;;
	esac
}
queue_empty() {
	postqueue -c "$1/etc" -p 2>/dev/null | grep -q '^Mail queue is empty'
}
wait_drained() { # INSTANCE_DIR
	_w=0
	until queue_empty "$1"; do
		_w=$((_w + 1))
		[ $_w -lt 1200 ] || die "the queue did not drain in 120 s"
		sleep 0.1
	done
}
busy_jiffies() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
# the process whose CPU time is the milter's for PORT (dsnexplain: the
# worker, the supervisor's child)
milter_pid() {
	case $1 in
	$P_NULL_U) echo "$NULL_U_PID" ;;
	$P_NULL_T) echo "$NULL_T_PID" ;;
	$P_DSNX_U | $P_DSNX_T | $P_RECIPE)
		case $1 in
		$P_DSNX_U) _f=$T/milter-unix.pid ;;
		$P_DSNX_T) _f=$T/milter-tcp.pid ;;
		*) _f=$T/milter-recipe.pid ;;
		esac
		_sup=$(tr -dc 0-9 <"$_f")
		grep -l "^PPid:[[:space:]]*$_sup\$" /proc/[0-9]*/status 2>/dev/null |
			head -1 | tr -dc 0-9 ;;
	esac
}
proc_jiffies() { # utime + stime of PID (all its threads), 0 if none
	if [ -n "$1" ] && [ -r "/proc/$1/stat" ]; then
		sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
	else
		echo 0
	fi
}
enriched() {
	cat "$T"/milter-*.log 2>/dev/null | grep -c ': enriched: '
}
HZ=$(getconf CLK_TCK)

# cell TRAFFIC PORT N -> prints "RATE CPUMS MILTERCPUMS"; checks the outcome
cell() {
	_t=$1 _p=$2 _n=$3
	_i=$(inst "$_p")
	wait_drained "$_i"
	_e0=$(enriched)
	_r0=$(grep -c 'reject' "$_i/log/maillog")
	_mp=$(milter_pid "$_p")
	_m0=$(proc_jiffies "$_mp")
	_c0=$(busy_jiffies)
	_s=$(now)
	if [ "$_t" = dsn ]; then
		smtp-source -s "$SESSIONS" -m "$_n" -F "$DSN_FILE" -f '' \
			-t "rcpt@sink.test" "127.0.0.1:$_p" >"$T/source.out" 2>&1
	elif [ "$_t" = dsn-1 ]; then
		smtp-source -s 1 -m "$_n" -F "$DSN_FILE" -f '' \
			-t "rcpt@sink.test" "127.0.0.1:$_p" >"$T/source.out" 2>&1
	elif [ "$_t" = bounce ]; then
		# local(8) has no such user (local_recipient_maps is empty, so
		# smtpd accepts it) and bounces it at once
		smtp-source -s "$SESSIONS" -m "$_n" -l 5120 -f bench@sink.test \
			-t "no-such-user@bounce.test" "127.0.0.1:$_p" >"$T/source.out" 2>&1
	else
		smtp-source -s "$SESSIONS" -m "$_n" -l 5120 -f bench@sink.test \
			-t "rcpt@sink.test" "127.0.0.1:$_p" >"$T/source.out" 2>&1
	fi
	_rc=$?
	_d=$(now)
	[ $_rc -eq 0 ] && [ ! -s "$T/source.out" ] ||
		die "smtp-source to $_p failed ($_rc): $(head -5 "$T/source.out")"
	wait_drained "$_i"
	# a bounce cell's work is done once the bounces have left the queue
	[ "$_t" = bounce ] && _d=$(now)
	_c1=$(busy_jiffies)
	_m1=$(proc_jiffies "$_mp")
	[ "$(grep -c 'reject' "$_i/log/maillog")" -eq "$_r0" ] ||
		die "rejects in the maillog: $(grep reject "$_i/log/maillog" | tail -3)"
	_e1=$(enriched)
	case $_t:$_p in
	ordinary:* | bounce:$P_ALONE | bounce:$P_TWIN) _want=0 ;;
	*:$P_DSNX_U | *:$P_DSNX_T | bounce:$P_RECIPE) _want=$_n ;;
	*) _want=$((_e1 - _e0)) ;;
	esac
	[ $((_e1 - _e0)) -eq "$_want" ] ||
		die "$_t to port $_p: $((_e1 - _e0)) messages enriched, want $_want"
	awk -v n="$_n" -v s="$_s" -v d="$_d" -v c="$((_c1 - _c0))" -v hz="$HZ" \
		-v m="$((_m1 - _m0))" 'BEGIN {
		printf "%.0f %.2f %.2f\n", n / (d - s), c * 1000 / hz / n,
		    m * 1000 / hz / n }'
}

CELLS="ordinary:none:$P_NONE ordinary:null-unix:$P_NULL_U
ordinary:null-tcp:$P_NULL_T ordinary:accept-unix:$P_ACC_U ordinary:dsnx-unix:$P_DSNX_U
ordinary:dsnx-tcp:$P_DSNX_T dsn:none:$P_NONE dsn:null-unix:$P_NULL_U
dsn:null-tcp:$P_NULL_T dsn:dsnx-unix:$P_DSNX_U dsn:dsnx-tcp:$P_DSNX_T
dsn-1:null-unix:$P_NULL_U dsn-1:null-tcp:$P_NULL_T dsn-1:dsnx-unix:$P_DSNX_U
dsn-1:dsnx-tcp:$P_DSNX_T"

echo "$me: Postfix $(postconf -h -c "$T/pfx/etc" mail_version 2>/dev/null)," \
	"$(nproc) CPUs, $SESSIONS sessions, $N_ORD ordinary 5 KB messages /" \
	"$N_BOUNCE bounces / $N_DSN DSNs ($(basename "$DSN_FILE"), $(wc -c <"$DSN_FILE")" \
	"bytes) per cell, $PAIR_RUNS pairs, $RUNS rounds; load average before:" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"

# --- the recommended setup: Postfix alone vs Postfix with the recipe ----------
for c in ordinary:$P_ALONE ordinary:$P_TWIN ordinary:$P_RECIPE \
	bounce:$P_ALONE bounce:$P_TWIN bounce:$P_RECIPE; do
	cell "${c%%:*}" "${c##*:}" 100 >/dev/null # warm-up
done
: >"$T/pairs"
for t in ordinary bounce; do
	[ $t = ordinary ] && n=$N_ORD || n=$N_BOUNCE
	r=1
	while [ $r -le "$PAIR_RUNS" ]; do
		case $((r % 6)) in
		1) order="alone twin recipe" ;;
		2) order="recipe alone twin" ;;
		3) order="twin recipe alone" ;;
		4) order="alone recipe twin" ;;
		5) order="twin alone recipe" ;;
		0) order="recipe twin alone" ;;
		esac
		for w in $order; do
			res=$(cell $t "$(port_of $w)" $n) || exit 1
			echo "$t $w $r $res" >>"$T/pairs"
			printf '  round %d %-8s %-6s %s msg/s, %s ms CPU/msg (machine), %s (milter)\n' \
				"$r" "$t" "$w" $res
		done
		r=$((r + 1))
	done
done
awk '
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function minmax(a, n,    i, lo, hi) {
	lo = hi = a[1]
	for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
	return sprintf("%.2f-%.2f", lo, hi)
}
{ rate[$1, $2, $3] = $4; cpu[$1, $2, $3] = $5; np[$1] = $3 > np[$1] ? $3 : np[$1] }
END {
	printf "\nrecommended setup (master.cf.snippet) vs Postfix alone: %d rounds, alone, twin and recipe back to back\n", np["ordinary"]
	printf "%-8s %-7s %7s %7s  %-11s %-27s %s\n", "traffic", "", "msg/s", "CPU ms", "ratio", "range of the rounds", "target"
	split("ordinary bounce", ts, " ")
	for (k = 1; k <= 2; k++) {
		t = ts[k]
		if (!(t in np)) continue
		split("alone twin recipe", ws, " ")
		for (i = 1; i <= 3; i++) {
			w = ws[i]
			delete a; delete c; delete q
			for (r = 1; r <= np[t]; r++) {
				a[r] = rate[t, w, r]; c[r] = cpu[t, w, r]
				q[r] = rate[t, w, r] / rate[t, "alone", r]
			}
			if (w == "alone") {
				ratio = "-"; range = ""; target = ""
			} else {
				m = median(q, np[t])
				ratio = sprintf("%.3f", m)
				range = minmax(q, np[t])
				target = ""
				if (w == "recipe" && t == "ordinary")
					target = sprintf(">= 0.97 %s", m >= 0.97 ? "met" : "MISSED")
				if (w == "twin")
					target = "(identical: the noise)"
			}
			printf "%-8s %-7s %7d %7.2f  %-11s %-27s %s\n", t, w, median(a, np[t]),
			    median(c, np[t]), ratio, range, target
		}
	}
	printf "(msg/s and CPU: medians of the rounds, CPU per message for the whole machine; ratio: median of\n"
	printf " the rounds'"'"' rate / alone'"'"'s rate in the same round; bounce: accepted and bounced, until the queue is empty)\n"
}' "$T/pairs"

[ "$SMTPD_ROWS" = no ] && {
	echo "$me: SMTPD_ROWS=no: the smtpd_milters rows are skipped"
	echo "$me: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	exit 0
}

# --- the smtpd_milters path ------------------------------------------------------
# warm-up: start the smtpd processes and the milters' threads
for c in $CELLS; do
	case $c in dsn-1:*) n=20 ;; *) n=200 ;; esac
	cell "${c%%:*}" "${c##*:}" $n >/dev/null
done
: >"$T/results"
r=1
while [ $r -le "$RUNS" ]; do
	for c in $CELLS; do
		t=${c%%:*} p=${c##*:} name=${c#*:}
		name=${name%:*}
		n=$N_ORD
		[ "$t" = dsn ] && n=$N_DSN
		[ "$t" = dsn-1 ] && n=$N_DSN1
		res=$(cell "$t" "$p" "$n") || exit 1
		echo "$t $name $r $res" >>"$T/results"
		printf '  round %d %-8s %-10s %s msg/s, %s ms CPU/msg (machine), %s (milter)\n' \
			"$r" "$t" "$name" $res
	done
	r=$((r + 1))
done

awk '
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	k = $1 " " $2
	if (!(k in cnt)) order[++nk] = k
	cnt[k]++
	rate[k, cnt[k]] = $4; cpu[k, cnt[k]] = $5; mcpu[k, cnt[k]] = $6
	runs_txt[k] = runs_txt[k] sprintf("%5d", $4)
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		delete a; delete b; delete c
		for (j = 1; j <= cnt[k]; j++) {
			a[j] = rate[k, j]; b[j] = cpu[k, j]; c[j] = mcpu[k, j]
		}
		med[k] = median(a, cnt[k]); mc[k] = median(b, cnt[k])
		mm[k] = median(c, cnt[k])
	}
	printf "\nmedian msg/s of the runs; CPU = median ms per message, whole machine / milter process\n"
	printf "%-8s %-10s %-17s %6s %6s %6s  %-22s %s\n", "traffic", "milter",
	    "runs msg/s", "median", "CPU", "milter", "ratio", "target"
	for (i = 1; i <= nk; i++) {
		k = order[i]
		split(k, f, " ")
		ratio = ""; target = ""
		sock = f[2] ~ /unix/ ? "unix" : "tcp"
		if (f[1] == "ordinary" && f[2] != "none") {
			r = med[k] / med["ordinary none"]
			ratio = sprintf("%.2f of no milter", r)
			if (f[2] ~ /^dsnx/) {
				want = sock == "unix" ? 0.90 : 0.80
				target = sprintf(">= %.2f %s", want, r >= want ? "met" : "MISSED")
			}
		}
		if (f[1] ~ /^dsn/ && f[2] != "none") {
			if (f[2] ~ /^null/ && (f[1] " none") in med) {
				ratio = sprintf("%.2f of no milter", med[k] / med[f[1] " none"])
			} else if (f[2] ~ /^dsnx/) {
				base = f[1] " null-" sock
				r = med[k] / med[base]
				ratio = sprintf("%.2f of null-%s", r, sock)
				if (f[1] == "dsn")
					target = sprintf(">= 0.90 %s", r >= 0.90 ? "met" : "MISSED")
			}
		}
		printf "%-8s %-10s %-17s %6d %6.2f %6s  %-22s %s\n", f[1], f[2],
		    runs_txt[k], med[k], mc[k], f[2] == "none" ? "-" : sprintf("%.2f", mm[k]),
		    ratio, target
	}
	printf "(dsn-1: the same DSN over ONE session, one message per connection: latency-bound)\n"
}' "$T/results"
echo "$me: load average after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the" \
	"machine skews the figures; whole-machine CPU includes it)"
