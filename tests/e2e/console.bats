#!/usr/bin/env bats
# The web console on a real collector: users made with the CLI, login
# with curl and a cookie jar, data through /console/api, CSRF and Origin
# refusals, failed logins refused then rate-limited (and logged and
# audited), logout, a read-only user who cannot acknowledge, and headless
# Chromium logging in through the page with the DevTools protocol.

load helpers

setup() {
	sb_setup
	sb_ca
	sb_start_collector
	URL=https://127.0.0.1:$C_PORT
	ORIGIN="Origin: $URL"
	JAR=$T/jar
}

teardown() {
	sb_teardown
}

# curl against the console: prints "STATUS BODY".
con() {
	curl -sS --cacert "$T/ca/ca.crt" -b "$JAR" -c "$JAR" -o "$T/con.body" \
		-w '%{http_code}' "$@" >"$T/con.code" 2>"$T/con.err" || true
	echo "$(cat "$T/con.code") $(cat "$T/con.body" 2>/dev/null)"
}

add_user() {	# NAME ROLE PASSWORD
	echo "$3" | "$SB" users add "$1" --role "$2" --password-stdin
}

login() {	# NAME PASSWORD; sets CSRF
	rm -f "$JAR"
	run con -H "$ORIGIN" --data-urlencode "name=$1" --data-urlencode "password=$2" "$URL/console/login"
	CSRF=$(cat "$T/con.body" | jq -r '.csrf // empty')
}

@test "users: add, list, passwd, del through the CLI" {
	run add_user alice admin 'correct horse'
	[ "$status" -eq 0 ]
	[[ "$output" == *"user added: alice (admin)"* ]]
	run add_user alice admin 'correct horse'
	[ "$status" -eq 1 ]
	[[ "$output" == *"user 'alice' exists"* ]]
	run add_user bob read short
	[ "$status" -eq 1 ]
	[[ "$output" == *"8 to 1024 characters"* ]]
	run "$SB" users add carol --role root --password-stdin </dev/null
	[ "$status" -eq 2 ]
	# No terminal and no --password-stdin: refused, nothing added.
	run "$SB" users add carol --role read </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"--password-stdin"* ]]
	run "$SB" users
	[ "$status" -eq 0 ]
	[[ "$output" == *"用户名 Name"* ]]
	[[ "$output" == *"alice"*"管理员 admin"* ]]
	[[ "$output" != *"carol"* ]]
	run "$SB" users list --json
	[ "$(echo "$output" | jq -r '.users[0].role')" = admin ]
	# The hash is scrypt, salted, never the password.
	run sqlite3 "$T/collector.db" "select hash from console_users where name = 'alice'"
	[[ "$output" == 'scrypt$15$8$1$'* ]]
	[[ "$output" != *"correct horse"* ]]
	run bash -c "echo 'another horse' | '$SB' users passwd alice --password-stdin"
	[ "$status" -eq 0 ]
	run "$SB" users del alice
	[ "$status" -eq 0 ]
	run "$SB" users del alice
	[ "$status" -eq 1 ]
	[[ "$output" == *"no user 'alice'"* ]]
}

@test "login, read agents, CSRF refused, logout ends the session" {
	add_user alice admin 'correct horse'
	# The page and its security headers.
	curl -sS --cacert "$T/ca/ca.crt" -D "$T/h" -o "$T/page.html" "$URL/console/"
	grep -qi "^content-security-policy: default-src 'none'; script-src 'sha256-" "$T/h"
	grep -qi '^x-frame-options: DENY' "$T/h"
	grep -qi '^referrer-policy: no-referrer' "$T/h"
	grep -q '用户名 User name' "$T/page.html"

	run con "$URL/console/api/agents"
	[[ "$output" == "401 "* ]]
	login alice 'correct horse'
	[[ "$output" == "200 "* ]]
	[ ${#CSRF} -eq 64 ]
	grep -q 'sb_session' "$JAR"
	grep -q '#HttpOnly_127.0.0.1' "$JAR"
	run con "$URL/console/api/agents"
	[ "$output" = '200 {"agents":[]}' ]
	run con "$URL/console/api/indicators?from=2026-01-01&to=2026-12-31"
	[[ "$output" == "200 "*'"indicators":'* ]]
	# State-changing without the token, with a wrong one, cross-site.
	run con -X POST -H "$ORIGIN" -H 'Content-Type: application/json' -d '{}' "$URL/console/api/asset?id=1"
	[[ "$output" == '403 {"error":"X-CSRF-Token header required"}' ]]
	# A token differing in its last digit (never the same digit: 1 in 16
	# runs would otherwise send the right token).
	case "$CSRF" in *0) bad="${CSRF%?}1" ;; *) bad="${CSRF%?}0" ;; esac
	run con -X POST -H "$ORIGIN" -H "X-CSRF-Token: $bad" -d '{}' "$URL/console/api/asset?id=1"
	[[ "$output" == "403 "*"does not match"* ]]
	run con -X POST -H 'Origin: https://evil.example' -H "X-CSRF-Token: $CSRF" -d '{}' "$URL/console/api/asset?id=1"
	[[ "$output" == "403 "*"cross-site"* ]]
	run con -X POST -H "X-CSRF-Token: $CSRF" -d '{}' "$URL/console/api/asset?id=1"
	[[ "$output" == "403 "*"Origin or Referer"* ]]
	# Users cannot be managed from the console.
	run con "$URL/console/api/users"
	[[ "$output" == "403 "* ]]
	# Logout needs the token, then the cookie is dead (even replayed).
	cp "$JAR" "$T/jar.saved"
	run con -X POST -H "$ORIGIN" "$URL/console/logout"
	[[ "$output" == "403 "* ]]
	run con -X POST -H "$ORIGIN" -H "X-CSRF-Token: $CSRF" "$URL/console/logout"
	[[ "$output" == '200 {"ok":true}' ]]
	cp "$T/jar.saved" "$JAR"
	run con "$URL/console/api/agents"
	[[ "$output" == "401 "* ]]
	# Audited: who, what, from where.
	run sqlite3 "$T/collector.db" "select actor || ' ' || via || ' ' || peer || ' ' || method || ' ' || path || ' ' || status from admin_audit order by id"
	[[ "$output" == *"alice console 127.0.0.1 POST /console/login 200"* ]]
	[[ "$output" == *"alice console 127.0.0.1 GET /console/api/agents 200"* ]]
	[[ "$output" == *"alice console 127.0.0.1 POST /console/api/asset?id=1 403"* ]]
	[[ "$output" == *"alice console 127.0.0.1 POST /console/logout 200"* ]]
}

@test "wrong password refused, then rate-limited; logged and audited" {
	add_user alice admin 'correct horse'
	for i in 1 2 3 4 5; do
		login alice "guess $i"
		[[ "$output" == "401 "*"wrong user name or password"* ]]
	done
	login alice 'correct horse'
	[[ "$output" == "429 "*"too many failed logins"* ]]
	[ -z "$CSRF" ]
	grep -q "console: failed login as 'alice' from 127.0.0.1 (wrong password)" "$T/collector.log"
	grep -q "console: login of 'alice' from 127.0.0.1 refused: too many failed attempts" "$T/collector.log"
	run sqlite3 "$T/collector.db" "select count(*) from admin_audit where path = '/console/login (failed)'"
	[ "$output" = 5 ]
	run sqlite3 "$T/collector.db" "select count(*) from admin_audit where path = '/console/login (rate limited)' and status = 429"
	[ "$output" = 1 ]
}

@test "a read-only user can look but cannot acknowledge" {
	add_user reader read 'battery staple'
	login reader 'battery staple'
	[[ "$output" == "200 "*'"role":"read"'* ]]
	run con "$URL/console/api/agents"
	[[ "$output" == "200 "* ]]
	run con -X POST -H "$ORIGIN" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
		-d '{"note":"seen"}' "$URL/console/api/incidents/1/ack"
	[[ "$output" == "403 "*"read-only user"* ]]
	run sqlite3 "$T/collector.db" "select status from admin_audit where actor = 'reader' and path = '/console/api/incidents/1/ack'"
	[ "$output" = 403 ]
}

chromium_bin() {
	command -v chromium || command -v chromium-browser || true
}

@test "headless Chromium: login form in Chinese, log in through the page, no page errors" {
	CHROME=$(chromium_bin)
	[ -n "$CHROME" ] || skip "chromium not installed (Debian package chromium; make deps)"
	add_user alice admin 'correct horse'
	prof=$(mktemp -d "$T/chrome.XXXXXX")
	"$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run \
		--user-data-dir="$prof" --ignore-certificate-errors --enable-logging=stderr --v=0 \
		--dump-dom "$URL/console/" >"$T/dom.html" 2>"$T/chrome-dom.log" || true
	grep -q '<form id="login"' "$T/dom.html"
	grep -q '用户名 User name' "$T/dom.html"
	grep -q '密码 Password' "$T/dom.html"
	refute_grep -iE 'CONSOLE|Uncaught|Refused to' "$T/chrome-dom.log"
	# Log in with the DevTools protocol over a pipe.
	run python3 "$SHAOBING_ROOT/tests/e2e/console_cdp.py" "$CHROME" "$URL/console/" alice 'correct horse' "$(mktemp -d "$T/chrome.XXXXXX")"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"login form: 登录 Log in / 用户名 User name"* ]]
	[[ "$output" == *"logged in as: alice（管理员 admin）"* ]]
	[[ "$output" == *"overview: 0在线 up | 0降级 degraded | 0离线 down"* ]]
	run sqlite3 "$T/collector.db" "select count(*) from admin_audit where actor = 'alice' and path = '/console/api/agents'"
	[ "$output" -ge 1 ]
}

# The chart library: BUILD/console-vendor (make console-vendor), else the
# normal build's (the sanitizer build shares it).
vendor_dir() {
	local d
	for d in "$SHAOBING_BUILD/console-vendor" "$SHAOBING_ROOT/build/console-vendor"; do
		[ -f "$d/echarts.min.js" ] && { echo "$d"; return 0; }
	done
	return 0
}

post_event() {	# SEQ TYPE KEY
	printf '{"agent":"pc-01","events":[{"agent":"pc-01","seq":%d,"ts":"%s","type":"%s","severity":"high","key":"%s","data":{"ports":[22,80,443],"src":"10.0.0.%d"}}]}' \
		"$1" "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$2" "$3" "$1" >"$T/ev.json"
	sb_post pc-01 /api/v1/events "$T/ev.json" | grep -q '^200 '
}

@test "headless Chromium at 1366x768: every page, a notification's link opens its incident after login, filters, nothing leaves the collector; screenshots" {
	CHROME=$(chromium_bin)
	[ -n "$CHROME" ] || skip "chromium not installed (Debian package chromium; make deps)"
	VENDOR=$(vendor_dir)
	[ -n "$VENDOR" ] || skip "chart library not fetched (make console-vendor: npm and the npm registry)"
	sb_stop_collector
	sb_agent_cert pc-01
	sb_start_hook
	C_SERVER_EXTRA="console_vendor = $VENDOR" C_EXTRA="
[incidents]
console_url = $URL/console/#/incidents/

[notify hook]
type = webhook
url = http://127.0.0.1:$HOOK_PORT/hook
" sb_collector_conf
	sb_start_collector
	add_user alice admin 'correct horse'
	post_event 1 port_scan 'port_scan:10.0.0.9->10.0.0.1'
	post_event 2 syn_flood 'syn_flood:10.0.0.7->10.0.0.1'
	post_event 3 system 'system'
	SB_WATCH=$C_PID sb_wait_until test -f "$T/hook.2.json"
	link=$(jq -r .incident.link "$T/hook.2.json")
	[ "$link" = "$URL/console/#/incidents/2" ]
	# The library and its licence are served by the collector itself.
	curl -sS --cacert "$T/ca/ca.crt" -D "$T/vh" -o "$T/ec.js" "$URL/console/vendor/echarts.min.js"
	cmp "$T/ec.js" "$VENDOR/echarts.min.js"
	grep -qi '^content-type: text/javascript' "$T/vh"
	grep -qi '^cache-control: private, max-age=86400' "$T/vh"
	curl -sSf --cacert "$T/ca/ca.crt" "$URL/console/vendor/LICENSE-echarts.txt" | grep -q 'Apache License'
	run curl -sS --cacert "$T/ca/ca.crt" -o /dev/null -w '%{http_code}' "$URL/console/vendor/..%2Fcollector.ini"
	[ "$output" = 404 ]
	# Channels: listed without secrets, a test message through one
	# (admin only, audited), recorded among its last sends.
	login alice 'correct horse'
	run con "$URL/console/api/channels"
	[[ "$output" == "200 "* ]]
	[ "$(jq -r '.channels[0] | [.name, .type, .target, .recovery] | map(tostring) | join(" ")' "$T/con.body")" = "hook webhook http://127.0.0.1:$HOOK_PORT true" ]
	run con -X POST -H "$ORIGIN" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{}' "$URL/console/api/channels/hook/test"
	[ "$output" = '200 {"queued":true,"channel":"hook"}' ]
	run con -X POST -H "$ORIGIN" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{}' "$URL/console/api/channels/nosuch/test"
	[[ "$output" == "404 "*"no such notification channel"* ]]
	SB_WATCH=$C_PID sb_wait_until test -f "$T/hook.3.json"
	[ "$(jq -r '.incident.title' "$T/hook.3.json")" = "测试消息 test message (alice (console))" ]
	SB_WATCH=$C_PID sb_wait_until sh -c "sqlite3 '$T/collector.db' 'select count(*) from notifications where incident_id = 0' | grep -qx 1"
	run sqlite3 "$T/collector.db" "select actor || ' ' || path || ' ' || status from admin_audit where path like '%/test'"
	[ "$output" = "alice /console/api/channels/hook/test 200
alice /console/api/channels/nosuch/test 404" ]
	echo 'battery staple' | "$SB" users add reader --role read --password-stdin
	login reader 'battery staple'
	run con -X POST -H "$ORIGIN" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{}' "$URL/console/api/channels/hook/test"
	[[ "$output" == "403 "* ]]
	[ ! -f "$T/hook.4.json" ]
	shots=${SHAOBING_SCREENSHOTS:-$T/screenshots}
	run python3 "$SHAOBING_ROOT/tests/e2e/console_cdp.py" "$CHROME" "$link" alice 'correct horse' \
		"$(mktemp -d "$T/chrome.XXXXXX")" "$shots" \
		'#/overview' '#/incidents' '#/incidents?q=10.0.0.7' '#/incidents/1' '#/events' '#/events?type=system' '#/assets' '#/indicators' '#/channels'
	echo "$output"
	[ "$status" -eq 0 ]
	# The notification's link survived the login and opened incident 2,
	# which is open: no "reopen" offered.
	[[ "$output" == *"first view: incident"* ]]
	[[ "$output" == *"view title: 事件单 Incident #2 (hash #/incidents/2)"* ]]
	[[ "$output" == *"actions: ack,resolve,false-positive"* ]]
	[[ "$output" == *"first render: "* ]]
	# Each page, with data; charts drawn on the overview; nothing wider
	# than the 1366 px window.
	[[ "$output" =~ "page #/overview: 客户端 Agents"[^$'\n']*"| charts "[4-9] ]]
	[[ "$output" =~ "page #/incidents: "[^$'\n']*"| rows 2 |" ]]
	[[ "$output" =~ "page #/incidents?q=10.0.0.7: "[^$'\n']*"| rows 1 |"[^$'\n']*"SYN" ]]
	[[ "$output" =~ "page #/events?type=system: "[^$'\n']*"| rows 1 |" ]]
	[[ "$output" =~ "page #/events: "[^$'\n']*"| rows 3 |"[^$'\n']*"系统状态 system" ]]
	[[ "$output" =~ "page #/channels: "[^$'\n']*"| rows 1 |"[^$'\n']*"测试 test" ]]
	[[ "$output" != *"| width 13"[7-9]* && "$output" != *"| width 1[4-9]"* ]]
	for p in first-incident overview incidents incidents-q-10-0-0-7 incidents-1 events events-type-system assets indicators channels; do
		[ -s "$shots/$p.png" ]
	done
	# The page's filters went to the server.
	run sqlite3 "$T/collector.db" "select count(*) from admin_audit where path like '/console/api/incidents?%q=10.0.0.7%'"
	[ "$output" -ge 1 ]
}
