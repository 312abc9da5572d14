#!/bin/sh
# 1,000 TCP port checks against local listeners: shaobing-agent --check
# tcp://127.0.0.1:A-B beside nmap -sT on the same ports.  Checks per
# second: median of RUNS (default 5) alternating runs of each, clocked in
# ns.  Every run of both must find the same number of open ports, or the
# bench fails (a fast check that misses ports proves nothing).
set -u
cd "$(dirname "$0")/.." || exit 1
. bench/lib.sh
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
RUNS=${RUNS:-5}
command -v nmap >/dev/null || { echo "ports_check: nmap missing (make deps)" >&2; exit 1; }
ours_t='' nm_t='' counts=''
for _ in $(seq 1 "$RUNS"); do
	t0=$(ns)
	"$A" --check "tcp://127.0.0.1:$BASE-$LAST" --concurrency 256 --json >/tmp/sb-ports.json || true
	t1=$(ns)
	ours_t="$ours_t $((t1 - t0))"
	open=$(jq '[.ports[] | select(.state=="open")] | length' /tmp/sb-ports.json)
	t0=$(ns)
	nmap -n -Pn -sT -p "$BASE-$LAST" 127.0.0.1 -oG /tmp/sb-nmap.txt >/dev/null 2>&1
	t1=$(ns)
	nm_t="$nm_t $((t1 - t0))"
	nm_open=$(grep -o '[0-9]*/open/' /tmp/sb-nmap.txt | wc -l)
	counts="$counts $open/$nm_open"
	if [ "$open" != "$nm_open" ]; then
		echo "ports_check: open ports differ: shaobing-agent $open, nmap $nm_open" >&2
		exec 9>&-; exit 1
	fi
done
exec 9>&-
wait $LPID 2>/dev/null
rm -f "$fifo" "$fifo.out" /tmp/sb-ports.json /tmp/sb-nmap.txt
ours_ns=$(median $ours_t) nm_ns=$(median $nm_t)
{
	echo "1,000 TCP port checks against local listeners (median of $RUNS alternating runs)"
	printf '%-28s %12s %12s %8s\n' tool ms checks/s open
	printf '%-28s %12.1f %12.0f %8s\n' "shaobing-agent --check" "$(awk "BEGIN{print $ours_ns/1e6}")" \
		"$(awk "BEGIN{print $N * 1e9 / $ours_ns}")" "$open"
	printf '%-28s %12.1f %12.0f %8s\n' "nmap -sT" "$(awk "BEGIN{print $nm_ns/1e6}")" \
		"$(awk "BEGIN{print $N * 1e9 / $nm_ns}")" "$nm_open"
	echo "open ports equal in every run (ours/nmap):$counts"
	echo "ratio nmap/ours: $(awk "BEGIN { printf \"%.2f\", $nm_ns / $ours_ns }")x"
} | tee "$OUT"
