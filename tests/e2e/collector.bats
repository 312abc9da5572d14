#!/usr/bin/env bats
# The collector's agent endpoint driven with curl and real client
# certificates (byte for byte what agent/upload.c sends),
# and what it stored read back through the admin API with the CLI.

load helpers

setup() {
	sb_setup
	sb_ca
	sb_agent_cert pc-01
	sb_agent_cert pc-02
}

teardown() {
	sb_teardown
}

# Events stored in all (SQL on the collector's own database: the check
# does not go through the code under test).
db_total() {
	sb_sql 'SELECT count(*) FROM events'
}

@test "health answers without a client certificate; events need one$SB_ON" {
	sb_start_collector
	run curl -sS --cacert "$T/ca/ca.crt" "https://127.0.0.1:$C_PORT/api/v1/health"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"status":"ok"'* ]]
	[[ "$output" == *'"version":"0.1.0"'* ]]
	sb_batch pc-01 1 3 >"$T/b.json"
	run curl -sS -o "$T/out" -w '%{http_code}' --cacert "$T/ca/ca.crt" \
		--data-binary @"$T/b.json" "https://127.0.0.1:$C_PORT/api/v1/events"
	[ "$output" = 401 ]
	grep -q 'client certificate required' "$T/out"
	[ "$(db_total)" = 0 ]
}

@test "a batch is stored once, and a resent batch answers the same$SB_ON" {
	sb_start_collector
	sb_batch pc-01 1 10 >"$T/b.json"
	run sb_post pc-01 /api/v1/events "$T/b.json"
	[ "$output" = '200 {"stored_through":10}' ] || [ "$(jq -c . <<<"${output#200 }")" = '{"stored_through":10}' ]
	run sb_post pc-01 /api/v1/events "$T/b.json"
	[[ "$output" == "200 "* ]]
	[ "$(jq .stored_through <<<"${output#200 }")" = 10 ]
	# Overlapping batch: 6..15 adds 11..15 only.
	sb_batch pc-01 6 15 >"$T/b2.json"
	run sb_post pc-01 /api/v1/events "$T/b2.json"
	[ "$(jq .stored_through <<<"${output#200 }")" = 15 ]
	[ "$(sb_stored_seqs pc-01 | tr '\n' ' ')" = "$(seq 1 15 | tr '\n' ' ')" ]
	[ "$(db_total)" = 15 ]
	# gzip is accepted.
	sb_batch pc-01 16 20 | gzip >"$T/b3.gz"
	run sb_post pc-01 /api/v1/events "$T/b3.gz" -H 'Content-Encoding: gzip'
	[ "$(jq .stored_through <<<"${output#200 }")" = 20 ]
	[ "$(sb_stored_count pc-01)" = 20 ]
}

@test "event times out of bounds are clamped to the receive time and marked$SB_ON" {
	sb_start_collector
	iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%S.000Z; }
	# seq: time sent (clamped ones first, then two in bounds).
	dates=("$(iso '+400 days')" "$(iso '+7 minutes')" "9999-12-31T23:59:59.999Z"
		"1999-12-31T23:59:59.000Z" "$(iso '-3 years')"
		"$(iso '+3 minutes')" "$(iso '-2 days')")
	{
		printf '{"agent":"pc-01","events":['
		for i in "${!dates[@]}"; do
			[ "$i" = 0 ] || printf ','
			printf '{"agent":"pc-01","seq":%d,"ts":"%s","type":"test","severity":"high","key":"t:%d","data":{"i":%d}}' \
				$((i + 1)) "${dates[$i]}" $((i + 1)) $((i + 1))
		done
		printf ']}'
	} >"$T/b.json"
	before=$(date -u +%s)
	run sb_post pc-01 /api/v1/events "$T/b.json"
	[[ "$output" == "200 "* ]]
	after=$(date -u +%s)
	"$SB" events --agent pc-01 --json >"$T/ev.json"
	for seq in 1 2 3 4 5; do
		ev=$(jq -c ".events[] | select(.seq == $seq)" "$T/ev.json")
		[ "$(jq -r .data.ts_clamped <<<"$ev")" = true ]
		[ "$(jq -r .data.ts_agent <<<"$ev")" = "${dates[$((seq - 1))]}" ]
		t=$(date -u -d "$(jq -r .ts <<<"$ev")" +%s)
		[ "$t" -ge "$before" ] && [ "$t" -le "$after" ]
	done
	for seq in 6 7; do
		ev=$(jq -c ".events[] | select(.seq == $seq)" "$T/ev.json")
		[ "$(jq -r .ts <<<"$ev")" = "${dates[$((seq - 1))]}" ]
		[ "$(jq -r '.data.ts_clamped // "absent"' <<<"$ev")" = absent ]
	done
	grep -q "5 events from pc-01 (first seq 1) were dated more than 5 minutes ahead" "$T/collector.log"
	# A year before 1970 or a negative one is no wire time: 400, nothing stored.
	sed 's/"seq":1,"ts":"[^"]*"/"seq":8,"ts":"1969-12-31T23:59:59.999Z"/' "$T/b.json" |
		jq -c '.events |= [.[0]]' >"$T/bad.json"
	run sb_post pc-01 /api/v1/events "$T/bad.json"
	[[ "$output" == "400 "*"events[0].ts"* ]]
	[ "$(sb_stored_count pc-01)" = 7 ]
}

@test "the CLI lists the agent and its events$SB_ON" {
	sb_start_collector
	sb_batch pc-01 1 3 >"$T/b.json"
	sb_post pc-01 /api/v1/events "$T/b.json" | grep -q '^200 '
	run "$SB" agents
	[ "$status" -eq 0 ]
	[[ "$output" == *"名称 Name"* ]]
	[[ "$output" == *"最后在线 Last seen"* ]]
	[[ "$output" == *"状态 Status"* ]]
	[[ "$output" == *"pc-01"* ]]
	[[ "$output" == *"在线 up"* ]]
	run "$SB" agents --json
	[ "$(jq -r '.agents[0].name' <<<"$output")" = pc-01 ]
	[ "$(jq -r '.agents[0].events' <<<"$output")" = 3 ]
	[ "$(jq -r '.agents[0].last_seq' <<<"$output")" = 3 ]
	run "$SB" events
	[ "$status" -eq 0 ]
	[[ "$output" == *"级别 Severity"* ]]
	[[ "$output" == *"信息 info"* ]]
	# ts 2026-11-27T13:37:20.123Z shown in Asia/Shanghai.
	[[ "$output" == *"2026-11-27 21:37:20"* ]]
	[[ "$output" == *"test:2"* ]]
	run "$SB" --tz UTC events
	[[ "$output" == *"2026-11-27 13:37:20"* ]]
	# Like journalctl -n: the most recent N in time order; --reverse
	# newest first; --all everything; --after-id pages forward.
	run "$SB" events --limit 2 --json
	[ "$(jq -r '[.events[].key] | join(",")' <<<"$output")" = "test:2,test:3" ]
	run "$SB" events --limit 2 --reverse --json
	[ "$(jq -r '[.events[].key] | join(",")' <<<"$output")" = "test:3,test:2" ]
	run "$SB" events --limit 2
	[[ "$output" == *"还有更早的"* ]]
	run "$SB" events --all --json
	[ "$(jq -r '[.events[].key] | join(",")' <<<"$output")" = "test:1,test:2,test:3" ]
	run "$SB" events --after-id 1 --limit 1 --json
	[ "$(jq -r '[.events[].key] | join(",")' <<<"$output")" = "test:2" ]
	run "$SB" events --type nosuchtype --json
	[ "$(jq '.events | length' <<<"$output")" = 0 ]
	run "$SB" events --agent pc-02 --json
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown agent 'pc-02'"* ]]
	run "$SB" events --since 2030-01-01 --json
	[ "$(jq '.events | length' <<<"$output")" = 0 ]
	# Relative: an event dated now is in the last 7 days, one dated 30
	# days ago is not (kept as sent: inside event_retention, so not
	# clamped), and every event listed is no older than that.
	now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
	old=$(date -u -d '30 days ago' +%Y-%m-%dT%H:%M:%S.000Z)
	sb_batch pc-01 4 4 | sed "s/2026-11-27T13:37:20.123Z/$now/" >"$T/b4.json"
	sb_post pc-01 /api/v1/events "$T/b4.json" | grep -q '^200 '
	sb_batch pc-01 5 5 | sed "s/2026-11-27T13:37:20.123Z/$old/" >"$T/b5.json"
	sb_post pc-01 /api/v1/events "$T/b5.json" | grep -q '^200 '
	run "$SB" events --since -7d --json
	[ "$status" -eq 0 ]
	jq -e '[.events[].seq] | index(4) != null and index(5) == null' <<<"$output"
	jq -e --argjson t "$(( $(date -u +%s) - 7 * 86400 - 60 ))" \
		'.events | all(.ts[0:19] + "Z" | fromdateiso8601 >= $t)' <<<"$output"
}

@test "a batch naming another agent gets 403 and nothing is stored$SB_ON" {
	sb_start_collector
	sb_batch pc-02 1 5 >"$T/b.json"
	run sb_post pc-01 /api/v1/events "$T/b.json"
	[[ "$output" == "403 "* ]]
	[[ "$output" == *"batch names agent 'pc-02' but the certificate is for 'pc-01'"* ]]
	# An event inside the batch naming another agent is refused too.
	sb_batch pc-01 1 2 | sed 's/"agent":"pc-01","seq":2/"agent":"pc-02","seq":2/' >"$T/b2.json"
	run sb_post pc-01 /api/v1/events "$T/b2.json"
	[[ "$output" == 4* ]]
	printf '{"agent":"pc-02","ts":"2026-11-27T13:37:20.123Z","interval_s":60,"boot_ts":"2026-11-27T00:00:00.000Z"}' >"$T/hb.json"
	run sb_post pc-01 /api/v1/heartbeat "$T/hb.json"
	[[ "$output" == "403 "* ]]
	[ "$(db_total)" = 0 ]
}

@test "malformed batches get 400 with the reason, and change nothing$SB_ON" {
	sb_start_collector
	printf '{"agent":"pc-01","events":[' >"$T/trunc.json"
	run sb_post pc-01 /api/v1/events "$T/trunc.json"
	[[ "$output" == "400 "* ]]
	[ -n "$(jq -r .error <<<"${output#400 }")" ]
	sb_batch pc-01 1 3 | sed 's/"seq":2,\([^}]*\)"severity":"info"/"seq":2,\1"severity":"urgent"/' >"$T/sev.json"
	grep -q urgent "$T/sev.json"
	run sb_post pc-01 /api/v1/events "$T/sev.json"
	[[ "$output" == "400 "* ]]
	[[ "$(jq -r .error <<<"${output#400 }")" == "events[1].severity"* ]]
	printf '{"agent":"pc-01","events":"no"}' >"$T/type.json"
	run sb_post pc-01 /api/v1/events "$T/type.json"
	[[ "$output" == "400 "* ]]
	[[ "$output" == *events* ]]
	printf '\xff\xfe' >"$T/bin.json"
	run sb_post pc-01 /api/v1/events "$T/bin.json"
	[[ "$output" == "400 "* ]]
	[ "$(db_total)" = 0 ]
	# Still serving after all that.
	sb_batch pc-01 1 1 >"$T/ok.json"
	run sb_post pc-01 /api/v1/events "$T/ok.json"
	[[ "$output" == "200 "* ]]
	[ "$(db_total)" = 1 ]
}

@test "too large bodies and batches get 413, gzip bombs too$SB_ON" {
	C_SERVER_EXTRA=$'max_body = 64k\nmax_batch = 50' sb_collector_conf
	sb_start_collector
	sb_batch pc-01 1 51 >"$T/many.json"
	[ "$(stat -c %s "$T/many.json")" -lt 65536 ]
	run sb_post pc-01 /api/v1/events "$T/many.json"
	[[ "$output" == "413 "* ]]
	sb_batch pc-01 1 50 | sed 's/"data":{"n":1}/"data":{"pad":"'"$(head -c 70000 /dev/zero | tr '\0' x)"'"}/' >"$T/big.json"
	[ "$(stat -c %s "$T/big.json")" -gt 65536 ]
	run sb_post pc-01 /api/v1/events "$T/big.json"
	[[ "$output" == "413 "* ]]
	# 10 MB of zeros inside a JSON string, gzipped to a few KB.
	{ printf '{"agent":"pc-01","events":[],"x":"'; head -c 10000000 /dev/zero | tr '\0' 0; printf '"}'; } |
		gzip -9 >"$T/bomb.gz"
	[ "$(stat -c %s "$T/bomb.gz")" -lt 65536 ]
	run sb_post pc-01 /api/v1/events "$T/bomb.gz" -H 'Content-Encoding: gzip'
	[[ "$output" == "413 "* ]]
	[ "$(db_total)" = 0 ]
	# At the limits it is fine.
	sb_batch pc-01 1 50 >"$T/fifty.json"
	run sb_post pc-01 /api/v1/events "$T/fifty.json"
	[[ "$output" == "200 "* ]]
}

@test "wrong method, path or encoding: 405, 404, 415$SB_ON" {
	sb_start_collector
	sb_batch pc-01 1 1 >"$T/b.json"
	run sb_post pc-01 /api/v1/events "$T/b.json" -H 'Content-Encoding: br'
	[[ "$output" == "415 "* ]]
	run sb_post pc-01 /api/v1/events "$T/b.json" -X PUT
	[[ "$output" == "405 "* ]]
	run sb_post pc-01 /api/v1/nothing "$T/b.json"
	[[ "$output" == "404 "* ]]
	run sb_admin_curl /api/v1/admin/nothing -s -o /dev/null -w '%{http_code}'
	[ "$output" = 404 ]
	run sb_admin_curl "/api/v1/admin/events?since=yesterday" -s
	[[ "$(jq -r .error <<<"$output")" == *since* ]]
	[ "$(db_total)" = 0 ]
}

@test "a 405 names the path's own methods in Allow (issue 11)$SB_ON" {
	sb_start_collector
	sb_batch pc-01 1 1 >"$T/b.json"
	# The agent's /events takes POST; the admin /events only GET.
	run sb_post pc-01 /api/v1/events "$T/b.json" -X PUT -D "$T/h1"
	[[ "$output" == "405 "* ]]
	grep -qix 'Allow: POST.' "$T/h1"
	run sb_admin_curl /api/v1/admin/events -s -X POST -D "$T/h2" -o /dev/null -w '%{http_code}'
	[ "$output" = 405 ]
	grep -qix 'Allow: GET.' "$T/h2"
	run sb_admin_curl "/api/v1/admin/asset?id=1" -s -X PUT -D "$T/h3" -o /dev/null -w '%{http_code}'
	[ "$output" = 405 ]
	grep -qix 'Allow: GET, POST.' "$T/h3"
	grep -qi '^HTTP/1.1 405 Method Not Allowed' "$T/h3"
}

@test "an agent certificate from another CA fails the handshake$SB_ON" {
	sb_start_collector
	"$SB" ca init "$T/otherca" >/dev/null
	# Same name as a real agent, issued by a CA the collector does not trust.
	"$SB" agents cert pc-01 --ca "$T/otherca" --out "$T/agents/evil" >/dev/null
	sb_batch pc-01 1 3 >"$T/b.json"
	run sb_post evil /api/v1/events "$T/b.json"
	[[ "$output" == "000"* ]]
	# No HTTP answer at all (curl's own message depends on the TLS
	# version); the collector says why in its log.
	[ -s "$T/post.err" ]
	SB_WATCH=$C_PID sb_wait_until grep -qi 'certificate' "$T/collector.log"
	[ "$(db_total)" = 0 ]
	run "$SB" agents --json
	[ "$(jq '.agents | length' <<<"$output")" = 0 ]
	# A self-signed client certificate is refused the same way.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/self.key" -out "$T/self.crt" -subj /CN=pc-01 -days 1 2>/dev/null
	run curl -sS -o /dev/null -w '%{http_code}' --cacert "$T/ca/ca.crt" \
		--cert "$T/self.crt" --key "$T/self.key" --data-binary @"$T/b.json" \
		"https://127.0.0.1:$C_PORT/api/v1/events"
	[[ "$output" == *000* ]]
	[ "$(db_total)" = 0 ]
	# The collector is still healthy.
	sb_health
}

@test "heartbeats are answered with the server time$SB_ON" {
	sb_start_collector
	now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
	printf '{"agent":"pc-01","ts":"%s","interval_s":60,"boot_ts":"2026-11-27T00:00:00.000Z"}' "$now" >"$T/hb.json"
	run sb_post pc-01 /api/v1/heartbeat "$T/hb.json"
	[[ "$output" == "200 "* ]]
	[ "$(jq .ok <<<"${output#200 }")" = true ]
	[[ "$(jq -r .server_time <<<"${output#200 }")" == 20*Z ]]
	run "$SB" agents --json
	[ "$(jq -r '.agents[0].name' <<<"$output")" = pc-01 ]
	[ "$(jq -r '.agents[0].status' <<<"$output")" = up ]
	run sb_admin_curl "/api/v1/admin/uptime?agent=pc-01" -sf
	[ "$(jq '.intervals | length' <<<"$output")" -ge 1 ]
}

@test "collector stopped for a while and restarted: every batch stored exactly once$SB_ON" {
	sb_start_collector
	for i in 0 1 2 3 4 5 6 7 8 9; do
		sb_batch pc-01 $((i * 100 + 1)) $((i * 100 + 100)) >"$T/b$i.json"
	done
	for i in 0 1 2 3; do
		run sb_post pc-01 /api/v1/events "$T/b$i.json"
		[[ "$output" == "200 "* ]]
	done
	sb_stop_collector
	# While it is down nothing gets through (what an agent's retry sees).
	run sb_post pc-01 /api/v1/events "$T/b4.json"
	[[ "$output" == "000"* ]]
	sb_start_collector
	# The agent resends from its last acknowledgement, overlap included.
	for i in 3 4 5 6 7 8 9; do
		run sb_post pc-01 /api/v1/events "$T/b$i.json"
		[ "$(jq .stored_through <<<"${output#200 }")" = $((i * 100 + 100)) ]
	done
	[ "$(sb_stored_seqs pc-01 | tr '\n' ' ')" = "$(seq 1 1000 | tr '\n' ' ')" ]
	[ "$(db_total)" = 1000 ]
}

# Two clients post batches in a loop; the collector is killed with
# SIGKILL while they do.  Every batch acknowledged before the kill must
# be there after a restart, and resending everything (as agents do)
# stores nothing twice.
@test "kill -9 during ingest: nothing acknowledged is lost, nothing duplicated$SB_ON" {
	sb_start_collector
	nb=40 per=250
	for a in pc-01 pc-02; do
		for ((i = 0; i < nb; i++)); do
			sb_batch $a $((i * per + 1)) $((i * per + per)) >"$T/$a-$i.json"
		done
	done
	poster() {
		local a=$1 i code
		for ((i = 0; i < nb; i++)); do
			# Half-way, wait for the kill: what is left can only fail,
			# so the kill always lands before ingest has finished.
			if [ $i -eq $((nb / 2)) ]; then
				while [ ! -e "$T/killed" ]; do sleep 0.05; done
			fi
			code=$(curl -s -o "$T/$a-$i.ack" -w '%{http_code}' \
				--cacert "$T/ca/ca.crt" --cert "$T/agents/$a/agent.crt" \
				--key "$T/agents/$a/agent.key" --data-binary @"$T/$a-$i.json" \
				"https://127.0.0.1:$C_PORT/api/v1/events" || true)
			echo "$i $code" >>"$T/$a.acks"
		done
	}
	poster pc-01 & p1=$!
	poster pc-02 & p2=$!
	acked() { [ "$(grep -c ' 200$' "$T/pc-01.acks" "$T/pc-02.acks" 2>/dev/null |
		awk -F: '{ s += $2 } END { print s + 0 }')" -ge "$1" ]; }
	SB_WATCH=$C_PID sb_wait_until acked 6
	sb_kill9_collector
	touch "$T/killed"
	wait $p1 $p2
	# The batches after the kill failed (at least the second halves).
	[ "$(grep -vc ' 200$' "$T/pc-01.acks")" -ge $((nb / 2)) ]
	[ "$(grep -vc ' 200$' "$T/pc-02.acks")" -ge $((nb / 2)) ]
	sb_start_collector
	for a in pc-01 pc-02; do
		stored=$(sb_stored_seqs $a | sort -n)
		[ "$(uniq -d <<<"$stored")" = "" ]
		while read -r i code; do
			[ "$code" = 200 ] || continue
			through=$(jq .stored_through "$T/$a-$i.ack")
			[ "$through" = $((i * per + per)) ]
			# Every seq of the acknowledged batch is there.
			for s in $((i * per + 1)) $((i * per + per / 2)) $((i * per + per)); do
				grep -qx "$s" <<<"$stored"
			done
			[ "$(awk -v lo=$((i * per + 1)) -v hi=$((i * per + per)) \
				'$1 >= lo && $1 <= hi' <<<"$stored" | wc -l)" = $per ]
		done <"$T/$a.acks"
	done
	# Resend everything: each batch answers 200 and all is stored once.
	for a in pc-01 pc-02; do
		for ((i = 0; i < nb; i++)); do
			run sb_post $a /api/v1/events "$T/$a-$i.json"
			[[ "$output" == "200 "* ]]
		done
		[ "$(sb_stored_seqs $a | tr '\n' ' ')" = "$(seq 1 $((nb * per)) | tr '\n' ' ')" ]
	done
	[ "$(db_total)" = $((2 * nb * per)) ]
}
