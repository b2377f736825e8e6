#!/bin/sh
# fuzz-smoke.sh - runs every libFuzzer target of fuzz/ for a while
#
# First each target runs once on its regression inputs
# (tests/data/fuzz-regress/TARGET/*: inputs that crashed it before a fix);
# then each is fuzzed for FUZZ_SECONDS (30) seconds, niced, one at a time,
# from seeds made by fuzz/make-seeds.py out of tests/data, rules/ and the
# shared corpus, with fuzz/dsn.dict and inputs up to 1 MiB.  Any crash,
# leak, timeout or broken invariant fails the test (libFuzzer's exit 99,
# 98 for a timeout: not 77, its default, which says "skipped" here); the
# input is kept in the work directory and its path printed.  Exit 77 (skipped) when clang
# cannot build a libFuzzer program.
#
# Environment: top_srcdir, top_builddir (as "make check" sets them; else
# the tree of this script and the current directory); FUZZ_SECONDS;
# FUZZ_TARGETS (default: all); FUZZ_WORK (corpora, logs, crashes; default
# a new temporary directory, removed after a run that passed); FUZZ_CORPUS
# (default top_srcdir/../shared/corpus); FUZZ_NICE (10); FUZZ_MAX_LEN
# (1048576); FUZZ_TIMEOUT (seconds per input, 25); FUZZ_CC (clang).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
seconds=${FUZZ_SECONDS:-30}
targets=${FUZZ_TARGETS:-"classify rewrite rules settings mlfi"}
corpus=${FUZZ_CORPUS:-$top_srcdir/../shared/corpus}
nice=${FUZZ_NICE:-10}
max_len=${FUZZ_MAX_LEN:-1048576}
timeout=${FUZZ_TIMEOUT:-25}
cc=${FUZZ_CC:-clang}

if [ -n "${FUZZ_WORK:-}" ]; then
	work=$FUZZ_WORK
	keep=1
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-smoke.XXXXXX") || exit 1
	keep=0
fi
mkdir -p "$work"

# Can this clang link a libFuzzer program at all?
probe=$work/probe
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	'{ (void)d; (void)n; return 0; }' >"$probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" \
	>"$probe.log" 2>&1; then
	echo "fuzz-smoke: skipped: $cc cannot build a libFuzzer program" \
		"(Debian: apt-get install clang libclang-rt-14-dev)"
	sed 's/^/  /' "$probe.log" | head -5
	[ "$keep" = 1 ] || rm -rf "$work"
	exit 77
fi

echo "fuzz-smoke: building the targets (make fuzz)"
if ! make -s -C "$top_builddir" fuzz FUZZ_CC="$cc" >"$work/build.log" 2>&1; then
	tail -30 "$work/build.log"
	echo "fuzz-smoke: FAIL: make fuzz"
	exit 1
fi
bin=$top_builddir/fuzz

if ! python3 "$top_srcdir/fuzz/make-seeds.py" "$top_srcdir" "$work/seeds" \
	"$corpus"; then
	echo "fuzz-smoke: FAIL: fuzz/make-seeds.py"
	exit 1
fi

status=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in $targets; do
	prog=$bin/fuzz_$t
	if [ ! -x "$prog" ]; then
		echo "fuzz-smoke: FAIL: no $prog"
		status=1
		continue
	fi
	# The regression inputs: each must now pass.
	regress=$top_srcdir/tests/data/fuzz-regress/$t
	if [ -d "$regress" ] && [ -n "$(ls "$regress")" ]; then
		if "$prog" -timeout="$timeout" -rss_limit_mb=4096 "$regress"/* \
			>"$work/$t.regress.log" 2>&1; then
			echo "fuzz-smoke: $t: $(ls "$regress" | wc -l) regression input(s) pass"
		else
			grep -E 'ERROR|invariant|Running:' "$work/$t.regress.log" | tail -5
			echo "fuzz-smoke: FAIL: $t: a regression input fails ($work/$t.regress.log)"
			status=1
			continue
		fi
	fi
	mkdir -p "$work/corpus/$t" "$work/crashes"
	nice -n "$nice" "$prog" -max_total_time="$seconds" -max_len="$max_len" \
		-timeout="$timeout" -rss_limit_mb=4096 -print_final_stats=1 \
		-error_exitcode=99 -timeout_exitcode=98 \
		-dict="$top_srcdir/fuzz/dsn.dict" \
		-artifact_prefix="$work/crashes/$t-" \
		"$work/corpus/$t" "$work/seeds/$t" >"$work/$t.log" 2>&1
	rc=$?
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$t.log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
	cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	rate=$(echo "$done_line" | sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p')
	if [ "$rc" -ne 0 ]; then
		grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$work/$t.log" | tail -8
		echo "fuzz-smoke: FAIL: $t (exit $rc; log $work/$t.log)"
		status=1
	else
		echo "fuzz-smoke: $t: ${seconds}s, execs ${execs:-?}, cov ${cov:-?}," \
			"ft ${ft:-?}, exec/s ${rate:-?}, no finding"
	fi
done
if [ "$status" -eq 0 ] && [ "$keep" = 0 ]; then
	rm -rf "$work"
fi
exit $status
