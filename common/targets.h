/*
 * The office's performance targets of one year (项目支出绩效目标): the
 * budget projects, each with its 项目支出绩效自评表 rows.  One INI file
 * a year; the format is documented in conf/targets.md and shown by
 * conf/targets-2022-example.ini.
 *
 *   [targets]            unit, year
 *   [project ID]         code, name, department (主管部门), implementer
 *                        (实施单位), budget figures in 万元, goal
 *   [indicator ID]       project, level1/level2/name, description, op,
 *                        target, unit, points, source (+ measure)
 *
 * Everything is checked when read: unknown sections and keys, ranges,
 * the budget sources adding up to the full-year budget, the indicator
 * points of a project adding up to 90 (the 项目资金 row holds the other
 * 10 of 100).  Errors read "FILE:LINE: what is wrong".
 */
#ifndef SHAOBING_TARGETS_H
#define SHAOBING_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/conf.h"

#define TARGETS_PROJECTS_MAX	16
#define TARGETS_IND_MAX		20	/* indicators of one project */
#define TARGETS_ID_MAX		64
#define TARGETS_NAME_MAX	256
#define TARGETS_TEXT_MAX	1024
#define TARGETS_BUDGET_MAX	1000000.0	/* 万元 */
#define TARGETS_IND_POINTS	90	/* + 10 for the budget = 100 */

enum target_op {
	TARGET_GE = 0,		/* ≥: score = actual ÷ target × points */
	TARGET_LE,		/* ≤: score = target ÷ actual × points */
};

enum target_source {
	TARGET_MEASURED = 0,	/* 自动监测: one of Shaobing's indicators */
	TARGET_REGISTER,	/* 资产登记: counted in the asset register */
	TARGET_ENTERED,		/* 填报: entered by the office */
};

/* What a measured or register indicator reads (the "measure" key). */
enum target_measure {
	MEASURE_NONE = 0,
	MEASURE_OPERATION,		/* measured */
	MEASURE_WEBSITE_DAYS,
	MEASURE_FEEDBACK,
	MEASURE_EVENT_RATE,
	MEASURE_ASSESSMENT,
	MEASURE_DESKTOPS_PURCHASED,	/* register */
	MEASURE_LAST_PURCHASE_MONTH,
};

struct target_ind {
	char			id[TARGETS_ID_MAX];
	char			project[TARGETS_ID_MAX];
	char			level1[64];	/* 产出指标 / 效益指标 / 满意度指标 */
	char			level2[64];	/* 数量指标, 质量指标, ... */
	char			name[TARGETS_NAME_MAX];	/* 三级指标 */
	char			description[TARGETS_TEXT_MAX];
	int			op;		/* enum target_op */
	double			target;
	char			unit[32];
	double			points;
	int			source;		/* enum target_source */
	int			measure;	/* enum target_measure */
	int			line;		/* of the section header */
};

struct target_project {
	char			id[TARGETS_ID_MAX];
	char			code[TARGETS_ID_MAX];		/* 项目编码 */
	char			name[TARGETS_NAME_MAX];		/* 项目名称 */
	char			department[TARGETS_NAME_MAX];	/* 主管部门 */
	char			implementer[TARGETS_NAME_MAX];	/* 实施单位 */
	/* 项目资金 (万元): 年初预算数, 全年预算数, and the sources of the latter. */
	double			budget_initial;
	double			budget_full;
	double			fiscal;		/* 本年财政拨款 */
	double			carryover;	/* 上年结转 */
	double			other;		/* 其他资金 */
	char			goal[TARGETS_TEXT_MAX];	/* 年度总体目标 */
	int			line;
	size_t			nind;
	struct target_ind	ind[TARGETS_IND_MAX];
};

struct targets {
	char			unit[TARGETS_NAME_MAX];	/* 填报单位 */
	int			year;
	char			path[512];
	size_t			nproj;
	struct target_project	proj[TARGETS_PROJECTS_MAX];
};

/* Read and check a targets file.  NULL with err ("FILE:LINE: ..."). */
struct targets	*targets_load(const char *path, struct conf_err *err);
/* The same from memory; name is used in messages. */
struct targets	*targets_parse(const char *name, const char *text,
		    struct conf_err *err);
void		 targets_free(struct targets *t);

const struct target_project *targets_project(const struct targets *t,
		    const char *id);
const struct target_ind *targets_indicator(const struct target_project *p,
		    const char *id);

/* A project or indicator ID: 1..63 of [A-Za-z0-9._-]. */
int		 targets_id_ok(const char *id);
/* "≥" / "≤"; "自动监测" / "资产登记" / "填报"; the measure's key word. */
const char	*target_op_text(int op);
const char	*target_source_text(int source);
const char	*target_measure_name(int measure);

#endif
