#!/usr/bin/env bats
# shaobing-agent --web against a real HTTP server on loopback (python3's
# http.server on a temp folder) serving a county government portal
# (tests/data/web/index.html) and tampered variants of it (variants.py): each finding
# of issue 16 from at least two techniques, benign daily changes with
# nothing above info.

load helpers

setup() {
	sb_setup
	command -v python3 >/dev/null || skip "python3 is not installed (make deps)"
	WEB=$T/www
	mkdir -p "$WEB"
	python3 "$SHAOBING_ROOT/tests/data/web/variants.py" "$WEB"
	W_PORT=$(sb_free_port)
	(cd "$WEB" && exec python3 -m http.server "$W_PORT" --bind 127.0.0.1) \
		>"$T/http.log" 2>&1 &
	echo $! >>"$SB_PIDS"
	W_PID=$!
	SB_WATCH=$W_PID sb_wait_until curl -sf "http://127.0.0.1:$W_PORT/index.html"
	BASE=$T/base.json
	run "$SHAOBING_BIN/shaobing-agent" --web "http://127.0.0.1:$W_PORT/index.html" \
		--baseline "$BASE"
	[ "$status" -eq 0 ]
	[[ "$output" == *"written, first run"* ]]
}

teardown() {
	sb_teardown
}

# web PAGE: check PAGE against the baseline of index.html (a copy, so
# the baseline is never rewritten), JSON in $output.
web() {
	cp "$BASE" "$T/b.json"
	run "$SHAOBING_BIN/shaobing-agent" --web "http://127.0.0.1:$W_PORT/$1" \
		--baseline "$T/b.json" --keywords "$SHAOBING_ROOT/conf/keywords-example.txt" --json
}

codes() {
	echo "$output" | jq -r '[.findings[] | .code + "/" + .severity] | join(" ")'
}

@test "web: the untouched page after its baseline: no finding, exit 0" {
	web index.html
	[ "$status" -eq 0 ]
	[ "$(codes)" = "" ]
}

@test "web: benign daily changes (news item, dates, visitor counter) give nothing" {
	web benign_daily.html
	[ "$status" -eq 0 ]
	[ "$(codes)" = "" ]
}

@test "web: most of the news replaced is web_changed [info] only, exit 0" {
	web changed_news.html
	[ "$status" -eq 0 ]
	[ "$(codes)" = "web_changed/info" ]
}

@test "web: web_hidden_link by display:none, off-screen, colour, zero font, tiny iframe, script" {
	for p in hidden_display hidden_offscreen hidden_color hidden_font \
	    hidden_iframe hidden_script hidden_innerhtml; do
		web $p.html
		echo "$p: status $status: $(codes)"
		[ "$status" -eq 1 ]
		[[ "$(codes)" == *"web_hidden_link/high"* ]]
	done
	web hidden_offscreen.html
	[ "$(echo "$output" | jq -r '.findings[0].detail.hidden_by')" = "off-screen position" ]
	[ "$(echo "$output" | jq -r '.findings[0].detail.domain')" = "www.sx-caipiao.net" ]
	web hidden_color.html
	[ "$(echo "$output" | jq -r '.findings[0].detail.hidden_by')" = "same colour as background" ]
	web hidden_innerhtml.html
	[ "$(echo "$output" | jq -r '.findings[0].detail.hidden_by')" = "written by script" ]
}

@test "web: web_injected_script by a foreign script and a foreign iframe; --allow-domain lifts it" {
	web inject_script.html
	[ "$status" -eq 1 ]
	[ "$(codes)" = "web_injected_script/high" ]
	web inject_iframe.html
	[ "$status" -eq 1 ]
	[ "$(codes)" = "web_injected_script/high" ]
	cp "$BASE" "$T/b.json"
	run "$SHAOBING_BIN/shaobing-agent" --web "http://127.0.0.1:$W_PORT/inject_iframe.html" \
		--baseline "$T/b.json" --allow-domain example.net
	[ "$status" -eq 0 ]
}

@test "web: web_redirect by meta refresh and by script location" {
	web redirect_meta.html
	[ "$status" -eq 1 ]
	[ "$(codes)" = "web_redirect/high" ]
	web redirect_js.html
	[ "$status" -eq 1 ]
	[ "$(codes)" = "web_redirect/high" ]
	[ "$(echo "$output" | jq -r '.findings[0].detail.how')" = "script location" ]
}

@test "web: web_defaced by replaced title and text, and by a defacement phrase" {
	web defaced_replaced.html
	[ "$status" -eq 1 ]
	[[ "$(codes)" == "web_defaced/critical"* ]]
	web defaced_phrase.html
	[ "$status" -eq 1 ]
	[ "$(codes)" = "web_defaced/critical" ]
	[ "$(echo "$output" | jq -r '.findings[0].detail.phrase')" = "黑客" ]
}

@test "web: web_sensitive_word in visible text and in alt text, naming word and place" {
	web sensitive_text.html
	[ "$status" -eq 1 ]
	[ "$(codes)" = "web_sensitive_word/high" ]
	[ "$(echo "$output" | jq -r '.findings[0].detail.word')" = "六合彩" ]
	[ "$(echo "$output" | jq -r '.findings[0].detail.where')" = "text" ]
	web sensitive_alt.html
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r '.findings[0].detail.word')" = "博彩" ]
	[ "$(echo "$output" | jq -r '.findings[0].detail.where')" = "alt" ]
}

@test "web: usage and fetch errors exit 2 and name what is wrong" {
	run "$SHAOBING_BIN/shaobing-agent" --web
	[ "$status" -eq 2 ]
	run "$SHAOBING_BIN/shaobing-agent" --web "http://127.0.0.1:$W_PORT/missing.html"
	[ "$status" -eq 2 ]
	[[ "$output" == *"answered HTTP 404"* ]]
	run "$SHAOBING_BIN/shaobing-agent" --web "http://127.0.0.1:$W_PORT/index.html" \
		--allow-domain 'bad domain'
	[ "$status" -eq 2 ]
	[[ "$output" == *"is not a domain name"* ]]
	printf '\xb2\xa9\xb2\xca\n' >"$T/gbk.txt"
	run "$SHAOBING_BIN/shaobing-agent" --web "http://127.0.0.1:$W_PORT/index.html" \
		--keywords "$T/gbk.txt"
	[ "$status" -eq 2 ]
	[[ "$output" == *"gbk.txt:1: not UTF-8"* ]]
}

@test "web: the website and TLS checks' User-Agent carry the agent's one version" {
	sb_start_hook
	v=$("$SHAOBING_BIN/shaobing-agent" --version | awk '{print $2}')
	run "$SHAOBING_BIN/shaobing-agent" --web "http://127.0.0.1:$HOOK_PORT/p.html" \
		--baseline "$T/ua.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/get.ua")" = "Mozilla/5.0 (compatible; shaobing-agent/$v web integrity)" ]
	rm "$T/get.ua"
	# An https check (a collector for the TLS side) whose http:// port is
	# the receiver.
	sb_ca
	sb_start_collector
	run "$SHAOBING_BIN/shaobing-agent" --check "https://127.0.0.1:$C_PORT/" \
		--ca "$T/ca/ca.crt" --http-port "$HOOK_PORT" --open '' --closed '' --json
	echo "$output"
	[ "$(cat "$T/get.ua")" = "shaobing-agent/$v (check)" ]
}
