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

# dom_cell DOM SECTION ROW-ID CLASS: the text of the first <td> of class
# CLASS in the <tr data-id=ROW-ID> ("-": any row) inside <section
# data-project=SECTION> ("-": anywhere), as Chromium's DOM dump has it.
dom_cell() {
	python3 - "$@" <<'PY'
import sys, html.parser
path, proj, rid, cls = sys.argv[1:]
class P(html.parser.HTMLParser):
    sec = None; row = None; cell = None; out = []
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "section": self.sec = a.get("data-project")
        if tag == "tr": self.row = a.get("data-id")
        if tag == "td" and (proj == "-" or self.sec == proj) \
           and (rid == "-" or self.row == rid) \
           and cls in (a.get("class") or "").split():
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

@test "an empty year exports cleanly and says no data$SB_ON" {
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

@test "periods: month, quarter, from/to; wrong ones are refused$SB_ON" {
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

@test "a small year: CSV, JSON and report.html rendered by headless Chromium$SB_ON" {
	CHROME=$(chromium_bin)
	[ -n "$CHROME" ] || skip "chromium not installed (Debian package chromium; make deps)"
	sb_start_collector
	sb_sql <"$SHAOBING_ROOT/tests/data/indicators/small-2025.sql"
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
		dom_cell "$T/dom.html" - "$1" "$2"
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

# The small year with the 2025 calendar and the example targets (as for
# 2025).  By hand: pc-01 is scheduled Jan 6 .. Dec 31 on the 246 work days
# of 2025 left after Jan 2 and 3 (248 in the year, conf/holidays-2025.txt)
# = 2214 h, up 45 h; web-01 always, 8760 h, up 743 h.  Operation =
# 788 / 10974 = 7.18% (≥ 95: 7.18/95 × 15 = 1.13; × 10 = 0.76).  Website
# 30 days (30/365 × 15 = 1.23), feedback 4 min ≤ 10 and event rate 0.27% ≤
# 1 full, assessment 1 ≥ 1 full.  pc-01 bought 2025-03-15: 1 desktop of
# 2 (10.00 of 20), last purchase in month 3 ≤ 6 (10 of 10).  Entered:
# opinion.1 and opinion's 全年执行数 (below); other entered rows 0.
# Totals 21.13 + 15 + 9.50 = 45.63, 31.99, 20.00.
@test "targets: one 自评表 per project in report.html (DOM) and report.xlsx (openpyxl)$SB_ON" {
	CHROME=$(chromium_bin)
	[ -n "$CHROME" ] || skip "chromium not installed (Debian package chromium; make deps)"
	# Debian's python3-openpyxl lives in the system python3 (a pyenv or
	# venv python3 earlier in PATH would not see it).
	PY3=/usr/bin/python3
	[ -x "$PY3" ] || PY3=python3
	"$PY3" -c 'import openpyxl' || skip "python3-openpyxl not installed (make deps)"
	printf 'calendar = %s, %s\n' "$SHAOBING_ROOT/conf/holidays-2025.txt" "$SHAOBING_ROOT/conf/holidays-2026.txt" >>"$T/collector.ini"
	sb_start_collector
	sb_sql <"$SHAOBING_ROOT/tests/data/indicators/small-2025.sql"
	sb_sql "INSERT INTO assets (kind, name, machine_id, agent_id, first_seen, last_seen) VALUES ('managed', 'pc-01', 'm-pc-01', 1, 1736121600000, 1736503200000);"
	id=$(sb_sql "SELECT id FROM assets WHERE name = 'pc-01'")
	run "$SB" assets set "$id" purchase_date=2025-03-15
	[ "$status" -eq 0 ]
	sed 's/^year = 2022$/year = 2025/' "$SHAOBING_ROOT/conf/targets-2022-example.ini" >"$T/targets-2025.ini"
	run "$SB" export --year 2024 --targets "$T/targets-2025.ini" --out "$T/wrong"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the targets are for 2025, the period starts 2024-01-01"* ]]
	printf '[targets]\nunit = u\nyear = 2025\n[project p]\ncode = 1\n' >"$T/bad.ini"
	run "$SB" export --year 2025 --targets "$T/bad.ini" --out "$T/bad"
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad.ini:4: [project p] needs code, name, department, implementer and goal"* ]]
	[ ! -e "$T/bad" ]
	# Entered values: 1200 platforms (≥ 1000: 15 of 15), 全年执行数 7.60 of
	# 8.00 万元 (执行率 95.00%: 9.50 of 10).  Bad ones change nothing.
	run "$SB" report set opinion opinion.1 1200 --year 2025 --note "监测平台统计"
	[ "$status" -eq 0 ]
	run "$SB" report set opinion budget 7.0 --year 2025
	[ "$status" -eq 0 ]
	run "$SB" report set opinion budget 7.6 --year 2025 --note "决算"
	[ "$status" -eq 0 ]
	run "$SB" report set opinion budget abc --year 2025
	[ "$status" -eq 2 ]
	[[ "$output" == *"VALUE 'abc'"* ]]
	run "$SB" report set "op inion" budget 1 --year 2025
	[ "$status" -eq 1 ]
	[[ "$output" == *"project: a project ID of the targets file"* ]]
	run "$SB" report set opinion budget 1
	[ "$status" -eq 2 ]
	run "$SB" report list --year 2025 --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.values[] | [.project, .indicator, .value, .note]]')" = '[["opinion","budget",7.6,"决算"],["opinion","opinion.1",1200,"监测平台统计"]]' ]
	run "$SB" report list --year 2025
	[[ "$output" == *"监测平台统计"* ]]
	"$SB" audit log --json | jq -e '[.audit[] | select(.method == "POST" and (.path | startswith("/api/v1/admin/report/values")))] | length == 4'
	# An existing report.xlsx is replaced only with --force, and refused
	# before any file of the set is written.
	mkdir "$T/old" && echo keep >"$T/old/report.xlsx"
	run "$SB" export --year 2025 --targets "$T/targets-2025.ini" --out "$T/old"
	[ "$status" -eq 1 ]
	[[ "$output" == *"report.xlsx"* ]]
	[ "$(cat "$T/old/report.xlsx")" = keep ]
	[ ! -e "$T/old/report.html" ]
	run "$SB" export --year 2025 --targets "$T/targets-2025.ini" --out "$T/old" --force
	[ "$status" -eq 0 ]
	[ "$(head -c 2 "$T/old/report.xlsx")" = PK ]
	run "$SB" export --year 2025 --targets "$T/targets-2025.ini" --out "$T/out"
	[ "$status" -eq 0 ]
	[[ "$output" == *"(9 files"* ]]
	jq -e '.indicators[] | select(.id == "operation") | (.actual == 7.18 and .incomplete == null)' "$T/out/export.json"

	chrome --print-to-pdf="$T/report.pdf" --no-pdf-header-footer "file://$T/out/report.html" 2>"$T/chrome-pdf.log" || true
	[ "$(head -c 4 "$T/report.pdf")" = "%PDF" ]
	refute_grep -iE 'CONSOLE|Uncaught|Failed to load|net::ERR' "$T/chrome-pdf.log"
	chrome --dump-dom "file://$T/out/report.html" >"$T/dom.html" 2>"$T/chrome-dom.log"
	fcell() {	# fcell PROJECT ROW-ID CLASS: a cell of one project's form
		dom_cell "$T/dom.html" "$1" "$2" "$3"
	}
	[ "$(fcell opinion - pname)" = "网络舆情监控软件费" ]
	[ "$(fcell opinion - pcode)" = "511099220000000000101" ]
	[ "$(fcell opinion budget-total initial)" = "8.00" ]
	[ "$(fcell opinion budget-total full)" = "8.00" ]
	[ "$(fcell opinion budget-total executed)" = "7.60" ]
	[ "$(fcell opinion budget-total rate)" = "95.00" ]
	[ "$(fcell opinion budget-total score)" = "9.50" ]
	[ "$(fcell portal budget-total executed)" = "待填报" ]
	[ "$(fcell opinion budget-total points)" = "10" ]
	[ "$(fcell opinion budget-fiscal full)" = "8.00" ]
	[ "$(fcell office budget-carryover full)" = "0.50" ]
	[ "$(fcell opinion opinion.3 target)" = "≥ 95.00%" ]
	[ "$(fcell opinion opinion.3 actual)" = "7.18%788.00 h / 10974.00 h" ]
	[ "$(fcell opinion opinion.3 source)" = "自动监测" ]
	[ "$(fcell opinion opinion.3 points)" = "15.00" ]
	[ "$(fcell opinion opinion.3 score)" = "1.13" ]
	[ "$(fcell opinion opinion.4 score)" = "10.00" ]
	[ "$(fcell opinion opinion.6 score)" = "10.00" ]
	[[ "$(fcell opinion opinion.1 actual)" == "1200 个监测平台统计 · "* ]]
	[ "$(fcell opinion opinion.1 source)" = "填报" ]
	[ "$(fcell opinion opinion.1 score)" = "15.00" ]
	[ "$(fcell opinion opinion.2 actual)" = "待填报 not entered" ]
	[ "$(fcell opinion opinion.2 score)" = "0.00" ]
	[ "$(fcell opinion - total)" = "45.63" ]
	[[ "$(fcell opinion - conclusion)" == "自评得分 45.63 分（满分 100），等级：差；尚有 4 项待填报"* ]]
	[ "$(fcell portal portal.1 score)" = "1.23" ]
	[ "$(fcell portal portal.3 score)" = "10.00" ]
	[ "$(fcell portal portal.4 score)" = "0.76" ]
	[ "$(fcell portal - total)" = "31.99" ]
	[ "$(fcell office office.1 actual)" = "1 台1 台 desktops" ]
	[ "$(fcell office office.1 source)" = "资产登记" ]
	[ "$(fcell office office.1 score)" = "10.00" ]
	[ "$(fcell office office.4 actual)" = "3 月1 台，最后购置于 3 月 last purchase in month 3" ]
	[ "$(fcell office office.4 score)" = "10.00" ]
	[ "$(fcell office - total)" = "20.00" ]
	# The website's failed day named in 偏差原因.
	[[ "$(fcell portal portal.1 deviation)" == *"2025-01-20：检查 4 次，通过 3 次 (75.00%)"* ]]

	# The workbook, read back with openpyxl.
	"$PY3" - "$T/out/report.xlsx" <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
assert wb.sheetnames == ["1 网络舆情监控软件费", "2 网信网平台维护费", "3 综合事务管理经费", "偏差事实 facts"], wb.sheetnames
def rows(ws):
    out = {}
    for r in range(13, ws.max_row + 1):
        if ws.cell(r, 3).value and ws.cell(r, 1).value in ("产出指标", "效益指标", "满意度指标"):
            out[ws.cell(r, 3).value] = (ws.cell(r, 4).value, ws.cell(r, 6).value, ws.cell(r, 7).value, ws.cell(r, 8).value)
        if ws.cell(r, 1).value and str(ws.cell(r, 1).value).startswith("总分"):
            out["总分"] = (ws.cell(r, 7).value, ws.cell(r, 8).value)
    return out
ws = wb["1 网络舆情监控软件费"]
assert ws["A1"].value == "项目支出绩效自评表"
assert ws["B3"].value == "网络舆情监控软件费" and ws["G3"].value == "511099220000000000101"
assert ws["A5"].value == "项目资金（万元）" and ws["F5"].value == "分值"
assert (ws["C6"].value, ws["D6"].value, ws["E6"].value, ws["F6"].value, ws["G6"].value, ws["H6"].value) == (8, 8, 7.6, 10, 95, 9.5), [c.value for c in ws[6]]
assert wb["2 网信网平台维护费"]["E6"].value == "待填报"
assert ws["D7"].value == 8 and ws["D8"].value == 0 and ws["D9"].value == 0
r = rows(ws)
assert r["办公基础设施、设备正常运行比例"] == ("≥ 95.00%", "自动监测", 15, 1.13), r
assert r["舆情及安全事件反馈时间"][3] == 10
assert r["舆情监测覆盖网站及平台数"] == ("≥ 1000 个", "填报", 15, 15), r
assert r["编报舆情信息期数"] == ("≥ 12 期", "填报", 10, 0), r
assert r["总分"] == (100, 45.63), r
assert rows(wb["2 网信网平台维护费"])["总分"] == (100, 31.99)
r = rows(wb["3 综合事务管理经费"])
assert r["购买台式电脑数量"] == ("≥ 2 台", "资产登记", 20, 10), r
assert r["采购完成时间"] == ("≤ 6 月", "资产登记", 10, 10), r
assert r["总分"] == (100, 20), r
assert wb["3 综合事务管理经费"]["D8"].value == 0.5
facts = [row for row in wb["偏差事实 facts"].iter_rows(min_row=2, values_only=True)]
assert any(f[0] == "网信网平台维护费" and "2025-01-20" in f[4] for f in facts), facts
assert any(f[4] == "pc-01：运行 2.03%，停机 0.00 小时 down，无数据 2169.00 小时 no data（计划 2214.00 小时 scheduled）" for f in facts), facts
assert any(f[4] == "web-01 2025-01：停机 1.00 小时 down" and f[1] == "办公基础设施、设备正常运行比例" for f in facts), facts
assert all(f[5] is None for f in facts)
PY
}

@test "a year without its holiday calendar: the operation ratio is 口径不完整, not scored$SB_ON" {
	sb_start_collector
	sb_sql <"$SHAOBING_ROOT/tests/data/indicators/small-2025.sql"
	run "$SB" indicators --year 2025
	[ "$status" -eq 0 ]
	[[ "$output" == *"口径不完整 incomplete: 7.11%"* ]]
	run "$SB" indicators --year 2025 --json
	[ "$(echo "$output" | jq -c '.indicators[] | select(.id == "operation") | [.incomplete, .calendar_missing, .score, .met]')" = '[true,2025,null,null]' ]
	run "$SB" export --year 2025 --out "$T/out"
	[ "$status" -eq 0 ]
	grep -q '"口径不完整 incomplete: 7.11%"' "$T/out/indicators.csv"
	grep -q '缺少 2025 年节假日日历' "$T/out/indicators.csv"
	grep -q '口径不完整 incomplete: 7.11%' "$T/out/report.html"
}
