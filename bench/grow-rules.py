#!/usr/bin/env python3
"""Write a rule set grown N times: the shipped rules plus generated ones.

Usage: grow-rules.py RULES_DIR OUT_DIR [FACTOR]

Copies every file of RULES_DIR to OUT_DIR, then adds (FACTOR - 1) x as many
generated rules as RULES_DIR has, in OUT_DIR/99-generated.json.  Each
generated rule borrows the status condition, reason and cause of a shipped
rule (so the rules spread over the status buckets as real ones do) and
matches a diagnostic wording of its own: two words that no bounce contains
and a third from a list of words bounces do contain, so the literal
prefilter sees realistic near-misses.  Deterministic (fixed seed).  For the
benchmark only; never shipped.
"""
import json
import os
import random
import shutil
import sys

COMMON = ["mailbox", "user", "quota", "refused", "rejected", "blocked", "policy",
          "temporarily", "deferred", "unavailable", "timeout", "connection",
          "service", "message", "recipient", "address", "domain", "spam"]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    factor = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    rng = random.Random(20261123)
    os.makedirs(out, exist_ok=True)
    shipped = []
    for name in sorted(os.listdir(src)):
        if not name.endswith(".json"):
            continue
        shutil.copy(os.path.join(src, name), os.path.join(out, name))
        with open(os.path.join(src, name), encoding="utf-8") as fh:
            shipped.extend(r for r in json.load(fh).get("rules", [])
                           if r.get("kind", "cause") == "cause" and not r.get("disabled"))
    if not shipped:
        sys.exit("grow-rules.py: no cause rules in %s" % src)
    total = sum(1 for name in os.listdir(src) if name.endswith(".json"))
    count = len(shipped) * (factor - 1)
    rules = []
    for i in range(count):
        base = rng.choice(shipped)
        word1 = "qx%05dz" % i
        word2 = "vendor%04d" % rng.randrange(10000)
        common = rng.choice(COMMON)
        when = {"diagnostic": r"%s\s+%s\s+%s" % (word1, common, word2)}
        example = {"diagnostic": "550 %s %s %s" % (word1, common, word2)}
        if "status" in base.get("when", {}):
            when["status"] = base["when"]["status"]
            status = base["when"]["status"]
            status = status[0] if isinstance(status, list) else status
            if status != "none":
                example["status"] = ".".join("1" if p == "*" else p
                                             for p in status.split("."))
                if example["status"][0] == "1":
                    example["status"] = "5" + example["status"][1:]
        rules.append({
            "id": "generated.rule-%05d" % i,
            "priority": rng.randrange(100, 900),
            "when": when,
            "reason": base["reason"],
            "cause": base["cause"],
            "examples": {"match": [example]},
        })
    with open(os.path.join(out, "99-generated.json"), "w", encoding="utf-8") as fh:
        json.dump({"rules": rules}, fh, indent=1)
    print("grow-rules: %d files copied, %d rules generated (%d shipped cause rules)"
          % (total, count, len(shipped)))


if __name__ == "__main__":
    main()
