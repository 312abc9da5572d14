#!/bin/sh
# Agentless equipment (issue 15): time to check 250 devices (a /24 in a
# network namespace: 250 addresses on one interface, one snmpd listening
# on all of them) with ICMP and with SNMP at the default concurrency
# (check_run_devices, CHECK_DEVICE_CONCURRENCY), beside fping -g and
# snmpwalk over the same set; RSS while doing it.  Needs root (ip netns)
# and snmpd, fping, snmpwalk; says so and exits 0 otherwise.
#
#   BUILD  build folder (default build)
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
OUT=bench/out/devices.txt
mkdir -p bench/out
if [ "$(id -u)" -ne 0 ]; then echo "devices: skipped, needs root (ip netns)"; exit 0; fi
for x in snmpd fping snmpwalk; do
	command -v $x >/dev/null 2>&1 || [ -x /usr/sbin/$x ] || {
		echo "devices: skipped, $x is not installed (make deps)"; exit 0; }
done
[ -x "$BUILD/bench/devices" ] || { echo "devices: build $BUILD/bench/devices first (make benches)"; exit 1; }
NS=sbsnmp$$ VH=sbsnmpH$$ VN=sbsnmpN$$
NET=10.232.$(( $$ % 250 ))
T=$(mktemp -d /tmp/shaobing-devices.XXXXXX)
cleanup() {
	[ -f "$T/snmpd.pid" ] && kill "$(cat "$T/snmpd.pid")" 2>/dev/null
	ip link del "$VH" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
ip netns add "$NS"
ip link add "$VH" type veth peer name "$VN"
ip link set "$VN" netns "$NS"
ip addr add "$NET.254/24" dev "$VH"
ip link set "$VH" up
ip -n "$NS" link set lo up
i=1
while [ $i -le 250 ]; do
	ip -n "$NS" addr add "$NET.$i/24" dev "$VN"
	i=$((i + 1))
done
ip -n "$NS" link set "$VN" up
cat >"$T/snmpd.conf" <<EOC
agentAddress udp:161
rocommunity sbbench
sysName bench-switch
EOC
MIBS= ip netns exec "$NS" /usr/sbin/snmpd -C -c "$T/snmpd.conf" -p "$T/snmpd.pid" \
	-Lf "$T/snmpd.log" --persistentDir="$T/state"
n=0
until snmpget -v2c -c sbbench -t 0.3 -r 0 "$NET.1" 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1; do
	n=$((n + 1)); [ $n -gt 300 ] && { echo "devices: snmpd does not answer"; exit 1; }
	sleep 0.1
done

now_ms() { date +%s%3N; }
# Run a command; print "elapsed_ms maxrss_kb" (GNU time when present).
timed() {
	t0=$(now_ms)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$T/rss" "$@" >"$T/cmd.out" 2>"$T/cmd.err"
		rss=$(tail -n 1 "$T/rss")
	else
		"$@" >"$T/cmd.out" 2>"$T/cmd.err"; rss=?
	fi
	echo "$(( $(now_ms) - t0 )) $rss"
}

{
echo "# bench/devices.sh — 250 devices ($NET.1-250 in namespace, one snmpd on all), $(date -u +%FT%TZ)"
echo "# $(nproc) CPUs, shared; each figure one run"

set -- $("$BUILD/bench/devices" icmp "$NET" 250)
echo "shaobing ICMP, 3 echoes at 1 s (default): ${1} ms, ${2}/250 up, RSS ${3} KB"
ICMP3=$1
cp "$T/snmpd.log" /dev/null
set -- $(timed fping -q -g "$NET.1" "$NET.250")
echo "fping -g (1 echo, 3 retries):            ${1} ms, RSS ${2} KB"
FP=$1
set -- $(timed fping -q -C 3 -p 1000 -g "$NET.1" "$NET.250")
echo "fping -C 3 -p 1000 -g (3 echoes at 1 s):  ${1} ms, RSS ${2} KB"
FP3=$1
echo "ratio ICMP 3 echoes shaobing / fping -C 3: $(echo "scale=2; $ICMP3 / $FP3" | bc)"

set -- $("$BUILD/bench/devices" snmp "$NET" 250 sbbench)
echo "shaobing SNMP full check (system, IF-MIB, HOST-RESOURCES, Printer-MIB, UPS-MIB), 32 at once: ${1} ms, ${2}/250 up, RSS ${3} KB"
SN=$1
cat >"$T/walk.sh" <<'EOW'
#!/bin/sh
# snmpwalk of the same groups the check asks, one device
for g in 1.3.6.1.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1.1 1.3.6.1.2.1.31.1.1.1.15 \
    1.3.6.1.2.1.25.3.2.1 1.3.6.1.2.1.25.3.5.1 1.3.6.1.2.1.43.18.1.1 1.3.6.1.2.1.33.1.2; do
	MIBS= snmpwalk -v2c -c sbbench -t 2 -r 1 -Cr24 "$1" "$g" >/dev/null 2>&1
done
EOW
chmod +x "$T/walk.sh"
i=1; : >"$T/ips"; while [ $i -le 250 ]; do echo "$NET.$i" >>"$T/ips"; i=$((i + 1)); done
set -- $(timed xargs -P 32 -n 1 "$T/walk.sh" <"$T/ips")
echo "snmpwalk of the same groups, xargs -P 32:  ${1} ms"
SW=$1
set -- $(timed sh -c "for ip in \$(cat $T/ips); do MIBS= snmpwalk -v2c -c sbbench -t 2 -r 1 \$ip 1.3.6.1.2.1.1 >/dev/null 2>&1; done")
echo "snmpwalk system group only, one after another: ${1} ms"
echo "ratio SNMP shaobing / snmpwalk -P 32: $(echo "scale=2; $SN / $SW" | bc)"
} | tee "$OUT"
