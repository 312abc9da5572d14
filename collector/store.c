/*
 * The store, on SQLite or PostgreSQL (collector/db.h).  See store.h for
 * the contract.
 *
 * Durability: SQLite runs journal_mode=WAL with synchronous=FULL, so a
 * COMMIT has reached the disk (the WAL is fsync'd) before it returns;
 * PostgreSQL's COMMIT returns after its WAL flush (synchronous_commit,
 * on by default).  The collector acknowledges a batch only after that:
 * kill -9 at any moment loses no acknowledged batch.
 *
 * The ingest path is one write transaction (db_begin_write: on
 * PostgreSQL an advisory lock, so the collectors sharing a database
 * write one at a time) for the batches that arrived together (group
 * commit: one COMMIT, one fsync).  It tries them without savepoints
 * first (each batch's events by multi-row INSERTs, see events_multi());
 * when that fails for good it stores them again with
 * each batch in a savepoint and each event in a savepoint inside it.
 * Statements are prepared once at open (on PostgreSQL's server on first
 * use); event data is serialised into one reused buffer.  The schema:
 * migrations[] below, and on PostgreSQL the baseline of store_pg.c.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/db.h"

#include "collector/incident.h"
#include "collector/outbox.h"
#include "collector/store_access.h"
#include "collector/console.h"
#include "collector/store_asset.h"
#include "collector/store_indicator.h"
#include "collector/store_priv.h"
#include "collector/store_report.h"
#include "collector/store_retention.h"
#include "collector/store_website.h"
#include "common/log.h"
#include "common/taxonomy.h"
#include "common/text.h"
#include "common/timeutil.h"

/*
 * Schema migrations, numbered from 1: migrations[i] brings the schema
 * from version i to i + 1 (SQLite: PRAGMA user_version; PostgreSQL: the
 * row of shaobing_schema).  Never edit a migration that has shipped;
 * append.
 *
 * Each migration carries both dialects: { SQLite's text, PostgreSQL's }.
 * 1 .. 13 have NULL for PostgreSQL: a PostgreSQL store starts at 13 with
 * the baseline of collector/store_pg.c (their schema, translated).  From
 * 14 on a migration must have both texts, the PostgreSQL one following
 * the rules at the top of store_pg.c (BIGINT, identity ids, TEXT COLLATE
 * "C", BYTEA, plpgsql triggers); a NULL there makes every PostgreSQL
 * store refuse to open, and test_store checks both run.
 *
 * Times are INTEGER UTC milliseconds.  severity is 0 info .. 4 critical
 * (enum severity), so incidents can select "severity >= high" cheaply.
 * events.id is AUTOINCREMENT: ids never go back even after retention
 * deletes rows, so admin paging by after_id stays correct.
 *
 * Later issues add their tables as migrations 2, 3, ... here:
 * incidents (+ incident_events, the hash-chained incident trail),
 * assets and inventory snapshots, notifications, indicator history,
 * enrollment tokens and agent revocation (a column on agents).
 */
static const struct store_migration migrations[] = {
	/* 1: agents, events, uptime */
	{ "CREATE TABLE agents ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"		/* certificate CN */
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"		/* collector clock */
	"  last_seq INTEGER NOT NULL DEFAULT 0,"
	"  events INTEGER NOT NULL DEFAULT 0,"
	"  heartbeat_interval_ms INTEGER NOT NULL DEFAULT 60000,"
	"  last_heartbeat INTEGER,"		/* agent clock */
	"  boot_ts INTEGER"
	");"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  agent_id INTEGER NOT NULL REFERENCES agents(id),"
	"  seq INTEGER NOT NULL,"
	"  ts INTEGER NOT NULL,"		/* agent clock */
	"  received INTEGER NOT NULL,"		/* collector clock */
	"  type TEXT NOT NULL,"
	"  severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 4),"
	"  key TEXT NOT NULL,"
	"  data TEXT NOT NULL,"			/* JSON object */
	"  UNIQUE (agent_id, seq)"
	");"
	"CREATE INDEX events_agent ON events(agent_id, id);"
	"CREATE INDEX events_type ON events(type, id);"
	"CREATE INDEX events_ts ON events(ts);"
	"CREATE TABLE uptime ("
	"  id INTEGER PRIMARY KEY,"
	"  agent_id INTEGER NOT NULL REFERENCES agents(id),"
	"  start_ts INTEGER NOT NULL,"
	"  end_ts INTEGER NOT NULL,"
	"  CHECK (end_ts >= start_ts)"
	");"
	"CREATE INDEX uptime_agent ON uptime(agent_id, start_ts);", NULL },
	/* 2: incidents (collector/store_incident.c) */
	{ store_incidents_migration, NULL },
	/* 3: indicators: uptime.boot_ts, availability, findings */
	{ store_indicator_migration, NULL },
	/* 4: assets, inventory snapshots, agents.derived_seq
	   (collector/store_asset.c) */
	{ store_asset_migration, NULL },
	/* 5: enrollment, API tokens, admin audit (store_access.c) */
	{ store_access_migration, NULL },
	/* 6: web console users (collector/store_console.c) */
	{ store_console_migration, NULL },
	/* 7: incident engine: fold-key index, append-only trail triggers,
	   lookup indexes (collector/store_incident.c) */
	{ store_incident_schema, NULL },
	/* 8: incident_events by event, for the retention prune
	   (collector/store_retention.c) */
	{ store_retention_migration, NULL },
	{ store_device_migration, NULL },	/* 9: agentless equipment */
	/* 10: website rebaseline requests (collector/store_website.c) */
	{ store_website_migration, NULL },
	{ store_report_migration, NULL },		/* 11: entered report values */
	/* 12: enrollment tokens that replace an agent's key, API token
	   expiry (collector/store_access.c) */
	{ store_access_replace_migration, NULL },
	/* 13: events the collector accepted but could not store, answered
	   to the agent as rejected (store_insert_batch) */
	{ "CREATE TABLE rejected_events ("
	"  agent_id INTEGER NOT NULL REFERENCES agents(id),"
	"  seq INTEGER NOT NULL,"
	"  ts INTEGER NOT NULL,"			/* agent clock */
	"  received INTEGER NOT NULL,"		/* collector clock */
	"  type TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  error TEXT NOT NULL,"
	"  PRIMARY KEY (agent_id, seq)"
	") WITHOUT ROWID;", NULL },
	/* 14: the notification outbox (collector/store_incident.c) */
	{ store_outbox_migration, store_outbox_migration_pg },
	/* 15: console sessions in the database, for several collectors
	   (collector/store_console.c) */
	{ store_console_sessions_migration,
	  store_console_sessions_migration_pg },
	/* 16: PostgreSQL checks the agent of events and availability rows
	   once per statement (store_pg.c); SQLite keeps its foreign keys */
	{ "", store_agent_refs_migration_pg },
};
#define NMIGRATIONS	((int)(sizeof(migrations) / sizeof(migrations[0])))

/*
 * The ingest path's statements, prepared once at open (persistent: on
 * PostgreSQL, prepared on the server).  Transactions are begun with
 * db_begin_write() and ended with db_exec() (commit(), rollback()): on
 * PostgreSQL that is what notices a COMMIT that rolled back and a
 * connection lost inside the transaction.
 */
enum stmt_id {
	ST_AGENT_GET,
	ST_AGENT_ADD,
	ST_EVENT_ADD,
	ST_AGENT_BATCH,
	ST_AGENT_HB,
	ST_UPTIME_LAST,
	ST_UPTIME_EXTEND,
	ST_UPTIME_ADD,
	ST_DERIVED_SEQ,
	ST_EV_SAVEPOINT,
	ST_EV_RELEASE,
	ST_EV_UNDO,
	ST_BATCH_SAVEPOINT,
	ST_BATCH_RELEASE,
	ST_BATCH_UNDO,
	ST_REJECTED_GET,
	ST_REJECTED_ADD,
	ST_MAX
};

static const char *const stmt_sql[ST_MAX] = {
	[ST_AGENT_GET] = "SELECT id, last_seq FROM agents WHERE name = ?1",
	[ST_AGENT_ADD] = "INSERT INTO agents (name, first_seen, last_seen) "
	    "VALUES (?1, ?2, ?2) RETURNING id",
	[ST_EVENT_ADD] = "INSERT INTO events (agent_id, seq, ts, received, "
	    "type, severity, key, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	    "ON CONFLICT (agent_id, seq) DO NOTHING RETURNING id",
	[ST_AGENT_BATCH] = "UPDATE agents SET last_seen = greatest(last_seen, "
	    "?2), last_seq = greatest(last_seq, ?3), events = events + ?4 "
	    "WHERE id = ?1",
	[ST_AGENT_HB] = "UPDATE agents SET last_seen = greatest(last_seen, ?2), "
	    "heartbeat_interval_ms = ?3, last_heartbeat = ?4, boot_ts = ?5 "
	    "WHERE id = ?1",
	[ST_UPTIME_LAST] = "SELECT id, start_ts, end_ts FROM uptime "
	    "WHERE agent_id = ?1 ORDER BY start_ts DESC LIMIT 1",
	[ST_UPTIME_EXTEND] = "UPDATE uptime SET end_ts = ?2 WHERE id = ?1",
	[ST_UPTIME_ADD] = "INSERT INTO uptime (agent_id, start_ts, end_ts, "
	    "boot_ts) VALUES (?1, ?2, ?2, ?3)",
	[ST_DERIVED_SEQ] = "UPDATE agents SET derived_seq = derived_seq - 1 "
	    "WHERE id = ?1 RETURNING derived_seq",
	[ST_EV_SAVEPOINT] = "SAVEPOINT ev",
	[ST_EV_RELEASE] = "RELEASE ev",
	[ST_EV_UNDO] = "ROLLBACK TO ev",
	[ST_BATCH_SAVEPOINT] = "SAVEPOINT batch",
	[ST_BATCH_RELEASE] = "RELEASE batch",
	[ST_BATCH_UNDO] = "ROLLBACK TO batch",
	[ST_REJECTED_GET] = "SELECT error FROM rejected_events "
	    "WHERE agent_id = ?1 AND seq = ?2",
	[ST_REJECTED_ADD] = "INSERT INTO rejected_events (agent_id, seq, ts, "
	    "received, type, key, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (agent_id, seq) DO UPDATE SET ts = excluded.ts, "
	    "received = excluded.received, type = excluded.type, "
	    "key = excluded.key, error = excluded.error",
};

#define STORE_HOOKS_MAX	8

struct store {
	struct db *db;
	struct store_incache *incache;	/* store_priv.h */
	struct store_behind *behind;	/* store_priv.h */
	char		*path;
	int		 version;
	struct db_stmt	*st[ST_MAX];
	struct db_stmt	*multi[2];	/* MULTI_ROWS events: new, resent */
	struct multi_ev	*mev;		/* events_multi() */
	size_t		 capmev;
	struct db_stmt	*cache[STORE_STMT_MAX];	/* store_stmt() */
	const char	*cache_sql[STORE_STMT_MAX];
	char		*full_sql[STORE_STMT_MAX];	/* store_multi_write() */
	char		*buf;		/* event data serialisation */
	size_t		 bufsize;
	struct {
		store_event_hook	 fn;
		void			*arg;
	}		 ev_hooks[STORE_HOOKS_MAX];
	size_t		 nev_hooks;
	struct {
		store_batch_hook	 fn;
		void			*arg;
	}		 batch_hooks[STORE_HOOKS_MAX];
	size_t		 nbatch_hooks;
	struct {
		store_prepare_hook	 fn;
		void			*arg;
	}		 prep_hooks[STORE_HOOKS_MAX];
	size_t		 nprep_hooks;
	size_t		*idx;		/* events_multi(): for batch hooks */
	struct {
		store_commit_hook	 fn;
		void			*arg;
	}		 commit_hooks[STORE_HOOKS_MAX];
	size_t		 ncommit_hooks;
	int		 in_derived;	/* hooks are running on a derived event */
	enum db_err	 last_rc;	/* class of the last failure
					   store_db_err() described */
	int		 failing;	/* the last write failed, retryable */
	struct store_rejected *rej;	/* of the last insert */
	size_t		 nrej, caprej;
	char		 failing_why[300];
};

int
store_add_event_hook(struct store *st, store_event_hook fn, void *arg)
{
	if (st->nev_hooks == STORE_HOOKS_MAX)
		return -1;
	st->ev_hooks[st->nev_hooks].fn = fn;
	st->ev_hooks[st->nev_hooks].arg = arg;
	st->nev_hooks++;
	return 0;
}

int
store_add_prepare_hook(struct store *st, store_prepare_hook fn, void *arg)
{
	if (st->nprep_hooks == STORE_HOOKS_MAX)
		return -1;
	st->prep_hooks[st->nprep_hooks].fn = fn;
	st->prep_hooks[st->nprep_hooks].arg = arg;
	st->nprep_hooks++;
	return 0;
}

int
store_add_batch_hook(struct store *st, store_batch_hook fn, void *arg)
{
	if (st->nbatch_hooks == STORE_HOOKS_MAX)
		return -1;
	st->batch_hooks[st->nbatch_hooks].fn = fn;
	st->batch_hooks[st->nbatch_hooks].arg = arg;
	st->nbatch_hooks++;
	return 0;
}

int
store_add_commit_hook(struct store *st, store_commit_hook fn, void *arg)
{
	if (st->ncommit_hooks == STORE_HOOKS_MAX)
		return -1;
	st->commit_hooks[st->ncommit_hooks].fn = fn;
	st->commit_hooks[st->ncommit_hooks].arg = arg;
	st->ncommit_hooks++;
	return 0;
}

static void
run_commit_hooks(struct store *st, enum store_txn what, int level)
{
	for (size_t i = 0; i < st->ncommit_hooks; i++)
		st->commit_hooks[i].fn(st->commit_hooks[i].arg, st, what,
		    level);
}

struct db *
store_db(struct store *st)
{
	return st->db;
}

struct store_incache **
store_incache_slot(struct store *st)
{
	return &st->incache;
}

struct store_behind **
store_behind_slot(struct store *st)
{
	return &st->behind;
}

const char *
store_name(const struct store *st)
{
	return st->path;
}

void
store_db_err(struct store *st, const char *what, char *err, size_t errlen)
{
	st->last_rc = db_errcode(st->db);
	snprintf(err, errlen, "%s: %s: %s", st->path, what,
	    db_errmsg(st->db));
}

/*
 * What a database error means for the sender: the cause ("disk full",
 * ...) when trying again later may succeed, NULL when it is about the
 * data (a constraint, a hook's refusal) and would fail again.
 */
static const char *
retry_cause(enum db_err e)
{
	switch (e) {
	case DB_E_BUSY:
		return "database busy";
	case DB_E_FULL:
		return "disk full";
	case DB_E_READONLY:
		return "database read-only";
	case DB_E_IO:
		return "I/O error";
	case DB_E_CANTOPEN:
		return "cannot open the database files";
	case DB_E_NOMEM:
		return "out of memory";
	case DB_E_CONNECTION:
		return "database connection lost";
	default:
		return NULL;
	}
}

int
store_error_retryable(enum db_err e)
{
	return retry_cause(e) != NULL;
}

const char *
store_retry_cause(struct store *st)
{
	return retry_cause(st->last_rc);
}

/*
 * A write failed: -2 (STORE_RETRY) with err prefixed by the cause when
 * the database said it was temporary, remembered for store_health();
 * -1 otherwise.
 */
static int
write_failed(struct store *st, char *err, size_t errlen)
{
	const char	*cause = retry_cause(st->last_rc);
	char		 tmp[512];

	if (cause == NULL)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s", err);
	snprintf(err, errlen, "%s: %s", cause, tmp);
	snprintf(st->failing_why, sizeof(st->failing_why), "%s", err);
	st->failing = 1;
	return STORE_RETRY;
}

static void
write_ok(struct store *st)
{
	if (st->failing)
		log_info("store: %s: writing works again (it failed with: %s)",
		    st->path, st->failing_why);
	st->failing = 0;
	st->failing_why[0] = '\0';
}

int
store_health(struct store *st, char *why, size_t whylen)
{
	if (!st->failing) {
		if (whylen > 0)
			why[0] = '\0';
		return 0;
	}
	snprintf(why, whylen, "%s", st->failing_why);
	return 1;
}

int
store_prepare(struct store *st, const char *sql, struct db_stmt **s, char *err,
    size_t errlen)
{
	if (db_prepare(st->db, sql, 0, s) != 0) {
		store_db_err(st, sql, err, errlen);
		*s = NULL;
		return -1;
	}
	return 0;
}

int
store_stmt_done(struct store *st, struct db_stmt *s, const char *what,
    char *err, size_t errlen)
{
	int rc = db_step(s);

	if (rc != DB_DONE)
		store_db_err(st, what, err, errlen);
	store_stmt_release(s);
	return rc == DB_DONE ? 0 : -1;
}

int
store_step_id(struct store *st, struct db_stmt *s, const char *what,
    int64_t *id, char *err, size_t errlen)
{
	int rc = db_step(s);

	if (rc == DB_ROW)
		*id = db_column_int64(s, 0);
	else if (rc == DB_ERROR)
		store_db_err(st, what, err, errlen);
	db_reset(s);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

struct db_stmt *
store_stmt(struct store *st, enum store_stmt_id id, const char *sql,
    char *err, size_t errlen)
{
	struct db_stmt *s;

	if ((unsigned)id >= STORE_STMT_MAX) {
		snprintf(err, errlen, "%s: statement id %d out of range",
		    st->path, (int)id);
		return NULL;
	}
	if ((s = st->cache[id]) == NULL) {
		if (db_prepare(st->db, sql, 1, &s) != 0) {
			store_db_err(st, sql, err, errlen);
			return NULL;
		}
		st->cache[id] = s;
		st->cache_sql[id] = sql;
		return s;
	}
	/* The same literal is the same pointer: strcmp only on a miss. */
	if (st->cache_sql[id] != sql && strcmp(st->cache_sql[id], sql) != 0) {
		snprintf(err, errlen, "%s: statement %d is \"%s\", not \"%s\" "
		    "(two users of one id)", st->path, (int)id,
		    st->cache_sql[id], sql);
		return NULL;
	}
	if (db_stmt_busy(s)) {
		snprintf(err, errlen, "%s: statement %d \"%s\" is still in use "
		    "(not released, or reached again while stepping)", st->path,
		    (int)id, sql);
		return NULL;
	}
	db_reset(s);
	db_clear_bindings(s);
	return s;
}

void
store_stmt_release(struct db_stmt *s)
{
	if (s == NULL)
		return;
	db_reset(s);
	db_clear_bindings(s);
}

struct store_row {
	struct db_stmt	*s;
};

int
store_query_args(struct store *st, enum store_stmt_id id, const char *sql,
    const char *what, const struct store_arg *args, size_t n,
    store_row_fn fn, void *arg, char *err, size_t errlen)
{
	struct store_row	 r = { NULL };
	size_t			 i, last = 0;
	int			 rc = -1, step = DB_DONE, rows = 0, stop = 0, b = 0;

	if (id == STORE_ONCE) {
		if (db_prepare(st->db, sql, 0, &r.s) !=
		    0) {
			store_db_err(st, what, err, errlen);
			return -1;
		}
	} else if ((r.s = store_stmt(st, id, sql, err, errlen)) == NULL)
		return -1;
	st->last_rc = DB_E_NONE;
	/* Arguments up to the last one the text has. */
	for (i = 0; i < n; i++)
		if (args[i].type != '-')
			last = i + 1;
	for (i = 0; i < n && b == 0; i++) {
		int k = (int)i + 1;

		switch (args[i].type) {
		case 'i':
		case 'I':
			b = db_bind_int64(r.s, k, args[i].i);
			break;
		case 'd':
			b = db_bind_double(r.s, k, args[i].d);
			break;
		case 's':
			b = args[i].s == NULL ? db_bind_null(r.s, k) :
			    db_bind_text(r.s, k, args[i].s, -1);
			break;
		case '-':
			/*
			 * Absent from the text: PostgreSQL still wants a
			 * type for a number below the largest it has ("could
			 * not determine data type of parameter $2").
			 */
			if (i < last)
				b = db_bind_int64(r.s, k, 0);
			break;
		default:
			snprintf(err, errlen, "%s: %s: argument %d has type "
			    "'%c'", st->path, what, k, args[i].type);
			goto out;
		}
	}
	if (b != 0) {
		store_db_err(st, what, err, errlen);
		goto out;
	}
	while (!stop && (step = db_step(r.s)) == DB_ROW) {
		rows++;
		if (fn != NULL && (stop = fn(arg, &r, err, errlen)) == -1)
			goto out;
	}
	if (!stop && step != DB_DONE) {
		store_db_err(st, what, err, errlen);
		goto out;
	}
	rc = rows;
out:
	if (id == STORE_ONCE)
		db_finalize(r.s);
	else
		store_stmt_release(r.s);
	return rc;
}

/* store_query() with its arguments in ap. */
static int
query_va(struct store *st, enum store_stmt_id id, const char *sql,
    const char *what, store_row_fn fn, void *arg, char *err, size_t errlen,
    const char *types, va_list ap)
{
	struct store_arg	 args[16];
	size_t			 n;

	for (n = 0; types[n] != '\0'; n++) {
		struct store_arg *a = &args[n];

		if (n == sizeof(args) / sizeof(args[0])) {
			snprintf(err, errlen, "%s: %s: more than %zu "
			    "arguments", st->path, what, n);
			return -1;
		}
		a->type = types[n];
		switch (a->type) {
		case 'i':
			a->i = va_arg(ap, int);
			break;
		case 'I':
			a->i = va_arg(ap, int64_t);
			break;
		case 'd':
			a->d = va_arg(ap, double);
			break;
		case 's':
			a->s = va_arg(ap, const char *);
			break;
		default:	/* '-' and typos: store_query_args decides */
			break;
		}
	}
	return store_query_args(st, id, sql, what, args, n, fn, arg, err,
	    errlen);
}

int
store_query(struct store *st, enum store_stmt_id id, const char *sql,
    const char *what, store_row_fn fn, void *arg, char *err, size_t errlen,
    const char *types, ...)
{
	va_list	ap;
	int	r;

	va_start(ap, types);
	r = query_va(st, id, sql, what, fn, arg, err, errlen, types, ap);
	va_end(ap);
	return r;
}

struct ints_read {
	int64_t	*v;
	size_t	 n;
};

static int
ints_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct ints_read *w = arg;

	(void)err;
	(void)errlen;
	for (size_t i = 0; i < w->n; i++)
		w->v[i] = store_col_int(r, (int)i);
	return 1;
}

int
store_query_ints(struct store *st, enum store_stmt_id id, const char *sql,
    const char *what, int64_t *v, size_t nv, char *err, size_t errlen,
    const char *types, ...)
{
	struct ints_read	w = { v, nv };
	va_list			ap;
	int			r;

	for (size_t i = 0; i < nv; i++)
		v[i] = 0;
	va_start(ap, types);
	r = query_va(st, id, sql, what, ints_row, &w, err, errlen,
	    types, ap);
	va_end(ap);
	return r;
}

int64_t
store_col_int(const struct store_row *r, int col)
{
	return db_column_int64(r->s, col);
}

double
store_col_double(const struct store_row *r, int col)
{
	return db_column_double(r->s, col);
}

const char *
store_col_text(const struct store_row *r, int col)
{
	return db_column_text(r->s, col);
}

size_t
store_col_bytes(const struct store_row *r, int col)
{
	return (size_t)db_column_bytes(r->s, col);
}

int
store_col_null(const struct store_row *r, int col)
{
	return db_column_null(r->s, col);
}

int64_t
store_col_time(const struct store_row *r, int col)
{
	return store_col_null(r, col) ? STORE_NO_TIME : store_col_int(r, col);
}

int
store_page_row(struct store_page *p, int64_t id)
{
	if (p->n == p->limit) {
		p->next = p->last_id;
		return 1;
	}
	p->last_id = id;
	p->n++;
	return 0;
}

/* Run one prepared statement that returns no rows. */
static int
stmt_done(struct store *st, enum stmt_id id, char *err, size_t errlen)
{
	struct db_stmt	*s = st->st[id];
	int		 rc = db_step(s);

	db_reset(s);
	if (rc != DB_DONE) {
		store_db_err(st, stmt_sql[id], err, errlen);
		return -1;
	}
	return 0;
}

static void
rollback(struct store *st)
{
	if (!db_in_transaction(st->db))
		return;
	if (db_exec(st->db, "ROLLBACK") == -1)
		log_warnx("store: %s: ROLLBACK: %s", st->path,
		    db_errmsg(st->db));
}

/* Start the write transaction of a batch group or a heartbeat. */
static int
begin(struct store *st, char *err, size_t errlen)
{
	if (db_begin_write(st->db) == 0)
		return 0;
	store_db_err(st, "starting a write transaction", err, errlen);
	return -1;
}

static int
commit(struct store *st, char *err, size_t errlen)
{
	if (db_exec(st->db, "COMMIT") == 0)
		return 0;
	store_db_err(st, "COMMIT", err, errlen);
	return -1;
}

static int
exec_sql(struct store *st, const char *sql, char *err, size_t errlen)
{
	if (db_exec(st->db, sql) != 0) {
		snprintf(err, errlen, "%s: %s", st->path, db_errmsg(st->db));
		return -1;
	}
	return 0;
}

static int
pragma_int(struct store *st, const char *sql, int *v, char *err, size_t errlen)
{
	struct db_stmt	*s = NULL;
	int		 rc = -1;

	if (db_prepare(st->db, sql, 0, &s) != 0 ||
	    db_step(s) != DB_ROW) {
		store_db_err(st, sql, err, errlen);
		goto out;
	}
	*v = db_column_int(s, 0);
	rc = 0;
out:
	db_finalize(s);
	return rc;
}

static int
migrate(struct store *st, char *err, size_t errlen)
{
	char	sql[64];
	int	v;

	if (pragma_int(st, "PRAGMA user_version", &v, err, errlen) == -1)
		return -1;
	while (v < NMIGRATIONS) {
		/*
		 * Another collector on the same file may be migrating too:
		 * read the version again under the write lock, so each step
		 * runs once whoever gets there first.
		 */
		if (begin(st, err, errlen) == -1)
			return -1;
		if (pragma_int(st, "PRAGMA user_version", &v, err, errlen) == -1) {
			db_exec(st->db, "ROLLBACK");
			return -1;
		}
		if (v >= NMIGRATIONS) {
			db_exec(st->db, "ROLLBACK");
			break;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec_sql(st, migrations[v].sqlite, err, errlen) == -1 ||
		    exec_sql(st, sql, err, errlen) == -1 ||
		    exec_sql(st, "COMMIT", err, errlen) == -1) {
			db_exec(st->db, "ROLLBACK");
			return -1;
		}
		log_info("store: %s: schema migrated to version %d", st->path,
		    v + 1);
		v++;
	}
	if (v > NMIGRATIONS) {
		snprintf(err, errlen, "%s: schema version %d is newer than this "
		    "collector knows (%d); run a newer shaobing-collector",
		    st->path, v, NMIGRATIONS);
		return -1;
	}
	st->version = v;
	return 0;
}

int
store_schema_latest(void)
{
	return NMIGRATIONS;
}

int
store_schema_version(struct store *st)
{
	return st->version;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store	*st = NULL, *ret = NULL;
	char		 mode[16] = "";
	struct db_stmt	*s = NULL;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if ((st->db = db_open(path, err, errlen)) == NULL)
		goto out;
	if ((st->path = strdup(db_name(st->db))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (db_kind(st->db) == DB_POSTGRES) {
		if (store_pg_migrate(st, migrations, NMIGRATIONS, err, errlen) == -1)
			goto out;
		st->version = NMIGRATIONS;
		goto prepare;
	}
	/* journal_mode answers with the mode in effect: check it. */
	if (db_prepare(st->db, "PRAGMA journal_mode = WAL", 0, &s) != 0 || db_step(s) != DB_ROW) {
		store_db_err(st, "PRAGMA journal_mode", err, errlen);
		goto out;
	}
	snprintf(mode, sizeof(mode), "%s", db_column_text(s, 0));
	db_finalize(s);
	s = NULL;
	/* ":memory:" (tests, fuzzing) cannot be WAL and needs no durability. */
	if (strcmp(mode, "wal") != 0 && strcmp(st->path, ":memory:") != 0) {
		snprintf(err, errlen, "%s: cannot switch to WAL mode (got '%s'); "
		    "put the database on a local file system", path, mode);
		goto out;
	}
	/*
	 * A 1,000-event batch writes about 1 MB of WAL (the row and four
	 * index entries per event): with the default checkpoint at 1,000
	 * pages every other commit also copied the WAL back and fsync'd the
	 * database, and the 2 MB page cache re-read the hot index pages.
	 * Checkpoint every 16 MB of WAL and keep 32 MB of pages instead.
	 */
	if (exec_sql(st, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
	    "PRAGMA wal_autocheckpoint = 4096; PRAGMA cache_size = -32768; "
	    "PRAGMA temp_store = MEMORY",
	    err, errlen) == -1)
		goto out;
	if (migrate(st, err, errlen) == -1)
		goto out;
prepare:
	for (int i = 0; i < ST_MAX; i++) {
		if (db_prepare(st->db, stmt_sql[i], 1, &st->st[i]) != 0) {
			store_db_err(st, stmt_sql[i], err, errlen);
			goto out;
		}
	}
	ret = st;
	st = NULL;
out:
	db_finalize(s);
	store_close(st);
	return ret;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < ST_MAX; i++)
		db_finalize(st->st[i]);
	db_finalize(st->multi[0]);
	db_finalize(st->multi[1]);
	free(st->mev);
	free(st->idx);
	store_incache_free(st->incache);
	store_behind_free(st->behind);
	for (int i = 0; i < STORE_STMT_MAX; i++) {
		db_finalize(st->cache[i]);
		free(st->full_sql[i]);
	}
	db_close(st->db);
	free(st->buf);
	free(st->rej);
	free(st->path);
	free(st);
}

/*
 * Id of agent NAME inside the current transaction, creating the row on
 * first contact.  0, or -1 with err.
 */
static int
agent_get_or_add(struct store *st, const char *name, int64_t now_ms,
    int64_t *id, uint64_t *last_seq, int *created, char *err, size_t errlen)
{
	struct db_stmt	*s = st->st[ST_AGENT_GET];
	int		 rc;

	*created = 0;
	db_bind_text(s, 1, name, -1);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*id = db_column_int64(s, 0);
		*last_seq = (uint64_t)db_column_int64(s, 1);
	}
	db_reset(s);
	db_clear_bindings(s);
	if (rc == DB_ROW)
		return 0;
	if (rc != DB_DONE) {
		store_db_err(st, "looking up agent", err, errlen);
		return -1;
	}
	s = st->st[ST_AGENT_ADD];
	db_bind_text(s, 1, name, -1);
	db_bind_int64(s, 2, now_ms);
	if (db_step(s) != DB_ROW) {
		store_db_err(st, stmt_sql[ST_AGENT_ADD], err, errlen);
		db_reset(s);
		return -1;
	}
	*id = db_column_int64(s, 0);
	db_reset(s);
	db_clear_bindings(s);
	*last_seq = 0;
	*created = 1;
	return 0;
}

/*
 * The compact JSON of ev's data into st->buf at offset off (NUL-ended,
 * the buffer grown as needed): the text it came as when the batch kept it
 * (event_batch_scan), else jansson's dump.  Its length or -1.
 */
static ssize_t
data_text_at(struct store *st, const struct event *ev, size_t off)
{
	const json_t	*data = NULL;
	size_t		 n;

	if (off > st->bufsize)
		return -1;
	if (ev->data_text != NULL)
		n = ev->data_len;
	else if ((data = event_data(ev)) == NULL)
		return -1;
	else
		/* st->buf is NULL until the first event. */
		n = json_dumpb(data, st->buf != NULL ? st->buf + off : NULL,
		    st->bufsize - off, JSON_COMPACT);
	if (n == 0)
		return -1;
	if (data == NULL || n >= st->bufsize - off) {
		size_t	 sz = off + n + 1;
		char	*p;

		if (sz > st->bufsize) {
			sz = sz < 2 * st->bufsize ? 2 * st->bufsize : sz;
			if (sz < 4096)
				sz = 4096;
			if ((p = realloc(st->buf, sz)) == NULL)
				return -1;
			st->buf = p;
			st->bufsize = sz;
		}
		if (data == NULL)
			memcpy(st->buf + off, ev->data_text, n);
		else if (json_dumpb(data, st->buf + off, st->bufsize - off,
		    JSON_COMPACT) != n)
			return -1;
	}
	st->buf[off + n] = '\0';
	return (ssize_t)n;
}

/* Compact JSON of ev's data into st->buf (NUL-terminated); length or -1. */
static ssize_t
data_text(struct store *st, const struct event *ev)
{
	return data_text_at(st, ev, 0);
}

/* Append a rejection to st's list; -1 out of memory. */
static int
reject_add(struct store *st, size_t index, uint64_t seq, int again,
    const char *why)
{
	struct store_rejected *r;

	if (st->nrej == st->caprej) {
		size_t cap = st->caprej ? st->caprej * 2 : 16;

		if ((r = realloc(st->rej, cap * sizeof(*r))) == NULL)
			return -1;
		st->rej = r;
		st->caprej = cap;
	}
	r = &st->rej[st->nrej++];
	r->index = index;
	r->seq = seq;
	r->again = again;
	text_printf(r->error, sizeof(r->error), "%s", why);
	return 0;
}

/* Was (agent, seq) rejected before?  1 with why, 0 no, -1 with err. */
static int
rejected_get(struct store *st, int64_t agent_id, uint64_t seq, char *why,
    size_t whylen, char *err, size_t errlen)
{
	struct db_stmt	*s = st->st[ST_REJECTED_GET];
	int		 rc;

	db_bind_int64(s, 1, agent_id);
	db_bind_int64(s, 2, (int64_t)seq);
	rc = db_step(s);
	if (rc == DB_ROW)
		snprintf(why, whylen, "%s", db_column_text(s,
		    0));
	else if (rc != DB_DONE)
		store_db_err(st, "looking up rejected events", err, errlen);
	db_reset(s);
	db_clear_bindings(s);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

static int
rejected_put(struct store *st, int64_t agent_id, const struct event *ev,
    int64_t now_ms, const char *why, char *err, size_t errlen)
{
	struct db_stmt *s = st->st[ST_REJECTED_ADD];

	db_bind_int64(s, 1, agent_id);
	db_bind_int64(s, 2, (int64_t)ev->seq);
	db_bind_int64(s, 3, ev->ts_ms);
	db_bind_int64(s, 4, now_ms);
	db_bind_text(s, 5, ev->type, -1);
	db_bind_text(s, 6, ev->key, -1);
	db_bind_text(s, 7, why, -1);
	if (stmt_done(st, ST_REJECTED_ADD, err, errlen) == -1)
		return -1;
	db_clear_bindings(s);
	return 0;
}

/* Hand events[i] of b, just stored as event_id, to the hooks: 0 or -1. */
static int
event_hooks(struct store *st, const struct event_batch *b, size_t i,
    int64_t agent_id, int64_t now_ms, int64_t event_id, char *err,
    size_t errlen)
{
	struct store_event_ctx ctx = {
		.event_id = event_id,
		.agent_id = agent_id,
		.agent = b->agent,
		.ev = &b->events[i],
		.received_ms = now_ms,
		.seq = (int64_t)b->events[i].seq,
		.derived = 0,
	};

	for (size_t h = 0; h < st->nev_hooks; h++)
		if (st->ev_hooks[h].fn(st->ev_hooks[h].arg, st, &ctx, err,
		    errlen) == -1)
			return -1;
	return 0;
}

/*
 * Bind and step ST_EVENT_ADD for ev as (agent_id, seq), its data text
 * the first dl bytes of st->buf: DB_ROW with *event_id (stored now),
 * DB_DONE (that seq is stored already) or DB_ERROR.  The caller resets.
 */
static int
event_row_add(struct store *st, int64_t agent_id, int64_t seq,
    const struct event *ev, int64_t now_ms, ssize_t dl, int64_t *event_id)
{
	struct db_stmt	*s = st->st[ST_EVENT_ADD];
	int		 rc;

	db_bind_int64(s, 1, agent_id);
	db_bind_int64(s, 2, seq);
	db_bind_int64(s, 3, ev->ts_ms);
	db_bind_int64(s, 4, now_ms);
	db_bind_text(s, 5, ev->type, -1);
	db_bind_int(s, 6, (int)ev->severity);
	db_bind_text(s, 7, ev->key, -1);
	db_bind_text(s, 8, st->buf, (int)dl);
	if ((rc = db_step(s)) == DB_ROW)
		*event_id = db_column_int64(s, 0);
	return rc;
}

/*
 * Insert one event and run its hooks.  1 inserted, 0 a duplicate, -1
 * with err (the caller rolls back to the event's savepoint).
 */
static int
event_one(struct store *st, const struct event_batch *b, size_t i,
    int64_t agent_id, int64_t now_ms, char *err, size_t errlen)
{
	const struct event	*ev = &b->events[i];
	struct db_stmt		*s = st->st[ST_EVENT_ADD];
	ssize_t			 dl;
	int64_t			 event_id = 0;
	int			 rc;

	if ((dl = data_text(st, ev)) < 0) {
		snprintf(err, errlen, "events[%zu].data: cannot serialise it "
		    "as JSON", i);
		return -1;
	}
	rc = event_row_add(st, agent_id, (int64_t)ev->seq, ev, now_ms, dl,
	    &event_id);
	if (rc == DB_ERROR) {
		/* Short: the agent is told this, not the SQL. */
		st->last_rc = db_errcode(st->db);
		text_printf(err, errlen, "storing the event: %s",
		    db_errmsg(st->db));
		db_reset(s);
		return -1;
	}
	db_reset(s);
	if (rc != DB_ROW)
		return 0;
	return event_hooks(st, b, i, agent_id, now_ms, event_id, err,
	    errlen) == -1 ? -1 : 1;
}

/*
 * The fast path: the batch's new events go in by multi-row INSERTs of up
 * to MULTI_ROWS rows, then the hooks run on each stored event in batch
 * order, as event_one() would have run them.  A derived event a hook adds
 * therefore gets an id after the whole batch's.  On PostgreSQL that is
 * one round trip to the server per 250 events instead of one per event;
 * on SQLite one statement's start, end and AUTOINCREMENT bookkeeping per
 * 250 rows instead of per row (1.5x the events/s of a row at a time in
 * `ingest direct`).  SQLite's statement journal for such a statement is
 * kept in memory (PRAGMA temp_store = MEMORY).
 */
#define MULTI_ROWS	250
#define MULTI_COLS	8

struct multi_ev {
	uint64_t	seq;
	size_t		i;		/* index in the batch */
	int64_t		id;		/* 0: not stored (a duplicate) */
};

static int
multi_cmp(const void *a, const void *b)
{
	const struct multi_ev *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

char *
store_multi_sql(const char *head, size_t ncols, size_t nrows,
    const char *tail)
{
	size_t	 len = strlen(head) + strlen(tail) + 2 +
		    nrows * ncols * 9 + nrows * 4;
	size_t	 o;
	char	*sql;

	if ((sql = malloc(len)) == NULL)
		return NULL;
	o = (size_t)snprintf(sql, len, "%s", head);
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++)
			o += (size_t)snprintf(sql + o, len - o, "%s?%zu",
			    c == 0 ? (r == 0 ? "(" : "), (") : ", ",
			    r * ncols + c + 1);
	}
	snprintf(sql + o, len - o, ")%s", tail);
	return sql;
}

int
store_multi_write(struct store *st, enum store_stmt_id id,
    enum store_stmt_id id_full, const char *one, const char *head,
    const char *tail, size_t ncols, size_t n, store_multi_bind bind,
    const void *arg, const char *what, char *err, size_t errlen)
{
	for (size_t o = 0; o < n; o += STORE_MULTI_ROWS) {
		size_t		 m = n - o < STORE_MULTI_ROWS ? n - o :
				    STORE_MULTI_ROWS;
		struct db_stmt	*s = NULL;
		char		*sql = NULL;
		int		 rc, kept = m == 1 || m == STORE_MULTI_ROWS;

		if (m == STORE_MULTI_ROWS && st->full_sql[id_full] == NULL &&
		    (st->full_sql[id_full] = store_multi_sql(head, ncols, m,
		    tail)) == NULL) {
			snprintf(err, errlen, "%s: %s: out of memory",
			    st->path, what);
			return -1;
		}
		if (m == 1)
			s = store_stmt(st, id, one, err, errlen);
		else if (m == STORE_MULTI_ROWS)
			s = store_stmt(st, id_full, st->full_sql[id_full], err,
			    errlen);
		else if ((sql = store_multi_sql(head, ncols, m, tail)) == NULL)
			snprintf(err, errlen, "%s: %s: out of memory",
			    st->path, what);
		else
			(void)store_prepare(st, sql, &s, err, errlen);
		free(sql);
		if (s == NULL)
			return -1;
		for (size_t i = 0; i < m; i++)
			bind(s, (int)(i * ncols), o + i, arg);
		if ((rc = db_step(s)) != DB_DONE)
			store_db_err(st, what, err, errlen);
		if (kept)
			store_stmt_release(s);
		else
			db_finalize(s);
		if (rc != DB_DONE)
			return -1;
	}
	return 0;
}

/*
 * "INSERT ... VALUES (?1, ..., ?8), ... RETURNING id, seq" for n rows;
 * resent: events the agent sent before may be among them (seq <= the
 * agent's last_seq), so ON CONFLICT DO NOTHING.  Without it (every seq
 * above last_seq, read under the writers' lock: none can be stored) the
 * database skips a probe of UNIQUE (agent_id, seq) per row, a fifth of
 * the INSERT's time on PostgreSQL; a conflict there after all fails the
 * fast path, and the careful path stores the group.
 */
static char *
multi_sql(size_t n, int resent)
{
	return store_multi_sql("INSERT INTO events (agent_id, seq, ts, "
	    "received, type, severity, key, data) VALUES ", MULTI_COLS, n,
	    resent ? " ON CONFLICT (agent_id, seq) DO NOTHING RETURNING id, "
	    "seq" : " RETURNING id, seq");
}

/*
 * Insert mev[0 .. n - 1] (n <= MULTI_ROWS), setting their ids; seqs at
 * most last_seq may be stored already.
 */
static int
multi_insert(struct store *st, const struct event_batch *b, int64_t agent_id,
    int64_t now_ms, struct multi_ev *mev, size_t n, uint64_t last_seq,
    char *err, size_t errlen)
{
	struct db_stmt	*s;
	char		*sql = NULL;
	size_t		 off[MULTI_ROWS];
	int		 len[MULTI_ROWS];
	int		 rc, resent = 0;

	for (size_t r = 0; r < n; r++)
		resent |= mev[r].seq <= last_seq;
	if (n == MULTI_ROWS && st->multi[resent] != NULL)
		s = st->multi[resent];
	else {
		if ((sql = multi_sql(n, resent)) == NULL ||
		    db_prepare(st->db, sql, n == MULTI_ROWS, &s) != 0) {
			free(sql);
			snprintf(err, errlen, "storing the events: %s",
			    sql == NULL ? "out of memory" : db_errmsg(st->db));
			st->last_rc = sql == NULL ? DB_E_NOMEM : db_errcode(st->db);
			return -1;
		}
		free(sql);
		if (n == MULTI_ROWS)
			st->multi[resent] = s;
	}
	/*
	 * Every row's data first, one after the other in st->buf: SQLite
	 * reads bound texts in place, so they must all stay put until the
	 * statement has run.
	 */
	for (size_t r = 0, o = 0; r < n; r++) {
		ssize_t dl = data_text_at(st, &b->events[mev[r].i], o);

		if (dl < 0) {
			snprintf(err, errlen, "events[%zu].data: cannot "
			    "serialise it as JSON", mev[r].i);
			rc = DB_ERROR;
			goto out;
		}
		off[r] = o;
		len[r] = (int)dl;
		o += (size_t)dl + 1;
	}
	for (size_t r = 0; r < n; r++) {
		const struct event	*ev = &b->events[mev[r].i];
		int			 k = (int)(r * MULTI_COLS);

		if (db_bind_int64(s, k + 1, agent_id) != 0 ||
		    db_bind_int64(s, k + 2, (int64_t)ev->seq) != 0 ||
		    db_bind_int64(s, k + 3, ev->ts_ms) != 0 ||
		    db_bind_int64(s, k + 4, now_ms) != 0 ||
		    db_bind_text(s, k + 5, ev->type, -1) != 0 ||
		    db_bind_int(s, k + 6, (int)ev->severity) != 0 ||
		    db_bind_text(s, k + 7, ev->key, -1) != 0 ||
		    db_bind_text(s, k + 8, st->buf + off[r], len[r]) != 0) {
			st->last_rc = db_errcode(st->db);
			text_printf(err, errlen, "storing the events: %s",
			    db_errmsg(st->db));
			rc = DB_ERROR;
			goto out;
		}
		mev[r].id = 0;
	}
	/* Rows back: (id, seq) of each one stored; map them by seq. */
	qsort(mev, n, sizeof(*mev), multi_cmp);
	while ((rc = db_step(s)) == DB_ROW) {
		uint64_t	 seq = (uint64_t)db_column_int64(s, 1);
		size_t		 lo = 0, hi = n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (mev[mid].seq < seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* The first of equal seqs: the one a row at a time stores. */
		if (lo < n && mev[lo].seq == seq)
			mev[lo].id = db_column_int64(s, 0);
	}
	if (rc == DB_ERROR) {
		st->last_rc = db_errcode(st->db);
		text_printf(err, errlen, "storing the events: %s",
		    db_errmsg(st->db));
	}
out:
	if (s == st->multi[resent])
		store_stmt_release(s);
	else
		db_finalize(s);
	return rc == DB_DONE ? 0 : -1;
}

/* Room for n events in st->mev; -1 with err. */
static int
multi_room(struct store *st, size_t n, char *err, size_t errlen)
{
	struct multi_ev *mev;
	size_t		*idx;

	if (n <= st->capmev)
		return 0;
	if ((mev = realloc(st->mev, n * sizeof(*mev))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", st->path);
		st->last_rc = DB_E_NOMEM;
		return -1;
	}
	st->mev = mev;
	if ((idx = realloc(st->idx, n * sizeof(*idx))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", st->path);
		st->last_rc = DB_E_NOMEM;
		return -1;
	}
	st->idx = idx;
	st->capmev = n;
	return 0;
}

static int
multi_cmp_index(const void *a, const void *b)
{
	const struct multi_ev *x = a, *y = b;

	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * The new events of a batch (st->mev[0 .. n - 1], in batch order),
 * stored by multi_insert() and then handed to the hooks.  The number
 * stored, or -1 with err.
 */
static int64_t
events_multi(struct store *st, const struct event_batch *b, int64_t agent_id,
    int64_t now_ms, size_t n, uint64_t last_seq, char *err, size_t errlen)
{
	struct multi_ev	*mev = st->mev;
	int64_t		 inserted = 0;

	for (size_t o = 0; o < n; o += MULTI_ROWS)
		if (multi_insert(st, b, agent_id, now_ms, mev + o,
		    n - o < MULTI_ROWS ? n - o : MULTI_ROWS, last_seq, err,
		    errlen) == -1)
			return -1;
	/* Back to batch order for the hooks. */
	qsort(mev, n, sizeof(*mev), multi_cmp_index);
	if (st->nbatch_hooks > 0) {
		size_t k = 0;

		for (size_t r = 0; r < n; r++)
			if (mev[r].id != 0)
				st->idx[k++] = mev[r].i;
		for (size_t h = 0; h < st->nbatch_hooks && k > 0; h++)
			if (st->batch_hooks[h].fn(st->batch_hooks[h].arg, st,
			    agent_id, b, st->idx, k, err, errlen) == -1)
				return -1;
	}
	for (size_t r = 0; r < n; r++) {
		if (mev[r].id == 0)
			continue;
		inserted++;
		if (event_hooks(st, b, mev[r].i, agent_id, now_ms, mev[r].id,
		    err, errlen) == -1)
			return -1;
	}
	return inserted;
}

/*
 * The events of one batch inside the open transaction.  careful: each in
 * its own savepoint, an event that fails for good rejected alone; else
 * (the fast path) without savepoints, and any failure fails the batch.
 * 0; -1 with err when the batch as a whole cannot be stored (the caller
 * rolls it back).  res->rejected is set by the caller.
 */
static int
batch_body(struct store *st, const struct event_batch *b, int64_t now_ms,
    int careful, struct store_batch_result *res, char *err, size_t errlen)
{
	struct db_stmt	*s;
	int64_t		 agent_id;
	uint64_t	 last_seq, max_seq = 0;
	size_t		 inserted = 0, nmulti = 0;
	char		 why[256];
	int		 r;
	/* The fast path stores the events in a few statements. */
	int		 multi = !careful;

	st->last_rc = DB_E_NONE;
	if (agent_get_or_add(st, b->agent, now_ms, &agent_id, &last_seq,
	    &res->new_agent, err, errlen) == -1)
		return -1;
	if (multi && multi_room(st, b->n, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < b->n; i++) {
		const struct event *ev = &b->events[i];

		if (ev->seq > max_seq)
			max_seq = ev->seq;
		if (ev->seq > INT64_MAX) {
			snprintf(err, errlen, "events[%zu].seq: above %" PRId64,
			    i, INT64_MAX);
			return -1;
		}
		/* Handled before: only a rejection needs saying again. */
		if (ev->seq <= last_seq) {
			r = rejected_get(st, agent_id, ev->seq, why, sizeof(why),
			    err, errlen);
			if (r == -1)
				return -1;
			if (r == 1) {
				if (reject_add(st, i, ev->seq, 1, why) == -1)
					goto nomem;
				continue;
			}
		}
		if (multi) {
			st->mev[nmulti].seq = ev->seq;
			st->mev[nmulti].i = i;
			st->mev[nmulti++].id = 0;
			continue;
		}
		/* The careful path: this event in a savepoint of its own. */
		if (stmt_done(st, ST_EV_SAVEPOINT, err, errlen) == -1)
			return -1;
		run_commit_hooks(st, STORE_TXN_MARK, 1);
		st->last_rc = DB_E_NONE;
		if ((r = event_one(st, b, i, agent_id, now_ms, why,
		    sizeof(why))) >= 0) {
			inserted += (size_t)r;
			if (stmt_done(st, ST_EV_RELEASE, err, errlen) == -1)
				return -1;
			continue;
		}
		/* Gone for this event only, unless the database is. */
		if (st->last_rc == DB_E_NONE)
			st->last_rc = db_errcode(st->db);
		if (!db_in_transaction(st->db) ||
		    store_error_retryable(st->last_rc)) {
			snprintf(err, errlen, "%s", why);
			if (st->last_rc == DB_E_NONE || !store_error_retryable(st->last_rc))
				st->last_rc = DB_E_IO;
			return -1;
		}
		if (stmt_done(st, ST_EV_UNDO, err, errlen) == -1 ||
		    stmt_done(st, ST_EV_RELEASE, err, errlen) == -1)
			return -1;
		run_commit_hooks(st, STORE_TXN_UNDO, 1);
		if (rejected_put(st, agent_id, ev, now_ms, why, err,
		    errlen) == -1)
			return -1;
		if (reject_add(st, i, ev->seq, 0, why) == -1)
			goto nomem;
	}
	if (nmulti > 0) {
		int64_t n = events_multi(st, b, agent_id, now_ms, nmulti,
		    last_seq, err, errlen);

		if (n < 0)
			return -1;
		inserted += (size_t)n;
	}
	s = st->st[ST_AGENT_BATCH];
	db_bind_int64(s, 1, agent_id);
	db_bind_int64(s, 2, now_ms);
	db_bind_int64(s, 3, (int64_t)max_seq);
	db_bind_int64(s, 4, (int64_t)inserted);
	if (stmt_done(st, ST_AGENT_BATCH, err, errlen) == -1)
		return -1;
	res->inserted = inserted;
	res->stored_through = b->n > 0 ? max_seq : last_seq;
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory listing rejected events",
	    st->path);
	st->last_rc = DB_E_NOMEM;
	return -1;
}

/*
 * One try at storing the group.  careful 0: no savepoints (each costs a
 * copy of every page its event touches); -1 at the first failure, having
 * rolled back.  careful 1: a savepoint per batch and per event.  0 after
 * COMMIT, else -1 with err, all rolled back (st->last_rc says whether it
 * may pass later).
 */
static int
group_try(struct store *st, struct store_batch_in *in, size_t n, int careful,
    char *err, size_t errlen)
{
	st->nrej = 0;
	st->last_rc = DB_E_NONE;
	for (size_t i = 0; i < n; i++) {
		memset(&in[i].res, 0, sizeof(in[i].res));
		in[i].rc = 0;
		in[i].err[0] = '\0';
	}
	if (begin(st, err, errlen) == -1)
		goto fail;
	/*
	 * The fast path need not wait for each statement (PostgreSQL: a
	 * pipeline); any failure sends the group to the careful path.
	 */
	db_defer(st->db, !careful);
	if (!careful) {
		store_incache_on(st);
		store_behind_on(st);
	}
	run_commit_hooks(st, STORE_TXN_BEGIN, 0);
	for (size_t i = 0; i < n; i++) {
		size_t rej0 = st->nrej;

		if (!careful) {
			if (batch_body(st, in[i].b, in[i].now_ms, 0, &in[i].res,
			    err, errlen) == -1)
				goto fail;
			/* Only resent rejections can be listed here. */
			in[i].res.nrejected = st->nrej - rej0;
			continue;
		}
		if (stmt_done(st, ST_BATCH_SAVEPOINT, err, errlen) == -1)
			goto fail;
		run_commit_hooks(st, STORE_TXN_MARK, 0);
		st->last_rc = DB_E_NONE;
		if (batch_body(st, in[i].b, in[i].now_ms, 1, &in[i].res,
		    in[i].err, sizeof(in[i].err)) == 0) {
			if (stmt_done(st, ST_BATCH_RELEASE, err, errlen) == -1)
				goto fail;
			in[i].res.nrejected = st->nrej - rej0;
			continue;
		}
		/* The transaction cannot go on: every batch fails. */
		if (!db_in_transaction(st->db) ||
		    store_error_retryable(st->last_rc)) {
			snprintf(err, errlen, "%s", in[i].err);
			goto fail;
		}
		/* This batch alone. */
		if (stmt_done(st, ST_BATCH_UNDO, err, errlen) == -1 ||
		    stmt_done(st, ST_BATCH_RELEASE, err, errlen) == -1)
			goto fail;
		run_commit_hooks(st, STORE_TXN_UNDO, 0);
		st->nrej = rej0;
		memset(&in[i].res, 0, sizeof(in[i].res));
		in[i].rc = -1;
	}
	/* What the hooks held back, written before COMMIT. */
	if (!careful && store_behind_flush(st, err, errlen) == -1)
		goto fail;
	if (commit(st, err, errlen) == -1)
		goto fail;
	db_defer(st->db, 0);
	store_incache_off(st);
	store_behind_off(st);
	write_ok(st);
	run_commit_hooks(st, STORE_TXN_COMMIT, 0);
	/* Each batch's rejections, now that the list stopped moving. */
	for (size_t i = 0, off = 0; i < n; i++) {
		if (in[i].rc != 0)
			continue;
		/* st->rej is NULL until a first rejection. */
		in[i].res.rejected = in[i].res.nrejected > 0 ? st->rej + off :
		    NULL;
		off += in[i].res.nrejected;
	}
	return 0;
fail:
	db_defer(st->db, 0);
	store_incache_off(st);
	store_behind_off(st);
	rollback(st);
	run_commit_hooks(st, STORE_TXN_ROLLBACK, 0);
	st->nrej = 0;
	return -1;
}

/*
 * The fast path first; when something failed for good, the careful path
 * once more (failures are rare: an event hook that ran in the fast path
 * runs again there, as it would for a resent batch).
 */
int
store_insert_batches(struct store *st, struct store_batch_in *in, size_t n)
{
	char	err[512];
	int	rc;

	/* Before BEGIN: outside the writers' lock. */
	for (size_t h = 0; h < st->nprep_hooks; h++)
		for (size_t i = 0; i < n; i++)
			st->prep_hooks[h].fn(st->prep_hooks[h].arg, in[i].b);
	if ((rc = group_try(st, in, n, 0, err, sizeof(err))) == 0)
		return 0;
	if (!store_error_retryable(st->last_rc))
		rc = group_try(st, in, n, 1, err, sizeof(err));
	if (rc == 0)
		return 0;
	rc = write_failed(st, err, sizeof(err));
	for (size_t i = 0; i < n; i++) {
		memset(&in[i].res, 0, sizeof(in[i].res));
		in[i].rc = rc;
		snprintf(in[i].err, sizeof(in[i].err), "%s", err);
	}
	return rc;
}

int
store_insert_batch(struct store *st, const struct event_batch *b,
    int64_t now_ms, struct store_batch_result *res, char *err, size_t errlen)
{
	struct store_batch_in in = { .b = b, .now_ms = now_ms };

	(void)store_insert_batches(st, &in, 1);
	*res = in.res;
	if (in.rc != 0)
		snprintf(err, errlen, "%s", in.err);
	return in.rc;
}

int
store_insert_derived(struct store *st, int64_t agent_id, const char *agent,
    struct event *ev, int64_t now_ms, char *err, size_t errlen)
{
	struct db_stmt	*s;
	int64_t		 seq, event_id = 0;
	ssize_t		 dl;
	int		 rc;

	if (!db_in_transaction(st->db)) {
		snprintf(err, errlen, "derived event %s for %s: not inside a "
		    "batch transaction (call it from an event hook)", ev->type,
		    agent);
		return -1;
	}
	if (st->in_derived) {
		snprintf(err, errlen, "derived event %s for %s: a derived event "
		    "may not derive another (an event hook must skip "
		    "ctx->derived)", ev->type, agent);
		return -1;
	}
	s = st->st[ST_DERIVED_SEQ];
	db_bind_int64(s, 1, agent_id);
	rc = db_step(s);
	seq = rc == DB_ROW ? db_column_int64(s, 0) : 0;
	if (rc == DB_ROW)
		rc = db_step(s);
	db_reset(s);
	db_clear_bindings(s);
	if (rc != DB_DONE || seq >= 0) {
		if (rc == DB_DONE)
			snprintf(err, errlen, "derived event %s: no agent with "
			    "id %" PRId64, ev->type, agent_id);
		else
			store_db_err(st, "numbering a derived event", err, errlen);
		return -1;
	}
	if ((dl = data_text(st, ev)) < 0) {
		snprintf(err, errlen, "derived event %s: cannot serialise its "
		    "data (out of memory)", ev->type);
		return -1;
	}
	s = st->st[ST_EVENT_ADD];
	rc = event_row_add(st, agent_id, seq, ev, now_ms, dl, &event_id);
	db_reset(s);
	if (rc == DB_ERROR) {
		store_db_err(st, stmt_sql[ST_EVENT_ADD], err, errlen);
		return -1;
	}
	if (rc != DB_ROW) {
		snprintf(err, errlen, "derived event %s for %s: seq %" PRId64
		    " already taken", ev->type, agent, seq);
		return -1;
	}
	{
		struct store_event_ctx ctx = {
			.event_id = event_id,
			.agent_id = agent_id,
			.agent = agent,
			.ev = ev,
			.received_ms = now_ms,
			.seq = seq,
			.derived = 1,
		};

		rc = 0;
		st->in_derived = 1;
		for (size_t h = 0; h < st->nev_hooks && rc == 0; h++)
			rc = st->ev_hooks[h].fn(st->ev_hooks[h].arg, st, &ctx,
			    err, errlen);
		st->in_derived = 0;
	}
	return rc;
}

int
store_heartbeat(struct store *st, const struct store_heartbeat *hb,
    double gap_factor, int64_t now_ms, int *new_agent, char *err,
    size_t errlen)
{
	struct db_stmt	*s;
	int64_t		 agent_id, iv_id = 0, start = 0, end = 0;
	uint64_t	 last_seq;
	int		 rc, have = 0;

	*new_agent = 0;
	st->last_rc = DB_E_NONE;
	if (begin(st, err, errlen) == -1)
		goto fail;
	if (agent_get_or_add(st, hb->agent, now_ms, &agent_id, &last_seq,
	    new_agent, err, errlen) == -1)
		goto fail;
	s = st->st[ST_AGENT_HB];
	db_bind_int64(s, 1, agent_id);
	db_bind_int64(s, 2, now_ms);
	db_bind_int64(s, 3, hb->interval_ms);
	db_bind_int64(s, 4, hb->ts_ms);
	db_bind_int64(s, 5, hb->boot_ms);
	if (stmt_done(st, ST_AGENT_HB, err, errlen) == -1)
		goto fail;

	s = st->st[ST_UPTIME_LAST];
	db_bind_int64(s, 1, agent_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		have = 1;
		iv_id = db_column_int64(s, 0);
		start = db_column_int64(s, 1);
		end = db_column_int64(s, 2);
	}
	db_reset(s);
	if (rc != DB_ROW && rc != DB_DONE) {
		store_db_err(st, "reading uptime", err, errlen);
		goto fail;
	}
	if (have && hb->ts_ms < start) {
		/* Late or clock-skewed: it cannot reopen history. */
		log_debug("store: heartbeat of %s at %" PRId64 " is older than "
		    "its latest uptime interval; uptime unchanged", hb->agent,
		    hb->ts_ms);
	} else if (have && hb->ts_ms <= end) {
		/* Already covered (a resent heartbeat). */
	} else if (have && hb->boot_ms <= end &&
	    (double)(hb->ts_ms - end) <= (double)hb->interval_ms * gap_factor) {
		s = st->st[ST_UPTIME_EXTEND];
		db_bind_int64(s, 1, iv_id);
		db_bind_int64(s, 2, hb->ts_ms);
		if (stmt_done(st, ST_UPTIME_EXTEND, err, errlen) == -1)
			goto fail;
	} else {
		/* First heartbeat, a gap, or a reboot since end: down between. */
		s = st->st[ST_UPTIME_ADD];
		db_bind_int64(s, 1, agent_id);
		db_bind_int64(s, 2, hb->ts_ms);
		db_bind_int64(s, 3, hb->boot_ms);
		if (stmt_done(st, ST_UPTIME_ADD, err, errlen) == -1)
			goto fail;
	}
	if (commit(st, err, errlen) == -1)
		goto fail;
	write_ok(st);
	return 0;
fail:
	rollback(st);
	*new_agent = 0;
	return write_failed(st, err, errlen);
}

int
store_agent_id(struct store *st, const char *name, int64_t *id, char *err,
    size_t errlen)
{
	struct db_stmt	*s = st->st[ST_AGENT_GET];
	int		 rc;

	db_bind_text(s, 1, name, -1);
	rc = db_step(s);
	if (rc == DB_ROW)
		*id = db_column_int64(s, 0);
	db_reset(s);
	db_clear_bindings(s);
	if (rc == DB_ROW)
		return 0;
	if (rc == DB_DONE)
		return 1;
	store_db_err(st, "looking up agent", err, errlen);
	return -1;
}

struct agent_walk {
	store_agent_fn	 fn;
	void		*arg;
};

static int
agent_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct agent_walk	*w = arg;
	struct agent_row	 a = {
		.id = store_col_int(r, 0),
		.name = store_col_text(r, 1),
		.first_seen_ms = store_col_int(r, 2),
		.last_seen_ms = store_col_int(r, 3),
		.last_seq = store_col_int(r, 4),
		.events = store_col_int(r, 5),
		.heartbeat_interval_ms = store_col_int(r, 6),
		.revoked_ms = store_col_time(r, 7),
		.degraded = store_col_int(r, 8) != 0,
	};

	return w->fn(w->arg, &a, err, errlen) == -1 ? -1 : 0;
}

int
store_list_agents(struct store *st, store_agent_fn fn, void *arg, char *err,
    size_t errlen)
{
	/*
	 * agents.revoked comes from migration 5 (store_access.c); degraded:
	 * an active spool_corrupt incident (the agent lost data it held).
	 */
	static const char sql[] = "SELECT id, name, first_seen, last_seen, "
	    "last_seq, events, heartbeat_interval_ms, revoked, EXISTS (SELECT "
	    "1 FROM incidents i WHERE i.agent_id = agents.id AND i.type = "
	    "'spool_corrupt' AND i.status IN (?1, ?2)) FROM agents ORDER BY "
	    "name";
	struct agent_walk w = { fn, arg };

	return store_query(st, STORE_ONCE, sql, "listing agents", agent_row, &w,
	    err, errlen, "ss", tax_status_name(TAX_STATUS_OPEN),
	    tax_status_name(TAX_STATUS_ACKNOWLEDGED)) == -1 ? -1 : 0;
}

struct event_walk {
	store_event_fn		 fn;
	void			*arg;
	struct store_page	 page;
};

static int
event_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct event_walk	*w = arg;
	struct event_row	 e;

	if (store_page_row(&w->page, store_col_int(r, 0)))
		return 1;
	e.id = store_col_int(r, 0);
	e.agent = store_col_text(r, 1);
	e.seq = store_col_int(r, 2);
	e.ts_ms = store_col_int(r, 3);
	e.received_ms = store_col_int(r, 4);
	e.type = store_col_text(r, 5);
	e.severity = (enum severity)store_col_int(r, 6);
	e.key = store_col_text(r, 7);
	e.data = store_col_text(r, 8);
	e.data_len = store_col_bytes(r, 8);
	return w->fn(w->arg, &e, err, errlen) == -1 ? -1 : 0;
}

int
store_query_events(struct store *st, const struct store_event_query *q,
    store_event_fn fn, void *arg, int64_t *next_after_id, char *err,
    size_t errlen)
{
	struct event_walk	 w = { fn, arg, { .limit = q->limit } };
	char			 sql[768];

	*next_after_id = 0;
	/* Fixed text with optional clauses; every value is bound. */
	snprintf(sql, sizeof(sql), "SELECT e.id, a.name, e.seq, e.ts, "
	    "e.received, e.type, e.severity, e.key, e.data FROM events e "
	    "JOIN agents a ON a.id = e.agent_id WHERE e.id > ?1%s%s%s%s%s%s "
	    "ORDER BY e.id%s LIMIT ?5",
	    q->agent_id > 0 ? " AND e.agent_id = ?2" : "",
	    q->type != NULL ? " AND e.type = ?3" : "",
	    q->since_ms != INT64_MIN ? " AND e.ts >= ?4" : "",
	    q->until_ms != 0 ? " AND e.ts < ?6" : "",
	    q->before_id > 0 ? " AND e.id < ?7" : "",
	    q->text != NULL ? " AND (strpos(lower(e.key), lower(?8)) > 0 OR "
	    "strpos(e.type, lower(?8)) > 0 OR "
	    "strpos(lower(CAST(e.data AS TEXT)), lower(?8)) > 0)" : "",
	    q->desc ? " DESC" : "");
	{
		/* One more than asked tells whether another page exists. */
		struct store_arg args[] = {
			{ .type = 'I', .i = q->after_id },
			{ .type = q->agent_id > 0 ? 'I' : '-', .i = q->agent_id },
			{ .type = q->type != NULL ? 's' : '-', .s = q->type },
			{ .type = q->since_ms != INT64_MIN ? 'I' : '-',
			  .i = q->since_ms },
			{ .type = 'i', .i = q->limit + 1 },
			{ .type = q->until_ms != 0 ? 'I' : '-', .i = q->until_ms },
			{ .type = q->before_id > 0 ? 'I' : '-',
			  .i = q->before_id },
			{ .type = q->text != NULL ? 's' : '-', .s = q->text },
		};

		if (store_query_args(st, STORE_ONCE, sql, "querying events",
		    args, sizeof(args) / sizeof(args[0]), event_row, &w, err,
		    errlen) == -1)
			return -1;
	}
	*next_after_id = w.page.next;
	return 0;
}

struct uptime_walk {
	store_uptime_fn	 fn;
	void		*arg;
};

static int
uptime_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct uptime_walk	*w = arg;
	struct uptime_row	 u = {
		.agent = store_col_text(r, 0),
		.start_ms = store_col_int(r, 1),
		.end_ms = store_col_int(r, 2),
	};

	return w->fn(w->arg, &u, err, errlen) == -1 ? -1 : 0;
}

int
store_list_uptime(struct store *st, int64_t agent_id, store_uptime_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct uptime_walk w = { fn, arg };

	return store_query(st, STORE_ONCE, agent_id > 0 ?
	    "SELECT a.name, u.start_ts, u.end_ts FROM uptime u JOIN agents a "
	    "ON a.id = u.agent_id WHERE u.agent_id = ?1 ORDER BY u.start_ts" :
	    "SELECT a.name, u.start_ts, u.end_ts FROM uptime u JOIN agents a "
	    "ON a.id = u.agent_id ORDER BY a.name, u.start_ts",
	    "listing uptime", uptime_row, &w, err, errlen,
	    agent_id > 0 ? "I" : "", agent_id) == -1 ? -1 : 0;
}
