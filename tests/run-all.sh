#!/usr/bin/env bash
# Runs the whole test suite from a fresh checkout on Debian 12: installs the
# build dependencies (when run as root), bootstraps autotools, then
#   1. builds with -Werror plus ASan/UBSan and runs `make check`
#      (unit tests, hostile-input tests, corpus test, CLI tests);
#   2. builds with -Werror alone and runs every unit test under valgrind;
#   3. runs `make distcheck`;
#   4. scores `dsnexplain classify` with ../shared/tools/score-classify.py
#      when the shared corpus is beside the checkout.
# Exit status is non-zero when any step fails.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

# postfix: the real-MTA tests run private instances of it; liblockfile1,
# libwrap0 and m4 are what an unpacked (dpkg -x) Sendmail needs; tzdata:
# the time zone tests read Europe/Berlin; strace: lint reads files once.
packages="build-essential autoconf automake libtool pkg-config libmilter-dev
  libpcre2-dev libjansson-dev check valgrind python3 libsisimai-perl
  postfix postfix-pcre liblockfile1 libwrap0 m4 tzdata strace"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
		|| missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "run-all: missing Debian packages:$missing (run as root to install)" >&2
		exit 2
	fi
	echo "== installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# "No configuration": no /etc/postfix/main.cf, no system Postfix
	# started; the tests bring their own.
	echo "postfix postfix/main_mailer_type select No configuration" \
		| debconf-set-selections
	echo "postfix postfix/mailname string localhost" | debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq $missing >/dev/null
fi

# The builds below are out of tree; automake refuses those while the
# source tree itself is configured.
if [ -f config.status ]; then
	echo "== the source tree is configured in place: make distclean"
	make -s distclean >/dev/null 2>&1 || rm -f config.status
fi

echo "== bootstrapping autotools"
./autogen.sh >/dev/null 2>&1 || ./autogen.sh

build() {	# build DIR CONFIGURE-ARGS...
	local dir=$1; shift
	rm -rf "$dir" && mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@" && make -s -j"$jobs")
}

show_failures() {
	local dir=$1
	for log in "$dir"/tests/*.log; do
		[ -f "$log" ] || continue
		grep -q '^:test-result: \(FAIL\|ERROR\)' "${log%.log}.trs" 2>/dev/null \
			&& { echo "---- $log"; tail -50 "$log"; }
	done
	return 0
}

echo "== 1/4 build with -Werror, ASan and UBSan; make check"
build build/asan --enable-werror --enable-sanitizers
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build/asan && make -s -j"$jobs" check) || { show_failures build/asan; exit 1; }
grep -h '^corpus:' build/asan/tests/test_corpus.log || true

echo "== 2/4 build with -Werror; unit tests under valgrind memcheck"
unset ASAN_OPTIONS UBSAN_OPTIONS
build build/plain --enable-werror
(cd build/plain && make -s -j"$jobs" check-valgrind)

echo "== 3/4 make distcheck"
# The real-MTA tests ran in step 1; distcheck checks the tarball.
(cd build/plain && DSNX_MTA_TESTS=no make -s distcheck >distcheck.log 2>&1) \
	|| { tail -60 build/plain/distcheck.log; exit 1; }
echo "distcheck: passed"

echo "== 4/4 corpus scores"
shared="$top/../shared"
if [ -f "$shared/tools/score-classify.py" ]; then
	python3 "$shared/tools/score-classify.py" \
		--manifest "$shared/corpus/sisimai/manifest.jsonl" \
		--root "$shared/corpus/sisimai" \
		--cmd "build/plain/cli/dsnexplain classify --rules rules --json" --batch | tail -1
	python3 "$shared/tools/score-classify.py" \
		--manifest "$shared/corpus/mta-generated/manifest.jsonl" \
		--root "$shared/corpus/mta-generated" \
		--cmd "build/plain/cli/dsnexplain classify --rules rules --json" --batch | tail -1
else
	echo "corpus scores: skipped (no ../shared beside the checkout)"
fi
echo "run-all: all passed"
