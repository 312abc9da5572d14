#!/bin/bash
# Bytes on the wire of the inventory (issue 5): a real agent collects this
# machine's inventory (or $INV_ROOT) and uploads it to a real collector on
# loopback; then it runs again with nothing changed.  The two events are
# read back from the collector and rebuilt in their wire form, alone in
# a batch {"agent":..,"events":[EVENT]}, gzip'd at level 6 like the
# agent's uploader (agent/upload.c).  Reference: the same JSON
# uncompressed.  Writes bench/out/inventory_wire.txt.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
ROOT=${INV_ROOT:-/}
OUT=bench/out/inventory_wire.txt
mkdir -p bench/out
for t in jq gzip curl; do
	command -v $t >/dev/null || { echo "inventory_wire: $t missing (make deps)"; exit 1; }
done
[ -x "$BIN/shaobing-collector" ] || { echo "inventory_wire: build first (make BUILD=$BUILD)"; exit 1; }
T=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$T"; }
trap cleanup EXIT
port() { echo $(( (RANDOM * 32768 + RANDOM) % 30000 + 20000 )); }
CP=$(port); AP=$(port)
"$BIN/shaobing" ca init "$T/ca" >/dev/null
"$BIN/shaobing" agents cert bench-01 --ca "$T/ca" --out "$T/ag" >/dev/null
cat >"$T/c.ini" <<EOC
[server]
listen = 127.0.0.1:$CP
cert = $T/ca/server.crt
key = $T/ca/server.key
ca = $T/ca/ca.crt
[store]
path = $T/c.db
[admin]
socket = $T/admin.sock
EOC
cat >"$T/a.ini" <<EOA
[agent]
name = bench-01
server = https://127.0.0.1:$CP
ca = $T/ag/ca.crt
cert = $T/ag/agent.crt
key = $T/ag/agent.key
spool = $T/ag/spool.db
upload_interval = 100ms
retry_max = 1s
user = $(id -un)
log_level = debug
[inventory]
root = $ROOT
EOA
export SHAOBING_ADMIN=unix:$T/admin.sock
"$BIN/shaobing-collector" -f -c "$T/c.ini" >"$T/c.log" 2>&1 &
PIDS="$!"
i=0
until curl -sf --unix-socket "$T/admin.sock" http://localhost/api/v1/admin/agents >/dev/null; do
	i=$((i + 1)); [ $i -lt 300 ] || { cat "$T/c.log"; exit 1; }
	sleep 0.1
done
n_of() { "$BIN/shaobing" events --agent bench-01 --type "$1" --json 2>/dev/null | jq '.events | length'; }
run_agent() {
	"$BIN/shaobing-agent" -f -c "$T/a.ini" >>"$T/a.log" 2>&1 &
	local p=$!
	until [ "$(n_of "$1" || true)" -ge 1 ] 2>/dev/null; do sleep 0.1; done
	kill "$p"; wait "$p" 2>/dev/null || true
}
run_agent inventory
run_agent inventory_unchanged
wire() {
	"$BIN/shaobing" events --agent bench-01 --type "$1" --json |
		jq -c '{agent: .events[0].agent, events: [.events[0] | {agent, seq, ts, type, severity, key, data}]}'
}
wire inventory >"$T/full.json"
wire inventory_unchanged >"$T/unch.json"
fj=$(wc -c <"$T/full.json"); fz=$(gzip -6 -c "$T/full.json" | wc -c)
uj=$(wc -c <"$T/unch.json"); uz=$(gzip -6 -c "$T/unch.json" | wc -c)
pk=$(jq '.events[0].data.packages.count // 0' "$T/full.json")
stored=$(sqlite3 "$T/c.db" 'SELECT length(data) FROM inventory_snapshots LIMIT 1' 2>/dev/null || echo '?')
{
	echo "inventory on the wire (root $ROOT, $pk packages)"
	printf '%-34s %10s %12s %8s\n' "" "gzip'd" "JSON (ref)" "ratio"
	printf '%-34s %10d %12d %7.1f%%\n' "full snapshot (inventory)" "$fz" "$fj" "$(echo "$fz * 100 / $fj" | bc -l)"
	printf '%-34s %10d %12d %7.1f%%\n' "unchanged (inventory_unchanged)" "$uz" "$uj" "$(echo "$uz * 100 / $uj" | bc -l)"
	printf 'unchanged / full (gzip'"'"'d): %.1f%%; collector keeps the snapshot zlib-compressed in %s bytes\n' \
		"$(echo "$uz * 100 / $fz" | bc -l)" "$stored"
	grep -oE 'uploading events [0-9.]+ \([0-9]+ events, [0-9]+ bytes gzip.d from [0-9]+\)' "$T/a.log" |
		sed 's/^/agent log: /'
} | tee "$OUT"
