#!/bin/sh
# Incident engine throughput: events folded per second in process on a
# durable store (1,000-event batches, port scans over 1,000 keys), beside
# the same store without the engine (the reference: what folding costs).
# Writes bench/out/fold.txt.  Env: BUILD (build), EVENTS (200000), KEYS (1000).
set -eu
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
EVENTS=${EVENTS:-200000}
KEYS=${KEYS:-1000}
FOLD=$BUILD/bench/fold
[ -x "$FOLD" ] || make --no-print-directory BUILD="$BUILD" "$FOLD" >/dev/null
T=$(mktemp -d /var/tmp/shaobing-bench-fold.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
echo "fold: $EVENTS events over $KEYS keys ..."
set -- $("$FOLD" "$T" "$EVENTS" "$KEYS")
mkdir -p bench/out
{
	echo "incident engine, $EVENTS port_scan events over $KEYS keys, 1,000-event batches, durable store ($(nproc) CPUs)"
	printf '%-44s %12s\n' "figure" "events/s"
	printf '%-44s %12s\n' "stored + folded into incidents" "$1"
	printf '%-44s %12s\n' "stored only (no engine, reference)" "$2"
	printf '%-44s %12s\n' "ratio with / without engine" "$(awk "BEGIN{printf \"%.2f\", $1 / $2}")"
	echo "incidents opened: $3 (the rest folded)"
} | tee bench/out/fold.txt
