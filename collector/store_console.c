/*
 * The console's table: console_users (name, role, scrypt hash).  Console
 * actions are audited in admin_audit through store_audit_add()
 * (collector/store_access.c).
 */
#include <stdio.h>
#include <string.h>

#include "collector/console.h"
#include "collector/store_priv.h"

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
prep(struct store *st, const char *sql, struct db_stmt **s, char *err,
    size_t errlen)
{
	if (db_prepare(store_db(st), sql, 0, s) != 0) {
		snprintf(err, errlen, "%s: %s", store_name(st),
		    db_errmsg(store_db(st)));
		return -1;
	}
	return 0;
}

/* Run a one-row change; 0 done, 1 no row changed, 2 constraint, -1. */
static int
change(struct store *st, struct db_stmt *s, char *err, size_t errlen)
{
	int r = db_step(s);

	if (r == DB_DONE)
		r = db_changes(store_db(st)) > 0 ? 0 : 1;
	else if (db_errcode(store_db(st)) == DB_E_CONSTRAINT)
		r = 2;
	else {
		snprintf(err, errlen, "%s: %s", store_name(st),
		    db_errmsg(store_db(st)));
		r = -1;
	}
	db_finalize(s);
	return r;
}

int
store_console_user_add(struct store *st, const char *name,
    enum console_role role, const char *hash, int64_t now, char *err,
    size_t errlen)
{
	struct db_stmt *s;

	if (prep(st, "INSERT INTO console_users (name, role, hash, created, "
	    "changed) VALUES (?1, ?2, ?3, ?4, ?4)", &s, err, errlen) == -1)
		return -1;
	db_bind_text(s, 1, name, -1);
	db_bind_text(s, 2, console_role_name(role), -1);
	db_bind_text(s, 3, hash, -1);
	db_bind_int64(s, 4, now);
	switch (change(st, s, err, errlen)) {
	case 0:
		return 0;
	case 2:
		return 1;
	default:
		return -1;
	}
}

static int
user_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct console_user *u = arg;

	(void)err;
	(void)errlen;
	u->role = console_role_parse(store_col_text(r, 0));
	snprintf(u->hash, sizeof(u->hash), "%s", store_col_text(r, 1));
	return 1;
}

int
store_console_user_get(struct store *st, const char *name,
    struct console_user *u, char *err, size_t errlen)
{
	int n;

	memset(u, 0, sizeof(*u));
	n = store_query(st, STORE_ONCE, "SELECT role, hash FROM console_users "
	    "WHERE name = ?1", "reading a console user", user_row, u, err,
	    errlen, "s", name);
	if (n == 1)
		snprintf(u->name, sizeof(u->name), "%s", name);
	return n == -1 ? -1 : n == 0 ? 1 : 0;
}

int
store_console_user_passwd(struct store *st, const char *name,
    const char *hash, int64_t now, char *err, size_t errlen)
{
	struct db_stmt *s;

	if (prep(st, "UPDATE console_users SET hash = ?2, changed = ?3 "
	    "WHERE name = ?1", &s, err, errlen) == -1)
		return -1;
	db_bind_text(s, 1, name, -1);
	db_bind_text(s, 2, hash, -1);
	db_bind_int64(s, 3, now);
	return change(st, s, err, errlen);
}

int
store_console_user_login(struct store *st, const char *name, int64_t now,
    char *err, size_t errlen)
{
	struct db_stmt *s;

	if (prep(st, "UPDATE console_users SET last_login = ?2 "
	    "WHERE name = ?1", &s, err, errlen) == -1)
		return -1;
	db_bind_text(s, 1, name, -1);
	db_bind_int64(s, 2, now);
	return change(st, s, err, errlen) == -1 ? -1 : 0;
}

int
store_console_user_del(struct store *st, const char *name, char *err,
    size_t errlen)
{
	struct db_stmt *s;

	if (prep(st, "DELETE FROM console_users WHERE name = ?1", &s, err,
	    errlen) == -1)
		return -1;
	db_bind_text(s, 1, name, -1);
	return change(st, s, err, errlen);
}

struct user_walk {
	store_console_user_fn	 fn;
	void			*arg;
};

static int
user_list_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct user_walk		*w = arg;
	struct console_user_row		 u = {
		.name = store_col_text(r, 0),
		.role = console_role_parse(store_col_text(r, 1)),
		.created_ms = store_col_int(r, 2),
		.changed_ms = store_col_int(r, 3),
		.last_login_ms = store_col_time(r, 4),
	};

	return w->fn(w->arg, &u, err, errlen) == -1 ? -1 : 0;
}

int
store_console_user_list(struct store *st, store_console_user_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct user_walk w = { fn, arg };

	return store_query(st, STORE_ONCE, "SELECT name, role, created, "
	    "changed, last_login FROM console_users ORDER BY name",
	    "listing console users", user_list_row, &w, err, errlen, "") ==
	    -1 ? -1 : 0;
}
