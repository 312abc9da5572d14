#!/bin/sh
# make bench: run every bench/*.sh (each writes bench/out/NAME.txt).
cd "$(dirname "$0")/.." || exit 1
rc=0
for b in bench/*.sh; do
	[ "$b" = bench/run.sh ] && continue
	echo "=== $b"
	sh "$b" || rc=1
done
exit $rc
