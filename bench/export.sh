#!/bin/sh
# bench/export: `shaobing export --year` of a realistic year for 1,000
# machines (bench/export_gen: 60 s heartbeats coalesced into intervals
# with gaps and outages, 100,000 events, 2,000 incidents, through the real
# store).  Measures the wall time and peak RSS of the export (the CLI,
# and the collector's growth while it computes), and the store's size.
# Targets (issue 7): at most 2 s and 100 MB.
set -eu
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
BIN=$BUILD/bin
GEN=$BUILD/bench/export_gen
OUT=bench/out/export.txt
MACHINES=${MACHINES:-1000}
YEAR=2025
[ -x "$GEN" ] || { echo "export: build first: make benches BUILD=$BUILD"; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "export: needs /usr/bin/time (Debian: time)"; exit 1; }
T=$(mktemp -d /tmp/shaobing-bench-export.XXXXXX)
CPID=""
cleanup() { [ -n "$CPID" ] && kill "$CPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM

gen_t0=$(date +%s.%N)
"$GEN" --machines "$MACHINES" --year $YEAR "$T/c.db" 2>"$T/gen.log"
gen_t1=$(date +%s.%N)
db_bytes=$(stat -c %s "$T/c.db")
"$BIN/shaobing" ca init "$T/pki" >/dev/null
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
AP=$(port); SP=$(port)
cat >"$T/c.ini" <<INI
[server]
listen = 127.0.0.1:$SP
cert = $T/pki/server.crt
key = $T/pki/server.key
ca = $T/pki/ca.crt
[store]
path = $T/c.db
[admin]
socket = $T/admin.sock
[schedule]
always = srv-*
INI
"$BIN/shaobing-collector" -f -c "$T/c.ini" 2>"$T/collector.log" &
CPID=$!
i=0
until curl -sf --unix-socket "$T/admin.sock" http://localhost/api/v1/health >/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$T/collector.log"; exit 1; }
	sleep 0.1
done
hwm() { awk '/VmHWM/ {print $2}' "/proc/$CPID/status"; }
before=$(hwm)
/usr/bin/time -f '%e %M' -o "$T/time" "$BIN/shaobing" --admin "unix:$T/admin.sock" \
	export --year $YEAR --out "$T/export" >"$T/export.log"
after=$(hwm)
read -r secs cli_kb <"$T/time"
# A second run: warm page cache, the figure an admin sees the next time.
/usr/bin/time -f '%e %M' -o "$T/time2" "$BIN/shaobing" --admin "unix:$T/admin.sock" \
	export --year $YEAR --out "$T/export2" >/dev/null
read -r secs2 cli_kb2 <"$T/time2"
coll_kb=$after
rows=$(sqlite3 "$T/c.db" 'SELECT (SELECT count(*) FROM uptime), (SELECT count(*) FROM events), (SELECT count(*) FROM incidents)')
{
	echo "export of a year, $MACHINES machines (uptime|events|incidents rows: $rows)"
	printf '%-44s %12s %12s %8s\n' "figure" "measured" "target" "ratio"
	printf '%-44s %12s %12s %8s\n' "export wall time, first run (s)" "$secs" 2 "$(echo "scale=2; $secs / 2" | bc)"
	printf '%-44s %12s %12s %8s\n' "export wall time, second run (s)" "$secs2" 2 "$(echo "scale=2; $secs2 / 2" | bc)"
	printf '%-44s %12s %12s %8s\n' "shaobing (CLI) peak RSS (MB)" "$(echo "scale=1; $cli_kb / 1024" | bc)" 100 "$(echo "scale=2; $cli_kb / 1024 / 100" | bc)"
	printf '%-44s %12s %12s %8s\n' "collector peak RSS incl. export (MB)" "$(echo "scale=1; $coll_kb / 1024" | bc)" 100 "$(echo "scale=2; $coll_kb / 1024 / 100" | bc)"
	printf '%-44s %12s\n' "collector peak RSS before the export (MB)" "$(echo "scale=1; $before / 1024" | bc)"
	printf '%-44s %12s\n' "store size on disk (MB)" "$(echo "scale=1; $db_bytes / 1048576" | bc)"
	printf '%-44s %12s\n' "export files (KB)" "$(du -sk "$T/export" | cut -f1)"
	printf '%-44s %12s\n' "generating the year (s, not a target)" "$(echo "$gen_t1 - $gen_t0" | bc)"
} | tee "$OUT"
