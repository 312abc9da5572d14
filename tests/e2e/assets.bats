#!/usr/bin/env bats
# The asset register end to end: a real agent collects its inventory from
# a fixture root (tests/data/inventory/root1), the root changes between
# two runs (root2: nginx installed, openssh upgraded, port 8080 opened,
# user li added to sudo, eth0's MAC changed), and the collector stores
# both snapshots, derives the change events (seq < 0, "derived": true)
# and, where the incidents engine runs, opens incidents for those that
# matter.  A renamed host with a new agent certificate but the same
# machine-id stays the same asset.  Devices in the ARP table and from
# new_device events become unmanaged assets with their vendor.

load helpers

setup() {
	sb_setup
	sb_ca
	sb_agent_cert web-01
	sb_collector_conf
	printf '[schedule]\nalways = web-*\n' >>"$T/collector.ini"
	DATA=$SHAOBING_ROOT/tests/data/inventory
	cp -a "$DATA/root1" "$T/root"
}

teardown() {
	sb_teardown
}

# Agent NAME reading its inventory from $T/root.
inv_agent_conf() {
	AG_EXTRA="[inventory]
root = $T/root" sb_agent_conf "$1"
}

count_type() {
	"$SB" events --agent "$1" --type "$2" --limit 10000 --json |
		jq '.events | length'
}

has_type() {
	[ "$(count_type "$1" "$2" 2>/dev/null || echo 0)" -ge "${3:-1}" ]
}

stop_agent() {
	kill -TERM "$AG_PID"
	sb_reap "$AG_PID"
}

derived() {
	jq -r --arg t "$1" '[.events[] | select(.type == $t and .derived == true and .seq < 0)] | length' "$T/ev.json"
}

@test "inventory changes between two runs become derived events; a renamed host stays one asset$SB_ON" {
	sb_start_collector
	inv_agent_conf web-01
	sb_start_agent web-01
	SB_WATCH=$AG_PID sb_wait_until has_type web-01 inventory 1
	stop_agent

	run "$SB" assets --json
	[ "$status" -eq 0 ]
	[ "$(jq '[.assets[] | select(.kind == "managed" and .id != null)] | length' <<<"$output")" -eq 1 ]
	id=$(jq '.assets[] | select(.kind == "managed") | .id' <<<"$output")
	[ "$(jq -r '.assets[] | select(.kind == "managed") | .name' <<<"$output")" = pc-finance-01 ]
	[ "$(jq -r '.assets[] | select(.kind == "managed") | .machine_id' <<<"$output")" = 0123456789abcdef0123456789abcdef ]
	# A first snapshot is a baseline: nothing derived yet.
	[ "$(sb_sql 'SELECT count(*) FROM events WHERE seq < 0')" -eq 0 ]
	# Neighbours without an agent: unmanaged, vendor from the OUI table
	# when ieee-data is installed; the incomplete 00:00:.. entry is no device.
	run "$SB" assets --kind unmanaged --json
	[ "$(jq '.assets | length' <<<"$output")" -eq 2 ]
	[ "$(jq -r '.assets[] | select(.mac == "00:1a:2b:3c:4d:5e") | .ip' <<<"$output")" = 192.168.1.1 ]
	if [ -r /usr/share/ieee-data/oui.txt ]; then
		[[ "$(jq -r '.assets[] | select(.mac == "00:1a:2b:3c:4d:5e") | .vendor' <<<"$output")" == Ayecom* ]]
	fi

	# Second run: the machine changed.
	rm -rf "$T/root"
	cp -a "$DATA/root2" "$T/root"
	sb_start_agent web-01
	SB_WATCH=$AG_PID sb_wait_until has_type web-01 inventory 2
	stop_agent

	"$SB" events --agent web-01 --limit 10000 --json >"$T/ev.json"
	[ "$(derived package_installed)" -eq 1 ]
	[ "$(derived package_upgraded)" -eq 1 ]
	[ "$(derived port_opened)" -ge 1 ]
	[ "$(derived admin_added)" -eq 1 ]
	[ "$(derived mac_changed)" -eq 1 ]
	[ "$(jq -r '.events[] | select(.type == "package_installed") | .data.detail.name' "$T/ev.json")" = nginx ]
	[ "$(jq -r '.events[] | select(.type == "admin_added") | .data.detail.name' "$T/ev.json")" = li ]
	[ "$(jq -r '.events[] | select(.type == "admin_added") | .data.matters' "$T/ev.json")" = true ]
	# web-01 is scheduled always (a server): its new port matters.
	[ "$(jq -r '[.events[] | select(.type == "port_opened") | .data.matters] | all' "$T/ev.json")" = true ]
	[ "$(jq -r '.events[] | select(.type == "package_installed") | .data.matters' "$T/ev.json")" = false ]
	[ "$(jq -r '.events[] | select(.type == "admin_added") | .data.asset_id' "$T/ev.json")" = "$id" ]
	# Derived seqs are the agent's own negative counter: -1, -2, ...
	nd=$(sb_sql 'SELECT count(*) FROM events WHERE seq < 0')
	[ "$(sb_sql 'SELECT min(seq) FROM events WHERE seq < 0')" -eq "-$nd" ]
	# The agent's own seqs and counters are untouched.
	[ "$(sb_sql "SELECT events FROM agents WHERE name = 'web-01'")" -eq \
	  "$(sb_sql 'SELECT count(*) FROM events WHERE seq > 0')" ]

	# Incidents, when the incidents engine is part of this build.
	if curl -sf "$SHAOBING_ADMIN/api/v1/admin/incidents" >"$T/inc.json" 2>/dev/null; then
		[ "$(jq '[.incidents[] | select(.type == "admin_added")] | length' "$T/inc.json")" -eq 1 ]
		[ "$(jq '[.incidents[] | select(.type == "port_opened")] | length' "$T/inc.json")" -ge 1 ]
		[ "$(jq '[.incidents[] | select(.type == "package_installed")] | length' "$T/inc.json")" -eq 0 ]
	else
		echo "# incidents engine not in this build: derived events checked only" >&3
	fi

	# Two dated snapshots; diff shows the changes with Chinese labels.
	run "$SB" assets show "$id" --json
	[ "$(jq '.snapshots | length' <<<"$output")" -eq 2 ]
	[ "$(jq -r '.inventory.host.hostname' <<<"$output")" = pc-finance-01 ]
	run "$SB" assets diff "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"新增管理员 admin added"* ]]
	[[ "$output" == *"nginx"* ]]
	run "$SB" assets diff "$id" --since 2000-01-01 --json
	[ "$(jq '[.changes[] | select(.type == "admin_added")] | length' <<<"$output")" -eq 1 ]
	run "$SB" assets show "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"机器标识 Machine-id"* ]]

	# Renamed, re-enrolled under another name, same machine-id.
	sed -i 's/pc-finance-01/web-renamed/' "$T/root/etc/hostname"
	sb_agent_cert web-02
	inv_agent_conf web-02
	sb_start_agent web-02
	SB_WATCH=$AG_PID sb_wait_until has_type web-02 inventory 1
	stop_agent
	run "$SB" assets --kind managed --json
	[ "$(jq '[.assets[] | select(.id != null)] | length' <<<"$output")" -eq 1 ]
	[ "$(jq -r '.assets[] | select(.id != null) | .id' <<<"$output")" = "$id" ]
	[ "$(jq -r '.assets[] | select(.id != null) | .name' <<<"$output")" = web-renamed ]
	[ "$(jq -r '.assets[] | select(.id != null) | .agent' <<<"$output")" = web-02 ]
	# Neither agent is listed as a machine without inventory.
	[ "$(jq '[.assets[] | select(.id == null)] | length' <<<"$output")" -eq 0 ]
}

@test "admin fields are validated; new_device events and the CSV register$SB_ON" {
	sb_start_collector
	inv_agent_conf web-01
	sb_start_agent web-01
	SB_WATCH=$AG_PID sb_wait_until has_type web-01 inventory 1
	stop_agent
	id=$("$SB" assets --kind managed --json | jq '.assets[] | select(.id != null) | .id')

	run "$SB" assets set "$id" tag=GZ-2024-0173 owner=张三 department=办公室 location=三楼301 purchase_date=2024-03-15 "notes=财务用机"
	[ "$status" -eq 0 ]
	run "$SB" assets set "$id" purchase_date=2024-02-30
	[ "$status" -eq 1 ]
	[[ "$output" == *"purchase_date"* ]]
	run "$SB" assets set "$id" colour=red
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown field 'colour'"* ]]
	run "$SB" assets set 9999 owner=x
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown asset 9999"* ]]
	run "$SB" assets show "$id" --json
	[ "$(jq -r '.asset.owner' <<<"$output")" = 张三 ]
	[ "$(jq -r '.asset.purchase_date' <<<"$output")" = 2024-03-15 ]

	# A new_device from the packet engine: a stranger becomes unmanaged,
	# the managed machine's own MAC does not.
	printf '%s' '{"agent":"web-01","events":[
 {"agent":"web-01","seq":1000,"ts":"2026-11-27T13:37:20.123Z","type":"new_device","severity":"low","key":"new_device:52:54:00:12:34:56","data":{"mac":"52:54:00:12:34:56","ip":"192.168.1.77","what":"mac"}},
 {"agent":"web-01","seq":1001,"ts":"2026-11-27T13:37:21.123Z","type":"new_device","severity":"low","key":"new_device:d4:5d:64:aa:bb:cc","data":{"mac":"D4:5D:64:AA:BB:CC","what":"mac"}}]}' >"$T/nd.json"
	run sb_post web-01 /api/v1/events "$T/nd.json"
	[[ "$output" == 200* ]]
	run "$SB" assets --kind unmanaged --json
	[ "$(jq '[.assets[] | select(.mac == "52:54:00:12:34:56")] | length' <<<"$output")" -eq 1 ]
	[ "$(jq '[.assets[] | select(.mac == "d4:5d:64:aa:bb:cc")] | length' <<<"$output")" -eq 0 ]
	[ "$(jq -r '.assets[] | select(.mac == "52:54:00:12:34:56") | .source' <<<"$output")" = packet:web-01 ]

	run "$SB" assets
	[ "$status" -eq 0 ]
	[[ "$output" == *"受管 managed"* ]]
	[[ "$output" == *"未受管 unmanaged"* ]]
	[[ "$output" == *"张三"* ]]

	run "$SB" assets export --format csv --out "$T/assets.csv"
	[ "$status" -eq 0 ]
	[ "$(head -c 3 "$T/assets.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
	head -n 1 "$T/assets.csv" | grep -q '"资产编号 Asset tag"'
	grep -q '"GZ-2024-0173"' "$T/assets.csv"
	grep -q '"2024-03-15"' "$T/assets.csv"
	run "$SB" assets export --format xml
	[ "$status" -eq 2 ]

	# The year-end export's assets.csv is this register too.
	run "$SB" export --year 2026 --out "$T/export"
	[ "$status" -eq 0 ]
	grep -q '"GZ-2024-0173"' "$T/export/assets.csv"
	grep -q '"52:54:00:12:34:56"' "$T/export/assets.csv"
}
