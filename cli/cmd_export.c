/*
 * shaobing export [PERIOD] --out DIR: the year-end export.  One request
 * to the collector (GET /api/v1/admin/indicators?detail=1) gives every
 * number; this file writes them as
 *   indicators.csv incidents.csv uptime.csv website-days.csv assets.csv
 *   tls-assessment.csv export.json report.html
 * CSV is UTF-8 with a BOM (Excel and WPS open it as UTF-8), headings in
 * Chinese with English beside.  Text cells that a spreadsheet would take
 * for a formula (= + - @ at the start) are prefixed with ' (CSV
 * injection: incident titles and finding messages come from agents).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/export.h"
#include "common/csv.h"
#include "common/targets.h"
#include "common/text.h"
#include "common/timeutil.h"

static void
export_usage(FILE *f)
{
	fprintf(f, "usage: shaobing export [--year YYYY | --quarter YYYY-Qn |\n"
	    "                       --month YYYY-MM | --from DATE --to DATE] --out DIR\n"
	    "                       [--targets FILE] [--force]\n"
	    "  Write the period's indicators and their evidence to DIR (made if\n"
	    "  missing): indicators.csv, incidents.csv, uptime.csv (per asset and\n"
	    "  month), website-days.csv (per day), assets.csv, tls-assessment.csv,\n"
	    "  export.json (all of it) and report.html (项目支出绩效自评表, printable\n"
	    "  on A4).  Default period: this year.  Files already in DIR are\n"
	    "  replaced only with --force; DIR or a file there that is not a\n"
	    "  regular file (a device, FIFO, folder, link) is refused.  Any write\n"
	    "  error is an error (exit 1) and leaves the old files as they were.\n"
	    "  --targets FILE  the year's performance targets (conf/targets.md):\n"
	    "  report.html then opens with one 项目支出绩效自评表 per project and\n"
	    "  report.xlsx holds the same forms, one sheet each.\n");
}

/* ---- CSV ---------------------------------------------------------------- */

struct csv {
	FILE	*f;
	int	 first;	/* no cell yet on this line */
};

static void
csv_sep(struct csv *c)
{
	if (!c->first)
		fputc(',', c->f);
	c->first = 0;
}

static void
csv_text(struct csv *c, const char *s)
{
	csv_sep(c);
	if (s != NULL)
		csv_cell(c->f, s);
}

static void
csv_int(struct csv *c, const json_t *v)
{
	csv_sep(c);
	if (json_is_integer(v))
		fprintf(c->f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
}

/* A number with 2 decimals; empty when null (no data). */
static void
csv_num2(struct csv *c, const json_t *v)
{
	csv_sep(c);
	if (json_is_number(v))
		fprintf(c->f, "%.2f", json_number_value(v));
}

static void
csv_hours(struct csv *c, const json_t *ms)
{
	csv_sep(c);
	if (json_is_integer(ms))
		fprintf(c->f, "%.2f", (double)json_integer_value(ms) / 3600000.0);
}

static void
csv_end(struct csv *c)
{
	fputs("\r\n", c->f);
	c->first = 1;
}

static void
csv_head(struct csv *c, const char *const *h, size_t n)
{
	fputs("\xEF\xBB\xBF", c->f);	/* BOM */
	for (size_t i = 0; i < n; i++)
		csv_text(c, h[i]);
	csv_end(c);
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* Local time of an integer ms member, "" when null. */
static void
csv_time(struct csv *c, const json_t *v)
{
	char buf[32];

	if (json_is_integer(v) && time_format_local(json_integer_value(v), buf,
	    sizeof(buf)) == 0)
		csv_text(c, buf);
	else
		csv_text(c, "");
}

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
write_indicators(struct csv *c, const json_t *doc)
{
	static const char *const h[] = {
		"一级指标 Level 1", "二级指标 Level 2", "三级指标 Indicator",
		"Indicator (English)", "目标 Target", "实际完成值 Actual",
		"分子 Numerator", "分子含义 Numerator is", "分母 Denominator",
		"分母含义 Denominator is", "达成 Met", "分值 Points", "得分 Score",
		"偏差原因分析 Deviation", "计算方法 Method",
	};
	const json_t	*ind, *cnt = json_object_get(doc, "counts"), *v;
	const char	*k;
	size_t		 i;
	char		 tg[64], ac[64], name[128];

	csv_head(c, h, NELEM(h));
	json_array_foreach(json_object_get(doc, "indicators"), i, ind) {
		cli_indicator_target(ind, tg, sizeof(tg));
		cli_indicator_actual(ind, ac, sizeof(ac));
		csv_text(c, str(ind, "level1"));
		csv_text(c, str(ind, "level2"));
		csv_text(c, str(ind, "name"));
		csv_text(c, str(ind, "name_en"));
		csv_text(c, tg);
		csv_text(c, ac);
		csv_int(c, json_object_get(ind, "numerator"));
		csv_text(c, str(ind, "numerator_label"));
		csv_int(c, json_object_get(ind, "denominator"));
		csv_text(c, str(ind, "denominator_label"));
		csv_text(c, cli_indicator_met(ind));
		csv_int(c, json_object_get(ind, "points"));
		csv_num2(c, json_object_get(ind, "score"));
		csv_text(c, str(ind, "deviation"));
		csv_text(c, str(ind, "method"));
		csv_end(c);
	}
	/* The counts behind the indicators: informational rows. */
#define INFO(label, en, value) do {					\
		csv_text(c, "统计 Counts"); csv_text(c, "");		\
		csv_text(c, label); csv_text(c, en); csv_text(c, "");	\
		csv_text(c, ""); csv_int(c, value);			\
		for (int z_ = 0; z_ < 8; z_++) csv_text(c, "");	\
		csv_end(c);						\
	} while (0)
	INFO("资产数", "assets", json_object_get(cnt, "assets"));
	INFO("本期新增资产", "assets added", json_object_get(cnt,
	    "assets_added_count"));
	INFO("受监测设备", "machines monitored", json_object_get(cnt,
	    "machines_monitored"));
	INFO("计划毫秒", "scheduled ms", json_object_get(cnt, "scheduled_ms"));
	INFO("在线毫秒", "up ms", json_object_get(cnt, "up_ms"));
	INFO("停机毫秒", "down ms", json_object_get(cnt, "down_ms"));
	INFO("无数据毫秒", "no data ms", json_object_get(cnt, "no_data_ms"));
	INFO("事件总数", "incidents", json_object_get(cnt, "incidents"));
	INFO("安全事件", "security incidents", json_object_get(cnt,
	    "security_incidents"));
	INFO("设备设施故障", "equipment faults", json_object_get(cnt,
	    "equipment_faults"));
	INFO("误报", "false positives", json_object_get(cnt,
	    "false_positives"));
	json_object_foreach((json_t *)json_object_get(cnt, "by_category"), k, v) {
		snprintf(name, sizeof(name), "事件类别 %s", k);
		INFO(name, "incidents by category", v);
	}
	json_object_foreach((json_t *)json_object_get(cnt, "by_level"), k, v) {
		snprintf(name, sizeof(name), "事件级别 %s", k);
		INFO(name, "incidents by level", v);
	}
#undef INFO
	/* Data completeness, as a percentage with its fraction. */
	csv_text(c, "统计 Counts");
	csv_text(c, "");
	csv_text(c, "数据完整率");
	csv_text(c, "data completeness");
	csv_text(c, "");
	if (json_is_number(json_object_get(cnt, "completeness_pct"))) {
		snprintf(ac, sizeof(ac), "%.2f%%", json_number_value(
		    json_object_get(cnt, "completeness_pct")));
		csv_text(c, ac);
	} else
		csv_text(c, "无数据 no data");
	csv_sep(c);
	fprintf(c->f, "%" JSON_INTEGER_FORMAT, json_integer_value(
	    json_object_get(cnt, "up_ms")) + json_integer_value(
	    json_object_get(cnt, "down_ms")));
	csv_text(c, "在线+停机毫秒 up+down ms");
	csv_int(c, json_object_get(cnt, "scheduled_ms"));
	csv_text(c, "计划毫秒 scheduled ms");
	for (int z = 0; z < 5; z++)
		csv_text(c, "");
	csv_end(c);
}

static void
write_incidents(struct csv *c, const json_t *doc)
{
	static const char *const h[] = {
		"编号 ID", "发现时间 Detected", "类别 Category", "子类 Subcategory",
		"级别 Level", "状态 Status", "资产 Asset", "标题 Title",
		"次数 Count", "通知时间 Notified", "反馈分钟 Feedback min",
		"确认时间 Acknowledged", "解决时间 Resolved", "类型 Type",
	};
	const json_t	*o;
	size_t		 i;

	csv_head(c, h, NELEM(h));
	json_array_foreach(json_object_get(doc, "incidents"), i, o) {
		const json_t *fs = json_object_get(o, "first_seen");
		const json_t *nt = json_object_get(o, "notified");

		csv_int(c, json_object_get(o, "id"));
		csv_time(c, fs);
		csv_text(c, str(o, "category"));
		csv_text(c, str(o, "subcategory"));
		csv_int(c, json_object_get(o, "level"));
		csv_text(c, str(o, "status"));
		csv_text(c, *str(o, "asset") ? str(o, "asset") : str(o, "agent"));
		csv_text(c, str(o, "title"));
		csv_int(c, json_object_get(o, "count"));
		csv_time(c, nt);
		csv_sep(c);
		if (json_is_integer(nt))
			fprintf(c->f, "%.2f", (double)(json_integer_value(nt) -
			    json_integer_value(fs)) / 60000.0);
		csv_time(c, json_object_get(o, "acknowledged"));
		csv_time(c, json_object_get(o, "resolved"));
		csv_text(c, str(o, "type"));
		csv_end(c);
	}
}

static void
write_uptime(struct csv *c, const json_t *doc)
{
	static const char *const h[] = {
		"资产 Asset", "月份 Month", "计划 Schedule", "计划小时 Scheduled h",
		"在线小时 Up h", "停机小时 Down h", "无数据小时 No data h",
		"运行比例% Operation %", "数据完整率% Completeness %",
		"计划毫秒 Scheduled ms", "在线毫秒 Up ms", "停机毫秒 Down ms",
		"无数据毫秒 No data ms", "类型 Kind",
	};
	const json_t	*o;
	size_t		 i;

	csv_head(c, h, NELEM(h));
	/* Machines with an agent ("agent") and agentless equipment (its kind). */
	json_array_foreach(json_object_get(doc, "uptime"), i, o) {
		csv_text(c, str(o, "agent"));
		csv_text(c, str(o, "month"));
		csv_text(c, str(o, "schedule"));
		csv_hours(c, json_object_get(o, "scheduled_ms"));
		csv_hours(c, json_object_get(o, "up_ms"));
		csv_hours(c, json_object_get(o, "down_ms"));
		csv_hours(c, json_object_get(o, "no_data_ms"));
		csv_num2(c, json_object_get(o, "operation_pct"));
		csv_num2(c, json_object_get(o, "completeness_pct"));
		csv_int(c, json_object_get(o, "scheduled_ms"));
		csv_int(c, json_object_get(o, "up_ms"));
		csv_int(c, json_object_get(o, "down_ms"));
		csv_int(c, json_object_get(o, "no_data_ms"));
		csv_text(c, str(o, "kind"));
		csv_end(c);
	}
}

static void
write_website(struct csv *c, const json_t *doc)
{
	static const char *const h[] = {
		"日期 Date", "检查次数 Samples", "通过次数 Passed",
		"通过率% Passed %", "运行日 Running day",
	};
	const json_t	*o, *r;
	size_t		 i;

	csv_head(c, h, NELEM(h));
	json_array_foreach(json_object_get(doc, "website_days"), i, o) {
		r = json_object_get(o, "running");
		csv_text(c, str(o, "date"));
		csv_int(c, json_object_get(o, "samples"));
		csv_int(c, json_object_get(o, "up"));
		csv_num2(c, json_object_get(o, "up_pct"));
		csv_text(c, json_is_boolean(r) ? (json_is_true(r) ? "是 yes" :
		    "否 no") : "无数据 no data");
		csv_end(c);
	}
}

/* The fixed-asset register with each machine's indicator columns. */
static void
write_assets(struct csv *c, const json_t *doc)
{
	(void)cli_assets_csv(c->f, json_object_get(doc, "assets"),
	    json_object_get(doc, "per_asset") ? json_object_get(doc,
	    "per_asset") : json_null());
}

static void
write_tls(struct csv *c, const json_t *doc)
{
	static const char *const h[] = {
		"目标 Target", "类型 Kind", "代码 Code", "严重性 Severity",
		"说明 Message", "首次 First seen", "最近 Last seen", "次数 Count",
	};
	const json_t	*a = json_object_get(doc, "assessment"), *o;
	size_t		 i;

	csv_head(c, h, NELEM(h));
	json_array_foreach(json_object_get(a, "findings"), i, o) {
		csv_text(c, str(o, "target"));
		csv_text(c, "发现 finding");
		csv_text(c, str(o, "code"));
		csv_text(c, str(o, "severity"));
		csv_text(c, str(o, "message"));
		csv_time(c, json_object_get(o, "first_seen"));
		csv_time(c, json_object_get(o, "last_seen"));
		csv_int(c, json_object_get(o, "count"));
		csv_end(c);
	}
	json_array_foreach(json_object_get(a, "tls_reports"), i, o) {
		char rep[1024];

		cli_tls_summary(json_object_get(o, "report"), rep, sizeof(rep));
		csv_text(c, str(o, "target"));
		csv_text(c, "TLS 报告 report");
		csv_text(c, "tls_report");
		csv_text(c, "info");
		csv_text(c, rep);
		csv_time(c, json_object_get(o, "ts"));
		csv_time(c, json_object_get(o, "ts"));
		csv_text(c, "1");
		csv_end(c);
	}
}

/* ---- files -------------------------------------------------------------- */

struct outfile {
	const char	*name;
	void		(*csv)(struct csv *, const json_t *);
};

/* Write DIR/name through a temporary file and rename (no half files). */
static int
write_file(const char *dir, const struct outfile *of, const json_t *doc,
    bool force, char *err, size_t errlen)
{
	char			 path[4096];
	struct cli_outfile	 o;
	struct csv		 c = { NULL, 1 };
	int			 bad;

	snprintf(path, sizeof(path), "%s/%s", dir, of->name);
	if (cli_outfile_open(&o, path, force, err, errlen) == -1)
		return -1;
	if (of->csv != NULL) {
		c.f = o.f;
		of->csv(&c, doc);
		bad = 0;
	} else if (strcmp(of->name, "export.json") == 0)
		bad = json_dumpf(doc, o.f, JSON_INDENT(1) | JSON_PRESERVE_ORDER)
		    == -1;
	else
		bad = cli_export_html(doc, o.f) == -1;
	return cli_outfile_commit(&o, bad, err, errlen);
}

static const struct outfile files[] = {
	{ "indicators.csv", write_indicators },
	{ "incidents.csv", write_incidents },
	{ "uptime.csv", write_uptime },
	{ "website-days.csv", write_website },
	{ "assets.csv", write_assets },
	{ "tls-assessment.csv", write_tls },
	{ "export.json", NULL },
	{ "report.html", NULL },
};

int
cli_export_write(const json_t *doc, const char *dir, bool force,
    FILE *progress, char *err, size_t errlen)
{
	struct stat	st;
	char		path[4096];

	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "export: %.900s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "export: %.900s exists and is not a "
		    "folder; refusing to write into it", dir);
		return -1;
	}
	for (size_t i = 0; i < NELEM(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		if (cli_outfile_check(path, force, err, errlen) == -1)
			return -1;
	}
	for (size_t i = 0; i < NELEM(files); i++) {
		if (progress != NULL)
			fprintf(progress, "\r\033[K导出 exporting [%zu/%zu] %s",
			    i + 1, NELEM(files), files[i].name);
		if (write_file(dir, &files[i], doc, force, err, errlen) == -1) {
			if (progress != NULL)
				fputc('\n', progress);
			return -1;
		}
	}
	if (progress != NULL)
		fprintf(progress, "\r\033[K");
	return (int)NELEM(files);
}

int
cli_cmd_export(struct cli *cli, int argc, char **argv)
{
	struct cli_period	 p;
	const char		*out = NULL, *tpath = NULL;
	struct targets		*tg = NULL;
	struct conf_err		 cerr;
	bool			 force = false;
	json_t			*doc = NULL;
	char			 err[1024];
	int			 r, n, rc = CLI_EXIT_FAIL, tty = isatty(2);
	int64_t			 t0 = time_mono_ms();

	memset(&p, 0, sizeof(p));
	for (int i = 1; i < argc; i++) {
		if ((r = cli_period_opt(cli, argc, argv, &i, &p)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if (strcmp(argv[i], "--force") == 0) {
			force = true;
			continue;
		}
		if ((r = cli_opt(cli, argc, argv, &i, "--out", &out)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if ((r = cli_opt(cli, argc, argv, &i, "--targets", &tpath)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			export_usage(cli->out);
			return CLI_EXIT_OK;
		}
		fprintf(cli->err, "shaobing: export: unexpected '%s'\n", argv[i]);
		export_usage(cli->err);
		return CLI_EXIT_USAGE;
	}
	if (out == NULL) {
		fprintf(cli->err, "shaobing: export: --out DIR is required\n");
		export_usage(cli->err);
		return CLI_EXIT_USAGE;
	}
	if (cli_period_resolve(cli, &p) == -1)
		return CLI_EXIT_USAGE;
	if (tpath != NULL && (tg = targets_load(tpath, &cerr)) == NULL) {
		fprintf(cli->err, "shaobing: export: %s\n", cerr.msg);
		return CLI_EXIT_USAGE;
	}
	if (tty)
		fprintf(cli->err, "导出 exporting %s..%s: 正在计算 computing "
		    "indicators at the collector...", p.from_date, p.to_date);
	if (cli_indicators_get(cli, &p, 1, &doc, err, sizeof(err)) == -1) {
		if (tty)
			fputc('\n', cli->err);
		goto fail;
	}
	if (tg != NULL) {
		json_t	*vals = NULL;
		char	 path[4200];
		int	 bad;

		snprintf(path, sizeof(path), "/api/v1/admin/report/values?"
		    "year=%d", tg->year);
		if (cli_admin_get(cli->admin, path, &vals, err, sizeof(err)) == -1)
			goto fail;
		bad = report_forms_build(doc, tg, vals, err, sizeof(err)) == -1;
		json_decref(vals);
		if (bad)
			goto fail;
		{
			const json_t	*u;
			size_t		 k;

			json_array_foreach(json_object_get(doc, "forms_unused"),
			    k, u)
				fprintf(cli->err, "shaobing: export: 注意 warning: "
				    "填报值 %s 不对应 %s 中任何填报行 the entered value "
				    "matches no entered row of the targets file; check "
				    "`shaobing report list --year %d`\n",
				    text_term(json_string_value(u)), tpath, tg->year);
		}
		/* Refuse report.xlsx before writing any file of the set. */
		snprintf(path, sizeof(path), "%.4000s/report.xlsx", out);
		if (cli_outfile_check(path, force, err, sizeof(err)) == -1)
			goto fail;
	}
	if ((n = cli_export_write(doc, out, force, tty ? cli->err : NULL, err,
	    sizeof(err))) == -1)
		goto fail;
	if (tg != NULL) {
		if (report_forms_xlsx(doc, out, force, err, sizeof(err)) == -1)
			goto fail;
		n++;
	}
	fprintf(cli->out, "导出完成 export written: %s (%d files, %s..%s, "
	    "%.1f s)\n", out, n, p.from_date, p.to_date,
	    (double)(time_mono_ms() - t0) / 1000.0);
	rc = CLI_EXIT_OK;
	goto out;
fail:
	fprintf(cli->err, "shaobing: %s\n", text_term(err));
out:
	targets_free(tg);
	json_decref(doc);
	return rc;
}
