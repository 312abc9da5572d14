/*
 * The targets file (common/targets.c): the shipped example
 * conf/targets-2022-example.ini read field by field, and every kind of
 * bad input refused with FILE:LINE and what is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/targets.h"

static struct targets *
load_example(void)
{
	const char	*root = getenv("SHAOBING_ROOT");
	char		 path[1024];
	struct conf_err	 err = { "" };
	struct targets	*t;

	snprintf(path, sizeof(path), "%s/conf/targets-2022-example.ini",
	    root ? root : ".");
	if ((t = targets_load(path, &err)) == NULL)
		fail_msg("%s", err.msg);
	return t;
}

static void
test_example(void **state)
{
	struct targets			*t = load_example();
	const struct target_project	*p;
	const struct target_ind		*i;
	static const struct {
		const char	*id, *name;
		double		 budget;
		size_t		 nind;
	} want[] = {
		{ "opinion", "网络舆情监控软件费", 8.00, 8 },
		{ "portal", "网信网平台维护费", 10.00, 9 },
		{ "office", "综合事务管理经费", 2.00, 7 },
	};

	(void)state;
	assert_int_equal(t->year, 2022);
	assert_non_null(strstr(t->unit, "示例"));
	assert_int_equal(t->nproj, 3);
	for (size_t k = 0; k < 3; k++) {
		double	pts = 0;
		int	l1[3] = { 0, 0, 0 };

		assert_non_null(p = targets_project(t, want[k].id));
		assert_string_equal(p->name, want[k].name);
		assert_true(p->budget_full == want[k].budget);
		assert_true(p->budget_initial == want[k].budget);
		assert_int_equal(p->nind, want[k].nind);
		assert_true(p->code[0] != '\0' && p->goal[0] != '\0' &&
		    p->department[0] != '\0' && p->implementer[0] != '\0');
		for (size_t n = 0; n < p->nind; n++) {
			pts += p->ind[n].points;
			l1[0] += strcmp(p->ind[n].level1, "产出指标") == 0;
			l1[1] += strcmp(p->ind[n].level1, "效益指标") == 0;
			l1[2] += strcmp(p->ind[n].level1, "满意度指标") == 0;
		}
		assert_true(pts == 90);
		assert_true(l1[0] > 0 && l1[1] > 0 && l1[2] > 0);
	}
	p = targets_project(t, "office");
	assert_true(p->fiscal == 1.50 && p->carryover == 0.50 && p->other == 0);
	assert_non_null(i = targets_indicator(p, "office.1"));
	assert_string_equal(i->name, "购买台式电脑数量");
	assert_int_equal(i->source, TARGET_REGISTER);
	assert_int_equal(i->measure, MEASURE_DESKTOPS_PURCHASED);
	assert_int_equal(i->op, TARGET_GE);
	assert_true(i->target == 2);
	assert_string_equal(i->unit, "台");
	assert_non_null(i = targets_indicator(p, "office.4"));
	assert_int_equal(i->op, TARGET_LE);
	assert_string_equal(target_measure_name(i->measure),
	    "last_purchase_month");
	assert_string_equal(target_source_text(i->source), "资产登记");
	p = targets_project(t, "portal");
	assert_non_null(i = targets_indicator(p, "portal.1"));
	assert_int_equal(i->source, TARGET_MEASURED);
	assert_int_equal(i->measure, MEASURE_WEBSITE_DAYS);
	assert_true(i->target == 365 && i->points == 15);
	assert_string_equal(target_op_text(i->op), "≥");
	assert_non_null(i = targets_indicator(p, "portal.9"));
	assert_string_equal(i->level2, "服务对象满意度指标");
	assert_int_equal(i->source, TARGET_ENTERED);
	assert_string_equal(target_source_text(i->source), "填报");
	assert_null(targets_indicator(p, "opinion.1"));
	assert_null(targets_project(t, "nope"));
	targets_free(t);
}

/* A valid file of one project with one 90-point indicator, then edits. */
#define HEAD	"[targets]\nunit = 单位\nyear = 2022\n"
#define PROJ	"[project p]\ncode = 1\nname = 项目\ndepartment = d\n" \
		"implementer = i\nbudget_initial = 2\nbudget_full = 2\n" \
		"fiscal = 1.5\ncarryover = 0.5\ngoal = 目标\n"
#define IND	"[indicator p.1]\nproject = p\nlevel1 = 产出指标\n" \
		"level2 = 数量指标\nname = n\nop = >=\ntarget = 2\nunit = 台\n" \
		"points = 90\nsource = register\nmeasure = desktops_purchased\n"

static void
test_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ PROJ IND, "t.ini:1: no [targets] section" },
		{ "[targets]\nunit = u\n" PROJ IND, "t.ini:1: [targets] needs unit and year" },
		{ "[targets]\nunit = u\nyear = 1999\n" PROJ IND, "t.ini:3: [targets] year:" },
		{ HEAD, "t.ini:1: no [project ID] section" },
		{ HEAD PROJ, "t.ini:4: [project p]: its 0 indicators hold 0.00 points; they must hold 90" },
		{ HEAD PROJ IND "[indicator p.2]\nproject = p\nlevel1 = 产出指标\n"
		  "level2 = 数量指标\nname = m\ntarget = 1\nunit = 次\npoints = 5\n"
		  "source = entered\n", "t.ini:4: [project p]: its 2 indicators hold 95.00 points" },
		{ HEAD "[project p]\ncode = 1\nname = n\ndepartment = d\n"
		  "implementer = i\nbudget_full = 2\nfiscal = 1\ngoal = g\n" IND,
		  "t.ini:4: [project p]: fiscal + carryover + other = 1.00 万元, but budget_full = 2.00" },
		{ HEAD "[project p]\ncode = 1\nname = n\ndepartment = d\n"
		  "implementer = i\nbudget_full = -1\ngoal = g\n" IND,
		  "t.ini:9: [project p] budget_full:" },
		{ HEAD "[project p]\nname = x\n" IND, "t.ini:4: [project p] needs code, name" },
		{ HEAD "[project p q]\n", "t.ini:4: [project p q]: a project ID is" },
		{ HEAD PROJ PROJ IND, "t.ini:15: key 'code' given twice in [project p]" },
		{ HEAD PROJ IND "[indicator x]\nproject = nope\n", "t.ini:25: [indicator x]: project 'nope' has no [project nope]" },
		{ HEAD PROJ IND "colour = red\n", "t.ini:25: unknown key 'colour' in [indicator p.1]" },
		{ HEAD PROJ IND "[other]\n", "unknown section [other]" },
		{ HEAD PROJ "[indicator p.1]\nproject = p\nlevel1 = 产出指标\n"
		  "level2 = 社会效益指标\nname = n\ntarget = 2\nunit = 台\n"
		  "points = 90\nsource = entered\n", "t.ini:14: [indicator p.1]: level1 '产出指标' / level2 '社会效益指标' is not a pair" },
		{ HEAD PROJ "[indicator p.1]\nproject = p\nlevel1 = 产出指标\n"
		  "level2 = 数量指标\nname = n\nunit = 台\npoints = 90\n"
		  "source = entered\n", "t.ini:14: [indicator p.1] needs target, points and source" },
		{ HEAD PROJ "[indicator p.1]\nproject = p\nlevel1 = 产出指标\n"
		  "level2 = 数量指标\nname = n\ntarget = 1\nunit = 台\npoints = 90\n"
		  "source = measured\n", "t.ini:14: [indicator p.1]: source measured takes measure = operation" },
		{ HEAD PROJ "[indicator p.1]\nproject = p\nlevel1 = 产出指标\n"
		  "level2 = 数量指标\nname = n\ntarget = 1\nunit = 台\npoints = 90\n"
		  "source = entered\nmeasure = operation\n", "source entered takes measure = none" },
		{ HEAD PROJ "[indicator p.1]\nproject = p\nlevel1 = 产出指标\n"
		  "level2 = 数量指标\nname = n\ntarget = 1\nunit = 台\npoints = 91\n"
		  "source = entered\n", "t.ini:21: [indicator p.1] points:" },
		{ HEAD PROJ "[indicator p.1]\nproject = p\nlevel1 = 产出指标\n"
		  "level2 = 数量指标\nname = n\ntarget = 1\nunit = 台\npoints = 90\n"
		  "source = entered\nop = =\n", "t.ini:23: [indicator p.1] op:" },
		{ HEAD PROJ "[indicator p.1]\nproject = p\nlevel1 = 产出指标\n"
		  "level2 = 数量指标\nname = n\ntarget = x\nunit = 台\npoints = 90\n"
		  "source = entered\n", "t.ini:19: [indicator p.1] target:" },
	};
	struct conf_err	 err;
	struct targets	*t;

	(void)state;
	t = targets_parse("t.ini", HEAD PROJ IND, &err);
	if (t == NULL)
		fail_msg("the valid base is refused: %s", err.msg);
	assert_int_equal(t->proj[0].nind, 1);
	targets_free(t);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		memset(&err, 0, sizeof(err));
		t = targets_parse("t.ini", bad[k].text, &err);
		if (t != NULL)
			fail_msg("case %zu accepted, want '%s'", k, bad[k].want);
		if (strstr(err.msg, bad[k].want) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", k, err.msg,
			    bad[k].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
