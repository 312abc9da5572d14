#!/usr/bin/env bats
# Two collectors in front of one database (same CA and server
# certificate, different ports, one SQLite file) and one agent that lists
# both in [agent] server.  While the agent delivers a steady stream of
# events, one collector is killed with -9; the agent moves to the other,
# and back when that one is killed in turn.  At the end every event the
# agent spooled is stored exactly once, each incident key was folded into
# one incident (its count is the number of its events) and each incident
# was notified once (a local webhook receiver).
#
# Incidents are opened by new keys while one collector is up and notified
# before it is killed.  A notification claimed from the outbox by a
# collector killed with -9 before it sent it is sent by the other
# collector after the claim's lease (last test).

load helpers

setup() {
	sb_setup
	sb_ca
	sb_agent_cert pc-01
	sb_start_hook
	C_EXTRA="
[incidents]
host_down_grace = 1h
notify_lease = ${NOTIFY_LEASE:-30s}

[notify hook]
type = webhook
url = http://127.0.0.1:$HOOK_PORT/h
" sb_collector_conf
	P1=$C_PORT
	P2=$(sb_free_port)
	sed -e "s|$T/admin.sock|$T/admin1.sock|" "$T/collector.ini" >"$T/collector1.ini"
	sed -e "s|127.0.0.1:$P1|127.0.0.1:$P2|" -e "s|$T/admin.sock|$T/admin2.sock|" \
		"$T/collector.ini" >"$T/collector2.ini"
	rm "$T/collector.ini"
	CPID=()
}

teardown() {
	touch "$T/stop"
	[ -z "${EM_PID:-}" ] || sb_reap "$EM_PID"
	sb_teardown
}

port_of() {
	if [ "$1" = 1 ]; then echo "$P1"; else echo "$P2"; fi
}

health() {
	curl -sf --cacert "$T/ca/ca.crt" "https://127.0.0.1:$(port_of "$1")/api/v1/health" |
		grep -q '"status":"ok"'
}

# Start collector N (1 or 2) and wait until it answers.
start_c() {
	"$SHAOBING_BIN/shaobing-collector" -f -c "$T/collector$1.ini" \
		>>"$T/collector$1.log" 2>&1 &
	CPID[$1]=$!
	echo "$!" >>"$SB_PIDS"
	SB_WATCH=${CPID[$1]} sb_wait_until health "$1"
	SB_WATCH=${CPID[$1]} sb_wait_until curl -sf --unix-socket "$T/admin$1.sock" \
		http://localhost/api/v1/admin/agents
}

kill9_c() {
	kill -KILL "${CPID[$1]}"
	sb_reap "${CPID[$1]}"
}

# The CLI through collector N's admin socket.
cli() {
	local n=$1
	shift
	SHAOBING_ADMIN=unix:$T/admin$n.sock timeout 60 "$SB" "$@"
}

stored() {
	db 'SELECT count(*) FROM events WHERE seq > 0'
}

# SQL on the shared database (waiting while a collector writes).
db() {
	sb_sql "$@"
}

max_seq_at_least() {
	[ "$(db 'SELECT max(seq) FROM events')" -ge "$1" ]
}

stored_above() {
	[ "$(stored)" -gt "$1" ]
}

# Incident notifications received so far.
hooks() {
	cat "$T"/hook.*.json 2>/dev/null | jq -s '[.[] | select(.kind == "incident")] | length'
}

hooks_at_least() {
	[ "$(hooks)" -ge "$1" ]
}

# The emitter: port scans from the running agent's spool (--emit), one
# after another until $T/stop exists (3,000 at most); the key's middle
# part is read from $T/phase, so a new phase opens new incidents.
emitter() {
	local i=0 phase
	while [ ! -e "$T/stop" ] && [ $i -lt 3000 ]; do
		i=$((i + 1))
		phase=$(cat "$T/phase")
		timeout 60 "$SHAOBING_BIN/shaobing-agent" --emit port_scan --severity high \
			--key "port_scan:10.0.$phase.$((i % 3))->10.0.0.1" --data "{\"ports\":$i}" \
			-c "$T/agents/pc-01/agent.ini" >>"$T/emit.out" 2>>"$T/emit.err" || true
	done
}

# Commit one test event with key KEY; prints its seq.
emit_one() {
	timeout 60 "$SHAOBING_BIN/shaobing-agent" --emit test --key "$1" \
		-c "$T/agents/pc-01/agent.ini" | awk '$1 == "event" { print $2 }'
}

# The agent's switch lines so far.
switches() {
	grep -c 'switching to collector' "$T/agent-pc-01.log" || true
}

switches_at_least() {
	[ "$(switches)" -ge "$1" ]
}

outbox_done() {
	[ "$(db "SELECT count(*) FROM notify_outbox WHERE state != 'sent'")" = 0 ]
}

# Kill collector FROM with -9 while events flow; wait until the agent
# logged its switch number NTH, to collector TO, and 100 more events are
# stored; print how long that took.
fail_over() {
	local from=$1 to=$2 nth=$3 n t0 t1 t2
	# The notifications received are marked sent first: a kill between a
	# send and its mark would have the other collector send it again
	# after the lease (the outbox's one duplicate; its own test below).
	SB_WATCH=$AG_PID sb_wait_until outbox_done
	n=$(stored)
	t0=$(now)
	kill9_c "$from"
	SB_WATCH=$AG_PID sb_wait_until switches_at_least "$nth"
	t1=$(now)
	SB_WATCH=$AG_PID sb_wait_until stored_above $((n + 100))
	t2=$(now)
	grep -q "collector https://127.0.0.1:$(port_of "$from") failed (.*); switching to collector https://127.0.0.1:$(port_of "$to") ($to of 2)" \
		"$T/agent-pc-01.log"
	echo "# kill -9 of collector $from at $n events stored: switch logged after $(secs "$t0" "$t1") s, 100 more events stored after $(secs "$t0" "$t2") s" >&3
}

# Milliseconds since the epoch, for the figures printed.
now() {
	date +%s%3N
}

secs() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1000 }'
}

@test "two collectors on one database: an agent fails over and back, every event stored once, incidents folded and notified once$SB_ON" {
	start_c 1
	start_c 2
	sb_agent_conf pc-01
	sed -i "s|^server = .*|server = https://127.0.0.1:$P1, https://127.0.0.1:$P2|" \
		"$T/agents/pc-01/agent.ini"
	echo "server_retry_primary = 1h" >>"$T/agents/pc-01/agent.ini"
	run "$SHAOBING_BIN/shaobing-agent" -c "$T/agents/pc-01/agent.ini" --check-config
	[ "$status" -eq 0 ]
	sb_start_agent pc-01
	echo 1 >"$T/phase"
	emitter &
	EM_PID=$!

	# Phase 1 on collector 1: three incidents opened and notified.
	SB_WATCH=$AG_PID sb_wait_until hooks_at_least 3
	SB_WATCH=$AG_PID sb_wait_until stored_above 100
	[ "$(switches)" -eq 0 ]
	grep -q 'events from pc-01 through seq' "$T/collector1.log"

	# Collector 1 killed mid-stream: the agent moves to collector 2.
	fail_over 1 2 1

	# Phase 2 on collector 2: three new incidents.
	echo 2 >"$T/phase"
	SB_WATCH=$AG_PID sb_wait_until hooks_at_least 6

	# Collector 1 back, collector 2 killed: the agent moves back.
	start_c 1
	n=$(stored)
	SB_WATCH=$AG_PID sb_wait_until stored_above $((n + 50))
	fail_over 2 1 2

	# Phase 3 on collector 1 again, then the stream stops.
	echo 3 >"$T/phase"
	SB_WATCH=$AG_PID sb_wait_until hooks_at_least 9
	touch "$T/stop"
	sb_reap "$EM_PID"
	EM_PID=

	# Everything the agent spooled arrives: the highest seq --emit got
	# is stored, and the seqs are 1..max, each once.
	last=$(awk '$1 == "event" { print $2 }' "$T/emit.out" | sort -n | tail -n 1)
	SB_WATCH=$AG_PID sb_wait_until max_seq_at_least "$last"
	emitted=$(grep -c '^event ' "$T/emit.out")
	seqs=$(db "SELECT e.seq FROM events e JOIN agents a ON a.id = e.agent_id WHERE a.name = 'pc-01' AND e.seq > 0 ORDER BY e.seq")
	max=$(tail -n 1 <<<"$seqs")
	[ "$(uniq -d <<<"$seqs")" = "" ]
	[ "$seqs" = "$(seq 1 "$max")" ]
	[ "$(db 'SELECT count(*) FROM (SELECT agent_id, seq FROM events GROUP BY agent_id, seq HAVING count(*) > 1) AS d')" -eq 0 ]
	scans=$(db "SELECT count(*) FROM events WHERE type = 'port_scan'")
	[ "$scans" -eq "$emitted" ]
	echo "# $emitted events emitted, $max seqs stored (1..$max, each once), 2 switches" >&3

	# One open incident per key, and its count is the number of its events.
	run db "SELECT count(*), count(DISTINCT key), sum(count) FROM incidents WHERE type = 'port_scan'"
	[ "$output" = "9|9|$scans" ]
	run db "SELECT count(*) FROM incidents WHERE type = 'port_scan' AND status = 'open'"
	[ "$output" = 9 ]
	run db "SELECT i.key FROM incidents i WHERE i.count != (SELECT count(*) FROM events e WHERE e.type = 'port_scan' AND e.key = i.key)"
	[ "$output" = "" ]

	# One notification per incident, whichever collector opened it.
	run sh -c "cat '$T'/hook.*.json | jq -r 'select(.kind == \"incident\") | .incident.id' | sort -n | uniq -c | awk '{ print \$1 }' | sort -u"
	[ "$output" = 1 ]
	[ "$(hooks)" -eq 9 ]

	# The incident trail's hash chain stayed linear with two writers.
	run cli 1 audit verify
	[ "$status" -eq 0 ]
	if [ "${SB_STORE:-}" != PostgreSQL ]; then
		run db 'PRAGMA integrity_check'
		[ "$output" = ok ]
	fi
}

@test "the agent comes back to the first collector after server_retry_primary$SB_ON" {
	start_c 1
	start_c 2
	sb_agent_conf pc-01
	sed -i "s|^server = .*|server = https://127.0.0.1:$P1, https://127.0.0.1:$P2|" \
		"$T/agents/pc-01/agent.ini"
	echo "server_retry_primary = 2s" >>"$T/agents/pc-01/agent.ini"
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until stored_above 0
	kill9_c 1
	SB_WATCH=$AG_PID sb_wait_until switches_at_least 1
	# While collector 1 is down, tries of it fail over to collector 2 again.
	SB_WATCH=$AG_PID sb_wait_until grep -q "trying the first collector https://127.0.0.1:$P1 again" \
		"$T/agent-pc-01.log"
	SB_WATCH=$AG_PID sb_wait_until switches_at_least 2
	n=$(wc -l <"$T/collector1.log")
	start_c 1
	# Back on collector 1 by itself (collector 2 still up): one event at
	# a time until one is stored by collector 1 (the first ones may still
	# go to collector 2, until its next try); 100 at most.
	on1=0
	for i in $(seq 1 100); do
		s=$(emit_one "test:$i")
		SB_WATCH=$AG_PID sb_wait_until max_seq_at_least "$s"
		if tail -n +$((n + 1)) "$T/collector1.log" | grep -q "events from pc-01 through seq $s\$"; then
			on1=1
			break
		fi
	done
	[ "$on1" = 1 ]
	# And it stays there.
	k=$(switches)
	s=$(emit_one test:last)
	SB_WATCH=$AG_PID sb_wait_until max_seq_at_least "$s"
	tail -n +$((n + 1)) "$T/collector1.log" | grep -q "events from pc-01 through seq $s\$"
	[ "$(switches)" -eq "$k" ]
	seqs=$(db "SELECT seq FROM events WHERE seq > 0 ORDER BY seq")
	[ "$seqs" = "$(seq 1 "$s")" ]
}

@test "--check-config checks every collector URL and names the bad one with FILE:LINE$SB_ON" {
	sb_agent_conf pc-01
	sed -i "s|^server = .*|server = https://127.0.0.1:$P1, http://127.0.0.1:$P2|" \
		"$T/agents/pc-01/agent.ini"
	run "$SHAOBING_BIN/shaobing-agent" -c "$T/agents/pc-01/agent.ini" --check-config
	[ "$status" -eq 2 ]
	[[ "$output" == *"$T/agents/pc-01/agent.ini:3: [agent] server: 'http://127.0.0.1:$P2' must be an https:// URL"* ]]
}

# A receiver on 127.0.0.1:$HANG_PORT that accepts connections and never
# answers (a webhook that hangs); each accept appends a line to
# $T/hang.accepted.
start_hang() {
	HANG_PORT=$(sb_free_port)
	python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
    with open(sys.argv[2], "a") as f:
        f.write("accepted\n")
' "$HANG_PORT" "$T/hang.accepted" &
	echo $! >>"$SB_PIDS"
	SB_WATCH=$! sb_wait_until sh -c "ss -Htln 'sport = :$HANG_PORT' | grep -q ."
}

outbox_state() {
	[ "$(db 'SELECT state FROM notify_outbox')" = "$1" ]
}

@test "a notification claimed by a collector killed before sending is sent once, by the other collector after the lease$SB_ON" {
	start_hang
	# Collector 1's webhook hangs; collector 2's is the receiver.
	sed -i "s|url = http://127.0.0.1:$HOOK_PORT/h|url = http://127.0.0.1:$HANG_PORT/h|" \
		"$T/collector1.ini"
	sed -i "s|^notify_lease = .*|notify_lease = 2s|" "$T/collector1.ini" "$T/collector2.ini"
	start_c 1
	printf '{"agent":"pc-01","events":[{"agent":"pc-01","seq":1,"ts":"%s","type":"port_scan","severity":"high","key":"port_scan:10.0.9.1->10.0.0.1","data":{"ports":1}}]}' \
		"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" >"$T/b1.json"
	run sb_post pc-01 /api/v1/events "$T/b1.json"
	[[ "$output" == 200* ]]

	# Collector 1 claimed the message and is sending it (the receiver
	# hangs); it is killed before an answer.
	SB_WATCH=${CPID[1]} sb_wait_until test -s "$T/hang.accepted"
	run db "SELECT state, claims FROM notify_outbox"
	[ "$output" = "claimed|1" ]
	owner1=$(db 'SELECT claimed_by FROM notify_outbox')
	grep -q "notifications: this collector sends as $owner1" "$T/collector1.log"
	# The API shows it claimed.
	run curl -sf --unix-socket "$T/admin1.sock" http://localhost/api/v1/admin/incidents/1
	[ "$status" -eq 0 ]
	[ "$(jq -r '.incident.notify_outbox[0].state' <<<"$output")" = claimed ]
	kill9_c 1
	[ "$(hooks)" -eq 0 ]

	# Collector 2 takes it over when the lease ends and sends it once.
	start_c 2
	SB_WATCH=${CPID[2]} sb_wait_until outbox_state sent
	owner2=$(db 'SELECT claimed_by FROM notify_outbox')
	[ "$owner2" != "$owner1" ]
	run db "SELECT claims, taken_from, error FROM notify_outbox"
	[ "$output" = "2|$owner1|" ]
	grep -q "notification 1 of incident 1: collector $owner1 claimed it but its lease expired (stopped or hung); $owner2 takes it over" \
		"$T/collector2.log"
	[ "$(hooks)" -eq 1 ]
	run jq -r '[.idempotency_key, .incident.id, .incident.outbox_id] | join(" ")' "$T/hook.1.json"
	[ "$output" = "shaobing-outbox-1 1 1" ]
	run db "SELECT count(*) FROM notifications WHERE incident_id = 1 AND ok = 1"
	[ "$output" = 1 ]
	run curl -sf --unix-socket "$T/admin2.sock" http://localhost/api/v1/admin/incidents/1
	[ "$status" -eq 0 ]
	[ "$(jq -r '.incident.notify_outbox[0] | [.state, .claimed_by, .claims] | join(" ")' <<<"$output")" = "sent $owner2 2" ]
	[ "$(jq -r '.incident.notifications | length' <<<"$output")" = 1 ]
	run cli 2 incidents show 1
	[ "$status" -eq 0 ]
	grep -A3 '待发 Outbox' <<<"$output" | grep -q "incident .*sent .*$owner2"
	# Collector 2 restarted opens and sends a new incident; the first
	# one is still sent once.
	kill -TERM "${CPID[2]}"
	sb_reap "${CPID[2]}"
	start_c 2
	printf '{"agent":"pc-01","events":[{"agent":"pc-01","seq":2,"ts":"%s","type":"port_scan","severity":"high","key":"port_scan:10.0.9.2->10.0.0.1","data":{"ports":1}}]}' \
		"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" >"$T/b2.json"
	C_PORT=$P2 run sb_post pc-01 /api/v1/events "$T/b2.json"
	[[ "$output" == 200* ]]
	SB_WATCH=${CPID[2]} sb_wait_until hooks_at_least 2
	run sh -c "cat '$T'/hook.*.json | jq -r '.incident.id' | sort -n | uniq -c | awk '{ print \$2 \":\" \$1 }' | tr '\n' ' '"
	[ "$output" = "1:1 2:1 " ]
	run db "SELECT state, claims FROM notify_outbox ORDER BY id"
	[ "$output" = "$(printf 'sent|2\nsent|1')" ]
}
