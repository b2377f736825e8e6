#!/bin/sh
# sisimai-wording.sh - the rules read the server phrases Sisimai knows
#
# Runs tests/sisimai-wording.py: every phrase of the installed Sisimai's
# reason lists and provider tables, wrapped in a Postfix-style DSN, an
# Exim-style plain bounce and a 4.4.7 expiry, is classified, and
# dsnexplain's reason is compared with Sisimai's own; so are the phrases
# of Mail::DeliveryStatus::BounceParser's word lists (when it is
# installed) and the replies written here in tests/data/wording/phrases.tsv
# (that set runs without Sisimai).  Prints the agreement per variant and per reason and every miss.
# Fails when a variant's agreement drops below its floor in
# DSNX_WORDING_FLOOR (NAME=PERCENT,...; the default is a little under what
# the rules reach on Debian 12's Sisimai 4.25): a rule change that loses
# phrases must say why.
# Run by "make check" with top_srcdir and top_builddir in the environment.
# Exit status: 0 pass, 1 fail, 77 skip (no python3 or no Sisimai).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
floor=${DSNX_WORDING_FLOOR:-dsn=86,plain=86,expiry=87,provider=71,written=83,bounceparser=94,lhost=72}

command -v python3 >/dev/null 2>&1 || { echo "sisimai-wording.sh: SKIP: no python3"; exit 77; }
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
python3 "$top_srcdir/tests/sisimai-wording.py" --cli "$top_builddir/cli/dsnexplain" \
	--rules "$top_srcdir/rules" --floor "$floor" --misses --work "$work" \
	--phrases "$top_srcdir/tests/data/wording/phrases.tsv"
