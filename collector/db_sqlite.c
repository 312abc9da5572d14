/*
 * The SQLite driver of collector/db.h: thin calls into sqlite3, plus the
 * functions PostgreSQL has built in that the store's SQL uses (greatest,
 * least, strpos), so one SQL text runs on both.
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <sqlite3.h>

#include "collector/db.h"
#include "collector/db_priv.h"


static void
fn_pick(sqlite3_context *ctx, int argc, sqlite3_value **argv, int want)
{
	sqlite3_value	*best = NULL;

	/* PostgreSQL's greatest/least ignore NULLs. */
	for (int i = 0; i < argc; i++) {
		int	c;

		if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
			continue;
		if (best == NULL) {
			best = argv[i];
			continue;
		}
		if (sqlite3_value_numeric_type(argv[i]) == SQLITE_FLOAT ||
		    sqlite3_value_numeric_type(best) == SQLITE_FLOAT) {
			double a = sqlite3_value_double(argv[i]);
			double b = sqlite3_value_double(best);

			c = a < b ? -1 : a > b;
		} else if (sqlite3_value_numeric_type(argv[i]) ==
		    SQLITE_INTEGER && sqlite3_value_numeric_type(best) ==
		    SQLITE_INTEGER) {
			sqlite3_int64 a = sqlite3_value_int64(argv[i]);
			sqlite3_int64 b = sqlite3_value_int64(best);

			c = a < b ? -1 : a > b;
		} else {
			const char *a = (const char *)sqlite3_value_text(argv[i]);
			const char *b = (const char *)sqlite3_value_text(best);

			c = strcmp(a ? a : "", b ? b : "");
		}
		if (c * want > 0)
			best = argv[i];
	}
	if (best == NULL)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_value(ctx, best);
}

static void
fn_greatest(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	fn_pick(ctx, argc, argv, 1);
}

static void
fn_least(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	fn_pick(ctx, argc, argv, -1);
}

/* strpos(haystack, needle): 1-based position, 0 when absent (PostgreSQL). */
static void
fn_strpos(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char	*h, *n, *p;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	h = (const char *)sqlite3_value_text(argv[0]);
	n = (const char *)sqlite3_value_text(argv[1]);
	if (h == NULL || n == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	p = strstr(h, n);
	/* Characters, not bytes, as PostgreSQL counts them. */
	if (p == NULL)
		sqlite3_result_int(ctx, 0);
	else {
		int pos = 1;

		for (const char *q = h; q < p; q++)
			if (((unsigned char)*q & 0xc0) != 0x80)
				pos++;
		sqlite3_result_int(ctx, pos);
	}
}

struct sqlite_db {
	struct db	 base;
	sqlite3		*h;
};

struct sqlite_stmt {
	struct db_stmt	 base;
	sqlite3_stmt	*s;
};

#define H(db)	(((struct sqlite_db *)(db))->h)
#define S(st)	(((struct sqlite_stmt *)(st))->s)

enum db_err
db_sqlite_class(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return DB_E_NONE;
	case SQLITE_CONSTRAINT:
		return DB_E_CONSTRAINT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_PROTOCOL:
		return DB_E_BUSY;
	case SQLITE_FULL:
		return DB_E_FULL;
	case SQLITE_READONLY:
		return DB_E_READONLY;
	case SQLITE_IOERR:
		return DB_E_IO;
	case SQLITE_CANTOPEN:
		return DB_E_CANTOPEN;
	case SQLITE_NOMEM:
		return DB_E_NOMEM;
	default:
		return DB_E_OTHER;
	}
}

/* Remember the connection's last error as the driver-neutral one. */
static void
take_error(struct db *db)
{
	int rc = sqlite3_extended_errcode(H(db));

	db_set_error(db, db_sqlite_class(rc), sqlite3_errmsg(H(db)));
}

static void
sq_close(struct db *db)
{
	sqlite3_close(H(db));
	free(db->name);
	free(db);
}

static int
sq_exec(struct db *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(H(db), sql, NULL, NULL, &msg) != SQLITE_OK) {
		db_set_error(db, db_sqlite_class(sqlite3_extended_errcode(
		    H(db))), msg ? msg : sqlite3_errmsg(H(db)));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
sq_begin_write(struct db *db)
{
	return sq_exec(db, "BEGIN IMMEDIATE");
}

static int
sq_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(H(db));
}

static int64_t
sq_changes(struct db *db)
{
	return sqlite3_changes64(H(db));
}

static int
sq_prepare(struct db *db, const char *sql, int persistent,
    struct db_stmt **out)
{
	struct sqlite_stmt	*s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		db_set_error(db, DB_E_NOMEM, "out of memory");
		return -1;
	}
	s->base.db = db;
	if (sqlite3_prepare_v3(H(db), sql, -1, persistent ?
	    SQLITE_PREPARE_PERSISTENT : 0, &s->s, NULL) != SQLITE_OK) {
		take_error(db);
		free(s);
		return -1;
	}
	*out = &s->base;
	return 0;
}

static void
sq_finalize(struct db_stmt *s)
{
	sqlite3_finalize(S(s));
	free(s);
}

static void
sq_reset(struct db_stmt *s)
{
	sqlite3_reset(S(s));
}

static void
sq_clear_bindings(struct db_stmt *s)
{
	sqlite3_clear_bindings(S(s));
}

static int
sq_stmt_busy(struct db_stmt *s)
{
	return sqlite3_stmt_busy(S(s));
}

static const char *
sq_sql(struct db_stmt *s)
{
	return sqlite3_sql(S(s));
}

static int
bound(struct db_stmt *s, int rc)
{
	if (rc == SQLITE_OK)
		return 0;
	take_error(s->db);
	return -1;
}

static int
sq_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	return bound(s, sqlite3_bind_int64(S(s), i, v));
}

static int
sq_bind_double(struct db_stmt *s, int i, double v)
{
	return bound(s, sqlite3_bind_double(S(s), i, v));
}

static int
sq_bind_text(struct db_stmt *s, int i, const char *v, int n)
{
	return bound(s, sqlite3_bind_text(S(s), i, v, n, SQLITE_STATIC));
}

static int
sq_bind_blob(struct db_stmt *s, int i, const void *v, int n)
{
	return bound(s, sqlite3_bind_blob(S(s), i, v, n, SQLITE_STATIC));
}

static int
sq_bind_null(struct db_stmt *s, int i)
{
	return bound(s, sqlite3_bind_null(S(s), i));
}

static int
sq_step(struct db_stmt *s)
{
	switch (sqlite3_step(S(s))) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	default:
		take_error(s->db);
		return DB_ERROR;
	}
}

static int
sq_column_count(struct db_stmt *s)
{
	return sqlite3_column_count(S(s));
}

static const char *
sq_column_name(struct db_stmt *s, int col)
{
	return sqlite3_column_name(S(s), col);
}

static int
sq_column_null(struct db_stmt *s, int col)
{
	return sqlite3_column_type(S(s), col) == SQLITE_NULL;
}

static int64_t
sq_column_int64(struct db_stmt *s, int col)
{
	return sqlite3_column_int64(S(s), col);
}

static double
sq_column_double(struct db_stmt *s, int col)
{
	return sqlite3_column_double(S(s), col);
}

static const char *
sq_column_text(struct db_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(S(s), col);
}

static const void *
sq_column_blob(struct db_stmt *s, int col)
{
	return sqlite3_column_blob(S(s), col);
}

static int
sq_column_bytes(struct db_stmt *s, int col)
{
	return sqlite3_column_bytes(S(s), col);
}

static const struct db_ops sqlite_ops = {
	.close = sq_close,
	.exec = sq_exec,
	.begin_write = sq_begin_write,
	.in_transaction = sq_in_transaction,
	.changes = sq_changes,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.reset = sq_reset,
	.clear_bindings = sq_clear_bindings,
	.stmt_busy = sq_stmt_busy,
	.sql = sq_sql,
	.bind_int64 = sq_bind_int64,
	.bind_double = sq_bind_double,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.column_count = sq_column_count,
	.column_name = sq_column_name,
	.column_null = sq_column_null,
	.column_int64 = sq_column_int64,
	.column_double = sq_column_double,
	.column_text = sq_column_text,
	.column_blob = sq_column_blob,
	.column_bytes = sq_column_bytes,
};

void *
db_sqlite_handle(struct db *db)
{
	return db->kind == DB_SQLITE ? H(db) : NULL;
}

struct db *
db_sqlite_open(const char *path, char *err, size_t errlen)
{
	struct sqlite_db	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->base.name = strdup(path)) == NULL) {
		free(d);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	d->base.ops = &sqlite_ops;
	d->base.kind = DB_SQLITE;
	if (sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
		    d->h ? sqlite3_errmsg(d->h) : "out of memory");
		sq_close(&d->base);
		return NULL;
	}
	sqlite3_busy_timeout(d->h, 5000);
	sqlite3_extended_result_codes(d->h, 1);
	if (sqlite3_create_function(d->h, "greatest", -1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, fn_greatest, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(d->h, "least", -1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, fn_least, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(d->h, "strpos", 2, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, fn_strpos, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot add SQL functions: %s", path,
		    sqlite3_errmsg(d->h));
		sq_close(&d->base);
		return NULL;
	}
	return &d->base;
}
