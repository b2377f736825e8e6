#!/usr/bin/env bash
# package.sh - the Debian package, built, installed, used and purged.
#
# What it does, as root on a Debian machine:
#   1. builds the source and binary packages from a release tarball (the
#      one given, else one made with "make dist") plus debian/ of this
#      tree, the way Debian builds an upstream release: the tarball becomes
#      dsnexplain_VERSION.orig.tar.gz, and dpkg-buildpackage -us -uc runs
#      in its unpacked copy, never in this tree;
#   2. runs lintian on the .changes (the .dsc and the .deb): an error fails,
#      warnings are listed;
#   3. dpkg -i: checks the installed files, the conffiles, the man pages
#      (configured paths, nothing of /usr/local or an unsubstituted
#      @name@), the system user and group, postfix in that group, the
#      socket directory, "dsnexplain-milter -n" on the installed
#      configuration, "dsnexplain lint" on the installed rules, the unit
#      (enabled; systemd-analyze verify where systemd-analyze exists);
#   4. starts the installed milter: through systemd where systemd runs,
#      else the unit's ExecStart the way the unit runs it (its User,
#      Group, UMask and RuntimeDirectory); then, as the postfix user (as
#      Postfix would) with tests/milter/client.py on the installed socket,
#      a Postfix delay notice from tests/data/samples must come back
#      explained, byte for byte what the installed "dsnexplain rewrite"
#      makes of it; a user outside the group dsnexplain must be refused;
#   5. stops the milter (SIGTERM to the pid file's process), dpkg --purge,
#      and checks that the files, the directories, the user and the group
#      are gone.
# A real Postfix using the recipe is tests/mta/postfix.sh's job.
#
# Usage: tests/package.sh [TARBALL]
# Env: top_srcdir (default: this script's tree), DSNX_PACKAGE_WORK (work
# directory, default a new one under ${TMPDIR:-/tmp}, removed at the end),
# DSNX_PACKAGE_CHECK=yes (run "make check" inside the package build; by
# default nocheck, since tests/run-all.sh has run it), DSNX_LINTIAN=no.
# Exit 0 pass, 1 fail, 77 skip (not root, no dpkg-buildpackage; under
# CI=true a missing tool is a failure).  Holds /run/lock/dsnexplain-package
# so that two runs never install at once.  Refuses to run while a
# dsnexplain package is installed: it would replace and purge it.
# Wall time on 2 cores: about 2 minutes, most of it the build and lintian.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
tarball=${1:-}
sample=$top_srcdir/tests/data/samples/postfix-delay-warning-4.4.1.eml
client=$top_srcdir/tests/milter/client.py
t0=$(date +%s)

skip() {
	if [ "${CI:-}" = true ]; then
		echo "package.sh: FAIL: $* (CI=true)"
		exit 1
	fi
	echo "package.sh: SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "not root (dpkg -i needs it)"
for tool in dpkg dpkg-buildpackage dh python3 setpriv flock; do
	command -v "$tool" >/dev/null 2>&1 ||
	    skip "$tool is missing (apt-get install dpkg-dev debhelper python3 util-linux)"
done
[ -d "$top_srcdir/debian" ] || skip "no debian/ in $top_srcdir"

exec 9>/run/lock/dsnexplain-package
if ! flock -w 900 9; then
	echo "package.sh: FAIL: another package test holds /run/lock/dsnexplain-package"
	exit 1
fi
if dpkg-query -W -f='${Status}' dsnexplain 2>/dev/null | grep -q "installed"; then
	echo "package.sh: FAIL: a dsnexplain package is installed already" \
	    "(dpkg -l dsnexplain); this test would replace and purge it." \
	    "Purge it first: dpkg --purge dsnexplain"
	exit 1
fi

work=${DSNX_PACKAGE_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/dsnx-package.XXXXXX")}
mkdir -p "$work"
installed=0
milter_pidfile=""

failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }
check() {	# check DESCRIPTION command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
phase() { echo "== $1 ($(($(date +%s) - t0)) s)"; }

stop_milter() {
	local pid
	[ -n "$milter_pidfile" ] && [ -f "$milter_pidfile" ] || return 0
	pid=$(cat "$milter_pidfile")
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	return 1
}
# Never leave the package installed, whatever failed.
cleanup() {
	if [ "$installed" = 1 ]; then
		stop_milter
		dpkg_run --purge dsnexplain >/dev/null 2>&1
	fi
	[ -n "${peerdir:-}" ] && rm -rf "$peerdir"
	[ -n "${DSNX_PACKAGE_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# dpkg ARGS...: waits while another package manager holds dpkg's lock.
dpkg_run() {
	local out rc
	for _ in $(seq 120); do
		out=$(dpkg "$@" 2>&1)
		rc=$?
		if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "lock"; then
			sleep 2
			continue
		fi
		printf '%s\n' "$out"
		return $rc
	done
	printf '%s\n' "$out"
	return 1
}

# ------------------------------------------------------------ 1. build
phase "1/5 source and binary packages"
rm -rf "$work/pkg" "$work/dist"
if [ -z "$tarball" ]; then
	echo "making a release tarball (make dist)"
	mkdir -p "$work/dist"
	if ! (cd "$top_srcdir" && { [ -x configure ] || ./autogen.sh; }) >"$work/dist.log" 2>&1 ||
	    ! (cd "$work/dist" && "$top_srcdir/configure" -q && make -s dist) \
	    >>"$work/dist.log" 2>&1; then
		tail -30 "$work/dist.log"
		echo "package.sh: FAIL: make dist"
		exit 1
	fi
	tarball=$(ls "$work"/dist/dsnexplain-*.tar.gz)
fi
[ -f "$tarball" ] || { echo "package.sh: FAIL: no tarball $tarball"; exit 1; }
version=$(basename "$tarball" .tar.gz)
version=${version#dsnexplain-}
debversion=$(dpkg-parsechangelog -l "$top_srcdir/debian/changelog" -S Version)
if [ "${debversion%-*}" != "$version" ]; then
	echo "package.sh: FAIL: debian/changelog is at $debversion, the tarball at $version"
	exit 1
fi
mkdir -p "$work/pkg"
cp "$tarball" "$work/pkg/dsnexplain_$version.orig.tar.gz"
tar -xzf "$tarball" -C "$work/pkg"
src=$work/pkg/dsnexplain-$version
# debian/ as in the tree, without what a build in the tree leaves there.
tar -C "$top_srcdir" --exclude=debian/.debhelper --exclude=debian/build \
    --exclude=debian/tmp --exclude=debian/dsnexplain --exclude=debian/files \
    --exclude='debian/*.substvars' --exclude='debian/*.log' \
    --exclude='debian/*.debhelper' --exclude=debian/debhelper-build-stamp \
    -cf - debian | tar -C "$src" -xf -
opts="parallel=$(nproc 2>/dev/null || echo 2)"
[ "${DSNX_PACKAGE_CHECK:-no}" = yes ] || opts="nocheck $opts"
b0=$(date +%s)
if ! (cd "$src" && DEB_BUILD_OPTIONS="$opts" dpkg-buildpackage -us -uc) \
    >"$work/build.log" 2>&1; then
	tail -60 "$work/build.log"
	echo "package.sh: FAIL: dpkg-buildpackage"
	exit 1
fi
arch=$(dpkg --print-architecture)
deb=$work/pkg/dsnexplain_${debversion}_$arch.deb
changes=$work/pkg/dsnexplain_${debversion}_$arch.changes
check "dpkg-buildpackage -us -uc built the .dsc and the .deb ($(($(date +%s) - b0)) s)" \
    test -f "$deb" -a -f "$work/pkg/dsnexplain_$debversion.dsc" -a -f "$changes"

# ------------------------------------------------------------ 2. lintian
phase "2/5 lintian"
if [ "${DSNX_LINTIAN:-yes}" = no ]; then
	echo "lintian: skipped (DSNX_LINTIAN=no)"
elif ! command -v lintian >/dev/null 2>&1; then
	[ "${CI:-}" = true ] && fail "lintian is missing (CI=true)" ||
	    echo "lintian: SKIP: not installed (apt-get install lintian)"
else
	l0=$(date +%s)
	lintian --tag-display-limit 0 "$changes" >"$work/lintian.log" 2>&1
	sed 's/^/  /' "$work/lintian.log"
	e=$(grep -c '^E: ' "$work/lintian.log")
	w=$(grep -c '^W: ' "$work/lintian.log")
	check "lintian on the .dsc and the .deb: $e errors, $w warnings ($(($(date +%s) - l0)) s)" \
	    test "$e" -eq 0
fi

# ------------------------------------------------------------ 3. install
phase "3/5 dpkg -i"
if dpkg_run -i "$deb" >"$work/install.log" 2>&1; then
	installed=1
	ok "dpkg -i"
else
	installed=1	# half-installed counts: purge it on exit
	cat "$work/install.log"
	echo "package.sh: FAIL: dpkg -i"
	exit 1
fi

missing=$failed failed=0
for f in /usr/sbin/dsnexplain-milter /usr/bin/dsnexplain \
    /usr/share/dsnexplain/rules/causes.json /usr/share/dsnexplain/rules/strings.json \
    /etc/dsnexplain/dsnexplain-milter.conf /lib/systemd/system/dsnexplain-milter.service \
    /usr/lib/tmpfiles.d/dsnexplain.conf /usr/share/man/man1/dsnexplain.1.gz \
    /usr/share/man/man5/dsnexplain-rules.5.gz /usr/share/man/man8/dsnexplain-milter.8.gz \
    /usr/share/doc/dsnexplain/copyright /usr/share/doc/dsnexplain/README.Debian.gz \
    /usr/share/doc/dsnexplain/examples/main.cf.snippet \
    /usr/share/doc/dsnexplain/examples/dsnexplain.mc; do
	[ -e "$f" ] || fail "installed: $f is missing"
done
for d in "$top_srcdir"/contrib/postfix "$top_srcdir"/contrib/sendmail; do
	for f in "$d"/*; do
		[ -e "/usr/share/doc/dsnexplain/examples/${f##*/}" ] ||
		    [ -e "/usr/share/doc/dsnexplain/examples/${f##*/}.gz" ] ||
		    fail "installed: examples/${f##*/} (from contrib/) is missing"
	done
done
[ "$failed" -eq 0 ] && ok "installed: the programs, rules, configuration, unit, tmpfiles.d entry, pages, docs and examples"
failed=$((failed | missing))
check "installed: /etc/dsnexplain/rules.d is a directory" test -d /etc/dsnexplain/rules.d
n=$(ls /usr/share/dsnexplain/rules/*.json | wc -l)
check "installed: $n rule files, as many as rules/ has" \
    test "$n" -eq "$(ls "$top_srcdir"/rules/*.json | wc -l)"
check "the library is linked in, not installed" \
    sh -c '! ls /usr/lib/*/libdsnexplain* /usr/include/dsnexplain.h >/dev/null 2>&1'
check "conffile: /etc/dsnexplain/dsnexplain-milter.conf" \
    sh -c "dpkg-query -W -f='\${Conffiles}' dsnexplain | grep -q ' /etc/dsnexplain/dsnexplain-milter.conf '"
bad=$(for p in /usr/share/man/man*/dsnexplain*.gz; do
	zcat "$p" | grep -n '/usr/local\|PKGDATADIR\|SYSCONFDIR\|@[A-Za-z_][A-Za-z_]*@' |
	    sed "s,^,${p##*/}:,"
done)
check "man pages: configured paths only${bad:+ ($bad)}" test -z "$bad"
check "dsnexplain(1) documents rewrite" \
    sh -c 'zcat /usr/share/man/man1/dsnexplain.1.gz | grep -q "^\.B rewrite"'
check "the compiled defaults are the installed paths" \
    sh -c 'dsnexplain --help | grep -q "/usr/share/dsnexplain/rules" &&
        dsnexplain-milter -h 2>&1 | grep -q "/etc/dsnexplain/dsnexplain-milter.conf"'

# The user and the group.
pw=$(getent passwd dsnexplain)
uid=$(echo "$pw" | cut -d: -f3)
check "system user dsnexplain (uid $uid, no login shell)" \
    sh -c "[ -n '$pw' ] && [ '$uid' -lt 1000 ] && echo '$pw' | grep -q ':/usr/sbin/nologin$'"
check "system group dsnexplain" sh -c 'getent group dsnexplain >/dev/null'
if getent passwd postfix >/dev/null; then
	check "postfix is in the group dsnexplain" \
	    sh -c 'id -Gn postfix | tr " " "\n" | grep -qx dsnexplain'
fi
sockdir=/var/spool/postfix/dsnexplain
check "socket directory $sockdir: dsnexplain:dsnexplain 0750" \
    test "$(stat -c '%U:%G %a' "$sockdir" 2>/dev/null)" = "dsnexplain:dsnexplain 750"

# The configuration as installed, read as the milter's user reads it.
if setpriv --reuid=dsnexplain --regid=dsnexplain --init-groups \
    dsnexplain-milter -n >"$work/n.log" 2>&1; then
	ok "dsnexplain-milter -n on the installed configuration: $(tail -1 "$work/n.log")"
else
	cat "$work/n.log"
	fail "dsnexplain-milter -n on the installed configuration"
fi
check "the default socket is unix:$sockdir/milter.sock" \
    grep -q "^Socket *unix:$sockdir/milter.sock$" "$work/n.log"
check "dsnexplain lint on the installed rules" sh -c 'dsnexplain lint >/dev/null 2>&1'

# The unit.
unit=/lib/systemd/system/dsnexplain-milter.service
check "the unit is enabled (multi-user.target.wants)" \
    test -L /etc/systemd/system/multi-user.target.wants/dsnexplain-milter.service
if command -v systemd-analyze >/dev/null 2>&1; then
	if systemd-analyze verify "$unit" >"$work/verify.log" 2>&1; then
		ok "systemd-analyze verify $unit"
	else
		cat "$work/verify.log"
		fail "systemd-analyze verify $unit"
	fi
else
	echo "systemd-analyze verify: skipped (no systemd-analyze)"
fi

# ------------------------------------------------------------ 4. use it
phase "4/5 the installed milter explains a notice"
unit_key() { sed -n "s/^$1=//p" "$unit" | tail -1; }
pidfile=$(unit_key PIDFile)
if [ -d /run/systemd/system ]; then
	# postinst started it.
	check "systemd runs dsnexplain-milter" systemctl is-active --quiet dsnexplain-milter
else
	# What systemd would do: RuntimeDirectory, then ExecStart as User and
	# Group with UMask; Type=forking returns once the socket listens.
	user=$(unit_key User) group=$(unit_key Group) umask=$(unit_key UMask)
	rtdir=$(unit_key RuntimeDirectory) rtmode=$(unit_key RuntimeDirectoryMode)
	install -d -o "$user" -g "$group" -m "${rtmode:-0755}" "/run/$rtdir"
	milter_pidfile=$pidfile
	if setpriv --reuid="$user" --regid="$group" --init-groups \
	    sh -c "umask ${umask:-0022}; exec $(unit_key ExecStart)" >"$work/start.log" 2>&1; then
		ok "ExecStart as $user:$group, umask $umask: started"
	else
		cat "$work/start.log"
		fail "ExecStart as $user:$group did not start"
	fi
fi
check "pid file $pidfile names a live process" \
    sh -c "[ -f '$pidfile' ] && kill -0 \$(cat '$pidfile')"
check "socket $sockdir/milter.sock: dsnexplain:dsnexplain 0660" \
    test "$(stat -c '%F %U:%G %a' "$sockdir/milter.sock" 2>/dev/null)" = \
    "socket dsnexplain:dsnexplain 660"

# As the postfix user (with its groups, as Postfix's daemons have them)
# when there is one: that is the permission path Postfix takes.
peer=root
getent passwd postfix >/dev/null && peer=postfix
# The client writes its summary and the wire bytes as that user, and runs
# with Debian's python3 (a python3 earlier in root's PATH, under /root,
# is out of that user's reach).
# The source tree and $work may sit where those users cannot reach (a
# clone under a mode 0700 mktemp directory): the peers get a directory of
# their own, with copies of the client and the sample.
peerdir=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-peer.XXXXXX") && chmod 1777 "$peerdir"
cp "$client" "$peerdir/client.py" && cp "$sample" "$peerdir/sample.eml" \
    && chmod 644 "$peerdir/client.py" "$peerdir/sample.eml"
client=$peerdir/client.py
sample=$peerdir/sample.eml
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
send() {	# send USER TAG: the sample through the installed socket
	setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups \
	    "$py" "$client" "unix:$sockdir/milter.sock" "$sample" --from '' \
	    --rcpt sender@example.com --macro i=PKGTEST --timeout 20 \
	    --summary "$peerdir/$2.json" --wire "$peerdir/$2.wire" \
	    >"$work/$2.out" 2>"$work/$2.err"
}
if send "$peer" notice && [ -s "$work/notice.out" ] && [ -s "$peerdir/notice.wire" ]; then
	ok "client.py as $peer: the exchange completed"
	check "the notice came back explained (X-DSN-Explain)" \
	    grep -q '^X-DSN-Explain: v=1;' "$work/notice.out"
	dsnexplain rewrite "$peerdir/notice.wire" >"$work/notice.cli" 2>"$work/notice.cli.err"
	check "the installed milter's result == the installed dsnexplain rewrite" \
	    cmp -s "$work/notice.out" "$work/notice.cli"
	check "control: the result differs from the notice sent" \
	    sh -c "! cmp -s '$work/notice.out' '$peerdir/notice.wire'"
else
	cat "$work/notice.err" "$peerdir/notice.json" 2>/dev/null
	fail "client.py as $peer on unix:$sockdir/milter.sock"
fi
if getent passwd nobody >/dev/null; then
	if send nobody refused; then
		fail "the socket let in nobody, who is not in the group dsnexplain"
	elif grep -qi "permission denied" "$work/refused.err" "$peerdir/refused.json" 2>/dev/null; then
		ok "a user outside the group dsnexplain is refused by the socket's permissions"
	else
		cat "$work/refused.err" "$peerdir/refused.json" 2>/dev/null
		fail "nobody's attempt failed, but not with a permission error"
	fi
fi
if [ -n "$milter_pidfile" ]; then
	check "SIGTERM stops the milter" stop_milter
	check "the socket and the pid file are removed at the stop" \
	    sh -c "[ ! -e '$sockdir/milter.sock' ] && [ ! -e '$pidfile' ]"
	milter_pidfile=""
fi

# ------------------------------------------------------------ 5. purge
phase "5/5 dpkg --purge"
if dpkg_run --purge dsnexplain >"$work/purge.log" 2>&1; then
	installed=0
	ok "dpkg --purge"
else
	cat "$work/purge.log"
	fail "dpkg --purge"
fi
for f in /usr/sbin/dsnexplain-milter /usr/bin/dsnexplain /usr/share/dsnexplain \
    /etc/dsnexplain /lib/systemd/system/dsnexplain-milter.service \
    /usr/lib/tmpfiles.d/dsnexplain.conf /usr/share/doc/dsnexplain \
    /usr/share/man/man8/dsnexplain-milter.8.gz "$sockdir" /run/dsnexplain \
    /etc/systemd/system/multi-user.target.wants/dsnexplain-milter.service; do
	[ -e "$f" ] || [ -L "$f" ] && fail "purged, yet $f is still there"
done
check "purged: the user dsnexplain is gone" sh -c '! getent passwd dsnexplain >/dev/null'
check "purged: the group dsnexplain is gone" sh -c '! getent group dsnexplain >/dev/null'
check "purged: dpkg knows no dsnexplain" \
    sh -c '! dpkg-query -W -f="\${Status}" dsnexplain 2>/dev/null | grep -q installed'

echo "package.sh: $(($(date +%s) - t0)) s"
if [ "$failed" -ne 0 ]; then
	echo "package.sh: FAIL"
	exit 1
fi
echo "package.sh: all passed"
exit 0
