#!/bin/sh
# mta-generated.sh - classifies the DSNs real MTAs wrote (tests/data/mta/)
# and compares each with its manifest
#
# Runs "dsnexplain classify --rules $top_srcdir/rules --json" once over every
# file that tests/data/mta/manifest.jsonl lists (made by
# tests/mta/generate.sh: Postfix, Sendmail, Exim and OpenSMTPD against
# scripted loopback peers), pairs the recipients by address and compares
#   detection  the file is read as a DSN ("dsn": true);
#   outcome    delayed / expired / failed as the manifest says;
#   cause      the DESIGN.md cause key as the manifest says.
# Prints the figures per MTA and in all, then every miss with the file, the
# expected and the found outcome and cause, the rules that decided, and the
# Diagnostic-Code the classifier saw (without one: the status, and the line
# of the notice that states the cause, the manifest's "evidence").
#
# Which misses fail the test is set by DSNX_MTA_GENERATED_STRICT:
#   detection                only a file not read as a DSN fails;
#   outcome                  also a wrong outcome;
#   cause (the default)      also a wrong cause (the target of issue 10).
# Every miss is listed whatever the setting.  The default is "cause": the
# rules get every outcome and cause of this set right, and a change that
# loses one must say why (lower the setting only while investigating).
#
# It does not run any MTA (that is tests/mta/generate.sh, not part of make
# check: minutes, root, namespaces) and it does not check the rewritten
# message (tests/rewrite.sh and the golden tests do that).
# Run by "make check" with top_srcdir and top_builddir in the environment.
# Exit status: 0 pass, 1 fail, 77 skip (no python3).

me=mta-generated.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
cli=$top_builddir/cli/dsnexplain
rules=$top_srcdir/rules
data=$top_srcdir/tests/data/mta
strict=${DSNX_MTA_GENERATED_STRICT:-cause}

case $strict in
detection | outcome | cause) ;;
*)
	echo "$me: DSNX_MTA_GENERATED_STRICT must be detection, outcome or cause"
	exit 1
	;;
esac
[ -x "$cli" ] || { echo "$me: FAIL: $cli is not built"; exit 1; }
[ -f "$data/manifest.jsonl" ] || { echo "$me: FAIL: $data/manifest.jsonl is missing"; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "$me: SKIP: no python3"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsnx-mtagen.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 15

# the file names, relative to $data, in manifest order
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.strip():
        print(json.loads(line)["file"])
' "$data/manifest.jsonl" >"$tmp/files" || { echo "$me: FAIL: bad manifest"; exit 1; }
[ -s "$tmp/files" ] || { echo "$me: FAIL: the manifest lists no file"; exit 1; }
missing=0
while read -r f; do
	[ -f "$data/$f" ] || { echo "$me: FAIL: $f is in the manifest but not in $data"; missing=1; }
done <"$tmp/files"
[ $missing -eq 0 ] || exit 1

# one classify run over all of them; paths relative to $data so that the
# "file" of each answer is the manifest's
(cd "$data" && xargs "$cli" classify --rules "$rules" --json) <"$tmp/files" \
	>"$tmp/got.jsonl" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ]; then
	echo "$me: FAIL: dsnexplain classify exited $rc"
	head -20 "$tmp/err"
	exit 1
fi

python3 - "$data/manifest.jsonl" "$tmp/got.jsonl" "$strict" <<'EOF'
import json
import sys
from collections import OrderedDict

man_path, got_path, strict = sys.argv[1:4]
manifest = [json.loads(l) for l in open(man_path) if l.strip()]
got = {}
for line in open(got_path):
    if line.strip():
        o = json.loads(line)
        got[o.get("file")] = o


def norm(a):
    return (a or "").strip().strip("<>").lower()


def short(text, n=160):
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n - 3] + "..."


per_mta = OrderedDict()
misses = {"detection": [], "outcome": [], "cause": []}
for rec in manifest:
    m = per_mta.setdefault(rec["mta"], {"files": 0, "det": 0, "n": 0,
                                        "outcome": 0, "cause": 0})
    m["files"] += 1
    o = got.get(rec["file"])
    if o is None or o.get("dsn") is not True:
        misses["detection"].append((rec["file"], "not read as a DSN"
                                    if o is not None else "no answer"))
        m["n"] += len(rec["recipients"])
        continue
    m["det"] += 1
    found = [r for r in o.get("recipients") or [] if isinstance(r, dict)]
    for e in rec["recipients"]:
        m["n"] += 1
        g = next((r for r in found if norm(r.get("recipient")) == norm(e["recipient"])), None)
        if g is None:
            g = found.pop(0) if found else {}
        elif g in found:
            found.remove(g)
        if g.get("diagnostic"):
            why = "diagnostic: " + g["diagnostic"]
        elif e.get("evidence"):
            why = "no diagnostic; status %s; the text says: %s" % (g.get("status"), e["evidence"])
        else:
            why = "no diagnostic; status %s; the text names no cause" % g.get("status")
        row = (rec["file"], e, g, why)
        if g.get("outcome") == e["outcome"]:
            m["outcome"] += 1
        else:
            misses["outcome"].append(row)
        if g.get("cause") == e["cause"]:
            m["cause"] += 1
        else:
            misses["cause"].append(row)


def pct(a, b):
    return "%5.1f%%" % (100.0 * a / b) if b else "    -"


print("%-10s %5s %9s %9s %9s" % ("MTA", "files", "detection", "outcome", "cause"))
tot = {"files": 0, "det": 0, "n": 0, "outcome": 0, "cause": 0}
for mta, m in per_mta.items():
    for k in tot:
        tot[k] += m[k]
    print("%-10s %5d %9s %9s %9s" % (mta, m["files"], pct(m["det"], m["files"]),
                                     pct(m["outcome"], m["n"]), pct(m["cause"], m["n"])))
print("%-10s %5d %9s %9s %9s" % ("all", tot["files"], pct(tot["det"], tot["files"]),
                                 pct(tot["outcome"], tot["n"]), pct(tot["cause"], tot["n"])))
for f, why in misses["detection"]:
    print("MISS detection %s: %s" % (f, why))
for kind in ("outcome", "cause"):
    for f, e, g, why in misses[kind]:
        print("MISS %s %s: expected %s/%s got %s/%s rule %s (outcome rule %s); %s"
              % (kind, f, e["outcome"], e["cause"], g.get("outcome"), g.get("cause"),
                 g.get("rule") or "-", g.get("outcome_rule") or "-", short(why, 200)))
print("misses: detection %d, outcome %d, cause %d (failing on: %s)"
      % (len(misses["detection"]), len(misses["outcome"]), len(misses["cause"]),
         {"detection": "detection", "outcome": "detection and outcome",
          "cause": "detection, outcome and cause"}[strict]))
failing = len(misses["detection"])
if strict in ("outcome", "cause"):
    failing += len(misses["outcome"])
if strict == "cause":
    failing += len(misses["cause"])
sys.exit(1 if failing else 0)
EOF
rc=$?
if [ $rc -eq 0 ]; then
	echo "$me: pass"
else
	echo "$me: FAIL"
fi
exit $rc
