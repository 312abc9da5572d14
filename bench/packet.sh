#!/bin/sh
# Packet engine benchmark (issue 3).  Figures side by side and as ratios,
# also written to bench/out/packet.txt:
#  - packets/s of `shaobing-agent --analyze` (every detector on) on a
#    generated multi-million-packet office capture with a scan, a sweep, a
#    flood and a spoof inside, beside a no-op pcap_loop over the same file
#    (the floor; target >= 70% of it), `tcpdump -nr FILE`, and
#    `tshark -r FILE -q -z conv,ip` (dissects every packet);
#  - peak RSS of --analyze on that file and on a SYN flood from one million
#    distinct sources (target <= 64 MB with the default memory_cap);
#  - CPU share of the live probe on loopback under a steady load (root).
# The capture file is in the page cache when timed (read once before).
# Env: BUILD (build dir, default build), PACKETS (default 3000000),
# PACKET_BENCH_DIR (where the big files go, default /tmp/shaobing-bench),
# RUNS (timed runs of the fast tools, best kept; default 3).
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
PACKETS=${PACKETS:-3000000}
RUNS=${RUNS:-3}
DIR=${PACKET_BENCH_DIR:-/tmp/shaobing-bench}
OUT=bench/out/packet.txt
AGENT=$BUILD/bin/shaobing-agent
mkdir -p "$DIR" bench/out
for b in "$AGENT" "$BUILD/bench/packet_gen" "$BUILD/bench/pcap_noop"; do
	[ -x "$b" ] || { echo "packet.sh: $b missing; run make benches BUILD=$BUILD"; exit 1; }
done
[ -x /usr/bin/time ] || { echo "packet.sh: GNU time missing (make bench installs it)"; exit 1; }

MIX=$DIR/mixed-$PACKETS.pcap
FLOOD=$DIR/synflood-1M.pcap
[ -s "$MIX" ] || "$BUILD/bench/packet_gen" "$MIX" "$PACKETS" || exit 1
[ -s "$FLOOD" ] || "$BUILD/bench/packet_gen" --synflood "$FLOOD" 1000000 || exit 1
cat "$MIX" >/dev/null

# timed NAME CMD...: seconds and peak RSS (KB) of the best of $2 runs.
timed() {
	n=$1; shift
	best=""; rss=""
	i=0
	while [ $i -lt "$n" ]; do
		/usr/bin/time -f '%e %M' -o "$DIR/time.out" "$@" >"$DIR/cmd.out" 2>"$DIR/cmd.err"
		read -r s m <"$DIR/time.out"
		if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
		[ -z "$rss" ] || [ "$m" -gt "$rss" ] && rss=$m
		i=$((i + 1))
	done
	echo "$best $rss"
}

pps() { awk -v n="$PACKETS" -v s="$1" 'BEGIN{ if (s > 0) printf "%.0f", n / s; else print "inf" }'; }

set -- $(timed "$RUNS" "$BUILD/bench/pcap_noop" "$MIX"); floor_s=$1; floor_kb=$2
set -- $(timed "$RUNS" "$BUILD/bench/pcap_noop" --bigbuf "$MIX"); bigfloor_s=$1
set -- $(timed "$RUNS" "$AGENT" --analyze "$MIX"); an_s=$1; an_kb=$2
findings=$(wc -l <"$DIR/cmd.out")
summary=$(grep 'findings:' "$DIR/cmd.err" | sed 's/^analyze: //')
evict=$(grep -o '[0-9]* evictions' "$DIR/cmd.err")
if command -v tcpdump >/dev/null; then
	set -- $(timed 1 tcpdump -nr "$MIX"); td_s=$1; td_kb=$2
else td_s=""; fi
if command -v tshark >/dev/null; then
	set -- $(timed 1 tshark -r "$MIX" -q -z conv,ip); ts_s=$1; ts_kb=$2
else ts_s=""; fi
set -- $(timed 1 "$AGENT" --analyze "$FLOOD"); fl_s=$1; fl_kb=$2
fl_sum=$(grep 'findings:' "$DIR/cmd.err" | sed 's/^analyze: //')
fl_evict=$(grep -o '[0-9]* evictions' "$DIR/cmd.err")

live=""
if [ "$(id -u)" -eq 0 ] && [ -x "$BUILD/bench/packet_live" ]; then
	live=$("$BUILD/bench/packet_live" 10 5000 | grep 'probe cpu')
	live2=$("$BUILD/bench/packet_live" 10 20000 | grep 'probe cpu')
	live3=$(PACKET_LIVE_CONF="immediate = yes" "$BUILD/bench/packet_live" 10 5000 | grep 'probe cpu')
	live4=$(PACKET_LIVE_CONF="immediate = yes" "$BUILD/bench/packet_live" 10 20000 | grep 'probe cpu')
fi

{
	echo "packet engine benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
	echo "capture: $MIX ($PACKETS packets, $(($(stat -c %s "$MIX") / 1048576)) MB, in page cache)"
	echo
	printf '%-34s %9s %12s %10s %10s\n' "tool" "seconds" "packets/s" "vs floor" "peak RSS"
	printf '%-34s %9s %12s %10s %8s MB\n' "no-op pcap_loop (floor)" "$floor_s" "$(pps "$floor_s")" "1.00" "$((floor_kb / 1024))"
	printf '%-34s %9s %12s %10s %8s MB\n' "shaobing-agent --analyze" "$an_s" "$(pps "$an_s")" \
		"$(awk "BEGIN{printf \"%.2f\", $floor_s / $an_s}")" "$((an_kb / 1024))"
	[ -n "$td_s" ] && printf '%-34s %9s %12s %10s %8s MB\n' "tcpdump -nr" "$td_s" "$(pps "$td_s")" \
		"$(awk "BEGIN{printf \"%.2f\", $floor_s / $td_s}")" "$((td_kb / 1024))"
	[ -n "$ts_s" ] && printf '%-34s %9s %12s %10s %8s MB\n' "tshark -q -z conv,ip" "$ts_s" "$(pps "$ts_s")" \
		"$(awk "BEGIN{printf \"%.2f\", $floor_s / $ts_s}")" "$((ts_kb / 1024))"
	echo
	printf '%-34s %9s %12s %10s\n' "no-op, 1 MB stdio buffer like ours" "$bigfloor_s" "$(pps "$bigfloor_s")" "$(awk "BEGIN{printf \"%.2f\", $floor_s / $bigfloor_s}")"
	echo "--analyze vs that buffered no-op (the engine's own cost): $(awk "BEGIN{printf \"%.2f\", $bigfloor_s / $an_s}")"
	echo "target: --analyze >= 0.70 of the floor's packets/s: $(awk "BEGIN{r = $floor_s / $an_s; printf \"%.2f %s\", r, (r >= 0.70 ? \"met\" : \"NOT met\")}")"
	echo "--analyze found: $summary ($findings lines; $evict)"
	echo "  expected inside: port_scan, ping_sweep, syn_flood, arp_spoof"
	echo "--analyze vs tcpdump: $(awk "BEGIN{printf \"%.1fx\", $td_s / $an_s}") faster; vs tshark: $(awk "BEGIN{printf \"%.1fx\", ${ts_s:-0} / $an_s}") faster"
	echo
	echo "peak RSS, default memory_cap 32M (target <= 64 MB):"
	echo "  mixed capture:                 $((an_kb / 1024)) MB"
	echo "  1M-source SYN flood:           $((fl_kb / 1024)) MB ($fl_s s; $fl_sum; $fl_evict)"
	echo
	if [ -n "$live" ]; then
		echo "live probe on lo (a UDP conversation, one answer per ten datagrams):"
		echo "  immediate = no (default):"
		echo "    $live"
		echo "    $live2"
		echo "  immediate = yes:"
		echo "    $live3"
		echo "    $live4"
	else
		echo "live probe: skipped (needs root)"
	fi
} | tee "$OUT"
