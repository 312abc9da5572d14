#!/usr/bin/env bats
# The arm64 build (make ARCH=arm64) run under qemu-aarch64 user emulation
# beside the amd64 build: the same findings from the shared captures, the
# same inventory of a fixture root, the same --check report against a
# local TLS server, and an arm64 agent delivering to an amd64 collector.
#
# Run by tests/run-arm64.sh, which sets SHAOBING_BIN (amd64 binaries) and
# SHAOBING_ARM64_BIN (wrappers that start the arm64 binaries in qemu).

load ../e2e/helpers

setup() {
	: "${SHAOBING_ARM64_BIN:?run through tests/run-arm64.sh}"
	sb_setup
	ARM=$SHAOBING_ARM64_BIN
}

teardown() {
	[ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null || true
	sb_teardown
}

@test "arm64: the binaries are aarch64 ELF files run by qemu" {
	run file -L "$SHAOBING_ARM64_REAL/shaobing-agent"
	[[ "$output" == *"ARM aarch64"* ]]
	run "$ARM/shaobing-agent" --help
	[[ "$output" == *"usage: shaobing-agent"* ]]
	[ "$output" = "$("$SHAOBING_BIN/shaobing-agent" --help 2>&1)" ]
}

@test "arm64: --analyze gives the amd64 findings for every shared capture" {
	pcaps="${SHAOBING_SHARED:-/nonexistent}/data/pcaps"
	[ -d "$pcaps" ] || skip "SHAOBING_SHARED/data/pcaps not found (set SHAOBING_SHARED)"
	n=0
	for f in "$pcaps"/*.pcap "$pcaps"/*.pcapng; do
		"$SHAOBING_BIN/shaobing-agent" --analyze "$f" >"$T/amd64.out" 2>/dev/null
		"$ARM/shaobing-agent" --analyze "$f" >"$T/arm64.out" 2>"$T/arm64.err" ||
			{ echo "arm64 failed on $f:"; cat "$T/arm64.err"; return 1; }
		diff -u "$T/amd64.out" "$T/arm64.out" ||
			{ echo "findings differ on $f"; return 1; }
		grep -q '^analyze: .* packets/s$' "$T/arm64.err"
		n=$((n + 1))
	done
	[ "$n" -ge 20 ]
	# Not vacuous: the attack captures do give findings.
	[ -s "$T/amd64.out" ] || "$ARM/shaobing-agent" --analyze "$pcaps/dos_synflood_spoofed_stopddos.pcap" 2>/dev/null | grep -q '"type":"syn_flood"'
}

@test "arm64: --inventory of the fixture roots equals amd64's; live, kernel arch aarch64" {
	"$ARM/shaobing-agent" --inventory --json >"$T/live.json"
	[ "$(jq -r .host.kernel.arch "$T/live.json")" = aarch64 ]
	[ "$(jq '.packages.count' "$T/live.json")" -gt 0 ]
	for r in root1 root2; do
		root=$SHAOBING_ROOT/tests/data/inventory/$r
		"$SHAOBING_BIN/shaobing-agent" --inventory --json --root "$root" >"$T/amd64.json"
		"$ARM/shaobing-agent" --inventory --json --root "$root" >"$T/arm64.json"
		# "volatile" holds disk usage of this machine's real filesystems.
		strip='del(.collected_at, .volatile)'
		diff -u <(jq -S "$strip" "$T/amd64.json") <(jq -S "$strip" "$T/arm64.json")
		[ "$(jq '.packages.count' "$T/arm64.json")" -gt 0 ]
	done
}

@test "arm64: --check against a local TLS server reports as amd64 does" {
	pki=$T/pki
	sh "$SHAOBING_ROOT/tests/e2e/check_pki.sh" "$pki"
	port=$(sb_free_port)
	openssl s_server -accept "127.0.0.1:$port" -cert "$pki/valid.crt" \
		-key "$pki/valid.key" -cert_chain "$pki/int.crt" -www -quiet \
		</dev/null >/dev/null 2>&1 &
	SPID=$!
	SB_WATCH=$SPID sb_wait_until sh -c "ss -Hltn 'sport = :$port' | grep -q ."
	run "$ARM/shaobing-agent" --check "tls://localhost:$port" --ca "$pki/root.crt" --json
	[ "$status" -eq 0 ]
	echo "$output" >"$T/arm64.json"
	[ "$(jq -r '.findings | length' "$T/arm64.json")" = 0 ]
	[ "$(jq -r .tls.verify.ok "$T/arm64.json")" = true ]
	[ "$(jq -r .tls.certificate.subject "$T/arm64.json")" = "CN=localhost" ]
	fp=$(openssl x509 -in "$pki/valid.crt" -noout -fingerprint -sha256 | cut -d= -f2)
	[ "$(jq -r .tls.certificate.sha256 "$T/arm64.json")" = "$fp" ]
	"$SHAOBING_BIN/shaobing-agent" --check "tls://localhost:$port" --ca "$pki/root.crt" --json >"$T/amd64.json"
	# days_left counts whole days to notAfter (now + 365 days to the
	# second): a run in the second the certificate was made says 365,
	# one a second later 364, so the two may differ by one.
	same='{c: (.tls.certificate | del(.days_left)), v: .tls.verify, versions: .tls.versions, w: .tls.weak_ciphers, f: .findings}'
	diff -u <(jq -S "$same" "$T/amd64.json") <(jq -S "$same" "$T/arm64.json")
	a=$(jq .tls.certificate.days_left "$T/amd64.json")
	b=$(jq .tls.certificate.days_left "$T/arm64.json")
	[ "$a" -ge 364 ] && [ "$b" -ge 364 ] && [ $((a - b)) -le 1 ] && [ $((b - a)) -le 1 ]
	# And a failing case fails the same way: no CA given, unknown issuer.
	run "$ARM/shaobing-agent" --check "tls://localhost:$port" --json
	[ "$status" -eq 1 ]
}

@test "arm64: an arm64 agent delivers its events to an amd64 collector" {
	sb_ca
	sb_agent_cert pc-arm
	sb_collector_conf
	sb_start_collector
	sb_agent_conf pc-arm
	"$ARM/shaobing-agent" -f -c "$T/agents/pc-arm/agent.ini" >>"$T/agent-pc-arm.log" 2>&1 &
	AG_PID=$!
	echo "$AG_PID" >>"$SB_PIDS"
	stored() { [ "$(sb_stored_count pc-arm 2>/dev/null || echo 0)" -ge "$1" ]; }
	SB_WATCH=$AG_PID sb_wait_until stored 1
	"$ARM/shaobing-agent" --emit test --key test:arm64 --data '{"arch":"arm64"}' \
		-c "$T/agents/pc-arm/agent.ini" >"$T/emit.out"
	SB_WATCH=$AG_PID sb_wait_until sh -c \
		"'$SB' events --agent pc-arm --type test --json | jq -e '.events[] | select(.key == \"test:arm64\" and .data.arch == \"arm64\")'"
	run "$SB" events --agent pc-arm --type system --json
	[ "$(jq -r '.events[0].type' <<<"$output")" = system ]
	# Its seqs are 1..max, once each.
	seqs=$(sb_stored_seqs pc-arm | awk '$1 > 0' | sort -n)
	[ "$seqs" = "$(seq 1 "$(tail -n 1 <<<"$seqs")")" ]
}

@test "arm64: the .debs of the arm64 build: Architecture arm64, Depends for arm64, lintian clean" {
	command -v dpkg-shlibdeps >/dev/null || skip "dpkg-dev not installed (make deps)"
	out=$T/debs
	sh "$SHAOBING_ROOT/packaging/build-deb.sh" --arch arm64 --bin "$SHAOBING_ARM64_REAL" --out "$out" >"$T/build.log" 2>&1 ||
		{ cat "$T/build.log"; return 1; }
	# The amd64 binaries are refused for an arm64 package.
	run sh "$SHAOBING_ROOT/packaging/build-deb.sh" --arch arm64 --bin "$SHAOBING_BIN" --out "$T/wrong"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not an arm64 (AArch64) program"* ]]
	V=$(dpkg-parsechangelog -l "$SHAOBING_ROOT/packaging/changelog" -S Version)
	for p in shaobing-agent shaobing-collector; do
		deb=$out/${p}_${V}_arm64.deb
		[ "$(dpkg-deb -f "$deb" Architecture)" = arm64 ]
		deps=$(dpkg-deb -f "$deb" Depends)
		echo "$p: $deps"
		[[ "$deps" == *"libc6 (>= "* ]]
		[[ "$deps" == *libssl3* ]]
		[[ "$deps" == *libevent-2.1-7* ]]
		[[ "$deps" == *adduser ]]
		d=$T/x-$p
		dpkg-deb -x "$deb" "$d"
		for b in "$d"/usr/sbin/* "$d"/usr/bin/*; do
			[ -e "$b" ] || continue
			readelf -h "$b" | grep -q 'Machine:.*AArch64'
		done
	done
	run lintian --fail-on error "$out"/*.deb
	echo "$output"
	[ "$status" -eq 0 ]
}
