/*
 * Event retention (see store_retention.h): the SQL of the daily prune.
 */
#include <inttypes.h>
#include <stdio.h>

#include "collector/store_priv.h"
#include "collector/store_retention.h"

const char store_retention_migration[] =
	"CREATE INDEX incident_events_event ON incident_events(event_id);";

int
store_prune_events(struct store *st, int64_t cutoff_ms, int limit,
    int64_t *cursor, int64_t *deleted, int64_t *kept, char *err,
    size_t errlen)
{
	sqlite3		*db = store_db(st);
	sqlite3_stmt	*sel = NULL, *del = NULL;
	int64_t		 id, n_del = 0, n_kept = 0, last = *cursor;
	int		 r, seen = 0, rc = -1, more = 1;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_db_err(st, "pruning events (begin)", err, errlen);
		return -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT e.id, e.received, EXISTS (SELECT 1 "
	    "FROM incident_events ie WHERE ie.event_id = e.id) FROM events e "
	    "WHERE e.id > ?1 ORDER BY e.id LIMIT ?2", -1, &sel, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "DELETE FROM events WHERE id = ?1", -1,
	    &del, NULL) != SQLITE_OK) {
		store_db_err(st, "pruning events", err, errlen);
		goto out;
	}
	sqlite3_bind_int64(sel, 1, *cursor);
	sqlite3_bind_int(sel, 2, limit);
	while ((r = sqlite3_step(sel)) == SQLITE_ROW) {
		seen++;
		id = sqlite3_column_int64(sel, 0);
		if (sqlite3_column_int64(sel, 1) >= cutoff_ms) {
			more = 0;
			break;
		}
		last = id;
		if (sqlite3_column_int(sel, 2)) {
			n_kept++;
			continue;
		}
		sqlite3_bind_int64(del, 1, id);
		if (sqlite3_step(del) != SQLITE_DONE) {
			store_db_err(st, "pruning events (delete)", err, errlen);
			goto out;
		}
		sqlite3_reset(del);
		n_del++;
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		store_db_err(st, "pruning events (select)", err, errlen);
		goto out;
	}
	if (seen < limit)
		more = 0;	/* the end of the table */
	sqlite3_finalize(sel);
	sel = NULL;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_db_err(st, "pruning events (commit)", err, errlen);
		goto out;
	}
	*cursor = last;
	*deleted += n_del;
	*kept += n_kept;
	rc = more;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	if (rc == -1)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
