#!/bin/sh
# Run the bats end-to-end tests against the binaries of build dir $1.
set -u
BUILD=${1:-build}
COUNTS=${COUNTS:-$(mktemp)}
cd "$(dirname "$0")/.." || exit 1
export SHAOBING_BIN="$PWD/$BUILD/bin"
export SHAOBING_BUILD="$PWD/$BUILD"
export SHAOBING_ROOT="$PWD"
export SHAOBING_SHARED="$(cd .. && pwd)/shared"
# The console's pages as PNG, 1366x768, for a reviewer (console.bats).
export SHAOBING_SCREENSHOTS="$PWD/$BUILD/screenshots"
set -- tests/e2e/*.bats
[ -e "$1" ] || { echo "# no e2e tests"; exit 0; }
bats --tap "$@" 2>&1 | sh tests/tap-count.sh "$COUNTS"
