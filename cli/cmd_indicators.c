/*
 * shaobing indicators [--year Y | --quarter Y-Qn | --month Y-MM |
 *                      --from D --to D] [--json]
 * The period's indicators from GET /api/v1/admin/indicators: indicator,
 * target, actual (with numerator and denominator), met or not.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/export.h"
#include "common/text.h"
#include "common/timeutil.h"

static void
indicators_usage(FILE *f)
{
	fprintf(f, "usage: shaobing indicators [--year YYYY | --quarter YYYY-Qn |\n"
	    "                           --month YYYY-MM | --from DATE --to DATE] [--json]\n"
	    "  The year-end indicators 绩效指标 of a period (default: this year):\n"
	    "  indicator, target, actual with numerator/denominator, met or not.\n"
	    "  Periods are local dates; --from/--to are inclusive.\n");
}

int
cli_period_opt(struct cli *cli, int argc, char **argv, int *i,
    struct cli_period *p)
{
	static const char *const names[] = { "--year", "--quarter", "--month",
					     "--from", "--to" };
	const char	**slots[] = { &p->year, &p->quarter, &p->month,
			    &p->from, &p->to };
	int		  r;

	for (size_t k = 0; k < 5; k++) {
		if ((r = cli_opt(cli, argc, argv, i, names[k], slots[k])) != 0)
			return r;
	}
	return 0;
}

static int
digits(const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (s[k] < '0' || s[k] > '9')
			return 0;
	return 1;
}

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int
cli_period_resolve(struct cli *cli, struct cli_period *p)
{
	int y = 0, m = 0, q = 0;

	if ((p->from == NULL) != (p->to == NULL)) {
		fprintf(cli->err, "shaobing: give --from and --to together\n");
		return -1;
	}
	if (p->from != NULL) {
		if (p->year || p->quarter || p->month) {
			fprintf(cli->err, "shaobing: --from/--to cannot be "
			    "combined with --year, --quarter or --month\n");
			return -1;
		}
		snprintf(p->from_date, sizeof(p->from_date), "%.10s", p->from);
		snprintf(p->to_date, sizeof(p->to_date), "%.10s", p->to);
		return 0;	/* the collector checks the dates */
	}
	if (p->month != NULL) {
		if (p->year || p->quarter || strlen(p->month) != 7 ||
		    !digits(p->month, 4) || p->month[4] != '-' ||
		    !digits(p->month + 5, 2)) {
			fprintf(cli->err, "shaobing: --month: expected YYYY-MM "
			    "(e.g. 2026-11), alone\n");
			return -1;
		}
		y = (int)strtol(p->month, NULL, 10);
		m = (int)strtol(p->month + 5, NULL, 10);
		if (m < 1 || m > 12) {
			fprintf(cli->err, "shaobing: --month: no month %02d\n", m);
			return -1;
		}
		snprintf(p->from_date, sizeof(p->from_date), "%04d-%02d-01", y, m);
		snprintf(p->to_date, sizeof(p->to_date), "%04d-%02d-%02d", y, m,
		    days_in_month(y, m));
		return 0;
	}
	if (p->year != NULL) {
		if (strlen(p->year) != 4 || !digits(p->year, 4)) {
			fprintf(cli->err, "shaobing: --year: expected YYYY\n");
			return -1;
		}
		y = (int)strtol(p->year, NULL, 10);
	} else {
		int		yy;
		unsigned	mm, dd;
		int64_t		now = time_now_ms();
		char		today[16];

		if (time_format_local_date(now, today, sizeof(today)) == -1)
			time_civil_from_days(now / 86400000, &yy, &mm, &dd);
		else
			yy = (int)strtol(today, NULL, 10);
		y = yy;
	}
	if (p->quarter != NULL) {
		const char *s = p->quarter;

		if (strlen(s) == 7 && digits(s, 4) && s[4] == '-' &&
		    (s[5] == 'Q' || s[5] == 'q') && s[6] >= '1' && s[6] <= '4' &&
		    p->year == NULL) {
			y = (int)strtol(s, NULL, 10);
			q = s[6] - '0';
		} else if (strlen(s) == 1 && s[0] >= '1' && s[0] <= '4')
			q = s[0] - '0';
		else {
			fprintf(cli->err, "shaobing: --quarter: expected YYYY-Qn "
			    "(e.g. 2026-Q4), or n with --year\n");
			return -1;
		}
		snprintf(p->from_date, sizeof(p->from_date), "%04d-%02d-01", y,
		    (q - 1) * 3 + 1);
		snprintf(p->to_date, sizeof(p->to_date), "%04d-%02d-%02d", y,
		    q * 3, days_in_month(y, q * 3));
		return 0;
	}
	snprintf(p->from_date, sizeof(p->from_date), "%04d-01-01", y);
	snprintf(p->to_date, sizeof(p->to_date), "%04d-12-31", y);
	return 0;
}

int
cli_indicators_get(struct cli *cli, const struct cli_period *p, int detail,
    json_t **doc, char *err, size_t errlen)
{
	char	path[160];
	char	*f = cli_url_escape(p->from_date), *t = cli_url_escape(p->to_date);
	int	rc = -1;

	if (f == NULL || t == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "/api/v1/admin/indicators?from=%s&to=%s"
	    "&detail=%d", f, t, detail);
	rc = cli_admin_get(cli->admin, path, doc, err, errlen);
	if (rc == 0 && !json_is_array(json_object_get(*doc, "indicators"))) {
		snprintf(err, errlen, "unexpected answer from the admin API: no "
		    "\"indicators\" array");
		json_decref(*doc);
		*doc = NULL;
		rc = -1;
	}
out:
	free(f);
	free(t);
	return rc;
}

static const char *
unit_of(const json_t *ind)
{
	const char *u = json_string_value(json_object_get(ind, "unit"));

	return u ? u : "";
}

void
cli_indicator_target(const json_t *ind, char *buf, size_t len)
{
	const char	*op = json_string_value(json_object_get(ind, "op"));
	double		 t = json_number_value(json_object_get(ind, "target"));
	const char	*u = unit_of(ind);

	snprintf(buf, len, "%s %g%s%s", op && strcmp(op, "<=") == 0 ? "≤" : "≥",
	    t, strcmp(u, "%") == 0 ? "" : " ", u);
}

void
cli_indicator_actual(const json_t *ind, char *buf, size_t len)
{
	const json_t	*a = json_object_get(ind, "actual");
	const char	*u = unit_of(ind);
	const char	*inc = json_is_true(json_object_get(ind, "incomplete")) ?
			    "口径不完整 incomplete: " : "";

	if (!json_is_number(a)) {
		snprintf(buf, len, "无数据 no data");
		return;
	}
	if (strcmp(u, "%") == 0)
		snprintf(buf, len, "%s%.2f%%", inc, json_number_value(a));
	else if (strncmp(u, "天", strlen("天")) == 0 || strncmp(u, "次",
	    strlen("次")) == 0)
		snprintf(buf, len, "%s%.0f %s", inc, json_number_value(a), u);
	else
		snprintf(buf, len, "%s%.2f %s", inc, json_number_value(a), u);
}

const char *
cli_indicator_met(const json_t *ind)
{
	const json_t *met = json_object_get(ind, "met");

	if (json_is_boolean(met))
		return json_is_true(met) ? "是 yes" : "否 no";
	if (json_is_true(json_object_get(ind, "incomplete")))
		return "口径不完整 incomplete";
	return "无数据 no data";
}

static int
label_ms(const json_t *ind, const char *key)
{
	const char *l = json_string_value(json_object_get(ind, key));
	size_t n = l ? strlen(l) : 0;

	return n >= 4 && strcmp(l + n - 4, "(ms)") == 0;
}

void
cli_indicator_fraction(const json_t *ind, char *buf, size_t len)
{
	const json_t *n = json_object_get(ind, "numerator");
	const json_t *d = json_object_get(ind, "denominator");

	if (json_is_integer(n) && json_is_integer(d) &&
	    label_ms(ind, "numerator_label") && label_ms(ind,
	    "denominator_label"))
		snprintf(buf, len, "%.2f h / %.2f h",
		    (double)json_integer_value(n) / 3600000.0,
		    (double)json_integer_value(d) / 3600000.0);
	else if (json_is_integer(n) && json_is_integer(d))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT " / %"
		    JSON_INTEGER_FORMAT, json_integer_value(n),
		    json_integer_value(d));
	else if (json_is_integer(n))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(n));
	else
		snprintf(buf, len, "-");
}

int
cli_indicators_render(const json_t *doc, FILE *f, char *err, size_t errlen)
{
	static const char *const head[] = {
		"指标 Indicator", "目标 Target", "实际 Actual",
		"分子/分母 Num/Den", "达成 Met",
	};
	const json_t		*inds = json_object_get(doc, "indicators"), *ind;
	const json_t		*per = json_object_get(doc, "period");
	const json_t		*cnt = json_object_get(doc, "counts");
	struct cli_table	*t = cli_table_new(5, head);
	size_t			 i;
	char			 name[256], tg[64], ac[64], fr[96];

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(inds, i, ind) {
		snprintf(name, sizeof(name), "%s %s",
		    json_string_value(json_object_get(ind, "name")),
		    json_string_value(json_object_get(ind, "name_en")));
		cli_indicator_target(ind, tg, sizeof(tg));
		cli_indicator_actual(ind, ac, sizeof(ac));
		cli_indicator_fraction(ind, fr, sizeof(fr));
		const char *row[] = { name, tg, ac, fr, cli_indicator_met(ind) };
		if (cli_table_add(t, row) == -1) {
			cli_table_free(t);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	fprintf(f, "期间 Period: %s (%s .. %s)\n",
	    json_string_value(json_object_get(per, "label")),
	    json_string_value(json_object_get(per, "from")),
	    json_string_value(json_object_get(per, "to")));
	cli_table_print(t, f);
	cli_table_free(t);
	fprintf(f, "资产 assets: %" JSON_INTEGER_FORMAT " (本期新增 added: %"
	    JSON_INTEGER_FORMAT ")  事件 incidents: %" JSON_INTEGER_FORMAT
	    " (安全事件 security: %" JSON_INTEGER_FORMAT ", 设备故障 equipment "
	    "faults: %" JSON_INTEGER_FORMAT ", 误报 false positives: %"
	    JSON_INTEGER_FORMAT ")\n",
	    json_integer_value(json_object_get(cnt, "assets")),
	    json_integer_value(json_object_get(cnt, "assets_added_count")),
	    json_integer_value(json_object_get(cnt, "incidents")) ,
	    json_integer_value(json_object_get(cnt, "security_incidents")),
	    json_integer_value(json_object_get(cnt, "equipment_faults")),
	    json_integer_value(json_object_get(cnt, "false_positives")));
	if (json_is_number(json_object_get(cnt, "completeness_pct")))
		fprintf(f, "数据完整率 data completeness: %.2f%%\n",
		    json_number_value(json_object_get(cnt, "completeness_pct")));
	else
		fprintf(f, "数据完整率 data completeness: 无数据 no data\n");
	return 0;
}

int
cli_cmd_indicators(struct cli *cli, int argc, char **argv)
{
	struct cli_period	 p;
	json_t			*doc = NULL;
	char			 err[1024];
	int			 json = 0, r, rc = CLI_EXIT_FAIL;

	memset(&p, 0, sizeof(p));
	for (int i = 1; i < argc; i++) {
		if ((r = cli_period_opt(cli, argc, argv, &i, &p)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			indicators_usage(cli->out);
			return CLI_EXIT_OK;
		} else {
			fprintf(cli->err, "shaobing: indicators: unexpected "
			    "'%s'\n", argv[i]);
			indicators_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_period_resolve(cli, &p) == -1)
		return CLI_EXIT_USAGE;
	if (cli_indicators_get(cli, &p, 0, &doc, err, sizeof(err)) == -1)
		goto fail;
	if (json) {
		json_dumpf(doc, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', cli->out);
	} else if (cli_indicators_render(doc, cli->out, err, sizeof(err)) == -1)
		goto fail;
	rc = CLI_EXIT_OK;
	goto out;
fail:
	fprintf(cli->err, "shaobing: %s\n", text_term(err));
out:
	json_decref(doc);
	return rc;
}
