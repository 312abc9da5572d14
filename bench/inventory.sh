#!/bin/sh
# Inventory collection (issue 5): time and peak RSS of one full collection
# on this machine beside the same facts gathered by the usual commands
# (dpkg-query -W, ss -tlnup, lsblk, ip addr) in one script; bytes on the
# wire (gzip) of a full snapshot and of an unchanged one.
# Target: under 200 ms and 8 MB RSS.  Writes bench/out/inventory.txt.
set -eu
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
OUT=bench/out/inventory.txt
mkdir -p bench/out
make --no-print-directory -s BUILD="$BUILD" "$BUILD/bench/inventory" >/dev/null
BIN=$BUILD/bench/inventory
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

cat >"$TMP/ref.sh" <<'REF'
dpkg-query -W >/dev/null
ss -tlnup >/dev/null
ss -ulnp >/dev/null
lsblk -o NAME,SIZE,MODEL,SERIAL >/dev/null
ip addr >/dev/null
REF

# Warm the page cache for both, then measure.
"$BIN" --runs 1 >/dev/null
sh "$TMP/ref.sh"

RUNS=${RUNS:-20}
ours=$("$BIN" --runs "$RUNS" --full "$TMP/full.json" --unchanged "$TMP/unchanged.json")
ours_ms=$(echo "$ours" | sed 's/.*median_ms=\([0-9]*\).*/\1/')
# Peak RSS of a separate single run (the loop above keeps one snapshot).
ours_rss=$(/usr/bin/time -f '%M' "$BIN" --runs 1 2>&1 >/dev/null | tail -n 1)

# Reference: median wall time of RUNS runs; peak RSS = largest child.
ref_ms=$(
	i=0
	while [ $i -lt "$RUNS" ]; do
		t0=$(date +%s%N); sh "$TMP/ref.sh"; t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000000 ))
		i=$((i + 1))
	done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
ref_rss=$(/usr/bin/time -f '%M' sh "$TMP/ref.sh" 2>&1 >/dev/null | tail -n 1)

full=$(wc -c <"$TMP/full.json")
full_gz=$(gzip -9 -c "$TMP/full.json" | wc -c)
unch=$(wc -c <"$TMP/unchanged.json")
unch_gz=$(gzip -9 -c "$TMP/unchanged.json" | wc -c)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "within target" : "OVER target" }'; }

{
	echo "inventory collection on $(hostname) ($(nproc) cores), $RUNS runs, median"
	echo "  ours:      $ours"
	printf '  %-34s %10s %12s\n' "" "time (ms)" "peak RSS (KB)"
	printf '  %-34s %10s %12s\n' "shaobing inventory (all facts)" "$ours_ms" "$ours_rss"
	printf '  %-34s %10s %12s\n' "dpkg-query+ss+lsblk+ip (subset)" "$ref_ms" "$ref_rss"
	printf '  %-34s %10s %12s\n' "ratio ours/reference" "$(ratio "$ours_ms" "$ref_ms")" "$(ratio "$ours_rss" "$ref_rss")"
	echo "  target 200 ms: $(verdict "$ours_ms" 200); target 8 MB RSS: $(verdict "$ours_rss" 8192)"
	echo "bytes on the wire (event data, JSON):"
	printf '  %-34s %10s %12s\n' "" "raw" "gzip -9"
	printf '  %-34s %10s %12s\n' "full snapshot (inventory)" "$full" "$full_gz"
	printf '  %-34s %10s %12s\n' "unchanged (inventory_unchanged)" "$unch" "$unch_gz"
	printf '  %-34s %10s %12s\n' "ratio unchanged/full" "$(ratio "$unch" "$full")" "$(ratio "$unch_gz" "$full_gz")"
} | tee "$OUT"
