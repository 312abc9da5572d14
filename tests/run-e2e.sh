#!/bin/sh
# Run the bats end-to-end tests against the binaries of build dir $1
# (all of tests/e2e, or the .bats files given after it).
set -u
BUILD=${1:-build}
[ $# -gt 0 ] && shift
own=0
[ -n "${COUNTS:-}" ] || { COUNTS=$(mktemp); own=1; }
cd "$(dirname "$0")/.." || exit 1
export SHAOBING_BIN="$PWD/$BUILD/bin"
export SHAOBING_BUILD="$PWD/$BUILD"
export SHAOBING_ROOT="$PWD"
export SHAOBING_SHARED="$(cd .. && pwd)/shared"
all=0
[ $# -gt 0 ] || { all=1; set -- tests/e2e/*.bats; }
# The console's pages as PNG, 1366x768, for a reviewer (console.bats).
export SHAOBING_SCREENSHOTS="$PWD/$BUILD/screenshots"
[ -e "$1" ] || { echo "# no e2e tests"; exit 0; }
# Sanitizer reports of binaries a test starts without sb_setup (which
# points them at its own folder and fails that test) land here.
san=$(mktemp -d)
strip() { printf '%s' "$1" | sed -E 's/(^|:)log_path=[^:]*//g; s/^://'; }
a=$(strip "${ASAN_OPTIONS:-detect_leaks=1}") u=$(strip "${UBSAN_OPTIONS:-print_stacktrace=1}")
export ASAN_OPTIONS="${a:+$a:}log_path=$san/report" UBSAN_OPTIONS="${u:+$u:}log_path=$san/report"
# The store's end-to-end tests once more on PostgreSQL (issue 19), at the
# same time as the run below (the tests mostly wait on daemons, and each
# has its own folder, ports and database): each test gets a fresh
# database of one throw-away cluster (tests/pg.sh), stopped whatever
# happens.  PG_E2E names the files (SB_STORE=PostgreSQL in
# tests/e2e/helpers.bash); set it empty for no PostgreSQL pass (the
# sanitizer build: tests/check.sh).  Its TAP is counted after the main
# run's, so the two never interleave.
PG_E2E=${PG_E2E-tests/e2e/collector.bats tests/e2e/failover.bats tests/e2e/export.bats tests/e2e/incidents.bats tests/e2e/assets.bats tests/e2e/enroll.bats}
pgtap=$(mktemp)
pgpid=
if [ -n "$PG_E2E" ] && { [ "$all" = 1 ] || [ -n "${SB_PG_E2E:-}" ]; }; then
	pgdir=$(mktemp -d /tmp/sb-e2e-pg.XXXXXX)
	trap 'sh tests/pg.sh stop "$pgdir"; rm -f "$pgtap"' EXIT
	trap 'exit 1' INT TERM HUP
	. tests/pg-env.sh
	if [ -n "$SHAOBING_TEST_PG" ]; then
		SB_STORE=PostgreSQL bats --tap $PG_E2E >"$pgtap" 2>&1 &
		pgpid=$!
	else
		printf '1..1\nok 1 # skip the PostgreSQL runs of %s: PostgreSQL is not installed (make deps installs it)\n' \
			"$PG_E2E" >"$pgtap"
	fi
fi
bats --tap "$@" 2>&1 | sh tests/tap-count.sh "$COUNTS"
if [ -n "$pgpid" ]; then
	echo "# end-to-end tests on PostgreSQL: $PG_E2E"
	wait "$pgpid"
fi
[ ! -s "$pgtap" ] || sh tests/tap-count.sh "$COUNTS" <"$pgtap"
rm -f "$pgtap"
for f in "$san"/report.*; do
	[ -s "$f" ] || continue
	echo "not ok - sanitizer report from an end-to-end test's binary: $f"
	head -n 60 "$f" | sed 's/^/#   /'
	echo "0 1 0 0" >>"$COUNTS"
done
rm -rf "$san"
if [ "$own" = 1 ]; then
	sh tests/tap-summary.sh "$COUNTS"
	st=$?
	rm -f "$COUNTS"
	exit $st
fi
exit 0
