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
	struct db *db = store_db(st);
	struct db_stmt	*sel = NULL, *del = NULL;
	int64_t		 id, n_del = 0, n_kept = 0, last = *cursor;
	int		 r, seen = 0, rc = -1, more = 1;

	if (db_begin_write(db) != 0) {
		store_db_err(st, "pruning events (begin)", err, errlen);
		return -1;
	}
	if (db_prepare(db, "SELECT e.id, e.received, EXISTS (SELECT 1 "
	    "FROM incident_events ie WHERE ie.event_id = e.id) FROM events e "
	    "WHERE e.id > ?1 ORDER BY e.id LIMIT ?2", 0, &sel) != 0 ||
	    db_prepare(db, "DELETE FROM events WHERE id = ?1", 0, &del) != 0) {
		store_db_err(st, "pruning events", err, errlen);
		goto out;
	}
	db_bind_int64(sel, 1, *cursor);
	db_bind_int(sel, 2, limit);
	while ((r = db_step(sel)) == DB_ROW) {
		seen++;
		id = db_column_int64(sel, 0);
		if (db_column_int64(sel, 1) >= cutoff_ms) {
			more = 0;
			break;
		}
		last = id;
		if (db_column_int(sel, 2)) {
			n_kept++;
			continue;
		}
		db_bind_int64(del, 1, id);
		if (db_step(del) != DB_DONE) {
			store_db_err(st, "pruning events (delete)", err, errlen);
			goto out;
		}
		db_reset(del);
		n_del++;
	}
	if (r != DB_ROW && r != DB_DONE) {
		store_db_err(st, "pruning events (select)", err, errlen);
		goto out;
	}
	if (seen < limit)
		more = 0;	/* the end of the table */
	db_finalize(sel);
	sel = NULL;
	if (db_exec(db, "COMMIT") != 0) {
		store_db_err(st, "pruning events (commit)", err, errlen);
		goto out;
	}
	*cursor = last;
	*deleted += n_del;
	*kept += n_kept;
	rc = more;
out:
	db_finalize(sel);
	db_finalize(del);
	if (rc == -1)
		db_exec(db, "ROLLBACK");
	return rc;
}
