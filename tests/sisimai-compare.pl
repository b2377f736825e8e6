#!/usr/bin/perl
#
# sisimai-compare.pl - does Sisimai read a rewritten bounce as it read the
# original?
#
# Usage:
#   perl sisimai-compare.pl [-v] ORIGINAL.eml REWRITTEN.eml [ORIG2 REWR2 ...]
#   perl sisimai-compare.pl [-v] --list PAIRS-FILE     ('-' reads stdin)
#
# A pairs file has one pair a line: the original path and the rewritten
# path, separated by a TAB (or, when the line has no TAB, by white space);
# further TAB-separated columns are ignored.
# Blank lines and lines starting with '#' are ignored.
#
# Both messages of a pair are parsed with Sisimai->make($path,
# delivered => 1) (Sisimai 4.25: an arrayref of Sisimai::Data, or undef
# when it found no bounce record; delivered => 1 keeps relay/delivery
# notices so that they are compared too).  Records are paired by
# recipient address (the n-th record of an address with the n-th of the
# same address) and must agree on: recipient address, reason,
# deliverystatus, replycode, action and softbounce (1 soft, 0 hard,
# -1 undecided; hard bounce is softbounce == 0).  Both messages must give
# the same number of records.  Sisimai dying on either file is a
# difference too.
#
# Prints one line per difference, then
#   sisimai: N pairs, M identical, K differ
# and exits 1 if any pair differs, 2 for usage errors, 0 otherwise.
# Sisimai's own warnings are kept quiet unless -v is given.
use strict;
use warnings;

my @FIELDS = qw(recipient reason deliverystatus replycode action softbounce);

sub usage {
	print STDERR "usage: $0 [-v] ORIGINAL REWRITTEN [ORIGINAL REWRITTEN ...]\n"
	    . "       $0 [-v] --list PAIRS-FILE\n";
	exit 2;
}

my $verbose = 0;
my @pairs;
my @args;
while (@ARGV) {
	my $arg = shift @ARGV;
	if ($arg eq '-v' || $arg eq '--verbose') {
		$verbose = 1;
	} elsif ($arg eq '--list' || $arg eq '-l') {
		my $file = shift @ARGV;
		usage() unless defined $file;
		my $fh;
		if ($file eq '-') {
			$fh = \*STDIN;
		} else {
			open($fh, '<', $file) or die "$0: $file: $!\n";
		}
		while (my $line = <$fh>) {
			$line =~ s/\r?\n\z//;
			next if $line =~ /^\s*(?:#|\z)/;
			my @p = index($line, "\t") >= 0
			    ? (split(/\t/, $line))[0, 1] : split(' ', $line);
			if (@p != 2 || !defined $p[1] || $p[0] eq '' || $p[1] eq '') {
				print STDERR "$0: $file:$.: want ORIGINAL and REWRITTEN\n";
				exit 2;
			}
			push @pairs, [@p];
		}
		close($fh) unless $file eq '-';
	} elsif ($arg eq '-h' || $arg eq '--help') {
		usage();
	} elsif ($arg =~ /^-./ && !-e $arg) {
		usage();
	} else {
		push @args, $arg;
	}
}
usage() if @args % 2;
push @pairs, [splice(@args, 0, 2)] while @args;
usage() unless @pairs;

eval { require Sisimai; 1 } or do {
	print STDERR "$0: the Perl module Sisimai is not installed "
	    . "(Debian: libsisimai-perl)\n";
	exit 2;
};

sub val {
	my $v = shift;
	return '(undef)' unless defined $v;
	return "$v";
}

# Returns (\@records, $error); each record a hash of @FIELDS plus smtpagent.
sub records {
	my $path = shift;
	return (undef, "cannot read: $!") unless -f $path && -r _;
	my $list;
	my $ok = eval {
		local $SIG{__WARN__} = $verbose ? $SIG{__WARN__} : sub { };
		$list = Sisimai->make($path, 'delivered' => 1);
		1;
	};
	return (undef, "Sisimai died: " . (($@ // '') =~ s/\s+\z//r)) unless $ok;
	my @out;
	for my $e (@{ $list // [] }) {
		my $r = $e->recipient;
		push @out, {
			'recipient'      => lc(val(ref $r ? $r->address : $r)),
			'reason'         => val($e->reason),
			'deliverystatus' => val($e->deliverystatus),
			'replycode'      => val($e->replycode),
			'action'         => val($e->action),
			'softbounce'     => val($e->softbounce),
			'smtpagent'      => val($e->smtpagent),
		};
	}
	return (\@out, undef);
}

sub describe {
	my $r = shift;
	return join(' ', map { "$_=" . $r->{$_} } @FIELDS, 'smtpagent');
}

my ($identical, $differ) = (0, 0);
for my $p (@pairs) {
	my ($orig, $new) = @$p;
	my @problems;
	my ($ra, $aerr) = records($orig);
	my ($rb, $berr) = records($new);
	push @problems, "original: $aerr" if $aerr;
	push @problems, "rewritten: $berr" if $berr;
	if (!$aerr && !$berr) {
		if (@$ra != @$rb) {
			push @problems, sprintf("%d records in the original, %d in "
			    . "the rewritten message", scalar @$ra, scalar @$rb);
		}
		# Pair the n-th record of an address with the n-th of the same
		# address in the other message.
		my (%byaddr, @order);
		for my $r (@$rb) {
			push @{ $byaddr{ $r->{'recipient'} } }, $r;
		}
		for my $r (@$ra) {
			my $q = $byaddr{ $r->{'recipient'} };
			if (!$q || !@$q) {
				push @problems, "recipient $r->{'recipient'} missing from "
				    . "the rewritten message (" . describe($r) . ")";
				next;
			}
			my $s = shift @$q;
			my @d = grep { $r->{$_} ne $s->{$_} } @FIELDS;
			if (@d) {
				push @problems, "recipient $r->{'recipient'}: "
				    . join(', ', map { "$_ '$r->{$_}' became '$s->{$_}'" } @d)
				    . " (smtpagent $r->{'smtpagent'} -> $s->{'smtpagent'})";
			}
		}
		for my $addr (sort keys %byaddr) {
			for my $s (@{ $byaddr{$addr} }) {
				push @problems, "recipient $addr only in the rewritten "
				    . "message (" . describe($s) . ")";
			}
		}
	}
	if (@problems) {
		$differ++;
		print "DIFF $orig -> $new\n";
		print "  $_\n" for @problems;
	} else {
		$identical++;
		if ($verbose) {
			printf "SAME %s (%d records)\n", $orig, scalar @$ra;
		}
	}
}
printf "sisimai: %d pairs, %d identical, %d differ\n",
    scalar @pairs, $identical, $differ;
exit($differ ? 1 : 0);
