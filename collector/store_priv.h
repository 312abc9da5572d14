/*
 * For the store layer only: collector/store*.c.  Modules that keep their
 * own tables (incidents, assets, tokens, ...) put their SQL in a file
 * collector/store_NAME.c that includes this header, so sqlite3.h stays
 * inside the store layer and a PostgreSQL store replaces store*.c only.
 */
#ifndef SHAOBING_STORE_PRIV_H
#define SHAOBING_STORE_PRIV_H

#include <sqlite3.h>

#include "collector/store.h"

/* The connection, for statements inside the store layer. */
sqlite3		*store_db(struct store *st);
const char	*store_path(const struct store *st);

/*
 * Statements prepared once per store and reused, keyed by an id.
 * Preparing costs more than running a small statement (SQL parse and
 * plan: 4 prepares made folding 4x slower than storing), so every
 * statement with fixed text on a path that runs per event or per request
 * has an id here, grouped by the module that owns its SQL.  Statements
 * whose text is built at run time (optional WHERE clauses) and rare
 * admin reads keep sqlite3_prepare_v2 + sqlite3_finalize.
 */
enum store_stmt_id {
	/* store_incident.c */
	STMT_INCIDENT_LATEST,
	STMT_INCIDENT_FOLD,
	STMT_INCIDENT_OPEN,
	STMT_INCIDENT_LINK,
	STMT_INCIDENT_FIND_OPEN,
	STMT_INCIDENT_FIND_OPEN_TYPES,
	STMT_INCIDENT_STATUS,
	STMT_INCIDENT_ACK,
	STMT_INCIDENT_RESOLVE,
	STMT_INCIDENT_REOPEN,
	STMT_INCIDENT_MSG,
	STMT_TRAIL_LAST,
	STMT_TRAIL_ADD,
	STMT_NOTIFICATION_ADD,
	STMT_NOTIFICATION_MARK,
	/* store_indicator.c */
	STMT_AVAILABILITY_ADD,
	STMT_FINDING_ADD,
	STMT_INCIDENT_PUT,
	/* store_asset.c */
	STMT_ASSET_MANAGED_GET,
	STMT_ASSET_MANAGED_ADD,
	STMT_ASSET_MANAGED_UPDATE,
	STMT_ASSET_AGENT_LINK,
	STMT_ASSET_SNAPSHOT_LAST,
	STMT_ASSET_SNAPSHOT_LOAD,
	STMT_ASSET_SNAPSHOT_ADD,
	STMT_ASSET_SNAPSHOT_CONFIRM,
	STMT_ASSET_SNAPSHOT_AT,
	STMT_ASSET_ADDRS_CLEAR,
	STMT_ASSET_ADDR_ADD,
	STMT_ASSET_ABSORB,
	STMT_ASSET_ADDR_MANAGED,
	STMT_ASSET_UNMANAGED_UPDATE,
	STMT_ASSET_UNMANAGED_ADD,
	STMT_ASSET_TARGET_SEEN,
	STORE_STMT_MAX
};

/*
 * The statement id with text sql, prepared on first use
 * (SQLITE_PREPARE_PERSISTENT) and kept until store_close().  It comes
 * back reset with its bindings cleared.  The caller binds, steps, and
 * ends with store_stmt_release() on every path, so no read transaction
 * stays open and the next user finds it idle.
 *
 * One id is one SQL text: asking for an id with another text fails, as
 * does asking for a statement another caller is still stepping (the same
 * id reached again from inside its own loop); both are programming
 * errors that any test running the path reports.  NULL with err.
 */
sqlite3_stmt	*store_stmt(struct store *st, enum store_stmt_id id,
		    const char *sql, char *err, size_t errlen);
/* Reset s and clear its bindings (SQLITE_STATIC pointers); NULL is fine. */
void		 store_stmt_release(sqlite3_stmt *s);

/* err = "PATH: what: sqlite's message". */
void	store_db_err(struct store *st, const char *what, char *err,
	    size_t errlen);
/*
 * A one-off statement (text built at run time, or a rare admin read):
 * finalize it yourself.  -1 with err and *s NULL.
 */
int	store_prepare(struct store *st, const char *sql, sqlite3_stmt **s,
	    char *err, size_t errlen);
/* Step a cached statement (store_stmt) that returns no rows; release it. */
int	store_stmt_done(struct store *st, sqlite3_stmt *s, const char *what,
	    char *err, size_t errlen);

#endif
