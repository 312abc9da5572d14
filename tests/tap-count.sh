#!/bin/sh
# Read TAP on stdin, echo it, and append "PASS FAIL" counts to file $1.
awk -v out="$1" '
	{ print; fflush() }
	/^ok / { p++ }
	/^not ok / { f++ }
	END { printf "%d %d\n", p + 0, f + 0 >> out }'
