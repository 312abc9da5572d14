#!/usr/bin/env bats
# Enrollment with one-time tokens, revocation, renewal, seq continuity,
# and access control of the admin API (Unix socket, API tokens, audit).

load helpers

setup() {
	sb_setup
	sb_ca
	sb_start_collector
	mkdir -p "$T/m"
	# Two machines: their /etc/machine-id stand-ins.
	echo 0123456789abcdef0123456789abcdef >"$T/m/pc1"
	echo fedcba9876543210fedcba9876543210 >"$T/m/pc2"
	FP=$(openssl x509 -in "$T/ca/ca.crt" -noout -fingerprint -sha256 |
		sed 's/.*=//; s/://g' | tr A-F a-f)
}

teardown() {
	sb_teardown
}

# A token: sb_token [--uses N] [--ttl T]
sb_token() {
	"$SB" token create --json "$@" | jq -r .token
}

# Base configuration of an enrolled agent DIR (enroll fills in the rest).
enroll_conf() {
	local dir=$T/e/$1
	mkdir -p "$dir"
	cat >"$dir/agent.ini" <<EOF
; test agent
[agent]
spool = $dir/spool.db
heartbeat_interval = 1s
upload_interval = 100ms
retry_max = 1s
user = $(id -un)
log_level = debug
EOF
}

# enroll DIR MACHINE TOKEN [args]
enroll() {
	local dir=$T/e/$1 mid=$T/m/$2 tok=$3
	shift 3
	"$SHAOBING_BIN/shaobing-agent" enroll \
		--server "https://127.0.0.1:$C_PORT" --token "$tok" \
		--ca-fingerprint "$FP" --config "$dir/agent.ini" --dir "$dir" \
		--machine-id-file "$mid" --user "$(id -un)" "$@"
}

start_enrolled() {
	"$SHAOBING_BIN/shaobing-agent" -f -c "$T/e/$1/agent.ini" \
		>>"$T/agent-$1.log" 2>&1 &
	AG_PID=$!
	echo "$AG_PID" >>"$SB_PIDS"
}

stored() {
	[ "$(sb_stored_count "$1")" -ge "$2" ]
}

@test "token create prints a token and the CA fingerprint$SB_ON" {
	run "$SB" token create --ttl 2h --uses 3
	[ "$status" -eq 0 ]
	[[ "$output" == *"sbe_"* ]]
	[[ "$output" == *"$FP"* ]]
	# Only the hash is stored.
	tok=$(sb_token)
	run sb_sql "SELECT count(*) FROM enroll_tokens WHERE hash LIKE '%${tok#sbe_}%'"
	[ "$output" = 0 ]
	[ "$(sb_sql 'SELECT uses_left FROM enroll_tokens ORDER BY id LIMIT 1')" = 3 ]
}

@test "enrollment end to end: key made here, certificate, configuration, events stored$SB_ON" {
	enroll_conf pc1
	tok=$(sb_token)
	run enroll pc1 pc1 "$tok" --name office-pc1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"enrolled as 'office-pc1'"* ]]
	[ "$(stat -c %a "$T/e/pc1/agent.key")" = 600 ]
	openssl x509 -in "$T/e/pc1/agent.crt" -noout -subject | grep -q 'CN *= *office-pc1'
	grep -q '^name = office-pc1$' "$T/e/pc1/agent.ini"
	grep -q "^server = https://127.0.0.1:$C_PORT\$" "$T/e/pc1/agent.ini"
	grep -q '^; test agent$' "$T/e/pc1/agent.ini"
	grep -q "^spool = $T/e/pc1/spool.db\$" "$T/e/pc1/agent.ini"
	"$SHAOBING_BIN/shaobing-agent" -c "$T/e/pc1/agent.ini" --check-config
	start_enrolled pc1
	SB_WATCH=$AG_PID sb_wait_until stored office-pc1 1
	"$SB" agents --json | jq -e '.agents | map(select(.name == "office-pc1")) | length == 1'
	# The enrollment is in the audit log.
	"$SB" audit log --json | jq -e '.audit | map(select(.via == "enroll" and .status == 200)) | length == 1'
}

@test "enrolling through one collector of a failover list keeps the list; another URL replaces it$SB_ON" {
	enroll_conf pc1
	echo "server = https://127.0.0.1:1, https://127.0.0.1:$C_PORT" >>"$T/e/pc1/agent.ini"
	run enroll pc1 pc1 "$(sb_token)" --name pc-list
	[ "$status" -eq 0 ]
	grep -q "^server = https://127.0.0.1:1, https://127.0.0.1:$C_PORT\$" "$T/e/pc1/agent.ini"
	"$SHAOBING_BIN/shaobing-agent" -c "$T/e/pc1/agent.ini" --check-config
	sed -i "s|^server = .*|server = https://127.0.0.1:1, https://127.0.0.1:2|" "$T/e/pc1/agent.ini"
	run enroll pc1 pc1 "$(sb_token --replace pc-list)" --name pc-list
	[ "$status" -eq 0 ]
	grep -q "^server = https://127.0.0.1:$C_PORT\$" "$T/e/pc1/agent.ini"
}

@test "a used token, an expired token, an unknown token are refused with clear errors$SB_ON" {
	enroll_conf pc1
	enroll_conf pc2
	tok=$(sb_token)
	enroll pc1 pc1 "$tok"
	run enroll pc2 pc2 "$tok"
	[ "$status" -ne 0 ]
	[[ "$output" == *"REFUSED by the collector (HTTP 403): the enrollment token has been used up"* ]]
	[ ! -e "$T/e/pc2/agent.crt" ]
	tok=$(sb_token --ttl 1h)
	sb_sql "UPDATE enroll_tokens SET expires = 1 WHERE uses_left > 0"
	run enroll pc2 pc2 "$tok"
	[ "$status" -ne 0 ]
	[[ "$output" == *"the enrollment token has expired"* ]]
	run enroll pc2 pc2 sbe_0000000000000000000000000000000000000000000000000000000000000000
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown enrollment token"* ]]
	run enroll pc2 pc2 not-a-token
	[[ "$output" == *"not an enrollment token"* ]]
	[ ! -e "$T/e/pc2/agent.crt" ]
}

@test "a wrong CA fingerprint is refused before anything is sent$SB_ON" {
	enroll_conf pc1
	tok=$(sb_token)
	wrong=$(echo "$FP" | tr 0-9a-f 1-9a-f0)
	run "$SHAOBING_BIN/shaobing-agent" enroll --server "https://127.0.0.1:$C_PORT" \
		--token "$tok" --ca-fingerprint "$wrong" --config "$T/e/pc1/agent.ini" \
		--dir "$T/e/pc1" --machine-id-file "$T/m/pc1"
	[ "$status" -ne 0 ]
	[[ "$output" == *"REFUSED: the CA of https://127.0.0.1:$C_PORT has fingerprint $FP, not the $wrong you gave"* ]]
	[ ! -e "$T/e/pc1/agent.key" ]
	# The token was not used: it still enrolls.
	run enroll pc1 pc1 "$tok"
	[ "$status" -eq 0 ]
	run "$SHAOBING_BIN/shaobing-agent" enroll --server "https://127.0.0.1:$C_PORT" \
		--token "$tok" --ca-fingerprint 1234 --machine-id-file "$T/m/pc1"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--ca-fingerprint must be the SHA-256"* ]]
}

@test "a renamed or reinstalled machine stays one agent, and its events are not taken for resends$SB_ON" {
	enroll_conf pc1
	enroll pc1 pc1 "$(sb_token)" --name pc-old
	start_enrolled pc1
	SB_WATCH=$AG_PID sb_wait_until stored pc-old 1
	kill -TERM "$AG_PID"
	sb_reap "$AG_PID"
	before=$(sb_stored_count pc-old)
	last=$("$SB" agents --json | jq '.agents[] | select(.name == "pc-old") | .last_seq')
	# Reinstall: fresh spool, new host name wanted; same machine-id.  The
	# name goes to the new key only with a token that says so.
	rm -rf "$T/e/pc1"
	enroll_conf pc1
	run enroll pc1 pc1 "$(sb_token)" --name pc-new
	[ "$status" -ne 0 ]
	[[ "$output" == *"HTTP 409"*"token create --replace pc-old"* ]]
	run enroll pc1 pc1 "$(sb_token --replace pc-old)" --name pc-new
	[ "$status" -eq 0 ]
	[[ "$output" == *"enrolled as 'pc-old' (this machine was known"* ]]
	run "$SB" agents --json
	[ "$(echo "$output" | jq '.agents | length')" = 1 ]
	start_enrolled pc1
	SB_WATCH=$AG_PID sb_wait_until stored pc-old $((before + 1))
	# New events were numbered above what the collector had.
	sb_stored_seqs pc-old | awk -v l="$last" '$1 > l { n++ } END { exit !(n >= 1) }'
	grep -q "renumbered" "$T/agent-pc1.log"
	# A different machine cannot take that name.
	enroll_conf pc2
	run enroll pc2 pc2 "$(sb_token)" --name pc-old
	[ "$status" -ne 0 ]
	[[ "$output" == *"HTTP 409"*"belongs to an existing agent"* ]]
}

@test "takeover: a token and a known machine-id give no agent's name; --replace does, audited, and the old certificate stops$SB_ON" {
	enroll_conf pc1
	enroll pc1 pc1 "$(sb_token)" --name fin-03
	start_enrolled pc1
	SB_WATCH=$AG_PID sb_wait_until stored fin-03 1
	kill -TERM "$AG_PID"
	sb_reap "$AG_PID"
	# A token holder elsewhere, with the victim's machine-id (it is in
	# every inventory), or with its name from another machine: 409, no
	# certificate, the token's use not spent.
	tok=$(sb_token --uses 2)
	enroll_conf evil
	cp "$T/m/pc1" "$T/m/stolen"
	run enroll evil stolen "$tok" --name cashier
	[ "$status" -ne 0 ]
	[[ "$output" == *"HTTP 409"*"--replace fin-03"* ]]
	run enroll evil pc2 "$tok" --name fin-03
	[ "$status" -ne 0 ]
	[[ "$output" == *"HTTP 409"*"existing agent"* ]]
	[ ! -e "$T/e/evil/agent.crt" ]
	run "$SB" agents --json
	[ "$(jq '.agents | length' <<<"$output")" = 1 ]
	# Unknown names cannot be replaced; a replacing token has one use.
	run "$SB" token create --replace nobody-here
	[ "$status" -ne 0 ]
	[[ "$output" == *"no agent named 'nobody-here'"* ]]
	run "$SB" token create --replace fin-03 --uses 3
	[ "$status" -ne 0 ]
	# The administrator hands fin-03 to a new PC (machine pc2); the new
	# certificate must start in a later second than the old one.
	t0=$(date +%s)
	SB_WATCH=$C_PID sb_wait_until bash -c "[ \$(date +%s) -gt $t0 ]"
	run "$SB" token create --replace fin-03
	[ "$status" -eq 0 ]
	[[ "$output" == *"replaces: agent 'fin-03'"* ]]
	rtok=$(awk '/token:/ { print $NF; exit }' <<<"$output")
	"$SB" audit log --json | jq -e '.audit | map(select(.path | test("may replace the key of agent=fin-03"))) | length == 1'
	enroll_conf new
	run enroll new pc2 "$rtok" --name anything
	[ "$status" -eq 0 ]
	[[ "$output" == *"fin-03"* ]]
	"$SB" audit log --json | jq -e '.audit | map(select(.path | test("agent=fin-03 .*replaced-key"))) | length == 1'
	grep -q "agent 'fin-03' enrolled .*replaces the agent's old key" "$T/collector.log"
	# The old key is refused, the new one delivers.
	mkdir -p "$T/agents"
	ln -s "$T/e/pc1" "$T/agents/old"
	ln -s "$T/e/new" "$T/agents/new"
	before=$(sb_stored_count fin-03)
	last=$("$SB" agents --json | jq '.agents[] | select(.name == "fin-03") | .last_seq')
	sb_batch fin-03 $((last + 1)) $((last + 1)) >"$T/b.json"
	run sb_post old /api/v1/events "$T/b.json"
	[[ "$output" == "403 "*"was replaced"* ]]
	run sb_post new /api/v1/events "$T/b.json"
	[[ "$output" == "200 "* ]]
	[ "$(sb_stored_count fin-03)" = $((before + 1)) ]
	# The machine-id of the old PC now gives nothing either.
	run enroll pc1 pc1 "$(sb_token)" --name fin-03
	[ "$status" -ne 0 ]
	[[ "$output" == *"HTTP 409"* ]]
}

@test "a revoked agent is refused and says so in its log$SB_ON" {
	enroll_conf pc1
	enroll pc1 pc1 "$(sb_token)" --name pc-rev
	start_enrolled pc1
	SB_WATCH=$AG_PID sb_wait_until stored pc-rev 1
	run "$SB" agents revoke pc-rev
	[ "$status" -eq 0 ]
	[[ "$output" == *"pc-rev is 已吊销 revoked"* ]]
	SB_WATCH=$AG_PID sb_wait_until grep -q "REVOKED by the collector's administrator" "$T/agent-pc1.log"
	# The agent list shows it revoked, never up, even while it still calls.
	run "$SB" agents
	[ "$status" -eq 0 ]
	[[ "$output" == *"pc-rev"*"已吊销 revoked"* ]]
	[[ "$output" != *"在线 up"* ]]
	run "$SB" agents --json
	[ "$(jq -r '.agents[] | select(.name == "pc-rev") | .status' <<<"$output")" = revoked ]
	[ "$(jq -r '.agents[] | select(.name == "pc-rev") | .revoked' <<<"$output")" = true ]
	jq -e '.agents[] | select(.name == "pc-rev") | .revoked_at | test("Z$")' <<<"$output"
	mkdir -p "$T/agents"
	ln -s "$T/e/pc1" "$T/agents/pc-rev"
	sb_batch pc-rev 900 900 >"$T/b.json"
	run sb_post pc-rev /api/v1/events "$T/b.json"
	[[ "$output" == "403 "*"was revoked"*'"revoked":true'* ]]
	# Re-enrolling the machine is refused too, and unknown agents are 404.
	run enroll pc1 pc1 "$(sb_token)"
	[[ "$output" == *"has been revoked"* ]]
	run "$SB" agents revoke nobody
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown agent 'nobody'"* ]]
}

@test "unrevoke: the advice in the revoked agent's log works, and is audited$SB_ON" {
	enroll_conf pc1
	enroll pc1 pc1 "$(sb_token)" --name pc-back
	start_enrolled pc1
	SB_WATCH=$AG_PID sb_wait_until stored pc-back 1
	"$SB" agents revoke pc-back
	SB_WATCH=$AG_PID sb_wait_until grep -q "REVOKED by the collector's administrator" "$T/agent-pc1.log"
	# What the agent and the refused enrollment tell is what works.
	grep "REVOKED" "$T/agent-pc1.log" | grep -q "shaobing agents unrevoke pc-back"
	grep "REVOKED" "$T/agent-pc1.log" | refute_grep "new token"
	run enroll pc1 pc1 "$(sb_token)"
	[ "$status" -ne 0 ]
	[[ "$output" == *"shaobing agents unrevoke pc-back"* ]]
	mkdir -p "$T/agents"
	ln -s "$T/e/pc1" "$T/agents/pc-back"
	sb_batch pc-back 900 900 >"$T/b.json"
	run sb_post pc-back /api/v1/events "$T/b.json"
	[[ "$output" == "403 "*"shaobing agents unrevoke pc-back"* ]]
	# Un-revoke by id: the running agent delivers again, without enrolling.
	id=$("$SB" agents --json | jq -r '.agents[] | select(.name == "pc-back") | .id')
	run "$SB" agents unrevoke "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"pc-back is no longer revoked 已恢复"* ]]
	grep -q "un-revoked agent 'pc-back'" "$T/collector.log"
	SB_WATCH=$AG_PID sb_wait_until grep -q "reachable again" "$T/agent-pc1.log"
	[ "$("$SB" agents --json | jq -r '.agents[] | select(.name == "pc-back") | .status')" = up ]
	# Twice is harmless; unknown agents are 404; it is in the audit log.
	run "$SB" agents unrevoke pc-back
	[ "$status" -eq 0 ]
	[[ "$output" == *"was not revoked"* ]]
	run "$SB" agents unrevoke nobody
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown agent 'nobody'"* ]]
	"$SB" audit log --json | jq -e '.audit | map(select(.path | test("agents/unrevoke")) | select(.status == 200)) | length == 2'
}

@test "renewal: the current certificate and a new CSR give a new certificate$SB_ON" {
	enroll_conf pc1
	enroll pc1 pc1 "$(sb_token)" --name pc-renew
	openssl ecparam -name prime256v1 -genkey -noout -out "$T/new.key"
	openssl req -new -key "$T/new.key" -subj /CN=ignored -out "$T/new.csr"
	jq -n --rawfile csr "$T/new.csr" '{csr: $csr}' >"$T/renew.json"
	curl -sS --cacert "$T/ca/ca.crt" --cert "$T/e/pc1/agent.crt" \
		--key "$T/e/pc1/agent.key" -H 'Content-Type: application/json' \
		--data-binary "@$T/renew.json" "https://127.0.0.1:$C_PORT/api/v1/renew" >"$T/renew.out"
	jq -r .cert "$T/renew.out" >"$T/renewed.crt"
	openssl x509 -in "$T/renewed.crt" -noout -subject | grep -q 'CN *= *pc-renew'
	openssl verify -CAfile "$T/ca/ca.crt" "$T/renewed.crt"
	# Without a client certificate: 401.
	run curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca/ca.crt" \
		--data-binary "@$T/renew.json" "https://127.0.0.1:$C_PORT/api/v1/renew"
	[ "$output" = 401 ]
}

@test "the admin API: socket for root and group, API tokens over HTTPS, nothing without credentials$SB_ON" {
	# No credentials over HTTPS: 401.
	run curl -s -w ' %{http_code}' --cacert "$T/ca/ca.crt" \
		"https://127.0.0.1:$C_PORT/api/v1/admin/agents"
	[[ "$output" == *"authentication required"*" 401" ]]
	run curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca/ca.crt" \
		-H 'Authorization: Bearer sbk_0000000000000000000000000000000000000000000000000000000000000000' \
		"https://127.0.0.1:$C_PORT/api/v1/admin/agents"
	[ "$output" = 401 ]
	# A read token reads, cannot change.
	read_tok=$("$SB" apitoken create --scope read --label test 2>/dev/null)
	[[ "$read_tok" == sbk_* ]]
	run curl -sf --cacert "$T/ca/ca.crt" -H "Authorization: Bearer $read_tok" \
		"https://127.0.0.1:$C_PORT/api/v1/admin/agents"
	[ "$status" -eq 0 ]
	run curl -s -w ' %{http_code}' --cacert "$T/ca/ca.crt" -H "Authorization: Bearer $read_tok" \
		-H 'Content-Type: application/json' -d '{"uses":1}' "https://127.0.0.1:$C_PORT/api/v1/admin/tokens"
	[[ "$output" == *"scope read"*" 403" ]]
	# An admin token can.
	adm=$("$SB" apitoken create --scope admin 2>/dev/null)
	run curl -s --cacert "$T/ca/ca.crt" -H "Authorization: Bearer $adm" \
		-H 'Content-Type: application/json' -d '{"uses":1}' "https://127.0.0.1:$C_PORT/api/v1/admin/tokens"
	[[ "$output" == *'"token":"sbe_'* ]]
	# Only hashes are stored.
	[ "$(sb_sql "SELECT count(*) FROM api_tokens WHERE hash = '${adm}'")" = 0 ]
	# The socket is mode 0660.
	[ "$(stat -c %a "$T/admin.sock")" = 660 ]
	# Everything is in the audit log: who, how, from where, status.
	run "$SB" audit log --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.audit | map(select(.via == "https" and .status == 401)) | length >= 2'
	echo "$output" | jq -e '.audit | map(select(.actor | startswith("root (uid 0)"))) | length >= 1'
	echo "$output" | jq -e '.audit | map(select(.via == "https" and (.actor | startswith("apitoken:")) and .status == 200)) | length >= 2'
	run "$SB" audit log
	[[ "$output" == *"操作者 Actor"* ]]
}

@test "API tokens: list, revoke (401 at once), --ttl (default 90d), expired ones refused, all audited$SB_ON" {
	api() {
		curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca/ca.crt" \
			-H "Authorization: Bearer $1" "https://127.0.0.1:$C_PORT/api/v1/admin/agents"
	}
	t1=$("$SB" apitoken create --scope read --label grafana 2>/dev/null)
	t2=$("$SB" apitoken create --scope admin --label 'night job' --ttl 36h 2>/dev/null)
	t3=$("$SB" apitoken create --scope read --ttl 7d 2>/dev/null)
	[ "$(api "$t1")" = 200 ] && [ "$(api "$t2")" = 200 ] && [ "$(api "$t3")" = 200 ]
	run "$SB" apitoken list --json
	[ "$status" -eq 0 ]
	[ "$(jq '.apitokens | length' <<<"$output")" = 3 ]
	[ "$(jq -r '.apitokens[1].label' <<<"$output")" = "night job" ]
	[ "$(jq -r '.apitokens[1].scope' <<<"$output")" = admin ]
	jq -e '.apitokens[0].last_used | test("Z$")' <<<"$output"
	refute_grep -q sbk_ <<<"$output"
	jq -e '.apitokens[0] | has("hash") | not' <<<"$output"
	# The default 90 days, and the 36 hours asked for (to the minute).
	created=$(date -u -d "$(jq -r '.apitokens[0].created' <<<"$output")" +%s)
	expires=$(date -u -d "$(jq -r '.apitokens[0].expires' <<<"$output")" +%s)
	[ $((expires - created)) -eq $((90 * 86400)) ]
	created=$(date -u -d "$(jq -r '.apitokens[1].created' <<<"$output")" +%s)
	expires=$(date -u -d "$(jq -r '.apitokens[1].expires' <<<"$output")" +%s)
	[ $((expires - created)) -eq $((36 * 3600)) ]
	id2=$(jq -r '.apitokens[1].id' <<<"$output")
	run "$SB" apitoken list
	[[ "$output" == *"编号 id"*"最近使用 last used"* ]]
	[[ "$output" == *"night job"*"有效 active"* ]]
	# Revoked: 401 on the very next call; the others go on.
	run "$SB" apitoken revoke "$id2"
	[ "$status" -eq 0 ]
	[ "$(api "$t2")" = 401 ]
	[ "$(api "$t1")" = 200 ]
	run "$SB" apitoken list
	[[ "$output" == *"night job"*"已吊销 revoked"* ]]
	run "$SB" apitoken revoke "$id2"
	[[ "$output" == *"was already"* ]]
	run "$SB" apitoken revoke 4242
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown API token 4242"* ]]
	# Expired: made to expire now in the store (no waiting), refused at once.
	sb_sql "UPDATE api_tokens SET expires = $(($(date +%s) * 1000 - 1)) WHERE label = ''"
	[ "$(api "$t3")" = 401 ]
	run "$SB" apitoken list
	[[ "$output" == *"已过期 expired"* ]]
	# Bad durations are usage errors naming the option.
	for bad in 0d 10 12x -3h 4000d; do
		run "$SB" apitoken create --scope read --ttl "$bad"
		[ "$status" -eq 2 ]
		[[ "$output" == *"--ttl"* ]]
	done
	"$SB" audit log --json | jq -e '.audit | map(select(.path | test("/apitokens/[0-9]+/revoke"))) | length == 3'
	"$SB" audit log --json | jq -e '.audit | map(select(.path == "/api/v1/admin/apitokens" and .method == "POST")) | length == 3'
}

@test "the CLI over HTTPS: --ca or \$SHAOBING_CA, peer and host verified, clear errors$SB_ON" {
	tok=$("$SB" apitoken create --scope read 2>/dev/null)
	url=https://127.0.0.1:$C_PORT
	# Without the collector's CA: not trusted, and what to do, not "running?".
	run "$SB" --admin "$url" --token "$tok" agents
	[ "$status" -eq 1 ]
	[[ "$output" == *"the collector's certificate is not trusted: "*"; pass --ca /etc/shaobing/ca.crt"* ]]
	[[ "$output" != *"is shaobing-collector running"* ]]
	# With it, as an option (anywhere) or from the environment.
	run "$SB" --admin "$url" --token "$tok" --ca "$T/ca/ca.crt" agents --json
	[ "$status" -eq 0 ]
	jq -e '.agents' <<<"$output"
	run "$SB" agents --json --admin "$url" --ca="$T/ca/ca.crt" --token "$tok"
	[ "$status" -eq 0 ]
	run env SHAOBING_CA="$T/ca/ca.crt" "$SB" --admin "$url" --token "$tok" agents
	[ "$status" -eq 0 ]
	[[ "$output" == *"no agents yet"* ]]
	# Another CA is not trusted either; a CA file that is not there is named.
	"$SB" ca init "$T/other" >/dev/null
	run "$SB" --admin "$url" --token "$tok" --ca "$T/other/ca.crt" agents
	[ "$status" -eq 1 ]
	[[ "$output" == *"not trusted"* ]]
	run "$SB" --admin "$url" --token "$tok" --ca "$T/nothere.crt" agents
	[ "$status" -eq 1 ]
	[[ "$output" == *"$T/nothere.crt"* ]]
	# agents cert keeps its own --ca (the CA folder).
	run "$SB" agents cert pc-x --ca "$T/ca" --out "$T/pc-x"
	[ "$status" -eq 0 ]
	# Only a connection refused asks whether the collector runs.
	port=$(sb_free_port)
	run "$SB" --admin "https://127.0.0.1:$port" --ca "$T/ca/ca.crt" agents
	[ "$status" -eq 1 ]
	[[ "$output" == *"connection refused by https://127.0.0.1:$port: shaobing-collector is not running there"* ]]
}

@test "the loopback HTTP admin listener needs an API token$SB_ON" {
	sb_stop_collector
	A_PORT=$(sb_free_port)
	C_EXTRA="" sb_collector_conf
	sed -i "s|^socket = .*|socket = $T/admin.sock\nlisten = 127.0.0.1:$A_PORT|" "$T/collector.ini"
	sb_start_collector
	run curl -s -w ' %{http_code}' "http://127.0.0.1:$A_PORT/api/v1/admin/agents"
	[[ "$output" == *"authentication required"*" 401" ]]
	tok=$("$SB" apitoken create --scope read 2>/dev/null)
	SHAOBING_TOKEN=$tok run "$SB" --admin "http://127.0.0.1:$A_PORT" agents --json
	[ "$status" -eq 0 ]
	# Not on a non-loopback address.
	sed -i "s|^listen = 127.0.0.1:$A_PORT|listen = 0.0.0.0:$A_PORT|" "$T/collector.ini"
	run "$SHAOBING_BIN/shaobing-collector" -c "$T/collector.ini" --check-config
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a loopback address"* ]]
}

@test "enrollment attempts are limited per address$SB_ON" {
	enroll_conf pc1
	for i in $(seq 1 12); do
		curl -s -o /dev/null --cacert "$T/ca/ca.crt" -d '{}' \
			"https://127.0.0.1:$C_PORT/api/v1/enroll" || true
	done
	run curl -s -w ' %{http_code}' --cacert "$T/ca/ca.crt" -d '{}' \
		"https://127.0.0.1:$C_PORT/api/v1/enroll"
	[[ "$output" == *"too many enrollment attempts"*" 429" ]]
}
