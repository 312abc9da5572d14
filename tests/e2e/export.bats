#!/usr/bin/env bats
# shaobing indicators / shaobing export against a real collector: an empty
# year says 'no data' everywhere; a small year (tests/data/indicators/
# small-2025.sql, loaded into the collector's store) exports CSV with a
# BOM, JSON and a report.html that headless Chromium renders to PDF and
# PNG without console errors, with the self-evaluation table's cells
# checked in Chromium's DOM.  The exact arithmetic is proven by
# tests/unit/test_indicator.c on the hand-computed data set.

load helpers

setup() {
	sb_setup
	sb_ca
	sb_collector_conf
	printf '\n[schedule]\nalways = web-*\n' >>"$T/collector.ini"
	export SHAOBING_TZ=Asia/Shanghai
}

teardown() {
	sb_teardown
}

chromium_bin() {
	command -v chromium || command -v chromium-browser || true
}

# Headless Chromium with its own profile, no network, no updates.
chrome() {
	"$CHROME" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" \
		--enable-logging=stderr --v=0 "$@"
}

@test "an empty year exports cleanly and says no data" {
	sb_start_collector
	run "$SB" indicators --year 2025
	[ "$status" -eq 0 ]
	[[ "$output" == *"期间 Period: 2025 (2025-01-01 .. 2025-12-31)"* ]]
	[[ "$output" == *"无数据 no data"* ]]
	[[ "$output" != *"0.00%"* ]]
	[[ "$output" != *"100.00%"* ]]
	run "$SB" indicators --year 2025 --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.indicators[] | select(.id == "operation") | .actual')" = null ]
	[ "$(echo "$output" | jq -r '.indicators[] | select(.id == "operation") | .no_data')" = true ]
	run "$SB" export --year 2025 --out "$T/out"
	[ "$status" -eq 0 ]
	[[ "$output" == *"export written: $T/out (8 files"* ]]
	for f in indicators.csv incidents.csv uptime.csv website-days.csv assets.csv tls-assessment.csv; do
		[ "$(head -c 3 "$T/out/$f" | od -An -tx1 | tr -d ' ')" = efbbbf ]
	done
	grep -q '"网信网平台运行天数","website running days","≥ 365 天 days","无数据 no data"' "$T/out/indicators.csv"
	refute_grep '0\.00%' "$T/out/indicators.csv"
	jq -e '.period.label == "2025" and (.incidents | length) == 0' "$T/out/export.json"
	grep -q '本期无事件 no incidents in the period' "$T/out/report.html"
}

@test "periods: month, quarter, from/to; wrong ones are refused" {
	sb_start_collector
	run "$SB" indicators --month 2024-02 --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.period.to')" = 2024-02-29 ]
	run "$SB" indicators --quarter 2025-Q4 --json
	[ "$(echo "$output" | jq -r '.period.label')" = 2025-Q4 ]
	run "$SB" indicators --from 2024-02-20 --to 2024-03-05 --json
	[ "$(echo "$output" | jq -r '.period.days')" = 15 ]
	run "$SB" indicators --month 2025-13
	[ "$status" -eq 2 ]
	run "$SB" indicators --from 2025-02-29 --to 2025-03-01
	[ "$status" -eq 1 ]
	[[ "$output" == *"from: '2025-02-29' is not a date"* ]]
	run "$SB" indicators --year 2025 --month 2025-01
	[ "$status" -eq 2 ]
	run "$SB" export --year 2025
	[ "$status" -eq 2 ]
	[[ "$output" == *"--out DIR is required"* ]]
	run sb_admin_curl "/api/v1/admin/indicators?from=2025-01-01" -s
	[[ "$output" == *'"error":"from and to are required'* ]]
}

@test "a small year: CSV, JSON and report.html rendered by headless Chromium" {
	CHROME=$(chromium_bin)
	[ -n "$CHROME" ] || skip "chromium not installed (Debian package chromium; make deps)"
	sb_start_collector
	sqlite3 "$T/collector.db" <"$SHAOBING_ROOT/tests/data/indicators/small-2025.sql"
	run "$SB" export --year 2025 --out "$T/out"
	[ "$status" -eq 0 ]
	# Website: 31 days with data in January, Jan 20 failed 1 of 4 checks.
	grep -q '"2025-01-20",4,3,75.00,"否 no"' "$T/out/website-days.csv"
	grep -q '"2025-02-01",0,0,,"无数据 no data"' "$T/out/website-days.csv"
	grep -q '"网信网平台运行天数","website running days","≥ 365 天 days","30 天 days",30,' "$T/out/indicators.csv"
	grep -q '"pc-01","2025-01","office",180.00,45.00,0.00,135.00,25.00,25.00,' "$T/out/uptime.csv"
	grep -q '"web-01","2025-01","always",744.00,743.00,1.00,0.00,99.87,100.00,' "$T/out/uptime.csv"
	jq -e '.counts.false_positives == 1 and .counts.equipment_faults == 1 and .counts.security_incidents == 1' "$T/out/export.json"

	# Render: PDF and PNG, and no console errors.
	chrome --print-to-pdf="$T/report.pdf" --no-pdf-header-footer "file://$T/out/report.html" 2>"$T/chrome-pdf.log" || true
	chrome --screenshot="$T/report.png" --window-size=1240,1754 "file://$T/out/report.html" 2>"$T/chrome-png.log" || true
	[ "$(head -c 4 "$T/report.pdf")" = "%PDF" ]
	[ "$(head -c 8 "$T/report.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]
	refute_grep -iE 'CONSOLE|Uncaught|Failed to load|net::ERR' "$T/chrome-pdf.log" "$T/chrome-png.log"

	# The table's cells, as Chromium parsed them.
	chrome --dump-dom "file://$T/out/report.html" >"$T/dom.html" 2>"$T/chrome-dom.log"
	refute_grep -iE 'CONSOLE|Uncaught' "$T/chrome-dom.log"
	cell() {	# cell ROW-ID CLASS: the text of that cell
		python3 - "$T/dom.html" "$1" "$2" <<'PY'
import sys, html.parser
path, rid, cls = sys.argv[1:]
class P(html.parser.HTMLParser):
    row = None; cell = None; out = []
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "tr": self.row = a.get("data-id")
        if tag == "td" and self.row == rid and cls in (a.get("class") or "").split():
            self.cell = []
    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.out.append("".join(self.cell)); self.cell = None
    def handle_data(self, d):
        if self.cell is not None: self.cell.append(d)
p = P(); p.feed(open(path, encoding="utf-8").read())
print(p.out[0] if p.out else "")
PY
	}
	[ "$(cell website_days target)" = "≥ 365 天 days" ]
	[ "$(cell website_days actual)" = "30 天 days30 / 365" ]
	[ "$(cell website_days score)" = "1.64" ]
	[ "$(cell feedback actual)" = "4.00 分钟 min2 / 2" ]
	[ "$(cell feedback score)" = "20.00" ]
	[ "$(cell event_rate actual)" = "0.27%1 / 365" ]
	[ "$(cell event_rate score)" = "20.00" ]
	[ "$(cell assessment score)" = "10.00" ]
	[ "$(cell operation l1)" = "产出指标" ]
	[ "$(cell operation l2)" = "质量指标" ]
	[ "$(cell event_rate l1)" = "效益指标" ]
	[ "$(cell feedback l2)" = "时效指标" ]
	# The hostile title stayed text: no script element in the DOM.
	grep -q '&lt;script&gt;alert(1)&lt;/script&gt; 主机离线 host down' "$T/dom.html"
	refute_grep '<script>' "$T/dom.html"
	grep -q 'id="chart-incidents"' "$T/dom.html"
	grep -q 'id="chart-website"' "$T/dom.html"
}
