/*
 * The database a unit test runs its store on: SQLite by default, or a
 * fresh PostgreSQL database on the throw-away cluster tests/run-unit.sh
 * starts (tests/pg.sh) and names in SHAOBING_TEST_PG.
 */
#ifndef SHAOBING_TEST_DB_TARGET_H
#define SHAOBING_TEST_DB_TARGET_H

/*
 * A new empty PostgreSQL database (t_PID_N, created over the base URI
 * $SHAOBING_TEST_PG) and its URI; NULL when SHAOBING_TEST_PG is not set
 * or the database cannot be made (the reason printed).  The string
 * lives until the process exits.
 */
const char	*test_pg_target(void);

/*
 * The target for a test's store: sqlite_path when SHAOBING_TEST_PG is
 * not set, otherwise test_pg_target() (NULL when that fails).
 */
const char	*test_store_target(const char *sqlite_path);

#endif
