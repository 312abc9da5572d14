#!/bin/sh
# make bench: run every bench/*.sh (except this one) in turn.  Each prints
# its figures beside its reference and writes bench/out/NAME.txt.
set -u
cd "$(dirname "$0")/.." || exit 1
mkdir -p bench/out
rc=0
for b in bench/*.sh; do
	[ "$b" = bench/run.sh ] && continue
	case "${BENCH:-}" in "") ;; *) case "$b" in *"$BENCH"*) ;; *) continue ;; esac ;; esac
	printf '\n=== %s ===\n' "$b"
	sh "$b" || { echo "bench: $b failed"; rc=1; }
done
echo
echo "figures: bench/out/*.txt"
exit $rc
