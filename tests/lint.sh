#!/bin/sh
# lint.sh - checks the contract of "dsnexplain lint"
#
# The shipped rules lint clean (exit 0 and the "lint: ... all good" line);
# a small valid set in tests/data/rules/good does too, with or without a
# missing site directory; tests/data/rules/bad (one pattern that does not
# compile, one unknown cause) exits 1 and names each problem on stderr as
# FILE:LINE:COL: message, at the right line and column; a missing rule
# directory exits 2.
#
# Run by "make check" with top_srcdir and top_builddir in the environment.
# Exit status: 0 pass, 1 fail.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
cli="$top_builddir/cli/dsnexplain"
data="$top_srcdir/tests/data/rules"

if [ ! -x "$cli" ]; then
	echo "lint.sh: $cli is not built"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-lint.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 15

failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# run NAME ARGS...: runs the CLI, keeping stdout, stderr and the status.
run() {
	name=$1
	shift
	"$cli" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	echo $? >"$tmp/$name.rc"
}

rc() {
	cat "$tmp/$1.rc"
}

show() {
	echo "--- stdout of $1:"
	cat "$tmp/$1.out"
	echo "--- stderr of $1:"
	cat "$tmp/$1.err"
}

# Line and column (1-based, bytes) of the first occurrence of a string in
# a file: prints "LINE COL", or nothing.
position() {
	awk -v s="$2" '{ i = index($0, s); if (i > 0) { print NR, i; exit } }' "$1"
}

# --- the shipped rules -------------------------------------------------

run shipped lint --rules "$top_srcdir/rules"
if [ "$(rc shipped)" != 0 ]; then
	fail "lint of the shipped rules exits $(rc shipped), not 0"
	show shipped
elif ! grep -q '^lint: [0-9][0-9]* rules, [0-9][0-9]* causes, [0-9][0-9]* examples: all good$' \
    "$tmp/shipped.out"; then
	fail "lint of the shipped rules does not say all good"
	show shipped
fi

# --- a small valid set ---------------------------------------------------

run good lint --rules "$data/good"
if [ "$(rc good)" != 0 ]; then
	fail "lint of $data/good exits $(rc good), not 0"
	show good
elif ! grep -q '^lint: 1 rules, 1 causes, 2 examples: all good$' "$tmp/good.out"; then
	fail "lint of $data/good: unexpected summary"
	show good
elif [ -s "$tmp/good.err" ]; then
	fail "lint of $data/good writes to stderr"
	show good
fi

# A missing site directory is no error; both option spellings work.
run goodsite lint --rules "$data/good" --site-rules "$tmp/no-such-site"
if [ "$(rc goodsite)" != 0 ]; then
	fail "lint with a missing site directory exits $(rc goodsite), not 0"
	show goodsite
fi
run goodeq lint --rules="$data/good" --site-rules="$tmp/no-such-site"
if [ "$(rc goodeq)" != 0 ]; then
	fail "lint --rules=DIR exits $(rc goodeq), not 0"
	show goodeq
fi

# --- a set with mistakes ---------------------------------------------------

bad="$data/bad/10-bad.json"
run bad lint --rules "$data/bad"
if [ "$(rc bad)" != 1 ]; then
	fail "lint of $data/bad exits $(rc bad), not 1"
	show bad
fi
if grep -q 'all good' "$tmp/bad.out"; then
	fail "lint of $data/bad says all good"
fi
# Every problem line is FILE:LINE:COL: message, LINE and COL positive.
grep -v '^dsnexplain: ' "$tmp/bad.err" >"$tmp/bad.problems"
if [ ! -s "$tmp/bad.problems" ]; then
	fail "lint of $data/bad reports no problem lines"
	show bad
fi
while IFS= read -r line; do
	case $line in
	"$bad":[1-9]*:[1-9]*:\ ?*) ;;
	*) fail "not FILE:LINE:COL: message: $line" ;;
	esac
done <"$tmp/bad.problems"

# The bad pattern: its line, a column inside the pattern string.
set -- $(position "$bad" '"user (unknown"')
pline=$1 pcol=$2
got=$(grep -F "$bad:$pline:" "$tmp/bad.err" | grep 'bad pattern' | head -n 1)
if [ -z "$got" ]; then
	fail "no bad pattern error at $bad:$pline"
	show bad
else
	col=$(echo "$got" | sed -n "s|^$bad:$pline:\([0-9][0-9]*\): .*|\1|p")
	len=$(printf '%s' '"user (unknown"' | wc -c)
	if [ -z "$col" ] || [ "$col" -le "$pcol" ] \
	    || [ "$col" -ge $((pcol + len)) ]; then
		fail "bad pattern column $col is not inside the string at $pcol"
	fi
	if ! echo "$got" | grep -q 'missing closing parenthesis'; then
		fail "bad pattern error lacks PCRE2's message: $got"
	fi
fi

# The unknown cause: exactly at the value.
set -- $(position "$bad" '"no-such-cause"')
want="$bad:$1:$2: "
if ! grep -F "$want" "$tmp/bad.err" | grep -q 'unknown cause "no-such-cause"'; then
	fail "no unknown cause error at ${want% }"
	show bad
fi

# The summary names the count.
if ! grep -q '^dsnexplain: rules in .* not loaded: [1-9][0-9]* problems\{0,1\} ' \
    "$tmp/bad.err"; then
	fail "no summary line for $data/bad"
	show bad
fi

# --- the set is read once --------------------------------------------------
# lint must not load a set a second time to find out why it failed: each
# rule file is opened once, for a good set and for one with mistakes.

if command -v strace >/dev/null 2>&1; then
	for set in good bad; do
		file=$(ls "$data/$set"/*.json | head -n 1)
		strace -f -qq -e trace=open,openat -o "$tmp/$set.strace" \
		    "$cli" lint --rules "$data/$set" >/dev/null 2>&1
		opens=$(grep -c -F "\"$file\"" "$tmp/$set.strace")
		if [ "$opens" != 1 ]; then
			fail "lint of $data/$set opens $file $opens times, not once"
		fi
	done
else
	echo "lint.sh: no strace; not checking that lint reads each file once"
fi

# --- a directory that is not there ------------------------------------------

run missing lint --rules "$tmp/no-such-dir"
if [ "$(rc missing)" != 2 ]; then
	fail "lint of a missing directory exits $(rc missing), not 2"
	show missing
fi
if ! grep -q "no-such-dir" "$tmp/missing.err"; then
	fail "lint of a missing directory does not name it"
	show missing
fi

# --- usage -------------------------------------------------------------

run usage lint --bogus
if [ "$(rc usage)" != 2 ]; then
	fail "lint --bogus exits $(rc usage), not 2"
fi
run noarg lint --rules
if [ "$(rc noarg)" != 2 ]; then
	fail "lint --rules without a directory exits $(rc noarg), not 2"
fi

if [ "$failures" -gt 0 ]; then
	echo "lint.sh: $failures failure(s)"
	exit 1
fi
echo "lint.sh: all passed"
exit 0
