#!/bin/sh
# nonstd-samples.sh - the hand-written bounces of tests/data/nonstd/ read
# as their manifest says
#
# Runs "dsnexplain classify --rules $top_srcdir/rules --json" once over
# every file tests/data/nonstd/manifest.jsonl lists and checks, per file:
#   detection   "dsn" as the manifest says (three of them are no bounce:
#               a reply and a person's forward quoting one, an attached
#               report outside a forward);
#   recipients  exactly the manifest's addresses (not the person who
#               forwarded the bounce, not an X.400 Final-Recipient);
#   outcome and cause of each, as the manifest says.
# Every miss is printed; any miss fails.  It does not check the rewritten
# message.  Run by "make check" with top_srcdir and top_builddir in the
# environment.  Exit status: 0 pass, 1 fail, 77 skip (no python3).

me=nonstd-samples.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
cli=$top_builddir/cli/dsnexplain
data=$top_srcdir/tests/data/nonstd

command -v python3 >/dev/null 2>&1 || {
	echo "$me: SKIP: no python3"
	exit 77
}
[ -x "$cli" ] || {
	echo "$me: FAIL: no $cli"
	exit 1
}
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
files=$(python3 -c 'import json, sys
for l in open(sys.argv[1]):
    print(sys.argv[2] + "/" + json.loads(l)["file"])' "$data/manifest.jsonl" "$data")
# shellcheck disable=SC2086 # one path per word: the names have no blanks
"$cli" classify --rules "$top_srcdir/rules" --json $files >"$out" 2>/dev/null
rc=$?
[ $rc -le 1 ] || {
	echo "$me: FAIL: dsnexplain classify exited $rc"
	exit 1
}
python3 - "$data/manifest.jsonl" "$out" <<'PY'
import json, sys
expected = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
misses = 0
if len(got) != len(expected):
    print("nonstd-samples.sh: %d results for %d files" % (len(got), len(expected)))
    sys.exit(1)
for e, g in zip(expected, got):
    why = []
    if g.get("dsn") != e["dsn"]:
        why.append("dsn %s, expected %s" % (g.get("dsn"), e["dsn"]))
    want = {r["recipient"]: r for r in e["recipients"]}
    have = {(r.get("recipient") or "").lower(): r for r in g.get("recipients", [])}
    if set(have) != set(want):
        why.append("recipients %s, expected %s" % (sorted(have), sorted(want)))
    for a, r in want.items():
        h = have.get(a)
        if h is None:
            continue
        for k in ("outcome", "cause"):
            if h.get(k) != r[k]:
                why.append("%s: %s %s, expected %s (rule %s)" % (a, k, h.get(k), r[k], h.get("rule")))
    if why:
        misses += 1
        print("MISS %s (%s): %s" % (e["file"], e["what"], "; ".join(why)))
print("nonstd-samples.sh: %d of %d files read as the manifest says"
      % (len(expected) - misses, len(expected)))
sys.exit(1 if misses else 0)
PY
