#!/usr/bin/env bats
# make demo (scripts/demo.sh): what it tells the administrator at the end
# works as printed, with the demo folder and port moved by the environment.

load helpers
bats_require_minimum_version 1.5.0	# run ! (below)

setup() {
	sb_setup
}

teardown() {
	# Whatever the test left running: the demo's own stop, by pid files.
	[ -n "${DEMO_DIR:-}" ] && [ -d "$DEMO_DIR" ] &&
		SHAOBING_DEMO_DIR=$DEMO_DIR sh "$SHAOBING_ROOT/scripts/demo.sh" stop >/dev/null 2>&1
	sb_teardown
}

@test "make demo with SHAOBING_DEMO_DIR and SHAOBING_DEMO_PORT prints the stop command that stops it" {
	: "${SHAOBING_ROOT:?}"
	DEMO_DIR=$T/demo\ dir
	port=$(sb_free_port)
	SHAOBING_DEMO_DIR=$DEMO_DIR SHAOBING_DEMO_PORT=$port SHAOBING_DEMO_ENV=$T/demo.env \
		sh "$SHAOBING_ROOT/scripts/demo.sh" start >"$T/demo.out" 2>&1 || {
		cat "$T/demo.out"
		return 1
	}
	col=$(cat "$DEMO_DIR/collector.pid")
	ag=$(cat "$DEMO_DIR/agent.pid")
	kill -0 "$col"
	kill -0 "$ag"
	# The printed commands work as printed, without --admin, once the
	# printed env file is sourced (from another folder, a clean env).
	src=$(grep -E '^  \. ' "$T/demo.out")
	echo "# $src"
	[[ "$src" == "  . $T/demo.env" ]]
	run env -i HOME=/ PATH=/usr/bin:/bin sh -c "cd / && $src && shaobing agents"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *demo-pc* ]]
	grep -q '^  shaobing agents ' "$T/demo.out"
	line=$(grep '^Stop the demo with: ' "$T/demo.out")
	cmd=${line#Stop the demo with: }
	cmd=${cmd%%   (*}
	echo "# $cmd"
	[[ "$cmd" == "make -C "*" demo-stop SHAOBING_DEMO_DIR='$DEMO_DIR' SHAOBING_DEMO_PORT=$port SHAOBING_DEMO_ENV=$T/demo.env" ]]
	# Run it exactly as printed, from elsewhere, with nothing in the environment.
	(cd / && env -u SHAOBING_DEMO_DIR -u SHAOBING_DEMO_PORT -u SHAOBING_DEMO_ENV sh -c "$cmd") >"$T/stop.out" 2>&1 || {
		cat "$T/stop.out"
		return 1
	}
	grep -q "stopped collector" "$T/stop.out"
	run ! kill -0 "$col"
	run ! kill -0 "$ag"
	[ ! -e "$DEMO_DIR" ]
	[ ! -e "$T/demo.env" ]
}
