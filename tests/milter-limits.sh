#!/bin/sh
# milter-limits.sh - dsnexplain-milter's budgets and limits under abuse.
#
# Starts its own milters (foreground, unix sockets in a temp directory; one
# inet socket on 127.0.0.1) and misbehaves at them with
# tests/milter/abuse.py, checking:
#   a. MilterTimeout (5 s) holds within 10%: a connection that sends
#      nothing, one that negotiated and went quiet, a message whose body
#      arrives one byte a second inside one packet, and one whose body
#      arrives as a small packet a second are all closed 5 s (+- 10%) after
#      their last command or the start of their content
#   b. BufferLimit (64M): 50 null-sender messages of 30 MB, each half sent
#      and held open, leave the worker's peak RSS under its start RSS +
#      BufferLimit + 16 MB; the messages over it pass unchanged (accept
#      at a body chunk, logged)
#   c. 2,000 connections against a 1,024 descriptor limit: the worker keeps
#      fewer than 1,024 - 32 of them, refuses the rest at once, stays under
#      5% CPU while they are held, and a new connection meanwhile gets its
#      answer (a refusal) at once rather than a timeout
#   d. inet:PORT without a host listens on 127.0.0.1 only and says so; a
#      non-loopback address (0.0.0.0, inside a network namespace of its
#      own with only lo) gets a warning
#   e. after all of it, a new DSN is still explained by every milter used
# Prints the figures the issue's Measured section wants (timeout accuracy,
# peak RSS, CPU share) as "measure:" lines.
#
# Env (automake TESTS): top_srcdir, top_builddir.  Needs python3; d's
# second half needs root and unshare(1) (skipped otherwise).  Exit 0 pass,
# 1 fail, 77 skip.  Wall time on 2 cores: about 70 s (ASan about the same;
# 4 minutes at a load average of 48).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
M="$top_builddir/milter/dsnexplain-milter"
RULES="$top_srcdir/rules"
CLIENT="$top_srcdir/tests/milter/client.py"
ABUSE="$top_srcdir/tests/milter/abuse.py"
DSN="$top_srcdir/tests/data/samples/postfix-delay-warning-4.4.1.eml"
T=5	# MilterTimeout of the timeout checks, seconds

if ! command -v python3 >/dev/null 2>&1; then
	if [ "$CI" = true ]; then
		echo "milter-limits.sh: FAIL: python3 is missing (CI=true)"
		exit 1
	fi
	echo "milter-limits.sh: SKIP: python3 is missing"
	exit 77
fi
if [ ! -x "$M" ]; then
	echo "milter-limits.sh: FAIL: $M is not built"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-limits.XXXXXX") || exit 1
chmod 755 "$tmp"
: >"$tmp/pids"
started_at=$(date +%s)
# ASan keeps freed blocks in quarantine (256 MB by default), which would
# count as the worker's RSS in b; a small one keeps the figure honest.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
export ASAN_OPTIONS

children() {
	grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null |
	    sed 's,^/proc/,,; s,/status$,,'
}
cleanup() {
	for p in $(cat "$tmp/pids" 2>/dev/null); do
		for c in $(children "$p"); do kill -9 "$c" 2>/dev/null; done
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.3
	for p in $(cat "$tmp/pids" 2>/dev/null); do
		for c in $(children "$p"); do kill -9 "$c" 2>/dev/null; done
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }
wait_until() {	# SECONDS command...: poll every 0.1 s
	n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}
in_log() { grep -q -- "$2" "$tmp/$1.log" 2>/dev/null; }
show_log() {
	echo "--- milter $1 log (tail) ---"
	tail -n "${2:-15}" "$tmp/$1.log"
	echo "---"
}

# start NAME SOCKET ARGS...: a foreground milter logging to $tmp/NAME.log.
start() {
	name=$1 sock=$2
	shift 2
	: >"$tmp/$name.log"	# before the fork: see privileges.sh run()
	"$M" -f -p "$sock" -r "$RULES" -s none -o Syslog=no "$@" \
	    >>"$tmp/$name.log" 2>&1 &
	echo $! >>"$tmp/pids"
	eval "pid_$name=$!"
}
ready() {	# NAME: wait for the "started:" line
	if ! wait_until 20 in_log "$1" 'started: socket'; then
		fail "milter $1 did not start"
		show_log "$1"
		return 1
	fi
}
worker_of() { eval "children \$pid_$1" | head -n 1; }

# jget FILE EXPR: a value from abuse.py's JSON (python, j = the object)
jget() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# jtrue FILE DESCRIPTION EXPR
jtrue() {
	if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$3" 2>/dev/null; then
		ok "$2"
	else
		fail "$2: $(cat "$1")"
	fi
}

# explained NAME SOCKET: a DSN still comes back with its explanation
explained() {
	if python3 "$CLIENT" "$2" "$DSN" --macro "i=AFTER$1" --timeout 20 \
	    --summary "$tmp/after-$1.json" >"$tmp/after-$1.out" 2>/dev/null &&
	    grep -q '^X-DSN-Explain:' "$tmp/after-$1.out" &&
	    wait_until 2 in_log "$1" "AFTER$1: enriched:"; then
		ok "e: milter $1: a new DSN is still explained"
	else
		fail "e: milter $1: a new DSN was not explained"
		show_log "$1"
	fi
}

# --- a. MilterTimeout as a deadline ------------------------------------------

start T "unix:$tmp/T.sock" -o MilterTimeout=$T
ready T
S="unix:$tmp/T.sock"
python3 "$ABUSE" idle "$S" --wait 15 >"$tmp/a-idle.json" &
p1=$!
python3 "$ABUSE" idle "$S" --negotiate --wait 15 >"$tmp/a-quiet.json" &
p2=$!
python3 "$ABUSE" drip "$S" --mode bytes --interval 1 --wait 15 >"$tmp/a-bytes.json" &
p3=$!
python3 "$ABUSE" drip "$S" --mode chunks --interval 1 --wait 15 >"$tmp/a-chunks.json" &
p4=$!
wait $p1 $p2 $p3 $p4
lo=$(python3 -c "print($T * 0.9)") hi=$(python3 -c "print($T * 1.1)")
for c in "idle:closed_after_s:a connection that sends nothing" \
    "quiet:closed_after_s:a connection quiet after negotiating" \
    "bytes:ended_after_s:a body dripped a byte a second" \
    "chunks:ended_after_s:a body dripped a packet a second"; do
	tag=${c%%:*} rest=${c#*:}
	key=${rest%%:*} what=${rest#*:}
	f="$tmp/a-$tag.json"
	jtrue "$f" "a: $what: closed after $(jget "$f" "j.get('$key')") s (MilterTimeout $T s, $lo..$hi allowed)" \
	    "j.get('$key') is not None and $lo <= j['$key'] <= $hi"
	echo "measure: timeout $tag: $(jget "$f" "j.get('$key')") s for MilterTimeout $T s ($(jget "$f" "'%+.1f%%' % ((j['$key'] - $T) * 100.0 / $T) if j.get('$key') is not None else 'never'"))"
done
# One sweep of the watchdog may close several at once ("closed 2
# connections ...").
if in_log T 'closed [0-9]* connections* that sent no complete command for MilterTimeout' &&
    in_log T 'closed [0-9]* connections* whose message took longer than MilterTimeout'; then
	ok "a: the log says which deadline closed each connection"
else
	fail "a: no log line for the closed connections"
	show_log T
fi

# --- b. BufferLimit across all connections --------------------------------------

start H "unix:$tmp/H.sock" -o MilterTimeout=60 -o BufferLimit=64M
ready H
wh=$(worker_of H)
python3 "$ABUSE" halfsent "unix:$tmp/H.sock" --pid "$wh" --count 50 \
    --size $((30 * 1024 * 1024)) >"$tmp/b.json"
limit_kb=$((64 * 1024))
jtrue "$tmp/b.json" "b: 50 half-sent 30 MB messages: worker peak RSS $(jget "$tmp/b.json" "j.get('worker_peak_rss_kb')") kB, from $(jget "$tmp/b.json" "j.get('worker_rss_before_kb')") kB (BufferLimit $limit_kb kB + 16 MB allowed)" \
    "'error' not in j and j['worker_peak_rss_kb'] - j['worker_rss_before_kb'] <= $limit_kb + 16384"
jtrue "$tmp/b.json" "b: the messages over BufferLimit were accepted early ($(jget "$tmp/b.json" "j.get('accepted_early')") of 50)" \
    "j.get('accepted_early', 0) >= 40"
echo "measure: BufferLimit 64M, 50 x 30 MB half sent: worker peak RSS $(jget "$tmp/b.json" "j.get('worker_peak_rss_kb')") kB (start $(jget "$tmp/b.json" "j.get('worker_rss_before_kb')") kB)"
if wait_until 2 in_log H 'ABUSE: unchanged: BufferLimit reached'; then
	ok "b: the log says BufferLimit let them pass unchanged"
else
	fail "b: no 'BufferLimit reached' line"
	show_log H
fi

# --- c. the connection cap below the descriptor limit -----------------------------

(ulimit -n 1024 && exec "$M" -f -p "unix:$tmp/F.sock" -r "$RULES" -s none \
    -o Syslog=no -o MilterTimeout=60 -o MaximumConnections=5000 \
    >"$tmp/F.log" 2>&1) &
echo $! >>"$tmp/pids"
pid_F=$!
ready F
wf=$(worker_of F)
python3 "$ABUSE" flood "unix:$tmp/F.sock" --pid "$wf" --count 2000 \
    --hold 5 >"$tmp/c.json"
jtrue "$tmp/c.json" "c: 2000 connections: $(jget "$tmp/c.json" "j.get('held')") held (< 1024 - 32), $(jget "$tmp/c.json" "j.get('refused_at_once')") refused at once, worker descriptors $(jget "$tmp/c.json" "j.get('worker_fds')")" \
    "'error' not in j and 0 < j['held'] <= 1024 - 32 and j['held'] + j['refused_at_once'] == 2000 and j['worker_fds'] < 1024 and j['held_at_end'] == j['held']"
jtrue "$tmp/c.json" "c: worker CPU $(jget "$tmp/c.json" "j.get('worker_cpu_percent')")% over $(jget "$tmp/c.json" "j.get('hold_s')") s while they are held (< 5%)" \
    "j['worker_cpu_percent'] < 5"
jtrue "$tmp/c.json" "c: a new connection meanwhile is answered in $(jget "$tmp/c.json" "j.get('probe_ms')") ms ($(jget "$tmp/c.json" "j.get('probe')"))" \
    "j['probe_ms'] < 2000"
echo "measure: 2000 connections, descriptor limit 1024: worker CPU $(jget "$tmp/c.json" "j.get('worker_cpu_percent')")% over $(jget "$tmp/c.json" "j.get('hold_s')") s, peak RSS $(jget "$tmp/c.json" "j.get('worker_peak_rss_kb')") kB, $(jget "$tmp/c.json" "j.get('worker_threads')") threads, $(jget "$tmp/c.json" "j.get('held')") held"
if in_log F 'MaximumConnections 5000 is more than 1024 descriptors allow' &&
    in_log F 'connection limit reached'; then
	ok "c: the log says the limit and the refusals"
else
	fail "c: no log line for the connection limit"
	show_log F
fi

# --- d. inet:PORT without a host -------------------------------------------------

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start I "inet:$port" -o MilterTimeout=60
ready I
hexport=$(printf '%04X' "$port")
if in_log I "Socket inet:$port names no host: listening on 127.0.0.1 only" &&
    grep -q "^ *[0-9]*: 0100007F:$hexport 00000000:0000 0A" /proc/net/tcp &&
    ! grep -q "^ *[0-9]*: 00000000:$hexport 00000000:0000 0A" /proc/net/tcp; then
	ok "d: inet:$port listens on 127.0.0.1 only and says so"
else
	fail "d: inet:$port is not bound to 127.0.0.1 alone (or the log does not say so)"
	grep ":$hexport " /proc/net/tcp
	show_log I
fi
if ! in_log I 'not a loopback address'; then
	ok "d: no warning for the loopback address"
else
	fail "d: a warning for a loopback listener"
fi
explained I "inet:$port@127.0.0.1"
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
    unshare -n true 2>/dev/null; then
	# Only lo exists in a network namespace of its own: 0.0.0.0 there is
	# reachable from nowhere else.
	unshare -n sh -c 'ip link set lo up 2>/dev/null; exec "$0" -f -p inet:8891@0.0.0.0 -r "$1" -s none -o Syslog=no' \
	    "$M" "$RULES" >"$tmp/W.log" 2>&1 &
	echo $! >>"$tmp/pids"
	if wait_until 20 in_log W 'started: socket' &&
	    in_log W 'listening on 0.0.0.0, not a loopback address'; then
		ok "d: inet:8891@0.0.0.0 (in a namespace of its own) logs a warning"
	else
		fail "d: no warning for a listener on 0.0.0.0"
		show_log W
	fi
else
	echo "d: the 0.0.0.0 warning: skipped (needs root and unshare -n)"
fi

# --- e. still working after all of it ------------------------------------------

explained T "unix:$tmp/T.sock"
explained H "unix:$tmp/H.sock"
explained F "unix:$tmp/F.sock"

for n in T H F I; do
	if grep -q -i -E 'assert|segfault|signal 11|panic|AddressSanitizer|runtime error' "$tmp/$n.log"; then
		fail "milter $n log has a crash line"
		show_log "$n"
	fi
done
echo "milter-limits.sh: wall time $(($(date +%s) - started_at)) s"
[ "$failed" = 0 ]
