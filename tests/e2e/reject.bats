#!/usr/bin/env bats
# An event the collector cannot store (issue 12 item 1).  A database
# trigger refuses one event for real: the collector answers it as
# rejected and stores the rest, the agent moves it to its dead letters,
# reports spool_rejected (an incident) and goes on delivering.  A full
# disk under the collector's database: 503 with Retry-After, /health
# says the store is failing, and once there is room again every event
# arrives, none twice, and /health is ok.

load helpers

setup() {
	sb_setup
	sb_ca
	sb_agent_cert pc-01
	MNT=
}

teardown() {
	sb_teardown
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT"
	fi
}

# Commit one event with key KEY to pc-01's spool; print its seq.
emit() {
	"$SHAOBING_BIN/shaobing-agent" --emit test --severity low --key "$1" \
		--data "{\"note\":\"reject.bats $1\"}" \
		-c "$T/agents/pc-01/agent.ini" | awk '{ print $2 }'
}

key_stored() {
	"$SB" events --agent pc-01 --type test --limit 100000 --json |
		jq -e --arg k "$1" '[.events[] | select(.key == $k)] | length == 1'
}

stored_any() {
	[ "$(sb_stored_count pc-01 2>/dev/null || echo 0)" -ge 1 ]
}

has_type() {
	"$SB" events --agent pc-01 --type "$1" --json |
		jq -e '.events | length >= 1'
}

incident_open() {
	"$SB" incidents --json | jq -e \
		'.incidents[] | select(.type == "spool_rejected" and .status == "open")'
}

dead_letters() {
	[ "$(sqlite3 "$T/agents/pc-01/spool.db" 'SELECT count(*) FROM rejected' 2>/dev/null)" = "$1" ]
}

no_duplicates() {
	[ -z "$(sb_stored_seqs pc-01 | awk '$1 > 0' | sort -n | uniq -d)" ]
}

health_code() {
	curl -s -o "$T/health.body" -w '%{http_code}' --cacert "$T/ca/ca.crt" \
		"https://127.0.0.1:$C_PORT/api/v1/health"
}

health_failing() {
	[ "$(health_code)" = 503 ] && grep -q '"status":"failing"' "$T/health.body"
}

health_ok() {
	[ "$(health_code)" = 200 ] && grep -q '"status":"ok"' "$T/health.body"
}

@test "an event the store refuses is rejected alone; the agent dead-letters it and goes on" {
	sb_start_collector
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until stored_any
	# The collector's database refuses events whose key starts with
	# "refuse-": a real failure inside the store, not a mock.
	sqlite3 "$T/collector.db" ".timeout 30000" "CREATE TRIGGER refuse_test \
		BEFORE INSERT ON events WHEN NEW.key GLOB 'refuse-*' BEGIN \
		SELECT RAISE(ABORT, 'this key is refused by reject.bats'); END;"
	s1=$(emit ok-before)
	bad=$(emit refuse-me-1)
	s2=$(emit ok-after)
	[ "$bad" -gt "$s1" ] && [ "$s2" -gt "$bad" ]
	SB_WATCH=$AG_PID sb_wait_until key_stored ok-before
	SB_WATCH=$AG_PID sb_wait_until key_stored ok-after
	# The agent moved it to its dead letters, with the collector's reason.
	SB_WATCH=$AG_PID sb_wait_until dead_letters 1
	run sqlite3 "$T/agents/pc-01/spool.db" "SELECT seq, key, error FROM rejected"
	[[ "$output" == "$bad|refuse-me-1|"*"this key is refused by reject.bats"* ]]
	[ "$(sqlite3 "$T/agents/pc-01/spool.db" "SELECT count(*) FROM events WHERE seq = $bad")" = 0 ]
	run "$SHAOBING_BIN/shaobing-agent" --rejected -c "$T/agents/pc-01/agent.ini"
	[ "$status" -eq 0 ]
	[[ "$output" == *"seq $bad "*"refuse-me-1"*"this key is refused by reject.bats"* ]]
	# spool_rejected reached the collector and opened an incident.
	SB_WATCH=$AG_PID sb_wait_until has_type spool_rejected
	run "$SB" events --agent pc-01 --type spool_rejected --json
	[ "$(jq -r '.events[0].data.seq' <<<"$output")" = "$bad" ]
	[ "$(jq -r '.events[0].data.type' <<<"$output")" = test ]
	[ "$(jq -r '.events[0].severity' <<<"$output")" = high ]
	[[ "$(jq -r '.events[0].data.error' <<<"$output")" == *"refused by reject.bats"* ]]
	SB_WATCH=$AG_PID sb_wait_until incident_open
	# Never stored, one admin line on each side.
	run key_stored refuse-me-1
	[ "$status" -ne 0 ]
	[ "$(grep -c "rejected event seq $bad (test) of agent pc-01" "$T/collector.log")" = 1 ]
	grep -q "the collector rejected event seq $bad" "$T/agent-pc-01.log"
	# Later events keep arriving.
	emit ok-later >/dev/null
	SB_WATCH=$AG_PID sb_wait_until key_stored ok-later
	# A resend of the refused seq (the agent lost the answer) is told the
	# same, stores nothing and logs nothing new.
	sb_batch pc-01 "$bad" "$bad" >"$T/resend.json"
	run sb_post pc-01 /api/v1/events "$T/resend.json"
	[[ "$output" == "200 "* ]]
	[ "$(jq -r '.rejected[0].seq' <<<"${output#200 }")" = "$bad" ]
	[ "$(grep -c "rejected event seq $bad (test) of agent pc-01" "$T/collector.log")" = 1 ]
	run key_stored "test:$bad"
	[ "$status" -ne 0 ]
	no_duplicates
	dead_letters 1
}

@test "disk full under the collector's database: 503 + Retry-After, /health failing, nothing lost" {
	if [ "$(id -u)" != 0 ]; then
		skip "needs root to mount a small tmpfs for the collector's database"
	fi
	MNT=$T/db
	mkdir -p "$MNT"
	mount -t tmpfs -o size=6m tmpfs "$MNT"
	sb_collector_conf
	sed -i "s|^url = .*|url = sqlite://$MNT/collector.db|" "$T/collector.ini"
	sb_start_collector
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until stored_any
	emit full-0 >/dev/null
	SB_WATCH=$AG_PID sb_wait_until key_stored full-0
	# Fill the file system to the last block.
	dd if=/dev/zero of="$MNT/filler" bs=4k status=none 2>/dev/null || true
	for i in $(seq 1 20); do
		emit "full-$i" >/dev/null
	done
	SB_WATCH=$C_PID sb_wait_until health_failing
	grep -q '"store":"disk full' "$T/health.body"
	# The agent's batches get 503 with Retry-After and the cause.
	sb_batch pc-01 900000 900000 >"$T/b.json"
	curl -sS -D "$T/h.txt" -o "$T/post.body" --cacert "$T/ca/ca.crt" \
		--cert "$T/agents/pc-01/agent.crt" --key "$T/agents/pc-01/agent.key" \
		-H 'Content-Type: application/json' --data-binary "@$T/b.json" \
		"https://127.0.0.1:$C_PORT/api/v1/events"
	grep -q '^HTTP/1.1 503' "$T/h.txt"
	grep -qi '^Retry-After: 10' "$T/h.txt"
	jq -e '.store == "disk full"' "$T/post.body"
	SB_WATCH=$AG_PID sb_wait_until grep -q 'Retry-After' "$T/agent-pc-01.log"
	grep -q 'disk full' "$T/collector.log"
	refute_grep -q 'HTTP 500' "$T/agent-pc-01.log"
	run key_stored full-1
	[ "$status" -ne 0 ]
	# Room again: everything arrives, once, and health is back.
	rm -f "$MNT/filler"
	for i in $(seq 1 20); do
		SB_WATCH=$AG_PID sb_wait_until key_stored "full-$i"
	done
	SB_WATCH=$C_PID sb_wait_until health_ok
	no_duplicates
	run key_stored test:900000
	[ "$status" -ne 0 ]
	# Nothing was dead-lettered: a full disk is not the events' fault.
	[ -z "$(sqlite3 "$T/agents/pc-01/spool.db" "SELECT name FROM sqlite_master WHERE name = 'rejected'")" ] ||
		dead_letters 0
	sb_stop_collector
}

@test "batches sent together (group commit): each answered with its own result, stored once" {
	sb_start_collector
	sqlite3 "$T/collector.db" ".timeout 30000" "CREATE TRIGGER refuse_one \
		BEFORE INSERT ON events WHEN NEW.key = 'test:1205' BEGIN \
		SELECT RAISE(ABORT, 'refused by reject.bats (group)'); END;"
	for i in $(seq 0 19); do
		sb_batch pc-01 $((i * 100 + 1)) $((i * 100 + 100)) >"$T/g$i.json"
	done
	pids=
	for i in $(seq 0 19); do
		curl -sS -o "$T/g$i.out" -w '%{http_code}' --cacert "$T/ca/ca.crt" \
			--cert "$T/agents/pc-01/agent.crt" --key "$T/agents/pc-01/agent.key" \
			-H 'Content-Type: application/json' --data-binary "@$T/g$i.json" \
			"https://127.0.0.1:$C_PORT/api/v1/events" >"$T/g$i.code" &
		pids="$pids $!"
	done
	# Only the curls: a bare wait would wait for the collector too.
	wait $pids
	for i in $(seq 0 19); do
		[ "$(cat "$T/g$i.code")" = 200 ]
		[ "$(jq -r .stored_through "$T/g$i.out")" = $((i * 100 + 100)) ]
		if [ "$i" = 12 ]; then
			jq -e '.rejected == [{"seq": 1205, "error": "storing the event: refused by reject.bats (group)"}]' "$T/g$i.out"
		else
			jq -e 'has("rejected") | not' "$T/g$i.out"
		fi
	done
	[ "$(sb_stored_count pc-01)" = 1999 ]
	no_duplicates
	sb_stop_collector
	grep -q 'group commit: 20 batches of events stored in' "$T/collector.log"
	echo "# $(grep -o 'group commit: .*' "$T/collector.log")" >&3
}
