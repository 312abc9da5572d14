/*
 * report.html of the year-end export: one self-contained page (no
 * external files, no scripts), printable on A4.  The self-evaluation
 * table 项目支出绩效自评表 first, then the method of each indicator, the
 * monthly charts (inline SVG, drawn here on purpose: the console's chart
 * library, Apache ECharts, is about 1 MB (330 KB gzip) of script; inlined
 * it would make a report of tens of KB many times larger and need
 * scripts in a page that is archived, mailed and printed — hand-drawn SVG
 * keeps it small, script-free and the same in every viewer), the incident list, the website's TLS and
 * port assessment and the asset register.  Chinese first, English beside.
 * Every text from the store is HTML-escaped (titles and messages come
 * from agents).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/export.h"
#include "common/timeutil.h"

static void
esc(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

void
cli_html_esc(FILE *f, const char *s)
{
	esc(f, s);
}

void
cli_tls_summary(const json_t *report, char *buf, size_t len)
{
	const char	*k;
	const json_t	*v;
	size_t		 used = 0;

	buf[0] = '\0';
	json_object_foreach((json_t *)report, k, v) {
		char val[256];

		if (json_is_string(v))
			snprintf(val, sizeof(val), "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(val, sizeof(val), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
		else if (json_is_real(v))
			snprintf(val, sizeof(val), "%g", json_real_value(v));
		else if (json_is_boolean(v))
			snprintf(val, sizeof(val), "%s", json_is_true(v) ?
			    "是 yes" : "否 no");
		else
			continue;	/* nested detail stays in export.json */
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s %s",
			    used ? "; " : "", k, val);
	}
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void
local_ms(FILE *f, const json_t *v)
{
	char buf[32];

	if (json_is_integer(v) && time_format_local(json_integer_value(v), buf,
	    sizeof(buf)) == 0)
		fputs(buf, f);
	else
		fputs("-", f);
}

static const char css[] =
	"@page{size:A4;margin:12mm}"
	"body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei','Microsoft YaHei',"
	"sans-serif;font-size:10pt;color:#111;margin:0 auto;max-width:190mm}"
	"h1{font-size:15pt;text-align:center;margin:4mm 0 1mm}"
	"h2{font-size:12pt;margin:6mm 0 2mm;border-bottom:1px solid #888}"
	".sub{text-align:center;color:#444;margin-bottom:3mm}"
	"table{border-collapse:collapse;width:100%;margin:2mm 0}"
	"th,td{border:1px solid #444;padding:1mm 1.5mm;vertical-align:top}"
	"th{background:#eee;font-weight:bold}"
	"td.n{text-align:right;white-space:nowrap}"
	".small{font-size:8.5pt}.nodata{color:#a00}"
	"svg{display:block;margin:2mm 0}"
	"tr{page-break-inside:avoid}"
	"section{page-break-inside:auto}"
	"#self-eval{page-break-after:auto}";

/* The 8-column self-evaluation table with level-1/level-2 rowspans. */
static void
self_eval(FILE *f, const json_t *inds)
{
	size_t		 n = json_array_size(inds), i, j;
	double		 pts = 0, got = 0;
	char		 tg[64], ac[64];

	fputs("<table id=\"self-eval\"><thead><tr>"
	    "<th>一级指标<br>Level 1</th><th>二级指标<br>Level 2</th>"
	    "<th>三级指标<br>Indicator</th><th>年度指标值<br>Target</th>"
	    "<th>实际完成值<br>Actual</th><th>分值<br>Points</th>"
	    "<th>得分<br>Score</th><th>偏差原因分析及改进措施<br>Deviation and "
	    "remedy</th></tr></thead><tbody>\n", f);
	for (i = 0; i < n; i++) {
		const json_t	*ind = json_array_get(inds, i);
		const json_t	*sc = json_object_get(ind, "score");
		const char	*l1 = str(ind, "level1"), *l2 = str(ind, "level2");
		size_t		 span1 = 0, span2 = 0;
		int		 first1 = i == 0 || strcmp(l1,
				    str(json_array_get(inds, i - 1), "level1"));
		int		 first2 = first1 || strcmp(l2,
				    str(json_array_get(inds, i - 1), "level2"));

		/* Rows are grouped as they come (the collector orders them). */
		for (j = i; j < n && strcmp(str(json_array_get(inds, j),
		    "level1"), l1) == 0; j++)
			span1++;
		for (j = i; j < n && strcmp(str(json_array_get(inds, j),
		    "level1"), l1) == 0 && strcmp(str(json_array_get(inds, j),
		    "level2"), l2) == 0; j++)
			span2++;
		cli_indicator_target(ind, tg, sizeof(tg));
		cli_indicator_actual(ind, ac, sizeof(ac));
		fprintf(f, "<tr data-id=\"%s\">", str(ind, "id"));
		if (first1) {
			fprintf(f, "<td class=\"l1\" rowspan=\"%zu\">", span1);
			esc(f, l1);
			fputs("</td>", f);
		}
		if (first2) {
			fprintf(f, "<td class=\"l2\" rowspan=\"%zu\">", span2);
			esc(f, l2);
			fputs("</td>", f);
		}
		fputs("<td class=\"name\">", f);
		esc(f, str(ind, "name"));
		fputs("<br><span class=\"small\">", f);
		esc(f, str(ind, "name_en"));
		fputs("</span></td><td class=\"target n\">", f);
		esc(f, tg);
		fprintf(f, "</td><td class=\"actual n%s\">",
		    json_is_number(json_object_get(ind, "actual")) ? "" :
		    " nodata");
		esc(f, ac);
		if (json_is_integer(json_object_get(ind, "numerator")) &&
		    json_is_integer(json_object_get(ind, "denominator"))) {
			char fr[96];

			cli_indicator_fraction(ind, fr, sizeof(fr));
			fputs("<br><span class=\"small frac\">", f);
			esc(f, fr);
			fputs("</span>", f);
		}
		fprintf(f, "</td><td class=\"points n\">%" JSON_INTEGER_FORMAT
		    "</td><td class=\"score n\">", json_integer_value(
		    json_object_get(ind, "points")));
		pts += (double)json_integer_value(json_object_get(ind, "points"));
		if (json_is_number(sc)) {
			fprintf(f, "%.2f", json_number_value(sc));
			got += json_number_value(sc);
		} else
			fputs("—", f);
		fputs("</td><td class=\"deviation small\">", f);
		esc(f, str(ind, "deviation"));
		fputs("</td></tr>\n", f);
	}
	fprintf(f, "<tr class=\"total\"><td colspan=\"5\">合计 Total</td>"
	    "<td class=\"points n\">%.0f</td><td class=\"score n\">%.2f</td>"
	    "<td class=\"small\">未评分的指标计 0 分 indicators without data "
	    "score 0</td></tr>\n", pts, got);
	fputs("</tbody></table>\n<p class=\"small\">评分方法 Scoring: "
	    "“≥”指标 得分 = 实际完成值 ÷ 年度指标值 × 分值；“≤”指标 得分 = 年度指标值 ÷ "
	    "实际完成值 × 分值，实际完成值为 0 时得满分；得分不超过分值；无数据的指标不评分。"
	    " For “≥” targets score = actual ÷ target × points; for “≤” targets "
	    "score = target ÷ actual × points, and an actual of 0 scores full "
	    "points; a score never exceeds the points; an indicator without data "
	    "is not scored.</p>\n", f);
}

/*
 * A bar chart of one series per month (stack: several series stacked).
 * values[m * nseries + s]; max 0 = scale to the data.
 */
static void
bars(FILE *f, const char *id, const char *title, char labels[][16],
    size_t nm, const double *values, size_t nseries,
    const char *const *names, double max, const char *unit, double target)
{
	static const char *const colors[] = { "#3b6ea5", "#d9822b", "#4f9a4f",
		"#b94a48", "#7d5ba6", "#8c7b4f", "#2f8f9d", "#999999" };
	const double	W = 680, H = 200, L = 40, B = 30, T = 20;
	double		bw = nm ? (W - L - 10) / (double)nm : 0;

	if (max <= 0) {
		for (size_t m = 0; m < nm; m++) {
			double sum = 0;

			for (size_t s = 0; s < nseries; s++)
				sum += values[m * nseries + s];
			if (sum > max)
				max = sum;
		}
		if (max <= 0)
			max = 1;
	}
	fprintf(f, "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"100%%\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">"
	    "<title>", id, W, H + (nseries > 1 ? 16 : 0));
	esc(f, title);
	fprintf(f, "</title><text x=\"%.0f\" y=\"14\" font-size=\"12\">", L);
	esc(f, title);
	fputs("</text>", f);
	fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" "
	    "stroke=\"#444\"/>", L, H - B, W - 10, H - B);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"9\" "
	    "text-anchor=\"end\">%g%s</text>", L - 3, T + 4, max, unit);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"9\" "
	    "text-anchor=\"end\">0</text>", L - 3, H - B);
	for (size_t m = 0; m < nm; m++) {
		double y = H - B;

		for (size_t s = 0; s < nseries; s++) {
			double v = values[m * nseries + s];
			double h = v / max * (H - B - T);

			if (v <= 0)
				continue;
			y -= h;
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\" fill=\"%s\"><title>%s %s: %g%s"
			    "</title></rect>", L + m * bw + bw * 0.15, y, bw * 0.7,
			    h, colors[s % 8], labels[m], names ? names[s] : "",
			    v, unit);
		}
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"9\" "
		    "text-anchor=\"middle\">%s</text>", L + m * bw + bw / 2,
		    H - B + 12, labels[m] + (strlen(labels[m]) > 5 ? 5 : 0));
	}
	/* The target as a dashed line (e.g. 95% for the operation ratio). */
	if (target > 0 && target <= max) {
		double y = H - B - target / max * (H - B - T);

		fprintf(f, "<line class=\"target\" x1=\"%.0f\" y1=\"%.1f\" "
		    "x2=\"%.0f\" y2=\"%.1f\" stroke=\"#b94a48\" "
		    "stroke-dasharray=\"4 3\"/><text x=\"%.0f\" y=\"%.1f\" "
		    "font-size=\"9\" fill=\"#b94a48\" text-anchor=\"end\">"
		    "目标 target %g%s</text>", L, y, W - 10, y, W - 10, y - 2,
		    target, unit);
	}
	for (size_t s = 0; names != NULL && nseries > 1 && s < nseries; s++) {
		fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" "
		    "fill=\"%s\"/><text x=\"%.0f\" y=\"%.0f\" font-size=\"10\">",
		    L + (double)s * 70, H + 2, colors[s % 8], L + (double)s * 70 + 13,
		    H + 11);
		esc(f, names[s]);
		fputs("</text>", f);
	}
	fputs("</svg>\n", f);
}

static void
charts(FILE *f, const json_t *doc)
{
	const json_t	*months = json_object_get(doc, "monthly"), *mo, *v;
	size_t		 nm = json_array_size(months), i, nc = 0;
	const char	*cats[8], *k;
	char		(*labels)[16] = calloc(nm ? nm : 1, sizeof(*labels));
	double		*vals = calloc((nm ? nm : 1) * 8, sizeof(double));
	double		 op_target = 0;

	if (labels == NULL || vals == NULL)
		goto out;
	json_array_foreach(json_object_get(doc, "indicators"), i, v)
		if (strcmp(str(v, "id"), "operation") == 0)
			op_target = json_number_value(json_object_get(v, "target"));
	/* Categories present in the period (at most 8 shown separately). */
	json_array_foreach(months, i, mo) {
		snprintf(labels[i], sizeof(labels[i]), "%s", str(mo, "month"));
		json_object_foreach((json_t *)json_object_get(mo,
		    "incidents_by_category"), k, v) {
			size_t c;

			for (c = 0; c < nc; c++)
				if (strcmp(cats[c], k) == 0)
					break;
			if (c == nc && nc < 8)
				cats[nc++] = k;
		}
	}
	json_array_foreach(months, i, mo)
		for (size_t c = 0; c < nc; c++)
			vals[i * 8 + c] = (double)json_integer_value(json_object_get(
			    json_object_get(mo, "incidents_by_category"), cats[c]));
	if (nc == 0) {
		/* No incidents: one empty series, so the chart still shows. */
		bars(f, "chart-incidents", "每月事件（按类别） Incidents per month by "
		    "category — 无事件 none", labels, nm, vals, 1, NULL, 1, "", 0);
	} else {
		double *packed = calloc(nm * nc + 1, sizeof(double));

		if (packed == NULL)
			goto out;
		for (i = 0; i < nm; i++)
			for (size_t c = 0; c < nc; c++)
				packed[i * nc + c] = vals[i * 8 + c];
		bars(f, "chart-incidents", "每月事件（按类别） Incidents per month "
		    "by category", labels, nm, packed, nc, cats, 0, "", 0);
		free(packed);
	}
	json_array_foreach(months, i, mo)
		vals[i] = json_number_value(json_object_get(mo, "operation_pct"));
	bars(f, "chart-operation", "每月设备正常运行比例 Operation ratio per "
	    "month (%)", labels, nm, vals, 1, NULL, 100, "%", op_target);
	json_array_foreach(months, i, mo)
		vals[i] = (double)json_integer_value(json_object_get(mo,
		    "website_days"));
	bars(f, "chart-website", "每月网站运行天数 Website running days per "
	    "month", labels, nm, vals, 1, NULL, 31, "", 0);
out:
	free(labels);
	free(vals);
}

static void
incidents(FILE *f, const json_t *doc)
{
	const json_t	*o;
	size_t		 i;
	char		 lv[32], st[64];

	fputs("<table id=\"incidents\" class=\"small\"><thead><tr><th>编号 ID</th>"
	    "<th>发现时间 Detected</th><th>类别 Category</th><th>级别 Level</th>"
	    "<th>状态 Status</th><th>资产 Asset</th><th>标题 Title</th>"
	    "<th>通知时间 Notified</th></tr></thead><tbody>\n", f);
	json_array_foreach(json_object_get(doc, "incidents"), i, o) {
		fprintf(f, "<tr><td class=\"n\">%" JSON_INTEGER_FORMAT "</td><td>",
		    json_integer_value(json_object_get(o, "id")));
		local_ms(f, json_object_get(o, "first_seen"));
		fputs("</td><td>", f);
		esc(f, str(o, "category"));
		if (*str(o, "subcategory")) {
			fputs(" / ", f);
			esc(f, str(o, "subcategory"));
		}
		fputs("</td><td class=\"level\">", f);
		esc(f, cli_level_text(json_integer_value(json_object_get(o,
		    "level")), lv, sizeof(lv)));
		fputs("</td><td class=\"status\">", f);
		esc(f, cli_status_text(str(o, "status"), st, sizeof(st)));
		fputs("</td><td>", f);
		esc(f, *str(o, "asset") ? str(o, "asset") : str(o, "agent"));
		fputs("</td><td>", f);
		esc(f, str(o, "title"));
		fputs("</td><td>", f);
		local_ms(f, json_object_get(o, "notified"));
		fputs("</td></tr>\n", f);
	}
	if (i == 0)
		fputs("<tr><td colspan=\"8\">本期无事件 no incidents in the "
		    "period</td></tr>\n", f);
	fputs("</tbody></table>\n", f);
}

static void
assessment(FILE *f, const json_t *doc)
{
	const json_t	*a = json_object_get(doc, "assessment"), *o;
	size_t		 i, n = 0;

	fputs("<table id=\"assessment\" class=\"small\"><thead><tr>"
	    "<th>目标 Target</th><th>代码 Code</th><th>严重性 Severity</th>"
	    "<th>说明 Message</th><th>最近 Last seen</th><th>次数 Count</th>"
	    "</tr></thead><tbody>\n", f);
	json_array_foreach(json_object_get(a, "findings"), i, o) {
		fputs("<tr><td>", f);
		esc(f, str(o, "target"));
		fputs("</td><td>", f);
		esc(f, str(o, "code"));
		fputs("</td><td>", f);
		esc(f, str(o, "severity"));
		fputs("</td><td>", f);
		esc(f, str(o, "message"));
		fputs("</td><td>", f);
		local_ms(f, json_object_get(o, "last_seen"));
		fprintf(f, "</td><td class=\"n\">%" JSON_INTEGER_FORMAT
		    "</td></tr>\n", json_integer_value(json_object_get(o,
		    "count")));
		n++;
	}
	json_array_foreach(json_object_get(a, "tls_reports"), i, o) {
		char txt[1024];

		cli_tls_summary(json_object_get(o, "report"), txt, sizeof(txt));
		fputs("<tr><td>", f);
		esc(f, str(o, "target"));
		fputs("</td><td>TLS 报告 report</td><td>信息 info</td>"
		    "<td class=\"small tls\">", f);
		esc(f, txt);
		fputs("</td><td>", f);
		local_ms(f, json_object_get(o, "ts"));
		fputs("</td><td class=\"n\">1</td></tr>\n", f);
		n++;
	}
	if (n == 0)
		fputs("<tr><td colspan=\"6\">无数据：本期没有 TLS 或端口检查记录 "
		    "no data: no TLS or port check in the period</td></tr>\n", f);
	fputs("</tbody></table>\n", f);
}

static void
register_(FILE *f, const json_t *doc)
{
	const json_t	*o, *p, *per = json_object_get(doc, "per_asset");
	size_t		 i, j;
	char		 buf[32];

	fputs("<table id=\"assets\" class=\"small\"><thead><tr><th>编号 ID</th>"
	    "<th>名称 Name</th><th>计划 Schedule</th><th>首次上线 First seen</th>"
	    "<th>最后在线 Last seen</th><th>运行比例 Operation</th>"
	    "<th>数据完整率 Completeness</th></tr></thead><tbody>\n", f);
	json_array_foreach(json_object_get(doc, "assets"), i, o) {
		const json_t *found = NULL, *v;

		json_array_foreach(per, j, p)
			if (strcmp(str(p, "agent"), str(o, "name")) == 0)
				found = p;
		/* Agents that never sent an inventory have no asset ID yet. */
		if (json_is_integer(json_object_get(o, "id")))
			fprintf(f, "<tr><td class=\"n\">%" JSON_INTEGER_FORMAT
			    "</td><td>", json_integer_value(json_object_get(o,
			    "id")));
		else
			fputs("<tr><td class=\"n\">—</td><td>", f);
		esc(f, str(o, "name"));
		fputs("</td><td>", f);
		/* Only managed machines have a schedule; a checked target not. */
		esc(f, strcmp(str(o, "schedule"), "always") == 0 ? "全天 always" :
		    strcmp(str(o, "schedule"), "office") == 0 ? "办公时间 office" :
		    strcmp(str(o, "kind"), "target") == 0 ? "检查目标 checked target" :
		    "—");
		cli_local_time(json_string_value(json_object_get(o, "first_seen")),
		    buf, sizeof(buf));
		fputs("</td><td>", f);
		esc(f, buf);
		cli_local_time(json_string_value(json_object_get(o, "last_seen")),
		    buf, sizeof(buf));
		fputs("</td><td>", f);
		esc(f, buf);
		v = json_object_get(found, "operation_pct");
		if (json_is_number(v))
			fprintf(f, "</td><td class=\"n\">%.2f%%", json_number_value(v));
		else
			fputs("</td><td class=\"n nodata\">无数据 no data", f);
		v = json_object_get(found, "completeness_pct");
		if (json_is_number(v))
			fprintf(f, "</td><td class=\"n\">%.2f%%", json_number_value(v));
		else
			fputs("</td><td class=\"n nodata\">无数据 no data", f);
		fputs("</td></tr>\n", f);
	}
	if (i == 0)
		fputs("<tr><td colspan=\"7\">无数据：尚无受管设备 no data: no "
		    "managed machines yet</td></tr>\n", f);
	fputs("</tbody></table>\n", f);
}

int
cli_export_html(const json_t *doc, FILE *f)
{
	const json_t	*per = json_object_get(doc, "period");
	const json_t	*inds = json_object_get(doc, "indicators"), *ind;
	size_t		 i;

	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	    "<title>项目支出绩效自评表 ", f);
	esc(f, str(per, "label"));
	fprintf(f, "</title><style>%s</style></head><body>\n", css);
	fputs("<h1>项目支出绩效自评表<br><span class=\"small\">Project expenditure "
	    "performance self-evaluation</span></h1>\n<p class=\"sub\">"
	    "网络安全监测（哨兵 Shaobing） 期间 Period: ", f);
	esc(f, str(per, "label"));
	fputs(" (", f);
	esc(f, str(per, "from"));
	fputs(" – ", f);
	esc(f, str(per, "to"));
	fputs(") · 生成 generated ", f);
	{
		char gen[32];

		cli_local_time(json_string_value(json_object_get(doc,
		    "generated")), gen, sizeof(gen));
		esc(f, gen);
	}
	fputs("</p>\n", f);
	if (json_object_get(doc, "forms") != NULL &&
	    report_forms_html(doc, f) == -1)
		return -1;
	self_eval(f, inds);
	fputs("<section><h2>指标计算方法 How each indicator is computed</h2><ol "
	    "id=\"methods\" class=\"small\">\n", f);
	json_array_foreach(inds, i, ind) {
		fputs("<li><b>", f);
		esc(f, str(ind, "name"));
		fputs(" ", f);
		esc(f, str(ind, "name_en"));
		fputs("</b>: ", f);
		esc(f, str(ind, "method"));
		if (json_is_integer(json_object_get(ind, "numerator"))) {
			fputs(" 分子 numerator = ", f);
			fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(
			    json_object_get(ind, "numerator")));
			fputs(" (", f);
			esc(f, str(ind, "numerator_label"));
			fputs(")", f);
		}
		if (json_is_integer(json_object_get(ind, "denominator"))) {
			fprintf(f, ", 分母 denominator = %" JSON_INTEGER_FORMAT " (",
			    json_integer_value(json_object_get(ind,
			    "denominator")));
			esc(f, str(ind, "denominator_label"));
			fputs(")", f);
		}
		fputs("</li>\n", f);
	}
	fputs("<li><b>数据完整率 data completeness</b>: 每台设备计划时间中收集器持有其数据"
	    "（在线或已知停机）的比例；无数据的时段既不计为在线也不计为 0。 Per machine, "
	    "the share of its scheduled time for which the collector holds its data "
	    "(up or known down); a gap is shown as no data, never as up or as zero.</li>"
	    "</ol></section>\n", f);
	fputs("<section><h2>月度图表 Monthly charts</h2>\n", f);
	charts(f, doc);
	fputs("</section>\n<section><h2>事件清单 Incident list</h2>\n", f);
	incidents(f, doc);
	fputs("</section>\n<section><h2>网站 TLS 与端口评估 Website TLS and port "
	    "assessment</h2>\n", f);
	assessment(f, doc);
	fputs("</section>\n<section><h2>资产登记 Asset register</h2>\n", f);
	register_(f, doc);
	fputs("</section>\n</body></html>\n", f);
	return ferror(f) ? -1 : 0;
}
