#!/usr/bin/env bats
# Limits of the collector against clients that hold connections open:
# many slow clients (a TLS handshake, then a request header trickled a
# line a second, so the idle timeout never fires) must not keep a real
# agent from delivering.  The collector cuts any connection that has not
# delivered a whole request within [server] request_timeout.

load helpers

setup() {
	sb_setup
	SLOW_PIDS=$T/slow.pids
	: >"$SLOW_PIDS"
}

teardown() {
	local pid
	# Each slow client is its own process group (setsid): end the group.
	while read -r pid; do
		kill -TERM -- "-$pid" 2>/dev/null || true
	done <"$SLOW_PIDS"
	sb_teardown
}

# One slow client, reconnecting whenever the collector cuts it.
slow_client() {
	setsid bash -c '
		while :; do
			{
				printf "POST /api/v1/events HTTP/1.1\r\nHost: x\r\n"
				while printf "X-Slow: %s\r\n" "$RANDOM"; do sleep 1; done
			} | openssl s_client -quiet -connect "127.0.0.1:$1" >/dev/null 2>&1
			sleep 0.2
		done' slow "$C_PORT" </dev/null >/dev/null 2>&1 &
	echo $! >>"$SLOW_PIDS"
}

stored_at_least() {
	[ "$(sb_stored_count "$1")" -ge "$2" ]
}

@test "slow clients holding every connection do not stop a real agent" {
	sb_ca
	sb_agent_cert pc-01
	C_SERVER_EXTRA=$'max_connections = 8\nagent_connections = 2\nrequest_timeout = 2s\nhandshake_timeout = 2s\ntimeout = 30s'
	sb_collector_conf
	sb_start_collector
	for i in $(seq 1 24); do
		slow_client
	done
	# The slow clients fill every slot; the oldest of them make room.
	SB_WATCH=$C_PID sb_wait_until grep -qE " [1-9][0-9]* to make room" "$T/collector.log"
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until stored_at_least pc-01 1
	# The collector is still healthy (asked from another address).
	run curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 \
		--cacert "$T/ca/ca.crt" --resolve "localhost:$C_PORT:127.0.0.1" \
		"https://localhost:$C_PORT/api/v1/health"
	[ "$output" = 200 ]
}

@test "a client over [server] rate gets 429, others are not affected" {
	sb_ca
	sb_agent_cert pc-01
	C_SERVER_EXTRA=$'rate = 1\nburst = 5'
	sb_collector_conf
	sb_start_collector
	codes=''
	for i in $(seq 1 15); do
		codes="$codes $(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca/ca.crt" \
			"https://127.0.0.1:$C_PORT/api/v1/health")"
	done
	[[ "$codes" == *429* ]]
	# Another address (127.0.0.2 is loopback too) still gets through.
	run curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 \
		--cacert "$T/ca/ca.crt" --resolve "localhost:$C_PORT:127.0.0.1" \
		"https://localhost:$C_PORT/api/v1/health"
	[ "$output" = 200 ]
}

@test "oversized request headers are refused" {
	sb_ca
	sb_start_collector
	big=$(head -c 20000 /dev/zero | tr '\0' a)
	run curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca/ca.crt" \
		-H "X-Big: $big" "https://127.0.0.1:$C_PORT/api/v1/health"
	echo "status: $output"
	[ "$output" = 400 ]
	# Still alive and answering.
	kill -0 "$C_PID"
	sb_health
}
