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
[ $# -gt 0 ] || set -- tests/e2e/*.bats
[ -e "$1" ] || { echo "# no e2e tests"; exit 0; }
bats --tap "$@" 2>&1 | sh tests/tap-count.sh "$COUNTS"
if [ "$own" = 1 ]; then
	sh tests/tap-summary.sh "$COUNTS"
	st=$?
	rm -f "$COUNTS"
	exit $st
fi
exit 0
