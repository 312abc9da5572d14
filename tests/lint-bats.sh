#!/bin/sh
# A negated command on its own line ("! cmd") can never fail a bats test:
# bash's set -e ignores it, so only the test's last line would count and
# a later edit silently disarms it.  Use `run ! cmd`, `refute_grep`, or
# `if cmd; then false; fi`.  One TAP result; counts to $1 when given.
cd "$(dirname "$0")/.." || exit 1
hits=$(grep -nE '^[[:space:]]*![[:space:]]' tests/e2e/*.bats tests/e2e/*.bash 2>/dev/null)
if [ -n "$hits" ]; then
	echo "not ok - lint: inert negative checks in bats (use run !, refute_grep or if ...; then false; fi):"
	echo "$hits" | sed 's/^/#   /'
	[ -n "${1:-}" ] && echo "0 1 0 0" >>"$1"
	exit 1
fi
echo "ok - lint: no inert '! cmd' lines in tests/e2e"
[ -n "${1:-}" ] && echo "1 0 0 0" >>"$1"
exit 0
