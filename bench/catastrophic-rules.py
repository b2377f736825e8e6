#!/usr/bin/env python3
"""Write a site-rules directory of catastrophic rules for the benchmarks.

Usage: catastrophic-rules.py OUT_DIR [COUNT]

Writes OUT_DIR/90-catastrophic.json with COUNT (default 1,000) cause
rules whose patterns backtrack exponentially on text that almost
matches: nested quantifiers over overlapping character classes, followed
by a run of digits that no bounce has.  Half of them look at the
diagnostic, half at the human-readable text.  None has a literal the
prefilter could use, so every pattern runs against every recipient until
the PCRE2 limits stop it: the worst a careless site rule file can do.
Each rule's own example (letters, then the digits) matches at once, so
loading the set stays cheap.  Deterministic.  For the benchmarks only;
never shipped.
"""
import json
import os
import sys

# Each form takes the length of the digit run that can never be found.
FORMS = [
    r"([a-z ]+)+[0-9]{%d}",
    r"(?:[a-z]+\s?)+[0-9]{%d}",
    r"(?:[a-z.]+|[a-z ]+)+[0-9]{%d}",
    r"((?:[a-z]|\s)+)+[0-9]{%d}",
]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    os.makedirs(out, exist_ok=True)
    rules = []
    for i in range(count):
        field = "diagnostic" if i % 2 == 0 else "text"
        digits = 20 + i // len(FORMS) % 40
        pattern = FORMS[i % len(FORMS)] % digits
        rules.append({
            "id": "bench.catastrophic-%04d" % i,
            "description": "backtracks exponentially on near misses",
            "priority": 1000,
            "when": {field: pattern},
            "reason": "undefined",
            "cause": "user-unknown",
            "examples": {"match": [{field: "abc def " + "7" * digits}]},
        })
    with open(os.path.join(out, "90-catastrophic.json"), "w",
              encoding="utf-8") as fh:
        json.dump({"rules": rules}, fh, indent=1)


if __name__ == "__main__":
    main()
