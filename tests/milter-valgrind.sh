#!/bin/sh
# milter-valgrind - dsnexplain-milter under valgrind memcheck.
#
# Runs the daemon (supervisor and forked worker) under valgrind, sends
# it the sample DSNs and a few hostile messages with tests/milter/
# client.py, reloads it once, stops it with SIGTERM, and fails on any
# memory error or definite leak in either process.  Run by
# `make check-valgrind` from a build without sanitizers; it does not
# check what the milter writes (tests/milter.sh does).
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
milter=$top_builddir/milter/dsnexplain-milter
client=$top_srcdir/tests/milter/client.py
tmp=$(mktemp -d /tmp/dsnx-vg.XXXXXX)
pidfile=$tmp/milter.pid
cleanup() {
	if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
	sleep 1
	rm -rf "$tmp"
}
trap cleanup EXIT

DSNX_VALGRIND=1 $top_builddir/libtool --mode=execute valgrind -q \
	--trace-children=no --child-silent-after-fork=no \
	--leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect \
	--suppressions="$top_srcdir/tests/valgrind.supp" \
	--log-file="$tmp/vg.%p.log" \
	"$milter" -f -o Syslog=no -p "unix:$tmp/m.sock" -r "$top_srcdir/rules" \
	-s none -P "$pidfile" -o SocketMode=0666 2>"$tmp/milter.log" &
i=0
while [ ! -S "$tmp/m.sock" ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || { echo "milter-valgrind: the milter never listened"; cat "$tmp/milter.log"; exit 1; }
	sleep 0.1
done

printf 'no header at all\n' >"$tmp/noheader.eml"
printf 'Subject: x\nContent-Type: multipart/report; boundary="b"\n\n--b\n--b--\n' >"$tmp/broken.eml"
n=0
for f in "$top_srcdir"/tests/data/samples/*.eml "$tmp/noheader.eml" "$tmp/broken.eml"; do
	python3 "$client" --from '<>' "$tmp/m.sock" "$f" >/dev/null 2>&1 \
		|| { echo "milter-valgrind: client failed on $f"; cat "$tmp/milter.log"; exit 1; }
	n=$((n + 1))
done
python3 "$client" --from '' --chunk 512 --disconnect-after-chunk 1 "$tmp/m.sock" \
	"$top_srcdir/tests/data/samples/postfix-delay-warning-4.4.1.eml" >/dev/null 2>&1 || true
kill -HUP "$(cat "$pidfile")"
sleep 3
python3 "$client" --from '<>' "$tmp/m.sock" \
	"$top_srcdir/tests/data/samples/postfix-delay-warning-4.4.1.eml" >/dev/null 2>&1 \
	|| { echo "milter-valgrind: client failed after the reload"; exit 1; }
kill "$(cat "$pidfile")"
i=0
while [ -f "$pidfile" ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || { echo "milter-valgrind: the milter did not stop"; exit 1; }
	sleep 0.1
done
sleep 1
enriched=$(grep -c ': enriched:' "$tmp/milter.log" || true)
cat "$tmp"/vg.*.log >"$tmp/vg.all"
if [ -s "$tmp/vg.all" ]; then
	echo "milter-valgrind: valgrind reported:"
	cat "$tmp/vg.all"
	exit 1
fi
if ! grep -q 'reloaded:' "$tmp/milter.log" || [ "$enriched" -lt 2 ]; then
	echo "milter-valgrind: expected a reload and enriched messages:"
	cat "$tmp/milter.log"
	exit 1
fi
echo "milter-valgrind: $n messages, $enriched enriched, reload, stop: clean"
