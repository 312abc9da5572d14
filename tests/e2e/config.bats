#!/usr/bin/env bats
# --check-config of both daemons: the shipped examples pass, and every
# kind of mistake is reported as FILE:LINE with exit status 2.  A table:
# daemon, file content, line expected, words expected.

load helpers

setup() {
	sb_setup
}

teardown() {
	sb_teardown
}

# check DAEMON LINE WORDS CONTENT: the error names FILE:LINE and WORDS.
check() {
	local daemon=$1 line=$2 words=$3 content=$4 f=$T/c.ini
	printf '%b' "$content" >"$f"
	run "$SHAOBING_BIN/shaobing-$daemon" -c "$f" --check-config
	if [ "$status" -ne 2 ]; then
		echo "expected exit 2, got $status: $output"
		return 1
	fi
	if [[ "$output" != *"$f:$line: "* ]]; then
		echo "expected '$f:$line: ...', got: $output"
		return 1
	fi
	if [[ "$output" != *"$words"* ]]; then
		echo "expected '$words' in: $output"
		return 1
	fi
	[[ "$output" != *"configuration OK"* ]]
}

@test "the example configurations parse; --check-config then opens the files they name" {
	for d in collector agent; do
		f=$SHAOBING_ROOT/conf/$d.ini
		run "$SHAOBING_BIN/shaobing-$d" -c "$f" --check-config
		echo "$output"
		# No FILE:LINE: every option is valid.  What may be left is the
		# files under /etc/shaobing (not made on this machine) or the
		# service's user (no package installed here).
		[[ "$output" != *"$f:"* ]]
		if [ "$status" -ne 0 ]; then
			[ "$status" -eq 2 ]
			grep -Eq '^shaobing-'$d': (/etc/shaobing/.*: cannot read it as user|user shaobing does not exist)' <<<"$output"
		fi
	done
}

@test "--check-config names each file the daemon cannot open, and why, exit 2" {
	sb_ca
	sb_agent_cert pc1
	C_PORT=$(sb_free_port)
	sb_agent_conf pc1
	f=$T/agents/pc1/agent.ini
	run "$SHAOBING_BIN/shaobing-agent" -c "$f" --check-config
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "configuration OK (files opened as user "* ]]
	# A key the service cannot read (a missing one here: root reads all).
	mv "$T/agents/pc1/agent.key" "$T/agents/pc1/agent.key.away"
	printf '[packet]\ninterfaces = lo, sbnope0\n' >>"$f"
	run "$SHAOBING_BIN/shaobing-agent" -c "$f" --check-config
	echo "$output"
	[ "$status" -eq 2 ]
	grep -q "^shaobing-agent: $T/agents/pc1/agent.key (\[agent\] key): cannot read it as user .*: No such file or directory" <<<"$output"
	grep -q '^shaobing-agent: interface sbnope0 (\[packet\] interfaces): No such device' <<<"$output"
	refute_line() { ! grep -q "$1" <<<"$output"; }
	refute_line 'interface lo '
	[[ "$output" != *"configuration OK"* ]]
}

@test "collector: configuration errors name FILE:LINE and exit 2" {
	check collector 3 "max_body" '[server]\nlisten = 127.0.0.1:8443\nmax_body = lots\n'
	check collector 2 "max_batch" '[server]\nmax_batch = 0\n'
	check collector 4 "unknown section [nope]" '[server]\n\n; comment\n[nope]\nx = 1\n'
	check collector 3 "colour" '[store]\npath = /tmp/x.db\ncolour = blue\n'
	check collector 2 "gap_factor" '[uptime]\ngap_factor = -1\n'
	check collector 2 "level" '[log]\nlevel = loud\n'
	check collector 1 "" 'this is not ini\n'
}

@test "agent: configuration errors name FILE:LINE and exit 2" {
	check agent 2 "batch_max" '[agent]\nbatch_max = 0\n'
	check agent 3 "unknown section [nope]" '[agent]\n\n[nope]\nx = 1\n'
	check agent 3 "heartbeat_interval" '[agent]\nname = pc-01\nheartbeat_interval = often\n'
	check agent 2 "spool_max" '[agent]\nspool_max = 12parsecs\n'
	check agent 2 "frobnicate" '[agent]\nfrobnicate = yes\n'
	check agent 2 "enabled" '[system]\nenabled = perhaps\n'
}

@test "a missing configuration file is an error, not the defaults" {
	for d in agent collector; do
		run "$SHAOBING_BIN/shaobing-$d" -c "$T/none.ini" --check-config
		[ "$status" -eq 2 ]
		[[ "$output" == *"$T/none.ini"* ]]
	done
}

@test "a daemon with a broken configuration does not start" {
	printf '[server]\nmax_body = lots\n' >"$T/c.ini"
	run "$SHAOBING_BIN/shaobing-collector" -f -c "$T/c.ini"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$T/c.ini:2: "* ]]
	printf '[agent]\nretry_max = 0\n' >"$T/a.ini"
	run "$SHAOBING_BIN/shaobing-agent" -f -c "$T/a.ini"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$T/a.ini:2: "* ]]
}

# Start-up failures a restart cannot fix exit 2 (the units'
# RestartPreventExitStatus=2) with one log line naming the file.
@test "collector: a server certificate, key or CA that does not load exits 2 with one line" {
	sb_ca
	sb_collector_conf
	cp "$T/ca/server.crt" "$T/good.crt"
	# not a certificate
	echo garbage >"$T/ca/server.crt"
	run "$SHAOBING_BIN/shaobing-collector" -f -c "$T/collector.ini"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$(grep -c "$T/ca/server.crt: cannot load the server certificate.*not restarting" <<<"$output")" -eq 1 ]
	# a key that is not the certificate's
	cp "$T/good.crt" "$T/ca/server.crt"
	cp "$T/ca/ca.key" "$T/ca/server.key"
	run "$SHAOBING_BIN/shaobing-collector" -f -c "$T/collector.ini"
	echo "$output"
	[ "$status" -eq 2 ]
	grep -q "$T/ca/server.key: cannot load the server key: .*mismatch.*not restarting" <<<"$output"
	# a CA that does not load
	echo garbage >"$T/ca/ca.crt"
	run "$SHAOBING_BIN/shaobing-collector" -f -c "$T/collector.ini"
	echo "$output"
	[ "$status" -eq 2 ]
	grep -q "\[server\] ca $T/ca/ca.crt: .*not restarting" <<<"$output"
}

@test "collector: an admin socket folder that does not exist exits 2" {
	sb_ca
	sb_collector_conf
	sed -i "s|^socket = .*|socket = $T/nope/admin.sock|" "$T/collector.ini"
	run "$SHAOBING_BIN/shaobing-collector" -f -c "$T/collector.ini"
	echo "$output"
	[ "$status" -eq 2 ]
	grep -q "\[admin\] socket $T/nope/admin.sock: .*not restarting" <<<"$output"
}

@test "agent: a key that is not its certificate's, or a CA that does not load, exits 2 with one line" {
	sb_ca
	sb_agent_cert pc1
	C_PORT=$(sb_free_port)
	sb_agent_conf pc1
	d=$T/agents/pc1
	cp "$d/agent.key" "$d/agent.key.good"
	cp "$T/ca/ca.key" "$d/agent.key"
	run "$SHAOBING_BIN/shaobing-agent" -f -c "$d/agent.ini"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$(grep -c "$d/agent.key does not belong to the certificate $d/agent.crt.*not restarting" <<<"$output")" -eq 1 ]
	cp "$d/agent.key.good" "$d/agent.key"
	echo garbage >"$d/ca.crt"
	run "$SHAOBING_BIN/shaobing-agent" -f -c "$d/agent.ini"
	echo "$output"
	[ "$status" -eq 2 ]
	grep -q "$d/ca.crt: not a PEM certificate.*not restarting" <<<"$output"
}

@test "agent: a spool folder it cannot use exits 2" {
	sb_ca
	sb_agent_cert pc1
	C_PORT=$(sb_free_port)
	sb_agent_conf pc1
	d=$T/agents/pc1
	# /proc: a folder nobody, root included, can create files in.
	sed -i "s|^spool = .*|spool = /proc/nope/spool.db|" "$d/agent.ini"
	run "$SHAOBING_BIN/shaobing-agent" -f -c "$d/agent.ini"
	echo "$output"
	[ "$status" -eq 2 ]
	grep -q "spool.*not restarting" <<<"$output"
}

@test "--check-config: the admin socket's folder must exist (or be made under /run) and be writable" {
	sb_ca
	sb_collector_conf
	run "$SHAOBING_BIN/shaobing-collector" -c "$T/collector.ini" --check-config
	echo "$output"
	[ "$status" -eq 0 ]
	sed -i "s|^socket = .*|socket = $T/nope/admin.sock|" "$T/collector.ini"
	run "$SHAOBING_BIN/shaobing-collector" -c "$T/collector.ini" --check-config
	echo "$output"
	[ "$status" -eq 2 ]
	grep -q "^shaobing-collector: $T/nope (folder of \[admin\] socket): does not exist" <<<"$output"
	# The unit's RuntimeDirectory= makes /run/shaobing at start.
	sed -i "s|^socket = .*|socket = /run/sb-not-made-$$/admin.sock|" "$T/collector.ini"
	run "$SHAOBING_BIN/shaobing-collector" -c "$T/collector.ini" --check-config
	echo "$output"
	[ "$status" -eq 0 ]
	if [ "$(id -u)" -ne 0 ]; then
		skip "the check as another user needs root"
	fi
	mkdir -m 0755 "$T/rootonly"
	chmod 0755 "$T"
	sed -i "s|^socket = .*|socket = $T/rootonly/admin.sock|" "$T/collector.ini"
	run "$SHAOBING_BIN/shaobing-collector" -c "$T/collector.ini" --check-config --user nobody
	echo "$output"
	[ "$status" -eq 2 ]
	grep -q "^shaobing-collector: $T/rootonly (folder of \[admin\] socket): cannot make the socket in it as user nobody: Permission denied" <<<"$output"
}

@test "agent --check-config reads the CA file each [target] names" {
	sb_ca
	sb_agent_cert pc1
	C_PORT=$(sb_free_port)
	AG_EXTRA=$(printf '[target web]\nurl = https://127.0.0.1:1/\nca = %s\n[target mail]\nurl = tls://127.0.0.1:2\nca = %s\n' \
		"$T/ca/ca.crt" "$T/nothere.pem")
	sb_agent_conf pc1
	run "$SHAOBING_BIN/shaobing-agent" -c "$T/agents/pc1/agent.ini" --check-config
	echo "$output"
	[ "$status" -eq 2 ]
	grep -q "^shaobing-agent: $T/nothere.pem (\[target mail\] ca): cannot read it as user .*: No such file or directory" <<<"$output"
	refute_grep -q "target web" <<<"$output"
	cp "$T/ca/ca.crt" "$T/nothere.pem"
	run "$SHAOBING_BIN/shaobing-agent" -c "$T/agents/pc1/agent.ini" --check-config
	echo "$output"
	[ "$status" -eq 0 ]
}
