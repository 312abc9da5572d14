/*
 * The office's entered report values: see store_report.h.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "collector/store_priv.h"
#include "collector/store_report.h"
#include "common/timeutil.h"

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
	sqlite3_stmt	*s = NULL;
	int		 rc = -1;

	if (store_prepare(st, "INSERT OR REPLACE INTO report_values (year, "
	    "project, indicator, value, note, set_by, set_at) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7)", &s, err, errlen) == -1)
		goto out;
	sqlite3_bind_int(s, 1, year);
	sqlite3_bind_text(s, 2, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, indicator, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 4, value);
	sqlite3_bind_text(s, 5, note, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, now_ms);
	if (sqlite3_step(s) != SQLITE_DONE) {
		store_db_err(st, "storing a report value", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_report_list(struct store *st, int year, json_t **out, char *err,
    size_t errlen)
{
	sqlite3_stmt	*s = NULL;
	json_t		*arr = json_array();
	int		 rc = -1, step;
	char		 at[32];

	*out = NULL;
	if (arr == NULL)
		goto nomem;
	if (store_prepare(st, "SELECT project, indicator, value, note, set_by, "
	    "set_at FROM report_values WHERE year = ?1 ORDER BY project, "
	    "indicator", &s, err, errlen) == -1)
		goto out;
	sqlite3_bind_int(s, 1, year);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (time_format_utc(sqlite3_column_int64(s, 5), at,
		    sizeof(at)) == -1)
			at[0] = '\0';
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:f, s:s, "
		    "s:s, s:s}", "project", sqlite3_column_text(s, 0),
		    "indicator", sqlite3_column_text(s, 1),
		    "value", sqlite3_column_double(s, 2),
		    "note", sqlite3_column_text(s, 3),
		    "by", sqlite3_column_text(s, 4), "at", at)) == -1)
			goto nomem;
	}
	if (step != SQLITE_DONE) {
		store_db_err(st, "reading report values", err, errlen);
		goto out;
	}
	if ((*out = json_pack("{s:i, s:o}", "year", year, "values", arr)) ==
	    NULL)
		goto nomem;
	arr = NULL;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "reading report values: out of memory");
out:
	json_decref(arr);
	sqlite3_finalize(s);
	return rc;
}
