/*
 * Unit tests of the store's modules on both backends: the file's cmocka
 * group runs once on SQLite and, when tests/run-unit.sh (or you) named
 * a PostgreSQL cluster in SHAOBING_TEST_PG, once more on PostgreSQL, with
 * the same test code.  A test asks for its store's target with
 * test_backend_target(); the few checks only one backend can make (a
 * raw SQLite handle, an SQLite trigger) ask test_backend_pg().
 */
#ifndef SHAOBING_TEST_BACKENDS_H
#define SHAOBING_TEST_BACKENDS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

struct db;

/*
 * Run the group on SQLite, then on PostgreSQL when SHAOBING_TEST_PG is
 * set (said on stderr when it is not); the failures of both, 0 all
 * passed.  name is the file's (test_incident), shown with the backend.
 */
int	 test_run_backends(const char *name, const struct CMUnitTest *tests,
	    size_t n, CMFixtureFunction setup, CMFixtureFunction teardown);
#define TEST_RUN_BACKENDS(name, tests, setup, teardown) \
	test_run_backends((name), (tests), sizeof(tests) / sizeof((tests)[0]), \
	    (setup), (teardown))

/* 1 while the group runs on PostgreSQL. */
int	 test_backend_pg(void);

/*
 * The target of a test's store: sqlite_path in the SQLite run (a path
 * or ":memory:"), a fresh empty PostgreSQL database in the PostgreSQL
 * run (failing the test when one cannot be made).
 */
const char	*test_backend_target(const char *sqlite_path);

/*
 * A second connection to target for a test's own looks and changes
 * (a store's target: its SQL must suit both backends); the test fails
 * when it cannot be opened.  test_db_int: column 0 of the first row as
 * an integer, -1 without a row; the test fails when the statement
 * does.  test_db_scalar and test_db_exec open and close a connection
 * for the one statement; test_db_exec: 0, or -1 when the database
 * refused it.
 */
struct db	*test_db_open(const char *target);
int64_t		 test_db_int(struct db *db, const char *sql);
int64_t		 test_db_scalar(const char *target, const char *sql);
int		 test_db_exec(const char *target, const char *sql);

/*
 * On the connection db: a trigger name that makes every INSERT (or
 * UPDATE: when is "INSERT" or "UPDATE") on table whose row passes cond
 * (SQL over NEW.column; NULL: every row) fail with message msg, written
 * for the backend (SQLite's RAISE(ABORT), PostgreSQL's plpgsql RAISE).
 * test_db_drop_trigger removes a trigger of table.  0 or -1.
 */
int	 test_db_fail_trigger(struct db *db, const char *name,
	    const char *when, const char *table, const char *cond,
	    const char *msg);
int	 test_db_drop_trigger(struct db *db, const char *name,
	    const char *table);
/* The database refuses every write on db (1) or takes them again (0). */
int	 test_db_read_only(struct db *db, int on);

#endif
