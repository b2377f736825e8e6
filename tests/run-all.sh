#!/usr/bin/env bash
# Runs the whole test suite from a fresh checkout on Debian 12: installs the
# build dependencies (when run as root), then, in its own directory
# (build/run-all/ of this tree, or $DSNX_RUN_ALL_DIR) and never in the
# tree itself:
#   0. exports the sources (git's tracked and untracked-but-not-ignored
#      files, as they are in the work tree; outside git a copy of the tree)
#      and bootstraps autotools in the export, so that a build of the
#      user's own, in the tree or beside it, is never touched;
#   1. builds with -Werror plus ASan/UBSan and runs `make check`
#      (unit tests, hostile-input tests, corpus test, CLI tests);
#   2. builds with -Werror alone and runs every unit test under valgrind;
#   3. runs `make distcheck`;
#   4. builds the Debian package from that release tarball, installs,
#      uses and purges it (tests/package.sh; as root, else skipped);
#   5. scores `dsnexplain classify` with ../shared/tools/score-classify.py
#      when the shared corpus is beside the checkout.
# Exit status is non-zero when any step fails.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
work=${DSNX_RUN_ALL_DIR:-$top/build/run-all}
src=$work/src

# postfix: the real-MTA tests run private instances of it; liblockfile1,
# libwrap0 and m4 are what an unpacked (dpkg -x) Sendmail needs.
# dpkg-dev, debhelper, dh-autoreconf, fakeroot, lintian: the package test
# (dpkg-buildpackage needs no devscripts).  tzdata: the time zone tests
# read Europe/Berlin; strace: lint reads files once.  neomutt, tmux:
# tests/mutt.sh reads rewritten bounces in a real text mail client.
# clang and its libFuzzer runtime: tests/fuzz-smoke.sh.
packages="build-essential autoconf automake libtool pkg-config libmilter-dev
  libpcre2-dev libjansson-dev check valgrind python3 libsisimai-perl
  libmail-deliverystatus-bounceparser-perl
  postfix postfix-pcre liblockfile1 libwrap0 m4
  dpkg-dev debhelper dh-autoreconf fakeroot lintian git tzdata strace
  neomutt tmux clang libclang-rt-14-dev"
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

echo "== 0/5 exporting the sources to $src"
rm -rf "$src"
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# What the work tree holds, edits included, and nothing git ignores
	# (no configure output, no build directory); a deleted file is skipped.
	git -C "$top" ls-files -z --cached --others --exclude-standard \
		| tar -C "$top" --null -T - --ignore-failed-read -cf - 2>/dev/null \
		| tar -C "$src" -xf -
else
	tar -C "$top" --exclude=./build -cf - . | tar -C "$src" -xf -
	# A tree configured in place: clean the copy, not the tree.
	if [ -f "$src/config.status" ]; then
		(cd "$src" && make -s distclean >/dev/null 2>&1) || {
			echo "run-all: cannot clean the copy of a tree configured in place;" \
				"run from a clean checkout" >&2
			exit 2
		}
	fi
fi
# The tests look for the shared corpus beside their source tree.
rm -f "$work/shared"
[ -d "$top/../shared" ] && ln -s "$(cd "$top/../shared" && pwd)" "$work/shared"

echo "== bootstrapping autotools"
(cd "$src" && { ./autogen.sh >/dev/null 2>&1 || ./autogen.sh; })

build() {	# build DIR CONFIGURE-ARGS...
	local dir=$1; shift
	rm -rf "$dir" && mkdir -p "$dir"
	(cd "$dir" && "$src/configure" -q "$@" && make -s -j"$jobs")
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

echo "== 1/5 build with -Werror, ASan and UBSan; make check"
build "$work/asan" --enable-werror --enable-sanitizers
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$work/asan" && make -s -j"$jobs" check) || { show_failures "$work/asan"; exit 1; }
grep -h '^corpus:' "$work/asan/tests/test_corpus.log" || true
# 20 s each keeps the whole run under 20 minutes on 2 cores; the long
# campaigns are run with FUZZ_SECONDS set by hand.
echo "== 1/5 (cont.) the libFuzzer targets, 20 s each (tests/fuzz-smoke.sh)"
rc=0
(cd "$work/asan" && top_srcdir=$src top_builddir=$work/asan FUZZ_SECONDS=20 \
	sh "$src/tests/fuzz-smoke.sh") || rc=$?
case $rc in 0|77) ;; *) exit 1 ;; esac

echo "== 2/5 build with -Werror; unit tests under valgrind memcheck"
unset ASAN_OPTIONS UBSAN_OPTIONS
build "$work/plain" --enable-werror
(cd "$work/plain" && make -s -j"$jobs" check-valgrind)

echo "== 3/5 make distcheck"
# The real-MTA tests ran in step 1; distcheck checks the tarball.
(cd "$work/plain" && DSNX_MTA_TESTS=no make -s distcheck >distcheck.log 2>&1) \
	|| { tail -60 "$work/plain/distcheck.log"; exit 1; }
echo "distcheck: passed"

echo "== 4/5 the Debian package (tests/package.sh)"
# From the tarball distcheck just checked, as Debian builds a release.
rc=0
top_srcdir=$src DSNX_PACKAGE_WORK=$work/deb \
	bash "$src/tests/package.sh" "$work"/plain/dsnexplain-*.tar.gz || rc=$?
case $rc in
0) ;;
77) ;;	# package.sh said why
*) exit 1 ;;
esac

echo "== 5/5 corpus scores"
shared="$top/../shared"
if [ -f "$shared/tools/score-classify.py" ]; then
	python3 "$shared/tools/score-classify.py" \
		--manifest "$shared/corpus/sisimai/manifest.jsonl" \
		--root "$shared/corpus/sisimai" \
		--cmd "$work/plain/cli/dsnexplain classify --rules $src/rules --json" --batch | tail -1
	python3 "$shared/tools/score-classify.py" \
		--manifest "$shared/corpus/mta-generated/manifest.jsonl" \
		--root "$shared/corpus/mta-generated" \
		--cmd "$work/plain/cli/dsnexplain classify --rules $src/rules --json" --batch | tail -1
else
	echo "corpus scores: skipped (no ../shared beside the checkout)"
fi
echo "run-all: all passed"
