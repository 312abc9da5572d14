#!/usr/bin/env bats
# Issue 12 items 11 and 12: a hostile HTTPS server (openssl s_server -HTTP
# with a certificate made here) puts invalid UTF-8, ESC, BEL, C1 CSI and
# CR/LF into several fields: certificate subject and SANs, the
# Strict-Transport-Security header, the Server header.  --check --json
# keeps every finding (the bad bytes shown as \xNN), and the text report
# prints none of those bytes raw.

A() { "$SHAOBING_BIN/shaobing-agent" "$@"; }

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

setup() {
	D=$BATS_TEST_TMPDIR
	# SANs: localhost, then OSC 52 + BEL + CR/LF + a stray 0xfe, then a
	# C1 CSI and a truncated sequence.  DER, since a config line cannot
	# carry CR/LF.
	der=$(python3 -c '
def tlv(t, b):
    return bytes([t]) + (bytes([len(b)]) if len(b) < 128 else bytes([0x81, len(b)])) + b
names = [b"localhost", b"x\x1b]52;c;aGk=\x07\r\nforged: ok\xfe", b"y\x9b2J\xc3"]
print(tlv(0x30, b"".join(tlv(0x82, n) for n in names)).hex())')
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/h.key" -out "$D/h.crt" \
		-days 30 -subj "/CN=localhost/O=Evil$(printf '\033')[2J Corp" \
		-addext "subjectAltName=DER:$der" >/dev/null 2>&1
	mkdir -p "$D/www"
	# Invalid HSTS (a finding that quotes the header) with bytes that
	# are not UTF-8, and a Server header with an escape sequence.
	printf 'HTTP/1.0 200 OK\r\nStrict-Transport-Security: max-age=\xc0\xaf600\x1b[1m;\xff\r\nServer: nginx\x1b]0;pwn\x07\xe9\r\nContent-Type: text/plain\r\n\r\nhi\r\n' >"$D/www/i.txt"
	PORT=$(free_port)
	(cd "$D/www" && exec openssl s_server -accept "127.0.0.1:$PORT" \
		-cert "$D/h.crt" -key "$D/h.key" -quiet -HTTP </dev/null >/dev/null 2>&1) &
	SPID=$!
	for _ in $(seq 1 400); do
		ss -Hltn "sport = :$PORT" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

teardown() {
	[ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null || true
}

@test "invalid UTF-8 from a hostile server loses no finding; bad bytes are escaped" {
	run A --check "https://localhost:$PORT/i.txt" --json
	[ "$status" -eq 1 ]
	echo "$output" >"$D/out.json"
	jq -e . "$D/out.json" >/dev/null
	codes=$(jq -r '.findings[].code' "$D/out.json" | sort | tr '\n' ' ')
	# The untrusted certificate and the invalid HSTS header both stay.
	[[ "$codes" == *"cert_self_signed"* || "$codes" == *"cert_untrusted"* ]]
	[[ "$codes" == *"no_hsts"* ]]
	jq -r '.tls.http.hsts' "$D/out.json" | grep -qF 'max-age=\xc0\xaf600'
	jq -r '.tls.certificate.sans[]' "$D/out.json" | grep -qF '\xfe'
	jq -r '.tls.certificate.sans[]' "$D/out.json" | grep -qF 'y\x9b2J\xc3'
	# Valid UTF-8 throughout (jq would have refused otherwise; iconv checks bytes).
	iconv -f UTF-8 -t UTF-8 "$D/out.json" >/dev/null
}

@test "--check text output prints no escape, BEL, C1 or CR from a certificate or header" {
	run A --check "https://localhost:$PORT/i.txt"
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >"$D/out.txt"
	LC_ALL=C refute_grep -qP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$D/out.txt"
	grep -qF 'x\x1b]52;c;aGk=\x07\x0d\x0aforged: ok\xfe' "$D/out.txt"
	# OpenSSL's RFC 2253 printer escapes it already (\1B); either is fine.
	grep -qE 'Evil\\(x1b|1B)\[2J Corp' "$D/out.txt"
	refute_grep -q '^forged' "$D/out.txt"
}
