#!/bin/sh
# load.sh - dsnexplain-milter under load in a real Postfix, and through a
# worker crash, a daemon restart and a reload with a broken rule file.
#
# One private Postfix (tests/mta/pfx.sh; smtpd 127.0.0.1:10525 with
# smtpd_milters = unix:$T/milter.sock, milter_default_action = accept,
# up to 210 smtpd processes; 127.0.0.1:10526 the same without milter, for
# the negative control; the peers in its transport map point at
# 10530-10538, where nothing listens and nothing is sent).  Everything is
# delivered to the catch-all maildir sink.test.  The milter runs with the
# shipped rules plus a site-rules dir holding one good site rule
# (90-load.greylisted, tried first for greylisting), so every enriched
# greylisting DSN shows rule=90-load.greylisted.
#
# DSNs: the corpus (../shared/corpus: all of mta-generated, every 4th
# Sisimai file), a leading mbox "From " line dropped, files with lines over
# 990 bytes left out; only those `dsnexplain rewrite --rules R --site-rules
# S` enriches are used, and the X-DSN-Explain value it prints is the one
# expected on delivery.
#
# Phase 1: 200 concurrent SMTP sessions (Python threads, 5 messages per
# connection) push 5,000 messages, 20% DSNs with MAIL FROM:<> and 80%
# ordinary 2 KB messages, each with a unique X-Load-Id header.  Then 5 DSNs
# through port 10526 (no milter).  Asserts: every SMTP reply 250; each id
# delivered exactly once; every DSN carries exactly one X-DSN-Explain equal
# to the CLI's; no ordinary message has one; the 5 DSNs without milter are
# flagged as not enriched by the same check (it can fail); no "reject" in
# the maillog.
# Phase 2: the same 5,000 (new ids), while mid-run (by messages done):
#   500     kill -9 of the milter worker (the supervisor restarts it)
#   +250    SIGTERM to the supervisor, a new milter started (daemon restart)
#   +250    a broken rule file installed in the site-rules dir + SIGHUP;
#           the log must say "reload failed"
# Asserts: every SMTP reply 250, every id delivered exactly once; every DSN
# whose SMTP session (before connect .. after QUIT) overlaps neither outage
# (kill -9 .. new worker listening; SIGTERM .. new daemon listening) is
# enriched with the expected value - the last good set, site rule included,
# also after the broken reload; DSNs in sessions that overlapped an outage
# may pass unenriched (Postfix drops a failed milter for the rest of the
# session): counted and reported by when their session started, not failed.
# Phase 3: 500 more messages (100 DSNs) once phase 2 is over, with the
# broken file still there: every DSN enriched with the last good set.
# Wall time about 1.5-2.5 minutes on 2 cores.
#
# It does not measure speed (bench/milter-throughput.sh does), nor cover
# non_smtpd_milters, Sendmail or languages.  Environment: top_srcdir,
# top_builddir (automake TESTS); DSNX_MTA_TESTS=no skips; KEEP_TMP=1 keeps
# the temp dir.  Exit 0 pass, 1 fail, 77 skip.

me=load.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/mta/lib.sh"
SMTPD_PORT=10525
PLAIN_PORT=10526
PEER_BASE=10530
N_MSG=${LOAD_MESSAGES:-5000}
THREADS=${LOAD_SESSIONS:-200}

mta_prereq milter cli corpus
for p in $SMTPD_PORT $PLAIN_PORT; do
	port_free "$p" || {
		echo "$me: FAIL: 127.0.0.1:$p is in use"
		exit 1
	}
done

mta_tmpdir load
SENDER_PID=
trap 'rc=$?; trap - EXIT; [ $rc -eq 0 ] || dump_logs
[ -n "$SENDER_PID" ] && stop_pid "$SENDER_PID" 5; mta_cleanup; exit $rc' EXIT
trap 'exit 1' HUP INT TERM
t_start=$(now)
sink=$T/pfx/mail/sink
site=$T/site
mkdir -p "$site" "$T/dsn"

# --- the good site rule ---------------------------------------------------------
cat >"$site/90-load.json" <<'EOF'
{
  "rules": [
    {
      "id": "90-load.greylisted",
      "description": "Site rule of tests/mta/load.sh: greylisting, tried first.",
      "priority": 950,
      "when": { "diagnostic": "greylist" },
      "reason": { "default": "expired" },
      "cause": "greylisted",
      "examples": {
        "match": [ { "status": "4.2.0", "action": "delayed",
                     "diagnostic": "450 4.2.0 <u@example.org>: Recipient address rejected: Greylisted" } ],
        "no_match": [ { "status": "4.2.0", "action": "delayed",
                        "diagnostic": "450 4.2.0 Mailbox busy" } ]
      }
    }
  ]
}
EOF

# --- the DSNs and what the CLI makes of them ------------------------------------
t0=$(now)
{
	ls "$corpus_dir"/mta-generated/*.eml
	find "$corpus_dir/sisimai/eml" -name '*.eml' | sort | awk 'NR % 4 == 1'
} >"$T/candidates"
n=0
: >"$T/dsn.list"
while read -r f; do
	awk 'length > 990 { f = 1 } END { exit !f }' "$f" && continue
	n=$((n + 1))
	c=$T/dsn/$n.eml
	sed '1{/^From /d;}' "$f" >"$c"
	v=$("$CLI_BIN" rewrite --rules "$RULES_DIR" --site-rules "$site" "$c" \
		2>/dev/null | tr -d '\r' | sed '/^$/q' |
		awk '/^X-DSN-Explain:/ { v = $0; c = 1; next }
		     c && /^[ \t]/ { v = v $0; next } { c = 0 }
		     END { sub(/^X-DSN-Explain:[ \t]*/, "", v); gsub(/[ \t]+/, " ", v); print v }')
	[ -n "$v" ] && printf '%s\t%s\n' "$c" "$v" >>"$T/dsn.list"
done <"$T/candidates"
n_dsn=$(wc -l <"$T/dsn.list")
n_site=$(grep -c 'rule=90-load.greylisted' "$T/dsn.list")
echo "$me: $n_dsn of $(wc -l <"$T/candidates") corpus DSNs are enriched by the CLI" \
	"($n_site by the site rule) ($(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s)"
[ "$n_dsn" -ge 20 ] && [ "$n_site" -ge 1 ] || {
	echo "$me: FAIL: too few usable DSNs ($n_dsn, site rule $n_site)"
	exit 1
}

# --- sender and checker -----------------------------------------------------------
cat >"$T/loadsend.py" <<'EOF'
# loadsend.py (written by tests/mta/load.sh): THREADS SMTP sessions in
# parallel, PER messages per connection, one unique X-Load-Id each.
# argv: port prefix count threads per dsn.list progressfile resultfile
# result lines: id kind session_start end code   (code 0 = I/O error)
import smtplib, sys, threading, time, queue, os

port, prefix, count, threads, per = (int(sys.argv[1]), sys.argv[2],
                                     int(sys.argv[3]), int(sys.argv[4]),
                                     int(sys.argv[5]))
dsns = []
for line in open(sys.argv[6]):
    path = line.split("\t")[0]
    data = open(path, "rb").read().replace(b"\r\n", b"\n")
    data = data.replace(b"\n", b"\r\n")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    dsns.append(data)
progress, resultfile = sys.argv[7], sys.argv[8]
ORD_BODY = b"".join(b"line %04d of an ordinary load test message, "
                    b"nothing to see here.\r\n" % i for i in range(30))
jobs = queue.Queue()
for i in range(count):
    mid = "%s-%05d" % (prefix, i)
    if i % 5 == 2:
        hdr = b"X-Load-Id: " + mid.encode() + b"\r\n"
        jobs.put((mid, "dsn", hdr + dsns[(i // 5) % len(dsns)]))
    else:
        jobs.put((mid, "ord", (
            "X-Load-Id: %s\r\nFrom: <load@sink.test>\r\nTo: <rcpt@sink.test>\r\n"
            "Subject: load %s\r\nMessage-ID: <%s@sink.test>\r\n\r\n"
            % (mid, mid, mid)).encode() + ORD_BODY))
results = []
lock = threading.Lock()
done = [0]


def worker():
    while True:
        batch = []
        for _ in range(per):
            try:
                batch.append(jobs.get_nowait())
            except queue.Empty:
                break
        if not batch:
            return
        t0 = time.time()
        out = []
        try:
            s = smtplib.SMTP("127.0.0.1", port, local_hostname="load.test",
                             timeout=120)
            s.ehlo()
            for mid, kind, data in batch:
                opts = ["BODY=8BITMIME"] if any(b > 127 for b in data) else []
                code, resp = s.mail("" if kind == "dsn" else "load@sink.test",
                                    opts)
                if code == 250:
                    code, resp = s.rcpt("rcpt@sink.test")
                if code == 250:
                    try:
                        code, resp = s.data(data)
                    except smtplib.SMTPDataError as e:
                        code, resp = e.smtp_code, e.smtp_error
                else:
                    s.rset()
                out.append((mid, kind, t0, time.time(), code,
                            resp.decode("latin-1").replace("\t", " ")
                            .replace("\n", " ")))
            s.quit()
        except Exception as e:   # an I/O error: the rest of the batch is lost
            for mid, kind, _ in batch[len(out):]:
                out.append((mid, kind, t0, time.time(), 0, repr(e)))
        with lock:
            results.extend(out)
            done[0] += len(batch)


def reporter():
    while True:
        with lock:
            n = done[0]
        with open(progress + ".tmp", "w") as f:
            f.write("%d\n" % n)
        os.replace(progress + ".tmp", progress)
        if n >= count:
            return
        time.sleep(0.05)


ts = [threading.Thread(target=worker) for _ in range(threads)]
for t in ts:
    t.start()
rep = threading.Thread(target=reporter)
rep.start()
for t in ts:
    t.join()
rep.join()
with open(resultfile, "w") as f:
    for r in results:
        f.write("%s\t%s\t%.3f\t%.3f\t%d\t%s\n" % r)
bad = [r for r in results if r[4] != 250]
for r in bad[:10]:
    print("loadsend: %s (%s): %d %s" % (r[0], r[1], r[4], r[5]))
sys.exit(1 if bad else 0)
EOF

cat >"$T/check.py" <<'EOF'
# check.py (written by tests/mta/load.sh): reads the maildir and the sender's
# results; argv: maildir prefix resultfile dsn.list count outages controls
# [events]
#   outages: "T1-T2,T3-T4": a DSN whose SMTP session (from before connect to
#   after QUIT) overlaps none of them must be enriched, one overlapping one
#   may pass unenriched (counted); controls: ids (comma list) that went
#   around the milter and must be found NOT enriched; events "name=time,..."
#   only show enriched/unenriched DSNs by when their session started.
# Prints a summary; exit 1 on any failed assertion.
import glob, re, sys

maildir, prefix, resultfile, dsnlist = sys.argv[1:5]
count = int(sys.argv[5])
outages = [tuple(float(x) for x in o.split("-")) for o in sys.argv[6].split(",") if o]


def clean(m):
    t0, t1 = sent[m][1], sent[m][2]
    return all(t1 < a or t0 > b for a, b in outages)
plain = set(x for x in sys.argv[7].split(",") if x)
expect = {}                      # file index -> expected header value
for i, line in enumerate(open(dsnlist)):
    expect[i] = line.rstrip("\n").split("\t")[1]
ndsn = len(expect)
sent = {}
for line in open(resultfile):
    mid, kind, t0, t1, code, _ = line.rstrip("\n").split("\t", 5)
    sent[mid] = (kind, float(t0), float(t1), int(code))

seen = {}                        # id -> list of X-DSN-Explain values
for p in glob.glob(maildir + "/new/*") + glob.glob(maildir + "/cur/*"):
    head = open(p, "rb").read().split(b"\n\n", 1)[0].decode("latin-1")
    head = re.sub(r"\n[ \t]+", " ", head)
    ids = re.findall(r"(?mi)^X-Load-Id: *(\S+)", head)
    if len(ids) != 1 or not ids[0].startswith(prefix + "-"):
        continue
    vals = [re.sub(r"\s+", " ", v.strip())
            for v in re.findall(r"(?mi)^X-DSN-Explain:(.*)$", head)]
    seen.setdefault(ids[0], []).append(vals)

fails = []
want = ["%s-%05d" % (prefix, i) for i in range(count)]
missing = [m for m in want if m not in seen]
dups = [m for m in want if len(seen.get(m, [])) > 1]
if missing:
    fails.append("%d messages not delivered, e.g. %s" % (len(missing), missing[:5]))
if dups:
    fails.append("%d messages delivered more than once, e.g. %s" % (len(dups), dups[:5]))
badcode = [m for m in want if sent.get(m, ("", 0, 0, 0))[3] != 250]
if badcode:
    fails.append("%d messages without 250 at SMTP, e.g. %s" % (len(badcode), badcode[:5]))
n_dsn = enriched = wrong = unenriched_ok = unenriched_bad = 0
ord_marked = 0
for i, m in enumerate(want):
    if m not in seen:
        continue
    vals = seen[m][0]
    if i % 5 != 2:
        if vals:
            ord_marked += 1
        continue
    n_dsn += 1
    exp = expect[(i // 5) % ndsn]
    if len(vals) == 1 and vals[0] == exp:
        enriched += 1
    elif vals:
        wrong += 1
        if wrong <= 5:
            print("  %s: X-DSN-Explain %r, expected %r" % (m, vals, exp))
    elif clean(m):
        unenriched_bad += 1
        if unenriched_bad <= 5:
            print("  %s: not enriched (session %.3f-%.3f)" % (m, sent[m][1], sent[m][2]))
    else:
        unenriched_ok += 1
if ord_marked:
    fails.append("%d ordinary messages carry X-DSN-Explain" % ord_marked)
if wrong:
    fails.append("%d DSNs with a wrong or repeated X-DSN-Explain" % wrong)
if unenriched_bad:
    fails.append("%d DSNs not enriched that should be" % unenriched_bad)
# the negative control: the same check must flag these
for m in sorted(plain):
    vals = seen.get(m, [[]])[0] if m in seen else None
    if vals is None:
        fails.append("control %s not delivered" % m)
    elif vals:
        fails.append("control %s (no milter) has X-DSN-Explain %r" % (m, vals))
after = sum(1 for i, m in enumerate(want) if i % 5 == 2 and m in seen
            and clean(m))
print("%s: %d delivered of %d, %d DSNs: %d enriched as the CLI does, "
      "%d passed unenriched in sessions that overlapped an outage; "
      "%d DSNs in sessions clear of outages (all must be enriched); "
      "controls without milter found unenriched: %d"
      % (prefix, len(want) - len(missing), count, n_dsn, enriched,
         unenriched_ok, after, len(plain)))
if len(sys.argv) > 8 and sys.argv[8]:
    ev = [("start", 0.0)] + [(e.split("=")[0], float(e.split("=")[1]))
                              for e in sys.argv[8].split(",")]
    tally = {}
    for i, m in enumerate(want):
        if i % 5 != 2 or m not in seen:
            continue
        w = [n for n, t in ev if t <= sent[m][1]][-1]
        e = tally.setdefault(w, [0, 0])
        e[0 if seen[m][0] else 1] += 1
    print("  DSNs by session start (enriched/unenriched): " + ", ".join(
        "after %s %d/%d" % (n, tally[n][0], tally[n][1])
        for n, _ in ev if n in tally))
print("RESULT enriched=%d outage_unenriched=%d clean=%d" % (enriched, unenriched_ok, after))
for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
EOF

# --- Postfix and the milter --------------------------------------------------------
milter_start -s "$site" || exit 1
SMTPD_PORT=$SMTPD_PORT PFX_PEER_BASE=$PEER_BASE \
	PFX_SMTPD_MILTERS="unix:$T/milter.sock" PFX_DEFAULT_ACTION=accept \
	PFX_MAIN_EXTRA='default_process_limit = 210
in_flow_delay = 0s' \
	PFX_MASTER_EXTRA="127.0.0.1:$PLAIN_PORT inet n - n - - smtpd -o smtpd_milters=" \
	sh "$MTA_DIR/pfx.sh" init "$T/pfx" >"$T/pfx-init.log" 2>&1 || {
	cat "$T/pfx-init.log"
	exit 1
}
sh "$MTA_DIR/pfx.sh" start "$T/pfx" || exit 1
wait_port tcp $PLAIN_PORT 10 || exit 1

worker_pid() { # the supervisor's child
	grep -l "^PPid:[[:space:]]*$MILTER_PID\$" /proc/[0-9]*/status 2>/dev/null |
		head -1 | tr -dc 0-9
}
progress() { cat "$T/progress" 2>/dev/null || echo 0; }
# log_wait ERE COUNT: until the milter log has more than COUNT lines
# matching ERE; false after 60 s
log_wait() {
	_n=0
	while [ "$(grep -cE -- "$1" "$T/milter.log")" -le "$2" ]; do
		_n=$((_n + 1))
		[ $_n -le 600 ] || return 1
		sleep 0.1
	done
}
# run_sender PREFIX [COUNT]: in the background; sets SENDER_PID
run_sender() {
	echo 0 >"$T/progress"
	"$PYTHON" "$T/loadsend.py" $SMTPD_PORT "$1" "${2:-$N_MSG}" "$THREADS" 5 \
		"$T/dsn.list" "$T/progress" "$T/$1.results" >"$T/$1.send.log" 2>&1 &
	SENDER_PID=$!
}
wait_sender() {
	wait "$SENDER_PID"
	_rc=$?
	SENDER_PID=
	[ $_rc -eq 0 ] || {
		fail "the sender saw errors:"
		sed 's/^/  /' "$T/$1.send.log" | head -n 12
	}
}
# wait_progress N: until N messages are done (false if the sender ended)
wait_progress() {
	while [ "$(progress)" -lt "$1" ]; do
		alive "$SENDER_PID" || return 1
		sleep 0.05
	done
}
delivered_total() { maildir_count "$sink"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# --- phase 1 ---------------------------------------------------------------------------
t1=$(now)
run_sender p1
wait_sender p1
t1s=$(now)
# the negative control: 5 enrichable DSNs around the milter (port 10526)
ctl=
i=1
while [ $i -le 5 ]; do
	f=$(sed -n "${i}p" "$T/dsn.list" | cut -f1)
	{ printf 'X-Load-Id: p1-ctl%d\n' $i; cat "$f"; } >"$T/ctl$i.eml"
	ctl="$ctl${ctl:+,}p1-ctl$i"
	i=$((i + 1))
done
"$PYTHON" "$MTA_DIR/send.py" --port $PLAIN_PORT --from '' --to rcpt@sink.test \
	"$T"/ctl[1-5].eml >"$T/ctl.send.log" 2>&1 ||
	fail "sending the controls: $(tail -n 3 "$T/ctl.send.log")"
maildir_wait "$sink" $((N_MSG + 5)) 120 ||
	fail "phase 1: only $(delivered_total) of $((N_MSG + 5)) delivered after 120 s"
t1d=$(now)
"$PYTHON" "$T/check.py" "$sink" p1 "$T/p1.results" "$T/dsn.list" "$N_MSG" "" "$ctl" \
	>"$T/p1.check" 2>&1 || fail "phase 1 checks"
cat "$T/p1.check"
echo "$me: phase 1: $N_MSG messages sent in $(secs "$t1" "$t1s") s," \
	"all delivered after $(secs "$t1" "$t1d") s"

# --- phase 2: crash, restart, broken reload while the load runs ---------------------
t2=$(now)
before=$(delivered_total)
run_sender p2
ev_ok=1
wait_progress $((N_MSG / 10)) || ev_ok=0
w=$(worker_pid)
if [ $ev_ok = 1 ] && [ -n "$w" ]; then
	kill -KILL "$w"
	t_kill=$(now)
	p_kill=$(progress)
	# the supervisor starts a new worker (~1 s)
	n=0
	while :; do
		w2=$(worker_pid)
		[ -n "$w2" ] && [ "$w2" != "$w" ] && unix_listens "$T/milter.sock" && break
		n=$((n + 1))
		[ $n -le 100 ] || {
			fail "no new worker 10 s after kill -9 of $w"
			break
		}
		sleep 0.1
	done
	t_back=$(now)
	echo "$me: kill -9 of worker $w after $p_kill messages; new worker $w2 after $(secs "$t_kill" "$t_back") s"
else
	fail "phase 2: no worker to kill (worker '$w', sender done: $((1 - ev_ok)))"
fi
wait_progress $(($(progress) + N_MSG / 20)) || ev_ok=0
if [ $ev_ok = 1 ]; then
	p_stop=$(progress)
	t_stop=$(now)
	n_up=$(grep -c 'started: socket' "$T/milter.log")
	milter_stop || fail "the milter did not stop on SIGTERM"
	milter_start -s "$site" || exit 1
	t_restart=$(now)
	echo "$me: daemon restart (SIGTERM, start) after $p_stop messages took $(secs "$t_stop" "$t_restart") s"
	# The socket listens before the rules are read (seconds under ASan
	# and this load); the broken file must not be there before they are,
	# or the new daemon rightly refuses to start.
	log_wait 'started: socket' "$n_up" ||
		fail "the restarted milter did not start its worker in 60 s"
else
	fail "phase 2: the sender ended before the daemon restart"
	t_restart=$(now)
fi
wait_progress $(($(progress) + N_MSG / 20)) || ev_ok=0
if [ $ev_ok = 1 ]; then
	cat >"$site/95-broken.json" <<'EOB'
{ "rules": [ { "id": "95-broken.x", "when": { "diagnostic": "(unclosed" },
  "cause": "no-such-cause", "reason": "x", "examples": { "match": [] } } ] }
EOB
	p_hup=$(progress)
	t_hup=$(now)
	kill -HUP "$MILTER_PID"
	# Both processes read every rule file again, under ASan and this
	# load: seconds.
	log_wait 'reload failed' 0 ||
		fail "no \"reload failed\" in the milter log 60 s after SIGHUP"
	p_reloaded=$(progress)
	echo "$me: SIGHUP with a broken rule file after $p_hup messages:" \
		"$(grep 'reload failed' "$T/milter.log" | tail -n 1 | cut -c1-160)"
else
	fail "phase 2: the sender ended before the reload"
fi
wait_sender p2
t2s=$(now)
maildir_wait "$sink" $((before + N_MSG)) 120 ||
	fail "phase 2: only $(($(delivered_total) - before)) of $N_MSG delivered after 120 s"
t2d=$(now)
alive "$MILTER_PID" && [ -n "$(worker_pid)" ] ||
	fail "the milter is not running after phase 2"
# enriched after the reload with the broken file: checked with the expected
# values of the good set (site rule included); at least 100 of them
"$PYTHON" "$T/check.py" "$sink" p2 "$T/p2.results" "$T/dsn.list" "$N_MSG" \
	"${t_kill:-0}-${t_back:-0},${t_stop:-0}-$t_restart" "" "kill=${t_kill:-0},worker-back=${t_back:-0},stop=${t_stop:-0},restarted=$t_restart,hup=${t_hup:-0}" \
	>"$T/p2.check" 2>&1 || fail "phase 2 checks"
cat "$T/p2.check"
after_hup=$(awk -F'\t' -v t="${t_hup:-0}" '$2 == "dsn" && $3 > t' "$T/p2.results" | wc -l)
echo "$me: phase 2: $after_hup DSNs in sessions after the SIGHUP ($p_reloaded messages done when it was logged)"
echo "$me: phase 2: $N_MSG messages sent in $(secs "$t2" "$t2s") s," \
	"all delivered after $(secs "$t2" "$t2d") s"

# --- phase 3: after the broken reload, with no outage ----------------------------
# How many phase 2 sessions start after the SIGHUP depends on how fast the
# reload is noticed; this run does not: 100 DSNs, every one enriched with
# the last good set (site rule included).
N3=500
before=$(delivered_total)
run_sender p3 $N3
wait_sender p3
maildir_wait "$sink" $((before + N3)) 120 ||
	fail "phase 3: only $(($(delivered_total) - before)) of $N3 delivered after 120 s"
"$PYTHON" "$T/check.py" "$sink" p3 "$T/p3.results" "$T/dsn.list" "$N3" "" "" \
	>"$T/p3.check" 2>&1 || fail "phase 3 checks"
cat "$T/p3.check"

n=$(grep -c 'reject' "$T/pfx/log/maillog")
[ "$n" -eq 0 ] || fail "$n reject lines in the maillog: $(grep reject "$T/pfx/log/maillog" | head -n 3)"
echo "$me: milter log: $(grep -c ': enriched: ' "$T/milter.log") enriched," \
	"$(grep -c 'error, passed unchanged' "$T/milter.log") errors passed unchanged"
echo "$me: wall time $(secs "$t_start" "$(now)") s"
[ "$failures" -eq 0 ] || exit 1
exit 0
