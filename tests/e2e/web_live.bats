#!/usr/bin/env bats
# Website integrity live: a running agent with [fim www] on a web root
# served over loopback (python3's http.server) and [website portal] on
# its front page, delivering to a collector.  Files added, edited,
# chmod-ed and a web shell dropped arrive as events and the web shell
# and the planted dark link as incidents.

load helpers

setup() {
	sb_setup
	command -v python3 >/dev/null || skip "python3 is not installed (make deps)"
	sb_ca
	sb_agent_cert web-01
	sb_start_collector
	WWW=$T/www
	mkdir -p "$WWW/news" "$WWW/cache" "$T/fimbase" "$T/webbase"
	cp "$SHAOBING_ROOT/tests/data/web/index.html" "$WWW/index.html"
	echo '<?php include "header.php"; echo date("Y-m-d"); ?>' >"$WWW/list.php"
	echo 'x' >"$WWW/cache/page.tmp"
	W_PORT=$(sb_free_port)
	(cd "$WWW" && exec python3 -m http.server "$W_PORT" --bind 127.0.0.1) \
		>"$T/http.log" 2>&1 &
	echo $! >>"$SB_PIDS"
	SB_WATCH=$! sb_wait_until curl -sf "http://127.0.0.1:$W_PORT/index.html"
	AG_EXTRA="
[fim www]
paths = $WWW
exclude = */cache
baseline_dir = $T/fimbase
scan_interval = 10s
watch_interval = 200ms

[website portal]
pages = http://127.0.0.1:$W_PORT/index.html
interval = 10s
keywords = $SHAOBING_ROOT/conf/keywords-example.txt
baseline_dir = $T/webbase
" sb_agent_conf web-01
	sb_start_agent web-01
	# Both baselines taken before anything changes.
	SB_WATCH=$AG_PID sb_wait_until test -s "$T/fimbase/www.json"
	SB_WATCH=$AG_PID sb_wait_until sh -c "ls '$T'/webbase/portal-*.json"
}

teardown() {
	sb_teardown
}

events_of() {
	"$SB" events --agent web-01 --type "$1" --limit 1000 --json
}

has_event() {
	events_of "$1" | jq -e --arg p "$2" '[.events[] | select(.data.path | endswith($p))] | length > 0'
}

has_incident() {
	"$SB" incidents --json | jq -e --arg t "$1" '[.incidents[] | select(.type == $t or (.title | contains($t)))] | length > 0'
}

@test "web live: files added, edited, chmod-ed and a web shell dropped reach the collector; the shell opens an incident" {
	echo '<p>new</p>' >"$WWW/news/2026-12-03.html"
	echo '<!-- edited -->' >>"$WWW/index.html"
	chmod 0666 "$WWW/list.php"
	echo 'x' >"$WWW/cache/other.tmp"
	printf '<?php @eval($_POST["cmd"]); ?>\n' >"$WWW/news/up.php"
	SB_WATCH=$AG_PID sb_wait_until has_event file_added /news/2026-12-03.html
	SB_WATCH=$AG_PID sb_wait_until has_event file_modified /index.html
	SB_WATCH=$AG_PID sb_wait_until has_event file_perm_changed /list.php
	SB_WATCH=$AG_PID sb_wait_until has_event webshell_suspect /news/up.php
	run events_of webshell_suspect
	[ "$(jq -r '.events[0].severity' <<<"$output")" = critical ]
	[ "$(jq -r '.events[0].data.construct' <<<"$output")" = "eval of request input" ]
	[ "$(jq -r '.events[0].data.sha256 | length' <<<"$output")" = 64 ]
	run events_of file_perm_changed
	[ "$(jq -r '.events[0].data.mode' <<<"$output")" = 0666 ]
	[ "$(jq -r '.events[0].data.mode_before' <<<"$output")" = 0644 ]
	run events_of file_modified
	[ "$(jq -r '.events[0].data.sha256_before != .events[0].data.sha256' <<<"$output")" = true ]
	# The excluded cache folder says nothing.
	run "$SB" events --agent web-01 --limit 1000 --json
	[ "$(jq '[.events[] | select(.data.path? // "" | contains("/cache/"))] | length' <<<"$output")" = 0 ]
	SB_WATCH=$AG_PID sb_wait_until has_incident webshell_suspect
	run "$SB" incidents --json
	[ "$(jq -r '[.incidents[] | select(.type == "webshell_suspect")][0].category' <<<"$output")" = MP ]
	rm "$WWW/news/2026-12-03.html"
	SB_WATCH=$AG_PID sb_wait_until has_event file_deleted /news/2026-12-03.html
}

@test "web live: a dark link planted in the front page opens a web_hidden_link incident" {
	mkdir "$T/variants"
	python3 "$SHAOBING_ROOT/tests/data/web/variants.py" "$T/variants"
	cp "$T/variants/hidden_offscreen.html" "$WWW/index.html"
	SB_WATCH=$AG_PID sb_wait_until sh -c "'$SB' events --agent web-01 --type web_hidden_link --json | jq -e '.events | length > 0'"
	run "$SB" events --agent web-01 --type web_hidden_link --json
	[ "$(jq -r '.events[0].data.target' <<<"$output")" = portal ]
	[ "$(jq -r '.events[0].data.detail.domain' <<<"$output")" = www.sx-caipiao.net ]
	SB_WATCH=$AG_PID sb_wait_until has_incident web_hidden_link
}

@test "web live: websites rebaseline NAME: the redesigned page becomes the baseline at the agent's next check; audited" {
	# The first baseline reached the collector, so it knows who checks portal.
	SB_WATCH=$AG_PID sb_wait_until sh -c "'$SB' events --agent web-01 --type web_baseline --json | jq -e '.events | length > 0'"
	run "$SB" websites --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.websites[] | select(.website == "portal") | .agent' <<<"$output")" = web-01 ]
	run "$SB" websites
	[ "$status" -eq 0 ]
	[[ "$output" == *portal*web-01* ]]
	# The office redesigns the front page: against the old baseline it is
	# a defacement.
	cat >"$WWW/index.html" <<'HTML'
<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>某某县政务服务网（新版）</title></head>
<body><h1>欢迎访问新版政务服务网</h1>
<p>本网站已全新改版，提供办事指南、在线申报、进度查询等服务。</p>
<ul><li><a href="/bszn/">办事指南</a></li><li><a href="/zxsb/">在线申报</a></li><li><a href="/jdcx/">进度查询</a></li></ul>
<p>主办单位：某某县人民政府办公室　联系电话：0000-1234567</p></body></html>
HTML
	SB_WATCH=$AG_PID sb_wait_until sh -c "'$SB' events --agent web-01 --type web_defaced --json | jq -e '.events | length > 0'"
	run "$SB" websites rebaseline portal
	[ "$status" -eq 0 ]
	[[ "$output" == *"rebaseline requested"*web-01* ]]
	run "$SB" websites rebaseline nosuchsite
	[ "$status" -eq 1 ]
	[[ "$output" == *"no agent has reported website 'nosuchsite'"* ]]
	# Told at its next heartbeat, the agent retakes the baseline at its next check.
	SB_WATCH=$AG_PID sb_wait_until sh -c "'$SB' events --agent web-01 --type web_baseline --json | jq -e '[.events[] | select(.data.renewed)] | length > 0'"
	run "$SB" events --agent web-01 --type web_baseline --json
	base=$(jq -r '[.events[] | select(.data.renewed)][0].data.file' <<<"$output")
	[ -s "$base" ]
	grep -q '新版政务服务网' "$base"
	grep -q "agent web-01 told to rebaseline 1 website" "$T/collector.log"
	# The next check of the page against the new baseline: no finding.
	run "$SHAOBING_BIN/shaobing-agent" --web "http://127.0.0.1:$W_PORT/index.html" \
		--baseline "$base" --keywords "$SHAOBING_ROOT/conf/keywords-example.txt" --json
	[ "$status" -eq 0 ]
	[ "$(jq '.findings | length' <<<"$output")" = 0 ]
	# Audited at the collector.
	run sqlite3 "$T/collector.db" "select method || ' ' || path || ' ' || status from admin_audit where path like '%/websites/%'"
	[[ "$output" == *"POST /api/v1/admin/websites/portal/rebaseline 200"* ]]
	[[ "$output" == *"POST /api/v1/admin/websites/nosuchsite/rebaseline 404"* ]]
}
