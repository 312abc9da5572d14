#!/usr/bin/env bats
# The shaobing CLI on its own: the offline PKI commands (checked with the
# openssl tool), help, and its errors when the collector is not there.

load helpers

setup() {
	sb_setup
}

teardown() {
	sb_teardown
}

@test "help lists every command" {
	run "$SB" help
	[ "$status" -eq 0 ]
	for c in "ca init" "agents cert" "agents \[--json\]" "events" "help"; do
		echo "$output" | grep -q "$c"
	done
	run "$SB"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "usage: shaobing [--admin URL] "*" COMMAND [ARGS]" ]]
	[[ "$output" == *"Shaobing 哨兵 administration.  Commands:"* ]]
	run "$SB" frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command 'frobnicate'"* ]]
}

# "CMD [SUB]" for every row of `shaobing help` (alternatives "a|b" split),
# plus the users subcommands that share one row.
help_rows() {
	"$SB" help | sed -n 's/^  \([a-z][a-z]*\)\( [a-z][a-z|-]*\)\{0,1\}\( .*\)\{0,1\}$/\1\2/p' |
		while read -r cmd sub; do
			[ -z "$sub" ] && { echo "$cmd"; continue; }
			for s in ${sub//|/ }; do echo "$cmd $s"; done
			echo "$cmd"
		done | sort -u
	printf 'users %s\n' list add passwd del
}

@test "--help after any command or subcommand: its usage on stdout, status 0" {
	export SHAOBING_ADMIN=unix:$T/nobody.sock
	help_rows >"$T/rows"
	# The table really was read (a broken sed would make this test vacuous).
	[ "$(wc -l <"$T/rows")" -ge 25 ]
	grep -qx "incidents false-positive" "$T/rows"
	grep -qx "audit verify" "$T/rows"
	while read -r row; do
		# shellcheck disable=SC2086
		for args in "$row --help" "$row -h" "$row 7 --json --help"; do
			[ "${row%% *}" = version ] && continue
			"$SB" $args >"$T/out" 2>"$T/err" || {
				echo "# shaobing $args: status $?: $(cat "$T/err")"
				return 1
			}
			[ ! -s "$T/err" ] || { echo "# shaobing $args wrote to stderr: $(cat "$T/err")"; return 1; }
			[ "$row" = help ] && word= || word=${row%% *}
			grep -q "^usage: shaobing .*$word" "$T/out" || {
				echo "# shaobing $args: no usage line: $(head -3 "$T/out")"
				return 1
			}
		done
	done <"$T/rows"
	# A subcommand's own row, not only the command's.
	"$SB" incidents resolve 3 --help | grep -q "incidents ack|resolve|false-positive|reopen ID"
	"$SB" agents revoke --help | grep -q "agents revoke ID|NAME"
	"$SB" assets show 1 --help | grep -q "assets show ID"
	"$SB" audit log --help | grep -q "audit log \[--after-id N\]"
	# "--" ends the options: what follows is an argument, not a help request.
	run "$SB" incidents ack 3 --note -- --help
	[[ "$output" != "usage:"* ]]
}

@test "shaobing-agent SUBCOMMAND --help: its usage on stdout, status 0" {
	local A=$SHAOBING_BIN/shaobing-agent
	for sub in --analyze --emit --inventory --check enroll; do
		for args in "$sub --help" "$sub -h" "$sub x --json --help"; do
			[ "$sub" = --check ] && [ "$args" != "$sub --help" ] && [ "$args" != "$sub -h" ] && continue
			# shellcheck disable=SC2086
			"$A" $args >"$T/out" 2>"$T/err" || {
				echo "# shaobing-agent $args: status $?: $(cat "$T/err")"
				return 1
			}
			[ ! -s "$T/err" ]
			grep -q "^usage: shaobing-agent $sub" "$T/out"
		done
	done
	# --check URL --help still lists that scheme's own options.
	"$A" --check tls://127.0.0.1:1 --help | grep -q -- "--warn-days"
}

@test "ca init makes a CA and a server certificate openssl accepts" {
	run "$SB" ca init "$T/ca" --name collector.office.example --name 10.9.8.7
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$T/ca/ca.key")" = 600 ]
	[ "$(stat -c %a "$T/ca/server.key")" = 600 ]
	[ "$(stat -c %a "$T/ca")" = 700 ]
	run openssl verify -CAfile "$T/ca/ca.crt" -purpose sslserver "$T/ca/server.crt"
	[ "$status" -eq 0 ]
	run openssl x509 -in "$T/ca/server.crt" -noout -ext subjectAltName
	[[ "$output" == *"DNS:localhost"* ]]
	[[ "$output" == *"IP Address:127.0.0.1"* ]]
	[[ "$output" == *"IP Address:0:0:0:0:0:0:0:1"* ]]
	[[ "$output" == *"DNS:$(hostname)"* ]]
	[[ "$output" == *"DNS:collector.office.example"* ]]
	[[ "$output" == *"IP Address:10.9.8.7"* ]]
	run openssl x509 -in "$T/ca/ca.crt" -noout -ext basicConstraints,keyUsage
	[[ "$output" == *"CA:TRUE"* ]]
	[[ "$output" == *"Certificate Sign"* ]]
	run openssl pkey -in "$T/ca/ca.key" -noout -text
	[[ "$output" == *"prime256v1"* ]]
	# The fingerprint printed is the certificate's SHA-256.
	run "$SB" ca init "$T/ca2"
	fp=$(openssl x509 -in "$T/ca2/ca.crt" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)
	[[ "$output" == *"CA SHA-256 fingerprint 指纹 $fp"* ]]
}

@test "ca init refuses to overwrite an existing CA" {
	"$SB" ca init "$T/ca" >/dev/null
	before=$(sha256sum "$T/ca/ca.key" "$T/ca/ca.crt")
	run "$SB" ca init "$T/ca"
	[ "$status" -eq 1 ]
	[[ "$output" == *"refusing to overwrite"* ]]
	[ "$(sha256sum "$T/ca/ca.key" "$T/ca/ca.crt")" = "$before" ]
}

@test "ca init rejects a bad --name and leaves nothing behind" {
	run "$SB" ca init "$T/ca" --name 'evil,IP:1.2.3.4'
	[ "$status" -eq 1 ]
	[[ "$output" == *"'evil,IP:1.2.3.4' is neither an IP address nor a DNS name"* ]]
	[ ! -e "$T/ca/ca.key" ]
	[ ! -e "$T/ca/ca.crt" ]
	run "$SB" ca init "$T/ca" --days 0
	[ "$status" -eq 2 ]
	run "$SB" ca init
	[ "$status" -eq 2 ]
}

@test "agents cert issues a client certificate for the name" {
	"$SB" ca init "$T/ca" >/dev/null
	run "$SB" agents cert pc-01 --ca "$T/ca" --out "$T/pc-01" --days 30
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$T/pc-01/agent.key")" = 600 ]
	cmp "$T/ca/ca.crt" "$T/pc-01/ca.crt"
	run openssl verify -CAfile "$T/ca/ca.crt" -purpose sslclient "$T/pc-01/agent.crt"
	[ "$status" -eq 0 ]
	run openssl verify -CAfile "$T/ca/ca.crt" -purpose sslserver "$T/pc-01/agent.crt"
	[ "$status" -ne 0 ]
	run openssl x509 -in "$T/pc-01/agent.crt" -noout -subject -ext extendedKeyUsage
	[[ "$output" == *"CN = pc-01"* ]]
	[[ "$output" == *"TLS Web Client Authentication"* ]]
	# The key belongs to the certificate.
	[ "$(openssl pkey -in "$T/pc-01/agent.key" -pubout)" = \
	  "$(openssl x509 -in "$T/pc-01/agent.crt" -noout -pubkey)" ]
	# Validity: 30 days.
	end=$(date -d "$(openssl x509 -in "$T/pc-01/agent.crt" -noout -enddate | cut -d= -f2)" +%s)
	now=$(date +%s)
	[ $((end - now)) -gt $((29 * 86400)) ]
	[ $((end - now)) -le $((30 * 86400)) ]
}

@test "agents cert refuses bad names, a wrong CA folder and overwriting" {
	"$SB" ca init "$T/ca" >/dev/null
	run "$SB" agents cert 'pc 01' --ca "$T/ca" --out "$T/a"
	[ "$status" -eq 2 ]
	[[ "$output" == *"agent name 'pc 01' is not valid"* ]]
	run "$SB" agents cert pc-01 --ca "$T/nowhere" --out "$T/a"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$T/nowhere/ca.crt: cannot open: No such file or directory"* ]]
	[ ! -e "$T/a/agent.key" ]
	run "$SB" agents cert pc-01 --out "$T/a"
	[ "$status" -eq 2 ]
	# A CA key that is not the CA certificate's.
	"$SB" ca init "$T/other" >/dev/null
	cp "$T/other/ca.key" "$T/ca/ca.key"
	run "$SB" agents cert pc-01 --ca "$T/ca" --out "$T/a"
	[ "$status" -eq 1 ]
	[[ "$output" == *"does not belong"* ]]
	# Existing key: refused without --force, replaced with it.
	"$SB" agents cert pc-01 --ca "$T/other" --out "$T/b" >/dev/null
	old=$(sha256sum <"$T/b/agent.key")
	run "$SB" agents cert pc-01 --ca "$T/other" --out "$T/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--force"* ]]
	[ "$(sha256sum <"$T/b/agent.key")" = "$old" ]
	run "$SB" agents cert pc-01 --ca "$T/other" --out "$T/b" --force
	[ "$status" -eq 0 ]
	[ "$(sha256sum <"$T/b/agent.key")" != "$old" ]
}

@test "admin commands say clearly when the collector is not running" {
	port=$(sb_free_port)
	run "$SB" --admin "http://127.0.0.1:$port" agents
	[ "$status" -eq 1 ]
	[[ "$output" == *"connection refused by http://127.0.0.1:$port: shaobing-collector is not running there"* ]]
	SHAOBING_ADMIN="unix:$T/none.sock" run "$SB" events
	[ "$status" -eq 1 ]
	[[ "$output" == *"no admin socket $T/none.sock: shaobing-collector is not running"* ]]
	# A socket nobody answers on (a collector that died).
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/dead.sock"
	SHAOBING_ADMIN="unix:$T/dead.sock" run "$SB" events
	[ "$status" -eq 1 ]
	[[ "$output" == *"nothing answers on the admin socket $T/dead.sock: shaobing-collector is not running"* ]]
	run "$SB" events --since yesterday
	[ "$status" -eq 2 ]
	[[ "$output" == *"--since 'yesterday'"* ]]
	run "$SB" events --agent 'a b'
	[ "$status" -eq 2 ]
	run "$SB" events --limit 0
	[ "$status" -eq 2 ]
}
