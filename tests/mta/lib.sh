# lib.sh - shell helpers shared by the real-MTA tests (tests/mta/*.sh).
#
# Sourced, never run.  POSIX sh.  Before sourcing, set "me" (the script's
# name, for messages).  top_srcdir/top_builddir default to the checkout
# that holds this file.  Provides:
#
#   mta_prereq [milter] [cli] [corpus]
#       skip (exit 77) or fail (exit 1) when a prerequisite is missing:
#       DSNX_MTA_TESTS=no always skips; not root, no postfix/postconf or no
#       python3 skip unless CI=true (then they fail); a missing milter or
#       CLI binary (when asked for) always fails; "corpus" sets $corpus_dir
#       to ../shared/corpus beside $top_srcdir, or skips when it is absent
#       (also under CI: make distcheck has no corpus; as tests/rewrite.sh).
#       Adds /usr/sbin:/sbin to PATH.
#   skip_or_fail MSG          exit 77, or 1 under CI=true
#   mta_tmpdir NAME           mktemp -d, chmod 755 (virtual(8) runs as
#                             65534 and Postfix reaches the milter socket
#                             there); sets T.  The caller's EXIT trap must
#                             remove it (see mta_cleanup).
#   tcp_listens PORT / unix_listens PATH   a listener exists (/proc/net)
#   port_free PORT            true when nothing listens on PORT (any address)
#   wait_port tcp PORT [SECS] | wait_port unix PATH [SECS]
#                             wait until it listens (default 10 s)
#   alive PID                 running and not a zombie
#   stop_pid PID|PIDFILE [SECS]  SIGTERM, wait (default 15 s), then SIGKILL
#   milter_start [ARGS...]    start $MILTER_BIN (-f, in the background):
#                             socket unix:$T/milter.sock with SocketMode
#                             0666 (Postfix connects as user postfix; $T
#                             is private to the test), rules
#                             $top_srcdir/rules, no site rules, pid file
#                             $T/milter.pid, Syslog=no with stderr appended
#                             to $T/milter.log; extra ARGS (e.g. -o K=V)
#                             are passed on; waits up to 15 s for the
#                             socket; sets MILTER_PID (the supervisor).
#   milter_stop               SIGTERM to MILTER_PID and wait for it (40 s,
#                             then SIGKILL and status 1)
#   proxy_start LISTEN_PATH [UPSTREAM_PATH]
#                             milter_proxy.py: a counting relay on the unix
#                             socket LISTEN_PATH to the milter (default
#                             upstream $T/milter.sock), logging each milter
#                             session to $T/proxy.log ("open N", "mail N
#                             SENDER QID", "close N ..."); sets PROXY_PID
#   proxy_stop
#   proxy_sessions [ERE]      number of sessions the MTA opened so far (with
#                             ERE: "mail" lines matching it)
#   pfx_master_snippet DIR FILE
#                             add or replace, in DIR/etc/master.cf, every
#                             service entry of a master.cf snippet FILE
#                             (postconf -M, continuation lines joined)
#   pfx_main_snippet DIR FILE set every "name = value" line of a main.cf
#                             snippet FILE in DIR/etc/main.cf (postconf -e)
#   peers_start BASE [LIFETIME] [SAVEDIR]
#                             fake_smtp.py on BASE+1..BASE+8 (BASE+0 is
#                             "refuse": nothing listens), log $T/peers.log
#   peers_stop
#   maildir_count DIR [ERE]   number of messages in DIR/new + DIR/cur
#                             (matching the extended regexp, if given)
#   maildir_wait DIR COUNT SECS [ERE]
#                             poll until maildir_count >= COUNT; false on
#                             timeout
#   dump_logs                 tails of every log under $T (for failures)
#   mta_cleanup               stop milter, proxy, peers and Postfix ($T/pfx),
#                             remove $T (KEEP_TMP=1 keeps it); for EXIT traps
#   fail MSG / ok MSG         count and print results (failures in $failures)
#   now                       seconds since the epoch with decimals
#
# MILTER_BIN, CLI_BIN and PYTHON in the environment override the programs
# (defaults: $top_builddir/milter/dsnexplain-milter, $top_builddir/cli/
# dsnexplain, python3).  Linux only (/proc).
# It starts nothing by itself and never touches anything outside $T
# except the listening ports the caller chose.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MTA_DIR=$top_srcdir/tests/mta
# The Python checks import postfix_view from here.
MTA_TEST_DIR=$MTA_DIR
export MTA_TEST_DIR
MILTER_BIN=${MILTER_BIN:-$top_builddir/milter/dsnexplain-milter}
CLI_BIN=${CLI_BIN:-$top_builddir/cli/dsnexplain}
RULES_DIR=$top_srcdir/rules
PYTHON=${PYTHON:-python3}
me=${me:-mta}
failures=0
MILTER_PID=
PEERS_PID=
PROXY_PID=
T=

now() { date +%s.%N; }

ok() { echo "ok: $*"; }
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# skip_or_fail MSG: a missing prerequisite
skip_or_fail() {
	if [ "${CI:-}" = true ]; then
		echo "$me: FAIL: $* (CI=true: prerequisites must be present)"
		exit 1
	fi
	echo "$me: SKIP: $*"
	exit 77
}

mta_prereq() {
	if [ "${DSNX_MTA_TESTS:-}" = no ]; then
		echo "$me: SKIP: DSNX_MTA_TESTS=no"
		exit 77
	fi
	[ "$(id -u)" -eq 0 ] || skip_or_fail "needs root (private Postfix)"
	case :$PATH: in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
	for _p in postfix postconf postqueue; do
		command -v "$_p" >/dev/null 2>&1 ||
			skip_or_fail "$_p not found (apt-get install postfix)"
	done
	command -v "$PYTHON" >/dev/null 2>&1 || skip_or_fail "python3 not found"
	for _w in "$@"; do
		case $_w in
		milter)
			[ -x "$MILTER_BIN" ] || {
				echo "$me: FAIL: $MILTER_BIN is not built"
				exit 1
			} ;;
		cli)
			[ -x "$CLI_BIN" ] || {
				echo "$me: FAIL: $CLI_BIN is not built"
				exit 1
			} ;;
		corpus)
			corpus_dir=$(cd "$top_srcdir/.." 2>/dev/null && pwd)/shared/corpus
			[ -d "$corpus_dir/sisimai/eml" ] && [ -d "$corpus_dir/mta-generated" ] ||
				{
					# like tests/rewrite.sh: no corpus beside the checkout
					# (e.g. make distcheck) is a skip, even under CI
					echo "$me: SKIP: no corpus at $corpus_dir"
					exit 77
				} ;;
		esac
	done
}

mta_tmpdir() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-$1.XXXXXX") || exit 1
	chmod 755 "$T"
}

# listening TCP port / unix socket, read from /proc (no iproute2 needed)
tcp_listens() {
	awk -v p="$(printf %04X "$1")" \
		'$4 == "0A" && substr($2, index($2, ":") + 1) == p { f = 1 }
		END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
unix_listens() {
	[ -S "$1" ] &&
		awk -v p="$1" '$4 == "00010000" && $8 == p { f = 1 } END { exit !f }' \
			/proc/net/unix 2>/dev/null
}

port_free() {
	! tcp_listens "$1"
}

wait_port() {
	_kind=$1 _what=$2 _secs=${3:-10}
	_n=0
	while :; do
		case $_kind in
		tcp) tcp_listens "$_what" && return 0 ;;
		unix) unix_listens "$_what" && return 0 ;;
		esac
		_n=$((_n + 1))
		[ $_n -le $((_secs * 10)) ] || {
			echo "$me: $_kind $_what does not listen after ${_secs}s"
			return 1
		}
		sleep 0.1
	done
}

alive() {
	[ -n "$1" ] && [ -r "/proc/$1/status" ] &&
		! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

stop_pid() {
	_p=$1 _secs=${2:-15}
	if [ -f "$_p" ]; then _p=$(tr -dc 0-9 <"$_p"); fi
	[ -n "$_p" ] || return 0
	alive "$_p" || return 0
	kill -TERM "$_p" 2>/dev/null
	_n=0
	while alive "$_p"; do
		_n=$((_n + 1))
		if [ $_n -gt $((_secs * 10)) ]; then
			echo "$me: pid $_p ignored SIGTERM for ${_secs}s: SIGKILL"
			kill -KILL "$_p" 2>/dev/null
			sleep 0.2
			return 1
		fi
		sleep 0.1
	done
	return 0
}

milter_start() {
	rm -f "$T/milter.sock"
	"$MILTER_BIN" -f -o Syslog=no -o SocketMode=0666 \
		-p "unix:$T/milter.sock" -r "$RULES_DIR" -s none \
		-P "$T/milter.pid" "$@" 2>>"$T/milter.log" &
	MILTER_PID=$!
	if ! wait_port unix "$T/milter.sock" 15; then
		echo "$me: the milter did not come up; its log:"
		tail -n 20 "$T/milter.log" 2>/dev/null | sed 's/^/  /'
		return 1
	fi
	alive "$MILTER_PID" || {
		echo "$me: the milter exited"
		return 1
	}
}

milter_stop() {
	[ -n "$MILTER_PID" ] || return 0
	stop_pid "$MILTER_PID" 40
	_rc=$?
	wait "$MILTER_PID" 2>/dev/null
	MILTER_PID=
	return $_rc
}

proxy_start() {
	rm -f "$1"
	"$PYTHON" "$MTA_DIR/milter_proxy.py" --lifetime 900 \
		"$1" "${2:-$T/milter.sock}" "$T/proxy.log" 2>>"$T/proxy.err" &
	PROXY_PID=$!
	wait_port unix "$1" 10
}

proxy_stop() {
	[ -n "$PROXY_PID" ] || return 0
	stop_pid "$PROXY_PID" 10
	wait "$PROXY_PID" 2>/dev/null
	PROXY_PID=
}

proxy_sessions() {
	if [ -n "${1:-}" ]; then
		grep -cE -- "$1" "$T/proxy.log" 2>/dev/null
	else
		grep -c '^open ' "$T/proxy.log" 2>/dev/null
	fi
}

# One master.cf entry per line: comments and blank lines dropped, the
# indented continuation lines ("  -o name=value") joined to their entry.
pfx_master_snippet() {
	awk '/^#/ || /^[ \t]*$/ { next }
	/^[ \t]/ { e = e " " $0; next }
	{ if (e != "") print e; e = $0 }
	END { if (e != "") print e }' "$2" | tr -s ' \t' '  ' |
		while read -r _n _t _rest; do
			postconf -c "$1/etc" -M "$_n/$_t=$_n $_t $_rest" || return 1
		done
}

pfx_main_snippet() {
	grep -E '^[a-z0-9_]+[ \t]*=' "$2" | while IFS= read -r _l; do
		postconf -c "$1/etc" -e "$_l" || return 1
	done
}

peers_start() {
	_b=$1
	"$PYTHON" "$MTA_DIR/fake_smtp.py" --lifetime "${2:-600}" \
		${3:+--savedir "$3"} --log "$T/peers.log" \
		"$_b:refuse" "$((_b + 1)):greylist" "$((_b + 2)):ratelimit" \
		"$((_b + 3)):tlsreq" "$((_b + 4)):quota" "$((_b + 5)):unknown" \
		"$((_b + 6)):dropdata" "$((_b + 7)):accept" "$((_b + 8)):greyonce" \
		2>>"$T/peers.log" &
	PEERS_PID=$!
	wait_port tcp $((_b + 8)) 10
}

peers_stop() {
	[ -n "$PEERS_PID" ] || return 0
	stop_pid "$PEERS_PID" 10
	wait "$PEERS_PID" 2>/dev/null
	PEERS_PID=
}

maildir_count() {
	if [ -n "${2:-}" ]; then
		find "$1/new" "$1/cur" -type f 2>/dev/null |
			xargs -r grep -lE -- "$2" 2>/dev/null | wc -l
	else
		find "$1/new" "$1/cur" -type f 2>/dev/null | wc -l
	fi
}

maildir_wait() {
	_end=$(($(date +%s) + $3))
	while [ "$(maildir_count "$1" "${4:-}")" -lt "$2" ]; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.5
	done
	return 0
}

dump_logs() {
	[ -n "$T" ] && [ -d "$T" ] || return 0
	for _l in "$T"/*.log "$T"/pfx/log/maillog; do
		[ -s "$_l" ] || continue
		echo "---- last 40 lines of $_l"
		tail -n 40 "$_l"
	done
	if [ -d "$T/pfx/etc" ]; then
		echo "---- queue"
		postqueue -c "$T/pfx/etc" -p 2>&1 | tail -n 30
	fi
}

mta_cleanup() {
	[ -n "$T" ] || return 0
	if [ -d "$T/pfx/etc" ]; then
		sh "$MTA_DIR/pfx.sh" stop "$T/pfx" >/dev/null 2>&1
	fi
	milter_stop
	proxy_stop
	peers_stop
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "$me: kept $T"
	else
		rm -rf "$T"
	fi
	T=
}
