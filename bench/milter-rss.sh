#!/bin/sh
# milter-rss.sh - does dsnexplain-milter's worker grow with the messages it
# has handled?  RSS of the worker after 10,000, 50,000 and 100,000 messages.
#
# usage: sh bench/milter-rss.sh BUILD_DIR SRC_DIR
#
# Starts BUILD_DIR/milter/dsnexplain-milter in the foreground on
# unix:$T/milter.sock (shipped rules, no site rules, log to a file) and
# drives it directly, without an MTA, with tests/milter/client.py (the MTA
# side of the milter protocol, as Postfix speaks it): PROCS (4) client
# processes in parallel, each on its own connection, 20 messages per
# connection, then a new one.  The mix, by message number:
#   85%  DSNs, MAIL FROM:<>, cycling through every corpus file
#        (../shared/corpus/mta-generated and sisimai; those the rules do not
#        explain take the "unchanged" path)
#   10%  ordinary mail (MAIL FROM:<load@sink.test>: accepted at MAIL FROM)
#    5%  DSNs whose connection is dropped after the body, before end of
#        message (the abort path)
# VmRSS, VmHWM and the thread count of the worker (the child of the pid in
# the pid file) are read from /proc after 0 (started), 1,000 (warm),
# 10,000, 50,000 and 100,000 messages (TOTAL, default 100000; checkpoints
# scale with it), each time with no connection open.  Prints a table, the
# growth from 10k to 100k, and the run's rate.  Exit 1 if the milter died
# or a transaction failed at the protocol level.
#
# It does not test correctness (the edits are counted, not checked) and is
# not part of make check (about 1-2 minutes; no root needed).  Ports:
# none (unix socket); SOCKET=inet uses inet:11100@127.0.0.1 instead (slower:
# client.py's small writes meet Nagle's algorithm over TCP).
set -u
[ $# -eq 2 ] || {
	echo "usage: sh bench/milter-rss.sh BUILD_DIR SRC_DIR" >&2
	exit 2
}
build=$(cd "$1" && pwd) || exit 2
src=$(cd "$2" && pwd) || exit 2
MILTER_BIN=${MILTER_BIN:-$build/milter/dsnexplain-milter}
TOTAL=${TOTAL:-100000}
PROCS=${PROCS:-4}
corpus=$src/../shared/corpus
[ -x "$MILTER_BIN" ] || {
	echo "milter-rss: $MILTER_BIN is not built" >&2
	exit 1
}
[ -d "$corpus/mta-generated" ] || {
	echo "milter-rss: no corpus at $corpus" >&2
	exit 1
}
T=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-rss.XXXXXX") || exit 1
MPID=
cleanup() {
	if [ -n "$MPID" ] && kill -0 "$MPID" 2>/dev/null; then
		kill -TERM "$MPID"
		wait "$MPID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

case ${SOCKET:-unix} in
inet) sock=inet:11100@127.0.0.1 ;;
*) sock=unix:$T/milter.sock ;;
esac
"$MILTER_BIN" -f -o Syslog=no -p "$sock" -r "$src/rules" -s none \
	-P "$T/milter.pid" 2>"$T/milter.log" &
MPID=$!
n=0
until grep -q 'started: socket' "$T/milter.log" 2>/dev/null; do
	n=$((n + 1))
	if [ $n -gt 150 ] || ! kill -0 "$MPID" 2>/dev/null; then
		echo "milter-rss: the milter did not start:" >&2
		cat "$T/milter.log" >&2
		exit 1
	fi
	sleep 0.1
done

cat >"$T/drive.py" <<'EOF'
# drive.py (written by bench/milter-rss.sh): argv socket client_dir
# supervisor_pid total procs corpus_dir...
import glob, os, sys, time, multiprocessing as mp

sock, cdir, sup, total, procs = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                                 int(sys.argv[4]), int(sys.argv[5]))
sys.path.insert(0, cdir)
import client

files = sorted(f for d in sys.argv[6:]
               for f in glob.glob(os.path.join(d, "**", "*.eml"), recursive=True))
msgs = [client.Message.parse(open(f, "rb").read()) for f in files]
ordinary = client.Message.parse(
    b"From: <load@sink.test>\r\nTo: <rcpt@sink.test>\r\nSubject: hello\r\n\r\n"
    + b"an ordinary message line\r\n" * 100)
PER_CONN = 20


def worker_pid():
    for st in glob.glob("/proc/[0-9]*/status"):
        try:
            with open(st) as f:
                txt = f.read()
        except OSError:
            continue
        for line in txt.splitlines():
            if line.startswith("PPid:") and int(line.split()[1]) == sup:
                return int(st.split("/")[2])
    return None


def status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "Threads"):
                out[k] = int(v.split()[0])
    return out


def run_range(args):
    lo, hi = args
    counts = {}
    c = None
    in_conn = 0
    for n in range(lo, hi):
        if c is None:
            c = client.MilterClient(sock, timeout=60)
            c.connect()
            c.negotiate()
            in_conn = 0
        k = n % 20
        hooks = None
        if k in (0, 10):                       # 10% ordinary
            r = client.transact(c, ordinary, "<load@sink.test>",
                                ["rcpt@sink.test"], {"i": "O%d" % n})
            kind = "ordinary"
        else:
            m = msgs[n % len(msgs)]
            if k == 7:                         # 5% dropped before EOM
                hooks = {"after_chunk": lambda i: "disconnect"}
                kind = "dropped"
            else:
                kind = "dsn"
            r = client.transact(c, m, "<>", ["rcpt@sink.test"],
                                {"i": "D%d" % n}, hooks=hooks)
        key = "%s:%s%s" % (kind, "disconnected" if r.disconnected
                           else r.final, "+edits" if r.edits else "")
        counts[key] = counts.get(key, 0) + 1
        in_conn += 1
        c.log.clear()
        if r.disconnected or in_conn >= PER_CONN:
            if not r.disconnected:
                c.send("Q")
            c.close()
            c = None
    if c is not None:
        c.send("Q")
        c.close()
    return counts


def drive(lo, hi, pool):
    step = (hi - lo + procs - 1) // procs
    parts = [(a, min(a + step, hi)) for a in range(lo, hi, step)]
    out = {}
    for cnt in pool.map(run_range, parts):
        for k, v in cnt.items():
            out[k] = out.get(k, 0) + v
    return out


marks = sorted(set([0, min(1000, total), total // 10, total // 2, total]))
pid = worker_pid()
if pid is None:
    sys.exit("drive: no worker process under %d" % sup)
print("milter-rss: worker pid %d, %d corpus files, %d client processes, "
      "%d messages per connection" % (pid, len(msgs), procs, PER_CONN))
print("%10s %10s %10s %8s" % ("messages", "VmRSS kB", "VmHWM kB", "threads"))
rows = []
totals = {}
done = 0
t0 = time.time()
with mp.Pool(procs) as pool:
    for mk in marks:
        if mk > done:
            for k, v in drive(done, mk, pool).items():
                totals[k] = totals.get(k, 0) + v
            done = mk
        if worker_pid() != pid:
            sys.exit("drive: the worker %d is gone (restarted?)" % pid)
        time.sleep(0.2)
        s = status(pid)
        rows.append((mk, s["VmRSS"]))
        print("%10d %10d %10d %8d" % (mk, s["VmRSS"], s["VmHWM"], s["Threads"]))
        sys.stdout.flush()
el = time.time() - t0
print("outcomes: " + ", ".join("%s %d" % kv for kv in sorted(totals.items())))
r10 = [r for m, r in rows if m == total // 10][0]
r100 = rows[-1][1]
print("growth from %d to %d messages: %+d kB (%.2f bytes per message); "
      "%d messages in %.1f s (%.0f/s)" % (total // 10, total, r100 - r10,
      (r100 - r10) * 1024.0 / max(1, total - total // 10), total, el, total / el))
bad = sum(v for k, v in totals.items() if k.split(":")[1] in ("None", "connfail"))
sys.exit(1 if bad else 0)
EOF
python3 "$T/drive.py" "$sock" "$src/tests/milter" "$(tr -dc 0-9 <"$T/milter.pid")" \
	"$TOTAL" "$PROCS" "$corpus/mta-generated" "$corpus/sisimai/eml"
rc=$?
echo "milter-rss: milter log: $(grep -c ': enriched: ' "$T/milter.log") enriched," \
	"$(grep -c ': unchanged: ' "$T/milter.log") unchanged," \
	"$(grep -c 'error, passed unchanged' "$T/milter.log") errors"
grep -v ': enriched: \|: unchanged: ' "$T/milter.log" | head -n 5
kill -0 "$MPID" 2>/dev/null || {
	echo "milter-rss: the milter died"
	exit 1
}
exit $rc
