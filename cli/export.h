/*
 * shaobing indicators / shaobing export: the period options and the
 * writers of the export files (CSV, JSON, report.html).  The numbers all
 * come from the collector (GET /api/v1/admin/indicators, see
 * collector/indicator.h); these files only present them.
 */
#ifndef SHAOBING_CLI_EXPORT_H
#define SHAOBING_CLI_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "cli/cli.h"

int	cli_cmd_indicators(struct cli *cli, int argc, char **argv);
int	cli_cmd_export(struct cli *cli, int argc, char **argv);

/* --year Y, --quarter Y-Qn (or --year Y --quarter n), --month Y-MM,
   --from D --to D: local dates, inclusive. */
struct cli_period {
	const char	*year, *quarter, *month, *from, *to;
	char		 from_date[16], to_date[16];
};

/*
 * If argv[*i] is a period option, take it: 1; 0 when it is not one; -1
 * (message printed) when its value is missing.
 */
int	cli_period_opt(struct cli *cli, int argc, char **argv, int *i,
	    struct cli_period *p);
/*
 * Turn the options into from_date/to_date (the current year when none
 * was given).  -1 with a message when they are wrong or conflict.
 */
int	cli_period_resolve(struct cli *cli, struct cli_period *p);
/* GET the indicator document of p (detail 0/1).  -1 with err. */
int	cli_indicators_get(struct cli *cli, const struct cli_period *p,
	    int detail, json_t **doc, char *err, size_t errlen);

/* Human table of the indicators: indicator, target, actual, met. */
int	cli_indicators_render(const json_t *doc, FILE *f, char *err,
	    size_t errlen);

/* Text of an indicator's actual value with unit, or "无数据 no data". */
void	cli_indicator_actual(const json_t *ind, char *buf, size_t len);
/*
 * "是 yes", "否 no", "口径不完整 incomplete" (holiday calendar missing:
 * not scored) or "无数据 no data".
 */
const char *cli_indicator_met(const json_t *ind);
/*
 * "num / den" of an indicator in human units: hours ("1071.00 h /
 * 1090.80 h") when the labels say "(ms)", else the counts; "-" if none.
 */
void	cli_indicator_fraction(const json_t *ind, char *buf, size_t len);
/* "≥ 95%" style target text. */
void	cli_indicator_target(const json_t *ind, char *buf, size_t len);

/*
 * Write every export file of doc into dir (made if missing), each through
 * a temporary file and rename.  Every target is checked first: one that
 * is not a regular file, or exists without force, refuses the whole
 * export before anything is written.  progress (NULL: quiet) gets a
 * status line per file.  The number of files, or -1 with err.
 */
int	cli_export_write(const json_t *doc, const char *dir, bool force,
	    FILE *progress, char *err, size_t errlen);

/* "一般 IV" .. "特别重大 I" of an incident level 4 .. 1 ("-" otherwise). */
const char *cli_level_text(json_int_t level, char *buf, size_t len);
/* "已解决 resolved" of an incident status (unknown ones as they are). */
const char *cli_status_text(const char *status, char *buf, size_t len);
/* A TLS report as "key value; ..." text (scalars of the top level). */
void	cli_tls_summary(const json_t *report, char *buf, size_t len);

/* Text into f, HTML-escaped. */
void	cli_html_esc(FILE *f, const char *s);

/*
 * The 项目支出绩效自评表 of every project of t, scored against doc's
 * indicators and register and the entered values (the answer of GET
 * /api/v1/admin/report/values; NULL: none), into doc["forms"]
 * (cli/report_form.c).  -1 with err when t is for another year than the
 * period.
 */
struct targets;
int	report_forms_build(json_t *doc, const struct targets *t,
	    const json_t *values, char *err, size_t errlen);
/* The forms of doc["forms"] as A4 pages of report.html. */
int	report_forms_html(const json_t *doc, FILE *f);
/* DIR/report.xlsx: one sheet per form, and the facts (cli/xlsx.c). */
int	report_forms_xlsx(const json_t *doc, const char *dir, bool force,
	    char *err, size_t errlen);

/* report.html of doc into f.  -1 on a write error. */
int	cli_export_html(const json_t *doc, FILE *f);

#endif
