#!/bin/sh
# Agent footprint at idle: peak PSS, peak RSS and CPU seconds per hour of
# shaobing-agent, zabbix_agentd and prometheus-node-exporter, each started
# the same way (as root, in the foreground, default-ish configuration, on
# loopback), measured over the same window and extrapolated to an hour.
#
# Memory, like for like: PSS (smaps_rollup) summed over each daemon's
# processes, sampled every second, its peak compared (PSS shares each
# shared page among the processes mapping it, so Zabbix's forked
# processes are not charged their shared pages once each, as an RSS sum
# would).  Peak RSS is VmHWM, the kernel's own high-water mark, of the
# daemon's largest process (not a sum).  The agent's target (RSS <= 8 MB)
# is judged on its peak RSS.
#
# The agent talks to a real shaobing-collector on 127.0.0.1 when
# $BUILD/bin/shaobing-collector exists (certificates made with the openssl
# CLI in a temporary folder); otherwise its server is unreachable.  The
# output says which.  Target: agent RSS <= 8 MB.
#
#   AGENT_IDLE_SECONDS  measuring window (default 60)
#   BUILD               build folder (default build)
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BUILD=${BUILD:-build}
SECS=${AGENT_IDLE_SECONDS:-60}
WARM=5
OUT=bench/out/agent_idle.txt
mkdir -p bench/out
T=$(mktemp -d /tmp/shaobing-agent-idle.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 1
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

AGENT=$BUILD/bin/shaobing-agent
COLLECTOR=$BUILD/bin/shaobing-collector
[ -x "$AGENT" ] || { echo "agent_idle: $AGENT missing; run make" >&2; exit 1; }
ZBX=$(command -v zabbix_agentd || echo /usr/sbin/zabbix_agentd)
PNE=$(command -v prometheus-node-exporter || true)
HZ=$(getconf CLK_TCK)

# A free TCP port on loopback from a base (no collisions with others).
port() {
	p=$1
	while ss -ltn 2>/dev/null | grep -q "127.0.0.1:$p "; do p=$((p + 1)); done
	echo "$p"
}

# Over a process and its descendants: the largest VmHWM (peak RSS) kB,
# the PSS sum kB, the CPU ticks sum.
tree_pids() {
	echo "$1"
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		tree_pids "$c"
	done
}
measure() {
	hwm=0; pss=0; ticks=0
	for p in $(tree_pids "$1"); do
		[ -r /proc/"$p"/status ] || continue
		r=$(awk '/^VmHWM:/ { print $2 }' /proc/"$p"/status)
		s=$(awk '/^Pss:/ { print $2 }' /proc/"$p"/smaps_rollup 2>/dev/null)
		t=$(awk '{ print $14 + $15 }' /proc/"$p"/stat 2>/dev/null)
		[ "${r:-0}" -gt "$hwm" ] && hwm=$r
		pss=$((pss + ${s:-0})); ticks=$((ticks + ${t:-0}))
	done
	echo "$hwm $pss $ticks"
}
# Peak PSS of daemon $1 so far, kept in $T/peak.$1.
sample() {
	set -- "$1" $(measure "$1")
	old=$(cat "$T/peak.$1" 2>/dev/null || echo 0)
	[ "$3" -gt "$old" ] && echo "$3" >"$T/peak.$1"
	return 0
}

# --- certificates and a collector (when built) ---------------------------
mode="server unreachable (127.0.0.1:9 refuses)"
server="https://127.0.0.1:9"
cd "$T" || exit 1
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -subj /CN=bench-ca -days 2 -out ca.crt 2>/dev/null
for n in server agent; do
	openssl ecparam -name prime256v1 -genkey -noout -out $n.key 2>/dev/null
done
openssl req -new -key server.key -subj /CN=localhost -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >s.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
	-days 2 -extfile s.ext -out server.crt 2>/dev/null
openssl req -new -key agent.key -subj /CN=bench-agent -out agent.csr 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' >a.ext
openssl x509 -req -in agent.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
	-days 2 -extfile a.ext -out agent.crt 2>/dev/null
cd "$ROOT" || exit 1
if [ -x "$COLLECTOR" ]; then
	cp=$(port 28443); ap=$(port 28543)
	cat >"$T/collector.ini" <<EOF
[server]
listen = 127.0.0.1:$cp
cert = $T/server.crt
key = $T/server.key
ca = $T/ca.crt
[store]
path = $T/collector.db
[admin]
socket = $T/admin.sock
EOF
	"$COLLECTOR" -f -c "$T/collector.ini" >"$T/collector.log" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while [ $i -lt 50 ] && ! curl -sk "https://127.0.0.1:$cp/api/v1/health" >/dev/null 2>&1; do
		sleep 0.2; i=$((i + 1))
	done
	if curl -sk "https://127.0.0.1:$cp/api/v1/health" >/dev/null 2>&1; then
		server="https://127.0.0.1:$cp"
		mode="real collector on $server (heartbeats and the system event delivered)"
	fi
fi

# --- the three daemons -----------------------------------------------------
cat >"$T/agent.ini" <<EOF
[agent]
name = bench-agent
server = $server
ca = $T/ca.crt
cert = $T/agent.crt
key = $T/agent.key
spool = $T/spool/spool.db
user = $(id -un)
EOF
# Started as its systemd unit starts it (packaging/agent/shaobing-agent.service),
# but without the privilege drop (user = the caller): a `shaobing` user
# on this machine could not read the bench's temporary folder.
GNUTLS_NO_EXPLICIT_INIT=1 "$AGENT" -f -c "$T/agent.ini" >"$T/agent.log" 2>&1 &
apid=$!; PIDS="$PIDS $apid"

zpid=""
if [ -x "$ZBX" ]; then
	zp=$(port 20050)
	cat >"$T/zabbix_agentd.conf" <<EOF
PidFile=$T/zabbix_agentd.pid
LogType=file
LogFile=$T/zabbix_agentd.log
Server=127.0.0.1
ServerActive=127.0.0.1:9
ListenIP=127.0.0.1
ListenPort=$zp
Hostname=bench-agent
AllowRoot=1
EOF
	"$ZBX" -f -c "$T/zabbix_agentd.conf" >/dev/null 2>&1 &
	zpid=$!; PIDS="$PIDS $zpid"
fi
npid=""
if [ -n "$PNE" ]; then
	np=$(port 29100)
	"$PNE" --web.listen-address=127.0.0.1:$np >"$T/node.log" 2>&1 &
	npid=$!; PIDS="$PIDS $npid"
fi

sleep "$WARM"
a0=$(measure "$apid"); z0=""; n0=""
[ -n "$zpid" ] && z0=$(measure "$zpid")
[ -n "$npid" ] && n0=$(measure "$npid")
i=0
while [ $i -lt "$SECS" ]; do
	for p in $apid $zpid $npid; do sample "$p"; done
	sleep 1; i=$((i + 1))
done
a1=$(measure "$apid"); z1=""; n1=""
[ -n "$zpid" ] && z1=$(measure "$zpid")
[ -n "$npid" ] && n1=$(measure "$npid")

# before, after, pid -> "peak_rss_kB peak_pss_kB cpu_s_per_hour"
figures() {
	pk=$(cat "$T/peak.$3" 2>/dev/null || echo 0)
	set -- $1 $2
	# $1 hwm0 $2 pss0 $3 t0 $4 hwm1 $5 pss1 $6 t1
	awk -v r="$4" -v p="$pk" -v t0="$3" -v t1="$6" -v hz="$HZ" -v s="$SECS" \
		'BEGIN { printf "%d %d %.2f\n", r, p, (t1 - t0) / hz * 3600 / s }'
}
A=$(figures "$a0" "$a1" "$apid")
if ! kill -0 "$apid" 2>/dev/null; then
	echo "agent_idle: the agent died; its log:" >&2; cat "$T/agent.log" >&2; exit 1
fi
{
	echo "agent idle footprint: ${SECS} s window after ${WARM} s warm-up, extrapolated to 1 h"
	echo "agent mode: $mode"
	echo "peak PSS: summed over the daemon's processes, sampled each second; peak RSS: VmHWM of its largest process; CPU = user+system"
	printf '%-28s %13s %13s %12s %10s\n' daemon "peak PSS MB" "peak RSS MB" "CPU s/h" "PSS ratio"
	set -- $A
	ar=$1 ap=$2
	printf '%-28s %13.2f %13.2f %12s %10s\n' shaobing-agent "$(echo "$2/1024" | bc -l)" \
		"$(echo "$1/1024" | bc -l)" "$3" "1.00"
	if [ -n "$zpid" ] && kill -0 "$zpid" 2>/dev/null; then
		set -- $(figures "$z0" "$z1" "$zpid")
		printf '%-28s %13.2f %13.2f %12s %10.2f\n' "zabbix_agentd ($(tree_pids $zpid | wc -l) procs)" \
			"$(echo "$2/1024" | bc -l)" "$(echo "$1/1024" | bc -l)" "$3" \
			"$(echo "$ap/$2" | bc -l)"
	else
		echo "zabbix_agentd: not available (apt-get install zabbix-agent)"
	fi
	if [ -n "$npid" ] && kill -0 "$npid" 2>/dev/null; then
		set -- $(figures "$n0" "$n1" "$npid")
		printf '%-28s %13.2f %13.2f %12s %10.2f\n' prometheus-node-exporter \
			"$(echo "$2/1024" | bc -l)" "$(echo "$1/1024" | bc -l)" "$3" \
			"$(echo "$ap/$2" | bc -l)"
	else
		echo "prometheus-node-exporter: not available (apt-get install prometheus-node-exporter)"
	fi
	echo "PSS ratio = shaobing-agent peak PSS / reference peak PSS (below 1: the agent is smaller)"
	if [ "$ar" -le 8192 ]; then
		echo "target agent peak RSS <= 8 MB: met ($ar kB)"
	else
		echo "target agent peak RSS <= 8 MB: NOT met ($ar kB)"
	fi
} | tee "$OUT"
