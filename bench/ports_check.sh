#!/bin/sh
# 1,000 TCP port checks against local listeners: shaobing-agent --check
# tcp://127.0.0.1:A-B beside nmap -sT on the same ports.  Checks per second.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
A=$BUILD/bin/shaobing-agent
L=$BUILD/bench/ports_listen
OUT=bench/out/ports_check.txt
mkdir -p bench/out
N=1000
fifo=$(mktemp -u)
mkfifo "$fifo"
# First free block of 1,000 ports among a few candidates.
for BASE in ${BASE:-41000 45000 49000 53000 57000}; do
	"$L" "$BASE" "$N" <"$fifo" >"$fifo.out" 2>/dev/null &
	LPID=$!
	exec 9>"$fifo"
	while ! grep -q ready "$fifo.out" 2>/dev/null && kill -0 $LPID 2>/dev/null; do
		sleep 0.05
	done
	grep -q ready "$fifo.out" && break
	exec 9>&-
	LPID=
done
[ -n "$LPID" ] || { echo "ports_check: no free block of $N ports" >&2; exit 1; }
LAST=$((BASE + N - 1))
ns() { date +%s%N; }
runs=5
t0=$(ns)
for _ in $(seq 1 $runs); do
	"$A" --check "tcp://127.0.0.1:$BASE-$LAST" --concurrency 256 --json >/tmp/sb-ports.json || true
done
t1=$(ns)
ours_ms=$(( (t1 - t0) / 1000000 / runs ))
open=$(jq '[.ports[] | select(.state=="open")] | length' /tmp/sb-ports.json)
nm_ms=-
if command -v nmap >/dev/null; then
	t0=$(ns)
	nmap -n -Pn -sT -p "$BASE-$LAST" 127.0.0.1 -oG /tmp/sb-nmap.txt >/dev/null 2>&1
	t1=$(ns)
	nm_ms=$(( (t1 - t0) / 1000000 ))
	nm_open=$(grep -o '[0-9]*/open' /tmp/sb-nmap.txt | wc -l)
fi
exec 9>&-
wait $LPID 2>/dev/null
rm -f "$fifo" "$fifo.out"
{
	echo "1,000 TCP port checks against local listeners (mean of $runs runs)"
	printf '%-28s %10s %12s %8s\n' tool ms checks/s open
	printf '%-28s %10s %12s %8s\n' "shaobing-agent --check" "$ours_ms" \
		"$(( N * 1000 / (ours_ms > 0 ? ours_ms : 1) ))" "$open"
	if [ "$nm_ms" != - ]; then
		printf '%-28s %10s %12s %8s\n' "nmap -sT" "$nm_ms" \
			"$(( N * 1000 / (nm_ms > 0 ? nm_ms : 1) ))" "$nm_open"
		echo "ratio nmap/ours: $(awk "BEGIN { printf \"%.1f\", $nm_ms / ($ours_ms > 0 ? $ours_ms : 1) }")x"
	fi
} | tee "$OUT"
