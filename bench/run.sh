#!/bin/sh
# Runs the benchmarks side by side on the shared corpus and prints figures:
#   1. parse and extract only;
#   2. the same plus classification with the shipped rules;
#   3. the same with the rule set grown tenfold (bench/grow-rules.py),
#      and the time ratio of 3 to 2;
#   4. the whole rewrite (parse, classify, render, rewrite) per message;
#   5. peak memory rewriting a 25 MB bounce (bench_memory).  Usage: bench/run.sh [BUILD_DIR [SRC_DIR]].
set -eu
build=${1:-.}
src=${2:-.}
corpus="$src/../shared/corpus"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
set -- "$corpus/sisimai/eml" "$corpus/mta-generated"
"$build/bench/bench_parse" -n 40 "$@"
python3 "$src/bench/grow-rules.py" "$src/rules" "$tmp/rules10" 10
shipped=$("$build/bench/bench_parse" -n 40 -r "$src/rules" "$@")
echo "$shipped"
grown=$("$build/bench/bench_parse" -n 40 -r "$tmp/rules10" "$@")
echo "$grown"
rate() { echo "$1" | sed 's/.*passes: \([0-9]*\) messages.*/\1/'; }
"$build/bench/bench_parse" -n 20 -r "$src/rules" -w "$@"
"$build/bench/bench_memory" "$src/rules" 25
awk -v a="$(rate "$shipped")" -v b="$(rate "$grown")" 'BEGIN {
	printf "bench: 10x rules take %.2fx the time of the shipped rules\n", a / b }'
