/*
 * shaobing report: the values the office enters for its 项目支出绩效
 * 自评表 (the 填报 rows of the targets file and each project's 全年执行数),
 * stored and audited at the collector (collector/report_api.c).
 *   report set PROJECT INDICATOR VALUE --year Y [--note TEXT]
 *   report set PROJECT budget VALUE --year Y [--note TEXT]   (万元)
 *   report list --year Y [--json]
 * `shaobing export --targets FILE` scores them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/export.h"
#include "common/conf.h"

static void
report_usage(FILE *f)
{
	fprintf(f, "usage: shaobing report set PROJECT INDICATOR VALUE --year Y "
	    "[--note TEXT]\n"
	    "       shaobing report set PROJECT budget VALUE --year Y [--note "
	    "TEXT]\n"
	    "       shaobing report list --year Y [--json]\n"
	    "  The values the office enters (填报) for the year's 项目支出绩效自评表:\n"
	    "  an indicator with source = entered in the targets file, or the\n"
	    "  project's 全年执行数 (budget, 万元).  Setting again replaces the value;\n"
	    "  every change is in the admin audit log (shaobing audit log).\n");
}

static int
fail(struct cli *cli, const char *err)
{
	fprintf(cli->err, "shaobing: report: %s\n", err);
	return CLI_EXIT_FAIL;
}

static int
report_set(struct cli *cli, int argc, char **argv)
{
	const char	*year = NULL, *note = "", *pos[3];
	int		 npos = 0, r, rc = CLI_EXIT_USAGE;
	long long	 y;
	double		 v;
	char		 path[96], err[1024], why[160];
	json_t		*body = NULL, *answer = NULL;

	for (int i = 1; i < argc; i++) {
		if ((r = cli_opt(cli, argc, argv, &i, "--year", &year)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if ((r = cli_opt(cli, argc, argv, &i, "--note", &note)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if (npos == 3 || (argv[i][0] == '-' && argv[i][1] == '-')) {
			fprintf(cli->err, "shaobing: report set: unexpected "
			    "'%s'\n", argv[i]);
			report_usage(cli->err);
			return CLI_EXIT_USAGE;
		}
		pos[npos++] = argv[i];
	}
	if (npos != 3 || year == NULL) {
		fprintf(cli->err, "shaobing: report set: PROJECT INDICATOR VALUE "
		    "and --year Y are required\n");
		report_usage(cli->err);
		return CLI_EXIT_USAGE;
	}
	if (cli_opt_int(cli, "--year", year, 2000, 2200, &y) == -1)
		return CLI_EXIT_USAGE;
	if (parse_double(pos[2], -1e9, 1e9, &v, why, sizeof(why)) == -1 ||
	    !isfinite(v)) {
		fprintf(cli->err, "shaobing: report set: VALUE '%s': %s\n",
		    pos[2], why);
		return CLI_EXIT_USAGE;
	}
	if ((body = json_pack("{s:s, s:s, s:f}", "project", pos[0],
	    "indicator", pos[1], "value", v)) == NULL || (*note != '\0' &&
	    json_object_set_new(body, "note", json_string(note)) == -1)) {
		fprintf(cli->err, "shaobing: report set: the project, indicator "
		    "and note must be UTF-8 text\n");
		return CLI_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/api/v1/admin/report/values?year=%lld", y);
	if (cli_admin_post(cli->admin, path, body, &answer, err,
	    sizeof(err)) == -1) {
		rc = fail(cli, err);
		goto out;
	}
	fprintf(cli->out, "已填报 set %lld %s %s = %g\n", y, pos[0], pos[1], v);
	rc = CLI_EXIT_OK;
out:
	json_decref(body);
	json_decref(answer);
	return rc;
}

static int
report_list(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = { "项目 Project", "指标 Indicator",
		"值 Value", "说明 Note", "填报人 By", "时间 At" };
	const char		*year = NULL;
	int			 r, json = 0, rc;
	long long		 y;
	char			 path[96], err[1024];
	json_t			*answer = NULL;
	const json_t		*o;
	struct cli_table	*t;
	size_t			 i;

	for (int k = 1; k < argc; k++) {
		if ((r = cli_opt(cli, argc, argv, &k, "--year", &year)) == -1)
			return CLI_EXIT_USAGE;
		if (r == 1)
			continue;
		if (strcmp(argv[k], "--json") == 0) {
			json = 1;
			continue;
		}
		fprintf(cli->err, "shaobing: report list: unexpected '%s'\n",
		    argv[k]);
		return CLI_EXIT_USAGE;
	}
	if (year == NULL) {
		fprintf(cli->err, "shaobing: report list: --year Y is required\n");
		return CLI_EXIT_USAGE;
	}
	if (cli_opt_int(cli, "--year", year, 2000, 2200, &y) == -1)
		return CLI_EXIT_USAGE;
	snprintf(path, sizeof(path), "/api/v1/admin/report/values?year=%lld", y);
	if (cli_admin_get(cli->admin, path, &answer, err, sizeof(err)) == -1)
		return fail(cli, err);
	if (json) {
		json_dumpf(answer, cli->out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		fputc('\n', cli->out);
		json_decref(answer);
		return CLI_EXIT_OK;
	}
	if ((t = cli_table_new(6, head)) == NULL) {
		json_decref(answer);
		return fail(cli, "out of memory");
	}
	rc = CLI_EXIT_OK;
	json_array_foreach(json_object_get(answer, "values"), i, o) {
		char v[32], at[32];
		const char *row[6];

		snprintf(v, sizeof(v), "%g", json_number_value(json_object_get(o,
		    "value")));
		cli_local_time(json_string_value(json_object_get(o, "at")), at,
		    sizeof(at));
		row[0] = json_string_value(json_object_get(o, "project"));
		row[1] = json_string_value(json_object_get(o, "indicator"));
		row[2] = v;
		row[3] = json_string_value(json_object_get(o, "note"));
		row[4] = json_string_value(json_object_get(o, "by"));
		row[5] = at;
		if (cli_table_add(t, row) == -1) {
			rc = fail(cli, "out of memory");
			break;
		}
	}
	if (rc == CLI_EXIT_OK) {
		if (cli_table_rows(t) == 0)
			fprintf(cli->out, "%lld 年尚无填报 nothing entered for %lld\n",
			    y, y);
		else
			cli_table_print(t, cli->out);
	}
	cli_table_free(t);
	json_decref(answer);
	return rc;
}

int
cli_cmd_report(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "set") == 0)
		return report_set(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return report_list(cli, argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		report_usage(cli->out);
		return CLI_EXIT_OK;
	}
	report_usage(cli->err);
	return CLI_EXIT_USAGE;
}
