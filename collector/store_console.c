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

/* ---- sessions -------------------------------------------------------- */

const char store_console_sessions_migration[] =
	"CREATE TABLE console_sessions ("
	"  id_hash TEXT PRIMARY KEY,"		/* SHA-256 of the cookie, hex */
	"  username TEXT NOT NULL,"
	"  role INTEGER NOT NULL,"		/* enum console_role */
	"  csrf TEXT NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  last_used INTEGER NOT NULL"
	");"
	"CREATE INDEX console_sessions_user ON console_sessions(username);";

const char store_console_sessions_migration_pg[] =
	"CREATE TABLE console_sessions ("
	"  id_hash TEXT COLLATE \"C\" PRIMARY KEY,"
	"  username TEXT COLLATE \"C\" NOT NULL,"
	"  role BIGINT NOT NULL,"
	"  csrf TEXT COLLATE \"C\" NOT NULL,"
	"  peer TEXT COLLATE \"C\" NOT NULL,"
	"  created BIGINT NOT NULL,"
	"  last_used BIGINT NOT NULL"
	");"
	"CREATE INDEX console_sessions_user ON console_sessions(username);";

static void
hash_hex(const unsigned char h[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

int
store_console_session_put(struct store *st, const struct console_session *cs,
    char *err, size_t errlen)
{
	char	hex[65];

	hash_hex(cs->id_hash, hex);
	return store_query(st, STORE_ONCE, "INSERT INTO console_sessions "
	    "(id_hash, username, role, csrf, peer, created, last_used) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id_hash) DO NOTHING",
	    "storing a console session", NULL, NULL, err, errlen, "ssissII",
	    hex, cs->user, (int)cs->role, cs->csrf, cs->peer, cs->created,
	    cs->last_used) == -1 ? -1 : 0;
}

static int
session_row(void *arg, const struct store_row *r, char *err, size_t errlen)
{
	struct console_session *cs = arg;

	(void)err;
	(void)errlen;
	snprintf(cs->user, sizeof(cs->user), "%s", store_col_text(r, 0));
	cs->role = (enum console_role)store_col_int(r, 1);
	snprintf(cs->csrf, sizeof(cs->csrf), "%s", store_col_text(r, 2));
	snprintf(cs->peer, sizeof(cs->peer), "%s", store_col_text(r, 3));
	cs->created = store_col_int(r, 4);
	cs->last_used = store_col_int(r, 5);
	cs->used = 1;
	return 1;
}

int
store_console_session_get(struct store *st, const unsigned char h[32],
    struct console_session *cs, char *err, size_t errlen)
{
	char	hex[65];

	hash_hex(h, hex);
	memset(cs, 0, sizeof(*cs));
	memcpy(cs->id_hash, h, sizeof(cs->id_hash));
	return store_query(st, STORE_ONCE, "SELECT username, role, csrf, "
	    "peer, created, last_used FROM console_sessions WHERE id_hash = ?1",
	    "reading a console session", session_row, cs, err, errlen, "s",
	    hex);
}

int
store_console_session_touch(struct store *st, const unsigned char h[32],
    int64_t last_used, char *err, size_t errlen)
{
	char	hex[65];

	hash_hex(h, hex);
	return store_query(st, STORE_ONCE, "UPDATE console_sessions SET "
	    "last_used = greatest(last_used, ?2) WHERE id_hash = ?1",
	    "using a console session", NULL, NULL, err, errlen, "sI", hex,
	    last_used) == -1 ? -1 : 0;
}

int
store_console_session_del(struct store *st, const unsigned char *h,
    const char *user, char *err, size_t errlen)
{
	char	hex[65];

	if (h == NULL)
		return store_query(st, STORE_ONCE, "DELETE FROM "
		    "console_sessions WHERE username = ?1", "ending console "
		    "sessions", NULL, NULL, err, errlen, "s", user) == -1 ?
		    -1 : (int)db_changes(store_db(st));
	hash_hex(h, hex);
	return store_query(st, STORE_ONCE, "DELETE FROM console_sessions "
	    "WHERE id_hash = ?1", "ending a console session", NULL, NULL, err,
	    errlen, "s", hex) == -1 ? -1 : (int)db_changes(store_db(st));
}
