#!/bin/sh
# Run every cmocka unit test binary of build dir $1 with TAP output.
# Counts go to $COUNTS (default: a temp file, summary printed).
# A binary fails as a whole (on top of its own "not ok" lines) when it
# exits non-zero, when its results do not match its plan (1..N), or when
# a sanitizer report appears in its output (tests/tap-count.sh).
# With PostgreSQL installed the tests also get a throw-away cluster
# (tests/pg.sh, SHAOBING_TEST_PG), stopped at the end.
set -u
BUILD=${1:-build}
own=0
[ -n "${COUNTS:-}" ] || { COUNTS=$(mktemp); own=1; }
cd "$(dirname "$0")/.." || exit 1
export CMOCKA_MESSAGE_OUTPUT=TAP
export SHAOBING_TESTDATA="$PWD/tests/data"
export SHAOBING_SHARED="$(cd .. && pwd)/shared"
out=$(mktemp)
# A throw-away PostgreSQL cluster, always stopped (tests/pg-env.sh).
pgdir=$(mktemp -d /tmp/sb-unit-pg.XXXXXX)
trap 'sh tests/pg.sh stop "$pgdir"; rm -f "$out"' EXIT
trap 'exit 1' INT TERM HUP
. tests/pg-env.sh
n=0
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$((n + 1))
	echo "# unit: $t"
	"$t" >"$out" 2>&1
	st=$?
	sh tests/tap-count.sh "$COUNTS" <"$out"
	if [ "$st" -ne 0 ]; then
		# cmocka exits with the number of failed tests; a crash, an abort
		# or a sanitizer exit shows here even when the TAP looked fine.
		echo "not ok - $t exited with status $st"
		echo "0 1 0 0" >>"$COUNTS"
	fi
done
if [ "$n" -eq 0 ]; then
	echo "not ok - no unit test binaries in $BUILD/tests"
	echo "0 1 0 0" >>"$COUNTS"
fi
if [ "$own" = 1 ]; then
	sh tests/tap-summary.sh "$COUNTS"
	st=$?
	rm -f "$COUNTS"
	exit $st
fi
exit 0
