#!/usr/bin/env bats
# Live capture end to end: two network namespaces joined by a veth pair,
# real nmap (-sS, -sU, -sn) and forged ARP replies (arping) from one at
# the other, while shaobing-agent captures on the target's end of the
# veth; the findings travel as events to a collector (also in the target
# namespace, on its own loopback) and are read back with the CLI.
# Nothing leaves the two namespaces.  Needs root, ip, nmap, arping, jq.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, capture)"
	for t in ip nmap arping jq curl; do
		command -v "$t" >/dev/null || skip "$t is not installed (make deps)"
	done
	sb_setup
	NSA=sbpka$$
	NSB=sbpkb$$
	ip netns add "$NSA"
	ip netns add "$NSB"
	ip link add "va$$" type veth peer name "vb$$"
	ip link set "va$$" netns "$NSA"
	ip link set "vb$$" netns "$NSB"
	ip -n "$NSA" addr add 10.77.0.1/24 dev "va$$"
	ip -n "$NSA" addr add 10.77.0.3/24 dev "va$$"
	ip -n "$NSB" addr add 10.77.0.2/24 dev "vb$$"
	ip -n "$NSA" link set "va$$" up
	ip -n "$NSB" link set "vb$$" up
	ip -n "$NSA" link set lo up
	ip -n "$NSB" link set lo up
	# Closed UDP ports answer at once (the kernel rate-limits by default).
	ip netns exec "$NSB" sysctl -qw net.ipv4.icmp_ratelimit=0
	INB="ip netns exec $NSB"
}

teardown() {
	sb_teardown
	[ -n "${NSA:-}" ] && ip netns del "$NSA" 2>/dev/null
	[ -n "${NSB:-}" ] && ip netns del "$NSB" 2>/dev/null
	true
}

nb_health() {
	$INB curl -sf --cacert "$T/ca/ca.crt" "https://127.0.0.1:$C_PORT/api/v1/health" |
		grep -q '"status":"ok"'
}

# Events of TYPE stored for the agent (optionally with evidence kind KIND).
stored() {
	$INB "$SB" events --agent pk-agent --type "$1" --limit 1000 --json |
		jq -e --arg k "${2:-}" \
		'[.events[] | select($k == "" or .data.evidence.kind == $k)] | length > 0'
}

start_all() {
	sb_ca
	sb_agent_cert pk-agent
	C_PORT=$(sb_free_port) A_PORT=$(sb_free_port)
	sb_collector_conf
	$INB "$SHAOBING_BIN/shaobing-collector" -f -c "$T/collector.ini" \
		>>"$T/collector.log" 2>&1 &
	C_PID=$!
	echo "$C_PID" >>"$SB_PIDS"
	SB_WATCH=$C_PID sb_wait_until nb_health
	AG_EXTRA="
[packet]
interfaces = vb$$
${PK_EXTRA:-}"
	sb_agent_conf pk-agent
	$INB "$SHAOBING_BIN/shaobing-agent" -f -c "$T/agents/pk-agent/agent.ini" \
		>>"$T/agent-pk-agent.log" 2>&1 &
	AG_PID=$!
	echo "$AG_PID" >>"$SB_PIDS"
	SB_WATCH=$AG_PID sb_wait_until grep -q "packet: capturing on vb$$" \
		"$T/agent-pk-agent.log"
}

@test "packet live: nmap -sS, -sU, -sn and forged ARP replies reach the collector" {
	start_all
	# TCP SYN scan of 100 ports (closed ones answer RST).
	ip netns exec "$NSA" nmap -n -Pn -sS -p 1-100 --max-retries 1 10.77.0.2 \
		>"$T/nmap-sS.out" 2>&1
	# UDP scan from the second address (ICMP port unreachable answers).
	ip netns exec "$NSA" nmap -n -Pn -sU -p 1-40 --max-retries 0 \
		-S 10.77.0.3 -e "va$$" 10.77.0.2 >"$T/nmap-sU.out" 2>&1
	# Host discovery of the /24: ARP requests, one host answers.
	ip netns exec "$NSA" nmap -n -sn 10.77.0.0/24 >"$T/nmap-sn.out" 2>&1
	# Forged replies: 10.77.0.2 is-at de:ad:be:ef:00:01, five times.
	ip netns exec "$NSA" arping -q -p -i "va$$" -P -U -S 10.77.0.2 \
		-s de:ad:be:ef:00:01 -c 5 -W 0.2 10.77.0.2 >"$T/arping.out" 2>&1 || true
	SB_WATCH=$AG_PID sb_wait_until stored port_scan syn
	SB_WATCH=$AG_PID sb_wait_until stored port_scan udp
	SB_WATCH=$AG_PID sb_wait_until stored ping_sweep arp
	SB_WATCH=$AG_PID sb_wait_until stored arp_spoof
	# The stored event carries the finding.
	$INB "$SB" events --agent pk-agent --type port_scan --json |
		jq -e '.events[0] | (.key | startswith("port_scan:10.77.0.")) and
		(.severity == "high") and (.data.targets[0] == "10.77.0.2")'
	# Capture was opened before the privilege drop, and kept working after.
	grep -n -e "packet: capturing on vb$$" -e "dropped root" "$T/agent-pk-agent.log" >"$T/order"
	head -n 1 "$T/order" | grep -q "packet: capturing"
	grep -q "keeping only CAP_NET_RAW and CAP_NET_ADMIN for packet capture" "$T/order"
}

# How many events of TYPE the collector holds for the agent.
nstored() {
	$INB "$SB" events --agent pk-agent --type "$1" --limit 1000 --json |
		jq -e '.events | length'
}

# A connection to the silent server is established (from the agent).
silent_held() {
	ip netns exec "$NSA" ss -Htn state established '( sport = :4443 )' | grep -q .
}

@test "packet live: a check stuck on a silent server delays neither packet findings nor SIGHUP" {
	# A server that accepts and never says a word: the agent's TLS check
	# of it waits (timeout 2m) until the test kills the server.
	ip netns exec "$NSA" python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", 4443))
s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
' >"$T/silent.log" 2>&1 &
	SILENT=$!
	echo "$SILENT" >>"$SB_PIDS"
	SB_WATCH=$SILENT sb_wait_until eval "ip netns exec $NSA ss -Htln '( sport = :4443 )' | grep -q ."
	# Its closed-port list (16 risky ports, refused) is the agent's own
	# scan-shaped traffic: selfaddr keeps it out of the detectors.
	PK_EXTRA="
[target silent]
url = tls://10.77.0.1:4443
timeout = 2m
interval = 10s"
	start_all
	SB_WATCH=$AG_PID sb_wait_until silent_held
	ip netns exec "$NSA" nmap -n -Pn -sS -p 1-100 --max-retries 1 10.77.0.2 \
		>"$T/nmap-sS.out" 2>&1
	# The scan is found and uploaded while the check is still stuck.
	SB_WATCH=$AG_PID sb_wait_until stored port_scan syn
	silent_held
	[ "$(nstored availability)" -eq 0 ]
	# Only nmap's source is a scanner, not the agent's own checks.
	$INB "$SB" events --agent pk-agent --type port_scan --json |
		jq -e '[.events[].data.source] | unique == ["10.77.0.1"]'
	# SIGHUP is handled at once; heartbeats kept the agent up.
	kill -HUP "$AG_PID"
	SB_WATCH=$AG_PID sb_wait_until grep -q "configuration reloaded" \
		"$T/agent-pk-agent.log"
	$INB "$SB" agents --json | jq -e '.agents[] | select(.name == "pk-agent") | .status == "up"'
	[ "$(nstored availability)" -eq 0 ]
	# Let the check go: it finishes, reports the target down, and the
	# agent still stops cleanly on SIGTERM.
	kill -TERM "$SILENT"
	SB_WATCH=$AG_PID sb_wait_until eval '[ "$(nstored availability)" -gt 0 ]'
	$INB "$SB" events --agent pk-agent --type availability --json |
		jq -e '.events[0].data | .target == "silent" and .up == false'
	kill -TERM "$AG_PID"
	sb_reap "$AG_PID"
	grep -q "stopped" "$T/agent-pk-agent.log"
}

@test "packet live: a bad interface stops the agent with a clear message" {
	sb_ca
	sb_agent_cert pk-agent
	C_PORT=$(sb_free_port) A_PORT=$(sb_free_port)
	AG_EXTRA="
[packet]
interfaces = nosuchif0"
	sb_agent_conf pk-agent
	run $INB "$SHAOBING_BIN/shaobing-agent" -f -c "$T/agents/pk-agent/agent.ini"
	[ "$status" -ne 0 ]
	[[ "$output" == *"interface nosuchif0"* ]]
	[[ "$output" == *"check [packet] interfaces"* ]]
}

@test "packet live: --check-config reports a bad [packet] value with FILE:LINE" {
	sb_ca
	sb_agent_cert pk-agent
	C_PORT=$(sb_free_port)
	AG_EXTRA="
[packet]
interfaces = lo
portscan_ports = 1"
	sb_agent_conf pk-agent
	run "$SHAOBING_BIN/shaobing-agent" -c "$T/agents/pk-agent/agent.ini" --check-config
	[ "$status" -eq 2 ]
	[[ "$output" == *"agent.ini:"*"portscan_ports"* ]]
}
