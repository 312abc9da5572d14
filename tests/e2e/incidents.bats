#!/usr/bin/env bats
# The incident log end to end: events posted over mTLS fold into
# incidents, the CLI lists and works them (with the rules on notes), the
# trail is verified and an edited row is caught; a real agent that stops
# opens 'host down' and closes it when it comes back.

load helpers

setup() {
	sb_setup
	sb_ca
	sb_agent_cert pc-01
	C_EXTRA="
[schedule]
always = pc-*

[incidents]
check_interval = 1s
host_down_grace = 3s
" sb_collector_conf
}

teardown() {
	sb_teardown
}

# A batch of port scans from pc-01 (seq FROM..TO), same key.
scan_batch() {
	local from=$1 to=$2 s sep=''
	printf '{"agent":"pc-01","events":['
	for ((s = from; s <= to; s++)); do
		printf '%s{"agent":"pc-01","seq":%d,"ts":"%s",' "$sep" "$s" \
			"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
		printf '"type":"port_scan","severity":"high",'
		printf '"key":"port_scan:10.0.0.9->10.0.0.1","data":{"ports":%d}}' "$s"
		sep=,
	done
	printf ']}'
}

@test "scans fold into one incident; CLI lists, shows, acks, resolves, reopens$SB_ON" {
	sb_start_collector
	scan_batch 1 3 >"$T/b1.json"
	run sb_post pc-01 /api/v1/events "$T/b1.json"
	[[ "$output" == 200* ]]
	# Resent: stored once, folded once.
	run sb_post pc-01 /api/v1/events "$T/b1.json"
	[[ "$output" == 200* ]]
	run "$SB" incidents --json
	[ "$status" -eq 0 ]
	[ "$(jq '.incidents | length' <<<"$output")" = 1 ]
	[ "$(jq -r '.incidents[0].count' <<<"$output")" = 3 ]
	[ "$(jq -r '.incidents[0].category' <<<"$output")" = NA ]
	[ "$(jq -r '.incidents[0].subcategory' <<<"$output")" = NASCAN ]
	[ "$(jq -r '.incidents[0].level_code' <<<"$output")" = IV ]
	[ "$(jq -r '.incidents[0].status' <<<"$output")" = open ]

	run "$SB" incidents
	[ "$status" -eq 0 ]
	[[ "$output" == *"等级 Level"* ]]
	[[ "$output" == *"一般 IV"* ]]
	[[ "$output" == *"网络攻击 NA/NASCAN"* ]]
	[[ "$output" == *"待处理 open"* ]]
	run "$SB" incidents --status resolved
	[[ "$output" == *"no incidents"* ]]
	run "$SB" incidents --category NASCAN --level IV --since -1h --json
	[ "$(jq '.incidents | length' <<<"$output")" = 1 ]
	run "$SB" incidents --level III --json
	[ "$(jq '.incidents | length' <<<"$output")" = 0 ]

	run "$SB" incidents ack 1 --note "looking into it"
	[ "$status" -eq 0 ]
	[[ "$output" == *"已确认 acknowledged"* ]]
	# Resolve without a note: refused by the CLI and by the API.
	run "$SB" incidents resolve 1
	[ "$status" -eq 2 ]
	[[ "$output" == *"--note"* ]]
	run sb_admin_curl /api/v1/admin/incidents/1/resolve -s -w ' %{http_code}' \
		-X POST -d '{"actor":"x"}'
	[[ "$output" == *"note"*" 409" ]]
	run "$SB" incidents resolve 1 --note "blocked 10.0.0.9 at the firewall"
	[ "$status" -eq 0 ]
	[[ "$output" == *"已解决 resolved"* ]]
	run "$SB" incidents ack 1
	[ "$status" -eq 1 ]
	[[ "$output" == *"409"* ]]
	run "$SB" incidents reopen 1 --note "it came back"
	[ "$status" -eq 0 ]
	run "$SB" incidents false-positive 1 --note "our own nmap"
	[ "$status" -eq 0 ]
	run "$SB" incidents show 1
	[ "$status" -eq 0 ]
	[[ "$output" == *"误报 false positive"* ]]
	[[ "$output" == *"处理记录 Trail"* ]]
	[[ "$output" == *"blocked 10.0.0.9 at the firewall"* ]]
	# The actor is who the admin socket says called, not what the body says.
	[[ "$output" == *"$(id -un) (uid $(id -u))"* ]]
	[[ "$output" == *"时效 Timings"* ]]
	run "$SB" incidents show 1 --json
	[ "$(jq '.trail | length' <<<"$output")" = 5 ]
	[ "$(jq '.events | length' <<<"$output")" = 3 ]
	run "$SB" incidents show 99
	[ "$status" -eq 1 ]
	[[ "$output" == *"no incident 99"* ]]
	run "$SB" incidents show abc
	[ "$status" -eq 2 ]

	run "$SB" audit verify
	[ "$status" -eq 0 ]
	[[ "$output" == *"intact: 5 rows"* ]]
}

@test "audit verify names the edited trail row$SB_ON" {
	sb_start_collector
	scan_batch 1 1 >"$T/b1.json"
	run sb_post pc-01 /api/v1/events "$T/b1.json"
	"$SB" incidents ack 1 >/dev/null
	"$SB" incidents resolve 1 --note "done" >/dev/null
	run "$SB" audit verify
	[ "$status" -eq 0 ]
	# The table refuses edits...
	run sb_sql "UPDATE incident_trail SET note = 'x' WHERE id = 3"
	[ "$status" -ne 0 ]
	[[ "$output" == *"append-only"* ]]
	# ...and an edit around the trigger is found.
	drop="DROP TRIGGER incident_trail_no_update"
	[ "${SB_STORE:-}" != PostgreSQL ] || drop="$drop ON incident_trail"
	sb_sql "$drop; UPDATE incident_trail SET note = 'nothing happened' WHERE id = 3"
	run "$SB" audit verify
	[ "$status" -eq 1 ]
	[[ "$output" == *"BROKEN at row 3"* ]]
	[[ "$output" == *"edited"* ]]
}

@test "bad input to the incident API is refused and changes nothing$SB_ON" {
	sb_start_collector
	scan_batch 1 1 >"$T/b1.json"
	run sb_post pc-01 /api/v1/events "$T/b1.json"
	run sb_admin_curl /api/v1/admin/incidents/1/ack -s -w ' %{http_code}' -X POST -d '{"actor":"x","bogus":1}'
	[[ "$output" == *"unknown field"*" 400" ]]
	run sb_admin_curl /api/v1/admin/incidents/1/ack -s -w ' %{http_code}' -X POST -d '[1'
	[[ "$output" == *" 400" ]]
	run sb_admin_curl '/api/v1/admin/incidents/1/ack' -s -w ' %{http_code}'
	[[ "$output" == *" 405" ]]
	run sb_admin_curl '/api/v1/admin/incidents?level=V' -s -w ' %{http_code}'
	[[ "$output" == *"level"*" 400" ]]
	run sb_admin_curl '/api/v1/admin/incidents/1/nuke' -s -w ' %{http_code}'
	[[ "$output" == *" 404" ]]
	run "$SB" incidents --json
	[ "$(jq -r '.incidents[0].status' <<<"$output")" = open ]
	run "$SB" audit verify
	[[ "$output" == *"intact: 1 rows"* ]]
}

@test "the taxonomy route gives the console its labels from common/taxonomy$SB_ON" {
	sb_start_collector
	run sb_admin_curl /api/v1/admin/taxonomy -s -w ' %{http_code}'
	[[ "$output" == *" 200" ]]
	body=${output% 200}
	[ "$(jq -r '.levels | map(.zh + " " + .code) | join(",")' <<<"$body")" = "特别重大 I,重大 II,较大 III,一般 IV" ]
	[ "$(jq -r '.statuses[] | select(.name == "false_positive") | .zh' <<<"$body")" = 误报 ]
	[ "$(jq -r '.categories | length' <<<"$body")" = 9 ]
	[ "$(jq -r '.types[] | select(.name == "port_scan") | .category' <<<"$body")" = NA ]
	run sb_admin_curl /api/v1/admin/taxonomy -s -w ' %{http_code}' -X POST -d '{}'
	[[ "$output" == *" 405" ]]
}

host_down_open() {
	"$SB" incidents --json | jq -e '[.incidents[] |
		select(.type == "host_down" and .status == "open")] | length == 1'
}

host_down_resolved() {
	"$SB" incidents --json | jq -e '[.incidents[] |
		select(.type == "host_down" and .status == "resolved")] | length == 1'
}

@test "a scheduled agent that stops opens host down; its return resolves it and tells the channels$SB_ON" {
	sb_start_hook
	printf '%s\n' "console_url = https://collector.example/console/#/incidents/" "" \
		"[notify hook]" "type = webhook" "url = http://127.0.0.1:$HOOK_PORT/h" "" \
		"[notify quiet]" "type = webhook" "url = http://127.0.0.1:$HOOK_PORT/q" "recovery = no" >>"$T/collector.ini"
	sb_start_collector
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until sh -c "'$SB' agents --json | jq -e '.agents[0].status == \"up\"'"
	kill -KILL "$AG_PID"
	sb_reap "$AG_PID"
	SB_WATCH=$C_PID sb_wait_until host_down_open
	run "$SB" incidents
	[[ "$output" == *"设备设施故障 DE"* ]]
	[[ "$output" == *"host down"* ]]
	grep -q "host pc-01 is down" "$T/collector.log"
	sb_start_agent pc-01
	SB_WATCH=$C_PID sb_wait_until host_down_resolved
	run "$SB" incidents show 1 --json
	[ "$(jq -r '.trail[-1].action' <<<"$output")" = auto_resolved ]
	[ "$(jq -r '.trail[-1].actor' <<<"$output")" = shaobing ]
	# The opening went to both channels, the recovery to "hook" only.
	# Only incident 1's sends count: on a busy machine the agent's
	# second inventory may see another program's new listening port
	# and open an incident of its own.
	SB_WATCH=$C_PID sb_wait_until sh -c "cat '$T'/hook.*.json 2>/dev/null | jq -s -e '[.[] | select(.incident.id == 1)] | length >= 3'"
	run sh -c "cat '$T'/hook.*.json | jq -r 'select(.incident.id == 1) | [.kind, .incident.status, .incident.link] | join(\" \")' | sort"
	[ "$output" = "incident open https://collector.example/console/#/incidents/1
incident open https://collector.example/console/#/incidents/1
recovery resolved https://collector.example/console/#/incidents/1" ]
	run sh -c "cat '$T'/hook.*.json | jq -r 'select(.kind == \"recovery\" and .incident.id == 1) | .text' | head -1"
	[[ "$output" == "[哨兵 Shaobing][已恢复 RECOVERED][一般 IV] DE #1 "* ]]
	run sb_sql "select count(*) from notifications where incident_id = 1"
	[ "$output" = 3 ]
	# Every send says the collector's one version (shaobing-collector --version).
	v=$("$SHAOBING_BIN/shaobing-collector" --version | awk '{print $2}')
	for f in "$T"/hook.*.ua; do
		[ "$(cat "$f")" = "shaobing-collector/$v" ]
	done
}

@test "the console acts as its session's user, whatever the body says$SB_ON" {
	sb_start_collector
	scan_batch 1 1 >"$T/b1.json"
	run sb_post pc-01 /api/v1/events "$T/b1.json"
	[[ "$output" == 200* ]]
	echo 'correct horse' | "$SB" users add alice --role admin --password-stdin
	url=https://127.0.0.1:$C_PORT
	curl -sS --cacert "$T/ca/ca.crt" -c "$T/jar" -H "Origin: $url" \
		--data-urlencode name=alice --data-urlencode 'password=correct horse' \
		"$url/console/login" >"$T/login.json"
	csrf=$(jq -r .csrf "$T/login.json")
	run curl -sS --cacert "$T/ca/ca.crt" -b "$T/jar" -H "Origin: $url" \
		-H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
		-d '{"actor":"mallory","note":"seen"}' -w ' %{http_code}' \
		"$url/console/api/incidents/1/ack"
	[[ "$output" == *" 200" ]]
	run "$SB" incidents show 1 --json
	[ "$(jq -r '.trail[-1].actor' <<<"$output")" = "alice (console)" ]
	[ "$(jq -r '.trail[-1].note' <<<"$output")" = seen ]
	run sb_sql "select actor, via, status from admin_audit where path = '/console/api/incidents/1/ack'"
	[ "$output" = "alice|console|200" ]
}

# A batch of one event of TYPE with KEY from pc-01 at seq SEQ.
one_event() {	# SEQ TYPE KEY
	printf '{"agent":"pc-01","events":[{"agent":"pc-01","seq":%d,"ts":"%s",' "$1" \
		"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
	printf '"type":"%s","severity":"high","key":"%s","data":{"note":"Zeta %d"}}]}' "$2" "$3" "$1"
}

api() {	# PATH: "BODY STATUS" on one line
	sb_admin_curl "$1" -s -w ' %{http_code}' | tr -d '\n'
}

ids() {	# PATH: the ids of the answer's list, comma-separated
	sb_admin_curl "$1" -s | jq -r '(.incidents // .events) as $l |
		if $l == null then "ERROR " + (.error // "?") else [$l[].id] | map(tostring) | join(",") end'
}

@test "list filters for the console: asset, text, time range, newest first with pages; hostile values refused or inert$SB_ON" {
	sb_start_collector
	one_event 1 port_scan 'port_scan:10.0.0.9->10.0.0.1' >"$T/b.json"
	sb_post pc-01 /api/v1/events "$T/b.json" | grep -q '^200 '
	one_event 2 syn_flood 'syn_flood:10.0.0.7->10.0.0.1' >"$T/b.json"
	sb_post pc-01 /api/v1/events "$T/b.json" | grep -q '^200 '
	one_event 3 arp_spoof 'arp_spoof:10.0.0.254' >"$T/b.json"
	sb_post pc-01 /api/v1/events "$T/b.json" | grep -q '^200 '
	[ "$(ids '/api/v1/admin/incidents')" = 1,2,3 ]
	# Newest first, paged through next_before_id.
	[ "$(ids '/api/v1/admin/incidents?order=desc')" = 3,2,1 ]
	run sb_admin_curl '/api/v1/admin/incidents?order=desc&limit=2' -s
	[ "$(jq -r '.next_before_id' <<<"$output")" = 2 ]
	[ "$(ids '/api/v1/admin/incidents?order=desc&limit=2&before_id=2')" = 1 ]
	# Free text in title, asset or key (case-insensitive); asset; time range.
	[ "$(ids '/api/v1/admin/incidents?q=10.0.0.7')" = 2 ]
	[ "$(ids '/api/v1/admin/incidents?q=SYN')" = 2 ]
	[ "$(ids '/api/v1/admin/incidents?q=%E6%AC%BA%E9%AA%97')" = 3 ]	# 欺骗
	[ "$(ids '/api/v1/admin/incidents?asset=pc-01&category=NA')" = 1,2,3 ]
	[ "$(ids '/api/v1/admin/incidents?asset=pc-02')" = "" ]
	[ "$(ids '/api/v1/admin/incidents?until=2000-01-01T00:00:00.000Z')" = "" ]
	[ "$(ids '/api/v1/admin/incidents?since=2000-01-01T00:00:00.000Z&until=2099-01-01T00:00:00.000Z')" = 1,2,3 ]
	# Events: the same parameters.
	[ "$(ids '/api/v1/admin/events?order=desc&q=zeta%202')" = 2 ]
	[ "$(ids '/api/v1/admin/events?order=desc&limit=2')" = 3,2 ]
	run sb_admin_curl '/api/v1/admin/events?order=desc&limit=2' -s
	[ "$(jq -r '.next_before_id' <<<"$output")" = 2 ]
	# Hostile values: SQL and LIKE metacharacters are plain text (no rows,
	# no error); bad shapes are refused naming the parameter.
	for q in "%27%20OR%201%3D1%20--" "%25" "x_y" "%22%29%3B%20DROP%20TABLE%20incidents%3B--" "%5C"; do
		run api "/api/v1/admin/incidents?q=$q"
		[ "$output" = '{"incidents":[],"next_after_id":null} 200' ]
		run api "/api/v1/admin/events?q=$q&asset=x"
		[[ "$output" == *"unknown parameter 'asset'"*" 400" ]]
		run api "/api/v1/admin/events?q=$q"
		[ "$output" = '{"events":[],"next_after_id":null} 200' ]
	done
	run api "/api/v1/admin/incidents?asset=%27%20OR%20%27%27%3D%27"
	[ "$output" = '{"incidents":[],"next_after_id":null} 200' ]
	run api '/api/v1/admin/incidents?q=a%0Ab'
	[ "$output" = '{"error":"q: control character at byte 2"} 400' ]
	run api "/api/v1/admin/incidents?q=$(printf 'x%.0s' $(seq 101))"
	[[ "$output" == *'"q: expected 1 to 100 bytes of text"'*" 400" ]]
	run api '/api/v1/admin/incidents?q='
	[[ "$output" == *" 400" ]]
	run api '/api/v1/admin/events?order=sideways'
	[ "$output" = '{"error":"order: expected asc or desc"} 400' ]
	run api '/api/v1/admin/incidents?before_id=-1'
	[[ "$output" == *"before_id"*" 400" ]]
	run api '/api/v1/admin/incidents?until=yesterday'
	[[ "$output" == *"until: expected UTC time"*" 400" ]]
	run api '/api/v1/admin/incidents?q=a&q=b'
	[[ "$output" == *"given twice"*" 400" ]]
	# Nothing was dropped or changed.
	[ "$(ids '/api/v1/admin/incidents')" = 1,2,3 ]
	run sb_sql "select count(*) from events"
	[ "$output" = 3 ]
	# The CLI: the most recent N in time order, --reverse, --all.
	run "$SB" incidents --limit 2 --json
	[ "$(jq -r '[.incidents[].id] | map(tostring) | join(",")' <<<"$output")" = 2,3 ]
	run "$SB" incidents --limit 2 --reverse --json
	[ "$(jq -r '[.incidents[].id] | map(tostring) | join(",")' <<<"$output")" = 3,2 ]
	run "$SB" incidents --all --json
	[ "$(jq -r '[.incidents[].id] | map(tostring) | join(",")' <<<"$output")" = 1,2,3 ]
}

cert_incident() {
	"$SB" incidents --json | jq -e --arg s "$1" '[.incidents[] |
		select(.type == "cert_expiring" and .status == $s)] | length == 1'
}

@test "certificate renewed: the endpoint's cert_expiring incident resolves by itself and tells the channels$SB_ON" {
	# The endpoint checked is the collector itself, its certificate
	# first 5 days from its end.
	"$SB" ca server-cert "$T/ca" --name 127.0.0.1 --days 5 >/dev/null
	sb_start_hook
	printf '%s\n' "" "[notify hook]" "type = webhook" "url = http://127.0.0.1:$HOOK_PORT/h" >>"$T/collector.ini"
	sb_start_collector
	AG_EXTRA=$(printf '[target web]\nurl = tls://127.0.0.1:%s\nca = %s\ninterval = 10s\nclosed =\n' \
		"$C_PORT" "$T/ca/ca.crt")
	sb_agent_conf pc-01
	sb_start_agent pc-01
	SB_WATCH=$AG_PID sb_wait_until cert_incident open
	id=$("$SB" incidents --json | jq -r '.incidents[] | select(.type == "cert_expiring") | .id')
	# Renewed and reloaded: the next check finds nothing.
	"$SB" ca server-cert "$T/ca" --name 127.0.0.1 --days 400 >/dev/null
	kill -HUP "$C_PID"
	SB_WATCH=$AG_PID sb_wait_until cert_incident resolved
	run "$SB" incidents show "$id" --json
	[ "$(jq -r '.trail[-1].action' <<<"$output")" = auto_resolved ]
	[ "$(jq -r '.trail[-1].actor' <<<"$output")" = shaobing ]
	[[ "$(jq -r '.trail[-1].note' <<<"$output")" == "certificate renewed: 127.0.0.1:$C_PORT no longer finds cert_expiring (seen by pc-01)" ]]
	grep -q "incident $id resolved: certificate renewed" "$T/collector.log"
	# The recovery went out like host up's.
	rec() { cat "$T"/hook.*.json | jq -e --argjson id "$id" 'select(.kind == "recovery" and .incident.id == $id)'; }
	SB_WATCH=$C_PID sb_wait_until rec
}
