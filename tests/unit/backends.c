/*
 * tests/unit/backends.h: a cmocka group on SQLite, then on PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>

#include "collector/db.h"
#include "tests/unit/backends.h"
#include "tests/unit/db_target.h"

static int	on_pg;

int
test_backend_pg(void)
{
	return on_pg;
}

const char *
test_backend_target(const char *sqlite_path)
{
	const char	*t;

	if (!on_pg)
		return sqlite_path;
	if ((t = test_pg_target()) == NULL)
		fail_msg("no PostgreSQL database for the test (see above)");
	return t;
}

int
test_run_backends(const char *name, const struct CMUnitTest *tests,
    size_t n, CMFixtureFunction setup, CMFixtureFunction teardown)
{
	const char	*pg = getenv("SHAOBING_TEST_PG");
	char		 title[128];
	int		 failed;

	on_pg = 0;
	snprintf(title, sizeof(title), "%s (SQLite)", name);
	failed = _cmocka_run_group_tests(title, tests, n, setup, teardown);
	if (pg == NULL || *pg == '\0') {
		fprintf(stderr, "# %s: SHAOBING_TEST_PG not set: not run on "
		    "PostgreSQL (tests/run-unit.sh starts a cluster with "
		    "tests/pg.sh when postgresql is installed)\n", name);
		return failed;
	}
	on_pg = 1;
	snprintf(title, sizeof(title), "%s (PostgreSQL)", name);
	failed += _cmocka_run_group_tests(title, tests, n, setup, teardown);
	on_pg = 0;
	return failed;
}

struct db *
test_db_open(const char *target)
{
	char		 err[512];
	struct db	*db = db_open(target, err, sizeof(err));

	if (db == NULL)
		fail_msg("%s", err);
	return db;
}

int64_t
test_db_int(struct db *db, const char *sql)
{
	struct db_stmt	*s;
	int64_t		 v = -1;
	int		 r;

	if (db_prepare(db, sql, 0, &s) != 0)
		fail_msg("%s: %s", sql, db_errmsg(db));
	if ((r = db_step(s)) == DB_ROW)
		v = db_column_int64(s, 0);
	else if (r != DB_DONE)
		fail_msg("%s: %s", sql, db_errmsg(db));
	db_finalize(s);
	return v;
}

int64_t
test_db_scalar(const char *target, const char *sql)
{
	struct db	*db = test_db_open(target);
	int64_t		 v = test_db_int(db, sql);

	db_close(db);
	return v;
}

int
test_db_exec(const char *target, const char *sql)
{
	struct db	*db = test_db_open(target);
	int		 rc = db_exec(db, sql);

	db_close(db);
	return rc == 0 ? 0 : -1;
}

int
test_db_fail_trigger(struct db *db, const char *name, const char *when,
    const char *table, const char *cond, const char *msg)
{
	char	sql[1024];

	if (db_kind(db) == DB_POSTGRES)
		snprintf(sql, sizeof(sql), "CREATE FUNCTION %s_fn() RETURNS "
		    "trigger LANGUAGE plpgsql AS $$BEGIN IF %s THEN RAISE "
		    "EXCEPTION '%s'; END IF; RETURN NEW; END$$; CREATE TRIGGER "
		    "%s BEFORE %s ON %s FOR EACH ROW EXECUTE FUNCTION %s_fn()",
		    name, cond ? cond : "true", msg, name, when, table, name);
	else
		snprintf(sql, sizeof(sql), "CREATE TRIGGER %s BEFORE %s ON %s "
		    "%s%s BEGIN SELECT RAISE(ABORT, '%s'); END", name, when,
		    table, cond ? "WHEN " : "", cond ? cond : "", msg);
	return db_exec(db, sql) == 0 ? 0 : -1;
}

int
test_db_drop_trigger(struct db *db, const char *name, const char *table)
{
	char	sql[256];

	if (db_kind(db) == DB_POSTGRES)
		snprintf(sql, sizeof(sql), "DROP TRIGGER %s ON %s", name, table);
	else
		snprintf(sql, sizeof(sql), "DROP TRIGGER %s", name);
	return db_exec(db, sql) == 0 ? 0 : -1;
}

int
test_db_read_only(struct db *db, int on)
{
	const char	*sql;

	if (db_kind(db) == DB_POSTGRES)
		sql = on ? "SET default_transaction_read_only = on" :
		    "SET default_transaction_read_only = off";
	else
		sql = on ? "PRAGMA query_only = 1" : "PRAGMA query_only = 0";
	return db_exec(db, sql) == 0 ? 0 : -1;
}
