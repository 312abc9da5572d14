#!/usr/bin/env bats
# The real agent and the real collector on loopback: events go from the
# agent's spool to the collector's store exactly once, through a
# collector outage and agent kills.
#
# Events come from the agent's own probes (the `system` probe reports
# once at every start) and from `shaobing-agent --emit`, which commits
# one event to the running agent's spool.

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
# "... event SEQ TYPE ...", and --emit prints "event SEQ TYPE ...".
# How many agent runs have recorded their system event, and the highest
# seq recorded so far.
system_runs() {
	[ "$(grep -cE '\] event [0-9]+ system ' "$T/agent-pc-01.log")" -ge "$1" ]
}

max_logged_seq() {
	{
		grep -oE '\] event [0-9]+ ' "$T/agent-pc-01.log" | awk '{ print $3 }'
		awk '$1 == "event" { print $2 }' "$T/emit.out" 2>/dev/null
	} | sort -n | tail -n 1
}

# Commit N test events to pc-01's spool with --emit (the agent runs).
emit_n() {
	local i
	for i in $(seq 1 "$1"); do
		"$SHAOBING_BIN/shaobing-agent" --emit test --key "test:$2-$i" \
			--data "{\"n\":$i}" -c "$T/agents/pc-01/agent.ini" >>"$T/emit.out"
	done
}

# The seqs stored for AGENT are exactly 1..max, each once; prints max.
# Events the collector derived (asset changes from the inventory) have
# negative seqs of their own and are not the agent's.
contiguous_once() {
	local seqs n max
	seqs=$(sb_stored_seqs "$1" | awk '$1 > 0' | sort -n)
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
	# 40 events while the collector is away, with a SIGKILL of the
	# agent halfway (its restart adds a system event).
	emit_n 20 a
	kill -KILL "$AG_PID"
	sb_reap "$AG_PID"
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until system_runs 2
	emit_n 20 b
	max=$(max_logged_seq)
	[ "$max" -ge $((before + 41)) ]
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

@test "kill -9 of the collector while events arrive loses nothing" {
	sb_start_collector
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until stored_at_least pc-01 1
	for i in 1 2 3; do
		sb_kill9_collector
		emit_n 10 "r$i"
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

@test "--emit: an administrator's test event reaches the collector as given" {
	sb_start_collector
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until stored_at_least pc-01 1
	run "$SHAOBING_BIN/shaobing-agent" --emit pipeline_test --severity high \
		--key pipeline_test:pc-01 --data '{"note":"测试 test"}' \
		-c "$T/agents/pc-01/agent.ini"
	[ "$status" -eq 0 ]
	[[ "$output" == "event "[0-9]*" pipeline_test high pipeline_test:pc-01 committed to "* ]]
	SB_WATCH=$AG_PID sb_wait_until sh -c "'$SB' events --agent pc-01 --type pipeline_test --json | jq -e '.events | length == 1'"
	"$SB" events --agent pc-01 --type pipeline_test --json | jq -e '.events[0] |
		.severity == "high" and .key == "pipeline_test:pc-01" and .data.note == "测试 test"'
	# Bad input is refused before it reaches the spool: exit 2, a reason.
	n=$(sqlite3 "$T/agents/pc-01/spool.db" 'SELECT next_seq FROM meta')
	for bad in "--data [1]" "--data {\"a\":" "--severity loud" "--key $(printf 'k%.0s' $(seq 300))"; do
		# shellcheck disable=SC2086
		run "$SHAOBING_BIN/shaobing-agent" --emit t $bad -c "$T/agents/pc-01/agent.ini"
		[ "$status" -eq 2 ]
		[ -n "$output" ]
	done
	run "$SHAOBING_BIN/shaobing-agent" --emit 'bad type!' -c "$T/agents/pc-01/agent.ini"
	[ "$status" -eq 2 ]
	[[ "$output" == *"A-Z a-z 0-9"* ]]
	run "$SHAOBING_BIN/shaobing-agent" --emit t -c "$T/none.ini"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$T/none.ini"* ]]
	[ "$(sqlite3 "$T/agents/pc-01/spool.db" 'SELECT next_seq FROM meta')" = "$n" ]
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
