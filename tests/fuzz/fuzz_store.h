/*
 * For fuzz targets that need a store in a known state for every input:
 * open it once (LLVMFuzzerInitialize), bring it to that state, call
 * fuzz_store_snapshot(), and fuzz_store_reset() before each input.
 *
 * The snapshot copies every table's rows into an attached in-memory
 * database; the reset, in one transaction, deletes each table's rows and
 * copies the snapshot's back (statements prepared once; foreign keys
 * deferred to the commit).  The schema never changes after the snapshot,
 * so the store's own prepared statements stay valid: a reset costs a few
 * microseconds where store_open() (every migration) or an online backup
 * (which makes the connection re-read its schema and re-prepare every
 * statement) cost a millisecond.
 *
 * The incident trail's append-only triggers are dropped on this store so
 * the reset can delete the rows an input appended: nothing the fuzzed
 * code does deletes or updates trail rows, and the targets still verify
 * the trail's hash chain (store_incident_verify) after each input.
 * Header-only: tests/fuzz/run.sh builds each target from one file.
 */
#ifndef SHAOBING_FUZZ_STORE_H
#define SHAOBING_FUZZ_STORE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "collector/store_priv.h"

#define FUZZ_STORE_MAX_STMTS	256

static sqlite3_stmt	*fuzz_store_stmts[FUZZ_STORE_MAX_STMTS];
static int		 fuzz_store_nstmts;

static void
fuzz_store_exec(sqlite3 *db, const char *sql)
{
	char *e = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK) {
		fprintf(stderr, "fuzz_store: %s: %s\n", sql, e ? e : "?");
		abort();
	}
}

static void
fuzz_store_add(sqlite3 *db, const char *sql)
{
	if (fuzz_store_nstmts == FUZZ_STORE_MAX_STMTS ||
	    sqlite3_prepare_v2(db, sql, -1,
	    &fuzz_store_stmts[fuzz_store_nstmts], NULL) != SQLITE_OK) {
		fprintf(stderr, "fuzz_store: %s: %s\n", sql, sqlite3_errmsg(db));
		abort();
	}
	fuzz_store_nstmts++;
}

#define FUZZ_STORE_MAX_TABLES	64

/* 1 when table child has a foreign key to table parent (other than itself). */
static int
fuzz_store_refers(sqlite3 *db, const char *child, const char *parent)
{
	sqlite3_stmt	*s;
	int		 yes = 0;

	if (strcmp(child, parent) == 0 || sqlite3_prepare_v2(db,
	    "SELECT 1 FROM pragma_foreign_key_list(?1) WHERE \"table\" = ?2",
	    -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(s, 1, child, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, parent, -1, SQLITE_STATIC);
	yes = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return yes;
}

static void
fuzz_store_snapshot(struct store *st)
{
	sqlite3		*db = db_sqlite_handle(store_db(st));
	sqlite3_stmt	*s;
	char		 sql[512], *t[FUZZ_STORE_MAX_TABLES];
	int		 n = 0, order[FUZZ_STORE_MAX_TABLES], done[FUZZ_STORE_MAX_TABLES];
	int		 seq = 0, k = 0;

	fuzz_store_exec(db, "DROP TRIGGER IF EXISTS incident_trail_no_update;"
	    "DROP TRIGGER IF EXISTS incident_trail_no_delete;"
	    "ATTACH ':memory:' AS fuzz_snap");
	if (sqlite3_prepare_v2(db, "SELECT name FROM main.sqlite_master "
	    "WHERE type = 'table' ORDER BY name", -1, &s, NULL) != SQLITE_OK)
		abort();
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);

		if (strcmp(name, "sqlite_sequence") == 0)
			seq = 1;
		else if (strncmp(name, "sqlite_", 7) != 0) {
			if (n == FUZZ_STORE_MAX_TABLES ||
			    (t[n++] = strdup(name)) == NULL)
				abort();
		}
	}
	sqlite3_finalize(s);
	/* Children before parents: the order of the deletes. */
	memset(done, 0, sizeof(done));
	while (k < n) {
		int before = k;

		for (int i = 0; i < n; i++) {
			int free_ = !done[i];

			for (int j = 0; free_ && j < n; j++)
				if (!done[j] && fuzz_store_refers(db, t[j], t[i]))
					free_ = 0;
			if (free_) {
				done[i] = 1;
				order[k++] = i;
			}
		}
		if (k == before)
			abort();	/* a cycle of foreign keys */
	}
	for (int i = 0; i < n; i++) {
		snprintf(sql, sizeof(sql), "CREATE TABLE fuzz_snap.\"%s\" AS "
		    "SELECT * FROM main.\"%s\"", t[i], t[i]);
		fuzz_store_exec(db, sql);
	}
	if (seq)
		fuzz_store_exec(db, "CREATE TABLE fuzz_snap.seq AS "
		    "SELECT * FROM main.sqlite_sequence");
	fuzz_store_add(db, "BEGIN IMMEDIATE");
	for (int i = 0; i < n; i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM main.\"%s\"", t[order[i]]);
		fuzz_store_add(db, sql);
	}
	for (int i = n - 1; i >= 0; i--) {
		snprintf(sql, sizeof(sql), "SELECT 1 FROM fuzz_snap.\"%s\"",
		    t[order[i]]);
		if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
			abort();
		if (sqlite3_step(s) == SQLITE_ROW) {	/* rows to put back */
			snprintf(sql, sizeof(sql), "INSERT INTO main.\"%s\" "
			    "SELECT * FROM fuzz_snap.\"%s\"", t[order[i]],
			    t[order[i]]);
			fuzz_store_add(db, sql);
		}
		sqlite3_finalize(s);
	}
	if (seq) {
		fuzz_store_add(db, "DELETE FROM main.sqlite_sequence");
		fuzz_store_add(db, "INSERT INTO main.sqlite_sequence "
		    "SELECT * FROM fuzz_snap.seq");
	}
	fuzz_store_add(db, "COMMIT");
	for (int i = 0; i < n; i++)
		free(t[i]);
}

static void
fuzz_store_reset(struct store *st)
{
	sqlite3	*db = db_sqlite_handle(store_db(st));

	for (int i = 0; i < fuzz_store_nstmts; i++) {
		int rc = sqlite3_step(fuzz_store_stmts[i]);

		sqlite3_reset(fuzz_store_stmts[i]);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
			fprintf(stderr, "fuzz_store: reset: %s\n",
			    sqlite3_errmsg(db));
			abort();
		}
	}
}

#endif
