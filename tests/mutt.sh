#!/bin/sh
# Rewritten bounces as a person sees them in a real text mail client:
# Debian's NeoMutt, driven in tmux, the screen read back with
# capture-pane.  For every sample and language:
#   - the pager (Enter on the message) shows our explanation first: the
#     first line of the body on screen is the first line of our
#     text/plain part, before any word of the original notice;
#   - the attachment view (v) lists the parts of the rewritten message
#     as Python's email reads them (our multipart/alternative with its
#     text/plain and text/html, where the rewrite added parts), and
#     every part of the original is among them, in order, with its type.
# What is expected comes from the files, not from the screen: our first
# line from the rewritten message, the parts from both messages
# (Python's email).  NeoMutt runs with a minimal muttrc of ours (-n: no
# system muttrc), mailcap off, so nothing is rendered by outside programs.
# Exit 77 (skipped) when neomutt, tmux or python3 is missing.
# Env: top_srcdir, top_builddir (set by make check).
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
cli=$top_builddir/cli/dsnexplain
rules=$top_srcdir/rules
samples=$top_srcdir/tests/data/samples
for tool in neomutt tmux python3; do
	command -v $tool >/dev/null 2>&1 || {
		echo "mutt: $tool not installed (apt-get install neomutt tmux); skipped"
		exit 77
	}
done
tmp=$(mktemp -d)
sock=dsnx-mutt-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
locale=C.UTF-8
locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || locale=$(locale -a | grep -i 'utf-\?8' | head -1)

# Waits until the pane shows pattern (a fixed string), at most 10 s.
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		tmux -L "$sock" capture-pane -p >"$tmp/screen" 2>/dev/null
		grep -qF -- "$1" "$tmp/screen" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# What must be seen: our first line, and the part types in order.
expect() {
	python3 - "$1" "$2" <<'PY'
import email, email.policy, sys
pol = email.policy.compat32
new = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=pol)
old = email.message_from_bytes(open(sys.argv[2], "rb").read(), policy=pol)
# Our text/plain part: the first one with Content-Language, which our
# parts carry (rewrite.c); none when the explanation was appended to
# the original text instead of being a part of its own.
first = "-"
for p in new.walk():
    if p.get_content_type() == "text/plain" and p["Content-Language"]:
        text = p.get_payload(decode=True).decode("utf-8")
        first = next(l for l in text.splitlines() if l.strip()).strip()
        break
print(first)
# The original's parts: a multipart's every part below the root, a
# single part the root itself.
# NeoMutt, as RFC 2046 and 3464 have it, looks inside multipart and
# message/rfc822 (global) only; Python's email also splits the field
# groups of message/delivery-status into messages, which are no parts.
def parts(m):
    yield m.get_content_type()
    if m.get_content_maintype() == "multipart" or m.get_content_type() in (
            "message/rfc822", "message/global"):
        for sub in m.get_payload():
            yield from parts(sub)
# The parts below the root of a multipart; a single part is its root.
def listed(m):
    return list(parts(m))[1:] if m.is_multipart() else [m.get_content_type()]
now, before = listed(new), listed(old)
# Every original part still there, in order (a subsequence).
it = iter(now)
if not all(t in it for t in before):
    sys.exit("original parts %s not all in %s" % (before, now))
print(" ".join(now))
PY
}

cat >"$tmp/muttrc" <<EOF
set mbox_type=Maildir
set folder=$tmp/md
set spoolfile=$tmp/md
set header_cache=""
set message_cachedir=""
set mailcap_path=/dev/null
set charset=utf-8
set pager_index_lines=0
set pager_stop=yes
set wait_key=no
set mark_old=no
set help=no
set attach_format="ATT %m/%M"
ignore *
unignore from: subject: date:
EOF

fail=0 n=0 seen=0 appended=0
for s in ${DSNX_MUTT_SAMPLES:-postfix-delay-warning-4.4.1 postfix-expired-rate-limited \
    exchange-expired-4.4.7 gmail-rate-limited postfix-user-unknown-5.1.1 \
    sendmail-return-4.4.7-timeout exim-user-unknown qmail-user-unknown}; do
	for lang in ${DSNX_MUTT_LANGS:-en de}; do
		n=$((n + 1))
		rm -rf "$tmp/md"
		mkdir -p "$tmp/md/cur" "$tmp/md/new" "$tmp/md/tmp"
		msg="$tmp/md/cur/1.dsnx:2,S"
		"$cli" rewrite --rules "$rules" --lang $lang "$samples/$s.eml" \
		    >"$msg" 2>"$tmp/err"
		if ! grep -q '^X-DSN-Explain:' "$msg"; then
			# Left unchanged (reason on stderr): nothing of ours to see.
			echo "unchanged $s ($lang): $(cat "$tmp/err")"
			continue
		fi
		seen=$((seen + 1))
		expect "$msg" "$samples/$s.eml" >"$tmp/expect" 2>"$tmp/err" || {
			echo "FAIL $s ($lang): $(cat "$tmp/err")"
			fail=$((fail + 1))
			continue
		}
		first=$(sed -n 1p "$tmp/expect")
		types=$(sed -n 2p "$tmp/expect")
		if [ "$first" = "-" ]; then
			# Not ours to check here: the single-part rewrite
			# (lib/rewrite.c) appended the explanation in place.
			echo "appended $s ($lang): the explanation is no part of its own; not checked"
			appended=$((appended + 1))
			continue
		fi
		tmux -L "$sock" kill-server 2>/dev/null
		# A server that is still going away refuses the session: again.
		for try in 1 2 3; do
			tmux -L "$sock" new-session -d -x 110 -y 200 \
			    "env TERM=screen LANG=$locale LC_ALL=$locale neomutt -n -F '$tmp/muttrc' -f '$tmp/md'" \
			    2>/dev/null && break
			sleep 0.5
		done
		if ! wait_for " 1 "; then
			echo "FAIL $s ($lang): the index never showed the message"
			fail=$((fail + 1))
			continue
		fi
		tmux -L "$sock" send-keys Enter
		if ! wait_for "Subject:"; then
			echo "FAIL $s ($lang): the pager never opened"
			fail=$((fail + 1))
			continue
		fi
		sleep 0.3
		tmux -L "$sock" capture-pane -p >"$tmp/pager"
		# The first line of the body: after the header block, past
		# NeoMutt's own "[-- ... --]" part markers and blank lines.
		shown=$(awk 'body && !/^\[-- / && !/^[ \t]*$/ { print; exit }
		    /^Subject:/ { hdr = 1 } hdr && /^[ \t]*$/ { body = 1 }' \
		    "$tmp/pager" | sed 's/[ \t]*$//')
		if [ "$shown" != "$first" ]; then
			echo "FAIL $s ($lang): the reader sees first: '$shown'; ours: '$first'"
			sed -n 1,25p "$tmp/pager" | sed 's/^/    | /'
			fail=$((fail + 1))
			continue
		fi
		tmux -L "$sock" send-keys v
		if ! wait_for "ATT "; then
			echo "FAIL $s ($lang): the attachment view never opened"
			fail=$((fail + 1))
			continue
		fi
		sleep 0.3
		tmux -L "$sock" capture-pane -p >"$tmp/attach"
		listed=$(sed -n 's/.*ATT \([^ ]*\).*/\1/p' "$tmp/attach" | tr '\n' ' ' \
		    | sed 's/ $//')
		if [ "$listed" != "$types" ]; then
			echo "FAIL $s ($lang): attachments: $listed"
			echo "    want: $types"
			fail=$((fail + 1))
			continue
		fi
		tmux -L "$sock" send-keys q q q
		echo "ok $s ($lang): first line '$first'; parts: $listed"
	done
done
echo "mutt: $n cases, $seen rewritten, $appended of them appended in place (not checked), $fail failed"
seen=$((seen - appended))
[ $seen -gt 0 ] || { echo "mutt: nothing was rewritten"; exit 1; }
[ $fail -eq 0 ]
