/*
 * The office's entered report values: see store_report.h.
 */
#include <stdio.h>
#include <string.h>

#include "collector/db.h"

#include "collector/store_priv.h"
#include "collector/store_report.h"

const char store_report_migration[] =
	"CREATE TABLE report_values ("
	"  year INTEGER NOT NULL,"
	"  project TEXT NOT NULL,"
	"  indicator TEXT NOT NULL,"	/* an [indicator ID] or 'budget' */
	"  value REAL NOT NULL,"
	"  note TEXT NOT NULL DEFAULT '',"
	"  set_by TEXT NOT NULL DEFAULT '',"
	"  set_at INTEGER NOT NULL,"
	"  PRIMARY KEY (year, project, indicator)"
	");";

int
store_report_set(struct store *st, int year, const char *project,
    const char *indicator, double value, const char *note, const char *by,
    int64_t now_ms, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 rc = -1;

	if (store_prepare(st, "INSERT INTO report_values (year, project, "
	    "indicator, value, note, set_by, set_at) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7) ON CONFLICT (year, project, indicator) DO UPDATE SET "
	    "value = excluded.value, note = excluded.note, "
	    "set_by = excluded.set_by, set_at = excluded.set_at", &s, err, errlen) == -1)
		goto out;
	db_bind_int(s, 1, year);
	db_bind_text(s, 2, project, -1);
	db_bind_text(s, 3, indicator, -1);
	db_bind_double(s, 4, value);
	db_bind_text(s, 5, note, -1);
	db_bind_text(s, 6, by, -1);
	db_bind_int64(s, 7, now_ms);
	if (db_step(s) != DB_DONE) {
		store_db_err(st, "storing a report value", err, errlen);
		goto out;
	}
	rc = 0;
out:
	db_finalize(s);
	return rc;
}

struct report_walk {
	store_report_fn	 fn;
	void		*arg;
};

static int
report_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct report_walk	*w = arg;
	struct report_value	 v = {
		.project = store_col_text(r, 0),
		.indicator = store_col_text(r, 1),
		.value = store_col_double(r, 2),
		.note = store_col_text(r, 3),
		.by = store_col_text(r, 4),
		.at_ms = store_col_int(r, 5),
	};

	return w->fn(w->arg, &v, err, errlen) == -1 ? -1 : 0;
}

int
store_report_list(struct store *st, int year, store_report_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct report_walk w = { fn, arg };

	return store_query(st, STORE_ONCE, "SELECT project, indicator, value, "
	    "note, set_by, set_at FROM report_values WHERE year = ?1 ORDER BY "
	    "project, indicator", "reading report values", report_row, &w,
	    err, errlen, "i", year) == -1 ? -1 : 0;
}
