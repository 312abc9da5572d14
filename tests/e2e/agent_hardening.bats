#!/usr/bin/env bats
# Issue 12 items 9 and 10 on the real agent: privilege drop fails closed
# (a user that does not exist, set on any line, refuses the start with
# FILE:LINE and exit 2 before the spool or any capture opens), and a
# partly corrupted spool is moved aside, salvaged and reported.

load helpers

setup() {
	sb_setup
	sb_ca
	sb_agent_cert edge-3
}

teardown() {
	sb_teardown
}

@test "an agent told to drop to a user that does not exist refuses to start (exit 2, FILE:LINE)" {
	C_PORT=$(sb_free_port)
	for u in "no-such-user-$$" "zz_ghost.${RANDOM}"; do
		# The user line lands on a different line each time.
		AG_EXTRA="" sb_agent_conf edge-3
		f=$T/agents/edge-3/agent.ini
		sed -i '/^user = /d' "$f"
		printf '; a comment first\nuser = %s\n' "$u" >>"$f"
		line=$(grep -n "^user = $u\$" "$f" | cut -d: -f1)
		rm -f "$T/agents/edge-3/spool.db"
		run "$SHAOBING_BIN/shaobing-agent" -f -c "$f"
		[ "$status" -eq 2 ]
		[[ "$output" == *"$f:$line: [agent] user: user '$u' does not exist"* ]]
		[[ "$output" == *"refusing to start"* ]]
		# Nothing started: no spool, no capture, no drop message.
		[ ! -e "$T/agents/edge-3/spool.db" ]
		[[ "$output" != *"dropped root"* ]]
	done
}
