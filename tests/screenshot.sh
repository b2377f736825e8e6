#!/bin/sh
# Renders the HTML explanation of bounces in headless Chromium to PNG
# files, so a person can look at them (`make screenshots`).
# Usage: screenshot.sh CLI RULES_DIR OUT_DIR [LANG] EML...
# Needs Debian's chromium and python3.  Network stays off: the page has no
# remote resources, and Chromium's own background fetches are disabled.
set -eu
cli=$1 rules=$2 out=$3 lang=$4
shift 4
command -v chromium >/dev/null || { echo "screenshot: chromium not installed (apt-get install chromium)"; exit 77; }
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT INT TERM
for eml in "$@"; do
	name=$(basename "$eml" .eml)-$lang
	"$cli" rewrite --rules "$rules" --lang "$lang" "$eml" 2>/dev/null >"$out/$name.eml"
	python3 - "$out/$name.eml" "$out/$name.html" <<'PY'
import email, email.policy, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
for part in msg.walk():
    if part.get_content_type() == "text/html":
        open(sys.argv[2], "w", encoding="utf-8").write(part.get_content())
        break
else:
    sys.exit("no text/html part in " + sys.argv[1])
PY
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run \
		--user-data-dir="$profile" --hide-scrollbars --window-size=760,1500 \
		--screenshot="$out/$name.png" "file://$out/$name.html" >/dev/null 2>&1
	echo "screenshot: $out/$name.png"
done
