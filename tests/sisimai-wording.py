#!/usr/bin/env python3
"""sisimai-wording.py - are the rules' wording families as wide as the world's?

Sisimai (libsisimai-perl, a real peer from Debian's archive) keeps, per
reason, the server replies its authors met in real bounces: plain phrase
lists and regular expressions in Sisimai/Reason/*.pm.  This script reads the
installed copy at run time (nothing of it is stored in this tree), makes one
concrete phrase of every list entry and of every alternative of every
expression, and wraps each phrase into three bounces a real MTA would write:

  dsn    a Postfix-style RFC 3464 report (Status 5.0.0, so the text and not
         the code must decide), the phrase in Diagnostic-Code and in the
         human-readable part;
  plain  an Exim-style plain-text bounce, the phrase only in the prose;
  expiry the same report given up after a temporary failure (Status 4.4.7,
         reply 451): the umbrella code must not hide the phrase's cause.

Sisimai's provider tables (Sisimai/Rhost/*.pm: what Exchange Online,
Google, Mimecast, GoDaddy, Cox or Tencent mean by a reply) give a fourth
set, "provider": the provider's reply with its own status code, from the
provider's host, in the Postfix-style report.

Sisimai itself then reads each bounce; a phrase whose bounce Sisimai does
not give its own list's reason is dropped (another list won, or the phrase
needs context a single line does not give).  dsnexplain classify reads the
rest, and its reason is compared with Sisimai's.  Reasons that Sisimai 5
split out of a 4.x reason (requireptr, badreputation and authfailure out
of blocked, authfailure out of securityerror and policyviolation, speeding
out of toomanyconn, failedstarttls out of securityerror) count as
agreeing.

Mail::DeliveryStatus::BounceParser (libmail-deliverystatus-bounceparser-perl,
the parser mailing-list managers use) keeps its own word lists, by coarse
reason, in its _std_reason(): they give a sixth set, "bounceparser", in the
Postfix-style report.  Its phrases were never used to write the rules, so
this set is the nearest this test has to wording it has not seen.  A
phrase is kept when Sisimai's reason for it falls in BounceParser's coarse
reason (user_unknown: userunknown, filtered, suspend; over_quota:
mailboxfull; spam: spamdetected, blocked; domain_error: hostunknown,
networkerror, norelaying, notaccept, expired, systemerror;
message_too_large: mesgtoobig, exceedlimit): the two peers agree what it
means, and Sisimai's finer reason is the one compared.

Sisimai's readers of one MTA's bounces keep tables of that MTA's own
sentences (Sisimai/Lhost/*.pm, "messagesof": Exim's, qmail's,
OpenSMTPD's, Domino's, amavisd-new's, ...): they give a seventh set,
"lhost", each phrase once (one that two tables file under different
reasons is left out), in the Postfix-style report, compared with the
table's reason (Sisimai itself consults a table only for a bounce in
that MTA's format).  Where Sisimai 5, which labelled the development
corpus, reads an MTA's phrase otherwise than 4.25's table (qmail's
"couldn't find a mail exchanger": notaccept in the corpus, networkerror
in the table), the rules follow the corpus.

With --phrases FILE a fifth set, "written", is read from FILE instead of
from Sisimai: server replies written here from what real servers say
(tests/data/wording/phrases.tsv: status, reply, the software that says
it, the reason Sisimai 4.25 gave it when the line was added), each in
the Postfix-style report with its own status; that set needs no Sisimai
at run time.

It prints the agreement per variant and per reason, and with --misses every
disagreement (reason expected, reason found, rule, phrase).  It fails when
the agreement of a variant is below its floor: --floor P for every variant,
or --floor dsn=P,plain=P,... for each.

It does not test a rule's wording against anything but one phrase in one
line: the corpus tests do that.  It is not a held-out measurement either:
the rules were widened with these phrases in view.

Usage: sisimai-wording.py --cli PATH --rules DIR [--floor P|NAME=P,...] [--misses]
                          [--phrases FILE] [--work DIR]
Exit status: 0 pass, 1 below the floor, 77 skip (Sisimai not installed and
no --phrases).
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    from re import _parser as sre_parse, _constants as sre_const
except ImportError:  # Python before 3.11
    import sre_parse, sre_constants as sre_const

# Prints reason, kind and text for every phrase list and expression of the
# installed Sisimai::Reason modules.  Expressions keep their line breaks as
# \x01 so that the /x comments inside them stay comments.
EXTRACT = r'''
use strict; use warnings;
my ($dir) = grep { -d "$_/Sisimai/Reason" } @INC or exit 77;
for my $f (sort glob "$dir/Sisimai/Reason/*.pm") {
    open my $fh, '<', $f or die "$f: $!"; local $/; my $s = <$fh>; close $fh;
    my ($reason) = $s =~ /sub text\s*\{\s*'(\w+)'/ or next;
    while ($s =~ /state \$index = (\[.*?\]);/sg) {
        my $list = eval $1; die "$f: $@" if $@;
        print "$reason\tlist\t$_\n" for @$list;
    }
    while ($s =~ /state \$regex = qr\{(.*?)\}x;/sg) {
        (my $re = $1) =~ s/\n/\x01/g;
        print "$reason\tregex\t$re\n";
    }
}
'''

# Reads each file named on the command line with Sisimai and prints its
# first recipient's reason, or "none".
LABEL = r'''
use strict; use warnings; use Sisimai;
for my $f (@ARGV) {
    my $v = Sisimai->make($f, 'delivered' => 1);
    print "$f\t", (($v && @$v) ? $v->[0]->reason : 'none'), "\n";
}
'''

# The provider tables, with the host a provider's replies come from (the
# host is what makes Sisimai consult a table).
RHOST_EXTRACT = r'''
use strict; use warnings;
my ($dir) = grep { -d "$_/Sisimai/Rhost" } @INC or exit 77;
for my $f (sort glob "$dir/Sisimai/Rhost/*.pm") {
    my ($module) = $f =~ m{/(\w+)\.pm$};
    open my $fh, '<', $f or die "$f: $!";
    my ($in, $reason) = (0, '');
    while (my $l = <$fh>) {
        $in = 1 if $l =~ /state \$messagesof/;
        next unless $in;
        last if $l =~ /^\s*\};/;
        $l =~ s/^\s*#.*//;
        if ($l =~ /^\s*'([^']+)'\s*=>\s*'(\w+)'/) {       # phrase => reason
            print "$module\t$2\t\t$1\n"; next;
        }
        if ($l =~ /^\s*'(\w+)'\s*=>\s*\[(.*)$/) {          # reason => [ ...
            $reason = $1;
            my $rest = $2;
            if ($rest =~ /\]\s*,?\s*$/) {
                my $list = eval "[$rest"; next unless $list;
                print "$module\t$reason\t\t$_\n" for grep { !ref } @$list;
            }
            next;
        }
        next unless $reason && $l =~ /^\s*(\[.*\]),?\s*$/;  # [code..., phrase]
        my $t = eval $1; next unless ref $t;
        my ($status) = grep { defined && /^[245]\.\d+\.\d*$/ } @$t;
        my ($reply) = grep { defined && /^[245]\d\d$/ } @$t;
        $status .= $t->[1] if defined $status && $status =~ /\.$/ && $t->[1];
        print join("\t", $module, $reason,
                   join(' ', grep { defined } $reply, $status), $t->[-1]), "\n";
    }
}
'''

RHOST_HOSTS = {
    'ExchangeOnline': 'contoso-com.mail.protection.outlook.com',
    'GoogleApps': 'aspmx.l.google.com',
    'Mimecast': 'eu-smtp-inbound-1.mimecast.com',
    'TencentQQ': 'mx3.qq.com',
    'GoDaddy': 'smtp.secureserver.net',
    'Cox': 'cxr.mx.a.cloudfilter.net',
}

# The MTA tables: what Sisimai's reader of one MTA's bounces
# (Sisimai/Lhost/*.pm, "messagesof") maps that MTA's own sentences to.
LHOST_EXTRACT = r'''
use strict; use warnings;
my ($dir) = grep { -d "$_/Sisimai/Lhost" } @INC or exit 77;
for my $f (sort glob "$dir/Sisimai/Lhost/*.pm") {
    my ($module) = $f =~ m{/(\w+)\.pm$};
    open my $fh, '<', $f or die "$f: $!";
    local $/; my $s = <$fh>;
    next unless $s =~ /state \$messagesof = (\{.*?\n\s*\});/s;
    my $t = eval $1; next unless ref $t eq 'HASH';
    for my $r (sort keys %$t) {
        next unless ref $t->{$r} eq 'ARRAY';
        print "$module\t$r\t$_\n" for grep { !ref } @{ $t->{$r} };
    }
}
'''

# Where the installed BounceParser is.
BP_PATH = r"""print $INC{'Mail/DeliveryStatus/BounceParser.pm'}"""

# BounceParser's coarse reasons, and the Sisimai reasons that mean the same.
BP_REASONS = {
    'user_unknown': {'userunknown', 'filtered', 'suspend'},
    'over_quota': {'mailboxfull'},
    'spam': {'spamdetected', 'blocked'},
    'domain_error': {'hostunknown', 'networkerror', 'norelaying', 'notaccept',
                     'expired', 'systemerror'},
    'message_too_large': {'mesgtoobig', 'exceedlimit'},
}


def bounceparser_phrases(source):
    """(coarse reason, phrase) for every expression of _std_reason(): the
    expressions before each 'return "reason"' are that reason's."""
    start = source.find('sub _std_reason')
    end = source.find('return "unknown";\n}', start)
    if start < 0 or end < 0:
        return
    body = source[start:end]
    user_re = ('(?:mailbox|user|recipient|addressee|address|customer|account'
               '|e-?mail|<?x@example\\.net>?)')
    seen = set()
    pos = 0
    for m in re.finditer(r'return\s+"(\w+)"', body):
        block, pos, reason = body[pos:m.start()], m.end(), m.group(1)
        if reason not in BP_REASONS:
            continue
        for rm in re.finditer(r'/((?:\\.|[^/\\\n])+)/([a-z]*)', block):
            pattern, flags = rm.group(1), rm.group(2)
            pattern = pattern.replace('$user_re', user_re)
            pattern = pattern.replace('$EMAIL_ADDR_REGEX', 'x@example\\.net')
            # an unescaped "." or ".*" between words stands for a space
            pattern = re.sub(r'(?<!\\)\.[*+]\??', r'\\s', pattern)
            pattern = re.sub(r'(?<![\\\[])\.(?![*+?])', r'\\s', pattern)
            try:
                found = strings_of(sre_parse.parse(
                    pattern, re.X if 'x' in flags else 0))
            except (re.error, ValueError):
                continue
            for p in found:
                p = ' '.join(p.split())
                # a bare code ("552", "5.2.2") is no wording
                if sum(1 for w in p.split() if re.search('[a-z]{2}', w, re.I)) < 2:
                    continue
                if (reason, p) not in seen:
                    seen.add((reason, p))
                    yield reason, p


SISIMAI5_SPLITS = {
    ('blocked', 'requireptr'), ('blocked', 'badreputation'),
    ('blocked', 'authfailure'), ('securityerror', 'authfailure'),
    ('policyviolation', 'authfailure'),
    ('toomanyconn', 'speeding'), ('securityerror', 'failedstarttls'),
}

# Bounded expansion: enough to reach every alternative once, never the
# product of all of them.
MAX_STRINGS = 2000
REPEAT_SAMPLES = 3


def one_char(items):
    """A character a class [ ... ] accepts (a negated class: 'x')."""
    if items and items[0][0] is sre_const.NEGATE:
        return 'x'
    for op, av in items:
        if op is sre_const.LITERAL:
            return chr(av)
        if op is sre_const.RANGE:
            return chr(av[0])
        if op is sre_const.CATEGORY:
            name = str(av)
            return '0' if 'DIGIT' in name else ('a' if 'WORD' in name else ' ')
    return 'x'


def strings_of(tree):
    """Strings the parsed expression matches, one per alternative at least."""
    outs = ['']

    def extend(parts):
        return [o + p for o in outs for p in parts][:MAX_STRINGS]

    for op, av in tree:
        if op is sre_const.LITERAL:
            outs = [o + chr(av) for o in outs]
        elif op in (sre_const.NOT_LITERAL, sre_const.ANY):
            outs = [o + 'x' for o in outs]
        elif op is sre_const.IN:
            outs = [o + one_char(av) for o in outs]
        elif op is sre_const.CATEGORY:
            outs = [o + ' ' for o in outs]
        elif op is sre_const.SUBPATTERN:
            outs = extend(strings_of(av[-1]))
        elif op is getattr(sre_const, 'ATOMIC_GROUP', None):
            outs = extend(strings_of(av))
        elif op is sre_const.BRANCH:
            alts = []
            for branch in av[1]:
                alts += strings_of(branch)
            outs = extend(alts)
        elif op in (sre_const.MAX_REPEAT, sre_const.MIN_REPEAT,
                    getattr(sre_const, 'POSSESSIVE_REPEAT', None)):
            low, high, sub = av
            subs = strings_of(sub)
            if low == 0 and high == 1:
                outs = extend([''] + subs)
            else:
                outs = extend([s * max(low, 1) for s in subs[:REPEAT_SAMPLES]])
        # anchors, lookarounds and back references add no text
    return outs


def phrases(extracted):
    seen = set()
    for line in extracted.splitlines():
        reason, kind, text = line.split('\t', 2)
        if kind == 'list':
            found = [text]
        else:
            pattern = text.replace('\x01', '\n').replace('\\z', '\\Z')
            try:
                found = strings_of(sre_parse.parse(pattern, re.X))
            except (re.error, ValueError) as e:
                print(f'sisimai-wording: {reason}: expression skipped: {e}',
                      file=sys.stderr)
                continue
        for p in found:
            p = ' '.join(p.split())
            if p and (reason, p) not in seen:
                seen.add((reason, p))
                yield reason, p


HEAD_DSN = '''Return-Path: <>
From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: sender@example.org
Subject: Undelivered Mail Returned to Sender
Date: Mon, 7 Dec 2026 10:00:00 +0000
Message-Id: <{n}.bounce@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BB"

--BB
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<rcpt@example.net>: host {host}[192.0.2.1] said: {reply} {p} (in reply to
    RCPT TO command)

--BB
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; rcpt@example.net
Action: failed
Status: {status}
Remote-MTA: dns; {host}
Diagnostic-Code: smtp; {reply} {p}

--BB
Content-Type: text/rfc822-headers

From: sender@example.org
To: rcpt@example.net
Subject: hello
Message-Id: <{n}@example.org>

--BB--
'''

HEAD_PLAIN = '''Return-path: <>
From: Mail Delivery System <Mailer-Daemon@mx.example.org>
To: sender@example.org
Subject: Mail delivery failed: returning message to sender
Date: Mon, 7 Dec 2026 10:00:00 +0000
Message-Id: <{n}.bounce@mx.example.org>
Auto-Submitted: auto-replied
X-Failed-Recipients: rcpt@example.net

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  rcpt@example.net
    host {host} [192.0.2.1]
    SMTP error from remote mail server after RCPT TO:<rcpt@example.net>:
    {reply} {p}

------ This is a copy of the message, including all the headers. ------

From: sender@example.org
To: rcpt@example.net
Subject: hello
Message-Id: <{n}@example.org>

hi
'''

PLAIN_REPLY = {'status': '5.0.0', 'reply': '550', 'host': 'mx.example.net'}
EXPIRY_REPLY = {'status': '4.4.7', 'reply': '451', 'host': 'mx.example.net'}

# name, template, the reply's code and host (None: the provider's own), and
# which phrases: Sisimai's reason lists or its provider tables.
VARIANTS = (('dsn', HEAD_DSN, PLAIN_REPLY, 'lists'),
            ('plain', HEAD_PLAIN, PLAIN_REPLY, 'lists'),
            ('expiry', HEAD_DSN, EXPIRY_REPLY, 'lists'),
            ('provider', HEAD_DSN, None, 'providers'),
            ('written', HEAD_DSN, None, 'written'),
            ('bounceparser', HEAD_DSN, PLAIN_REPLY, 'bounceparser'),
            ('lhost', HEAD_DSN, PLAIN_REPLY, 'lhost'))


def written_replies(path):
    """(reason, phrase, reply fields) of a phrases file: status, reply,
    source, reason per line; '#' starts a comment."""
    with open(path, encoding='utf-8') as f:
        for line in f:
            if not line.strip() or line.startswith('#'):
                continue
            status, reply, _source, reason = line.rstrip('\n').split('\t')[:4]
            code, _, rest = reply.partition(' ')
            if not (len(code) == 3 and code.isdigit()):
                code, rest = '550' if status[0] == '5' else '451', reply
            yield reason, rest, {'status': status, 'reply': code,
                                 'host': 'mx.example.net'}


def lhost_phrases(extracted):
    """(reason, phrase) of the MTA tables, once each: a phrase two
    tables give different reasons is left out."""
    reasons = collections.defaultdict(set)
    for line in extracted.splitlines():
        _module, reason, p = line.split('\t', 2)
        p = ' '.join(p.split())
        if len(p) >= 8:
            reasons[p].add(reason)
    for p in sorted(reasons):
        if len(reasons[p]) == 1:
            yield next(iter(reasons[p])), p


def provider_replies(extracted):
    """(reason, phrase, reply fields) of the provider tables, once each."""
    seen = set()
    for line in extracted.splitlines():
        module, reason, codes, p = line.split('\t', 3)
        host = RHOST_HOSTS.get(module)
        p = ' '.join(p.split())
        if not host or not p or (module, reason, codes, p) in seen:
            continue
        seen.add((module, reason, codes, p))
        parts = codes.split()
        reply = next((c for c in parts if len(c) == 3 and c.isdigit()), None)
        status = next((c for c in parts if c.count('.') == 2), None)
        if not status:
            status = '4.0.0' if reply and reply[0] == '4' else '5.0.0'
        if not reply:
            reply = '451' if status[0] == '4' else '550'
        if status not in p:
            p = f'{status} {p}'
        yield reason, p, {'status': status, 'reply': reply, 'host': host}


# Sisimai walks some of its tables as Perl hashes, whose order changes
# from run to run; a fixed seed makes its answers repeatable.
PERL_ENV = dict(os.environ, PERL_HASH_SEED='0', PERL_PERTURB_KEYS='0')


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          **kw).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cli', required=True)
    ap.add_argument('--rules', required=True)
    ap.add_argument('--floor', default='0')
    ap.add_argument('--misses', action='store_true')
    ap.add_argument('--phrases')
    ap.add_argument('--work')
    args = ap.parse_args()

    sets = {}
    if args.phrases:
        sets['written'] = list(written_replies(args.phrases))
    have_sisimai = subprocess.run(['perl', '-MSisimai', '-e', '1'],
                                  capture_output=True).returncode == 0
    if have_sisimai:
        ex = subprocess.run(['perl', '-e', EXTRACT], capture_output=True,
                            text=True)
        rhost = subprocess.run(['perl', '-e', RHOST_EXTRACT],
                               capture_output=True, text=True)
        lhost = subprocess.run(['perl', '-e', LHOST_EXTRACT],
                               capture_output=True, text=True)
        for r in (ex, rhost, lhost):
            if r.returncode:
                sys.stderr.write(r.stderr)
                return 1
        sets['lists'] = list(phrases(ex.stdout))
        sets['providers'] = list(provider_replies(rhost.stdout))
        sets['lhost'] = list(lhost_phrases(lhost.stdout))
        bp = subprocess.run(['perl', '-MMail::DeliveryStatus::BounceParser',
                             '-e', BP_PATH], capture_output=True, text=True)
        if bp.returncode == 0 and os.path.isfile(bp.stdout):
            with open(bp.stdout, encoding='utf-8', errors='replace') as f:
                sets['bounceparser'] = list(bounceparser_phrases(f.read()))
        else:
            print('sisimai-wording: BounceParser is not installed: no '
                  'bounceparser set')
    else:
        print('sisimai-wording: Sisimai is not installed: only the written set')
    if not sets:
        print('sisimai-wording: SKIP: Sisimai is not installed')
        return 77

    floors = {}
    for part in args.floor.split(','):
        name, _, value = part.rpartition('=')
        try:
            floors[name or '*'] = float(value)
        except ValueError:
            print(f'sisimai-wording: bad --floor {args.floor!r}', file=sys.stderr)
            return 2
    work = args.work or tempfile.mkdtemp(prefix='sisimai-wording.')
    failed = False
    for variant, template, reply, which in VARIANTS:
        if which not in sets:
            continue
        files = {}
        for n, item in enumerate(sets[which]):
            reason, p = item[0], item[1]
            fields = reply or item[2]
            path = os.path.join(work, f'{variant}-{n:04d}.eml')
            with open(path, 'w') as f:
                f.write(template.format(n=n, p=p, **fields))
            files[path] = (reason, p)
        paths = sorted(files)
        if which in ('written', 'lhost'):
            # The label recorded with the line; for an MTA table, the
            # table's own reason (Sisimai consults it only for a bounce
            # in that MTA's format, not in the report these are put in).
            label = {path: files[path][0] for path in paths}
        else:
            label = dict(line.split('\t') for line in
                         run(['perl', '-e', LABEL] + paths,
                             env=PERL_ENV).splitlines())
        ours = {}
        for line in run([args.cli, 'classify', '--rules', args.rules,
                         '--json'] + paths).splitlines():
            d = json.loads(line)
            r = d['recipients'][0] if d['recipients'] else {}
            ours[d['file']] = (r.get('reason', 'none'), r.get('rule', '-'))
        total = collections.Counter()
        agree = collections.Counter()
        misses = []
        for path in paths:
            reason, p = files[path]
            if which == 'bounceparser':
                # both peers agree; Sisimai's finer reason is compared
                if label.get(path) not in BP_REASONS[reason]:
                    continue
                reason = label[path]
            elif label.get(path) != reason:
                continue
            found, rule = ours[path]
            total[reason] += 1
            if found == reason or (reason, found) in SISIMAI5_SPLITS:
                agree[reason] += 1
            else:
                misses.append((reason, found, rule, p))
        n, ok = sum(total.values()), sum(agree.values())
        share = 100.0 * ok / n if n else 0.0
        print(f'sisimai-wording: {variant}: {ok} of {n} phrases read as '
              f'Sisimai reads them ({share:.1f}%)')
        print('  ' + ' '.join(f'{r}:{agree[r]}/{total[r]}'
                              for r in sorted(total)))
        if args.misses:
            for m in sorted(misses):
                print('  miss\t' + '\t'.join(m))
        floor = floors.get(variant, floors.get('*', 0.0))
        if share < floor:
            print(f'sisimai-wording: FAIL: {variant} below {floor}%')
            failed = True
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
