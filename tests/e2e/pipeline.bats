#!/usr/bin/env bats
# The real agent and the real collector on loopback: events go from the
# agent's spool to the collector's store exactly once, through a
# collector outage and agent kills.
#
# Events come from the agent's own probes: the `system` probe reports
# once at every start, so restarting the agent N times while the
# collector is down queues at least N events in the spool.

load helpers

setup() {
	sb_setup
	sb_ca
	sb_agent_cert pc-01
	sb_collector_conf
}

teardown() {
	sb_teardown
}

stored_at_least() {
	[ "$(sb_stored_count "$1" 2>/dev/null || echo 0)" -ge "$2" ]
}

agent_up() {
	"$SB" agents --json | jq -e --arg n "$1" \
		'.agents[] | select(.name == $n and .status == "up")'
}

# The agent logs each event it commits to its spool at debug level:
# "... event SEQ TYPE ...".  How many agent runs have recorded their
# system event, and the highest seq recorded so far.
system_runs() {
	[ "$(grep -cE '\] event [0-9]+ system ' "$T/agent-pc-01.log")" -ge "$1" ]
}

max_logged_seq() {
	grep -oE '\] event [0-9]+ ' "$T/agent-pc-01.log" | awk '{ print $3 }' |
		sort -n | tail -n 1
}

# The seqs stored for AGENT are exactly 1..max, each once; prints max.
contiguous_once() {
	local seqs n max
	seqs=$(sb_stored_seqs "$1" | sort -n)
	n=$(wc -l <<<"$seqs")
	max=$(tail -n 1 <<<"$seqs")
	[ "$(uniq -d <<<"$seqs")" = "" ] || { echo "duplicates: $(uniq -d <<<"$seqs")"; return 1; }
	[ "$seqs" = "$(seq 1 "$max")" ] || { echo "gaps in: $seqs"; return 1; }
	echo "$max"
}

@test "an agent delivers its system event and shows as up" {
	sb_start_collector
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until stored_at_least pc-01 1
	run "$SB" events --agent pc-01 --type system --json
	[ "$(jq -r '.events[0].type' <<<"$output")" = system ]
	[ "$(jq -r '.events[0].agent' <<<"$output")" = pc-01 ]
	[ "$(jq -r '.events[0].data.kernel // .events[0].data.os // empty' <<<"$output")" != "" ]
	SB_WATCH=$AG_PID sb_wait_until agent_up pc-01
	run "$SB" agents
	[[ "$output" == *"pc-01"* ]]
	[[ "$output" == *"在线 up"* ]]
	# Heartbeats become an uptime interval.
	SB_WATCH=$AG_PID sb_wait_until sh -c \
		"curl -sf --unix-socket '$T/admin.sock' 'http://localhost/api/v1/admin/uptime?agent=pc-01' | jq -e '.intervals | length >= 1'"
	run "$SB" events
	[[ "$output" == *"system"* ]]
}

@test "collector down for a while: every event arrives exactly once" {
	sb_start_collector
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until stored_at_least pc-01 1
	sb_stop_collector
	before=$(sqlite3 "$T/collector.db" 'SELECT count(*) FROM events')
	# Five more agent runs while the collector is away, each with at
	# least its system event; the last one ends with SIGKILL.
	n=5
	for i in $(seq 1 $n); do
		kill -TERM "$AG_PID"
		sb_reap "$AG_PID"
		sb_start_agent pc-01
		SB_WATCH=$AG_PID sb_wait_until system_runs $((i + 1))
	done
	kill -KILL "$AG_PID"
	sb_reap "$AG_PID"
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until system_runs $((n + 2))
	max=$(max_logged_seq)
	[ "$max" -gt "$before" ]
	# Nothing reached the collector while it was down.
	[ "$(sqlite3 "$T/collector.db" 'SELECT count(*) FROM events')" = "$before" ]
	sb_start_collector
	SB_WATCH=$AG_PID sb_wait_until stored_at_least pc-01 "$max"
	run contiguous_once pc-01
	[ "$status" -eq 0 ]
	[ "$output" -ge "$max" ]
	# And it stays that way once the agent has stopped: nothing twice.
	kill -TERM "$AG_PID"
	sb_reap "$AG_PID"
	run contiguous_once pc-01
	[ "$status" -eq 0 ]
	[ "$output" -ge "$max" ]
}

@test "kill -9 of the collector between agent runs loses nothing" {
	sb_start_collector
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until stored_at_least pc-01 1
	for i in 1 2 3; do
		sb_kill9_collector
		kill -TERM "$AG_PID"
		sb_reap "$AG_PID"
		sb_start_agent pc-01
		SB_WATCH=$AG_PID sb_wait_until system_runs $((i + 1))
		sb_start_collector
		SB_WATCH=$AG_PID sb_wait_until stored_at_least pc-01 "$(max_logged_seq)"
	done
	max=$(max_logged_seq)
	kill -TERM "$AG_PID"
	sb_reap "$AG_PID"
	run contiguous_once pc-01
	[ "$status" -eq 0 ]
	[ "$output" -ge "$max" ]
}

@test "an agent whose certificate comes from another CA is refused" {
	sb_start_collector
	"$SB" ca init "$T/otherca" >/dev/null
	"$SB" agents cert pc-02 --ca "$T/otherca" --out "$T/agents/pc-02" >/dev/null
	# The agent trusts our collector (it has the right ca.crt) but its
	# own certificate is from the other CA.
	cp "$T/ca/ca.crt" "$T/agents/pc-02/ca.crt"
	sb_start_agent pc-02
	SB_WATCH=$C_PID sb_wait_until grep -qi 'certificate.*pc-02\|pc-02.*certificate' "$T/collector.log"
	# It keeps trying and keeps its events; the collector stores nothing.
	kill -0 "$AG_PID"
	run "$SB" agents --json
	[ "$(jq '.agents | length' <<<"$output")" = 0 ]
	[ "$(sqlite3 "$T/collector.db" 'SELECT count(*) FROM events')" = 0 ]
}
