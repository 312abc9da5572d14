#!/usr/bin/env bats
# Agentless equipment (issue 15): real snmpd (Debian) in a network
# namespace behind a veth pair, as a "switch" (port 161, v2c + SNMPv3)
# and a "printer" (port 1161, Printer-MIB alerts from a pass script);
# ICMP across the veth.  No traffic leaves loopback and these namespaces.
# Needs root (ip netns); skips with a message otherwise.

load helpers

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	command -v snmpd >/dev/null || return 0
	export NS=sbsnmp$$ VH=sbsnmpA$$ VN=sbsnmpB$$
	export NET=10.231.$(( $$ % 250 ))
	export IPH=$NET.1 IPD=$NET.2
	export D=$BATS_FILE_TMPDIR
	ip netns add "$NS"
	ip link add "$VH" type veth peer name "$VN"
	ip link set "$VN" netns "$NS"
	# A Huawei OUI on the device side: an ICMP-only device's vendor.
	ip -n "$NS" link set "$VN" address 00:e0:fc:15:00:02
	ip addr add "$IPH/24" dev "$VH"
	ip link set "$VH" up
	ip -n "$NS" addr add "$IPD/24" dev "$VN"
	ip -n "$NS" link set "$VN" up
	ip -n "$NS" link set lo up
	# The switch's access port: an interface that is up in the baseline.
	ip -n "$NS" link add swp1 type veth peer name swp1p
	ip -n "$NS" link set swp1p up
	ip -n "$NS" link set swp1 up
	cat >"$D/switch.conf" <<EOC
agentAddress udp:$IPD:161
rocommunity sbtest
sysName test-switch
sysLocation lab
sysObjectID .1.3.6.1.4.1.2011.2.23.1
createUser sbv3 SHA-256 "authpass123" AES "privpass123"
rouser sbv3 priv
EOC
	cat >"$D/printer.conf" <<EOC
agentAddress udp:$IPD:1161
rocommunity sbtest
sysName test-printer
sysDescr Brother HL-L5100DN series
sysObjectID .1.3.6.1.4.1.2435.2.3.9.1
pass .1.3.6.1.2.1.43.18 $SHAOBING_ROOT/tests/data/devices/printer.sh
EOC
	cat >"$D/ups.conf" <<EOC
agentAddress udp:$IPD:2161
rocommunity sbtest
sysName test-ups
sysObjectID .1.3.6.1.4.1.318.1.3.27
pass .1.3.6.1.2.1.33 $SHAOBING_ROOT/tests/data/devices/ups.sh
EOC
	start_snmpd switch
	start_snmpd printer
	start_snmpd ups
}

start_snmpd() {
	mkdir -p "$D/$1.state"
	MIBS= ip netns exec "$NS" /usr/sbin/snmpd -C -c "$D/$1.conf" \
		-p "$D/$1.pid" -Lf "$D/$1.log" --persistentDir="$D/$1.state"
	# Wait until it answers (no time limit; a dead snmpd ends the wait).
	local port=161 n=0
	[ "$1" = printer ] && port=1161
	[ "$1" = ups ] && port=2161
	until snmpget -v2c -c sbtest -t 0.3 -r 0 "$IPD:$port" \
	    1.3.6.1.2.1.1.5.0 >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -gt 600 ] && { echo "# snmpd $1 does not answer" >&2; return 1; }
		sleep 0.1
	done
}

stop_snmpd() {
	local pid
	pid=$(cat "$D/$1.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

teardown_file() {
	[ -n "${NS:-}" ] || return 0
	stop_snmpd switch
	stop_snmpd printer
	stop_snmpd ups
	ip link del "$VH" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns (devices in a namespace)"
	command -v snmpd >/dev/null || skip "snmpd is not installed (make deps installs it)"
	sb_setup
	AG=$SHAOBING_BIN/shaobing-agent
}

teardown() {
	sb_teardown
}

@test "icmp: a device that answers is up (exit 0, round trips shown)" {
	run "$AG" --check "icmp://$IPD" --count 3 --interval 100ms --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.icmp.received')" -eq 3 ]
	[ "$(echo "$output" | jq '.availability.up')" = true ]
}

@test "icmp: a silent address is down (exit 1, loss 100%)" {
	run "$AG" --check "icmp://$NET.77" --count 2 --interval 100ms --timeout 300ms
	[ "$status" -eq 1 ]
	[[ "$output" == *"DOWN"*"2 of 2 echo requests lost (100%)"* ]]
}

@test "icmp: unprivileged, an ICMP socket where ping_group_range allows it, a clear error where not" {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="1 0"
	run ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$AG" --check "icmp://$IPH" --count 2 --interval 100ms
	[ "$status" -eq 2 ]
	[[ "$output" == *"ping_group_range"* ]]
	ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	run ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$AG" --check "icmp://$IPH" --count 2 --interval 100ms --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '.icmp.received')" -eq 2 ]
}

@test "snmp v2c: the switch's system group and interfaces" {
	run "$AG" --check "snmp://sbtest@$IPD" --kind switch --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.snmp.sysName')" = test-switch ]
	[ "$(echo "$output" | jq -r '.snmp.vendor')" = Huawei ]
	[ "$(echo "$output" | jq -r '.snmp.sysObjectID')" = 1.3.6.1.4.1.2011.2.23.1 ]
	[ "$(echo "$output" | jq -r '.snmp.interfaces[] | select(.name == "swp1") | .oper')" = up ]
	[ "$(echo "$output" | jq '.snmp.sysUpTime > 0')" = true ]
	[ "$(echo "$output" | jq -r '.kind')" = switch ]
}

@test "snmp v2c: a wrong community gets no answer: down, exit 1" {
	run "$AG" --check "snmp://wrong@$IPD" --timeout 500ms
	[ "$status" -eq 1 ]
	[[ "$output" == *"no SNMP answer within 500 ms"* ]]
}

@test "snmpv3: SHA-256 + AES answers; a wrong passphrase is an authentication failure" {
	SHAOBING_SNMP_AUTH_PASS=authpass123 SHAOBING_SNMP_PRIV_PASS=privpass123 \
		run "$AG" --check "snmp://$IPD" --snmp-user sbv3 --snmp-auth SHA-256 --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.snmp.sysName')" = test-switch ]
	SHAOBING_SNMP_AUTH_PASS=wrongpass123 SHAOBING_SNMP_PRIV_PASS=privpass123 \
		run "$AG" --check "snmp://$IPD" --snmp-user sbv3 --snmp-auth SHA-256 --timeout 1s
	[ "$status" -eq 1 ]
	[[ "$output" == *"Authentication failure"* ]]
}

@test "snmpv3: a user without a passphrase is a usage error (exit 2)" {
	run env -u SHAOBING_SNMP_AUTH_PASS "$AG" --check "snmp://$IPD" --snmp-user sbv3
	[ "$status" -eq 2 ]
	[[ "$output" == *"snmp_auth_pass must have 8 characters or more"* ]]
}

@test "printer: prtAlertTable alerts are findings (paper jam, toner low), exit 1" {
	run "$AG" --check "snmp://sbtest@$IPD:1161" --kind printer --json
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '.snmp.vendor')" = Brother ]
	[ "$(echo "$output" | jq -r '.snmp.model')" = "Brother HL-L5100DN series" ]
	[ "$(echo "$output" | jq '[.findings[] | select(.code == "printer_alert")] | length')" -eq 2 ]
	echo "$output" | jq -r '.findings[].message' | grep -q '卡纸 paper jam'
	echo "$output" | jq -r '.findings[].message' | grep -q '碳粉不足 toner low'
}

@test "ups: UPS-MIB on battery is a finding (ups_on_battery), exit 1" {
	run "$AG" --check "snmp://sbtest@$IPD:2161" --kind ups --json
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '.snmp.vendor')" = APC ]
	[ "$(echo "$output" | jq -r '.snmp.ups.seconds_on_battery')" -eq 120 ]
	[ "$(echo "$output" | jq -r '.snmp.ups.minutes_left')" -eq 25 ]
	[ "$(echo "$output" | jq -r '.findings[] | select(.code == "ups_on_battery") | .severity')" = high ]
}

@test "discover: finds both agents' address in the /29 and prints [target] sections" {
	run "$AG" --discover "$NET.0/29" --community sbtest --rate 50
	[ "$status" -eq 0 ]
	[[ "$output" == *"[target test-switch]"* ]]
	[[ "$output" == *"url = snmp://$IPD"* ]]
	[[ "$output" == *"community = sbtest"* ]]
	[[ "$output" == *"kind = switch"* ]]
}

@test "discover: a bad network is a usage error" {
	run "$AG" --discover 10.0.0.0/8
	[ "$status" -eq 2 ]
	[[ "$output" == *"out of range"* ]]
}

stored() {	# TYPE [TARGET]: does the collector hold such an event?
	"$SB" events --agent mon --limit 100000 --json |
		jq -e --arg t "$1" --arg g "${2:-}" \
		'[.events[] | select(.type == $t and ($g == "" or .data.target == $g))] | length > 0'
}

incident_is() {	# KEY STATUS
	"$SB" incidents --json | jq -e --arg k "$1" --arg s "$2" \
		'[.incidents[] | select(.key == $k and .status == $s)] | length > 0'
}

@test "daemon: device events (if_down, reboot, down/up), the DE incident, the register" {
	sb_ca
	sb_agent_cert mon
	sb_start_collector
	AG_EXTRA="
[target sw]
url = snmp://sbtest@$IPD
kind = switch
schedule = always
interval = 10s
timeout = 1s

[target gw]
url = icmp://$IPD
kind = router
schedule = always
interval = 10s
timeout = 1s
ping_count = 2
ping_interval = 100ms
" sb_agent_conf mon
	sb_start_agent mon
	SB_WATCH=$AG_PID sb_wait_until stored availability sw
	SB_WATCH=$AG_PID sb_wait_until stored availability gw
	# An interface up in the baseline goes down.
	ip -n "$NS" link set swp1 down
	SB_WATCH=$AG_PID sb_wait_until stored if_down sw
	# snmpd restarts: sysUpTime goes back.
	stop_snmpd switch
	start_snmpd switch
	SB_WATCH=$AG_PID sb_wait_until stored device_rebooted sw
	# The link goes down: both checks fail; a DE incident opens.
	ip link set "$VH" down
	SB_WATCH=$AG_PID sb_wait_until stored device_down sw
	SB_WATCH=$AG_PID sb_wait_until stored device_down gw
	SB_WATCH=$AG_PID sb_wait_until incident_is device_down:sw open
	"$SB" incidents --json | jq -e '[.incidents[] | select(.key == "device_down:sw")][0].category == "DE"'
	ip link set "$VH" up
	SB_WATCH=$AG_PID sb_wait_until stored device_up sw
	SB_WATCH=$AG_PID sb_wait_until incident_is device_down:sw resolved
	ip -n "$NS" link set swp1 up
	# The register lists the devices with their kind, vendor and model.
	run "$SB" assets --json
	[ "$(echo "$output" | jq -r '.assets[] | select(.name == "sw") | .device_kind')" = switch ]
	[ "$(echo "$output" | jq -r '.assets[] | select(.name == "sw") | .vendor')" = Huawei ]
	[ "$(echo "$output" | jq -r '.assets[] | select(.name == "gw") | .device_kind')" = router ]
	if [ -r /usr/share/ieee-data/oui.txt ]; then
		[ "$(echo "$output" | jq -r '.assets[] | select(.name == "gw") | .vendor')" = "HUAWEI TECHNOLOGIES CO.,LTD" ]
	fi
	# What discovery cannot know is the administrator's to add.
	id=$(echo "$output" | jq -r '.assets[] | select(.name == "sw") | .id')
	run "$SB" assets set "$id" location=机房 owner=网络管理员
	[ "$status" -eq 0 ]
	run "$SB" assets --json
	[ "$(echo "$output" | jq -r '.assets[] | select(.name == "sw") | .location')" = 机房 ]
	[ "$(echo "$output" | jq -r '.assets[] | select(.name == "sw") | .owner')" = 网络管理员 ]
}
