#!/usr/bin/env python3
"""keep.py - file the DSNs that generate.sh's sinks saved, and write the
manifest of tests/data/mta/.

usage: keep.py --scenarios FILE --sinks DIR --out DIR MTA...

For each MTA, reads every DIR/<mta>/*.eml (one DSN as the MTA sent it to its
sink, with the sink's Return-Path line on top) and DIR/<mta>.version, and
  - finds the scenario from the DSN's recipient, <scenario>@sink.test;
  - finds the kind of notice from the DSN itself: "delayed" for a delay
    notice (Action: delayed; except OpenSMTPD's expiry notice, which says
    Action: delayed with Status: 4.4.7 and "Envelope expired"), "expired"
    for a final bounce written when the MTA gave up retrying (more than 20
    seconds after the original message's Date), "failed" for a final
    bounce written at once;
  - copies it byte for byte to OUT/<mta>/<scenario>-<kind>.eml (the first
    one when an MTA wrote two of a kind; the others are reported);
  - decides the expected cause: the scenario's cause key (gen/scenarios)
    when the notice's own text names it (CAUSE_EVIDENCE below, looked for
    outside the returned message and with the test names removed), else
    what a reader can conclude from the text alone: "expired-unknown" for
    an expiry bounce, "undetermined" for anything else.  The induced cause
    is kept beside it either way.
Then writes OUT/manifest.jsonl for every .eml under OUT (the records of
MTAs not regenerated now are kept from the old manifest) in the shape of
../shared/corpus/mta-generated/manifest.jsonl, plus "scenario",
"induced_cause", "cause_stated", "peer" and "mta_version".
It prints one line per MTA and scenario and a warning when a notice's kind
contradicts the scenario (a permanent answer retried, or the reverse).
Exit status 1 when a DSN cannot be read or a scenario produced nothing.
"""
import argparse
import email
import email.policy
import email.utils
import json
import os
import re
import subprocess
import sys

# Words that name each cause, as MTAs and peers write them; looked for in
# the notice without its returned message and without the test names.
CAUSE_EVIDENCE = {
    "connection-refused": r"connection\s+refused",
    "connection-timeout": r"timed\s+out|(?<!retry\s)time-?out",
    "connection-lost": r"lost\s+connection|connection\s+(?:reset|closed|dropped)"
                       r"|closed\s+unexpectedly",
    "dns-tempfail": r"not\s+found,\s+try\s+again|lookup\s+failure"
                    r"|temporary\s+failure\s+in\s+(?:name|mx|dns|\w+\s+lookup)"
                    r"|did\s+not\s+complete|servfail",
    "dns-nxdomain": r"host\s+not\s+found|host\s+unknown|unrouteable"
                    r"|domain\s+does\s+not\s+exist|no\s+such\s+domain"
                    r"|name\s+or\s+service\s+not\s+known",
    "greylisted": r"greylist",
    "rate-limited": r"rate\s+limit|too\s+many\s+(?:messages|connections)",
    "tls-required": r"starttls|\btls\b|encryption",
    "mailbox-full": r"mailbox\s+full|quota",
    "user-unknown": r"user\s+unknown|unknown\s+user|no\s+such\s+user",
    "message-too-big": r"size\s+exceeds|too\s+(?:big|large)",
    "policy-rejected": r"access\s+denied|polic(?:y|ies)",
}
OPENSMTPD_EXPIRY = (
    "OpenSMTPD 6.8 writes the bounce for an expired envelope with its delay "
    "template (Subject 'delayed', Action: delayed, 'only a temporary failure "
    "report'), but the envelope is deleted from the queue: 'Envelope "
    "expired', Status: 4.4.7")
RETURNED = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")
IMMEDIATE_SECONDS = 20


def load_scenarios(path):
    table = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 6 or w[0].startswith("#"):
                continue
            name, cause, route, peer, beh, kind = w[:6]
            table[name] = {"cause": cause, "route": route, "peer": peer,
                           "behaviour": beh, "kind": kind}
    return table


def ds_fields(msg):
    """(per-message fields, [per-recipient fields]) of the first
    message/delivery-status part, keys lower case; ({}, []) when none."""
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        raw = part.get_payload()
        if isinstance(raw, list):   # the email package splits it in blocks
            blocks = [dict((k.lower(), str(v)) for k, v in b.items()) for b in raw]
        else:
            blocks = []
            for chunk in re.split(r"\n\s*\n", str(raw).strip()):
                b = {}
                for line in re.sub(r"\n[ \t]+", " ", chunk).split("\n"):
                    k, sep, v = line.partition(":")
                    if sep:
                        b[k.strip().lower()] = v.strip()
                blocks.append(b)
        if blocks:
            return blocks[0], blocks[1:]
    return {}, []


def original_date(msg):
    for part in msg.walk():
        ct = part.get_content_type()
        if ct == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if inner is not None and inner.get("Date"):
                return inner.get("Date")
        elif ct in RETURNED:
            inner = email.message_from_string(part.get_payload())
            if inner.get("Date"):
                return inner.get("Date")
    return None


def seconds_between(a, b):
    ta = email.utils.parsedate_tz(a)
    tb = email.utils.parsedate_tz(b)
    if ta is None or tb is None:
        return None
    return email.utils.mktime_tz(tb) - email.utils.mktime_tz(ta)


def own_parts(m):
    """The text of every part of m but the returned message."""
    ct = m.get_content_type()
    if ct in RETURNED:
        return
    if ct == "message/delivery-status":
        p = m.get_payload()
        yield "\n".join(str(b) for b in p) if isinstance(p, list) else str(p)
    elif m.is_multipart():
        for sub in m.get_payload():
            yield from own_parts(sub)
    elif m.get_content_maintype() != "message":
        p = m.get_payload(decode=True)
        yield p.decode("latin-1") if isinstance(p, bytes) else str(p or "")


def notice_text(msg):
    """The notice's own words: every part but the returned message, less
    the lines that quote the returned message's Subject."""
    text = "Subject: %s\n%s" % (msg.get("Subject", ""), "\n".join(own_parts(msg)))
    # the returned message's own Subject, quoted in some notices
    return "\n".join(l for l in text.split("\n") if "dsnexplain test message" not in l)


def classify(path, table):
    data = open(path, "rb").read()
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    to = email.utils.parseaddr(str(msg.get("To", "")))[1]
    scen = to.split("@")[0]
    if scen not in table or not to.endswith("@sink.test"):
        return None, "recipient %r is not <scenario>@sink.test" % to
    top, rcpts = ds_fields(msg)
    if not rcpts:
        return None, "no message/delivery-status part"
    r = rcpts[0]
    action = r.get("action", "").lower()
    status = r.get("status", "").split()[0] if r.get("status") else None
    final = re.sub(r"^rfc822;\s*", "", r.get("final-recipient", ""), flags=re.I)
    age = None
    od = original_date(msg)
    if od and msg.get("Date"):
        age = seconds_between(od, msg.get("Date"))
    if action == "delayed":
        kind = "expired" if status == "4.4.7" else "delayed"
    elif action == "failed":
        kind = "failed" if age is not None and age < IMMEDIATE_SECONDS else "expired"
    else:
        return None, "Action %r" % action
    return {"data": data, "scenario": scen, "kind": kind, "action": action,
            "status": status, "recipient": final, "age": age,
            "text": notice_text(msg)}, None


SISIMAI = r"""
use Sisimai;
exit 3 unless $Sisimai::VERSION =~ /^v?4\.25\./;
for my $f (@ARGV) {
    my $v = eval { Sisimai->make($f, delivered => 1) };
    print(($v && @$v ? $v->[0]->reason : ""), "\n");
}
"""


def sisimai_reasons(paths):
    """Sisimai 4.25's reason for each path (for comparison only), or None
    for all of them when Sisimai 4.25 is not installed."""
    try:
        p = subprocess.run(["perl", "-e", SISIMAI] + paths, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = p.stdout.decode("utf-8", "replace").split("\n")
    if p.returncode != 0 or len(lines) < len(paths):
        return None
    return [l.strip() or None for l in lines[:len(paths)]]


def expected(info, sc):
    """(expected cause, the line of the notice that states the induced
    cause or None)."""
    ind = sc["cause"]
    for line in info["text"].split("\n"):
        if re.search(CAUSE_EVIDENCE[ind], re.sub(r"\S*\.test\b", " ", line), re.I):
            return ind, " ".join(line.split())[:240]
    return ("expired-unknown" if info["kind"] == "expired" else "undetermined"), None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenarios", required=True)
    ap.add_argument("--sinks", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("mtas", nargs="+")
    a = ap.parse_args()
    table = load_scenarios(a.scenarios)
    bad = 0
    new = {}
    for mta in a.mtas:
        d = os.path.join(a.sinks, mta)
        try:
            version = open(os.path.join(a.sinks, mta + ".version")).read().strip()
        except OSError:
            version = None
        got = {}
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if not name.endswith(".eml"):
                continue
            info, err = classify(os.path.join(d, name), table)
            if err:
                print("keep: %s/%s: %s" % (mta, name, err))
                bad += 1
                continue
            key = (info["scenario"], info["kind"])
            if key in got:
                print("keep: %s/%s: a second %s notice for %s, not kept"
                      % (mta, name, info["kind"], info["scenario"]))
                continue
            got[key] = info
        outdir = os.path.join(a.out, mta)
        os.makedirs(outdir, exist_ok=True)
        for old in os.listdir(outdir):
            if old.endswith(".eml"):
                os.unlink(os.path.join(outdir, old))
        for scen, sc in table.items():
            kinds = [k for k in ("delayed", "expired", "failed") if (scen, k) in got]
            want = ("delayed", "expired") if sc["kind"] == "temp" else ("failed",)
            note = "" if tuple(kinds) == want else "  (expected %s)" % "+".join(want)
            if not kinds:
                bad += 1
            causes = []
            for k in kinds:
                info = got[(scen, k)]
                cause, evidence = expected(info, sc)
                stated = evidence is not None
                causes.append("%s:%s%s" % (k, info["status"], "" if stated else "=" + cause))
                rel = "%s/%s-%s.eml" % (mta, scen, k)
                with open(os.path.join(a.out, rel), "wb") as f:
                    f.write(info["data"])
                rec = {"file": rel, "mta": mta, "mta_version": version,
                       "scenario": scen, "dsn": True,
                       "peer": sc["behaviour"] if sc["route"] != "mx" else "fake DNS",
                       "recipients": [{
                           "recipient": info["recipient"],
                           "action": info["action"], "status": info["status"],
                           "outcome": k, "cause": cause,
                           "induced_cause": sc["cause"], "cause_stated": stated,
                           "evidence": evidence}]}
                if (mta, k, info["status"]) == ("opensmtpd", "expired", "4.4.7"):
                    rec["note"] = OPENSMTPD_EXPIRY
                new[rel] = rec
            print("keep: %-9s %-20s %s%s" % (mta, scen, " ".join(causes) or "nothing", note))
    # the manifest: fresh records, and the old ones of files still there
    man = os.path.join(a.out, "manifest.jsonl")
    recs = {}
    if os.path.exists(man):
        for line in open(man):
            line = line.strip()
            if line:
                r = json.loads(line)
                if r["mta"] not in a.mtas and os.path.exists(os.path.join(a.out, r["file"])):
                    recs[r["file"]] = r
    recs.update(new)
    files = sorted(new)
    reasons = sisimai_reasons([os.path.join(a.out, f) for f in files]) if files else None
    for f, why in zip(files, reasons or []):
        new[f]["recipients"][0]["sisimai_4_25_reason"] = why
    with open(man + ".tmp", "w") as f:
        for k in sorted(recs):
            f.write(json.dumps(recs[k], sort_keys=False) + "\n")
    os.rename(man + ".tmp", man)
    print("keep: %d notices in %s" % (len(recs), man))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
