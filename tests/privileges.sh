#!/bin/sh
# privileges.sh - dsnexplain-milter started as root gives none of root
# away: not through its socket, its pid file, or the files it reads.
#
# Needs root (exit 77 otherwise, a failure with CI=true) and the user
# nobody; works only in its own mktemp -d tree, with milters on unix
# sockets there.  Each section is a problem once reproduced on main:
#
#   a. the socket race: 12 starts with -u nobody and the socket in a
#      directory nobody owns, while a racer running as nobody swaps the
#      socket for a symbolic link to a root-only file the moment it
#      appears (main chmod/chowned the path after bind: the file became
#      nobody's); the file must stay root's, mode 0600.
#   b. what runs as whom: supervisor and worker are nobody; the socket is
#      nobody's with SocketMode; a worker killed with SIGKILL comes back
#      on the same socket (same inode, not made again) and explains.
#      A root-owned socket directory gets root:nogroup with SocketMode;
#      a directory of another user is refused.
#   c. the pid file: links planted at PidFile and at PidFile.tmp leave
#      their targets alone; a pid file naming a live process that is no
#      milter does not stop a start; one held by a running milter does.
#   d. trust in files: a group-writable site rule file, an
#      other-writable configuration file, a site directory others may
#      write and a link out of the site directory are refused (-n and a
#      start) with the file and why; the CLI still reads them; a reload
#      meeting a group-writable file keeps the old rules.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
M="$top_builddir/milter/dsnexplain-milter"
CLI="$top_builddir/cli/dsnexplain"
RULES="$top_srcdir/rules"
CLIENT="$top_srcdir/tests/milter/client.py"
DSN="$top_srcdir/tests/data/samples/postfix-delay-warning-4.4.1.eml"
me=privileges.sh

skip() {
	if [ "${CI:-}" = true ]; then
		echo "$me: FAIL: $* (CI=true)"
		exit 1
	fi
	echo "$me: SKIP: $*"
	exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root"
id nobody >/dev/null 2>&1 || skip "no user nobody"
command -v python3 >/dev/null 2>&1 || skip "python3 is missing"
for f in "$M" "$CLI"; do
	[ -x "$f" ] || { echo "$me: FAIL: $f is not built"; exit 1; }
done
nob=$(id -u nobody)
nogroup=$(id -gn nobody)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-priv.XXXXXX") || exit 1
chmod 755 "$tmp"
: >"$tmp/pids"
cleanup() {
	[ -f "$tmp/racer.stop" ] || : >"$tmp/racer.stop" 2>/dev/null
	for p in $(cat "$tmp/pids" 2>/dev/null); do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.5
	for p in $(cat "$tmp/pids" 2>/dev/null); do
		pkill -KILL -P "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
# The milters run as nobody read a copy of the rules: the checkout may
# sit in a directory only root can enter (CI's clone in a mktemp -d).
cp -R "$RULES" "$tmp/rules" && chmod -R a+rX,go-w "$tmp/rules" || exit 1
RULES=$tmp/rules

failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }
wait_until() {	# SECONDS command...
	n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null &&
    ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
uids() { sed -n 's/^Uid:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null | tr -s '\t ' ' '; }
child_of() { pgrep -P "$1" | head -n 1; }
sockets() { ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*-> socket:\[\([0-9]*\)\]$/\1/p' | sort; }
shared_socket() {	# PID PID: a socket both hold open
	sockets "$1" >"$tmp/s1"; sockets "$2" >"$tmp/s2"
	comm -12 "$tmp/s1" "$tmp/s2" | head -n 1
}
started() { grep -q 'started: socket' "$1" 2>/dev/null; }
stop() {	# PID: SIGTERM, wait for it to go
	kill -TERM "$1" 2>/dev/null
	wait_until 40 eval "! alive $1" && return 0
	fail "pid $1 did not stop in 40 s"
	for c in $1 $(pgrep -P "$1"); do
		grep -E '^(State|SigBlk|SigPnd|ShdPnd)' "/proc/$c/status" | tr '\n' ' '
		echo
	done
	tail -n 5 "$tmp/$name.log"
	pkill -KILL -P "$1" 2>/dev/null
	kill -KILL "$1" 2>/dev/null
}
# run NAME ARGS...: a foreground milter logging to $tmp/NAME.log; pid in $pid
run() {
	name=$1
	shift
	# Emptied here, not by the redirection: the child opens the log only
	# after the fork, and a wait that reads it first sees the last run's
	# "started" line and signals a process not yet the milter.
	: >"$tmp/$name.log"
	"$M" -f -r "$RULES" -o Syslog=no "$@" >>"$tmp/$name.log" 2>&1 &
	pid=$!
	echo "$pid" >>"$tmp/pids"
}
victim_ok() {	# FILE CONTENT: still root's, mode 0600, same content
	[ "$(stat -c '%u %a' "$1")" = "0 600" ] && [ "$(cat "$1")" = "$2" ]
}
makevictim() { printf '%s' "$2" >"$1"; chmod 600 "$1"; }

# --- a. the socket race --------------------------------------------------------

echo "== a. the socket path swapped for a link, 12 starts"
mkdir "$tmp/race"
chown nobody:"$nogroup" "$tmp/race"
chmod 750 "$tmp/race"
makevictim "$tmp/victim" "root only"
cat >"$tmp/racer.py" <<'EOF'
import os, stat, sys, time
sock, victim, stop, uid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
os.setgroups([]); os.setgid(65534); os.setuid(uid)   # the attacker: nobody
swaps, tmpl, end = 0, sock + ".lnk", time.time() + 600
while not os.path.exists(stop) and time.time() < end:
    try:
        if stat.S_ISSOCK(os.lstat(sock).st_mode):
            try: os.unlink(tmpl)
            except OSError: pass
            os.symlink(victim, tmpl)
            os.rename(tmpl, sock)
            swaps += 1
    except OSError:
        pass
open(sys.argv[5], "w").write(str(swaps))
EOF
python3 "$tmp/racer.py" "$tmp/race/m.sock" "$tmp/victim" "$tmp/racer.stop" "$nob" "$tmp/race/count" &
racer=$!
echo "$racer" >>"$tmp/pids"
up=0 bad=0
i=0
while [ $i -lt 12 ]; do
	i=$((i + 1))
	run race -u nobody -p "unix:$tmp/race/m.sock" -s none
	wait_until 20 eval "started $tmp/race.log || ! alive $pid"
	started "$tmp/race.log" && up=$((up + 1))
	stop "$pid"
	if ! victim_ok "$tmp/victim" "root only"; then
		bad=$((bad + 1))
		echo "  start $i: the victim is now $(stat -c '%U:%G %a' "$tmp/victim")"
		chown root:root "$tmp/victim"
		chmod 600 "$tmp/victim"
	fi
	rm -f "$tmp/race/m.sock"
done
: >"$tmp/racer.stop"
wait "$racer" 2>/dev/null
swaps=$(cat "$tmp/race/count" 2>/dev/null || echo '?')
echo "  $up of 12 starts came up; the racer swapped the socket $swaps times"
if [ "$bad" = 0 ]; then
	ok "a root-only file stayed root's through 12 racing starts"
else
	fail "a root-only file was given away in $bad of 12 starts"
fi
rm -f "$tmp/racer.stop"

# --- b. what runs as whom --------------------------------------------------------

echo "== b. supervisor and worker as nobody; a restart keeps the socket"
mkdir "$tmp/own"
chown nobody:"$nogroup" "$tmp/own"
chmod 750 "$tmp/own"
run own -u nobody -p "unix:$tmp/own/m.sock" -s none -o SocketMode=0660
sup=$pid
if wait_until 20 started "$tmp/own.log"; then
	wk=$(child_of "$sup")
	[ "$(uids "$sup")" = "$nob $nob $nob $nob" ] && ok "supervisor runs as nobody ($(uids "$sup"))" \
	    || fail "supervisor Uid: '$(uids "$sup")', want $nob x4"
	[ "$(uids "$wk")" = "$nob $nob $nob $nob" ] && ok "worker runs as nobody" \
	    || fail "worker '$wk' Uid: '$(uids "$wk")'"
	got=$(stat -c '%U:%G %a' "$tmp/own/m.sock")
	[ "$got" = "nobody:$nogroup 660" ] && ok "socket: $got, made so (no chown)" \
	    || fail "socket is $got, want nobody:$nogroup 660"
	ino=$(stat -c %i "$tmp/own/m.sock")
	held=$(shared_socket "$sup" "$wk")
	[ -n "$held" ] && ok "the supervisor holds the worker's listening socket ($held)" \
	    || fail "the supervisor holds no socket of the worker's"
	kill -KILL "$wk"
	if wait_until 20 eval "[ \$(grep -c 'started: socket' $tmp/own.log) -ge 2 ]"; then
		wk2=$(child_of "$sup")
		[ "$(uids "$wk2")" = "$nob $nob $nob $nob" ] && ok "the restarted worker runs as nobody" \
		    || fail "restarted worker Uid: '$(uids "$wk2")'"
		[ "$(stat -c %i "$tmp/own/m.sock")" = "$ino" ] && [ -n "$held" ] &&
		    [ "$(shared_socket "$sup" "$wk2")" = "$held" ] &&
		    ok "the restarted worker listens on the same socket ($held)" \
		    || fail "the socket was made again after the restart"
		if python3 "$CLIENT" "unix:$tmp/own/m.sock" "$DSN" --macro i=b-restart \
		    --timeout 10 --summary "$tmp/b.json" >"$tmp/b.out" 2>"$tmp/b.err" &&
		    python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["changed"] else 1)' "$tmp/b.json"; then
			ok "the restarted worker explains a DSN"
		else
			fail "no explanation after the restart: $(cat "$tmp/b.err")"
		fi
	else
		fail "the worker was not restarted"
		tail -n 5 "$tmp/own.log"
	fi
else
	fail "milter with -u nobody did not start"
	cat "$tmp/own.log"
fi
stop "$sup"

mkdir "$tmp/rootdir"
chmod 755 "$tmp/rootdir"
run rootdir -u nobody -p "unix:$tmp/rootdir/m.sock" -s none -o SocketMode=0660
if wait_until 20 started "$tmp/rootdir.log"; then
	got=$(stat -c '%U:%G %a' "$tmp/rootdir/m.sock")
	[ "$got" = "root:$nogroup 660" ] && ok "root's socket directory: socket $got" \
	    || fail "socket in root's directory is $got, want root:$nogroup 660"
else
	fail "milter with a root-owned socket directory did not start"
	cat "$tmp/rootdir.log"
fi
stop "$pid"

mkdir "$tmp/other"
chown daemon "$tmp/other"
run other -u nobody -p "unix:$tmp/other/m.sock" -s none
wait_until 20 eval "! alive $pid"
if ! [ -S "$tmp/other/m.sock" ] && grep -q "other.*owned by uid $(id -u daemon)" "$tmp/other.log"; then
	ok "socket directory of another user refused: $(grep -o 'its directory.*' "$tmp/other.log" | head -n 1)"
else
	fail "socket directory of another user not refused: $(cat "$tmp/other.log")"
fi
stop "$pid"

# --- c. the pid file -------------------------------------------------------------------

echo "== c. pid file"
mkdir "$tmp/run"
chmod 755 "$tmp/run"
makevictim "$tmp/victim-tmp" "keep tmp"
makevictim "$tmp/victim-pid" "keep pid"
ln -s "$tmp/victim-tmp" "$tmp/run/m.pid.tmp"
ln -s "$tmp/victim-pid" "$tmp/run/m.pid"
run pid1 -p "unix:$tmp/run/a.sock" -s none -P "$tmp/run/m.pid"
sup=$pid
if wait_until 20 started "$tmp/pid1.log"; then
	victim_ok "$tmp/victim-tmp" "keep tmp" && ok "a link at PidFile.tmp: its target untouched" \
	    || fail "PidFile.tmp link followed: $(stat -c '%U %a' "$tmp/victim-tmp") '$(cat "$tmp/victim-tmp")'"
	victim_ok "$tmp/victim-pid" "keep pid" && ok "a link at PidFile: its target untouched" \
	    || fail "PidFile link followed: '$(cat "$tmp/victim-pid")'"
	if [ -f "$tmp/run/m.pid" ] && ! [ -L "$tmp/run/m.pid" ] && [ "$(cat "$tmp/run/m.pid")" = "$sup" ]; then
		ok "PidFile is a regular file naming the supervisor ($sup)"
	else
		fail "PidFile: $(ls -l "$tmp/run/m.pid")"
	fi
	run pid2 -p "unix:$tmp/run/b.sock" -s none -P "$tmp/run/m.pid"
	wait_until 20 eval "! alive $pid"
	if ! started "$tmp/pid2.log" && grep -q "a milter is running (pid $sup" "$tmp/pid2.log"; then
		ok "a second milter on a live pid file refused: $(grep -o 'a milter is running.*' "$tmp/pid2.log")"
	else
		fail "second milter on a live pid file: $(cat "$tmp/pid2.log")"
	fi
	stop "$pid"
else
	fail "milter with planted pid file links did not start: $(cat "$tmp/pid1.log")"
fi
stop "$sup"
[ -e "$tmp/run/m.pid" ] && fail "pid file left after a stop" || ok "pid file removed at the stop"

sleep 300 &
other=$!
echo "$other" >>"$tmp/pids"
echo "$other" >"$tmp/run/stale.pid"
run stale -p "unix:$tmp/run/c.sock" -s none -P "$tmp/run/stale.pid"
if wait_until 20 started "$tmp/stale.log"; then
	ok "a stale pid file naming a live process ($other, no milter) does not stop a start"
else
	fail "stale pid file naming pid $other stopped the start: $(cat "$tmp/stale.log")"
fi
stop "$pid"
kill "$other" 2>/dev/null

# --- d. trust in files ---------------------------------------------------------------

echo "== d. configuration and rule files"
mkdir "$tmp/site" "$tmp/etc"
chmod 755 "$tmp/site" "$tmp/etc"
cat >"$tmp/site/50-local.json" <<'EOF'
{"rules": [{"id": "t.local", "when": {"status": "5.1.1"},
  "reason": "blocked", "cause": "dns-nxdomain",
  "examples": {"match": [{"status": "5.1.1"}]}}]}
EOF
chmod 644 "$tmp/site/50-local.json"
check_n() {	# TAG EXPECT(0|1) ARGS...: milter -n
	tag=$1 want=$2
	shift 2
	"$M" -n -r "$RULES" "$@" >"$tmp/$tag.out" 2>&1
	rc=$?
	[ "$rc" = "$want" ]
}
if check_n d-good 0 -s "$tmp/site"; then ok "-n: a site file 0644 of root loads"; else
	fail "-n with a good site file: exit $rc: $(tail -n 3 "$tmp/d-good.out")"; fi

chmod 664 "$tmp/site/50-local.json"
if check_n d-gw 1 -s "$tmp/site" &&
    grep -q "50-local.json: refused: writable by its group (mode 0664)" "$tmp/d-gw.out"; then
	ok "-n: group-writable site file refused: $(grep refused "$tmp/d-gw.out")"
else
	fail "-n: group-writable site file: exit $rc: $(cat "$tmp/d-gw.out")"
fi
run d-start -s "$tmp/site" -p "unix:$tmp/d.sock"
wait_until 20 eval "! alive $pid"
if ! started "$tmp/d-start.log" && grep -q "50-local.json: refused" "$tmp/d-start.log"; then
	ok "start: group-writable site file refused"
else
	fail "start with a group-writable site file: $(tail -n 3 "$tmp/d-start.log")"
fi
stop "$pid"
if "$CLI" lint --rules "$RULES" --site-rules "$tmp/site" >"$tmp/d-cli.out" 2>&1; then
	ok "the CLI still reads the user's group-writable file"
else
	fail "CLI refused the site file: $(tail -n 3 "$tmp/d-cli.out")"
fi
chmod 644 "$tmp/site/50-local.json"

chmod 777 "$tmp/site"
if check_n d-dir 1 -s "$tmp/site" && grep -q "site: refused: writable by its group and others (mode 0777)" "$tmp/d-dir.out"; then
	ok "-n: site directory writable by others refused"
else
	fail "-n: world-writable site directory: exit $rc: $(cat "$tmp/d-dir.out")"
fi
chmod 755 "$tmp/site"

mkdir "$tmp/elsewhere"
cp "$tmp/site/50-local.json" "$tmp/elsewhere/x.json"
ln -s "$tmp/elsewhere/x.json" "$tmp/site/60-link.json"
if check_n d-link 1 -s "$tmp/site" && grep -q "60-link.json: refused: a symbolic link to" "$tmp/d-link.out"; then
	ok "-n: a link out of the site directory refused"
else
	fail "-n: link out of the site directory: exit $rc: $(cat "$tmp/d-link.out")"
fi
rm -f "$tmp/site/60-link.json"

printf 'LogUnchanged no\n' >"$tmp/etc/m.conf"
chmod 646 "$tmp/etc/m.conf"
if check_n d-conf 1 -c "$tmp/etc/m.conf" -s none && grep -q "m.conf: refused: writable by others (mode 0646)" "$tmp/d-conf.out"; then
	ok "-n: configuration file writable by others refused"
else
	fail "-n: other-writable configuration: exit $rc: $(cat "$tmp/d-conf.out")"
fi
chmod 644 "$tmp/etc/m.conf"
chown daemon "$tmp/etc/m.conf"
if check_n d-owner 1 -c "$tmp/etc/m.conf" -s none && grep -q "m.conf: refused: owned by uid $(id -u daemon)" "$tmp/d-owner.out"; then
	ok "-n: configuration file of another user refused"
else
	fail "-n: configuration of another user: exit $rc: $(cat "$tmp/d-owner.out")"
fi
chown root "$tmp/etc/m.conf"

# a reload, as nobody, meets a group-writable file: the old rules stay
mkdir "$tmp/rl"
chown nobody:"$nogroup" "$tmp/rl"
chmod 750 "$tmp/rl"
run reload -u nobody -s "$tmp/site" -p "unix:$tmp/rl/m.sock"
sup=$pid
if wait_until 20 started "$tmp/reload.log"; then
	chmod 664 "$tmp/site/50-local.json"
	kill -HUP "$sup"
	if wait_until 20 grep -q "reload failed" "$tmp/reload.log" &&
	    grep -q "50-local.json: refused: writable by its group" "$tmp/reload.log" && alive "$sup"; then
		ok "reload as nobody refuses the group-writable file and keeps the old rules"
	else
		fail "reload with a group-writable file: $(tail -n 4 "$tmp/reload.log")"
	fi
	chmod 644 "$tmp/site/50-local.json"
else
	fail "milter for the reload test did not start: $(cat "$tmp/reload.log")"
fi
stop "$sup"

[ "$failed" = 0 ] && echo "$me: all passed" || echo "$me: FAILED"
exit "$failed"
