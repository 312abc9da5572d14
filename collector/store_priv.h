/*
 * For the store layer only: collector/store*.c.  Modules that keep their
 * own tables (incidents, assets, tokens, ...) put their SQL in a file
 * collector/store_NAME.c that includes this header, so sqlite3.h stays
 * inside the store layer and a PostgreSQL store replaces store*.c only.
 *
 * Reads use store_query() and the store_col_*() accessors below (the
 * one place that steps rows), and hand each row to their caller as a
 * typed struct (store.h, "Reading").  The ingest path (batch insert,
 * event hooks, incident folding) still binds and steps its cached
 * statements itself.
 */
#ifndef SHAOBING_STORE_PRIV_H
#define SHAOBING_STORE_PRIV_H

#include "collector/db.h"

#include "collector/store.h"

/* The connection, for statements inside the store layer. */
struct db	*store_db(struct store *st);

/*
 * What the ingest fast path's transaction learnt about incidents
 * (store_incident.c): the newest incident of each (agent, key) it folded
 * or looked up, the open one found for a key, and the trail's last row,
 * so a key seen again in the group costs no lookup (one round trip each
 * on PostgreSQL).  Valid inside that one transaction only: store.c turns
 * it on after BEGIN and off at COMMIT or ROLLBACK; the careful path
 * (savepoints) runs without it.  Every write to incidents in the
 * transaction keeps it true: folding updates it, a status change or an
 * incident put any other way forgets it all (store_incache_forget,
 * which writes what it holds first: 0, or -1 with err).
 * The cache is where a store keeps it (store.c), freed at close.
 */
struct store_incache;
struct store_incache **store_incache_slot(struct store *st);
void		 store_incache_on(struct store *st);
void		 store_incache_off(struct store *st);
int		 store_incache_forget(struct store *st, char *err,
		    size_t errlen);
void		 store_incache_free(struct store_incache *c);
/*
 * Folds the fast path's transaction made, written behind: the cache
 * keeps each folded incident's row as the UPDATEs would have left it
 * and writes it once, here (store_behind_flush calls it), before the
 * cache forgets it or gives its slot to another key.  0, or -1 with err.
 */
int		 store_incache_flush(struct store *st, char *err,
		    size_t errlen);

/*
 * Write-behind of the hooks' writes on the fast path (store_behind.c):
 * on after the group's BEGIN, flushed just before its COMMIT, off at
 * COMMIT or ROLLBACK.  While on, the writers below hold their rows in
 * memory; while off they write at once.  Nothing in the transaction
 * reads those rows back.
 */
struct store_behind;
struct store_behind **store_behind_slot(struct store *st);
void		 store_behind_on(struct store *st);
void		 store_behind_off(struct store *st);
int		 store_behind_flush(struct store *st, char *err,
		    size_t errlen);
void		 store_behind_free(struct store_behind *b);

/*
 * The writes held back, each by the module owning the table, which
 * calls store_behind_X() first: 1 when it holds the row (written at the
 * flush), 0 when write-behind is off (write it now), -1 with err.
 */
/* An availability sample (kind NULL: not a device's; schedule NULL and
   interval_ms 0 then). */
struct store_avail_row {
	int64_t		 agent_id, ts, latency_ms, interval_ms;
	const char	*target, *kind, *schedule;
	int		 up, website;
};
int	store_behind_avail(struct store *st, const struct store_avail_row *r,
	    char *err, size_t errlen);
/* n samples in multi-row INSERTs (store_indicator.c). */
int	store_availability_write(struct store *st,
	    const struct store_avail_row *r, size_t n, char *err,
	    size_t errlen);
/* An event linked to the incident it folded into. */
struct store_link {
	int64_t		 incident_id, event_id;
};
int	store_behind_link(struct store *st, int64_t incident_id,
	    int64_t event_id, char *err, size_t errlen);
/* n links in multi-row INSERTs, each pair once (store_incident.c). */
int	store_incident_links_write(struct store *st,
	    const struct store_link *l, size_t n, char *err, size_t errlen);
/* A target checked: seen first at first, last at last (up then). */
struct store_target_row {
	const char	*name, *host, *kind, *vendor, *model;
	int		 up;
	int64_t		 first, last;
};
int	store_behind_target(struct store *st,
	    const struct store_target_row *r, char *err, size_t errlen);
/* Its assets row upserted (store_asset.c). */
int	store_asset_target_write(struct store *st,
	    const struct store_target_row *r, char *err, size_t errlen);
/* A finding seen count times between first and last. */
struct store_finding_row {
	const char	*target, *key, *code, *message;
	int		 severity;
	int64_t		 first, last, count;
};
int	store_behind_finding(struct store *st,
	    const struct store_finding_row *r, char *err, size_t errlen);
/* Its findings row upserted (store_indicator.c). */
int	store_finding_write(struct store *st,
	    const struct store_finding_row *r, char *err, size_t errlen);

/*
 * One schema migration (migrations[] in store.c): the same change in
 * each dialect.  pg is NULL for 1 .. 13, which the PostgreSQL baseline
 * (collector/store_pg.c) covers; every later migration has both.
 */
struct store_migration {
	const char	*sqlite;
	const char	*pg;
};

/* Migration 16 on PostgreSQL (store_pg.c); nothing on SQLite. */
extern const char store_agent_refs_migration_pg[];

/*
 * PostgreSQL: bring the schema of the store's database to this build's
 * version, latest: the baseline (version 13) on an empty database, then
 * m[13 .. latest - 1].pg, under the store's write lock so collectors
 * starting at once migrate once; a newer version is refused
 * (collector/store_pg.c).  SQLite runs m[].sqlite in store.c instead.
 * 0 or -1 with err.
 */
int		 store_pg_migrate(struct store *st,
		    const struct store_migration *m, int latest, char *err,
		    size_t errlen);
/*
 * PostgreSQL: after rows were inserted with explicit ids (a copy from
 * SQLite keeps its ids), move every identity sequence past its table's
 * largest id, so the next INSERT without an id does not collide.  Run it
 * once at the end of the copy, inside or outside its transaction.  0 or
 * -1 with err.
 */
int		 store_pg_reset_sequences(struct store *st, char *err,
		    size_t errlen);

/*
 * Statements prepared once per store and reused, keyed by an id.
 * Preparing costs more than running a small statement (SQL parse and
 * plan: 4 prepares made folding 4x slower than storing), so every
 * statement with fixed text on a path that runs per event or per request
 * has an id here, grouped by the module that owns its SQL.  Statements
 * whose text is built at run time (optional WHERE clauses) and rare
 * admin reads are prepared per call: STORE_ONCE in store_query(), or
 * store_prepare() + sqlite3_finalize on the write path.
 */
enum store_stmt_id {
	/* store_incident.c */
	STMT_INCIDENT_LATEST,
	STMT_INCIDENT_FOLD,
	STMT_INCIDENT_OPEN,
	STMT_INCIDENT_OPEN_ID,
	STMT_INCIDENT_IDS,
	STMT_INCIDENT_IDS_BACK,
	STMT_INCIDENT_LINK,
	STMT_INCIDENT_LINK_MANY,
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
	STMT_OUTBOX_ADD,
	/* store_indicator.c */
	STMT_AVAILABILITY_ADD,
	STMT_AVAILABILITY_ADD_MANY,
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
	/* store_access.c */
	STMT_AGENT_ACCESS,
	STMT_AGENT_CERT_AFTER,
	STORE_STMT_MAX,
	STORE_ONCE = STORE_STMT_MAX	/* store_query(): not cached */
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
struct db_stmt	*store_stmt(struct store *st, enum store_stmt_id id,
		    const char *sql, char *err, size_t errlen);
/* Reset s and clear its bindings (SQLITE_STATIC pointers); NULL is fine. */
void		 store_stmt_release(struct db_stmt *s);

/* err = "PATH: what: sqlite's message". */
void	store_db_err(struct store *st, const char *what, char *err,
	    size_t errlen);
/*
 * A one-off statement (text built at run time, or a rare admin read):
 * finalize it yourself.  -1 with err and *s NULL.
 */
int	store_prepare(struct store *st, const char *sql, struct db_stmt **s,
	    char *err, size_t errlen);
/* Step a cached statement (store_stmt) that returns no rows; release it. */
int	store_stmt_done(struct store *st, struct db_stmt *s, const char *what,
	    char *err, size_t errlen);

/*
 * Step an INSERT ... RETURNING id (new ids come back that way on both
 * backends): 1 with *id of the new row, 0 when no row was inserted (ON
 * CONFLICT DO NOTHING), -1 with err.  s is reset, its bindings kept.
 */
int	store_step_id(struct store *st, struct db_stmt *s, const char *what,
	    int64_t *id, char *err, size_t errlen);

/*
 * "HEAD(?1, ..., ?NCOLS), (...), ... TAIL": a multi-row INSERT of nrows
 * rows, placeholders numbered row after row.  malloc'd; NULL when out
 * of memory.
 */
char		*store_multi_sql(const char *head, size_t ncols, size_t nrows,
		    const char *tail);
/*
 * n rows into a table by multi-row INSERTs of up to STORE_MULTI_ROWS
 * rows each: head "INSERT INTO t (...) VALUES ", tail "" or an ON
 * CONFLICT clause; one is the same INSERT of a single row (its own
 * literal, "head(?1, ...)tail"), kept as statement id for a chunk of
 * one, and a full chunk's text is built once and kept as statement
 * id_full (prepared once: on PostgreSQL, on the server).  bind(s, k, i,
 * arg) binds row i at ?k+1 .. ?k+ncols.  0, or -1 with err ("PATH:
 * what: ...").
 */
#define STORE_MULTI_ROWS	250
typedef void (*store_multi_bind)(struct db_stmt *s, int k, size_t i,
		    const void *arg);
int		 store_multi_write(struct store *st, enum store_stmt_id id,
		    enum store_stmt_id id_full, const char *one,
		    const char *head, const char *tail, size_t ncols,
		    size_t n, store_multi_bind bind, const void *arg,
		    const char *what, char *err, size_t errlen);

/*
 * Reading: the one helper for prepare -> bind -> step -> rows.  Every
 * read of the store layer goes through store_query() and the column
 * accessors below, so a PostgreSQL store implements these once
 * (PQexecParams, PQgetvalue) and the read functions stay as they are.
 *
 * id is a cached statement (enum store_stmt_id, see store_stmt()) or
 * STORE_ONCE: prepared for this call and finalized before it returns.
 * types has one character per placeholder ?1, ?2, ... in order, each
 * taking the next argument:
 *	'i' int, 'I' int64_t, 'd' double,
 *	's' const char * (NULL binds NULL; the text must outlive the call),
 *	'-' no argument: the placeholder is absent from this text (a query
 *	    built with optional clauses).
 * fn runs once per row with a row it reads by column index (from 0); it
 * returns 0 for the next row, 1 to stop early (not an error), or -1 with
 * err set, which store_query() returns.  A row's texts are valid during
 * that call only: copy what you keep.  fn NULL just counts the rows.
 *
 * The number of rows fn was called for, or -1 with err ("PATH: what:
 * the database's message").  No transaction stays open afterwards.
 */
struct store_row;
typedef int (*store_row_fn)(void *arg, const struct store_row *r, char *err,
    size_t errlen);

struct store_arg {
	char		 type;		/* 'i', 'I', 'd', 's', '-' as above */
	int64_t		 i;
	double		 d;
	const char	*s;
};

int	store_query(struct store *st, enum store_stmt_id id, const char *sql,
	    const char *what, store_row_fn fn, void *arg, char *err,
	    size_t errlen, const char *types, ...);
/*
 * The first row's columns 0 .. nv - 1 as integers into v (NULL reads as
 * 0; v all 0 without a row): 1 a row, 0 none, -1 with err.  For the
 * many reads of one row of numbers (an id, a flag, a time).  id as in
 * store_query(): a cached statement for a read made per request.
 */
int	store_query_ints(struct store *st, enum store_stmt_id id,
	    const char *sql, const char *what, int64_t *v, size_t nv,
	    char *err, size_t errlen, const char *types, ...);
/* store_query() with the arguments in an array of n (type per element). */
int	store_query_args(struct store *st, enum store_stmt_id id,
	    const char *sql, const char *what, const struct store_arg *args,
	    size_t n, store_row_fn fn, void *arg, char *err, size_t errlen);

/*
 * Paged lists (events, incidents) ask for limit + 1 rows: the extra one
 * only says that another page exists.  A row callback calls
 * store_page_row() with the row's id first: 1 means "past the page,
 * stop" (return 1), and p->next is then the id to continue from.
 */
struct store_page {
	int	 n, limit;
	int64_t	 last_id, next;
};
int	store_page_row(struct store_page *p, int64_t id);

/*
 * JSON in SQL, which the backends spell differently: the SQL
 * expression (into buf, returned) for the string field key of the JSON
 * object in text column col, NULL when the text is not JSON or the
 * field is missing or not a string.  col and key are SQL the caller
 * writes, never outside input.
 */
#define STORE_JSON_SQL_MAX	256
const char	*store_json_string(struct store *st, const char *col,
		    const char *key, char *buf, size_t len);

/* Column col of r: NULL reads as 0, 0.0 or a NULL text. */
int64_t		 store_col_int(const struct store_row *r, int col);
double		 store_col_double(const struct store_row *r, int col);
const char	*store_col_text(const struct store_row *r, int col);
/* Bytes of a text column (it may hold NULs: event data). */
size_t		 store_col_bytes(const struct store_row *r, int col);
int		 store_col_null(const struct store_row *r, int col);
/* A nullable time column: STORE_NO_TIME for NULL. */
int64_t		 store_col_time(const struct store_row *r, int col);

#endif
