#!/bin/sh
# Sum the "PASS FAIL SKIP SHARED" lines of counts file $1 (tests/tap-count.sh)
# and print the summary; the last line is "N passed, N failed, N skipped".
# Exit 0 only when nothing failed and something passed.
set -u
awk '
	{ p += $1; f += $2; s += $3; sh += $4 }
	END {
		if (sh > 0)
			printf "# %d of the skips: ../shared absent (outside CI)\n", sh
		printf "%d passed, %d failed, %d skipped\n", p, f, s
		exit !(f == 0 && p > 0)
	}' "$1"
