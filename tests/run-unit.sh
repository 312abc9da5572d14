#!/bin/sh
# Run every cmocka unit test binary of build dir $1 with TAP output.
# Counts go to $COUNTS (default: a temp file, summary printed).
set -u
BUILD=${1:-build}
COUNTS=${COUNTS:-$(mktemp)}
cd "$(dirname "$0")/.." || exit 1
export CMOCKA_MESSAGE_OUTPUT=TAP
export SHAOBING_TESTDATA="$PWD/tests/data"
export SHAOBING_SHARED="$(cd .. && pwd)/shared"
rc=0
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "# unit: $t"
	"$t" 2>&1 | sh tests/tap-count.sh "$COUNTS"
	st=$(tail -n 1 "$COUNTS")
	# A test binary that crashed before printing TAP counts as a failure.
	if [ "$st" = "0 0" ]; then
		echo "not ok - $t produced no results"
		sed -i '$d' "$COUNTS"; echo "0 1" >> "$COUNTS"
	fi
done
exit $rc
