/*
 * collector/db.h: pick the driver by the target, dispatch each call to
 * it, and keep the last error in a form both drivers share.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "collector/db.h"
#include "collector/db_priv.h"

int
db_target_is_postgres(const char *target)
{
	return strncasecmp(target, "postgresql://", 13) == 0 ||
	    strncasecmp(target, "postgres://", 11) == 0;
}

const char *
db_sqlite_path(const char *target)
{
	if (strncasecmp(target, "sqlite://", 9) == 0)
		return target + 9;
	if (strncasecmp(target, "sqlite:", 7) == 0)
		return target + 7;
	return target;
}

struct db *
db_open(const char *target, char *err, size_t errlen)
{
	if (db_target_is_postgres(target))
		return db_pg_open(target, err, errlen);
	target = db_sqlite_path(target);
	if (*target == '\0') {
		snprintf(err, errlen, "store: empty database path");
		return NULL;
	}
	return db_sqlite_open(target, err, errlen);
}

void
db_close(struct db *db)
{
	if (db != NULL)
		db->ops->close(db);
}

enum db_kind
db_kind(const struct db *db)
{
	return db->kind;
}

const char *
db_name(const struct db *db)
{
	return db->name;
}

void
db_set_error(struct db *db, enum db_err code, const char *msg)
{
	db->err = code;
	snprintf(db->errmsg, sizeof(db->errmsg), "%s", msg ? msg : "");
}

const char *
db_errmsg(struct db *db)
{
	return db->errmsg;
}

enum db_err
db_errcode(struct db *db)
{
	return db->err;
}

int
db_exec(struct db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}

int
db_begin_write(struct db *db)
{
	return db->ops->begin_write(db);
}

int
db_in_transaction(struct db *db)
{
	return db->ops->in_transaction(db);
}

int64_t
db_changes(struct db *db)
{
	return db->ops->changes(db);
}

void
db_defer(struct db *db, int on)
{
	if (db->ops->defer != NULL)
		db->ops->defer(db, on);
}

int
db_prepare(struct db *db, const char *sql, int persistent, struct db_stmt **s)
{
	return db->ops->prepare(db, sql, persistent, s);
}

void
db_finalize(struct db_stmt *s)
{
	if (s != NULL)
		s->db->ops->finalize(s);
}

void
db_reset(struct db_stmt *s)
{
	s->db->ops->reset(s);
}

void
db_clear_bindings(struct db_stmt *s)
{
	s->db->ops->clear_bindings(s);
}

int
db_stmt_busy(struct db_stmt *s)
{
	return s->db->ops->stmt_busy(s);
}

const char *
db_sql(struct db_stmt *s)
{
	return s->db->ops->sql(s);
}

int
db_bind_int(struct db_stmt *s, int i, int v)
{
	return s->db->ops->bind_int64(s, i, v);
}

int
db_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	return s->db->ops->bind_int64(s, i, v);
}

int
db_bind_double(struct db_stmt *s, int i, double v)
{
	return s->db->ops->bind_double(s, i, v);
}

int
db_bind_text(struct db_stmt *s, int i, const char *v, int n)
{
	return s->db->ops->bind_text(s, i, v, n);
}

int
db_bind_blob(struct db_stmt *s, int i, const void *v, int n)
{
	return s->db->ops->bind_blob(s, i, v, n);
}

int
db_bind_null(struct db_stmt *s, int i)
{
	return s->db->ops->bind_null(s, i);
}

int
db_step(struct db_stmt *s)
{
	return s->db->ops->step(s);
}

int
db_column_count(struct db_stmt *s)
{
	return s->db->ops->column_count(s);
}

const char *
db_column_name(struct db_stmt *s, int col)
{
	return s->db->ops->column_name(s, col);
}

int
db_column_null(struct db_stmt *s, int col)
{
	return s->db->ops->column_null(s, col);
}

int
db_column_int(struct db_stmt *s, int col)
{
	return (int)s->db->ops->column_int64(s, col);
}

int64_t
db_column_int64(struct db_stmt *s, int col)
{
	return s->db->ops->column_int64(s, col);
}

double
db_column_double(struct db_stmt *s, int col)
{
	return s->db->ops->column_double(s, col);
}

const char *
db_column_text(struct db_stmt *s, int col)
{
	return s->db->ops->column_text(s, col);
}

const void *
db_column_blob(struct db_stmt *s, int col)
{
	return s->db->ops->column_blob(s, col);
}

int
db_column_bytes(struct db_stmt *s, int col)
{
	return s->db->ops->column_bytes(s, col);
}
