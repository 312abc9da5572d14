#!/usr/bin/env bats
# shaobing-collector --migrate-store: an office's collector runs on SQLite
# with an agent (heartbeats, its inventory) and scan events that fold into
# an incident someone acknowledged and resolved; it is stopped, its
# database copied into PostgreSQL (a throw-away cluster, tests/pg.sh,
# started here and always stopped), and a collector started on the
# PostgreSQL store answers the same incidents, events and agents through
# the API, and the audit chain verifies there.  Skips when PostgreSQL is
# not installed.

load helpers

setup_file() {
	# Under /tmp: the server's user must reach it (bats' folder is closed).
	PGDIR=$(mktemp -d /tmp/sb-pg-migrate.XXXXXX)
	PGURL=$(FSYNC=off sh "$SHAOBING_ROOT/tests/pg.sh" start-if-installed "$PGDIR")
	export PGDIR PGURL
}

teardown_file() {
	sh "$SHAOBING_ROOT/tests/pg.sh" stop "$PGDIR"
}

setup() {
	# This file is about SQLite -> PostgreSQL whatever SB_STORE says.
	SB_STORE='' sb_setup
	sb_ca
	sb_agent_cert pc-01
	sb_agent_cert scanner
	sb_collector_conf
}

teardown() {
	sb_teardown
}

# Port scans from agent "scanner" (seq FROM..TO), one key.
scan_batch() {
	local from=$1 to=$2 s sep=''
	printf '{"agent":"scanner","events":['
	for ((s = from; s <= to; s++)); do
		printf '%s{"agent":"scanner","seq":%d,"ts":"%s",' "$sep" "$s" \
			"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
		printf '"type":"port_scan","severity":"high",'
		printf '"key":"port_scan:10.0.0.9->10.0.0.1","data":{"ports":%d,"note":"扫描 \\"x\\""}}' "$s"
		sep=,
	done
	printf ']}'
}

agent_seen() {
	[ "$("$SB" agents --json | jq '[.agents[] | select(.name == "pc-01" and .events > 0)] | length')" = 1 ]
}

# What the API answers about the office, in a form to compare.
office() {
	"$SB" incidents show 1 --json | jq -S 'del(.now, .generated)'
	"$SB" events --agent scanner --limit 1000 --json | jq -S '.events'
	"$SB" events --agent pc-01 --limit 1000 --json | jq -S '[.events[] | {id, seq, type, key}]'
	"$SB" agents --json | jq -S '[.agents[] | {name, events, last_seq, first_seen}]'
}

@test "a SQLite office copied into PostgreSQL answers the same on it" {
	[ -n "${PGURL:-}" ] || skip "PostgreSQL is not installed (apt-get install postgresql, or make deps)"
	sb_start_collector
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until agent_seen
	scan_batch 1 3 >"$T/b1.json"
	run sb_post scanner /api/v1/events "$T/b1.json"
	[[ "$output" == 200* ]]
	run "$SB" incidents ack 1 --note "looking into it"
	[ "$status" -eq 0 ]
	run "$SB" incidents resolve 1 --note "blocked 10.0.0.9"
	[ "$status" -eq 0 ]
	kill -TERM "$AG_PID"
	sb_reap "$AG_PID"
	sb_stop_collector
	# The office as the API showed it on SQLite (a collector started
	# again on the same file: nothing changes in between).
	sb_start_collector
	office >"$T/before.json"
	run "$SB" audit verify
	[ "$status" -eq 0 ]
	[[ "$output" == *"intact: 3 rows"* ]]
	sb_stop_collector

	to=$(sh "$SHAOBING_ROOT/tests/pg.sh" newdb "$PGDIR" "office_$$")
	run "$SHAOBING_BIN/shaobing-collector" --migrate-store "sqlite://$T/collector.db" "$to"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"migrate-store: done"* ]]
	[[ "$output" == *"verifies on TO"* ]]
	refute_grep -q MISMATCH <<<"$output"
	grep -Eq '^events +[1-9][0-9]* +[1-9][0-9]* +ok$' <<<"$output"
	grep -Eq '^incident_trail +3 +3 +ok$' <<<"$output"

	# Run again into the copy: refused, nothing changed.
	run "$SHAOBING_BIN/shaobing-collector" --migrate-store "sqlite://$T/collector.db" "$to"
	[ "$status" -eq 2 ]
	[[ "$output" == *"is not empty"* ]]

	# The collector on PostgreSQL answers the same.
	sed -i "s|^url = .*|url = ${to//&/\\&}|" "$T/collector.ini"
	sb_start_collector
	office >"$T/after.json"
	diff "$T/before.json" "$T/after.json"
	run "$SB" audit verify
	[ "$status" -eq 0 ]
	[[ "$output" == *"intact: 3 rows"* ]]
	# New rows continue after the copied ids; the trail keeps chaining.
	run "$SB" incidents reopen 1 --note "it came back"
	[ "$status" -eq 0 ]
	run "$SB" audit verify
	[ "$status" -eq 0 ]
	[[ "$output" == *"intact: 4 rows"* ]]
	top=$("$SB" events --limit 1000 --json | jq '[.events[].id] | max')
	sb_batch scanner 4 4 >"$T/b2.json"
	run sb_post scanner /api/v1/events "$T/b2.json"
	[[ "$output" == 200* ]]
	[ "$("$SB" events --agent scanner --limit 1000 --json | jq '[.events[] | select(.seq == 4) | .id] | .[0]')" -gt "$top" ]
}

@test "migrate-store refuses a missing FROM and the same database twice" {
	run "$SHAOBING_BIN/shaobing-collector" --migrate-store "sqlite://$T/none.db" "sqlite://$T/to.db"
	[ "$status" -eq 2 ]
	[[ "$output" == *"no such database file"* ]]
	[ ! -e "$T/none.db" ]
	sb_start_collector
	sb_stop_collector
	run "$SHAOBING_BIN/shaobing-collector" --migrate-store "sqlite://$T/collector.db" "$T/collector.db"
	[ "$status" -eq 2 ]
	[[ "$output" == *"the same database"* ]]
	run "$SHAOBING_BIN/shaobing-collector" --migrate-store "sqlite://$T/collector.db"
	[ "$status" -eq 2 ]
}
