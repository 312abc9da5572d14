#!/usr/bin/env bats
# Issue 12 items 5 and 1: text an agent or a stranger sends never
# reaches the admin's terminal or the collector's log raw (OSC, CSI in
# both its 7-bit and C1 form, bidi overrides, CR/LF forging a line),
# and valid text of any length is stored.  Payloads differ from the
# issue's: OSC 8 hyperlinks, C1 CSI cursor moves, a right-to-left
# isolate, a long key of 4-byte characters.

load helpers

setup() {
	sb_setup
	sb_ca
	sb_agent_cert web-07
	sb_collector_conf
	printf '[schedule]\nalways = web-*\n' >>"$T/collector.ini"
	cp -a "$SHAOBING_ROOT/tests/data/inventory/root1" "$T/root"
}

teardown() {
	sb_teardown
}

has_inventory() {
	[ "$("$SB" events --agent web-07 --type inventory --json | jq '.events | length')" -ge 1 ]
}

# No byte a terminal acts on: ESC, BEL, CR, C1 (UTF-8 c2 80..c2 9f),
# U+202A..U+202E, U+2066..U+2069.  LF is allowed (our own line ends).
no_terminal_controls() {
	LC_ALL=C refute_grep -qP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$1"
}

@test "hostile inventory text is escaped in assets show, tables and the event list" {
	sb_start_collector
	AG_EXTRA="[inventory]
root = $T/root" sb_agent_conf web-07
	sb_start_agent web-07
	SB_WATCH=$AG_PID sb_wait_until has_inventory
	kill -TERM "$AG_PID"
	sb_reap "$AG_PID"

	# The agent's own snapshot, with hostile text in several fields.
	"$SB" events --agent web-07 --type inventory --json |
		jq -c '.events[0].data' >"$T/snap.json"
	jq -c --arg h $'db\e]8;;http://x.test/\e\\\\click\e]8;;\e\\\\-02' \
	      --arg os $'Debian \u009b2;1HGNU\r\nstatus: clean' \
	      --arg cpu $'Xeon \u2067gnp.exe\u2069 \a\b' \
	      '.host.hostname = $h | .os.pretty_name = $os | .hardware.cpu.model = $cpu | .hash = "h2"' \
	      "$T/snap.json" >"$T/snap2.json"
	jq -c --slurpfile d "$T/snap2.json" -n '{agent:"web-07",events:[{agent:"web-07",seq:900001,ts:"2026-12-01T02:00:00.000Z",type:"inventory",severity:"info",key:"inventory:web-07",data:$d[0]}]}' >"$T/batch.json"
	run sb_post web-07 /api/v1/events "$T/batch.json"
	[[ "$output" == 200* ]]

	id=$("$SB" assets --kind managed --json | jq '.assets[] | select(.id != null) | .id' | head -n 1)
	"$SB" assets show "$id" >"$T/show.txt" 2>&1
	no_terminal_controls "$T/show.txt"
	grep -qF 'db\x1b]8;;http://x.test/' "$T/show.txt"
	grep -qF 'Debian \x9b2;1HGNU\x0d\x0astatus: clean' "$T/show.txt"
	grep -qF 'Xeon \u{2067}gnp.exe\u{2069} \x07\x08' "$T/show.txt"
	# No line starts with the forged text.
	refute_grep -q '^status: clean' "$T/show.txt"

	"$SB" assets >"$T/list.txt" 2>&1
	no_terminal_controls "$T/list.txt"
	"$SB" events --agent web-07 >"$T/events.txt" 2>&1
	no_terminal_controls "$T/events.txt"
}

@test "a failed console login with escape sequences in the name is logged escaped" {
	sb_start_collector
	curl -sS --cacert "$T/ca/ca.crt" -H "Origin: https://127.0.0.1:$C_PORT" \
		--data-urlencode $'name=ops\e[3J\e]0;owned\a\u202e' \
		--data-urlencode 'password=wrong-password' \
		"https://127.0.0.1:$C_PORT/console/login" >/dev/null || true
	sb_wait_until grep -q 'failed login' "$T/collector.log"
	no_terminal_controls "$T/collector.log"
	grep -qF 'ops\x1b[3J\x1b]0;owned\x07\u{202e}' "$T/collector.log"
}

@test "a key of 4-byte characters past every limit is stored and its incident opens" {
	sb_start_collector
	# 63 x U+1F512 (252 bytes) after "port_scan:": the key is valid, the
	# title cut must not split a character.
	key="port_scan:$(printf '\xf0\x9f\x94\x92%.0s' $(seq 1 61))"
	jq -cn --arg k "$key" '{agent:"web-07",events:[{agent:"web-07",seq:7,ts:"2026-12-01T02:00:00.000Z",type:"port_scan",severity:"high",key:$k,data:{src:"10.0.0.9"}}]}' >"$T/b.json"
	run sb_post web-07 /api/v1/events "$T/b.json"
	[[ "$output" == 200* ]]
	[ "$(sb_stored_count web-07)" -eq 1 ]
	"$SB" incidents --json | jq -e '.incidents | length >= 1'
}
