#!/bin/sh
# Golden-file test of the rewrite: six representative bounces (Postfix
# delayed, Postfix expired, Exchange 4.4.7, Gmail rate limit, user unknown,
# and a single-part ISO-8859-1 quoted-printable Sendmail bounce, which
# takes our text in place, in ISO-8859-1 quoted-printable) in every
# language, compared byte for byte with
# tests/golden/.  The
# output is deterministic, so any change in wording, layout, MIME
# structure or classification shows here.  After an intended change:
#	tests/golden.sh --update   (then review `git diff tests/golden`)
# Env: top_srcdir, top_builddir (set by make check).
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
cli=$top_builddir/cli/dsnexplain
rules=$top_srcdir/rules
samples=$top_srcdir/tests/data/samples
golden=$top_srcdir/tests/golden
update=0
[ "${1:-}" = "--update" ] && update=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0 n=0
for s in postfix-delay-warning-4.4.1 postfix-expired-rate-limited \
    exchange-expired-4.4.7 gmail-rate-limited postfix-user-unknown-5.1.1 \
    sendmail-latin1-qp-user-unknown; do
	for lang in en de fr es it; do
		n=$((n + 1))
		out=$tmp/$s.$lang.eml
		if ! "$cli" rewrite --rules "$rules" --lang "$lang" --subject \
		    "$samples/$s.eml" >"$out" 2>"$tmp/err"; then
			echo "FAIL $s ($lang): rewrite failed: $(cat "$tmp/err")"
			fail=$((fail + 1))
			continue
		fi
		if [ $update = 1 ]; then
			mkdir -p "$golden"
			cp "$out" "$golden/$s.$lang.eml"
		elif ! cmp -s "$out" "$golden/$s.$lang.eml"; then
			echo "FAIL $s ($lang): differs from tests/golden/$s.$lang.eml:"
			diff "$golden/$s.$lang.eml" "$out" | head -20
			fail=$((fail + 1))
		fi
	done
done
echo "golden: $((n - fail)) passed, $fail failed"
[ $fail -eq 0 ]
