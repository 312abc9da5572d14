/*
 * The console's table: console_users (name, role, scrypt hash).  Console
 * actions are audited in admin_audit through store_audit_add()
 * (collector/store_access.c).
 */
#include <stdio.h>
#include <string.h>

#include "collector/console.h"
#include "collector/store_priv.h"
#include "common/timeutil.h"

const char store_console_migration[] =
	"CREATE TABLE console_users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL CHECK (role IN ('read', 'admin')),"
	"  hash TEXT NOT NULL,"		/* scrypt$15$8$1$SALT$HASH */
	"  created INTEGER NOT NULL,"	/* UTC ms */
	"  changed INTEGER NOT NULL,"	/* password last set */
	"  last_login INTEGER"
	");";

static int
prep(struct store *st, const char *sql, sqlite3_stmt **s, char *err,
    size_t errlen)
{
	if (sqlite3_prepare_v2(store_db(st), sql, -1, s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
		return -1;
	}
	return 0;
}

/* Run a one-row change; 0 done, 1 no row changed, 2 constraint, -1. */
static int
change(struct store *st, sqlite3_stmt *s, char *err, size_t errlen)
{
	int r = sqlite3_step(s);

	if (r == SQLITE_DONE)
		r = sqlite3_changes(store_db(st)) > 0 ? 0 : 1;
	else if ((r & 0xff) == SQLITE_CONSTRAINT)
		r = 2;
	else {
		snprintf(err, errlen, "%s: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
		r = -1;
	}
	sqlite3_finalize(s);
	return r;
}

int
store_console_user_add(struct store *st, const char *name,
    enum console_role role, const char *hash, int64_t now, char *err,
    size_t errlen)
{
	sqlite3_stmt *s;

	if (prep(st, "INSERT INTO console_users (name, role, hash, created, "
	    "changed) VALUES (?1, ?2, ?3, ?4, ?4)", &s, err, errlen) == -1)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, console_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	switch (change(st, s, err, errlen)) {
	case 0:
		return 0;
	case 2:
		return 1;
	default:
		return -1;
	}
}

int
store_console_user_get(struct store *st, const char *name,
    struct console_user *u, char *err, size_t errlen)
{
	sqlite3_stmt	*s;
	int		 r, rc = -1;

	if (prep(st, "SELECT role, hash FROM console_users WHERE name = ?1",
	    &s, err, errlen) == -1)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		memset(u, 0, sizeof(*u));
		snprintf(u->name, sizeof(u->name), "%s", name);
		u->role = console_role_parse(
		    (const char *)sqlite3_column_text(s, 0));
		snprintf(u->hash, sizeof(u->hash), "%s",
		    (const char *)sqlite3_column_text(s, 1));
		rc = 0;
	} else if (r == SQLITE_DONE)
		rc = 1;
	else
		snprintf(err, errlen, "%s: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
	sqlite3_finalize(s);
	return rc;
}

int
store_console_user_passwd(struct store *st, const char *name,
    const char *hash, int64_t now, char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (prep(st, "UPDATE console_users SET hash = ?2, changed = ?3 "
	    "WHERE name = ?1", &s, err, errlen) == -1)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	return change(st, s, err, errlen);
}

int
store_console_user_login(struct store *st, const char *name, int64_t now,
    char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if (prep(st, "UPDATE console_users SET last_login = ?2 "
	    "WHERE name = ?1", &s, err, errlen) == -1)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	return change(st, s, err, errlen) == -1 ? -1 : 0;
}

int
store_console_user_del(struct store *st, const char *name, char *err,
    size_t errlen)
{
	sqlite3_stmt *s;

	if (prep(st, "DELETE FROM console_users WHERE name = ?1", &s, err,
	    errlen) == -1)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return change(st, s, err, errlen);
}

static json_t *
jtime(sqlite3_stmt *s, int col)
{
	char buf[32];

	if (sqlite3_column_type(s, col) == SQLITE_NULL ||
	    time_format_utc(sqlite3_column_int64(s, col), buf,
	    sizeof(buf)) == -1)
		return json_null();
	return json_string(buf);
}

int
store_console_user_list(struct store *st, json_t **out, char *err,
    size_t errlen)
{
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *o;
	int		 r, rc = -1;

	*out = NULL;
	if (prep(st, "SELECT name, role, created, changed, last_login "
	    "FROM console_users ORDER BY name", &s, err, errlen) == -1)
		return -1;
	if ((arr = json_array()) == NULL)
		goto oom;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		o = json_pack("{s:s, s:s, s:o, s:o, s:o}",
		    "name", (const char *)sqlite3_column_text(s, 0),
		    "role", (const char *)sqlite3_column_text(s, 1),
		    "created", jtime(s, 2), "changed", jtime(s, 3),
		    "last_login", jtime(s, 4));
		if (o == NULL || json_array_append_new(arr, o) == -1)
			goto oom;
	}
	if (r != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", store_path(st),
		    sqlite3_errmsg(store_db(st)));
		goto out;
	}
	if ((*out = json_pack("{s:o}", "users", arr)) == NULL) {
		arr = NULL;
		goto oom;
	}
	arr = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	json_decref(arr);
	sqlite3_finalize(s);
	return rc;
}
