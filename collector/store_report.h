/*
 * Values the office enters for its 项目支出绩效自评表 (`shaobing report
 * set`): per year, project and indicator (or "budget" for the 全年执行数),
 * a number and a note, with who set it and when.  Setting a value again
 * replaces it; every request is in the admin audit log.
 */
#ifndef SHAOBING_STORE_REPORT_H
#define SHAOBING_STORE_REPORT_H

#include <stdint.h>

#include "collector/store.h"

extern const char store_report_migration[];

#define REPORT_ID_MAX	63	/* bytes of a project or indicator ID */
#define REPORT_NOTE_MAX	500	/* bytes of a note */

/* Insert or replace one value.  0, or -1 with err. */
int	store_report_set(struct store *st, int year, const char *project,
	    const char *indicator, double value, const char *note,
	    const char *by, int64_t now_ms, char *err, size_t errlen);
/* One stored value; the texts are valid during the callback only. */
struct report_value {
	const char	*project;
	const char	*indicator;	/* or "budget" */
	double		 value;
	const char	*note;
	const char	*by;
	int64_t		 at_ms;		/* UTC */
};
/* 0 for the next value, -1 with err to stop (store_report_list fails). */
typedef int (*store_report_fn)(void *arg, const struct report_value *v,
    char *err, size_t errlen);

/* fn for each value of year, by project then indicator.  0 or -1. */
int	store_report_list(struct store *st, int year, store_report_fn fn,
	    void *arg, char *err, size_t errlen);

#endif
