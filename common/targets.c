/*
 * The targets file: see common/targets.h and conf/targets.md.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/targets.h"

static const char *const ops[] = { ">=", "<=", NULL };
static const char *const sources[] = { "measured", "register", "entered",
	NULL };
static const char *const measures[] = { "none", "operation", "website_days",
	"feedback", "event_rate", "assessment", "desktops_purchased",
	"last_purchase_month", NULL };

/* 一级 → 二级 names of the 财政部 form. */
static const struct {
	const char	*l1;
	const char	*l2[5];
} levels[] = {
	{ "产出指标", { "数量指标", "质量指标", "时效指标", "成本指标", NULL } },
	{ "效益指标", { "经济效益指标", "社会效益指标", "生态效益指标",
	    "可持续影响指标", NULL } },
	{ "满意度指标", { "服务对象满意度指标", NULL } },
};

#define TO(f)	offsetof(struct targets, f)
static const struct conf_opt head_opts[] = {
	{ "unit", CONF_STR, TO(unit), TARGETS_NAME_MAX, 0, 0, "", NULL, NULL,
	  "填报单位 the reporting unit" },
	{ "year", CONF_INT, TO(year), 0, 2000, 2200, NULL, NULL, NULL,
	  "the budget year" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef TO

#define PO(f)	offsetof(struct target_project, f)
static const struct conf_opt project_opts[] = {
	{ "code", CONF_STR, PO(code), TARGETS_ID_MAX, 0, 0, "", NULL, NULL,
	  "项目编码" },
	{ "name", CONF_STR, PO(name), TARGETS_NAME_MAX, 0, 0, "", NULL, NULL,
	  "项目名称" },
	{ "department", CONF_STR, PO(department), TARGETS_NAME_MAX, 0, 0, "",
	  NULL, NULL, "主管部门" },
	{ "implementer", CONF_STR, PO(implementer), TARGETS_NAME_MAX, 0, 0, "",
	  NULL, NULL, "实施单位" },
	{ "budget_initial", CONF_DOUBLE, PO(budget_initial), 0, 0,
	  (int64_t)TARGETS_BUDGET_MAX, "0", NULL, NULL, "年初预算数, 万元" },
	{ "budget_full", CONF_DOUBLE, PO(budget_full), 0, 0,
	  (int64_t)TARGETS_BUDGET_MAX, "0", NULL, NULL, "全年预算数, 万元" },
	{ "fiscal", CONF_DOUBLE, PO(fiscal), 0, 0, (int64_t)TARGETS_BUDGET_MAX,
	  "0", NULL, NULL, "本年财政拨款, 万元" },
	{ "carryover", CONF_DOUBLE, PO(carryover), 0, 0,
	  (int64_t)TARGETS_BUDGET_MAX, "0", NULL, NULL, "上年结转, 万元" },
	{ "other", CONF_DOUBLE, PO(other), 0, 0, (int64_t)TARGETS_BUDGET_MAX,
	  "0", NULL, NULL, "其他资金, 万元" },
	{ "goal", CONF_STR, PO(goal), TARGETS_TEXT_MAX, 0, 0, "", NULL, NULL,
	  "年度总体目标" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef PO

#define IO(f)	offsetof(struct target_ind, f)
static const struct conf_opt ind_opts[] = {
	{ "project", CONF_STR, IO(project), TARGETS_ID_MAX, 0, 0, "", NULL,
	  NULL, "the [project ID] this row belongs to" },
	{ "level1", CONF_STR, IO(level1), 64, 0, 0, "", NULL, NULL, "一级指标" },
	{ "level2", CONF_STR, IO(level2), 64, 0, 0, "", NULL, NULL, "二级指标" },
	{ "name", CONF_STR, IO(name), TARGETS_NAME_MAX, 0, 0, "", NULL, NULL,
	  "三级指标" },
	{ "description", CONF_STR, IO(description), TARGETS_TEXT_MAX, 0, 0, "",
	  NULL, NULL, "指标解释" },
	{ "op", CONF_ENUM, IO(op), 0, 0, 0, ">=", ops, NULL,
	  ">= (at least) or <= (at most)" },
	{ "target", CONF_DOUBLE, IO(target), 0, -1000000000LL, 1000000000LL,
	  NULL, NULL, NULL, "指标值" },
	{ "unit", CONF_STR, IO(unit), 32, 0, 0, "", NULL, NULL, "度量单位" },
	{ "points", CONF_DOUBLE, IO(points), 0, 0, TARGETS_IND_POINTS, NULL,
	  NULL, NULL, "分值" },
	{ "source", CONF_ENUM, IO(source), 0, 0, 0, NULL, sources, NULL,
	  "measured | register | entered" },
	{ "measure", CONF_ENUM, IO(measure), 0, 0, 0, "none", measures, NULL,
	  "what a measured or register row reads" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef IO

#define seterr	conf_err_set

struct walk {
	struct conf	*c;
	struct targets	*t;
	struct conf_err	*err;
};

int
targets_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= TARGETS_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' &&
		    id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9') ||
		    id[i] == '-' || id[i] == '_' || id[i] == '.'))
			return 0;
	return 1;
}

static int
on_project(void *arg, const char *name, const char *section, int line)
{
	struct walk		*w = arg;
	struct target_project	*p;
	const char		*path = conf_path(w->c);

	if (!targets_id_ok(name)) {
		seterr(w->err, "%s:%d: [%s]: a project ID is 1 to %d letters, "
		    "digits, '-', '_' or '.'", path, line, section,
		    TARGETS_ID_MAX - 1);
		return -1;
	}
	if (targets_project(w->t, name) != NULL) {
		seterr(w->err, "%s:%d: [%s] is listed twice", path, line, section);
		return -1;
	}
	if (w->t->nproj == TARGETS_PROJECTS_MAX) {
		seterr(w->err, "%s:%d: more than %d projects", path, line,
		    TARGETS_PROJECTS_MAX);
		return -1;
	}
	p = &w->t->proj[w->t->nproj];
	memset(p, 0, sizeof(*p));
	if (conf_apply(w->c, section, project_opts, p, w->err) == -1)
		return -1;
	snprintf(p->id, sizeof(p->id), "%s", name);
	p->line = line;
	if (p->code[0] == '\0' || p->name[0] == '\0' ||
	    p->department[0] == '\0' || p->implementer[0] == '\0' ||
	    p->goal[0] == '\0') {
		seterr(w->err, "%s:%d: [%s] needs code, name, department, "
		    "implementer and goal", path, line, section);
		return -1;
	}
	if (fabs(p->fiscal + p->carryover + p->other - p->budget_full) >
	    0.005) {
		seterr(w->err, "%s:%d: [%s]: fiscal + carryover + other = %.2f "
		    "万元, but budget_full = %.2f 万元", path, line, section,
		    p->fiscal + p->carryover + p->other, p->budget_full);
		return -1;
	}
	if (p->budget_full <= 0) {
		seterr(w->err, "%s:%d: [%s]: budget_full must be more than 0",
		    path, line, section);
		return -1;
	}
	w->t->nproj++;
	return 0;
}

static int
level_ok(const char *l1, const char *l2)
{
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strcmp(levels[i].l1, l1) != 0)
			continue;
		for (size_t k = 0; levels[i].l2[k] != NULL; k++)
			if (strcmp(levels[i].l2[k], l2) == 0)
				return 1;
	}
	return 0;
}

static int
on_indicator(void *arg, const char *name, const char *section, int line)
{
	struct walk		*w = arg;
	struct target_ind	 ind;
	struct target_project	*p;
	const char		*path = conf_path(w->c);

	memset(&ind, 0, sizeof(ind));
	if (!targets_id_ok(name)) {
		seterr(w->err, "%s:%d: [%s]: an indicator ID is 1 to %d letters, "
		    "digits, '-', '_' or '.'", path, line, section,
		    TARGETS_ID_MAX - 1);
		return -1;
	}
	/* target, points and source have no default: they must be given. */
	ind.target = NAN;
	ind.points = -1;
	ind.source = -1;
	if (conf_apply(w->c, section, ind_opts, &ind, w->err) == -1)
		return -1;
	snprintf(ind.id, sizeof(ind.id), "%s", name);
	ind.line = line;
	p = (struct target_project *)targets_project(w->t, ind.project);
	if (p == NULL) {
		seterr(w->err, "%s:%d: [%s]: project '%s' has no [project %s] "
		    "section above", path, line, section, ind.project,
		    ind.project);
		return -1;
	}
	if (isnan(ind.target) || ind.points < 0 || ind.source < 0) {
		seterr(w->err, "%s:%d: [%s] needs target, points and source",
		    path, line, section);
		return -1;
	}
	if (targets_indicator(p, name) != NULL) {
		seterr(w->err, "%s:%d: [%s] is listed twice", path, line, section);
		return -1;
	}
	if (p->nind == TARGETS_IND_MAX) {
		seterr(w->err, "%s:%d: project %s has more than %d indicators",
		    path, line, p->id, TARGETS_IND_MAX);
		return -1;
	}
	if (ind.name[0] == '\0' || ind.unit[0] == '\0') {
		seterr(w->err, "%s:%d: [%s] needs name and unit", path, line,
		    section);
		return -1;
	}
	if (!level_ok(ind.level1, ind.level2)) {
		seterr(w->err, "%s:%d: [%s]: level1 '%s' / level2 '%s' is not a "
		    "pair of the form (产出指标: 数量/质量/时效/成本指标; 效益指标: "
		    "经济效益/社会效益/生态效益/可持续影响指标; 满意度指标: "
		    "服务对象满意度指标)", path, line, section, ind.level1,
		    ind.level2);
		return -1;
	}
	if ((ind.source == TARGET_ENTERED && ind.measure != MEASURE_NONE) ||
	    (ind.source == TARGET_MEASURED && (ind.measure < MEASURE_OPERATION ||
	    ind.measure > MEASURE_ASSESSMENT)) ||
	    (ind.source == TARGET_REGISTER &&
	    ind.measure < MEASURE_DESKTOPS_PURCHASED)) {
		seterr(w->err, "%s:%d: [%s]: source %s takes measure = %s", path,
		    line, section, sources[ind.source],
		    ind.source == TARGET_ENTERED ? "none (or no measure key)" :
		    ind.source == TARGET_MEASURED ? "operation, website_days, "
		    "feedback, event_rate or assessment" : "desktops_purchased "
		    "or last_purchase_month");
		return -1;
	}
	p->ind[p->nind++] = ind;
	return 0;
}

static struct targets *
targets_parse_conf(struct conf *c, struct conf_err *err)
{
	struct targets	*t;
	struct walk	 w;
	const char	*path = conf_path(c);

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		seterr(err, "%s: out of memory", path);
		return NULL;
	}
	snprintf(t->path, sizeof(t->path), "%s", path);
	if (!conf_has_section(c, "targets")) {
		seterr(err, "%s:1: no [targets] section (unit, year)", path);
		goto fail;
	}
	if (conf_apply(c, "targets", head_opts, t, err) == -1)
		goto fail;
	if (t->unit[0] == '\0' || t->year == 0) {
		seterr(err, "%s:%d: [targets] needs unit and year", path,
		    conf_section_line(c, "targets"));
		goto fail;
	}
	w.c = c;
	w.t = t;
	w.err = err;
	if (conf_foreach(c, "project", on_project, &w) != 0 ||
	    conf_foreach(c, "indicator", on_indicator, &w) != 0)
		goto fail;
	if (conf_check_unused(c, err) == -1)
		goto fail;
	if (t->nproj == 0) {
		seterr(err, "%s:%d: no [project ID] section", path,
		    conf_section_line(c, "targets"));
		goto fail;
	}
	for (size_t i = 0; i < t->nproj; i++) {
		const struct target_project *p = &t->proj[i];
		double sum = 0;

		for (size_t k = 0; k < p->nind; k++)
			sum += p->ind[k].points;
		if (p->nind == 0 || fabs(sum - TARGETS_IND_POINTS) > 0.005) {
			seterr(err, "%s:%d: [project %s]: its %zu indicators hold "
			    "%.2f points; they must hold %d (the budget row "
			    "holds the other 10 of 100)", path, p->line, p->id,
			    p->nind, sum, TARGETS_IND_POINTS);
			goto fail;
		}
	}
	return t;
fail:
	free(t);
	return NULL;
}

struct targets *
targets_parse(const char *name, const char *text, struct conf_err *err)
{
	struct conf	*c;
	struct targets	*t;

	if ((c = conf_load_string(name, text, err)) == NULL)
		return NULL;
	t = targets_parse_conf(c, err);
	conf_free(c);
	return t;
}

struct targets *
targets_load(const char *path, struct conf_err *err)
{
	struct conf	*c;
	struct targets	*t;

	if ((c = conf_load(path, err)) == NULL)
		return NULL;
	t = targets_parse_conf(c, err);
	conf_free(c);
	return t;
}

void
targets_free(struct targets *t)
{
	free(t);
}

const struct target_project *
targets_project(const struct targets *t, const char *id)
{
	for (size_t i = 0; i < t->nproj; i++)
		if (strcmp(t->proj[i].id, id) == 0)
			return &t->proj[i];
	return NULL;
}

const struct target_ind *
targets_indicator(const struct target_project *p, const char *id)
{
	for (size_t i = 0; i < p->nind; i++)
		if (strcmp(p->ind[i].id, id) == 0)
			return &p->ind[i];
	return NULL;
}

const char *
target_op_text(int op)
{
	return op == TARGET_LE ? "≤" : "≥";
}

const char *
target_source_text(int source)
{
	switch (source) {
	case TARGET_MEASURED:
		return "自动监测";
	case TARGET_REGISTER:
		return "资产登记";
	default:
		return "填报";
	}
}

const char *
target_measure_name(int measure)
{
	if (measure < 0 || measure >= (int)(sizeof(measures) /
	    sizeof(measures[0])) - 1)
		return "none";
	return measures[measure];
}
