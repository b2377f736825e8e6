#!/bin/sh
# rules-installed.sh - every shipped rule file is installed
#
# The rule files are listed by hand in Makefile.am (dist_rules_DATA), so
# a new rules/*.json that is not added there would be silently left out
# of "make install" and of the tarball.  This test fails, naming the
# file, when any rules/*.json or rules/README.md of the source tree is
# missing from that list (or the list names a file that is not there),
# and then runs the install target of that list ("make
# install-dist_rulesDATA DESTDIR=...") and checks that every
# listed file arrives, byte for byte, in one rules directory.
#
# Run by "make check" with top_srcdir and top_builddir in the environment.
# Exit status: 0 pass, 1 fail.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-rules-installed.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 15

failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# The install list: the dist_rules_DATA assignment with its continuation
# lines, one "rules/NAME" per line.
awk '
	/^dist_rules_DATA[ \t]*=/ { on = 1; sub(/^[^=]*=/, "") }
	on { line = $0; more = sub(/\\[ \t]*$/, "", line)
	     n = split(line, w, /[ \t]+/)
	     for (i = 1; i <= n; i++) if (w[i] != "") print w[i]
	     if (!more) exit }
' "$top_srcdir/Makefile.am" | sort >"$tmp/listed"
if [ ! -s "$tmp/listed" ]; then
	echo "FAIL: no dist_rules_DATA list in $top_srcdir/Makefile.am"
	exit 1
fi

(cd "$top_srcdir" && ls rules/*.json rules/README.md) | sort >"$tmp/present"
for f in $(comm -23 "$tmp/present" "$tmp/listed"); do
	fail "$f is not in dist_rules_DATA in Makefile.am: it would not be installed"
done
for f in $(comm -13 "$tmp/present" "$tmp/listed"); do
	fail "Makefile.am installs $f, which is not in the source tree"
done

# A real installation of the rule files into a scratch DESTDIR, by the
# target "make install" runs for them.  Only that target: a whole
# "make install" has libtool relink the library in the build tree,
# which pulls it from under the tests running beside this one.  The
# environment of the make running this test is not passed on (no
# jobserver to share).
dest="$tmp/dest"
if ! (cd "$top_builddir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    make -s install-dist_rulesDATA DESTDIR="$dest") >"$tmp/install.log" 2>&1; then
	fail "make install DESTDIR=$dest failed"
	tail -20 "$tmp/install.log"
else
	dirs=$(find "$dest" -type f -name causes.json -path '*/dsnexplain/rules/*' \
	    -exec dirname {} \;)
	if [ -z "$dirs" ] || [ "$(echo "$dirs" | wc -l)" -ne 1 ]; then
		fail "make install made no single dsnexplain/rules directory:" \
		    "${dirs:-none}"
	else
		for f in $(cat "$tmp/listed"); do
			base=${f#rules/}
			if [ ! -f "$dirs/$base" ]; then
				fail "make install did not install $f into ${dirs#$dest}"
			elif ! cmp -s "$top_srcdir/$f" "$dirs/$base"; then
				fail "the installed $base differs from $f"
			fi
		done
		for f in "$dirs"/*; do
			grep -qx "rules/${f##*/}" "$tmp/listed" \
			    || fail "make install put ${f#$dest}, which is not listed"
		done
	fi
fi

if [ "$failures" -gt 0 ]; then
	echo "rules-installed.sh: $failures failure(s)"
	exit 1
fi
echo "rules-installed.sh: all $(wc -l <"$tmp/listed") rule files listed and installed"
