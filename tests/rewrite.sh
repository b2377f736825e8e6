#!/bin/sh
# rewrite.sh - `dsnexplain rewrite` against independent readers.
#
# For every .eml of ../shared/corpus/{sisimai/eml,mta-generated} and of
# tests/data/samples:
#   * tests/check-rewrite.py (Python's email package: no new defects,
#     header fields kept in order, kept parts byte for byte, idempotence);
#   * tests/sisimai-compare.pl (Sisimai reads the rewritten message exactly
#     as it read the original: same records, recipients, reasons, statuses,
#     reply codes, actions, soft/hard bounce).
# Then, on the samples, a rewrite in each of --lang de, fr, es and it must
# still give a message that Python's email package reads without new
# defects (a translation may be incomplete: English stands in).
#
# The environment gives top_srcdir and top_builddir (automake TESTS).
# Exit 0 pass, 1 fail, 77 skip (no corpus beside the checkout, and the
# samples passed).  A part whose tool is missing (python3, Sisimai) is
# skipped with a note; it does not make the test fail.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
cli="$top_builddir/cli/dsnexplain"
rules="$top_srcdir/rules"
corpus="$top_srcdir/../shared/corpus"
samples="$top_srcdir/tests/data/samples"

if [ ! -x "$cli" ]; then
	echo "rewrite.sh: $cli not built" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-rewrite.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

failed=0
fail() {
	echo "FAIL: $*"
	failed=1
}

dirs=""
for d in "$corpus/sisimai/eml" "$corpus/mta-generated"; do
	[ -d "$d" ] && dirs="$dirs $d"
done
have_corpus=1
if [ -z "$dirs" ]; then
	have_corpus=0
	echo "rewrite.sh: no corpus at $corpus; the samples alone are checked"
fi
dirs="$dirs $samples"

have_python=0
if command -v python3 >/dev/null 2>&1; then
	have_python=1
else
	echo "rewrite.sh: SKIP the Python checks: python3 not found"
fi
have_sisimai=0
if ! command -v perl >/dev/null 2>&1; then
	echo "rewrite.sh: SKIP the Sisimai comparison: perl not found"
elif ! perl -MSisimai -e1 >/dev/null 2>&1; then
	echo "rewrite.sh: SKIP the Sisimai comparison: the Perl module Sisimai" \
	    "is not installed (Debian: libsisimai-perl)"
else
	have_sisimai=1
fi

# 1. Rewrite every message once, into $tmp/out/N.eml, listing the pairs.
mkdir "$tmp/out" || exit 1
: >"$tmp/pairs"
n=0
# shellcheck disable=SC2086
find $dirs -type f -name '*.eml' | LC_ALL=C sort >"$tmp/files"
while IFS= read -r f; do
	n=$((n + 1))
	"$cli" rewrite --rules "$rules" "$f" >"$tmp/out/$n.eml" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "dsnexplain rewrite $f: exit status $rc: $(cat "$tmp/err")"
		continue
	fi
	printf '%s\t%s\n' "$f" "$tmp/out/$n.eml" >>"$tmp/pairs"
done <"$tmp/files"
echo "rewrite.sh: $n messages rewritten"
if [ "$n" -eq 0 ]; then
	fail "no .eml files found in$dirs"
fi

# 2. Python's email package, headers, kept parts, idempotence.
if [ "$have_python" -eq 1 ]; then
	# shellcheck disable=SC2086
	python3 "$top_srcdir/tests/check-rewrite.py" "$cli" "$rules" $dirs \
	    || fail "check-rewrite.py"
fi

# 3. Sisimai reads the same records from both.
if [ "$have_sisimai" -eq 1 ]; then
	perl "$top_srcdir/tests/sisimai-compare.pl" --list "$tmp/pairs" \
	    || fail "sisimai-compare.pl: Sisimai reads some rewritten messages differently"
fi

# 4. Other languages on the samples: still valid MIME.
if [ "$have_python" -eq 1 ]; then
	cat >"$tmp/parses.py" <<'EOF'
import email, email.policy, sys
orig = open(sys.argv[1], "rb").read()
new = open(sys.argv[2], "rb").read()
def defects(raw):
    m = email.message_from_bytes(raw, policy=email.policy.default)
    return [str(d) for p in m.walk() for d in p.defects]
od, nd = defects(orig), defects(new)
if len(nd) > len(od):
    print("%d defects (original %d): %s" % (len(nd), len(od), nd[:3]))
    sys.exit(1)
m = email.message_from_bytes(new, policy=email.policy.default)
if new != orig:
    if len(m.get_all("X-DSN-Explain") or []) != 1:
        print("not exactly one X-DSN-Explain field")
        sys.exit(1)
    # every text part must decode in its declared charset
    for p in m.walk():
        if p.get_content_maintype() == "text":
            try:
                p.get_content()
            except Exception as e:
                print("text part %s does not decode: %s" % (p.get_content_type(), e))
                sys.exit(1)
EOF
	langs=0
	for lang in de fr es it; do
		for f in "$samples"/*.eml; do
			[ -f "$f" ] || continue
			langs=$((langs + 1))
			"$cli" rewrite --rules "$rules" --lang "$lang" "$f" \
			    >"$tmp/lang.eml" 2>"$tmp/err"
			rc=$?
			if [ "$rc" -ne 0 ]; then
				fail "--lang $lang $f: exit status $rc: $(cat "$tmp/err")"
				continue
			fi
			if ! msg=$(python3 "$tmp/parses.py" "$f" "$tmp/lang.eml"); then
				fail "--lang $lang $f: $msg"
			fi
		done
	done
	echo "rewrite.sh: $langs rewrites in de, fr, es, it checked"
fi

if [ "$failed" -ne 0 ]; then
	exit 1
fi
if [ "$have_corpus" -eq 0 ]; then
	echo "rewrite.sh: SKIP: the shared corpus is absent (samples passed)"
	exit 77
fi
exit 0
