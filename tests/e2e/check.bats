#!/usr/bin/env bats
# shaobing-agent --check against local TLS servers (openssl s_server) with
# certificates from a test CA made here, and port checks against listeners
# the test opens and closes.  Each case must give exactly its findings.

A() { "$SHAOBING_BIN/shaobing-agent" "$@"; }

setup_file() {
	export PKI="$BATS_FILE_TMPDIR/pki"
	sh "$SHAOBING_ROOT/tests/e2e/check_pki.sh" "$PKI"
}

# A free TCP port on loopback.
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$(( (RANDOM % 20000) + 30000 ))
		if ! ss -Hltn "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# serve CERT KEY [s_server options...]: start s_server, set $PORT, $SPID.
serve() {
	local cert=$1 key=$2
	shift 2
	PORT=$(free_port)
	openssl s_server -accept "127.0.0.1:$PORT" -cert "$PKI/$cert" \
		-key "$PKI/$key" -quiet "$@" </dev/null >/dev/null 2>&1 &
	SPID=$!
	# Wait until it listens (a readiness loop, not a time limit on the test).
	for _ in $(seq 1 400); do
		ss -Hltn "sport = :$PORT" | grep -q . && return 0
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.05
	done
	echo "s_server did not start on $PORT" >&2
	return 1
}

teardown() {
	[ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null || true
	[ -n "${SPID2:-}" ] && kill "$SPID2" 2>/dev/null || true
	ip netns del "sbchk$$" 2>/dev/null || true
}

# codes URL [options]: run --check --json; $c = the finding codes sorted,
# $status = the exit status, out.json = the report.
codes() {
	run A --check "$@" --json
	echo "$output" >"$BATS_TEST_TMPDIR/out.json"
	c=$(jq -r '.findings[].code' "$BATS_TEST_TMPDIR/out.json" | sort | tr '\n' ' ')
}

@test "valid chain: no finding, exit 0, report complete" {
	serve valid.crt valid.key -cert_chain "$PKI/int.crt" -www
	codes "tls://localhost:$PORT" --ca "$PKI/root.crt"
	[ "$status" -eq 0 ]
	[ "$c" = "" ]
	f="$BATS_TEST_TMPDIR/out.json"
	[ "$(jq -r .tls.certificate.subject "$f")" = "CN=localhost" ]
	[ "$(jq -r .tls.verify.ok "$f")" = "true" ]
	[ "$(jq -r '.tls.certificate.sans | join(",")' "$f")" = "localhost,127.0.0.1" ]
	[ "$(jq -r .tls.certificate.key_type "$f")" = "EC prime256v1" ]
	[ "$(jq -r .tls.certificate.sig_alg "$f")" = "ecdsa-with-SHA256" ]
	fp=$(openssl x509 -in "$PKI/valid.crt" -noout -fingerprint -sha256 | cut -d= -f2)
	[ "$(jq -r .tls.certificate.sha256 "$f")" = "$fp" ]
	[ "$(jq -r '.tls.versions["TLSv1.2"]' "$f")" = "accepted" ]
	[ "$(jq -r .tls.weak_ciphers.NULL "$f")" = "refused" ]
	[ "$(jq -r .availability.up "$f")" = "true" ]
	[ "$(jq -r .tls.chain_min_days "$f")" -ge 360 ]
}

@test "valid chain without --ca: untrusted (unknown issuer), exit 1" {
	serve valid.crt valid.key -cert_chain "$PKI/int.crt" -www
	codes "tls://localhost:$PORT"
	[ "$status" -eq 1 ]
	[ "$c" = "cert_untrusted " ]
}

@test "expired certificate: cert_expired only" {
	serve expired.crt expired.key -cert_chain "$PKI/int.crt"
	codes "tls://localhost:$PORT" --ca "$PKI/root.crt"
	[ "$status" -eq 1 ]
	[ "$c" = "cert_expired " ]
	[ "$(jq -r '.findings[0].key' "$BATS_TEST_TMPDIR/out.json")" = "cert_expired:localhost:$PORT" ]
	[ "$(jq -r '.findings[0].severity' "$BATS_TEST_TMPDIR/out.json")" = "critical" ]
}

@test "not yet valid certificate: cert_not_yet_valid only" {
	serve future.crt future.key -cert_chain "$PKI/int.crt"
	codes "tls://localhost:$PORT" --ca "$PKI/root.crt"
	[ "$status" -eq 1 ]
	[ "$c" = "cert_not_yet_valid " ]
}

@test "self-signed certificate: cert_self_signed only" {
	serve self.crt self.key
	codes "tls://localhost:$PORT" --ca "$PKI/root.crt"
	[ "$status" -eq 1 ]
	[ "$c" = "cert_self_signed " ]
}

@test "wrong host name: hostname_mismatch only (and --servername fixes it)" {
	serve wrongname.crt wrongname.key -cert_chain "$PKI/int.crt"
	codes "tls://127.0.0.1:$PORT" --ca "$PKI/root.crt"
	[ "$status" -eq 1 ]
	[ "$c" = "hostname_mismatch " ]
	codes "tls://127.0.0.1:$PORT" --ca "$PKI/root.crt" --servername other.example
	[ "$status" -eq 0 ]
	[ "$c" = "" ]
}

@test "missing intermediate: chain_incomplete only" {
	serve valid.crt valid.key
	codes "tls://localhost:$PORT" --ca "$PKI/root.crt"
	[ "$status" -eq 1 ]
	[ "$c" = "chain_incomplete " ]
}

@test "RSA 1024 key: weak_key only" {
	serve rsa1024.crt rsa1024.key -cert_chain "$PKI/int.crt" \
		-cipher 'DEFAULT:@SECLEVEL=0' -min_protocol TLSv1.2
	codes "tls://localhost:$PORT" --ca "$PKI/root.crt"
	[ "$status" -eq 1 ]
	[ "$c" = "weak_key " ]
	[ "$(jq -r .tls.certificate.key_bits "$BATS_TEST_TMPDIR/out.json")" = "1024" ]
}

@test "expiring in 10 days: cert_expiring, medium at 30/7, high with critical_days 12" {
	serve soon.crt soon.key -cert_chain "$PKI/int.crt"
	codes "tls://localhost:$PORT" --ca "$PKI/root.crt"
	[ "$status" -eq 1 ]
	[ "$c" = "cert_expiring " ]
	[ "$(jq -r '.findings[0].severity' "$BATS_TEST_TMPDIR/out.json")" = "medium" ]
	codes "tls://localhost:$PORT" --ca "$PKI/root.crt" --critical-days 12 --warn-days 30
	[ "$(jq -r '.findings[0].severity' "$BATS_TEST_TMPDIR/out.json")" = "high" ]
}

@test "server accepting TLS 1.0 and 1.1: tls10_accepted and tls11_accepted" {
	# Can the local OpenSSL still speak TLS 1.0 at security level 0?
	if ! openssl ciphers -tls1 -s 'DEFAULT:@SECLEVEL=0' >/dev/null 2>&1; then
		skip "the local OpenSSL cannot offer TLS 1.0 even at security level 0"
	fi
	serve valid.crt valid.key -cert_chain "$PKI/int.crt" \
		-cipher 'DEFAULT:@SECLEVEL=0' -min_protocol TLSv1
	codes "tls://localhost:$PORT" --ca "$PKI/root.crt"
	[ "$status" -eq 1 ]
	[ "$c" = "tls10_accepted tls11_accepted " ]
}

@test "server accepting NULL and anonymous ciphers: weak_cipher per class" {
	serve valid.crt valid.key -cert_chain "$PKI/int.crt" \
		-cipher 'ALL:eNULL:aNULL:@SECLEVEL=0' -min_protocol TLSv1.2
	codes "tls://localhost:$PORT" --ca "$PKI/root.crt"
	[ "$status" -eq 1 ]
	[ "$c" = "weak_cipher weak_cipher " ]
	[ "$(jq -r '[.findings[].key] | sort | join(" ")' "$BATS_TEST_TMPDIR/out.json")" = \
	  "weak_cipher:localhost:$PORT:NULL weak_cipher:localhost:$PORT:anonymous" ]
}

@test "https: status and missing HSTS, then HSTS present" {
	serve valid.crt valid.key -cert_chain "$PKI/int.crt" -www
	codes "https://localhost:$PORT/" --ca "$PKI/root.crt"
	[ "$status" -eq 1 ]
	[ "$c" = "no_hsts " ]
	[ "$(jq -r .tls.http.status "$BATS_TEST_TMPDIR/out.json")" = "200" ]
	kill "$SPID"
	d="$BATS_TEST_TMPDIR/www"
	mkdir -p "$d"
	printf 'HTTP/1.0 200 OK\r\nStrict-Transport-Security: max-age=31536000; includeSubDomains\r\nContent-Type: text/plain\r\n\r\nhello\r\n' >"$d/index.txt"
	cd "$d"
	serve valid.crt valid.key -cert_chain "$PKI/int.crt" -HTTP
	codes "https://localhost:$PORT/index.txt" --ca "$PKI/root.crt"
	[ "$status" -eq 0 ]
	[ "$c" = "" ]
	[ "$(jq -r .tls.http.hsts_max_age "$BATS_TEST_TMPDIR/out.json")" = "31536000" ]
}

@test "tls:// to a closed port: could not run, exit 2" {
	p=$(free_port)
	run A --check "tls://127.0.0.1:$p"
	[ "$status" -eq 2 ]
	[[ "$output" == *"refused"* ]]
}

@test "tcp:// open and closed listeners; must-closed exposure" {
	serve valid.crt valid.key
	open=$PORT
	closed=$(free_port)
	codes "tcp://127.0.0.1:$open"
	[ "$status" -eq 0 ]
	[ "$c" = "" ]
	codes "tcp://127.0.0.1:$open,$closed"
	[ "$status" -eq 1 ]
	[ "$c" = "port_down " ]
	[ "$(jq -r '.ports[1].state' "$BATS_TEST_TMPDIR/out.json")" = "closed" ]
	[ "$(jq -r .availability.up "$BATS_TEST_TMPDIR/out.json")" = "false" ]
	# An open port that must be closed is exposed.
	other=$(free_port)
	codes "tcp://127.0.0.1:$closed" --closed "$open"
	[ "$c" = "port_down port_exposed " ]
	kill "$SPID"; SPID=
	# Closed by the test: now it is down.
	for _ in $(seq 1 100); do ss -Hltn "sport = :$open" | grep -q . || break; sleep 0.05; done
	codes "tcp://127.0.0.1:$open"
	[ "$c" = "port_down " ]
}

@test "filtered port (netns, packets dropped) ends as filtered within the timeout" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a network namespace"
	ip netns add "sbchk$$"
	ip netns exec "sbchk$$" ip link set lo up
	# Routed to lo but not local: the kernel drops the SYNs silently.
	ip netns exec "sbchk$$" ip route add 10.9.9.0/24 dev lo
	run ip netns exec "sbchk$$" "$SHAOBING_BIN/shaobing-agent" --check \
		tcp://10.9.9.2:80,443 --timeout 500ms --json
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '[.ports[].state] | join(",")')" = "filtered,filtered" ]
	[ "$(echo "$output" | jq -r '[.findings[].code] | join(",")')" = "port_down,port_down" ]
}

@test "bad arguments: exit 2 with a clear message" {
	run A --check "ftp://x"
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown scheme 'ftp'"* ]]
	run A --check "tcp://localhost:70000"
	[ "$status" -eq 2 ]
	[[ "$output" == *"port 70000 out of range"* ]]
	run A --check "tls://localhost:443" --ca /nonexistent/ca.pem
	[ "$status" -eq 2 ]
	[[ "$output" == *"/nonexistent/ca.pem"* ]]
}
