#!/bin/sh
# Runs the benchmarks and prints figures (no pass or fail: timings on a
# shared machine are noisy, so compare within one run).
#
# Usage: bench/run.sh [--before BUILD_DIR|CLI] [--before-rules DIR]
#                     [--only corpus|cli] [BUILD_DIR [SRC_DIR]]
#
# Corpus rows (bench_parse, single thread, on ../shared/corpus):
#   1. parse and extract only;
#   2. the same plus classification with the shipped rules;
#   3. the same with the rule set grown tenfold (bench/grow-rules.py),
#      and the time ratio of 3 to 2;
#   4. the whole rewrite (parse, classify, render, rewrite) per message;
#   5. peak memory rewriting a 25 MB bounce (bench_memory).
#   6. recipients sweep: one 4 MiB human-readable text with 1, 10, 100 and
#      1,000 recipients (bench/gen-dsn.py), classified and rewritten by
#      bench_parse in one process with the rules loaded once, as a milter
#      worker does: CPU milliseconds per message and the ratio 1,000 / 1
#      (target <= 2);
# CLI rows (cli/dsnexplain, one process per message, CPU time; the time of
# the same command on a tiny message, process start and rule loading, is
# subtracted, so the figures are what a milter pays per message):
#   7. adversarial: 1,000 catastrophic site rules
#      (bench/catastrophic-rules.py) x a bounce with 100 recipients, with
#      the library's default limits (target <= 1 s per message).
#
# --before runs the same rows with another build side by side and prints
# both figures and the ratio of the times (after / before: below 1 is
# faster).  Given a build directory, its cli/dsnexplain runs the CLI rows
# and its bench/bench_parse and bench/bench_memory the corpus rows, each
# with the rules of that build's own source tree; given a CLI program,
# only the CLI rows run for it.  --before-rules names the rules for it
# instead.  DSNX_BENCH_BEFORE in the environment is the same as --before.
set -eu

before=${DSNX_BENCH_BEFORE:-}
before_rules=
only=
while [ $# -gt 0 ]; do
	case $1 in
	--before) before=$2; shift 2 ;;
	--before-rules) before_rules=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "usage: $0 [--before BUILD_DIR|CLI] [--before-rules DIR]" \
	    "[--only corpus|cli] [BUILD_DIR [SRC_DIR]]" >&2; exit 2 ;;
	*) break ;;
	esac
done
build=${1:-.}
src=${2:-.}
corpus="$src/../shared/corpus"
rules="$src/rules"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The build to compare with: its CLI, its bench programs, its rules.
bcli= bbench=
if [ -n "$before" ]; then
	if [ -d "$before" ]; then
		bcli="$before/cli/dsnexplain"
		[ -x "$before/bench/bench_parse" ] && bbench="$before/bench"
		if [ -z "$before_rules" ] && [ -f "$before/Makefile" ]; then
			bsrc=$(sed -n 's/^abs_top_srcdir = //p' "$before/Makefile")
			[ -d "$bsrc/rules" ] && before_rules="$bsrc/rules"
		fi
	else
		bcli=$before
	fi
	[ -x "$bcli" ] || { echo "bench: --before: no program $bcli" >&2; exit 2; }
	before_rules=${before_rules:-$rules}
	echo "bench: before = $before (rules $before_rules)"
fi

# ratio AFTER BEFORE: the time ratio, from two rates or two times.
rate() { echo "$1" | sed 's/.*passes: \([0-9]*\) messages.*/\1/'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {
	if (a <= 0 || b <= 0) print "-"; else printf "%.2f", a / b }'; }

if [ "$only" != cli ]; then
	# corpus_row LABEL OPTIONS...: one bench_parse row, before and after.
	corpus_row() {
		label=$1; shift
		a=$("$build/bench/bench_parse" "$@" "$corpus/sisimai/eml" \
		    "$corpus/mta-generated")
		echo "$a"
		[ -n "$bbench" ] || return 0
		b=$(echo " $* " | sed "s| $rules | $before_rules |; s| $tmp/rules10 | $tmp/before10 |")
		# shellcheck disable=SC2086
		b=$("$bbench/bench_parse" $b "$corpus/sisimai/eml" \
		    "$corpus/mta-generated")
		echo "before: $b"
		echo "bench: $label: time after/before $(ratio "$(rate "$b")" "$(rate "$a")")"
	}
	python3 "$src/bench/grow-rules.py" "$rules" "$tmp/rules10" 10
	[ -z "$bbench" ] || python3 "$src/bench/grow-rules.py" "$before_rules" \
	    "$tmp/before10" 10 >/dev/null
	corpus_row "parse" -n 40
	shipped=$(corpus_row "classify, shipped rules" -n 40 -r "$rules")
	echo "$shipped"
	grown=$(corpus_row "classify, 10x rules" -n 40 -r "$tmp/rules10")
	echo "$grown"
	corpus_row "rewrite" -n 20 -r "$rules" -w
	"$build/bench/bench_memory" "$rules" 25
	[ -z "$bbench" ] || echo "before: $("$bbench/bench_memory" "$before_rules" 25)"
	awk -v a="$(rate "$(echo "$shipped" | head -1)")" \
	    -v b="$(rate "$(echo "$grown" | head -1)")" 'BEGIN {
		printf "bench: 10x rules take %.2fx the time of the shipped rules\n", a / b }'
fi

[ "$only" = corpus ] && exit 0

# seconds CMD...: the CPU time (user + system) of CMD, output discarded,
# the best of up to 5 runs (fewer once 3 s are spent).  CPU time rather
# than the clock: on a shared machine the clock mostly measures the
# neighbours, and CPU time is what the work costs a milter worker.
seconds() {
	python3 -c '
import os, subprocess, sys
best, spent = None, 0.0
for _ in range(5):
    p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    t = ru.ru_utime + ru.ru_stime
    best = t if best is None else min(best, t)
    spent += t
    if spent >= 3:
        break
print("%.3f" % best)' "$@"
}
# net SECONDS BASE: per-message seconds with the start-up cost removed.
net() { awk -v t="$1" -v b="$2" 'BEGIN { t -= b; printf "%.3f", t < 0 ? 0 : t }'; }

# cli_row CLI RULES SITE FILE: "classify rewrite" net seconds for FILE.
cli_row() {
	site=${3:+--site-rules $3}
	# shellcheck disable=SC2086
	bc=$(seconds "$1" classify --rules "$2" $site --json "$tmp/tiny.eml")
	# shellcheck disable=SC2086
	br=$(seconds "$1" rewrite --rules "$2" $site "$tmp/tiny.eml")
	# shellcheck disable=SC2086
	c=$(seconds "$1" classify --rules "$2" $site --json "$4")
	# shellcheck disable=SC2086
	r=$(seconds "$1" rewrite --rules "$2" $site "$4")
	echo "$(net "$c" "$bc") $(net "$r" "$br") $bc"
}
# show LABEL "AFTER_C AFTER_R BASE" ["BEFORE_C BEFORE_R BASE"]
show() {
	set -- "$1" $2 ${3:-}
	if [ $# -gt 4 ]; then
		echo "bench: $1: classify $2 s (before $5 s, after/before" \
		    "$(ratio "$2" "$5")), rewrite $3 s (before $6 s, after/before" \
		    "$(ratio "$3" "$6")); start-up $4 s (before $7 s) subtracted"
	else
		echo "bench: $1: classify $2 s, rewrite $3 s; start-up $4 s subtracted"
	fi
}

printf 'From: a@example.org\nTo: b@example.org\nSubject: hello\n\nhello\n' \
    >"$tmp/tiny.eml"
cli="$build/cli/dsnexplain"

# per_message BENCH_DIR RULES FILE [-w]: CPU milliseconds per message for
# FILE, in one process with the rules loaded once (as a milter worker
# runs): no start-up to subtract, so small differences are not noise.
# A bench_parse from before the per-message figure gives only messages/s
# (of the clock, not CPU time): the figure is then 1000 / that rate.
per_message() {
	# shellcheck disable=SC2086
	"$1/bench_parse" -r "$2" ${4:-} "$3" | awk '
	    / ms per message/ { sub(/ ms per message.*/, ""); sub(/.*, /, "");
		print; done = 1; exit }
	    /messages\/s/ { sub(/ messages\/s.*/, ""); sub(/.*: /, "");
		if ($0 > 0) printf "%.3f\n", 1000 / $0; done = 1; exit }
	    END { if (!done) print "0" }'
}
# sweep_row BENCH_DIR RULES FILE: "classify rewrite" ms per message.
sweep_row() {
	echo "$(per_message "$1" "$2" "$3") $(per_message "$1" "$2" "$3" -w)"
}
echo "bench: recipients sweep: CPU ms per message, in one process with the" \
    "rules loaded once (bench_parse -r, -w)"
for n in 1 10 100 1000; do
	python3 "$src/bench/gen-dsn.py" --recipients $n "$tmp/sweep-$n.eml"
	set -- $(sweep_row "$build/bench" "$rules" "$tmp/sweep-$n.eml")
	a_c=$1 a_r=$2
	if [ -n "$bbench" ]; then
		set -- $(sweep_row "$bbench" "$before_rules" "$tmp/sweep-$n.eml")
		echo "bench: 4 MiB text x $n recipients: classify $a_c ms (before" \
		    "$1 ms, after/before $(ratio "$a_c" "$1")), rewrite $a_r ms" \
		    "(before $2 ms, after/before $(ratio "$a_r" "$2"))"
		eval "before_c_$n=$1 before_r_$n=$2"
	else
		echo "bench: 4 MiB text x $n recipients: classify $a_c ms," \
		    "rewrite $a_r ms"
	fi
	eval "after_c_$n=$a_c after_r_$n=$a_r"
	rm -f "$tmp/sweep-$n.eml"
done
# shellcheck disable=SC2154
echo "bench: 1000 / 1 recipients: classify $(ratio "$after_c_1000" "$after_c_1")x," \
    "rewrite $(ratio "$after_r_1000" "$after_r_1")x (target <= 2)"
if [ -n "$bbench" ]; then
	# shellcheck disable=SC2154
	echo "bench: before: 1000 / 1 recipients: classify" \
	    "$(ratio "$before_c_1000" "$before_c_1")x, rewrite" \
	    "$(ratio "$before_r_1000" "$before_r_1")x"
fi

python3 "$src/bench/catastrophic-rules.py" "$tmp/catastrophic" 1000
python3 "$src/bench/gen-dsn.py" --recipients 100 --text-bytes 65536 \
    "$tmp/adversarial.eml"
a=$(cli_row "$cli" "$rules" "$tmp/catastrophic" "$tmp/adversarial.eml")
b=
[ -z "$bcli" ] || b=$(cli_row "$bcli" "$before_rules" "$tmp/catastrophic" \
    "$tmp/adversarial.eml")
show "1000 catastrophic site rules x 100 recipients (target <= 1 s)" "$a" "$b"
