#!/bin/sh
# rewrite.sh - `dsnexplain rewrite` against independent readers, in every
# language.
#
# Every .eml of ../shared/corpus/{sisimai/eml,mta-generated,bounce_email,
# oss-fixtures}, tests/data/samples and tests/data/mta is rewritten in each
# of en, de, fr, es and it (one `dsnexplain rewrite --out-dir` per
# language, and once more over its own output for idempotence), and each
# rewritten message is read by three independent readers, each as one
# process per language over all the files:
#   * python: tests/check-rewrite.py (Python's email package: no new
#     defect, every part's text decodes, header fields kept in order,
#     kept parts byte for byte, a second rewrite changes nothing);
#   * sisimai: tests/sisimai-compare.pl (Sisimai: same records,
#     recipients, reasons, statuses, reply codes, actions, soft/hard);
#   * bounceparser: tests/bounceparser-compare.pl
#     (Mail::DeliveryStatus::BounceParser, what mailing-list managers use:
#     is_bounce, addresses, std_reason, smtp_code, status, reason; above
#     all, no address that the original does not give: our own text is
#     never read as bounce data).
# It prints "reader R, lang L: N of M agree" for each reader and language
# and fails on any disagreement, except those listed in
# tests/rewrite-known-failures.txt (see its header); a listed pair that
# agrees fails too, so that the list only ever shrinks.
#
# The environment gives top_srcdir and top_builddir (automake TESTS).
# Exit 0 pass, 1 fail, 77 skip (no corpus beside the checkout, and the
# in-tree messages passed).  A reader whose tool is missing (python3,
# Sisimai, BounceParser) is skipped with a note; it does not fail.
# DSNX_REWRITE_LANGS overrides the language list (default: all five).

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
cli="$top_builddir/cli/dsnexplain"
rules="$top_srcdir/rules"
corpus="$top_srcdir/../shared/corpus"
known="$top_srcdir/tests/rewrite-known-failures.txt"
langs=${DSNX_REWRITE_LANGS:-"en de fr es it"}

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
have_corpus=0
for d in "$corpus/sisimai/eml" "$corpus/mta-generated" \
    "$corpus/bounce_email" "$corpus/oss-fixtures"; do
	if [ -d "$d" ]; then
		dirs="$dirs $d"
		have_corpus=1
	fi
done
if [ "$have_corpus" -eq 0 ]; then
	echo "rewrite.sh: no corpus at $corpus; the in-tree messages alone are checked"
fi
dirs="$dirs $top_srcdir/tests/data/samples $top_srcdir/tests/data/mta"

readers=""
if command -v python3 >/dev/null 2>&1; then
	readers="$readers python"
else
	echo "rewrite.sh: SKIP reader python: python3 not found"
fi
if ! command -v perl >/dev/null 2>&1; then
	echo "rewrite.sh: SKIP readers sisimai and bounceparser: perl not found"
else
	if perl -MSisimai -e1 >/dev/null 2>&1; then
		readers="$readers sisimai"
	else
		echo "rewrite.sh: SKIP reader sisimai: the Perl module Sisimai" \
		    "is not installed (Debian: libsisimai-perl)"
	fi
	if perl -MMail::DeliveryStatus::BounceParser -e1 >/dev/null 2>&1; then
		readers="$readers bounceparser"
	else
		echo "rewrite.sh: SKIP reader bounceparser: the Perl module" \
		    "Mail::DeliveryStatus::BounceParser is not installed" \
		    "(Debian: libmail-deliverystatus-bounceparser-perl)"
	fi
fi

# shellcheck disable=SC2086
find $dirs -type f -name '*.eml' | LC_ALL=C sort >"$tmp/files"
n=$(wc -l <"$tmp/files")
n=$((n + 0))
if [ "$n" -eq 0 ]; then
	fail "no .eml files found in$dirs"
	exit 1
fi

# The name a message has in the known-failures list: below the shared
# corpus "corpus/...", in the tree "tests/...".
relname() {
	sed -e "s|^$top_srcdir/\.\./shared/||" -e "s|^$top_srcdir/||"
}
if [ -f "$known" ]; then
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$known" \
	    | awk '{ print $1 " " $2 " " $3 }' >"$tmp/known"
else
	: >"$tmp/known"
fi

for lang in $langs; do
	# 1. Rewrite every message, then every result once more.
	mkdir "$tmp/$lang" "$tmp/$lang.again" || exit 1
	# shellcheck disable=SC2046
	"$cli" rewrite --rules "$rules" --lang "$lang" --out-dir "$tmp/$lang" \
	    $(cat "$tmp/files") 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "dsnexplain rewrite --lang $lang: exit status $rc:" \
		    "$(grep -v ': unchanged: ' "$tmp/err" | head -5)"
		continue
	fi
	i=0
	while IFS= read -r f; do
		i=$((i + 1))
		printf '%s\t%s\t%s\n' "$f" "$tmp/$lang/$i.eml" \
		    "$tmp/$lang.again/$i.eml"
	done <"$tmp/files" >"$tmp/pairs.$lang"
	# shellcheck disable=SC2046
	"$cli" rewrite --rules "$rules" --lang "$lang" \
	    --out-dir "$tmp/$lang.again" \
	    $(cut -f2 "$tmp/pairs.$lang") 2>/dev/null \
	    || fail "dsnexplain rewrite --lang $lang of its own output failed"
	changed=0
	while IFS="$(printf '\t')" read -r f new again; do
		cmp -s "$f" "$new" || changed=$((changed + 1))
	done <"$tmp/pairs.$lang"
	echo "rewrite.sh: lang $lang: $n messages, $changed rewritten"

	# 2. Each reader, one process over all the pairs.
	for r in $readers; do
		case $r in
		python)
			python3 "$top_srcdir/tests/check-rewrite.py" --list \
			    "$tmp/pairs.$lang" >"$tmp/out" 2>&1 ;;
		sisimai)
			perl "$top_srcdir/tests/sisimai-compare.pl" --list \
			    "$tmp/pairs.$lang" >"$tmp/out" 2>&1 ;;
		bounceparser)
			perl "$top_srcdir/tests/bounceparser-compare.pl" --list \
			    "$tmp/pairs.$lang" >"$tmp/out" 2>&1 ;;
		esac
		rc=$?
		if [ "$rc" -gt 1 ]; then
			fail "reader $r, lang $lang: exit status $rc: $(tail -3 "$tmp/out")"
			continue
		fi
		# Every reader prints "DIFF ORIGINAL -> REWRITTEN" per pair.
		sed -n 's/^DIFF \(.*\) -> .*/\1/p' "$tmp/out" | relname \
		    | LC_ALL=C sort -u >"$tmp/diff"
		if [ "$rc" -eq 1 ] && [ ! -s "$tmp/diff" ]; then
			fail "reader $r, lang $lang: failed without naming a pair:" \
			    "$(tail -3 "$tmp/out")"
		fi
		awk -v r="$r" -v l="$lang" \
		    '$1 == r && ($2 == l || $2 == "*") { print $3 }' \
		    "$tmp/known" | LC_ALL=C sort -u >"$tmp/want"
		# Pairs of this run only: a list entry for a message not found
		# (no corpus) is neither a pass nor a failure.
		relname <"$tmp/files" | LC_ALL=C sort -u >"$tmp/names"
		LC_ALL=C comm -12 "$tmp/want" "$tmp/names" >"$tmp/wanted"
		d=$(wc -l <"$tmp/diff")
		k=$(LC_ALL=C comm -12 "$tmp/diff" "$tmp/wanted" | wc -l)
		echo "reader $r, lang $lang: $((n - d)) of $n agree" \
		    "($((k + 0)) known failures)"
		if [ "$r" = bounceparser ]; then
			# Item 4 of issue 13 on its own: addresses found only in
			# the rewritten message (a part of the disagreements).
			echo "reader $r, lang $lang: $(awk '/^DIFF / { d = 0 }
			    /^  address .* only in the rewritten message/ && !d \
			    { c++; d = 1 } END { print c + 0 }' "$tmp/out") messages" \
			    "with an address the original does not give"
		fi
		LC_ALL=C comm -23 "$tmp/diff" "$tmp/wanted" >"$tmp/new"
		if [ -s "$tmp/new" ]; then
			fail "reader $r, lang $lang: $(wc -l <"$tmp/new") unexpected" \
			    "disagreements:"
			# The reader's own account of each.
			awk 'NR == FNR { want[$0] = 1; next }
			    /^DIFF / { name = $2
			        sub("^" top "/\\.\\./shared/", "", name)
			        sub("^" top "/", "", name)
			        show = (name in want) }
			    show' top="$top_srcdir" "$tmp/new" "$tmp/out" \
			    | sed 's/^/    /'
		fi
		LC_ALL=C comm -13 "$tmp/diff" "$tmp/wanted" >"$tmp/xpass"
		if [ -s "$tmp/xpass" ]; then
			fail "reader $r, lang $lang: listed in $known but agree now" \
			    "(remove them):"
			sed 's/^/    /' "$tmp/xpass"
		fi
	done
	rm -rf "${tmp:?}/$lang" "${tmp:?}/$lang.again"
done

if [ "$failed" -ne 0 ]; then
	exit 1
fi
if [ "$have_corpus" -eq 0 ]; then
	echo "rewrite.sh: SKIP: the shared corpus is absent (in-tree messages passed)"
	exit 77
fi
exit 0
