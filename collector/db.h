/*
 * The database under the store: one small interface, two drivers.
 *
 *	db_sqlite.c	SQLite (the default: one file, one collector or a few
 *			on one machine)
 *	db_pg.c		PostgreSQL through libpq (several collectors, one
 *			database)
 *
 * The store layer (collector/store*.c) talks to the database only
 * through these functions, so its SQL and its logic are one piece of
 * code for both.  The interface follows SQLite's statement model
 * (prepare, bind by position, step through rows, read columns, reset)
 * because the store was written against it; the PostgreSQL driver runs
 * a statement on its first step (PQexecParams, or PQexecPrepared for a
 * persistent one) and steps through the result.
 *
 * SQL is written once, in the dialect both accept: placeholders ?1, ?2
 * (the PostgreSQL driver sends them as $1, $2), INSERT ... ON CONFLICT,
 * RETURNING for new ids, COALESCE, CASE.  The SQLite driver adds the
 * few functions PostgreSQL has built in and SQLite lacks (greatest,
 * least, strpos), so statements need no dialect branches; what cannot
 * be written once (schema DDL, catalog queries) asks db_kind().
 *
 * Bound texts and blobs are not copied by the SQLite driver: they must
 * stay valid until the statement is reset (SQLITE_STATIC).  Column
 * texts are valid until the next step or reset.
 */
#ifndef SHAOBING_DB_H
#define SHAOBING_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

enum db_kind {
	DB_SQLITE,
	DB_POSTGRES
};

/* db_step() */
#define DB_ROW		1
#define DB_DONE		0
#define DB_ERROR	(-1)

/* What the last failure was, for the store's answer to the sender. */
enum db_err {
	DB_E_NONE,
	DB_E_CONSTRAINT,	/* unique, check, foreign key, trigger */
	DB_E_BUSY,		/* locked by another writer past the timeout */
	DB_E_FULL,		/* disk full */
	DB_E_READONLY,
	DB_E_IO,
	DB_E_CANTOPEN,
	DB_E_NOMEM,
	DB_E_CONNECTION,	/* PostgreSQL: the server went away */
	DB_E_OTHER		/* SQL error, misuse: about the request */
};

/*
 * Open target: "sqlite:///ABSOLUTE/PATH", "sqlite:RELATIVE", a plain
 * path (SQLite), or "postgresql://..." / "postgres://..." (any libpq
 * connection URI; the password comes from PGPASSFILE / ~/.pgpass or
 * the passfile= parameter, never from the configuration).  The
 * SQLite file is created when missing; a PostgreSQL database must
 * exist.  NULL with err naming the target.
 */
struct db	*db_open(const char *target, char *err, size_t errlen);
void		 db_close(struct db *db);
enum db_kind	 db_kind(const struct db *db);
/* The target for messages: a path, or a URI without its password. */
const char	*db_name(const struct db *db);
/* Is a target PostgreSQL's (by its scheme)? */
int		 db_target_is_postgres(const char *target);
/* The file of an SQLite target (its sqlite:// or sqlite: prefix gone). */
const char	*db_sqlite_path(const char *target);

/* Run sql (one or more statements, no parameters, no rows): 0 or -1. */
int	 db_exec(struct db *db, const char *sql);
/*
 * Start a write transaction.  SQLite: BEGIN IMMEDIATE (the write lock
 * now, waiting up to the busy timeout).  PostgreSQL: BEGIN and the
 * store's transaction advisory lock, so writers of all collectors on
 * one database run one at a time as they do on SQLite (folding, the
 * audit chain and exactly-once rely on it).  0 or -1.
 */
int	 db_begin_write(struct db *db);
/* 1 inside a transaction (also one that failed and awaits ROLLBACK). */
int	 db_in_transaction(struct db *db);
/* Rows changed by the last INSERT, UPDATE or DELETE. */
int64_t	 db_changes(struct db *db);
/*
 * on 1, inside a write transaction: an INSERT, UPDATE or DELETE without
 * RETURNING may be sent without waiting for its outcome (PostgreSQL's
 * pipeline mode: one round trip for the statements sent before the next
 * one that returns rows, db_exec(), db_changes() or COMMIT).  Its step
 * says DB_DONE at once; a failure is reported by one of those later
 * calls instead, and the transaction can then only be rolled back.  For
 * a caller that rolls back and tries again more carefully on any
 * failure (the store's ingest fast path).  SQLite: nothing changes.
 */
void	 db_defer(struct db *db, int on);
const char	*db_errmsg(struct db *db);
enum db_err	 db_errcode(struct db *db);
/*
 * The sqlite3 handle of an SQLite connection (NULL for another driver),
 * for tests and benchmarks that use SQLite's own features (online
 * backup, PRAGMAs); the store itself never needs it.
 */
void		*db_sqlite_handle(struct db *db);
/* An SQLite result code (extended or primary) as a db_err. */
enum db_err	 db_sqlite_class(int sqlite_rc);
/* Set the error db_errcode()/db_errmsg() report (store-side failures). */
void	 db_set_error(struct db *db, enum db_err code, const char *msg);

/*
 * Prepare sql.  persistent: kept for many runs (SQLite plans it once;
 * PostgreSQL prepares it on the server on first run).  0 or -1.
 */
int	 db_prepare(struct db *db, const char *sql, int persistent,
	    struct db_stmt **s);
void	 db_finalize(struct db_stmt *s);
/* Back to before the first step; bindings stay. */
void	 db_reset(struct db_stmt *s);
void	 db_clear_bindings(struct db_stmt *s);
/* Stepped and not yet reset. */
int	 db_stmt_busy(struct db_stmt *s);
const char	*db_sql(struct db_stmt *s);

/* Bind parameter i (from 1): 0 or -1 (i out of range, no memory). */
int	 db_bind_int(struct db_stmt *s, int i, int v);
int	 db_bind_int64(struct db_stmt *s, int i, int64_t v);
int	 db_bind_double(struct db_stmt *s, int i, double v);
/* n < 0: up to the NUL. */
int	 db_bind_text(struct db_stmt *s, int i, const char *v, int n);
int	 db_bind_blob(struct db_stmt *s, int i, const void *v, int n);
int	 db_bind_null(struct db_stmt *s, int i);

/* DB_ROW, DB_DONE or DB_ERROR (db_errmsg says why). */
int	 db_step(struct db_stmt *s);

/* Columns of the current row, from 0; NULL reads as 0 / NULL. */
int		 db_column_count(struct db_stmt *s);
/* The name of result column col (valid while the statement lives). */
const char	*db_column_name(struct db_stmt *s, int col);
int		 db_column_null(struct db_stmt *s, int col);
int		 db_column_int(struct db_stmt *s, int col);
int64_t		 db_column_int64(struct db_stmt *s, int col);
double		 db_column_double(struct db_stmt *s, int col);
const char	*db_column_text(struct db_stmt *s, int col);
const void	*db_column_blob(struct db_stmt *s, int col);
int		 db_column_bytes(struct db_stmt *s, int col);

#endif
