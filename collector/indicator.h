/*
 * Indicators of a period (../shared/DESIGN.md, "Indicators"): security-
 * event rate, equipment normal-operation ratio, website running days,
 * feedback time, data completeness, and the counts behind them, in total
 * and per asset, each with its numerator and denominator.  The result is
 * one JSON document; the admin API serves it and `shaobing indicators` /
 * `shaobing export` present it (tables, CSV, report.html).
 *
 * Periods are whole local days (the zone of time_set_zone()).  Time that
 * has not happened yet is not counted: a period is cut at `now`.  A
 * figure without data is null with "no_data": true, never 0% or 100%.
 */
#ifndef SHAOBING_INDICATOR_H
#define SHAOBING_INDICATOR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "collector/schedule.h"
#include "collector/store.h"
#include "common/conf.h"

enum indicator_reading {
	IND_READING_INCIDENT_DAYS = 0,	/* days with an incident ÷ days */
	IND_READING_ASSET_YEAR,		/* incidents ÷ monitored asset-years */
};

enum indicator_stat {
	IND_STAT_P95 = 0,
	IND_STAT_MEDIAN,
	IND_STAT_MAX,
};

/* [indicators] of collector.ini; see conf/collector.ini. */
struct indicator_conf {
	double	event_rate_max;		/* percent, "at most" */
	int	event_rate_reading;	/* enum indicator_reading */
	double	operation_min;		/* percent, "at least" */
	int	website_days_min;	/* days a year, "at least" */
	double	website_day_share;	/* percent of a day's samples */
	int64_t	feedback_max_ms;	/* "at most" */
	int	feedback_statistic;	/* enum indicator_stat */
	int	points_operation;
	int	points_website;
	int	points_assessment;
	int	points_feedback;
	int	points_event_rate;
	double	gap_factor;		/* [uptime] gap_factor (0: 3), for devices */
};

/* Apply [indicators] (defaults when absent).  -1 with err "FILE:LINE: ...". */
int	indicator_conf_apply(struct conf *c, struct indicator_conf *ic,
	    struct conf_err *err);
/* The defaults, for tests and tools without a configuration file. */
void	indicator_conf_defaults(struct indicator_conf *ic);

#define INDICATOR_MAX_DAYS	3700	/* about ten years */

struct indicator_period {
	int64_t	from_day;	/* local day numbers; to_day exclusive */
	int64_t	to_day;
};

/*
 * "YYYY-MM-DD" .. "YYYY-MM-DD" (both inclusive, local dates) into p.
 * -1 with why (bad date, to before from, longer than INDICATOR_MAX_DAYS).
 */
int	indicator_period_parse(const char *from, const char *to,
	    struct indicator_period *p, char *why, size_t whylen);

/*
 * Compute the indicators of period p as of now_ms.  gap_factor is
 * [uptime] gap_factor (named in the method text).  detail 0 gives the
 * indicators and the counts; 1 adds what the export needs (per asset and
 * month, per day, incident list, assessment, register).  0 with *out (a
 * new object), -1 with err.
 */
int	indicator_compute(struct store *st, const struct schedule_conf *sc,
	    const struct indicator_conf *ic, const struct indicator_period *p,
	    int64_t now_ms, int detail, json_t **out, char *err,
	    size_t errlen);

/* [indicators]' option table (for the man page). */
extern const struct conf_opt indicator_conf_opts[];

#endif
