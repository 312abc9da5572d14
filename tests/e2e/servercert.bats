#!/usr/bin/env bats
# The collector's server certificate: `ca init --name` with host names
# and IP addresses, `ca server-cert` issuing it again from the same CA
# (an agent certificate from before still works), the collector taking
# it on SIGHUP, an incident when it expires within 30 days, and the CLI
# naming the certificate's names when the host name does not match.

load helpers

setup() {
	sb_setup
}

teardown() {
	sb_teardown
}

# The SHA-256 fingerprint of the certificate the collector presents.
served_fp() {
	openssl s_client -connect "127.0.0.1:$C_PORT" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 | tr -d : | tr A-Z a-z | sed 's/.*=//'
}

@test "servercert: ca init --name takes host names and IPs, first name first" {
	run "$SB" ca init "$T/ca" --name collector.office.example --name 192.0.2.10 --name 2001:db8::1
	echo "$output"
	[ "$status" -eq 0 ]
	run openssl x509 -in "$T/ca/server.crt" -noout -subject -ext subjectAltName
	echo "$output"
	grep -q 'CN *= *collector.office.example' <<<"$output"
	grep -q 'DNS:collector.office.example, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:1, DNS:'"$(hostname)"', DNS:localhost, IP Address:127.0.0.1' <<<"$output"
	# Bad names change nothing.
	run "$SB" ca init "$T/ca2" --name 'bad name'
	[ "$status" -ne 0 ]
	[ ! -e "$T/ca2/ca.key" ]
	# A second init refuses and points at server-cert.
	run "$SB" ca init "$T/ca" --name other.example
	[ "$status" -eq 1 ]
	[[ "$output" == *"ca server-cert $T/ca --name"* ]]
}

@test "servercert: reissued from the same CA, taken on SIGHUP; agents keep working; token create names the first name" {
	sb_ca
	sb_agent_cert pc-01
	sb_start_collector
	old=$(served_fp)
	run "$SB" token create
	echo "$output"
	# Default public_url: the certificate's first name (here this host's
	# name, ca init had no --name) and the listen port.
	grep -q "^shaobing-agent enroll --server https://$(hostname):$C_PORT --token sbe_" <<<"$output"
	run "$SB" ca server-cert "$T/ca" --name 127.0.0.1 --days 400
	echo "$output"
	[ "$status" -eq 0 ]
	new=$(openssl x509 -in "$T/ca/server.crt" -noout -fingerprint -sha256 | tr -d : | tr A-Z a-z | sed 's/.*=//')
	[ "$new" != "$old" ]
	[ "$(served_fp)" = "$old" ]
	kill -HUP "$C_PID"
	fp_is_new() { [ "$(served_fp)" = "$new" ]; }
	SB_WATCH=$C_PID sb_wait_until fp_is_new
	# The agent certificate issued before still works (same CA).
	sb_batch pc-01 1 1 >"$T/b.json"
	run sb_post pc-01 /api/v1/events "$T/b.json"
	[[ "$output" == 200* ]]
	run "$SB" token create
	grep -q "^shaobing-agent enroll --server https://127.0.0.1:$C_PORT --token sbe_" <<<"$output"
}

@test "servercert: a certificate expiring within 30 days raises an incident" {
	"$SB" ca init "$T/ca" --name 127.0.0.1 --days 10 >/dev/null
	C_EXTRA="
[incidents]
check_interval = 1s
" sb_collector_conf
	sb_start_collector
	expiring() {
		"$SB" incidents --json | jq -e '.incidents[] | select(.type == "collector_cert_expiring")'
	}
	SB_WATCH=$C_PID sb_wait_until expiring
	run "$SB" incidents --json
	echo "$output"
	[ "$(jq '[.incidents[] | select(.type == "collector_cert_expiring")] | length' <<<"$output")" = 1 ]
	jq -e '.incidents[] | select(.type == "collector_cert_expiring") | .title | contains("server.crt expires")' <<<"$output"
	grep -q "the collector's certificate $T/ca/server.crt expires" "$T/collector.log"
}

@test "servercert: the CLI names the certificate's names on a host-name mismatch" {
	"$SB" ca init "$T/ca" --name collector.office.example >/dev/null
	sb_collector_conf
	sed -i "s/^listen = 127.0.0.1:/listen = 0.0.0.0:/" "$T/collector.ini"
	sb_start_collector
	tok=$("$SB" apitoken create --scope read 2>/dev/null)
	# 127.0.0.2 is not in the certificate (localhost, 127.0.0.1 are).
	SHAOBING_TOKEN=$tok run "$SB" --admin "https://127.0.0.2:$C_PORT" --ca "$T/ca/ca.crt" agents
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not for the name in https://127.0.0.2:$C_PORT"* ]]
	[[ "$output" == *"collector.office.example"* ]]
	[[ "$output" == *"shaobing ca server-cert"* ]]
}
