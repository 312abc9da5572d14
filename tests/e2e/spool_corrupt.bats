#!/usr/bin/env bats
# A damaged agent spool (issue 12 item 9): random bytes over pages of
# spool.db, under a running agent and while it is stopped.  The agent
# moves the file aside (kept), salvages what it can read, goes on with a
# fresh spool whose seqs continue above what the collector holds, and
# reports spool_corrupt; the collector opens an incident and lists the
# agent as degraded (降级).  New events arrive exactly once.

load helpers

setup() {
	sb_setup
	sb_ca
	sb_agent_cert pc-01
	sb_collector_conf
	SP=$T/agents/pc-01/spool.db
	# ~300 bytes of data per event: 200 events fill ~20 pages.
	PAD=$(printf 'x%.0s' $(seq 1 300))
}

teardown() {
	sb_teardown
}

stored_at_least() {
	[ "$(sb_stored_count "$1" 2>/dev/null || echo 0)" -ge "$2" ]
}

# Commit N events to pc-01's spool with --emit, keys test:TAG-1..N.
emit_n() {
	local i
	for i in $(seq 1 "$1"); do
		"$SHAOBING_BIN/shaobing-agent" --emit test --severity "${3:-low}" \
			--key "test:$2-$i" --data "{\"n\":$i,\"pad\":\"$PAD\"}" \
			-c "$T/agents/pc-01/agent.ini" >>"$T/emit.out" 2>>"$T/emit.err"
	done
}

# Overwrite LEN bytes at OFFSET of FILE with random bytes.
smash() {
	dd if=/dev/urandom of="$1" bs=1 seek="$2" count="$3" conv=notrunc \
		status=none
}

aside_exists() {
	compgen -G "$SP.corrupt-*" >/dev/null
}

has_type() {
	"$SB" events --agent pc-01 --type "$1" --json |
		jq -e '.events | length >= 1'
}

keys_stored() {
	[ "$("$SB" events --agent pc-01 --type test --limit 10000000 --json |
		jq --arg p "$1" '[.events[] | select(.key | startswith($p))] | length')" -ge "$2" ]
}

incident_open() {
	"$SB" incidents --json | jq -e \
		'.incidents[] | select(.type == "spool_corrupt" and .status == "open")'
}

degraded() {
	"$SB" agents --json | jq -e \
		'.agents[] | select(.name == "pc-01" and .status == "degraded" and .degraded)'
}

# The collector holds each (agent, seq) once and each key of TAG once,
# N keys of TAG (at least N with a third argument "min").
exactly_once() {
	local seqs keys
	seqs=$(sb_stored_seqs pc-01 | awk '$1 > 0' | sort -n)
	[ -z "$(uniq -d <<<"$seqs")" ] || { echo "duplicate seqs: $(uniq -d <<<"$seqs")"; return 1; }
	keys=$("$SB" events --agent pc-01 --type test --limit 10000000 --json |
		jq -r --arg p "test:$1-" '.events[] | select(.key | startswith($p)) | .key' | sort)
	if [ "${3:-}" = min ]; then
		[ "$(grep -c . <<<"$keys")" -ge "$2" ] || { echo "keys: $keys"; return 1; }
	else
		[ "$(grep -c . <<<"$keys")" -eq "$2" ] || { echo "keys: $keys"; return 1; }
	fi
	[ -z "$(uniq -d <<<"$keys")" ] || { echo "duplicate keys"; return 1; }
}

# Both cases end the same way: recovered, reported, degraded, delivering.
recovered_and_delivering() {
	SB_WATCH=$AG_PID sb_wait_until aside_exists
	grep -q 'was damaged' "$T/agent-pc-01.log" "$T/emit.err"
	SB_WATCH=$AG_PID sb_wait_until has_type spool_corrupt
	run "$SB" events --agent pc-01 --type spool_corrupt --json
	[ "$(jq -r '.events[0].severity' <<<"$output")" = high ]
	moved=$(jq -r '.events[0].data.moved_to' <<<"$output")
	[ -f "$moved" ]
	[ "$(jq -r '.events[0].data.salvaged | type' <<<"$output")" = number ]
	[ "$(jq -r '.events[0].data.error' <<<"$output")" != null ]
	SB_WATCH=$AG_PID sb_wait_until incident_open
	SB_WATCH=$AG_PID sb_wait_until degraded
	run "$SB" agents
	[[ "$output" == *"降级 degraded"* ]]
	# New events, critical ones too, keep arriving, exactly once.
	emit_n 15 after critical
	SB_WATCH=$AG_PID sb_wait_until keys_stored test:after- 15
	run exactly_once after 15
	[ "$status" -eq 0 ]
	# Every salvaged early event arrived, once (a batch read from the
	# damaged file before the damage showed may have brought more).
	run exactly_once early "$(jq -r '.events[0].data.salvaged' \
		<<<"$("$SB" events --agent pc-01 --type spool_corrupt --json)")" min
	[ "$status" -eq 0 ]
	[ -z "$(sb_stored_seqs pc-01 | awk '$1 > 0' | sort -n | uniq -d)" ]
	# The fresh spool is sound.
	[ "$(sqlite3 "$SP" 'PRAGMA quick_check')" = ok ]
}

@test "spool damaged while the agent is stopped: recovered at start" {
	sb_start_collector
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until stored_at_least pc-01 1
	sb_stop_collector
	emit_n 200 early
	kill -TERM "$AG_PID"
	sb_reap "$AG_PID"
	size=$(stat -c %s "$SP")
	echo "# spool.db: $size bytes" >&3
	[ "$size" -ge $((15 * 4096)) ]
	# Random bytes: 20 bytes over the header of page 4, 5000 bytes from
	# the middle, 2.5 pages not aligned near the end.
	smash "$SP" $((3 * 4096)) 20
	smash "$SP" $((size / 2 + 123)) 5000
	smash "$SP" $((size - 4 * 4096 + 77)) 10240
	sb_start_collector
	sb_start_agent pc-01
	recovered_and_delivering
}

@test "spool damaged under a running agent: recovered at the first damaged page" {
	sb_start_collector
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until stored_at_least pc-01 1
	sb_stop_collector
	emit_n 200 early
	# Everything into spool.db itself, so the damage is what the agent
	# reads next (pages still in the WAL would mask it).
	sqlite3 "$SP" '.timeout 30000' 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	size=$(stat -c %s "$SP")
	echo "# spool.db: $size bytes" >&3
	[ "$size" -ge $((15 * 4096)) ]
	# Random bytes over the table's first leaves (what the uploader
	# reads first), a whole page in the middle and the last 3000 bytes.
	smash "$SP" $((2 * 4096 + 999)) 9000
	smash "$SP" $((size / 2 / 4096 * 4096)) 4096
	smash "$SP" $((size - 3000)) 3000
	kill -0 "$AG_PID"
	sb_start_collector
	recovered_and_delivering
	# The agent did it itself, without a restart.
	kill -0 "$AG_PID"
	grep -q 'was damaged' "$T/agent-pc-01.log"
}
