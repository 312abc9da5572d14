/*
 * shaobing-collector --migrate-store FROM TO: copy an office's store into
 * another database (the real use: its SQLite file into PostgreSQL when
 * it moves to several collectors; SQLite into SQLite works too).
 *
 * FROM is opened with store_open(), so its schema is first brought to
 * this build's version (in place, as a collector starting on it would);
 * TO is opened the same way (its schema is created) and must hold no
 * rows.  Every table is copied with its ids, column by column by name,
 * parents before children, in one write transaction on TO; identity
 * sequences then continue after the highest id.  The copy is verified:
 * row counts per table, and the incident trail's hash chain recomputed
 * on TO (store_incident_verify) ending on the same hash as FROM's.
 */
#ifndef SHAOBING_STORE_MIGRATE_H
#define SHAOBING_STORE_MIGRATE_H

#include <stdint.h>
#include <stdio.h>

struct store_migrate_opts {
	int64_t	 progress_rows;	/* a progress line every N rows (0: 100,000) */
	FILE	*summary;	/* the summary table (NULL: stdout) */
};

/*
 * 0 copied and verified; 1 the copy or its verification failed (TO
 * unchanged when the copy failed; FROM's own trail broken: nothing
 * copied); 2 unusable arguments: a database that cannot be opened, FROM
 * missing, FROM and TO the same, TO not empty (nothing changed).  Every
 * failure is logged with what and where.
 */
int	store_migrate(const char *from, const char *to,
	    const struct store_migrate_opts *o);

#endif
