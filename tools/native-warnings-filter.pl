#!/usr/bin/perl
# Filters a process's stderr: drops libtorch's start-up notices that a user cannot act on
# ("AutoNonVariableTypeMode is deprecated", "Could not initialize NNPACK! Reason: Unsupported
# hardware") and passes everything else through at once, progress bars (\r) included.
# Dropped lines are appended to the file named by the first argument (a debug log), if any.
use strict;
use warnings;
$| = 1;
my $log_path = shift @ARGV;
my $log;
my $noise = qr/^\[W\d{4} [\d:.]+ (?:LegacyTypeDispatch\.h|NNPACK\.cpp):\d+\]/;
my $buf = "";
binmode STDIN;
binmode STDERR;
sub emit {
    my ($piece) = @_;
    if ($piece =~ $noise) {
        if (defined $log_path && !defined $log) {
            open($log, '>>', $log_path) or undef $log_path;
        }
        print $log $piece if defined $log;
    } else {
        print STDERR $piece;
    }
}
while (sysread(STDIN, my $chunk, 65536)) {
    $buf .= $chunk;
    while ($buf =~ s/^([^\r\n]*[\r\n])//) {
        emit($1);
    }
    # a partial line that cannot become a notice (a progress bar being drawn) goes out now
    if ($buf ne "" && "[W" !~ /^\Q$buf\E/ && $buf !~ /^\[W/) {
        print STDERR $buf;
        $buf = "";
    }
}
emit($buf) if $buf ne "";
