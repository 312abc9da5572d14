/*
 * The 项目支出绩效自评表 of each budget project (财政部 format): the
 * targets file (common/targets.h) held against the period's indicator
 * document.  report_forms_build() scores every project into doc["forms"]
 * (so export.json carries the forms too); report_forms_html() prints them
 * at the top of report.html, one A4 page per project; cli/xlsx.c writes
 * the same forms as a workbook.
 *
 * Scoring (the rules the indicator table already uses): for "≥" score =
 * actual ÷ target × points, for "≤" score = target ÷ actual × points
 * (full points at 0), never more than the points.  A row that does not
 * apply in the period (a measured indicator without data, or one whose
 * year has no holiday calendar: 口径不完整) is left out and the other
 * rows are scaled to 90 (按百分制折算); the 项目资金 row holds 10.  A value
 * the office has not entered yet reads 待填报 and scores 0 until entered.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/export.h"
#include "common/taxonomy.h"
#include "common/targets.h"
#include "common/timeutil.h"

#define MS_H	3600000.0

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static double
round2(double v)
{
	return floor(v * 100.0 + 0.5) / 100.0;
}

/* The measured indicator `id` of the collector's document, or NULL. */
static const json_t *
doc_indicator(const json_t *doc, const char *id)
{
	const json_t	*o;
	size_t		 i;

	json_array_foreach(json_object_get(doc, "indicators"), i, o)
		if (strcmp(str(o, "id"), id) == 0)
			return o;
	return NULL;
}

static int
add_fact(json_t *facts, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
add_fact(json_t *facts, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_array_append_new(facts, json_string(buf));
}

static void
local_minute(const json_t *v, char *buf, size_t len)
{
	if (!json_is_integer(v) || time_format_local(json_integer_value(v), buf,
	    len) == -1)
		snprintf(buf, len, "-");
	else if (strlen(buf) > 16)
		buf[16] = '\0';	/* YYYY-MM-DD HH:MM */
}

const char *
cli_level_text(json_int_t l, char *buf, size_t len)
{
	if (l < 1 || l > 4) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%s %s", tax_level_zh((int)l),
	    tax_level_code((int)l));
	return buf;
}

const char *
cli_status_text(const char *status, char *buf, size_t len)
{
	int st = tax_status_parse(status);

	if (st == -1)
		return status ? status : "-";
	snprintf(buf, len, "%s %s", tax_status_zh(st), tax_status_en(st));
	return buf;
}

static const char *
level_text(const json_t *inc, char *buf, size_t len)
{
	return cli_level_text(json_integer_value(json_object_get(inc, "level")),
	    buf, len);
}

static int
security_incident(const json_t *inc)
{
	return strcmp(str(inc, "status"), "false_positive") != 0 &&
	    strcmp(str(inc, "category"), "DE") != 0;
}

/* The facts behind a measured indicator's value (偏差原因). */
static int
measured_facts(const json_t *doc, int measure, double target, json_t *facts)
{
	const json_t	*o;
	size_t		 i, n = 0;
	char		 t[32], lv[32];

	switch (measure) {
	case MEASURE_OPERATION:
		/* Each machine short of its schedule, for the whole period... */
		json_array_foreach(json_object_get(doc, "per_asset"), i, o) {
			json_int_t d = json_integer_value(json_object_get(o,
			    "down_ms"));
			json_int_t nd = json_integer_value(json_object_get(o,
			    "no_data_ms"));
			const json_t *op = json_object_get(o, "operation_pct");
			char pct[32];

			if ((d <= 0 && nd <= 0) || n++ >= 12)
				continue;
			if (json_is_number(op))
				snprintf(pct, sizeof(pct), "%.2f%%",
				    json_number_value(op));
			else
				snprintf(pct, sizeof(pct), "无数据 no data");
			if (add_fact(facts, "%s：运行 %s，停机 %.2f 小时 down，"
			    "无数据 %.2f 小时 no data（计划 %.2f 小时 scheduled）",
			    json_object_get(o, "agent") ? str(o, "agent") :
			    str(o, "device"), pct, (double)d / MS_H,
			    (double)nd / MS_H, (double)json_integer_value(
			    json_object_get(o, "scheduled_ms")) / MS_H) == -1)
				return -1;
		}
		/* ...and the months in which one was known down. */
		json_array_foreach(json_object_get(doc, "uptime"), i, o) {
			json_int_t d = json_integer_value(json_object_get(o,
			    "down_ms"));

			if (d <= 0 || n++ >= 24)
				continue;
			if (add_fact(facts, "%s %s：停机 %.2f 小时 down",
			    json_object_get(o, "agent") ? str(o, "agent") :
			    str(o, "device"), str(o, "month"),
			    (double)d / MS_H) == -1)
				return -1;
		}
		break;
	case MEASURE_WEBSITE_DAYS: {
		size_t nodata = 0;
		char first[16] = "";

		json_array_foreach(json_object_get(doc, "website_days"), i, o) {
			const json_t *r = json_object_get(o, "running");

			if (json_is_null(r)) {
				if (nodata++ == 0)
					snprintf(first, sizeof(first), "%s",
					    str(o, "date"));
				continue;
			}
			if (json_is_true(r) || n++ >= 12)
				continue;
			if (add_fact(facts, "%s：检查 %" JSON_INTEGER_FORMAT
			    " 次，通过 %" JSON_INTEGER_FORMAT " 次 (%.2f%%)，"
			    "未达日运行标准 checks failed", str(o, "date"),
			    json_integer_value(json_object_get(o, "samples")),
			    json_integer_value(json_object_get(o, "up")),
			    json_number_value(json_object_get(o, "up_pct"))) == -1)
				return -1;
		}
		if (nodata > 0 && add_fact(facts, "无检查数据 %zu 天 days without "
		    "checks（自 %s 起 from）", nodata, first) == -1)
			return -1;
		break;
	}
	case MEASURE_FEEDBACK:
	case MEASURE_EVENT_RATE:
		json_array_foreach(json_object_get(doc, "incidents"), i, o) {
			const json_t	*nt = json_object_get(o, "notified");
			json_int_t	 fs = json_integer_value(json_object_get(o,
					    "first_seen"));
			double		 min;

			if (!security_incident(o) && !(measure ==
			    MEASURE_FEEDBACK && strcmp(str(o, "category"),
			    "DE") == 0))
				continue;
			local_minute(json_object_get(o, "first_seen"), t,
			    sizeof(t));
			level_text(o, lv, sizeof(lv));
			if (measure == MEASURE_EVENT_RATE) {
				if (n++ >= 12)
					continue;
				if (add_fact(facts, "事件 #%" JSON_INTEGER_FORMAT
				    " %s %s %s %s：%s", json_integer_value(
				    json_object_get(o, "id")), str(o, "category"),
				    lv, str(o, "asset"), t, str(o, "title")) == -1)
					return -1;
				continue;
			}
			if (!json_is_integer(nt)) {
				if (add_fact(facts, "事件 #%" JSON_INTEGER_FORMAT
				    " %s %s %s %s：未通报 never notified",
				    json_integer_value(json_object_get(o, "id")),
				    str(o, "category"), lv, str(o, "asset"),
				    t) == -1)
					return -1;
				continue;
			}
			min = (double)(json_integer_value(nt) - fs) / 60000.0;
			if (min <= target || n++ >= 12)
				continue;
			if (add_fact(facts, "事件 #%" JSON_INTEGER_FORMAT " %s %s "
			    "%s %s：反馈 %.1f 分钟 feedback took %.1f min",
			    json_integer_value(json_object_get(o, "id")),
			    str(o, "category"), lv, str(o, "asset"), t, min,
			    min) == -1)
				return -1;
		}
		break;
	case MEASURE_ASSESSMENT:
		if (json_array_size(json_object_get(json_object_get(doc,
		    "assessment"), "tls_reports")) == 0 &&
		    add_fact(facts, "本期无 TLS 评估记录 no TLS assessment in "
		    "the period") == -1)
			return -1;
		break;
	default:
		break;
	}
	return 0;
}

/*
 * Register measures: managed office machines (desktops) with a
 * purchase_date in `year`.  *count, *last_month (0: none), facts get
 * "NAME (DATE)".
 */
static int
register_value(const json_t *doc, int year, int *count, int *last_month,
    json_t *facts)
{
	const json_t	*o;
	size_t		 i;
	char		 y[8];

	*count = 0;
	*last_month = 0;
	snprintf(y, sizeof(y), "%04d-", year);
	json_array_foreach(json_object_get(doc, "assets"), i, o) {
		const char	*pd = str(o, "purchase_date");
		int		 m;

		if (strcmp(str(o, "schedule"), "office") != 0 ||
		    strlen(pd) != 10 || strncmp(pd, y, 5) != 0)
			continue;
		m = (pd[5] - '0') * 10 + (pd[6] - '0');
		(*count)++;
		if (m > *last_month)
			*last_month = m;
		if (add_fact(facts, "%s（购置 purchased %s）", json_object_get(o,
		    "agent") ? str(o, "agent") : str(o, "name"), pd) == -1)
			return -1;
	}
	return 0;
}

/* Ratio of actual against target under op, in 0..1. */
static double
ratio(int op, double target, double actual)
{
	double r;

	if (op == TARGET_LE)
		r = actual <= 0 ? 1.0 : target / actual;
	else
		r = target <= 0 ? 1.0 : actual / target;
	if (r > 1.0)
		r = 1.0;
	if (r < 0)
		r = 0;
	return r;
}

static void
num_text(double v, const char *unit, char *buf, size_t len)
{
	if (strcmp(unit, "%") == 0)
		snprintf(buf, len, "%.2f%%", v);
	else if (v == floor(v) && fabs(v) < 1e9)
		snprintf(buf, len, "%.0f %s", v, unit);
	else
		snprintf(buf, len, "%.2f %s", v, unit);
}

/* The value the office entered for project/indicator, or NULL. */
static const json_t *
entered(const json_t *vals, const char *project, const char *indicator)
{
	const json_t	*o;
	size_t		 i;

	json_array_foreach(json_object_get(vals, "values"), i, o)
		if (strcmp(str(o, "project"), project) == 0 &&
		    strcmp(str(o, "indicator"), indicator) == 0 &&
		    json_is_number(json_object_get(o, "value")))
			return o;
	return NULL;
}

/* One row; *applies tells the caller whether it counts for scaling. */
static json_t *
form_row(const json_t *doc, const json_t *vals, int year,
    const struct target_project *p, const struct target_ind *ind,
    int *applies, double *actual_out, int *has_actual)
{
	const json_t	*ev;
	json_t		*facts = json_array(), *row = NULL;
	const json_t	*m = NULL;
	const char	*status = "scored", *note = "";
	char		 tg[64], ac[96] = "", nd[128] = "";
	double		 actual = 0;
	int		 have = 0, cnt, last;

	if (facts == NULL)
		return NULL;
	*applies = 1;
	snprintf(tg, sizeof(tg), "%s ", target_op_text(ind->op));
	num_text(ind->target, ind->unit, tg + strlen(tg), sizeof(tg) -
	    strlen(tg));
	switch (ind->source) {
	case TARGET_MEASURED:
		m = doc_indicator(doc, target_measure_name(ind->measure));
		if (m == NULL || json_is_true(json_object_get(m, "no_data"))) {
			status = "not_applicable";
			note = "本期无数据，不适用，按百分制折算 no data in the "
			    "period: not applicable, the rest scaled to 100";
			*applies = 0;
			break;
		}
		if (json_is_true(json_object_get(m, "incomplete"))) {
			status = "incomplete";
			note = str(m, "deviation");
			*applies = 0;
		}
		actual = json_number_value(json_object_get(m, "actual"));
		have = 1;
		cli_indicator_fraction(m, nd, sizeof(nd));
		if (measured_facts(doc, ind->measure, ind->target, facts) == -1)
			goto nomem;
		break;
	case TARGET_REGISTER:
		if (register_value(doc, year, &cnt, &last, facts) == -1)
			goto nomem;
		if (ind->measure == MEASURE_DESKTOPS_PURCHASED) {
			actual = cnt;
			have = 1;
			snprintf(nd, sizeof(nd), "%d 台 desktops", cnt);
		} else if (last == 0) {
			status = "not_applicable";
			note = "本年无购置记录，不适用 no purchase in the year: not "
			    "applicable";
			*applies = 0;
		} else {
			actual = last;
			have = 1;
			snprintf(nd, sizeof(nd), "%d 台，最后购置于 %d 月 last "
			    "purchase in month %d", cnt, last, last);
		}
		break;
	default:
		if ((ev = entered(vals, p->id, ind->id)) == NULL) {
			status = "not_entered";
			note = "待填报 not entered yet (shaobing report set)";
			break;
		}
		actual = json_number_value(json_object_get(ev, "value"));
		have = 1;
		{
			char at[32];

			cli_local_time(str(ev, "at"), at, sizeof(at));
			snprintf(nd, sizeof(nd), "%s%s%s %s", str(ev, "note"),
			    *str(ev, "note") ? " · " : "", str(ev, "by"), at);
		}
		break;
	}
	if (have)
		num_text(actual, ind->unit, ac, sizeof(ac));
	*actual_out = actual;
	*has_actual = have && strcmp(status, "scored") == 0;
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:f, s:s, "
	    "s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:s}",
	    "id", ind->id, "level1", ind->level1, "level2", ind->level2,
	    "name", ind->name, "description", ind->description,
	    "op", ind->op == TARGET_LE ? "<=" : ">=", "target", ind->target,
	    "unit", ind->unit, "points", ind->points, "target_text", tg,
	    "source", ind->source == TARGET_MEASURED ? "measured" :
	    ind->source == TARGET_REGISTER ? "register" : "entered",
	    "source_text", target_source_text(ind->source),
	    "actual", have ? json_real(round2(actual)) : json_null(),
	    "actual_text", have ? ac : "待填报 not entered",
	    "num_den", nd, "status", status, "note", note, "facts", facts,
	    "remedy", "");
	if (row == NULL)
		goto nomem;
	if (!have && ind->source == TARGET_MEASURED &&
	    json_object_set_new(row, "actual_text",
	    json_string("不适用 not applicable")) == -1) {
		json_decref(row);
		return NULL;
	}
	return row;
nomem:
	json_decref(facts);
	return NULL;
}

static json_t *
form_build(const json_t *doc, const json_t *vals, const struct targets *t,
    const struct target_project *p)
{
	const json_t	*bv = entered(vals, p->id, "budget");
	double		 rate = 0, bscore = 0;
	json_t	*rows = json_array(), *form = NULL, *r;
	double	 applied = 0, total = 0, factor = 1, act[TARGETS_IND_MAX];
	int	 ap[TARGETS_IND_MAX], has[TARGETS_IND_MAX], met = 0, scored = 0;
	char	 result[1024], concl[256];
	size_t	 i;

	if (rows == NULL)
		return NULL;
	for (i = 0; i < p->nind; i++) {
		if ((r = form_row(doc, vals, t->year, p, &p->ind[i], &ap[i],
		    &act[i], &has[i])) == NULL ||
		    json_array_append_new(rows, r) == -1)
			goto fail;
		if (ap[i])
			applied += p->ind[i].points;
	}
	if (applied > 0)
		factor = TARGETS_IND_POINTS / applied;
	json_array_foreach(rows, i, r) {
		const struct target_ind *ind = &p->ind[i];
		double pts = ap[i] ? ind->points * factor : 0, sc = 0;
		int ok = 0;
		char dev[256];

		if (has[i]) {
			ok = ind->op == TARGET_LE ? act[i] <= ind->target :
			    act[i] >= ind->target;
			sc = round2(ratio(ind->op, ind->target, act[i]) * pts);
			scored++;
			met += ok;
		}
		total += sc;
		/* Facts stand behind deviations; a met target needs none. */
		if (ok)
			json_array_clear(json_object_get(r, "facts"));
		if (!has[i])
			snprintf(dev, sizeof(dev), "%s", str(r, "note"));
		else if (ok)
			snprintf(dev, sizeof(dev), "已达成 target met");
		else
			snprintf(dev, sizeof(dev), "未达成 target not met%s",
			    json_array_size(json_object_get(r, "facts")) > 0 ?
			    "：见下列事实 see the facts" : "");
		if (json_object_set_new(r, "scaled_points",
		    json_real(round2(pts))) == -1 ||
		    json_object_set_new(r, "score", ap[i] ? json_real(sc) :
		    json_null()) == -1 ||
		    json_object_set_new(r, "met", has[i] ? json_boolean(ok) :
		    json_null()) == -1 ||
		    json_object_set_new(r, "deviation", json_string(dev)) == -1)
			goto fail;
	}
	/* 项目资金: 执行率 = 全年执行数 ÷ 全年预算数, 得分 = 执行率 × 10. */
	if (bv != NULL) {
		rate = json_number_value(json_object_get(bv, "value")) * 100.0 /
		    p->budget_full;
		bscore = round2((rate > 100 ? 100 : rate < 0 ? 0 : rate) / 10.0);
		total += bscore;
	}
	/* 评价结论: the score and its grade (优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差),
	   provisional while values are still to be entered. */
	{
		int	 pending = bv == NULL;
		double	 tt = round2(total);

		for (i = 0; i < p->nind; i++)
			pending += ap[i] && !has[i];
		snprintf(concl, sizeof(concl), "自评得分 %.2f 分（满分 100），等级："
		    "%s", tt, tt >= 90 ? "优" : tt >= 80 ? "良" : tt >= 60 ?
		    "中" : "差");
		if (pending > 0)
			snprintf(concl + strlen(concl), sizeof(concl) -
			    strlen(concl), "；尚有 %d 项待填报，得分未定 "
			    "(%d values still to be entered)", pending, pending);
	}
	snprintf(result, sizeof(result), "已评价 %d 项指标，达成 %d 项；%zu 项"
	    "待填报或不适用。 %d indicators scored, %d met.", scored, met,
	    p->nind - (size_t)scored, scored, met);
	form = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, "
	    "s:{s:f, s:f, s:f, s:f, s:f, s:o, s:o, s:i, s:o}, "
	    "s:s, s:s, s:o, s:f, s:b, s:f, s:s, s:s, s:s}",
	    "id", p->id, "code", p->code, "name", p->name,
	    "department", p->department, "implementer", p->implementer,
	    "unit", t->unit, "year", t->year,
	    "budget", "initial", p->budget_initial, "full", p->budget_full,
	    "fiscal", p->fiscal, "carryover", p->carryover, "other", p->other,
	    "executed", bv ? json_real(json_number_value(json_object_get(bv,
	    "value"))) : json_null(),
	    "rate", bv ? json_real(round2(rate)) : json_null(),
	    "points", 10, "score", bv ? json_real(bscore) : json_null(),
	    "goal", p->goal, "result", result, "rows", rows,
	    "total", round2(total), "scaled", applied < TARGETS_IND_POINTS - 0.005,
	    "scale_factor", round2(factor * 10000) / 10000,
	    "conclusion", concl, "problems", "", "measures", "");
	return form;
fail:
	json_decref(rows);
	return NULL;
}

int
report_forms_build(json_t *doc, const struct targets *t, const json_t *vals,
    char *err, size_t errlen)
{
	json_t		*forms = json_array(), *f;
	const char	*from = str(json_object_get(doc, "period"), "from");

	int		 y = 0;

	for (int k = 0; k < 4; k++)
		y = from[k] >= '0' && from[k] <= '9' && y >= 0 ?
		    y * 10 + (from[k] - '0') : -1;
	if (y != t->year) {
		snprintf(err, errlen, "%s: the targets are for %d, the period "
		    "starts %s", t->path, t->year, from);
		json_decref(forms);
		return -1;
	}
	if (forms == NULL)
		goto nomem;
	for (size_t i = 0; i < t->nproj; i++)
		if ((f = form_build(doc, vals, t, &t->proj[i])) == NULL ||
		    json_array_append_new(forms, f) == -1)
			goto nomem;
	if (json_object_set_new(doc, "forms", forms) == -1) {
		forms = NULL;
		goto nomem;
	}
	/* Entered values no form row takes (a typo in `report set`). */
	{
		json_t		*unused = json_array();
		const json_t	*o;
		size_t		 i;

		if (unused == NULL || json_object_set_new(doc, "forms_unused",
		    unused) == -1)
			goto nomem_doc;
		json_array_foreach(json_object_get(vals, "values"), i, o) {
			const struct target_project *p = targets_project(t,
			    str(o, "project"));
			const struct target_ind *ind = p ? targets_indicator(p,
			    str(o, "indicator")) : NULL;
			char what[160];

			if (p != NULL && (strcmp(str(o, "indicator"), "budget") ==
			    0 || (ind != NULL && ind->source == TARGET_ENTERED)))
				continue;
			snprintf(what, sizeof(what), "%s %s", str(o, "project"),
			    str(o, "indicator"));
			if (json_array_append_new(unused, json_string(what)) == -1)
				goto nomem_doc;
		}
	}
	return 0;
nomem_doc:
	snprintf(err, errlen, "building the forms: out of memory");
	return -1;
nomem:
	json_decref(forms);
	snprintf(err, errlen, "building the forms: out of memory");
	return -1;
}

/* ---- report.html --------------------------------------------------------- */

static const char form_css[] =
    ".form{break-after:page;page-break-after:always}"
    ".form table{width:100%;border-collapse:collapse;margin:0 0 4pt}"
    ".form table.ind{table-layout:fixed}"
    ".form table.ind td{overflow-wrap:anywhere}"
    ".form td.actual{white-space:normal}"
    ".form table.close th{width:14%}"
    ".form table.sign th{width:13%}.form table.sign td{width:12%}"
    ".form td,.form th{border:1px solid #000;padding:2pt 3pt;font-size:9pt;"
    "vertical-align:middle}"
    ".form th{background:#eee;font-weight:bold}"
    ".form .n{text-align:right;white-space:nowrap}"
    ".form h2{text-align:center;font-size:15pt;margin:0 0 2pt}"
    ".form .facts{margin:0;padding-left:12pt;font-size:8pt}"
    ".form .remedy{min-height:14pt;border-bottom:1px dotted #888}"
    ".form .sign td{height:20pt}"
    "@media print{.form{margin:0}}";

static void
cell(FILE *f, const char *tag, const char *cls, const char *attr,
    const char *text)
{
	fprintf(f, "<%s%s%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "",
	    cls ? "\"" : "", attr ? " " : "", attr ? attr : "");
	cli_html_esc(f, text);
	fprintf(f, "</%s>", tag);
}

static void
money(FILE *f, const char *cls, const json_t *v)
{
	char buf[32];

	if (json_is_number(v))
		snprintf(buf, sizeof(buf), "%.2f", json_number_value(v));
	else
		snprintf(buf, sizeof(buf), "待填报");
	cell(f, "td", cls, NULL, buf);
}

static void
budget_html(FILE *f, const json_t *b)
{
	static const struct {
		const char *label, *key, *id;
	} src[] = {
		{ "其中：本年财政拨款", "fiscal", "fiscal" },
		{ "上年结转资金", "carryover", "carryover" },
		{ "其他资金", "other", "other" },
	};

	fputs("<table class=\"budget\"><tr><th rowspan=\"5\">项目资金<br>（万元）</th>"
	    "<th></th><th>年初预算数</th><th>全年预算数</th><th>全年执行数</th>"
	    "<th>分值</th><th>执行率</th><th>得分</th></tr>\n"
	    "<tr data-id=\"budget-total\"><td>年度资金总额</td>", f);
	money(f, "n initial", json_object_get(b, "initial"));
	money(f, "n full", json_object_get(b, "full"));
	money(f, "n executed", json_object_get(b, "executed"));
	fprintf(f, "<td class=\"n points\">%" JSON_INTEGER_FORMAT "</td>",
	    json_integer_value(json_object_get(b, "points")));
	money(f, "n rate", json_object_get(b, "rate"));
	money(f, "n score", json_object_get(b, "score"));
	fputs("</tr>\n", f);
	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		fprintf(f, "<tr data-id=\"budget-%s\"><td>%s</td><td class=\"n\">"
		    "—</td>", src[i].id, src[i].label);
		money(f, "n full", json_object_get(b, src[i].key));
		fputs("<td class=\"n\">—</td><td>—</td><td>—</td><td>—</td></tr>\n",
		    f);
	}
	fputs("</table>\n", f);
}

/* <td class=cls>text<br><span class=cls2>small</span></td> (no span if ""). */
static void
two_lines(FILE *f, const char *cls, const char *text, const char *cls2,
    const char *small)
{
	fprintf(f, "<td class=\"%s\">", cls);
	cli_html_esc(f, text);
	if (*small) {
		fprintf(f, "<br><span class=\"%s\">", cls2);
		cli_html_esc(f, small);
		fputs("</span>", f);
	}
	fputs("</td>", f);
}

static void
rows_html(FILE *f, const json_t *rows)
{
	const json_t	*r, *fact;
	size_t		 i, k, n = json_array_size(rows);
	char		 buf[64];

	fputs("<table class=\"ind\"><colgroup><col style=\"width:5%\">"
	    "<col style=\"width:7%\"><col style=\"width:17%\">"
	    "<col style=\"width:9%\"><col style=\"width:13%\">"
	    "<col style=\"width:6%\"><col style=\"width:6%\">"
	    "<col style=\"width:6%\"><col style=\"width:31%\"></colgroup>"
	    "<tr><th>一级指标</th><th>二级指标</th>"
	    "<th>三级指标</th><th>年度指标值</th><th>实际完成值</th><th>来源</th>"
	    "<th>分值</th><th>得分</th><th>偏差原因分析及改进措施</th></tr>\n", f);
	for (i = 0; i < n; i++) {
		size_t span1 = 0, span2 = 0;

		r = json_array_get(rows, i);
		for (k = i; k < n && strcmp(str(json_array_get(rows, k),
		    "level1"), str(r, "level1")) == 0; k++)
			span1++;
		for (k = i; k < n && strcmp(str(json_array_get(rows, k),
		    "level1"), str(r, "level1")) == 0 && strcmp(str(
		    json_array_get(rows, k), "level2"), str(r, "level2")) == 0;
		    k++)
			span2++;
		fprintf(f, "<tr data-id=\"%s\" data-status=\"%s\">", str(r, "id"),
		    str(r, "status"));
		if (i == 0 || strcmp(str(json_array_get(rows, i - 1), "level1"),
		    str(r, "level1")) != 0) {
			snprintf(buf, sizeof(buf), "rowspan=\"%zu\"", span1);
			cell(f, "td", "l1", buf, str(r, "level1"));
		}
		if (i == 0 || strcmp(str(json_array_get(rows, i - 1), "level1"),
		    str(r, "level1")) != 0 || strcmp(str(json_array_get(rows,
		    i - 1), "level2"), str(r, "level2")) != 0) {
			snprintf(buf, sizeof(buf), "rowspan=\"%zu\"", span2);
			cell(f, "td", "l2", buf, str(r, "level2"));
		}
		two_lines(f, "name", str(r, "name"), "small",
		    str(r, "description"));
		cell(f, "td", "n target", NULL, str(r, "target_text"));
		two_lines(f, "n actual", str(r, "actual_text"), "small numden",
		    str(r, "num_den"));
		cell(f, "td", "source", NULL, str(r, "source_text"));
		snprintf(buf, sizeof(buf), "%.2f", json_number_value(
		    json_object_get(r, "scaled_points")));
		cell(f, "td", "n points", NULL, json_is_null(json_object_get(r,
		    "score")) ? "—" : buf);
		if (json_is_number(json_object_get(r, "score")))
			snprintf(buf, sizeof(buf), "%.2f", json_number_value(
			    json_object_get(r, "score")));
		else
			snprintf(buf, sizeof(buf), "—");
		cell(f, "td", "n score", NULL, buf);
		fputs("<td class=\"deviation small\">", f);
		cli_html_esc(f, str(r, "deviation"));
		if (json_array_size(json_object_get(r, "facts")) > 0) {
			fputs("<ul class=\"facts\">", f);
			json_array_foreach(json_object_get(r, "facts"), k, fact) {
				fputs("<li>", f);
				cli_html_esc(f, json_string_value(fact));
				fputs("</li>", f);
			}
			fputs("</ul>", f);
		}
		fputs("<div class=\"remedy\">改进措施 remedy: </div></td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

int
report_forms_html(const json_t *doc, FILE *f)
{
	const json_t	*form;
	size_t		 i;
	char		 buf[64];

	fprintf(f, "<style>%s</style>\n", form_css);
	json_array_foreach(json_object_get(doc, "forms"), i, form) {
		const json_t *b = json_object_get(form, "budget");
		double total = json_number_value(json_object_get(form, "total"));

		fprintf(f, "<section class=\"form\" data-project=\"%s\">"
		    "<h2>项目支出绩效自评表</h2>\n<p class=\"sub\">（%d 年度）"
		    "填报单位：", str(form, "id"), (int)json_integer_value(
		    json_object_get(form, "year")));
		cli_html_esc(f, str(form, "unit"));
		fputs("</p>\n<table class=\"head\"><tr><th>项目名称</th>", f);
		cell(f, "td", "pname", "colspan=\"3\"", str(form, "name"));
		fputs("<th>项目编码</th>", f);
		cell(f, "td", "pcode", NULL, str(form, "code"));
		fputs("</tr>\n<tr><th>主管部门</th>", f);
		cell(f, "td", "dept", "colspan=\"3\"", str(form, "department"));
		fputs("<th>实施单位</th>", f);
		cell(f, "td", "impl", NULL, str(form, "implementer"));
		fputs("</tr></table>\n", f);
		budget_html(f, b);
		fputs("<table class=\"goal\"><tr><th rowspan=\"2\">年度总体目标"
		    "</th><th>预期目标</th><th>实际完成情况</th></tr>\n<tr>", f);
		cell(f, "td", "expected", NULL, str(form, "goal"));
		cell(f, "td", "achieved", NULL, str(form, "result"));
		fputs("</tr></table>\n", f);
		rows_html(f, json_object_get(form, "rows"));
		snprintf(buf, sizeof(buf), "%.2f", total);
		fputs("<table class=\"total\"><tr><th>总分</th><td class=\"n\">100"
		    "</td>", f);
		cell(f, "td", "n total", NULL, buf);
		fputs(json_is_true(json_object_get(form, "scaled")) ?
		    "<td class=\"small\">部分指标不适用，其余按百分制折算 "
		    "indicators that do not apply are left out, the rest "
		    "scaled to 100</td>" : "<td></td>", f);
		fputs("</tr></table>\n<table class=\"close\">"
		    "<tr><th>评价结论</th>", f);
		cell(f, "td", "conclusion", NULL, str(form, "conclusion"));
		fputs("</tr><tr><th>存在问题</th><td class=\"problems\"></td></tr>"
		    "<tr><th>改进措施</th><td class=\"measures\"></td></tr></table>\n"
		    "<table class=\"sign\"><tr><th>项目负责人</th><td></td>"
		    "<th>财务负责人</th><td></td><th>填报人</th><td></td>"
		    "<th>填报日期</th><td></td></tr></table></section>\n", f);
	}
	return ferror(f) ? -1 : 0;
}
