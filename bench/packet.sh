#!/bin/sh
# Packet engine benchmark (issues 3, 11 and 20).  Figures side by side and
# as ratios, also written to bench/out/packet.txt:
#  - packets/s of `shaobing-agent --analyze` (every detector on) on a
#    generated mixed office capture (web sessions, DNS, phone calls, ARP;
#    frames average about 750 bytes) with a port scan, a ping sweep, a SYN
#    flood and ARP spoofing inside, against two references, both printed:
#    the plain no-op pcap_loop over the same file (the floor of issue 3:
#    target >= 0.70 of it) and a no-op reading through the same stdio
#    buffer as --analyze (CAPTURE_FILE_BUF), so the engine's own cost
#    shows alone.
#    Each program times itself (clock_gettime, CLOCK_MONOTONIC) around its
#    packet loop; the three are run in turn, RUNS rounds, rotating which
#    goes first, and the median of each is compared;
#  - `tcpdump -nr FILE` and `tshark -r FILE -q -z conv,ip` once, for scale;
#  - peak RSS of --analyze on that file and on a SYN flood from one million
#    distinct sources (target <= 64 MB with the default memory_cap);
#  - CPU share of the live probe on loopback under a steady load (root).
# The capture file is in the page cache when timed (read once before).
# Env: BUILD (build dir, default build), PACKETS (default 2000000),
# PACKET_BENCH_DIR (where the big files go, default a directory under
# ${TMPDIR:-/tmp}, kept between runs; regenerated when packet_gen is
# newer), RUNS (rounds of the timed trio; default 7).
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
PACKETS=${PACKETS:-2000000}
RUNS=${RUNS:-7}
DIR=${PACKET_BENCH_DIR:-${TMPDIR:-/tmp}/shaobing-bench}
OUT=bench/out/packet.txt
AGENT=$BUILD/bin/shaobing-agent
GEN=$BUILD/bench/packet_gen
NOOP=$BUILD/bench/pcap_noop
mkdir -p "$DIR" bench/out
for b in "$AGENT" "$GEN" "$NOOP"; do
	[ -x "$b" ] || { echo "packet.sh: $b missing; run make benches BUILD=$BUILD"; exit 1; }
done
[ -x /usr/bin/time ] || { echo "packet.sh: GNU time missing (make bench installs it)"; exit 1; }

MIX=$DIR/mixed-$PACKETS.pcap
FLOOD=$DIR/synflood-1M.pcap
# A capture from an older generator has another shape: make it anew.
[ -s "$MIX" ] && [ "$MIX" -nt "$GEN" ] || "$GEN" "$MIX" "$PACKETS" || exit 1
[ -s "$FLOOD" ] && [ "$FLOOD" -nt "$GEN" ] || "$GEN" --synflood "$FLOOD" 1000000 || exit 1
cat "$MIX" >/dev/null
avg_frame=$(( ($(stat -c %s "$MIX") - 24 - 16 * PACKETS) / PACKETS ))

# timed CMD...: seconds (GNU time, for the tools without a clock of
# their own) and peak RSS (KB) of one run.
timed() {
	/usr/bin/time -f '%e %M' -o "$DIR/time.out" "$@" >"$DIR/cmd.out" 2>"$DIR/cmd.err"
	cat "$DIR/time.out"
}

# Packets/s as each program measured it with its own clock.
noop_pps() { "$NOOP" "$@" | awk '{ print $(NF - 1) }'; }
analyze_pps() {
	"$AGENT" --analyze "$MIX" >"$DIR/an.out" 2>"$DIR/an.err" &&
		sed -n 's/^analyze: .*, \([0-9]*\) packets\/s$/\1/p' "$DIR/an.err"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$DIR/plain.pps"; : >"$DIR/big.pps"; : >"$DIR/an.pps"
i=0
while [ $i -lt "$RUNS" ]; do
	# Rotate the order so that no one always runs after the same other.
	case $((i % 3)) in
	0) order="an plain big" ;;
	1) order="plain big an" ;;
	*) order="big an plain" ;;
	esac
	for w in $order; do
		case $w in
		an) analyze_pps >>"$DIR/an.pps" || { echo "packet.sh: --analyze failed"; cat "$DIR/an.err"; exit 1; } ;;
		plain) noop_pps "$MIX" >>"$DIR/plain.pps" ;;
		big) noop_pps --bigbuf "$MIX" >>"$DIR/big.pps" ;;
		esac
	done
	i=$((i + 1))
done
floor_pps=$(median <"$DIR/plain.pps")
big_pps=$(median <"$DIR/big.pps")
an_pps=$(median <"$DIR/an.pps")
runs_an=$(tr '\n' ' ' <"$DIR/an.pps")
runs_plain=$(tr '\n' ' ' <"$DIR/plain.pps")
runs_big=$(tr '\n' ' ' <"$DIR/big.pps")
r_plain=$(awk "BEGIN{printf \"%.2f\", $an_pps / $floor_pps}")
r_big=$(awk "BEGIN{printf \"%.2f\", $an_pps / $big_pps}")
findings=$(wc -l <"$DIR/an.out")
summary=$(grep 'findings:' "$DIR/an.err" | sed 's/^analyze: //')
evict=$(grep -o '[0-9]* evictions' "$DIR/an.err")
set -- $(timed "$AGENT" --analyze "$MIX"); an_kb=$2
set -- $(timed "$NOOP" "$MIX"); floor_s=$1
if command -v tcpdump >/dev/null; then
	set -- $(timed tcpdump -nr "$MIX"); td_s=$1; td_kb=$2
else td_s=""; fi
if command -v tshark >/dev/null; then
	set -- $(timed tshark -r "$MIX" -q -z conv,ip); ts_s=$1; ts_kb=$2
else ts_s=""; fi
set -- $(timed "$AGENT" --analyze "$FLOOD"); fl_s=$1; fl_kb=$2
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
	echo "capture: $MIX ($PACKETS packets, $(($(stat -c %s "$MIX") / 1048576)) MB, frames $avg_frame bytes on average, in page cache)"
	echo "timing: each program's own clock around its packet loop; median of $RUNS alternating rounds"
	echo
	printf '%-36s %12s %10s\n' "program" "packets/s" "ratio"
	printf '%-36s %12s %10s\n' "no-op pcap_loop (plain floor)" "$floor_pps" "1.00"
	printf '%-36s %12s %10s\n' "no-op, the stdio buffer of ours" "$big_pps" "$(awk "BEGIN{printf \"%.2f\", $big_pps / $floor_pps}")"
	printf '%-36s %12s %10s\n' "shaobing-agent --analyze" "$an_pps" "$r_plain"
	echo "  runs (packets/s): --analyze $runs_an"
	echo "                    plain no-op $runs_plain"
	echo "                    buffered no-op $runs_big"
	echo
	echo "target (issue 3, 11): --analyze >= 0.70 of the plain no-op: $r_plain $(awk "BEGIN{print ($r_plain >= 0.70) ? \"met\" : \"NOT met\"}")"
	echo "engine's own cost (issue 20): --analyze at $r_big of the buffered no-op (the same reads, no analysis)"
	echo "--analyze found: $summary ($findings lines; $evict)"
	echo "  expected inside: port_scan, ping_sweep, syn_flood, arp_spoof"
	[ -n "$td_s" ] && echo "for scale (GNU time, one run): plain no-op $floor_s s, tcpdump -nr $td_s s${ts_s:+, tshark -q -z conv,ip $ts_s s}"
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
