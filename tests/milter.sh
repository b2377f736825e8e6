#!/bin/sh
# milter.sh - dsnexplain-milter at the protocol level, without any MTA.
#
# Drives milter/dsnexplain-milter with tests/milter/client.py, a milter
# client of our own that behaves like Postfix (negotiation, skipped steps,
# no-reply steps, SMFIS_SKIP/ACCEPT, edits applied as cleanup(8) does), and
# checks:
#   a. negotiation: actions ADDHDRS|CHGHDRS|CHGBODY only; connect, helo,
#      rcpt, unknown negotiated away, mail/data/headers/body kept
#   b. a non-null sender is accepted at MAIL FROM, nothing more is sent;
#      with InspectNonNullSenders=yes a plain message is accepted at end of
#      header and a DSN with a non-null sender is enriched
#   c. the null sender as "<>" and as "" (Postfix's own bounces)
#   d. every corpus message: milter result == `dsnexplain rewrite` of the
#      bytes the milter was handed; replbody packets back to back and
#      <= BodyChunkSize (65535 and 1000)
#   e. MaximumSize   f. fail open (garbage; a client hanging up mid-body)
#   g. SIGHUP reload of site rules, a broken file keeps the old set; a
#      SIGHUP while the rules load (as root) is a reload once they are
#   h. SIGTERM with a message in flight   i. kill -9 of worker / supervisor
#   j. -n exit codes, background start, bad socket   k. -u nobody, SocketMode
#   l. the log line: outcome= and the X-DSN-Explain words; an unchanged
#      message that was classified says its outcome too; site rules with
#      catastrophic patterns and MatchBudget=1000 exhaust the budget: the
#      DSN still comes out valid and explained (== the CLI with the same
#      budget) and the log says budget=exhausted unclassified=N
# It does not test real MTAs (tests/mta/ does), syslog, or TCP sockets.
#
# Env (automake TESTS): top_srcdir, top_builddir.  Optional: DSNX_CORPUS
# (default $top_srcdir/../shared/corpus; the in-tree samples stand in when
# it is absent).  Needs python3; k needs root (skipped otherwise, but a
# failure under CI=true).  No TCP port is used.  Exit 0 pass, 1 fail,
# 77 skip.  Wall time on 2 cores: about 26 s (the corpus part 11 s); a
# milter that leaves a headerless message unanswered adds 10 s (f).
# Postfix's own view of the protocol (what it sends, how it applies
# edits) is documented at the top of tests/milter/client.py.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
M="$top_builddir/milter/dsnexplain-milter"
CLI="$top_builddir/cli/dsnexplain"
RULES="$top_srcdir/rules"
CLIENT="$top_srcdir/tests/milter/client.py"
SAMPLES="$top_srcdir/tests/data/samples"
CORPUS=${DSNX_CORPUS:-$top_srcdir/../shared/corpus}
DSN="$SAMPLES/postfix-delay-warning-4.4.1.eml"

if ! command -v python3 >/dev/null 2>&1; then
	if [ "$CI" = true ]; then
		echo "milter.sh: FAIL: python3 is missing (CI=true)"
		exit 1
	fi
	echo "milter.sh: SKIP: python3 is missing"
	exit 77
fi
for f in "$M" "$CLI"; do
	if [ ! -x "$f" ]; then
		echo "milter.sh: FAIL: $f is not built"
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-milter.XXXXXX") || exit 1
chmod 755 "$tmp"
: >"$tmp/pids"
started_at=$(date +%s)

# --- process helpers ----------------------------------------------------------

alive() {	# running, not a zombie
	[ -n "$1" ] && [ -r "/proc/$1/status" ] &&
	    ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}
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
# The milters run as nobody read a copy of the rules: the checkout may
# sit in a directory only root can enter (CI's clone in a mktemp -d).
cp -R "$RULES" "$tmp/rules" && chmod -R a+rX,go-w "$tmp/rules" || exit 1
RULES=$tmp/rules

failed=0
fail() {
	echo "FAIL: $*"
	failed=1
}
ok() {
	echo "ok: $*"
}
# wait_until SECONDS command...: poll every 0.1 s
wait_until() {
	n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}
in_log() { grep -q -- "$2" "$tmp/$1.log"; }
show_log() {
	echo "--- milter $1 log (tail) ---"
	tail -n "${2:-15}" "$tmp/$1.log"
	echo "---"
}

# start NAME ARGS...: a foreground milter on unix:$tmp/NAME.sock, logging to
# $tmp/NAME.log; sets pid_NAME to the supervisor.
start() {
	name=$1
	shift
	: >"$tmp/$name.log"	# before the fork: see privileges.sh run()
	"$M" -f -p "unix:$tmp/$name.sock" -r "$RULES" -o Syslog=no "$@" \
	    >>"$tmp/$name.log" 2>&1 &
	echo $! >>"$tmp/pids"
	eval "pid_$name=$!"
}
ready() {	# NAME: wait for the "started:" line
	if ! wait_until 10 in_log "$1" 'started: socket'; then
		fail "milter $1 did not start"
		show_log "$1"
		return 1
	fi
	wait_until 2 test -S "$tmp/$1.sock"
}
worker_of() {	# NAME -> the supervisor's child
	eval "children \$pid_$1" | head -n 1
}

# send NAME TAG FILE [client options]: one message; result in
# $tmp/TAG.out, JSON summary in $tmp/TAG.json, wire bytes in $tmp/TAG.wire
send() {
	name=$1 tag=$2 file=$3
	shift 3
	python3 "$CLIENT" "unix:$tmp/$name.sock" "$file" --macro "i=$tag" \
	    --timeout 10 --summary "$tmp/$tag.json" --wire "$tmp/$tag.wire" "$@" \
	    >"$tmp/$tag.out" 2>"$tmp/$tag.err"
}
# jtrue TAG DESCRIPTION EXPR: EXPR (python, s = summary) must hold
jtrue() {
	if python3 - "$tmp/$1.json" "$3" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
	then
		ok "$2"
	else
		fail "$2 [$3]"
		echo "--- client summary $1 ---"
		python3 - "$tmp/$1.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
for e in s.get('edits', []):
    e.pop('value', None) if len(str(e.get('value', ''))) > 200 else None
print(json.dumps(s, indent=1, sort_keys=True)[:4000])
EOF
		cat "$tmp/$1.err" 2>/dev/null
		echo "---"
	fi
}
jget() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
	    "$tmp/$1.json" "$2"
}
# same_as_cli TAG [cli options]: result == dsnexplain rewrite of the wire
same_as_cli() {
	t=$1
	shift
	"$CLI" rewrite --rules "$RULES" "$@" "$tmp/$t.wire" >"$tmp/$t.cli" 2>"$tmp/$t.cli.err"
	cmp -s "$tmp/$t.out" "$tmp/$t.cli"
}
header_of() {	# TAG: the X-DSN-Explain value in the result
	sed -n 's/^X-DSN-Explain: *//p' "$tmp/$1.out" | tr -d '\r'
}

# --- instances: started together, they load their rules in parallel --------

mkdir "$tmp/site"
site_rule() {	# ID: a site rule that wins for "connection refused"
	cat <<EOF
{
  "rules": [
    {
      "id": "$1",
      "description": "Site rule of tests/milter.sh.",
      "priority": 1000,
      "when": {"diagnostic": "connection refused"},
      "reason": {"failed": "networkerror", "default": "expired"},
      "cause": "connection-refused",
      "examples": {
        "match": [{"status": "4.4.1", "action": "delayed",
          "diagnostic": "connect to mx.example.org[192.0.2.10]:25: Connection refused"}],
        "no_match": [{"status": "4.4.1", "action": "delayed",
          "diagnostic": "connect to mx.example.org[192.0.2.10]:25: Connection timed out"}]
      }
    }
  ]
}
EOF
}
site_rule site.first >"$tmp/site/local.json"

# Site rules whose patterns backtrack exponentially on "aaa...a!": each
# run hits the PCRE2 match limit, so a small MatchBudget runs out.
mkdir "$tmp/evil"
python3 - "$tmp/evil/evil.json" <<'EOF'
import json, sys
rules = [{"id": "site.evil-%d" % i, "description": "Catastrophic on purpose.",
          "priority": 1000 - i, "when": {"diagnostic": "(a+)+[b#%d]" % i},
          "reason": "userunknown", "cause": "user-unknown",
          "examples": {"match": [{"diagnostic": "aab"}],
                       "no_match": [{"diagnostic": "aaaa!"}]}}
         for i in range(20)]
json.dump({"rules": rules}, open(sys.argv[1], "w"), indent=1)
EOF

# shellcheck disable=SC2034 # set by start, read through eval
pid_S='' pid_D='' pid_A='' pid_B='' pid_E='' pid_G='' pid_H='' pid_I='' pid_K='' pid_L=''
start A -s none
start D -s none -o Language=de
start B -s none -o InspectNonNullSenders=yes -o BodyChunkSize=1000
start E -s none -o MaximumSize=1k
start G -s "$tmp/site"
start H -s none -P "$tmp/H.pid"
start I -s none
start S -s none -o RewriteSubject=yes
start L -s "$tmp/evil" -o MatchBudget=1000
iam=$(id -u)
if [ "$iam" = 0 ]; then
	start K -s none -u nobody -o SocketMode=0640
fi
for n in A B D E G H I S L; do ready "$n" || exit 1; done
if [ "$iam" = 0 ]; then ready K || exit 1; fi
echo "milter.sh: 9-10 milters up after $(($(date +%s) - started_at)) s"

# --- a. negotiation -------------------------------------------------------------

echo "== a. negotiation"
send A a-neg "$DSN" || fail "client run a-neg"
echo "negotiated: $(jget a-neg "s['negotiated']['action_names']") $(jget a-neg "s['negotiated']['protocol_names']")"
jtrue a-neg "actions are exactly ADDHDRS, CHGBODY, CHGHDRS" \
    "s['negotiated']['action_names'] == ['ADDHDRS', 'CHGBODY', 'CHGHDRS']"
send S a-subject "$DSN" --from '' || fail "client run a-subject"
jtrue a-subject "RewriteSubject=yes: actions are ADDHDRS, CHGBODY, CHGHDRS" \
    "s['negotiated']['action_names'] == ['ADDHDRS', 'CHGBODY', 'CHGHDRS']"
if same_as_cli a-subject --subject; then ok "a-subject result == dsnexplain rewrite --subject"; else fail "a-subject result differs from dsnexplain rewrite --subject"; fi
if grep -q '^Subject: .*Delayed Mail' "$tmp/a-subject.out" && ! cmp -s "$tmp/a-subject.out" "$tmp/a-neg.out"; then ok "a-subject: the Subject was changed, the old one kept in it"; else fail "a-subject: Subject not rewritten"; fi
jtrue a-neg "connect, helo, rcpt, unknown negotiated away" \
    "{'NOCONNECT','NOHELO','NORCPT','NOUNKNOWN'} <= set(s['negotiated']['protocol_names'])"
jtrue a-neg "mail, data, headers, body kept" \
    "not {'NOMAIL','NODATA','NOHDRS','NOBODY'} & set(s['negotiated']['protocol_names'])"
jtrue a-neg "steps: connect/helo/rcpt skipped, mail+data+eom answered" \
    "[(x['step'], x['reply']) for x in s['steps'] if x['step'] not in ('header','body','eoh')] == [('connect','skipped'),('helo','skipped'),('mail','continue'),('rcpt','skipped'),('data','continue'),('eom','continue')]"
jtrue a-neg "no protocol warnings" "s['ok'] and not s['warnings']"

# --- b. non-null senders --------------------------------------------------------

echo "== b. non-null senders"
printf 'From: alice@example.org\nTo: bob@example.net\nSubject: lunch\nMessage-Id: <1@example.org>\n\nSee you at noon.\n' >"$tmp/plain.eml"
send A b-nonnull "$DSN" --from alice@example.org || fail "client run b-nonnull"
jtrue b-nonnull "non-null sender: accept at MAIL FROM, no header or body sent" \
    "s['final'] == 'accept' and s['stopped_at'] == 'mail' and s['headers_sent'] == 0 and s['body_chunks_sent'] == [] and not s['edits']"
send B b-plain "$tmp/plain.eml" --from alice@example.org || fail "client run b-plain"
jtrue b-plain "InspectNonNullSenders=yes: a plain message is accepted at end of header" \
    "s['final'] == 'accept' and s['stopped_at'] == 'eoh' and s['body_chunks_sent'] == [] and not s['edits']"
jtrue b-plain "InspectNonNullSenders=yes keeps the eoh step" \
    "'NOEOH' not in s['negotiated']['protocol_names']"
send B b-dsn "$DSN" --from mailer-daemon@mta.example || fail "client run b-dsn"
jtrue b-dsn "InspectNonNullSenders=yes: a DSN with a non-null sender is enriched" \
    "s['final'] == 'continue' and s['changed'] and s['replbody']['packets'] > 0"
if same_as_cli b-dsn; then ok "b-dsn result == dsnexplain rewrite"; else fail "b-dsn result differs from dsnexplain rewrite"; fi

# --- c. both spellings of the null sender ----------------------------------

echo "== c. null sender"
send A c-angle "$DSN" --from '<>' || fail "client run c-angle"
send A c-empty "$DSN" --from '' || fail "client run c-empty"
for t in c-angle c-empty; do
	jtrue $t "null sender ($t) inspected and enriched" \
	    "s['stopped_at'] == 'eom' and s['changed'] and s['edits'][0]['name'] == 'X-DSN-Explain'"
	if same_as_cli $t; then ok "$t result == dsnexplain rewrite"; else fail "$t result differs from dsnexplain rewrite"; fi
	in_log A "$t: enriched:" || fail "no 'enriched' log line for $t"
done
if cmp -s "$tmp/c-angle.out" "$tmp/c-empty.out"; then ok "'<>' and '' give the same result"; else fail "'<>' and '' give different results"; fi
# negative control: the comparison can fail
if cmp -s "$tmp/c-empty.out" "$tmp/c-empty.wire"; then fail "control: enriched result equals its input"; else ok "control: the enriched result differs from its input"; fi

# --- d. the corpus ----------------------------------------------------------------

echo "== d. corpus: milter (BodyChunkSize 65535 and 1000) vs dsnexplain rewrite"
if [ -d "$CORPUS/sisimai" ] || [ -d "$CORPUS/mta-generated" ]; then
	find "$CORPUS/sisimai" "$CORPUS/mta-generated" -name '*.eml' 2>/dev/null | sort >"$tmp/corpus.list"
else
	echo "milter.sh: no corpus at $CORPUS; the samples stand in"
	find "$SAMPLES" -name '*.eml' | sort >"$tmp/corpus.list"
fi
cat >"$tmp/corpus.py" <<'EOF'
import concurrent.futures, os, subprocess, sys
sys.path.insert(0, os.path.dirname(sys.argv[1]))
import client
_, _, sock_a, sock_b, cli, rules, listfile = sys.argv
files = [l.rstrip('\n') for l in open(listfile) if l.strip()]

def one(i, path):
    data = open(path, 'rb').read()
    sender = '' if i % 2 else '<>'
    probs = []
    res = {}
    for sock, chunk in ((sock_a, 65535), (sock_b, 1000)):
        out, s, msg = client.run(sock, data, sender, macros={'i': 'D%04d' % i},
                                 timeout=10)
        if not s['ok'] or out is None:
            probs.append('chunk %d: client: %s' % (chunk, s.get('error') or s.get('final')))
            continue
        if s['warnings'] or s.get('postfix_errors'):
            probs.append('chunk %d: %s %s' % (chunk, s['warnings'], s.get('postfix_errors')))
        rb = s['replbody']
        if not rb['back_to_back']:
            probs.append('chunk %d: replbody not back to back: %s' % (chunk, rb['between']))
        if any(n > chunk for n in rb['sizes']):
            probs.append('chunk %d: replbody packet > %d: %s' % (chunk, chunk, rb['sizes']))
        if s['changed'] and rb['packets'] != -(-rb['total'] // chunk):
            probs.append('chunk %d: %d packets for %d bytes' % (chunk, rb['packets'], rb['total']))
        leadspc = 'HDR_LEADSPC' in s['negotiated']['protocol_names']
        res[chunk] = (out, s['changed'], client.wire_bytes(msg, leadspc))
    if len(res) < 2:
        return path, 'mismatch', probs
    wire = res[65535][2]
    p = subprocess.run([cli, 'rewrite', '--rules', rules, '-'], input=wire,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        probs.append('cli exit %d: %s' % (p.returncode, p.stderr[:200]))
    for chunk, (out, changed, _) in res.items():
        if out != p.stdout:
            probs.append('chunk %d: milter result != cli (%d vs %d bytes)' % (chunk, len(out), len(p.stdout)))
    changed = res[65535][1]
    if changed and p.stdout == wire:
        probs.append('enriched by the milter but the CLI left it unchanged')
    if probs:
        return path, 'mismatch', probs
    return path, 'enriched' if changed else 'unchanged', []

counts = {'enriched': 0, 'unchanged': 0, 'mismatch': 0}
with concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as ex:
    for path, verdict, probs in ex.map(lambda a: one(*a), enumerate(files)):
        counts[verdict] += 1
        for pr in probs[:4]:
            print('  mismatch: %s: %s' % (path, pr))
print('corpus: %d messages: enriched %d, unchanged %d, mismatch %d'
      % (len(files), counts['enriched'], counts['unchanged'], counts['mismatch']))
sys.exit(0 if counts['mismatch'] == 0 and counts['enriched'] > 0 else 1)
EOF
d_start=$(date +%s)
if python3 -B "$tmp/corpus.py" "$CLIENT" "unix:$tmp/A.sock" "unix:$tmp/B.sock" \
    "$CLI" "$RULES" "$tmp/corpus.list"; then
	ok "corpus: milter == dsnexplain rewrite, packets back to back and within BodyChunkSize ($(($(date +%s) - d_start)) s)"
else
	fail "corpus comparison"
	show_log A 5
	show_log B 5
fi
alive "$pid_A" && alive "$pid_B" || fail "milter A or B died during the corpus run"

# --- e. MaximumSize -----------------------------------------------------------

echo "== e. MaximumSize"
send E e-big "$DSN" --from '' || fail "client run e-big"
jtrue e-big "bigger than MaximumSize=1k: passes unchanged" \
    "s['final'] == 'continue' and not s['edits']"
if cmp -s "$tmp/e-big.out" "$tmp/e-big.wire"; then ok "e-big result is the input"; else fail "e-big result is not the input"; fi
if wait_until 2 in_log E 'e-big: unchanged: larger than MaximumSize'; then ok "log says why"; else fail "no MaximumSize log line"; show_log E; fi
send E e-skip "$DSN" --from '' --chunk 500 || fail "client run e-skip"
jtrue e-skip "over MaximumSize the milter answers SMFIS_SKIP and gets no more body" \
    "[x['reply'] for x in s['steps'] if x['step'] == 'body'][-1] == 'skip' and len(s['body_chunks_sent']) < -(-s['body_bytes'] // 500) and s['final'] == 'continue' and not s['edits']"
jtrue c-empty "under the default MaximumSize (32M) the same DSN is enriched" "s['changed']"

# --- f. fail open ----------------------------------------------------------------

echo "== f. fail open"
# A message without any header field: Postfix then sends BODY right after
# DATA (no SMFIC_HEADER, and no SMFIC_EOH if the milter asked for
# SMFIP_NOEOH).  libmilter only lets BODY follow DATA when the header and
# eoh states may be skipped (its fix_stm()/trans_ok()): with NOEOH but not
# NOHDRS it calls xxfi_abort and drops the BODY without a reply, so the MTA
# waits for milter_content_timeout and applies its default action.
printf 'this is no header\n\nand no DSN either\n' >"$tmp/noheader.eml"
send A f-noheader "$tmp/noheader.eml" --from '' || fail "client run f-noheader: $(jget f-noheader "s.get('error')")"
jtrue f-noheader "a message without header fields is answered and passes unchanged" \
    "s['ok'] and s['final'] == 'continue' and not s['edits']"
python3 -c 'import sys; sys.stdout.buffer.write(b"X-Junk: \x01\x02\n\n" + bytes(range(1, 256)) * 24 + b"\n\n\x00\xff--\r\r\n")' >"$tmp/garbage.eml"
send A f-garbage "$tmp/garbage.eml" --from '' || fail "client run f-garbage: $(jget f-garbage "s.get('error')")"
jtrue f-garbage "garbage with a null sender passes unchanged" \
    "s['ok'] and s['final'] == 'continue' and not s['edits']"
if same_as_cli f-garbage; then ok "f-garbage result == dsnexplain rewrite (unchanged)"; else fail "f-garbage differs from dsnexplain rewrite"; fi
if in_log A 'f-garbage: unchanged: '; then ok "log: $(grep 'f-garbage: unchanged' "$tmp/A.log")"; else fail "no 'unchanged' log line for f-garbage"; fi
wA=$(worker_of A)
send A f-hangup "$DSN" --from '' --chunk 500 --disconnect-after-chunk 2
jtrue f-hangup "client hung up after 2 body chunks" "s['disconnected'] and s['body_chunks_sent'] == [500, 500]"
send A f-after "$DSN" --from '' || fail "client run f-after"
jtrue f-after "the milter still serves after a hang-up mid-body" "s['changed']"
if [ -n "$wA" ] && [ "$(worker_of A)" = "$wA" ] && alive "$wA"; then
	ok "same worker ($wA), no crash"
else
	fail "worker of A changed or died ($wA -> $(worker_of A))"
	show_log A
fi

# --- g. reload -----------------------------------------------------------------

echo "== g. SIGHUP reload"
send G g-1 "$DSN" --from '' || fail "client run g-1"
case $(header_of g-1) in
*rule=site.first*) ok "site rule site.first in use" ;;
*) fail "site rule not in use: $(header_of g-1)" ;;
esac
printf '{ "rules": [ {"id": "site.broken", \n' >"$tmp/site/local.json"
kill -HUP "$pid_G"
if wait_until 5 in_log G 'reload failed'; then ok "log: $(grep 'reload failed' "$tmp/G.log" | head -n 1)"; else fail "no 'reload failed' after a broken site file"; show_log G; fi
if grep -q 'site/local.json:[0-9][0-9]*:[0-9][0-9]*: ' "$tmp/G.log"; then ok "log: $(grep -m1 'site/local.json:' "$tmp/G.log")"; else fail "the reload failure does not say file:line:col"; show_log G; fi
send G g-2 "$DSN" --from '' || fail "client run g-2"
case $(header_of g-2) in
*rule=site.first*) ok "still enriched with the old set" ;;
*) fail "after a failed reload: $(header_of g-2)"; show_log G ;;
esac
site_rule site.second >"$tmp/site/local.json"
kill -HUP "$pid_G"
if wait_until 5 in_log G 'reloaded:'; then ok "log: $(grep 'reloaded:' "$tmp/G.log" | head -n 1)"; else fail "no 'reloaded:' after the fix"; show_log G; fi
send G g-3 "$DSN" --from '' || fail "client run g-3"
case $(header_of g-3) in
*rule=site.second*) ok "the fixed site rule is in use" ;;
*) fail "after the fixed reload: $(header_of g-3)"; show_log G ;;
esac

# A reload asked for while the milter is still reading its rules (seconds on
# a loaded host) waits for it, instead of ending it by SIGHUP's default
# action.  As root the socket is open before the rules are read, so a
# SIGHUP sent the moment it listens lands inside that window.
if [ "$iam" = 0 ]; then
	python3 - "$M" "$tmp/G2.sock" "$RULES" "$tmp/G2.log" >"$tmp/G2.py.out" 2>&1 <<'EOF_PY'
import os, signal, subprocess, sys, time
milter, sock, rules, log = sys.argv[1:5]
p = subprocess.Popen([milter, "-f", "-p", "unix:" + sock, "-r", rules,
                      "-s", "none", "-o", "Syslog=no"],
                     stdout=open(log, "w"), stderr=subprocess.STDOUT)
deadline = time.time() + 20
def listening():
    with open("/proc/net/unix") as f:
        return any(l.rstrip("\n").endswith(" " + sock) for l in f)
while not listening() and time.time() < deadline and p.poll() is None:
    time.sleep(0.0005)
os.kill(p.pid, signal.SIGHUP)
t0 = time.time()
while time.time() < deadline and p.poll() is None:
    text = open(log).read()
    if "started: socket" in text and "reloaded:" in text:
        break
    time.sleep(0.05)
alive = p.poll() is None
print("sighup-at-start: alive=%d after %.1f s" % (alive, time.time() - t0))
if alive:
    p.terminate()
    p.wait(30)
else:
    print("exit status", p.returncode)
sys.exit(0 if alive else 1)
EOF_PY
	if [ $? = 0 ]; then
		ok "SIGHUP while the rules load: the milter starts and reloads ($(grep -h 'reloaded:' "$tmp/G2.log" | head -n 1))"
	else
		fail "SIGHUP while the rules load: $(cat "$tmp/G2.py.out")"
		show_log G2
	fi
fi

# --- h. SIGTERM with a message in flight -------------------------------------

echo "== h. SIGTERM in flight"
if [ -s "$tmp/H.pid" ] && [ "$(cat "$tmp/H.pid")" = "$pid_H" ]; then ok "pid file holds the supervisor"; else fail "pid file: '$(cat "$tmp/H.pid" 2>/dev/null)' vs supervisor $pid_H"; fi
python3 "$CLIENT" "unix:$tmp/H.sock" "$DSN" --macro i=h-flight --from '' \
    --chunk 500 --pause-after-chunk 1 --pause 2 --ready-file "$tmp/h.ready" \
    --summary "$tmp/h-flight.json" --wire "$tmp/h-flight.wire" \
    >"$tmp/h-flight.out" 2>"$tmp/h-flight.err" &
cpid=$!
echo "$cpid" >>"$tmp/pids"
wait_until 10 test -s "$tmp/h.ready" || fail "client never paused"
kill -TERM "$pid_H"
wait "$cpid"
jtrue h-flight "message in flight completed with its edits after SIGTERM" \
    "s['ok'] and s['final'] == 'continue' and s['changed'] and len(s['body_chunks_sent']) > 1"
if same_as_cli h-flight; then ok "h-flight result == dsnexplain rewrite"; else fail "h-flight differs from dsnexplain rewrite"; fi
if wait_until 10 eval '! alive $pid_H'; then
	wait "$pid_H"
	rc=$?
	[ "$rc" = 0 ] && ok "supervisor exited 0" || fail "supervisor exit status $rc"
else
	fail "supervisor still running 10 s after SIGTERM"
fi
[ -e "$tmp/H.pid" ] && fail "pid file left behind" || ok "pid file removed"
if in_log H 'stopping: 1 message'; then ok "log: $(grep 'stopping:' "$tmp/H.log")"; else fail "no 'stopping: 1 message(s) in flight' line"; show_log H; fi
if in_log H ': stopped'; then ok "log: stopped"; else fail "no 'stopped' line"; fi

# --- i. kill -9 ------------------------------------------------------------------

echo "== i. kill -9"
w1=$(worker_of I)
if [ -z "$w1" ]; then
	fail "no worker under supervisor $pid_I"
else
	kill -9 "$w1"
	t0=$(date +%s)
	new_worker() { w2=$(worker_of I); [ -n "$w2" ] && [ "$w2" != "$w1" ] && alive "$w2"; }
	if wait_until 5 new_worker && wait_until 3 send I i-after "$DSN" --from ''; then
		ok "worker $w1 killed; worker $w2 serves again after <= $(($(date +%s) - t0 + 1)) s"
		jtrue i-after "the new worker enriches" "s['changed']"
	else
		fail "no new worker within 5 s"
		show_log I
	fi
	w2=$(worker_of I)
	kill -9 "$pid_I"
	if wait_until 5 eval '! alive $w2'; then ok "supervisor killed: worker $w2 gone too"; else fail "worker $w2 orphaned after kill -9 of the supervisor"; fi
	wait "$pid_I" 2>/dev/null
fi

# --- j. command line ------------------------------------------------------------

echo "== j. command line"
"$M" -n -r "$RULES" -s none >"$tmp/j-good.out" 2>&1
rc=$?
[ "$rc" = 0 ] && ok "-n, good config: exit 0" || { fail "-n good config: exit $rc"; cat "$tmp/j-good.out"; }
cp -R "$RULES" "$tmp/badrules"
python3 - "$tmp/badrules/50-greylisting.json" <<'EOF'
import sys
p = sys.argv[1]
lines = open(p).read().split('\n')
lines.insert(3, '      "id": oops,')
open(p, 'w').write('\n'.join(lines))
EOF
"$M" -n -r "$tmp/badrules" -s none >"$tmp/j-bad.out" 2>&1
rc=$?
[ "$rc" = 1 ] && ok "-n, broken rules: exit 1" || fail "-n broken rules: exit $rc"
if grep -q '50-greylisting.json:4:[0-9][0-9]*' "$tmp/j-bad.out"; then
	ok "message names file:line:col: $(grep -m1 '50-greylisting.json:' "$tmp/j-bad.out")"
else
	fail "no file:line:col in: $(cat "$tmp/j-bad.out")"
fi
# A site Subject label with CR LF (a header field of its own) and a name
# with a BEL: refused at file:line:col, and no control character reaches
# the output (one line per problem, escaped as \xHH).
mkdir -p "$tmp/j-ctl"
printf '%s\n' '{"strings": {"xx": {' \
    '  "subject.failed": "Undeliverable\r\nBcc: victim@example.org",' \
    '  "bad\u0007name": "x"}}}' >"$tmp/j-ctl/local.json"
"$M" -n -r "$RULES" -s "$tmp/j-ctl" >"$tmp/j-ctl.out" 2>&1
rc=$?
[ "$rc" = 1 ] && ok "-n, CR LF in a site string: exit 1" || fail "-n, CR LF in a site string: exit $rc"
if grep -q 'j-ctl/local.json:2:[0-9]*: subject.failed: control character U+000D' "$tmp/j-ctl.out"; then
	ok "refused at its place: $(grep -m1 'U+000D' "$tmp/j-ctl.out")"
else
	fail "CR LF in a site string not refused at file:line:col: $(cat "$tmp/j-ctl.out")"
fi
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$tmp/j-ctl.out" \
    || ! grep -q 'bad\\x07name' "$tmp/j-ctl.out"; then
	fail "a control character reached the output: $(od -c "$tmp/j-ctl.out" | head -n 20)"
else
	ok "control characters escaped in what the milter says"
fi
"$M" -n -Z >"$tmp/j-usage.out" 2>&1
rc=$?
[ "$rc" = 2 ] && ok "usage error: exit 2" || fail "usage error: exit $rc"
# TimeZone by name, from the tz database; a typo is a configuration error.
printf 'Rules %s\nSiteRules none\nTimeZone Europe/Berln\n' "$RULES" >"$tmp/j-tz.conf"
"$M" -n -c "$tmp/j-tz.conf" >"$tmp/j-tz.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q "j-tz.conf:3: TimeZone: \"Europe/Berln\": unknown time zone" "$tmp/j-tz.out"; then
	ok "-n, unknown TimeZone: exit 1, $(grep -m1 'TimeZone' "$tmp/j-tz.out")"
else
	fail "-n, unknown TimeZone: exit $rc: $(cat "$tmp/j-tz.out")"
fi
if [ -r /usr/share/zoneinfo/Europe/Berlin ]; then
	"$M" -n -r "$RULES" -s none -o TimeZone=Europe/Berlin >"$tmp/j-tz2.out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q '^TimeZone  *Europe/Berlin$' "$tmp/j-tz2.out"; then
		ok "-n, TimeZone Europe/Berlin: exit 0"
	else
		fail "-n, TimeZone Europe/Berlin: exit $rc: $(cat "$tmp/j-tz2.out")"
	fi
fi
t0=$(date +%s)
"$M" -p "unix:$tmp/bg.sock" -r "$RULES" -s none -P "$tmp/bg.pid" -o Syslog=no \
    >"$tmp/bg.log" 2>&1
rc=$?
[ -s "$tmp/bg.pid" ] && cat "$tmp/bg.pid" >>"$tmp/pids"
if [ "$rc" = 0 ]; then
	ok "background start: exit 0 after $(($(date +%s) - t0)) s"
	send bg j-bg "$DSN" --from '' && ok "the socket listens as soon as it returned" \
	    || fail "background: returned before the socket listened: $(cat "$tmp/j-bg.err")"
	bgpid=$(cat "$tmp/bg.pid" 2>/dev/null)
	if alive "$bgpid"; then ok "pid file written ($bgpid)"; else fail "pid file '$bgpid' is not a live process"; fi
	kill -TERM "$bgpid" 2>/dev/null
	wait_until 10 eval '! alive $bgpid' || fail "background milter did not stop"
	wait_until 2 eval '! test -e $tmp/bg.pid' || fail "background pid file left behind"
else
	fail "background start: exit $rc"
	cat "$tmp/bg.log"
fi
"$M" -p "unix:$tmp/no/such/dir/x.sock" -r "$RULES" -s none -o Syslog=no \
    >"$tmp/j-badsock.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q 'no/such/dir/x.sock' "$tmp/j-badsock.out"; then
	ok "bad socket path: exit 1: $(head -n 1 "$tmp/j-badsock.out")"
else
	fail "bad socket path: exit $rc: $(cat "$tmp/j-badsock.out")"
fi
if grep -l 'no/such/dir/x.sock' /proc/[0-9]*/cmdline >/dev/null 2>&1; then
	fail "a milter with the bad socket is still running"
fi

# --- k. privileges and socket mode -------------------------------------------------

echo "== k. -u nobody, SocketMode"
mode=$(stat -c %a "$tmp/A.sock")
[ "$mode" = 660 ] && ok "default SocketMode: 660" || fail "default socket mode $mode, want 660"
if [ "$iam" = 0 ]; then
	nob=$(id -u nobody)
	wk=$(worker_of K)
	uids=$(sed -n 's/^Uid:[[:space:]]*//p' "/proc/$wk/status" 2>/dev/null | tr -s '\t ' ' ')
	if [ "$uids" = "$nob $nob $nob $nob" ]; then ok "worker $wk runs as nobody (Uid: $uids)"; else fail "worker '$wk' Uid: '$uids', want $nob"; fi
	mode=$(stat -c %a "$tmp/K.sock")
	[ "$mode" = 640 ] && ok "SocketMode=0640: 640" || fail "socket mode $mode, want 640"
	send K k-msg "$DSN" --from '' || fail "client run k-msg"
	jtrue k-msg "the unprivileged worker enriches" "s['changed']"
elif [ "$CI" = true ]; then
	fail "k needs root (CI=true)"
else
	echo "SKIP: k needs root"
fi

# --- l. the log line and the match budget ------------------------------------------

echo "== l. log line, match budget"
# c-angle is a Postfix delay warning: the outcome leads the verdict words
if in_log A 'c-angle: enriched: recipients=1 outcome=delayed status=4.4.1 reason=[a-z]* cause=[a-z-]* rule='; then
	ok "log: $(grep 'c-angle: enriched:' "$tmp/A.log")"
else
	fail "no 'enriched: recipients=1 outcome=delayed status=4.4.1 ...' line for c-angle"
	show_log A
fi
if grep 'c-angle: enriched:' "$tmp/A.log" | grep -q -e 'budget=' -e 'limit_hits='; then
	fail "budget words in the log of an ordinary DSN"
else
	ok "no budget words for an ordinary DSN"
fi
xv=$(header_of c-angle)
# lang_from= (where the language came from) is the log's alone.
words=$(grep 'c-angle: enriched:' "$tmp/A.log" | sed 's/.*enriched: recipients=[0-9]* //; s/ lang_from=[a-z-]*$//')
if [ "v=1; $(echo "$words" | sed 's/ /; /g')" = "$xv" ]; then
	ok "the log words are the X-DSN-Explain tokens"
else
	fail "log words '$words' vs X-DSN-Explain '$xv'"
fi
# A single part in ISO-8859-1 takes the explanation in place; in German,
# an ASCII one is relabelled UTF-8 and declared 8bit through header
# changes, or, without them (CHGHDRS not offered), keeps its fields and
# gets the explanation in ASCII: each as the CLI writes it.
python3 - "$tmp/latin1.eml" "$tmp/ascii7.eml" "$tmp/b64cut.eml" <<'EOF'
import base64, sys
head = ("From: MAILER-DAEMON@mx.example.net\nTo: someone@example.net\n"
        "Subject: failure notice\nMIME-Version: 1.0\n")
text = ("Hi. This is the qmail-send program at mx.example.net.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
    "<katrin.vogel@example.org>:\n192.0.2.91 does not like recipient.\n"
    "Remote host said: 550 5.1.1 <katrin.vogel@example.org>: No such user here\n"
    "Giving up on 192.0.2.91.\n\n--- Below this line is a copy of the message.\n\n"
    "Subject: hello\n\nhi\n")
open(sys.argv[1], "w").write(
    head + "Content-Type: text/plain; charset=iso-8859-1\n\n" + text)
open(sys.argv[2], "w").write(
    head + "Content-Type: text/plain; charset=us-ascii\n"
    "Content-Transfer-Encoding: 7bit\n\n" + text)
# base64 with its last group of four cut short
b = base64.encodebytes(text.encode()).decode().rstrip("\n=")
if len(b.replace("\n", "")) % 4 == 0:
    b = b[:-1]
open(sys.argv[3], "w").write(
    head + "Content-Type: text/plain; charset=us-ascii\n"
    "Content-Transfer-Encoding: base64\n\n" + b + "\n")
EOF
send A l-latin1 "$tmp/latin1.eml" --from '' || fail "client run l-latin1"
jtrue l-latin1 "a single-part bounce in ISO-8859-1 is enriched in place" \
    "s['changed'] and not [e for e in s['edits'] if e.get('name') in ('Content-Type', 'Content-Transfer-Encoding')]"
if same_as_cli l-latin1; then ok "l-latin1 result == dsnexplain rewrite"; else fail "l-latin1 result differs from dsnexplain rewrite"; fi
send D l-ascii7 "$tmp/ascii7.eml" --from '' || fail "client run l-ascii7"
jtrue l-ascii7 "German into US-ASCII 7bit: Content-Type and Content-Transfer-Encoding changed in place" \
    "s['changed'] and sorted(e['name'] for e in s['edits'] if e['type'] == 'chgheader') == ['Content-Transfer-Encoding', 'Content-Type']"
if same_as_cli l-ascii7 --lang de; then ok "l-ascii7 result == dsnexplain rewrite --lang de"; else fail "l-ascii7 result differs from dsnexplain rewrite --lang de"; fi
if grep -q '^Content-Type: text/plain; charset=utf-8' "$tmp/l-ascii7.out" && grep -q '^Content-Transfer-Encoding: 8bit' "$tmp/l-ascii7.out"; then ok "l-ascii7: relabelled UTF-8, 8bit"; else fail "l-ascii7: fields not widened"; fi
send D l-ascii7-nochg "$tmp/ascii7.eml" --from '' --offer-actions 0x1EF || fail "client run l-ascii7-nochg"
jtrue l-ascii7-nochg "without CHGHDRS: enriched, fields only added" \
    "s['changed'] and 'CHGHDRS' not in s['negotiated']['action_names'] and not [e for e in s['edits'] if e['type'] == 'chgheader']"
if same_as_cli l-ascii7-nochg --lang de --keep-fields; then ok "l-ascii7-nochg result == dsnexplain rewrite --lang de --keep-fields"; else fail "l-ascii7-nochg result differs from dsnexplain rewrite --lang de --keep-fields"; fi
# classified, but a single part that cannot take the explanation
send A l-b64cut "$tmp/b64cut.eml" --from '' || fail "client run l-b64cut"
jtrue l-b64cut "a cut-short base64 single part passes unchanged" \
    "s['final'] == 'continue' and not s['edits']"
if wait_until 2 in_log A 'l-b64cut: unchanged: .*; recipients=1 outcome=failed status=5.1.1 '; then
	ok "log: $(grep 'l-b64cut: unchanged' "$tmp/A.log")"
else
	fail "the unchanged line of a classified message lacks its outcome"
	show_log A
fi
# catastrophic site rules and MatchBudget=1000
python3 - "$tmp/budget.eml" <<'EOF'
import sys
blocks = "".join(
    "\nFinal-Recipient: rfc822; user%d@example.org\nAction: failed\n"
    "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 %s!\n" % (i, "a" * 40)
    for i in range(12))
open(sys.argv[1], "w").write(
    "From: MAILER-DAEMON@mx.example.net\nTo: someone@example.net\n"
    "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; "
    "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
    "This is the mail system at host mx.example.net.\n\n--b\n"
    "Content-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; mx.example.net\n" + blocks + "\n--b--\n")
EOF
t0=$(date +%s)
send L l-budget "$tmp/budget.eml" --from '' || fail "client run l-budget"
jtrue l-budget "budget exhausted: the DSN is still enriched" \
    "s['final'] == 'continue' and s['changed'] and s['edits'][0]['name'] == 'X-DSN-Explain'"
echo "l-budget took $(($(date +%s) - t0)) s"
if same_as_cli l-budget --site-rules "$tmp/evil" --match-budget 1000; then
	ok "l-budget result == dsnexplain rewrite --match-budget 1000"
else
	fail "l-budget result differs from dsnexplain rewrite --match-budget 1000"
fi
if grep -q 'the match budget ran out: 12 of 12' "$tmp/l-budget.cli.err"; then
	ok "the CLI says the budget ran out"
else
	fail "CLI: $(cat "$tmp/l-budget.cli.err")"
fi
if python3 - "$tmp/l-budget.wire" "$tmp/l-budget.out" "$RULES/strings.json" <<'EOF'
import email, email.policy, json, sys
wire, out = (open(p, "rb").read() for p in sys.argv[1:3])
title = json.load(open(sys.argv[3]))["strings"]["en"]["unclassified.title"]
m = email.message_from_bytes(out, policy=email.policy.compat32)
bad = []
if any(p.defects for p in m.walk()):
    bad.append("defects: %s" % [p.defects for p in m.walk()])
if len(m.get_all("X-DSN-Explain") or []) != 1:
    bad.append("not exactly one X-DSN-Explain")
elif "reason=undefined" not in m["X-DSN-Explain"]:
    bad.append("X-DSN-Explain: %s" % m["X-DSN-Explain"])
texts = [p.get_payload(decode=True).decode() for p in m.walk()
         if p.get_content_type() in ("text/plain", "text/html")
         and p.get("Content-Language")]
if len(texts) != 2 or not all(title in " ".join(t.split()) for t in texts):
    bad.append("the explanation does not say the recipients were not examined")
start = wire.index(b"Content-Type: message/delivery-status")
status = wire[start:wire.index(b"\r\n--b--", start)]
if status not in out:
    bad.append("the delivery-status part is not kept byte for byte")
if bad:
    print("; ".join(bad))
sys.exit(1 if bad else 0)
EOF
then
	ok "l-budget: valid MIME, one X-DSN-Explain, the explanation says why, status part kept"
else
	fail "l-budget output"
fi
if wait_until 2 in_log L 'l-budget: enriched: recipients=12 outcome=failed status=5.1.1 reason=undefined cause=none rule=none lang=en lang_from=configured limit_hits=[1-9][0-9]* budget=exhausted unclassified=12$'; then
	ok "log: $(grep 'l-budget: enriched' "$tmp/L.log")"
else
	fail "no 'budget=exhausted unclassified=12' in the log"
	show_log L
fi

# --- the end ------------------------------------------------------------------------

for n in A B E G L; do
	if grep -q -i -E 'assert|segfault|signal 11|panic' "$tmp/$n.log"; then
		fail "milter $n log has a crash line"
		show_log "$n"
	fi
done
echo "milter.sh: wall time $(($(date +%s) - started_at)) s"
if [ "$failed" != 0 ]; then
	for n in A B G; do show_log "$n" 5; done
	exit 1
fi
exit 0
