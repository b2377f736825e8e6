#!/bin/sh
# cli.sh - checks the command line contract of "dsnexplain classify"
#
# Exit status and error reporting for empty, missing and unreadable input
# and for bad options; --strict; one JSON line per input with --json, and
# the sample bounces in tests/data/samples/ read as DSNs with the recipient
# and status each one states; '-' for standard input.  JSON is validated
# with python3 when it exists (otherwise those checks are skipped and only
# the text is looked at).  It does not test the library's findings in
# depth: the C tests and the corpus test do that.
#
# Run by "make check" with top_srcdir and top_builddir in the environment.
# Exit status: 0 pass, 1 fail, 77 skip.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
cli="$top_builddir/cli/dsnexplain"
samples="$top_srcdir/tests/data/samples"
rules=$top_srcdir/rules

if [ ! -x "$cli" ]; then
	echo "cli.sh: $cli is not built"
	exit 1
fi
if [ ! -d "$samples" ]; then
	echo "cli.sh: $samples is missing"
	exit 1
fi
python=
if command -v python3 >/dev/null 2>&1; then
	python=python3
else
	echo "cli.sh: no python3: JSON validity checks skipped"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 15

failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
pass() {
	echo "ok: $*"
}

# run CMD...: stdout to $tmp/out, stderr to $tmp/err, status to $rc
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

lines() {
	wc -l <"$1" | tr -d ' '
}

# json_check FILE MODE [ARGS]: validates the JSON lines in FILE (python).
json_check() {
	[ -n "$python" ] || return 0
	"$python" - "$@" <<'EOF'
import json, sys
path, mode = sys.argv[1], sys.argv[2]
objs = []
with open(path, encoding="utf-8") as fh:
    for n, line in enumerate(fh, 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            sys.exit("line %d is not JSON: %s" % (n, e))
        if not isinstance(o, dict):
            sys.exit("line %d is not a JSON object" % n)
        objs.append(o)
if mode == "not-dsn":
    for o in objs:
        if o.get("dsn") is not False or o.get("recipients") != []:
            sys.exit("expected dsn false and no recipients: %r" % o)
elif mode == "error":
    for o in objs:
        if not isinstance(o.get("error"), str) or "file" not in o:
            sys.exit("expected an error object: %r" % o)
elif mode == "dsn":
    for o in objs:
        if o.get("dsn") is not True:
            sys.exit("expected dsn true: %r" % o.get("file"))
        if not isinstance(o.get("recipients"), list) or not o["recipients"]:
            sys.exit("no recipients: %r" % o.get("file"))
elif mode == "expect":
    # sys.argv[3]: table "file recipient status outcome" ('-' = don't care)
    want = {}
    with open(sys.argv[3]) as fh:
        for row in fh:
            f = row.split()
            if len(f) == 4:
                want[f[0]] = f[1:]
    seen = set()
    for o in objs:
        name = o.get("file", "").rsplit("/", 1)[-1]
        if name not in want:
            continue
        seen.add(name)
        addr, status, outcome = want[name]
        r = o["recipients"][0]
        if (r.get("recipient") or "").lower() != addr:
            sys.exit("%s: recipient %r, expected %s" % (name, r.get("recipient"), addr))
        if status != "-" and r.get("status") != status:
            sys.exit("%s: status %r, expected %s" % (name, r.get("status"), status))
        if outcome != "-" and r.get("outcome") != outcome:
            sys.exit("%s: outcome %r, expected %s" % (name, r.get("outcome"), outcome))
    missing = set(want) - seen
    if missing:
        sys.exit("no output for %s" % ", ".join(sorted(missing)))
EOF
}

# 1. An empty file is not a DSN, and that is no error.
: >"$tmp/empty.eml"
run "$cli" classify --rules "$rules" --json "$tmp/empty.eml"
if [ "$rc" -ne 0 ]; then
	fail "empty file: exit status $rc, expected 0"
elif [ "$(lines "$tmp/out")" != 1 ] || ! grep -q '"dsn": *false' "$tmp/out"; then
	fail "empty file: expected one JSON line with \"dsn\": false, got: $(cat "$tmp/out")"
elif ! json_check "$tmp/out" not-dsn; then
	fail "empty file: bad JSON"
else
	pass "empty file"
fi

# 2. A directory: an I/O error on stderr, an error object on stdout.
mkdir "$tmp/dir.eml"
run "$cli" classify --rules "$rules" --json "$tmp/dir.eml"
if [ "$rc" -ne 2 ]; then
	fail "directory: exit status $rc, expected 2"
elif ! grep -q "is a directory" "$tmp/err"; then
	fail "directory: stderr lacks \"is a directory\": $(cat "$tmp/err")"
elif [ "$(lines "$tmp/out")" != 1 ] || ! grep -q '"error"' "$tmp/out"; then
	fail "directory: expected one JSON line with \"error\", got: $(cat "$tmp/out")"
elif ! json_check "$tmp/out" error; then
	fail "directory: bad JSON"
else
	pass "directory"
fi

# 3. A missing file, with and without --json.
run "$cli" classify --rules "$rules" --json "$tmp/no-such-file.eml"
if [ "$rc" -ne 2 ]; then
	fail "missing file (--json): exit status $rc, expected 2"
elif [ ! -s "$tmp/err" ]; then
	fail "missing file (--json): nothing on stderr"
elif ! json_check "$tmp/out" error; then
	fail "missing file (--json): bad JSON"
else
	pass "missing file (--json)"
fi
run "$cli" classify --rules "$rules" "$tmp/no-such-file.eml"
if [ "$rc" -ne 2 ]; then
	fail "missing file: exit status $rc, expected 2"
else
	pass "missing file"
fi

# A missing file among good ones: the others are still read.
set -- "$samples"/*.eml
run "$cli" classify --rules "$rules" --json "$1" "$tmp/no-such-file.eml" "$1"
if [ "$rc" -ne 2 ] || [ "$(lines "$tmp/out")" != 3 ]; then
	fail "missing file in a list: status $rc, $(lines "$tmp/out") lines, expected 2 and 3"
else
	pass "missing file in a list"
fi

# 4. Unknown options and commands; no file at all.
run "$cli" classify --rules "$rules" --no-such-option "$tmp/empty.eml"
if [ "$rc" -ne 2 ]; then
	fail "unknown option: exit status $rc, expected 2"
elif ! grep -q "no-such-option" "$tmp/err"; then
	fail "unknown option: not named on stderr: $(cat "$tmp/err")"
else
	pass "unknown option"
fi
run "$cli" no-such-command
if [ "$rc" -ne 2 ]; then
	fail "unknown command: exit status $rc, expected 2"
else
	pass "unknown command"
fi
run "$cli" classify --rules "$rules"
if [ "$rc" -ne 2 ]; then
	fail "no file: exit status $rc, expected 2"
else
	pass "no file"
fi

# 5. --strict: a message that is not a DSN is a finding.
cat >"$tmp/note.eml" <<'EOF'
From: Ana Ruiz <ana@example.com>
To: team@example.org
Subject: Lunch on Friday?
Date: Wed, 4 Mar 2026 10:00:00 +0100
Message-ID: <lunch.1@example.com>

Anyone up for lunch on Friday at noon?
EOF
run "$cli" classify --rules "$rules" --strict "$tmp/note.eml"
if [ "$rc" -ne 1 ]; then
	fail "--strict on a non-DSN: exit status $rc, expected 1"
else
	pass "--strict on a non-DSN"
fi
run "$cli" classify --rules "$rules" --strict --json "$tmp/note.eml"
if [ "$rc" -ne 1 ] || ! json_check "$tmp/out" not-dsn; then
	fail "--strict --json on a non-DSN: exit status $rc, expected 1 and a JSON line"
else
	pass "--strict --json on a non-DSN"
fi
run "$cli" classify --rules "$rules" --strict "$samples/postfix-user-unknown-5.1.1.eml"
if [ "$rc" -ne 0 ]; then
	fail "--strict on a DSN: exit status $rc, expected 0"
else
	pass "--strict on a DSN"
fi

# 6. Every sample: one JSON line each, every one a DSN.
set -- "$samples"/*.eml
nfiles=$#
run "$cli" classify --rules "$rules" --json "$@"
ndsn=$(grep -c '"dsn": *true' "$tmp/out")
if [ "$rc" -ne 0 ]; then
	fail "samples: exit status $rc, expected 0: $(cat "$tmp/err")"
elif [ "$(lines "$tmp/out")" != "$nfiles" ]; then
	fail "samples: $(lines "$tmp/out") lines for $nfiles files"
elif [ "$ndsn" != "$nfiles" ]; then
	fail "samples: $ndsn of $nfiles lines say \"dsn\": true"
	grep -v '"dsn": *true' "$tmp/out" | cut -c1-200
elif ! json_check "$tmp/out" dsn; then
	fail "samples: bad JSON"
else
	pass "samples ($nfiles files)"
fi
cp "$tmp/out" "$tmp/samples.json"

# What each sample states: file, first recipient, status, outcome.
cat >"$tmp/expect" <<'EOF'
postfix-delay-warning-4.4.1.eml accounts@example.org 4.4.1 delayed
postfix-expired-rate-limited.eml r.okafor@example.org 4.7.0 expired
postfix-user-unknown-5.1.1.eml m.haddad@example.org 5.1.1 failed
sendmail-return-4.4.7-timeout.eml ticket-4471@example.org 4.4.7 expired
exchange-expired-4.4.7.eml orders@supplier.example.org 4.4.7 expired
qmail-user-unknown.eml katrin.vogel@example.org 5.1.1 -
exim-user-unknown.eml old.address@example.org 5.1.1 -
gmail-style-delayed-4.4.3.eml booking@hostel.example.org 4.4.3 delayed
sendmail-latin1-qp-user-unknown.eml renate.koenig@example.org 5.1.1 -
EOF
if [ -n "$python" ]; then
	if json_check "$tmp/samples.json" expect "$tmp/expect"; then
		pass "samples: recipients, statuses and outcomes"
	else
		fail "samples: recipients, statuses and outcomes"
	fi
fi

# Text output works on every sample too.
run "$cli" classify --rules "$rules" "$@"
if [ "$rc" -ne 0 ] || [ "$(grep -c ': DSN (' "$tmp/out")" != "$nfiles" ]; then
	fail "samples (text): exit status $rc or not every file a DSN"
else
	pass "samples (text)"
fi

# 7. Standard input.
run "$cli" classify --rules "$rules" --json - <"$samples/postfix-delay-warning-4.4.1.eml"
if [ "$rc" -ne 0 ]; then
	fail "stdin: exit status $rc, expected 0"
elif [ "$(lines "$tmp/out")" != 1 ] || ! grep -q '"dsn": *true' "$tmp/out" \
    || ! grep -q '"file": *"-"' "$tmp/out"; then
	fail "stdin: expected one DSN line for \"-\", got: $(cut -c1-200 "$tmp/out")"
elif ! json_check "$tmp/out" dsn; then
	fail "stdin: bad JSON"
else
	pass "stdin"
fi
run "$cli" classify --rules "$rules" --json - </dev/null
if [ "$rc" -ne 0 ] || ! grep -q '"dsn": *false' "$tmp/out"; then
	fail "empty stdin: exit status $rc or not \"dsn\": false"
else
	pass "empty stdin"
fi

# 8. rewrite --tz: a fixed offset; a zone by name, whose offset follows
# DST per date shown (the last attempt before the change of 2026-03-29,
# the retry limit after it); an unknown zone or a path is a usage error.
sed -e 's/^Will-Retry-Until: .*/Will-Retry-Until: Tue, 31 Mar 2026 10:00:00 +0000\
Last-Attempt-Date: Sat, 28 Mar 2026 10:00:00 +0000/' \
    "$samples/postfix-delay-warning-4.4.1.eml" >"$tmp/dst.eml"
run "$cli" rewrite --rules "$rules" --tz +05:30 "$tmp/dst.eml"
if [ "$rc" -ne 0 ] || ! grep -q 'Retrying until: 2026-03-31 15:30 (UTC+05:30)$' "$tmp/out"; then
	fail "--tz +05:30: exit status $rc or no date in +05:30"
else
	pass "--tz +05:30"
fi
if [ -r /usr/share/zoneinfo/Europe/Berlin ]; then
	run "$cli" rewrite --rules "$rules" --tz Europe/Berlin "$tmp/dst.eml"
	if [ "$rc" -ne 0 ] \
	    || ! grep -q 'Last attempt: 2026-03-28 11:00 CET (UTC+01:00)$' "$tmp/out" \
	    || ! grep -q 'Retrying until: 2026-03-31 12:00 CEST (UTC+02:00)$' "$tmp/out"; then
		fail "--tz Europe/Berlin: exit status $rc or not CET then CEST:" \
		    "$(grep -E 'Last attempt|Retrying until' "$tmp/out")"
	else
		pass "--tz Europe/Berlin"
	fi
else
	echo "cli.sh: no tzdata; not checking --tz Europe/Berlin"
fi
for zone in Europe/Berln ../../etc/passwd /etc/passwd +25:00; do
	run "$cli" rewrite --rules "$rules" --tz "$zone" "$tmp/dst.eml"
	if [ "$rc" -ne 2 ] || [ -s "$tmp/out" ] || ! grep -q -- "--tz $zone: " "$tmp/err"; then
		fail "--tz $zone: exit status $rc (want 2), or output, or no reason"
	else
		pass "--tz $zone refused: $(cat "$tmp/err")"
	fi
done

# --lang auto: the returned message's Content-Language, else its
# Accept-Language, else --lang-fallback; the choice is lang= of the field.
sed 's/^Subject: Minutes/Content-Language: fr-CA\nSubject: Minutes/' \
    "$samples/postfix-user-unknown-5.1.1.eml" >"$tmp/auto-fr.eml"
sed 's/^Subject: Minutes/Accept-Language: nl-NL, it;q=0.8, de;q=0.5\nSubject: Minutes/' \
    "$samples/postfix-user-unknown-5.1.1.eml" >"$tmp/auto-it.eml"
for c in "auto-fr.eml::fr" "auto-it.eml::it" "auto-fr.eml:--lang-fallback de:fr" \
    "../dst.eml:--lang-fallback es:es" "../dst.eml::en"; do
	f=${c%%:*} rest=${c#*:} opt=${rest%%:*} want=${rest##*:}
	[ "$f" = "../dst.eml" ] && f=$tmp/dst.eml || f=$tmp/$f
	run "$cli" rewrite --rules "$rules" --lang auto $opt "$f"
	if [ "$rc" -ne 0 ] || ! grep -q "^X-DSN-Explain: .*; lang=$want\$" "$tmp/out" \
	    || ! grep -q "^Content-Language: $want\$" "$tmp/out"; then
		fail "--lang auto $opt on $(basename "$f"): want lang=$want: $(grep '^X-DSN-Explain' "$tmp/out")"
	else
		pass "--lang auto $opt on $(basename "$f"): lang=$want"
	fi
done

# 9. rewrite --out-dir: several files, the rules loaded once, the n-th
# result in DIR/n.eml byte for byte what a rewrite of that file alone
# writes; several files without it, or it without files, is a usage error.
mkdir "$tmp/outdir"
run "$cli" rewrite --rules "$rules" --lang de --out-dir "$tmp/outdir" \
    "$samples/postfix-delay-warning-4.4.1.eml" "$samples/exim-user-unknown.eml"
ok=1
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] || ok=0
k=0
for f in "$samples/postfix-delay-warning-4.4.1.eml" "$samples/exim-user-unknown.eml"; do
	k=$((k + 1))
	"$cli" rewrite --rules "$rules" --lang de "$f" >"$tmp/one.eml" 2>/dev/null
	cmp -s "$tmp/one.eml" "$tmp/outdir/$k.eml" || ok=0
done
if [ "$ok" -eq 1 ]; then
	pass "rewrite --out-dir: two files as rewritten one by one"
else
	fail "rewrite --out-dir: exit status $rc, or a result differs from a single rewrite"
fi
run "$cli" rewrite --rules "$rules" "$samples/postfix-delay-warning-4.4.1.eml" \
    "$samples/exim-user-unknown.eml"
if [ "$rc" -ne 2 ] || [ -s "$tmp/out" ]; then
	fail "rewrite of two files without --out-dir: exit status $rc (want 2)"
else
	pass "rewrite of two files without --out-dir refused"
fi
run "$cli" rewrite --rules "$rules" --out-dir "$tmp/outdir"
if [ "$rc" -ne 2 ]; then
	fail "rewrite --out-dir without files: exit status $rc (want 2)"
else
	pass "rewrite --out-dir without files refused"
fi

if [ "$failures" -ne 0 ]; then
	echo "cli.sh: $failures check(s) failed"
	exit 1
fi
echo "cli.sh: all passed"
exit 0
