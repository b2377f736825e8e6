#!/bin/sh
# rules-cases.sh - what "dsnexplain lint" says about rule files, one
# directory per case (as jansson's test/suites/invalid/<case>/{input,error})
#
# Every directory CASE below tests/rules-cases is a rule directory: its
# *.json files are the shipped rules, and CASE/site, when it exists, is
# the site directory.  CASE/error holds exactly what lint must write on
# standard error, one problem a line as CASE/FILE:LINE:COL: message (or
# CASE: message without a position), then lint's summary line; an empty
# error means the set is good.  lint runs in tests/rules-cases with the
# case's relative name, so the names in error are the same in every tree.
# The exit status must be 1 when error has the "not loaded" summary, 0
# otherwise.
#
# A new case: make the directory, run
#	cd tests/rules-cases && dsnexplain lint --rules CASE 2>CASE/error
# (with --site-rules CASE/site if it has one), read error line by line
# against the files, and add tests/rules-cases/CASE to RULES_CASES in
# Makefile.am.  With rules_cases set (make check sets it from
# RULES_CASES), a directory that is not listed, or a listed one that is
# missing, is a failure: a case left out of the tarball would otherwise
# just not run after "make distcheck".
#
# Run by "make check" with top_srcdir and top_builddir in the
# environment; by hand, names of cases as arguments run only those.
# "make check-valgrind" runs it with DSNX_VALGRIND set: every lint then
# runs under valgrind memcheck, and a memory error or a definite leak on
# any of these error paths fails the case.
# Exit status: 0 pass, 1 fail.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
cli="$top_builddir/cli/dsnexplain"
cases="$top_srcdir/tests/rules-cases"

if [ ! -x "$cli" ]; then
	echo "rules-cases.sh: $cli is not built"
	exit 1
fi
case $cli in
/*) ;;
*) cli="$(pwd)/$cli" ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-cases.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 13 15

failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

cd "$cases" || exit 1

# The directories here against the list the distribution is made from.
if [ -n "${rules_cases:-}" ]; then
	for c in $rules_cases; do
		echo "${c#tests/rules-cases/}"
	done | sort >"$tmp/listed"
	for d in */; do
		echo "${d%/}"
	done | sort >"$tmp/present"
	for c in $(comm -13 "$tmp/listed" "$tmp/present"); do
		fail "$c: not in RULES_CASES of Makefile.am (not distributed)"
	done
	for c in $(comm -23 "$tmp/listed" "$tmp/present"); do
		fail "$c: in RULES_CASES of Makefile.am, but there is no such case"
	done
fi

# lint DIR [SITE]: runs lint on the case, stdout and stderr to $tmp.
lint() {
	set -- --rules "$1" ${2:+--site-rules "$2"}
	if [ -n "${DSNX_VALGRIND:-}" ]; then
		rm -f "$tmp/vg.log"
		"$top_builddir/libtool" --mode=execute valgrind -q \
		    --error-exitcode=99 --leak-check=full \
		    --show-leak-kinds=definite,indirect \
		    --errors-for-leak-kinds=definite,indirect \
		    --suppressions="$top_srcdir/tests/valgrind.supp" \
		    --log-file="$tmp/vg.log" \
		    "$cli" lint "$@" >"$tmp/out" 2>"$tmp/err"
	else
		"$cli" lint "$@" >"$tmp/out" 2>"$tmp/err"
	fi
}

if [ $# -eq 0 ]; then
	set -- */
fi
ran=0
for c in "$@"; do
	c=${c%/}
	if [ ! -f "$c/error" ]; then
		fail "$c: no error file"
		continue
	fi
	if [ -d "$c/site" ]; then
		lint "$c" "$c/site"
	else
		lint "$c"
	fi
	rc=$?
	ran=$((ran + 1))
	if [ -s "$tmp/vg.log" ] || [ "$rc" = 99 ]; then
		fail "$c: valgrind:"
		cat "$tmp/vg.log"
		continue
	fi
	want=0
	grep -q '^dsnexplain: rules in .* not loaded: ' "$c/error" && want=1
	if ! cmp -s "$c/error" "$tmp/err"; then
		fail "$c: lint's problems differ from $c/error:"
		diff -u "$c/error" "$tmp/err" | sed -n '3,$p'
	fi
	if [ "$rc" != "$want" ]; then
		fail "$c: lint exits $rc, not $want"
	fi
	if [ "$want" = 0 ] && ! grep -q ': all good$' "$tmp/out"; then
		fail "$c: lint does not say all good"
		cat "$tmp/out"
	fi
done

if [ "$ran" -eq 0 ]; then
	fail "no case ran"
fi
if [ "$failures" -gt 0 ]; then
	echo "rules-cases.sh: $failures failure(s) in $ran case(s)"
	exit 1
fi
echo "rules-cases.sh: $ran cases passed"
exit 0
