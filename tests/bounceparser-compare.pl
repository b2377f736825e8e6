#!/usr/bin/perl
#
# bounceparser-compare.pl - does Mail::DeliveryStatus::BounceParser read a
# rewritten bounce as it read the original?
#
# Usage:
#   perl bounceparser-compare.pl [-v] [--label L] ORIGINAL REWRITTEN [...]
#   perl bounceparser-compare.pl [-v] [--label L] --list PAIRS-FILE
#
# A pairs file has one pair a line, the original path and the rewritten
# path separated by a TAB (further TAB-separated columns are ignored).
# Blank lines and lines starting with '#' are ignored.
#
# BounceParser is what mailing-list managers use to learn which member's
# address bounces, so it is read the way they read it: is_bounce, then
# every report's address ("email"), std_reason, smtp_code, Status and
# reason.  A pair agrees when
#   * both parse (BounceParser dying on one of them is a difference);
#   * is_bounce is the same;
#   * the rewritten message gives no address the original does not give
#     (our own text must never be read as a bounced address: issue 13,
#     item 4), and loses none;
#   * for every address, the set of (std_reason, smtp_code, status,
#     reason) it is reported with is the same.  BounceParser reports an
#     address once per text part it occurs in, so the records of an
#     address are compared as a set, not counted.
#
# Prints one DIFF block per pair that differs, then
#   bounceparser[ L]: N pairs, M agree, K differ
# and exits 1 if any pair differs, 2 for usage errors (and when the module
# is missing: the caller decides whether that skips), 0 otherwise.
use strict;
use warnings;

my @FIELDS = qw(std_reason smtp_code status reason);

sub usage {
	print STDERR "usage: $0 [-v] [--label L] ORIGINAL REWRITTEN [...]\n"
	    . "       $0 [-v] [--label L] --list PAIRS-FILE\n";
	exit 2;
}

my ($verbose, $label) = (0, '');
my (@pairs, @args);
while (@ARGV) {
	my $arg = shift @ARGV;
	if ($arg eq '-v' || $arg eq '--verbose') {
		$verbose = 1;
	} elsif ($arg eq '--label') {
		$label = shift @ARGV;
		usage() unless defined $label;
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
			my @p = split(/\t/, $line);
			if (@p < 2 || $p[0] eq '' || $p[1] eq '') {
				print STDERR "$0: $file:$.: want ORIGINAL TAB REWRITTEN\n";
				exit 2;
			}
			push @pairs, [@p[0, 1]];
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

eval { require Mail::DeliveryStatus::BounceParser; 1 } or do {
	print STDERR "$0: the Perl module Mail::DeliveryStatus::BounceParser "
	    . "is not installed (Debian: libmail-deliverystatus-bounceparser-perl)\n";
	exit 2;
};

sub norm {
	my $v = shift;
	return '' unless defined $v;
	$v =~ s/\s+/ /g;
	$v =~ s/\A | \z//g;
	return $v;
}

# Returns ({is_bounce, addr => {address => {record-string => 1}}}, $error).
sub readout {
	my $path = shift;
	my $fh;
	open($fh, '<:raw', $path) or return (undef, "cannot read: $!");
	my $raw = do { local $/; <$fh> };
	close($fh);
	my $b;
	my $ok = eval {
		local $SIG{__WARN__} = $verbose ? $SIG{__WARN__} : sub { };
		$b = Mail::DeliveryStatus::BounceParser->new($raw);
		1;
	};
	return (undef, "BounceParser died: " . (($@ // '') =~ s/\s+\z//r))
	    unless $ok && $b;
	my %addr;
	for my $r ($b->reports) {
		my $email = lc(norm($r->get('email')));
		my $rec = join("\x{1f}", map { norm($r->get($_)) } @FIELDS);
		$addr{$email}{$rec} = 1;
	}
	return ({ 'is_bounce' => ($b->is_bounce ? 1 : 0), 'addr' => \%addr },
	    undef);
}

sub show {
	my @v = split(/\x{1f}/, shift, -1);
	my $reason = $v[3] // '';
	$reason = substr($reason, 0, 77) . '...' if length($reason) > 80;
	return sprintf("std_reason=%s smtp_code=%s status=%s reason='%s'",
	    map({ $_ // '' } @v[0 .. 2]), $reason);
}

my ($agree, $differ) = (0, 0);
my %orig_cache;
for my $p (@pairs) {
	my ($orig, $new) = @$p;
	my @problems;
	$orig_cache{$orig} //= [readout($orig)];
	my ($a, $aerr) = @{ $orig_cache{$orig} };
	my ($b, $berr) = readout($new);
	push @problems, "original: $aerr" if $aerr;
	push @problems, "rewritten: $berr" if $berr;
	if (!$aerr && !$berr) {
		push @problems, "is_bounce $a->{'is_bounce'} became $b->{'is_bounce'}"
		    if $a->{'is_bounce'} != $b->{'is_bounce'};
		my ($x, $y) = ($a->{'addr'}, $b->{'addr'});
		for my $e (sort keys %$y) {
			push @problems, "address '$e' only in the rewritten message ("
			    . join('; ', map { show($_) } sort keys %{ $y->{$e} }) . ")"
			    unless exists $x->{$e};
		}
		for my $e (sort keys %$x) {
			if (!exists $y->{$e}) {
				push @problems, "address '$e' missing from the rewritten "
				    . "message";
				next;
			}
			for my $r (sort keys %{ $x->{$e} }) {
				push @problems, "address '$e': lost " . show($r)
				    unless $y->{$e}{$r};
			}
			for my $r (sort keys %{ $y->{$e} }) {
				push @problems, "address '$e': new " . show($r)
				    unless $x->{$e}{$r};
			}
		}
	}
	if (@problems) {
		$differ++;
		print "DIFF $orig -> $new\n";
		print "  $_\n" for @problems;
	} else {
		$agree++;
		printf "SAME %s (%d addresses)\n", $orig, scalar keys %{ $a->{'addr'} }
		    if $verbose;
	}
}
printf "bounceparser%s: %d pairs, %d agree, %d differ\n",
    ($label ne '' ? " $label" : ''), scalar @pairs, $agree, $differ;
exit($differ ? 1 : 0);
